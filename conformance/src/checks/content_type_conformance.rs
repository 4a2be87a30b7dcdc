//! C003 `content_type_conformance`: the body comes with a documented media type, or not at all
//! when the status documents no content.

use crate::checks::{Check, CheckContext, Outcome};
use crate::exchange::Exchange;
use gamespec_spec::operation::covers;

/// C003: for a documented status with content, `Content-Type` is present and its media type
/// (parameters stripped, case-insensitive) is one the status documents; a status documented
/// without content has an empty body. Undocumented statuses are C002's business.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContentTypeConformance;

impl Check for ContentTypeConformance {
    fn code(&self) -> &'static str {
        "C003"
    }

    fn name(&self) -> &'static str {
        "content_type_conformance"
    }

    fn assertion(&self) -> &'static str {
        "The Content-Type is a media type the status documents, and a status documented without content has an empty body."
    }

    fn check(&self, cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let Ok(received) = &exchange.response else {
            return Outcome::Skip;
        };
        let Some(documented) = cx.operation.response(received.status) else {
            return Outcome::Skip;
        };
        let media = &documented.media_types;
        if media.is_empty() {
            return if received.body.is_empty() {
                Outcome::Pass
            } else {
                Outcome::fail(
                    format!(
                        "an empty body (status {} documents no content)",
                        received.status
                    ),
                    format!("a body of {} bytes", received.body.len()),
                )
            };
        }
        let expected = || format!("Content-Type {}", media.join(" or "));
        match received.media_type().filter(|m| !m.is_empty()) {
            None => Outcome::fail(expected(), "no Content-Type"),
            Some(actual) if media.iter().any(|m| covers(m, &actual)) => Outcome::Pass,
            Some(actual) => Outcome::fail(expected(), format!("Content-Type {actual}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Intent;
    use crate::checks::fixture::{actual, case, exchange, expected, response, run};

    fn outcome(operation: &str, status: u16, content_type: Option<&str>, body: &str) -> Outcome {
        let headers: Vec<(&str, &str)> = content_type
            .map(|ct| vec![("Content-Type", ct)])
            .unwrap_or_default();
        let ex = exchange(
            case(operation, Intent::Valid),
            Ok(response(status, &headers, body)),
        );
        run(&ContentTypeConformance, &ex)
    }

    #[test]
    fn the_documented_media_type_passes_with_parameters_and_any_case() {
        assert_eq!(
            outcome("getItem", 200, Some("application/json"), "{}"),
            Outcome::Pass
        );
        assert_eq!(
            outcome(
                "getItem",
                200,
                Some("Application/JSON; charset=utf-8"),
                "{}"
            ),
            Outcome::Pass
        );
        assert_eq!(
            outcome("getItem", 400, Some("application/problem+json"), "{}"),
            Outcome::Pass
        );
    }

    #[test]
    fn every_documented_media_type_counts_not_only_the_first() {
        assert_eq!(
            outcome("getFeed", 200, Some("text/plain"), "a"),
            Outcome::Pass
        );
        assert_eq!(
            outcome("getFeed", 200, Some("application/x-ndjson"), "{}"),
            Outcome::Pass
        );
        let failed = outcome("getFeed", 200, Some("text/html"), "<p>");
        assert_eq!(
            expected(failed.clone()),
            "Content-Type text/plain or application/x-ndjson"
        );
        assert_eq!(actual(failed), "Content-Type text/html");
    }

    #[test]
    fn a_problem_json_answer_fails_where_plain_json_is_documented() {
        let failed = outcome("getItem", 401, Some("application/problem+json"), "{}");
        assert_eq!(actual(failed), "Content-Type application/problem+json");
    }

    #[test]
    fn a_missing_content_type_fails() {
        let failed = outcome("getItem", 200, None, "{}");
        assert_eq!(expected(failed.clone()), "Content-Type application/json");
        assert_eq!(actual(failed), "no Content-Type");
        assert_eq!(
            actual(outcome("getItem", 200, Some(""), "{}")),
            "no Content-Type"
        );
    }

    #[test]
    fn a_status_without_content_needs_an_empty_body() {
        assert_eq!(outcome("deleteItem", 204, None, ""), Outcome::Pass);
        let failed = outcome("deleteItem", 204, Some("application/json"), "{}");
        assert_eq!(
            expected(failed.clone()),
            "an empty body (status 204 documents no content)"
        );
        assert_eq!(actual(failed), "a body of 2 bytes");
    }

    #[test]
    fn undocumented_statuses_and_transport_errors_are_skipped() {
        assert_eq!(
            outcome("getItem", 418, Some("text/html"), "x"),
            Outcome::Skip
        );
        let ex = exchange(case("getItem", Intent::Valid), Err("refused".into()));
        assert_eq!(run(&ContentTypeConformance, &ex), Outcome::Skip);
    }
}
