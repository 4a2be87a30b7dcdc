//! Parameters of a matched operation pair, known by where they travel and their name
//! (`query count`): added, removed, required, type and format, enum, default, deprecation and
//! serialization style.

use gamespec_spec::paths::Operation;
use gamespec_spec::refs::deref;
use serde_json::Value;

use super::schemas::{
    TypeShift, bound_changes, list, missing_values, show_type, type_and_format, type_shift,
};
use super::{Sink, show};

/// One parameter of an operation.
struct Param<'v> {
    /// What it is matched by: `query count`, or for a path parameter its position in the path
    /// (`path #0`), since renaming `{id}` to `{playerId}` changes nothing on the wire.
    key: String,
    /// `query count`, `path id`, for messages.
    shown: String,
    at: String,
    value: &'v Value,
}

/// The operation's parameters after `$ref`s, the operation's own first (they override the path
/// item's), each with its pointer.
fn parameters<'v>(root: &'v Value, op: &'v Operation) -> Vec<Param<'v>> {
    let placeholders: Vec<&str> = op
        .path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split('}').next())
        .collect();
    let mut out: Vec<Param<'v>> = Vec::new();
    for (at, p) in op.all_parameters() {
        let p = deref(root, p);
        let place = p.get("in").and_then(Value::as_str).unwrap_or("?");
        let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
        let shown = format!("{place} {name}");
        let key = match placeholders.iter().position(|n| *n == name) {
            Some(i) if place == "path" => format!("path #{i}"),
            _ => shown.clone(),
        };
        if !out.iter().any(|q| q.key == key) {
            out.push(Param {
                key,
                shown,
                at,
                value: p,
            });
        }
    }
    out
}

fn required(p: &Value) -> bool {
    p.get("required").and_then(Value::as_bool) == Some(true)
        || p.get("in").and_then(Value::as_str) == Some("path")
}

/// `style` and `explode` with their OpenAPI defaults filled in.
fn style(p: &Value) -> (String, bool) {
    let default_style = match p.get("in").and_then(Value::as_str) {
        Some("query") | Some("cookie") => "form",
        _ => "simple",
    };
    let style = p
        .get("style")
        .and_then(Value::as_str)
        .unwrap_or(default_style)
        .to_owned();
    let explode = p
        .get("explode")
        .and_then(Value::as_bool)
        .unwrap_or(style == "form");
    (style, explode)
}

pub(super) fn compare(sink: &mut Sink<'_>, old: &Operation, new: &Operation) {
    let (old_root, new_root) = (sink.old, sink.new);
    let olds = parameters(old_root, old);
    let news = parameters(new_root, new);
    for param in &news {
        let (key, at, p) = (&param.shown, &param.at, param.value);
        let Some(old_param) = olds.iter().find(|q| q.key == param.key) else {
            let (rule, kind) = if required(p) {
                ("parameter-added-required", "required")
            } else {
                ("parameter-added-optional", "optional")
            };
            sink.push(
                rule,
                at,
                Some(key),
                format!("{}: {kind} parameter {key} added", new.id),
            );
            continue;
        };
        if old_param.shown != param.shown {
            sink.push(
                "parameter-renamed",
                at,
                Some(key),
                format!(
                    "{}: parameter {} renamed to {key} (the builder method is renamed)",
                    new.id, old_param.shown
                ),
            );
        }
        compare_one(sink, new, key, at, old_param.value, p);
    }
    for param in &olds {
        if !news.iter().any(|q| q.key == param.key) {
            let key = &param.shown;
            sink.push(
                "parameter-removed",
                &param.at,
                Some(key),
                format!("{}: parameter {key} removed", new.id),
            );
        }
    }
}

fn compare_one(sink: &mut Sink<'_>, op: &Operation, key: &str, at: &str, o: &Value, n: &Value) {
    let id = &op.id;
    match (required(o), required(n)) {
        (false, true) => sink.push(
            "parameter-made-required",
            at,
            Some(key),
            format!("{id}: parameter {key} became required"),
        ),
        (true, false) => sink.push(
            "parameter-made-optional",
            at,
            Some(key),
            format!("{id}: parameter {key} became optional"),
        ),
        _ => {}
    }
    if !deprecated(o) && deprecated(n) {
        sink.push(
            "parameter-deprecated",
            &format!("{at}/deprecated"),
            Some(key),
            format!("{id}: parameter {key} deprecated"),
        );
    }
    // Style and explode only change the bytes of arrays and objects; a scalar is sent the same.
    let structured = |root: &Value, p: &Value| {
        p.get("schema").is_some_and(|s| {
            let (kind, _) = type_and_format(root, s);
            matches!(kind.as_deref(), Some("array") | Some("object"))
        })
    };
    let (old_root, new_root) = (sink.old, sink.new);
    if style(o) != style(n) && (structured(old_root, o) || structured(new_root, n)) {
        let show_style =
            |(s, e): (String, bool)| format!("{s}{}", if e { " exploded" } else { "" });
        sink.push(
            "parameter-style-changed",
            at,
            Some(key),
            format!(
                "{id}: parameter {key} serialized as {} → {}",
                show_style(style(o)),
                show_style(style(n))
            ),
        );
    }
    let (Some(os), Some(ns)) = (o.get("schema"), n.get("schema")) else {
        return;
    };
    let (old_root, new_root) = (sink.old, sink.new);
    let schema_at = format!("{at}/schema");
    let (os, ns) = (deref(old_root, os), deref(new_root, ns));
    // An array parameter is compared by its items too (`type: array` of what).
    let pairs = [
        (os, ns, ""),
        (
            os.get("items")
                .map(|i| deref(old_root, i))
                .unwrap_or(&Value::Null),
            ns.get("items")
                .map(|i| deref(new_root, i))
                .unwrap_or(&Value::Null),
            " items",
        ),
    ];
    for (os, ns, part) in pairs {
        if os.is_null() || ns.is_null() {
            continue;
        }
        let (ot, nt) = (type_and_format(old_root, os), type_and_format(new_root, ns));
        if ot.0 == nt.0 && ot.1 != nt.1 {
            sink.push(
                "parameter-format-changed",
                &schema_at,
                Some(key),
                format!(
                    "{id}: parameter {key}{part}: format {} → {}",
                    ot.1.as_deref().unwrap_or("none"),
                    nt.1.as_deref().unwrap_or("none")
                ),
            );
        } else if ot != nt {
            let rule = match type_shift(old_root, os, new_root, ns) {
                Some(TypeShift::Widened) => "parameter-type-widened",
                Some(TypeShift::Narrowed) => "parameter-type-narrowed",
                _ => "parameter-type-changed",
            };
            sink.push(
                rule,
                &schema_at,
                Some(key),
                format!(
                    "{id}: parameter {key}{part}: type {} → {}",
                    show_type(&ot),
                    show_type(&nt)
                ),
            );
            return;
        }
        let removed = missing_values(os, ns);
        if !removed.is_empty() {
            sink.push(
                "parameter-enum-value-removed",
                &format!("{schema_at}/enum"),
                Some(key),
                format!(
                    "{id}: parameter {key}{part}: enum value(s) {} removed",
                    list(&removed)
                ),
            );
        }
        let added = missing_values(ns, os);
        if !added.is_empty() {
            sink.push(
                "parameter-enum-value-added",
                &format!("{schema_at}/enum"),
                Some(key),
                format!(
                    "{id}: parameter {key}{part}: enum value(s) {} added",
                    list(&added)
                ),
            );
        }
    }
    let (tightened, loosened) = bound_changes(os, ns);
    for (rule, changes) in [
        ("parameter-constraint-tightened", tightened),
        ("parameter-constraint-loosened", loosened),
    ] {
        if !changes.is_empty() {
            sink.push(
                rule,
                &schema_at,
                Some(key),
                format!("{id}: parameter {key}: {}", changes.join(", ")),
            );
        }
    }
    if os.get("default") != ns.get("default") {
        let shown = |v: Option<&Value>| v.map(show).unwrap_or_else(|| "none".into());
        sink.push(
            "parameter-default-changed",
            &format!("{schema_at}/default"),
            Some(key),
            format!(
                "{id}: parameter {key}: default {} → {}",
                shown(os.get("default")),
                shown(ns.get("default"))
            ),
        );
    }
}

fn deprecated(v: &Value) -> bool {
    v.get("deprecated").and_then(Value::as_bool) == Some(true)
}
