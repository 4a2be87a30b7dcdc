//! OpenAPI schema → proptest strategy of schema-valid JSON values (request direction: `readOnly`
//! properties are never generated).
//!
//! Values shrink the proptest way: optional properties are `Option`s that shrink away, arrays
//! shrink in length, numbers towards zero or their lower bound, `oneOf` towards the first
//! branch, nullable values towards `null`.
//!
//! Fallbacks (never a panic; the caller's `validate` is the judge): an unparseable `pattern` or
//! an unknown `format` gives a plain string; `not` is ignored; a schema without any type gives
//! a string, integer, boolean or null; a `type` list takes its first non-null entry. Only a
//! schema nothing can satisfy (`minLength` above `maxLength`, empty `enum`, required
//! properties recursing without end) is an error, naming where.

use std::borrow::Cow;
use std::ops::RangeInclusive;
use std::sync::Arc;

use gamespec_spec::schema::Direction;
use proptest::collection::vec;
use proptest::prelude::any;
use proptest::sample::select;
use proptest::strategy::{BoxedStrategy, Just, Strategy, Union, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Number, Value, json};

use super::GenError;
use super::{formats, pattern};
use crate::schema::{deref, merge_all_of, type_name};

/// Below this nesting depth optional properties and extra array items are generated; at and
/// beyond it only required ones, which keeps recursive schemas finite and values small.
const SHALLOW: usize = 4;
/// Required properties nesting deeper than this mean the schema recurses without end.
const MAX_DEPTH: usize = 12;
/// Schema nodes one builder expands before it treats everything further as shallow, so that a
/// wide schema cannot make building slow.
const NODE_BUDGET: usize = 4000;
/// Strings are at most this long unless `minLength` asks for more.
const STRING_MAX: usize = 32;
/// Arrays have at most this many items unless `minItems` asks for more.
const ARRAY_MAX: usize = 4;

/// How a value travels, which limits what it may look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    /// In a JSON body: any JSON value.
    Json,
    /// As text in a query value, form field or exploded list item: printable ASCII, no `null`
    /// (an empty text reads back as a string, not as null).
    Text,
    /// As a path segment, header, cookie or comma-joined list item: letters, digits, `-` and
    /// `_` only for plain strings, never empty, no `null` (separators would split the value).
    Token,
}

/// Which optional parts (properties, parameters, bodies, array items) a value has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Optional {
    /// Each optional part present or not at random; shrinking removes them.
    Random,
    /// No optional part: required properties only, arrays at `minItems`.
    Never,
    /// Every optional part (down to four levels of nesting), arrays with at least one item.
    Always,
}

/// Builds strategies for the schemas of one spec.
pub struct Builder<'a> {
    root: &'a Value,
    carrier: Carrier,
    optional: Optional,
    nodes: usize,
    filled: bool,
}

impl<'a> Builder<'a> {
    /// A builder over `root` (the whole spec) for values carried by `carrier`.
    pub fn new(root: &'a Value, carrier: Carrier, optional: Optional) -> Self {
        Builder {
            root,
            carrier,
            optional,
            nodes: 0,
            filled: false,
        }
    }

    /// No value is empty text on the wire: strings (and enum values) have at least one
    /// character and a comma-joined list at least one item. For query parameters without
    /// `allowEmptyValue`, where OpenAPI makes `?name=` invalid. A schema whose only values are
    /// empty becomes [`GenError::Unsatisfiable`].
    pub fn non_empty(mut self) -> Self {
        self.filled = true;
        self
    }

    /// A strategy for `schema`; `at` names its place in errors (`body`, `query/count`).
    pub fn build(&mut self, schema: &Value, at: &str) -> Result<BoxedStrategy<Value>, GenError> {
        self.node(schema, 0, at, &[])
    }

    fn shallow(&self, depth: usize) -> bool {
        depth >= SHALLOW || self.nodes > NODE_BUDGET
    }

    /// `skip`: optional properties the top-level object must leave out (see [`Self::choice`]).
    fn node(
        &mut self,
        schema: &Value,
        depth: usize,
        at: &str,
        skip: &[String],
    ) -> Result<BoxedStrategy<Value>, GenError> {
        if depth > MAX_DEPTH {
            return Err(unsatisfiable(
                at,
                "required properties nest without end (recursive schema)",
            ));
        }
        self.nodes += 1;
        // OpenAPI 3.0 ignores `$ref` siblings, but `nullable` beside a `$ref` is meant literally
        // (the validators read it so too).
        let ref_nullable = schema.get("$ref").is_some() && is_true(schema, "nullable");
        let s = deref(self.root, schema);
        let Some(obj) = s.as_object() else {
            return Ok(self.any());
        };
        let type_null = obj
            .get("type")
            .and_then(Value::as_array)
            .is_some_and(|t| t.contains(&json!("null")));
        let nullable =
            (ref_nullable || is_true(s, "nullable") || type_null) && self.carrier == Carrier::Json;
        let inner = self.non_null(obj, depth, at, skip)?;
        Ok(if nullable {
            Union::new_weighted(vec![(1, Just(Value::Null).boxed()), (9, inner)]).boxed()
        } else {
            inner
        })
    }

    fn non_null(
        &mut self,
        s: &Map<String, Value>,
        depth: usize,
        at: &str,
        skip: &[String],
    ) -> Result<BoxedStrategy<Value>, GenError> {
        if let Some(values) = s.get("enum") {
            let values: Vec<Value> = values
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| !v.is_null())
                .filter(|v| !(self.filled && v.as_str() == Some("")))
                .cloned()
                .collect();
            if values.is_empty() {
                let reason = if self.filled {
                    "the enum has no non-null value that is not empty"
                } else {
                    "the enum has no non-null value"
                };
                return Err(unsatisfiable(at, reason));
            }
            return Ok(select(values).boxed());
        }
        if s.contains_key("allOf") {
            let mut merged = merge_all_of(self.root, &Value::Object(s.clone()));
            if let Some(m) = merged.as_object_mut() {
                m.remove("allOf");
            }
            return self.node(&merged, depth, at, skip);
        }
        for key in ["oneOf", "anyOf"] {
            if s.contains_key(key) {
                return self.choice(s, key, depth, at);
            }
        }
        let listed = s.get("type").and_then(Value::as_array).and_then(|t| {
            t.iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .map(str::to_owned)
        });
        let schema = Value::Object(s.clone());
        let ty = listed.or_else(|| type_name(self.root, &schema).map(str::to_owned));
        match ty.as_deref() {
            Some("object") => self.object(s, depth, at, skip),
            Some("array") => self.array(s, depth, at),
            Some("string") => self.string(s, at),
            Some("integer") => integer(s, at),
            Some("number") => number(s, at),
            Some("boolean") => Ok(any::<bool>().prop_map(Value::Bool).boxed()),
            Some("null") => Ok(Just(Value::Null).boxed()),
            _ => Ok(self.any()),
        }
    }

    /// A value of no declared type.
    fn any(&self) -> BoxedStrategy<Value> {
        let text = self.plain(usize::from(self.filled), None);
        match self.carrier {
            Carrier::Json => Union::new(vec![
                text,
                (-1000i64..=1000).prop_map(Value::from).boxed(),
                any::<bool>().prop_map(Value::Bool).boxed(),
                Just(Value::Null).boxed(),
            ])
            .boxed(),
            Carrier::Text | Carrier::Token => text,
        }
    }

    /// `oneOf`/`anyOf`: one branch, with the schema's other keywords merged into each branch.
    ///
    /// For `oneOf`, a value must match exactly one branch. Branches usually differ by required
    /// properties, so each branch leaves out one property that every other branch requires and
    /// it does not; where that cannot separate two branches (or a discriminator decides), values
    /// that match another branch are filtered out with that branch's validator.
    fn choice(
        &mut self,
        s: &Map<String, Value>,
        key: &str,
        depth: usize,
        at: &str,
    ) -> Result<BoxedStrategy<Value>, GenError> {
        let originals: Vec<Value> = s
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if originals.is_empty() {
            return Err(unsatisfiable(at, &format!("`{key}` has no branch")));
        }
        let mut siblings = s.clone();
        for k in ["oneOf", "anyOf", "discriminator", "nullable"] {
            siblings.remove(k);
        }
        let shaping = [
            "type",
            "properties",
            "required",
            "additionalProperties",
            "items",
        ];
        let merge = shaping.iter().any(|k| siblings.contains_key(*k));
        let branches: Vec<Value> = originals
            .iter()
            .map(|b| {
                if merge {
                    let both = json!({"allOf": [Value::Object(siblings.clone()), b]});
                    let mut m = merge_all_of(self.root, &both);
                    if let Some(m) = m.as_object_mut() {
                        m.remove("allOf");
                    }
                    m
                } else {
                    b.clone()
                }
            })
            .collect();
        let discriminator = s.get("discriminator").cloned();
        let exclusive = key == "oneOf";
        let required: Vec<Vec<String>> = branches.iter().map(|b| self.required_of(b)).collect();
        let mut strategies = Vec::new();
        let mut last_error = None;
        for (i, branch) in branches.iter().enumerate() {
            let mut skip = Vec::new();
            let mut overlap = discriminator.is_some();
            if exclusive && discriminator.is_none() {
                let props = self.properties_of(branch);
                for (j, other) in required.iter().enumerate() {
                    if j == i {
                        continue;
                    }
                    match other.iter().find(|p| !required[i].contains(p)) {
                        Some(p) if props.contains(p) => skip.push(p.clone()),
                        Some(_) => {}
                        None => overlap = true,
                    }
                }
            }
            let built = match self.node(branch, depth + 1, at, &skip) {
                Ok(b) => b,
                Err(e) => {
                    last_error = Some(e);
                    continue;
                }
            };
            let built = match &discriminator {
                Some(d) => tagged(built, d, &originals[i]),
                None => built,
            };
            let built = if exclusive && overlap {
                let others: Vec<Arc<jsonschema::Validator>> = branches
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .filter_map(|(_, b)| {
                        gamespec_spec::schema::compile(self.root, Direction::Request, b).ok()
                    })
                    .map(Arc::new)
                    .collect();
                built
                    .prop_filter("matches another oneOf branch", move |v| {
                        !others.iter().any(|o| o.is_valid(v))
                    })
                    .boxed()
            } else {
                built
            };
            strategies.push(built);
        }
        if strategies.is_empty() {
            return Err(last_error.unwrap_or_else(|| unsatisfiable(at, "no branch can be built")));
        }
        Ok(Union::new(strategies).boxed())
    }

    fn required_of(&self, schema: &Value) -> Vec<String> {
        merge_all_of(self.root, schema)
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    }

    fn properties_of(&self, schema: &Value) -> Vec<String> {
        merge_all_of(self.root, schema)
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn object(
        &mut self,
        s: &Map<String, Value>,
        depth: usize,
        at: &str,
        skip: &[String],
    ) -> Result<BoxedStrategy<Value>, GenError> {
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let shallow = self.shallow(depth);
        let mut names = Vec::new();
        let mut parts: Vec<BoxedStrategy<Option<Value>>> = Vec::new();
        let properties = s.get("properties").and_then(Value::as_object);
        for (name, prop) in properties.into_iter().flatten() {
            if is_true(deref(self.root, prop), "readOnly") {
                continue;
            }
            let is_required = required.contains(&name.as_str());
            let wanted = is_required
                || !(shallow || skip.contains(name) || self.optional == Optional::Never);
            if !wanted {
                continue;
            }
            let child = match self.node(prop, depth + 1, &format!("{at}/{name}"), &[]) {
                Ok(c) => c,
                Err(e) if is_required => return Err(e),
                // An optional property nothing can satisfy is left out.
                Err(_) => continue,
            };
            let part = if is_required || self.optional == Optional::Always {
                child.prop_map(Some).boxed()
            } else {
                proptest::option::of(child).boxed()
            };
            names.push(name.clone());
            parts.push(part);
        }
        let extra = match (properties, s.get("additionalProperties")) {
            (None, Some(extra)) if extra != &Value::Bool(false) && !shallow => {
                let value = match extra {
                    Value::Object(_) => self.node(extra, depth + 1, &format!("{at}/*"), &[])?,
                    _ => self.any(),
                };
                let min = s.get("minProperties").and_then(Value::as_u64).unwrap_or(0) as usize;
                let max = s
                    .get("maxProperties")
                    .and_then(Value::as_u64)
                    .map_or(usize::MAX, |m| m as usize);
                let (lo, hi) = match self.optional {
                    Optional::Random => (min, max.min(min.max(2))),
                    Optional::Never => (min, min),
                    Optional::Always => (min.max(1).min(max), max.min(min.max(2))),
                };
                if lo > hi {
                    return Err(unsatisfiable(at, "minProperties is above maxProperties"));
                }
                Some(vec(value, lo..=hi).boxed())
            }
            _ => None,
        };
        let extra = extra.unwrap_or_else(|| Just(Vec::new()).boxed());
        Ok((parts, extra)
            .prop_map(move |(values, extra)| {
                let mut out = Map::new();
                for (name, v) in names.iter().zip(values) {
                    if let Some(v) = v {
                        out.insert(name.clone(), v);
                    }
                }
                for (i, v) in extra.into_iter().enumerate() {
                    out.insert(format!("key_{}", i + 1), v);
                }
                Value::Object(out)
            })
            .boxed())
    }

    fn array(
        &mut self,
        s: &Map<String, Value>,
        depth: usize,
        at: &str,
    ) -> Result<BoxedStrategy<Value>, GenError> {
        let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = s
            .get("maxItems")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |m| m as usize);
        if min > max {
            return Err(unsatisfiable(at, "minItems is above maxItems"));
        }
        let upper = max.min(min.max(ARRAY_MAX));
        // A comma-joined list without items is the empty text.
        if self.filled && self.carrier == Carrier::Token && upper == 0 {
            return Err(unsatisfiable(
                at,
                "maxItems 0 leaves only the empty value, which is not allowed here",
            ));
        }
        // An empty list does not survive every wire form (an exploded query list vanishes), so
        // text carriers and `Always` ask for one item where the schema allows it.
        let floor = if self.carrier != Carrier::Json || self.optional == Optional::Always {
            min.max(1).min(upper)
        } else {
            min
        };
        let (lo, hi) = if self.shallow(depth) || self.optional == Optional::Never {
            (floor, floor)
        } else {
            (floor, upper)
        };
        let items = s.get("items").cloned().unwrap_or_else(|| json!({}));
        let item = if hi == 0 {
            Just(Value::Null).boxed()
        } else {
            self.node(&items, depth + 1, &format!("{at}/0"), &[])?
        };
        let unique = is_true_map(s, "uniqueItems");
        let list = vec(item, lo..=hi);
        Ok(if unique {
            list.prop_map(|items| {
                let mut out: Vec<Value> = Vec::with_capacity(items.len());
                for v in items {
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
                out
            })
            .prop_filter("too few distinct items", move |v| v.len() >= min)
            .prop_map(Value::Array)
            .boxed()
        } else {
            list.prop_map(Value::Array).boxed()
        })
    }

    fn string(&self, s: &Map<String, Value>, at: &str) -> Result<BoxedStrategy<Value>, GenError> {
        let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = s
            .get("maxLength")
            .and_then(Value::as_u64)
            .map(|m| m as usize);
        if max.is_some_and(|max| max < min) {
            return Err(unsatisfiable(at, "minLength is above maxLength"));
        }
        if self.filled && max == Some(0) {
            return Err(unsatisfiable(
                at,
                "maxLength 0 leaves only the empty value, which is not allowed here",
            ));
        }
        // A path segment or list item must not be empty (or a dot segment, which URLs drop).
        let token = self.carrier == Carrier::Token && max != Some(0);
        let min = if token || self.filled {
            min.max(1)
        } else {
            min
        };
        let shaped = s
            .get("pattern")
            .and_then(Value::as_str)
            .and_then(|p| pattern::strategy(p).ok())
            .or_else(|| {
                s.get("format")
                    .and_then(Value::as_str)
                    .and_then(formats::strategy)
            });
        let text = match shaped {
            Some(shaped) if min > 0 || max.is_some() => shaped
                .prop_filter("length outside minLength/maxLength", move |v| {
                    let n = v.chars().count();
                    n >= min
                        && max.is_none_or(|max| n <= max)
                        && !(token && (v == "." || v == ".."))
                })
                .prop_map(Value::String)
                .boxed(),
            Some(shaped) => shaped.prop_map(Value::String).boxed(),
            None => self.plain(min, max),
        };
        Ok(text)
    }

    /// A string of `min..=max` characters (at most 32 unless `min` is larger) from
    /// the carrier's alphabet.
    fn plain(&self, min: usize, max: Option<usize>) -> BoxedStrategy<Value> {
        const JSON: &[RangeInclusive<char>] =
            &[' '..='~', 'à'..='ÿ', 'α'..='ω', '一'..='十', '🎮'..='🎲'];
        const TEXT: &[RangeInclusive<char>] = &[' '..='~'];
        const TOKEN: &[RangeInclusive<char>] =
            &['a'..='z', 'A'..='Z', '0'..='9', '-'..='-', '_'..='_'];
        let (alphabet, min) = match self.carrier {
            Carrier::Json => (JSON, min),
            Carrier::Text => (TEXT, min),
            Carrier::Token => (TOKEN, if max == Some(0) { 0 } else { min.max(1) }),
        };
        let upper = max.unwrap_or(usize::MAX).min(min.max(STRING_MAX)).max(min);
        vec(proptest::char::ranges(Cow::Borrowed(alphabet)), min..=upper)
            .prop_map(|chars| Value::String(chars.into_iter().collect()))
            .boxed()
    }
}

/// Set the discriminator's tag of the chosen branch on object values, so the value names the
/// branch it was made for.
fn tagged(built: BoxedStrategy<Value>, d: &Value, branch: &Value) -> BoxedStrategy<Value> {
    let property = d
        .get("propertyName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let target = branch.get("$ref").and_then(Value::as_str);
    let tag = d
        .get("mapping")
        .and_then(Value::as_object)
        .and_then(|m| {
            m.iter()
                .find(|(_, t)| t.as_str() == target)
                .map(|(k, _)| k.clone())
        })
        .or_else(|| target.and_then(|t| t.rsplit('/').next()).map(str::to_owned));
    match tag {
        Some(tag) if !property.is_empty() => built
            .prop_map(move |mut v| {
                if let Some(obj) = v.as_object_mut() {
                    obj.insert(property.clone(), Value::String(tag.clone()));
                }
                v
            })
            .boxed(),
        _ => built,
    }
}

/// The inclusive integer range a schema allows: explicit bounds (with OpenAPI 3.0's boolean
/// `exclusiveMinimum`/`exclusiveMaximum`, or draft-6 numeric ones) within the `int32`/`int64`
/// range of its format.
pub fn integer_range(s: &Map<String, Value>) -> (i128, i128) {
    let (lo, hi): (i128, i128) = match s.get("format").and_then(Value::as_str) {
        Some("int32") => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    };
    let (min, min_excl) = bound(s, "minimum", "exclusiveMinimum");
    let (max, max_excl) = bound(s, "maximum", "exclusiveMaximum");
    let lo = min.map_or(lo, |m| {
        let m = if min_excl { m.floor() + 1.0 } else { m.ceil() };
        lo.max(m.clamp(-1e30, 1e30) as i128)
    });
    let hi = max.map_or(hi, |m| {
        let m = if max_excl { m.ceil() - 1.0 } else { m.floor() };
        hi.min(m.clamp(-1e30, 1e30) as i128)
    });
    (lo, hi)
}

/// A numeric bound and whether it is exclusive.
pub fn bound(s: &Map<String, Value>, key: &str, exclusive: &str) -> (Option<f64>, bool) {
    match s.get(exclusive) {
        Some(Value::Number(n)) => (n.as_f64(), true),
        Some(Value::Bool(b)) => (s.get(key).and_then(Value::as_f64), *b),
        _ => (s.get(key).and_then(Value::as_f64), false),
    }
}

fn integer(s: &Map<String, Value>, at: &str) -> Result<BoxedStrategy<Value>, GenError> {
    let (lo, hi) = integer_range(s);
    let step = s
        .get("multipleOf")
        .and_then(Value::as_f64)
        .filter(|m| *m >= 1.0 && m.fract() == 0.0)
        .map_or(1, |m| m as i128);
    let (klo, khi) = (div_ceil(lo, step), div_floor(hi, step));
    if klo > khi {
        return Err(unsatisfiable(at, "no integer lies within the bounds"));
    }
    // i64 covers every range that survives the clamping above.
    let (klo, khi) = (klo as i64, khi as i64);
    let full = (klo..=khi).boxed();
    let (slo, shi) = (klo.max(-1000), khi.min(1000));
    let ks = if slo <= shi && (slo, shi) != (klo, khi) {
        Union::new_weighted(vec![(4, (slo..=shi).boxed()), (1, full)]).boxed()
    } else {
        full
    };
    Ok(ks
        .prop_map(move |k| {
            let v = i128::from(k) * step;
            i64::try_from(v).map_or(Value::from(v as f64), Value::from)
        })
        .boxed())
}

fn number(s: &Map<String, Value>, at: &str) -> Result<BoxedStrategy<Value>, GenError> {
    let (min, min_excl) = bound(s, "minimum", "exclusiveMinimum");
    let (max, max_excl) = bound(s, "maximum", "exclusiveMaximum");
    let lo = min.unwrap_or_else(|| max.map_or(-1e6, |m| m - 1e6));
    let hi = max.unwrap_or(lo + 2e6);
    if !(lo.is_finite() && hi.is_finite()) || lo > hi || (lo == hi && (min_excl || max_excl)) {
        return Err(unsatisfiable(at, "no number lies within the bounds"));
    }
    let inside = move |v: &f64| (!min_excl || *v > lo) && (!max_excl || *v < hi);
    let step = s
        .get("multipleOf")
        .and_then(Value::as_f64)
        .filter(|m| *m > 0.0 && m.is_finite());
    let values = match step {
        Some(m) => {
            let (klo, khi) = ((lo / m).ceil(), (hi / m).floor());
            if klo > khi || khi - klo > 9e15 {
                return Err(unsatisfiable(
                    at,
                    "no multiple of multipleOf within the bounds",
                ));
            }
            ((klo as i64)..=(khi as i64))
                .prop_map(move |k| k as f64 * m)
                .boxed()
        }
        None => {
            let (wlo, whi) = (lo.max(-1000.0).ceil(), hi.min(1000.0).floor());
            let real = (lo..=hi).boxed();
            if wlo <= whi {
                let whole = ((wlo as i64)..=(whi as i64)).prop_map(|k| k as f64).boxed();
                Union::new_weighted(vec![(2, whole), (3, real)]).boxed()
            } else {
                real
            }
        }
    };
    Ok(values
        .prop_filter("on an exclusive bound", inside)
        .prop_map(|v| Number::from_f64(v).map_or(Value::from(0), Value::Number))
        .boxed())
}

fn div_floor(a: i128, b: i128) -> i128 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

fn div_ceil(a: i128, b: i128) -> i128 {
    -div_floor(-a, b)
}

fn is_true(schema: &Value, key: &str) -> bool {
    schema.get(key) == Some(&Value::Bool(true))
}

fn is_true_map(schema: &Map<String, Value>, key: &str) -> bool {
    schema.get(key) == Some(&Value::Bool(true))
}

fn unsatisfiable(at: &str, reason: &str) -> GenError {
    GenError::Unsatisfiable {
        location: at.to_owned(),
        reason: reason.to_owned(),
    }
}

/// One value of `strategy` from a fixed seed (the same value on every call), or `None` when
/// the strategy rejects too many draws (an over-filtered `oneOf`).
pub fn sample<T: std::fmt::Debug>(strategy: &BoxedStrategy<T>) -> Option<T> {
    let config = Config {
        max_local_rejects: 4096,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    strategy.new_tree(&mut runner).ok().map(|t| t.current())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(root: &Value, schema: Value, carrier: Carrier, n: usize) -> Vec<Value> {
        let s = Builder::new(root, carrier, Optional::Random)
            .build(&schema, "body")
            .unwrap();
        let mut runner = TestRunner::deterministic();
        (0..n)
            .map(|_| s.new_tree(&mut runner).unwrap().current())
            .collect()
    }

    fn check(root: &Value, schema: Value, n: usize) {
        let v = gamespec_spec::schema::compile(root, Direction::Request, &schema).unwrap();
        for value in draws(root, schema.clone(), Carrier::Json, n) {
            let errors: Vec<String> = v.iter_errors(&value).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{schema}\n{value}\n{errors:?}");
        }
    }

    #[test]
    fn scalars_respect_their_keywords() {
        let root = json!({});
        for schema in [
            json!({"type": "integer", "minimum": 3, "maximum": 5}),
            json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 2, "exclusiveMaximum": true}),
            json!({"type": "integer", "format": "int32"}),
            json!({"type": "integer", "format": "int64", "minimum": 1}),
            json!({"type": "integer", "multipleOf": 7, "minimum": -20, "maximum": 20}),
            json!({"type": "number", "minimum": 0.5, "maximum": 0.75}),
            json!({"type": "number", "exclusiveMinimum": true, "minimum": 0}),
            json!({"type": "string", "minLength": 40}),
            json!({"type": "string", "maxLength": 3}),
            json!({"type": "string", "format": "email", "maxLength": 30}),
            json!({"type": "string", "pattern": "^[A-Za-z0-9_]+$", "maxLength": 5}),
            json!({"type": "string", "enum": ["a", "b"], "nullable": true}),
            json!({"type": "boolean"}),
        ] {
            check(&root, schema, 200);
        }
    }

    #[test]
    fn containers_respect_their_keywords() {
        let root = json!({"components": {"schemas": {
            "Node": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
            }},
            "Secret": {"type": "object", "properties": {"server": {"type": "string", "readOnly": true}}}
        }}});
        for schema in [
            json!({"type": "array", "minItems": 2, "maxItems": 3, "uniqueItems": true, "items": {"type": "integer", "minimum": 0, "maximum": 5}}),
            json!({"type": "object", "additionalProperties": false, "required": ["a"], "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}),
            json!({"type": "object", "additionalProperties": {"type": "boolean"}}),
            json!({"$ref": "#/components/schemas/Node"}),
            json!({"allOf": [{"$ref": "#/components/schemas/Node"}, {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}]}),
        ] {
            check(&root, schema, 200);
        }
        for value in draws(
            &root,
            json!({"$ref": "#/components/schemas/Secret"}),
            Carrier::Json,
            50,
        ) {
            assert!(value.get("server").is_none(), "readOnly sent: {value}");
        }
    }

    #[test]
    fn one_of_branches_stay_apart() {
        let root = json!({});
        // Without the exclusion, a value of the first branch with `refresh` set matches both.
        let schema = json!({"oneOf": [
            {"type": "object", "required": ["version", "token"], "properties": {
                "version": {"type": "string"}, "token": {"type": "string"}, "refresh": {"type": "string"}}},
            {"type": "object", "required": ["version", "refresh"], "properties": {
                "version": {"type": "string"}, "refresh": {"type": "string"}}}
        ]});
        check(&root, schema, 300);
        // Branches that share every required property are told apart by their validators.
        let schema = json!({"oneOf": [
            {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "maximum": 10}}},
            {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "minimum": 5}}}
        ]});
        check(&root, schema, 300);
        // Sibling properties with `anyOf` of required lists (email or phone).
        let schema = json!({"type": "object",
            "properties": {"email": {"type": "string", "format": "email"}, "phone": {"type": "string", "pattern": "^\\+\\d{5,8}$"}},
            "anyOf": [{"required": ["email"]}, {"required": ["phone"]}]});
        check(&root, schema, 300);
    }

    #[test]
    fn text_carriers_never_send_null_or_empty_tokens() {
        let root = json!({});
        for v in draws(
            &root,
            json!({"type": "string", "nullable": true}),
            Carrier::Token,
            200,
        ) {
            let s = v.as_str().unwrap();
            assert!(
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{v}"
            );
        }
        for v in draws(
            &root,
            json!({"type": "integer", "nullable": true}),
            Carrier::Text,
            200,
        ) {
            assert!(v.is_i64(), "{v}");
        }
    }

    #[test]
    fn non_empty_builders_never_draw_empty_text() {
        let root = json!({});
        let filled = |schema: Value, carrier| {
            Builder::new(&root, carrier, Optional::Random)
                .non_empty()
                .build(&schema, "query/q")
        };
        for (schema, carrier) in [
            (json!({"type": "string"}), Carrier::Text),
            (
                json!({"type": "string", "minLength": 0, "maxLength": 1}),
                Carrier::Text,
            ),
            (json!({"type": "string", "pattern": "^a*$"}), Carrier::Text),
            (json!({"type": "string", "enum": ["", "x"]}), Carrier::Text),
            (json!({}), Carrier::Text),
            (
                json!({"type": "array", "maxItems": 1, "items": {"type": "string"}}),
                Carrier::Text,
            ),
            (
                json!({"type": "array", "items": {"enum": ["", "y"]}}),
                Carrier::Token,
            ),
        ] {
            let s = filled(schema.clone(), carrier).unwrap();
            let mut runner = TestRunner::deterministic();
            for _ in 0..200 {
                let v = s.new_tree(&mut runner).unwrap().current();
                let texts: Vec<&Value> = match &v {
                    Value::Array(items) => items.iter().collect(),
                    v => vec![v],
                };
                assert!(!texts.is_empty(), "{schema} drew {v}");
                for t in texts {
                    assert!(
                        t.as_str().is_none_or(|t| !t.is_empty()),
                        "{schema} drew {v}"
                    );
                }
            }
        }
        // Schemas whose only value is empty text have no value here.
        for (schema, carrier) in [
            (json!({"type": "string", "maxLength": 0}), Carrier::Text),
            (json!({"type": "string", "enum": [""]}), Carrier::Text),
            (json!({"type": "array", "maxItems": 0}), Carrier::Token),
        ] {
            let err = filled(schema.clone(), carrier).err().unwrap();
            assert!(err.to_string().starts_with("query/q"), "{schema}: {err}");
        }
        // Without the rule the empty value stays possible.
        let plain = Builder::new(&root, Carrier::Text, Optional::Random)
            .build(&json!({"type": "string", "maxLength": 0}), "query/q")
            .unwrap();
        assert_eq!(sample(&plain), Some(json!("")));
    }

    #[test]
    fn odd_schemas_fall_back_instead_of_panicking() {
        let root = json!({});
        for schema in [
            json!({}),
            json!(true),
            json!({"not": {"type": "string"}}),
            json!({"type": "string", "format": "no-such-format"}),
            json!({"type": "string", "pattern": "(unclosed"}),
            json!({"type": ["integer", "null"]}),
            json!({"$ref": "#/components/schemas/Missing"}),
        ] {
            assert_eq!(draws(&root, schema, Carrier::Json, 20).len(), 20);
        }
        for schema in [
            json!({"type": "string", "minLength": 5, "maxLength": 2}),
            json!({"type": "integer", "minimum": 5, "maximum": 2}),
            json!({"enum": []}),
            json!({"type": "array", "minItems": 3, "maxItems": 1}),
        ] {
            let err = Builder::new(&root, Carrier::Json, Optional::Random)
                .build(&schema, "body/x")
                .unwrap_err();
            assert!(err.to_string().starts_with("body/x: "), "{err}");
        }
        let looping = json!({"components": {"schemas": {"Loop": {"type": "object", "required": ["next"],
            "properties": {"next": {"$ref": "#/components/schemas/Loop"}}}}}});
        let err = Builder::new(&looping, Carrier::Json, Optional::Random)
            .build(&json!({"$ref": "#/components/schemas/Loop"}), "body")
            .unwrap_err();
        assert!(err.to_string().contains("recursive"), "{err}");
    }

    #[test]
    fn policies_decide_optional_parts() {
        let root = json!({});
        let schema = json!({"type": "object", "required": ["a"], "properties": {
            "a": {"type": "integer"}, "b": {"type": "array", "items": {"type": "string"}}}});
        let never = Builder::new(&root, Carrier::Json, Optional::Never)
            .build(&schema, "body")
            .unwrap();
        let always = Builder::new(&root, Carrier::Json, Optional::Always)
            .build(&schema, "body")
            .unwrap();
        let never = sample(&never).unwrap();
        let always = sample(&always).unwrap();
        assert_eq!(never.as_object().unwrap().len(), 1, "{never}");
        assert!(!always["b"].as_array().unwrap().is_empty(), "{always}");
        assert_eq!(sample(&Just(1).boxed()), Some(1));
    }

    #[test]
    fn values_shrink_towards_simpler_ones() {
        let root = json!({});
        let schema = json!({"type": "object", "properties": {
            "name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}}});
        let s = Builder::new(&root, Carrier::Json, Optional::Random)
            .build(&schema, "body")
            .unwrap();
        let mut runner = TestRunner::deterministic();
        let mut shrunk_any = false;
        for _ in 0..20 {
            let mut tree = s.new_tree(&mut runner).unwrap();
            let before = tree.current().to_string().len();
            let mut steps = 0;
            while steps < 10_000 && tree.simplify() {
                steps += 1;
            }
            let after = tree.current().to_string().len();
            assert!(after <= before);
            shrunk_any |= after < before;
        }
        assert!(shrunk_any);
    }
}
