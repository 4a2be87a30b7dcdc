//! What went over the wire for one case: the request as sent and the answer as received.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::case::Case;

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

/// A response as received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireResponse {
    /// Status code.
    pub status: u16,
    /// Headers in received order (names lower case).
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy for bytes that are not UTF-8).
    pub body: String,
    /// Time from sending the request to the end of the body.
    #[serde(with = "millis")]
    pub elapsed: Duration,
}

impl WireResponse {
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
        self.header("content-type").map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.body)
    }
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
