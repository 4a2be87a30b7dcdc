//! Security: the alternatives each operation accepts (its own `security`, else the document's),
//! and the security schemes themselves (type, where the credential travels, its name).

use std::collections::BTreeSet;

use gamespec_spec::paths::Operation;
use gamespec_spec::pointer::escape;
use serde_json::{Map, Value};

use super::Sink;

/// The accepted alternatives, each a set of scheme names; `{}` is "no credential".
fn alternatives(root: &Value, op: &Operation) -> BTreeSet<BTreeSet<String>> {
    let requirements = op
        .value
        .get("security")
        .or_else(|| root.get("security"))
        .and_then(Value::as_array);
    let Some(requirements) = requirements.filter(|r| !r.is_empty()) else {
        return BTreeSet::from([BTreeSet::new()]);
    };
    requirements
        .iter()
        .map(|r| {
            r.as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        })
        .collect()
}

fn show(alternative: &BTreeSet<String>) -> String {
    if alternative.is_empty() {
        "no credential".into()
    } else {
        alternative.iter().cloned().collect::<Vec<_>>().join(" + ")
    }
}

pub(super) fn compare_operation(sink: &mut Sink<'_>, old: &Operation, new: &Operation) {
    let (o, n) = (alternatives(sink.old, old), alternatives(sink.new, new));
    let at = format!("{}/security", new.pointer());
    for alt in o.difference(&n) {
        sink.push(
            "security-alternative-removed",
            &at,
            None,
            format!("{}: {} no longer accepted", new.id, show(alt)),
        );
    }
    for alt in n.difference(&o) {
        sink.push(
            "security-alternative-added",
            &at,
            None,
            format!("{}: {} now accepted", new.id, show(alt)),
        );
    }
}

/// How a scheme carries its credential: the fields that decide it.
fn carrier(scheme: &Value) -> Vec<Option<&Value>> {
    ["type", "in", "name", "scheme"]
        .iter()
        .map(|k| scheme.get(*k))
        .collect()
}

pub(super) fn compare_schemes(sink: &mut Sink<'_>) {
    let empty = Map::new();
    let schemes = |root: &Value| {
        root.pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_else(|| empty.clone())
    };
    let (os, ns) = (schemes(sink.old), schemes(sink.new));
    for (name, o) in &os {
        let at = format!("/components/securitySchemes/{}", escape(name));
        match ns.get(name) {
            None => sink.push(
                "security-scheme-removed",
                &at,
                None,
                format!("security scheme {name} removed"),
            ),
            Some(n) if carrier(o) != carrier(n) => sink.push(
                "security-scheme-changed",
                &at,
                None,
                format!("security scheme {name}: {} → {}", describe(o), describe(n)),
            ),
            Some(_) => {}
        }
    }
}

fn describe(scheme: &Value) -> String {
    carrier(scheme)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}
