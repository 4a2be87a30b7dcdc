//! Strings that match a schema's `pattern`, generated from the parsed regular expression so that
//! they shrink like any other proptest value.
//!
//! Patterns are parsed without Unicode classes (`\d` is `[0-9]`, as in ECMA-262, which OpenAPI
//! patterns follow) and every class is narrowed to printable ASCII, so the strings travel in
//! URLs, headers and form fields unchanged. Anchors and word boundaries generate nothing: an
//! exact match of the expression is also a match of the anchored pattern.

use proptest::collection::vec;
use proptest::strategy::{BoxedStrategy, Just, Strategy, Union};
use regex_syntax::hir::{Class, Hir, HirKind};
use std::borrow::Cow;
use std::ops::RangeInclusive;

/// Extra repetitions beyond the minimum for `*`, `+` and `{n,}` (keeps strings short).
const OPEN_REPEAT: u32 = 8;
/// Extra repetitions beyond the minimum for `{n,m}` with a large `m`.
const BOUNDED_REPEAT: u32 = 16;

/// A strategy for strings matching `pattern`, or why none can be built (the caller falls back).
pub fn strategy(pattern: &str) -> Result<BoxedStrategy<String>, String> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| format!("pattern {pattern:?} does not parse: {e}"))?;
    node(&hir)
}

fn node(hir: &Hir) -> Result<BoxedStrategy<String>, String> {
    Ok(match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Just(String::new()).boxed(),
        HirKind::Literal(lit) => Just(String::from_utf8_lossy(&lit.0).into_owned()).boxed(),
        HirKind::Class(class) => {
            let ranges = printable(class);
            if ranges.is_empty() {
                return Err("a character class has no printable ASCII character".into());
            }
            proptest::char::ranges(Cow::Owned(ranges))
                .prop_map(String::from)
                .boxed()
        }
        HirKind::Repetition(rep) => {
            let extra = if rep.max.is_some() {
                BOUNDED_REPEAT
            } else {
                OPEN_REPEAT
            };
            let max = rep
                .max
                .unwrap_or(u32::MAX)
                .min(rep.min.saturating_add(extra));
            let sub = node(&rep.sub)?;
            vec(sub, rep.min as usize..=max as usize)
                .prop_map(|parts| parts.concat())
                .boxed()
        }
        HirKind::Capture(c) => node(&c.sub)?,
        HirKind::Concat(parts) => {
            let parts = parts.iter().map(node).collect::<Result<Vec<_>, _>>()?;
            parts.prop_map(|p| p.concat()).boxed()
        }
        HirKind::Alternation(alts) => {
            let alts = alts.iter().map(node).collect::<Result<Vec<_>, _>>()?;
            Union::new(alts).boxed()
        }
    })
}

/// The class's ranges narrowed to printable ASCII (space to `~`).
fn printable(class: &Class) -> Vec<RangeInclusive<char>> {
    let clamp = |start: u32, end: u32| {
        let (s, e) = (start.max(0x20), end.min(0x7e));
        (s <= e).then(|| char::from(s as u8)..=char::from(e as u8))
    };
    match class {
        Class::Bytes(c) => c
            .ranges()
            .iter()
            .filter_map(|r| clamp(r.start().into(), r.end().into()))
            .collect(),
        Class::Unicode(c) => c
            .ranges()
            .iter()
            .filter_map(|r| clamp(r.start().into(), r.end().into()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    fn draws(pattern: &str, n: usize) -> Vec<String> {
        let s = strategy(pattern).unwrap();
        let mut runner = TestRunner::deterministic();
        (0..n)
            .map(|_| s.new_tree(&mut runner).unwrap().current())
            .collect()
    }

    #[test]
    fn phone_numbers_match_their_pattern() {
        for s in draws(r"^\+(\d){5,25}$", 200) {
            assert!(s.starts_with('+'), "{s}");
            assert!((6..=26).contains(&s.len()), "{s}");
            assert!(s[1..].bytes().all(|b| b.is_ascii_digit()), "{s}");
        }
    }

    #[test]
    fn classes_stay_inside_their_ranges() {
        for s in draws("^[A-Za-z0-9._-]+$", 200) {
            assert!(!s.is_empty());
            assert!(
                s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
                "{s}"
            );
        }
        for s in draws("^(red|green)-[^a-z]{2}$", 100) {
            assert!(s.starts_with("red-") || s.starts_with("green-"), "{s}");
            let tail = s.rsplit('-').next().unwrap();
            assert!(tail.bytes().all(|b| !b.is_ascii_lowercase()), "{s}");
        }
    }

    #[test]
    fn a_bad_pattern_is_an_error_not_a_panic() {
        assert!(strategy("(unclosed").is_err());
        // Only control characters: nothing printable to generate.
        assert!(strategy("^[\\x00-\\x1f]$").is_err());
    }
}
