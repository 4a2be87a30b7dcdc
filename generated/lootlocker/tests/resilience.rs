//! The client runtime through the LootLocker client against a local test server: retries (and
//! where they are refused), renewal of a session on 401 (by a new session start or a refresh
//! token), the default `LL-Version`, and the builder. Tracing is in `tracing_redaction.rs`; the
//! 429-then-200 retry and a session expired mid-run run against the conformance mock's fault
//! schedule in `scheduled_faults.rs`.

use std::time::{Duration, Instant};

use lootlocker_game::{Client, RetryPolicy, types};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

mod support;

use support::*;

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

#[tokio::test]
async fn a_401_renews_a_platform_session_with_its_refresh_token() {
    let server = MockServer::start().await;
    let with_refresh = |token: &str, refresh: &str| {
        let mut body = session_json(token);
        body["refresh_token"] = json!(refresh);
        ResponseTemplate::new(200).set_body_json(body)
    };
    let (first, second) = (with_refresh(FIRST, "rt-1"), with_refresh(SECOND, "rt-2"));
    Mock::given(method("POST"))
        .and(path("/game/session/epic"))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/game/session/epic"))
        .respond_with(second)
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

    let client = Client::with_base_url(&server.uri()).unwrap();
    client
        .start_epic_session()
        .body(types::StartEpicSessionBody::EpicGamesSession {
            game_api_key: None,
            game_key: Some(GAME_KEY.to_owned()),
            game_version: "1.4.2".to_owned(),
            id_token: "eos.id.token".into(),
            optionals: None,
        })
        .send()
        .await
        .expect("platform session starts");
    client
        .list_connected_accounts()
        .send()
        .await
        .expect("succeeds after the refresh");

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 4);
    let renewal: Value = serde_json::from_slice(&requests[2].body).unwrap();
    assert_eq!(
        renewal,
        json!({"game_key": GAME_KEY, "game_version": "1.4.2", "refresh_token": "rt-1"}),
        "the renewal is the refresh variant, without the spent platform token"
    );
}
