//! The operation model: one operation of a spec with its parameters, bodies, responses and
//! security resolved, and the JSON-Schema validators of each compiled once.

use std::collections::BTreeMap;
use std::sync::Arc;

use jsonschema::Validator;
use serde_json::Value;

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// A `{template}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// The `Cookie` header.
    Cookie,
}

impl ParamLocation {
    /// The word used in error messages (`query parameter "count"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }
}

/// One resolved parameter of an operation.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// The parameter's name (header names as the spec spells them).
    pub name: String,
    /// Where it is sent.
    pub location: ParamLocation,
    /// Whether a request without it is invalid.
    pub required: bool,
    /// The OpenAPI schema (may be a `$ref`).
    pub schema: Value,
    /// Whether it is `type: array` (after `$ref`s).
    pub is_array: bool,
    /// For arrays: repeated keys (`true`) or one comma-joined value (`false`).
    pub explode: bool,
    /// The parameter's example, if the spec gives one.
    pub example: Option<Value>,
    /// `allowEmptyValue: true` on a query parameter: `?name=` is a valid request. OpenAPI
    /// defaults it to `false` and defines it for query parameters only, so it is always
    /// `false` elsewhere.
    pub allow_empty: bool,
    /// Request-direction validator of the coerced value.
    pub validator: Arc<Validator>,
}

/// A named example of a body.
#[derive(Debug, Clone)]
pub struct Example {
    /// The key under `examples`, or `example` for a single `example`.
    pub name: String,
    /// The example value.
    pub value: Value,
}

/// One media type of a request or response body.
#[derive(Debug, Clone)]
pub struct Media {
    /// The media type, lower case (`application/json`).
    pub media_type: String,
    /// The OpenAPI schema (may be a `$ref`); `{}` when the spec gives none.
    pub schema: Value,
    /// Validator for this body in its direction.
    pub validator: Arc<Validator>,
    /// Examples in document order: `example`, then `examples`, then the schema's own `example`.
    pub examples: Vec<Example>,
    /// For a `oneOf` with a `discriminator`: which branch the client meant.
    pub discriminator: Option<Discriminator>,
}

/// A `oneOf` body's discriminator, so a violation can be reported against the branch the client
/// named instead of as "matches no branch".
#[derive(Debug, Clone)]
pub struct Discriminator {
    /// The tag property, e.g. `grant_type`.
    pub property: String,
    /// A validator per mapped tag value.
    pub branches: Vec<(String, Arc<Validator>)>,
}

/// A documented response header.
#[derive(Debug, Clone)]
pub struct ResponseHeader {
    /// Header name as the spec spells it.
    pub name: String,
    /// Its schema.
    pub schema: Value,
    /// Its example (header or schema level).
    pub example: Option<Value>,
    /// The header object's `required`: a response of this status must carry it.
    pub required: bool,
}

/// A media type without its parameters, lower case (`Application/JSON; charset=utf-8` →
/// `application/json`): how media types are compared.
pub fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether the media range `range` (`application/json`, `image/*`, `*/*`) covers
/// `media_type`; both are essences ([`essence`]).
pub fn covers(range: &str, media_type: &str) -> bool {
    range == media_type
        || range == "*/*"
        || range
            .strip_suffix("/*")
            .is_some_and(|kind| media_type.split('/').next() == Some(kind))
}

/// One documented response of an operation.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body, if the response has one (the first media type the spec lists).
    pub content: Option<Media>,
    /// Every media type the spec lists for the body, in its order, lower case and without
    /// parameters (`content` is the first one's).
    pub media_types: Vec<String>,
    /// Documented headers.
    pub headers: Vec<ResponseHeader>,
}

/// One operation, resolved.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId` (or `METHOD /path`).
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template as in the spec.
    pub path: String,
    /// Operation and path-item parameters.
    pub parameters: Vec<Parameter>,
    /// The request body, if any: whether it is required and its media types.
    pub body: Option<(bool, Vec<Media>)>,
    /// Security requirement sets: any one set satisfied is enough; an empty list means open.
    pub security: Vec<Vec<String>>,
    /// `x-session-start: true`: a success answer carries freshly issued credentials.
    pub session_start: bool,
    /// Documented responses, ordered by status.
    pub responses: Vec<Response>,
}

impl Operation {
    /// The documented response for `status`.
    pub fn response(&self, status: u16) -> Option<&Response> {
        self.responses.iter().find(|r| r.status == status)
    }

    /// The answer to a valid request: the lowest 2xx, or else the lowest 1xx/3xx (a WebSocket
    /// upgrade or a redirect-only call).
    pub fn success(&self) -> Option<&Response> {
        self.responses
            .iter()
            .find(|r| (200..300).contains(&r.status))
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.status < 200 || (300..400).contains(&r.status))
            })
    }

    /// The response for a request that breaks the spec: 400 if documented, else the lowest
    /// documented 4xx that is not about credentials or rate limits, else the lowest 4xx.
    pub fn client_error(&self) -> Option<&Response> {
        let four = || {
            self.responses
                .iter()
                .filter(|r| (400..500).contains(&r.status))
        };
        self.response(400)
            .or_else(|| four().find(|r| !matches!(r.status, 401 | 403 | 407 | 429)))
            .or_else(|| four().next())
    }

    /// The response for missing or unknown credentials: 401, else 403, else [`Self::client_error`].
    pub fn unauthorized(&self) -> Option<&Response> {
        self.response(401)
            .or_else(|| self.response(403))
            .or_else(|| self.client_error())
    }
}

/// Documented statuses of an operation, for messages (`200, 400, 401`).
pub fn statuses(op: &Operation) -> String {
    op.responses
        .iter()
        .map(|r| r.status.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Example names of every response of an operation, by status (for `Prefer: example=`).
pub fn example_names(op: &Operation) -> BTreeMap<u16, Vec<String>> {
    op.responses
        .iter()
        .filter_map(|r| {
            let names: Vec<String> = r
                .content
                .as_ref()?
                .examples
                .iter()
                .map(|e| e.name.clone())
                .collect();
            (!names.is_empty()).then_some((r.status, names))
        })
        .collect()
}
