//! GS008: every operation declares `security`; an empty list is only allowed on a documented
//! credential-obtaining call (`x-session-start: true`) or a documented public one
//! (`x-public: true`); every scheme named exists.

use serde_json::Value;

use super::{Context, Reporter, Rule};

/// See the module docs.
pub struct Security;

impl Rule for Security {
    fn code(&self) -> &'static str {
        "GS008"
    }
    fn name(&self) -> &'static str {
        "security"
    }
    fn summary(&self) -> &'static str {
        "every operation declares security, or is a documented session-start or public call"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        let schemes = ctx
            .doc
            .value
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object);
        for op in &ctx.operations {
            let at = format!("{}/security", op.pointer());
            let flagged = |k: &str| op.value.get(k) == Some(&Value::Bool(true));
            let Some(reqs) = op.value.get("security").and_then(Value::as_array) else {
                out.report(Some(op), &op.pointer(), "declares no `security` (use `security: []` with `x-session-start` or `x-public` for calls that need no credentials)");
                continue;
            };
            if reqs.is_empty() && !flagged("x-session-start") && !flagged("x-public") {
                out.report(Some(op), &at, "has `security: []` but is neither marked `x-session-start: true` nor `x-public: true`");
            }
            for (i, req) in reqs.iter().enumerate() {
                for name in req.as_object().into_iter().flatten().map(|(k, _)| k) {
                    if !schemes.is_some_and(|s| s.contains_key(name)) {
                        out.report(
                            Some(op),
                            &format!("{at}/{i}"),
                            format!("security scheme `{name}` is not defined"),
                        );
                    }
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
        assert!(findings(&Security, &good()).is_empty());
    }

    #[test]
    fn missing_security_is_named() {
        let mut s = good();
        s["paths"]["/players/{id}"]["get"]
            .as_object_mut()
            .unwrap()
            .remove("security");
        let f = findings(&Security, &s);
        assert!(
            f[0].to_string()
                .contains("operation getPlayer (GET /players/{id}): declares no `security`"),
            "{}",
            f[0]
        );
    }

    #[test]
    fn empty_security_needs_a_marker() {
        let mut s = good();
        s["paths"]["/session"]["post"]
            .as_object_mut()
            .unwrap()
            .remove("x-session-start");
        let f = findings(&Security, &s);
        assert!(
            f[0].to_string()
                .contains("operation startSession (POST /session): has `security: []`"),
            "{}",
            f[0]
        );
        s["paths"]["/session"]["post"]["x-public"] = json!(true);
        assert!(findings(&Security, &s).is_empty());
    }

    #[test]
    fn unknown_scheme_is_named() {
        let mut s = good();
        s["paths"]["/players/{id}"]["get"]["security"] = json!([{"cookie": []}]);
        let f = findings(&Security, &s);
        assert!(
            f[0].message
                .contains("security scheme `cookie` is not defined"),
            "{f:?}"
        );
    }
}
