//! Reading a request against its operation, one way for everyone: the mock reads incoming HTTP
//! requests with it, and the runner's read-back ([`crate::generate::Readback`]) reads a case
//! rendered by [`crate::wire`] with it, to know before sending whether the case is really
//! valid (or really invalid).
//!
//! The input is what a server receives: raw path parameters, decoded query pairs, headers, the
//! content type and the body bytes ([`Parts`]). Parameters are found where their location puts
//! them and coerced from text by their schema's type (`params.rs`); the body is parsed per media
//! type (`body.rs`); both are judged by the operation's compiled validators. Whether a concrete
//! path reaches the operation at all is the mock's router's answer ([`route`]).
//!
//! Every problem names its place one way ([`Problem::location`]): `query/count`,
//! `header/Content-Type`, `body`, `body/player/name`.

mod body;
mod params;
mod problem;
pub mod route;

use bytes::Bytes;
use serde_json::{Value, json};

use gamespec_spec::shape::type_name;
use gamespec_spec::spec::{Operation, Spec};

pub use body::is_json;
pub(crate) use body::property_names;
pub use params::{forbids_empty, items};
pub use problem::{Kind, Problem, location};

use body::BodyReader;
use params::ParamReader;

/// A request as a server receives it, apart from its body.
#[derive(Debug, Clone, Copy)]
pub struct Parts<'a> {
    /// `(name, raw value)` per path template parameter, still percent-encoded.
    pub path: &'a [(String, String)],
    /// The query string as decoded `(key, value)` pairs, in order ([`query_pairs`]).
    pub query: &'a [(String, String)],
    /// `(name, value)` per header line; names compare case-insensitively.
    pub headers: &'a [(String, String)],
}

impl Parts<'_> {
    /// The `Content-Type` header, `""` when there is none.
    pub fn content_type(&self) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map_or("", |(_, v)| v.as_str())
    }
}

/// The values a request gives its operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// Each parameter sent, by location (`query/count`), as its schema reads it.
    pub parameters: Vec<(String, Value)>,
    /// The body as JSON (form fields as an object), `None` when it was left out.
    pub body: Option<Value>,
}

/// An operation's reading of requests, built once and owned (strategies that filter by it
/// must be `'static`).
#[derive(Debug)]
pub struct Reader {
    params: Vec<ParamReader>,
    body: Option<BodyReader>,
}

impl Reader {
    /// The reading of `op`.
    pub fn new(spec: &Spec, op: &Operation) -> Reader {
        let root = &spec.root;
        Reader {
            params: op
                .parameters
                .iter()
                .map(|p| ParamReader::new(root, p))
                .collect(),
            body: op
                .body
                .as_ref()
                .map(|(required, media)| BodyReader::new(root, *required, media)),
        }
    }

    /// Every parameter's value, or every problem with them, in the order they are declared.
    pub fn parameters(&self, parts: &Parts<'_>) -> Result<Vec<(String, Value)>, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut values = Vec::new();
        for p in &self.params {
            if let Some(v) = p.read(parts, &mut problems) {
                values.push((p.location(), v));
            }
        }
        if problems.is_empty() {
            Ok(values)
        } else {
            Err(problems)
        }
    }

    /// The body sent with `content_type` (`None` when the operation takes none or an optional
    /// one was left out), or its problems.
    pub fn body(&self, content_type: &str, body: Bytes) -> Result<Option<Value>, Vec<Problem>> {
        let Some(reader) = &self.body else {
            return Ok(None);
        };
        let mut problems = Vec::new();
        let value = reader.read(content_type, body, &mut problems);
        if problems.is_empty() {
            Ok(value)
        } else {
            Err(problems)
        }
    }

    /// The whole request: its values, or every problem of its parameters and body.
    pub fn read(&self, parts: &Parts<'_>, body: Bytes) -> Result<Read, Vec<Problem>> {
        match (
            self.parameters(parts),
            self.body(parts.content_type(), body),
        ) {
            (Ok(parameters), Ok(body)) => Ok(Read { parameters, body }),
            (parameters, body) => Err(parameters
                .err()
                .into_iter()
                .chain(body.err())
                .flatten()
                .collect()),
        }
    }
}

/// The query string as decoded `(key, value)` pairs, in order (`+` is a space, as in forms).
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// The type a text value is coerced to, as a tiny schema for [`gamespec_spec::shape::coerce`]
/// (owned, so readers need no borrow of the spec).
fn coercion(root: &Value, schema: &Value) -> Value {
    match type_name(root, schema) {
        Some(t) => json!({ "type": t }),
        None => json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gamespec_spec::registry::Profile;

    fn spec() -> Spec {
        let root = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/s": {"post": {"operationId": "s", "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "ids", "in": "query", "explode": false,
                 "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "blank", "in": "query", "allowEmptyValue": true,
                 "schema": {"type": "string"}}
            ], "requestBody": {"content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "format": "binary"}, "n": {"type": "integer"}}}}}},
            "responses": {"200": {"description": "ok"}}}}
        }});
        Spec::from_value("t.yaml".into(), root, Profile::generic()).unwrap()
    }

    fn read(query: &str, content_type: &str, body: impl Into<Bytes>) -> Result<Read, Vec<Problem>> {
        let spec = spec();
        let reader = Reader::new(&spec, spec.operation("s").unwrap());
        let query = query_pairs(Some(query));
        let headers = [("Content-Type".to_owned(), content_type.to_owned())];
        let parts = Parts {
            path: &[],
            query: &query,
            headers: &headers,
        };
        reader.read(&parts, body.into())
    }

    #[test]
    fn empty_query_values_are_rejected_unless_allowed() {
        assert!(read("q=a&ids=x,y&blank=b", "", "").is_ok());
        for (query, name) in [("q=", "q"), ("q", "q"), ("ids=", "ids")] {
            let problems = read(query, "", "").unwrap_err();
            assert_eq!(problems.len(), 1, "{query}");
            assert_eq!(problems[0].subject(), name, "{query}");
            assert!(problems[0].message.contains("empty"), "{query}");
        }
        assert!(read("blank=", "", "").is_ok());
        assert!(read("q=%20", "", "").is_ok());
    }

    #[test]
    fn multipart_fields_are_read_without_waiting() {
        let ct = "multipart/form-data; boundary=b";
        let part = |name: &str, value: &str| {
            format!("--b\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
        };
        let body = format!("{}{}--b--\r\n", part("file", "bytes"), part("n", "7"));
        let got = read("", ct, body).unwrap();
        assert_eq!(got.body, Some(json!({"file": "bytes", "n": 7})));
        let body = format!("{}--b--\r\n", part("n", "7"));
        let problems = read("", ct, body).unwrap_err();
        assert_eq!(problems[0].location, "body/file");
        let problems = read("", ct, "--b\r\nbroken").unwrap_err();
        assert_eq!(problems[0].location, "body");
        let problems = read("", "text/plain", "x").unwrap_err();
        assert_eq!(problems[0].subject(), "Content-Type");
    }
}
