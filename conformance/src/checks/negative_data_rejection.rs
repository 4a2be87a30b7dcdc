//! C006 `negative_data_rejection`: a request that breaks the spec is rejected with a 4xx.

use crate::case::Intent;
use crate::checks::{Check, CheckContext, Outcome, judge_status};
use crate::exchange::Exchange;

/// C006: for a case that breaks the spec on purpose ([`Intent::Invalid`]), the status is 4xx.
#[derive(Debug, Clone, Copy, Default)]
pub struct NegativeDataRejection;

impl Check for NegativeDataRejection {
    fn code(&self) -> &'static str {
        "C006"
    }

    fn name(&self) -> &'static str {
        "negative_data_rejection"
    }

    fn assertion(&self) -> &'static str {
        "A request that breaks the spec is rejected with a 4xx status."
    }

    fn judges_decision(&self) -> bool {
        true
    }

    fn check(&self, _cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let Intent::Invalid { location, reason } = &exchange.case.intent else {
            return Outcome::Skip;
        };
        judge_status(
            exchange,
            true,
            |s| (400..500).contains(&s),
            || format!("a 4xx status (invalid {location}: {reason})"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixture::{actual, case, exchange, expected, response, run};

    fn invalid() -> Intent {
        Intent::Invalid {
            location: "path/id".into(),
            reason: "a string where an integer is required".into(),
        }
    }

    #[test]
    fn a_4xx_passes_and_anything_else_fails() {
        for status in [400, 404, 422] {
            let ex = exchange(case("getItem", invalid()), Ok(response(status, &[], "")));
            assert_eq!(run(&NegativeDataRejection, &ex), Outcome::Pass);
        }
        for status in [200, 302, 500] {
            let ex = exchange(case("getItem", invalid()), Ok(response(status, &[], "")));
            let failed = run(&NegativeDataRejection, &ex);
            assert_eq!(
                expected(failed.clone()),
                "a 4xx status (invalid path/id: a string where an integer is required)"
            );
            assert_eq!(actual(failed), format!("status {status}"));
        }
    }

    #[test]
    fn other_intents_and_transport_errors_are_skipped() {
        let ex = exchange(case("getItem", Intent::Valid), Ok(response(200, &[], "")));
        assert_eq!(run(&NegativeDataRejection, &ex), Outcome::Skip);
        let ex = exchange(case("getItem", invalid()), Err("refused".into()));
        assert_eq!(run(&NegativeDataRejection, &ex), Outcome::Skip);
    }
}
