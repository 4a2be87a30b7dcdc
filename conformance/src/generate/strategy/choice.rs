//! `oneOf`/`anyOf`: one branch at a time, kept apart from the other branches where `oneOf`
//! demands exactly one match, and tagged with its discriminator value.

use std::sync::Arc;

use proptest::strategy::{BoxedStrategy, Strategy, Union};
use serde_json::{Map, Value, json};

use super::{Builder, unsatisfiable};
use crate::generate::GenError;
use gamespec_spec::shape::merge_all_of;

impl Builder<'_> {
    /// `oneOf`/`anyOf`: one branch, with the schema's other keywords merged into each branch.
    ///
    /// For `oneOf`, a value must match exactly one branch. Branches usually differ by required
    /// properties, so each branch leaves out one property that every other branch requires and
    /// it does not; where that cannot separate two branches (or a discriminator decides), values
    /// that match another branch are filtered out with that branch's validator.
    pub(super) fn choice(
        &mut self,
        s: &Map<String, Value>,
        key: &str,
        depth: usize,
        at: &str,
    ) -> Result<BoxedStrategy<Value>, GenError> {
        let originals: Vec<Value> = s
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if originals.is_empty() {
            return Err(unsatisfiable(at, &format!("`{key}` has no branch")));
        }
        let mut siblings = s.clone();
        for k in ["oneOf", "anyOf", "discriminator", "nullable"] {
            siblings.remove(k);
        }
        let shaping = [
            "type",
            "properties",
            "required",
            "additionalProperties",
            "items",
        ];
        let merge = shaping.iter().any(|k| siblings.contains_key(*k));
        let branches: Vec<Value> = originals
            .iter()
            .map(|b| {
                if merge {
                    let both = json!({"allOf": [Value::Object(siblings.clone()), b]});
                    let mut m = merge_all_of(self.root, &both);
                    if let Some(m) = m.as_object_mut() {
                        m.remove("allOf");
                    }
                    m
                } else {
                    b.clone()
                }
            })
            .collect();
        let discriminator = s.get("discriminator").cloned();
        let exclusive = key == "oneOf";
        let required: Vec<Vec<String>> = branches.iter().map(|b| self.required_of(b)).collect();
        let mut strategies = Vec::new();
        let mut last_error = None;
        for (i, branch) in branches.iter().enumerate() {
            let mut skip = Vec::new();
            let mut overlap = discriminator.is_some();
            if exclusive && discriminator.is_none() {
                let props = self.properties_of(branch);
                for (j, other) in required.iter().enumerate() {
                    if j == i {
                        continue;
                    }
                    match other.iter().find(|p| !required[i].contains(p)) {
                        Some(p) if props.contains(p) => skip.push(p.clone()),
                        Some(_) => {}
                        None => overlap = true,
                    }
                }
            }
            let built = match self.node(branch, depth + 1, at, &skip) {
                Ok(b) => b,
                Err(e) => {
                    last_error = Some(e);
                    continue;
                }
            };
            let built = match &discriminator {
                Some(d) => tagged(built, d, &originals[i]),
                None => built,
            };
            let built = if exclusive && overlap {
                let others: Vec<Arc<jsonschema::Validator>> = branches
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .filter_map(|(_, b)| {
                        gamespec_spec::schema::compile(self.root, self.direction, b).ok()
                    })
                    .map(Arc::new)
                    .collect();
                built
                    .prop_filter("matches another oneOf branch", move |v| {
                        !others.iter().any(|o| o.is_valid(v))
                    })
                    .boxed()
            } else {
                built
            };
            strategies.push(built);
        }
        if strategies.is_empty() {
            return Err(last_error.unwrap_or_else(|| unsatisfiable(at, "no branch can be built")));
        }
        Ok(Union::new(strategies).boxed())
    }

    fn required_of(&self, schema: &Value) -> Vec<String> {
        merge_all_of(self.root, schema)
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    }

    fn properties_of(&self, schema: &Value) -> Vec<String> {
        merge_all_of(self.root, schema)
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// Set the discriminator's tag of the chosen branch on object values, so the value names the
/// branch it was made for.
fn tagged(built: BoxedStrategy<Value>, d: &Value, branch: &Value) -> BoxedStrategy<Value> {
    let property = d
        .get("propertyName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let target = branch.get("$ref").and_then(Value::as_str);
    let tag = d
        .get("mapping")
        .and_then(Value::as_object)
        .and_then(|m| {
            m.iter()
                .find(|(_, t)| t.as_str() == target)
                .map(|(k, _)| k.clone())
        })
        .or_else(|| target.and_then(|t| t.rsplit('/').next()).map(str::to_owned));
    match tag {
        Some(tag) if !property.is_empty() => built
            .prop_map(move |mut v| {
                if let Some(obj) = v.as_object_mut() {
                    obj.insert(property.clone(), Value::String(tag.clone()));
                }
                v
            })
            .boxed(),
        _ => built,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::check;
    use super::*;

    #[test]
    fn one_of_branches_stay_apart() {
        let root = json!({});
        // Without the exclusion, a value of the first branch with `refresh` set matches both.
        let schema = json!({"oneOf": [
            {"type": "object", "required": ["version", "token"], "properties": {
                "version": {"type": "string"}, "token": {"type": "string"}, "refresh": {"type": "string"}}},
            {"type": "object", "required": ["version", "refresh"], "properties": {
                "version": {"type": "string"}, "refresh": {"type": "string"}}}
        ]});
        check(&root, schema, 300);
        // Branches that share every required property are told apart by their validators.
        let schema = json!({"oneOf": [
            {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "maximum": 10}}},
            {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "minimum": 5}}}
        ]});
        check(&root, schema, 300);
        // Sibling properties with `anyOf` of required lists (email or phone).
        let schema = json!({"type": "object",
            "properties": {"email": {"type": "string", "format": "email"}, "phone": {"type": "string", "pattern": "^\\+\\d{5,8}$"}},
            "anyOf": [{"required": ["email"]}, {"required": ["phone"]}]});
        check(&root, schema, 300);
    }

    #[test]
    fn discriminators_tag_their_branch() {
        let root = json!({"components": {"schemas": {
            "Cat": {"type": "object", "additionalProperties": false, "required": ["kind", "lives"],
                "properties": {"kind": {"type": "string"}, "lives": {"type": "integer"}}},
            "Dog": {"type": "object", "additionalProperties": false, "required": ["kind", "barks"],
                "properties": {"kind": {"type": "string"}, "barks": {"type": "boolean"}}}
        }}});
        let schema = json!({"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
            "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}}});
        let values = super::super::tests::draws(&root, schema, super::super::Carrier::Json, 100);
        for v in &values {
            let kind = v["kind"].as_str().unwrap();
            assert!(kind == "cat" || kind == "Dog", "{v}");
        }
        assert!(values.iter().any(|v| v["kind"] == "cat"));
        assert!(values.iter().any(|v| v["kind"] == "Dog"));
    }
}
