//! Turning a [`Case`] into bytes on the wire and sending it: parameter serialisation (path
//! encoding, exploded and comma-joined lists), bodies per media type, credentials per security
//! scheme, and a bounded read of the answer.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::case::{Auth, Case, CaseBody};
use crate::exchange::{Exchange, Part, WireRequest, WireResponse};
use crate::schema::{deref, property};
use crate::spec::{Operation, ParamLocation, SchemeCarrier, Spec};

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

/// The items of an array parameter as a server reads them off the wire: one per occurrence
/// where the parameter is exploded, else the comma-separated parts of its value (headers are
/// always `simple`, so comma-joined). `render` writes them the same way.
pub fn items(raw: &[String], explode: bool, location: ParamLocation) -> Vec<String> {
    if explode && location != ParamLocation::Header {
        return raw.to_vec();
    }
    raw.iter()
        .filter(|r| !r.is_empty())
        .flat_map(|r| r.split(',').map(|s| s.trim().to_owned()))
        .collect()
}

/// The requirement set a case authenticates with: the first whose schemes all have a
/// credential, else the first declared (sent without what is missing).
pub fn requirement<'a>(op: &'a Operation, credentials: &Credentials) -> Option<&'a Vec<String>> {
    op.security
        .iter()
        .find(|set| set.iter().all(|s| credentials.contains_key(s)))
        .or_else(|| op.security.iter().find(|set| !set.is_empty()))
}

/// A credential that has the right shape but that no server issued: a JWT re-signed with
/// another key when the real one is a JWT (so only the signature is wrong), else a token of the
/// same length.
pub fn forged(real: Option<&str>) -> String {
    use std::fmt::Write;
    if let Some(real) = real {
        let parts: Vec<&str> = real.split('.').collect();
        if parts.len() == 3 && parts.iter().all(|p| !p.is_empty()) {
            return format!(
                "{}.{}.Zm9yZ2VkLXNpZ25hdHVyZS1ieS1nYW1lc3BlYw",
                parts[0], parts[1]
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
    let mut path = case.path.clone();
    for (name, value) in &case.path_params {
        let encoded = utf8_percent_encode(&text(value), SEGMENT).to_string();
        path = path.replace(&format!("{{{name}}}"), &encoded);
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut cookies: Vec<String> = Vec::new();
    for (name, value) in &case.query {
        let explode = op
            .parameters
            .iter()
            .find(|p| p.location == ParamLocation::Query && &p.name == name)
            .is_none_or(|p| p.explode);
        match value {
            Value::Array(items) if explode => {
                for item in items {
                    query.append_pair(name, &text(item));
                }
            }
            v => {
                query.append_pair(name, &joined(v));
            }
        }
    }
    for (name, value) in &case.headers {
        headers.push((name.to_ascii_lowercase(), joined(value)));
    }
    for (name, value) in &case.cookies {
        cookies.push(format!("{name}={}", text(value)));
    }
    let scheme_values: Vec<(&crate::spec::Scheme, String)> = match case.auth {
        Auth::Missing => Vec::new(),
        Auth::Configured | Auth::Forged => requirement(op, credentials)
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
        match &scheme.carrier {
            SchemeCarrier::Header(h) => headers.push((h.to_ascii_lowercase(), value)),
            SchemeCarrier::Query(q) => {
                query.append_pair(q, &value);
            }
            SchemeCarrier::Cookie(c) => cookies.push(format!("{c}={value}")),
            SchemeCarrier::Bearer => {
                headers.push(("authorization".into(), format!("Bearer {value}")))
            }
            SchemeCarrier::Basic => {
                headers.push(("authorization".into(), format!("Basic {value}")))
            }
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
    let (body, parts) = match &case.body {
        None => (None, None),
        Some(body) => {
            let (content_type, text, parts) = encode_body(spec, op, body);
            headers.push(("content-type".into(), content_type));
            (Some(text), parts)
        }
    };
    for (name, value) in &headers {
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err()
            || reqwest::header::HeaderValue::from_str(value).is_err()
        {
            return Err(Unsendable(format!(
                "header `{name}` cannot carry {value:?} over HTTP/1.1"
            )));
        }
    }
    Ok(WireRequest {
        method: case.method.clone(),
        url,
        headers,
        body,
        parts,
    })
}

/// Content type, body text and (for multipart) the parts of a case body.
fn encode_body(
    spec: &Spec,
    op: &Operation,
    body: &CaseBody,
) -> (String, String, Option<Vec<Part>>) {
    if let Some(raw) = &body.raw {
        return (body.media_type.clone(), raw.clone(), None);
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
            (body.media_type.clone(), form.finish(), None)
        }
        "multipart/form-data" => {
            let schema = op
                .body
                .as_ref()
                .and_then(|(_, media)| media.iter().find(|m| m.media_type == body.media_type))
                .map(|m| m.schema.clone())
                .unwrap_or(Value::Null);
            let mut parts = Vec::new();
            for (k, v) in fields() {
                let file = property(&spec.root, &schema, &k)
                    .map(|p| deref(&spec.root, p))
                    .and_then(|p| p.get("format"))
                    .and_then(Value::as_str)
                    == Some("binary");
                let value = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                parts.push(Part {
                    name: k,
                    value,
                    file,
                });
            }
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
            (
                format!("multipart/form-data; boundary={BOUNDARY}"),
                out,
                Some(parts),
            )
        }
        t if t.ends_with("json") => (t.to_owned(), body.value.to_string(), None),
        t => (t.to_owned(), text(&body.value), None),
    }
}

/// An HTTP client for talking to servers under test: no redirects followed (3xx answers are
/// checked as they are), no proxy from the environment, `timeout` per request. Fails only when
/// the TLS backend cannot be set up.
pub fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout)
        .pool_max_idle_per_host(64)
        .build()
        .map_err(|e| format!("cannot create an HTTP client: {e}"))
}

/// Send `request` and read the answer (at most [`MAX_BODY`] bytes).
pub async fn send(client: &reqwest::Client, request: &WireRequest) -> Result<WireResponse, String> {
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|e| format!("method {}: {e}", request.method))?;
    let mut builder = client.request(method, &request.url);
    for (k, v) in &request.headers {
        builder = builder.header(k, v);
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let started = Instant::now();
    let mut response = builder.send().await.map_err(describe)?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(describe)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(format!("response body larger than {MAX_BODY} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(WireResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        elapsed: started.elapsed(),
    })
}

/// The transport error in words, without the URL (a query string may carry a credential).
fn describe(e: reqwest::Error) -> String {
    use std::error::Error;
    let e = e.without_url();
    let mut out = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        e.to_string()
    };
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(&format!(": {s}"));
        source = s.source();
    }
    out
}

/// Render and send `case`; `None` when the case cannot be put on the wire.
pub async fn exchange(
    client: &reqwest::Client,
    spec: &Spec,
    case: Case,
    base_url: &str,
    credentials: &Credentials,
) -> Result<Exchange, Unsendable> {
    let request = render(spec, &case, base_url, credentials)?;
    let response = send(client, &request).await;
    Ok(Exchange {
        case,
        request,
        response,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forged_jwt_keeps_header_and_claims() {
        let f = forged(Some("aaa.bbb.ccc"));
        assert!(f.starts_with("aaa.bbb."));
        assert_ne!(f, "aaa.bbb.ccc");
        let t = forged(Some("0123456789abcdef0123"));
        assert_eq!(t.len(), 20);
        assert_ne!(t, "0123456789abcdef0123");
        assert!(forged(None).len() >= 16);
        assert_eq!(forged(Some(&"x".repeat(200))).len(), 64);
    }
}
