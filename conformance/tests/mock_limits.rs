//! The mock against hostile clients: slow request heads and idle connections are closed, the
//! connection cap answers 503 while the admitted clients are still served, oversized bodies get
//! 413, the issued-token set stays bounded, the stateful mock's items are held to their byte
//! cap, JWTs not valid yet (or expired since
//! they were last accepted) are refused, and token material
//! is random unless a seed asks for repeatable runs.

mod common;

use std::time::{Duration, Instant};

use gamespec_conformance::mock::limits::Limits;
use gamespec_conformance::mock::security::carrier_name;
use gamespec_conformance::mock::{MockHandle, MockOptions};
use gamespec_spec::spec::{Operation, Spec};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn options(limits: Limits) -> MockOptions {
    MockOptions {
        limits,
        ..MockOptions::default()
    }
}

/// The guest session start of a spec.
fn guest_start(spec: &Spec) -> &Operation {
    spec.operations
        .iter()
        .find(|o| o.session_start && o.path.contains("guest"))
        .expect("a guest session start")
}

fn addr(server: &MockHandle) -> String {
    server.url().trim_start_matches("http://").to_owned()
}

/// Read until the peer closes (or `within` passes); the bytes read and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let end = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(end, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (out, true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (out, false),
        }
    }
}

/// Status of `op`'s example request with `scheme`'s credential replaced by `value`.
async fn status_with(
    spec: &Spec,
    server: &MockHandle,
    op: &Operation,
    scheme: &str,
    value: &str,
) -> u16 {
    let client = common::client();
    let header = carrier_name(spec.scheme(scheme).unwrap());
    let value = if header.eq_ignore_ascii_case("authorization") {
        format!("Bearer {value}")
    } else {
        value.to_owned()
    };
    let mut req = common::example_request(&client, spec, op, server)
        .build()
        .unwrap();
    req.headers_mut().insert(
        reqwest::header::HeaderName::from_bytes(header.as_bytes()).unwrap(),
        reqwest::header::HeaderValue::from_str(&value).unwrap(),
    );
    client.execute(req).await.unwrap().status().as_u16()
}

#[tokio::test]
async fn a_slow_request_head_and_an_idle_connection_are_closed() {
    let server = common::start_with(
        "lootlocker",
        options(Limits {
            header_read_timeout: Duration::from_millis(300),
            idle_timeout: Duration::from_millis(400),
            ..Limits::default()
        }),
    )
    .await;
    let started = Instant::now();
    let mut slow = TcpStream::connect(addr(&server)).await.unwrap();
    slow.write_all(b"GET /game/v1/player/info HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (_, closed) = read_until_closed(&mut slow, Duration::from_secs(3)).await;
    assert!(
        closed,
        "a head still incomplete after the timeout closes the connection"
    );
    assert!(started.elapsed() < Duration::from_secs(2));

    let started = Instant::now();
    let mut idle = TcpStream::connect(addr(&server)).await.unwrap();
    let (bytes, closed) = read_until_closed(&mut idle, Duration::from_secs(3)).await;
    assert!(closed && bytes.is_empty(), "an idle connection is closed");
    assert!(started.elapsed() >= Duration::from_millis(250));
    // The server still serves everyone else.
    let res = common::client()
        .get(format!("{}/no/such/path", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn beyond_the_connection_limit_a_client_gets_503_while_the_others_are_served() {
    let server = common::start_with(
        "lootlocker",
        options(Limits {
            max_connections: 2,
            ..Limits::default()
        }),
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(TcpStream::connect(addr(&server)).await.unwrap());
    }
    // Let the accept loop admit both before the third arrives.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let res = common::client()
        .get(format!("{}/no/such/path", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    let body: Value = res.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("at most 2"),
        "{body}"
    );

    // The admitted connections are still served.
    for conn in &mut held {
        conn.write_all(b"GET /no/such/path HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let (bytes, _) = read_until_closed(conn, Duration::from_secs(3)).await;
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("HTTP/1.1 404"), "{text}");
    }
    drop(held);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let res = common::client()
        .get(format!("{}/no/such/path", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status().as_u16(),
        404,
        "places free again once clients leave"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_two_mib_json_body_gets_413() {
    let spec = common::spec("lootlocker");
    let server = common::start("lootlocker").await;
    let op = spec
        .operations
        .iter()
        .find(|o| {
            o.method == "POST"
                && o.body
                    .as_ref()
                    .is_some_and(|(_, m)| m.iter().all(|m| m.media_type == "application/json"))
        })
        .unwrap();
    let client = common::client();
    let mut big = String::from("{\"pad\":\"");
    big.push_str(&"x".repeat(2 * 1024 * 1024));
    big.push_str("\"}");
    let res = common::example_request(&client, &spec, op, &server)
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413, "{}", op.id);

    // Without a Content-Length (chunked), the limit holds while reading.
    let stream = futures_util::stream::iter(
        big.into_bytes()
            .chunks(64 * 1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let res = common::example_request(&client, &spec, op, &server)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413, "{} chunked", op.id);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn issued_tokens_are_bounded_and_the_oldest_forgotten() {
    let spec = common::spec("lootlocker");
    let server = common::start_with(
        "lootlocker",
        options(Limits {
            max_issued_tokens: 5,
            ..Limits::default()
        }),
    )
    .await;
    let start = guest_start(&spec);
    let scheme = spec.profile.session_scheme.clone().unwrap();
    let client = common::client();
    let mut tokens = Vec::new();
    for _ in 0..20 {
        let res = common::example_request(&client, &spec, start, &server)
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        tokens.push(body["session_token"].as_str().unwrap().to_owned());
    }
    let get = common::secured_get(&spec, &scheme);
    let ok = get.success().unwrap().status;
    assert_eq!(
        status_with(&spec, &server, get, &scheme, &tokens[0]).await,
        401
    );
    assert_eq!(
        status_with(&spec, &server, get, &scheme, &tokens[19]).await,
        ok
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn jwts_not_valid_yet_or_issued_in_the_future_get_401() {
    let spec = common::spec("xsolla");
    let server = common::start("xsolla").await;
    let secret = MockOptions::default().jwt_secret;
    let token = &server.credentials()["userJwt"];
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    v.validate_aud = false;
    let key = jsonwebtoken::DecodingKey::from_secret(secret.as_bytes());
    let claims = jsonwebtoken::decode::<Value>(token, &key, &v)
        .unwrap()
        .claims;
    let now = claims["iat"].as_u64().unwrap();
    let sign = |claims: &Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    let op = common::secured_get(&spec, "userJwt");
    let ok = op.success().unwrap().status;
    assert_eq!(
        status_with(&spec, &server, op, "userJwt", &sign(&claims)).await,
        ok
    );
    let mut later = claims.clone();
    later["nbf"] = (now + 3600).into();
    assert_eq!(
        status_with(&spec, &server, op, "userJwt", &sign(&later)).await,
        401
    );
    let mut future = claims.clone();
    future["iat"] = (now + 3600).into();
    assert_eq!(
        status_with(&spec, &server, op, "userJwt", &sign(&future)).await,
        401
    );
    server.shutdown().await.unwrap();
}

/// The mock remembers JWTs it verified (so each call does not pay for the signature again):
/// a token accepted once is still refused once its `exp` has passed.
#[tokio::test]
async fn a_jwt_accepted_before_is_refused_once_expired() {
    let spec = common::spec("xsolla");
    let server = common::start("xsolla").await;
    let secret = MockOptions::default().jwt_secret;
    let key = jsonwebtoken::DecodingKey::from_secret(secret.as_bytes());
    let v = {
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        v.validate_aud = false;
        v
    };
    let mut claims = jsonwebtoken::decode::<Value>(&server.credentials()["userJwt"], &key, &v)
        .unwrap()
        .claims;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    claims["iat"] = now.into();
    claims["exp"] = (now + 2).into();
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap();
    let op = common::secured_get(&spec, "userJwt");
    let ok = op.success().unwrap().status;
    for _ in 0..2 {
        assert_eq!(status_with(&spec, &server, op, "userJwt", &token).await, ok);
    }
    // Valid through its `exp` second, refused after it.
    let expired_at = std::time::UNIX_EPOCH + Duration::from_secs(now + 3);
    if let Ok(wait) = expired_at.duration_since(std::time::SystemTime::now()) {
        tokio::time::sleep(wait + Duration::from_millis(50)).await;
    }
    assert_eq!(
        status_with(&spec, &server, op, "userJwt", &token).await,
        401
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn tokens_differ_between_mocks_unless_the_same_seed_is_given() {
    async fn token(options: MockOptions) -> String {
        let server = common::start_with("lootlocker", options).await;
        let t = server.credentials()["sessionToken"].clone();
        server.shutdown().await.unwrap();
        t
    }
    assert_ne!(
        token(MockOptions::default()).await,
        token(MockOptions::default()).await
    );
    let seeded = || MockOptions {
        seed: 11,
        seeded_tokens: true,
        ..MockOptions::default()
    };
    assert_eq!(token(seeded()).await, token(seeded()).await);
}

#[tokio::test]
async fn a_client_writing_large_items_is_held_to_the_byte_cap() {
    let spec = common::spec("lootlocker");
    let server = common::start_with(
        "lootlocker",
        MockOptions {
            state_caps: gamespec_conformance::mock::state::Caps {
                bytes: 100_000,
                ..Default::default()
            },
            ..MockOptions::default()
        },
    )
    .await;
    let start = guest_start(&spec);
    let client = common::client();
    let session: Value = common::example_request(&client, &spec, start, &server)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["session_token"].as_str().unwrap().to_owned();
    let storage = format!("{}/game/v1/player/storage", server.url());
    // 40 items of 10 kB: four times the cap.
    for i in 0..40 {
        let item = serde_json::json!({"key": format!("k{i:02}"), "value": "x".repeat(10_000), "order": i, "is_public": false});
        let res = client
            .post(&storage)
            .header("x-session-token", &token)
            .json(&serde_json::json!({ "payload": [item] }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "write {i}");
    }
    let listed = client
        .get(&storage)
        .header("x-session-token", &token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listed.len() < 100_000, "{} bytes listed", listed.len());
    assert!(listed.contains("\"k39\"") && !listed.contains("\"k00\""));
    server.shutdown().await.unwrap();
}
