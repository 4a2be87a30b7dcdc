//! C008 `missing_required_header`: a request without a required header is rejected with a 4xx.

use crate::case::Intent;
use crate::checks::{Check, CheckContext, Outcome, judge_status};
use crate::exchange::Exchange;

/// C008: for a valid case with one required header parameter left out
/// ([`Intent::MissingHeader`]), the status is 4xx.
#[derive(Debug, Clone, Copy, Default)]
pub struct MissingRequiredHeader;

impl Check for MissingRequiredHeader {
    fn code(&self) -> &'static str {
        "C008"
    }

    fn name(&self) -> &'static str {
        "missing_required_header"
    }

    fn assertion(&self) -> &'static str {
        "A request without a required header parameter is rejected with a 4xx status."
    }

    fn judges_decision(&self) -> bool {
        true
    }

    fn check(&self, _cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let Intent::MissingHeader { name } = &exchange.case.intent else {
            return Outcome::Skip;
        };
        judge_status(
            exchange,
            true,
            |s| (400..500).contains(&s),
            || format!("a 4xx status (required header `{name}` was left out)"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixture::{actual, case, exchange, expected, response, run};

    fn missing() -> Intent {
        Intent::MissingHeader {
            name: "X-Request-Id".into(),
        }
    }

    #[test]
    fn a_4xx_passes_and_a_success_fails() {
        let ex = exchange(case("getItem", missing()), Ok(response(400, &[], "")));
        assert_eq!(run(&MissingRequiredHeader, &ex), Outcome::Pass);
        let ex = exchange(case("getItem", missing()), Ok(response(200, &[], "")));
        let failed = run(&MissingRequiredHeader, &ex);
        assert_eq!(
            expected(failed.clone()),
            "a 4xx status (required header `X-Request-Id` was left out)"
        );
        assert_eq!(actual(failed), "status 200");
    }

    #[test]
    fn other_intents_and_transport_errors_are_skipped() {
        let ex = exchange(case("getItem", Intent::Valid), Ok(response(200, &[], "")));
        assert_eq!(run(&MissingRequiredHeader, &ex), Outcome::Skip);
        let ex = exchange(case("getItem", missing()), Err("refused".into()));
        assert_eq!(run(&MissingRequiredHeader, &ex), Outcome::Skip);
    }
}
