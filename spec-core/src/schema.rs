//! OpenAPI 3.0 schemas as JSON Schema, and validation of values against them.
//!
//! OpenAPI 3.0's schema dialect is JSON Schema draft 4/5 plus a few keywords of its own. The
//! conversion keeps `$ref`s as they are (they point into `#/components/schemas`, which the
//! converted document keeps at the same place) and translates:
//! - `nullable: true` → `null` added to `type` (or an `anyOf` with `{type: null}`);
//! - `readOnly` / `writeOnly` properties → dropped on the side where they must not appear;
//! - `format: int32 | int64` → numeric bounds;
//! - OpenAPI-only keywords (`example`, `discriminator`, `xml`, `x-*`, …) → removed.

use serde_json::{Map, Value, json};

/// Which side of an exchange a value is on; decides how `readOnly`/`writeOnly` apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// A value sent to the server: `readOnly` properties must not be required.
    Request,
    /// A value received from the server: `writeOnly` properties must not be required.
    Response,
}

const OPENAPI_ONLY: &[&str] = &[
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
];

/// Convert one OpenAPI schema object (any depth) to JSON Schema.
pub fn to_json_schema(schema: &Value, dir: Direction) -> Value {
    let Value::Object(obj) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (k, v) in obj {
        if OPENAPI_ONLY.contains(&k.as_str()) || k.starts_with("x-") {
            continue;
        }
        let converted = match k.as_str() {
            "properties" => Value::Object(
                v.as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(_, p)| !hidden(p, dir))
                    .map(|(name, p)| (name.clone(), to_json_schema(p, dir)))
                    .collect(),
            ),
            "required" => Value::Array(
                v.as_array()
                    .into_iter()
                    .flatten()
                    .filter(|name| {
                        let prop = name
                            .as_str()
                            .and_then(|n| obj.get("properties").and_then(|p| p.get(n)));
                        !prop.is_some_and(|p| hidden(p, dir))
                    })
                    .cloned()
                    .collect(),
            ),
            "items" | "not" | "additionalProperties" => to_json_schema(v, dir),
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                v.as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| to_json_schema(s, dir))
                    .collect(),
            ),
            _ => v.clone(),
        };
        if k == "required" && converted.as_array().is_some_and(Vec::is_empty) {
            continue; // draft 4 forbids an empty `required`
        }
        out.insert(k.clone(), converted);
    }
    if out.contains_key("$ref") {
        // OpenAPI 3.0 ignores siblings of `$ref`, except that authors mean `nullable` literally.
        let only_ref = json!({"$ref": out["$ref"]});
        return if is_nullable(obj) {
            or_null(only_ref)
        } else {
            only_ref
        };
    }
    add_integer_bounds(&mut out);
    let composed = ["allOf", "oneOf", "anyOf"]
        .iter()
        .any(|k| out.contains_key(*k));
    if is_nullable(obj) {
        if composed {
            // `null` fails the composed schemas, so it must be offered beside them.
            return or_null(Value::Object(out));
        }
        if let Some(Value::String(t)) = out.get("type").cloned() {
            out.insert("type".into(), json!([t, "null"]));
            if let Some(Value::Array(values)) = out.get_mut("enum")
                && !values.contains(&Value::Null)
            {
                values.push(Value::Null);
            }
        } else {
            return or_null(Value::Object(out));
        }
    }
    Value::Object(out)
}

fn or_null(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}

fn is_nullable(obj: &Map<String, Value>) -> bool {
    obj.get("nullable") == Some(&Value::Bool(true))
}

fn hidden(prop: &Value, dir: Direction) -> bool {
    let flag = match dir {
        Direction::Request => "readOnly",
        Direction::Response => "writeOnly",
    };
    prop.get(flag) == Some(&Value::Bool(true))
}

fn add_integer_bounds(out: &mut Map<String, Value>) {
    let (min, max): (i64, i64) = match out.get("format").and_then(Value::as_str) {
        Some("int32") => (i32::MIN.into(), i32::MAX.into()),
        Some("int64") => (i64::MIN, i64::MAX),
        _ => return,
    };
    if out.get("type").and_then(Value::as_str) != Some("integer") {
        return;
    }
    out.entry("minimum").or_insert(json!(min));
    out.entry("maximum").or_insert(json!(max));
}

/// Why a schema of the spec could not become a validator.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The schema is not a JSON object (`true`, a string, …).
    #[error("schema is not an object: {0}")]
    NotAnObject(String),
    /// The schema defines `components` itself, which would shadow the spec's own.
    #[error("a schema may not define `components`")]
    DefinesComponents,
    /// The JSON Schema library refused the converted schema.
    #[error("{0}")]
    Invalid(String),
}

/// Compile a draft-4 validator (formats checked) for one OpenAPI schema of `spec`.
///
/// The validator embeds the converted closure of the schema's `$ref`s under
/// `#/components/schemas`, so the spec's own references resolve unchanged and a whole spec's
/// validators compile quickly. `format: uuid` is checked too: draft 4 does not define it, and a
/// server or example that sends `not-a-uuid` there is wrong.
pub fn compile(
    spec: &Value,
    dir: Direction,
    schema: &Value,
) -> Result<jsonschema::Validator, SchemaError> {
    let components: Map<String, Value> = crate::refs::reachable(spec, [schema])
        .iter()
        .filter_map(|target| {
            let name = target.strip_prefix("#/components/schemas/")?;
            let node = crate::refs::resolve(spec, target)?;
            Some((crate::pointer::unescape(name), to_json_schema(node, dir)))
        })
        .collect();
    let mut root = match to_json_schema(schema, dir) {
        Value::Object(m) => m,
        other => return Err(SchemaError::NotAnObject(other.to_string())),
    };
    if root.contains_key("components") {
        return Err(SchemaError::DefinesComponents);
    }
    root.insert("components".into(), json!({ "schemas": components }));
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .with_format("uuid", is_uuid)
        .build(&Value::Object(root))
        .map_err(|e| SchemaError::Invalid(e.to_string()))
}

/// RFC 4122 text form: 8-4-4-4-12 hexadecimal digits.
/// Read in place, without splitting: every generated id and every answer's ids pass here.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Validation of values against the schemas of one spec, for one direction.
#[derive(Debug, Clone)]
pub struct SchemaSet {
    spec: Value,
    dir: Direction,
}

impl SchemaSet {
    /// Validation against the schemas of `spec`, for one direction.
    pub fn new(spec: &Value, dir: Direction) -> Self {
        SchemaSet {
            spec: spec.clone(),
            dir,
        }
    }

    /// Compile a validator for one (OpenAPI) schema of the spec; see [`compile`].
    pub fn validator(&self, schema: &Value) -> Result<jsonschema::Validator, SchemaError> {
        compile(&self.spec, self.dir, schema)
    }

    /// Validate `value` against `schema`; each error is `"<instance pointer>: <message>"`.
    pub fn validate(&self, schema: &Value, value: &Value) -> Result<(), Vec<String>> {
        let validator = self.validator(schema).map_err(|e| vec![e.to_string()])?;
        let errors: Vec<String> = validator
            .iter_errors(value)
            .map(|e| format!("{}: {}", display_path(&e.instance_path().to_string()), e))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn display_path(p: &str) -> String {
    if p.is_empty() {
        "(root)".into()
    } else {
        p.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(spec: Value) -> SchemaSet {
        SchemaSet::new(&spec, Direction::Response)
    }

    #[test]
    fn nullable_type_accepts_null() {
        let s = set(json!({}));
        let schema = json!({"type": "string", "nullable": true});
        assert!(s.validate(&schema, &Value::Null).is_ok());
        assert!(s.validate(&schema, &json!(3)).is_err());
        assert!(
            s.validate(&json!({"type": "string"}), &Value::Null)
                .is_err()
        );
    }

    #[test]
    fn nullable_enum_accepts_null() {
        let s = set(json!({}));
        let schema = json!({"type": "string", "enum": ["a"], "nullable": true});
        assert!(s.validate(&schema, &Value::Null).is_ok());
    }

    #[test]
    fn nullable_ref_accepts_null_and_refs_resolve() {
        let spec = json!({"components": {"schemas": {"A": {"type": "object", "required": ["x"], "properties": {"x": {"type": "integer"}}}}}});
        let s = set(spec);
        let schema = json!({"$ref": "#/components/schemas/A", "nullable": true});
        assert!(s.validate(&schema, &Value::Null).is_ok());
        assert!(s.validate(&schema, &json!({"x": 1})).is_ok());
        let errs = s.validate(&schema, &json!({"x": "no"})).unwrap_err();
        assert!(!errs.is_empty());
    }

    #[test]
    fn nullable_all_of_accepts_null() {
        let spec = json!({"components": {"schemas": {"A": {"type": "object", "required": ["x"]}}}});
        let s = set(spec);
        let schema = json!({"type": "object", "nullable": true, "allOf": [{"$ref": "#/components/schemas/A"}]});
        assert!(s.validate(&schema, &Value::Null).is_ok());
        assert!(s.validate(&schema, &json!({"x": 1})).is_ok());
        assert!(s.validate(&schema, &json!({})).is_err());
    }

    #[test]
    fn read_only_is_not_required_in_requests() {
        let schema = json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "readOnly": true}}});
        let req = SchemaSet::new(&json!({}), Direction::Request);
        let resp = SchemaSet::new(&json!({}), Direction::Response);
        assert!(req.validate(&schema, &json!({})).is_ok());
        assert!(resp.validate(&schema, &json!({})).is_err());
    }

    #[test]
    fn int32_gets_bounds() {
        let s = set(json!({}));
        let schema = json!({"type": "integer", "format": "int32"});
        assert!(s.validate(&schema, &json!(2147483647)).is_ok());
        assert!(s.validate(&schema, &json!(2147483648_i64)).is_err());
    }

    #[test]
    fn date_time_format_is_checked() {
        let s = set(json!({}));
        let schema = json!({"type": "string", "format": "date-time"});
        assert!(s.validate(&schema, &json!("2026-01-02T03:04:05Z")).is_ok());
        assert!(s.validate(&schema, &json!("yesterday")).is_err());
    }

    #[test]
    fn uuid_format_is_checked() {
        let s = set(json!({}));
        let schema = json!({"type": "string", "format": "uuid"});
        assert!(
            s.validate(&schema, &json!("6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"))
                .is_ok()
        );
        assert!(s.validate(&schema, &json!("not-a-uuid")).is_err());
    }

    #[test]
    fn a_uuid_is_five_hex_groups_of_8_4_4_4_12() {
        for good in [
            "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
            "6F1C2A9E-3B4D-4E5F-8A7B-9C0D1E2F3A4B",
            "00000000-0000-0000-0000-000000000000",
        ] {
            assert!(is_uuid(good), "{good}");
        }
        for bad in [
            "",
            "6f1c2a9e3b4d4e5f8a7b9c0d1e2f3a4b",
            "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4",
            "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4bc",
            "6f1c2a9e-3b4d-4e5f-8a7b9-c0d1e2f3a4b",
            "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4g",
            "6f1c2a9e--3b4d-4e5f-8a7b-9c0d1e2f3a4",
            "{6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a}",
            "6f1c2a9é-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
        ] {
            assert!(!is_uuid(bad), "{bad}");
        }
    }

    #[test]
    fn error_names_the_instance_path() {
        let s = set(json!({}));
        let schema = json!({"type": "object", "properties": {"a": {"type": "integer"}}});
        let errs = s.validate(&schema, &json!({"a": "x"})).unwrap_err();
        assert!(errs[0].starts_with("/a: "), "{errs:?}");
    }
}
