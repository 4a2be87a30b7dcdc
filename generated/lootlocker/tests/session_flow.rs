//! The hand-written layer against a local test server: the exact requests the client sends for a
//! guest session followed by an authenticated call, and for a White Label Login call.

use lootlocker_game::{Client, types};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "e0d4c4a1b7b14f0a8c35e6a0d9f2b8c7";

fn session_body() -> Value {
    json!({
        "success": true,
        "session_token": TOKEN,
        "player_id": 7341,
        "player_ulid": "01HZY4Q7PS0D6W3N9V2M8K5J1E",
        "public_uid": "4XQ2W9K1",
        "player_name": null,
        "player_identifier": "a7f1e6c2-1c6b-4c5e-9b1a-3d2f0e8c7b6a",
        "player_created_at": "2026-03-01T10:00:00Z",
        "seen_before": false,
        "last_seen": null,
        "check_grant_notifications": false,
        "check_deactivation_notifications": false,
        "check_dlcs": [],
        "wallet_id": "01HZY4QAWALLET00000000000"
    })
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

fn body_json(req: &Request) -> Value {
    serde_json::from_slice(&req.body).expect("request body is JSON")
}

#[tokio::test]
async fn guest_session_then_authenticated_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/game/v2/session/guest"))
        .respond_with(ResponseTemplate::new(200).set_body_json(session_body()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/game/v1/connected-accounts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "connected_accounts": [{"provider": "guest", "provider_name": "Guest"}]
        })))
        .mount(&server)
        .await;

    let client = Client::with_base_url(&server.uri()).unwrap();
    let session = client
        .start_guest_session()
        .body(
            types::StartGuestSessionBody::builder()
                .game_key("dev_5a1b2c3d4e")
                .game_version("1.2.0")
                .player_identifier("a7f1e6c2-1c6b-4c5e-9b1a-3d2f0e8c7b6a"),
        )
        .send()
        .await
        .expect("guest session succeeds");
    assert_eq!(session.session_token.expose(), TOKEN);
    let shown = format!("{:?}", *session);
    assert!(
        !shown.contains(TOKEN),
        "a logged session response must not show the token: {shown}"
    );
    assert_eq!(client.credentials().session_token().as_deref(), Some(TOKEN));

    let accounts = client
        .list_connected_accounts()
        .send()
        .await
        .expect("list succeeds");
    assert_eq!(accounts.connected_accounts.len(), 1);

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);

    let start = &requests[0];
    assert_eq!(start.method.as_str(), "POST");
    assert_eq!(start.url.path(), "/game/v2/session/guest");
    assert_eq!(start.url.query(), None);
    assert_eq!(header(start, "content-type"), Some("application/json"));
    assert_eq!(header(start, "accept"), Some("application/json"));
    assert_eq!(
        header(start, "x-session-token"),
        None,
        "session start sends no token"
    );
    assert_eq!(
        header(start, "api-version"),
        None,
        "generator header is stripped"
    );
    assert_eq!(
        body_json(start),
        json!({
            "game_key": "dev_5a1b2c3d4e",
            "game_version": "1.2.0",
            "player_identifier": "a7f1e6c2-1c6b-4c5e-9b1a-3d2f0e8c7b6a"
        })
    );

    let list = &requests[1];
    assert_eq!(list.method.as_str(), "GET");
    assert_eq!(list.url.path(), "/game/v1/connected-accounts");
    assert_eq!(list.url.query(), None);
    assert_eq!(header(list, "x-session-token"), Some(TOKEN));
    assert_eq!(header(list, "api-version"), None);
    assert_eq!(header(list, "domain-key"), None);
    assert!(list.body.is_empty());
}

#[tokio::test]
async fn white_label_call_sends_domain_key_and_not_the_session_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/white-label-login/login"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 412,
            "game_id": 9001,
            "email": "ada@example.com",
            "created_at": "2026-03-01T10:00:00Z",
            "updated_at": "2026-03-01T10:00:00Z",
            "deleted_at": null,
            "validated_at": null,
            "session_token": "wl-token-not-a-game-session"
        })))
        .mount(&server)
        .await;

    let client = Client::with_base_url(&server.uri()).unwrap();
    client.credentials().set_domain_key("abc123");
    client.credentials().set_session_token(TOKEN);
    client
        .sign_in_white_label_user()
        .is_development("true")
        .body(
            types::SignInWhiteLabelUserBody::builder()
                .email("ada@example.com")
                .password("correct horse battery staple")
                .remember(true),
        )
        .send()
        .await
        .expect("white label login succeeds");

    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), "/white-label-login/login");
    assert_eq!(header(req, "domain-key"), Some("abc123"));
    assert_eq!(header(req, "is-development"), Some("true"));
    assert_eq!(
        header(req, "x-session-token"),
        None,
        "white label calls use the domain key only"
    );
    assert_eq!(
        body_json(req),
        json!({"email": "ada@example.com", "password": "correct horse battery staple", "remember": true})
    );
    // The white-label token is not a game session: it must not replace the session token.
    assert_eq!(client.credentials().session_token().as_deref(), Some(TOKEN));
}

#[tokio::test]
async fn failed_session_start_keeps_no_token_and_decodes_the_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/game/v2/session/guest"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "bad_request", "message": "game_version is required", "param": "game_version"
        })))
        .mount(&server)
        .await;
    let client = Client::with_base_url(&server.uri()).unwrap();
    let err = client
        .start_guest_session()
        .body(
            types::StartGuestSessionBody::builder()
                .game_key("k")
                .game_version(""),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    match err {
        lootlocker_game::Error::ErrorResponse(body) => {
            assert_eq!(body.param.as_deref(), Some("game_version"))
        }
        other => panic!("expected a typed error body, got {other:?}"),
    }
    assert_eq!(client.credentials().session_token(), None);
}

#[test]
fn debug_output_redacts_the_session_token() {
    let client = Client::with_base_url("http://127.0.0.1:9").unwrap();
    client.credentials().set_session_token(TOKEN);
    let shown = format!("{:?}", client.credentials());
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
}

#[test]
fn invalid_domain_key_is_refused() {
    for key in ["", "has space", "a/b", "-lead", "x".repeat(64).as_str()] {
        assert!(Client::for_domain_key(key).is_err(), "{key:?} accepted");
    }
    let client = Client::for_domain_key("abc123").unwrap();
    assert_eq!(
        lootlocker_game::ClientInfo::baseurl(&client),
        "https://abc123.api.lootlocker.com"
    );
    assert_eq!(client.credentials().domain_key().as_deref(), Some("abc123"));
}
