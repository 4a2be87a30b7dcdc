//! The recursive comparison of two schemas, in one direction (a request body the client writes,
//! or a response the client reads): types and formats, nullability, enums, defaults, constraints,
//! properties and their `required`, `additionalProperties`, array items and `oneOf`/`anyOf`
//! variants. `$ref`s are followed and `allOf` branches merged (through the spec core's `shape`)
//! before anything is compared, so moving a schema into a component changes nothing.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashSet};

use gamespec_spec::refs::deref;
use gamespec_spec::shape::{merge_all_of, type_name};
use serde_json::Value;

use super::{Sink, show};

/// Which way the data travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    /// The client writes it (request bodies).
    Request,
    /// The client reads it (responses).
    Response,
}

impl Direction {
    fn prefix(self) -> &'static str {
        match self {
            Direction::Request => "request",
            Direction::Response => "response",
        }
    }
}

/// Deep enough for any real schema; cycles are cut by the `$ref` pair set before this matters.
const MAX_DEPTH: usize = 24;

/// Compare `old` and `new` (schemas of the old and new document) found at `at` in the new one;
/// `name` says what they are in messages (`body`, `200 body`).
pub(super) fn compare(
    sink: &mut Sink<'_>,
    dir: Direction,
    old: &Value,
    new: &Value,
    at: &str,
    name: &str,
) {
    let mut walk = Walk {
        sink,
        dir,
        seen: HashSet::new(),
        cuts: 0,
    };
    walk.node(old, new, at, name, 0);
}

/// The schema after `$ref`s, with its `allOf` branches merged when it has any (borrowed when it
/// has none: most schemas, and cloning every subtree at every level would be quadratic).
fn merged<'v>(root: &'v Value, schema: &'v Value) -> Cow<'v, Value> {
    let schema = deref(root, schema);
    if schema.get("allOf").is_some() {
        Cow::Owned(merge_all_of(root, schema))
    } else {
        Cow::Borrowed(schema)
    }
}

/// `type` (or what the keywords imply) and `format` of a schema, after `$ref`s and `allOf`. The
/// formats that mean what no format means (`int64` for integers, `double` for numbers: the same
/// values, the same Rust type) are left out, so adding or removing them is no change.
pub(super) fn type_and_format(root: &Value, schema: &Value) -> (Option<String>, Option<String>) {
    let merged = merged(root, schema);
    let kind = type_name(root, &merged).map(str::to_owned);
    let format = merged.get("format").and_then(Value::as_str);
    let format = match (kind.as_deref(), format) {
        (Some("integer"), Some("int64")) | (Some("number"), Some("double")) => None,
        (_, f) => f.map(str::to_owned),
    };
    (kind, format)
}

/// How the JSON types a schema admits changed, when one side is a single type and the other a
/// `oneOf`/`anyOf` of several (`string` → `string | integer`): the single `type` names differ, but
/// old values may all stay valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TypeShift {
    /// The new schema admits every type the old one did, and more.
    Widened,
    /// The new schema admits only some of the old types.
    Narrowed,
    /// Neither holds every type of the other.
    Changed,
}

/// The shift between two schemas whose `type_and_format` kinds differ, judged by the sets of
/// JSON types each admits (a composition admits the union of its branches). `None` when either
/// admits any type, or both admit the same set (nothing to report here).
pub(super) fn type_shift(
    old_root: &Value,
    old: &Value,
    new_root: &Value,
    new: &Value,
) -> Option<TypeShift> {
    let (o, n) = (admitted(old_root, old, 0)?, admitted(new_root, new, 0)?);
    if o == n {
        None
    } else if o.is_subset(&n) {
        Some(TypeShift::Widened)
    } else if n.is_subset(&o) {
        Some(TypeShift::Narrowed)
    } else {
        Some(TypeShift::Changed)
    }
}

/// The JSON types a schema admits: its own (or implied) type, else the union of its `oneOf` or
/// `anyOf` branches'. `None` means any type (a branch without one, or nesting too deep).
pub(super) fn admitted(root: &Value, schema: &Value, depth: usize) -> Option<BTreeSet<String>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let merged = merged(root, schema);
    if let Some(t) = type_name(root, &merged) {
        return Some(BTreeSet::from([t.to_owned()]));
    }
    let branches = ["oneOf", "anyOf"]
        .iter()
        .find_map(|k| merged.get(*k).and_then(Value::as_array))?;
    let mut all = BTreeSet::new();
    for b in branches {
        all.extend(admitted(root, b, depth + 1)?);
    }
    Some(all)
}

/// `type/format` for messages.
pub(super) fn show_type(t: &(Option<String>, Option<String>)) -> String {
    match t {
        (Some(t), Some(f)) => format!("{t}/{f}"),
        (Some(t), None) => t.clone(),
        (None, Some(f)) => format!("(any)/{f}"),
        (None, None) => "(any)".into(),
    }
}

/// The values of `enum` that `a` has and `b` lacks.
pub(super) fn missing_values(a: &Value, b: &Value) -> Vec<Value> {
    let (Some(a), Some(b)) = (
        a.get("enum").and_then(Value::as_array),
        b.get("enum").and_then(Value::as_array),
    ) else {
        return Vec::new();
    };
    a.iter().filter(|v| !b.contains(v)).cloned().collect()
}

/// Values in messages: `"a", "b"`.
pub(super) fn list(values: &[Value]) -> String {
    values.iter().map(show).collect::<Vec<_>>().join(", ")
}

fn flag(schema: &Value, key: &str) -> bool {
    schema.get(key).and_then(Value::as_bool) == Some(true)
}

/// The bound keywords: (keyword, whether a larger value allows more).
const BOUNDS: &[(&str, bool)] = &[
    ("maxLength", true),
    ("maximum", true),
    ("maxItems", true),
    ("maxProperties", true),
    ("minLength", false),
    ("minimum", false),
    ("minItems", false),
    ("minProperties", false),
];

/// How the bounds and pattern of `n` differ from those of `o`: the changes that allow fewer
/// values, and those that allow more, each as `maxLength 32 → 16`.
pub(super) fn bound_changes(o: &Value, n: &Value) -> (Vec<String>, Vec<String>) {
    let mut tightened = Vec::new();
    let mut loosened = Vec::new();
    for &(key, larger_allows_more) in BOUNDS {
        let (ov, nv) = (
            o.get(key).and_then(Value::as_f64),
            n.get(key).and_then(Value::as_f64),
        );
        let change = format!(
            "{key} {} → {}",
            o.get(key).map(show).unwrap_or_else(|| "none".into()),
            n.get(key).map(show).unwrap_or_else(|| "none".into())
        );
        let wider = match (ov, nv) {
            (Some(a), Some(b)) if a == b => continue,
            (Some(a), Some(b)) => (b > a) == larger_allows_more,
            (None, Some(_)) => false,
            (Some(_), None) => true,
            (None, None) => continue,
        };
        if wider {
            loosened.push(change);
        } else {
            tightened.push(change);
        }
    }
    match (o.get("pattern"), n.get("pattern")) {
        (a, b) if a == b => {}
        (Some(_), None) => loosened.push("pattern removed".into()),
        (_, Some(p)) => tightened.push(format!("pattern now {}", show(p))),
        (None, None) => {}
    }
    (tightened, loosened)
}

struct Walk<'s, 'a> {
    sink: &'s mut Sink<'a>,
    dir: Direction,
    seen: HashSet<(String, String)>,
    /// How often a cycle was cut: a walk with a cut is not known to be clean.
    cuts: usize,
}

impl Walk<'_, '_> {
    fn push(&mut self, rule: &str, at: &str, message: String) {
        let id = format!("{}-{rule}", self.dir.prefix());
        let message = format!("{}{message}", self.sink.operation_prefix());
        self.sink.push(&id, at, None, message);
    }

    fn node(&mut self, old: &Value, new: &Value, at: &str, name: &str, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let (old_ref, new_ref) = (ref_of(old), ref_of(new));
        let Some((o, n)) = old_ref.zip(new_ref) else {
            return self.compare_node(old, new, at, name, depth);
        };
        // Components are shared by many operations: a pair of components known to hold no
        // change is not walked again.
        let key = (self.dir == Direction::Request, o.to_owned(), n.to_owned());
        if self.sink.clean.contains(&key) {
            return;
        }
        if !self.seen.insert((o.to_owned(), n.to_owned())) {
            self.cuts += 1;
            return;
        }
        let (found, cuts) = (self.sink.findings.len(), self.cuts);
        self.compare_node(old, new, at, name, depth);
        if self.sink.findings.len() == found && self.cuts == cuts {
            self.sink.clean.insert(key);
        }
    }

    fn compare_node(&mut self, old: &Value, new: &Value, at: &str, name: &str, depth: usize) {
        let new_ref = ref_of(new);
        // Point into the component when the new schema is one.
        let at = new_ref
            .and_then(|r| r.strip_prefix('#'))
            .map(str::to_owned)
            .unwrap_or_else(|| at.to_owned());
        let at = at.as_str();
        let (old_root, new_root) = (self.sink.old, self.sink.new);
        let o = merged(old_root, old);
        let n = merged(new_root, new);
        let (o, n) = (o.as_ref(), n.as_ref());
        let what = format!("{} {name}", self.dir.prefix());

        let (ot, nt) = (type_and_format(old_root, o), type_and_format(new_root, n));
        if ot.0 != nt.0 {
            let rule = match type_shift(old_root, o, new_root, n) {
                Some(TypeShift::Widened) => Some("property-type-widened"),
                Some(TypeShift::Narrowed) => Some("property-type-narrowed"),
                Some(TypeShift::Changed) => Some("property-type-changed"),
                None => None,
            };
            if let Some(rule) = rule {
                let shown = |root: &Value, s: &Value| {
                    admitted(root, s, 0)
                        .map(|set| set.into_iter().collect::<Vec<_>>().join(" | "))
                        .unwrap_or_else(|| "(any)".into())
                };
                self.push(
                    rule,
                    at,
                    format!(
                        "{what}: type {} → {}",
                        shown(old_root, o),
                        shown(new_root, n)
                    ),
                );
                return;
            }
        }
        if ot.1 != nt.1 {
            self.push(
                "property-format-changed",
                at,
                format!(
                    "{what}: format {} → {}",
                    ot.1.as_deref().unwrap_or("none"),
                    nt.1.as_deref().unwrap_or("none")
                ),
            );
        }
        match (flag(o, "nullable"), flag(n, "nullable")) {
            (false, true) => self.push(
                "property-became-nullable",
                at,
                format!("{what} became nullable"),
            ),
            (true, false) => self.push(
                "property-nullable-removed",
                at,
                format!("{what} is no longer nullable"),
            ),
            _ => {}
        }
        let removed = missing_values(o, n);
        if !removed.is_empty() {
            self.push(
                "property-enum-value-removed",
                &format!("{at}/enum"),
                format!("{what}: enum value(s) {} removed", list(&removed)),
            );
        }
        let added = missing_values(n, o);
        if !added.is_empty() {
            self.push(
                "property-enum-value-added",
                &format!("{at}/enum"),
                format!("{what}: enum value(s) {} added", list(&added)),
            );
        }
        if self.dir == Direction::Request && o.get("default") != n.get("default") {
            let shown = |v: Option<&Value>| v.map(show).unwrap_or_else(|| "none".into());
            self.push(
                "property-default-changed",
                &format!("{at}/default"),
                format!(
                    "{what}: default {} → {}",
                    shown(o.get("default")),
                    shown(n.get("default"))
                ),
            );
        }
        if depth > 0 && !flag(o, "deprecated") && flag(n, "deprecated") {
            let message = format!("{}{what} deprecated", self.sink.operation_prefix());
            self.sink.push(
                "property-deprecated",
                &format!("{at}/deprecated"),
                None,
                message,
            );
        }
        self.bounds(o, n, at, &what);
        self.properties(o, n, at, name, depth);
        if self.dir == Direction::Request {
            self.additional_properties(o, n, at, &what);
        }
        if let (Some(oi), Some(ni)) = (o.get("items"), n.get("items")) {
            self.node(
                oi,
                ni,
                &format!("{at}/items"),
                &format!("{name}[]"),
                depth + 1,
            );
        }
        for key in ["oneOf", "anyOf"] {
            self.variants(o, n, key, at, name, depth);
        }
    }

    fn bounds(&mut self, o: &Value, n: &Value, at: &str, what: &str) {
        let (tightened, loosened) = bound_changes(o, n);
        if !tightened.is_empty() {
            self.push(
                "property-constraint-tightened",
                at,
                format!("{what}: {}", tightened.join(", ")),
            );
        }
        if !loosened.is_empty() {
            self.push(
                "property-constraint-loosened",
                at,
                format!("{what}: {}", loosened.join(", ")),
            );
        }
    }

    /// Whether a property takes no part in this direction (`readOnly` ones are never sent,
    /// `writeOnly` ones never read).
    fn skipped(&self, root: &Value, schema: &Value) -> bool {
        let schema = merged(root, schema);
        match self.dir {
            Direction::Request => flag(&schema, "readOnly"),
            Direction::Response => flag(&schema, "writeOnly"),
        }
    }

    fn properties(&mut self, o: &Value, n: &Value, at: &str, name: &str, depth: usize) {
        let empty = serde_json::Map::new();
        let op = o
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let np = n
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required = |s: &Value, p: &str| {
            s.get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|v| v.as_str() == Some(p)))
        };
        let (old_root, new_root) = (self.sink.old, self.sink.new);
        for (prop, ps) in op {
            if !np.contains_key(prop) && !self.skipped(old_root, ps) {
                self.push(
                    "property-removed",
                    &format!("{at}/properties/{}", escape(prop)),
                    format!("{} {name}.{prop} removed", self.dir.prefix()),
                );
            }
        }
        for (prop, ps) in np {
            let here = format!("{at}/properties/{}", escape(prop));
            let full = format!("{name}.{prop}");
            let what = format!("{} {full}", self.dir.prefix());
            if self.skipped(new_root, ps) {
                continue;
            }
            let (was, is) = (required(o, prop), required(n, prop));
            let Some(old_ps) = op.get(prop) else {
                let rule = match (self.dir, is) {
                    (Direction::Request, true) => "property-added-required",
                    (Direction::Request, false) => "property-added-optional",
                    (Direction::Response, true) => "property-added-required",
                    (Direction::Response, false) => "property-added",
                };
                let kind = if is { "required" } else { "optional" };
                self.push(rule, &here, format!("{what} added ({kind})"));
                continue;
            };
            if self.skipped(old_root, old_ps) {
                continue;
            }
            match (was, is) {
                (false, true) => self.push(
                    "property-made-required",
                    &here,
                    format!("{what} became required"),
                ),
                (true, false) => self.push(
                    "property-made-optional",
                    &here,
                    format!("{what} became optional"),
                ),
                _ => {}
            }
            self.node(old_ps, ps, &here, &full, depth + 1);
        }
    }

    fn additional_properties(&mut self, o: &Value, n: &Value, at: &str, what: &str) {
        // Absent means any extra property is allowed, as `true` does.
        let allows_any = |v: Option<&Value>| matches!(v, None | Some(Value::Bool(true)));
        let (oa, na) = (o.get("additionalProperties"), n.get("additionalProperties"));
        let narrowed = match (oa, na) {
            (_, Some(Value::Bool(false))) => oa != na,
            (old, Some(Value::Object(_))) => allows_any(old),
            _ => false,
        };
        if narrowed {
            self.push(
                "additional-properties-narrowed",
                &format!("{at}/additionalProperties"),
                format!(
                    "{what}: additionalProperties {} → {}",
                    oa.map(show).unwrap_or_else(|| "absent".into()),
                    na.map(show).unwrap_or_else(|| "absent".into())
                ),
            );
        }
    }

    fn variants(&mut self, o: &Value, n: &Value, key: &str, at: &str, name: &str, depth: usize) {
        let (Some(ov), Some(nv)) = (
            o.get(key).and_then(Value::as_array),
            n.get(key).and_then(Value::as_array),
        ) else {
            return;
        };
        // A variant is known by the component it names, else by its position.
        let label = |i: usize, v: &Value| ref_of(v).map(str::to_owned).unwrap_or(format!("#{i}"));
        let ol: Vec<String> = ov.iter().enumerate().map(|(i, v)| label(i, v)).collect();
        let nl: Vec<String> = nv.iter().enumerate().map(|(i, v)| label(i, v)).collect();
        for (i, l) in ol.iter().enumerate() {
            match nl.iter().position(|x| x == l) {
                Some(j) => self.node(
                    &ov[i],
                    &nv[j],
                    &format!("{at}/{key}/{j}"),
                    &format!("{name}({key} {})", short(l)),
                    depth + 1,
                ),
                None => self.push(
                    "variant-removed",
                    &format!("{at}/{key}"),
                    format!(
                        "{} {name}: {key} variant {} removed",
                        self.dir.prefix(),
                        short(l)
                    ),
                ),
            }
        }
        for (j, l) in nl.iter().enumerate() {
            if !ol.contains(l) {
                self.push(
                    "variant-added",
                    &format!("{at}/{key}/{j}"),
                    format!(
                        "{} {name}: {key} variant {} added",
                        self.dir.prefix(),
                        short(l)
                    ),
                );
            }
        }
    }
}

fn ref_of(v: &Value) -> Option<&str> {
    v.get("$ref").and_then(Value::as_str)
}

/// `#/components/schemas/Player` → `Player`.
fn short(label: &str) -> &str {
    label.rsplit('/').next().unwrap_or(label)
}

fn escape(token: &str) -> String {
    gamespec_spec::pointer::escape(token)
}
