//! C013 `resource_available_after_create`: a resource read after its create is there.

use crate::case::Intent;
use crate::checks::{Check, CheckContext, Outcome, judge_status};
use crate::exchange::Exchange;

/// C013: a read of a resource after a successful create of it ([`Intent::AfterCreate`])
/// answers 2xx.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResourceAvailableAfterCreate;

impl Check for ResourceAvailableAfterCreate {
    fn code(&self) -> &'static str {
        "C013"
    }

    fn name(&self) -> &'static str {
        "resource_available_after_create"
    }

    fn assertion(&self) -> &'static str {
        "A resource read after a successful create answers 2xx."
    }

    fn judges_decision(&self) -> bool {
        true
    }

    fn check(&self, _cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let Intent::AfterCreate { created_by } = &exchange.case.intent else {
            return Outcome::Skip;
        };
        judge_status(
            exchange,
            true,
            |s| (200..300).contains(&s),
            || format!("a 2xx status (the resource was created by {created_by})"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixture::{actual, case, exchange, expected, response, run};

    fn after_create() -> Intent {
        Intent::AfterCreate {
            created_by: "createItem".into(),
        }
    }

    #[test]
    fn a_2xx_passes_and_not_found_fails() {
        let ex = exchange(
            case("getItem", after_create()),
            Ok(response(200, &[], "{}")),
        );
        assert_eq!(run(&ResourceAvailableAfterCreate, &ex), Outcome::Pass);
        let ex = exchange(case("getItem", after_create()), Ok(response(404, &[], "")));
        let failed = run(&ResourceAvailableAfterCreate, &ex);
        assert_eq!(
            expected(failed.clone()),
            "a 2xx status (the resource was created by createItem)"
        );
        assert_eq!(actual(failed), "status 404");
        let ex = exchange(case("getItem", after_create()), Ok(response(304, &[], "")));
        assert_eq!(
            actual(run(&ResourceAvailableAfterCreate, &ex)),
            "status 304"
        );
    }

    #[test]
    fn other_intents_and_transport_errors_are_skipped() {
        let ex = exchange(case("getItem", Intent::Valid), Ok(response(404, &[], "")));
        assert_eq!(run(&ResourceAvailableAfterCreate, &ex), Outcome::Skip);
        let ex = exchange(case("getItem", after_create()), Err("refused".into()));
        assert_eq!(run(&ResourceAvailableAfterCreate, &ex), Outcome::Skip);
    }
}
