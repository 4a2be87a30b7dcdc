//! The result of a run, as every report reads it: tallies per operation and check, and each
//! failure with the exchange that shows it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::checks::Failure;
use crate::exchange::Exchange;

/// Passes, failures and skips of one check on one operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Exchanges where the assertion held.
    pub passed: u64,
    /// Exchanges where it did not.
    pub failed: u64,
}

/// One operation's results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OperationResult {
    /// `operationId`.
    pub operation: String,
    /// Method, upper case.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Cases sent.
    pub cases: u64,
    /// Tallies by check code.
    pub checks: BTreeMap<String, Tally>,
    /// Why the operation was not tested at all, if it was not (`filtered out`, `read-only mode`,
    /// `no credentials for sessionToken`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// One failed check on one exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureRecord {
    /// Check code (`C002`).
    pub code: String,
    /// Check name (`status_code_conformance`).
    pub check: String,
    /// `operationId`.
    pub operation: String,
    /// Expected and actual.
    #[serde(flatten)]
    pub failure: Failure,
    /// The (shrunk, if shrinking found a smaller one) exchange that shows it.
    pub exchange: Exchange,
    /// Whether an entry of the baseline file accepts this failure.
    #[serde(default)]
    pub baselined: bool,
}

/// Counters of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Test cases run (each one request, plus shrinking requests counted separately).
    pub cases: u64,
    /// HTTP requests sent for cases: first tries, retries after `Retry-After` or a credential
    /// refresh, shrinking and stateful sequences. Logins are not counted (nor budgeted).
    pub requests: u64,
    /// Requests sent while shrinking failures.
    pub shrink_requests: u64,
    /// Generated cases dropped before sending (not valid when they should be, or unsendable).
    pub discarded: u64,
    /// Answers with `Retry-After` that paused sending.
    pub rate_limited: u64,
}

/// Everything a run found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// The API's short name.
    pub api: String,
    /// The server tested.
    pub base_url: String,
    /// The seed of generation.
    pub seed: u64,
    /// Wall time.
    #[serde(with = "secs")]
    pub duration: Duration,
    /// Per operation, in spec order.
    pub operations: Vec<OperationResult>,
    /// Every failure (at most one per operation, check and distinct expectation).
    pub failures: Vec<FailureRecord>,
    /// Counters.
    pub stats: Stats,
    /// Whether a budget (requests or time) stopped the run early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_early: Option<String>,
}

impl RunResult {
    /// Failures no baseline entry accepts: these decide the exit code.
    pub fn new_failures(&self) -> impl Iterator<Item = &FailureRecord> {
        self.failures.iter().filter(|f| !f.baselined)
    }
}

mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs_f64(f64::deserialize(d)?.max(0.0)))
    }
}
