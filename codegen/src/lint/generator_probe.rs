//! GS010: progenitor can generate every operation of the generator view. Each operation is
//! generated alone, so a shape the generator rejects or panics on is named by operation.

use super::{Context, Reporter, Rule};
use crate::probe::probe;
use crate::view::generator_view;

/// See the module docs.
pub struct GeneratorProbe;

/// Probing never compiles the output, so any type path serves as the inner type.
const PROBE_INNER_TYPE: &str = "crate::Credentials";

impl Rule for GeneratorProbe {
    fn code(&self) -> &'static str {
        "GS010"
    }
    fn name(&self) -> &'static str {
        "generator-probe"
    }
    fn summary(&self) -> &'static str {
        "progenitor generates every operation (after the documented adaptations) without error or panic"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        let view = generator_view(&ctx.doc.value);
        for failure in probe(&view.value, PROBE_INNER_TYPE) {
            let op = ctx.operations.iter().find(|o| o.id == failure.operation_id);
            let at = op.map(|o| o.pointer()).unwrap_or_default();
            out.report(
                op,
                &at,
                format!("the generator fails on it: {}", failure.message),
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
        assert!(findings(&GeneratorProbe, &good()).is_empty());
    }

    #[test]
    fn generator_failure_is_named_by_operation() {
        let mut s = good();
        // A JSON response without a schema makes progenitor 0.15 panic (`todo!`).
        s["paths"]["/players/{id}"]["get"]["responses"]["200"]["content"]["application/json"] =
            json!({"example": {}});
        let f = findings(&GeneratorProbe, &s);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].to_string()
                .contains("operation getPlayer (GET /players/{id}): the generator fails on it"),
            "{}",
            f[0]
        );
    }
}
