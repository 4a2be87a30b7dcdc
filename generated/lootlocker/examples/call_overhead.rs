//! Per-call overhead of the generated client (hooks, runtime, span, typed decoding) against a
//! hand-written reqwest + serde call of the same operation (`GET /game/ping`) to the same local
//! server: a minimal keep-alive HTTP/1.1 server on loopback answering a fixed body, so the
//! client side dominates. Prints the mean time per call of each and their ratio.
//!
//! `cargo run --release -p lootlocker-game --example call_overhead [calls per round]`

use std::time::{Duration, Instant};

use lootlocker_game::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const BODY: &str = r#"{"date":"2026-03-01 10:00:00","success":true}"#;
const TOKEN: &str = "e0d4c4a1b7b14f0a8c35e6a0d9f2b8c7";

/// Answers every request on a connection with the fixed ping body.
async fn serve(listener: TcpListener) {
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let response = response.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 8192];
            let mut pending = Vec::new();
            loop {
                let Ok(n) = socket.read(&mut buf).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                pending.extend_from_slice(&buf[..n]);
                // GET requests have no body: each blank line ends one request.
                while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                    pending.drain(..end + 4);
                    if socket.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            }
        });
    }
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Ping {
    date: Option<String>,
    success: Option<bool>,
}

async fn hand_written(http: &reqwest::Client, url: &str) -> Result<Ping, reqwest::Error> {
    http.get(url)
        .header("accept", "application/json")
        .header("ll-version", "2021-03-01")
        .header("x-session-token", TOKEN)
        .send()
        .await?
        .error_for_status()?
        .json::<Ping>()
        .await
}

async fn round<F, Fut>(calls: u32, mut call: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    for _ in 0..calls {
        assert!(call().await, "a call failed");
    }
    started.elapsed() / calls
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let calls: u32 = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(2000);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(serve(listener));

    let http = reqwest::Client::builder().no_proxy().build()?;
    let url = format!("{base}/game/ping");
    let client = Client::builder()
        .base_url(&base)
        .http_client(reqwest::Client::builder().no_proxy().build()?)
        .credential("sessionToken", TOKEN)
        .build()?;

    let generated = || async { client.ping().send().await.is_ok() };
    let direct = || async { hand_written(&http, &url).await.is_ok() };
    round(calls / 4, generated).await;
    round(calls / 4, direct).await;
    let (mut g, mut d) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        g.push(round(calls, generated).await);
        d.push(round(calls, direct).await);
    }
    g.sort();
    d.sort();
    let (g, d) = (g[2], d[2]);
    println!("calls per round: {calls}, median of 5 rounds");
    println!(
        "generated client:    {:>8.1} µs/call",
        g.as_secs_f64() * 1e6
    );
    println!(
        "reqwest + serde:     {:>8.1} µs/call",
        d.as_secs_f64() * 1e6
    );
    println!(
        "ratio:               {:>8.3}",
        g.as_secs_f64() / d.as_secs_f64()
    );
    Ok(())
}
