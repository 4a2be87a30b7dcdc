//! Fault schedules on the mock, one test per schedule kind: each fires on the calls its
//! trigger names and no others, and a seeded `rate:P` repeats from run to run.

mod common;

use std::time::{Duration, Instant};

use gamespec_conformance::mock::fault::Entry;
use gamespec_conformance::mock::{MockHandle, MockOptions, fault};

/// A LootLocker mock with the schedule `entries` (command-line spelling) and `seed`.
async fn mock(entries: &[&str], seed: u64) -> MockHandle {
    let parsed: Vec<Entry> = entries.iter().map(|e| e.parse().unwrap()).collect();
    common::start_with(
        "lootlocker",
        MockOptions {
            seed,
            ..MockOptions::default()
        }
        .with_fault_entries(parsed),
    )
    .await
}

/// `GET /game/ping` with the mock's pre-issued session token.
async fn ping(server: &MockHandle) -> reqwest::Result<reqwest::Response> {
    let token = &server.credentials()["sessionToken"];
    common::client()
        .get(format!("{}/game/ping", server.url()))
        .header("x-session-token", token)
        .send()
        .await
}

async fn statuses(server: &MockHandle, calls: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..calls {
        out.push(ping(server).await.unwrap().status().as_u16());
    }
    out
}

#[tokio::test]
async fn rate_limited_answers_429_with_retry_after_from_the_nth_call_on() {
    let server = mock(&["rate-limited:2:ping@after:2"], 0).await;
    assert_eq!(ping(&server).await.unwrap().status(), 200);
    for _ in 0..2 {
        let answer = ping(&server).await.unwrap();
        assert_eq!(answer.status(), 429);
        let waits: Vec<_> = answer.headers().get_all("retry-after").iter().collect();
        assert_eq!(waits, ["2"], "exactly the schedule's Retry-After");
    }
}

#[tokio::test]
async fn session_expired_answers_401_and_forgets_the_token() {
    let server = mock(&["session-expired:ping@after:2"], 0).await;
    assert_eq!(statuses(&server, 1).await, [200]);
    let answer = ping(&server).await.unwrap();
    assert_eq!(answer.status(), 401);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert!(
        body.is_object(),
        "401 in the documented error shape: {body}"
    );
    // The trigger keeps firing, but the token is refused on its own merits too: another
    // operation with the same token is refused.
    let token = &server.credentials()["sessionToken"];
    let other = common::client()
        .get(format!("{}/game/v1/player/info", server.url()))
        .header("x-session-token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 401);
}

#[tokio::test]
async fn server_error_burst_answers_503_for_the_first_n_calls() {
    let server = mock(&["server-error:ping@burst:2"], 0).await;
    assert_eq!(statuses(&server, 4).await, [503, 503, 200, 200]);
}

#[tokio::test]
async fn latency_delays_every_nth_answer() {
    let server = mock(&["latency:300:ping@every:2"], 0).await;
    let mut took = Vec::new();
    for _ in 0..2 {
        let started = Instant::now();
        assert_eq!(ping(&server).await.unwrap().status(), 200);
        took.push(started.elapsed());
    }
    assert!(took[0] < Duration::from_millis(250), "{took:?}");
    assert!(took[1] >= Duration::from_millis(300), "{took:?}");
}

#[tokio::test]
async fn reset_closes_the_connection_without_an_answer() {
    let server = mock(&["reset:ping@every:2"], 0).await;
    assert_eq!(ping(&server).await.unwrap().status(), 200);
    let err = ping(&server).await.unwrap_err();
    assert!(!err.is_status(), "no answer at all: {err}");
    assert_eq!(ping(&server).await.unwrap().status(), 200);
}

#[tokio::test]
async fn truncated_cuts_the_body_short_of_its_content_length() {
    let server = mock(&["truncated:ping"], 0).await;
    let answer = ping(&server).await.unwrap();
    assert_eq!(answer.status(), 200);
    let promised = answer.content_length().unwrap();
    assert!(promised > 0);
    assert!(answer.bytes().await.is_err(), "the body ends early");
}

#[tokio::test]
async fn a_rate_repeats_with_the_seed_and_changes_with_another() {
    let run = |seed| async move {
        let server = mock(&["server-error:ping@rate:0.5"], seed).await;
        statuses(&server, 24).await
    };
    let first = run(3).await;
    assert_eq!(first, run(3).await);
    assert_ne!(first, run(4).await);
    let failed = first.iter().filter(|&&s| s == 503).count();
    assert!((4..=20).contains(&failed), "{first:?}");
}

#[test]
fn schedule_entries_a_spec_cannot_take_are_refused() {
    let spec = common::spec("lootlocker");
    let plan = |text: &str| {
        let Entry::Scheduled(s) = text.parse().unwrap() else {
            panic!("{text} is a schedule entry")
        };
        fault::FaultPlan::new(&spec, &[]).and_then(|p| p.schedule(&spec, &[s]))
    };
    assert!(plan("reset:noSuchOperation").is_err());
    assert!(plan("session-expired:ping").is_ok());
    assert!(
        plan("session-expired:startGuestSession").is_err(),
        "no security"
    );
}
