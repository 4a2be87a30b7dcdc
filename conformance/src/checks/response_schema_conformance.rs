//! C005 `response_schema_conformance`: a JSON body validates against the documented schema.

use jsonschema::Validator;
use serde_json::Value;

use crate::checks::{Check, CheckContext, Outcome};
use crate::exchange::Exchange;
use crate::known_valid::KnownValid;
use gamespec_spec::spec::Media;

/// How many validation errors a failure names; the rest are counted.
const NAMED_ERRORS: usize = 3;

thread_local! {
    /// Bodies that validated on this thread: a server answers a fuzz run with the same bytes
    /// again and again, and parsing an answer was the largest single cost of judging it.
    /// At most 512 of them, each up to 1 MiB and 8 MiB in all per thread: a fuzz run reads a
    /// large list again while nothing writes to it.
    static KNOWN: std::cell::RefCell<KnownValid> =
        std::cell::RefCell::new(KnownValid::new(512, 1024 * 1024, 8 * 1024 * 1024));
}

/// C005: for a documented status with a JSON media type, the body parses as JSON and validates
/// against the documented schema. Other media types are skipped (their schema describes text
/// or bytes, not a JSON value).
#[derive(Debug, Clone, Copy, Default)]
pub struct ResponseSchemaConformance;

impl Check for ResponseSchemaConformance {
    fn code(&self) -> &'static str {
        "C005"
    }

    fn name(&self) -> &'static str {
        "response_schema_conformance"
    }

    fn assertion(&self) -> &'static str {
        "A JSON body of a documented status parses and validates against the documented schema."
    }

    fn check(&self, cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let Ok(received) = &exchange.response else {
            return Outcome::Skip;
        };
        let Some(media) = cx
            .operation
            .response(received.status)
            .and_then(|r| r.content.as_ref())
        else {
            return Outcome::Skip;
        };
        if !is_json(&media.media_type) {
            return Outcome::Skip;
        }
        let expected = || {
            format!(
                "a JSON body matching {} (status {})",
                schema_name(&media.schema),
                received.status
            )
        };
        // JSON is UTF-8 (RFC 8259): bytes that are not are judged as bytes, not as the
        // replacement characters a lossy decoding would put in their place.
        if let Some(at) = received.invalid_utf8_at {
            return Outcome::fail(
                expected(),
                format!("a body that is not UTF-8 (invalid byte at offset {at})"),
            );
        }
        if received.body.trim().is_empty() {
            return Outcome::fail(expected(), "an empty body");
        }
        let body = received.body.as_bytes();
        let Err(unknown) = KNOWN.with(|k| k.borrow_mut().known(&media.validator, body)) else {
            return Outcome::Pass;
        };
        let value = match received.json() {
            Ok(value) => value,
            // serde_json's message names the line and column, never the text.
            Err(e) => return Outcome::fail(expected(), format!("a body that is not JSON ({e})")),
        };
        if media.validator.is_valid(value) {
            KNOWN.with(|k| k.borrow_mut().remember(unknown, &media.validator, body));
            return Outcome::Pass;
        }
        Outcome::fail(expected(), errors(branch(media, value), value))
    }
}

/// Whether a media type carries JSON (`application/json`, `application/problem+json`).
fn is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    essence.ends_with("/json") || essence.ends_with("+json")
}

/// The validator whose errors explain the failure: for a `oneOf` with a discriminator, the
/// branch the body's tag names (its errors say what is wrong with that branch rather than
/// "matches no branch"); otherwise the whole schema's.
fn branch<'a>(media: &'a Media, value: &Value) -> &'a Validator {
    media
        .discriminator
        .as_ref()
        .and_then(|d| {
            let tag = value.get(&d.property)?.as_str()?;
            d.branches.iter().find(|(name, _)| name == tag)
        })
        .map_or(&*media.validator, |(_, v)| &**v)
}

/// Up to [`NAMED_ERRORS`] errors with their instance paths, the rest counted. Values are masked:
/// the body is in the recorded exchange, and may hold credentials.
fn errors(validator: &Validator, value: &Value) -> String {
    let all: Vec<String> = validator
        .iter_errors(value)
        .map(|e| {
            let path = e.instance_path().to_string();
            let path = if path.is_empty() {
                "/".to_owned()
            } else {
                path
            };
            format!("{path}: {}", e.masked())
        })
        .collect();
    if all.is_empty() {
        // The branch validator accepted what the whole schema rejects (the tag itself is wrong).
        return "the body matches none of the schema's alternatives".to_owned();
    }
    let mut out = all
        .iter()
        .take(NAMED_ERRORS)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if all.len() > NAMED_ERRORS {
        out.push_str(&format!(" (and {} more)", all.len() - NAMED_ERRORS));
    }
    out
}

/// `PingResponse` for `{"$ref": "#/components/schemas/PingResponse"}`, else a generic phrase.
fn schema_name(schema: &Value) -> &str {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .unwrap_or("the documented schema")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Intent;
    use crate::checks::fixture::{actual, case, exchange, expected, response, run};

    fn outcome(operation: &str, status: u16, body: &str) -> Outcome {
        let ex = exchange(
            case(operation, Intent::Valid),
            Ok(response(
                status,
                &[("content-type", "application/json")],
                body,
            )),
        );
        run(&ResponseSchemaConformance, &ex)
    }

    #[test]
    fn a_body_matching_the_schema_passes() {
        assert_eq!(
            outcome("getItem", 200, r#"{"id": 1, "name": "sword"}"#),
            Outcome::Pass
        );
        assert_eq!(
            outcome("getItem", 400, r#"{"message": "bad"}"#),
            Outcome::Pass
        );
        assert_eq!(
            outcome("getEvent", 200, r#"{"kind": "click", "x": 3}"#),
            Outcome::Pass
        );
    }

    #[test]
    fn schema_errors_are_named_with_their_paths() {
        let failed = outcome("getItem", 200, r#"{"id": "one", "name": 2}"#);
        assert_eq!(
            expected(failed.clone()),
            "a JSON body matching Item (status 200)"
        );
        let text = actual(failed);
        assert!(text.contains("/id: "), "{text}");
        assert!(text.contains("/name: "), "{text}");
        assert!(!text.contains("one"), "values are masked: {text}");
    }

    #[test]
    fn at_most_three_errors_are_named() {
        let body = r#"{"id": "a", "name": 1, "tags": [1, 2, 3]}"#;
        let text = actual(outcome("getItem", 200, body));
        assert_eq!(text.split("; ").count(), 3, "{text}");
        assert!(text.ends_with("(and 2 more)"), "{text}");
    }

    #[test]
    fn a_discriminated_body_is_judged_by_the_branch_it_names() {
        let text = actual(outcome("getEvent", 200, r#"{"kind": "scroll", "x": 3}"#));
        assert!(text.contains("dy"), "{text}");
        let text = actual(outcome("getEvent", 200, r#"{"kind": "drag"}"#));
        assert!(text.starts_with("/: "), "{text}");
    }

    #[test]
    fn bodies_that_are_not_json_fail() {
        assert_eq!(actual(outcome("getItem", 200, "")), "an empty body");
        let text = actual(outcome("getItem", 200, "<html>"));
        assert!(text.starts_with("a body that is not JSON ("), "{text}");
    }

    #[test]
    fn non_json_media_undocumented_statuses_and_bodiless_statuses_are_skipped() {
        assert_eq!(outcome("getFeed", 200, "line"), Outcome::Skip);
        assert_eq!(outcome("getItem", 418, "x"), Outcome::Skip);
        assert_eq!(outcome("deleteItem", 204, ""), Outcome::Skip);
        let ex = exchange(case("getItem", Intent::Valid), Err("refused".into()));
        assert_eq!(run(&ResponseSchemaConformance, &ex), Outcome::Skip);
    }

    #[test]
    fn json_media_types_are_recognised() {
        assert!(is_json("application/json"));
        assert!(is_json("application/problem+json; charset=utf-8"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/jsonl"));
    }
}
