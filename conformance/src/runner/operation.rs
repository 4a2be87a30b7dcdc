//! One operation's share of a run: its phases in order, each case sent and judged by the
//! selected checks, random failures shrunk, retries after `Retry-After` and expired credentials.

use std::collections::BTreeSet;

use proptest::strategy::{BoxedStrategy, ValueTree};

use crate::case::{Auth, Case, Intent, Phase};
use crate::checks::{Check, CheckContext, Failure, Outcome};
use crate::coverage::Tracker;
use crate::exchange::Exchange;
use crate::generate;
use crate::outcome::{FailureRecord, MAX_FAILURES_KEPT, OperationResult, Stats, Tally};
use crate::wire::{self, Credentials};
use gamespec_spec::spec::Operation;

use super::ahead::{self, Ahead, Drawn};
use super::{Shared, UNSAFE_METHODS, pace};

/// One operation's share of a run.
pub(super) struct OperationRun<'a> {
    pub(super) shared: &'a Shared,
    /// The operation's index in the spec.
    pub(super) index: usize,
    /// This worker thread's HTTP client.
    pub(super) client: &'a wire::Client,
    /// The random rounds drawn ahead on a spare core, when the run has a drawer.
    pub(super) ahead: Option<&'a Ahead>,
    pub(super) op: &'a Operation,
    pub(super) checks: Vec<&'static dyn Check>,
    /// How the server will read this operation's requests: decides which generated cases are
    /// really valid (or really invalid) before they are sent.
    pub(super) readback: std::sync::Arc<generate::Readback>,
    pub(super) result: OperationResult,
    pub(super) failures: Vec<FailureRecord>,
    /// (code, expected) of failures already recorded: one record per kind of failure.
    pub(super) seen: BTreeSet<(String, String)>,
    /// The permit of the large answer being judged, if the last one was large: released
    /// before the next request.
    pub(super) large: Option<wire::LargePermit>,
    /// What the cases reached of what the operation documents.
    pub(super) coverage: Tracker,
    /// Passes and failures per check, in the order of `checks` (added to `result.checks`
    /// when the operation finishes).
    pub(super) tallies: Vec<Tally>,
    /// This operation's share of the run's counters.
    pub(super) stats: std::cell::Cell<Stats>,
    /// How this operation's values are written on the wire, built once.
    pub(super) encoding: wire::Encoding,
    /// The positive and negative strategies of random rounds, or why the operation has none,
    /// built on first use. A round drawn ahead needs one only to shrink a failure.
    pub(super) strategies: [Option<Result<BoxedStrategy<Case>, generate::GenError>>; 2],
    /// The links of this operation's answers to calls that undo it, read from the document
    /// on first use ([`Self::clean_up`]).
    pub(super) undoing: Option<std::sync::Arc<[super::links::Link]>>,
}

/// Kinds of failure (check and expectation) told apart per operation; beyond them each failure
/// is counted as not kept.
const MAX_KINDS_SEEN: usize = 256;

/// What judging one exchange found.
struct Verdict {
    exchange: Exchange,
    /// Checks that applied and held: bit `i` for the `i`-th of the operation's checks.
    passed: u64,
    failed: Vec<(&'static dyn Check, Failure)>,
}

/// The exchange of `verdict` when its answer is a success, to clean up after.
fn written(verdict: &Verdict) -> Option<Exchange> {
    verdict
        .exchange
        .response
        .as_ref()
        .is_ok_and(|r| (200..300).contains(&r.status))
        .then(|| verdict.exchange.clone())
}

impl<'a> OperationRun<'a> {
    /// The run of the operation at `index` of the spec.
    pub(super) fn new(
        shared: &'a Shared,
        index: usize,
        client: &'a wire::Client,
        ahead: Option<&'a Ahead>,
    ) -> Self {
        let op = &shared.spec.operations[index];
        let mut checks = shared.config.checks.for_operation(&op.id);
        // A pass is one bit of a u64 per check.
        checks.truncate(64);
        let tallies = vec![Tally::default(); checks.len()];
        OperationRun {
            shared,
            index,
            client,
            ahead,
            op,
            checks,
            readback: std::sync::Arc::new(generate::Readback::with_table(
                &shared.spec,
                op,
                index,
                &shared.routes,
            )),
            result: OperationResult {
                operation: op.id.clone(),
                method: op.method.to_ascii_uppercase(),
                path: op.path.clone(),
                ..OperationResult::default()
            },
            failures: Vec::new(),
            seen: BTreeSet::new(),
            large: None,
            coverage: Tracker::new(&shared.spec, op),
            tallies,
            stats: std::cell::Cell::new(Stats::default()),
            encoding: wire::Encoding::new(&shared.spec, op),
            strategies: [None, None],
            undoing: None,
        }
    }

    fn stopped(&self) -> bool {
        self.shared
            .halted
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn stop(&self, why: String) {
        let mut stopped = self
            .shared
            .stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        stopped.get_or_insert(why);
        self.shared
            .halted
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Count into this operation's own counters (added to the run's when it finishes: a lock
    /// shared by every worker per case cost more than the count).
    pub(super) fn stat(&self, f: impl FnOnce(&mut Stats)) {
        let mut stats = self.stats.get();
        f(&mut stats);
        self.stats.set(stats);
    }

    /// Run every selected phase but the stateful one (see [`OperationRun::sequences`]).
    pub(super) async fn phases(&mut self) {
        self.phases_where(|phase| phase != Phase::Stateful).await;
        // The run may wait for its sequences a long time: it holds no large answer meanwhile.
        self.large = None;
    }

    /// Run the stateful phase, when selected. A sequence runs alone (no other operation sends
    /// while it does), so runs call this after every operation's other phases: each sequence
    /// between them would first wait until every other worker's phase in progress ended, and
    /// hold up the workers whose next phase began meanwhile (a quarter of a normal run's time).
    pub(super) async fn sequences(&mut self) {
        if self.result.skipped.is_none() {
            self.phases_where(|phase| phase == Phase::Stateful).await;
        }
    }

    /// Run the selected phases `pick` takes, once, in order.
    async fn phases_where(&mut self, pick: impl Fn(Phase) -> bool) {
        let (credentials, _) = self.shared.session.current().await;
        if let Some(reason) = self.missing_credentials(&credentials) {
            self.result.skipped = Some(reason);
            return;
        }
        let spec = self.shared.spec.clone();
        let examples = generate::examples(&spec, self.op);
        let observer = self.shared.observer.clone();
        for phase in self.shared.config.phases.clone() {
            if !pick(phase) {
                continue;
            }
            if self.stopped() {
                break;
            }
            // Nor for the sequence lock (a sequence may wait for the permit).
            self.large = None;
            // A sequence runs alone: another operation's example could re-create what it
            // deleted (or delete what it created) between its requests.
            let alone = phase == Phase::Stateful && self.has_sequences();
            let (_shared, _alone) = if alone {
                (None, Some(self.shared.sequences.write().await))
            } else {
                (Some(self.shared.sequences.read().await), None)
            };
            match phase {
                Phase::Examples => {
                    observer.planned(examples.len() as u64);
                    for case in examples.clone() {
                        self.example(case).await;
                    }
                }
                // Boundary and fixed negative cases come from their generators read back
                // already (valid, and breaking the contract only, by this same read-back):
                // they are sent as they are, not read back again.
                Phase::Boundary => {
                    let cases = generate::boundary_with(&spec, self.op, &self.readback);
                    observer.planned(cases.len() as u64);
                    for case in cases {
                        self.send_and_judge(case).await;
                    }
                }
                Phase::Positive => {
                    if let Err(e) = self.random_round(Phase::Positive, 0).await {
                        self.note_generation_error(e.to_string());
                    }
                }
                Phase::Negative => {
                    let cases = self.negative_fixed();
                    observer.planned(cases.len() as u64);
                    for case in cases {
                        self.send_and_judge(case).await;
                    }
                    match self.random_round(Phase::Negative, 0).await {
                        Ok(()) => {}
                        // Nothing to break is not a problem: the phase has nothing to do.
                        Err(generate::GenError::NothingToBreak { .. }) => {}
                        Err(e) => self.note_generation_error(e.to_string()),
                    }
                }
                Phase::Protocol => {
                    if let Some(base) = examples.first() {
                        let config = &self.shared.config;
                        let selected = |o: &Operation| super::exclusion(&spec, o, config).is_none();
                        let cases = generate::protocol_among(&spec, self.op, base, &selected);
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
    }

    /// One more round of fuzzing (round 1, 2, …): `max_examples` new random cases of each
    /// selected random phase, drawn with a seed of their own, so that every round sends cases
    /// the earlier ones did not. The strategies are built once and kept.
    pub(super) async fn fuzz_round(&mut self, round: u64) {
        if self.result.skipped.is_some() {
            return;
        }
        for phase in [Phase::Positive, Phase::Negative] {
            if self.stopped() || !self.shared.config.phases.contains(&phase) {
                continue;
            }
            let _shared = self.shared.sequences.read().await;
            // Round 0 reported a strategy that cannot be built.
            let _ = self.random_round(phase, round).await;
        }
    }

    /// Round `round` of random phase `phase`: the round drawn ahead when the run's drawer has
    /// it ready (see [`super::ahead`]), else drawn here; why the phase has no strategy, if it
    /// has none (the drawer draws only for a strategy it could build).
    async fn random_round(&mut self, phase: Phase, round: u64) -> Result<(), generate::GenError> {
        let drawn = self.ahead.and_then(|ahead| {
            ahead.entering(self.index, round);
            ahead.take(self.index, round, phase)
        });
        if let Some(drawn) = drawn {
            self.shared
                .observer
                .planned(self.shared.config.max_examples as u64);
            self.drawn(drawn).await;
            return Ok(());
        }
        let strategy = self.strategy(phase)?;
        self.shared
            .observer
            .planned(self.shared.config.max_examples as u64);
        self.random(strategy, phase, round).await;
        Ok(())
    }

    /// The strategy of random phase `phase`, built on first use and kept, or why there is
    /// none (found once).
    fn strategy(&mut self, phase: Phase) -> Result<BoxedStrategy<Case>, generate::GenError> {
        let (shared, index, readback) = (self.shared, self.index, &self.readback);
        self.strategies[ahead::rank(phase)]
            .get_or_insert_with(|| ahead::strategy(shared, index, phase, readback))
            .clone()
    }

    /// Send a round drawn ahead (see [`super::ahead`]): what [`OperationRun::random`] would
    /// have sent for it, the value tree of a failing case drawn again from the round's seed.
    async fn drawn(&mut self, drawn: Drawn) {
        let seed = super::round_seed(
            self.shared.config.seed,
            &self.op.id,
            drawn.phase,
            drawn.round,
        );
        let phase = drawn.phase;
        let valid = phase == Phase::Positive;
        let screened = !valid;
        self.stat(|s| s.discarded += drawn.discarded);
        let clean = self.cleaning(phase, drawn.round);
        for (n, case) in drawn.cases {
            if self.stopped() {
                return;
            }
            let Some(verdict) = self.send(case).await else {
                continue;
            };
            let written = clean.then(|| written(&verdict)).flatten();
            let tree = move |run: &mut Self| {
                let strategy = run.strategy(phase).ok()?;
                ahead::redraw(&strategy, &seed, n)
            };
            self.judged(verdict, tree, valid, screened).await;
            if let Some(written) = written {
                self.clean_up(&written).await;
            }
        }
    }

    /// The operation's result and failures as they stand.
    pub(super) fn finish(mut self) -> (OperationResult, Vec<FailureRecord>) {
        if self.result.cases == 0 && self.result.skipped.is_none() {
            self.result.skipped = Some(self.untested_reason());
        }
        self.result.coverage = self.coverage.finish();
        for (check, tally) in self.checks.iter().zip(&self.tallies) {
            if tally.passed + tally.failed > 0 {
                let total = self
                    .result
                    .checks
                    .entry(check.code().to_owned())
                    .or_default();
                total.passed += tally.passed;
                total.failed += tally.failed;
            }
        }
        let mine = self.stats.get();
        let mut stats = self.shared.stats.lock().unwrap_or_else(|e| e.into_inner());
        stats.cases += mine.cases;
        stats.requests += mine.requests;
        stats.shrink_requests += mine.shrink_requests;
        stats.discarded += mine.discarded;
        stats.rate_limited += mine.rate_limited;
        drop(stats);
        (self.result, self.failures)
    }

    /// Why a selected operation ended without a judged case: the budget that stopped the run
    /// first, else answers that were all rate limits, else cases that could not be sent.
    fn untested_reason(&self) -> String {
        let stopped = self
            .shared
            .stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let limited = match self.result.rate_limited {
            0 => String::new(),
            n => format!(
                "{n} answer(s) were rate limits (429/503 with Retry-After, pauses at most {}s)",
                self.shared.config.max_retry_after.as_secs_f64()
            ),
        };
        match (stopped, limited.is_empty()) {
            (Some(why), true) => format!("{why} before its first case"),
            (Some(why), false) => format!("{why} before its first case; {limited}"),
            (None, false) => format!("every answer was a rate limit: {limited}"),
            (None, true) => {
                "no case was judged: the selected phases sent none (discarded or unsendable)"
                    .to_owned()
            }
        }
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

    /// The fixed negative cases of this operation.
    pub(super) fn negative_fixed(&self) -> Vec<Case> {
        self.shared
            .breakable(self.index, &self.readback)
            .map(generate::Breakable::fixed)
            .unwrap_or_default()
    }

    /// Send an example when the read-back finds it valid: the spec's examples are the one
    /// fixed input no generator has read back.
    async fn example(&mut self, case: Case) {
        if self.admissible(&case, true) {
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

    /// Draw `max_examples` cases from `strategy`; shrink the first failure of each kind that
    /// will be kept. Round 0 is the run's random phase; fuzz rounds after it draw with a seed
    /// of their own. A positive case is sent when the read-back finds it valid; a negative
    /// strategy admits only what breaks the contract and nothing else
    /// ([`generate::negative_with`] filters by this operation's read-back, and a filtered
    /// value tree, shrunk or not, holds only values its filter took), so its cases are not
    /// read back a second time.
    async fn random(&mut self, strategy: BoxedStrategy<Case>, phase: Phase, round: u64) {
        let valid = phase == Phase::Positive;
        let seed = super::round_seed(self.shared.config.seed, &self.op.id, phase, round);
        let readback = self.readback.clone();
        let screen = valid.then_some(&*readback);
        let mut draws = ahead::draws(&strategy, &seed, self.shared.config.max_examples, screen);
        let clean = self.cleaning(phase, round);
        while !self.stopped() {
            let Some(draw) = draws.next() else {
                return;
            };
            let Some((_, tree, case)) = draw else {
                self.stat(|s| s.discarded += 1);
                continue;
            };
            let Some(verdict) = self.send(case).await else {
                continue;
            };
            let written = clean.then(|| written(&verdict)).flatten();
            self.judged(verdict, |_| Some(tree), valid, !valid).await;
            if let Some(written) = written {
                self.clean_up(&written).await;
            }
        }
    }

    /// Whether the cases of `phase` in random round `round` are cleaned up after
    /// ([`Self::clean_up`]): valid writes of a fuzz round past the first. The first round is
    /// a normal run's, and leaves what it makes, as the examples do.
    fn cleaning(&mut self, phase: Phase, round: u64) -> bool {
        phase == Phase::Positive && round > 0 && self.cleans_up()
    }

    /// Count `verdict`, and keep each failure of a kind not seen before, shrunk from the case's
    /// value tree (`tree` gives it, called only for such a failure).
    async fn judged(
        &mut self,
        verdict: Verdict,
        tree: impl FnOnce(&mut Self) -> Option<Box<dyn ValueTree<Value = Case>>>,
        valid: bool,
        screened: bool,
    ) {
        let new: Vec<(&'static dyn Check, Failure)> = verdict
            .failed
            .iter()
            .filter(|(c, f)| {
                self.keeps(c.code())
                    && !self
                        .seen
                        .contains(&(c.code().to_owned(), f.expected.clone()))
            })
            .cloned()
            .collect();
        self.tally(&verdict);
        if new.is_empty() {
            return;
        }
        let mut tree = tree(self);
        for (check, failure) in new {
            let shrunk = match tree.as_mut() {
                Some(tree) => self.shrink(tree, check, valid, screened).await,
                None => None,
            };
            match shrunk {
                Some((exchange, failure)) => self.record(check, failure, &exchange),
                None => self.record(check, failure, &verdict.exchange),
            }
        }
    }

    /// Simplify a failing case as long as the same check keeps failing, within the budget; the
    /// smallest failing exchange found, if shrinking found one.
    async fn shrink(
        &mut self,
        tree: &mut Box<dyn ValueTree<Value = Case>>,
        check: &'static dyn Check,
        valid: bool,
        screened: bool,
    ) -> Option<(Exchange, Failure)> {
        let mut best = None;
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
            if !screened && !self.admissible(&case, valid) {
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
                    best = Some((exchange, f));
                    last_failed = true;
                }
                _ => last_failed = false,
            }
        }
        best
    }

    /// Send `case` and judge it with every selected check; records failures.
    pub(super) async fn send_and_judge(&mut self, case: Case) -> Option<Exchange> {
        let verdict = self.send(case).await?;
        self.tally(&verdict);
        for (check, failure) in verdict.failed.clone() {
            self.record(check, failure, &verdict.exchange);
        }
        Some(verdict.exchange)
    }

    async fn send(&mut self, case: Case) -> Option<Verdict> {
        let exchange = self.exchange(case).await?;
        self.coverage.case(&exchange.case);
        self.result.cases += 1;
        self.stat(|s| s.cases += 1);
        self.shared.observer.case_done(&self.op.id);
        let mut passed = 0u64;
        let mut failed = Vec::new();
        for (i, check) in self.checks.iter().enumerate() {
            match self.judge_one(*check, &exchange) {
                Outcome::Pass => passed |= 1 << i,
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
        for (i, tally) in self.tallies.iter_mut().enumerate() {
            tally.passed += (verdict.passed >> i) & 1;
        }
        for (check, _) in &verdict.failed {
            match self.checks.iter().position(|c| c.code() == check.code()) {
                Some(i) => self.tallies[i].failed += 1,
                None => self.tally_of(check.code()).failed += 1,
            }
        }
    }

    fn tally_of(&mut self, code: &str) -> &mut Tally {
        if !self.result.checks.contains_key(code) {
            self.result.checks.insert(code.to_owned(), Tally::default());
        }
        self.result.checks.get_mut(code).expect("inserted above")
    }

    /// Keep a failure of a kind not seen before on this operation: at most
    /// [`MAX_FAILURES_KEPT`] per check, each with its exchange cut to an excerpt (secrets
    /// redacted first); more are counted.
    fn record(&mut self, check: &'static dyn Check, failure: Failure, exchange: &Exchange) {
        let key = (check.code().to_owned(), failure.expected);
        if self.seen.contains(&key) {
            return;
        }
        // Past the cap the kinds are no longer told apart (each such failure is counted):
        // a long fuzz run against a server that fails in ever new words stays bounded.
        if self.seen.len() < MAX_KINDS_SEEN {
            self.seen.insert(key.clone());
        }
        let failure = Failure {
            expected: key.1,
            ..failure
        };
        if !self.keeps(check.code()) {
            *self
                .result
                .failures_not_kept
                .entry(check.code().to_owned())
                .or_default() += 1;
            return;
        }
        let record = FailureRecord {
            code: check.code().to_owned(),
            check: check.name().to_owned(),
            operation: self.op.id.clone(),
            failure,
            exchange: exchange.kept(&self.shared.redactor),
            baselined: false,
        };
        self.shared.observer.failure(&record, &self.shared.redactor);
        self.failures.push(record);
    }

    /// Whether a new failure of check `code` would be stored (fewer than
    /// [`MAX_FAILURES_KEPT`] are).
    fn keeps(&self, code: &str) -> bool {
        self.failures.iter().filter(|f| f.code == code).count() < MAX_FAILURES_KEPT
    }

    /// Render, admit, send; retry once after a `Retry-After` pause and once after refreshing
    /// credentials the server stopped accepting. A rate limit is judged for its form each time
    /// it comes; `None` when the case got no answer to judge (a budget is spent, the case
    /// cannot be sent, or the server answered only with rate limits).
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
        // The case travels in its exchange and comes back out of it for a retry.
        let mut case = case;
        loop {
            // A worker waits for nothing while it holds a large answer's permit: not for a
            // pace, nor for another permit.
            self.large = None;
            if let Err(why) = self.shared.pace.admit().await {
                self.stop(why.to_string());
                return None;
            }
            let (mut credentials, generation) = self.shared.session.current().await;
            if case.auth == Auth::OtherPlayer {
                match self.shared.session.other_player(self.client).await {
                    Some(other) => credentials = other,
                    None => {
                        self.stat(|s| s.discarded += 1);
                        return None;
                    }
                }
            }
            self.stat(|s| s.requests += 1);
            // This operation's cases are written with the encoding kept for it; a case naming
            // another operation would be looked up.
            let prepared = (case.operation == self.op.id).then_some((self.op, &self.encoding));
            let sending = wire::exchange_gated(
                self.client,
                &self.shared.spec,
                case,
                &self.shared.base_url,
                &credentials,
                Some(&self.shared.large_bodies),
                prepared,
            );
            // The time budget holds for a request in flight too: a slow answer is not waited
            // for past it.
            let sent = match self.shared.pace.deadline() {
                Some(deadline) => match tokio::time::timeout_at(deadline.into(), sending).await {
                    Ok(sent) => sent,
                    Err(_) => {
                        self.stop(self.shared.pace.time_spent().to_string());
                        return None;
                    }
                },
                None => sending.await,
            };
            let exchange = match sent {
                Ok((exchange, large)) => {
                    self.large = large;
                    exchange
                }
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
            // An undeclared method's answer is about another operation than this one.
            if !matches!(exchange.case.intent, Intent::UndeclaredMethod { .. }) {
                self.coverage.status(response.status);
            }
            if let Some(wait) = rate_limit(response) {
                self.stat(|s| s.rate_limited += 1);
                self.result.rate_limited += 1;
                self.judge_rate_limit(&exchange);
                if retried_rate {
                    return None;
                }
                self.shared.pace.pause(wait);
                retried_rate = true;
                case = exchange.case;
                continue;
            }
            // A 401 to a request the spec forbids is one way to refuse it (an operation that
            // documents no 400 answers its validation errors with 401): no sign that the
            // credential expired, and logging in again would make the run another session
            // (another player to a server that owns resources per session).
            let refusable = matches!(
                exchange.case.intent,
                Intent::Invalid { .. } | Intent::MissingHeader { .. }
            );
            if response.status == 401
                && exchange.case.auth == Auth::Configured
                && !refusable
                && !retried_auth
                && !self.op.security.iter().all(Vec::is_empty)
                && self.shared.session.refresh(generation, self.client).await
            {
                retried_auth = true;
                case = exchange.case;
                continue;
            }
            return Some(exchange);
        }
    }

    /// Judge a rate limit by every check of the answer's form (status, content type, headers
    /// such as `Retry-After` itself, body): the checks of the server's decision wait for the
    /// retry, since a rate limit decided nothing about the request.
    fn judge_rate_limit(&mut self, exchange: &Exchange) {
        let checks: Vec<&'static dyn Check> = self
            .checks
            .iter()
            .copied()
            .filter(|c| !c.judges_decision())
            .collect();
        for check in checks {
            match self.judge_one(check, exchange) {
                Outcome::Pass => self.tally_of(check.code()).passed += 1,
                Outcome::Fail(failure) => {
                    self.tally_of(check.code()).failed += 1;
                    self.record(check, failure, exchange);
                }
                Outcome::Skip => {}
            }
        }
    }
}

/// The pause a rate limit asks for: a 429 or 503 with a `Retry-After` header. A value that is
/// neither delay-seconds nor an HTTP date still marks a rate limit (C004 reports the value);
/// the pause is then one second.
fn rate_limit(response: &crate::exchange::WireResponse) -> Option<std::time::Duration> {
    if !matches!(response.status, 429 | 503) {
        return None;
    }
    let value = response.header("retry-after")?;
    Some(pace::retry_after(value).unwrap_or(std::time::Duration::from_secs(1)))
}
