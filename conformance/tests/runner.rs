//! The conformance runner as a library: whole runs against the embedded mock (which conforms by
//! construction, so any failure is the runner's) and against small servers on 127.0.0.1 that
//! break one part of the contract, for credentials and logins, failure records, shrinking,
//! budgets and pacing, filters, per-operation checks and secrets in reports.

mod common;
mod runner_support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use gamespec_conformance::case::Phase;
use gamespec_conformance::checks;
use gamespec_conformance::mock::{MockOptions, MockServer};
use gamespec_conformance::outcome::{OperationResult, RunResult};
use gamespec_conformance::report::{console, curl, junit, markdown, ndjson};
use gamespec_conformance::runner::{self, Filters, Quiet, RunConfig, Runner};
use gamespec_conformance::secrets::Redactor;
use gamespec_conformance::wire::Credentials;
use gamespec_spec::spec::Spec;
use runner_support::hostile;
use runner_support::lootlocker::{self, Breakage, TOKEN};
use runner_support::{Log, serve};

/// A configuration for `operations` (globs; empty: all), `phases` and `max_examples`.
fn config(operations: &[&str], phases: &[Phase], max_examples: u32) -> RunConfig {
    RunConfig {
        filters: Filters {
            operations: operations.iter().map(|o| (*o).to_owned()).collect(),
            ..Filters::default()
        },
        phases: phases.iter().copied().collect(),
        max_examples,
        timeout: Duration::from_secs(10),
        ..RunConfig::default()
    }
}

/// Run `config` against `url` with `credentials`; the redactor is returned for the reports.
async fn run(
    spec: Arc<Spec>,
    url: &str,
    config: RunConfig,
    credentials: Credentials,
) -> (RunResult, Redactor) {
    let redactor = Redactor::new();
    let result = Runner::new(spec, url, config, redactor.clone())
        .run(credentials, Arc::new(Quiet))
        .await;
    (result, redactor)
}

/// The test servers' session token as the run's only credential.
fn session() -> Credentials {
    Credentials::from([("sessionToken".to_owned(), TOKEN.to_owned())])
}

/// The result of `operation` in `result`.
fn operation<'a>(result: &'a RunResult, operation: &str) -> &'a OperationResult {
    result
        .operations
        .iter()
        .find(|o| o.operation == operation)
        .unwrap_or_else(|| panic!("{operation} is not in the result"))
}

/// The failures of `result`, one line each, for assertion messages (no exchanges: those carry
/// credentials).
fn summary(result: &RunResult) -> String {
    let lines: Vec<String> = result
        .failures
        .iter()
        .map(|f| {
            let case = &f.exchange.case;
            format!(
                "{} {} {} {} [{}]: expected {}; actual {}",
                f.code,
                f.operation,
                case.method,
                case.path,
                case.phase.as_str(),
                f.failure.expected,
                f.failure.actual
            )
        })
        .collect();
    format!("{} failures\n{}", lines.len(), lines.join("\n"))
}

/// The codes of the failures of `result`, as a set.
fn codes(result: &RunResult) -> BTreeSet<String> {
    result.failures.iter().map(|f| f.code.clone()).collect()
}

/// The run the CLI makes against its embedded mock: the mock's configured keys (and credentials
/// no login flow can obtain) given, every other scheme left to the API's login flow.
async fn against_mock(api: &str, max_examples: u32) -> RunResult {
    let spec = common::spec(api);
    let mock = MockServer::start(spec.clone(), MockOptions::default())
        .await
        .expect("the mock starts");
    let credentials = gamespec_conformance::auth::given_by_mock(&spec, mock.credentials());
    let all = config(&[], &Phase::ALL, max_examples);
    let (result, _) = run(spec, mock.url(), all, credentials).await;
    mock.shutdown().await.expect("the mock stops");
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_of_every_api_passes_against_the_mock() {
    let mut ran: BTreeMap<String, u64> = BTreeMap::new();
    for api in gamespec_spec::registry::apis()
        .iter()
        .map(|a| a.name.as_str())
    {
        let result = against_mock(api, 2).await;
        assert!(
            result.failures.is_empty(),
            "{api}: the mock conforms, so failures are the runner's:\n{}",
            summary(&result)
        );
        assert_eq!(result.stopped_early, None);
        assert_eq!(result.operations.len(), common::spec(api).operations.len());
        for op in &result.operations {
            assert_eq!(op.skipped, None, "{api} {}", op.operation);
            assert!(op.cases > 0, "{api} {} sent no case", op.operation);
        }
        assert!(
            result.stats.requests >= result.stats.cases,
            "{:?}",
            result.stats
        );
        let totals = gamespec_conformance::report::check_totals(&result);
        if declares_links(&common::spec(api).root) {
            // The spec's links (create → read → delete lifecycles) drive C012 and C013.
            for code in ["C012", "C013"] {
                let passed = totals.get(code).map_or(0, |t| t.passed);
                assert!(
                    passed > 0,
                    "{code} never ran on {api}:\n{}",
                    summary(&result)
                );
            }
        }
        for (code, tally) in totals {
            *ran.entry(code).or_default() += tally.passed;
        }
    }
    for check in checks::registry().iter().filter(|c| c.on_by_default()) {
        assert!(
            ran.get(check.code()).is_some_and(|&n| n > 0),
            "{} {} never passed on either spec: {ran:?}",
            check.code(),
            check.name()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stateful_sequences_are_not_disturbed_by_other_operations() {
    // The lifecycles the spec links (create → read → delete → read) share paths with other
    // operations of the same resource (`updatePlayerFile` writes the file `deletePlayerFile`
    // deleted); a sequence must see only its own writes, however the workers interleave.
    let spec = common::spec("lootlocker");
    let mock = MockServer::start(spec.clone(), MockOptions::default())
        .await
        .expect("the mock starts");
    let lifecycles = ["*PlayerFile*", "*PlayerHero*", "*AssetCandidate*"];
    for round in 0..3 {
        let (result, _) = run(
            spec.clone(),
            mock.url(),
            config(&lifecycles, &[Phase::Examples, Phase::Stateful], 2),
            mock.credentials().clone(),
        )
        .await;
        assert!(
            result.failures.is_empty(),
            "round {round}:\n{}",
            summary(&result)
        );
        let totals = gamespec_conformance::report::check_totals(&result);
        for code in ["C012", "C013"] {
            assert!(
                totals.get(code).is_some_and(|t| t.passed > 0),
                "{code}: {totals:?}"
            );
        }
    }
    mock.shutdown().await.expect("the mock stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guest_login_supplies_the_session_token() {
    let spec = common::spec("lootlocker");
    let mock = MockServer::start(spec.clone(), MockOptions::default())
        .await
        .expect("the mock starts");
    // Only the domain key: the session token must come from `startGuestSession`.
    let credentials: Credentials = mock
        .credentials()
        .iter()
        .filter(|(scheme, _)| *scheme == "domainKey")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let secured = ["ping", "getPlayerInfo", "listPlayerFiles"];
    let (result, _) = run(
        spec,
        mock.url(),
        config(&secured, &[Phase::Examples, Phase::Protocol], 2),
        credentials,
    )
    .await;
    assert!(result.failures.is_empty(), "{}", summary(&result));
    for id in secured {
        let op = operation(&result, id);
        assert_eq!(op.skipped, None, "{id}");
        // A valid request accepted (C007) proves the mock took the token it issued.
        for code in ["C007", "C010", "C011"] {
            let tally = op.checks.get(code).copied().unwrap_or_default();
            assert!(
                tally.passed > 0 && tally.failed == 0,
                "{id} {code}: {tally:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_that_cannot_work_skips_secured_operations_and_says_why() {
    let spec = common::spec("lootlocker");
    let log = Log::default();
    let url = serve(lootlocker::uniform_server(500, Duration::ZERO, log.clone())).await;
    // `getGameInfo` is open (`security: []`), `ping` needs the session token.
    let (result, _) = run(
        spec,
        &url,
        config(&["ping", "getGameInfo"], &[Phase::Examples], 2),
        Credentials::new(),
    )
    .await;
    let why = operation(&result, "ping")
        .skipped
        .clone()
        .expect("ping is skipped without a session token");
    for part in [
        "sessionToken",
        "GAMESPEC_SESSION_TOKEN",
        "startGuestSession",
        "status 500",
    ] {
        assert!(why.contains(part), "{part:?} missing from {why:?}");
    }
    let open = operation(&result, "getGameInfo");
    assert_eq!(open.skipped, None);
    assert!(open.cases > 0);
    let paths: Vec<String> = log.seen().into_iter().map(|s| s.path).collect();
    assert!(
        paths.contains(&"/game/v2/session/guest".to_owned()),
        "{paths:?}"
    );
    assert!(!paths.contains(&"/game/ping".to_owned()), "{paths:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conformant_server_passes() {
    // The baseline for the tests below: the helper server breaks nothing unless told to.
    let spec = common::spec("lootlocker");
    let url = serve(lootlocker::player_server(
        Breakage::default(),
        Log::default(),
    ))
    .await;
    let phases = [
        Phase::Examples,
        Phase::Boundary,
        Phase::Positive,
        Phase::Negative,
        Phase::Protocol,
    ];
    let (result, _) = run(
        spec,
        &url,
        config(&["ping", "getPlayerName", "setPlayerName"], &phases, 3),
        session(),
    )
    .await;
    assert!(result.failures.is_empty(), "{}", summary(&result));
    assert!(operation(&result, "ping").cases > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misbehaving_ping_is_recorded_once_per_kind_with_a_curl_line() {
    let spec = common::spec("lootlocker");
    let breakage = Breakage {
        ping_body: true,
        undocumented_status: true,
        no_allow: true,
        ..Breakage::default()
    };
    let url = serve(lootlocker::player_server(breakage, Log::default())).await;
    let phases = [
        Phase::Examples,
        Phase::Boundary,
        Phase::Positive,
        Phase::Negative,
        Phase::Protocol,
    ];
    let (result, redactor) = run(spec, &url, config(&["ping"], &phases, 3), session()).await;
    let expected: BTreeSet<String> = ["C002", "C005", "C009"].map(String::from).into();
    assert_eq!(codes(&result), expected, "{}", summary(&result));
    for code in &expected {
        let records: Vec<_> = result.failures.iter().filter(|f| &f.code == code).collect();
        assert_eq!(records.len(), 1, "one record of {code}: {records:#?}");
        let tally = operation(&result, "ping").checks[code.as_str()];
        assert!(tally.failed >= 1, "{code}: {tally:?}");
    }
    for failure in &result.failures {
        assert_eq!(failure.operation, "ping");
        let line = curl::curl(&failure.exchange.request, &redactor);
        assert!(line.starts_with("curl "), "{line}");
        assert!(line.contains(&format!("{url}/game/ping")), "{line}");
        assert!(failure.exchange.response.is_ok(), "{failure:?}");
    }
    let by_code = |code: &str| {
        result
            .failures
            .iter()
            .find(|f| f.code == code)
            .expect("recorded")
    };
    assert_eq!(by_code("C002").failure.actual, "status 202");
    assert!(by_code("C005").failure.actual.starts_with("/success: "));
    assert_eq!(by_code("C009").failure.actual, "status 405 without Allow");
    assert_eq!(by_code("C009").exchange.request.method, "PUT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_random_case_is_shrunk() {
    const LIMIT: usize = 8;
    let spec = common::spec("lootlocker");
    let log = Log::default();
    let breakage = Breakage {
        name_limit: Some(LIMIT),
        ..Breakage::default()
    };
    let url = serve(lootlocker::player_server(breakage, log.clone())).await;
    let (result, _) = run(
        spec,
        &url,
        config(&["setPlayerName"], &[Phase::Positive], 10),
        session(),
    )
    .await;
    assert_eq!(
        codes(&result),
        BTreeSet::from(["C007".to_owned()]),
        "{}",
        summary(&result)
    );
    let recorded = result.failures[0]
        .exchange
        .case
        .body
        .as_ref()
        .and_then(|b| b.value.get("name"))
        .and_then(|n| n.as_str())
        .expect("the failing case has a name")
        .chars()
        .count();
    let lengths = lootlocker::rename_lengths(&log);
    let first_failing = lengths
        .iter()
        .copied()
        .find(|&n| n > LIMIT)
        .expect("some draw was too long");
    assert_eq!(recorded, LIMIT + 1, "sent lengths: {lengths:?}");
    assert!(
        first_failing >= recorded + 5,
        "the first failing draw ({first_failing}) was already short: {lengths:?}"
    );
    let stats = result.stats;
    assert!(stats.shrink_requests > 0, "{stats:?}");
    assert!(
        stats.shrink_requests <= u64::from(RunConfig::default().max_shrink_requests),
        "{stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_budget_caps_requests() {
    let spec = common::spec("lootlocker");
    let log = Log::default();
    let url = serve(lootlocker::uniform_server(200, Duration::ZERO, log.clone())).await;
    let mut budget = config(&[], &Phase::ALL, 2);
    budget.max_requests = Some(20);
    // Both schemes given, so no login request is sent besides the budgeted ones.
    let mut credentials = session();
    credentials.insert("domainKey".into(), "domain-key-for-tests".into());
    let (result, _) = run(spec, &url, budget, credentials).await;
    assert_eq!(
        result.stopped_early.as_deref(),
        Some("request budget of 20 spent")
    );
    assert_eq!(result.stats.requests, 20, "{:?}", result.stats);
    assert_eq!(log.count(), 20);

    // A login is outside both the budget and `Stats::requests`: the server sees one more.
    let log = Log::default();
    let url = serve(lootlocker::echoing_server(
        "sess_budget_5e6f7a8b9c",
        log.clone(),
    ))
    .await;
    let mut budget = config(&["ping", "getPlayer*"], &Phase::ALL, 2);
    budget.max_requests = Some(20);
    let (result, _) = run(common::spec("lootlocker"), &url, budget, Credentials::new()).await;
    assert_eq!(result.stats.requests, 20, "{:?}", result.stats);
    let logins = log
        .seen()
        .iter()
        .filter(|s| s.path == "/game/v2/session/guest")
        .count();
    assert_eq!((log.count(), logins), (21, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_budget_stops_the_run() {
    let spec = common::spec("lootlocker");
    let log = Log::default();
    let url = serve(lootlocker::uniform_server(
        200,
        Duration::from_millis(20),
        log.clone(),
    ))
    .await;
    let mut budget = config(&[], &Phase::ALL, 2);
    budget.time_budget = Some(Duration::from_millis(400));
    let (result, _) = run(spec, &url, budget, session()).await;
    assert_eq!(
        result.stopped_early.as_deref(),
        Some("time budget of 0.4s spent")
    );
    // In-flight requests finish (20 ms each); nothing new starts after the deadline.
    assert!(
        result.duration < Duration::from_secs(2),
        "{:?}",
        result.duration
    );
    assert!(log.count() > 0);
    assert_eq!(
        result.stats.requests,
        log.count() as u64,
        "{:?}",
        result.stats
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_spaces_requests_from_the_first_one() {
    let spec = common::spec("lootlocker");
    let log = Log::default();
    let url = serve(lootlocker::uniform_server(200, Duration::ZERO, log.clone())).await;
    let mut paced = config(&[], &Phase::ALL, 2);
    paced.rate_limit = Some(50);
    paced.max_requests = Some(50);
    let (result, _) = run(spec, &url, paced, session()).await;
    assert_eq!(log.count(), 50);
    // 50 requests at 50/s: 49 gaps of 20 ms, no burst up front.
    assert!(
        result.duration >= Duration::from_millis(800),
        "{:?}",
        result.duration
    );
    assert!(
        result.duration < Duration::from_secs(5),
        "{:?}",
        result.duration
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_pauses_the_run_and_the_case_is_retried() {
    let spec = common::spec("lootlocker");
    let log = Log::default();
    let breakage = Breakage {
        rate_limit_first: true,
        ..Breakage::default()
    };
    let url = serve(lootlocker::player_server(breakage, log.clone())).await;
    let (result, _) = run(
        spec,
        &url,
        config(&["ping"], &[Phase::Examples], 2),
        session(),
    )
    .await;
    assert!(result.failures.is_empty(), "{}", summary(&result));
    assert_eq!(result.stats.rate_limited, 1, "{:?}", result.stats);
    assert!(
        result.duration >= Duration::from_secs(1),
        "{:?}",
        result.duration
    );
    let ping = operation(&result, "ping");
    assert_eq!(ping.cases, 1);
    assert_eq!(ping.rate_limited, 1);
    // The 429 is judged for its form (its documented body and `Retry-After`), then the retry
    // by every check; the server's decision (C007) only once, on the retry.
    assert_eq!(ping.checks["C005"].passed, 2);
    assert!(ping.checks["C004"].passed >= 1, "{:?}", ping.checks);
    assert_eq!(ping.checks["C007"].passed, 1);
    // The 429 and the retry.
    assert_eq!(log.count(), 2);
    assert_eq!(result.stats.requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_that_breaks_its_schema_is_reported_before_the_retry() {
    // An HTTP date is valid HTTP, but the spec documents `Retry-After` as integer seconds.
    let spec = common::spec("lootlocker");
    let breakage = Breakage {
        rate_limit_first: true,
        retry_after: Some("Wed, 21 Oct 2015 07:28:00 GMT"),
        ..Breakage::default()
    };
    let log = Log::default();
    let url = serve(lootlocker::player_server(breakage, log.clone())).await;
    let (result, _) = run(
        spec,
        &url,
        config(&["ping"], &[Phase::Examples], 2),
        session(),
    )
    .await;
    assert_eq!(
        codes(&result),
        BTreeSet::from(["C004".to_owned()]),
        "{}",
        summary(&result)
    );
    let failure = &result.failures[0];
    assert!(
        failure.failure.expected.contains("Retry-After"),
        "{failure:?}"
    );
    assert_eq!(
        failure.exchange.response.as_ref().map(|r| r.status),
        Ok(429)
    );
    // The retry came and was judged by every check: the operation is tested.
    let ping = operation(&result, "ping");
    assert_eq!((ping.cases, ping.rate_limited, log.count()), (1, 1, 2));
    assert_eq!(ping.checks["C007"].passed, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_budget_holds_against_long_retry_after_pauses() {
    let spec = common::spec("lootlocker");
    let log = Log::default();
    let url = serve(hostile::rate_limit_server("60", log.clone())).await;
    let mut budget = config(&["ping", "getPlayerName"], &Phase::ALL, 2);
    budget.time_budget = Some(Duration::from_millis(1500));
    // Longer than the budget: the budget decides.
    budget.max_retry_after = Duration::from_secs(30);
    let (result, _) = run(spec, &url, budget, session()).await;
    assert!(
        result.duration < Duration::from_millis(2500),
        "{:?}",
        result.duration
    );
    assert_eq!(
        result.stopped_early.as_deref(),
        Some("time budget of 1.5s spent")
    );
    let coverage = result.coverage();
    assert_eq!((coverage.selected, coverage.tested), (2, 0), "{coverage:?}");
    for u in &coverage.untested {
        assert!(
            u.reason
                .starts_with("time budget of 1.5s spent before its first case"),
            "{u:?}"
        );
    }
    // Whichever operation sent first got the 429 (the other waited in the pause).
    assert!(
        coverage
            .untested
            .iter()
            .any(|u| u.reason.contains("1 answer(s) were rate limits")),
        "{coverage:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mode_skips_unsafe_operations_and_sends_no_unsafe_method() {
    let spec = common::spec("lootlocker");
    let log = Log::default();
    let url = serve(lootlocker::uniform_server(200, Duration::ZERO, log.clone())).await;
    let mut read_only = config(&["*PlayerFile*"], &Phase::ALL, 2);
    read_only.read_only = true;
    let (result, _) = run(spec.clone(), &url, read_only, session()).await;
    let mut safe = 0;
    for op in spec
        .operations
        .iter()
        .filter(|o| o.id.contains("PlayerFile"))
    {
        let got = operation(&result, &op.id);
        if runner::UNSAFE_METHODS.contains(&op.method.to_ascii_uppercase().as_str()) {
            assert_eq!(got.skipped.as_deref(), Some("read-only mode"), "{}", op.id);
        } else {
            safe += 1;
            assert_eq!(got.skipped, None, "{}", op.id);
            assert!(got.cases > 0, "{}", op.id);
        }
    }
    assert!(safe >= 2, "the filter selects reads");
    // Not even a protocol probe with an undeclared method may change state.
    let methods: BTreeSet<String> = log.seen().into_iter().map(|s| s.method).collect();
    assert!(
        methods
            .iter()
            .all(|m| !runner::UNSAFE_METHODS.contains(&m.as_str())),
        "{methods:?}"
    );
}

/// The operationIds `config` selects, by the plan.
fn planned(spec: &Spec, config: &RunConfig) -> BTreeSet<String> {
    runner::plan(spec, config)
        .into_iter()
        .filter(|p| p.skipped.is_none())
        .map(|p| p.operation)
        .collect()
}

#[test]
fn filters_select_what_they_say() {
    let spec = common::spec("lootlocker");
    let with = |filters: Filters| RunConfig {
        filters,
        ..RunConfig::default()
    };
    let expect = |f: &dyn Fn(&gamespec_spec::spec::Operation) -> bool| {
        spec.operations
            .iter()
            .filter(|o| f(o))
            .map(|o| o.id.clone())
            .collect::<BTreeSet<String>>()
    };
    let cases: Vec<(Filters, BTreeSet<String>)> = vec![
        (
            Filters {
                operations: vec!["get*Hero*".into()],
                ..Filters::default()
            },
            expect(&|o| o.id.starts_with("get") && o.id.contains("Hero")),
        ),
        (
            Filters {
                operations: vec!["*PlayerFile*".into()],
                exclude: vec!["delete*".into()],
                ..Filters::default()
            },
            expect(&|o| o.id.contains("PlayerFile") && !o.id.starts_with("delete")),
        ),
        (
            Filters {
                tags: vec!["Leaderboards".into()],
                ..Filters::default()
            },
            expect(&|o| runner::tags(&spec, o).contains(&"Leaderboards".to_owned())),
        ),
        (
            Filters {
                methods: vec!["DELETE".into()],
                ..Filters::default()
            },
            expect(&|o| o.method.eq_ignore_ascii_case("DELETE")),
        ),
        (
            Filters {
                tags: vec!["Leaderboards".into()],
                methods: vec!["POST".into()],
                ..Filters::default()
            },
            expect(&|o| {
                o.method.eq_ignore_ascii_case("POST")
                    && runner::tags(&spec, o).contains(&"Leaderboards".to_owned())
            }),
        ),
    ];
    for (filters, expected) in cases {
        let label = format!("{filters:?}");
        assert!(expected.len() >= 2, "{label} selects too little to tell");
        assert!(expected.len() < spec.operations.len(), "{label}");
        let plan = runner::plan(&spec, &with(filters));
        assert_eq!(plan.len(), spec.operations.len());
        let selected: BTreeSet<String> = plan
            .iter()
            .filter(|p| p.skipped.is_none())
            .map(|p| p.operation.clone())
            .collect();
        assert_eq!(selected, expected, "{label}");
        for p in plan.iter().filter(|p| p.skipped.is_some()) {
            assert_eq!(p.skipped.as_deref(), Some("filtered out"), "{label}");
            assert!(p.cases.is_empty());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_sends_nothing_and_the_run_follows_it() {
    let spec = common::spec("lootlocker");
    let log = Log::default();
    let url = serve(lootlocker::uniform_server(200, Duration::ZERO, log.clone())).await;
    let mut filtered = config(&["*Progression*"], &[Phase::Examples], 2);
    filtered.filters.methods = vec!["GET".into()];
    let plan = planned(&spec, &filtered);
    assert!(plan.len() >= 3, "{plan:?}");
    assert_eq!(log.count(), 0, "the plan sent requests");
    let (result, _) = run(spec, &url, filtered, session()).await;
    let ran: BTreeSet<String> = result
        .operations
        .iter()
        .filter(|o| o.skipped.is_none())
        .map(|o| o.operation.clone())
        .collect();
    assert_eq!(ran, plan);
    assert!(log.count() >= plan.len());
    assert!(log.seen().iter().all(|s| s.method == "GET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_disabled_for_one_operation_is_silenced_there_only() {
    let spec = common::spec("lootlocker");
    let breakage = Breakage {
        ping_body: true,
        name_body: true,
        ..Breakage::default()
    };
    let url = serve(lootlocker::player_server(breakage, Log::default())).await;
    let both = config(&["ping", "getPlayerName"], &[Phase::Examples], 2);
    let (before, _) = run(spec.clone(), &url, both.clone(), session()).await;
    let failing = |result: &RunResult| -> BTreeSet<(String, String)> {
        result
            .failures
            .iter()
            .map(|f| (f.code.clone(), f.operation.clone()))
            .collect()
    };
    let pair = |code: &str, op: &str| (code.to_owned(), op.to_owned());
    assert_eq!(
        failing(&before),
        BTreeSet::from([pair("C005", "ping"), pair("C005", "getPlayerName")]),
        "{}",
        summary(&before)
    );
    let mut quieter = both;
    quieter
        .checks
        .disabled_for
        .insert("ping".into(), BTreeSet::from(["C005"]));
    let (after, _) = run(spec, &url, quieter, session()).await;
    assert_eq!(
        failing(&after),
        BTreeSet::from([pair("C005", "getPlayerName")]),
        "{}",
        summary(&after)
    );
    let ping = operation(&after, "ping");
    assert!(!ping.checks.contains_key("C005"), "{:?}", ping.checks);
    assert_eq!(
        ping.checks["C001"].passed, 1,
        "the other checks still run there"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_report_shows_a_credential() {
    /// Issued by the server's guest login, then echoed in its answers.
    const SESSION: &str = "sess_echoed_0d9c8b7a6f5e4d3c";
    /// Given to the run, then echoed.
    const DOMAIN_KEY: &str = "dk_echoed_1a2b3c4d5e6f";
    let spec = common::spec("lootlocker");
    let log = Log::default();
    let url = serve(lootlocker::echoing_server(SESSION, log.clone())).await;
    let credentials = Credentials::from([("domainKey".to_owned(), DOMAIN_KEY.to_owned())]);
    // `ping` takes the session token, `signInWhiteLabelUser` the domain key.
    let (result, redactor) = run(
        spec,
        &url,
        config(&["ping", "signInWhiteLabelUser"], &[Phase::Examples], 2),
        credentials,
    )
    .await;
    let raw = serde_json::to_string(&result).expect("the result serialises");
    for secret in [SESSION, DOMAIN_KEY] {
        assert!(raw.contains(secret), "the run never saw {secret}");
    }
    assert!(
        result.failures.iter().any(|f| f.operation == "ping")
            && result
                .failures
                .iter()
                .any(|f| f.operation == "signInWhiteLabelUser"),
        "{}",
        summary(&result)
    );
    let reports = [
        ("console", console::console(&result, &redactor, false)),
        ("junit", junit::junit(&result, &redactor).expect("JUnit")),
        ("markdown", markdown::markdown(&result, &redactor)),
        (
            "ndjson",
            ndjson::ndjson(&result, &redactor).expect("NDJSON"),
        ),
        ("json", redactor.redact(&raw)),
    ];
    for (name, text) in reports {
        for secret in [SESSION, DOMAIN_KEY] {
            assert!(!text.contains(secret), "{name} shows {secret}:\n{text}");
        }
        for placeholder in ["${GAMESPEC_SESSION_TOKEN}", "${GAMESPEC_DOMAIN_KEY}"] {
            assert!(
                text.contains(placeholder),
                "{name} lacks {placeholder}:\n{text}"
            );
        }
    }
}

/// Whether any response of the document declares OpenAPI links.
fn declares_links(root: &serde_json::Value) -> bool {
    root["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .any(|(_, item)| {
            item.as_object().into_iter().flatten().any(|(_, op)| {
                op["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .any(|(_, r)| r.get("links").is_some())
            })
        })
}

/// SHA-256 of `bytes`, hex.
fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every report of `result` as text, by format name.
fn all_reports(result: &RunResult, redactor: &Redactor) -> Vec<(&'static str, String)> {
    vec![
        ("console", console::console(result, redactor, false)),
        ("junit", junit::junit(result, redactor).expect("JUnit")),
        ("markdown", markdown::markdown(result, redactor)),
        ("ndjson", ndjson::ndjson(result, redactor).expect("NDJSON")),
        ("json", serde_json::to_string_pretty(result).expect("JSON")),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_of_15_mb_are_kept_as_excerpts_with_size_and_hash() {
    const SIZE: usize = 15_000_000;
    let spec = common::spec("lootlocker");
    let body = hostile::huge_body(SIZE);
    let url = serve(hostile::fixed_server(&[], body.clone(), Log::default())).await;
    let (result, redactor) = run(
        spec,
        &url,
        config(&["ping", "getPlayerName"], &Phase::ALL, 2),
        session(),
    )
    .await;
    assert!(!result.failures.is_empty(), "{}", summary(&result));
    let hash = sha256(&body);
    for failure in &result.failures {
        let response = failure.exchange.response.as_ref().expect("an answer");
        assert!(response.body.len() <= 4096, "{}", response.body.len());
        let kept = response
            .kept
            .as_ref()
            .expect("a kept body says what it was");
        assert_eq!((kept.size, kept.truncated), (SIZE as u64, true));
        assert_eq!(kept.sha256, hash);
    }
    // Bounded reports: at most 5 failures per operation and check, 4 KiB of body each.
    for (name, text) in all_reports(&result, &redactor) {
        assert!(text.len() < 256 * 1024, "{name}: {} bytes", text.len());
    }
    let console = console::console(&result, &redactor, false);
    assert!(
        console.contains(&format!("{SIZE} bytes, sha256 {hash}, an excerpt kept")),
        "{console}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_beyond_five_per_operation_and_check_are_counted_not_kept() {
    let spec = common::spec("lootlocker");
    // The operation documenting the most JSON answers: each status a kind of C005 failure.
    let op = spec
        .operations
        .iter()
        .filter(|o| {
            o.security
                .iter()
                .any(|s| s.iter().any(|n| n == "sessionToken"))
        })
        .max_by_key(|o| o.responses.iter().filter(|r| r.content.is_some()).count())
        .expect("an operation");
    let statuses: Vec<u16> = op
        .responses
        .iter()
        .filter(|r| r.content.is_some())
        .map(|r| r.status)
        .collect();
    assert!(statuses.len() > 5, "{}: {statuses:?}", op.id);
    let url = serve(hostile::cycling_server(statuses.clone(), Log::default())).await;
    let phases = [
        Phase::Examples,
        Phase::Boundary,
        Phase::Positive,
        Phase::Negative,
    ];
    let (result, redactor) = run(
        spec.clone(),
        &url,
        config(&[&op.id], &phases, 10),
        session(),
    )
    .await;
    let kept = result.failures.iter().filter(|f| f.code == "C005").count();
    let counted = operation(&result, &op.id)
        .failures_not_kept
        .get("C005")
        .copied();
    assert_eq!(kept, 5, "{}", summary(&result));
    assert_eq!(
        counted,
        Some(statuses.len() as u64 - 5),
        "{}",
        summary(&result)
    );
    let console = console::console(&result, &redactor, false);
    assert!(
        console.contains("more failure(s) counted but not kept"),
        "{console}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_answers_are_judged_on_their_declared_encoding() {
    let spec = common::spec("lootlocker");
    let ping = br#"{"success":true,"date":"2026-06-01T10:00:00Z"}"#;
    // A conformant answer, gzip-encoded as declared: it passes.
    let url = serve(hostile::fixed_server(
        &[("content-encoding", "gzip")],
        hostile::gzip(ping),
        Log::default(),
    ))
    .await;
    let (result, _) = run(
        spec.clone(),
        &url,
        config(&["ping"], &[Phase::Examples], 2),
        session(),
    )
    .await;
    assert!(result.failures.is_empty(), "{}", summary(&result));
    assert_eq!(operation(&result, "ping").checks["C005"].passed, 1);

    // A broken one: its failure names the encoding.
    let url = serve(hostile::fixed_server(
        &[("content-encoding", "gzip")],
        hostile::gzip(br#"{"success":"yes"}"#),
        Log::default(),
    ))
    .await;
    let (result, redactor) = run(
        spec.clone(),
        &url,
        config(&["ping"], &[Phase::Examples], 2),
        session(),
    )
    .await;
    assert_eq!(codes(&result), BTreeSet::from(["C005".to_owned()]));
    let console = console::console(&result, &redactor, false);
    assert!(
        console.contains("status 200 (Content-Encoding gzip, decoded): {\"success\":\"yes\"}"),
        "{console}"
    );

    // A bomb: 20 MB of zeros in about 20 KB stops at the 16 MiB cap and names gzip.
    let bomb = hostile::gzip_zeros(20 << 20);
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    let url = serve(hostile::fixed_server(
        &[("content-encoding", "gzip")],
        bomb,
        Log::default(),
    ))
    .await;
    let (result, _) = run(
        spec,
        &url,
        config(&["ping"], &[Phase::Examples], 2),
        session(),
    )
    .await;
    assert_eq!(codes(&result), BTreeSet::from(["C000".to_owned()]));
    let error = result.failures[0]
        .exchange
        .response
        .as_ref()
        .expect_err("no answer");
    assert!(
        error.contains("larger than 16777216 bytes once decoded from its Content-Encoding `gzip`"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_body_that_is_not_utf8_fails_c005() {
    let spec = common::spec("lootlocker");
    // Lossy decoding would turn the byte into U+FFFD, a valid `name`.
    let body = axum::body::Bytes::from_static(b"{\"name\":\"Night\xffOwl\"}");
    let url = serve(hostile::fixed_server(&[], body, Log::default())).await;
    let (result, redactor) = run(
        spec,
        &url,
        config(&["getPlayerName"], &[Phase::Examples], 2),
        session(),
    )
    .await;
    assert_eq!(
        codes(&result),
        BTreeSet::from(["C005".to_owned()]),
        "{}",
        summary(&result)
    );
    assert_eq!(
        result.failures[0].failure.actual,
        "a body that is not UTF-8 (invalid byte at offset 14)"
    );
    let console = console::console(&result, &redactor, false);
    assert!(console.contains("not UTF-8 from byte 14"), "{console}");
}

#[test]
fn one_routing_table_reads_back_cases_as_a_table_per_operation_does() {
    // Planning shares one routing table among all operations (linear time); the read-back must
    // keep exactly the cases a table built around each operation keeps.
    for api in gamespec_spec::registry::apis() {
        let spec = common::spec(&api.name);
        let table = gamespec_conformance::generate::RouteTable::new(&spec);
        for (index, op) in spec.operations.iter().enumerate() {
            let shared =
                gamespec_conformance::generate::Readback::with_table(&spec, op, index, &table);
            let own = gamespec_conformance::generate::Readback::new(&spec, op);
            let fixed = gamespec_conformance::generate::negative_fixed_with(&spec, op, &shared);
            assert_eq!(
                gamespec_conformance::generate::boundary_with(&spec, op, &shared),
                gamespec_conformance::generate::boundary_with(&spec, op, &own),
                "{} {}",
                api.name,
                op.id
            );
            assert_eq!(
                fixed,
                gamespec_conformance::generate::negative_fixed_with(&spec, op, &own),
                "{} {}",
                api.name,
                op.id
            );
        }
    }
}

/// A spec of `n` operations (`n / 2` paths with a GET and a PUT), as JSON.
fn generated_spec(n: usize) -> serde_json::Value {
    let item = serde_json::json!({"$ref": "#/components/schemas/Item"});
    let mut paths = serde_json::Map::new();
    for i in 0..n / 2 {
        paths.insert(
            format!("/items{i}/{{id}}"),
            serde_json::json!({
                "get": {
                    "operationId": format!("getItem{i}"),
                    "parameters": [
                        {"name": "id", "in": "path", "required": true,
                         "schema": {"type": "integer", "minimum": 1}, "example": 3},
                        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 10}}
                    ],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": item}}},
                        "404": {"description": "none"}
                    }
                },
                "put": {
                    "operationId": format!("putItem{i}"),
                    "parameters": [{"name": "id", "in": "path", "required": true,
                                    "schema": {"type": "integer"}, "example": 3}],
                    "requestBody": {"required": true, "content": {"application/json": {
                        "schema": item, "example": {"name": "a", "size": 2}}}},
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": item}}},
                        "400": {"description": "bad"}
                    }
                }
            }),
        );
    }
    serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "generated", "version": "1"},
        "paths": paths,
        "components": {"schemas": {"Item": {
            "type": "object", "required": ["name"],
            "properties": {"name": {"type": "string", "maxLength": 20},
                           "size": {"type": "integer", "minimum": 0, "maximum": 9}}
        }}}
    })
}

/// The benchmark of planning: `cargo test -p gamespec-conformance --release --test runner --
/// --ignored planning_benchmark --nocapture` prints the time to load and to plan 1,000 to
/// 10,000 generated operations.
#[test]
#[ignore = "a benchmark: run it with --ignored --nocapture"]
fn planning_benchmark() {
    use gamespec_spec::registry::Profile;
    let mut last = None;
    for n in [1_000, 2_000, 5_000, 10_000] {
        let started = std::time::Instant::now();
        let spec = Spec::from_value(
            "generated.json".into(),
            generated_spec(n),
            Profile::generic(),
        )
        .expect("the generated spec loads");
        let loaded = started.elapsed();
        let started = std::time::Instant::now();
        let plan = runner::plan(&spec, &RunConfig::default());
        let planned = started.elapsed();
        assert_eq!(plan.iter().filter(|p| p.skipped.is_none()).count(), n);
        eprintln!(
            "{n} operations: loaded in {:.2} s, planned in {:.2} s ({:.0} µs per operation)",
            loaded.as_secs_f64(),
            planned.as_secs_f64(),
            planned.as_secs_f64() * 1e6 / n as f64
        );
        last = Some(planned);
    }
    assert!(last.is_some());
}
