//! GS002: every operation has a `summary` (the vendor docs' name where there is one).

use serde_json::Value;

use super::{Context, Reporter, Rule};

/// See the module docs.
pub struct Summary;

impl Rule for Summary {
    fn code(&self) -> &'static str {
        "GS002"
    }
    fn name(&self) -> &'static str {
        "summary"
    }
    fn summary(&self) -> &'static str {
        "every operation has a one-line summary, the vendor docs' name where there is one"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        for op in &ctx.operations {
            match op
                .value
                .get("summary")
                .and_then(Value::as_str)
                .map(str::trim)
            {
                None | Some("") => out.report(Some(op), &op.pointer(), "has no summary"),
                Some(s) if s.contains('\n') => out.report(
                    Some(op),
                    &format!("{}/summary", op.pointer()),
                    "summary spans several lines",
                ),
                Some(_) => {}
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
        assert!(findings(&Summary, &good()).is_empty());
    }

    #[test]
    fn missing_summary_is_named() {
        let mut s = good();
        s["paths"]["/session"]["post"]["summary"] = " ".into();
        let f = findings(&Summary, &s);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].to_string()
                .contains("operation startSession (POST /session): has no summary"),
            "{}",
            f[0]
        );
    }
}
