//! GS013 and GS014: values written inside schemas. A `default` the schema itself rejects
//! (GS013) and `enum` values of another type than the schema's (GS014) are valid OpenAPI but
//! almost always a slip: a client that sends the default gets a 400, and the off-type value can
//! never be sent. An `enum` with no value of the type at all cannot match anything and is
//! refused when the spec is loaded, not linted.

use serde_json::Value;

use super::{Context, Reporter, Rule};
use gamespec_spec::check::schema_objects;

/// GS013: see the module docs.
pub struct DefaultValid;
/// GS014: see the module docs.
pub struct EnumType;

impl Rule for DefaultValid {
    fn code(&self) -> &'static str {
        "GS013"
    }
    fn name(&self) -> &'static str {
        "default-valid"
    }
    fn summary(&self) -> &'static str {
        "every schema `default` validates against its schema"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        for (at, map) in schema_objects(&ctx.doc.value) {
            let Some(default) = map.get("default") else {
                continue;
            };
            let schema = Value::Object(map.clone());
            if let Err(errors) = ctx.request_schemas.validate(&schema, default) {
                out.report(
                    ctx.operation_at(&at),
                    &format!("{at}/default"),
                    format!(
                        "`default` {default} does not match its schema: {}",
                        errors.join("; ")
                    ),
                );
            }
        }
    }
}

fn has_type(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

impl Rule for EnumType {
    fn code(&self) -> &'static str {
        "GS014"
    }
    fn name(&self) -> &'static str {
        "enum-type"
    }
    fn summary(&self) -> &'static str {
        "every `enum` value is of the schema's type (null only when nullable)"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        for (at, map) in schema_objects(&ctx.doc.value) {
            let (Some(t), Some(values)) = (
                map.get("type").and_then(Value::as_str),
                map.get("enum").and_then(Value::as_array),
            ) else {
                continue;
            };
            let nullable = map.get("nullable") == Some(&Value::Bool(true));
            for (i, v) in values.iter().enumerate() {
                let allowed = has_type(t, v) || (nullable && v.is_null());
                if !allowed {
                    out.report(
                        ctx.operation_at(&at),
                        &format!("{at}/enum/{i}"),
                        format!("`enum` value {v} is not of type {t}: it can never match"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_spec::{findings, good};
    use super::*;
    use serde_json::json;

    #[test]
    fn good_spec_passes() {
        assert!(findings(&DefaultValid, &good()).is_empty());
        assert!(findings(&EnumType, &good()).is_empty());
    }

    #[test]
    fn a_default_the_schema_rejects_is_named() {
        let mut s = good();
        s["paths"]["/players/{id}"]["get"]["parameters"][0]["schema"] =
            json!({"type": "integer", "minimum": 1, "default": 0});
        let f = findings(&DefaultValid, &s);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            f[0].pointer,
            "/paths/~1players~1{id}/get/parameters/0/schema/default"
        );
        assert!(f[0].to_string().contains("operation getPlayer"), "{}", f[0]);
    }

    #[test]
    fn an_off_type_enum_value_is_named() {
        let mut s = good();
        s["components"]["schemas"]["Error"]["properties"]["message"] =
            json!({"type": "string", "enum": ["a", 2, null]});
        let f = findings(&EnumType, &s);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(
            f[0].pointer,
            "/components/schemas/Error/properties/message/enum/1"
        );
    }
}
