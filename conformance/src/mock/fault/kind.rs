//! The kinds of deviation the mock can be told to make, each with its name on the command line,
//! the operations it applies to, and the checks of the runner meant to catch it.

use gamespec_spec::shape::deref;
use gamespec_spec::spec::{Operation, ParamLocation, Spec};
use serde_json::Value;

use super::body;
use crate::runner::inferred as reads;

/// One kind of deviation from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    /// A property the success schema requires is left out of the answer.
    DropField,
    /// A value of the success answer has another JSON type than its schema's.
    MistypeField,
    /// A value of the success answer that may not be null is null.
    NullField,
    /// A string with a `format` in the success answer breaks its format.
    BrokenFormat,
    /// A value of the success answer is outside its bounds (length, range, enum, items).
    BrokenBounds,
    /// The success answer declares JSON and has an empty body.
    EmptyBody,
    /// The success answer's JSON is cut in the middle.
    TruncatedJson,
    /// The success answer declares JSON and carries an HTML page.
    HtmlBody,
    /// Client-error answers have a body outside the documented error schema.
    ErrorShape,
    /// Valid requests get a status the operation does not document (418).
    UndocumentedStatus,
    /// Valid requests get an undocumented 5xx.
    ServerError,
    /// Client-error answers carry a stack trace in their message.
    StackTrace,
    /// Valid requests get an undocumented redirect (302).
    UndocumentedRedirect,
    /// The success answer has a media type the operation does not document.
    WrongContentType,
    /// A required response header of the success answer is left out.
    MissingHeader,
    /// A typed response header of the success answer has a value outside its schema.
    InvalidHeader,
    /// A 204 answer carries a body.
    BodyOn204,
    /// A GET answers 201 Created.
    CreatedOnGet,
    /// A 405 for an undeclared method comes without `Allow` (a property of the path, counted
    /// on the path's first operation, which owns the runner's probe).
    MissingAllow,
    /// Requests without any credential are served.
    AuthIgnored,
    /// Credentials the server never issued are accepted (missing ones are still refused).
    ForgedAccepted,
    /// Requests that break the schema are served.
    InvalidAccepted,
    /// Requests that lack a required parameter (or body) are served.
    MissingParameterAccepted,
    /// Valid requests are refused with the documented client error.
    ValidRejected,
    /// Non-ASCII text in a query value, path segment, header or form field crashes (500).
    NonAsciiCrash,
    /// A successful delete leaves the resource readable.
    DeleteKeeps,
    /// A successful create or replace is not readable afterwards.
    CreateLost,
    /// A write refused with a 4xx changes the resource anyway.
    FailedWriteChanges,
    /// Another player's private resource is served to whoever asks.
    OtherPlayerVisible,
}

impl FaultKind {
    /// Every kind, in the order of the score table.
    pub const ALL: [FaultKind; 29] = [
        FaultKind::DropField,
        FaultKind::MistypeField,
        FaultKind::NullField,
        FaultKind::BrokenFormat,
        FaultKind::BrokenBounds,
        FaultKind::EmptyBody,
        FaultKind::TruncatedJson,
        FaultKind::HtmlBody,
        FaultKind::ErrorShape,
        FaultKind::UndocumentedStatus,
        FaultKind::ServerError,
        FaultKind::StackTrace,
        FaultKind::UndocumentedRedirect,
        FaultKind::WrongContentType,
        FaultKind::MissingHeader,
        FaultKind::InvalidHeader,
        FaultKind::BodyOn204,
        FaultKind::CreatedOnGet,
        FaultKind::MissingAllow,
        FaultKind::AuthIgnored,
        FaultKind::ForgedAccepted,
        FaultKind::InvalidAccepted,
        FaultKind::MissingParameterAccepted,
        FaultKind::ValidRejected,
        FaultKind::NonAsciiCrash,
        FaultKind::DeleteKeeps,
        FaultKind::CreateLost,
        FaultKind::FailedWriteChanges,
        FaultKind::OtherPlayerVisible,
    ];

    /// The name on the command line (`--fault drop-field`).
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::DropField => "drop-field",
            FaultKind::MistypeField => "mistype-field",
            FaultKind::NullField => "null-field",
            FaultKind::BrokenFormat => "broken-format",
            FaultKind::BrokenBounds => "broken-bounds",
            FaultKind::EmptyBody => "empty-body",
            FaultKind::TruncatedJson => "truncated-json",
            FaultKind::HtmlBody => "html-body",
            FaultKind::ErrorShape => "error-shape",
            FaultKind::UndocumentedStatus => "undocumented-status",
            FaultKind::ServerError => "server-error",
            FaultKind::StackTrace => "stack-trace",
            FaultKind::UndocumentedRedirect => "undocumented-redirect",
            FaultKind::WrongContentType => "wrong-content-type",
            FaultKind::MissingHeader => "missing-header",
            FaultKind::InvalidHeader => "invalid-header",
            FaultKind::BodyOn204 => "body-on-204",
            FaultKind::CreatedOnGet => "created-on-get",
            FaultKind::MissingAllow => "missing-allow",
            FaultKind::AuthIgnored => "auth-ignored",
            FaultKind::ForgedAccepted => "forged-accepted",
            FaultKind::InvalidAccepted => "invalid-accepted",
            FaultKind::MissingParameterAccepted => "missing-parameter-accepted",
            FaultKind::ValidRejected => "valid-rejected",
            FaultKind::NonAsciiCrash => "non-ascii-crash",
            FaultKind::DeleteKeeps => "delete-keeps",
            FaultKind::CreateLost => "create-lost",
            FaultKind::FailedWriteChanges => "failed-write-changes",
            FaultKind::OtherPlayerVisible => "other-player-visible",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The codes of the checks meant to catch this deviation: a failure of one of them on the
    /// faulty operation counts as a detection in the mutation score.
    pub fn detected_by(self) -> &'static [&'static str] {
        match self {
            FaultKind::DropField
            | FaultKind::MistypeField
            | FaultKind::NullField
            | FaultKind::BrokenFormat
            | FaultKind::BrokenBounds
            | FaultKind::EmptyBody
            | FaultKind::TruncatedJson
            | FaultKind::HtmlBody
            | FaultKind::ErrorShape => &["C005"],
            FaultKind::UndocumentedStatus | FaultKind::UndocumentedRedirect => &["C002"],
            FaultKind::ServerError | FaultKind::NonAsciiCrash => &["C001"],
            FaultKind::StackTrace => &["C017"],
            FaultKind::WrongContentType => &["C003"],
            FaultKind::MissingHeader | FaultKind::InvalidHeader => &["C004"],
            FaultKind::BodyOn204 => &["C016"],
            FaultKind::CreatedOnGet => &["C015"],
            FaultKind::MissingAllow => &["C009"],
            FaultKind::AuthIgnored => &["C010"],
            FaultKind::ForgedAccepted => &["C011"],
            FaultKind::InvalidAccepted => &["C006"],
            FaultKind::MissingParameterAccepted => &["C018"],
            FaultKind::ValidRejected => &["C007"],
            FaultKind::DeleteKeeps => &["C012"],
            FaultKind::CreateLost => &["C013"],
            FaultKind::FailedWriteChanges => &["C019"],
            FaultKind::OtherPlayerVisible => &["C020"],
        }
    }

    /// Whether the deviation can happen on operation `index` of `spec`: the operation has what
    /// the deviation breaks (a JSON answer with a format to break, a secured requirement, a read
    /// of the same resource, …).
    pub fn applies(self, spec: &Spec, index: usize) -> bool {
        let Some(op) = spec.operations.get(index) else {
            return false;
        };
        let root = &spec.root;
        let success = op.success();
        let json_success = success
            .and_then(|r| r.content.as_ref())
            .filter(|m| m.media_type.ends_with("json"));
        match self {
            FaultKind::DropField
            | FaultKind::MistypeField
            | FaultKind::NullField
            | FaultKind::BrokenFormat
            | FaultKind::BrokenBounds => json_success.is_some_and(|m| {
                body::sample(spec, m).is_some_and(|v| body::mutate(self, root, m, &v).is_some())
            }),
            FaultKind::EmptyBody | FaultKind::HtmlBody => json_success.is_some(),
            FaultKind::TruncatedJson => json_success.is_some_and(|m| {
                body::sample(spec, m)
                    .is_some_and(|v| serde_json::to_string(&v).is_ok_and(|t| t.len() >= 2))
            }),
            FaultKind::ErrorShape => op
                .client_error()
                .and_then(|r| r.content.as_ref())
                .is_some_and(|m| m.media_type.ends_with("json") && body::misshapen(m).is_some()),
            FaultKind::StackTrace => op
                .client_error()
                .and_then(|r| r.content.as_ref())
                .is_some_and(|m| {
                    m.media_type.ends_with("json")
                        && body::sample(spec, m).is_some_and(|v| body::with_trace(m, &v).is_some())
                }),
            FaultKind::UndocumentedStatus => op.response(418).is_none(),
            FaultKind::ServerError => op.response(500).is_none(),
            FaultKind::UndocumentedRedirect => op.response(302).is_none(),
            FaultKind::WrongContentType => success.is_some_and(|r| r.content.is_some()),
            FaultKind::MissingHeader => success
                .is_some_and(|r| r.headers.iter().any(|h| h.required && !is_framing(&h.name))),
            FaultKind::InvalidHeader => success.is_some_and(|r| {
                r.headers
                    .iter()
                    .any(|h| !is_framing(&h.name) && breakable_header(root, &h.schema))
            }),
            FaultKind::BodyOn204 => success.is_some_and(|r| r.status == 204),
            FaultKind::CreatedOnGet => op.method.eq_ignore_ascii_case("GET"),
            FaultKind::MissingAllow => spec
                .operations
                .iter()
                .position(|o| o.path == op.path)
                .is_some_and(|first| first == index),
            FaultKind::AuthIgnored | FaultKind::ForgedAccepted => {
                !op.security.is_empty() && op.security.iter().all(|set| !set.is_empty())
            }
            FaultKind::InvalidAccepted => {
                !crate::generate::negative_fixed(spec, op).is_empty()
                    || crate::generate::negative(spec, op).is_ok()
            }
            FaultKind::MissingParameterAccepted => {
                op.parameters
                    .iter()
                    .any(|p| p.required && p.location != ParamLocation::Path)
                    || op.body.as_ref().is_some_and(|(required, _)| *required)
            }
            FaultKind::ValidRejected => success.is_some(),
            FaultKind::NonAsciiCrash => takes_text(spec, op),
            FaultKind::DeleteKeeps => {
                op.method.eq_ignore_ascii_case("DELETE") && reads::gone_read(spec, op).is_some()
            }
            FaultKind::CreateLost => {
                matches!(op.method.to_ascii_uppercase().as_str(), "POST" | "PUT")
                    && reads::same_path_read(spec, op).is_some()
            }
            FaultKind::FailedWriteChanges => {
                reads::is_write(op)
                    && reads::same_path_read(spec, op).is_some()
                    && !crate::generate::negative_fixed(spec, op).is_empty()
            }
            FaultKind::OtherPlayerVisible => {
                reads::is_private(spec, op)
                    && op
                        .parameters
                        .iter()
                        .any(|p| p.location == ParamLocation::Path)
            }
        }
    }
}

impl std::fmt::Display for FaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Headers HTTP itself frames the answer with; the mock never documents their values.
fn is_framing(name: &str) -> bool {
    name.eq_ignore_ascii_case("content-type") || name.eq_ignore_ascii_case("content-length")
}

/// Whether a header's schema rules out some text (a type other than string, an enum, a format
/// or a pattern), so that a wrong value can be sent.
pub(super) fn breakable_header(root: &Value, schema: &Value) -> bool {
    let s = deref(root, schema);
    matches!(
        s.get("type").and_then(Value::as_str),
        Some("integer" | "number" | "boolean")
    ) || s.get("enum").is_some()
        || s.get("pattern").is_some()
        || s.get("format")
            .and_then(Value::as_str)
            .is_some_and(|f| matches!(f, "date-time" | "date" | "uuid" | "email" | "uri"))
}

/// Whether the operation reads free text where a server decodes it itself: a string
/// parameter in the query, path, a header or a cookie without an enum, format or pattern, or a
/// form body.
pub(super) fn takes_text(spec: &Spec, op: &Operation) -> bool {
    let free = |schema: &Value| {
        let s = deref(&spec.root, schema);
        s.get("type").and_then(Value::as_str) == Some("string")
            && s.get("enum").is_none()
            && s.get("format").is_none()
            && s.get("pattern").is_none()
    };
    op.parameters.iter().any(|p| {
        !p.is_array
            && free(&p.schema)
            && !(p.location == ParamLocation::Header && p.name.eq_ignore_ascii_case("accept"))
    }) || op.body.as_ref().is_some_and(|(_, media)| {
        media.iter().any(|m| {
            (m.media_type == "application/x-www-form-urlencoded"
                || m.media_type == "multipart/form-data")
                && deref(&spec.root, &m.schema)
                    .get("properties")
                    .and_then(Value::as_object)
                    .is_some_and(|props| props.values().any(free))
        })
    })
}
