//! What a `tracing` subscriber sees of client calls: a span per call with operation, status,
//! attempts and latency, and never a credential (raw, URL-encoded or base64). Its own test
//! binary, so that no other test's calls race the subscriber's registration.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::Engine;
use lootlocker_game::Client;
use support::*;
use wiremock::Mock;
use wiremock::matchers::{method, path};

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
