//! The conformance runner: for each selected operation, generate cases phase by phase, send
//! them to the server under test, judge every answer with the selected checks, shrink random
//! failures to a smaller request, and follow the spec's links for stateful sequences.
//!
//! Operations run concurrently (`workers` at a time); within an operation cases go one after
//! another so that shrinking and stateful sequences see their own answers in order. This module
//! holds the run as a whole (workers, sessions, results); `operation` one operation's phases,
//! `stateful` the link-following phase, [`pace`] budgets and rate limits.

mod ahead;
pub mod config;
pub mod inferred;
pub mod links;
mod operation;
pub mod pace;
mod stateful;
pub mod threads;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::auth::Session;
use crate::case::Phase;
use crate::generate;
use crate::outcome::{FailureRecord, OperationResult, RunResult, Stats};
use crate::secrets::Redactor;
use crate::wire::{self, Credentials};
use gamespec_spec::spec::{Operation, Spec};

pub use config::{CheckSelection, Filters, RunConfig, UNSAFE_METHODS};
use operation::OperationRun;
use pace::Pace;

/// Answers over [`wire::LARGE_BODY`] read and judged at once. One: measured against a server
/// answering 15 MB bodies to 39 operations with 8 workers (release build), the peak was 196 MB
/// with one and 271 MB with two, since an allocator keeps a worker's freed blocks while the
/// worker waits for the gate.
const LARGE_BODIES_AT_ONCE: usize = 1;

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
pub(crate) fn exclusion(spec: &Spec, op: &Operation, config: &RunConfig) -> Option<String> {
    if !config.filters.selects(op, &tags(spec, op)) {
        return Some(crate::outcome::FILTERED_OUT.into());
    }
    if config.read_only && UNSAFE_METHODS.contains(&op.method.to_ascii_uppercase().as_str()) {
        return Some(crate::outcome::READ_ONLY.into());
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

/// What a run would do, without sending anything. Takes time linear in the number of
/// operations: one routing table serves every operation's read-back.
pub fn plan(spec: &Spec, config: &RunConfig) -> Vec<PlannedOperation> {
    let table = generate::RouteTable::new(spec);
    spec.operations
        .iter()
        .enumerate()
        .map(|(index, op)| {
            let skipped = exclusion(spec, op, config);
            let mut cases = BTreeMap::new();
            if skipped.is_none() {
                let readback = generate::Readback::with_table(spec, op, index, &table);
                for phase in &config.phases {
                    cases.insert(*phase, planned_cases(spec, op, &readback, *phase, config));
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

fn planned_cases(
    spec: &Spec,
    op: &Operation,
    readback: &generate::Readback,
    phase: Phase,
    config: &RunConfig,
) -> u64 {
    let n = config.max_examples as u64;
    match phase {
        Phase::Examples => generate::examples(spec, op).len() as u64,
        Phase::Boundary => generate::boundary_with(spec, op, readback).len() as u64,
        Phase::Positive => n,
        Phase::Negative => generate::negative_fixed_with(spec, op, readback).len() as u64 + n,
        Phase::Protocol => generate::examples(spec, op)
            .first()
            .map(|base| {
                let selected = |o: &Operation| exclusion(spec, o, config).is_none();
                generate::protocol_among(spec, op, base, &selected).len() as u64
            })
            .unwrap_or(0),
        Phase::Stateful => match links::of_operation(spec, op).len() as u64 {
            0 => 0,
            // The operation itself, then each link it declares.
            n => n + 1,
        },
    }
}

/// The seed of random phase `phase` of `operation` in round `round`: round 0 is the run's
/// random phase, later ones a fuzz run's rounds.
fn round_seed(seed: u64, operation: &str, phase: Phase, round: u64) -> [u8; 32] {
    match round {
        0 => case_seed(seed, operation, phase.as_str()),
        n => case_seed(seed, operation, &format!("{}#{n}", phase.as_str())),
    }
}

/// The seed of the cases drawn for `operation` under `tag` (a phase, a property): a function
/// of the run's `seed` and those two only, so that selecting other operations does not change
/// what this one gets. The runner and the property tests draw with it.
pub fn case_seed(seed: u64, operation: &str, tag: &str) -> [u8; 32] {
    // FNV-1a over the operationId and tag, mixed with the run seed.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in operation.bytes().chain(tag.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let v = h.rotate_left(i as u32 * 13) ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    out
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
pub(crate) struct Shared {
    spec: Arc<Spec>,
    base_url: String,
    config: RunConfig,
    session: Session,
    pace: Pace,
    redactor: Redactor,
    observer: Arc<dyn Observer>,
    stats: Mutex<Stats>,
    stopped: Mutex<Option<String>>,
    /// Whether `stopped` is set, read by every case without taking its lock.
    halted: std::sync::atomic::AtomicBool,
    /// The routing every operation's read-back shares.
    routes: generate::RouteTable,
    /// What each operation's negative phase breaks, by operation index: worked out on first
    /// use by the lane or the drawer, for the fixed cases and the random strategy alike.
    breakables: Vec<std::sync::OnceLock<Option<generate::Breakable>>>,
    /// How many answers over 1 MiB are held at once, whatever `workers` is.
    large_bodies: wire::LargeBodies,
    /// Held shared by every phase and alone by a stateful sequence, so that a sequence sees
    /// only its own writes (another operation's example may re-create what it deleted).
    sequences: tokio::sync::RwLock<()>,
}

impl Shared {
    /// What operation `index` has to break, as `readback` (its read-back) reads it.
    fn breakable(
        &self,
        index: usize,
        readback: &generate::Readback,
    ) -> Option<&generate::Breakable> {
        let slot = self.breakables.get(index)?;
        slot.get_or_init(|| {
            generate::Breakable::of(&self.spec, &self.spec.operations[index], readback)
        })
        .as_ref()
    }
}

impl Runner {
    /// A run of `spec` against `base_url`; `redactor` learns every secret the run handles,
    /// the userinfo of `base_url` included (the result names the URL without it).
    pub fn new(spec: Arc<Spec>, base_url: &str, config: RunConfig, redactor: Redactor) -> Runner {
        redactor.add_url_userinfo(base_url);
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
        let client = wire::client(self.config.timeout);
        // The time budget counts from here, logins included.
        let pace = Pace::new(
            self.config.rate_limit,
            self.config.max_requests,
            self.config.time_budget,
            self.config.max_retry_after,
        );
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
            pace,
            config: self.config,
            session,
            redactor: self.redactor,
            observer,
            stats: Mutex::new(Stats::default()),
            stopped: Mutex::new(None),
            halted: std::sync::atomic::AtomicBool::new(false),
            large_bodies: wire::LargeBodies::new(LARGE_BODIES_AT_ONCE),
            routes: generate::RouteTable::new(&spec),
            breakables: spec.operations.iter().map(|_| Default::default()).collect(),
            sequences: tokio::sync::RwLock::new(()),
        });
        let (operations, failures) = run_workers(&shared).await;
        let stats = *shared.stats.lock().unwrap_or_else(|e| e.into_inner());
        let mut stopped_early = shared
            .stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        // A fuzz run ends when its time budget does: that is its planned end, not an early one.
        if shared.config.fuzz && stopped_early == Some(shared.pace.time_spent().to_string()) {
            stopped_early = None;
        }
        RunResult {
            api: spec.name(),
            base_url: crate::secrets::display_url(&shared.base_url),
            seed: shared.config.seed,
            duration: started.elapsed(),
            operations,
            failures,
            stats,
            stopped_early,
        }
    }
}

/// Run every selected operation on `workers` lanes spread over [`threads::threads`] threads,
/// each thread with a single-threaded runtime and an HTTP client of its own, the lanes taking
/// operations from a shared counter (fuzz lanes keep theirs). A request then never
/// hops between threads (the hops cost more than the request on loopback), and proptest's value
/// trees, which are not `Send`, stay on the thread that made them.
async fn run_workers(shared: &Arc<Shared>) -> (Vec<OperationResult>, Vec<FailureRecord>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let spec = &shared.spec;
    let mut slots: Vec<Option<OperationResult>> = spec
        .operations
        .iter()
        .map(|op| exclusion(spec, op, &shared.config).map(|why| skipped(spec, op, why)))
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
    let lanes = shared.config.workers.max(1).min(queue.len().max(1));
    // Workers are lanes on at most one thread per core: a lane waiting for its answer hands
    // the thread to another lane instead of the kernel switching threads (measured: a fifth of
    // a fuzz run's time was thread switches).
    let threads = threads::threads(shared.config.threads, &shared.base_url, lanes);
    // A run that leaves a core to spare draws its random rounds there (dropped, it stops).
    // A fuzz lane `l` of `lanes` keeps every `lanes`-th operation for itself.
    let cycles: Vec<Vec<usize>> = match shared.config.fuzz {
        true => (0..lanes)
            .map(|l| queue.iter().copied().skip(l).step_by(lanes).collect())
            .collect(),
        false => vec![queue.to_vec()],
    };
    let drawer = (threads < threads::cores()).then(|| ahead::Drawer::start(shared, cycles.clone()));
    let mut handles = Vec::new();
    for t in 0..threads {
        let (shared, queue, next, tx) = (shared.clone(), queue.clone(), next.clone(), tx.clone());
        let cycles = cycles.clone();
        let ahead = drawer.as_ref().map(|d| d.ahead().clone());
        handles.push(std::thread::spawn(move || {
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
            let client = wire::client(shared.config.timeout);
            // Thread `t` of `threads` runs lanes t, t + threads, …
            let mine = (t..lanes).step_by(threads);
            if shared.config.fuzz {
                let mine: Vec<Vec<usize>> = mine.filter_map(|l| cycles.get(l).cloned()).collect();
                for (index, result, found) in
                    fuzz(&shared, &runtime, &client, &mine, ahead.as_deref())
                {
                    if tx.send((index, Ok((result, found)))).is_err() {
                        return;
                    }
                }
                return;
            }
            // Otherwise every lane takes the next operation of the shared queue, and runs the
            // stateful phases of its operations once the queue is empty.
            let lane = || async {
                let mut waiting = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&index) = queue.get(i) else {
                        break;
                    };
                    match guarded(
                        &shared,
                        index,
                        OperationRun::new(&shared, index, &client, ahead.as_deref()),
                        OperationRun::phases,
                    )
                    .await
                    {
                        Ok(run) => waiting.push((index, run)),
                        Err(result) => {
                            if tx.send((index, Err(result))).is_err() {
                                return;
                            }
                        }
                    }
                }
                for (index, run) in waiting {
                    let outcome = guarded(&shared, index, run, OperationRun::sequences)
                        .await
                        .map(OperationRun::finish);
                    if tx.send((index, outcome)).is_err() {
                        return;
                    }
                }
            };
            runtime.block_on(futures_util::future::join_all(mine.map(|_| lane())));
        }));
    }
    drop(tx);
    let received = tokio::task::spawn_blocking(move || {
        let received: Vec<_> = rx.iter().collect();
        for handle in handles {
            let _ = handle.join();
        }
        received
    })
    .await
    .unwrap_or_default();
    drop(drawer);
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
        .map(|(slot, op)| {
            slot.unwrap_or_else(|| skipped(spec, op, "not run: a worker stopped".into()))
        })
        .collect();
    (operations, failures)
}

/// `run` (of operation `index`) after `step`, or, when the runner panicked in it, a skipped
/// result that says so (the other operations go on).
async fn guarded<'a, F>(
    shared: &Shared,
    index: usize,
    mut run: OperationRun<'a>,
    step: F,
) -> Result<OperationRun<'a>, OperationResult>
where
    F: for<'r> AsyncFnOnce(&'r mut OperationRun<'a>),
{
    use futures_util::FutureExt;
    std::panic::AssertUnwindSafe(async move {
        step(&mut run).await;
        run
    })
    .catch_unwind()
    .await
    .map_err(|panic| panicked(&shared.spec, index, &*panic))
}

/// The result of operation `index` when the runner panicked on it, with the panic's message.
fn panicked(spec: &Spec, index: usize, panic: &(dyn std::any::Any + Send)) -> OperationResult {
    let why = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default();
    let reason = format!("internal error of the runner: {why}");
    skipped(spec, &spec.operations[index], reason)
}

/// What a worker thread's share of a fuzz run gives back: per operation index, its result and
/// failures (a skipped result without failures when the runner panicked).
type Outcomes = Vec<(usize, OperationResult, Vec<FailureRecord>)>;

/// One thread's share of a fuzz run: its lanes, each a list of operations that it runs through
/// every selected phase once and then through fuzz rounds in turn, until a budget stops the
/// run; the lanes of a thread run concurrently. Each operation's state is its counters and at
/// most [`crate::outcome::MAX_FAILURES_KEPT`] failures per check, so the run holds as much after
/// an hour as after a minute.
fn fuzz(
    shared: &Arc<Shared>,
    runtime: &tokio::runtime::Runtime,
    client: &wire::Client,
    lanes: &[Vec<usize>],
    ahead: Option<&ahead::Ahead>,
) -> Outcomes {
    let mut runs: Vec<Vec<OperationRun>> = lanes
        .iter()
        .map(|mine| {
            mine.iter()
                .map(|&i| OperationRun::new(shared, i, client, ahead))
                .collect()
        })
        .collect();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(futures_util::future::join_all(
            runs.iter_mut().map(|lane| fuzz_lane(shared, lane)),
        ))
    }));
    let indices = lanes.iter().flatten().copied();
    match outcome {
        Ok(_) => indices
            .zip(runs.into_iter().flatten())
            .map(|(i, run)| {
                let (result, found) = run.finish();
                (i, result, found)
            })
            .collect(),
        Err(panic) => indices
            .map(|i| (i, panicked(&shared.spec, i, &*panic), Vec::new()))
            .collect(),
    }
}

/// One lane of a fuzz run: the first round of every phase, then fuzz rounds until a budget
/// stops the run (without a budget, after the first round).
async fn fuzz_lane(shared: &Shared, runs: &mut [OperationRun<'_>]) {
    for run in runs.iter_mut() {
        run.phases().await;
    }
    for run in runs.iter_mut() {
        run.sequences().await;
    }
    let bounded = shared.config.time_budget.is_some() || shared.config.max_requests.is_some();
    let mut round = 1;
    while bounded && !stopped(shared) {
        let before: u64 = runs.iter().map(|r| r.result.cases).sum();
        for run in runs.iter_mut() {
            run.fuzz_round(round).await;
        }
        // Nothing left to draw in this lane (no random cases): the budget would only be
        // waited out, and a loop that never awaits would hold the thread from other lanes.
        if runs.iter().map(|r| r.result.cases).sum::<u64>() == before {
            break;
        }
        round += 1;
    }
}

fn stopped(shared: &Shared) -> bool {
    shared.halted.load(std::sync::atomic::Ordering::Relaxed)
}

/// The result of an operation that did not run, for `reason`; a selected one still lists what it
/// documents, uncovered, so that coverage counts it.
pub(crate) fn skipped(spec: &Spec, op: &Operation, reason: String) -> OperationResult {
    let chosen = matches!(
        reason.as_str(),
        crate::outcome::FILTERED_OUT | crate::outcome::READ_ONLY
    );
    OperationResult {
        coverage: if chosen {
            Default::default()
        } else {
            crate::coverage::Tracker::new(spec, op).finish()
        },
        operation: op.id.clone(),
        method: op.method.to_ascii_uppercase(),
        path: op.path.clone(),
        skipped: Some(reason),
        ..OperationResult::default()
    }
}
