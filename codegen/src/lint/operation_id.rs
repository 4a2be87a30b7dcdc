//! GS001: every operation has a unique camelCase `operationId` (it becomes the Rust method name).
//! Strict camelCase: no two capitals in a row, so every generator derives the same clean name
//! (`authorizeOauth2` → `authorize_oauth2`, where `authorizeOAuth2` gives `authorize_o_auth2`).

use std::collections::HashMap;

use super::{Context, Reporter, Rule};

/// See the module docs.
pub struct OperationId;

fn is_camel_case(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric())
        && !id
            .as_bytes()
            .windows(2)
            .any(|w| w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase())
}

impl Rule for OperationId {
    fn code(&self) -> &'static str {
        "GS001"
    }
    fn name(&self) -> &'static str {
        "operation-id"
    }
    fn summary(&self) -> &'static str {
        "every operation has a unique camelCase operationId"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        let mut seen: HashMap<&str, String> = HashMap::new();
        for op in &ctx.operations {
            let at = format!("{}/operationId", op.pointer());
            if !op.has_id() {
                out.report(Some(op), &op.pointer(), "has no operationId");
                continue;
            }
            if !is_camel_case(&op.id) {
                out.report(
                    Some(op),
                    &at,
                    format!("operationId `{}` is not camelCase", op.id),
                );
            }
            if let Some(first) = seen.insert(&op.id, op.route()) {
                out.report(
                    Some(op),
                    &at,
                    format!("operationId `{}` is also used by {first}", op.id),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_spec::{findings, good};
    use super::*;

    #[test]
    fn good_spec_passes() {
        assert!(findings(&OperationId, &good()).is_empty());
    }

    #[test]
    fn not_camel_case_is_named() {
        let mut s = good();
        s["paths"]["/players/{id}"]["get"]["operationId"] = "Get_Player".into();
        let f = findings(&OperationId, &s);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].to_string()
                .contains("operation Get_Player (GET /players/{id})"),
            "{}",
            f[0]
        );
        assert!(f[0].message.contains("not camelCase"));
    }

    #[test]
    fn consecutive_capitals_are_not_camel_case() {
        let mut s = good();
        s["paths"]["/players/{id}"]["get"]["operationId"] = "getPlayerOAuth2".into();
        let f = findings(&OperationId, &s);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("`getPlayerOAuth2` is not camelCase"));
    }

    #[test]
    fn duplicate_and_missing_are_named() {
        let mut s = good();
        s["paths"]["/players/{id}"]["get"]["operationId"] = "startSession".into();
        let f = findings(&OperationId, &s);
        assert!(
            f[0].message.contains("also used by POST /session"),
            "{}",
            f[0]
        );
        s["paths"]["/players/{id}"]["get"]
            .as_object_mut()
            .unwrap()
            .remove("operationId");
        let f = findings(&OperationId, &s);
        assert!(
            f[0].to_string()
                .contains("operation GET /players/{id}: has no operationId"),
            "{}",
            f[0]
        );
    }
}
