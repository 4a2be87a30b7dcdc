//! GS004: every operation has a `description`.

use serde_json::Value;

use super::{Context, Reporter, Rule};

/// See the module docs.
pub struct Description;

impl Rule for Description {
    fn code(&self) -> &'static str {
        "GS004"
    }
    fn name(&self) -> &'static str {
        "description"
    }
    fn summary(&self) -> &'static str {
        "every operation has a description"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        for op in &ctx.operations {
            let text = op
                .value
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("");
            if text.trim().is_empty() {
                out.report(Some(op), &op.pointer(), "has no description");
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
        assert!(findings(&Description, &good()).is_empty());
    }

    #[test]
    fn missing_description_is_named() {
        let mut s = good();
        s["paths"]["/players/{id}"]["get"]
            .as_object_mut()
            .unwrap()
            .remove("description");
        let f = findings(&Description, &s);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].to_string()
                .contains("operation getPlayer (GET /players/{id}): has no description"),
            "{}",
            f[0]
        );
    }
}
