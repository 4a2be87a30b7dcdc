//! What the client runtime tests share: tokens, canned answers, a session start, and a server
//! that rejects the first session.
#![allow(dead_code)]

use lootlocker_game::{Client, types};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const FIRST: &str = "e0d4c4a1b7b14f0a8c35e6a0d9f2b8c7";
pub const SECOND: &str = "9f2b8c7e0d4c4a1b7b14f0a8c35e6a0d";
pub const GAME_KEY: &str = "dev_5a1b2c3d4e";

pub fn session(token: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(session_json(token))
}

pub fn session_json(token: &str) -> Value {
    json!({
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
    })
}

pub fn accounts() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "connected_accounts": [{"provider": "guest", "provider_name": "Guest"}]
    }))
}

pub fn ping() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"date": "2026-03-01 10:00:00", "success": true}))
}

pub fn rate_limited(seconds: &str) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("retry-after", seconds)
        .set_body_json(json!({"code": "too_many_requests", "message": "slow down"}))
}

pub async fn start_session(client: &Client) {
    client
        .start_guest_session()
        .body(
            types::StartGuestSessionBody::builder()
                .game_key(GAME_KEY)
                .game_version("1.2.0")
                .player_identifier("a7f1e6c2-1c6b-4c5e-9b1a-3d2f0e8c7b6a"),
        )
        .send()
        .await
        .expect("guest session starts");
}

pub fn token_of(req: &Request) -> Option<&str> {
    req.headers
        .get("x-session-token")
        .and_then(|v| v.to_str().ok())
}

/// The server rejects the first session; the client starts a new one the same way, and the
/// call is repeated once with the new token.
pub async fn renewing_server() -> MockServer {
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
