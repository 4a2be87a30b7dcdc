//! GS009: every component is used: reachable through `$ref`s from the paths, a security scheme
//! named by a requirement, or a schema marked `x-jwt-claims: true` (consumed by the claims
//! module of a client rather than by an operation).

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Context, Reporter, Rule};
use gamespec_spec::pointer;
use gamespec_spec::refs::reachable;

/// See the module docs.
pub struct UnusedComponents;

impl Rule for UnusedComponents {
    fn code(&self) -> &'static str {
        "GS009"
    }
    fn name(&self) -> &'static str {
        "unused-component"
    }
    fn summary(&self) -> &'static str {
        "every component is referenced (directly or indirectly) by an operation"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        let root = &ctx.doc.value;
        let Some(components) = root.get("components").and_then(Value::as_object) else {
            return;
        };
        let mut starts: Vec<&Value> = root.get("paths").into_iter().collect();
        let claim_schemas: Vec<&Value> = components
            .get("schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(_, s)| s)
            .filter(|s| s.get("x-jwt-claims") == Some(&Value::Bool(true)))
            .collect();
        starts.extend(claim_schemas);
        let used = reachable(root, starts);
        let mut used_schemes = BTreeSet::new();
        let requirement_lists = std::iter::once(root.get("security"))
            .chain(ctx.operations.iter().map(|o| o.value.get("security")))
            .flatten();
        for list in requirement_lists {
            for req in list.as_array().into_iter().flatten() {
                used_schemes.extend(
                    req.as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k.clone()),
                );
            }
        }
        for (kind, entries) in components {
            for (name, node) in entries.as_object().into_iter().flatten() {
                let at = format!("/components/{kind}/{}", pointer::escape(name));
                let is_used = match kind.as_str() {
                    "securitySchemes" => used_schemes.contains(name),
                    "schemas" if node.get("x-jwt-claims") == Some(&Value::Bool(true)) => true,
                    _ => used.contains(&format!("#{at}")),
                };
                if !is_used {
                    out.report(
                        None,
                        &at,
                        format!("component `{kind}/{name}` is never used"),
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
        assert!(findings(&UnusedComponents, &good()).is_empty());
    }

    #[test]
    fn unused_schema_and_scheme_are_named() {
        let mut s = good();
        s["components"]["schemas"]["Orphan"] = json!({"type": "string"});
        s["components"]["securitySchemes"]["spare"] =
            json!({"type": "apiKey", "in": "header", "name": "x"});
        let f = findings(&UnusedComponents, &s);
        let text: Vec<String> = f.iter().map(|f| f.message.clone()).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(text.contains(&"component `schemas/Orphan` is never used".to_owned()));
        assert!(text.contains(&"component `securitySchemes/spare` is never used".to_owned()));
    }

    #[test]
    fn jwt_claim_schemas_count_as_used() {
        let mut s = good();
        s["components"]["schemas"]["Claims"] = json!({"type": "object", "x-jwt-claims": true, "properties": {"b": {"$ref": "#/components/schemas/Inner"}}});
        s["components"]["schemas"]["Inner"] = json!({"type": "string"});
        assert!(findings(&UnusedComponents, &s).is_empty());
    }
}
