//! Links: the operation a link names exists, and the extensions the runner reads from a link
//! (`x-undoes`, `x-each`, `x-where`; see `spec/README.md`) have the shape it reads. A malformed
//! one would otherwise be ignored, and a fuzz run would leave what it meant to clean up.

use std::collections::HashSet;

use serde_json::Value;

use super::Found;
use super::nodes::{Kind, Nodes};

/// The sources an `x-each` array may be read from: a body of the exchange the link leaves.
const ARRAY_SOURCES: [&str; 2] = ["$request.body#", "$response.body#"];

pub(super) fn check(root: &Value, nodes: &Nodes, found: &mut Found) {
    let ids: HashSet<String> = crate::paths::operations(root)
        .into_iter()
        .map(|op| op.id)
        .collect();
    for (at, kind, link) in &nodes.objects {
        if *kind != Kind::Link || link.contains_key("$ref") {
            continue;
        }
        if let Some(id) = link.get("operationId").and_then(Value::as_str)
            && !ids.contains(id)
        {
            found.invalid(
                format!("{at}/operationId"),
                format!("the link names operation `{id}`, which the spec does not declare"),
            );
        }
        if let Some(v) = link.get("x-undoes").filter(|v| !v.is_boolean()) {
            found.invalid(
                format!("{at}/x-undoes"),
                format!("x-undoes must be true or false, not {v}"),
            );
        }
        let each = link.get("x-each");
        if let Some(v) = each {
            let array = v.as_str().and_then(|e| {
                ARRAY_SOURCES
                    .iter()
                    .find_map(|s| e.strip_prefix(s))
                    .filter(|p| p.is_empty() || p.starts_with('/'))
            });
            if array.is_none() {
                found.invalid(
                    format!("{at}/x-each"),
                    format!(
                        "x-each must name an array of a body, `$request.body#/pointer` or \
                         `$response.body#/pointer`, not {v}"
                    ),
                );
            }
        }
        match link.get("x-where") {
            None => {}
            Some(_) if each.is_none() => found.invalid(
                format!("{at}/x-where"),
                "x-where picks an item of the x-each array, and the link has no x-each",
            ),
            Some(Value::Object(fields))
                if !fields.is_empty()
                    && fields.keys().all(|k| k.is_empty() || k.starts_with('/')) => {}
            Some(v) => found.invalid(
                format!("{at}/x-where"),
                format!(
                    "x-where must map JSON pointers into an item (`/name`) to the values they \
                     must hold, not {v}"
                ),
            ),
        }
    }
}
