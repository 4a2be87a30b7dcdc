//! Coverage as the runner counts it and as CI gates on it: per operation, which documented
//! statuses were observed, which parameters and request-body properties were sent, and how many
//! cases each phase judged ([`Tracker`]); and the `--min-coverage` thresholds a run must reach
//! ([`MinCoverage`]).
//!
//! The tracker holds fixed counters laid out once from the operation (no per-case allocation, no
//! growth with the number of cases), so a fuzz run of hours keeps it the size it started with.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use crate::case::{Case, Phase};
use crate::outcome::{Coverage, CoverageKind, OperationCoverage};
use gamespec_spec::shape;
use gamespec_spec::spec::{Operation, ParamLocation, Spec};

/// How deep body properties are followed (`a.b.c.d`): deeper ones are rarely separate fields a
/// server reads, and a recursive schema must end somewhere.
const MAX_PROPERTY_DEPTH: usize = 4;
/// At most this many body properties are tracked per operation; a huge schema does not make
/// the tracker huge.
const MAX_PROPERTIES: usize = 512;
/// Distinct undocumented statuses kept per operation; more are not told apart.
const MAX_UNDOCUMENTED: usize = 32;

/// One property of a request body and the properties inside it.
#[derive(Debug, Clone)]
struct Property {
    name: String,
    /// Index of its counter.
    index: usize,
    /// Properties of its value (of each item, for an array).
    children: Vec<Property>,
}

/// The coverage counters of one operation, filled case by case.
#[derive(Debug, Clone)]
pub struct Tracker {
    /// (status, answers) of every documented status.
    statuses: Vec<(u16, u64)>,
    undocumented: BTreeMap<u16, u64>,
    /// (location, name, cases) of every documented parameter.
    parameters: Vec<(ParamLocation, String, u64)>,
    properties: Vec<Property>,
    /// Path and count of each body property, by index.
    property_counts: Vec<(String, u64)>,
    /// Scratch: properties seen in the current case (each counted once per case).
    marks: Vec<bool>,
    phases: [u64; Phase::ALL.len()],
}

impl Tracker {
    /// Zeroed counters for everything `op` documents.
    pub fn new(spec: &Spec, op: &Operation) -> Tracker {
        let mut property_counts = Vec::new();
        let mut properties = Vec::new();
        if let Some((_, media)) = &op.body {
            for m in media {
                let mut stack = Vec::new();
                merge(
                    &mut properties,
                    body_properties(
                        &spec.root,
                        &m.schema,
                        "",
                        0,
                        &mut stack,
                        &mut property_counts,
                    ),
                );
            }
        }
        let marks = vec![false; property_counts.len()];
        Tracker {
            statuses: op.responses.iter().map(|r| (r.status, 0)).collect(),
            undocumented: BTreeMap::new(),
            parameters: op
                .parameters
                .iter()
                .map(|p| (p.location, p.name.clone(), 0))
                .collect(),
            properties,
            property_counts,
            marks,
            phases: [0; Phase::ALL.len()],
        }
    }

    /// Count an answer's status.
    pub fn status(&mut self, status: u16) {
        match self.statuses.iter_mut().find(|(s, _)| *s == status) {
            Some((_, n)) => *n += 1,
            None => {
                if self.undocumented.len() < MAX_UNDOCUMENTED
                    || self.undocumented.contains_key(&status)
                {
                    *self.undocumented.entry(status).or_default() += 1;
                }
            }
        }
    }

    /// Count a judged case: its phase, the parameters it sent and its body's properties.
    pub fn case(&mut self, case: &Case) {
        if let Some(i) = Phase::ALL.iter().position(|p| *p == case.phase) {
            self.phases[i] += 1;
        }
        for (location, name, n) in &mut self.parameters {
            let map = match location {
                ParamLocation::Path => &case.path_params,
                ParamLocation::Query => &case.query,
                ParamLocation::Header => &case.headers,
                ParamLocation::Cookie => &case.cookies,
            };
            let sent = map.contains_key(name.as_str())
                || (*location == ParamLocation::Header
                    && map.keys().any(|k| k.eq_ignore_ascii_case(name)));
            *n += u64::from(sent);
        }
        if self.property_counts.is_empty() {
            return;
        }
        let Some(body) = case.body.as_ref().filter(|b| b.raw.is_none()) else {
            return;
        };
        mark(&body.value, &self.properties, &mut self.marks);
        for (mark, (_, n)) in self.marks.iter_mut().zip(&mut self.property_counts) {
            *n += u64::from(std::mem::take(mark));
        }
    }

    /// The counters as a report reads them.
    pub fn finish(&self) -> OperationCoverage {
        OperationCoverage {
            statuses: self.statuses.iter().copied().collect(),
            undocumented_statuses: self.undocumented.clone(),
            parameters: self
                .parameters
                .iter()
                .map(|(l, name, n)| (format!("{}:{name}", l.as_str()), *n))
                .collect(),
            properties: self.property_counts.iter().cloned().collect(),
            phases: Phase::ALL
                .iter()
                .zip(self.phases)
                .filter(|(_, n)| *n > 0)
                .map(|(p, n)| (p.as_str().to_owned(), n))
                .collect(),
        }
    }
}

/// Mark the properties of `value` that `properties` describes.
fn mark(value: &Value, properties: &[Property], marks: &mut [bool]) {
    match value {
        Value::Object(map) => {
            for p in properties {
                if let Some(v) = map.get(&p.name) {
                    marks[p.index] = true;
                    if !p.children.is_empty() {
                        mark(v, &p.children, marks);
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                mark(item, properties, marks);
            }
        }
        _ => {}
    }
}

/// Merge `more` into `into` by name (two media types of one body describe the same fields).
fn merge(into: &mut Vec<Property>, more: Vec<Property>) {
    for p in more {
        match into.iter_mut().find(|q| q.name == p.name) {
            Some(q) => merge(&mut q.children, p.children),
            None => into.push(p),
        }
    }
}

/// The properties of `schema` (an object's, or its items' for an array, through `allOf`,
/// `oneOf` and `anyOf`), each given a counter in `counts` under its path.
fn body_properties(
    root: &Value,
    schema: &Value,
    prefix: &str,
    depth: usize,
    stack: &mut Vec<String>,
    counts: &mut Vec<(String, u64)>,
) -> Vec<Property> {
    let mut out: Vec<Property> = Vec::new();
    if depth >= MAX_PROPERTY_DEPTH {
        return out;
    }
    // A `$ref` already being expanded is a recursive schema: its properties are listed once.
    let reference = schema.get("$ref").and_then(Value::as_str);
    if let Some(r) = reference {
        if stack.iter().any(|s| s == r) {
            return out;
        }
        stack.push(r.to_owned());
    }
    let schema = shape::deref(root, schema);
    if let Some(items) = schema.get("items") {
        let inner = format!("{prefix}[]");
        out = body_properties(root, items, &inner, depth, stack, counts);
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            if counts.len() >= MAX_PROPERTIES || out.iter().any(|p| &p.name == name) {
                continue;
            }
            let path = match prefix {
                "" => name.clone(),
                p if p.ends_with("[]") && p.len() == 2 => format!("[].{name}"),
                p => format!("{p}.{name}"),
            };
            let index = counts.len();
            counts.push((path.clone(), 0));
            let children = body_properties(root, sub, &path, depth + 1, stack, counts);
            out.push(Property {
                name: name.clone(),
                index,
                children,
            });
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for branch in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let more = body_properties(root, branch, prefix, depth, stack, counts);
            merge(&mut out, more);
        }
    }
    if reference.is_some() {
        stack.pop();
    }
    out
}

/// What `--min-coverage` was given: a minimum percentage per kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MinCoverage {
    /// (kind, minimum percent, 0–100), in the order given.
    pub minimums: Vec<(CoverageKind, f64)>,
}

/// A `--min-coverage` value that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MinCoverageError {
    /// An entry without `=`.
    #[error("`{0}`: expected KIND=PERCENT (e.g. statuses=60)")]
    Syntax(String),
    /// A kind that is not one of [`CoverageKind::ALL`].
    #[error("unknown coverage kind `{0}`; kinds: operations, statuses, parameters, properties")]
    Kind(String),
    /// A percentage that is not a number from 0 to 100.
    #[error("`{0}`: the percentage must be a number from 0 to 100")]
    Percent(String),
    /// The same kind twice.
    #[error("`{0}` is given twice")]
    Twice(String),
}

impl FromStr for MinCoverage {
    type Err = MinCoverageError;

    /// `KIND=PERCENT[,KIND=PERCENT…]`, kinds `operations`, `statuses`, `parameters`,
    /// `properties`; a percentage may end in `%`.
    fn from_str(text: &str) -> Result<MinCoverage, MinCoverageError> {
        let mut out = MinCoverage::default();
        out.add(text)?;
        Ok(out)
    }
}

impl MinCoverage {
    /// Add the entries of one `KIND=PERCENT[,…]` text (a repeated flag adds to the same set).
    pub fn add(&mut self, text: &str) -> Result<(), MinCoverageError> {
        for entry in text.split(',').map(str::trim) {
            let (kind, percent) = entry
                .split_once('=')
                .ok_or_else(|| MinCoverageError::Syntax(entry.to_owned()))?;
            let kind = CoverageKind::ALL
                .into_iter()
                .find(|k| k.as_str() == kind.trim())
                .ok_or_else(|| MinCoverageError::Kind(kind.trim().to_owned()))?;
            let number = percent.trim().trim_end_matches('%').trim();
            let value: f64 = number
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && (0.0..=100.0).contains(v))
                .ok_or_else(|| MinCoverageError::Percent(entry.to_owned()))?;
            if self.minimums.iter().any(|(k, _)| *k == kind) {
                return Err(MinCoverageError::Twice(kind.as_str().to_owned()));
            }
            self.minimums.push((kind, value));
        }
        Ok(())
    }

    /// The minimums `coverage` falls short of, in the order given.
    pub fn shortfalls(&self, coverage: &Coverage) -> Vec<Shortfall> {
        self.minimums
            .iter()
            .filter_map(|(kind, minimum)| {
                let measured = coverage.measure(*kind);
                (measured.percent() < *minimum).then(|| Shortfall {
                    kind: *kind,
                    minimum: *minimum,
                    measured: measured.percent(),
                })
            })
            .collect()
    }
}

/// A coverage figure below its `--min-coverage` minimum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shortfall {
    /// What was measured.
    pub kind: CoverageKind,
    /// The minimum asked for, percent.
    pub minimum: f64,
    /// The figure reached, percent.
    pub measured: f64,
}

impl fmt::Display for Shortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} coverage {:.1}% is below the minimum of {}%",
            self.kind.as_str(),
            self.measured,
            self.minimum
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_coverage_reads_kinds_and_percentages() {
        let m: MinCoverage = "operations=100, statuses=60%,parameters=90.5"
            .parse()
            .unwrap();
        assert_eq!(
            m.minimums,
            vec![
                (CoverageKind::Operations, 100.0),
                (CoverageKind::Statuses, 60.0),
                (CoverageKind::Parameters, 90.5)
            ]
        );
        for bad in [
            "statuses",
            "status=50",
            "statuses=101",
            "statuses=-1",
            "statuses=abc",
            "statuses=NaN",
            "statuses=1,statuses=2",
            "",
        ] {
            assert!(bad.parse::<MinCoverage>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shortfalls_compare_percentages() {
        let coverage = Coverage {
            selected: 4,
            tested: 3,
            statuses: crate::outcome::Measure {
                covered: 3,
                total: 5,
            },
            ..Coverage::default()
        };
        let m: MinCoverage = "operations=75,statuses=61,parameters=100".parse().unwrap();
        let short = m.shortfalls(&coverage);
        assert_eq!(short.len(), 1);
        assert_eq!(short[0].kind, CoverageKind::Statuses);
        assert_eq!(
            short[0].to_string(),
            "statuses coverage 60.0% is below the minimum of 61%"
        );
    }
}
