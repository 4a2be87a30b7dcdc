//! Reading OpenAPI schema objects (not validating them): following `$ref`s, finding a property's
//! schema through `allOf`/`oneOf`/`anyOf`, and the primitive type a parameter is coerced to.
//!
//! Validation itself always goes through the compiled JSON-Schema validators of [`crate::spec`];
//! these helpers only answer "what shape should this be" for parsing and data generation.

use crate::refs;
use serde_json::{Map, Value};

/// Follow `$ref`s from `schema` to the schema object they name.
pub fn deref<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    refs::deref(root, schema)
}

/// The schema's `type`, or the type its keywords imply (`properties` → object, `items` → array).
pub fn type_name<'a>(root: &'a Value, schema: &'a Value) -> Option<&'a str> {
    let schema = deref(root, schema);
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        return Some(t);
    }
    if schema.get("properties").is_some() || schema.get("additionalProperties").is_some() {
        return Some("object");
    }
    if schema.get("items").is_some() {
        return Some("array");
    }
    // `allOf: [$ref]` and similar wrappers take the type of their first typed branch.
    schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|s| type_name(root, s))
}

/// The schema of property `name` of an object schema, searching `allOf`, `oneOf` and `anyOf`
/// branches (first match wins).
pub fn property<'a>(root: &'a Value, schema: &'a Value, name: &str) -> Option<&'a Value> {
    in_branches(root, schema, &|s| {
        s.get("properties").and_then(|p| p.get(name))
    })
}

/// The schema of an array schema's elements, searching `allOf`, `oneOf` and `anyOf` branches
/// (first match wins).
pub fn items<'a>(root: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    in_branches(root, schema, &|s| s.get("items"))
}

/// The first thing `here` finds in `schema` (after `$ref`s) or, depth first, in its `allOf`,
/// `oneOf` and `anyOf` branches; nesting deeper than 16 finds nothing (cycles end there).
fn in_branches<'a>(
    root: &'a Value,
    schema: &'a Value,
    here: &dyn Fn(&'a Value) -> Option<&'a Value>,
) -> Option<&'a Value> {
    fn find<'a>(
        root: &'a Value,
        schema: &'a Value,
        here: &dyn Fn(&'a Value) -> Option<&'a Value>,
        depth: usize,
    ) -> Option<&'a Value> {
        if depth > 16 {
            return None;
        }
        let schema = deref(root, schema);
        if let Some(found) = here(schema) {
            return Some(found);
        }
        ["allOf", "oneOf", "anyOf"].iter().find_map(|k| {
            schema
                .get(*k)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find_map(|s| find(root, s, here, depth + 1))
        })
    }
    find(root, schema, here, 0)
}

/// One object schema that holds the `properties` and `required` of `schema` and of every `allOf`
/// branch (recursively), with the first `type`, `additionalProperties` and `description` found.
/// Used to generate a value that satisfies all branches at once.
pub fn merge_all_of(root: &Value, schema: &Value) -> Value {
    fn merge(root: &Value, schema: &Value, out: &mut Map<String, Value>, depth: usize) {
        if depth > 16 {
            return;
        }
        let schema = deref(root, schema);
        let Some(obj) = schema.as_object() else {
            return;
        };
        for (k, v) in obj {
            match k.as_str() {
                "allOf" => {
                    for branch in v.as_array().into_iter().flatten() {
                        merge(root, branch, out, depth + 1);
                    }
                }
                "properties" => {
                    let props = out
                        .entry("properties")
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let (Some(props), Some(new)) = (props.as_object_mut(), v.as_object()) {
                        for (name, p) in new {
                            props.entry(name.clone()).or_insert_with(|| p.clone());
                        }
                    }
                }
                "required" => {
                    let req = out
                        .entry("required")
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let (Some(req), Some(new)) = (req.as_array_mut(), v.as_array()) {
                        for name in new {
                            if !req.contains(name) {
                                req.push(name.clone());
                            }
                        }
                    }
                }
                _ => {
                    out.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
    }
    let mut out = Map::new();
    merge(root, schema, &mut out, 0);
    Value::Object(out)
}

/// Whether `schema` (after `$ref`s) marks a string as a credential (`format: password`).
pub fn is_secret(root: &Value, schema: &Value) -> bool {
    let schema = deref(root, schema);
    schema.get("format").and_then(Value::as_str) == Some("password")
        && type_name(root, schema) == Some("string")
}

/// Turn a text value (path segment, query value, header, form field) into the JSON value the
/// schema expects, so the validator judges it by type. Text that does not parse stays a string
/// and the validator then reports the type mismatch, naming the parameter.
pub fn coerce(root: &Value, schema: &Value, raw: &str) -> Value {
    match type_name(root, schema) {
        Some("integer") => raw
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| raw.parse::<u64>().map(Value::from))
            .unwrap_or_else(|_| Value::String(raw.to_owned())),
        Some("number") => raw
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(raw.to_owned())),
        Some("boolean") => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(raw.to_owned()),
        },
        Some("null") if raw.is_empty() => Value::Null,
        _ => Value::String(raw.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn property_is_found_through_refs_and_branches() {
        let root = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"a": {"type": "integer"}}},
            "B": {"oneOf": [{"$ref": "#/components/schemas/A"}]}
        }}});
        let b = json!({"$ref": "#/components/schemas/B"});
        assert_eq!(property(&root, &b, "a"), Some(&json!({"type": "integer"})));
        assert_eq!(property(&root, &b, "z"), None);
    }

    #[test]
    fn all_of_merges_properties_and_required() {
        let root = json!({"components": {"schemas": {
            "A": {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}
        }}});
        let s = json!({"allOf": [{"$ref": "#/components/schemas/A"},
            {"type": "object", "required": ["b"], "properties": {"b": {"type": "string"}}}]});
        let m = merge_all_of(&root, &s);
        assert_eq!(m["required"], json!(["a", "b"]));
        assert_eq!(m["type"], json!("object"));
        assert!(m["properties"].get("b").is_some());
    }

    #[test]
    fn coercion_follows_the_schema_type() {
        let root = json!({});
        assert_eq!(coerce(&root, &json!({"type": "integer"}), "42"), json!(42));
        assert_eq!(coerce(&root, &json!({"type": "integer"}), "x"), json!("x"));
        assert_eq!(
            coerce(&root, &json!({"type": "boolean"}), "true"),
            json!(true)
        );
        assert_eq!(coerce(&root, &json!({"type": "string"}), "42"), json!("42"));
    }
}
