//! GS015 and GS016: keywords a schema's `type` ignores. A `required` property the schema does
//! not declare (GS015) and a keyword for another type, such as `minLength` on an integer or
//! `items` on an object (GS016), are valid OpenAPI and validators skip them, so the constraint
//! the author meant is silently not there. (A required property that `additionalProperties:
//! false` forbids cannot be satisfied and is refused when the spec is loaded.)

use serde_json::Value;

use super::{Context, Reporter, Rule};
use gamespec_spec::check::schema_objects;
use gamespec_spec::pointer;

/// GS015: see the module docs.
pub struct RequiredDeclared;
/// GS016: see the module docs.
pub struct KeywordType;

/// Keywords that only constrain one kind of value, with the types they apply to.
const FOR_TYPE: &[(&str, &[&str])] = &[
    ("minLength", &["string"]),
    ("maxLength", &["string"]),
    ("pattern", &["string"]),
    ("minimum", &["number", "integer"]),
    ("maximum", &["number", "integer"]),
    ("exclusiveMinimum", &["number", "integer"]),
    ("exclusiveMaximum", &["number", "integer"]),
    ("multipleOf", &["number", "integer"]),
    ("items", &["array"]),
    ("minItems", &["array"]),
    ("maxItems", &["array"]),
    ("uniqueItems", &["array"]),
    ("properties", &["object"]),
    ("required", &["object"]),
    ("additionalProperties", &["object"]),
    ("minProperties", &["object"]),
    ("maxProperties", &["object"]),
];

impl Rule for RequiredDeclared {
    fn code(&self) -> &'static str {
        "GS015"
    }
    fn name(&self) -> &'static str {
        "required-declared"
    }
    fn summary(&self) -> &'static str {
        "every `required` property is declared in the schema's `properties`"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        for (at, map) in schema_objects(&ctx.doc.value) {
            // Composed schemas declare properties in their branches.
            if ["allOf", "oneOf", "anyOf"]
                .iter()
                .any(|k| map.contains_key(*k))
            {
                continue;
            }
            let Some(props) = map.get("properties").and_then(Value::as_object) else {
                continue;
            };
            for (i, name) in map
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let Some(name) = name.as_str() else { continue };
                if !props.contains_key(name) {
                    out.report(
                        ctx.operation_at(&at),
                        &format!("{at}/required/{i}"),
                        format!(
                            "required property `{name}` is not declared in `properties`: its \
                             type is unknown to clients and the mock"
                        ),
                    );
                }
            }
        }
    }
}

impl Rule for KeywordType {
    fn code(&self) -> &'static str {
        "GS016"
    }
    fn name(&self) -> &'static str {
        "keyword-type"
    }
    fn summary(&self) -> &'static str {
        "no schema keyword for another type than the schema's (`minLength` on an integer, …)"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        for (at, map) in schema_objects(&ctx.doc.value) {
            let Some(t) = map.get("type").and_then(Value::as_str) else {
                continue;
            };
            for (keyword, types) in FOR_TYPE {
                if map.contains_key(*keyword) && !types.contains(&t) {
                    out.report(
                        ctx.operation_at(&at),
                        &format!("{at}/{}", pointer::escape(keyword)),
                        format!(
                            "`{keyword}` applies to {} values, and this schema is of type {t}: \
                             validators ignore it",
                            types.join(" and ")
                        ),
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
        assert!(findings(&RequiredDeclared, &good()).is_empty());
        assert!(findings(&KeywordType, &good()).is_empty());
    }

    #[test]
    fn an_undeclared_required_property_is_named() {
        let mut s = good();
        s["components"]["schemas"]["Session"]["required"] = json!(["session_token", "expires"]);
        let f = findings(&RequiredDeclared, &s);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].pointer, "/components/schemas/Session/required/1");
    }

    #[test]
    fn a_keyword_of_another_type_is_named() {
        let mut s = good();
        s["paths"]["/players/{id}"]["get"]["parameters"][0]["schema"] =
            json!({"type": "integer", "minLength": 1});
        let f = findings(&KeywordType, &s);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            f[0].pointer,
            "/paths/~1players~1{id}/get/parameters/0/schema/minLength"
        );
        assert!(
            f[0].message.contains("applies to string values"),
            "{}",
            f[0]
        );
    }
}
