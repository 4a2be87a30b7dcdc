//! What went over the wire for one case: the request as sent and the answer as received.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::case::Case;
use crate::secrets::Redactor;

/// One part of a `multipart/form-data` body, kept so a reproduction can use `curl -F`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// The field name.
    pub name: String,
    /// The field's text (file parts: the file's content).
    pub value: String,
    /// Whether the part is sent as a file (`format: binary`).
    pub file: bool,
}

/// A request exactly as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireRequest {
    /// HTTP method, upper case.
    pub method: String,
    /// The full URL, query included.
    pub url: String,
    /// Headers in sending order (names lower case).
    pub headers: Vec<(String, String)>,
    /// The body as text (every body the runner generates is text; multipart bodies included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The parts of a multipart body, for `curl -F`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<Vec<Part>>,
}

impl WireRequest {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How much of a body a stored exchange keeps (the rest is described by its size and hash).
pub const KEPT_BODY_BYTES: usize = 4 * 1024;

/// A response as received.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WireResponse {
    /// Status code.
    pub status: u16,
    /// Headers in received order (names lower case).
    pub headers: Vec<(String, String)>,
    /// The body as text, decoded from its declared `Content-Encoding` (lossy for bytes that are
    /// not UTF-8, see [`WireResponse::invalid_utf8_at`]). In a stored exchange: the first
    /// [`KEPT_BODY_BYTES`] at most, secrets redacted, see [`WireResponse::kept`].
    pub body: String,
    /// Time from sending the request to the end of the body.
    #[serde(with = "millis")]
    pub elapsed: Duration,
    /// The `Content-Encoding` the body was decoded from (`gzip`, `deflate`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// The offset of the first byte that is not UTF-8, if the body is not UTF-8 text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_utf8_at: Option<u64>,
    /// Set once the exchange is stored: what the whole body was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<KeptBody>,
    /// The body parsed as JSON on first use (see [`WireResponse::json`]).
    #[serde(skip)]
    parsed: ParsedBody,
}

/// A response body parsed as JSON once, for every check that reads it: several checks judge
/// each answer, and parsing it was a tenth of a case's time when each parsed it again. A memo,
/// not part of the answer: any two are equal, and it is never written out.
#[derive(Debug, Clone, Default)]
struct ParsedBody(std::sync::OnceLock<Result<Value, std::sync::Arc<serde_json::Error>>>);

impl PartialEq for ParsedBody {
    fn eq(&self, _: &ParsedBody) -> bool {
        true
    }
}

/// What a stored exchange says of a body it keeps only an excerpt of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptBody {
    /// Size of the whole body in bytes (after decoding its `Content-Encoding`).
    pub size: u64,
    /// SHA-256 of the whole body's bytes, hex.
    pub sha256: String,
    /// Whether `body` holds less than the whole body.
    pub truncated: bool,
}

impl WireResponse {
    /// An answer with `status`, `headers` (names lower case) and `body`, received at once;
    /// set the other fields on the result.
    pub fn new(status: u16, headers: Vec<(String, String)>, body: String) -> WireResponse {
        WireResponse {
            status,
            headers,
            body,
            ..WireResponse::default()
        }
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name` (case-insensitive).
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type of the body without parameters (`application/json`), lower case.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type")
            .map(gamespec_spec::operation::essence)
    }

    /// The body parsed as JSON, if it is JSON. Parsed on the first call only: a body changed
    /// after it is not parsed again (build a new answer instead).
    pub fn json(&self) -> Result<&Value, &serde_json::Error> {
        self.parsed
            .0
            .get_or_init(|| serde_json::from_str(&self.body).map_err(std::sync::Arc::new))
            .as_ref()
            .map_err(|e| &**e)
    }

    /// This response as a stored exchange keeps it: the body cut to [`KEPT_BODY_BYTES`] after
    /// `redactor` replaced its secrets (so a secret at the cut cannot leak in part), with the
    /// whole body's size and SHA-256. Keeping it twice changes nothing.
    pub fn kept(&self, redactor: &Redactor) -> WireResponse {
        if self.kept.is_some() {
            return self.clone();
        }
        use sha2::Digest;
        let sha256 = sha2::Sha256::digest(self.body.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        // Only the head of the body can reach the excerpt: redact the excerpt's length plus
        // the longest secret form, so a secret that starts before the cut is still seen
        // whole, without copying a 15 MB body to redact it.
        let window = floor_char_boundary(&self.body, KEPT_BODY_BYTES + redactor.longest());
        let redacted = redactor.redact(&self.body[..window]);
        let cut = floor_char_boundary(&redacted, KEPT_BODY_BYTES);
        WireResponse {
            status: self.status,
            headers: self.headers.clone(),
            body: redacted[..cut].to_owned(),
            elapsed: self.elapsed,
            encoding: self.encoding.clone(),
            invalid_utf8_at: self.invalid_utf8_at,
            kept: Some(KeptBody {
                size: self.body.len() as u64,
                sha256,
                truncated: cut < redacted.len() || window < self.body.len(),
            }),
            parsed: ParsedBody::default(),
        }
    }
}

/// The largest char boundary of `text` not after `at`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    (0..=at)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// A case, the request it became, and what came back (or why nothing usable came back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// The case that was sent.
    pub case: Case,
    /// The request as sent.
    pub request: WireRequest,
    /// The response, or the transport error (timeout, connection refused, body too large).
    pub response: Result<WireResponse, String>,
}

impl Exchange {
    /// The exchange as a failure record stores it: the answer's body cut to an excerpt after
    /// redaction (see [`WireResponse::kept`]), a transport error redacted; the request as sent
    /// (the runner generated it, so it is small, and replay re-sends it).
    pub fn kept(&self, redactor: &Redactor) -> Exchange {
        Exchange {
            case: self.case.clone(),
            request: self.request.clone(),
            response: match &self.response {
                Ok(r) => Ok(r.kept(redactor)),
                Err(e) => Err(redactor.redact(e)),
            },
        }
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64() * 1000.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let ms = f64::deserialize(d)?;
        Ok(Duration::from_secs_f64(ms.max(0.0) / 1000.0))
    }
}
