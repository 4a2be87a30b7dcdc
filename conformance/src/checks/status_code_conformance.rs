//! C002 `status_code_conformance`: the status is one the operation documents.

use crate::case::Intent;
use crate::checks::{Check, CheckContext, Outcome};
use crate::exchange::Exchange;
use gamespec_spec::spec;

/// C002: the status is documented for the operation. Skipped for undeclared methods, whose
/// expected 405 belongs to no operation (C009 judges it). `spec.rs` drops `default` and `2XX`
/// range responses (none of the gamespec specs uses them), so only explicit codes count.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatusCodeConformance;

impl Check for StatusCodeConformance {
    fn code(&self) -> &'static str {
        "C002"
    }

    fn name(&self) -> &'static str {
        "status_code_conformance"
    }

    fn assertion(&self) -> &'static str {
        "The status is one the operation documents."
    }

    fn check(&self, cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        if matches!(exchange.case.intent, Intent::UndeclaredMethod { .. }) {
            return Outcome::Skip;
        }
        let Ok(response) = &exchange.response else {
            return Outcome::Skip;
        };
        if cx.operation.response(response.status).is_some() {
            return Outcome::Pass;
        }
        let expected = if cx.operation.responses.is_empty() {
            "a documented status (the operation documents none)".to_owned()
        } else {
            format!("a documented status ({})", spec::statuses(cx.operation))
        };
        Outcome::fail(expected, format!("status {}", response.status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixture::{actual, case, exchange, expected, response, run};

    #[test]
    fn documented_statuses_pass() {
        for status in [200, 400, 401, 404, 429, 503] {
            let ex = exchange(
                case("getItem", Intent::Valid),
                Ok(response(status, &[], "")),
            );
            assert_eq!(run(&StatusCodeConformance, &ex), Outcome::Pass, "{status}");
        }
    }

    #[test]
    fn an_undocumented_status_fails_listing_the_documented_ones() {
        let ex = exchange(case("getItem", Intent::Valid), Ok(response(418, &[], "")));
        let failed = run(&StatusCodeConformance, &ex);
        assert_eq!(
            expected(failed.clone()),
            "a documented status (200, 400, 401, 404, 429, 503)"
        );
        assert_eq!(actual(failed), "status 418");
    }

    #[test]
    fn undeclared_methods_and_transport_errors_are_skipped() {
        let intent = Intent::UndeclaredMethod {
            allowed: vec!["GET".into(), "DELETE".into()],
        };
        let ex = exchange(case("getItem", intent), Ok(response(405, &[], "")));
        assert_eq!(run(&StatusCodeConformance, &ex), Outcome::Skip);
        let ex = exchange(case("getItem", Intent::Valid), Err("refused".into()));
        assert_eq!(run(&StatusCodeConformance, &ex), Outcome::Skip);
    }
}
