//! The client's retry and renewal against the conformance mock with a fault schedule (the
//! mock's `--fault KIND[:OPERATION][@TRIGGER]`), in place of a hand-written server: a 429 with
//! `Retry-After` is waited out and retried, and a session that expires mid-run is renewed and
//! the call repeated.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gamespec_conformance::mock::fault::Entry;
use gamespec_conformance::mock::{MockHandle, MockOptions, MockServer};
use gamespec_spec::spec::Spec;
use lootlocker_game::Client;

mod support;

use support::*;

/// A LootLocker mock on a loopback port with the schedule `entries`.
async fn mock(entries: &[&str]) -> MockHandle {
    let parsed: Vec<Entry> = entries.iter().map(|e| e.parse().unwrap()).collect();
    let spec = Arc::new(Spec::load("lootlocker").unwrap());
    MockServer::start(spec, MockOptions::default().with_fault_entries(parsed))
        .await
        .unwrap()
}

#[tokio::test]
async fn rate_limited_get_is_retried_after_the_retry_after_wait() {
    // The first ping is refused with 429 and `Retry-After: 1`; the rest are served.
    let server = mock(&["rate-limited:1:ping@burst:1"]).await;
    let client = Client::with_base_url(server.url()).unwrap();
    client
        .credentials()
        .set_session_token(&server.credentials()["sessionToken"]);
    let started = Instant::now();
    client.ping().send().await.expect("second attempt succeeds");
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(1), "did not wait: {took:?}");
    assert!(took < Duration::from_secs(5), "waited too long: {took:?}");
}

#[tokio::test]
async fn a_session_expired_mid_run_is_renewed_and_the_call_repeated() {
    // Every second listing finds the session expired (401, and the mock forgets the token).
    let server = mock(&["session-expired:listConnectedAccounts@every:2"]).await;
    let client = Client::with_base_url(server.url()).unwrap();
    start_session(&client).await;
    assert!(client.runtime().can_renew("sessionToken"));
    let first = client.credentials().session_token().expect("a session");
    client
        .list_connected_accounts()
        .send()
        .await
        .expect("the first call is served");
    client
        .list_connected_accounts()
        .send()
        .await
        .expect("succeeds after renewal");
    let second = client.credentials().session_token().expect("a session");
    assert_ne!(first, second, "the session was renewed");
    // The expired token is gone for good: a call made with it is refused.
    let stale = Client::with_base_url(server.url()).unwrap();
    stale.credentials().set_session_token(&first);
    let err = stale.ping().send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}
