//! The baseline: failures a team has accepted for now, in a TOML file kept beside the tests.
//!
//! ```toml
//! [[accept]]
//! check = "C011"               # code or name
//! operation = "getPlayerInfo"  # optional: omitted = every operation; `*` matches any run of characters
//! reason = "Prism accepts any credential"
//! expires = "2027-01-31"       # optional: accepted through that day, then reported as expired
//! ```
//!
//! Applying a baseline marks the failures it accepts as `baselined`, so they no longer decide
//! the exit code, and reports the entries that have gone stale: expired ones (which accept
//! nothing any more) and ones that matched no failure (the server may have been fixed).

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::checks::{self, Check};
use crate::outcome::RunResult;
use crate::pattern::Pattern;
use crate::report::ordered_failures;

/// Why a baseline file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file cannot be read.
    #[error("{}: {source}", file.display())]
    Read {
        /// The baseline file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid baseline.
    #[error("{}:{line}: {}{message}", file.display(), field.as_ref().map(|f| format!("{f}: ")).unwrap_or_default())]
    Invalid {
        /// The baseline file.
        file: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// The field at fault, when one is (`check`, `expires`).
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A baseline could not be written as TOML.
    #[error("writing a baseline: {0}")]
    Write(#[from] toml::ser::Error),
}

/// One accepted failure pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The check's code (a name in the file is stored as its code).
    pub check: String,
    /// The `operationId` pattern (`*` globs); `None` accepts every operation.
    pub operation: Option<Pattern>,
    /// Why the failure is accepted.
    pub reason: String,
    /// The last day the entry accepts anything.
    pub expires: Option<NaiveDate>,
    /// The line of the entry's `check` key, for messages.
    pub line: usize,
}

impl Entry {
    /// Whether the entry no longer accepts anything on `today`.
    pub fn expired(&self, today: NaiveDate) -> bool {
        self.expires.is_some_and(|last| today > last)
    }

    /// Whether the entry describes a failure of check `code` on `operation` (expiry aside).
    pub fn matches(&self, code: &str, operation: &str) -> bool {
        self.check == code
            && self
                .operation
                .as_ref()
                .is_none_or(|p| p.is_match(operation))
    }

    fn describe(&self) -> String {
        format!(
            "entry at line {} ({} {})",
            self.line,
            self.check,
            self.operation.as_ref().map_or("*", Pattern::as_str)
        )
    }
}

/// A loaded baseline file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// Where it was read from (for messages).
    pub file: PathBuf,
    /// Its entries, in file order.
    pub entries: Vec<Entry>,
}

/// What applying a baseline found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineReport {
    /// The baseline file.
    pub file: PathBuf,
    /// Failures now marked `baselined`.
    pub accepted: usize,
    /// Entries past their `expires` date.
    pub expired: Vec<Entry>,
    /// Unexpired entries that accepted no failure of the run.
    pub unused: Vec<Entry>,
}

impl fmt::Display for BaselineReport {
    /// One line per stale entry; nothing when every entry is current and used.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        let mut lines = Vec::new();
        for e in &self.expired {
            let day = e.expires.map(|d| d.to_string()).unwrap_or_default();
            lines.push(format!(
                "baseline {file}: {} expired on {day} and accepts nothing now",
                e.describe()
            ));
        }
        for e in &self.unused {
            lines.push(format!(
                "baseline {file}: {} matched no failure; remove it if the server was fixed",
                e.describe()
            ));
        }
        write!(f, "{}", lines.join("\n"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    accept: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    check: Spanned<String>,
    operation: Option<Spanned<String>>,
    reason: Spanned<String>,
    expires: Option<Spanned<toml::Value>>,
}

impl Baseline {
    /// Read the baseline at `path`, checking codes against this build's checks.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            file: path.to_owned(),
            source,
        })?;
        Baseline::parse(&text, path, checks::registry())
    }

    /// Parse baseline `text` read from `file`, accepting the codes and names of `known`.
    pub fn parse(text: &str, file: &Path, known: &[&dyn Check]) -> Result<Baseline, BaselineError> {
        let invalid =
            |offset: usize, field: Option<&str>, message: String| BaselineError::Invalid {
                file: file.to_owned(),
                line: line_of(text, offset),
                field: field.map(str::to_owned),
                message,
            };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            invalid(offset, None, e.message().trim_end().to_owned())
        })?;
        let mut entries = Vec::new();
        for raw in raw.accept {
            let check_at = raw.check.span().start;
            let wanted = raw.check.get_ref().trim();
            let check = known
                .iter()
                .find(|c| {
                    c.code().eq_ignore_ascii_case(wanted) || c.name().eq_ignore_ascii_case(wanted)
                })
                .ok_or_else(|| {
                    invalid(
                        check_at,
                        Some("check"),
                        format!("unknown check `{wanted}`: not the code or name of any check"),
                    )
                })?;
            let operation = match raw.operation {
                Some(op) if op.get_ref().trim().is_empty() => {
                    return Err(invalid(
                        op.span().start,
                        Some("operation"),
                        "empty; leave the key out to accept every operation".into(),
                    ));
                }
                Some(op) => Some(
                    Pattern::new(op.get_ref().trim())
                        .map_err(|e| invalid(op.span().start, Some("operation"), e.to_string()))?,
                ),
                None => None,
            };
            if raw.reason.get_ref().trim().is_empty() {
                return Err(invalid(
                    raw.reason.span().start,
                    Some("reason"),
                    "empty; say why the failure is accepted".into(),
                ));
            }
            let expires = match raw.expires {
                None => None,
                Some(value) => Some(date(value.get_ref()).ok_or_else(|| {
                    invalid(
                        value.span().start,
                        Some("expires"),
                        format!("`{}` is not a date like \"2027-01-31\"", value.get_ref()),
                    )
                })?),
            };
            entries.push(Entry {
                check: check.code().to_owned(),
                operation,
                reason: raw.reason.into_inner(),
                expires,
                line: line_of(text, check_at),
            });
        }
        Ok(Baseline {
            file: file.to_owned(),
            entries,
        })
    }

    /// Mark the failures of `result` that an unexpired entry accepts as `baselined` (and the
    /// others as not), and report the stale entries as of `today`.
    pub fn apply(&self, result: &mut RunResult, today: NaiveDate) -> BaselineReport {
        let mut used = vec![false; self.entries.len()];
        let mut accepted = 0;
        for failure in &mut result.failures {
            failure.baselined = false;
            for (i, entry) in self.entries.iter().enumerate() {
                if !entry.expired(today) && entry.matches(&failure.code, &failure.operation) {
                    used[i] = true;
                    failure.baselined = true;
                }
            }
            accepted += usize::from(failure.baselined);
        }
        let expired = self
            .entries
            .iter()
            .filter(|e| e.expired(today))
            .cloned()
            .collect();
        let unused = self
            .entries
            .iter()
            .zip(&used)
            .filter(|(e, used)| !**used && !e.expired(today))
            .map(|(e, _)| e.clone())
            .collect();
        BaselineReport {
            file: self.file.clone(),
            accepted,
            expired,
            unused,
        }
    }

    /// A baseline file that accepts every failure of `result`: one entry per operation and
    /// check, in report order, each with a reason to be rewritten by a person and the check's
    /// name in a comment above it.
    pub fn from_failures(result: &RunResult) -> Result<String, BaselineError> {
        let mut out = String::from(
            "# Failures `conformance run --baseline` accepts. Written by --write-baseline: replace\n\
             # each reason with why the failure is accepted, and consider an `expires` date.\n",
        );
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for f in ordered_failures(result) {
            if seen.contains(&(f.operation.as_str(), f.code.as_str())) {
                continue;
            }
            seen.push((f.operation.as_str(), f.code.as_str()));
            // One entry at a time, so each gets its comment.
            let entry = WrittenFile {
                accept: &[WrittenEntry {
                    check: &f.code,
                    operation: &f.operation,
                    reason: "accepted when the baseline was written; say why",
                }],
            };
            out.push_str(&format!(
                "\n# {}\n{}",
                single_line(&f.check),
                toml::to_string(&entry)?
            ));
        }
        Ok(out)
    }
}

/// A baseline as [`Baseline::from_failures`] writes it.
#[derive(Serialize)]
struct WrittenFile<'a> {
    accept: &'a [WrittenEntry<'a>],
}

/// An entry as [`Baseline::from_failures`] writes it: what [`RawEntry`] reads back.
#[derive(Serialize)]
struct WrittenEntry<'a> {
    check: &'a str,
    operation: &'a str,
    reason: &'a str,
}

/// A date from a TOML string (`"2027-01-31"`) or local-date literal (`2027-01-31`).
fn date(value: &toml::Value) -> Option<NaiveDate> {
    match value {
        toml::Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            let d = dt.date?;
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        }
        _ => None,
    }
}

/// `text` fit for a comment: no line breaks.
fn single_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::case::{Auth, Case, Intent, Phase};
    use crate::checks::{CheckContext, Failure, Outcome};
    use crate::exchange::{Exchange, WireRequest};
    use crate::outcome::{FailureRecord, OperationResult};

    struct Named(&'static str, &'static str);

    impl Check for Named {
        fn code(&self) -> &'static str {
            self.0
        }
        fn name(&self) -> &'static str {
            self.1
        }
        fn assertion(&self) -> &'static str {
            "test"
        }
        fn check(&self, _: &CheckContext<'_>, _: &Exchange) -> Outcome {
            Outcome::Pass
        }
    }

    const KNOWN: &[&dyn Check] = &[
        &Named("C002", "status_code_conformance"),
        &Named("C011", "forged_credentials_rejected"),
    ];

    fn parse(text: &str) -> Result<Baseline, BaselineError> {
        Baseline::parse(text, Path::new("baseline.toml"), KNOWN)
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn failure(code: &str, check: &str, operation: &str) -> FailureRecord {
        FailureRecord {
            code: code.into(),
            check: check.into(),
            operation: operation.into(),
            failure: Failure {
                expected: "status 401 or 403".into(),
                actual: "status 200".into(),
            },
            exchange: Exchange {
                case: Case {
                    operation: operation.into(),
                    method: "GET".into(),
                    path: "/p".into(),
                    path_params: Default::default(),
                    query: Default::default(),
                    headers: Default::default(),
                    cookies: Default::default(),
                    body: None,
                    auth: Auth::Forged,
                    phase: Phase::Protocol,
                    intent: Intent::InvalidCredentials,
                },
                request: WireRequest {
                    method: "GET".into(),
                    url: "http://127.0.0.1:1/p".into(),
                    headers: vec![],
                    body: None,
                    parts: None,
                },
                response: Err("could not connect".into()),
            },
            baselined: false,
        }
    }

    fn result(failures: Vec<FailureRecord>) -> RunResult {
        RunResult {
            api: "lootlocker".into(),
            base_url: "http://127.0.0.1:1".into(),
            duration: Duration::from_secs(1),
            operations: ["getPlayerInfo", "getPlayerName", "ping"]
                .iter()
                .map(|id| OperationResult {
                    operation: (*id).into(),
                    method: "GET".into(),
                    path: "/p".into(),
                    ..Default::default()
                })
                .collect(),
            failures,
            ..Default::default()
        }
    }

    fn invalid(err: BaselineError) -> (usize, Option<String>, String) {
        match err {
            BaselineError::Invalid {
                line,
                field,
                message,
                ..
            } => (line, field, message),
            other => panic!("not an Invalid error: {other}"),
        }
    }

    #[test]
    fn names_become_codes_and_dates_parse_in_both_forms() {
        let b = parse(
            "[[accept]]\ncheck = \"forged_credentials_rejected\"\noperation = \"getPlayer*\"\nreason = \"r\"\nexpires = \"2027-01-31\"\n\n[[accept]]\ncheck = \"c002\"\nreason = \"r\"\nexpires = 2027-02-01\n",
        )
        .unwrap();
        assert_eq!(b.entries[0].check, "C011");
        assert_eq!(
            b.entries[0].operation.as_ref().map(Pattern::as_str),
            Some("getPlayer*")
        );
        assert_eq!(b.entries[0].expires, Some(day("2027-01-31")));
        assert_eq!(b.entries[0].line, 2);
        assert_eq!(b.entries[1].check, "C002");
        assert_eq!(b.entries[1].expires, Some(day("2027-02-01")));
        assert_eq!(b.entries[1].line, 8);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let (line, field, message) = invalid(
            parse("[[accept]]\ncheck = \"C011\"\nreason = \"r\"\nowner = \"me\"\n").unwrap_err(),
        );
        assert_eq!((line, field), (4, None));
        assert!(message.contains("unknown field `owner`"), "{message}");

        let err = parse("\n[[accept]]\ncheck = \"C999\"\nreason = \"r\"\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("baseline.toml:3: check: unknown check `C999`"),
            "{err}"
        );

        let (line, field, _) = invalid(
            parse("[[accept]]\ncheck = \"C011\"\nreason = \"r\"\nexpires = \"31/01/2027\"\n")
                .unwrap_err(),
        );
        assert_eq!((line, field.as_deref()), (4, Some("expires")));

        let (_, field, _) =
            invalid(parse("[[accept]]\ncheck = \"C011\"\nreason = \" \"\n").unwrap_err());
        assert_eq!(field.as_deref(), Some("reason"));

        let (_, _, message) = invalid(parse("[[accept]]\ncheck = \"C011\"\n").unwrap_err());
        assert!(message.contains("reason"), "{message}");

        let err = Baseline::load(Path::new("/nonexistent/baseline.toml")).unwrap_err();
        assert!(
            err.to_string().starts_with("/nonexistent/baseline.toml: "),
            "{err}"
        );
    }

    #[test]
    fn apply_accepts_matches_and_reports_stale_entries() {
        let b = parse(concat!(
            "[[accept]]\ncheck = \"C011\"\noperation = \"getPlayer*\"\nreason = \"prism\"\n",
            "[[accept]]\ncheck = \"C002\"\nreason = \"old\"\nexpires = \"2026-01-01\"\n",
            "[[accept]]\ncheck = \"C002\"\noperation = \"ping\"\nreason = \"fixed since\"\n",
        ))
        .unwrap();
        let mut r = result(vec![
            failure("C011", "forged_credentials_rejected", "getPlayerInfo"),
            failure("C011", "forged_credentials_rejected", "listThings"),
            failure("C002", "status_code_conformance", "getPlayerName"),
        ]);
        r.failures[2].baselined = true; // a stale mark from an earlier apply is cleared
        let report = b.apply(&mut r, day("2026-01-02"));
        let marks: Vec<bool> = r.failures.iter().map(|f| f.baselined).collect();
        assert_eq!(marks, vec![true, false, false]);
        assert_eq!(report.accepted, 1);
        assert_eq!(report.expired, vec![b.entries[1].clone()]);
        assert_eq!(report.unused, vec![b.entries[2].clone()]);
        let text = report.to_string();
        assert!(
            text.contains("entry at line 6 (C002 *) expired on 2026-01-01"),
            "{text}"
        );
        assert!(
            text.contains("entry at line 10 (C002 ping) matched no failure"),
            "{text}"
        );

        // On its last day an entry still accepts.
        let report = b.apply(&mut r, day("2026-01-01"));
        assert!(r.failures[2].baselined);
        assert!(report.expired.is_empty());
    }

    #[test]
    fn a_written_baseline_accepts_the_run_it_came_from() {
        let mut r = result(vec![
            failure("C011", "forged_credentials_rejected", "getPlayerName"),
            failure("C002", "status_code_conformance", "getPlayerInfo"),
            failure("C011", "forged_credentials_rejected", "getPlayerInfo"),
            failure("C011", "forged_credentials_rejected", "getPlayerInfo"),
        ]);
        let text = Baseline::from_failures(&r).unwrap();
        let b = parse(&text).unwrap();
        let pairs: Vec<(&str, &str)> = b
            .entries
            .iter()
            .map(|e| {
                (
                    e.operation.as_ref().map_or("", Pattern::as_str),
                    e.check.as_str(),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("getPlayerInfo", "C002"),
                ("getPlayerInfo", "C011"),
                ("getPlayerName", "C011")
            ]
        );
        let report = b.apply(&mut r, day("2030-01-01"));
        assert_eq!(report.accepted, 4);
        assert!(report.unused.is_empty() && report.to_string().is_empty());
        assert!(
            text.contains("\n# forged_credentials_rejected\n[[accept]]\ncheck = \"C011\"\n"),
            "{text}"
        );
    }

    #[test]
    fn written_strings_read_back_as_they_were() {
        let mut r = result(vec![failure(
            "C011",
            "forged\ncredentials",
            "get\"Player\"\\Info'*",
        )]);
        r.operations[0].operation = "get\"Player\"\\Info'*".into();
        let text = Baseline::from_failures(&r).unwrap();
        let b = parse(&text).unwrap();
        assert_eq!(
            b.entries[0].operation.as_ref().map(Pattern::as_str),
            Some("get\"Player\"\\Info'*")
        );
        assert!(text.contains("# forged credentials\n"), "{text}");
    }
}
