//! Random rounds drawn ahead on a spare core.
//!
//! Against a server on this machine a run's lanes share fewer threads than there are cores
//! (see [`super::threads`]), and drawing random cases and reading them back is a large part of
//! their work (about half of a fuzz run's), while the server leaves part of a core idle. A
//! drawer thread, at idle priority, draws each operation's random rounds there exactly as its
//! lane would: the same strategies, seeds and order, and the same read-back. A lane sends the
//! cases of a round the drawer has ready, so a run sends, finds and reports what it would
//! without the drawer; a failing case's value tree is drawn again from the round's seed to
//! shrink it. A lane never waits for the drawer: it draws a round that is not ready itself,
//! and the drawer skips the rounds a lane has reached. A normal run has one round (0) per
//! random phase; a fuzz run's rounds go on, each operation's drawn at most [`DEPTH`] rounds
//! ahead of its lane, and never more than [`MAX_HELD`] cases wait. Under that bound the drawer
//! draws first the rounds the lanes will reach first ([`most_urgent`]).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config as PropConfig, RngAlgorithm, TestRng, TestRunner};

use crate::case::{Case, Phase};
use crate::generate::{self, GenError, Readback};

use super::Shared;

/// How many rounds past its lane's an operation is drawn.
const DEPTH: u64 = 2;
/// At most this many drawn cases wait for their lanes, however many operations and examples
/// a run has: the drawer's memory stays flat. A round that would take them past it is left to
/// its lane (with `--max-examples` above half of it, every round is).
const MAX_HELD: usize = 8192;

/// One phase of one fuzz round of an operation, drawn.
#[derive(Debug)]
pub(super) struct Drawn {
    pub round: u64,
    pub phase: Phase,
    /// The cases to send, each with its draw number: the how-many-th value tree of the round
    /// (from 1) it is, which is how [`redraw`] finds its tree again for shrinking.
    pub cases: Vec<(u32, Case)>,
    /// Draws that gave no case to send (no value, or a positive value the read-back refused).
    pub discarded: u64,
}

/// What the drawer and the lanes share.
#[derive(Debug)]
pub(super) struct Ahead {
    /// Per operation index: its drawn rounds, oldest first.
    drawn: Vec<Mutex<VecDeque<Drawn>>>,
    /// Per operation index: one more than the random round its lane is in (0 before the
    /// first): the rounds below it are the lane's to draw.
    reached: Vec<AtomicU64>,
    /// How many drawn cases wait in `drawn`.
    held: AtomicUsize,
    /// Set when the lanes are done.
    done: AtomicBool,
    /// How many times a lane entered a round, and the drawer's sleep when every operation is
    /// drawn far enough ahead.
    wake: (Mutex<u64>, Condvar),
}

impl Ahead {
    /// Lane-side: operation `index` is in random round `round`.
    pub fn entering(&self, index: usize, round: u64) {
        if let Some(reached) = self.reached.get(index) {
            reached.fetch_max(round + 1, Ordering::Relaxed);
            *self.wake.0.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            self.wake.1.notify_one();
        }
    }

    /// Lane-side: the drawn `phase` of `round` of operation `index`, when the drawer has it
    /// ready. What comes before it (rounds or phases the lane passed or skipped) is dropped.
    pub fn take(&self, index: usize, round: u64, phase: Phase) -> Option<Drawn> {
        let wanted = (round, rank(phase));
        let mut queue = self
            .drawn
            .get(index)?
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        while let Some(front) = queue.front() {
            let key = (front.round, rank(front.phase));
            if key > wanted {
                return None;
            }
            let front = queue.pop_front()?;
            self.held.fetch_sub(front.cases.len(), Ordering::Relaxed);
            if key == wanted {
                return Some(front);
            }
        }
        None
    }

    fn finish(&self) {
        self.done.store(true, Ordering::Relaxed);
        self.wake.1.notify_all();
    }
}

/// The drawer of a run: a thread drawing the rounds of the operations of `cycles` until the
/// run halts or the lanes are done.
pub(super) struct Drawer {
    ahead: Arc<Ahead>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drawer {
    /// Start drawing round 0 (a run's random phases) and, in a fuzz run, the rounds after it
    /// for the operations (indexes in the spec) of `cycles`: the order in which each lane goes
    /// round its own (a fuzz run's), or the one queue every lane takes from.
    pub fn start(shared: &Arc<Shared>, cycles: Vec<Vec<usize>>) -> Drawer {
        let n = shared.spec.operations.len();
        let ahead = Arc::new(Ahead {
            drawn: (0..n).map(|_| Mutex::default()).collect(),
            reached: (0..n).map(|_| AtomicU64::new(0)).collect(),
            held: AtomicUsize::new(0),
            done: AtomicBool::new(false),
            wake: (Mutex::new(0), Condvar::new()),
        });
        let (shared, mine) = (shared.clone(), ahead.clone());
        let thread = std::thread::Builder::new()
            .name("gamespec-drawer".into())
            .spawn(move || {
                idle_priority();
                draw(&shared, &mine, &cycles)
            })
            .map_err(|e| tracing::warn!("cannot start the drawer thread: {e}"))
            .ok();
        Drawer { ahead, thread }
    }

    /// What the lanes read.
    pub fn ahead(&self) -> &Arc<Ahead> {
        &self.ahead
    }
}

impl Drop for Drawer {
    fn drop(&mut self) {
        self.ahead.finish();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Run the calling thread only on cycles no other thread wants: the drawer works ahead, and
/// taking a core from the server or the lanes would slow the run it is there to speed up.
#[cfg(target_os = "linux")]
fn idle_priority() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: `sched_setscheduler` with pid 0 changes only the calling thread's policy and
    // reads `param`, which lives across the call.
    let status = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
    if status != 0 {
        tracing::debug!(
            "the drawer keeps its normal priority: {}",
            std::io::Error::last_os_error()
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn idle_priority() {}

/// An operation as the drawer draws it.
struct Plan {
    index: usize,
    /// Positive and negative strategies, or why there is none, built on first use (indexed by
    /// [`rank`]).
    strategies: [Option<Result<BoxedStrategy<Case>, GenError>>; 2],
    readback: Arc<Readback>,
}

fn draw(shared: &Shared, ahead: &Ahead, cycles: &[Vec<usize>]) {
    let spec = shared.spec.clone();
    let mut plans: Vec<Plan> = cycles
        .iter()
        .flatten()
        .map(|&index| Plan {
            index,
            strategies: [None, None],
            readback: Arc::new(Readback::with_table(
                &spec,
                &spec.operations[index],
                index,
                &shared.routes,
            )),
        })
        .collect();
    // The same cycles, of positions in `plans`.
    let mut offset = 0;
    let cycles: Vec<Vec<usize>> = cycles
        .iter()
        .map(|cycle| {
            let positions = (offset..offset + cycle.len()).collect();
            offset += cycle.len();
            positions
        })
        .collect();
    let halted = || ahead.done.load(Ordering::Relaxed) || shared.halted.load(Ordering::Relaxed);
    let entries = || *ahead.wake.0.lock().unwrap_or_else(|e| e.into_inner());
    let last = if shared.config.fuzz { u64::MAX } else { 0 };
    let count = shared.config.max_examples as usize;
    // Per plan: the next round to draw.
    let mut next = vec![0; plans.len()];
    while !halted() && next.iter().any(|&n| n <= last) {
        let seen = entries();
        // A round's two phases, if they fit.
        let room = ahead.held.load(Ordering::Relaxed) + 2 * count <= MAX_HELD;
        let chosen = room
            .then(|| most_urgent(&mut next, |p| reached(ahead, &plans, p), &cycles, last))
            .flatten();
        let Some((plan, number)) = chosen.and_then(|p| plans.get_mut(p).zip(next.get_mut(p)))
        else {
            let guard = ahead.wake.0.lock().unwrap_or_else(|e| e.into_inner());
            if *guard == seen {
                // A timeout, so that a halt (which wakes no one) still ends the thread.
                let _ = ahead.wake.1.wait_timeout(guard, Duration::from_millis(20));
            }
            continue;
        };
        let op = &spec.operations[plan.index];
        for phase in [Phase::Positive, Phase::Negative] {
            if halted() {
                return;
            }
            if !shared.config.phases.contains(&phase) {
                continue;
            }
            let built = plan.strategies[rank(phase)]
                .get_or_insert_with(|| strategy(shared, plan.index, phase, &plan.readback));
            let Ok(strategy) = built else {
                continue;
            };
            let seed = super::round_seed(shared.config.seed, &op.id, phase, *number);
            let drawn = round(
                strategy,
                &seed,
                shared.config.max_examples,
                (phase == Phase::Positive).then_some(&*plan.readback),
            );
            let mut queue = ahead.drawn[plan.index]
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            ahead.held.fetch_add(drawn.0.len(), Ordering::Relaxed);
            queue.push_back(Drawn {
                round: *number,
                phase,
                cases: drawn.0,
                discarded: drawn.1,
            });
        }
        *number += 1;
    }
}

/// The round its lane next needs of the operation of `plans[p]` (see [`Ahead::reached`]).
fn reached(ahead: &Ahead, plans: &[Plan], p: usize) -> u64 {
    plans
        .get(p)
        .and_then(|plan| ahead.reached.get(plan.index))
        .map_or(0, |r| r.load(Ordering::Relaxed))
}

/// The position (in `next`) of the operation whose next undrawn round a lane needs soonest,
/// if one may be drawn: at most `last` and fewer than [`DEPTH`] rounds past `reached`, the
/// round its lane next needs of it. `next` holds each operation's next round to draw (raised
/// here to `reached` where the lane went past it); `cycles` holds positions in it.
///
/// A lane goes round its cycle one operation after another. The operations it has entered its
/// current round for are a prefix of the cycle (the round it next needs of each is one higher
/// than of the rest), so it needs next the one after that prefix, then the rest of the cycle in
/// order, wrapping round. Each lane's first missing round comes before any lane's second, and
/// lanes are served in turn, step by step from where each is: the drawer's budget of held cases
/// goes to what is needed first, not to the cycles' first operations.
fn most_urgent(
    next: &mut [u64],
    reached: impl Fn(usize) -> u64,
    cycles: &[Vec<usize>],
    last: u64,
) -> Option<usize> {
    let starts: Vec<usize> = cycles
        .iter()
        .map(|cycle| {
            let first = cycle.first().map_or(0, |&p| reached(p));
            let entered = cycle.iter().take_while(|&&p| reached(p) == first).count();
            entered % cycle.len().max(1)
        })
        .collect();
    let longest = cycles.iter().map(Vec::len).max().unwrap_or(0);
    for level in 0..DEPTH {
        for step in 0..longest {
            for (cycle, start) in cycles.iter().zip(&starts) {
                if step >= cycle.len() {
                    continue;
                }
                let p = cycle[(start + step) % cycle.len()];
                let reached = reached(p);
                let Some(next) = next.get_mut(p) else {
                    continue;
                };
                // A round the lane has reached is its own to draw.
                *next = (*next).max(reached);
                if *next == reached + level && *next <= last {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// Where `phase` comes in a round: positive (0) before negative (1).
pub(super) fn rank(phase: Phase) -> usize {
    usize::from(phase != Phase::Positive)
}

/// The strategy of random phase `phase` of `op`, the one builder of the lanes and the drawer,
/// so that both draw from the same strategy: positive values, or values with one violation
/// the server can see (screened by `readback`).
pub(super) fn strategy(
    shared: &Shared,
    index: usize,
    phase: Phase,
    readback: &Arc<Readback>,
) -> Result<BoxedStrategy<Case>, GenError> {
    let (spec, op) = (&*shared.spec, &shared.spec.operations[index]);
    match phase {
        Phase::Positive => generate::positive(spec, op),
        _ => generate::negative_from(
            spec,
            op,
            shared.breakable(index, readback),
            readback.clone(),
        ),
    }
}

/// The runner that draws a round's value trees from `seed`.
pub(super) fn round_runner(seed: &[u8; 32]) -> TestRunner {
    TestRunner::new_with_rng(
        PropConfig::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, seed),
    )
}

/// A draw that gave a case to send: its number in the round (from 1), its value tree and the
/// case.
pub(super) type Draw = (u32, Box<dyn ValueTree<Value = Case>>, Case);

/// The `count` draws of the round drawn from `seed`, one at a time: the one loop of the lanes
/// and the drawer. `None` is a draw that gave no case to send: no value, or, with `screen`, a
/// value the read-back does not find valid.
pub(super) fn draws<'s>(
    strategy: &'s BoxedStrategy<Case>,
    seed: &[u8; 32],
    count: u32,
    screen: Option<&'s Readback>,
) -> impl Iterator<Item = Option<Draw>> + 's {
    let mut runner = round_runner(seed);
    (1..=count).map(move |n| {
        let tree = strategy.new_tree(&mut runner).ok()?;
        let case = tree.current();
        if screen.is_some_and(|readback| !readback.problems(&case).is_empty()) {
            return None;
        }
        Some((n, tree, case))
    })
}

/// The `count` draws of a round, all at once: the cases (with their draw numbers) and how
/// many draws gave none.
fn round(
    strategy: &BoxedStrategy<Case>,
    seed: &[u8; 32],
    count: u32,
    screen: Option<&Readback>,
) -> (Vec<(u32, Case)>, u64) {
    let mut cases = Vec::with_capacity(count as usize);
    let mut discarded = 0;
    for draw in draws(strategy, seed, count, screen) {
        match draw {
            Some((n, _, case)) => cases.push((n, case)),
            None => discarded += 1,
        }
    }
    (cases, discarded)
}

/// The value tree of draw `n` (from 1) of the round drawn from `seed`: every draw before it is
/// made again, since each moves the runner's random stream.
pub(super) fn redraw(
    strategy: &BoxedStrategy<Case>,
    seed: &[u8; 32],
    n: u32,
) -> Option<Box<dyn ValueTree<Value = Case>>> {
    let mut runner = round_runner(seed);
    let mut last = None;
    for _ in 0..n {
        last = strategy.new_tree(&mut runner).ok();
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::query_fixture::{operation, spec};

    #[test]
    fn a_round_drawn_ahead_is_the_round_its_lane_would_draw() {
        // Query parameters of every kind of emptiness: cases to draw, and to break.
        let spec = spec();
        let op = operation(&spec);
        let readback = Arc::new(generate::Readback::new(&spec, op));
        // The drawer and the lane build their strategies apart.
        let build = |positive: bool| match positive {
            true => generate::positive(&spec, op).unwrap(),
            false => generate::negative_with(&spec, op, readback.clone()).unwrap(),
        };
        for positive in [true, false] {
            let (drawers, lanes) = (build(positive), build(positive));
            let screen = positive.then_some(&*readback);
            let seed = crate::runner::case_seed(7, &op.id, "positive#3");
            let (cases, discarded) = round(&drawers, &seed, 40, screen);
            // The lane's own loop: one runner, a tree per draw, the same screen.
            let mut runner = round_runner(&seed);
            let mut expected = Vec::new();
            for n in 1..=40 {
                let Ok(tree) = lanes.new_tree(&mut runner) else {
                    continue;
                };
                let case = tree.current();
                if screen.is_none_or(|r| r.problems(&case).is_empty()) {
                    expected.push((n, case));
                }
            }
            assert_eq!(cases, expected);
            assert_eq!(discarded, 40 - expected.len() as u64);
            // Each case's tree, drawn again, is the case, and shrinks from it.
            for (n, case) in &cases {
                let mut tree = redraw(&lanes, &seed, *n).unwrap();
                assert_eq!(&tree.current(), case, "draw {n}");
                while tree.simplify() {}
            }
        }
    }

    #[test]
    fn the_drawer_draws_first_what_the_lanes_need_first() {
        let picks = |reached: &[u64], cycles: &[Vec<usize>], last: u64| {
            let mut next = vec![0; reached.len()];
            let mut picked = Vec::new();
            while let Some(p) = most_urgent(&mut next, |p| reached[p], cycles, last) {
                picked.push(p);
                next[p] += 1;
                assert!(picked.len() <= 2 * reached.len(), "{picked:?}");
            }
            picked
        };
        // Lane A has entered round 1 for its first two operations, lane B none of its own:
        // A needs 2 then 3 then 0 and 1 again, B from its start; the lanes are served in turn,
        // every first missing round before any second one, and none beyond the second.
        let cycles = [vec![0, 1, 2, 3], vec![4, 5, 6]];
        let once = [2, 4, 3, 5, 0, 6, 1];
        assert_eq!(
            picks(&[2, 2, 1, 1, 1, 1, 1], &cycles, u64::MAX),
            [once, once].concat()
        );
        // A normal run draws round 0 only, of the operations no lane has reached yet.
        assert_eq!(picks(&[1, 0, 0], &[vec![0, 1, 2]], 0), [1, 2]);
    }

    #[test]
    fn a_lane_takes_its_round_and_never_an_older_or_later_one() {
        let ahead = Ahead {
            drawn: vec![Mutex::default()],
            reached: vec![AtomicU64::new(0)],
            held: AtomicUsize::new(0),
            done: AtomicBool::new(false),
            wake: (Mutex::new(0), Condvar::new()),
        };
        let drawn = |round, phase| Drawn {
            round,
            phase,
            cases: Vec::new(),
            discarded: round,
        };
        {
            let mut queue = ahead.drawn[0].lock().unwrap();
            for round in 1..=3 {
                queue.push_back(drawn(round, Phase::Positive));
                queue.push_back(drawn(round, Phase::Negative));
            }
        }
        // The lane drew round 1 itself: round 2 is next, its negative phase only.
        ahead.entering(0, 2);
        assert_eq!(ahead.reached[0].load(Ordering::Relaxed), 3);
        let got = ahead.take(0, 2, Phase::Negative).unwrap();
        assert_eq!((got.round, got.phase), (2, Phase::Negative));
        // Round 3 is not the lane's yet; an unknown operation has nothing.
        assert!(ahead.take(0, 2, Phase::Negative).is_none());
        assert!(ahead.take(1, 3, Phase::Positive).is_none());
        assert_eq!(ahead.drawn[0].lock().unwrap().len(), 2);
        let got = ahead.take(0, 3, Phase::Positive).unwrap();
        assert_eq!((got.round, got.phase), (3, Phase::Positive));
    }
}
