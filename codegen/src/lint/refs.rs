//! GS005: every `$ref` resolves inside the document.

use super::{Context, Reporter, Rule};

/// See the module docs.
pub struct RefsResolve;

impl Rule for RefsResolve {
    fn code(&self) -> &'static str {
        "GS005"
    }
    fn name(&self) -> &'static str {
        "ref-resolves"
    }
    fn summary(&self) -> &'static str {
        "every $ref points at a node of the same document"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        for r in gamespec_spec::refs::all_refs(&ctx.doc.value) {
            if gamespec_spec::refs::resolve(&ctx.doc.value, &r.target).is_none() {
                let op = ctx
                    .operations
                    .iter()
                    .find(|o| r.at.starts_with(&o.pointer()));
                out.report(op, &r.at, format!("$ref {} does not resolve", r.target));
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
        assert!(findings(&RefsResolve, &good()).is_empty());
    }

    #[test]
    fn dangling_ref_is_named_with_its_operation() {
        let mut s = good();
        s["paths"]["/players/{id}"]["get"]["responses"]["400"]["$ref"] =
            "#/components/responses/Gone".into();
        let f = findings(&RefsResolve, &s);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].to_string().contains("operation getPlayer (GET /players/{id}): $ref #/components/responses/Gone does not resolve"),
            "{}",
            f[0]
        );
    }
}
