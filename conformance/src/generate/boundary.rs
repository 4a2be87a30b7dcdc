//! The boundary phase: deterministic valid edge cases of an operation. Required parts only;
//! every optional part; then, on the all-optional case, one value at a time moved to an edge:
//! every enum value, strings at `minLength` and `maxLength`, numbers at `minimum` and `maximum`
//! (and the `int32`/`int64` range), empty arrays where allowed, and hostile non-ASCII text
//! ([`HOSTILE`]) in every free-text value a server decodes itself (query values, path
//! segments, headers, cookies, form fields), first, so the cap never drops it. A query value without
//! `allowEmptyValue` is never moved to the empty text: its `minLength` counts as at least 1.
//! Candidates that do not read back valid are dropped; at most [`CAP`] cases per operation.

use serde_json::{Map, Value};

use super::readback::Readback;
use super::request::strategy;
use super::strategy::{Optional, bound, integer_range, sample};
use super::target::{Node, Place, nodes};
use crate::case::{Case, Phase};
use gamespec_spec::shape::type_name;
use gamespec_spec::spec::{Operation, Spec};

/// The most boundary cases per operation.
pub const CAP: usize = 16;
/// Strings longer than this are not generated at `maxLength` (a 64 KB field tells little more).
const LONGEST: u64 = 4096;

/// The boundary cases of `op`, kept when `readback` reads them as valid.
pub fn cases(spec: &Spec, op: &Operation, readback: &Readback) -> Vec<Case> {
    let drawn = |optional| {
        strategy(spec, op, optional, Phase::Boundary)
            .ok()
            .and_then(|s| sample(&s))
    };
    let mut candidates: Vec<Case> = drawn(Optional::Never).into_iter().collect();
    if let Some(all) = drawn(Optional::Always) {
        candidates.push(all.clone());
        // Per value its edges; then round-robin over the values, so that under the cap every
        // value gets its first edge before any gets its second.
        let per_node: Vec<(Place, Vec<Value>)> = nodes(spec, op, &all)
            .iter()
            .map(|node| {
                let current = node.place.get(&all);
                let edges = [hostile, enums, lengths, numbers, empty_arrays]
                    .iter()
                    .flat_map(|kind| kind(node))
                    .filter(|v| Some(v) != current)
                    .collect();
                (node.place.clone(), edges)
            })
            .collect();
        let rounds = per_node.iter().map(|(_, e)| e.len()).max().unwrap_or(0);
        let edges = (0..rounds).flat_map(|round| {
            per_node
                .iter()
                .filter_map(move |(place, e)| Some((place.clone(), e.get(round)?.clone())))
        });
        for (place, value) in edges {
            let mut case = all.clone();
            if place.set(&mut case, value) {
                candidates.push(case);
            }
        }
    }
    let mut out: Vec<Case> = Vec::new();
    for case in candidates {
        if out.len() >= CAP {
            break;
        }
        if !out.contains(&case) && readback.problems(&case).is_empty() {
            out.push(case);
        }
    }
    out
}

fn ty(s: &Map<String, Value>) -> Option<String> {
    type_name(&Value::Null, &Value::Object(s.clone())).map(str::to_owned)
}

fn enums(node: &Node) -> Vec<Value> {
    let nullable = !node.text && node.schema.get("nullable") == Some(&Value::Bool(true));
    node.schema
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|v| !v.is_null() || nullable)
        .filter(|v| !(node.filled && v.as_str() == Some("")))
        .cloned()
        .collect()
}

fn lengths(node: &Node) -> Vec<Value> {
    let s = &node.schema;
    let plain = matches!(
        s.get("format").and_then(Value::as_str),
        None | Some("password" | "binary")
    );
    if ty(s).as_deref() != Some("string")
        || s.contains_key("enum")
        || s.contains_key("pattern")
        || !plain
    {
        return Vec::new();
    }
    let min = s.get("minLength").and_then(Value::as_u64);
    let max = s.get("maxLength").and_then(Value::as_u64);
    // Where the empty value is invalid, the shortest valid value has one character.
    let (min, max) = if node.filled {
        (min.map(|n| n.max(1)), max.filter(|n| *n > 0))
    } else {
        (min, max)
    };
    [min, max]
        .into_iter()
        .flatten()
        .filter(|n| *n <= LONGEST)
        .map(|n| Value::String("a".repeat(n as usize)))
        .collect()
}

/// Text servers decode wrongly: Latin-1 range, CJK, an emoji outside the BMP (a surrogate
/// pair in UTF-16), a right-to-left override and a zero-width joiner.
pub const HOSTILE: &str = "Zoë測試🎮\u{202e}\u{200d}";

/// [`HOSTILE`] fitted to a free-text value carried as text: padded to `minLength`, cut to
/// `maxLength` (in characters, as JSON Schema counts them).
fn hostile(node: &Node) -> Vec<Value> {
    let s = &node.schema;
    if !node.text
        || ty(s).as_deref() != Some("string")
        || s.contains_key("enum")
        || s.contains_key("pattern")
        || s.contains_key("format")
    {
        return Vec::new();
    }
    let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = s
        .get("maxLength")
        .and_then(Value::as_u64)
        .map(|n| n as usize);
    if max.is_some_and(|m| m == 0) || min as u64 > LONGEST {
        return Vec::new();
    }
    let mut text: String = HOSTILE.chars().take(max.unwrap_or(usize::MAX)).collect();
    let have = text.chars().count();
    if have < min {
        text.push_str(&"x".repeat(min - have));
    }
    vec![Value::String(text)]
}

fn numbers(node: &Node) -> Vec<Value> {
    let s = &node.schema;
    if s.contains_key("enum") || s.contains_key("multipleOf") {
        return Vec::new();
    }
    match ty(s).as_deref() {
        Some("integer") => {
            let explicit = |k: &str| {
                s.contains_key(k)
                    || s.get("format")
                        .and_then(Value::as_str)
                        .is_some_and(|f| f == "int32" || f == "int64")
            };
            let (lo, hi) = integer_range(s);
            let mut out = Vec::new();
            if explicit("minimum")
                && let Ok(lo) = i64::try_from(lo)
            {
                out.push(Value::from(lo));
            }
            if explicit("maximum")
                && let Ok(hi) = i64::try_from(hi)
            {
                out.push(Value::from(hi));
            }
            out
        }
        Some("number") => [
            ("minimum", "exclusiveMinimum"),
            ("maximum", "exclusiveMaximum"),
        ]
        .iter()
        .filter_map(|(k, e)| match bound(s, k, e) {
            (Some(v), false) => serde_json::Number::from_f64(v).map(Value::Number),
            _ => None,
        })
        .collect(),
        _ => Vec::new(),
    }
}

fn empty_arrays(node: &Node) -> Vec<Value> {
    let s = &node.schema;
    // A filled list is a comma-joined one, which without items is the empty value.
    let allowed = s.get("minItems").and_then(Value::as_u64).unwrap_or(0) == 0 && !node.filled;
    if ty(s).as_deref() == Some("array") && allowed {
        vec![Value::Array(Vec::new())]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::query_fixture::{operation, sends_forbidden_empty, spec};
    use super::*;

    #[test]
    fn query_values_move_to_the_shortest_value_they_allow() {
        let spec = spec();
        let op = operation(&spec);
        let found = cases(&spec, op, &Readback::new(&spec, op));
        assert!(found.len() > 2, "{found:?}");
        for case in &found {
            assert!(!sends_forbidden_empty(op, case), "{:?}", case.query);
        }
        let has = |name: &str, v: Value| found.iter().any(|c| c.query.get(name) == Some(&v));
        // `minLength: 0` counts as 1 where the empty value is not allowed...
        assert!(has("q", json!("a")));
        assert!(has("kind", json!("a")));
        // ...and stays 0 where `allowEmptyValue: true` allows it.
        assert!(has("blank", json!("")));
    }
}
