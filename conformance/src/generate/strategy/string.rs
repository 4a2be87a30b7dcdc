//! Strings: a `pattern`'s language, a `format`'s shape, or plain text from the carrier's
//! alphabet, within `minLength`/`maxLength`.

use std::borrow::Cow;
use std::ops::RangeInclusive;

use proptest::collection::vec;
use proptest::strategy::{BoxedStrategy, Strategy};
use serde_json::{Map, Value};

use super::{Builder, Carrier, formats, pattern, unsatisfiable};
use crate::generate::GenError;

/// Strings are at most this long unless `minLength` asks for more.
const STRING_MAX: usize = 32;

impl Builder<'_> {
    pub(super) fn string(
        &self,
        s: &Map<String, Value>,
        at: &str,
    ) -> Result<BoxedStrategy<Value>, GenError> {
        let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = s
            .get("maxLength")
            .and_then(Value::as_u64)
            .map(|m| m as usize);
        if max.is_some_and(|max| max < min) {
            return Err(unsatisfiable(at, "minLength is above maxLength"));
        }
        if self.filled && max == Some(0) {
            return Err(unsatisfiable(
                at,
                "maxLength 0 leaves only the empty value, which is not allowed here",
            ));
        }
        // A path segment or list item must not be empty (or a dot segment, which URLs drop).
        let token = self.carrier == Carrier::Token && max != Some(0);
        let min = if token || self.filled {
            min.max(1)
        } else {
            min
        };
        let shaped = s
            .get("pattern")
            .and_then(Value::as_str)
            .and_then(|p| pattern::strategy(p).ok())
            .or_else(|| {
                s.get("format")
                    .and_then(Value::as_str)
                    .and_then(formats::strategy)
            });
        let text = match shaped {
            Some(shaped) if min > 0 || max.is_some() => shaped
                .prop_filter("length outside minLength/maxLength", move |v| {
                    let n = v.chars().count();
                    n >= min
                        && max.is_none_or(|max| n <= max)
                        && !(token && (v == "." || v == ".."))
                })
                .prop_map(Value::String)
                .boxed(),
            Some(shaped) => shaped.prop_map(Value::String).boxed(),
            None => self.plain(min, max),
        };
        Ok(text)
    }

    /// A string of `min..=max` characters (at most 32 unless `min` is larger) from
    /// the carrier's alphabet.
    pub(super) fn plain(&self, min: usize, max: Option<usize>) -> BoxedStrategy<Value> {
        const JSON: &[RangeInclusive<char>] =
            &[' '..='~', 'à'..='ÿ', 'α'..='ω', '一'..='十', '🎮'..='🎲'];
        const TEXT: &[RangeInclusive<char>] = &[' '..='~'];
        const TOKEN: &[RangeInclusive<char>] =
            &['a'..='z', 'A'..='Z', '0'..='9', '-'..='-', '_'..='_'];
        let (alphabet, min) = match self.carrier {
            Carrier::Json => (JSON, min),
            Carrier::Text => (TEXT, min),
            Carrier::Token => (TOKEN, if max == Some(0) { 0 } else { min.max(1) }),
        };
        let upper = max.unwrap_or(usize::MAX).min(min.max(STRING_MAX)).max(min);
        vec(proptest::char::ranges(Cow::Borrowed(alphabet)), min..=upper)
            .prop_map(|chars| Value::String(chars.into_iter().collect()))
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use serde_json::json;

    use super::super::Optional;
    use super::super::tests::{check, draws};
    use super::*;

    #[test]
    fn strings_respect_their_keywords() {
        let root = json!({});
        for schema in [
            json!({"type": "string", "minLength": 40}),
            json!({"type": "string", "maxLength": 3}),
            json!({"type": "string", "format": "email", "maxLength": 30}),
            json!({"type": "string", "format": "byte"}),
            json!({"type": "string", "pattern": "^[A-Za-z0-9_]+$", "maxLength": 5}),
        ] {
            check(&root, schema, 200);
        }
    }

    #[test]
    fn tokens_are_never_empty_or_dot_segments() {
        let root = json!({});
        let mut runner = TestRunner::deterministic();
        let token = Builder::new(&root, Carrier::Token, Optional::Random)
            .build(&json!({"type": "string", "maxLength": 2}), "path/p")
            .unwrap();
        for _ in 0..100 {
            let v = token.new_tree(&mut runner).unwrap().current();
            assert!(!["", ".", ".."].contains(&v.as_str().unwrap()), "{v}");
        }
    }

    #[test]
    fn text_carriers_never_send_null_or_empty_tokens() {
        let root = json!({});
        for v in draws(
            &root,
            json!({"type": "string", "nullable": true}),
            Carrier::Token,
            200,
        ) {
            let s = v.as_str().unwrap();
            assert!(
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{v}"
            );
        }
        for v in draws(
            &root,
            json!({"type": "integer", "nullable": true}),
            Carrier::Text,
            200,
        ) {
            assert!(v.is_i64(), "{v}");
        }
    }
}
