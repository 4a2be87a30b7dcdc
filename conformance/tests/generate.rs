//! Request generation against both specs: every phase's cases read back as they should (valid
//! ones valid, negative ones invalid exactly where they say), positive cases shrink, secured
//! operations get protocol cases, and end to end the mock answers each case as its intent
//! predicts.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use gamespec_conformance::case::{Case, Intent};
use gamespec_conformance::generate::{self, Kind, Readback};
use gamespec_conformance::wire;
use gamespec_spec::spec::{Operation, Spec};
use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Random cases drawn per operation and phase.
const DRAWS: usize = 50;

fn runner(seed: u8) -> TestRunner {
    TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    )
}

fn draw(strategy: &BoxedStrategy<Case>, runner: &mut TestRunner, n: usize) -> Vec<Case> {
    (0..n)
        .map(|_| {
            strategy
                .new_tree(runner)
                .unwrap_or_else(|e| panic!("cannot draw: {e}"))
                .current()
        })
        .collect()
}

/// Whether `prefix` is `location` or one of its ancestors (`body` of `body/a`).
fn covers(prefix: &str, location: &str) -> bool {
    location == prefix
        || location
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Why a negative case is not what it claims, if it is not: it must break the contract, reach
/// the operation, and have a problem at (or above) the location it names.
fn wrong_negative(readback: &Readback, case: &Case) -> Option<String> {
    let Intent::Invalid { location, reason } = &case.intent else {
        return Some(format!("intent {:?} is not Invalid", case.intent));
    };
    let problems = readback.problems(case);
    if problems.is_empty() {
        return Some(format!("{location} ({reason}): the case reads back valid"));
    }
    if problems.iter().any(|p| p.kind != Kind::Contract) {
        return Some(format!(
            "{location} ({reason}): does not reach the operation: {problems:?}"
        ));
    }
    if !problems.iter().any(|p| covers(&p.location, location)) {
        return Some(format!(
            "{location} ({reason}): problems are elsewhere: {problems:?}"
        ));
    }
    None
}

fn check_phases(api: &str) {
    let spec = common::spec(api);
    let mut failures = Vec::new();
    let mut counts = [0usize; 5];
    let mut unbreakable = Vec::new();
    for (i, op) in spec.operations.iter().enumerate() {
        let readback = Readback::new(&spec, op);
        let mut valid = |phase: &str, cases: &[Case]| {
            for case in cases {
                if let Err(e) = generate::validate(&spec, op, case) {
                    failures.push(format!("{} [{phase}] {case:?}\n  {e}", op.id));
                }
            }
        };
        let examples = generate::examples(&spec, op);
        assert!(!examples.is_empty(), "{}: no example case", op.id);
        valid("examples", &examples);
        let boundary = generate::boundary(&spec, op);
        assert!(!boundary.is_empty(), "{}: no boundary case", op.id);
        valid("boundary", &boundary);
        let positive = generate::positive(&spec, op).unwrap_or_else(|e| panic!("{e}"));
        let drawn = draw(&positive, &mut runner(i as u8), DRAWS);
        valid("positive", &drawn);
        counts[0] += examples.len();
        counts[1] += boundary.len();
        counts[2] += drawn.len();

        let fixed = generate::negative_fixed(&spec, op);
        let random =
            match generate::negative(&spec, op) {
                Ok(s) => draw(&s, &mut runner(i as u8 ^ 0x5a), DRAWS),
                Err(e @ generate::GenError::NothingToBreak { .. }) => {
                    assert!(fixed.is_empty(), "{e}, yet fixed negative cases exist");
                    // A body or a required query/header parameter always gives a violation.
                    assert!(op.body.is_none(), "{e}, yet it takes a body");
                    assert!(
                        !op.parameters.iter().any(|p| p.required
                            && p.location != gamespec_spec::spec::ParamLocation::Path),
                        "{e}, yet it has a required parameter"
                    );
                    unbreakable.push(op.id.clone());
                    Vec::new()
                }
                Err(e) => panic!("{e}"),
            };
        for case in fixed.iter().chain(&random) {
            if let Some(why) = wrong_negative(&readback, case) {
                failures.push(format!("{} [negative] {why}", op.id));
            }
        }
        counts[3] += fixed.len();
        counts[4] += random.len();
    }
    eprintln!(
        "{api}: {} operations; cases: {} examples, {} boundary, {} positive, {} fixed negative, {} random negative; no negative case: {unbreakable:?}",
        spec.operations.len(),
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        counts[4]
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn cases_of_every_api_read_back_as_intended() {
    for api in gamespec_spec::registry::apis()
        .iter()
        .map(|a| a.name.as_str())
    {
        check_phases(api);
    }
}

/// Shrinking a drawn case (always accepting the simpler value) ends at a smaller case that is
/// still valid.
#[test]
fn positive_cases_shrink_to_smaller_valid_cases() {
    let mut shrunk = 0;
    let mut tried = 0;
    for api in gamespec_spec::registry::apis()
        .iter()
        .map(|a| a.name.as_str())
    {
        let spec = common::spec(api);
        for (i, op) in spec.operations.iter().enumerate() {
            if op.body.is_none() && op.parameters.len() < 2 {
                continue;
            }
            let strategy = generate::positive(&spec, op).unwrap();
            let mut runner = runner(i as u8);
            let mut tree = strategy.new_tree(&mut runner).unwrap();
            let size = |c: &Case| serde_json::to_string(c).unwrap().len();
            let before = size(&tree.current());
            let mut steps = 0;
            while steps < 20_000 && tree.simplify() {
                steps += 1;
            }
            let after = tree.current();
            assert!(size(&after) <= before, "{}: grew while shrinking", op.id);
            if let Err(e) = generate::validate(&spec, op, &after) {
                panic!("{}: the shrunk case is invalid: {e}\n{after:?}", op.id);
            }
            tried += 1;
            if size(&after) < before {
                shrunk += 1;
            }
        }
    }
    assert!(
        shrunk * 2 > tried,
        "only {shrunk} of {tried} cases got smaller"
    );
}

/// Secured operations get both credential cases, every required header its own case, and each
/// path with a free method one undeclared-method case.
#[test]
fn protocol_cases_cover_credentials_headers_and_methods() {
    for api in gamespec_spec::registry::apis()
        .iter()
        .map(|a| a.name.as_str())
    {
        let spec = common::spec(api);
        let mut undeclared = 0;
        for op in &spec.operations {
            let base = &generate::examples(&spec, op)[0];
            let cases = generate::protocol(&spec, op, base);
            let has = |i: &Intent| cases.iter().any(|c| &c.intent == i);
            let secured = !op.security.is_empty();
            assert_eq!(has(&Intent::MissingCredentials), secured, "{}", op.id);
            assert_eq!(has(&Intent::InvalidCredentials), secured, "{}", op.id);
            for p in op.parameters.iter().filter(|p| p.required) {
                if p.location == gamespec_spec::spec::ParamLocation::Header {
                    let i = Intent::MissingHeader {
                        name: p.name.clone(),
                    };
                    assert!(has(&i), "{}: no case without {}", op.id, p.name);
                }
            }
            undeclared += cases
                .iter()
                .filter(|c| matches!(c.intent, Intent::UndeclaredMethod { .. }))
                .count();
        }
        let mut paths: Vec<&str> = spec.operations.iter().map(|o| o.path.as_str()).collect();
        paths.sort();
        paths.dedup();
        let free = paths
            .iter()
            .filter(|p| spec.operations.iter().filter(|o| &o.path == *p).count() < 5)
            .count();
        assert_eq!(
            undeclared, free,
            "{api}: one undeclared-method case per path"
        );
    }
}

/// The status the mock must answer `case` with, and whether `status` is it.
fn expected(op: &Operation, case: &Case, status: u16) -> Result<(), String> {
    let want = match &case.intent {
        Intent::Valid => op.success().map(|r| r.status),
        Intent::Invalid { .. } => {
            return if (400..500).contains(&status) && op.response(status).is_some() {
                Ok(())
            } else {
                Err(format!(
                    "a documented 4xx ({})",
                    gamespec_spec::spec::statuses(op)
                ))
            };
        }
        Intent::MissingCredentials | Intent::InvalidCredentials => {
            op.unauthorized().map(|r| r.status)
        }
        Intent::MissingHeader { .. } => op.client_error().map(|r| r.status),
        Intent::UndeclaredMethod { .. } => Some(405),
        other => return Err(format!("no expectation for {other:?}")),
    };
    match want {
        Some(w) if w == status => Ok(()),
        w => Err(format!("{w:?}")),
    }
}

/// Every case of every phase, sent to the mock, gets the answer its intent predicts.
async fn end_to_end(api: &str) {
    let spec = common::spec(api);
    let server = common::start(api).await;
    let url = server.url().to_owned();
    let credentials = Arc::new(server.credentials().clone());
    let client = wire::client(Duration::from_secs(20));
    let mut cases: Vec<Case> = Vec::new();
    for (i, op) in spec.operations.iter().enumerate() {
        let examples = generate::examples(&spec, op);
        cases.extend(generate::protocol(&spec, op, &examples[0]));
        cases.extend(examples);
        cases.extend(generate::boundary(&spec, op));
        let positive = generate::positive(&spec, op).unwrap();
        cases.extend(draw(&positive, &mut runner(i as u8), 10));
        cases.extend(generate::negative_fixed(&spec, op));
        if let Ok(negative) = generate::negative(&spec, op) {
            cases.extend(draw(&negative, &mut runner(i as u8 ^ 0x33), 10));
        }
    }
    let total = cases.len();
    // Deletes go last, once every other answer is in: sent among the others, a delete could
    // remove what a concurrent valid read of the same id (a boundary value both draw) expects.
    let (deletes, others): (Vec<Case>, Vec<Case>) = cases
        .into_iter()
        .partition(|c| c.method.eq_ignore_ascii_case("delete"));
    let mut tasks = tokio::task::JoinSet::new();
    let mut failures = Vec::new();
    let mut pending = others.into_iter();
    let mut deletes = Some(deletes);
    loop {
        while tasks.len() < 16 {
            let case = match pending.next() {
                Some(case) => case,
                // The last of the others is sent: the deletes follow when it is answered.
                None if tasks.is_empty() => match deletes.take() {
                    Some(rest) => {
                        pending = rest.into_iter();
                        continue;
                    }
                    None => break,
                },
                None => break,
            };
            let (spec, client, url, credentials) = (
                spec.clone(),
                client.clone(),
                url.clone(),
                credentials.clone(),
            );
            tasks.spawn(async move {
                let label = format!("{} {:?}", case.operation, case.intent);
                let op = spec.operation(&case.operation).unwrap().clone();
                let exchange = wire::exchange(&client, &spec, case, &url, &credentials)
                    .await
                    .map_err(|e| format!("{label}: unsendable: {e}"))?;
                let response = exchange
                    .response
                    .as_ref()
                    .map_err(|e| format!("{label}: {e}"))?;
                expected(&op, &exchange.case, response.status).map_err(|want| {
                    format!(
                        "{label}: {} {} got {}, expected {want}: {}\n  case: {:?}",
                        exchange.request.method,
                        exchange.request.url,
                        response.status,
                        response.body.chars().take(300).collect::<String>(),
                        exchange.case
                    )
                })
            });
        }
        match tasks.join_next().await {
            Some(result) => {
                if let Err(e) = result.expect("task ran") {
                    failures.push(e);
                }
            }
            None => break,
        }
    }
    eprintln!(
        "{api}: {total} cases sent to the mock, {} wrong",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} answers were not as the intent predicts:\n{}",
        failures.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_of_every_api_answers_every_case_as_intended() {
    for api in gamespec_spec::registry::apis()
        .iter()
        .map(|a| a.name.as_str())
    {
        end_to_end(api).await;
    }
}

/// A rough rate of positive generation (strategies built once per operation, then drawn), with
/// every drawn case still valid. Run with `--nocapture` to see the numbers.
#[test]
fn positive_generation_rate() {
    for api in gamespec_spec::registry::apis()
        .iter()
        .map(|a| a.name.as_str())
    {
        let spec: Arc<Spec> = common::spec(api);
        let started = Instant::now();
        let strategies: Vec<_> = spec
            .operations
            .iter()
            .map(|op| generate::positive(&spec, op).unwrap())
            .collect();
        let built = started.elapsed();
        let mut runner = runner(7);
        let started = Instant::now();
        let mut drawn = Vec::new();
        for s in &strategies {
            drawn.extend(draw(s, &mut runner, 40));
        }
        let elapsed = started.elapsed();
        let readbacks: Vec<Readback> = spec
            .operations
            .iter()
            .map(|op| Readback::new(&spec, op))
            .collect();
        let started = Instant::now();
        for (i, case) in drawn.iter().enumerate() {
            let problems = readbacks[i / 40].problems(case);
            assert!(problems.is_empty(), "{}: {problems:?}", case.operation);
        }
        let judged = started.elapsed();
        eprintln!(
            "{api}: strategies for {} operations built in {built:.2?}; {} positive cases drawn in {elapsed:.2?} ({:.0}/s), read back in {judged:.2?} ({:.0}/s)",
            spec.operations.len(),
            drawn.len(),
            drawn.len() as f64 / elapsed.as_secs_f64(),
            drawn.len() as f64 / judged.as_secs_f64()
        );
    }
}
