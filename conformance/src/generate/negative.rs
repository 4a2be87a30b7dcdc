//! The negative phase: cases that break the contract in exactly one place.
//!
//! Mutations are found on a valid base case (every optional part present): per parameter and
//! body field, one per kind of violation (missing, wrong type, null, outside the enum, below the
//! minimum, above the maximum, too short, too long, pattern, format, too few/many/duplicate
//! items, an extra property where `additionalProperties: false`), plus a missing body, a
//! malformed JSON body, a body of the wrong top-level type, and an empty value (`?name=`) of
//! each query parameter without `allowEmptyValue`. A mutation is kept only if the case, as the
//! server reads it back ([`Readback`]), breaks the contract and still reaches the operation; of
//! each kind, the first candidate value that does so is used.
//!
//! The random strategy applies a random kept mutation to a random base, and keeps the result
//! only under the same condition.

use std::sync::Arc;

use proptest::sample::select;
use proptest::strategy::{BoxedStrategy, Strategy};
use serde_json::{Map, Value, json};

use super::GenError;
use super::readback::Readback;
use super::request::strategy as request_strategy;
use super::strategy::{Optional, bound, integer_range, sample};
use super::target::{Node, Place, nodes};
use crate::case::{Case, Intent, Phase};
use crate::read::{forbids_empty, is_json};
use gamespec_spec::shape::type_name;
use gamespec_spec::spec::{Operation, ParamLocation, Spec};

/// The most fixed negative cases per operation.
pub const CAP: usize = 64;
/// Name of the property added where no additional property is allowed.
const UNEXPECTED: &str = "gamespec_unexpected";

/// How a mutation changes the value at its place.
#[derive(Debug, Clone, PartialEq)]
enum Edit {
    Set(Value),
    Remove,
    /// Send this text as the body instead of the serialised value.
    Raw(String),
    /// Keep the first n items.
    Truncate(usize),
    /// Repeat the items until there are n.
    Extend(usize),
    /// Append a copy of the first item.
    Duplicate,
}

/// One change that breaks the contract at one place.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    place: Place,
    edit: Edit,
    reason: String,
}

impl Mutation {
    fn new(place: Place, edit: Edit, reason: impl Into<String>) -> Self {
        Mutation {
            place,
            edit,
            reason: reason.into(),
        }
    }

    /// `base` with the mutation applied, as a negative case; `None` when the place is missing.
    fn apply(&self, base: &Case) -> Option<Case> {
        let mut case = base.clone();
        case.phase = Phase::Negative;
        case.intent = Intent::Invalid {
            location: self.place.location(),
            reason: self.reason.clone(),
        };
        let list = || match self.place.get(base) {
            Some(Value::Array(items)) if !items.is_empty() => Some(items.clone()),
            _ => None,
        };
        let done = match &self.edit {
            Edit::Set(v) => self.place.set(&mut case, v.clone()),
            Edit::Remove => self.place.remove(&mut case),
            Edit::Raw(text) => match &mut case.body {
                Some(body) => {
                    body.raw = Some(text.clone());
                    true
                }
                None => false,
            },
            Edit::Truncate(n) => match list() {
                Some(items) if items.len() > *n => self
                    .place
                    .set(&mut case, Value::Array(items[..*n].to_vec())),
                _ => false,
            },
            Edit::Extend(n) => match list() {
                Some(items) => {
                    let longer = items.iter().cycle().take(*n).cloned().collect();
                    self.place.set(&mut case, Value::Array(longer))
                }
                None => false,
            },
            Edit::Duplicate => match list() {
                Some(mut items) => {
                    items.push(items[0].clone());
                    self.place.set(&mut case, Value::Array(items))
                }
                None => false,
            },
        };
        done.then_some(case)
    }
}

/// A valid base to mutate and the policy it was drawn with: every optional part present if
/// that reads back valid, else a random one.
fn base(spec: &Spec, op: &Operation, readback: &Readback) -> Option<(Case, Optional)> {
    [Optional::Always, Optional::Random]
        .into_iter()
        .find_map(|optional| {
            let s = request_strategy(spec, op, optional, Phase::Negative).ok()?;
            let case = sample(&s)?;
            readback
                .problems(&case)
                .is_empty()
                .then_some((case, optional))
        })
}

/// The mutations that break `base` in a way the server can see, one per place and kind.
fn mutations(spec: &Spec, op: &Operation, base: &Case, readback: &Readback) -> Vec<Mutation> {
    let mut groups: Vec<Vec<Mutation>> = Vec::new();
    for p in &op.parameters {
        // A path without one of its segments is another route, not this operation.
        if p.required && p.location != ParamLocation::Path {
            let place = Place::param(p.location, &p.name);
            groups.push(vec![Mutation::new(
                place,
                Edit::Remove,
                "the required parameter is missing",
            )]);
        }
    }
    if let (Some((required, _)), Some(body)) = (&op.body, &base.body) {
        if *required {
            groups.push(vec![Mutation::new(
                Place::body(),
                Edit::Remove,
                "the required body is missing",
            )]);
        }
        if is_json(&body.media_type) {
            let raw = Edit::Raw("{\"gamespec\": [1, 2".into());
            groups.push(vec![Mutation::new(
                Place::body(),
                raw,
                "the body is not well-formed JSON",
            )]);
        }
    }
    for node in nodes(spec, op, base) {
        groups.extend(node_groups(&node));
    }
    let works = |m: &Mutation| {
        m.apply(base)
            .is_some_and(|c| readback.only_contract_problems(&c))
    };
    let mut out = Vec::new();
    for group in groups {
        out.extend(group.into_iter().find(works));
    }
    // Last, so the other mutations keep their order; skipped where another kind (too short,
    // pattern) already sends the same empty value.
    for p in op.parameters.iter().filter(|p| forbids_empty(p)) {
        let empty = Mutation::new(
            Place::param(p.location, &p.name),
            Edit::Set(json!("")),
            "an empty value where the parameter does not allow empty values",
        );
        let repeated = out
            .iter()
            .any(|m| m.place == empty.place && m.edit == empty.edit);
        if !repeated && works(&empty) {
            out.push(empty);
        }
    }
    out
}

fn ty(s: &Map<String, Value>) -> Option<String> {
    type_name(&Value::Null, &Value::Object(s.clone())).map(str::to_owned)
}

fn article(t: &str) -> String {
    match t {
        "integer" | "object" | "array" => format!("an {t}"),
        t => format!("a {t}"),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Candidate mutations of one value, grouped by kind of violation (first working one is used).
fn node_groups(node: &Node) -> Vec<Vec<Mutation>> {
    let s = &node.schema;
    let at = &node.place;
    let t = ty(s);
    let group = |values: Vec<Value>, reason: &dyn Fn(&Value) -> String| -> Vec<Mutation> {
        values
            .into_iter()
            .map(|v| {
                let r = reason(&v);
                Mutation::new(at.clone(), Edit::Set(v), r)
            })
            .collect()
    };
    let mut out = Vec::new();
    // Text carries every value as a string, so a text-carried string never has the wrong type
    // (`42` reads back as "42"), and a list or form is only ever its items or fields: a wrong
    // type there reads back as another violation (an item, a missing field) that its own
    // mutation covers, with the right reason.
    let textual = matches!(t.as_deref(), Some("array" | "object" | "string"));
    if let Some(t) = t.as_ref().filter(|_| !(node.text && textual)) {
        let wrong: Vec<Value> = match t.as_str() {
            "string" => vec![json!(42), json!(true), json!({}), json!([])],
            "integer" => vec![json!("abc"), json!(1.5), json!(true)],
            "number" => vec![json!("abc"), json!(true)],
            "boolean" => vec![json!("abc"), json!(1)],
            "object" => vec![json!("abc"), json!(42), json!([])],
            "array" => vec![json!("abc"), json!({})],
            _ => Vec::new(),
        };
        out.push(group(wrong, &|v| {
            format!("{} where {} is required", kind_of(v), article(t))
        }));
        if !node.text && s.get("nullable") != Some(&Value::Bool(true)) {
            out.push(group(vec![Value::Null], &|_| {
                "null where the value is not nullable".into()
            }));
        }
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        let top = values.iter().filter_map(Value::as_i64).max().unwrap_or(0);
        let outside = vec![json!("gamespec_not_in_enum"), json!(top.saturating_add(1))];
        out.push(group(outside, &|_| "a value outside the enum".into()));
    }
    match t.as_deref() {
        Some("integer") => {
            let (lo, hi) = integer_range(s);
            let below = i64::try_from(lo - 1).ok().map(Value::from);
            let above = i64::try_from(hi + 1)
                .map(Value::from)
                .or_else(|_| u64::try_from(hi + 1).map(Value::from))
                .ok();
            out.push(group(below.into_iter().collect(), &|_| {
                format!("below the minimum {lo}")
            }));
            out.push(group(above.into_iter().collect(), &|_| {
                format!("above the maximum {hi}")
            }));
        }
        Some("number") => {
            if let (Some(m), excl) = bound(s, "minimum", "exclusiveMinimum") {
                let v = if excl { m } else { m - 1.0 };
                out.push(group(number(v), &|_| format!("below the minimum {m}")));
            }
            if let (Some(m), excl) = bound(s, "maximum", "exclusiveMaximum") {
                let v = if excl { m } else { m + 1.0 };
                out.push(group(number(v), &|_| format!("above the maximum {m}")));
            }
        }
        Some("string") => {
            if let Some(n) = s
                .get("minLength")
                .and_then(Value::as_u64)
                .filter(|n| *n > 0)
            {
                let short = "a".repeat(n as usize - 1);
                out.push(group(vec![json!(short)], &|_| {
                    format!("shorter than minLength {n}")
                }));
            }
            if let Some(n) = s
                .get("maxLength")
                .and_then(Value::as_u64)
                .filter(|n| *n < 100_000)
            {
                let long = "a".repeat(n as usize + 1);
                out.push(group(vec![json!(long)], &|_| {
                    format!("longer than maxLength {n}")
                }));
            }
            if let Some(p) = s.get("pattern").and_then(Value::as_str) {
                let misses = ["!", "#$%&", "a b", " ", ""].map(|m| json!(m)).to_vec();
                out.push(group(misses, &|_| {
                    format!("does not match the pattern {p}")
                }));
            }
            if let Some(f) = s.get("format").and_then(Value::as_str)
                && !matches!(f, "password" | "binary" | "byte")
            {
                let bad = vec![json!(format!("not a {f}")), json!(format!("not-a-{f}"))];
                out.push(group(bad, &|_| format!("not a valid {f}")));
            }
        }
        Some("array") => {
            if let Some(n) = s.get("minItems").and_then(Value::as_u64).filter(|n| *n > 0) {
                let m = Mutation::new(
                    at.clone(),
                    Edit::Truncate(n as usize - 1),
                    format!("fewer items than minItems {n}"),
                );
                out.push(vec![m]);
            }
            if let Some(n) = s
                .get("maxItems")
                .and_then(Value::as_u64)
                .filter(|n| *n < 10_000)
            {
                let m = Mutation::new(
                    at.clone(),
                    Edit::Extend(n as usize + 1),
                    format!("more items than maxItems {n}"),
                );
                out.push(vec![m]);
            }
            if s.get("uniqueItems") == Some(&Value::Bool(true)) {
                let m = Mutation::new(
                    at.clone(),
                    Edit::Duplicate,
                    "a duplicate item where items must be unique",
                );
                out.push(vec![m]);
            }
        }
        Some("object") => {
            for name in s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let m = Mutation::new(
                    at.child(name),
                    Edit::Remove,
                    format!("the required property `{name}` is missing"),
                );
                out.push(vec![m]);
            }
            if s.get("additionalProperties") == Some(&Value::Bool(false)) {
                let m = Mutation::new(
                    at.child(UNEXPECTED),
                    Edit::Set(json!("x")),
                    format!(
                        "the property `{UNEXPECTED}` is not allowed (additionalProperties: false)"
                    ),
                );
                out.push(vec![m]);
            }
        }
        _ => {}
    }
    out
}

fn number(v: f64) -> Vec<Value> {
    serde_json::Number::from_f64(v)
        .map(Value::Number)
        .into_iter()
        .collect()
}

/// What the negative phase of an operation breaks: a base case the read-back finds valid, how
/// its optional values were drawn, and the mutations of it the read-back sees (at least one).
/// Working them out reads back every candidate mutation, so the runner does it once per
/// operation for both the fixed cases and the random strategy ([`Breakable::of`]).
#[derive(Debug)]
pub struct Breakable {
    base: Case,
    optional: Optional,
    kept: Vec<Mutation>,
}

impl Breakable {
    /// What `op` has to break, as `readback` reads it; `None` when nothing breaks (no valid
    /// base case, or no mutation of it that the server can see).
    pub fn of(spec: &Spec, op: &Operation, readback: &Readback) -> Option<Breakable> {
        let (base, optional) = base(spec, op, readback)?;
        let kept = mutations(spec, op, &base, readback);
        (!kept.is_empty()).then_some(Breakable {
            base,
            optional,
            kept,
        })
    }

    /// The deterministic negative cases (at most 64): each kept mutation of the base.
    pub fn fixed(&self) -> Vec<Case> {
        self.kept
            .iter()
            .filter_map(|m| m.apply(&self.base))
            .take(CAP)
            .collect()
    }
}

/// The deterministic negative cases of `op` (at most [`CAP`]), kept when `readback` sees their
/// violation.
pub fn fixed(spec: &Spec, op: &Operation, readback: &Readback) -> Vec<Case> {
    Breakable::of(spec, op, readback)
        .map(|b| b.fixed())
        .unwrap_or_default()
}

/// Random negative cases of `op`: a random kept mutation applied to a random valid base.
pub fn random(
    spec: &Spec,
    op: &Operation,
    readback: Arc<Readback>,
) -> Result<BoxedStrategy<Case>, GenError> {
    let breakable = Breakable::of(spec, op, &readback);
    random_from(spec, op, breakable.as_ref(), readback)
}

/// [`random`] from what `op` has to break, worked out before (`None`: nothing).
pub fn random_from(
    spec: &Spec,
    op: &Operation,
    breakable: Option<&Breakable>,
    readback: Arc<Readback>,
) -> Result<BoxedStrategy<Case>, GenError> {
    let Some(breakable) = breakable else {
        return Err(GenError::NothingToBreak {
            operation: op.id.clone(),
        });
    };
    let bases = request_strategy(spec, op, breakable.optional, Phase::Negative)?;
    Ok((bases, select(breakable.kept.clone()))
        .prop_filter_map(
            "the mutation does not break this base on the wire",
            move |(base, m)| {
                if !readback.problems(&base).is_empty() {
                    return None;
                }
                let case = m.apply(&base)?;
                readback.only_contract_problems(&case).then_some(case)
            },
        )
        .boxed())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::query_fixture::{operation, spec};
    use super::*;

    #[test]
    fn empty_values_are_a_violation_where_not_allowed() {
        let spec = spec();
        let op = operation(&spec);
        let empty: Vec<(String, Value)> = fixed(&spec, op, &Readback::new(&spec, op))
            .into_iter()
            .filter_map(|c| match &c.intent {
                Intent::Invalid { location, reason } if reason.starts_with("an empty value") => {
                    let name = location.strip_prefix("query/")?.to_owned();
                    let value = c.query.get(&name)?.clone();
                    Some((name, value))
                }
                _ => None,
            })
            .collect();
        let names: Vec<&str> = empty.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["q", "kind", "tags", "ids"]);
        assert!(empty.iter().all(|(_, v)| v == &json!("")));
    }

    #[test]
    fn random_negatives_include_empty_values() {
        let spec = spec();
        let op = operation(&spec);
        let cases = random(&spec, op, Arc::new(Readback::new(&spec, op))).unwrap();
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let readback = Readback::new(&spec, op);
        let mut seen = 0;
        for _ in 0..200 {
            let case =
                proptest::strategy::ValueTree::current(&cases.new_tree(&mut runner).unwrap());
            assert!(readback.only_contract_problems(&case));
            if let Intent::Invalid { reason, .. } = &case.intent {
                seen += usize::from(reason.starts_with("an empty value"));
            }
        }
        assert!(seen > 0);
    }
}
