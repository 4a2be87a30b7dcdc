//! The client's renewal against the conformance mock with a fault schedule instead of a
//! hand-written server: a user JWT that expires mid-run (the mock answers 401 and forgets it)
//! is renewed with the refresh token and the call repeated.

use std::sync::Arc;

use gamespec_conformance::mock::fault::Entry;
use gamespec_conformance::mock::{MockHandle, MockOptions, MockServer};
use gamespec_spec::spec::Spec;
use xsolla_login::Client;

async fn mock(entries: &[&str]) -> MockHandle {
    let parsed: Vec<Entry> = entries.iter().map(|e| e.parse().unwrap()).collect();
    let spec = Arc::new(Spec::load("xsolla").unwrap());
    MockServer::start(spec, MockOptions::default().with_fault_entries(parsed))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_user_jwt_expired_mid_run_is_renewed_and_the_call_repeated() {
    let server = mock(&["session-expired:searchUsersByNickname@every:2"]).await;
    let client = Client::with_base_url(server.url()).unwrap();
    client
        .refresh_user_token("5821", "rT-1", None)
        .await
        .expect("the mock issues a user JWT");
    let first = client.credentials().user_jwt().expect("a user JWT");
    // The mock's user JWTs carry no unique id: one renewed within the same second as `first`
    // would be the same token, refused as expired. A second later it is a new one.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for call in ["served", "renewed and repeated"] {
        client
            .search_users_by_nickname()
            .nickname("Kestrel")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{call}: {e}"));
    }
    let second = client.credentials().user_jwt().expect("a user JWT");
    assert_ne!(first, second, "the JWT was renewed");
}
