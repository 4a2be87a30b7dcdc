//! Choosing and building answers: the documented status and example (or generated data), Prism's
//! `Prefer` header, error bodies in the API's own documented shape, and the credentials a
//! session-start answer carries.

use axum::body::Bytes;
use axum::http::HeaderMap;
use serde_json::Value;

use crate::mock::data::Draws;
use crate::mock::security::IssueError;
use crate::read::Problem;
use gamespec_spec::shape::{deref, is_secret, property};
use gamespec_spec::spec::{self, Operation, Response, Spec};

/// How often generation is retried with fresh randomness before the example is used instead.
const GENERATION_ATTEMPTS: usize = 4;

/// What an error answer says: the explanation for the client and the parameter or body field
/// it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The explanation for the client.
    pub message: String,
    /// The offending parameter or body field, when there is one.
    pub param: Option<String>,
}

impl Violation {
    /// A violation about `param`.
    pub fn new(message: impl Into<String>, param: impl Into<String>) -> Self {
        Violation {
            message: message.into(),
            param: Some(param.into()),
        }
    }
}

impl From<&Problem> for Violation {
    /// A problem the reader found, named as the client sees it: `q`, `player/name`, `body`.
    fn from(p: &Problem) -> Self {
        Violation::new(p.sentence(), p.subject())
    }
}

/// The body of an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body (204, 101, redirects).
    Empty,
    /// A JSON body, sent with the documented media type.
    Json(String, Value),
    /// A text body (e.g. a streamed `text/plain` response), with its media type.
    Text(String, String),
    /// A JSON body serialized already (an answer that never changes, see
    /// [`plain`](crate::mock::plain)), with its media type.
    Serialized(String, Bytes),
}

/// An answer, before it becomes an HTTP response.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// Status code (always a documented one for the operation, or 404/405 outside operations).
    pub status: u16,
    /// Extra headers (documented response headers, `Allow`).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

/// What the client asked for with `Prefer` (Prism's syntax: `code=404`, `example=name`,
/// `dynamic=true`, separated by `,` or `;`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefer {
    /// A documented status to answer with.
    pub code: Option<u16>,
    /// A named example to answer with.
    pub example: Option<String>,
    /// Generated data instead of the example.
    pub dynamic: Option<bool>,
}

impl Prefer {
    /// Parse every `Prefer` header; unknown preferences are ignored (RFC 7240 lets servers do so),
    /// malformed values of ours are a client error.
    pub fn parse(headers: &HeaderMap) -> Result<Prefer, Violation> {
        let mut out = Prefer::default();
        for value in headers.get_all("prefer") {
            let text = String::from_utf8_lossy(value.as_bytes());
            for item in text.split([',', ';']) {
                let Some((k, v)) = item.split_once('=') else {
                    continue;
                };
                let v = v.trim().trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "code" => {
                        out.code = Some(v.parse().map_err(|_| {
                            Violation::new(
                                format!("Prefer code=`{v}` is not a status code"),
                                "Prefer",
                            )
                        })?)
                    }
                    "example" => out.example = Some(v.to_owned()),
                    "dynamic" => out.dynamic = Some(v.eq_ignore_ascii_case("true")),
                    _ => {}
                }
            }
        }
        Ok(out)
    }
}

/// The answer to a valid request. `Err` when `Prefer` asks for something the spec does not
/// document (the message lists what is documented).
pub fn success(
    spec: &Spec,
    op: &Operation,
    prefer: &Prefer,
    dynamic: bool,
    rng: &mut Draws,
) -> Result<Reply, Violation> {
    let response = match (prefer.code, &prefer.example) {
        (Some(code), _) => op.response(code).ok_or_else(|| {
            Violation::new(
                format!(
                    "Prefer code={code} is not documented for {}; documented: {}",
                    op.id,
                    spec::statuses(op)
                ),
                "Prefer",
            )
        })?,
        (None, Some(name)) => op
            .responses
            .iter()
            .find(|r| {
                r.content
                    .as_ref()
                    .is_some_and(|c| c.examples.iter().any(|e| &e.name == name))
            })
            .ok_or_else(|| unknown_example(op, name))?,
        (None, None) => op.success().ok_or_else(|| {
            Violation::new(format!("{} documents no success response", op.id), "Prefer")
        })?,
    };
    let body = match &response.content {
        None => Body::Empty,
        Some(media) => {
            let value = match &prefer.example {
                Some(name) => media
                    .examples
                    .iter()
                    .find(|e| &e.name == name)
                    .map(|e| e.value.clone())
                    .ok_or_else(|| unknown_example(op, name))?,
                None if prefer.dynamic.unwrap_or(dynamic) => generated(spec, response, rng),
                None => media
                    .examples
                    .first()
                    .map(|e| e.value.clone())
                    .unwrap_or_else(|| generated(spec, response, rng)),
            };
            body_of(&media.media_type, value)
        }
    };
    Ok(Reply {
        status: response.status,
        headers: headers(spec, response, rng),
        body,
    })
}

fn unknown_example(op: &Operation, name: &str) -> Violation {
    let known = spec::example_names(op)
        .into_iter()
        .map(|(status, names)| format!("{status}: {}", names.join(", ")))
        .collect::<Vec<_>>()
        .join("; ");
    Violation::new(
        format!(
            "Prefer example={name} is not documented for {}; documented examples: {known}",
            op.id
        ),
        "Prefer",
    )
}

/// `value` as the body of an answer of `media_type`: JSON as it is, anything else as text.
pub(crate) fn body_of(media_type: &str, value: Value) -> Body {
    if media_type.ends_with("json") {
        return Body::Json(media_type.to_owned(), value);
    }
    let text = match value {
        Value::String(s) => s,
        other => other.to_string(),
    };
    Body::Text(media_type.to_owned(), text)
}

/// Data generated from the response schema that the validator accepts, or the example (or
/// `null`) when a few attempts do not produce one.
fn generated(spec: &Spec, response: &Response, rng: &mut Draws) -> Value {
    let Some(media) = &response.content else {
        return Value::Null;
    };
    for _ in 0..GENERATION_ATTEMPTS {
        if let Some(v) = rng.value(&spec.root, &media.schema)
            && media.validator.is_valid(&v)
        {
            return v;
        }
    }
    tracing::debug!(
        status = response.status,
        "generated data did not validate; using the example"
    );
    media
        .examples
        .first()
        .map(|e| e.value.clone())
        .unwrap_or(Value::Null)
}

/// The documented headers of a response, from their examples (or generated from their schema;
/// a header the generator has no value for is left out).
pub(crate) fn headers(spec: &Spec, response: &Response, rng: &mut Draws) -> Vec<(String, String)> {
    response
        .headers
        .iter()
        .filter(|h| {
            !h.name.eq_ignore_ascii_case("content-type")
                && !h.name.eq_ignore_ascii_case("content-length")
        })
        .filter_map(|h| {
            let v = h
                .example
                .clone()
                .or_else(|| rng.header(&spec.root, &h.schema))?;
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            Some((h.name.clone(), text))
        })
        .collect()
}

/// Put freshly issued credentials into a session-start answer: every string at a
/// `format: password` position of the schema, and the credential query parameter of any URL
/// string (`login_url=…?token=…`). `issue` is called once per replaced value.
pub fn fill_credentials(
    root: &Value,
    value: &mut Value,
    schema: Option<&Value>,
    url_param: Option<&str>,
    issue: &mut dyn FnMut() -> Result<String, IssueError>,
) -> Result<(), IssueError> {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let sub = schema.and_then(|s| property(root, s, k));
                if v.is_string() && sub.is_some_and(|p| is_secret(root, p)) {
                    *v = Value::String(issue()?);
                } else {
                    fill_credentials(root, v, sub, url_param, issue)?;
                }
            }
        }
        Value::Array(items) => {
            let sub = schema.and_then(|s| deref(root, s).get("items"));
            for v in items {
                fill_credentials(root, v, sub, url_param, issue)?;
            }
        }
        Value::String(s) => {
            if let Some(param) = url_param
                && let Some(replaced) = replace_query_param(s, param, issue)?
            {
                *s = replaced;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `url` with the value of query parameter `name` replaced by a fresh credential, or `None` when
/// the URL has no such parameter.
pub fn replace_query_param(
    url: &str,
    name: &str,
    issue: &mut dyn FnMut() -> Result<String, IssueError>,
) -> Result<Option<String>, IssueError> {
    let Some((base, rest)) = url.split_once('?') else {
        return Ok(None);
    };
    let (query, fragment) = match rest.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (rest, None),
    };
    let mut found = false;
    let mut pairs = Vec::new();
    for pair in query.split('&') {
        if pair.split('=').next() == Some(name) {
            found = true;
            // Issued credentials use only URL-safe characters, so no escaping is needed.
            pairs.push(format!("{name}={}", issue()?));
        } else {
            pairs.push(pair.to_owned());
        }
    }
    if !found {
        return Ok(None);
    }
    let mut out = format!("{base}?{}", pairs.join("&"));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefer_parses_prism_syntax() {
        let mut h = HeaderMap::new();
        h.insert(
            "prefer",
            "code=404, example=big; dynamic=true".parse().unwrap(),
        );
        let p = Prefer::parse(&h).unwrap();
        assert_eq!(p.code, Some(404));
        assert_eq!(p.example.as_deref(), Some("big"));
        assert_eq!(p.dynamic, Some(true));
        h.insert("prefer", "code=abc".parse().unwrap());
        assert!(Prefer::parse(&h).is_err());
    }

    #[test]
    fn query_parameter_is_replaced_in_place() {
        let mut issue = || Ok("NEW".to_owned());
        let out = replace_query_param(
            "https://x/cb?token=old&remember_me=false#f",
            "token",
            &mut issue,
        )
        .unwrap();
        assert_eq!(
            out.as_deref(),
            Some("https://x/cb?token=NEW&remember_me=false#f")
        );
        assert_eq!(
            replace_query_param("https://x/cb?code=1", "token", &mut issue).unwrap(),
            None
        );
    }
}
