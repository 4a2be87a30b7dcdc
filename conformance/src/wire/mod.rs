//! Turning a [`Case`] into bytes on the wire and sending it: parameter serialisation (path
//! encoding, exploded and comma-joined lists), bodies per media type, credentials per security
//! scheme, and a bounded read of the answer.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

mod plain;

use crate::case::{Auth, Case, CaseBody};
use crate::exchange::{Exchange, Part, WireRequest, WireResponse};
use gamespec_spec::security::Placement;
use gamespec_spec::shape::{deref, property};
use gamespec_spec::spec::{Operation, ParamLocation, Spec};

/// Characters a path segment keeps unencoded (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The boundary of the multipart bodies the runner builds (fixed, so requests repeat exactly).
pub const BOUNDARY: &str = "gamespec-boundary-7d1f";

/// The most body bytes read from an answer; a larger body is a transport error, not a hang.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// Credential values by security scheme name.
pub type Credentials = BTreeMap<String, String>;

/// Why a case cannot be sent (a negative case can produce a header value HTTP cannot carry).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsendable(pub String);

/// A value as it is written in a URL, header or form field.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn joined(v: &Value) -> String {
    match v {
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        v => text(v),
    }
}

/// The requirement set a case authenticates with: the first whose schemes all have a
/// credential, else the first declared (sent without what is missing).
pub fn requirement<'a>(op: &'a Operation, credentials: &Credentials) -> Option<&'a Vec<String>> {
    op.security
        .iter()
        .find(|set| set.iter().all(|s| credentials.contains_key(s)))
        .or_else(|| op.security.iter().find(|set| !set.is_empty()))
}

/// A credential that has the right shape but that no server issued and that carries nothing of
/// the real one: a JWT (when the real one is a JWT) with a generic header, claims of its own and
/// a signature no key made, else a token of the same length. Nothing of the real token is
/// copied, so a forged case in a report shows none of its claims.
pub fn forged(real: Option<&str>) -> String {
    use base64::Engine;
    use std::fmt::Write;
    if let Some(real) = real {
        let parts: Vec<&str> = real.split('.').collect();
        if parts.len() == 3 && parts.iter().all(|p| !p.is_empty()) {
            let b64 = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
            return format!(
                "{}.{}.Zm9yZ2VkLXNpZ25hdHVyZS1ieS1nYW1lc3BlYw",
                b64(r#"{"alg":"HS256","typ":"JWT"}"#),
                b64(r#"{"sub":"forged-by-gamespec","iat":1700000000,"exp":4102444800}"#)
            );
        }
    }
    let len = real.map(str::len).unwrap_or(32).clamp(16, 64);
    let mut out = String::from("forged");
    let mut i = 0u32;
    while out.len() < len {
        let _ = write!(
            out,
            "{:x}",
            i.wrapping_mul(2_654_435_761).wrapping_add(i) >> 28
        );
        i += 1;
    }
    out
}

/// How the values of one operation are written: which query lists are comma-joined and which
/// multipart properties are files. Built once per operation by whoever writes many cases of it
/// (the read-back); [`render`] builds it per case.
#[derive(Debug, Clone, Default)]
pub struct Encoding {
    /// Query parameters declared `explode: false`; every other query list repeats its name.
    joined: Vec<String>,
    /// Per multipart media type, the properties sent as files (`format: binary`).
    files: Vec<(String, Vec<String>)>,
}

/// A case's request as written, before credentials: what any server receives of its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The path, each parameter's value percent-encoded into its segment.
    pub path: String,
    /// Query pairs, not yet encoded, in order.
    pub query: Vec<(String, String)>,
    /// Header parameters, names lower case (no `cookie` or `content-type` line yet).
    pub headers: Vec<(String, String)>,
    /// Cookie parameters as `name=value`.
    pub cookies: Vec<String>,
    /// The body, if the case has one.
    pub body: Option<WrittenBody>,
}

/// A body as written.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenBody {
    /// The `Content-Type` (with the boundary, for multipart).
    pub content_type: String,
    /// The bytes, as text.
    pub text: String,
    /// For multipart, the parts.
    pub parts: Option<Vec<Part>>,
}

/// `template` with each `{name}` of `values` replaced by its text, percent-encoded as a path
/// segment; a name `values` lacks stays as written. One pass: a request is written for every
/// case, and replacing one name at a time copied the path once per parameter.
fn filled_path(template: &str, values: &BTreeMap<String, Value>) -> String {
    let mut path = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        path.push_str(&rest[..open]);
        match values.get(&rest[open + 1..close]) {
            Some(v) => path.extend(utf8_percent_encode(&text(v), SEGMENT)),
            None => path.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    path.push_str(rest);
    path
}

impl Encoding {
    /// The encoding of `op`'s values.
    pub fn new(spec: &Spec, op: &Operation) -> Encoding {
        let root = &spec.root;
        let joined = op
            .parameters
            .iter()
            .filter(|p| p.location == ParamLocation::Query && !p.explode)
            .map(|p| p.name.clone())
            .collect();
        let files = op
            .body
            .iter()
            .flat_map(|(_, media)| media)
            .filter(|m| m.media_type == "multipart/form-data")
            .map(|m| {
                let files = crate::read::property_names(root, &m.schema)
                    .into_iter()
                    .filter(|name| {
                        property(root, &m.schema, name)
                            .map(|p| deref(root, p))
                            .and_then(|p| p.get("format"))
                            .and_then(Value::as_str)
                            == Some("binary")
                    })
                    .collect();
                (m.media_type.clone(), files)
            })
            .collect();
        Encoding { joined, files }
    }

    /// `case` as written: path, query, header and cookie parameters, and the body.
    pub fn write(&self, case: &Case) -> Written {
        let path = filled_path(&case.path, &case.path_params);
        let mut query = Vec::new();
        for (name, value) in &case.query {
            match value {
                Value::Array(items) if !self.joined.contains(name) => {
                    query.extend(items.iter().map(|item| (name.clone(), text(item))));
                }
                v => query.push((name.clone(), joined(v))),
            }
        }
        Written {
            path,
            query,
            headers: case
                .headers
                .iter()
                .map(|(name, value)| (name.to_ascii_lowercase(), joined(value)))
                .collect(),
            cookies: case
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={}", text(value)))
                .collect(),
            body: case.body.as_ref().map(|body| self.body(body)),
        }
    }

    /// Content type, body text and (for multipart) the parts of a case body.
    fn body(&self, body: &CaseBody) -> WrittenBody {
        let written = |content_type: &str, text: String| WrittenBody {
            content_type: content_type.to_owned(),
            text,
            parts: None,
        };
        if let Some(raw) = &body.raw {
            return written(&body.media_type, raw.clone());
        }
        let fields = || -> Vec<(String, &Value)> {
            match &body.value {
                Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
                _ => Vec::new(),
            }
        };
        match body.media_type.as_str() {
            "application/x-www-form-urlencoded" => {
                let mut form = form_urlencoded::Serializer::new(String::new());
                for (k, v) in fields() {
                    match v {
                        Value::Array(items) => {
                            for i in items {
                                form.append_pair(&k, &text(i));
                            }
                        }
                        v => {
                            form.append_pair(&k, &text(v));
                        }
                    }
                }
                written(&body.media_type, form.finish())
            }
            "multipart/form-data" => {
                let files = self
                    .files
                    .iter()
                    .find(|(m, _)| *m == body.media_type)
                    .map(|(_, files)| files.as_slice())
                    .unwrap_or_default();
                let parts: Vec<Part> = fields()
                    .into_iter()
                    .map(|(k, v)| Part {
                        file: files.contains(&k),
                        value: match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        },
                        name: k,
                    })
                    .collect();
                let mut out = String::new();
                for p in &parts {
                    out.push_str(&format!("--{BOUNDARY}\r\n"));
                    if p.file {
                        out.push_str(&format!(
                            "content-disposition: form-data; name=\"{}\"; filename=\"upload.bin\"\r\ncontent-type: application/octet-stream\r\n\r\n",
                            p.name
                        ));
                    } else {
                        out.push_str(&format!(
                            "content-disposition: form-data; name=\"{}\"\r\n\r\n",
                            p.name
                        ));
                    }
                    out.push_str(&p.value);
                    out.push_str("\r\n");
                }
                out.push_str(&format!("--{BOUNDARY}--\r\n"));
                WrittenBody {
                    content_type: format!("multipart/form-data; boundary={BOUNDARY}"),
                    text: out,
                    parts: Some(parts),
                }
            }
            // Not `to_string()`: `Display` writes through a formatter, piece by piece.
            t if t.ends_with("json") => {
                written(t, serde_json::to_string(&body.value).unwrap_or_default())
            }
            t => written(t, text(&body.value)),
        }
    }
}

/// Render `case` against `base_url` with `credentials`.
pub fn render(
    spec: &Spec,
    case: &Case,
    base_url: &str,
    credentials: &Credentials,
) -> Result<WireRequest, Unsendable> {
    let op = spec
        .operation(&case.operation)
        .ok_or_else(|| Unsendable(format!("unknown operation `{}`", case.operation)))?;
    render_with(
        spec,
        op,
        &Encoding::new(spec, op),
        case,
        base_url,
        credentials,
    )
}

/// [`render`] for a case of `op` written with `encoding` (the runner keeps both per operation
/// instead of finding and building them for every case).
pub fn render_with(
    spec: &Spec,
    op: &Operation,
    encoding: &Encoding,
    case: &Case,
    base_url: &str,
    credentials: &Credentials,
) -> Result<WireRequest, Unsendable> {
    let Written {
        path,
        query: pairs,
        mut headers,
        mut cookies,
        body,
    } = encoding.write(case);
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in &pairs {
        query.append_pair(name, value);
    }
    let scheme_values: Vec<(&gamespec_spec::spec::Scheme, String)> = match case.auth {
        Auth::Missing => Vec::new(),
        Auth::Configured | Auth::Forged | Auth::OtherPlayer => requirement(op, credentials)
            .into_iter()
            .flatten()
            .filter_map(|name| {
                let scheme = spec.scheme(name)?;
                let real = credentials.get(name).map(String::as_str);
                let value = match case.auth {
                    Auth::Forged => forged(real),
                    _ => real?.to_owned(),
                };
                Some((scheme, value))
            })
            .collect(),
    };
    for (scheme, value) in scheme_values {
        match scheme.carrier.place(&value) {
            Placement::Header(name, text) => headers.push((name.to_ascii_lowercase(), text)),
            Placement::Query(name, text) => {
                query.append_pair(&name, &text);
            }
            Placement::Cookie(name, text) => cookies.push(format!("{name}={text}")),
        }
    }
    if !cookies.is_empty() {
        headers.push(("cookie".into(), cookies.join("; ")));
    }
    let query = query.finish();
    let mut url = format!("{}{path}", base_url.trim_end_matches('/'));
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query);
    }
    let (body, parts) = match body {
        None => (None, None),
        Some(body) => {
            headers.push(("content-type".into(), body.content_type));
            (Some(body.text), body.parts)
        }
    };
    if let Some((name, value)) = headers.iter().find(|(n, v)| !sendable(n, v)) {
        return Err(Unsendable(format!(
            "header `{name}` cannot carry {value:?} over HTTP/1.1"
        )));
    }
    Ok(WireRequest {
        method: case.method.clone(),
        url,
        headers,
        body,
        parts,
    })
}

/// Whether HTTP/1.1 can carry header `name` with `value`.
pub fn sendable(name: &str, value: &str) -> bool {
    reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
        && reqwest::header::HeaderValue::from_str(value).is_ok()
}

/// An HTTP client for talking to servers under test: no redirects followed (3xx answers are
/// checked as they are), no proxy from the environment, `timeout` per request, connections
/// kept open between requests. `http://` goes through hyper directly (`wire/plain.rs`), `https://`
/// through reqwest. Cheap to clone: clones share their connections.
#[derive(Debug, Clone)]
pub struct Client {
    /// reqwest's client, built on the first `https://` request: most runs talk plain HTTP on
    /// loopback, and setting up TLS (the platform's root certificates) took a tenth of a run's
    /// start-up, once per worker thread.
    tls: std::sync::Arc<std::sync::OnceLock<Result<reqwest::Client, String>>>,
    plain: std::sync::Arc<plain::Pool>,
    timeout: Duration,
}

/// A [`Client`] with `timeout` per request. A TLS backend that cannot be set up is an error
/// of each `https://` request, not of the client.
pub fn client(timeout: Duration) -> Client {
    Client {
        tls: Default::default(),
        plain: Default::default(),
        timeout,
    }
}

impl Client {
    fn tls(&self) -> Result<&reqwest::Client, String> {
        self.tls
            .get_or_init(|| {
                reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .no_proxy()
                    .timeout(self.timeout)
                    .connect_timeout(self.timeout)
                    .pool_max_idle_per_host(64)
                    .build()
                    .map_err(|e| format!("cannot create an HTTP client: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// A body larger than this is read only with a permit of the run's [`LargeBodies`] gate.
pub const LARGE_BODY: usize = 1024 * 1024;

/// How many large answers (over [`LARGE_BODY`]) a run reads and judges at once: each may take
/// [`MAX_BODY`] plus its parsed JSON, so without a gate memory would grow with `--workers`.
#[derive(Debug, Clone)]
pub struct LargeBodies(std::sync::Arc<tokio::sync::Semaphore>);

/// Held while a large answer is read and judged; dropping it lets another worker read one.
pub type LargePermit = tokio::sync::OwnedSemaphorePermit;

impl LargeBodies {
    /// A gate letting `at_once` large answers be held at the same time.
    pub fn new(at_once: usize) -> LargeBodies {
        LargeBodies(std::sync::Arc::new(tokio::sync::Semaphore::new(
            at_once.max(1),
        )))
    }

    async fn permit(&self) -> Option<LargePermit> {
        self.0.clone().acquire_owned().await.ok()
    }
}

/// Send `request` and read the answer (at most [`MAX_BODY`] bytes).
pub async fn send(client: &Client, request: &WireRequest) -> Result<WireResponse, String> {
    send_gated(client, request, None).await.0
}

/// [`send`], reading an answer over [`LARGE_BODY`] only with a permit of `gate` (when given),
/// which comes back with the answer for the caller to hold while it judges it.
pub async fn send_gated(
    client: &Client,
    request: &WireRequest,
    gate: Option<&LargeBodies>,
) -> (Result<WireResponse, String>, Option<LargePermit>) {
    let mut permit = None;
    let response = read(client, request, gate, &mut permit).await;
    (response, permit)
}

async fn read(
    client: &Client,
    request: &WireRequest,
    gate: Option<&LargeBodies>,
    permit: &mut Option<LargePermit>,
) -> Result<WireResponse, String> {
    let method = http::Method::from_bytes(request.method.as_bytes())
        .map_err(|e| format!("method {}: {e}", request.method))?;
    let url = parse_url(&request.url)?;
    let started = Instant::now();
    let mut response = match (url.scheme(), url.host_str()) {
        ("http", Some(host)) => {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let exchange = read_plain(client, method, &url, host, request, gate, permit);
            tokio::time::timeout(client.timeout, exchange)
                .await
                .unwrap_or_else(|_| Err("timed out".to_owned()))?
        }
        _ => read_tls(client, method, url, request, gate, permit).await?,
    };
    response.elapsed = started.elapsed();
    Ok(response)
}

/// [`read`] over plain HTTP, sent as reqwest would send it: the request in origin form
/// (`/path?query`) with a `Host` header, `Accept: */*` unless the request sets one, and the
/// URL's user and password as Basic credentials unless the request carries its own.
async fn read_plain(
    client: &Client,
    method: http::Method,
    url: &reqwest::Url,
    host: &str,
    request: &WireRequest,
    gate: Option<&LargeBodies>,
    permit: &mut Option<LargePermit>,
) -> Result<WireResponse, String> {
    let port = url.port_or_known_default().unwrap_or(80);
    let authority = &url[url::Position::BeforeHost..url::Position::AfterPort];
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    // Built in place rather than through `http::request::Builder`, which moves the whole
    // request at every header: this runs for every case.
    let body = request.body.clone().map(Bytes::from).unwrap_or_default();
    let mut outgoing = http::Request::new(http_body_util::Full::new(body));
    *outgoing.method_mut() = method;
    *outgoing.uri_mut() =
        http::Uri::try_from(target).map_err(|e| format!("cannot build the request: {e}"))?;
    let headers = outgoing.headers_mut();
    headers.reserve(request.headers.len() + 2);
    if request.header("host").is_none() {
        let host = http::HeaderValue::from_str(authority)
            .map_err(|e| format!("cannot build the request: {e}"))?;
        headers.insert(http::header::HOST, host);
    }
    if request.header("accept").is_none() {
        headers.insert(http::header::ACCEPT, http::HeaderValue::from_static("*/*"));
    }
    if let Some(basic) = userinfo(url).filter(|_| request.header("authorization").is_none()) {
        headers.insert(http::header::AUTHORIZATION, basic);
    }
    for (k, v) in &request.headers {
        let name = http::HeaderName::from_bytes(k.as_bytes())
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let value =
            http::HeaderValue::from_str(v).map_err(|e| format!("cannot build the request: {e}"))?;
        headers.append(name, value);
    }
    let (answer, kept) = client
        .plain
        .send(authority, host, port, outgoing)
        .await
        .map_err(|e| chain(&e))?;
    let response = collect(answer, gate, permit, |e: hyper::Error| chain(&e)).await?;
    client.plain.give_back(authority, kept);
    Ok(response)
}

/// The `Authorization: Basic` value of the user and password in `url`, if it has them.
fn userinfo(url: &reqwest::Url) -> Option<http::HeaderValue> {
    use base64::Engine;
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decoded = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let pair = format!(
        "{}:{}",
        decoded(url.username()),
        url.password().map(decoded).unwrap_or_default()
    );
    let value = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    );
    let mut value = http::HeaderValue::from_str(&value).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// [`read`] through reqwest (`https://`, or a URL without a host).
async fn read_tls(
    client: &Client,
    method: http::Method,
    url: reqwest::Url,
    request: &WireRequest,
    gate: Option<&LargeBodies>,
    permit: &mut Option<LargePermit>,
) -> Result<WireResponse, String> {
    let mut builder = client.tls()?.request(method, url);
    for (k, v) in &request.headers {
        builder = builder.header(k, v);
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let answer = builder.send().await.map_err(describe)?;
    collect(http::Response::from(answer), gate, permit, describe).await
}

/// An answer read to its end (at most [`MAX_BODY`] bytes, a large one only with a permit of
/// `gate`), decoded from its `Content-Encoding`; `fail` words the body's read errors.
async fn collect<B>(
    answer: http::Response<B>,
    gate: Option<&LargeBodies>,
    permit: &mut Option<LargePermit>,
    fail: impl Fn(B::Error) -> String,
) -> Result<WireResponse, String>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    use http_body_util::BodyExt;
    let (parts, mut incoming) = answer.into_parts();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let encoding = declared_encoding(&headers);
    // Sized from `Content-Length` (within the cap) so a large body is not grown by doubling,
    // which would hold up to twice its size.
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
        .unwrap_or(0)
        .min(MAX_BODY as u64) as usize;
    if declared > LARGE_BODY
        && let Some(gate) = gate
    {
        *permit = gate.permit().await;
    }
    let mut body = Vec::with_capacity(declared);
    while let Some(frame) = incoming.frame().await {
        let Ok(chunk) = frame.map_err(&fail)?.into_data() else {
            continue;
        };
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_large(None));
        }
        if permit.is_none()
            && body.len() + chunk.len() > LARGE_BODY
            && let Some(gate) = gate
        {
            *permit = gate.permit().await;
        }
        body.extend_from_slice(&chunk);
    }
    let body = match &encoding {
        Some(coding) => decode(&body, coding)?,
        None => body,
    };
    let (body, invalid_utf8_at) = match String::from_utf8(body) {
        Ok(text) => (text, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to() as u64;
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
        }
    };
    let mut response = WireResponse::new(parts.status.as_u16(), headers, body);
    response.encoding = encoding;
    response.invalid_utf8_at = invalid_utf8_at;
    Ok(response)
}

thread_local! {
    /// The scheme and authority (`http://127.0.0.1:4010`) of the last URL [`parse_url`] read on
    /// this thread, parsed.
    static LAST_ORIGIN: std::cell::RefCell<Option<(String, reqwest::Url)>> =
        const { std::cell::RefCell::new(None) };
}

/// `url` parsed. A run sends every request to one server, and parsing its host for each one
/// cost a twentieth of a case's time: when `url` starts with the scheme and authority parsed
/// last on this thread and goes on with a path (one slash, then anything but a slash), the rest
/// is read relative to them, which the URL standard defines to give the same URL.
fn parse_url(url: &str) -> Result<reqwest::Url, String> {
    let full = |url: &str| reqwest::Url::parse(url).map_err(|e| format!("invalid URL: {e}"));
    let Some(end) = url
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| url[start..].find(['/', '?', '#', '\\']).map(|i| start + i))
    else {
        return full(url);
    };
    let (origin, rest) = url.split_at(end);
    let bytes = rest.as_bytes();
    if bytes.first() != Some(&b'/') || matches!(bytes.get(1), Some(b'/' | b'\\')) {
        return full(url);
    }
    LAST_ORIGIN.with_borrow_mut(|last| {
        if last.as_ref().is_none_or(|(text, _)| text != origin) {
            *last = Some((origin.to_owned(), full(origin)?));
        }
        match last {
            Some((_, base)) => reqwest::Url::options()
                .base_url(Some(base))
                .parse(rest)
                .map_err(|e| format!("invalid URL: {e}")),
            None => full(url),
        }
    })
}

/// The transport error of a body over [`MAX_BODY`], naming the encoding it was decoded from.
fn too_large(coding: Option<&str>) -> String {
    match coding {
        Some(coding) => format!(
            "response body larger than {MAX_BODY} bytes once decoded from its Content-Encoding `{coding}`"
        ),
        None => format!("response body larger than {MAX_BODY} bytes"),
    }
}

/// The `Content-Encoding` the body was sent in, lower case, when it is not `identity`.
fn declared_encoding(headers: &[(String, String)]) -> Option<String> {
    let value = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-encoding"))?
        .1
        .trim()
        .to_ascii_lowercase();
    (!value.is_empty() && value != "identity").then_some(value)
}

/// `bytes` decoded from `coding` (`gzip`, `x-gzip`, `deflate`), at most [`MAX_BODY`] bytes of
/// output: a body that inflates beyond it (a compression bomb) is a transport error naming the
/// encoding, after reading no more than the cap. Another coding cannot be judged as the body
/// it stands for, so it is an error too.
pub fn decode(bytes: &[u8], coding: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let limit = MAX_BODY as u64 + 1;
    let mut out = Vec::new();
    let read = match coding {
        "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(bytes)
            .take(limit)
            .read_to_end(&mut out),
        // RFC 9110's `deflate` is zlib-wrapped; some servers send it raw.
        "deflate" if bytes.first().is_some_and(|b| b & 0x0f == 8) => {
            flate2::read::ZlibDecoder::new(bytes)
                .take(limit)
                .read_to_end(&mut out)
        }
        "deflate" => flate2::read::DeflateDecoder::new(bytes)
            .take(limit)
            .read_to_end(&mut out),
        other => {
            return Err(format!(
                "response body in Content-Encoding `{other}`, which the runner cannot decode"
            ));
        }
    };
    read.map_err(|e| format!("response body is not valid `{coding}` ({e})"))?;
    if out.len() > MAX_BODY {
        return Err(too_large(Some(coding)));
    }
    Ok(out)
}

/// The transport error in words, without the URL (a query string may carry a credential).
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut out = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        e.to_string()
    };
    if let Some(source) = std::error::Error::source(&e) {
        out.push_str(": ");
        out.push_str(&chain(source));
    }
    out
}

/// An error and its sources, joined by `: `.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(&format!(": {s}"));
        source = s.source();
    }
    out
}

/// Render and send `case`; `None` when the case cannot be put on the wire.
pub async fn exchange(
    client: &Client,
    spec: &Spec,
    case: Case,
    base_url: &str,
    credentials: &Credentials,
) -> Result<Exchange, Unsendable> {
    Ok(
        exchange_gated(client, spec, case, base_url, credentials, None, None)
            .await?
            .0,
    )
}

/// [`exchange`] with a [`LargeBodies`] gate: the permit of a large answer comes back with it;
/// `prepared` is the case's operation and its encoding, when the caller keeps them.
pub async fn exchange_gated(
    client: &Client,
    spec: &Spec,
    case: Case,
    base_url: &str,
    credentials: &Credentials,
    gate: Option<&LargeBodies>,
    prepared: Option<(&Operation, &Encoding)>,
) -> Result<(Exchange, Option<LargePermit>), Unsendable> {
    let request = match prepared {
        Some((op, encoding)) => render_with(spec, op, encoding, &case, base_url, credentials)?,
        None => render(spec, &case, base_url, credentials)?,
    };
    let (response, permit) = send_gated(client, &request, gate).await;
    Ok((
        Exchange {
            case,
            request,
            response,
        },
        permit,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn path_templates_are_filled_name_by_name_in_one_pass() {
        let values: BTreeMap<String, Value> = [
            ("x".to_owned(), Value::from("a b/c")),
            ("n".to_owned(), Value::from(7)),
        ]
        .into();
        let fill = |template: &str| filled_path(template, &values);
        let x = utf8_percent_encode("a b/c", SEGMENT).to_string();
        assert_eq!(fill("/a/{x}/b/{n}/{x}"), format!("/a/{x}/b/7/{x}"));
        // Unknown names and an unclosed brace stay as written.
        assert_eq!(fill("/a/{y}/{n}"), "/a/{y}/7");
        assert_eq!(fill("/a/{n"), "/a/{n");
        assert_eq!(fill("/plain"), "/plain");
    }

    #[test]
    fn urls_read_against_the_last_origin_are_the_urls_themselves() {
        for url in [
            "http://127.0.0.1:4010/game/ping",
            "http://127.0.0.1:4010/a/%2F/../b?x=1&y=%20#f",
            "http://127.0.0.1:4010/a/./b/?q=a%2Fb",
            "http://127.0.0.1:40100/other",
            "http://user:pw@127.0.0.1:4010/x?y",
            "http://127.0.0.1:4010//scheme-relative",
            "http://127.0.0.1:4010/\\x",
            "http://127.0.0.1:4010?q",
            "http://127.0.0.1:4010",
            "https://example.test/x y",
        ] {
            let parsed = reqwest::Url::parse(url).unwrap();
            // Twice: first with another origin cached, then with its own.
            assert_eq!(parse_url(url).unwrap(), parsed, "{url}");
            assert_eq!(parse_url(url).unwrap(), parsed, "{url}");
        }
        assert!(parse_url("not a url").is_err());
    }

    /// A server on loopback that answers every request with its own head as the body, and
    /// closes a connection after `per_connection` answers; it counts the connections.
    async fn echo_server(per_connection: usize) -> (String, Arc<AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    for _ in 0..per_connection {
                        let mut head = Vec::new();
                        let mut byte = [0u8; 1];
                        while !head.ends_with(b"\r\n\r\n") {
                            if stream.read(&mut byte).await.unwrap_or(0) == 0 {
                                return;
                            }
                            head.push(byte[0]);
                        }
                        let answer =
                            format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", head.len());
                        let _ = stream.write_all(answer.as_bytes()).await;
                        let _ = stream.write_all(&head).await;
                    }
                });
            }
        });
        (url, accepted)
    }

    fn get(url: String) -> WireRequest {
        WireRequest {
            method: "GET".into(),
            url,
            headers: Vec::new(),
            body: None,
            parts: None,
        }
    }

    #[tokio::test]
    async fn plain_http_keeps_its_connection_and_survives_a_server_closing_it() {
        let client = client(Duration::from_secs(5));
        let (url, accepted) = echo_server(usize::MAX).await;
        for _ in 0..3 {
            let answer = send(&client, &get(format!("{url}/x"))).await.unwrap();
            assert_eq!(answer.status, 200);
        }
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            1,
            "one connection for all three"
        );

        // A server that closes each connection after one answer: every request still gets
        // its answer, on a new connection.
        let (url, accepted) = echo_server(1).await;
        for _ in 0..3 {
            let answer = send(&client, &get(format!("{url}/y"))).await.unwrap();
            assert_eq!(answer.status, 200, "{answer:?}");
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn plain_http_sends_what_reqwest_would() {
        let client = client(Duration::from_secs(5));
        let (url, _) = echo_server(usize::MAX).await;
        let with_user = url.replacen("http://", "http://us%20er:p%40ss@", 1);
        let answer = send(&client, &get(format!("{with_user}/a/b?q=1")))
            .await
            .unwrap();
        let head = answer.body.to_ascii_lowercase();
        let authority = url.trim_start_matches("http://");
        assert!(head.starts_with("get /a/b?q=1 http/1.1\r\n"), "{head}");
        assert!(head.contains(&format!("host: {authority}\r\n")), "{head}");
        assert!(head.contains("accept: */*\r\n"), "{head}");
        // "us er:p@ss" in base64.
        assert!(
            head.contains("authorization: basic dxmgzxi6cebzcw==\r\n"),
            "{head}"
        );
        assert!(
            !head.contains("p%40ss") && !head.contains("us%20er"),
            "{head}"
        );

        let refused = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap()
        };
        let e = send(&client, &get(format!("http://{refused}/")))
            .await
            .unwrap_err();
        assert!(e.starts_with("could not connect"), "{e}");
    }

    #[test]
    fn a_forged_credential_copies_nothing_of_the_real_one() {
        let f = forged(Some("aaaaaa.bbbbbb.cccccc"));
        assert_eq!(f.split('.').count(), 3, "{f}");
        for part in ["aaaaaa", "bbbbbb", "cccccc"] {
            assert!(!f.contains(part), "{f}");
        }
        let t = forged(Some("0123456789abcdef0123"));
        assert_eq!(t.len(), 20);
        assert_ne!(t, "0123456789abcdef0123");
        assert!(forged(None).len() >= 16);
        assert_eq!(forged(Some(&"x".repeat(200))).len(), 64);
    }
}
