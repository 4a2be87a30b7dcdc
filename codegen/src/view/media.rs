//! Media types and bodies, as the passes compare them.

use serde_json::Value;

use gamespec_spec::refs::deref;

/// Media types progenitor generates request bodies for, in the order the view prefers them.
pub(super) const GENERATABLE_BODIES: &[&str] = &[
    "application/json",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "text/plain",
];

/// The media type without its parameters: `text/plain; charset=utf-8` → `text/plain`.
pub(super) fn essence(media: &str) -> &str {
    media.split(';').next().unwrap_or(media).trim()
}

/// The schema of a response's (single) content, as a comparable key; `None` without a body.
pub(super) fn body_key(spec: &Value, response: &Value) -> Option<String> {
    let content = deref(spec, response).get("content")?.as_object()?;
    let (media, m) = content.iter().next()?;
    Some(format!(
        "{}|{}",
        essence(media),
        m.get("schema").map(Value::to_string).unwrap_or_default()
    ))
}
