//! Servers that attack the runner rather than break one rule: rate limits on every answer,
//! bodies of 15 MB, compressed and compression-bomb answers, bytes that are not UTF-8, and
//! answers that echo every credential back in every encoding a report could show it in.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Log;
use super::lootlocker::{error, reply};

/// Every request gets 429 with `Retry-After: retry_after` and the documented error body.
pub fn rate_limit_server(retry_after: &'static str, log: Log) -> Router {
    Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let log = log.clone();
            async move {
                log.push(&method, &uri, &headers, &body);
                let mut response = reply(429, &error("rate_limit_exceeded"));
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static(retry_after));
                response
            }
        },
    )
}

/// A JSON answer with these exact bytes and headers.
pub fn raw(status: u16, headers: &[(&'static str, &'static str)], body: Bytes) -> Response {
    let mut response = (
        StatusCode::from_u16(status).expect("a valid status"),
        Body::from(body),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in headers {
        response
            .headers_mut()
            .insert(*name, HeaderValue::from_static(value));
    }
    response
}

/// A 200 body of `size` bytes that is JSON but breaks every schema of the LootLocker spec's
/// answers (`success` and `name` of the wrong type), so every exchange fails and is kept.
pub fn huge_body(size: usize) -> Bytes {
    let head = br#"{"success":"yes","name":7,"pad":""#;
    let tail = br#""}"#;
    let mut body = Vec::with_capacity(size);
    body.extend_from_slice(head);
    body.resize(size - tail.len(), b'x');
    body.extend_from_slice(tail);
    Bytes::from(body)
}

/// Every request gets `body` (shared, never copied) with status 200.
pub fn fixed_server(
    headers: &'static [(&'static str, &'static str)],
    body: Bytes,
    log: Log,
) -> Router {
    Router::new().fallback(
        move |method: Method, uri: Uri, request_headers: HeaderMap, request: Bytes| {
            let (log, body) = (log.clone(), body.clone());
            async move {
                log.push(&method, &uri, &request_headers, &request);
                raw(200, headers, body)
            }
        },
    )
}

/// `text` gzip-compressed.
pub fn gzip(bytes: &[u8]) -> Bytes {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip in memory");
    Bytes::from(encoder.finish().expect("gzip in memory"))
}

/// `n` zero bytes gzip-compressed, written in chunks (a bomb: tiny on the wire).
pub fn gzip_zeros(n: usize) -> Bytes {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let take = left.min(chunk.len());
        encoder.write_all(&chunk[..take]).expect("gzip in memory");
        left -= take;
    }
    Bytes::from(encoder.finish().expect("gzip in memory"))
}

/// What [`echo_server`] quotes: each `secret` raw, percent-encoded, JSON-escaped and in
/// base64 (alone and after `user:`), each after `pad` characters so that a cut of an excerpt
/// can fall inside one.
pub fn echo_text(secrets: &[String], pad: usize) -> String {
    use base64::Engine;
    let mut out = String::new();
    for secret in secrets {
        let b64 = base64::engine::general_purpose::STANDARD;
        for form in [
            secret.clone(),
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
            serde_json::to_string(secret).expect("a JSON string"),
            b64.encode(secret),
            b64.encode(format!("user:{secret}")),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
        ] {
            out.push_str(&"-".repeat(pad));
            out.push_str(&form);
        }
    }
    out
}

/// A server whose guest login issues `session` (or fails with 500 when `login_fails`, quoting
/// what it was sent from character 190 of its body, across the 200-character cut of a login error) and
/// which answers everything else 500, quoting every header and body it was sent in every
/// encoding of [`echo_text`].
pub fn echo_server(session: &'static str, login_fails: bool, log: Log) -> Router {
    Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let log = log.clone();
            async move {
                let seen = log.push(&method, &uri, &headers, &body);
                // Every string value of a JSON body first, so a game key sent in one is echoed
                // alone, then every header, the body and the URI.
                let mut sent: Vec<String> = match serde_json::from_str(&seen.body) {
                    Ok(serde_json::Value::Object(map)) => map
                        .values()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect(),
                    _ => Vec::new(),
                };
                sent.extend(seen.headers.iter().map(|(_, v)| v.clone()));
                sent.push(seen.body.clone());
                sent.push(uri.to_string());
                if seen.path == "/game/v2/session/guest" {
                    if login_fails {
                        // `{"code":"echo","message":"` is 26 characters: the first value sent
                        // starts at 190, across the cut at 200.
                        let message = format!("{}{}", "-".repeat(190 - 26), echo_text(&sent, 0));
                        return reply(500, &json!({"code": "echo", "message": message}));
                    }
                    return reply(200, &json!({ "session_token": session }));
                }
                reply(
                    500,
                    &json!({"code": "echo", "message": echo_text(&sent, 150)}),
                )
            }
        },
    )
}

/// Every request gets the next of `statuses` in turn, with a JSON body no documented schema
/// accepts (a string where objects are documented).
pub fn cycling_server(statuses: Vec<u16>, log: Log) -> Router {
    Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (log, statuses) = (log.clone(), statuses.clone());
            async move {
                log.push(&method, &uri, &headers, &body);
                let status = statuses[(log.count() - 1) % statuses.len()];
                reply(status, &json!("a string, not the documented object"))
            }
        },
    )
}
