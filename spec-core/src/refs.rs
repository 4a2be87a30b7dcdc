//! Local `$ref` discovery and resolution. Specs here are single files, so only `#/...` refs are
//! valid; anything else is reported as unresolved.

use serde_json::Value;

/// One `$ref` found in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    /// Pointer of the object holding the `$ref`.
    pub at: String,
    /// The reference text, e.g. `#/components/schemas/Error`.
    pub target: String,
}

/// Every `$ref` in the document, in document order.
pub fn all_refs(root: &Value) -> Vec<Ref> {
    let mut out = Vec::new();
    crate::walk::objects(root, &mut |at, map| {
        if let Some(Value::String(target)) = map.get("$ref") {
            out.push(Ref {
                at: at.to_owned(),
                target: target.clone(),
            });
        }
    });
    out
}

/// Every reference target reachable from `starts`, following `$ref`s transitively.
pub fn reachable<'a>(
    root: &Value,
    starts: impl IntoIterator<Item = &'a Value>,
) -> std::collections::BTreeSet<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut todo: Vec<&str> = Vec::new();
    for start in starts {
        targets(start, &mut todo);
    }
    while let Some(target) = todo.pop() {
        if seen.contains(target) {
            continue;
        }
        seen.insert(target.to_owned());
        if let Some(node) = resolve(root, target) {
            targets(node, &mut todo);
        }
    }
    seen
}

/// The `$ref` texts in `node`, without their pointers: [`reachable`] runs for every compiled
/// schema, and naming every node it passed was most of its time.
fn targets<'a>(node: &'a Value, out: &mut Vec<&'a str>) {
    match node {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::String(target) if k == "$ref" => out.push(target),
                    _ => targets(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| targets(v, out)),
        _ => {}
    }
}

/// The node a local reference points at.
pub fn resolve<'a>(root: &'a Value, target: &str) -> Option<&'a Value> {
    target
        .strip_prefix('#')
        .and_then(|p| crate::pointer::get(root, p))
}

/// Follow `$ref`s from `node` until a node without one (bounded, so a cycle cannot hang).
pub fn deref<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(t) => match resolve(root, t) {
                Some(next) => node = next,
                None => return node,
            },
            None => return node,
        }
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_and_resolves_refs() {
        let doc = json!({"a": {"$ref": "#/b"}, "b": {"c": [{"$ref": "#/nope"}]}});
        let refs = all_refs(&doc);
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0].at, "/a");
        assert!(resolve(&doc, "#/b").is_some());
        assert!(resolve(&doc, "#/nope").is_none());
        assert!(resolve(&doc, "other.yaml#/b").is_none());
        assert_eq!(deref(&doc, &doc["a"]), &doc["b"]);
    }

    #[test]
    fn deref_of_a_cycle_terminates() {
        let doc = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}});
        let _ = deref(&doc, &doc["a"]);
    }
}
