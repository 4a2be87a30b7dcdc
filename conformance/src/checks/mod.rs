//! The registry of checks. Each check has a stable code (`C001`…), a snake-case name, and one
//! assertion about one exchange; it decides from the case's [`Intent`](crate::case::Intent)
//! whether it applies. Checks never send requests: cases that need another request (credentials
//! removed, a read after a delete) are generated as cases of their own.

use std::time::Duration;

use crate::exchange::Exchange;
use crate::spec::{Operation, Spec};

/// Settings some checks read.
#[derive(Debug, Clone)]
pub struct CheckSettings {
    /// The limit of `max_response_time` (the check is off unless enabled).
    pub max_response_time: Duration,
}

impl Default for CheckSettings {
    fn default() -> Self {
        CheckSettings {
            max_response_time: Duration::from_secs(2),
        }
    }
}

/// What a check sees besides the exchange.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    /// The spec under test.
    pub spec: &'a Spec,
    /// The operation the case belongs to.
    pub operation: &'a Operation,
    /// Settings.
    pub settings: &'a CheckSettings,
}

/// Why a check failed: what the contract expects and what the server did, each one line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    /// What the spec requires (`status 401 or 403`).
    pub expected: String,
    /// What came (`status 200`).
    pub actual: String,
}

/// The result of one check on one exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The assertion holds.
    Pass,
    /// The check does not apply to this exchange.
    Skip,
    /// The assertion does not hold.
    Fail(Failure),
}

impl Outcome {
    /// A failure from its two sides.
    pub fn fail(expected: impl Into<String>, actual: impl Into<String>) -> Outcome {
        Outcome::Fail(Failure {
            expected: expected.into(),
            actual: actual.into(),
        })
    }
}

/// One check.
pub trait Check: Send + Sync {
    /// Stable code, `C` and three digits; never reused for another assertion.
    fn code(&self) -> &'static str;
    /// Stable snake-case name (`status_code_conformance`).
    fn name(&self) -> &'static str;
    /// The assertion in one sentence, for `--list-checks` and reports.
    fn assertion(&self) -> &'static str;
    /// Whether the check runs unless configured otherwise.
    fn on_by_default(&self) -> bool {
        true
    }
    /// Judge one exchange.
    fn check(&self, cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome;
}

/// Every check, in code order.
pub fn registry() -> &'static [&'static dyn Check] {
    &[]
}

/// The check with this code or name (case-insensitive).
pub fn find(code_or_name: &str) -> Option<&'static dyn Check> {
    registry().iter().copied().find(|c| {
        c.code().eq_ignore_ascii_case(code_or_name) || c.name().eq_ignore_ascii_case(code_or_name)
    })
}
