//! GS011: `nullable: true` only together with `type`. OpenAPI 3.0.3 gives `nullable` no meaning
//! without `type`, so validators (Spectral's `oas3-schema`) reject it and tools disagree on it;
//! write `type: object` beside an `allOf`, or make one `oneOf`/`anyOf` branch nullable.

use serde_json::Value;

use super::{Context, Reporter, Rule};

/// See the module docs.
pub struct NullableType;

impl Rule for NullableType {
    fn code(&self) -> &'static str {
        "GS011"
    }
    fn name(&self) -> &'static str {
        "nullable-type"
    }
    fn summary(&self) -> &'static str {
        "`nullable: true` appears only beside `type` (OpenAPI 3.0.3)"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        let mut hits = Vec::new();
        gamespec_spec::walk::objects(&ctx.doc.value, &mut |at, map| {
            if map.get("nullable") == Some(&Value::Bool(true)) && !map.contains_key("type") {
                hits.push(at.to_owned());
            }
        });
        for at in hits {
            let op = ctx.operations.iter().find(|o| at.starts_with(&o.pointer()));
            out.report(
                op,
                &at,
                "`nullable: true` without `type` has no meaning in OpenAPI 3.0.3: add the `type`",
            );
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
        assert!(findings(&NullableType, &good()).is_empty());
    }

    #[test]
    fn nullable_ref_without_type_is_named() {
        let mut s = good();
        s["components"]["schemas"]["Session"]["properties"]["player"] =
            json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/Error"}]});
        s["paths"]["/players/{id}"]["get"]["parameters"][0]["schema"] = json!({"nullable": true});
        let f = findings(&NullableType, &s);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(
            f.iter()
                .any(|f| f.pointer == "/components/schemas/Session/properties/player")
        );
        assert!(f.iter().any(|f| {
            f.to_string()
                .contains("operation getPlayer (GET /players/{id})")
        }));
    }
}
