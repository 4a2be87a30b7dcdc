//! For every check, one server that passes it and one that violates it. The passing server is
//! the spec-driven mock (it conforms by construction) unless the mock cannot produce the
//! situation; each violating server is a tiny axum app on 127.0.0.1 that breaks exactly the
//! assertion under test. Cases are built by hand and go over the wire through `wire::exchange`,
//! as the runner sends them.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gamespec_conformance::case::{Auth, Case, Intent, Phase};
use gamespec_conformance::checks::{self, CheckContext, CheckSettings, Failure, Outcome};
use gamespec_conformance::exchange::Exchange;
use gamespec_conformance::mock::{MockHandle, MockOptions, MockServer};
use gamespec_conformance::wire::{self, Credentials};
use gamespec_spec::spec::{ParamLocation, Spec};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// The per-request timeout of every exchange except the one that waits for a silent server.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A case of `operation` as the examples phase sends it: path parameters from the spec's
/// examples, the configured credentials, nothing optional.
fn case(spec: &Spec, operation: &str, intent: Intent) -> Case {
    let op = spec
        .operation(operation)
        .unwrap_or_else(|| panic!("{} has no operation {operation}", spec.name()));
    let path_params = op
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
        .map(|p| {
            let value = p.example.clone().unwrap_or_else(|| json!("1"));
            (p.name.clone(), value)
        })
        .collect();
    Case {
        path_params,
        ..Case::new(op, Phase::Examples, intent)
    }
}

/// `case` with header `name` set to `value`.
fn with_header(mut case: Case, name: &str, value: &str) -> Case {
    case.headers.insert(name.to_owned(), json!(value));
    case
}

/// Send `case` to `base_url` with `credentials` as the runner does.
async fn send(
    spec: &Spec,
    case: Case,
    base_url: &str,
    credentials: &Credentials,
    timeout: Duration,
) -> Exchange {
    wire::exchange(&wire::client(timeout), spec, case, base_url, credentials)
        .await
        .unwrap_or_else(|e| panic!("the case cannot be sent: {e}"))
}

/// Send `case` to the mock with the credentials it issued.
async fn to_mock(spec: &Spec, mock: &MockHandle, case: Case) -> Exchange {
    send(spec, case, mock.url(), mock.credentials(), TIMEOUT).await
}

/// Send `case` to a violating server. Such servers never look at credentials, but the request
/// carries one per scheme so it has the same shape as the one the mock got.
async fn to_server(spec: &Spec, base_url: &str, case: Case) -> Exchange {
    let credentials: Credentials = spec
        .schemes
        .iter()
        .map(|s| (s.name.clone(), "placeholder-credential-0001".to_owned()))
        .collect();
    send(spec, case, base_url, &credentials, TIMEOUT).await
}

/// Run the check `code` on `exchange` with `settings`.
fn judge_with(code: &str, spec: &Spec, exchange: &Exchange, settings: &CheckSettings) -> Outcome {
    let check = checks::find(code).unwrap_or_else(|| panic!("no check {code}"));
    let operation = spec
        .operation(&exchange.case.operation)
        .expect("the case's operation is in the spec");
    check.check(
        &CheckContext {
            spec,
            operation,
            settings,
        },
        exchange,
    )
}

/// Run the check `code` on `exchange` with default settings.
fn judge(code: &str, spec: &Spec, exchange: &Exchange) -> Outcome {
    judge_with(code, spec, exchange, &CheckSettings::default())
}

/// Assert `outcome` is a pass, showing what came back otherwise.
fn assert_pass(outcome: Outcome, exchange: &Exchange) {
    assert_eq!(
        outcome,
        Outcome::Pass,
        "status {:?}",
        exchange.response.as_ref().map(|r| r.status)
    );
}

/// The failure in `outcome`, or a panic showing what came back instead.
fn assert_fail(outcome: Outcome, exchange: &Exchange) -> Failure {
    match outcome {
        Outcome::Fail(failure) => {
            // Shown with `--nocapture`: what a report would say about the violating server.
            eprintln!("expected {}; actual {}", failure.expected, failure.actual);
            failure
        }
        other => panic!(
            "expected a failure, got {other:?} (status {:?})",
            exchange.response.as_ref().map(|r| r.status)
        ),
    }
}

/// Serve `app` on an ephemeral loopback port for the rest of the test.
async fn serve(app: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// A server answering every request with `status`, `headers` and `body`.
async fn answering(
    status: u16,
    headers: &[(&'static str, &'static str)],
    body: &'static str,
) -> String {
    let headers = headers.to_vec();
    serve(Router::new().fallback(move || {
        let headers = headers.clone();
        async move { reply(status, &headers, body) }
    }))
    .await
}

fn reply(status: u16, headers: &[(&'static str, &'static str)], body: &'static str) -> Response {
    let mut response = (StatusCode::from_u16(status).expect("a status"), body).into_response();
    for (name, value) in headers {
        response.headers_mut().insert(
            header::HeaderName::from_static(name),
            header::HeaderValue::from_static(value),
        );
    }
    response
}

const JSON: (&str, &str) = ("content-type", "application/json");
const ERROR: &str = r#"{"code":"error","message":"no"}"#;

#[tokio::test]
async fn c000_response_received() {
    let spec = common::spec("lootlocker");
    let mock = common::start("lootlocker").await;
    let ping = || case(&spec, "ping", Intent::Valid);
    let ex = to_mock(&spec, &mock, ping()).await;
    assert_pass(judge("C000", &spec, &ex), &ex);

    // Accepts the connection and closes it without a word.
    let closing = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closing_url = format!("http://{}", closing.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = closing.accept().await {
            drop(stream);
        }
    });
    let ex = to_server(&spec, &closing_url, ping()).await;
    let failure = assert_fail(judge("C000", &spec, &ex), &ex);
    assert!(failure.actual.starts_with("no response: "), "{failure:?}");

    // Accepts the connection and never answers; the client gives up first.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let ex = send(
        &spec,
        ping(),
        &silent_url,
        &Credentials::new(),
        Duration::from_millis(300),
    )
    .await;
    let failure = assert_fail(judge("C000", &spec, &ex), &ex);
    assert!(failure.actual.contains("timed out"), "{failure:?}");
}

#[tokio::test]
async fn c001_not_a_server_error() {
    let spec = common::spec("lootlocker");
    let mock = common::start("lootlocker").await;
    let ex = to_mock(&spec, &mock, case(&spec, "ping", Intent::Valid)).await;
    assert_pass(judge("C001", &spec, &ex), &ex);
    // A documented 503 is the contract, not a server error.
    let unavailable = with_header(case(&spec, "ping", Intent::Valid), "Prefer", "code=503");
    let ex = to_mock(&spec, &mock, unavailable).await;
    assert_eq!(ex.response.as_ref().map(|r| r.status), Ok(503));
    assert_pass(judge("C001", &spec, &ex), &ex);

    let broken = answering(500, &[JSON], ERROR).await;
    let ex = to_server(&spec, &broken, case(&spec, "ping", Intent::Valid)).await;
    let failure = assert_fail(judge("C001", &spec, &ex), &ex);
    assert_eq!(failure.actual, "status 500");
}

#[tokio::test]
async fn c002_status_code_conformance() {
    let spec = common::spec("lootlocker");
    let mock = common::start("lootlocker").await;
    let ex = to_mock(&spec, &mock, case(&spec, "ping", Intent::Valid)).await;
    assert_pass(judge("C002", &spec, &ex), &ex);

    let teapot = answering(418, &[JSON], ERROR).await;
    let ex = to_server(&spec, &teapot, case(&spec, "ping", Intent::Valid)).await;
    let failure = assert_fail(judge("C002", &spec, &ex), &ex);
    assert_eq!(failure.actual, "status 418");
    assert_eq!(
        failure.expected,
        "a documented status (200, 400, 401, 429, 503)"
    );
}

#[tokio::test]
async fn c003_content_type_conformance() {
    let spec = common::spec("lootlocker");
    let mock = common::start("lootlocker").await;
    let ex = to_mock(&spec, &mock, case(&spec, "ping", Intent::Valid)).await;
    assert_pass(judge("C003", &spec, &ex), &ex);

    let html = answering(
        200,
        &[("content-type", "text/html; charset=utf-8")],
        "<p>pong</p>",
    )
    .await;
    let ex = to_server(&spec, &html, case(&spec, "ping", Intent::Valid)).await;
    let failure = assert_fail(judge("C003", &spec, &ex), &ex);
    assert_eq!(failure.actual, "Content-Type text/html");
}

#[tokio::test]
async fn c004_response_headers_conformance_types() {
    let spec = common::spec("lootlocker");
    let mock = common::start("lootlocker").await;
    let limited = || with_header(case(&spec, "ping", Intent::Valid), "Prefer", "code=429");
    let ex = to_mock(&spec, &mock, limited()).await;
    let answer = ex.response.as_ref().expect("the mock answers");
    assert_eq!(answer.status, 429);
    assert!(
        answer.header("retry-after").is_some(),
        "{:?}",
        answer.headers
    );
    assert_pass(judge("C004", &spec, &ex), &ex);

    let wrong_type = answering(429, &[JSON, ("retry-after", "soon")], ERROR).await;
    let ex = to_server(&spec, &wrong_type, limited()).await;
    let failure = assert_fail(judge("C004", &spec, &ex), &ex);
    assert_eq!(failure.expected, "header `Retry-After` matching integer");
}

#[tokio::test]
async fn c004_response_headers_conformance_required() {
    // No header of the gamespec specs is `required` yet: the same spec with `Retry-After`
    // marked required, served by the mock.
    let base = common::spec("lootlocker");
    let mut root = base.root.clone();
    root["components"]["headers"]["RetryAfter"]["required"] = Value::Bool(true);
    let spec =
        Arc::new(Spec::from_value(base.path.clone(), root, base.profile.clone()).expect("spec"));
    assert!(
        spec.operation("ping")
            .and_then(|op| op.response(429))
            .is_some_and(|r| r.headers.iter().any(|h| h.required))
    );
    let mock = MockServer::start(spec.clone(), MockOptions::default())
        .await
        .expect("mock starts");
    let limited = || with_header(case(&spec, "ping", Intent::Valid), "Prefer", "code=429");
    let ex = to_mock(&spec, &mock, limited()).await;
    assert_pass(judge("C004", &spec, &ex), &ex);

    let without = answering(429, &[JSON], ERROR).await;
    let ex = to_server(&spec, &without, limited()).await;
    let failure = assert_fail(judge("C004", &spec, &ex), &ex);
    assert_eq!(failure.actual, "no `Retry-After` header");
}

#[tokio::test]
async fn c005_response_schema_conformance() {
    let spec = common::spec("lootlocker");
    let mock = common::start("lootlocker").await;
    let ex = to_mock(&spec, &mock, case(&spec, "ping", Intent::Valid)).await;
    assert_pass(judge("C005", &spec, &ex), &ex);

    let wrong_body = answering(
        200,
        &[JSON],
        r#"{"success":"yes","date":"2026-06-01T10:00:00Z"}"#,
    )
    .await;
    let ex = to_server(&spec, &wrong_body, case(&spec, "ping", Intent::Valid)).await;
    let failure = assert_fail(judge("C005", &spec, &ex), &ex);
    assert_eq!(
        failure.expected,
        "a JSON body matching PingResponse (status 200)"
    );
    assert!(failure.actual.starts_with("/success: "), "{failure:?}");
}

#[tokio::test]
async fn c006_negative_data_rejection() {
    let spec = common::spec("lootlocker");
    let mock = common::start("lootlocker").await;
    let invalid = || {
        let intent = Intent::Invalid {
            location: "header/LL-Version".into(),
            reason: "a value outside the enum".into(),
        };
        with_header(case(&spec, "ping", intent), "LL-Version", "1999-01-01")
    };
    let ex = to_mock(&spec, &mock, invalid()).await;
    assert_pass(judge("C006", &spec, &ex), &ex);

    let lenient = answering(200, &[JSON], r#"{"success":true}"#).await;
    let ex = to_server(&spec, &lenient, invalid()).await;
    let failure = assert_fail(judge("C006", &spec, &ex), &ex);
    assert_eq!(failure.actual, "status 200");
}

#[tokio::test]
async fn c007_positive_data_acceptance() {
    let spec = common::spec("lootlocker");
    let mock = common::start("lootlocker").await;
    let ex = to_mock(&spec, &mock, case(&spec, "ping", Intent::Valid)).await;
    assert_pass(judge("C007", &spec, &ex), &ex);

    let strict = answering(400, &[JSON], ERROR).await;
    let ex = to_server(&spec, &strict, case(&spec, "ping", Intent::Valid)).await;
    let failure = assert_fail(judge("C007", &spec, &ex), &ex);
    assert_eq!(failure.actual, "status 400");
}

#[tokio::test]
async fn c008_missing_required_header() {
    let spec = common::spec("lootlocker");
    let mock = common::start("lootlocker").await;
    // The WebSocket handshake of presence without its `Sec-WebSocket-Key`.
    let missing = || {
        let intent = Intent::MissingHeader {
            name: "Sec-WebSocket-Key".into(),
        };
        let case = with_header(
            case(&spec, "connectPresence", intent),
            "Upgrade",
            "websocket",
        );
        let case = with_header(case, "Connection", "Upgrade");
        with_header(case, "Sec-WebSocket-Version", "13")
    };
    let ex = to_mock(&spec, &mock, missing()).await;
    assert_pass(judge("C008", &spec, &ex), &ex);

    let lenient = answering(200, &[], "").await;
    let ex = to_server(&spec, &lenient, missing()).await;
    let failure = assert_fail(judge("C008", &spec, &ex), &ex);
    assert_eq!(failure.actual, "status 200");
}

#[tokio::test]
async fn c009_unsupported_method() {
    let spec = common::spec("lootlocker");
    let mock = common::start("lootlocker").await;
    let undeclared = || {
        let intent = Intent::UndeclaredMethod {
            allowed: vec!["GET".into()],
        };
        let mut case = case(&spec, "ping", intent);
        case.method = "DELETE".into();
        case
    };
    let ex = to_mock(&spec, &mock, undeclared()).await;
    assert_pass(judge("C009", &spec, &ex), &ex);

    let no_allow = answering(405, &[JSON], ERROR).await;
    let ex = to_server(&spec, &no_allow, undeclared()).await;
    let failure = assert_fail(judge("C009", &spec, &ex), &ex);
    assert_eq!(failure.actual, "status 405 without Allow");
}

#[tokio::test]
async fn c010_missing_credentials_rejected() {
    let spec = common::spec("lootlocker");
    let mock = common::start("lootlocker").await;
    let anonymous = || {
        let mut case = case(&spec, "ping", Intent::MissingCredentials);
        case.auth = Auth::Missing;
        case
    };
    let ex = to_mock(&spec, &mock, anonymous()).await;
    assert!(ex.request.header("x-session-token").is_none());
    assert_pass(judge("C010", &spec, &ex), &ex);

    let ignoring = answering(200, &[JSON], r#"{"success":true}"#).await;
    let ex = to_server(&spec, &ignoring, anonymous()).await;
    let failure = assert_fail(judge("C010", &spec, &ex), &ex);
    assert_eq!(failure.actual, "status 200");
}

#[tokio::test]
async fn c011_forged_credentials_rejected() {
    // Xsolla: the forged user JWT keeps header and claims, only the signature is wrong.
    let spec = common::spec("xsolla");
    let mock = common::start("xsolla").await;
    let forged = || {
        let mut case = case(&spec, "getUserDetails", Intent::InvalidCredentials);
        case.auth = Auth::Forged;
        case
    };
    let ex = to_mock(&spec, &mock, forged()).await;
    assert_pass(judge("C011", &spec, &ex), &ex);
    let mock_request_auth = ex.request.header("authorization").map(str::to_owned);

    // Forged from the mock's own JWT, so both servers get the very same request.
    let ignoring = answering(200, &[JSON], "{}").await;
    let ex = send(&spec, forged(), &ignoring, mock.credentials(), TIMEOUT).await;
    assert_eq!(
        ex.request.header("authorization"),
        mock_request_auth.as_deref()
    );
    let failure = assert_fail(judge("C011", &spec, &ex), &ex);
    assert_eq!(failure.actual, "status 200");
}

/// Ids of deleted player files, shared by the handlers of a files server.
type Deleted = Arc<Mutex<HashSet<String>>>;

/// A player-files server whose `DELETE` answers 204; `forgets` decides whether a later `GET`
/// still finds the file.
async fn files_server(forgets: bool) -> String {
    // C012 judges only the status; the body is a token file.
    let file = r#"{"id":2261,"name":"save.dat"}"#;
    let app = Router::new()
        .route(
            "/game/player/files/{file_id}",
            get(
                move |State(deleted): State<Deleted>, Path(id): Path<String>| async move {
                    let gone = deleted.lock().unwrap().contains(&id);
                    if gone && forgets {
                        reply(404, &[JSON], ERROR)
                    } else {
                        reply(200, &[JSON], file)
                    }
                },
            )
            .delete(
                |State(deleted): State<Deleted>, Path(id): Path<String>| async move {
                    deleted.lock().unwrap().insert(id);
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(Deleted::default());
    serve(app).await
}

#[tokio::test]
async fn c012_resource_gone_after_delete() {
    let spec = common::spec("lootlocker");
    let read_after_delete = || {
        let intent = Intent::AfterDelete {
            deleted_by: "deletePlayerFile".into(),
        };
        case(&spec, "getPlayerFile", intent)
    };
    let delete = || case(&spec, "deletePlayerFile", Intent::Valid);

    // The mock remembers deletes: a read after a successful DELETE answers its documented 404.
    let mock = common::start("lootlocker").await;
    let deleted = to_mock(&spec, &mock, delete()).await;
    assert_eq!(deleted.response.as_ref().map(|r| r.status), Ok(204));
    let ex = to_mock(&spec, &mock, read_after_delete()).await;
    assert_pass(judge("C012", &spec, &ex), &ex);
    mock.shutdown().await.expect("the mock stops");

    // So does a tiny server that forgets deleted files.
    let forgetting = files_server(true).await;
    to_server(&spec, &forgetting, delete()).await;
    let ex = to_server(&spec, &forgetting, read_after_delete()).await;
    assert_pass(judge("C012", &spec, &ex), &ex);

    let remembering = files_server(false).await;
    to_server(&spec, &remembering, delete()).await;
    let ex = to_server(&spec, &remembering, read_after_delete()).await;
    let failure = assert_fail(judge("C012", &spec, &ex), &ex);
    assert_eq!(failure.actual, "status 200");
}

#[tokio::test]
async fn c013_resource_available_after_create() {
    let spec = common::spec("lootlocker");
    let mock = common::start("lootlocker").await;
    // The mock answers every valid read, so a wallet read after `createWallet` is there.
    let read_after_create = || {
        let intent = Intent::AfterCreate {
            created_by: "createWallet".into(),
        };
        case(&spec, "getWallet", intent)
    };
    let ex = to_mock(&spec, &mock, read_after_create()).await;
    assert_pass(judge("C013", &spec, &ex), &ex);

    let forgetful = answering(404, &[JSON], ERROR).await;
    let ex = to_server(&spec, &forgetful, read_after_create()).await;
    let failure = assert_fail(judge("C013", &spec, &ex), &ex);
    assert_eq!(failure.actual, "status 404");
}

#[tokio::test]
async fn c014_max_response_time() {
    let spec = common::spec("lootlocker");
    let mock = common::start("lootlocker").await;
    let ex = to_mock(&spec, &mock, case(&spec, "ping", Intent::Valid)).await;
    let generous = CheckSettings {
        max_response_time: Duration::from_secs(5),
    };
    assert_pass(judge_with("C014", &spec, &ex, &generous), &ex);

    let slow = serve(Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        reply(200, &[JSON], r#"{"success":true}"#)
    }))
    .await;
    let ex = to_server(&spec, &slow, case(&spec, "ping", Intent::Valid)).await;
    let tight = CheckSettings {
        max_response_time: Duration::from_millis(50),
    };
    let failure = assert_fail(judge_with("C014", &spec, &ex, &tight), &ex);
    assert_eq!(failure.expected, "an answer within 50.0 ms");
}

#[test]
fn registry_codes_are_unique_sorted_and_well_formed_and_names_are_snake_case() {
    let registry = checks::registry();
    assert_eq!(registry.len(), 21);
    let codes: Vec<&str> = registry.iter().map(|c| c.code()).collect();
    for code in &codes {
        assert!(
            code.len() == 4
                && code.starts_with('C')
                && code[1..].chars().all(|c| c.is_ascii_digit()),
            "{code}"
        );
    }
    assert!(
        codes.windows(2).all(|w| w[0] < w[1]),
        "sorted and unique: {codes:?}"
    );
    let mut names: Vec<&str> = registry.iter().map(|c| c.name()).collect();
    for name in &names {
        assert!(
            !name.is_empty()
                && name.starts_with(|c: char| c.is_ascii_lowercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && !name.contains("__")
                && !name.ends_with('_'),
            "{name}"
        );
    }
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), registry.len(), "names are unique");
}
