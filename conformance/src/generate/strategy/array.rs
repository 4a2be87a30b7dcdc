//! Arrays: `minItems`/`maxItems` within a small cap, `uniqueItems`, and the wire's rule that
//! an empty list may not survive the trip.

use proptest::collection::vec;
use proptest::strategy::{BoxedStrategy, Just, Strategy};
use serde_json::{Map, Value, json};

use super::{Builder, Carrier, Optional, unsatisfiable};
use crate::generate::GenError;

/// Arrays have at most this many items unless `minItems` asks for more.
const ARRAY_MAX: usize = 4;

impl Builder<'_> {
    pub(super) fn array(
        &mut self,
        s: &Map<String, Value>,
        depth: usize,
        at: &str,
    ) -> Result<BoxedStrategy<Value>, GenError> {
        let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = s
            .get("maxItems")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |m| m as usize);
        if min > max {
            return Err(unsatisfiable(at, "minItems is above maxItems"));
        }
        let upper = max.min(min.max(ARRAY_MAX));
        // A comma-joined list without items is the empty text.
        if self.filled && self.carrier == Carrier::Token && upper == 0 {
            return Err(unsatisfiable(
                at,
                "maxItems 0 leaves only the empty value, which is not allowed here",
            ));
        }
        // An empty list does not survive every wire form (an exploded query list vanishes), so
        // text carriers and `Always` ask for one item where the schema allows it.
        let floor = if self.carrier != Carrier::Json || self.optional == Optional::Always {
            min.max(1).min(upper)
        } else {
            min
        };
        let (lo, hi) = if self.shallow(depth) || self.optional == Optional::Never {
            (floor, floor)
        } else {
            (floor, upper)
        };
        let items = s.get("items").cloned().unwrap_or_else(|| json!({}));
        let item = if hi == 0 {
            Just(Value::Null).boxed()
        } else {
            self.node(&items, depth + 1, &format!("{at}/0"), &[])?
        };
        let unique = s.get("uniqueItems") == Some(&Value::Bool(true));
        let list = vec(item, lo..=hi);
        Ok(if unique {
            list.prop_map(|items| {
                let mut out: Vec<Value> = Vec::with_capacity(items.len());
                for v in items {
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
                out
            })
            .prop_filter("too few distinct items", move |v| v.len() >= min)
            .prop_map(Value::Array)
            .boxed()
        } else {
            list.prop_map(Value::Array).boxed()
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{check, draws};
    use super::*;

    #[test]
    fn arrays_respect_their_keywords() {
        let root = json!({});
        for schema in [
            json!({"type": "array", "minItems": 2, "maxItems": 3, "uniqueItems": true, "items": {"type": "integer", "minimum": 0, "maximum": 5}}),
            json!({"type": "array", "minItems": 6, "items": {"type": "string"}}),
            json!({"type": "array"}),
        ] {
            check(&root, schema, 200);
        }
    }

    #[test]
    fn text_lists_carry_at_least_one_item() {
        let root = json!({});
        let schema = json!({"type": "array", "items": {"type": "integer"}});
        for v in draws(&root, schema, Carrier::Text, 100) {
            assert!(!v.as_array().unwrap().is_empty(), "{v}");
        }
    }
}
