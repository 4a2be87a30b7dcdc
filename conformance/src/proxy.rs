//! The validation proxy: forwards any client's traffic to a real server and judges every
//! exchange with the runner's response checks (status, content type, headers, schema, missing
//! credentials, server errors), so a team can watch its game client against the real API.
//!
//! Each request is routed and read with the mock's router and the one request reader
//! ([`crate::read`]) to find its operation and what the client meant: a request the reader
//! accepts is judged as valid, one it refuses as invalid at the first problem's location, and
//! one without the credentials of any of the operation's requirement sets as missing
//! credentials. The checks then judge the answer exactly as in a run, and [`Proxy::result`]
//! gives a [`RunResult`] the runner's report writers take. Credentials seen in requests are
//! added to the [`Redactor`], so reports never show them.
//!
//! Bodies travel as text: the answer goes back to the client decoded from its
//! `Content-Encoding` (the header is dropped), and request bodies that are not UTF-8 are
//! forwarded lossily; both APIs speak JSON and forms.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body as AxumBody;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::case::{Auth, Case, CaseBody, Intent, Phase};
use crate::checks::{self, Check, CheckContext, CheckSettings, Outcome};
use crate::exchange::{Exchange, WireRequest, WireResponse};
use crate::mock::limits::Limits;
use crate::mock::router::{Route, Routes};
use crate::mock::security;
use crate::outcome::{FailureRecord, MAX_FAILURES_KEPT, OperationResult, RunResult, Stats, Tally};
use crate::read::{Parts, Reader, query_pairs};
use crate::secrets::Redactor;
use gamespec_spec::spec::Spec;

/// The checks the proxy runs: those that judge an answer on its own, without a case the
/// runner generated for them.
pub const CHECKS: &[&str] = &[
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "missing_credentials_rejected",
    "not_a_server_error",
];

/// Request headers not forwarded: hop-by-hop ones and those the forwarding client sets itself.
const NOT_FORWARDED: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

/// Why a proxy could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The spec's paths cannot be routed.
    #[error("cannot route {spec}: {source}")]
    Routes {
        /// The spec's name.
        spec: String,
        /// What is wrong.
        source: crate::mock::router::RouteError,
    },
}

/// How a proxy runs.
#[derive(Debug, Clone)]
pub struct ProxyOptions {
    /// Base URL of the real server, e.g. `https://api.example.com`.
    pub upstream: String,
    /// Stop after this many judged exchanges.
    pub max_exchanges: Option<u64>,
    /// Timeout of each forwarded request.
    pub timeout: Duration,
}

/// What the proxy judged so far.
#[derive(Debug, Default)]
struct Judged {
    operations: BTreeMap<String, OperationResult>,
    failures: Vec<FailureRecord>,
    stats: Stats,
}

/// A validation proxy for one spec and one upstream server.
pub struct Proxy {
    spec: Arc<Spec>,
    routes: Routes,
    readers: Vec<Reader>,
    checks: Vec<&'static dyn Check>,
    settings: CheckSettings,
    client: crate::wire::Client,
    options: ProxyOptions,
    redactor: Redactor,
    judged: Mutex<Judged>,
    started: Instant,
    exchanges: AtomicU64,
    enough: Notify,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("spec", &self.spec.name())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// A proxy of `spec` in front of `options.upstream`.
    pub fn new(spec: Arc<Spec>, options: ProxyOptions) -> Result<Proxy, ProxyError> {
        let routes = Routes::new(&spec).map_err(|source| ProxyError::Routes {
            spec: spec.name(),
            source,
        })?;
        let client = crate::wire::client(options.timeout);
        let redactor = Redactor::new();
        redactor.add_url_userinfo(&options.upstream);
        Ok(Proxy {
            readers: spec
                .operations
                .iter()
                .map(|op| Reader::new(&spec, op))
                .collect(),
            checks: CHECKS
                .iter()
                .filter_map(|name| checks::find(name))
                .collect(),
            settings: CheckSettings::default(),
            spec,
            routes,
            client,
            options,
            redactor,
            judged: Mutex::new(Judged::default()),
            started: Instant::now(),
            exchanges: AtomicU64::new(0),
            enough: Notify::new(),
        })
    }

    /// The redactor that knows every credential seen so far.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Everything judged so far, as a run's result (operations without traffic are left out).
    pub fn result(&self) -> RunResult {
        let judged = self.judged.lock().unwrap_or_else(|e| e.into_inner());
        RunResult {
            api: self.spec.name(),
            base_url: self.options.upstream.clone(),
            seed: 0,
            duration: self.started.elapsed(),
            operations: judged.operations.values().cloned().collect(),
            failures: judged.failures.clone(),
            stats: judged.stats,
            stopped_early: None,
        }
    }

    /// Resolves once `max_exchanges` exchanges were judged (never without a maximum).
    pub async fn enough(&self) {
        match self.options.max_exchanges {
            Some(max) => {
                while self.exchanges.load(Ordering::Relaxed) < max {
                    let notified = self.enough.notified();
                    if self.exchanges.load(Ordering::Relaxed) >= max {
                        break;
                    }
                    notified.await;
                }
            }
            None => std::future::pending().await,
        }
    }

    /// The axum fallback handler: forward, judge, answer with what the server answered.
    pub async fn handle(State(proxy): State<Arc<Proxy>>, req: Request) -> Response {
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, Limits::default().upload_body_limit).await {
            Ok(b) => b,
            Err(e) => return plain(StatusCode::PAYLOAD_TOO_LARGE, &e.to_string()),
        };
        let path_and_query = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
        let headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .filter(|(k, _)| !NOT_FORWARDED.contains(&k.as_str()))
            .map(|(k, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (k.as_str().to_owned(), v)
            })
            .collect();
        let request = WireRequest {
            method: parts.method.as_str().to_owned(),
            url: format!(
                "{}{path_and_query}",
                proxy.options.upstream.trim_end_matches('/')
            ),
            headers,
            body: (!bytes.is_empty()).then(|| String::from_utf8_lossy(&bytes).into_owned()),
            parts: None,
        };
        let response = crate::wire::send(&proxy.client, &request).await;
        let answer = match &response {
            Ok(r) => forwarded(r),
            Err(e) => plain(StatusCode::BAD_GATEWAY, &proxy.redactor.redact(e)),
        };
        proxy.judge(&parts, request, response);
        answer
    }

    fn judge(
        &self,
        parts: &axum::http::request::Parts,
        request: WireRequest,
        response: Result<WireResponse, String>,
    ) {
        let spec = &*self.spec;
        let query = query_pairs(parts.uri.query());
        for scheme in &spec.schemes {
            if let Some(value) = security::presented(scheme, &parts.headers, &query) {
                self.redactor.add(&value, &scheme.name.to_ascii_uppercase());
            }
        }
        let (index, path) = match self.routes.find(parts.method.as_str(), parts.uri.path()) {
            Route::Operation { index, params } => (index, params),
            _ => {
                tracing::info!(method = %parts.method, path = %parts.uri.path(), "not an operation of the spec: forwarded, not judged");
                return;
            }
        };
        let op = &spec.operations[index];
        let case = self.case(index, parts, &request, &path, &query);
        let exchange = Exchange {
            case,
            request,
            response,
        };
        let rate_limited = exchange
            .response
            .as_ref()
            .is_ok_and(|r| matches!(r.status, 429 | 503) && r.header("retry-after").is_some());
        let cx = CheckContext {
            spec,
            operation: op,
            settings: &self.settings,
        };
        let mut judged = self.judged.lock().unwrap_or_else(|e| e.into_inner());
        judged.stats.cases += 1;
        judged.stats.requests += 1;
        if rate_limited {
            judged.stats.rate_limited += 1;
        }
        let mut failed = Vec::new();
        {
            let result =
                judged
                    .operations
                    .entry(op.id.clone())
                    .or_insert_with(|| OperationResult {
                        operation: op.id.clone(),
                        method: op.method.clone(),
                        path: op.path.clone(),
                        ..OperationResult::default()
                    });
            result.cases += 1;
            if rate_limited {
                result.rate_limited += 1;
            }
            for check in &self.checks {
                if rate_limited && check.judges_decision() {
                    continue;
                }
                let tally = |r: &mut OperationResult| -> Tally {
                    r.checks.get(check.code()).copied().unwrap_or_default()
                };
                match check.check(&cx, &exchange) {
                    Outcome::Pass => {
                        let mut t = tally(result);
                        t.passed += 1;
                        result.checks.insert(check.code().to_owned(), t);
                    }
                    Outcome::Fail(failure) => {
                        let mut t = tally(result);
                        t.failed += 1;
                        result.checks.insert(check.code().to_owned(), t);
                        failed.push((*check, failure));
                    }
                    Outcome::Skip => {}
                }
            }
        }
        for (check, failure) in failed {
            let kept = judged
                .failures
                .iter()
                .filter(|f| f.operation == op.id && f.code == check.code())
                .count();
            if kept >= MAX_FAILURES_KEPT {
                if let Some(result) = judged.operations.get_mut(&op.id) {
                    *result
                        .failures_not_kept
                        .entry(check.code().to_owned())
                        .or_default() += 1;
                }
                continue;
            }
            tracing::warn!(
                operation = %op.id,
                code = check.code(),
                check = check.name(),
                expected = %self.redactor.redact(&failure.expected),
                actual = %self.redactor.redact(&failure.actual),
                "check failed"
            );
            judged.failures.push(FailureRecord {
                code: check.code().to_owned(),
                check: check.name().to_owned(),
                operation: op.id.clone(),
                failure,
                exchange: exchange.kept(&self.redactor),
                baselined: false,
            });
        }
        drop(judged);
        self.exchanges.fetch_add(1, Ordering::Relaxed);
        self.enough.notify_waiters();
    }

    /// What the client meant, as a case: read with the one request reader.
    fn case(
        &self,
        index: usize,
        parts: &axum::http::request::Parts,
        request: &WireRequest,
        path: &[(String, String)],
        query: &[(String, String)],
    ) -> Case {
        let spec = &*self.spec;
        let op = &spec.operations[index];
        let credentialed = op.security.is_empty()
            || op.security.iter().any(|set| {
                set.iter().all(|name| {
                    spec.scheme(name)
                        .is_none_or(|s| security::presented(s, &parts.headers, query).is_some())
                })
            });
        let read = Parts {
            path,
            query,
            headers: &request.headers,
        };
        let body = bytes::Bytes::from(request.body.clone().unwrap_or_default().into_bytes());
        let (intent, value) = match self.readers[index].read(&read, body) {
            _ if !credentialed => (Intent::MissingCredentials, None),
            Ok(r) => (Intent::Valid, r.body),
            Err(problems) => match problems.first() {
                Some(p) => (
                    Intent::Invalid {
                        location: p.location.clone(),
                        reason: p.message.clone(),
                    },
                    None,
                ),
                None => (Intent::Valid, None),
            },
        };
        let mut case = Case::new(op, Phase::Examples, intent);
        if !credentialed {
            case.auth = Auth::Missing;
        }
        case.body = value.map(|value| CaseBody {
            media_type: read.content_type().to_owned(),
            value,
            raw: None,
        });
        case
    }
}

/// The upstream answer as the client gets it: status, headers (less the framing ones, the body
/// being decoded) and body.
fn forwarded(r: &WireResponse) -> Response {
    let mut response = Response::new(AxumBody::from(r.body.clone()));
    *response.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let headers = response.headers_mut();
    for (name, value) in &r.headers {
        if matches!(
            name.as_str(),
            "content-length" | "content-encoding" | "transfer-encoding" | "connection"
        ) {
            continue;
        }
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(n, v);
        }
    }
    response
}

fn plain(status: StatusCode, message: &str) -> Response {
    let mut response = Response::new(AxumBody::from(format!("conformance proxy: {message}")));
    *response.status_mut() = status;
    response
}

/// Serve `proxy` on `listener` until `shutdown` resolves or its maximum of exchanges is
/// judged, under the mock's default limits.
pub async fn serve(
    listener: TcpListener,
    proxy: Arc<Proxy>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .fallback(Proxy::handle)
        .with_state(proxy.clone());
    let stop = async move {
        tokio::select! {
            () = shutdown => {}
            () = proxy.enough() => {}
        }
    };
    crate::mock::listener::serve(listener, app, Limits::default(), stop).await
}
