//! What the mock allows one client, so that no client can exhaust it: how long a request head
//! may take, how long an idle connection is kept, how many connections are served at once, and
//! how large a request body may be.

use std::time::Duration;

use serde_json::Value;

use gamespec_spec::spec::{Operation, Spec};

/// Per-server limits. The defaults suit a test double on a developer machine: generous for any
/// honest client, short enough that slow or idle clients cannot hold the mock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// A request head (request line and headers) must arrive within this time of its first byte;
    /// a slower client's connection is closed.
    pub header_read_timeout: Duration,
    /// A connection that carries no bytes for this long, with no request in flight, is closed.
    pub idle_timeout: Duration,
    /// Connections served at once. One more is answered `503 Service Unavailable` with
    /// `Retry-After: 1` and closed (and a warning is logged), so the others are still served.
    pub max_connections: usize,
    /// The body limit of operations with JSON (or other non-upload) bodies.
    pub json_body_limit: usize,
    /// The body limit of operations that take uploads (`multipart/form-data`,
    /// `application/octet-stream`): the specs' largest upload is a 64 MB CSV import.
    pub upload_body_limit: usize,
    /// Issued session tokens remembered at once; the least recently used is forgotten first
    /// (and refused with 401 from then on). 100,000 tokens take about 10 MB.
    pub max_issued_tokens: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            max_connections: 512,
            json_body_limit: 1024 * 1024,
            upload_body_limit: 64 * 1024 * 1024,
            max_issued_tokens: 100_000,
        }
    }
}

/// Media types whose bodies are uploads and get the larger limit.
const UPLOAD_MEDIA: &[&str] = &["multipart/form-data", "application/octet-stream"];

/// Room left above a string body's `maxLength` for JSON quoting and escapes (each character may
/// take up to six bytes as `\uXXXX`).
const ESCAPE_FACTOR: usize = 6;

impl Limits {
    /// The largest body `op` accepts: the upload limit when it takes an upload, the byte bound
    /// of a string body with `maxLength` when the spec states one, else the JSON limit.
    pub fn body_limit(&self, spec: &Spec, op: &Operation) -> usize {
        let Some((_, content)) = op.body.as_ref() else {
            return self.json_body_limit;
        };
        if content
            .iter()
            .any(|m| UPLOAD_MEDIA.iter().any(|u| m.media_type.starts_with(u)))
        {
            return self.upload_body_limit;
        }
        let string_bound = content
            .iter()
            .map(|m| {
                let s = gamespec_spec::shape::deref(&spec.root, &m.schema);
                match (s.get("type").and_then(Value::as_str), s.get("maxLength")) {
                    (Some("string"), Some(n)) => n
                        .as_u64()
                        .map(|n| (n as usize).saturating_mul(ESCAPE_FACTOR).saturating_add(2)),
                    _ => None,
                }
            })
            .collect::<Option<Vec<_>>>()
            .and_then(|v| v.into_iter().max());
        string_bound.map_or(self.json_body_limit, |n| n.min(self.json_body_limit))
    }
}
