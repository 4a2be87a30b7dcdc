//! Writers of a [`RunResult`]: a terminal summary, a progress bar, JUnit XML, Markdown, NDJSON
//! of failures, and the curl line that reproduces a request. Every writer takes the run's
//! [`Redactor`] and passes all text through it, so no secret the
//! runner holds reaches a report; failures are listed in spec order, then by check code, so the
//! output of one run is the same every time it is written.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::case::Phase;
use crate::checks;
use crate::exchange::Exchange;
use crate::outcome::{
    FailureRecord, Measure, OperationCoverage, OperationResult, RunResult, Tally,
};
use crate::secrets::Redactor;

pub mod console;
pub mod curl;
pub mod junit;
pub mod markdown;
pub mod ndjson;
pub mod progress;

/// How much of a response body a report quotes.
pub const EXCERPT_CHARS: usize = 300;

/// The failures of `result` in report order: operations in the order of `result.operations`
/// (spec order; operations missing from it come last, by name), then check code; records of the
/// same operation and code keep the order the run found them in.
pub fn ordered_failures(result: &RunResult) -> Vec<&FailureRecord> {
    let position = operation_positions(result);
    fn key<'a>(f: &'a FailureRecord, at: &BTreeMap<&str, usize>) -> (usize, &'a str, &'a str) {
        let at = at.get(f.operation.as_str()).copied();
        (
            at.unwrap_or(usize::MAX),
            f.operation.as_str(),
            f.code.as_str(),
        )
    }
    let mut out: Vec<&FailureRecord> = result.failures.iter().collect();
    out.sort_by(|a, b| key(a, &position).cmp(&key(b, &position)));
    out
}

fn operation_positions(result: &RunResult) -> BTreeMap<&str, usize> {
    let mut position = BTreeMap::new();
    for (i, op) in result.operations.iter().enumerate() {
        position.entry(op.operation.as_str()).or_insert(i);
    }
    position
}

/// The name of check `code`: from the registry, else from a failure record of the run (a
/// result read back from a file may name checks this build does not have), else empty.
pub fn check_name(result: &RunResult, code: &str) -> String {
    if let Some(check) = checks::find(code) {
        return check.name().to_owned();
    }
    result
        .failures
        .iter()
        .find(|f| f.code == code)
        .map(|f| f.check.clone())
        .unwrap_or_default()
}

/// Passes and failures of every check summed over all operations, by code.
pub fn check_totals(result: &RunResult) -> BTreeMap<String, Tally> {
    let mut totals: BTreeMap<String, Tally> = BTreeMap::new();
    for op in &result.operations {
        for (code, tally) in &op.checks {
            let total = totals.entry(code.clone()).or_default();
            total.passed += tally.passed;
            total.failed += tally.failed;
        }
    }
    // A failure of an operation without a tally (a hand-made or truncated result) still counts.
    for f in &result.failures {
        totals.entry(f.code.clone()).or_default();
    }
    totals
}

/// One operation with at least one failing check, for the "failing operations" tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailingOperation {
    /// `operationId`.
    pub operation: String,
    /// Method, upper case.
    pub method: String,
    /// Path template.
    pub path: String,
    /// The failing check codes, in code order.
    pub codes: Vec<String>,
}

/// The operations with failures, in report order: a failing tally or a failure record counts.
pub fn failing_operations(result: &RunResult) -> Vec<FailingOperation> {
    let mut out: Vec<FailingOperation> = Vec::new();
    for op in &result.operations {
        let mut codes: Vec<String> = op
            .checks
            .iter()
            .filter(|(_, t)| t.failed > 0)
            .map(|(c, _)| c.clone())
            .collect();
        for f in result
            .failures
            .iter()
            .filter(|f| f.operation == op.operation)
        {
            if !codes.contains(&f.code) {
                codes.push(f.code.clone());
            }
        }
        if !codes.is_empty() {
            codes.sort();
            out.push(failing(op, codes));
        }
    }
    for f in ordered_failures(result) {
        if result.operations.iter().any(|o| o.operation == f.operation) {
            continue;
        }
        match out.iter_mut().find(|o| o.operation == f.operation) {
            Some(o) if !o.codes.contains(&f.code) => o.codes.push(f.code.clone()),
            Some(_) => {}
            None => out.push(FailingOperation {
                operation: f.operation.clone(),
                method: f.exchange.case.method.clone(),
                path: f.exchange.case.path.clone(),
                codes: vec![f.code.clone()],
            }),
        }
    }
    out
}

fn failing(op: &OperationResult, codes: Vec<String>) -> FailingOperation {
    FailingOperation {
        operation: op.operation.clone(),
        method: op.method.clone(),
        path: op.path.clone(),
        codes,
    }
}

/// Method and path template of a failure's operation: from the run's operation list, else from
/// the case (which differs only for undeclared-method cases).
pub fn request_line(result: &RunResult, failure: &FailureRecord) -> String {
    match result
        .operations
        .iter()
        .find(|o| o.operation == failure.operation)
    {
        Some(op) => format!("{} {}", op.method, op.path),
        None => format!(
            "{} {}",
            failure.exchange.case.method, failure.exchange.case.path
        ),
    }
}

/// The first `max` characters of `text`, with `…` when something was cut.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The answer of an exchange in one short redacted text: `status 200: <body excerpt>`, or the
/// transport error; a body decoded from a `Content-Encoding`, one that is not UTF-8 and one a
/// stored exchange keeps only part of say so, with the whole body's size and SHA-256. Redacted
/// before it is cut, so a secret at the cut cannot leak half.
pub fn response_excerpt(exchange: &Exchange, redactor: &Redactor) -> String {
    match &exchange.response {
        Ok(response) => {
            let mut notes = Vec::new();
            if let Some(coding) = &response.encoding {
                notes.push(format!("Content-Encoding {coding}, decoded"));
            }
            if let Some(at) = response.invalid_utf8_at {
                notes.push(format!("not UTF-8 from byte {at}"));
            }
            if let Some(kept) = response.kept.as_ref().filter(|k| k.truncated) {
                notes.push(format!(
                    "{} bytes, sha256 {}, an excerpt kept",
                    kept.size, kept.sha256
                ));
            }
            let status = match notes.is_empty() {
                true => format!("status {}", response.status),
                false => format!("status {} ({})", response.status, notes.join("; ")),
            };
            let body = redactor.redact(&response.body);
            if body.is_empty() {
                format!("{status} (empty body)")
            } else {
                format!("{status}: {}", excerpt(&body, EXCERPT_CHARS))
            }
        }
        Err(e) => format!(
            "transport error: {}",
            excerpt(&redactor.redact(e), EXCERPT_CHARS)
        ),
    }
}

/// One selected operation's coverage, as the console and Markdown reports show it.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageRow {
    /// `operationId`.
    pub operation: String,
    /// `METHOD /path`.
    pub request: String,
    /// Documented statuses observed.
    pub statuses: Measure,
    /// Parameters sent.
    pub parameters: Measure,
    /// Body properties sent.
    pub properties: Measure,
    /// Phases that judged a case, in run order, with their case counts (`examples 2`).
    pub phases: Vec<String>,
    /// What was not reached: `status 404`, `query:page`, `body player.name`.
    pub missing: Vec<String>,
    /// Whether a case of the operation was judged at all.
    pub tested: bool,
}

impl CoverageRow {
    /// Whether the operation was tested and reached everything it documents.
    pub fn full(&self) -> bool {
        self.tested && self.missing.is_empty()
    }

    /// `missing` cut to `max` entries, with how many more there are.
    pub fn missing_text(&self, max: usize) -> String {
        let mut text = self
            .missing
            .iter()
            .take(max)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if self.missing.len() > max {
            let _ = write!(text, " and {} more", self.missing.len() - max);
        }
        text
    }
}

/// The coverage of every selected operation, in spec order.
pub fn coverage_rows(result: &RunResult) -> Vec<CoverageRow> {
    result
        .operations
        .iter()
        .filter(|o| o.selected())
        .map(|o| {
            let c = &o.coverage;
            let mut missing: Vec<String> = OperationCoverage::missing(&c.statuses)
                .into_iter()
                .map(|s| format!("status {s}"))
                .collect();
            missing.extend(OperationCoverage::missing(&c.parameters));
            missing.extend(
                OperationCoverage::missing(&c.properties)
                    .into_iter()
                    .map(|p| format!("body {p}")),
            );
            let phases = Phase::ALL
                .iter()
                .filter_map(|p| {
                    c.phases
                        .get(p.as_str())
                        .map(|n| format!("{} {n}", p.as_str()))
                })
                .collect();
            CoverageRow {
                operation: o.operation.clone(),
                request: format!("{} {}", o.method, o.path),
                statuses: c.statuses(),
                parameters: c.parameters(),
                properties: c.properties(),
                phases,
                missing,
                tested: o.untested().is_none(),
            }
        })
        .collect()
}

/// Cases sent per second, or `None` for a run of no measurable length.
pub fn cases_per_second(result: &RunResult) -> Option<f64> {
    let secs = result.duration.as_secs_f64();
    (secs > 0.0).then(|| result.stats.cases as f64 / secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_on_characters_and_mark_the_cut() {
        assert_eq!(excerpt("héllo", 3), "hél…");
        assert_eq!(excerpt("abc", 3), "abc");
        assert_eq!(excerpt("", 3), "");
    }
}
