//! GS003: every operation has exactly one tag (its docs section), declared with a description in
//! the document's top-level `tags`.

use std::collections::HashMap;

use serde_json::Value;

use super::{Context, Reporter, Rule};

/// See the module docs.
pub struct Tags;

impl Rule for Tags {
    fn code(&self) -> &'static str {
        "GS003"
    }
    fn name(&self) -> &'static str {
        "tag"
    }
    fn summary(&self) -> &'static str {
        "every operation has exactly one tag, declared with a description at the top level"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        let declared: HashMap<&str, (usize, &Value)> = ctx
            .doc
            .value
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, t)| Some((t.get("name")?.as_str()?, (i, t))))
            .collect();
        for (name, (i, tag)) in &declared {
            if tag
                .get("description")
                .and_then(Value::as_str)
                .is_none_or(|d| d.trim().is_empty())
            {
                out.report(
                    None,
                    &format!("/tags/{i}"),
                    format!("tag `{name}` has no description"),
                );
            }
        }
        for op in &ctx.operations {
            let tags = op.tags();
            match tags.as_slice() {
                [one] if declared.contains_key(one) => {}
                [one] => out.report(
                    Some(op),
                    &format!("{}/tags/0", op.pointer()),
                    format!("tag `{one}` is not declared in the top-level tags"),
                ),
                _ => out.report(
                    Some(op),
                    &op.pointer(),
                    format!(
                        "has {} tags; exactly one (its docs section) is required",
                        tags.len()
                    ),
                ),
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
        assert!(findings(&Tags, &good()).is_empty());
    }

    #[test]
    fn undeclared_and_missing_tags_are_named() {
        let mut s = good();
        s["paths"]["/players/{id}"]["get"]["tags"] = json!(["Nowhere"]);
        s["paths"]["/session"]["post"]["tags"] = json!([]);
        let f = findings(&Tags, &s);
        assert_eq!(f.len(), 2, "{f:?}");
        let text: Vec<String> = f.iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("operation startSession (POST /session): has 0 tags")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|t| t.contains(
                "operation getPlayer (GET /players/{id}): tag `Nowhere` is not declared"
            )),
            "{text:?}"
        );
    }

    #[test]
    fn tag_without_description_is_named() {
        let mut s = good();
        s["tags"] = json!([{"name": "Players"}]);
        let f = findings(&Tags, &s);
        assert!(
            f[0].message.contains("tag `Players` has no description"),
            "{f:?}"
        );
    }
}
