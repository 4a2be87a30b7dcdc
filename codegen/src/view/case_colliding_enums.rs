//! String enums whose values differ only in case become plain strings.
//!
//! typify names enum variants in PascalCase, so values that differ only in case (`ASC`, `asc`)
//! collide and it panics. Such enums become plain strings in the view; each is recorded
//! against the operation it sits in, or against its location when it is in a component.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Adaptation, Draft};
use gamespec_spec::paths::operations;

/// Drop the `enum` of every enum whose string values collide when case is ignored.
pub(super) fn to_strings(draft: &mut Draft) {
    let value = &mut draft.value;
    let ops: Vec<(String, String, String)> = operations(value)
        .into_iter()
        .map(|o| (o.pointer(), o.id.clone(), o.route()))
        .collect();
    let mut hits = Vec::new();
    gamespec_spec::walk::objects(value, &mut |at, map| {
        if let Some(values) = map.get("enum").and_then(Value::as_array) {
            let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            let folded: BTreeSet<String> = strings.iter().map(|s| s.to_lowercase()).collect();
            if folded.len() < strings.len() {
                hits.push(at.to_owned());
            }
        }
    });
    for at in hits {
        let Some(node) = value.pointer_mut(&at).and_then(Value::as_object_mut) else {
            continue;
        };
        let values = node.remove("enum").unwrap_or_default();
        let (operation_id, route) = ops
            .iter()
            .find(|(p, _, _)| at.starts_with(p.as_str()))
            .map(|(_, id, route)| (id.clone(), route.clone()))
            .unwrap_or_else(|| (at.clone(), "(component)".to_owned()));
        draft.adaptations.push(Adaptation {
            operation_id,
            route,
            change: format!(
                "enum {values} at `{at}` is a plain string: its values differ only in case, which the Rust enum cannot name"
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::generator_view;
    use super::super::test_spec::spec;

    #[test]
    fn case_colliding_enum_becomes_string() {
        let s = spec(json!({"operationId": "list", "parameters": [
            {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["ASC", "asc"]}}
        ], "responses": {"200": {"description": "ok"}}}));
        let v = generator_view(&s);
        assert!(
            v.value["paths"]["/x"]["post"]["parameters"][0]["schema"]
                .get("enum")
                .is_none()
        );
        assert_eq!(v.adaptations[0].operation_id, "list");
    }
}
