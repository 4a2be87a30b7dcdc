//! C012 `resource_gone_after_delete`: a resource read after its delete is gone.

use crate::case::Intent;
use crate::checks::{Check, CheckContext, Outcome, judge_status};
use crate::exchange::Exchange;

/// C012: a read of a resource after a successful delete of it ([`Intent::AfterDelete`]) answers
/// 404 or 410.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResourceGoneAfterDelete;

impl Check for ResourceGoneAfterDelete {
    fn code(&self) -> &'static str {
        "C012"
    }

    fn name(&self) -> &'static str {
        "resource_gone_after_delete"
    }

    fn assertion(&self) -> &'static str {
        "A resource read after a successful delete answers 404 or 410."
    }

    fn judges_decision(&self) -> bool {
        true
    }

    fn check(&self, _cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let Intent::AfterDelete { deleted_by } = &exchange.case.intent else {
            return Outcome::Skip;
        };
        judge_status(
            exchange,
            true,
            |s| matches!(s, 404 | 410),
            || format!("status 404 or 410 (the resource was deleted by {deleted_by})"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixture::{actual, case, exchange, expected, response, run};

    fn after_delete() -> Intent {
        Intent::AfterDelete {
            deleted_by: "deleteItem".into(),
        }
    }

    #[test]
    fn not_found_and_gone_pass_and_a_success_fails() {
        for status in [404, 410] {
            let ex = exchange(
                case("getItem", after_delete()),
                Ok(response(status, &[], "")),
            );
            assert_eq!(run(&ResourceGoneAfterDelete, &ex), Outcome::Pass);
        }
        let ex = exchange(
            case("getItem", after_delete()),
            Ok(response(200, &[], "{}")),
        );
        let failed = run(&ResourceGoneAfterDelete, &ex);
        assert_eq!(
            expected(failed.clone()),
            "status 404 or 410 (the resource was deleted by deleteItem)"
        );
        assert_eq!(actual(failed), "status 200");
    }

    #[test]
    fn other_intents_and_transport_errors_are_skipped() {
        let ex = exchange(case("getItem", Intent::Valid), Ok(response(200, &[], "")));
        assert_eq!(run(&ResourceGoneAfterDelete, &ex), Outcome::Skip);
        let ex = exchange(case("getItem", after_delete()), Err("refused".into()));
        assert_eq!(run(&ResourceGoneAfterDelete, &ex), Outcome::Skip);
    }
}
