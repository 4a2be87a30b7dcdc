//! The spec-driven mock server: a working fake of any spec's API that conforms to its own spec.
//! It remembers the resources deleted ([`state`]), so that reads after deletes answer 404, and,
//! unless `stateless`, plays the API's behaviour file as a game-backend double: players from
//! session starts, their storage, files, scores and balances, read back in later answers
//! ([`state::behaviour`]). It serves under [`limits`]: header-read and idle timeouts and a connection cap
//! ([`listener`]), a body limit per operation (413 beyond it), and bounded sets of issued
//! tokens and deleted paths.
//!
//! Every request goes through one fallback handler ([`Mock::handle`]):
//! 1. route the path and method ([`router`]): unknown path → 404, undeclared method → 405 with
//!    `Allow`, both in the API's error shape;
//! 2. check credentials ([`security`]): the documented 401 unless some requirement set is
//!    satisfied with credentials the mock issued;
//! 3. read parameters, content type and body ([`crate::read`]): the documented 400 (or lowest
//!    client-error 4xx) naming the offending field;
//! 4. answer ([`respond`]): the lowest documented 2xx (or 1xx/3xx) with the spec's example, or
//!    seeded generated data ([`data`]), as `Prefer` or the options say; session-start answers
//!    carry freshly issued credentials; an answer nothing can change is serialized once
//!    ([`plain`]);
//! 5. play the operation's behaviour ([`state`]): write to the store, fill the answer from it
//!    (kept only when it still validates against the response schema), or refuse a write the
//!    API refuses (a debit below zero) with the documented client error.
//!
//! With faults ([`fault`], `--fault KIND[:OPERATION]`) the mock deviates from its spec on
//! purpose, in one named way per fault, for the runner's mutation self-test.
//!
//! [`MockServer::start`] runs it in-process; the `conformance mock` command runs it standalone.

pub mod data;
pub mod fault;
pub mod limits;
pub mod listener;
pub mod plain;
pub mod refusal;
pub mod respond;
pub mod router;
pub mod security;
pub mod server;
pub mod state;
pub mod verified;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::{Body as AxumBody, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use crate::known_valid::KnownValid;
use crate::read::{Parts, Reader, query_pairs};
use crate::runner::inferred;
use data::Draws;
use gamespec_spec::spec::{Media, Operation, ParamLocation, Spec};
use respond::{Body, Prefer, Reply, Violation};
use router::{Route, Routes};
use security::Authority;

pub use server::{MockHandle, MockServer, StartError};

/// How a mock server behaves. `Debug` leaves out the secret and the key.
#[derive(Clone)]
pub struct MockOptions {
    /// Address to bind (loopback by default: the mock is a test tool, not a service).
    pub host: IpAddr,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Seed of generated data (and, with `seeded_tokens`, of issued tokens), so runs repeat.
    pub seed: u64,
    /// Draw issued tokens from `seed` too, so two mocks issue the same tokens in the same order.
    /// Off by default: token material then comes from the OS, and no two mocks share tokens.
    pub seeded_tokens: bool,
    /// Timeouts, connection cap and body limits.
    pub limits: limits::Limits,
    /// Answer with generated data instead of examples unless `Prefer: dynamic=false`.
    pub dynamic: bool,
    /// HS256 secret for the JWTs the mock signs.
    pub jwt_secret: String,
    /// The value accepted for `ConfiguredKey` schemes (LootLocker's `domain-key`).
    pub domain_key: String,
    /// Lifetime of issued JWTs, in seconds.
    pub jwt_ttl_secs: u64,
    /// Deviations from the spec to make on purpose (none by default).
    pub faults: Vec<fault::Fault>,
    /// Faults fired by a trigger, for client tests (none by default).
    pub schedule: Vec<fault::Scheduled>,
    /// Keep no game state (`--stateless`): answers from examples or generated data only.
    pub stateless: bool,
    /// The bounds of the game state (players, credentials, items, collections).
    pub state_caps: state::Caps,
}

impl MockOptions {
    /// These options with `entries` (`--fault` values) in effect: deviations from the spec go
    /// to [`faults`](Self::faults), triggered ones to [`schedule`](Self::schedule).
    pub fn with_fault_entries(self, entries: Vec<fault::Entry>) -> MockOptions {
        let (faults, schedule) = fault::split(entries);
        MockOptions {
            faults,
            schedule,
            ..self
        }
    }
}

impl std::fmt::Debug for MockOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("seed", &self.seed)
            .field("seeded_tokens", &self.seeded_tokens)
            .field("limits", &self.limits)
            .field("dynamic", &self.dynamic)
            .field("jwt_ttl_secs", &self.jwt_ttl_secs)
            .field("faults", &self.faults)
            .field("schedule", &self.schedule)
            .field("stateless", &self.stateless)
            .field("state_caps", &self.state_caps)
            .finish_non_exhaustive()
    }
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            seed: 0,
            seeded_tokens: false,
            limits: limits::Limits::default(),
            dynamic: false,
            jwt_secret: "gamespec-mock-jwt-secret".into(),
            domain_key: "mock-domain-key".into(),
            jwt_ttl_secs: 24 * 60 * 60,
            faults: Vec::new(),
            schedule: Vec::new(),
            stateless: false,
            state_caps: state::Caps::default(),
        }
    }
}

/// How many answers filled from state the mock remembers as valid: a player reading the same
/// state again gets the same bytes, which need not be checked against the schema again.
const MAX_VALIDATED: usize = 1024;

/// The largest such answer remembered (a list of 1,000 items is about 300 KB); a larger one is
/// checked each time it is sent.
const LARGEST_VALIDATED: usize = 1024 * 1024;

/// The bytes of all the answers remembered.
const VALIDATED_BUDGET: usize = 64 * 1024 * 1024;

/// The state every request shares: the prepared spec, routes, credential authority and the
/// per-operation request counters that make randomness repeatable.
pub struct Mock {
    spec: Arc<Spec>,
    routes: Routes,
    /// The reading of each operation's requests, by operation index.
    readers: Vec<Reader>,
    /// The largest request body of each operation, by operation index.
    body_limits: Vec<usize>,
    /// Whether each operation's resource is owned per player (`x-private` and a path
    /// parameter naming it), by operation index: read from the document once, not per request.
    private: Vec<bool>,
    authority: Authority,
    options: MockOptions,
    counters: Vec<AtomicU64>,
    credentials: BTreeMap<String, String>,
    deleted: state::Deleted,
    /// Paths whose create was lost (fault `create-lost`).
    lost: state::Deleted,
    /// Paths a refused write changed anyway (fault `failed-write-changes`).
    tainted: state::Deleted,
    /// Owners of private resources.
    owners: state::Owners,
    /// The game state and the behaviour that drives it (`None` when stateless).
    engine: Option<state::Engine>,
    faults: fault::FaultPlan,
    /// Default success answers that never change, serialized once.
    plain: plain::Plain,
    /// Error answers, worked out once per documented response.
    refusals: refusal::Refusals,
    /// Answers filled from state that validated already.
    validated: Mutex<KnownValid>,
}

/// Why a spec cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// A path template cannot be routed.
    #[error(transparent)]
    Route(#[from] router::RouteError),
    /// A credential the mock issues up front cannot be made (claims that do not validate, …).
    #[error("cannot issue a credential: {0}")]
    Credential(#[from] security::IssueError),
    /// A `--fault` entry or schedule does not fit the spec.
    #[error(transparent)]
    Fault(#[from] fault::FaultError),
    /// The API's behaviour file cannot be read or does not fit the spec.
    #[error(transparent)]
    Behaviour(#[from] gamespec_spec::behaviour::BehaviourError),
}

impl Mock {
    /// Prepare a mock of `spec`: build the routes and pre-issue one credential per scheme.
    pub fn new(spec: Arc<Spec>, options: MockOptions) -> Result<Mock, MockError> {
        let routes = Routes::new(&spec)?;
        let authority = Authority::new(
            &options.jwt_secret,
            &options.domain_key,
            options.jwt_ttl_secs,
            !options.seeded_tokens,
            options.limits.max_issued_tokens,
        );
        let mut rng = Draws::seeded(mix(options.seed, u64::MAX));
        let credentials = security::pre_issue(&spec, &authority, &mut rng)?;
        let faults = fault::FaultPlan::new(&spec, &options.faults)
            .and_then(|plan| plan.schedule(&spec, &options.schedule))?;
        let engine = if options.stateless {
            None
        } else {
            let behaviour = gamespec_spec::behaviour::Behaviour::of(&spec.profile)?;
            (!behaviour.effects.is_empty() || !behaviour.players.answer.is_empty())
                .then(|| state::Engine::new(&spec, behaviour, options.state_caps))
        };
        let plain = plain::Plain::new(&spec, engine.as_ref(), &faults, options.dynamic);
        Ok(Mock {
            plain,
            refusals: refusal::Refusals::new(spec.clone()),
            validated: Mutex::new(KnownValid::new(
                MAX_VALIDATED,
                LARGEST_VALIDATED,
                VALIDATED_BUDGET,
            )),
            engine,
            readers: spec
                .operations
                .iter()
                .map(|op| Reader::new(&spec, op))
                .collect(),
            body_limits: spec
                .operations
                .iter()
                .map(|op| options.limits.body_limit(&spec, op))
                .collect(),
            private: spec
                .operations
                .iter()
                .map(|op| {
                    inferred::is_private(&spec, op)
                        && op
                            .parameters
                            .iter()
                            .any(|p| p.location == ParamLocation::Path)
                })
                .collect(),
            counters: spec.operations.iter().map(|_| AtomicU64::new(0)).collect(),
            spec,
            routes,
            authority,
            options,
            credentials,
            deleted: state::Deleted::default(),
            lost: state::Deleted::default(),
            tainted: state::Deleted::default(),
            owners: state::Owners::default(),
            faults,
        })
    }

    /// One valid credential per security scheme, by scheme name.
    pub fn credentials(&self) -> &BTreeMap<String, String> {
        &self.credentials
    }

    /// How many issued tokens the mock remembers now (bounded by
    /// [`Limits::max_issued_tokens`](limits::Limits::max_issued_tokens)).
    pub fn issued_tokens(&self) -> usize {
        self.authority.issued_count()
    }

    /// How many deleted paths the mock remembers now (at most [`state::MAX_DELETED`]).
    pub fn deleted_paths(&self) -> usize {
        self.deleted.len()
    }

    /// How many players the game state remembers now (0 when stateless).
    pub fn players(&self) -> usize {
        self.engine.as_ref().map_or(0, |e| e.store().players())
    }

    /// The limits this mock serves under.
    pub fn limits(&self) -> &limits::Limits {
        &self.options.limits
    }

    /// The randomness of the n-th request to operation `index`: a function of the seed, the
    /// operation and n only, so the same requests get the same answers whatever else runs.
    fn rng_for(&self, index: usize) -> Draws {
        let n = self.counters[index].fetch_add(1, Ordering::Relaxed);
        Draws::seeded(mix(mix(self.options.seed, index as u64), n))
    }

    /// The axum fallback handler: every request of every path comes here. A panic while
    /// answering (a bug of the mock) answers 500 and is logged, instead of dropping the
    /// connection with every request queued on it.
    pub async fn handle(State(mock): State<Arc<Mock>>, req: Request) -> Response {
        use futures_util::FutureExt;
        // Read once here, for the request's log line and for the log of a panic.
        let method = req.method().as_str().to_owned();
        let path = req.uri().path().to_owned();
        match std::panic::AssertUnwindSafe(Mock::serve(mock, req, &method, &path))
            .catch_unwind()
            .await
        {
            Ok(response) => response,
            Err(_) => {
                tracing::error!(method = %method, path = %path, "the mock failed on this request (a bug of the mock; its panic is printed above)");
                let mut response =
                    Response::new(axum::body::Body::from("the mock failed on this request"));
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                response
            }
        }
    }

    /// Answer one request (`method` and `path` are its own, for the log).
    async fn serve(mock: Arc<Mock>, req: Request, method: &str, path: &str) -> Response {
        let started = Instant::now();
        let due = mock.due(&req);
        let (mut reply, index) = match due {
            Some((index, kind)) => match mock.scheduled_reply(index, kind, &req) {
                Some(reply) => (reply, Some(index)),
                None if kind == fault::ScheduleKind::Reset => {
                    tracing::info!(method = %method, path = %path, "scheduled reset");
                    return fault::schedule::reset();
                }
                None => {
                    if let fault::ScheduleKind::Latency(ms) = kind {
                        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                    }
                    mock.answer(req).await
                }
            },
            None => mock.answer(req).await,
        };
        if let Some(index) = index
            && due.is_none()
        {
            fault::reply::client_error(&mock.faults, &mock.spec, index, &mut reply);
        }
        let operation = index.map(|i| mock.spec.operations[i].id.as_str());
        let status = reply.status;
        // Path without the query string: queries may carry credentials, which are never logged.
        tracing::info!(
            method = %method,
            path = %path,
            operation = operation.unwrap_or("-"),
            status,
            latency_us = started.elapsed().as_micros() as u64,
            "request"
        );
        let response = into_response(reply);
        if matches!(due, Some((_, fault::ScheduleKind::Truncated))) {
            return fault::schedule::truncate(response).await;
        }
        response
    }

    /// The scheduled fault that fires on `req`, with its operation, counted once per request.
    fn due(&self, req: &Request) -> Option<(usize, fault::ScheduleKind)> {
        if !self.faults.has_schedule() {
            return None;
        }
        let Route::Operation { index, .. } =
            self.routes.find(req.method().as_str(), req.uri().path())
        else {
            return None;
        };
        let secured = !self.spec.operations[index].security.is_empty();
        let kind = self.faults.due(index, secured, self.options.seed)?;
        Some((index, kind))
    }

    /// The answer a scheduled fault gives instead of the operation's, if it replaces it
    /// (latency, truncation and resets are worked on the normal answer or the connection).
    fn scheduled_reply(
        &self,
        index: usize,
        kind: fault::ScheduleKind,
        req: &Request,
    ) -> Option<Reply> {
        let op = &self.spec.operations[index];
        let error = |status: u16, message: &str| {
            self.refusals
                .reply(op.response(status), status, message, None)
        };
        match kind {
            fault::ScheduleKind::RateLimited(secs) => {
                let mut reply = error(
                    429,
                    "too many requests; retry after the time in Retry-After",
                );
                // The spec's example may carry its own `Retry-After`; the schedule's wins.
                reply
                    .headers
                    .retain(|(name, _)| !name.eq_ignore_ascii_case("retry-after"));
                reply.headers.push(("retry-after".into(), secs.to_string()));
                Some(reply)
            }
            fault::ScheduleKind::ServerError => {
                Some(error(503, "service temporarily unavailable; retry later"))
            }
            fault::ScheduleKind::SessionExpired => {
                let query = query_pairs(req.uri().query());
                for name in op.security.iter().flatten() {
                    if let Some(scheme) = self.spec.scheme(name)
                        && let Some(value) = security::presented(scheme, req.headers(), &query)
                    {
                        self.authority.forget(&value);
                    }
                }
                Some(error(401, "the session has expired; start a new one"))
            }
            fault::ScheduleKind::Latency(_)
            | fault::ScheduleKind::Reset
            | fault::ScheduleKind::Truncated => None,
        }
    }

    async fn answer(&self, req: Request) -> (Reply, Option<usize>) {
        let spec = &*self.spec;
        let (parts, body) = req.into_parts();
        let (index, path_params) = match self.routes.find(parts.method.as_str(), parts.uri.path()) {
            Route::Operation { index, params } => (index, params),
            Route::NotFound => {
                let msg = format!("no operation matches {} {}", parts.method, parts.uri.path());
                return (
                    self.refusals
                        .reply(spec.error_shape.as_ref(), 404, &msg, None),
                    None,
                );
            }
            Route::MethodNotAllowed(allowed) => {
                let msg = format!(
                    "{} is not allowed on {}; allowed: {}",
                    parts.method,
                    parts.uri.path(),
                    allowed.join(", ")
                );
                let mut reply = self
                    .refusals
                    .reply(spec.error_shape.as_ref(), 405, &msg, None);
                reply
                    .headers
                    .retain(|(k, _)| !k.eq_ignore_ascii_case("retry-after"));
                let without_allow = allowed.iter().any(|m| {
                    matches!(self.routes.find(m, parts.uri.path()),
                        Route::Operation { index, .. } if self.faults.has(index, fault::FaultKind::MissingAllow))
                });
                if !without_allow {
                    reply.headers.push(("Allow".into(), allowed.join(", ")));
                }
                return (reply, None);
            }
        };
        let op = &spec.operations[index];
        let id = Some(index);
        let has = |kind| self.faults.has(index, kind);
        let query = query_pairs(parts.uri.query());
        if let Err(denied) = security::check(spec, &self.authority, op, &parts.headers, &query)
            && !has(fault::FaultKind::AuthIgnored)
            && !(denied.presented && has(fault::FaultKind::ForgedAccepted))
        {
            let r = op.unauthorized();
            let status = r.map_or(401, |r| r.status);
            return (
                self.refusals
                    .reply(r, status, &denied.message, Some(&denied.param)),
                id,
            );
        }
        let invalid = |v: Violation| {
            let r = op.client_error();
            let status = r.map_or(400, |r| r.status);
            self.refusals
                .reply(r, status, &v.message, v.param.as_deref())
        };
        let first = |problems: Vec<crate::read::Problem>| {
            let v = problems
                .first()
                .map(Violation::from)
                .unwrap_or_else(|| Violation::new("the request cannot be read", "body"));
            invalid(v)
        };
        // Only the headers the reader looks at (the content type, cookies and the operation's
        // declared header parameters) are copied out: credentials are read from the header
        // map itself, and copying a long JWT per request costs time for nothing.
        let read_here = |name: &HeaderName| {
            *name == header::CONTENT_TYPE
                || *name == header::COOKIE
                || op.parameters.iter().any(|p| {
                    p.location == ParamLocation::Header
                        && p.name.eq_ignore_ascii_case(name.as_str())
                })
        };
        let headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .filter(|(k, _)| read_here(k))
            .map(|(k, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (k.as_str().to_owned(), v)
            })
            .collect();
        let request = Parts {
            path: &path_params,
            query: &query,
            headers: &headers,
        };
        if has(fault::FaultKind::NonAsciiCrash) && self.non_ascii(op, &request) {
            return (fault::reply::server_error("internal server error"), id);
        }
        let path = parts.uri.path();
        if self.private[index]
            && !self
                .owners
                .claim(path, &security::identity(spec, &parts.headers, &query))
            && !has(fault::FaultKind::OtherPlayerVisible)
        {
            let msg = format!("{path} belongs to another player");
            tracing::debug!(%path, "refused to another player");
            let reply = match op.response(404).or_else(|| op.response(403)) {
                Some(r) => self.refusals.reply(Some(r), r.status, &msg, None),
                None => self.refusals.reply(None, 404, &msg, None),
            };
            return (reply, id);
        }
        // A refused write that changes the resource anyway (fault `failed-write-changes`).
        let refused_write = |reply: Reply| {
            if has(fault::FaultKind::FailedWriteChanges) {
                // Other data from now on, and gone too after a delete (where the read can
                // answer 404).
                self.tainted.delete(path);
                if parts.method == axum::http::Method::DELETE {
                    self.deleted.delete(path);
                }
            }
            reply
        };
        // Problems the faults let through: any (`invalid-accepted`), or only missing
        // parameters and bodies (`missing-parameter-accepted`).
        let let_through = |problems: &[crate::read::Problem]| {
            has(fault::FaultKind::InvalidAccepted)
                || (has(fault::FaultKind::MissingParameterAccepted)
                    && problems
                        .iter()
                        .all(|p| p.message == "required but not sent"))
        };
        let reader = &self.readers[index];
        if let Err(problems) = reader.parameters(&request)
            && !let_through(&problems)
        {
            return (refused_write(first(problems)), id);
        }
        let limit = self.body_limits[index];
        let too_large = || {
            let msg =
                format!("the request body is larger than {limit} bytes, this operation's limit");
            self.refusals
                .reply(op.response(413), 413, &msg, Some("body"))
        };
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return (too_large(), id);
        }
        let bytes = match axum::body::to_bytes(body, limit).await {
            Ok(b) => b,
            Err(e) => {
                if std::error::Error::source(&e)
                    .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                {
                    return (too_large(), id);
                }
                let v = Violation::new(format!("the body cannot be read: {e}"), "body");
                return (invalid(v), id);
            }
        };
        if has(fault::FaultKind::NonAsciiCrash)
            && request.content_type().contains("form")
            && (!bytes.is_ascii() || !fault::reply::form_text(&bytes).is_ascii())
        {
            return (fault::reply::server_error("internal server error"), id);
        }
        let body = match reader.body(request.content_type(), bytes) {
            Ok(b) => b,
            Err(problems) if let_through(&problems) => None,
            Err(problems) => return (refused_write(first(problems)), id),
        };
        if has(fault::FaultKind::ValidRejected) {
            let v = Violation::new("the request was refused", "body");
            return (invalid(v), id);
        }
        let prefer = match Prefer::parse(&parts.headers) {
            Ok(p) => p,
            Err(v) => return (invalid(v), id),
        };
        if parts.method == axum::http::Method::GET && self.lost.is_under(path) {
            return (
                fault::reply::not_found(&format!("{path} was never stored")),
                id,
            );
        }
        if parts.method == axum::http::Method::GET
            && self.deleted.is_deleted(path)
            && let Some(gone) = op.response(404)
        {
            let msg = format!("{path} was deleted");
            return (self.refusals.reply(Some(gone), 404, &msg, None), id);
        }
        let mut rng = self.rng_for(index);
        // A resource a refused write changed reads back as other data.
        let dynamic = self.options.dynamic
            || (parts.method == axum::http::Method::GET && self.tainted.is_deleted(path));
        let ready = self.plain.answer(index, &prefer).filter(|_| !dynamic);
        let mut reply = match ready
            .map(Ok)
            .unwrap_or_else(|| respond::success(spec, op, &prefer, dynamic, &mut rng))
        {
            Ok(r) => r,
            Err(v) => return (invalid(v), id),
        };
        // The game state: only for answers the spec calls success, and not when the client
        // asked for a particular documented answer (`Prefer: code=`/`example=`).
        let engine = self.engine.as_ref().filter(|e| {
            (op.session_start || e.touches(index))
                && (200..300).contains(&reply.status)
                && prefer.code.is_none()
                && prefer.example.is_none()
        });
        let identity = if engine.is_some() {
            security::identity(spec, &parts.headers, &query)
        } else {
            String::new()
        };
        let call = state::Call {
            path: &path_params,
            query: &query,
            body: body.as_ref(),
            identity: &identity,
        };
        let player = engine
            .filter(|_| op.session_start)
            .map(|e| e.session_player(call));
        let claims = match (engine, &player) {
            (Some(e), Some(p)) => e.claims(p),
            _ => Vec::new(),
        };
        let mut issued = Vec::new();
        if op.session_start && (200..400).contains(&reply.status) {
            match self.issue_into(op, body.as_ref(), &claims, &mut reply, &mut rng) {
                Ok(credentials) => issued = credentials,
                Err(e) => {
                    // A spec whose claims cannot be signed is a configuration problem of the
                    // mock; answering with the unfilled example would hand out credentials it
                    // rejects.
                    tracing::error!(operation = %op.id, "cannot issue credentials: {e}");
                    let r = op.client_error();
                    return (
                        self.refusals
                            .reply(r, r.map_or(400, |r| r.status), &e.to_string(), None),
                        id,
                    );
                }
            }
        }
        if let Some(engine) = engine
            && let Err(refused) = self.play(engine, index, call, player, &issued, &mut reply)
        {
            let r = op.client_error();
            let status = r.map_or(400, |r| r.status);
            let param = refused.param.as_deref();
            return (self.refusals.reply(r, status, &refused.message, param), id);
        }
        if (200..300).contains(&reply.status) {
            match parts.method.as_str() {
                "DELETE" if has(fault::FaultKind::DeleteKeeps) => {}
                "DELETE" => self.deleted.delete(path),
                "POST" | "PUT" if has(fault::FaultKind::CreateLost) => self.lost.delete(path),
                "POST" | "PUT" => {
                    self.deleted.write(path);
                    self.lost.write(path);
                }
                _ => {}
            }
        }
        fault::reply::success(&self.faults, spec, index, &mut reply);
        (reply, id)
    }

    /// Whether a request carries non-ASCII text where the operation reads text itself: a
    /// query value, a path segment or a header it declares.
    fn non_ascii(&self, op: &Operation, request: &Parts<'_>) -> bool {
        let declared = |location: ParamLocation, name: &str| {
            op.parameters
                .iter()
                .any(|p| p.location == location && p.name.eq_ignore_ascii_case(name))
        };
        let path = request.path.iter().map(|(_, raw)| {
            percent_encoding::percent_decode_str(raw)
                .decode_utf8_lossy()
                .into_owned()
        });
        let query = request
            .query
            .iter()
            .filter(|(k, _)| declared(ParamLocation::Query, k))
            .map(|(_, v)| v.clone());
        let headers = request
            .headers
            .iter()
            .filter(|(k, _)| declared(ParamLocation::Header, k))
            .map(|(_, v)| v.clone());
        let texts: Vec<String> = path.chain(query).chain(headers).collect();
        fault::reply::any_non_ascii(texts.iter().map(String::as_str))
    }

    /// Play operation `index`'s behaviour on a success answer: the store changes, and the
    /// answer is filled from it where the filled answer still validates against its schema
    /// (otherwise the unfilled answer is kept, so state never makes the mock break its spec).
    fn play(
        &self,
        engine: &state::Engine,
        index: usize,
        call: state::Call<'_>,
        player: Option<state::store::Player>,
        issued: &[String],
        reply: &mut Reply,
    ) -> Result<(), state::Refused> {
        let op = &self.spec.operations[index];
        let mut filled = match &reply.body {
            Body::Json(_, value) => Some(value.clone()),
            _ => None,
        };
        // A read (not a session start, whose answer carries fresh credentials) without faults
        // (which rewrite the JSON later) may skip the schema for an answer that passed before.
        let memo = player.is_none() && self.faults.is_empty();
        let changed = match player {
            Some(player) => engine.start_session(index, call, player, issued, filled.as_mut())?,
            None => engine.apply(index, call, filled.as_mut())?,
        };
        if let (true, Some(filled), Body::Json(media_type, answer)) =
            (changed, filled, &mut reply.body)
        {
            let media = op.response(reply.status).and_then(|r| r.content.as_ref());
            let serialized = match memo {
                true => serde_json::to_vec(&filled).ok().map(Bytes::from),
                false => None,
            };
            let valid = |v: &Value| media.is_none_or(|m| m.validator.is_valid(v));
            if let Some(bytes) = serialized {
                if self.known_valid(media, &bytes, || valid(&filled)) {
                    reply.body = Body::Serialized(std::mem::take(media_type), bytes);
                } else {
                    tracing::debug!(operation = %op.id, "the answer filled from state does not validate; sent unfilled");
                }
            } else if valid(&filled) {
                *answer = filled;
            } else {
                tracing::debug!(operation = %op.id, "the answer filled from state does not validate; sent unfilled");
            }
        }
        Ok(())
    }

    /// Whether `bytes`, an answer filled from state, validates against `media`'s schema:
    /// known from before, or `check`ed now and remembered when it passes. The lock is not held
    /// while `check` runs.
    fn known_valid(
        &self,
        media: Option<&Media>,
        bytes: &[u8],
        check: impl FnOnce() -> bool,
    ) -> bool {
        let Some(media) = media else {
            return check();
        };
        let known = || self.validated.lock().unwrap_or_else(|e| e.into_inner());
        let Err(unknown) = known().known(&media.validator, bytes) else {
            return true;
        };
        let valid = check();
        if valid {
            known().remember(unknown, &media.validator, bytes);
        }
        valid
    }

    /// Replace the credentials in a session-start answer with freshly issued ones, of the scheme
    /// the profile names for this request (JWTs carrying `claims`); the credentials issued.
    fn issue_into(
        &self,
        op: &Operation,
        body: Option<&Value>,
        claims: &[(String, Value)],
        reply: &mut Reply,
        rng: &mut Draws,
    ) -> Result<Vec<String>, security::IssueError> {
        let spec = &*self.spec;
        let profile = &spec.profile;
        let scheme_name = profile
            .issue_rules
            .iter()
            .find(|r| {
                body.and_then(|b| b.get(&r.field)).and_then(Value::as_str) == Some(r.value.as_str())
            })
            .map(|r| r.scheme.as_str())
            .or(profile.session_scheme.as_deref())
            .or_else(|| spec.schemes.first().map(|s| s.name.as_str()));
        let Some(scheme) = scheme_name.and_then(|n| spec.scheme(n)) else {
            return Ok(Vec::new());
        };
        let mut issued = Vec::new();
        let mut issue = || {
            let credential = self.authority.issue_for(spec, scheme, rng, claims)?;
            issued.push(credential.clone());
            Ok(credential)
        };
        let schema = op
            .response(reply.status)
            .and_then(|r| r.content.as_ref())
            .map(|m| m.schema.clone());
        if let Body::Json(_, value) = &mut reply.body {
            respond::fill_credentials(
                &spec.root,
                value,
                schema.as_ref(),
                profile.url_credential_param.as_deref(),
                &mut issue,
            )?;
        }
        if let Some(param) = profile.url_credential_param.as_deref() {
            for (name, value) in &mut reply.headers {
                if name.eq_ignore_ascii_case("location")
                    && let Some(v) = respond::replace_query_param(value, param, &mut issue)?
                {
                    *value = v;
                }
            }
        }
        Ok(issued)
    }
}

impl std::fmt::Debug for Mock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mock")
            .field("spec", &self.spec.name())
            .field("options", &self.options)
            .field("authority", &self.authority)
            .finish_non_exhaustive()
    }
}

/// Mix two numbers into a seed (SplitMix64 finaliser), so nearby inputs give unrelated streams.
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(0x6A09_E667_F3BC_C909);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn into_response(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (content_type, bytes) = match reply.body {
        Body::Empty => (None, Bytes::new()),
        Body::Json(media, value) => (
            Some(media),
            Bytes::from(serde_json::to_vec(&value).unwrap_or_default()),
        ),
        Body::Text(media, text) => (Some(media), Bytes::from(text)),
        Body::Serialized(media, bytes) => (Some(media), bytes),
    };
    let mut response = Response::new(AxumBody::from(bytes));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::CONTENT_TYPE, ct);
    }
    for (name, value) in reply.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(n, v);
        }
    }
    response
}
