//! The validation proxy: in front of the mock every judged exchange holds the contract; in
//! front of a deliberately broken server the failures are named with their check codes; the
//! credentials that went through never reach a report.

mod common;

use std::sync::Arc;
use std::time::Duration;

use gamespec_conformance::mock::MockHandle;
use gamespec_conformance::proxy::{self, Proxy, ProxyOptions};
use gamespec_conformance::report;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A proxy of `api` in front of `upstream`, served in the background; its URL, the proxy and
/// the stop switch.
async fn start_proxy(api: &str, upstream: &str) -> (String, Arc<Proxy>, oneshot::Sender<()>) {
    let options = ProxyOptions {
        upstream: upstream.to_owned(),
        max_exchanges: None,
        timeout: Duration::from_secs(10),
    };
    let proxy = Arc::new(Proxy::new(common::spec(api), options).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(proxy::serve(listener, proxy.clone(), async {
        let _ = stopped.await;
    }));
    (url, proxy, stop)
}

/// Send the example request of the first `n` operations of `api` (credentials of `server`)
/// through the proxy at `via`; the session tokens sent.
async fn drive(api: &str, server: &MockHandle, via: &str, n: usize) -> Vec<String> {
    let spec = common::spec(api);
    let client = common::client();
    let port: u16 = via.rsplit(':').next().unwrap().parse().unwrap();
    for op in spec.operations.iter().take(n) {
        let mut req = common::example_request(&client, &spec, op, server)
            .build()
            .unwrap();
        req.url_mut().set_port(Some(port)).unwrap();
        let _ = client.execute(req).await.unwrap().bytes().await;
    }
    server.credentials().values().cloned().collect()
}

#[tokio::test]
async fn in_front_of_the_mock_every_exchange_holds_the_contract() {
    let server = common::start("lootlocker").await;
    let (url, proxy, stop) = start_proxy("lootlocker", server.url()).await;
    drive("lootlocker", &server, &url, 30).await;
    let result = proxy.result();
    assert!(result.stats.cases >= 30, "{:?}", result.stats);
    assert!(
        result.failures.is_empty(),
        "{}",
        report::console::console(&result, proxy.redactor(), false)
    );
    let _ = stop.send(());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn in_front_of_a_broken_server_failures_are_named_and_secrets_redacted() {
    // Answers every request with 200 and a plain-text body, whatever the spec documents.
    let broken = axum::Router::new().fallback(|| async {
        (
            [("content-type", "text/plain")],
            "everything is fine".to_owned(),
        )
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, broken).await });
    // The mock only lends its credentials; the broken server gets the traffic.
    let creds = common::start("lootlocker").await;
    let (url, proxy, stop) = start_proxy("lootlocker", &upstream).await;
    let secrets = drive("lootlocker", &creds, &url, 30).await;
    let result = proxy.result();
    let codes: std::collections::BTreeSet<&str> =
        result.failures.iter().map(|f| f.code.as_str()).collect();
    assert!(codes.contains("C003"), "content type: {codes:?}");
    assert!(
        codes.contains("C005") || codes.contains("C002"),
        "{codes:?}"
    );
    let ndjson = report::ndjson::ndjson(&result, proxy.redactor()).unwrap();
    let markdown = report::markdown::markdown(&result, proxy.redactor());
    for secret in secrets.iter().filter(|s| s.len() >= 6) {
        assert!(
            !ndjson.contains(secret.as_str()),
            "a credential leaked into NDJSON"
        );
        assert!(
            !markdown.contains(secret.as_str()),
            "a credential leaked into Markdown"
        );
    }
    assert!(ndjson.contains("C003"));
    let _ = stop.send(());
    creds.shutdown().await.unwrap();
}
