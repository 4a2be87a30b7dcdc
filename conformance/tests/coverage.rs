//! Coverage as a report: the exact figures of a run of a small fixture spec against a server
//! that answers every operation the same way, and the `--min-coverage` thresholds of the CLI
//! (below a minimum the run exits 3, at or above it exits 0, an unreadable minimum exits 2).

mod runner_support;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use gamespec_conformance::case::Phase;
use gamespec_conformance::coverage::MinCoverage;
use gamespec_conformance::outcome::{CoverageKind, Measure, OperationCoverage, RunResult};
use gamespec_conformance::report::{console, markdown};
use gamespec_conformance::runner::{Quiet, RunConfig, Runner};
use gamespec_conformance::secrets::Redactor;
use gamespec_spec::registry::Profile;
use gamespec_spec::spec::Spec;
use runner_support::binary;
use runner_support::lootlocker::{self, Breakage, TOKEN};
use runner_support::{Log, serve, serve_in_background};
use serde_json::json;

/// Three operations whose examples reach a known part of what they document:
/// * `getItem`: statuses 200, 404, 500; path `id` and header `X-Trace` have examples, the
///   optional query `verbose` has none (so the examples phase leaves it out).
/// * `createItem`: statuses 201, 400; a body of six properties (`name`, `tags`, `tags[].label`,
///   `owner`, `owner.id`, `owner.email`) whose one example has `name`, `owner` and `owner.id`.
/// * `health`: statuses 200 and 503, answered 418.
fn fixture() -> Arc<Spec> {
    let root = json!({
        "openapi": "3.0.3",
        "info": {"title": "coverage fixture", "version": "1"},
        "paths": {
            "/items/{id}": {"get": {
                "operationId": "getItem",
                "parameters": [
                    {"name": "id", "in": "path", "required": true,
                     "schema": {"type": "integer"}, "example": 7},
                    {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "X-Trace", "in": "header",
                     "schema": {"type": "string"}, "example": "abc"}
                ],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {
                        "schema": {"type": "object"}}}},
                    "404": {"description": "missing"},
                    "500": {"description": "broken"}
                }
            }},
            "/items": {"post": {
                "operationId": "createItem",
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Item"},
                    "example": {"name": "a", "owner": {"id": 1}}
                }}},
                "responses": {
                    "201": {"description": "created", "content": {"application/json": {
                        "schema": {"type": "object"}}}},
                    "400": {"description": "bad"}
                }
            }},
            "/health": {"get": {
                "operationId": "health",
                "responses": {
                    "200": {"description": "ok"},
                    "503": {"description": "down"}
                }
            }}
        },
        "components": {"schemas": {
            "Item": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "object", "properties": {
                    "label": {"type": "string"}}}},
                "owner": {"$ref": "#/components/schemas/Owner"}
            }},
            "Owner": {"type": "object", "properties": {
                "id": {"type": "integer"},
                "email": {"type": "string"}
            }}
        }}
    });
    Arc::new(Spec::from_value("fixture.json".into(), root, Profile::generic()).expect("loads"))
}

/// An empty JSON object with `status`.
fn object(status: StatusCode) -> (StatusCode, [(&'static str, &'static str); 1], &'static str) {
    (status, [("content-type", "application/json")], "{}")
}

fn fixture_server() -> Router {
    Router::new()
        .route("/items/{id}", get(|| async { object(StatusCode::OK) }))
        .route(
            "/items",
            axum::routing::post(|| async { object(StatusCode::CREATED) }),
        )
        .route("/health", get(|| async { StatusCode::IM_A_TEAPOT }))
}

async fn examples_run() -> RunResult {
    let url = serve(fixture_server()).await;
    let config = RunConfig {
        phases: [Phase::Examples].into_iter().collect(),
        ..RunConfig::default()
    };
    Runner::new(fixture(), &url, config, Redactor::new())
        .run(Default::default(), Arc::new(Quiet))
        .await
}

fn counts<K: Ord + Clone, const N: usize>(pairs: [(K, u64); N]) -> BTreeMap<K, u64> {
    pairs.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coverage_of_the_fixture_is_exact() {
    let result = examples_run().await;
    let of = |id: &str| {
        &result
            .operations
            .iter()
            .find(|o| o.operation == id)
            .unwrap_or_else(|| panic!("{id} missing"))
            .coverage
    };
    let examples = counts([("examples".to_owned(), 1)]);
    assert_eq!(
        of("getItem"),
        &OperationCoverage {
            statuses: counts([(200, 1), (404, 0), (500, 0)]),
            undocumented_statuses: BTreeMap::new(),
            parameters: counts([
                ("path:id".to_owned(), 1),
                ("query:verbose".to_owned(), 0),
                ("header:X-Trace".to_owned(), 1),
            ]),
            properties: BTreeMap::new(),
            phases: examples.clone(),
        }
    );
    assert_eq!(
        of("createItem"),
        &OperationCoverage {
            statuses: counts([(201, 1), (400, 0)]),
            undocumented_statuses: BTreeMap::new(),
            parameters: BTreeMap::new(),
            properties: counts([
                ("name".to_owned(), 1),
                ("tags".to_owned(), 0),
                ("tags[].label".to_owned(), 0),
                ("owner".to_owned(), 1),
                ("owner.id".to_owned(), 1),
                ("owner.email".to_owned(), 0),
            ]),
            phases: examples.clone(),
        }
    );
    assert_eq!(
        of("health"),
        &OperationCoverage {
            statuses: counts([(200, 0), (503, 0)]),
            undocumented_statuses: counts([(418, 1)]),
            parameters: BTreeMap::new(),
            properties: BTreeMap::new(),
            phases: examples,
        }
    );
    let coverage = result.coverage();
    let m = |covered, total| Measure { covered, total };
    assert_eq!(coverage.measure(CoverageKind::Operations), m(3, 3));
    assert_eq!(coverage.measure(CoverageKind::Statuses), m(2, 7));
    assert_eq!(coverage.measure(CoverageKind::Parameters), m(2, 3));
    assert_eq!(coverage.measure(CoverageKind::Properties), m(3, 6));

    // Just under 2/7 (28.57%) passes, just over fails.
    let short = |text: &str| text.parse::<MinCoverage>().unwrap().shortfalls(&coverage);
    assert!(short("operations=100,statuses=28.5,parameters=66,properties=50").is_empty());
    let below = short("statuses=28.6,properties=50.1");
    let kinds: Vec<_> = below.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [CoverageKind::Statuses, CoverageKind::Properties]);

    // Every human report shows the figures and what was not reached.
    let redactor = Redactor::new();
    let text = console::console(&result, &redactor, false);
    for part in [
        "operations 3/3 (100.0%), statuses 2/7 (28.6%), parameters 2/3 (66.7%), properties 3/6 (50.0%)",
        "not reached: status 404, status 500, query:verbose",
        "not reached: status 400, body owner.email, body tags, body tags[].label",
    ] {
        assert!(text.contains(part), "{part:?} missing:\n{text}");
    }
    let md = markdown::markdown(&result, &redactor);
    assert!(
        md.contains("| getItem | `GET /items/{id}` | 1/3 | 2/3 | - | examples 1 | status 404, status 500, query:verbose |"),
        "{md}"
    );
    // And the JSON form reads back the same.
    let back: RunResult = serde_json::from_str(&serde_json::to_string(&result).unwrap()).unwrap();
    assert_eq!(back.coverage(), coverage);
}

/// Run the binary, failing the test after two minutes; (exit code, stderr).
fn conformance(args: &[&str]) -> (Option<i32>, String) {
    let ran = binary::run(
        args,
        &[("GAMESPEC_SESSION_TOKEN", TOKEN)],
        Duration::from_secs(120),
    );
    assert!(!ran.killed, "conformance {args:?} ran too long");
    (ran.code, ran.stderr)
}

#[test]
fn min_coverage_fails_a_run_below_it_and_passes_one_above_it() {
    let url = serve_in_background(lootlocker::player_server(
        Breakage::default(),
        Log::default(),
    ));
    let run = |min: &str| {
        conformance(&[
            "run",
            "--spec",
            "lootlocker",
            "--base-url",
            &url,
            "--operation",
            "ping",
            "--phases",
            "examples",
            "--no-progress",
            "--min-coverage",
            min,
        ])
    };
    // The examples phase sees one status of ping's several.
    let (code, stderr) = run("operations=100,statuses=100");
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("statuses coverage") && stderr.contains("below the minimum of 100%"),
        "{stderr}"
    );
    let (code, stderr) = run("operations=100,statuses=1%,parameters=0");
    assert_eq!(code, Some(0), "{stderr}");
    for bad in [
        "statuses",
        "codes=50",
        "statuses=150",
        "statuses=1,statuses=2",
    ] {
        let (code, stderr) = run(bad);
        assert_eq!(code, Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("--min-coverage"), "{stderr}");
    }
}

#[test]
fn run_help_documents_min_coverage() {
    let out = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["run", "--help"])
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&out.stdout);
    for part in [
        "--min-coverage",
        "statuses",
        "below its --min-coverage minimum",
        "--fuzz",
    ] {
        assert!(help.contains(part), "{part:?} missing:\n{help}");
    }
}
