//! Matching the operations of two specs (by route, then by operationId for one that moved) and
//! comparing each matched pair: id, route, deprecation, then its parameters, body, responses and
//! security.

use std::collections::BTreeSet;

use gamespec_spec::paths::{Operation, operations};
use serde_json::Value;

use super::{Sink, parameters, request_bodies, responses, security};

/// `GET /a/{}`: the route with path parameter names left out, since renaming `{id}` to `{key}`
/// changes nothing on the wire.
fn route_key(op: &Operation) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in op.path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if inside => {}
            _ => out.push(c),
        }
    }
    format!("{} {out}", op.method.to_uppercase())
}

pub(super) fn compare(sink: &mut Sink<'_>) {
    let old_ops = operations(sink.old);
    let new_ops = operations(sink.new);
    let mut matched_old = BTreeSet::new();
    let mut pairs = Vec::new();
    let mut added = Vec::new();
    for (n, new) in new_ops.iter().enumerate() {
        let by_route = old_ops
            .iter()
            .position(|o| route_key(o) == route_key(new))
            .filter(|i| !matched_old.contains(i));
        match by_route {
            Some(o) => {
                matched_old.insert(o);
                pairs.push((o, n));
            }
            None => added.push(n),
        }
    }
    // An unmatched new operation whose id an unmatched old one had has moved.
    let mut still_added = Vec::new();
    for n in added {
        let new = &new_ops[n];
        let moved = new.has_id().then(|| {
            old_ops
                .iter()
                .enumerate()
                .position(|(i, o)| !matched_old.contains(&i) && o.has_id() && o.id == new.id)
        });
        match moved.flatten() {
            Some(o) => {
                matched_old.insert(o);
                pairs.push((o, n));
            }
            None => still_added.push(n),
        }
    }
    pairs.sort_by_key(|&(_, n)| n);
    for (o, n) in pairs {
        compare_pair(sink, &old_ops[o], &new_ops[n]);
    }
    for n in still_added {
        let new = &new_ops[n];
        sink.operation = Some((new.id.clone(), new.route()));
        sink.push(
            "operation-added",
            &new.pointer(),
            None,
            format!("operation {} added ({})", new.id, new.route()),
        );
    }
    for (o, old) in old_ops.iter().enumerate() {
        if !matched_old.contains(&o) {
            sink.operation = Some((old.id.clone(), old.route()));
            sink.push(
                "operation-removed",
                &old.pointer(),
                None,
                format!("operation {} removed ({})", old.id, old.route()),
            );
        }
    }
}

fn deprecated(v: &Value) -> bool {
    v.get("deprecated").and_then(Value::as_bool) == Some(true)
}

fn compare_pair(sink: &mut Sink<'_>, old: &Operation, new: &Operation) {
    sink.operation = Some((new.id.clone(), new.route()));
    let at = new.pointer();
    if route_key(old) != route_key(new) {
        sink.push(
            "operation-route-changed",
            &at,
            None,
            format!(
                "operation {} moved from {} to {}",
                new.id,
                old.route(),
                new.route()
            ),
        );
    }
    if old.id != new.id {
        sink.push(
            "operation-id-changed",
            &format!("{at}/operationId"),
            None,
            format!(
                "operationId {} renamed to {} (the Rust method is renamed)",
                old.id, new.id
            ),
        );
    }
    if !deprecated(&old.value) && deprecated(&new.value) {
        sink.push(
            "operation-deprecated",
            &format!("{at}/deprecated"),
            None,
            format!("operation {} deprecated", new.id),
        );
    }
    parameters::compare(sink, old, new);
    request_bodies::compare(sink, old, new);
    responses::compare(sink, old, new);
    security::compare_operation(sink, old, new);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn path_parameter_names_do_not_change_the_route() {
        let spec = json!({"paths": {"/a/{id}": {"get": {}}, "/a/{key}/b": {"post": {}}}});
        let keys: Vec<String> = operations(&spec).iter().map(route_key).collect();
        assert_eq!(keys, ["GET /a/{}", "POST /a/{}/b"]);
    }
}
