//! What a run does: which operations, which phases and checks, how hard it may push the server.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::case::Phase;
use crate::checks::{self, Check, CheckSettings};
use crate::pattern;
use gamespec_spec::spec::Operation;

/// Methods that change state; read-only mode leaves operations using them out.
pub const UNSAFE_METHODS: [&str; 4] = ["POST", "PUT", "PATCH", "DELETE"];

/// Which operations run. Every non-empty list must match (`--operation`, `--tag`, `--method`);
/// `exclude` removes matches. Operation patterns allow `*` globs ([`crate::pattern`]).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// `operationId` patterns to include.
    pub operations: Vec<String>,
    /// `operationId` patterns to leave out.
    pub exclude: Vec<String>,
    /// Tags to include.
    pub tags: Vec<String>,
    /// Methods to include (upper case).
    pub methods: Vec<String>,
}

impl Filters {
    /// Whether `op` (with its `tags`) is selected.
    pub fn selects(&self, op: &Operation, tags: &[String]) -> bool {
        (self.operations.is_empty() || self.operations.iter().any(|p| pattern::matches(p, &op.id)))
            && !self.exclude.iter().any(|p| pattern::matches(p, &op.id))
            && (self.tags.is_empty() || tags.iter().any(|t| self.tags.contains(t)))
            && (self.methods.is_empty()
                || self
                    .methods
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(&op.method)))
    }
}

/// The checks that run, with per-operation exceptions.
#[derive(Debug, Clone)]
pub struct CheckSelection {
    /// Codes enabled for every operation.
    pub enabled: BTreeSet<&'static str>,
    /// Per `operationId`: codes switched off for it.
    pub disabled_for: BTreeMap<String, BTreeSet<&'static str>>,
    /// Per `operationId`: codes switched on for it (on top of `enabled`).
    pub enabled_for: BTreeMap<String, BTreeSet<&'static str>>,
}

impl Default for CheckSelection {
    fn default() -> Self {
        CheckSelection {
            enabled: checks::registry()
                .iter()
                .filter(|c| c.on_by_default())
                .map(|c| c.code())
                .collect(),
            disabled_for: BTreeMap::new(),
            enabled_for: BTreeMap::new(),
        }
    }
}

impl CheckSelection {
    /// The checks that run on `operation`, in code order.
    pub fn for_operation(&self, operation: &str) -> Vec<&'static dyn Check> {
        let off = self.disabled_for.get(operation);
        let on = self.enabled_for.get(operation);
        checks::registry()
            .iter()
            .copied()
            .filter(|c| {
                (self.enabled.contains(c.code()) || on.is_some_and(|s| s.contains(c.code())))
                    && !off.is_some_and(|s| s.contains(c.code()))
            })
            .collect()
    }
}

/// Everything a run needs besides the spec and the server.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Which operations.
    pub filters: Filters,
    /// Leave out operations with unsafe methods.
    pub read_only: bool,
    /// Phases to run, in [`Phase::ALL`] order.
    pub phases: BTreeSet<Phase>,
    /// Cases drawn per operation in each random phase (positive, negative).
    pub max_examples: u32,
    /// Seed of every random choice.
    pub seed: u64,
    /// Checks.
    pub checks: CheckSelection,
    /// Check settings.
    pub settings: CheckSettings,
    /// Operations tested at the same time.
    pub workers: usize,
    /// Threads the workers share (at most one per worker); `None`: one per core, or half the
    /// cores when the server is on loopback ([`super::threads::threads`]).
    pub threads: Option<usize>,
    /// Stop after this many requests.
    pub max_requests: Option<u64>,
    /// Stop starting cases after this long.
    pub time_budget: Option<Duration>,
    /// At most this many requests per second (over the whole run).
    pub rate_limit: Option<u32>,
    /// Fuzz mode: after a first round of every selected phase, keep drawing random cases (a new
    /// seed per round) for every operation in turn until the time budget (or request budget) is
    /// spent; without a budget it stops after the first round.
    pub fuzz: bool,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Requests spent at most shrinking one failure.
    pub max_shrink_requests: u32,
    /// Longest pause a `Retry-After` gets (`--max-retry-pause`); a longer one is honoured for
    /// this long before the retry. Never past the time budget.
    pub max_retry_after: Duration,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            filters: Filters::default(),
            read_only: false,
            phases: Phase::ALL.into_iter().collect(),
            max_examples: 10,
            seed: 0,
            checks: CheckSelection::default(),
            settings: CheckSettings::default(),
            workers: 8,
            threads: None,
            max_requests: None,
            time_budget: None,
            rate_limit: None,
            fuzz: false,
            timeout: Duration::from_secs(10),
            max_shrink_requests: 64,
            max_retry_after: Duration::from_secs(10),
        }
    }
}
