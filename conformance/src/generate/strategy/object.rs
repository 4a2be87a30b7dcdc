//! Objects: declared properties (required ones always, optional ones as the policy says, the
//! ones hidden in the builder's direction never) and free-form maps of `additionalProperties`.

use gamespec_spec::schema::Direction;
use proptest::collection::vec;
use proptest::strategy::{BoxedStrategy, Just, Strategy};
use serde_json::{Map, Value};

use super::{Builder, Optional, is_true, unsatisfiable};
use crate::generate::GenError;
use gamespec_spec::shape::deref;

impl Builder<'_> {
    pub(super) fn object(
        &mut self,
        s: &Map<String, Value>,
        depth: usize,
        at: &str,
        skip: &[String],
    ) -> Result<BoxedStrategy<Value>, GenError> {
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let shallow = self.shallow(depth);
        let hidden = match self.direction {
            Direction::Request => "readOnly",
            Direction::Response => "writeOnly",
        };
        let mut names = Vec::new();
        let mut parts: Vec<BoxedStrategy<Option<Value>>> = Vec::new();
        let properties = s.get("properties").and_then(Value::as_object);
        // `minProperties` above the required count makes that many optional properties (the
        // first ones declared) as good as required.
        let min_properties = s.get("minProperties").and_then(Value::as_u64).unwrap_or(0) as usize;
        let mut forced = min_properties.saturating_sub(required.len());
        for (name, prop) in properties.into_iter().flatten() {
            if is_true(deref(self.root, prop), hidden) {
                continue;
            }
            let is_required = required.contains(&name.as_str()) || {
                let force = forced > 0 && !skip.contains(name);
                forced -= usize::from(force);
                force
            };
            let wanted = is_required
                || !(shallow || skip.contains(name) || self.optional == Optional::Never);
            if !wanted {
                continue;
            }
            let child = match self.node(prop, depth + 1, &format!("{at}/{name}"), &[]) {
                Ok(c) => c,
                Err(e) if is_required => return Err(e),
                // An optional property nothing can satisfy is left out.
                Err(_) => continue,
            };
            let part = if is_required || self.optional == Optional::Always {
                child.prop_map(Some).boxed()
            } else {
                proptest::option::of(child).boxed()
            };
            names.push(name.clone());
            parts.push(part);
        }
        let extra = match (properties, s.get("additionalProperties")) {
            (None, Some(extra)) if extra != &Value::Bool(false) && !shallow => {
                let value = match extra {
                    Value::Object(_) => self.node(extra, depth + 1, &format!("{at}/*"), &[])?,
                    _ => self.any(),
                };
                let min = s.get("minProperties").and_then(Value::as_u64).unwrap_or(0) as usize;
                let max = s
                    .get("maxProperties")
                    .and_then(Value::as_u64)
                    .map_or(usize::MAX, |m| m as usize);
                let (lo, hi) = match self.optional {
                    Optional::Random => (min, max.min(min.max(2))),
                    Optional::Never => (min, min),
                    Optional::Always => (min.max(1).min(max), max.min(min.max(2))),
                };
                if lo > hi {
                    return Err(unsatisfiable(at, "minProperties is above maxProperties"));
                }
                Some(vec(value, lo..=hi).boxed())
            }
            _ => None,
        };
        let extra = extra.unwrap_or_else(|| Just(Vec::new()).boxed());
        Ok((parts, extra)
            .prop_map(move |(values, extra)| {
                let mut out = Map::new();
                for (name, v) in names.iter().zip(values) {
                    if let Some(v) = v {
                        out.insert(name.clone(), v);
                    }
                }
                for (i, v) in extra.into_iter().enumerate() {
                    out.insert(format!("key_{}", i + 1), v);
                }
                Value::Object(out)
            })
            .boxed())
    }
}

#[cfg(test)]
mod tests {
    use gamespec_spec::schema::compile;
    use serde_json::json;

    use super::super::tests::{check, draws};
    use super::super::{Carrier, sample};
    use super::*;

    #[test]
    fn objects_respect_their_keywords() {
        let root = json!({});
        for schema in [
            json!({"type": "object", "additionalProperties": false, "required": ["a"], "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}),
            json!({"type": "object", "additionalProperties": {"type": "boolean"}}),
            json!({"type": "object", "minProperties": 1, "maxProperties": 2, "additionalProperties": {"type": "integer"}}),
            // Found by the arcade fixture's update body: no required field, at least one.
            json!({"type": "object", "minProperties": 1, "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}),
            json!({"type": "object", "minProperties": 2, "required": ["a"], "properties": {"a": {"type": "string"}, "b": {"type": "integer"}, "c": {"type": "boolean"}}}),
        ] {
            check(&root, schema, 200);
        }
    }

    #[test]
    fn each_direction_leaves_out_its_hidden_properties() {
        let root = json!({"components": {"schemas": {"Secret": {"type": "object", "required": ["id", "password"], "properties": {
            "id": {"type": "integer", "readOnly": true},
            "password": {"type": "string", "writeOnly": true}
        }}}}});
        let schema = json!({"$ref": "#/components/schemas/Secret"});
        for value in draws(&root, schema.clone(), Carrier::Json, 50) {
            assert!(value.get("id").is_none(), "readOnly sent: {value}");
            assert!(value.get("password").is_some(), "{value}");
        }
        let answers = Builder::new(&root, Carrier::Json, Optional::Random)
            .direction(Direction::Response)
            .build(&schema, "body")
            .unwrap();
        let answer = sample(&answers).unwrap();
        assert!(
            answer.get("password").is_none(),
            "writeOnly answered: {answer}"
        );
        assert!(answer.get("id").is_some(), "{answer}");
        let v = compile(&root, Direction::Response, &schema).unwrap();
        assert!(v.is_valid(&answer), "{answer}");
    }
}
