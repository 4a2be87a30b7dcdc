//! The top of the document: an OpenAPI 3.0.x object with `info` and `paths`. An OpenAPI 3.1
//! document read as 3.0 would be served with the wrong meaning (3.1 drops `nullable`, allows
//! type lists and changes `exclusiveMinimum`), so any other version is refused, not guessed at.

use serde_json::Value;

use super::Found;

/// The versions this tool reads.
const SUPPORTED: &str = "3.0.0 to 3.0.3";

pub(super) fn check(root: &Value, found: &mut Found) {
    let Some(top) = root.as_object() else {
        found.invalid("", "the document must be a mapping (an OpenAPI object)");
        return;
    };
    if top.contains_key("swagger") {
        found.invalid(
            "/swagger",
            format!(
                "Swagger/OpenAPI 2.0 documents are not supported: convert it to OpenAPI \
                 {SUPPORTED} first"
            ),
        );
        return;
    }
    match top.get("openapi") {
        None => found.invalid(
            "/openapi",
            format!("the `openapi` field is missing: say which version ({SUPPORTED})"),
        ),
        Some(Value::String(v)) => {
            let patch = v.strip_prefix("3.0.");
            if !patch.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
                let why = if v.starts_with("3.1") {
                    ": 3.1 changes what schemas mean (type lists, no `nullable`, numeric \
                     `exclusiveMinimum`), so reading it as 3.0 would serve the wrong contract"
                } else {
                    ""
                };
                found.invalid(
                    "/openapi",
                    format!("OpenAPI {v} is not supported, only {SUPPORTED}{why}"),
                );
            }
        }
        Some(other) => found.invalid(
            "/openapi",
            format!("`openapi` must be a string such as '3.0.3', not {other} (quote it in YAML)"),
        ),
    }
    for (field, what) in [
        ("info", "the title and version"),
        ("paths", "the operations"),
    ] {
        match top.get(field) {
            None => found.invalid(
                format!("/{field}"),
                format!("the required `{field}` field ({what}) is missing"),
            ),
            Some(Value::Object(_)) => {}
            Some(_) => found.invalid(format!("/{field}"), format!("`{field}` must be a mapping")),
        }
    }
}
