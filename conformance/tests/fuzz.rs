//! Fuzz mode: a run bounded by time alone that keeps drawing new cases against the embedded
//! mock, ends on its budget without calling that an early stop, and holds as much after many
//! cases as after few: its result (counters, capped failures) does not grow with the number of
//! cases, nor does the process's resident memory once warmed up.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gamespec_conformance::mock::{MockOptions, MockServer};
use gamespec_conformance::outcome::{MAX_FAILURES_KEPT, RunResult};
use gamespec_conformance::runner::{Observer, RunConfig, Runner};
use gamespec_conformance::secrets::Redactor;

/// Resident memory of this process in bytes (Linux; 0 elsewhere).
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Samples resident memory every 256 cases: the lowest sample after the warm-up and the
/// highest of all.
struct Memory {
    started: Instant,
    warm_up: Duration,
    cases: AtomicU64,
    after_warm_up: Mutex<Option<u64>>,
    peak: AtomicU64,
}

impl Observer for Memory {
    fn case_done(&self, _operation: &str) {
        if !self
            .cases
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(256)
        {
            return;
        }
        let now = rss();
        self.peak.fetch_max(now, Ordering::Relaxed);
        if self.started.elapsed() >= self.warm_up {
            self.after_warm_up.lock().unwrap().get_or_insert(now);
        }
    }
}

/// A fuzz run of `api` for `secs` seconds against the embedded mock; without `secs`, a plain
/// run of the same phases and examples.
async fn fuzz(api: &str, secs: Option<f64>, observer: Arc<dyn Observer>) -> RunResult {
    let spec = common::spec(api);
    let mock = MockServer::start(spec.clone(), MockOptions::default())
        .await
        .expect("the mock starts");
    let credentials = gamespec_conformance::auth::given_by_mock(&spec, mock.credentials());
    let config = RunConfig {
        fuzz: secs.is_some(),
        time_budget: secs.map(Duration::from_secs_f64),
        max_examples: 5,
        workers: 2,
        ..RunConfig::default()
    };
    let result = Runner::new(spec, mock.url(), config, Redactor::new())
        .run(credentials, observer)
        .await;
    mock.shutdown().await.expect("the mock stops");
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzing_keeps_generating_within_flat_memory() {
    // One round of every phase, no fuzzing: what the result holds for a short run.
    let quick = fuzz(
        "xsolla",
        None,
        Arc::new(gamespec_conformance::runner::Quiet),
    )
    .await;
    let memory = Arc::new(Memory {
        started: Instant::now(),
        warm_up: Duration::from_secs(2),
        cases: AtomicU64::new(0),
        after_warm_up: Mutex::new(None),
        peak: AtomicU64::new(0),
    });
    let long = fuzz("xsolla", Some(6.0), memory.clone()).await;

    // It ran for its budget, sent far more than one round, and calls the budget its end.
    assert!(
        long.duration >= Duration::from_secs(6),
        "{:?}",
        long.duration
    );
    assert!(
        long.duration < Duration::from_secs(12),
        "{:?}",
        long.duration
    );
    assert_eq!(long.stopped_early, None);
    // More random cases than one round draws (5 per phase): fuzz rounds followed.
    let most = long
        .operations
        .iter()
        .filter_map(|o| o.coverage.phases.get("positive"))
        .max()
        .copied()
        .unwrap_or(0);
    assert!(most > 5, "at most {most} positive cases per operation");
    assert!(
        long.failures.is_empty(),
        "the mock conforms: {:?}",
        long.failures.first()
    );
    // New cases: fuzz rounds reach values the first round did not (more of each body).
    assert!(long.coverage().complete(), "{}", long.coverage().summary());

    // The stored result does not grow with the cases: the same operations, counters and
    // capped failures as a run of one round (only the counters' digits differ).
    let size = |r: &RunResult| serde_json::to_string(r).unwrap().len();
    assert!(
        size(&long) < size(&quick) + size(&quick) / 5,
        "result of {} cases: {} bytes; of {} cases: {} bytes",
        long.stats.cases,
        size(&long),
        quick.stats.cases,
        size(&quick)
    );
    let checks = gamespec_conformance::checks::registry().len();
    assert!(long.failures.len() <= long.operations.len() * checks * MAX_FAILURES_KEPT);

    // Resident memory after warm-up stays within a few MB (allocator slack), however many
    // cases follow.
    let warm = memory.after_warm_up.lock().unwrap().unwrap_or(0);
    let peak = memory.peak.load(Ordering::Relaxed);
    if warm > 0 {
        let growth = peak.saturating_sub(warm);
        assert!(
            growth < 48 << 20,
            "resident memory grew {} MB after warm-up ({} MB → {} MB) over {} cases",
            growth >> 20,
            warm >> 20,
            peak >> 20,
            long.stats.cases
        );
        eprintln!(
            "{} cases in {:.1} s; resident {} MB after warm-up, peak {} MB",
            long.stats.cases,
            long.duration.as_secs_f64(),
            warm >> 20,
            peak >> 20
        );
    }
}

/// A fuzz round past the first undoes what its valid writes made, where their answers link to
/// a DELETE (a grant to the delete of its instance) or to another call marked `x-undoes` (a
/// block to the unblock, a friend request to its withdrawal; every key of a storage write, through
/// the link marked `x-each`; the character just made, picked by `x-where`; every attribute of an
/// xsolla write, removed by the same call with the link's body): however many writes a long run
/// sends, the list they fill holds only what the first round (a normal run's) left, and every
/// undoing call is judged as a case of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzz_rounds_undo_what_their_writes_made() {
    // The session a list read presents: lootlocker's token header, xsolla's bearer JWT.
    let session = ("sessionToken", "x-session-token", "");
    let bearer = ("userJwt", "authorization", "Bearer ");
    for (api, write, list, items, session) in [
        (
            "lootlocker",
            "grantAssetToPlayer",
            "GET /game/v1/player/inventory/list",
            "/inventory",
            session,
        ),
        (
            "lootlocker",
            "blockPlayer",
            "GET /game/player/friends/blocked",
            "/blocked",
            session,
        ),
        (
            "lootlocker",
            "sendFriendRequest",
            "GET /game/player/friends/outgoing",
            "/outgoing",
            session,
        ),
        // A key per payload entry, each deleted through the link marked `x-each`.
        (
            "lootlocker",
            "updatePlayerStorage",
            "GET /game/v1/player/storage",
            "/payload",
            session,
        ),
        // The answer lists every character; the link's `x-where` picks the one just made.
        (
            "lootlocker",
            "createCharacter",
            "GET /game/v1/player/character/list",
            "/items",
            session,
        ),
        // Removed by the same call with another body (the link's `requestBody`), one per key.
        (
            "xsolla",
            "updateUserAttributes",
            "POST /attributes/users/me/get",
            "",
            bearer,
        ),
    ] {
        let list = List {
            api,
            list,
            items,
            session,
        };
        let (once, _) = write_and_list(write, &list, false).await;
        let (fuzzed, result) = write_and_list(write, &list, true).await;
        let writes = result
            .operations
            .iter()
            .find(|o| o.operation == write)
            .expect("the writes' result");
        assert!(
            result.failures.is_empty(),
            "{write}: {:?}",
            result.failures.first()
        );
        // Many rounds of writes ran, and undoing calls followed them (counted with the
        // writes' cases).
        let positive = writes.coverage.phases.get("positive").copied().unwrap_or(0);
        assert!(positive > 50, "{write}: {positive} positive cases");
        let stateful = writes.coverage.phases.get("stateful").copied().unwrap_or(0);
        assert!(stateful > 25, "{write}: {stateful} stateful cases");
        // The first round is a normal run's, whose writes stay; of the later rounds only what
        // no undoing call could name stays (a storage key the delete refuses to take, such as
        // the empty one; a character whose name another one has too; the last write before
        // the request budget ran out). Without the clean-up the list holds about one item per
        // write (storage: 179 after 135 writes).
        assert!(
            fuzzed <= once + SLACK,
            "{write}: {fuzzed} items held after {positive} writes, {once} after a normal run"
        );
    }
}

/// Items a fuzz run may leave beyond a normal run's (see the test above).
const SLACK: usize = 8;

/// A list a write fills: the API, its read (`METHOD /path`, a POST with an empty JSON object),
/// where its items are in the answer, and how the read presents the session: the mock's
/// credential of scheme `.0` in header `.1`, after `.2`.
struct List<'a> {
    api: &'a str,
    list: &'a str,
    items: &'a str,
    session: (&'a str, &'a str, &'a str),
}

/// Run `write` alone on a new mock, once (a normal run) or fuzzed for 400 requests, with the
/// mock's own session; then read `list` as that session's player: how many items it holds,
/// and the run's result.
async fn write_and_list(
    write: &str,
    list: &List<'_>,
    fuzz: bool,
) -> (usize, gamespec_conformance::outcome::RunResult) {
    let spec = common::spec(list.api);
    let mock = MockServer::start(spec.clone(), MockOptions::default())
        .await
        .expect("the mock starts");
    // Not a login of the run's: the list read below must be of the player the run wrote as.
    let credentials = mock.credentials().clone();
    let config = RunConfig {
        filters: gamespec_conformance::runner::Filters {
            operations: vec![write.into()],
            ..Default::default()
        },
        fuzz,
        max_requests: fuzz.then_some(400),
        max_examples: 5,
        workers: 1,
        ..RunConfig::default()
    };
    let result = Runner::new(spec, mock.url(), config, Redactor::new())
        .run(credentials, Arc::new(gamespec_conformance::runner::Quiet))
        .await;
    let (scheme, header, prefix) = list.session;
    let credential = &mock.credentials()[scheme];
    let (method, path) = list.list.split_once(' ').expect("METHOD /path");
    let url = format!("{}{path}", mock.url());
    let read = match method {
        "POST" => common::client().post(url).json(&serde_json::json!({})),
        _ => common::client().get(url),
    };
    let listed: serde_json::Value = read
        .header(header, format!("{prefix}{credential}"))
        .send()
        .await
        .expect("the list answers")
        .json()
        .await
        .expect("the list is JSON");
    let held = listed
        .pointer(list.items)
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len);
    mock.shutdown().await.expect("the mock stops");
    (held, result)
}
