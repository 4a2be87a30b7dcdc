//! The mutation self-test: the mock told to deviate from its spec in one way at a time
//! (`mock::fault`), on every operation of every registered spec the deviation applies to, and
//! the runner run against it. A (kind, operation) pair counts as detected when one of the
//! checks meant for the kind fails on that operation. The clean mock must give no failure at
//! all (no false positives); the detected share must be at least 98%.
//!
//! One mock per kind and spec carries the fault on all its operations at once (plus one for
//! the operations the runner logs in with, whose faults would keep every other operation from
//! being tested); failures are attributed per operation.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gamespec_conformance::case::{Intent, Phase};
use gamespec_conformance::mock::fault::{self, Fault, FaultKind, Trigger};
use gamespec_conformance::mock::{MockOptions, MockServer};
use gamespec_conformance::outcome::RunResult;
use gamespec_conformance::runner::{Filters, Quiet, RunConfig, Runner};
use gamespec_conformance::secrets::Redactor;
use gamespec_spec::spec::Spec;

/// The share of applicable pairs the runner must catch.
const TARGET: f64 = 0.98;

/// The phases that produce the requests a kind's checks judge: the runner as a user runs it
/// would send the others too, but they cannot catch the kind, and the test must stay short on
/// two cores. `None`: every phase (the clean run).
fn phases(kind: Option<FaultKind>) -> BTreeSet<Phase> {
    use FaultKind as K;
    let Some(kind) = kind else {
        return Phase::ALL.into_iter().collect();
    };
    let phases: &[Phase] = match kind {
        // Client errors come from invalid requests and from requests without credentials.
        K::ErrorShape | K::StackTrace => &[Phase::Negative, Phase::Protocol],
        K::InvalidAccepted | K::MissingParameterAccepted => &[Phase::Negative],
        K::MissingAllow | K::AuthIgnored | K::ForgedAccepted => &[Phase::Protocol],
        K::NonAsciiCrash => &[Phase::Boundary],
        K::DeleteKeeps | K::CreateLost | K::FailedWriteChanges | K::OtherPlayerVisible => {
            &[Phase::Stateful]
        }
        _ => &[Phase::Examples],
    };
    phases.iter().copied().collect()
}

fn config(kind: Option<FaultKind>, operations: &[String]) -> RunConfig {
    RunConfig {
        phases: phases(kind),
        filters: Filters {
            operations: operations.to_vec(),
            ..Filters::default()
        },
        max_examples: 2,
        max_shrink_requests: 2,
        timeout: Duration::from_secs(10),
        ..RunConfig::default()
    }
}

/// Run the runner on `operations` (all when empty) against a mock of `spec` with `faults`.
async fn run(
    spec: &Arc<Spec>,
    kind: Option<FaultKind>,
    faults: Vec<Fault>,
    operations: &[String],
) -> RunResult {
    let options = MockOptions {
        faults,
        ..MockOptions::default()
    };
    let mock = MockServer::start(spec.clone(), options)
        .await
        .expect("the mock starts");
    let t0 = Instant::now();
    let credentials = gamespec_conformance::auth::given_by_mock(spec, mock.credentials());
    let result = Runner::new(
        spec.clone(),
        mock.url(),
        config(kind, operations),
        Redactor::new(),
    )
    .run(credentials, Arc::new(Quiet))
    .await;
    let t1 = t0.elapsed();
    mock.shutdown().await.expect("the mock stops");
    eprintln!(
        "    run {:.1}s ({} cases), shutdown {:.1}s",
        t1.as_secs_f64(),
        result.stats.cases,
        (t0.elapsed() - t1).as_secs_f64()
    );
    result
}

/// The write a read of a sequence judges (the failure of a read after a delete is the
/// delete's, which the fault was injected into).
fn source(intent: &Intent) -> Option<&String> {
    match intent {
        Intent::AfterDelete { deleted_by } => Some(deleted_by),
        Intent::AfterCreate { created_by } => Some(created_by),
        Intent::AfterFailedWrite { written_by, .. } => Some(written_by),
        _ => None,
    }
}

/// Per kind: pairs applicable, pairs detected, and the operations missed.
#[derive(Debug, Default)]
struct Score {
    applicable: usize,
    detected: usize,
    missed: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_detects_injected_faults_and_none_on_the_clean_mock() {
    let started = Instant::now();
    let mut scores: BTreeMap<FaultKind, Score> = BTreeMap::new();
    let mut false_positives = Vec::new();
    for api in gamespec_spec::registry::apis() {
        let spec = Arc::new(Spec::load(&api.name).expect("a registered spec loads"));
        let clean = run(&spec, None, Vec::new(), &[]).await;
        eprintln!(
            "{}: clean run, {} failures, {:.1}s",
            api.name,
            clean.failures.len(),
            started.elapsed().as_secs_f64()
        );
        for f in &clean.failures {
            eprintln!(
                "  false positive {} {} [{}] {} {}: expected {}; actual {}",
                f.code,
                f.operation,
                f.exchange.case.phase.as_str(),
                f.exchange.request.method,
                f.exchange.request.url,
                f.failure.expected,
                f.failure.actual
            );
        }
        false_positives.extend(clean.failures.iter().map(|f| {
            format!(
                "{}: {} {} [{}]: expected {}; actual {}",
                api.name,
                f.code,
                f.operation,
                f.exchange.case.phase.as_str(),
                f.failure.expected,
                f.failure.actual
            )
        }));
        let logins: BTreeSet<&str> = spec
            .profile
            .logins
            .iter()
            .map(|l| l.operation.as_str())
            .collect();
        for kind in FaultKind::ALL {
            let applicable = fault::applicable(&spec, kind);
            // The login operations alone (a broken login leaves the rest untested); deletes
            // apart (their examples would delete what the reads of the same run show).
            let (login, rest): (Vec<String>, Vec<String>) = applicable
                .into_iter()
                .partition(|op| logins.contains(op.as_str()));
            let (deletes, rest): (Vec<String>, Vec<String>) = rest.into_iter().partition(|op| {
                spec.operation(op)
                    .is_some_and(|o| o.method.eq_ignore_ascii_case("DELETE"))
            });
            for batch in [rest, deletes, login] {
                if batch.is_empty() {
                    continue;
                }
                let faults = batch
                    .iter()
                    .map(|op| Fault {
                        kind,
                        operation: Some(op.clone()),
                        trigger: Trigger::Always,
                    })
                    .collect();
                let result = run(&spec, Some(kind), faults, &batch).await;
                let score = scores.entry(kind).or_default();
                for op in &batch {
                    score.applicable += 1;
                    let caught = result.failures.iter().any(|f| {
                        kind.detected_by().contains(&f.code.as_str())
                            && (&f.operation == op || source(&f.exchange.case.intent) == Some(op))
                    });
                    if caught {
                        score.detected += 1;
                    } else {
                        score.missed.push(format!("{}:{op}", api.name));
                    }
                }
                eprintln!(
                    "{}: {kind}: {}/{} so far, {:.1}s; missed: {}",
                    api.name,
                    score.detected,
                    score.applicable,
                    started.elapsed().as_secs_f64(),
                    score.missed.join(" ")
                );
            }
        }
    }
    let mut table =
        String::from("| kind | pairs | detected | score |\n| --- | ---: | ---: | ---: |\n");
    let (mut pairs, mut detected) = (0, 0);
    for (kind, score) in &scores {
        pairs += score.applicable;
        detected += score.detected;
        table.push_str(&format!(
            "| {kind} | {} | {} | {:.2}% |\n",
            score.applicable,
            score.detected,
            100.0 * score.detected as f64 / score.applicable.max(1) as f64
        ));
    }
    let total = detected as f64 / pairs.max(1) as f64;
    table.push_str(&format!(
        "| **total** | {pairs} | {detected} | {:.2}% |\n",
        100.0 * total
    ));
    println!("{table}");
    println!(
        "false positives on the clean mock: {}; time: {:.1}s",
        false_positives.len(),
        started.elapsed().as_secs_f64()
    );
    for (kind, score) in &scores {
        if !score.missed.is_empty() {
            println!("missed {kind}: {}", score.missed.join(", "));
        }
    }
    assert!(
        false_positives.is_empty(),
        "the clean mock conforms, so these failures are the runner's:\n{}",
        false_positives.join("\n")
    );
    assert!(
        total >= TARGET,
        "mutation score {:.1}% is below {:.0}%",
        100.0 * total,
        100.0 * TARGET
    );
}
