//! The conformance runner: for each selected operation, generate cases phase by phase, send
//! them to the server under test, judge every answer with the selected checks, shrink random
//! failures to a smaller request, and follow the spec's links for stateful sequences.
//!
//! Operations run concurrently (`workers` at a time); within an operation cases go one after
//! another so that shrinking and stateful sequences see their own answers in order.

pub mod config;
pub mod links;
pub mod pace;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config as PropConfig, RngAlgorithm, TestRng, TestRunner};

use crate::auth::Session;
use crate::case::{Auth, Case, Intent, Phase};
use crate::checks::{Check, CheckContext, Failure, Outcome};
use crate::exchange::Exchange;
use crate::generate;
use crate::outcome::{FailureRecord, OperationResult, RunResult, Stats, Tally};
use crate::secrets::Redactor;
use crate::spec::{Operation, Spec};
use crate::wire::{self, Credentials};

pub use config::{CheckSelection, Filters, RunConfig, UNSAFE_METHODS};
use pace::Pace;

/// Hears about a run as it goes (the CLI's progress bar).
pub trait Observer: Send + Sync {
    /// The run plans `cases` more cases (called as each operation reaches each phase, so the
    /// total grows while the run goes).
    fn planned(&self, _cases: u64) {}
    /// One case of `operation` was judged.
    fn case_done(&self, _operation: &str) {}
    /// A new failure was found.
    fn failure(&self, _failure: &FailureRecord, _redactor: &Redactor) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default)]
pub struct Quiet;

impl Observer for Quiet {}

/// The tags of an operation, read from the spec document.
pub fn tags(spec: &Spec, op: &Operation) -> Vec<String> {
    spec.root
        .pointer(&format!(
            "/paths/{}/{}/tags",
            op.path.replace('~', "~0").replace('/', "~1"),
            op.method.to_ascii_lowercase()
        ))
        .and_then(|t| t.as_array())
        .map(|t| {
            t.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Why an operation is not run, or `None` when it is.
fn exclusion(spec: &Spec, op: &Operation, config: &RunConfig) -> Option<String> {
    if !config.filters.selects(op, &tags(spec, op)) {
        return Some("filtered out".into());
    }
    if config.read_only && UNSAFE_METHODS.contains(&op.method.to_ascii_uppercase().as_str()) {
        return Some("read-only mode".into());
    }
    None
}

/// One planned operation (for `--dry-run`): the operation and the deterministic cases it will
/// send before the random phases.
#[derive(Debug, Clone)]
pub struct PlannedOperation {
    /// `operationId`.
    pub operation: String,
    /// Method and path.
    pub label: String,
    /// Deterministic cases per phase, plus `max_examples` per random phase.
    pub cases: BTreeMap<Phase, u64>,
    /// Why it will not run, if it will not.
    pub skipped: Option<String>,
}

/// What a run would do, without sending anything.
pub fn plan(spec: &Spec, config: &RunConfig) -> Vec<PlannedOperation> {
    spec.operations
        .iter()
        .map(|op| {
            let skipped = exclusion(spec, op, config);
            let mut cases = BTreeMap::new();
            if skipped.is_none() {
                for phase in &config.phases {
                    cases.insert(*phase, planned_cases(spec, op, *phase, config));
                }
            }
            PlannedOperation {
                operation: op.id.clone(),
                label: format!("{} {}", op.method.to_ascii_uppercase(), op.path),
                cases,
                skipped,
            }
        })
        .collect()
}

fn planned_cases(spec: &Spec, op: &Operation, phase: Phase, config: &RunConfig) -> u64 {
    let n = config.max_examples as u64;
    match phase {
        Phase::Examples => generate::examples(spec, op).len() as u64,
        Phase::Boundary => generate::boundary(spec, op).len() as u64,
        Phase::Positive => n,
        Phase::Negative => generate::negative_fixed(spec, op).len() as u64 + n,
        Phase::Protocol => generate::examples(spec, op)
            .first()
            .map(|base| generate::protocol(spec, op, base).len() as u64)
            .unwrap_or(0),
        Phase::Stateful => match links::of(spec, &op.id).len() as u64 {
            0 => 0,
            // The operation itself, then each link it declares.
            n => n + 1,
        },
    }
}

/// A run against one server.
pub struct Runner {
    spec: Arc<Spec>,
    base_url: String,
    config: RunConfig,
    redactor: Redactor,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// The shared state of a run's workers.
struct Shared {
    spec: Arc<Spec>,
    base_url: String,
    config: RunConfig,
    session: Session,
    pace: Pace,
    redactor: Redactor,
    observer: Arc<dyn Observer>,
    stats: Mutex<Stats>,
    stopped: Mutex<Option<String>>,
    /// Held shared by every phase and alone by a stateful sequence, so that a sequence sees
    /// only its own writes (another operation's example may re-create what it deleted).
    sequences: tokio::sync::RwLock<()>,
}

impl Runner {
    /// A run of `spec` against `base_url`; `redactor` learns every secret the run handles.
    pub fn new(spec: Arc<Spec>, base_url: &str, config: RunConfig, redactor: Redactor) -> Runner {
        Runner {
            spec,
            base_url: base_url.trim_end_matches('/').to_owned(),
            config,
            redactor,
        }
    }

    /// Run with `credentials` (scheme → value) plus whatever the API's login flows obtain.
    pub async fn run(self, credentials: Credentials, observer: Arc<dyn Observer>) -> RunResult {
        let started = Instant::now();
        let spec = self.spec.clone();
        let selected: Vec<&Operation> = spec
            .operations
            .iter()
            .filter(|op| exclusion(&spec, op, &self.config).is_none())
            .collect();
        let needed: BTreeSet<String> = selected
            .iter()
            .filter_map(|op| wire::requirement(op, &credentials))
            .flatten()
            .cloned()
            .collect();
        let client = match wire::client(self.config.timeout) {
            Ok(c) => c,
            Err(why) => {
                return RunResult {
                    api: spec.name(),
                    base_url: self.base_url.clone(),
                    seed: self.config.seed,
                    operations: spec
                        .operations
                        .iter()
                        .map(|op| skipped(op, why.clone()))
                        .collect(),
                    stopped_early: Some(why),
                    ..RunResult::default()
                };
            }
        };
        let session = Session::establish(
            spec.clone(),
            client,
            &self.base_url,
            self.redactor.clone(),
            credentials,
            &needed,
        )
        .await;
        let shared = Arc::new(Shared {
            spec: spec.clone(),
            base_url: self.base_url.clone(),
            pace: Pace::new(
                self.config.rate_limit,
                self.config.max_requests,
                self.config.time_budget,
                self.config.max_retry_after,
            ),
            config: self.config,
            session,
            redactor: self.redactor,
            observer,
            stats: Mutex::new(Stats::default()),
            stopped: Mutex::new(None),
            sequences: tokio::sync::RwLock::new(()),
        });
        let (operations, failures) = run_workers(&shared).await;
        let stats = *shared.stats.lock().unwrap_or_else(|e| e.into_inner());
        let stopped_early = shared
            .stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        RunResult {
            api: spec.name(),
            base_url: shared.base_url.clone(),
            seed: shared.config.seed,
            duration: started.elapsed(),
            operations,
            failures,
            stats,
            stopped_early,
        }
    }
}

/// Run every selected operation on `workers` threads, each with a single-threaded runtime and
/// an HTTP client of its own, taking operations from a shared counter. A request then never
/// hops between threads (the hops cost more than the request on loopback), and proptest's value
/// trees, which are not `Send`, stay on the thread that made them.
async fn run_workers(shared: &Arc<Shared>) -> (Vec<OperationResult>, Vec<FailureRecord>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let spec = &shared.spec;
    let mut slots: Vec<Option<OperationResult>> = spec
        .operations
        .iter()
        .map(|op| exclusion(spec, op, &shared.config).map(|why| skipped(op, why)))
        .collect();
    let queue: Arc<Vec<usize>> = Arc::new(
        slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_none())
            .map(|(i, _)| i)
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = std::sync::mpsc::channel();
    let mut threads = Vec::new();
    for _ in 0..shared.config.workers.max(1).min(queue.len().max(1)) {
        let (shared, queue, next, tx) = (shared.clone(), queue.clone(), next.clone(), tx.clone());
        threads.push(std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!("cannot start a worker runtime: {e}");
                    return;
                }
            };
            let client = match wire::client(shared.config.timeout) {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!("{e}");
                    return;
                }
            };
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&index) = queue.get(i) else {
                    return;
                };
                let op = &shared.spec.operations[index];
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    runtime.block_on(OperationRun::new(&shared, op, &client).run())
                }));
                let outcome = outcome.map_err(|panic| {
                    let why = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_default();
                    skipped(op, format!("internal error of the runner: {why}"))
                });
                if tx.send((index, outcome)).is_err() {
                    return;
                }
            }
        }));
    }
    drop(tx);
    let received = tokio::task::spawn_blocking(move || {
        let received: Vec<_> = rx.iter().collect();
        for thread in threads {
            let _ = thread.join();
        }
        received
    })
    .await
    .unwrap_or_default();
    let mut failures = Vec::new();
    for (index, outcome) in received {
        match outcome {
            Ok((result, found)) => {
                slots[index] = Some(result);
                failures.extend(found);
            }
            Err(result) => slots[index] = Some(result),
        }
    }
    // Failures in spec order, whatever order the workers finished in.
    let order: std::collections::HashMap<&str, usize> = spec
        .operations
        .iter()
        .enumerate()
        .map(|(i, op)| (op.id.as_str(), i))
        .collect();
    failures.sort_by_key(|f| {
        order
            .get(f.operation.as_str())
            .copied()
            .unwrap_or(usize::MAX)
    });
    let operations = slots
        .into_iter()
        .zip(&spec.operations)
        .map(|(slot, op)| slot.unwrap_or_else(|| skipped(op, "not run: a worker stopped".into())))
        .collect();
    (operations, failures)
}

fn skipped(op: &Operation, reason: String) -> OperationResult {
    OperationResult {
        operation: op.id.clone(),
        method: op.method.to_ascii_uppercase(),
        path: op.path.clone(),
        skipped: Some(reason),
        ..OperationResult::default()
    }
}

/// A 64-bit seed per operation and phase, so that filtering operations does not change what
/// another operation gets.
fn seed_for(seed: u64, operation: &str, phase: Phase) -> [u8; 32] {
    // FNV-1a over the operationId and phase, mixed with the run seed.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in operation.bytes().chain(phase.as_str().bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let v = h.rotate_left(i as u32 * 13) ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    out
}

/// One operation's share of a run.
struct OperationRun<'a> {
    shared: &'a Shared,
    /// This worker thread's HTTP client.
    client: &'a reqwest::Client,
    op: &'a Operation,
    checks: Vec<&'static dyn Check>,
    /// How the server will read this operation's requests: decides which generated cases are
    /// really valid (or really invalid) before they are sent.
    readback: generate::Readback,
    result: OperationResult,
    failures: Vec<FailureRecord>,
    /// (code, expected) of failures already recorded: one record per kind of failure.
    seen: BTreeSet<(String, String)>,
}

/// What judging one exchange found.
struct Verdict {
    exchange: Exchange,
    /// Checks that applied and held.
    passed: Vec<&'static str>,
    failed: Vec<(&'static dyn Check, Failure)>,
}

impl<'a> OperationRun<'a> {
    fn new(shared: &'a Shared, op: &'a Operation, client: &'a reqwest::Client) -> Self {
        OperationRun {
            shared,
            client,
            op,
            checks: shared.config.checks.for_operation(&op.id),
            readback: generate::Readback::new(&shared.spec, op),
            result: OperationResult {
                operation: op.id.clone(),
                method: op.method.to_ascii_uppercase(),
                path: op.path.clone(),
                ..OperationResult::default()
            },
            failures: Vec::new(),
            seen: BTreeSet::new(),
        }
    }

    fn stopped(&self) -> bool {
        self.shared
            .stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    fn stop(&self, why: String) {
        let mut stopped = self
            .shared
            .stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        stopped.get_or_insert(why);
    }

    fn stat(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut self.shared.stats.lock().unwrap_or_else(|e| e.into_inner()));
    }

    async fn run(mut self) -> (OperationResult, Vec<FailureRecord>) {
        let (credentials, _) = self.shared.session.current().await;
        if let Some(reason) = self.missing_credentials(&credentials) {
            self.result.skipped = Some(reason);
            return (self.result, self.failures);
        }
        let spec = self.shared.spec.clone();
        let examples = generate::examples(&spec, self.op);
        let random = self.shared.config.max_examples as u64;
        let observer = self.shared.observer.clone();
        for phase in self.shared.config.phases.clone() {
            if self.stopped() {
                break;
            }
            // A sequence runs alone: another operation's example could re-create what it
            // deleted (or delete what it created) between its requests.
            let alone = phase == Phase::Stateful && !links::of(&spec, &self.op.id).is_empty();
            let (_shared, _alone) = if alone {
                (None, Some(self.shared.sequences.write().await))
            } else {
                (Some(self.shared.sequences.read().await), None)
            };
            match phase {
                Phase::Examples => {
                    observer.planned(examples.len() as u64);
                    for case in examples.clone() {
                        self.fixed(case, true).await;
                    }
                }
                Phase::Boundary => {
                    let cases = generate::boundary(&spec, self.op);
                    observer.planned(cases.len() as u64);
                    for case in cases {
                        self.fixed(case, true).await;
                    }
                }
                Phase::Positive => match generate::positive(&spec, self.op) {
                    Ok(strategy) => {
                        observer.planned(random);
                        self.random(strategy, Phase::Positive, true).await
                    }
                    Err(e) => self.note_generation_error(e.to_string()),
                },
                Phase::Negative => {
                    let cases = generate::negative_fixed(&spec, self.op);
                    observer.planned(cases.len() as u64 + random);
                    for case in cases {
                        self.fixed(case, false).await;
                    }
                    match generate::negative(&spec, self.op) {
                        Ok(strategy) => self.random(strategy, Phase::Negative, false).await,
                        // Nothing to break is not a problem: the phase has nothing to do.
                        Err(generate::GenError::NothingToBreak { .. }) => {}
                        Err(e) => self.note_generation_error(e.to_string()),
                    }
                }
                Phase::Protocol => {
                    if let Some(base) = examples.first() {
                        let cases = generate::protocol(&spec, self.op, base);
                        observer.planned(cases.len() as u64);
                        for case in cases {
                            self.send_and_judge(case).await;
                        }
                    }
                }
                Phase::Stateful => {
                    if let Some(base) = examples.first() {
                        self.stateful(base.clone()).await;
                    }
                }
            }
        }
        (self.result, self.failures)
    }

    fn note_generation_error(&mut self, error: String) {
        tracing::warn!(operation = %self.op.id, "cannot generate cases: {error}");
        self.stat(|s| s.discarded += 1);
    }

    /// Why the operation cannot run with these credentials, if it cannot.
    fn missing_credentials(&self, credentials: &Credentials) -> Option<String> {
        let set = wire::requirement(self.op, credentials)?;
        let missing: Vec<&String> = set
            .iter()
            .filter(|s| !credentials.contains_key(*s))
            .collect();
        if missing.is_empty() {
            return None;
        }
        let why: Vec<String> = missing
            .iter()
            .map(|scheme| {
                let login = self
                    .shared
                    .session
                    .missing()
                    .iter()
                    .find(|e| &&e.scheme == scheme)
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default();
                format!(
                    "no credential for `{scheme}`: set {}{login}",
                    crate::secrets::env_var(scheme)
                )
            })
            .collect();
        Some(why.join("; "))
    }

    /// A deterministic case: sent when the generator's claim about it holds (valid cases must
    /// validate, invalid ones must not), otherwise discarded.
    async fn fixed(&mut self, case: Case, should_be_valid: bool) {
        if self.admissible(&case, should_be_valid) {
            self.send_and_judge(case).await;
        } else {
            self.stat(|s| s.discarded += 1);
        }
    }

    fn admissible(&self, case: &Case, should_be_valid: bool) -> bool {
        if should_be_valid {
            self.readback.problems(case).is_empty()
        } else {
            self.readback.only_contract_problems(case)
        }
    }

    /// Draw `max_examples` cases from `strategy`; shrink the first failure of each kind.
    async fn random(&mut self, strategy: BoxedStrategy<Case>, phase: Phase, valid: bool) {
        let seed = seed_for(self.shared.config.seed, &self.op.id, phase);
        let mut runner = TestRunner::new_with_rng(
            PropConfig::default(),
            TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
        );
        for _ in 0..self.shared.config.max_examples {
            if self.stopped() {
                return;
            }
            let Ok(mut tree) = strategy.new_tree(&mut runner) else {
                self.stat(|s| s.discarded += 1);
                continue;
            };
            let case = tree.current();
            if !self.admissible(&case, valid) {
                self.stat(|s| s.discarded += 1);
                continue;
            }
            let Some(verdict) = self.send(case).await else {
                continue;
            };
            let new: Vec<(&'static dyn Check, Failure)> = verdict
                .failed
                .iter()
                .filter(|(c, f)| {
                    !self
                        .seen
                        .contains(&(c.code().to_owned(), f.expected.clone()))
                })
                .cloned()
                .collect();
            self.tally(&verdict);
            for (check, failure) in new {
                let (exchange, failure) = self
                    .shrink(&mut tree, check, verdict.exchange.clone(), failure, valid)
                    .await;
                self.record(check, failure, exchange);
            }
        }
    }

    /// Simplify a failing case as long as the same check keeps failing, within the budget.
    async fn shrink(
        &mut self,
        tree: &mut Box<dyn ValueTree<Value = Case>>,
        check: &'static dyn Check,
        exchange: Exchange,
        failure: Failure,
        valid: bool,
    ) -> (Exchange, Failure) {
        let mut best = (exchange, failure);
        let mut budget = self.shared.config.max_shrink_requests;
        let mut last_failed = true;
        while budget > 0 && !self.stopped() {
            let moved = if last_failed {
                tree.simplify()
            } else {
                tree.complicate()
            };
            if !moved {
                break;
            }
            let case = tree.current();
            if !self.admissible(&case, valid) {
                last_failed = false;
                continue;
            }
            budget -= 1;
            self.stat(|s| s.shrink_requests += 1);
            let Some(exchange) = self.exchange(case).await else {
                break;
            };
            match self.judge_one(check, &exchange) {
                Outcome::Fail(f) => {
                    best = (exchange, f);
                    last_failed = true;
                }
                _ => last_failed = false,
            }
        }
        best
    }

    /// Send `case` and judge it with every selected check; records failures.
    async fn send_and_judge(&mut self, case: Case) -> Option<Exchange> {
        let verdict = self.send(case).await?;
        self.tally(&verdict);
        for (check, failure) in verdict.failed.clone() {
            self.record(check, failure, verdict.exchange.clone());
        }
        Some(verdict.exchange)
    }

    async fn send(&mut self, case: Case) -> Option<Verdict> {
        let exchange = self.exchange(case).await?;
        self.result.cases += 1;
        self.stat(|s| s.cases += 1);
        self.shared.observer.case_done(&self.op.id);
        let mut passed = Vec::new();
        let mut failed = Vec::new();
        for check in &self.checks {
            match self.judge_one(*check, &exchange) {
                Outcome::Pass => passed.push(check.code()),
                Outcome::Fail(f) => failed.push((*check, f)),
                Outcome::Skip => {}
            }
        }
        Some(Verdict {
            exchange,
            passed,
            failed,
        })
    }

    fn judge_one(&self, check: &'static dyn Check, exchange: &Exchange) -> Outcome {
        let cx = CheckContext {
            spec: &self.shared.spec,
            operation: self.op,
            settings: &self.shared.config.settings,
        };
        check.check(&cx, exchange)
    }

    fn tally(&mut self, verdict: &Verdict) {
        for code in &verdict.passed {
            self.tally_of(code).passed += 1;
        }
        for (check, _) in &verdict.failed {
            self.tally_of(check.code()).failed += 1;
        }
    }

    fn tally_of(&mut self, code: &str) -> &mut Tally {
        if !self.result.checks.contains_key(code) {
            self.result.checks.insert(code.to_owned(), Tally::default());
        }
        self.result.checks.get_mut(code).expect("inserted above")
    }

    fn record(&mut self, check: &'static dyn Check, failure: Failure, exchange: Exchange) {
        if !self
            .seen
            .insert((check.code().to_owned(), failure.expected.clone()))
        {
            return;
        }
        let record = FailureRecord {
            code: check.code().to_owned(),
            check: check.name().to_owned(),
            operation: self.op.id.clone(),
            failure,
            exchange,
            baselined: false,
        };
        self.shared.observer.failure(&record, &self.shared.redactor);
        self.failures.push(record);
    }

    /// Render, admit, send; retry once after a `Retry-After` pause and once after refreshing
    /// credentials the server stopped accepting.
    async fn exchange(&mut self, case: Case) -> Option<Exchange> {
        // Read-only mode sends nothing that may change state, protocol probes included.
        if self.shared.config.read_only
            && UNSAFE_METHODS.contains(&case.method.to_ascii_uppercase().as_str())
        {
            self.stat(|s| s.discarded += 1);
            return None;
        }
        let mut retried_rate = false;
        let mut retried_auth = false;
        loop {
            if let Err(why) = self.shared.pace.admit().await {
                self.stop(why.to_string());
                return None;
            }
            let (credentials, generation) = self.shared.session.current().await;
            self.stat(|s| s.requests += 1);
            let exchange = match wire::exchange(
                self.client,
                &self.shared.spec,
                case.clone(),
                &self.shared.base_url,
                &credentials,
            )
            .await
            {
                Ok(exchange) => exchange,
                Err(_) => {
                    self.stat(|s| {
                        s.discarded += 1;
                        s.requests -= 1;
                    });
                    return None;
                }
            };
            let Ok(response) = &exchange.response else {
                return Some(exchange);
            };
            if matches!(response.status, 429 | 503)
                && !retried_rate
                && let Some(wait) = response.header("retry-after").and_then(pace::retry_after)
            {
                self.stat(|s| s.rate_limited += 1);
                self.shared.pace.pause(wait);
                retried_rate = true;
                continue;
            }
            if response.status == 401
                && case.auth == Auth::Configured
                && !retried_auth
                && !self.op.security.iter().all(Vec::is_empty)
                && self.shared.session.refresh(generation, self.client).await
            {
                retried_auth = true;
                continue;
            }
            return Some(exchange);
        }
    }

    /// Send the operation's example, then follow its links: a read after a create should find
    /// the resource, a read after a delete should not.
    async fn stateful(&mut self, base: Case) {
        let first = links::of(&self.shared.spec, &self.op.id);
        if first.is_empty() {
            return;
        }
        let mut case = base;
        case.phase = Phase::Stateful;
        case.intent = Intent::Valid;
        let Some(exchange) = self.send_and_judge(case).await else {
            return;
        };
        self.follow(exchange, 0).await;
    }

    async fn follow(&mut self, from: Exchange, depth: usize) {
        const MAX_DEPTH: usize = 3;
        let Ok(response) = &from.response else {
            return;
        };
        if depth >= MAX_DEPTH || !(200..300).contains(&response.status) {
            return;
        }
        let shared: &'a Shared = self.shared;
        let spec: &'a Spec = &shared.spec;
        let source = spec.operation(&from.case.operation).unwrap_or(self.op);
        for link in links::of(spec, &source.id) {
            if link.status != response.status {
                continue;
            }
            let Some(target) = spec.operation(&link.operation) else {
                continue;
            };
            let Some(mut case) = generate::examples(spec, target).into_iter().next() else {
                continue;
            };
            let mut complete = true;
            for (name, expression) in &link.parameters {
                let Some(value) = links::evaluate(expression, &from) else {
                    complete = false;
                    break;
                };
                let (location, name) = match name.split_once('.') {
                    Some((loc @ ("path" | "query" | "header"), n)) => (loc, n),
                    _ => (location_of(target, name), name.as_str()),
                };
                let slot = match location {
                    "query" => &mut case.query,
                    "header" => &mut case.headers,
                    _ => &mut case.path_params,
                };
                slot.insert(name.to_owned(), value);
            }
            if !complete {
                continue;
            }
            let source_method = source.method.to_ascii_uppercase();
            let target_method = target.method.to_ascii_uppercase();
            case.phase = Phase::Stateful;
            case.intent = match (source_method.as_str(), target_method.as_str()) {
                ("DELETE", "GET") => Intent::AfterDelete {
                    deleted_by: source.id.clone(),
                },
                ("POST" | "PUT", "GET") => Intent::AfterCreate {
                    created_by: source.id.clone(),
                },
                _ => Intent::Valid,
            };
            let run_as = OperationRun::new(self.shared, target, self.client);
            // Judge the follow-up with the target operation's checks and documentation, but
            // keep tallies and failures in this run (the sequence belongs to the source).
            let checks = std::mem::replace(&mut self.checks, run_as.checks);
            let readback = std::mem::replace(&mut self.readback, run_as.readback);
            let op = std::mem::replace(&mut self.op, target);
            let next = self.send_and_judge(case).await;
            self.checks = checks;
            self.readback = readback;
            self.op = op;
            if let Some(next) = next {
                Box::pin(self.follow(next, depth + 1)).await;
            }
        }
    }
}

/// Where a link parameter without a location prefix goes: the target's parameter of that name.
fn location_of(op: &Operation, name: &str) -> &'static str {
    use crate::spec::ParamLocation;
    match op
        .parameters
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.location)
    {
        Some(ParamLocation::Query) => "query",
        Some(ParamLocation::Header) => "header",
        _ => "path",
    }
}
