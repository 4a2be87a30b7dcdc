//! The client runtime through the LootLocker client against a local test server: retries (and
//! where they are refused), renewal of a session on 401, the default `LL-Version`, the builder,
//! and what a `tracing` subscriber sees.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use lootlocker_game::{Client, RetryPolicy, types};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const FIRST: &str = "e0d4c4a1b7b14f0a8c35e6a0d9f2b8c7";
const SECOND: &str = "9f2b8c7e0d4c4a1b7b14f0a8c35e6a0d";
const GAME_KEY: &str = "dev_5a1b2c3d4e";

fn session(token: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "success": true,
        "session_token": token,
        "player_id": 7341,
        "player_ulid": "01HZY4Q7PS0D6W3N9V2M8K5J1E",
        "public_uid": "4XQ2W9K1",
        "player_name": null,
        "player_identifier": "a7f1e6c2-1c6b-4c5e-9b1a-3d2f0e8c7b6a",
        "player_created_at": "2026-03-01T10:00:00Z",
        "seen_before": true,
        "last_seen": null,
        "check_grant_notifications": false,
        "check_deactivation_notifications": false,
        "check_dlcs": [],
        "wallet_id": "01HZY4QAWALLET00000000000"
    }))
}

fn accounts() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "connected_accounts": [{"provider": "guest", "provider_name": "Guest"}]
    }))
}

fn ping() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"date": "2026-03-01 10:00:00", "success": true}))
}

fn rate_limited(seconds: &str) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("retry-after", seconds)
        .set_body_json(json!({"code": "too_many_requests", "message": "slow down"}))
}

async fn start_session(client: &Client) {
    client
        .start_guest_session()
        .body(
            types::StartGuestSessionBody::builder()
                .game_key(Some(GAME_KEY.to_owned()))
                .game_version("1.2.0")
                .player_identifier(Some("a7f1e6c2-1c6b-4c5e-9b1a-3d2f0e8c7b6a".to_owned())),
        )
        .send()
        .await
        .expect("guest session starts");
}

fn token_of(req: &Request) -> Option<&str> {
    req.headers
        .get("x-session-token")
        .and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn rate_limited_get_is_retried_after_the_retry_after_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/game/ping"))
        .respond_with(rate_limited("1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/game/ping"))
        .respond_with(ping())
        .with_priority(2)
        .mount(&server)
        .await;
    let client = Client::with_base_url(&server.uri()).unwrap();
    let started = Instant::now();
    let answer = client.ping().send().await.expect("second attempt succeeds");
    let took = started.elapsed();
    assert_eq!(answer.success, Some(true));
    assert!(took >= Duration::from_secs(1), "did not wait: {took:?}");
    assert!(took < Duration::from_secs(5), "waited too long: {took:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_post_that_is_not_safe_to_repeat_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/game/leaderboards/weekly/submit"))
        .respond_with(rate_limited("1"))
        .mount(&server)
        .await;
    let client = Client::with_base_url(&server.uri()).unwrap();
    client.credentials().set_session_token(FIRST);
    let err = client
        .submit_leaderboard_score()
        .leaderboard_key("weekly")
        .body(types::SubmitLeaderboardScoreBody::builder().score(1200))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn retries_stop_at_the_attempt_and_wait_bounds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/game/ping"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "code": "unavailable", "message": "maintenance"
        })))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .retry(
            RetryPolicy::default()
                .max_attempts(4)
                .base_delay(Duration::from_millis(10))
                .max_delay(Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    let err = client.ping().send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.received_requests().await.unwrap().len(), 4);

    // A Retry-After longer than the total wait allowed is not waited for.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/game/ping"))
        .respond_with(rate_limited("120"))
        .mount(&server)
        .await;
    let client = Client::with_base_url(&server.uri()).unwrap();
    let started = Instant::now();
    let err = client.ping().send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    // Retries off: one attempt.
    let client = Client::builder()
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    client.ping().send().await.unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

/// The server rejects the first session; the client starts a new one the same way, and the
/// call is repeated once with the new token.
async fn renewing_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/game/v2/session/guest"))
        .respond_with(session(FIRST))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/game/v2/session/guest"))
        .respond_with(session(SECOND))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/game/v1/connected-accounts"))
        .and(header("x-session-token", FIRST))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "unauthorized", "message": "session expired"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/game/v1/connected-accounts"))
        .and(header("x-session-token", SECOND))
        .respond_with(accounts())
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn unauthorized_call_renews_the_session_and_is_repeated_once() {
    let server = renewing_server().await;
    let client = Client::with_base_url(&server.uri()).unwrap();
    start_session(&client).await;
    assert!(client.runtime().can_renew("sessionToken"));
    let listed = client
        .list_connected_accounts()
        .send()
        .await
        .expect("succeeds after renewal");
    assert_eq!(listed.connected_accounts.len(), 1);
    assert_eq!(
        client.credentials().session_token().as_deref(),
        Some(SECOND)
    );

    let requests = server.received_requests().await.unwrap();
    let seen: Vec<(String, Option<&str>)> = requests
        .iter()
        .map(|r| (format!("{} {}", r.method, r.url.path()), token_of(r)))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("POST /game/v2/session/guest".to_owned(), None),
            ("GET /game/v1/connected-accounts".to_owned(), Some(FIRST)),
            ("POST /game/v2/session/guest".to_owned(), None),
            ("GET /game/v1/connected-accounts".to_owned(), Some(SECOND)),
        ]
    );
    let body: Value = serde_json::from_slice(&requests[2].body).unwrap();
    assert_eq!(body["game_key"], GAME_KEY, "the renewal repeats the start");
}

#[tokio::test]
async fn a_second_401_reaches_the_caller() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/game/v2/session/guest"))
        .respond_with(session(FIRST))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/game/v1/connected-accounts"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "unauthorized", "message": "no"
        })))
        .mount(&server)
        .await;
    let client = Client::with_base_url(&server.uri()).unwrap();
    start_session(&client).await;
    let err = client.list_connected_accounts().send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    // The renewal issued the same token, so the call is not repeated with it.
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn ll_version_is_sent_by_default_and_configurable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/game/ping"))
        .respond_with(ping())
        .mount(&server)
        .await;
    let client = Client::with_base_url(&server.uri()).unwrap();
    client.ping().send().await.unwrap();
    let custom = Client::builder()
        .base_url(server.uri())
        .api_version("2021-03-01")
        .user_agent("my-game-backend/1.0")
        .build()
        .unwrap();
    custom.ping().send().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let version = |r: &Request| {
        r.headers
            .get("ll-version")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(version(&requests[0]).as_deref(), Some("2021-03-01"));
    assert_eq!(version(&requests[1]).as_deref(), Some("2021-03-01"));
    assert_eq!(
        requests[1].headers.get("user-agent").unwrap(),
        "my-game-backend/1.0"
    );
}

#[test]
fn the_builder_refuses_what_it_cannot_build_without_panicking() {
    use lootlocker_game::{BuildError, DomainKey};
    assert!(matches!(
        Client::builder().base_url("not a url").build(),
        Err(BuildError::BaseUrl(_))
    ));
    assert!(matches!(
        Client::builder().base_url("ftp://example.com").build(),
        Err(BuildError::BaseUrl(_))
    ));
    assert!(matches!(
        Client::builder().domain_key("a.b").build(),
        Err(BuildError::HostLabel { .. })
    ));
    assert!(matches!(
        Client::builder().user_agent("bad\nagent").build(),
        Err(BuildError::Header(_))
    ));
    let client = Client::builder()
        .domain_key("abc123")
        .timeout(Duration::from_secs(3))
        .connect_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    assert_eq!(
        lootlocker_game::ClientInfo::baseurl(&client),
        "https://abc123.api.lootlocker.com"
    );
    let custom = Client::builder()
        .base_url("http://127.0.0.1:9/")
        .http_client(reqwest::Client::new())
        .credential("sessionToken", FIRST)
        .build()
        .unwrap();
    assert_eq!(
        lootlocker_game::ClientInfo::baseurl(&custom),
        "http://127.0.0.1:9"
    );
    assert_eq!(custom.credentials().session_token().as_deref(), Some(FIRST));
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn tracing_records_each_call_and_never_a_credential() {
    let server = renewing_server().await;
    Mock::given(method("GET"))
        .and(path("/game/ping"))
        .respond_with(rate_limited("0"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/game/ping"))
        .respond_with(ping())
        .with_priority(2)
        .mount(&server)
        .await;
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let client = Client::with_base_url(&server.uri()).unwrap();
    start_session(&client).await;
    client.list_connected_accounts().send().await.unwrap();
    client.ping().send().await.unwrap();
    tracing::info!(client = ?client, "client state");

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "gamespec.call",
        "operation=\"startGuestSession\"",
        "operation=\"listConnectedAccounts\"",
        "operation=\"ping\"",
        "status=200",
        "attempts=2",
        "renewed=true",
        "latency_ms=",
        "gamespec.renew",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    for secret in [FIRST, SECOND, GAME_KEY] {
        for form in [
            secret.to_owned(),
            url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
            b64.encode(secret),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
        ] {
            assert!(!text.contains(&form), "{form:?} appears in:\n{text}");
        }
    }
}
