//! A capture server for client-side tests: an axum server on 127.0.0.1:0 that records every
//! request exactly as it arrived (method, path, raw query, headers in order, body bytes) and
//! answers each with one configurable reply.
//!
//! The generated clients are pointed at it to see what they send (request shapes) and to feed
//! them arbitrary answers (robustness properties).

#![allow(dead_code)] // each test binary uses a different subset

pub mod clients;
pub mod shape;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// Upper-case method.
    pub method: String,
    /// The path as sent (still percent-encoded).
    pub path: String,
    /// The query string as sent, without `?`; `None` when the URL had none.
    pub query: Option<String>,
    /// Header names (lower case) and values, in arrival order; non-UTF-8 values are lossy.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Captured {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The answer the server gives to every request until changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code (any value 100..=999 the HTTP library accepts; others become 500).
    pub status: u16,
    /// Headers to send; a name or value HTTP cannot carry is left out.
    pub headers: Vec<(String, String)>,
    /// The body bytes, sent as they are.
    pub body: Vec<u8>,
}

impl Reply {
    /// `status` with a JSON body.
    pub fn json(status: u16, body: &serde_json::Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }
}

impl Default for Reply {
    /// `200` with the JSON body `{}`.
    fn default() -> Self {
        Reply::json(200, &serde_json::json!({}))
    }
}

#[derive(Default)]
struct Shared {
    requests: Vec<Captured>,
    reply: Reply,
}

type SharedState = Arc<Mutex<Shared>>;

/// Poisoning only means another test thread panicked; the data is still usable.
fn lock(state: &SharedState) -> MutexGuard<'_, Shared> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running capture server; stopped when dropped.
pub struct CaptureServer {
    addr: SocketAddr,
    state: SharedState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl CaptureServer {
    /// Bind 127.0.0.1 on a free port and start answering with [`Reply::default`].
    pub async fn start() -> std::io::Result<CaptureServer> {
        let state = SharedState::default();
        let app = Router::new().fallback(record).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                eprintln!("capture server stopped: {e}");
            }
        });
        Ok(CaptureServer {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answer every later request with `reply`.
    pub fn set_reply(&self, reply: Reply) {
        lock(&self.state).reply = reply;
    }

    /// The requests received since the last call, oldest first.
    pub fn take(&self) -> Vec<Captured> {
        std::mem::take(&mut lock(&self.state).requests)
    }

    /// Stop serving and wait for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for CaptureServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn record(State(state): State<SharedState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // A body that cannot be read is recorded as empty; the test then sees what is missing.
    let body = to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default()
        .to_vec();
    let captured = Captured {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    let reply = {
        let mut shared = lock(&state);
        shared.requests.push(captured);
        shared.reply.clone()
    };
    respond(reply)
}

fn respond(reply: Reply) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(name, value);
        }
    }
    response
}
