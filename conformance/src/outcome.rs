//! The result of a run, as every report reads it: tallies per operation and check, and each
//! failure with the exchange that shows it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::checks::Failure;
use crate::exchange::Exchange;

/// The reason of an operation the filters (`--operation`, `--exclude`, `--tag`, `--method`)
/// leave out: not selected, so not owed a test.
pub const FILTERED_OUT: &str = "filtered out";
/// The reason of an unsafe operation `--read-only` leaves out: not selected either.
pub const READ_ONLY: &str = "read-only mode";

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
    /// Why the operation was not tested at all, if it was not: left out on purpose
    /// ([`FILTERED_OUT`], [`READ_ONLY`]) or selected and still untested (a login that failed,
    /// a budget spent before its first case, answers that were all rate limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Answers of this operation that were 429 or 503 with `Retry-After` (judged for their
    /// form, then retried or given up on; never counted as cases).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rate_limited: u64,
    /// Per check code, failures beyond the ones kept (at most
    /// [`MAX_FAILURES_KEPT`] per operation and check): counted, not stored.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub failures_not_kept: BTreeMap<String, u64>,
    /// What the operation's cases reached of what its spec documents (empty for an operation
    /// the filters left out).
    #[serde(default, skip_serializing_if = "OperationCoverage::is_empty")]
    pub coverage: OperationCoverage,
}

/// What one operation's cases reached of what the spec documents for it: each documented
/// status, parameter and request-body property with how often it was seen, and the cases of
/// each phase. Counters only, so a fuzz run of hours holds as much as a run of seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationCoverage {
    /// Every documented status with the number of answers that had it (0: never observed).
    pub statuses: BTreeMap<u16, u64>,
    /// Statuses the server answered that the operation does not document, with their counts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub undocumented_statuses: BTreeMap<u16, u64>,
    /// Every documented parameter, as `LOCATION:NAME` (`query:count`, `header:LL-Version`),
    /// with the number of cases that sent it.
    pub parameters: BTreeMap<String, u64>,
    /// Every property of the request body, as a path (`score`, `player.name`, `items[].id`,
    /// `[].id` inside a top-level array), with the number of cases whose body had it.
    pub properties: BTreeMap<String, u64>,
    /// Cases judged per phase (by phase name); a phase that judged none is absent.
    pub phases: BTreeMap<String, u64>,
}

impl OperationCoverage {
    /// Whether nothing is documented and nothing ran (an operation left out by the filters).
    pub fn is_empty(&self) -> bool {
        self.statuses.is_empty()
            && self.undocumented_statuses.is_empty()
            && self.parameters.is_empty()
            && self.properties.is_empty()
            && self.phases.is_empty()
    }

    /// Documented statuses observed, of those documented.
    pub fn statuses(&self) -> Measure {
        Measure::of(self.statuses.values())
    }

    /// Parameters sent at least once, of those documented.
    pub fn parameters(&self) -> Measure {
        Measure::of(self.parameters.values())
    }

    /// Body properties sent at least once, of those documented.
    pub fn properties(&self) -> Measure {
        Measure::of(self.properties.values())
    }

    /// The names of the entries of `counts` never seen, in order.
    pub fn missing<K: ToString>(counts: &BTreeMap<K, u64>) -> Vec<String> {
        counts
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(k, _)| k.to_string())
            .collect()
    }
}

/// How much of something was covered: `covered` of `total`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    /// Items reached.
    pub covered: u64,
    /// Items there are.
    pub total: u64,
}

impl Measure {
    /// The items of `counts` seen at least once, of all of them.
    pub fn of<'a>(counts: impl IntoIterator<Item = &'a u64>) -> Measure {
        let mut m = Measure::default();
        for n in counts {
            m.total += 1;
            m.covered += u64::from(*n > 0);
        }
        m
    }

    /// The share covered in percent; 100 when there is nothing to cover.
    pub fn percent(self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            100.0 * self.covered as f64 / self.total as f64
        }
    }

    /// `3/4 (75.0%)`.
    pub fn show(self) -> String {
        format!("{}/{} ({:.1}%)", self.covered, self.total, self.percent())
    }
}

impl std::ops::AddAssign for Measure {
    fn add_assign(&mut self, other: Measure) {
        self.covered += other.covered;
        self.total += other.total;
    }
}

/// Failure records kept per operation and check; more are counted in
/// [`OperationResult::failures_not_kept`], so memory and report sizes stay bounded however
/// often a server fails.
pub const MAX_FAILURES_KEPT: usize = 5;

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl OperationResult {
    /// Whether the run was asked to test this operation (the filters and `--read-only` did not
    /// leave it out).
    pub fn selected(&self) -> bool {
        !matches!(self.skipped.as_deref(), Some(FILTERED_OUT | READ_ONLY))
    }

    /// Why a selected operation went untested, if it did: its skip reason, or "no case was
    /// judged" for one that ran without a single judged case.
    pub fn untested(&self) -> Option<String> {
        if !self.selected() {
            return None;
        }
        match &self.skipped {
            Some(why) => Some(why.clone()),
            None if self.cases == 0 => Some("no case was judged".to_owned()),
            None => None,
        }
    }
}

/// How much of what was selected a run covered: the numbers a CI verdict rests on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Operations the filters and `--read-only` selected.
    pub selected: usize,
    /// Selected operations with at least one judged case.
    pub tested: usize,
    /// Cases judged.
    pub cases: u64,
    /// Selected operations without a judged case, with the reason, in spec order.
    pub untested: Vec<Untested>,
    /// Documented statuses of the selected operations observed in an answer.
    #[serde(default)]
    pub statuses: Measure,
    /// Documented parameters of the selected operations sent in a case.
    #[serde(default)]
    pub parameters: Measure,
    /// Request-body properties of the selected operations sent in a case.
    #[serde(default)]
    pub properties: Measure,
}

/// What a coverage figure counts (the keys of `--min-coverage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageKind {
    /// Selected operations with at least one judged case.
    Operations,
    /// Documented statuses observed in an answer.
    Statuses,
    /// Documented parameters sent.
    Parameters,
    /// Request-body properties sent.
    Properties,
}

impl CoverageKind {
    /// Every kind, in report order.
    pub const ALL: [CoverageKind; 4] = [
        CoverageKind::Operations,
        CoverageKind::Statuses,
        CoverageKind::Parameters,
        CoverageKind::Properties,
    ];

    /// The name in reports and in `--min-coverage`.
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageKind::Operations => "operations",
            CoverageKind::Statuses => "statuses",
            CoverageKind::Parameters => "parameters",
            CoverageKind::Properties => "properties",
        }
    }
}

/// One selected operation the run did not test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Untested {
    /// `operationId`.
    pub operation: String,
    /// Why (`logging in for sessionToken …: status 500`, `time budget of 0.001s spent before
    /// its first case`, …).
    pub reason: String,
}

impl Coverage {
    /// Selected operations tested, of those selected.
    pub fn operations(&self) -> Measure {
        Measure {
            covered: self.tested as u64,
            total: self.selected as u64,
        }
    }

    /// The measure of `kind`.
    pub fn measure(&self, kind: CoverageKind) -> Measure {
        match kind {
            CoverageKind::Operations => self.operations(),
            CoverageKind::Statuses => self.statuses,
            CoverageKind::Parameters => self.parameters,
            CoverageKind::Properties => self.properties,
        }
    }

    /// One line per kind: `operations 12/14 (85.7%), statuses 30/41 (73.2%), …`.
    pub fn measures(&self) -> String {
        CoverageKind::ALL
            .iter()
            .map(|k| format!("{} {}", k.as_str(), self.measure(*k).show()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether the run tested every operation it selected, and at least one.
    pub fn complete(&self) -> bool {
        self.untested.is_empty() && self.tested > 0
    }

    /// One line: `12 of 14 selected operations tested, 2 untested; 340 cases`.
    pub fn summary(&self) -> String {
        format!(
            "{} of {} selected operations tested, {} untested; {} cases",
            self.tested,
            self.selected,
            self.untested.len(),
            self.cases
        )
    }
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

    /// What the run covered of what it selected.
    pub fn coverage(&self) -> Coverage {
        let mut coverage = Coverage {
            cases: self.stats.cases,
            ..Coverage::default()
        };
        for op in self.operations.iter().filter(|o| o.selected()) {
            coverage.selected += 1;
            match op.untested() {
                Some(reason) => coverage.untested.push(Untested {
                    operation: op.operation.clone(),
                    reason,
                }),
                None => coverage.tested += 1,
            }
            coverage.statuses += op.coverage.statuses();
            coverage.parameters += op.coverage.parameters();
            coverage.properties += op.coverage.properties();
        }
        coverage
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
