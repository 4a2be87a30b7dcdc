//! The mock's bounds under load, measured on the `conformance mock` process (ignored by default;
//! run with `cargo test -p gamespec-conformance --test mock_bench -- --ignored --nocapture`,
//! `--release` for representative throughput):
//! - RSS after 200,000 guest session starts (issued tokens are an LRU of 100,000) and after
//!   100,000 deletes (the delete record holds at most 100,000 paths);
//! - POST requests/s before and after the deletes (a write looks up its subtree by range, so
//!   the ratio should be about 1);
//! - p99 latency of normal requests while 1,000 slow-header connections are open (goal < 5 ms).
//!
//! Counts can be lowered with `BENCH_SESSIONS`, `BENCH_DELETES` and `BENCH_SLOW`;
//! `BENCH_STATELESS=1` measures the mock with `--stateless`. Each session start sends its own
//! `player_identifier`, so the stateful mock makes a new player each time (and keeps the newest
//! 10,000: the players' LRU).
//!
//! Measured (release, 2 shared cores, load generator in the same machine): RSS 53 MiB at start,
//! 56 MiB after 200k session starts, 76 MiB after 100k deletes; POST 45.8k/s before and 46.5k/s
//! after the deletes (ratio 1.01); GET p99 4.38 ms without and 4.22 ms with 1,000 slow
//! connections open.
//!
//! With game state (2026-12-06, debug build, 2 cores shared with other builds, one player per
//! session start): RSS 80.1 MiB at start, 100.4 MiB after 200k session starts (the players'
//! LRU holds 10,000), 135.4 MiB after 100k deletes; POST 3277/s before and 3725/s after (ratio
//! 1.14). The same build with `BENCH_STATELESS=1`: 86.3 MiB after the session starts, 115.3 MiB
//! after the deletes, POST ratio 1.07.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gamespec_spec::spec::{Operation, ParamLocation};
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const CONCURRENCY: usize = 16;

fn count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Mock {
    child: Child,
    url: String,
    credentials: Value,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_mock(extra: &[&str]) -> Mock {
    let mut child = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["mock", "--spec", "lootlocker", "--port", "0"])
        .args(extra)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap();
    Mock {
        child,
        url: ready["url"].as_str().unwrap().to_owned(),
        credentials: ready["credentials"].clone(),
    }
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Send `n` requests built by `build(i)` with `CONCURRENCY` workers; requests/s and the sorted
/// latencies. Panics unless every answer is a 2xx, so each figure measures what it says.
async fn load<F>(n: usize, build: F) -> (f64, Vec<Duration>)
where
    F: Fn(usize) -> reqwest::Request + Send + Sync + 'static,
{
    let client = common::client();
    let build = Arc::new(build);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (client, build, next) = (client.clone(), build.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let t = Instant::now();
                let res = client.execute(build(i)).await.unwrap();
                let status = res.status();
                let _ = res.bytes().await;
                assert!(status.is_success(), "request {i}: {status}");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let rps = n as f64 / started.elapsed().as_secs_f64();
    all.sort();
    (rps, all)
}

fn p99(sorted: &[Duration]) -> f64 {
    sorted
        .get(sorted.len() * 99 / 100)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn integer_path_params(op: &Operation) -> bool {
    let params: Vec<_> = op
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
        .collect();
    !params.is_empty()
        && params
            .iter()
            .all(|p| p.schema.get("type").and_then(Value::as_str) == Some("integer"))
}

/// `op.path` with every template parameter set to `i`.
fn path_with(op: &Operation, i: usize) -> String {
    let mut path = op.path.clone();
    for p in op
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
    {
        path = path.replace(&format!("{{{}}}", p.name), &i.to_string());
    }
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: minutes of load"]
async fn mock_stays_bounded_and_fast_under_hostile_load() {
    let sessions = count("BENCH_SESSIONS", 200_000);
    let deletes = count("BENCH_DELETES", 100_000);
    let slow = count("BENCH_SLOW", 1_000);
    let spec = common::spec("lootlocker");
    let stateless = std::env::var("BENCH_STATELESS").is_ok_and(|v| v == "1");
    let max_connections = (slow + 64).to_string();
    let mut args = vec![
        "--max-connections",
        &max_connections,
        "--header-timeout",
        "120",
    ];
    if stateless {
        args.push("--stateless");
    }
    let mock = start_mock(&args);
    println!(
        "mock: {}",
        if stateless { "--stateless" } else { "stateful" }
    );
    let pid = mock.child.id();
    // The request builders want a handle-like base URL and credentials; a started in-process
    // mock lends the spec's example requests, then their URL is pointed at the process.
    let lender = common::start("lootlocker").await;
    let client = common::client();
    let session_header = "x-session-token";
    let token = mock.credentials["sessionToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let port: u16 = mock.url.rsplit(':').next().unwrap().parse().unwrap();
    let template = |op: &Operation| {
        let mut req = common::example_request(&client, &spec, op, &lender)
            .build()
            .unwrap();
        req.url_mut().set_port(Some(port)).unwrap();
        if req.headers().contains_key(session_header) {
            req.headers_mut()
                .insert(session_header, token.parse().unwrap());
        }
        req
    };
    println!("RSS at start: {:.1} MiB", rss_mib(pid));

    let start_op = spec
        .operations
        .iter()
        .find(|o| o.session_start && o.path.contains("guest"))
        .unwrap();
    let start_req = template(start_op);
    let start_body: Value = start_req
        .body()
        .and_then(|b| b.as_bytes())
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap();
    let (rps, _) = load(sessions, move |i| {
        let mut r = start_req.try_clone().unwrap();
        let mut body = start_body.clone();
        body["player_identifier"] = Value::from(format!("bench-player-{i}"));
        *r.body_mut() = Some(serde_json::to_vec(&body).unwrap().into());
        r
    })
    .await;
    println!(
        "{sessions} session starts at {rps:.0}/s; RSS after: {:.1} MiB",
        rss_mib(pid)
    );

    let post = spec
        .operations
        .iter()
        .find(|o| {
            o.method == "POST"
                && !o.session_start
                && o.body.is_some()
                && o.security
                    .iter()
                    .any(|s| s.contains(&"sessionToken".to_owned()))
        })
        .unwrap();
    let post_req = template(post);
    let writes = 20_000.min(sessions.max(2_000));
    let p = post_req.try_clone().unwrap();
    let (before, _) = load(writes, move |_| p.try_clone().unwrap()).await;

    let del = spec
        .operations
        .iter()
        .find(|o| o.method == "DELETE" && integer_path_params(o))
        .unwrap();
    let del_req = template(del);
    let del_op = del.clone();
    let (rps, _) = load(deletes, move |i| {
        let mut r = del_req.try_clone().unwrap();
        r.url_mut().set_path(&path_with(&del_op, i + 1_000_000));
        r
    })
    .await;
    println!(
        "{deletes} deletes ({}) at {rps:.0}/s; RSS after: {:.1} MiB",
        del.id,
        rss_mib(pid)
    );
    let (after, _) = load(writes, move |_| post_req.try_clone().unwrap()).await;
    println!(
        "POST {} requests/s: {before:.0} before, {after:.0} after the deletes (ratio {:.2})",
        post.id,
        after / before
    );

    let get = spec
        .operations
        .iter()
        .find(|o| {
            o.method == "GET"
                && o.parameters
                    .iter()
                    .all(|p| p.location != ParamLocation::Path)
        })
        .unwrap();
    let get_req = template(get);
    let quiet = get_req.try_clone().unwrap();
    let (rps, latencies) = load(5_000, move |_| quiet.try_clone().unwrap()).await;
    println!(
        "without slow connections: GET {} at {rps:.0}/s, p99 {:.2} ms",
        get.id,
        p99(&latencies)
    );
    let mut held = Vec::new();
    for _ in 0..slow {
        let mut s = TcpStream::connect(mock.url.trim_start_matches("http://"))
            .await
            .unwrap();
        s.write_all(b"GET /game/v1/player/info HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        held.push(s);
    }
    let (rps, latencies) = load(5_000, move |_| get_req.try_clone().unwrap()).await;
    println!(
        "with {slow} slow connections open: GET {} at {rps:.0}/s, p99 {:.2} ms",
        get.id,
        p99(&latencies)
    );
    drop(held);
    lender.shutdown().await.unwrap();
}
