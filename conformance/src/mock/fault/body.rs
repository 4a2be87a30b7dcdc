//! Breaking a JSON answer on purpose: one value of it dropped, retyped, nulled, or pushed past
//! its format or bounds, chosen so that the result no longer validates (a change the schema
//! allows is no deviation); an error body of another shape; a stack trace in an error message
//! that still validates.

use gamespec_spec::shape::{deref, property};
use gamespec_spec::spec::{Media, Spec};
use serde_json::Value;

use super::FaultKind;
use crate::mock::data::Draws;

/// The answer the mock gives with this media when nothing else is asked: its first example,
/// else a value generated with a fixed seed.
pub(super) fn sample(spec: &Spec, media: &Media) -> Option<Value> {
    media
        .examples
        .first()
        .map(|e| e.value.clone())
        .or_else(|| Draws::seeded(0).value(&spec.root, &media.schema))
}

/// One place in a JSON value: its JSON pointer, the schema that describes it, if known, and
/// whether it is a member its object's schema requires.
struct Site<'a> {
    pointer: String,
    schema: Option<&'a Value>,
    required: bool,
}

/// The most broken candidates validated per answer: a large answer has thousands of places,
/// and each candidate is a copy validated whole.
const MAX_CANDIDATES: usize = 64;

/// Whether `schema` (or one of its `allOf` parts) requires property `name`.
fn requires(root: &Value, schema: &Value, name: &str, depth: usize) -> bool {
    let s = deref(root, schema);
    s.get("required")
        .and_then(Value::as_array)
        .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(name)))
        || (depth < 8
            && s.get("allOf")
                .and_then(Value::as_array)
                .is_some_and(|parts| parts.iter().any(|p| requires(root, p, name, depth + 1))))
}

/// Every place of `value`, depth first, the whole value first.
fn sites<'a>(root: &'a Value, schema: Option<&'a Value>, value: &Value) -> Vec<Site<'a>> {
    let mut out = Vec::new();
    collect(root, schema, value, String::new(), false, &mut out, 0);
    out
}

fn collect<'a>(
    root: &'a Value,
    schema: Option<&'a Value>,
    value: &Value,
    pointer: String,
    required: bool,
    out: &mut Vec<Site<'a>>,
    depth: usize,
) {
    // Answers are small; a depth limit keeps a recursive example from running away.
    if depth > 12 {
        return;
    }
    out.push(Site {
        pointer: pointer.clone(),
        schema: schema.map(|s| deref(root, s)),
        required,
    });
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let sub = schema.and_then(|s| property(root, s, k));
                let needed = schema.is_some_and(|s| requires(root, s, k, 0));
                let at = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
                collect(root, sub, v, at, needed, out, depth + 1);
            }
        }
        Value::Array(items) => {
            let sub = schema.and_then(|s| deref(root, s).get("items"));
            // The first few items stand for the rest: each has the same schema.
            for (i, v) in items.iter().enumerate().take(4) {
                collect(
                    root,
                    sub,
                    v,
                    format!("{pointer}/{i}"),
                    false,
                    out,
                    depth + 1,
                );
            }
        }
        _ => {}
    }
}

/// `value` with the place at `pointer` replaced (`Some`) or removed (`None`).
fn edit(value: &Value, pointer: &str, with: Option<Value>) -> Option<Value> {
    let mut out = value.clone();
    if pointer.is_empty() {
        return with;
    }
    let (parent, last) = pointer.rsplit_once('/')?;
    let last = last.replace("~1", "/").replace("~0", "~");
    match (out.pointer_mut(parent)?, with) {
        (Value::Object(map), Some(v)) => {
            map.insert(last, v);
        }
        (Value::Object(map), None) => {
            map.remove(&last)?;
        }
        (Value::Array(items), Some(v)) => {
            let slot = items.get_mut(last.parse::<usize>().ok()?)?;
            *slot = v;
        }
        (Value::Array(items), None) => {
            let i = last.parse::<usize>().ok()?;
            (i < items.len()).then(|| items.remove(i))?;
        }
        _ => return None,
    }
    Some(out)
}

/// `value` broken the way `kind` breaks answers, so that `media`'s validator rejects it; `None`
/// when no place of the value can be broken that way.
pub(super) fn mutate(kind: FaultKind, root: &Value, media: &Media, value: &Value) -> Option<Value> {
    let mut tried = 0;
    for site in sites(root, Some(&media.schema), value) {
        let current = value.pointer(&site.pointer)?;
        let candidates: Vec<Option<Value>> = match kind {
            // Only members of objects can be dropped, and only required ones break the schema.
            FaultKind::DropField if site.required => vec![None],
            FaultKind::MistypeField => vec![Some(other_type(current))],
            FaultKind::NullField if !current.is_null() => vec![Some(Value::Null)],
            FaultKind::BrokenFormat => site
                .schema
                .and_then(|s| s.get("format"))
                .and_then(Value::as_str)
                .filter(|_| current.is_string())
                .map(|f| vec![Some(Value::String(format!("not a valid {f}")))])
                .unwrap_or_default(),
            FaultKind::BrokenBounds => site
                .schema
                .map(|s| out_of_bounds(s, current))
                .unwrap_or_default()
                .into_iter()
                .map(Some)
                .collect(),
            _ => vec![],
        };
        for with in candidates {
            tried += 1;
            if tried > MAX_CANDIDATES {
                return None;
            }
            if let Some(broken) = edit(value, &site.pointer, with)
                && !media.validator.is_valid(&broken)
            {
                return Some(broken);
            }
        }
    }
    None
}

/// A value of another JSON type than `v`'s.
fn other_type(v: &Value) -> Value {
    match v {
        Value::String(_) => Value::from(12345),
        Value::Number(_) => Value::from("12345"),
        Value::Bool(_) => Value::from("true"),
        Value::Null | Value::Object(_) | Value::Array(_) => Value::from("mistyped"),
    }
}

/// Values past the bounds `schema` sets on `current`: one character over `maxLength`, empty
/// under `minLength`, one past `maximum`/`minimum`, a value outside the `enum`, an item too
/// many or too few.
fn out_of_bounds(schema: &Value, current: &Value) -> Vec<Value> {
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    let mut out = Vec::new();
    if schema.get("enum").is_some() {
        out.push(Value::from("not-in-the-enum"));
    }
    match current {
        Value::String(s) => {
            if let Some(max) = num("maxLength") {
                out.push(Value::String("x".repeat(max as usize + 1)));
            }
            if num("minLength").is_some_and(|m| m > 0.0) {
                out.push(Value::String(s.chars().take(0).collect()));
            }
        }
        Value::Number(_) => {
            let integer = schema.get("type").and_then(Value::as_str) == Some("integer");
            let n = |f: f64| {
                if integer {
                    Value::from(f as i64)
                } else {
                    Value::from(f)
                }
            };
            if let Some(max) = num("maximum") {
                out.push(n(max + 1.0));
            }
            if let Some(min) = num("minimum") {
                out.push(n(min - 1.0));
            }
        }
        Value::Array(items) => {
            if let Some(max) = num("maxItems")
                && let Some(first) = items.first()
            {
                out.push(Value::Array(vec![first.clone(); max as usize + 1]));
            }
            if num("minItems").is_some_and(|m| m > 0.0) {
                out.push(Value::Array(Vec::new()));
            }
        }
        _ => {}
    }
    out
}

/// An error body the documented schema rejects: an array, a string, an empty object or a
/// number, the first that does not validate.
pub(super) fn misshapen(media: &Media) -> Option<Value> {
    [
        serde_json::json!(["error"]),
        serde_json::json!("error"),
        serde_json::json!({}),
        serde_json::json!(0),
    ]
    .into_iter()
    .find(|v| !media.validator.is_valid(v))
}

/// What a leaked stack trace looks like: a Java frame, the kind C017 looks for.
pub const TRACE: &str = "java.lang.NullPointerException\n\tat com.example.game.PlayerHandler.handle(PlayerHandler.java:42)";

/// `value` with a stack trace in its first string that can hold one and still validate
/// (the explanation fields first).
pub(super) fn with_trace(media: &Media, value: &Value) -> Option<Value> {
    let mut strings: Vec<String> = Vec::new();
    let root = Value::Null;
    for site in sites(&root, None, value) {
        if value.pointer(&site.pointer).is_some_and(Value::is_string) {
            strings.push(site.pointer);
        }
    }
    let explanation = |p: &String| {
        let key = p.rsplit('/').next().unwrap_or_default();
        key == "message" || key == "description" || key.ends_with("message") || key == "error"
    };
    strings.sort_by_key(|p| !explanation(p));
    strings.into_iter().find_map(|pointer| {
        let old = value.pointer(&pointer)?.as_str()?.to_owned();
        let traced = edit(
            value,
            &pointer,
            Some(Value::String(format!("{old}\n{TRACE}"))),
        )?;
        media.validator.is_valid(&traced).then_some(traced)
    })
}
