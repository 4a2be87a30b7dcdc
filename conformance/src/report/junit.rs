//! JUnit XML for CI dashboards: one `<testsuite>` per operation, one `<testcase>` per check that
//! ran on it (`C002 status_code_conformance`, classname the `operationId`).
//!
//! A failure the baseline accepts is written as a *skipped* test case whose message says so and
//! quotes the failure: dashboards then show it apart from passes (it still fails the contract)
//! without failing the build, and it stays visible until the server or the baseline changes.

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::curl::curl;
use super::{check_name, ordered_failures, response_excerpt};
use crate::outcome::{FailureRecord, RunResult, Tally};
use crate::secrets::Redactor;

/// The JUnit XML of `result`, every text redacted by `redactor`.
pub fn junit(
    result: &RunResult,
    redactor: &Redactor,
) -> Result<String, quick_junit::SerializeError> {
    let mut report = Report::new(format!("gamespec conformance: {}", result.api));
    report.set_time(result.duration);
    let failures = ordered_failures(result);
    let mut operations: Vec<(String, String)> = result
        .operations
        .iter()
        .map(|o| (o.operation.clone(), format!("{} {}", o.method, o.path)))
        .collect();
    for f in &failures {
        if !operations.iter().any(|(id, _)| *id == f.operation) {
            let request = format!("{} {}", f.exchange.case.method, f.exchange.case.path);
            operations.push((f.operation.clone(), request));
        }
    }
    for (id, request) in operations {
        let op = result.operations.iter().find(|o| o.operation == id);
        let mut suite = TestSuite::new(id.clone());
        suite.add_property(Property::new("request", request));
        if let Some(op) = op {
            // A selected operation that went untested fails the dashboard as it fails the run;
            // one left out on purpose is only skipped.
            let status = match (op.untested(), &op.skipped) {
                (Some(why), _) => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                    status.set_message(format!("not tested: {}", redactor.redact(&why)));
                    status.set_type("untested");
                    Some(status)
                }
                (None, Some(why)) => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(format!("not tested: {}", redactor.redact(why)));
                    Some(status)
                }
                (None, None) => None,
            };
            if let Some(status) = status {
                let mut case = TestCase::new("not tested", status);
                case.set_classname(id.clone());
                suite.add_test_case(case);
            }
        }
        let mut codes: Vec<String> = op
            .map(|o| o.checks.keys().cloned().collect())
            .unwrap_or_default();
        for f in failures.iter().filter(|f| f.operation == id) {
            if !codes.contains(&f.code) {
                codes.push(f.code.clone());
            }
        }
        codes.sort();
        for code in codes {
            let tally = op
                .and_then(|o| o.checks.get(&code))
                .copied()
                .unwrap_or_default();
            let records: Vec<&FailureRecord> = failures
                .iter()
                .copied()
                .filter(|f| f.operation == id && f.code == code)
                .collect();
            let name = format!("{code} {}", check_name(result, &code));
            let not_kept = op
                .and_then(|o| o.failures_not_kept.get(&code))
                .copied()
                .unwrap_or_default();
            let status = status(tally, &records, not_kept, redactor);
            let mut case = TestCase::new(name.trim_end(), status);
            case.set_classname(id.clone());
            case.set_assertions((tally.passed + tally.failed) as usize);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    Ok(redactor.redact(&report.to_string()?))
}

/// Failed when a failure no baseline accepts is recorded (or failures were counted without a
/// record), skipped when every recorded failure is accepted, else passed.
fn status(
    tally: Tally,
    records: &[&FailureRecord],
    not_kept: u64,
    redactor: &Redactor,
) -> TestCaseStatus {
    let new: Vec<&FailureRecord> = records.iter().copied().filter(|f| !f.baselined).collect();
    if !new.is_empty() {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        let mut message = expected_actual(new[0], redactor);
        if new.len() > 1 {
            message.push_str(&format!(" (and {} more)", new.len() - 1));
        }
        if not_kept > 0 {
            message.push_str(&format!(" ({not_kept} more counted, not kept)"));
        }
        status.set_message(message);
        status.set_type(new[0].code.clone());
        status.set_description(details(&new, redactor));
        return status;
    }
    if !records.is_empty() {
        let mut status = TestCaseStatus::skipped();
        status.set_message(format!(
            "accepted by the baseline: {}",
            expected_actual(records[0], redactor)
        ));
        status.set_description(details(records, redactor));
        return status;
    }
    if tally.failed > 0 {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(format!(
            "{} exchanges failed (no failure recorded)",
            tally.failed
        ));
        return status;
    }
    TestCaseStatus::success()
}

fn expected_actual(f: &FailureRecord, redactor: &Redactor) -> String {
    format!(
        "expected {}, actual {}",
        redactor.redact(&f.failure.expected),
        redactor.redact(&f.failure.actual)
    )
}

/// The failure body: per record, expected and actual, the answer, and the curl line.
fn details(records: &[&FailureRecord], redactor: &Redactor) -> String {
    records
        .iter()
        .map(|f| {
            format!(
                "expected: {}\nactual: {}\nresponse: {}\n{}",
                redactor.redact(&f.failure.expected),
                redactor.redact(&f.failure.actual),
                response_excerpt(&f.exchange, redactor),
                curl(&f.exchange.request, redactor)
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}
