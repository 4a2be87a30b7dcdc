//! What the runner and CLI tests share: small axum servers on 127.0.0.1 that play one LootLocker
//! operation right or in one wrong way ([`lootlocker`]), a log of what a server received, and
//! ways to serve an app from inside a test runtime or from a thread of its own (for the CLI,
//! whose child process talks to it while the test blocks).

#![allow(dead_code)] // each test binary uses a different subset

pub mod binary;
pub mod hostile;
pub mod lootlocker;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use tokio::net::TcpListener;

/// One request as a test server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Method, upper case.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Seen {
    /// The value of header `name` (lower case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every request a test server received, in arrival order; cheap to clone into handlers.
#[derive(Debug, Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Seen>>>);

impl Log {
    /// Record one request.
    pub fn push(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Seen {
        let seen = Seen {
            method: method.as_str().to_owned(),
            path: uri.path().to_owned(),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                    (k.as_str().to_owned(), value)
                })
                .collect(),
            body: String::from_utf8_lossy(body).into_owned(),
        };
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(seen.clone());
        seen
    }

    /// What arrived so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How many requests arrived so far.
    pub fn count(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Serve `app` on an ephemeral loopback port on the current runtime, for the rest of the test.
pub async fn serve(app: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Serve `app` on a thread with its own runtime, for tests that block on a child process. The
/// server lives as long as the test binary.
pub fn serve_in_background(app: Router) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    listener.set_nonblocking(true).expect("non-blocking");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).expect("a tokio listener");
            let _ = axum::serve(listener, app).await;
        });
    });
    url
}

/// A loopback URL nothing listens on: bound, then released.
pub fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("bound").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}
