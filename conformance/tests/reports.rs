//! The report writers, the curl reproduction and replay, on a hand-built run whose exchanges
//! carry a session token in a header, the query, a request body and a response body: every
//! format must write the token as its `${GAMESPEC_SESSION_TOKEN}` placeholder. The curl lines are
//! executed against an echo server on 127.0.0.1, and replay is run against two small servers,
//! one fixed and one still broken.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use gamespec_conformance::case::{Auth, Case, CaseBody, Intent, Phase};
use gamespec_conformance::checks::Failure;
use gamespec_conformance::exchange::{Exchange, Part, WireRequest, WireResponse};
use gamespec_conformance::outcome::{FailureRecord, OperationResult, RunResult, Stats, Tally};
use gamespec_conformance::replay::{self, Verdict};
use gamespec_conformance::report::{console, curl, junit, markdown, ndjson};
use gamespec_conformance::secrets::{Redactor, env_var};
use gamespec_conformance::wire;
use gamespec_spec::spec::Spec;
use serde_json::json;
use tokio::net::TcpListener;

const TOKEN: &str = "tok_live_9f8e7d6c5b4a3210";
/// A secret with characters XML, Markdown and JSON escape, so redaction after escaping would
/// miss it.
const PASSWORD: &str = "s3cr3t&<pw>\"x";

fn redactor() -> Redactor {
    let r = Redactor::new();
    r.add(TOKEN, &env_var("sessionToken"));
    r.add(PASSWORD, &env_var("password"));
    r
}

fn case(operation: &str, method: &str, path: &str, intent: Intent) -> Case {
    Case {
        operation: operation.into(),
        method: method.into(),
        path: path.into(),
        path_params: Default::default(),
        query: Default::default(),
        headers: Default::default(),
        cookies: Default::default(),
        body: None,
        auth: Auth::Configured,
        phase: Phase::Examples,
        intent,
    }
}

fn header(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

fn response(status: u16, body: &str) -> Result<WireResponse, String> {
    let mut response = WireResponse::new(
        status,
        vec![header("content-type", "application/json")],
        body.to_owned(),
    );
    response.elapsed = Duration::from_millis(250);
    Ok(response)
}

fn record(
    code: &str,
    check: &str,
    exchange: Exchange,
    expected: &str,
    actual: &str,
) -> FailureRecord {
    FailureRecord {
        code: code.into(),
        check: check.into(),
        operation: exchange.case.operation.clone(),
        failure: Failure {
            expected: expected.into(),
            actual: actual.into(),
        },
        exchange,
        baselined: false,
    }
}

fn operation(id: &str, method: &str, path: &str, checks: &[(&str, u64, u64)]) -> OperationResult {
    OperationResult {
        operation: id.into(),
        method: method.into(),
        path: path.into(),
        cases: checks.iter().map(|(_, p, f)| p + f).max().unwrap_or(0),
        checks: checks
            .iter()
            .map(|(code, passed, failed)| {
                let tally = Tally {
                    passed: *passed,
                    failed: *failed,
                };
                ((*code).to_owned(), tally)
            })
            .collect(),
        skipped: None,
        ..OperationResult::default()
    }
}

/// A run over four operations: one clean, one with two failures (the forged-credentials one
/// carries the token in header, query, request body and response body), one with a baselined
/// multipart failure, one not tested. Failures are listed out of report order on purpose.
fn run() -> RunResult {
    let mut forged = case(
        "getPlayerInfo",
        "GET",
        "/game/v1/player/info",
        Intent::InvalidCredentials,
    );
    forged.auth = Auth::Forged;
    forged.query.insert("echo".into(), json!(TOKEN));
    let forged = Exchange {
        case: forged,
        request: WireRequest {
            method: "GET".into(),
            url: format!("http://127.0.0.1:4010/game/v1/player/info?echo={TOKEN}"),
            headers: vec![
                header("ll-version", "2021-03-01"),
                header("x-session-token", TOKEN),
                header("x-api-secret", PASSWORD),
                header("content-type", "application/json"),
            ],
            body: Some(format!("{{\"note\":\"it's {TOKEN}\"}}")),
            parts: None,
        },
        response: response(
            200,
            &format!("{{\"session_token\":\"{TOKEN}\",\"level\":3}}"),
        ),
    };
    let mut invalid = case(
        "getPlayerInfo",
        "GET",
        "/game/v1/player/info",
        Intent::Invalid {
            location: "header/LL-Version".into(),
            reason: "not a date".into(),
        },
    );
    invalid.phase = Phase::Negative;
    let invalid = Exchange {
        case: invalid,
        request: WireRequest {
            method: "GET".into(),
            url: "http://127.0.0.1:4010/game/v1/player/info".into(),
            headers: vec![
                header("ll-version", "x|y`z"),
                header("x-session-token", TOKEN),
            ],
            body: None,
            parts: None,
        },
        response: response(500, &format!("{{\"error\":\"{}\"}}", "boom ".repeat(80))),
    };
    let mut upload = case(
        "uploadPlayerFile",
        "POST",
        "/game/player/files",
        Intent::Valid,
    );
    upload.body = Some(CaseBody {
        media_type: "multipart/form-data".into(),
        value: json!({"purpose": "save", "file": "line 1\nline 2"}),
        raw: None,
    });
    let body = format!(
        "--{b}\r\ncontent-disposition: form-data; name=\"purpose\"\r\n\r\nsave\r\n--{b}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"upload.bin\"\r\ncontent-type: application/octet-stream\r\n\r\nline 1\nline 2\r\n--{b}--\r\n",
        b = wire::BOUNDARY
    );
    let upload = Exchange {
        case: upload,
        request: WireRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:4010/game/player/files".into(),
            headers: vec![
                header("x-session-token", TOKEN),
                header(
                    "content-type",
                    &format!("multipart/form-data; boundary={}", wire::BOUNDARY),
                ),
            ],
            body: Some(body),
            parts: Some(vec![
                Part {
                    name: "purpose".into(),
                    value: "save".into(),
                    file: false,
                },
                Part {
                    name: "file".into(),
                    value: "line 1\nline 2".into(),
                    file: true,
                },
            ]),
        },
        response: Err("timed out".into()),
    };
    let mut baselined = record(
        "C000",
        "response_received",
        upload,
        "a response",
        "timed out",
    );
    baselined.baselined = true;
    let mut skipped = operation("listAssets", "GET", "/game/v1/assets", &[]);
    skipped.skipped = Some("no credentials for sessionToken".into());
    RunResult {
        api: "lootlocker".into(),
        base_url: "http://127.0.0.1:4010".into(),
        seed: 42,
        duration: Duration::from_millis(2500),
        operations: vec![
            operation(
                "ping",
                "GET",
                "/game/ping",
                &[("C001", 5, 0), ("C002", 5, 0)],
            ),
            operation(
                "getPlayerInfo",
                "GET",
                "/game/v1/player/info",
                &[
                    ("C001", 4, 0),
                    ("C002", 3, 0),
                    ("C006", 0, 1),
                    ("C011", 0, 1),
                ],
            ),
            operation(
                "uploadPlayerFile",
                "POST",
                "/game/player/files",
                &[("C000", 2, 1)],
            ),
            skipped,
        ],
        failures: vec![
            baselined,
            record(
                "C011",
                "forged_credentials_rejected",
                forged,
                "status 401 or 403 (credentials were forged)",
                "status 200",
            ),
            record(
                "C006",
                "negative_data_rejection",
                invalid,
                "a 4xx status (header/LL-Version: not a date)",
                "status 500",
            ),
        ],
        stats: Stats {
            cases: 20,
            requests: 26,
            shrink_requests: 3,
            discarded: 2,
            rate_limited: 1,
        },
        stopped_early: Some("request budget of 26 reached".into()),
    }
}

/// Every format of the fixture run.
fn outputs() -> Vec<(&'static str, String)> {
    let (result, r) = (run(), redactor());
    let mut out = vec![
        ("console", console::console(&result, &r, false)),
        ("console in colour", console::console(&result, &r, true)),
        ("junit", junit::junit(&result, &r).unwrap()),
        ("markdown", markdown::markdown(&result, &r)),
        ("ndjson", ndjson::ndjson(&result, &r).unwrap()),
    ];
    for f in &result.failures {
        out.push(("curl", curl::curl(&f.exchange.request, &r)));
    }
    out
}

#[test]
fn no_format_writes_a_secret() {
    for (format, text) in outputs() {
        assert!(
            text.contains("${GAMESPEC_SESSION_TOKEN}"),
            "{format} lacks the placeholder:\n{text}"
        );
        // Not the raw value, nor an escaped form of the one with special characters.
        assert!(!text.contains(TOKEN), "{format} leaks the token:\n{text}");
        assert!(
            !text.contains("s3cr3t"),
            "{format} leaks the password:\n{text}"
        );
        assert!(!redactor().leaks(&text), "{format} leaks:\n{text}");
    }
}

#[test]
fn console_summary() {
    let text = console::console(&run(), &redactor(), false);
    assert!(!text.contains('\x1b'));
    insta::assert_snapshot!("console", text);
    let coloured = console::console(&run(), &redactor(), true);
    assert!(coloured.contains("\x1b[31m"), "{coloured}");
}

#[test]
fn markdown_summary() {
    insta::assert_snapshot!("markdown", markdown::markdown(&run(), &redactor()));
}

#[test]
fn junit_xml() {
    let xml = junit::junit(&run(), &redactor()).unwrap();
    // Baselined failures are skipped test cases, new ones failures.
    assert!(
        xml.contains("<skipped message=\"accepted by the baseline: expected a response"),
        "{xml}"
    );
    assert!(xml.contains("<testsuite name=\"getPlayerInfo\" tests=\"4\" skipped=\"0\" errors=\"0\" failures=\"2\""), "{xml}");
    insta::assert_snapshot!("junit", xml);
}

#[test]
fn ndjson_is_ordered_redacted_and_reads_back() {
    let (result, r) = (run(), redactor());
    let text = ndjson::ndjson(&result, &r).unwrap();
    insta::assert_snapshot!("ndjson", text);
    let back = ndjson::read(&text).unwrap();
    let order: Vec<(&str, &str)> = back
        .iter()
        .map(|f| (f.operation.as_str(), f.code.as_str()))
        .collect();
    assert_eq!(
        order,
        vec![
            ("getPlayerInfo", "C006"),
            ("getPlayerInfo", "C011"),
            ("uploadPlayerFile", "C000")
        ]
    );
    let forged = &back[1];
    assert_eq!(
        forged.exchange.request.header("x-session-token"),
        Some("${GAMESPEC_SESSION_TOKEN}")
    );
    assert_eq!(
        forged.exchange.case.query["echo"],
        json!("${GAMESPEC_SESSION_TOKEN}")
    );
    // Apart from the placeholders, what is read back is what was written.
    let original = &result.failures[1];
    assert_eq!(forged.failure, original.failure);
    assert_eq!(forged.exchange.case.intent, original.exchange.case.intent);
    assert_eq!(
        back[2].exchange.request.parts,
        result.failures[0].exchange.request.parts
    );
    assert!(back[2].baselined);

    let err = ndjson::read(&format!("{text}not json\n")).unwrap_err();
    assert!(err.to_string().starts_with("line 4: "), "{err}");
}

/// What the echo server saw of one request.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

type Log = Arc<Mutex<Vec<Seen>>>;

async fn record_request(State(log): State<Log>, request: Request) -> StatusCode {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let seen = Seen {
        method: parts.method.to_string(),
        target: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec()))
            .collect(),
        body: body.to_vec(),
    };
    log.lock().unwrap().push(seen);
    StatusCode::OK
}

/// An echo server on 127.0.0.1 that logs every request; returns its origin.
async fn echo_server(log: Log) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(record_request).with_state(log);
    tokio::spawn(async move { axum::serve(listener, app).await });
    origin
}

fn curl_available() -> bool {
    Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What the server should see of `request` sent by curl: its headers plus curl's
/// `accept: */*` (the runner's client sends the same), without `host` and `content-length`.
fn expected(request: &WireRequest, origin: &str) -> Seen {
    let mut headers: Vec<(String, Vec<u8>)> = request
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.as_bytes().to_vec()))
        .collect();
    if request.header("accept").is_none() {
        headers.push(("accept".into(), b"*/*".to_vec()));
    }
    headers.sort();
    Seen {
        method: request.method.clone(),
        target: request.url.strip_prefix(origin).unwrap().to_owned(),
        headers,
        body: request.body.clone().unwrap_or_default().into_bytes(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn curl_lines_reproduce_requests_byte_for_byte() {
    if !curl_available() {
        eprintln!("skipped: `curl` is not installed");
        return;
    }
    let log: Log = Arc::default();
    let origin = echo_server(log.clone()).await;
    let r = redactor();
    let mut requests: Vec<WireRequest> = run()
        .failures
        .iter()
        .map(|f| {
            let mut req = f.exchange.request.clone();
            req.url = req.url.replace("http://127.0.0.1:4010", &origin);
            req
        })
        .collect();
    let plain = |method: &str, path: &str, headers: Vec<(String, String)>, body: Option<&str>| {
        WireRequest {
            method: method.into(),
            url: format!("{origin}{path}"),
            headers,
            body: body.map(str::to_owned),
            parts: None,
        }
    };
    requests.extend([
        plain(
            "POST",
            "/q?a=%27&b=$HOME&c=`id`&t=tok_live_9f8e7d6c5b4a3210",
            vec![
                header("content-type", "text/plain; charset=utf-8"),
                header("x-quote", "it's \"quoted\" $HOME `id` \\ \t tab"),
                header("x-empty", ""),
            ],
            Some("line1\nline2\r\n\ttab 'single' \"double\" $HOME `id` \\n é ☃ \u{1}\u{7f}"),
        ),
        plain("PUT", "/raw", vec![], Some("@/etc/passwd")),
        plain(
            "POST",
            "/nul",
            vec![header("content-type", "application/octet-stream")],
            Some("a\0b\\0c\\\\d%b"),
        ),
        plain(
            "DELETE",
            "/a/../b/./c?x=[1]&y={2}",
            vec![header("x-session-token", TOKEN)],
            None,
        ),
        plain(
            "PATCH",
            "/big",
            vec![header("content-type", "application/json")],
            Some(&format!("\"{}\"", "x".repeat(5000))),
        ),
        plain("TRACE", "/", vec![], None),
    ]);
    for request in &requests {
        let line = curl::curl(request, &r);
        assert!(!line.contains(TOKEN), "{line}");
        let output = tokio::task::spawn_blocking({
            let line = line.clone();
            move || {
                Command::new("bash")
                    .arg("-c")
                    .arg(&line)
                    .env("GAMESPEC_SESSION_TOKEN", TOKEN)
                    .env("GAMESPEC_PASSWORD", PASSWORD)
                    .env("HOME", "/should-not-expand")
                    .output()
                    .unwrap()
            }
        })
        .await
        .unwrap();
        assert!(
            output.status.success(),
            "{line}\nfailed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut seen = log
            .lock()
            .unwrap()
            .pop()
            .unwrap_or_else(|| panic!("nothing arrived for {line}"));
        seen.headers
            .retain(|(k, _)| k != "host" && k != "content-length");
        seen.headers.sort();
        assert_eq!(seen, expected(request, &origin), "{line}");
    }
}

/// A server for `getPlayerInfo` that answers `status` and logs what it got.
async fn player_info_server(status: StatusCode, log: Log) -> String {
    let app = Router::new()
        .fallback(move |state: State<Log>, request: Request| async move {
            record_request(state, request).await;
            status
        })
        .with_state(log);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    origin
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_tells_fixed_from_still_failing() {
    let spec = Spec::load("lootlocker").unwrap();
    // The records as a failure file holds them: written by `ndjson`, read back.
    let text = ndjson::ndjson(&run(), &redactor()).unwrap();
    let forged = ndjson::read(&text)
        .unwrap()
        .into_iter()
        .find(|f| f.code == "C011")
        .unwrap();
    let mut needs_jwt = forged.clone();
    needs_jwt
        .exchange
        .request
        .headers
        .push(header("authorization", "Bearer ${GAMESPEC_USER_JWT}"));
    let mut unknown = forged.clone();
    unknown.code = "C999".into();
    let records = vec![forged, needs_jwt, unknown];
    let variables: BTreeMap<String, String> = [
        ("GAMESPEC_SESSION_TOKEN", TOKEN),
        ("GAMESPEC_PASSWORD", PASSWORD),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let client = wire::client(Duration::from_secs(10));

    let fixed_log: Log = Arc::default();
    let fixed = player_info_server(StatusCode::UNAUTHORIZED, fixed_log.clone()).await;
    let replayed = replay::replay(&spec, &records, &fixed, &variables, &client).await;
    assert_eq!(replayed[0].verdict, Verdict::Fixed);
    match &replayed[1].verdict {
        Verdict::Error(e) => assert!(e.contains("GAMESPEC_USER_JWT"), "{e}"),
        other => panic!("a missing variable is not an error: {other:?}"),
    }
    match &replayed[2].verdict {
        Verdict::Error(e) => assert!(e.contains("C999"), "{e}"),
        other => panic!("an unknown check is not an error: {other:?}"),
    }
    // Only the replayable record was sent, to the new origin, with the secrets filled in.
    let seen = fixed_log.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].target, format!("/game/v1/player/info?echo={TOKEN}"));
    let token = seen[0].headers.iter().find(|(k, _)| k == "x-session-token");
    assert_eq!(token.map(|(_, v)| v.as_slice()), Some(TOKEN.as_bytes()));
    assert_eq!(
        seen[0].body,
        format!("{{\"note\":\"it's {TOKEN}\"}}").into_bytes()
    );

    let broken = player_info_server(StatusCode::OK, Arc::default()).await;
    let replayed = replay::replay(&spec, &records[..1], &broken, &variables, &client).await;
    assert_eq!(
        replayed[0].verdict,
        Verdict::StillFailing(Failure {
            expected: "status 401 or 403 (credentials were forged)".into(),
            actual: "status 200".into(),
        })
    );
    let summary = replay::summary(&replayed, &redactor());
    assert_eq!(
        summary,
        "1 replayed: 0 fixed, 1 still failing, 0 could not be replayed\n\
         still failing  C011 forged_credentials_rejected  getPlayerInfo  GET /game/v1/player/info\n\
         \x20              expected: status 401 or 403 (credentials were forged)\n\
         \x20              actual:   status 200\n"
    );
}
