//! Schema Objects, one at a time: each keyword of the JSON type OpenAPI 3.0 gives it, and no
//! combination that leaves no value at all (an empty `enum`, `minLength` above `maxLength`,
//! bounds with nothing between them, `allOf` branches of different types, a required property
//! that `additionalProperties: false` forbids, a `pattern` that is not a regular expression).
//! A spec with such a schema would have the mock answer what the schema forbids and the runner
//! blame the server for it.

use serde_json::{Map, Value, json};

use super::Found;
use super::nodes::{Kind, Nodes};
use crate::pointer;

const TYPES: &[&str] = &["string", "number", "integer", "boolean", "array", "object"];
const COUNTS: &[&str] = &[
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
];
const NUMBERS: &[&str] = &["minimum", "maximum", "multipleOf"];
const FLAGS: &[&str] = &[
    "exclusiveMinimum",
    "exclusiveMaximum",
    "nullable",
    "readOnly",
    "writeOnly",
    "uniqueItems",
    "deprecated",
];

pub(super) fn check(root: &Value, nodes: &Nodes<'_>, found: &mut Found) {
    for (at, kind, map) in &nodes.objects {
        if *kind == Kind::Schema && keyword_types(at, map, found) {
            contradictions(root, at, map, found);
        }
    }
}

/// Whether every keyword has its JSON type (the contradictions are only read then).
fn keyword_types(at: &str, map: &Map<String, Value>, found: &mut Found) -> bool {
    let before = found.0.len();
    let here = |k: &str| format!("{at}/{k}");
    match map.get("type") {
        None => {}
        Some(Value::String(t)) if TYPES.contains(&t.as_str()) => {}
        Some(Value::Array(_)) => found.invalid(
            here("type"),
            "a list of types is OpenAPI 3.1; in 3.0 `type` is one name (with `nullable: true` \
             for null)",
        ),
        Some(other) => found.invalid(
            here("type"),
            format!("unknown type {other}: one of {}", TYPES.join(", ")),
        ),
    }
    for k in COUNTS {
        if let Some(v) = map.get(*k).filter(|v| v.as_u64().is_none()) {
            found.invalid(
                here(k),
                format!("`{k}` must be a non-negative integer, not {v}"),
            );
        }
    }
    for k in NUMBERS {
        if let Some(v) = map.get(*k).filter(|v| !v.is_number()) {
            found.invalid(here(k), format!("`{k}` must be a number, not {v}"));
        }
    }
    for k in FLAGS {
        match map.get(*k) {
            None | Some(Value::Bool(_)) => {}
            Some(v) if v.is_number() && k.starts_with("exclusive") => found.invalid(
                here(k),
                format!("a numeric `{k}` is OpenAPI 3.1; in 3.0 it is true or false"),
            ),
            Some(v) => found.invalid(here(k), format!("`{k}` must be true or false, not {v}")),
        }
    }
    for k in ["pattern", "format", "title", "description"] {
        if let Some(v) = map.get(k).filter(|v| !v.is_string()) {
            found.invalid(here(k), format!("`{k}` must be a string, not {v}"));
        }
    }
    match map.get("required") {
        None => {}
        Some(Value::Array(names)) => {
            for (i, n) in names.iter().enumerate() {
                if !n.is_string() {
                    found.invalid(
                        format!("{at}/required/{i}"),
                        "`required` lists property names",
                    );
                }
            }
        }
        Some(v) => found.invalid(
            here("required"),
            format!("`required` must be a list of property names, not {v}"),
        ),
    }
    if let Some(v) = map.get("enum").filter(|v| !v.is_array()) {
        found.invalid(here("enum"), format!("`enum` must be a list, not {v}"));
    }
    for k in ["allOf", "oneOf", "anyOf"] {
        match map.get(k) {
            None => {}
            Some(Value::Array(items)) => {
                for (i, s) in items.iter().enumerate() {
                    if !s.is_object() {
                        found.invalid(format!("{at}/{k}/{i}"), "each entry must be a schema");
                    }
                }
            }
            Some(_) => found.invalid(here(k), format!("`{k}` must be a list of schemas")),
        }
    }
    for k in ["items", "not", "properties"] {
        if let Some(v) = map.get(k).filter(|v| !v.is_object()) {
            let why = if k == "items" && v.is_array() {
                " (a list of item schemas is not OpenAPI 3.0)"
            } else {
                ""
            };
            found.invalid(here(k), format!("`{k}` must be a mapping{why}"));
        }
    }
    if let Some(props) = map.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            if !p.is_object() {
                found.invalid(
                    format!("{at}/properties/{}", pointer::escape(name)),
                    "a property must be a schema",
                );
            }
        }
    }
    if let Some(v) = map
        .get("additionalProperties")
        .filter(|v| !v.is_boolean() && !v.is_object())
    {
        found.invalid(
            here("additionalProperties"),
            format!("`additionalProperties` must be true, false or a schema, not {v}"),
        );
    }
    found.0.len() == before
}

fn contradictions(root: &Value, at: &str, map: &Map<String, Value>, found: &mut Found) {
    let here = |k: &str| format!("{at}/{k}");
    let ty = map.get("type").and_then(Value::as_str);
    let nullable = map.get("nullable") == Some(&Value::Bool(true));
    if let Some(values) = map.get("enum").and_then(Value::as_array) {
        if values.is_empty() {
            found.invalid(here("enum"), "`enum` is empty: no value can match");
        } else if let Some(t) = ty
            && !values
                .iter()
                .any(|v| has_type(t, v) || (nullable && v.is_null()))
        {
            found.invalid(
                here("enum"),
                format!("no value of `enum` is of type {t}: no value can match"),
            );
        }
    }
    for (lo, hi) in [
        ("minLength", "maxLength"),
        ("minItems", "maxItems"),
        ("minProperties", "maxProperties"),
    ] {
        if let (Some(l), Some(h)) = (
            map.get(lo).and_then(Value::as_u64),
            map.get(hi).and_then(Value::as_u64),
        ) && l > h
        {
            found.invalid(
                here(lo),
                format!("`{lo}` {l} is above `{hi}` {h}: no value can match"),
            );
        }
    }
    bounds(at, map, ty, found);
    if let Some(m) = map.get("multipleOf").and_then(Value::as_f64)
        && m <= 0.0
    {
        found.invalid(here("multipleOf"), "`multipleOf` must be above 0");
    }
    if let Some(p) = map.get("pattern").and_then(Value::as_str)
        && let Err(e) = jsonschema::draft4::options().build(&json!({ "pattern": p }))
    {
        found.invalid(
            here("pattern"),
            format!("`pattern` is not a valid regular expression: {e}"),
        );
    }
    if map.get("additionalProperties") == Some(&Value::Bool(false)) {
        let props = map.get("properties").and_then(Value::as_object);
        for (i, name) in map
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(name) = name.as_str() else { continue };
            if !props.is_some_and(|p| p.contains_key(name)) {
                found.invalid(
                    format!("{at}/required/{i}"),
                    format!(
                        "required property `{name}` is not in `properties` and \
                         `additionalProperties` is false: no object can match"
                    ),
                );
            }
        }
    }
    if map.get("readOnly") == Some(&Value::Bool(true))
        && map.get("writeOnly") == Some(&Value::Bool(true))
    {
        found.invalid(
            here("writeOnly"),
            "`readOnly` and `writeOnly` together: the value may be neither sent nor received",
        );
    }
    for k in ["oneOf", "anyOf"] {
        if map
            .get(k)
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            found.invalid(here(k), format!("`{k}` is empty: no value can match"));
        }
    }
    if map.get("not").and_then(Value::as_object).is_some_and(|n| {
        n.keys()
            .all(|k| k == "description" || k == "title" || k.starts_with("x-"))
    }) {
        found.invalid(
            here("not"),
            "`not` of a schema that allows everything: no value can match",
        );
    }
    if ty == Some("array") && !map.contains_key("items") {
        found.invalid(at, "a schema of type array needs `items` (OpenAPI 3.0)");
    }
    all_of_types(root, at, map, ty, found);
}

/// `minimum`/`maximum` (with their exclusive flags) that leave no number, or no integer.
fn bounds(at: &str, map: &Map<String, Value>, ty: Option<&str>, found: &mut Found) {
    let (Some(lo), Some(hi)) = (
        map.get("minimum").and_then(Value::as_f64),
        map.get("maximum").and_then(Value::as_f64),
    ) else {
        return;
    };
    let ex_lo = map.get("exclusiveMinimum") == Some(&Value::Bool(true));
    let ex_hi = map.get("exclusiveMaximum") == Some(&Value::Bool(true));
    if lo > hi {
        found.invalid(
            format!("{at}/minimum"),
            format!("`minimum` {lo} is above `maximum` {hi}: no value can match"),
        );
    } else if lo == hi && (ex_lo || ex_hi) {
        let flag = if ex_lo {
            "exclusiveMinimum"
        } else {
            "exclusiveMaximum"
        };
        found.invalid(
            format!("{at}/{flag}"),
            format!(
                "`minimum` and `maximum` are both {lo} and `{flag}` excludes it: no value can match"
            ),
        );
    } else if ty == Some("integer") {
        let first = if ex_lo && lo.fract() == 0.0 {
            lo + 1.0
        } else {
            lo.ceil()
        };
        let last = if ex_hi && hi.fract() == 0.0 {
            hi - 1.0
        } else {
            hi.floor()
        };
        if first > last {
            found.invalid(
                format!("{at}/minimum"),
                format!("no integer lies between `minimum` {lo} and `maximum` {hi}"),
            );
        }
    }
}

/// `allOf` branches (and the schema's own `type`) that ask for different types.
fn all_of_types(
    root: &Value,
    at: &str,
    map: &Map<String, Value>,
    own: Option<&str>,
    found: &mut Found,
) {
    let Some(branches) = map.get("allOf").and_then(Value::as_array) else {
        return;
    };
    let mut first: Option<(&str, String)> = own.map(|t| (t, format!("{at}/type")));
    for (i, b) in branches.iter().enumerate() {
        let branch = crate::refs::deref(root, b);
        let Some(t) = branch.get("type").and_then(Value::as_str) else {
            continue;
        };
        let here = if b.get("$ref").is_some() {
            format!("{at}/allOf/{i}")
        } else {
            format!("{at}/allOf/{i}/type")
        };
        match &first {
            None => first = Some((t, here)),
            Some((f, _)) if compatible(f, t) => {}
            Some((f, where_)) => {
                found.invalid(
                    here,
                    format!(
                        "`allOf` asks for type {t} here and type {f} at {where_}: no value is both"
                    ),
                );
                return;
            }
        }
    }
}

fn compatible(a: &str, b: &str) -> bool {
    a == b || matches!((a, b), ("integer", "number") | ("number", "integer"))
}

fn has_type(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}
