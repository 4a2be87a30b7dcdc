//! Vendor drift: the spec's operations against a committed extract of the official SDKs'
//! endpoint tables (registry `[[api.vendor]]` kind `sdk-endpoints`), with the differences we
//! know and accept listed, each with a reason, in a second file (kind `sdk-drift`).
//!
//! Endpoints compare by method and path shape (parameter names erased: the SDKs use positional
//! `{0}`), so a renamed parameter is no drift, while a new, removed or moved call is.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::paths::operations;

/// One endpoint of an SDK's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkEndpoint {
    /// `unity`, `unreal`, `godot`, …
    pub sdk: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// The SDK's name for it.
    pub name: String,
    /// Where it was read: `repo@version:file`.
    pub source: String,
}

/// Which side of the comparison an endpoint is on alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// Some SDK calls it; the spec has no such operation.
    SdkOnly,
    /// The spec has it; no SDK table names it.
    SpecOnly,
}

impl Side {
    fn parse(cell: &str) -> Option<Self> {
        match cell {
            "sdk-only" => Some(Self::SdkOnly),
            "spec-only" => Some(Self::SpecOnly),
            _ => None,
        }
    }

    /// The name used in the explanations file and in reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::SdkOnly => "sdk-only",
            Self::SpecOnly => "spec-only",
        }
    }
}

/// A known difference and why it is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    /// The side the endpoint is on alone.
    pub side: Side,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Why the difference is accepted.
    pub reason: String,
}

/// Why an extract or explanations file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriftError {
    /// A row has the wrong number of cells.
    #[error("line {line}: expected {expected} tab-separated columns, found {found}")]
    Columns {
        /// 1-based line.
        line: usize,
        /// How many the file's format has.
        expected: usize,
        /// How many the row has.
        found: usize,
    },
    /// An explanation's side is neither `sdk-only` nor `spec-only`.
    #[error("line {line}: side `{value}` is neither `sdk-only` nor `spec-only`")]
    Side {
        /// 1-based line.
        line: usize,
        /// The cell.
        value: String,
    },
    /// An explanation without a reason.
    #[error("line {line}: the reason is empty")]
    Reason {
        /// 1-based line.
        line: usize,
    },
}

/// The data rows of a TSV with a header line, comments (`#`) and blank lines left out, each
/// checked to have `columns` cells.
fn rows(text: &str, columns: usize) -> Result<Vec<(usize, Vec<&str>)>, DriftError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .map(|(i, l)| {
            let cells: Vec<&str> = l.split('\t').collect();
            if cells.len() == columns {
                Ok((i + 1, cells))
            } else {
                Err(DriftError::Columns {
                    line: i + 1,
                    expected: columns,
                    found: cells.len(),
                })
            }
        })
        .collect()
}

/// Parse an SDK endpoint extract (`sdk<TAB>method<TAB>path<TAB>sdk_name<TAB>source`).
pub fn parse_endpoints(text: &str) -> Result<Vec<SdkEndpoint>, DriftError> {
    Ok(rows(text, 5)?
        .into_iter()
        .map(|(_, c)| SdkEndpoint {
            sdk: c[0].to_owned(),
            method: c[1].to_ascii_uppercase(),
            path: c[2].to_owned(),
            name: c[3].to_owned(),
            source: c[4].to_owned(),
        })
        .collect())
}

/// Parse the explanations file (`side<TAB>method<TAB>path<TAB>reason`).
pub fn parse_explained(text: &str) -> Result<Vec<Explained>, DriftError> {
    rows(text, 4)?
        .into_iter()
        .map(|(line, c)| {
            let side = Side::parse(c[0]).ok_or_else(|| DriftError::Side {
                line,
                value: c[0].to_owned(),
            })?;
            if c[3].trim().is_empty() {
                return Err(DriftError::Reason { line });
            }
            Ok(Explained {
                side,
                method: c[1].to_ascii_uppercase(),
                path: c[2].to_owned(),
                reason: c[3].to_owned(),
            })
        })
        .collect()
}

/// A path template with its parameter names erased (`/a/{id}` → `/a/{}`).
pub fn shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// An endpoint on one side only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Which side has it.
    pub side: Side,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path shape (parameter names erased).
    pub path: String,
    /// Who names it: the spec's operationId, or the SDKs' names (`unity:listFoo`).
    pub named_by: Vec<String>,
    /// The accepted reason, if the explanations file has one.
    pub reason: Option<String>,
}

/// The outcome of a comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Endpoints both sides have.
    pub matched: usize,
    /// Endpoints on one side only, explained or not.
    pub differences: Vec<Difference>,
    /// Explanations that match no difference any more (the drift they explained is gone).
    pub stale: Vec<Explained>,
}

impl Report {
    /// The differences without a reason.
    pub fn unexplained(&self) -> impl Iterator<Item = &Difference> {
        self.differences.iter().filter(|d| d.reason.is_none())
    }

    /// Whether nothing needs attention: every difference explained and no stale explanation.
    pub fn is_clean(&self) -> bool {
        self.unexplained().next().is_none() && self.stale.is_empty()
    }
}

/// Compare the spec's operations with the SDK endpoints.
pub fn compare(spec: &Value, sdk: &[SdkEndpoint], explained: &[Explained]) -> Report {
    let mut spec_side: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for op in operations(spec) {
        spec_side
            .entry((op.method.to_ascii_uppercase(), shape(&op.path)))
            .or_default()
            .push(op.id);
    }
    let mut sdk_side: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for e in sdk {
        sdk_side
            .entry((e.method.clone(), shape(&e.path)))
            .or_default()
            .push(format!("{}:{}", e.sdk, e.name));
    }
    let reason = |side: Side, key: &(String, String)| {
        explained
            .iter()
            .find(|x| x.side == side && x.method == key.0 && shape(&x.path) == key.1)
            .map(|x| x.reason.clone())
    };
    let one_side = |side: Side,
                    mine: &BTreeMap<(String, String), Vec<String>>,
                    other: &BTreeMap<(String, String), Vec<String>>| {
        mine.iter()
            .filter(|(k, _)| !other.contains_key(*k))
            .map(|(k, names)| Difference {
                side,
                method: k.0.clone(),
                path: k.1.clone(),
                named_by: names.clone(),
                reason: reason(side, k),
            })
            .collect::<Vec<_>>()
    };
    let mut differences = one_side(Side::SdkOnly, &sdk_side, &spec_side);
    differences.extend(one_side(Side::SpecOnly, &spec_side, &sdk_side));
    let found: BTreeSet<(Side, &str, &str)> = differences
        .iter()
        .map(|d| (d.side, d.method.as_str(), d.path.as_str()))
        .collect();
    let stale = explained
        .iter()
        .filter(|x| !found.contains(&(x.side, x.method.as_str(), shape(&x.path).as_str())))
        .cloned()
        .collect();
    Report {
        matched: spec_side
            .keys()
            .filter(|k| sdk_side.contains_key(*k))
            .count(),
        differences,
        stale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SDK: &str = "# extract\nsdk\tmethod\tpath\tsdk_name\tsource\n\
        unity\tGET\t/a/{0}\tgetA\tr@v1:f.cs\n\
        unreal\tPOST\t/old\tOld\tr@v2:f.cpp\n";

    fn spec() -> Value {
        json!({"paths": {"/a/{id}": {"get": {"operationId": "getA"}},
                         "/new": {"put": {"operationId": "putNew"}}}})
    }

    #[test]
    fn both_sides_are_reported_and_shapes_ignore_parameter_names() {
        let sdk = parse_endpoints(SDK).unwrap();
        let report = compare(&spec(), &sdk, &[]);
        assert_eq!(report.matched, 1);
        let sides: Vec<(Side, &str)> = report
            .unexplained()
            .map(|d| (d.side, d.path.as_str()))
            .collect();
        assert_eq!(sides, [(Side::SdkOnly, "/old"), (Side::SpecOnly, "/new")]);
        assert!(!report.is_clean());
    }

    #[test]
    fn explanations_clear_differences_and_stale_ones_are_reported() {
        let sdk = parse_endpoints(SDK).unwrap();
        let explained = parse_explained(
            "side\tmethod\tpath\treason\n\
             sdk-only\tPOST\t/old\tdeprecated\n\
             spec-only\tPUT\t/new\tdocs only\n\
             spec-only\tGET\t/gone\twas removed\n",
        )
        .unwrap();
        let report = compare(&spec(), &sdk, &explained);
        assert_eq!(report.unexplained().count(), 0);
        assert_eq!(report.stale.len(), 1);
        assert_eq!(report.stale[0].path, "/gone");
    }

    #[test]
    fn malformed_rows_name_their_line() {
        assert_eq!(
            parse_explained("h\nsideways\tGET\t/a\twhy\n"),
            Err(DriftError::Side {
                line: 2,
                value: "sideways".into()
            })
        );
        assert_eq!(
            parse_explained("h\nsdk-only\tGET\t/a\t \n"),
            Err(DriftError::Reason { line: 2 })
        );
        assert!(matches!(
            parse_endpoints("h\nunity\tGET\n"),
            Err(DriftError::Columns { found: 2, .. })
        ));
    }
}
