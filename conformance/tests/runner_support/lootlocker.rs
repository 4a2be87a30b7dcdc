//! LootLocker-shaped test servers. [`player_server`] plays `GET /game/ping`, `GET /game/player/name`
//! and `PATCH /game/player/name` the way the spec documents them, unless a [`Breakage`] says
//! which part to get wrong; the others answer every request alike (for budgets, filters, logins
//! and secrets, where what is answered does not matter).

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Log, Seen};

/// The session token the test servers accept (passed to runs as the `sessionToken` credential).
pub const TOKEN: &str = "tok_runner_test_8c41f27d93ab";

/// The only `LL-Version` the spec allows.
const VERSION: &str = "2021-03-01";

/// Which parts of the contract [`player_server`] breaks; the default breaks nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Breakage {
    /// `GET /game/ping` answers 200 with `success` as a string (C005).
    pub ping_body: bool,
    /// `GET /game/player/name` answers 200 with `name` as a number (C005).
    pub name_body: bool,
    /// A ping without `LL-Version` gets 202, which ping does not document (C002).
    pub undocumented_status: bool,
    /// An undeclared method gets 405 without `Allow` (C009).
    pub no_allow: bool,
    /// The very first request gets 429 with `Retry-After: 1`.
    pub rate_limit_first: bool,
    /// With `rate_limit_first`: this `Retry-After` value instead of `1`.
    pub retry_after: Option<&'static str>,
    /// `PATCH /game/player/name` rejects names longer than this many characters with a
    /// documented 400 (C007 for a valid request).
    pub name_limit: Option<usize>,
}

/// A JSON answer.
pub fn reply(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).expect("a valid status");
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The spec's `Error` body.
pub fn error(code: &str) -> Value {
    json!({"code": code, "message": format!("test server: {code}")})
}

/// A server for ping and the player name, broken as `breakage` says; every request is logged.
pub fn player_server(breakage: Breakage, log: Log) -> Router {
    Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let log = log.clone();
            async move {
                let first = log.count() == 0;
                let seen = log.push(&method, &uri, &headers, &body);
                if first && breakage.rate_limit_first {
                    let mut response = reply(429, &error("rate_limit_exceeded"));
                    response.headers_mut().insert(
                        header::RETRY_AFTER,
                        HeaderValue::from_static(breakage.retry_after.unwrap_or("1")),
                    );
                    return response;
                }
                answer(&breakage, &seen)
            }
        },
    )
}

fn answer(breakage: &Breakage, seen: &Seen) -> Response {
    let declared: &[&str] = match seen.path.as_str() {
        "/game/ping" => &["GET"],
        "/game/player/name" => &["GET", "PATCH"],
        _ => return reply(404, &error("not_found")),
    };
    if !declared.contains(&seen.method.as_str()) {
        let mut response = reply(405, &error("method_not_allowed"));
        if !breakage.no_allow {
            let allow = HeaderValue::from_str(&declared.join(", ")).expect("a header value");
            response.headers_mut().insert(header::ALLOW, allow);
        }
        return response;
    }
    if seen.header("x-session-token") != Some(TOKEN) {
        return reply(401, &error("unauthorized"));
    }
    match seen.header("ll-version") {
        Some(VERSION) => {}
        Some(_) => return reply(400, &error("bad_request")),
        None if breakage.undocumented_status && seen.path == "/game/ping" => {
            return reply(202, &json!({"success": true}));
        }
        None => {}
    }
    match (seen.path.as_str(), seen.method.as_str()) {
        ("/game/ping", _) => {
            let success = if breakage.ping_body {
                json!("yes")
            } else {
                json!(true)
            };
            reply(
                200,
                &json!({"success": success, "date": "2026-06-01T10:00:00Z"}),
            )
        }
        ("/game/player/name", "GET") => {
            let name = if breakage.name_body {
                json!(5)
            } else {
                json!("NightOwl")
            };
            reply(200, &json!({ "name": name }))
        }
        _ => rename(breakage, &seen.body),
    }
}

/// `PATCH /game/player/name`: a JSON object with a string `name`, no longer than the limit.
fn rename(breakage: &Breakage, body: &str) -> Response {
    let name = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_owned));
    match name {
        None => reply(400, &error("bad_request")),
        Some(name)
            if breakage
                .name_limit
                .is_some_and(|n| name.chars().count() > n) =>
        {
            reply(400, &error("name_too_long"))
        }
        Some(name) => reply(200, &json!({ "name": name })),
    }
}

/// The length in characters of the `name` of every rename the server received, in order.
pub fn rename_lengths(log: &Log) -> Vec<usize> {
    log.seen()
        .iter()
        .filter(|s| s.method == "PATCH" && s.path == "/game/player/name")
        .filter_map(|s| serde_json::from_str::<Value>(&s.body).ok())
        .filter_map(|v| {
            v.get("name")
                .and_then(Value::as_str)
                .map(|n| n.chars().count())
        })
        .collect()
}

/// A server answering every request with `status` and `{}` after `delay`, logging each.
pub fn uniform_server(status: u16, delay: Duration, log: Log) -> Router {
    Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let log = log.clone();
            async move {
                log.push(&method, &uri, &headers, &body);
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                reply(status, &json!({}))
            }
        },
    )
}

/// A server whose guest login issues `session` and which answers everything else 500 with the
/// credentials it was sent quoted in the body, so failing exchanges carry secrets both ways.
pub fn echoing_server(session: &'static str, log: Log) -> Router {
    Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let log = log.clone();
            async move {
                let seen = log.push(&method, &uri, &headers, &body);
                if seen.path == "/game/v2/session/guest" {
                    return reply(200, &json!({ "session_token": session }));
                }
                let sent: Vec<String> = ["x-session-token", "domain-key"]
                    .iter()
                    .filter_map(|h| seen.header(h).map(|v| format!("{h}={v}")))
                    .collect();
                reply(500, &json!({"code": "echo", "message": sent.join("; ")}))
            }
        },
    )
}
