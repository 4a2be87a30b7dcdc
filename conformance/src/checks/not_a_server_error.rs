//! C001 `not_a_server_error`: no 5xx, unless the operation documents that 5xx.

use crate::checks::{Check, CheckContext, Outcome};
use crate::exchange::Exchange;

/// C001: the status is below 500. A 5xx the operation documents (a `503` with `Retry-After`)
/// is part of the contract and passes.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotAServerError;

impl Check for NotAServerError {
    fn code(&self) -> &'static str {
        "C001"
    }

    fn name(&self) -> &'static str {
        "not_a_server_error"
    }

    fn assertion(&self) -> &'static str {
        "The status is below 500, unless the operation documents that 5xx status."
    }

    fn check(&self, cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let Ok(response) = &exchange.response else {
            return Outcome::Skip;
        };
        if response.status < 500 || cx.operation.response(response.status).is_some() {
            return Outcome::Pass;
        }
        let documented: Vec<String> = cx
            .operation
            .responses
            .iter()
            .filter(|r| r.status >= 500)
            .map(|r| r.status.to_string())
            .collect();
        let expected = if documented.is_empty() {
            "a status below 500".to_owned()
        } else {
            format!(
                "a status below 500, or the documented {}",
                documented.join(" or ")
            )
        };
        Outcome::fail(expected, format!("status {}", response.status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Intent;
    use crate::checks::fixture::{actual, case, exchange, expected, response, run};

    fn outcome(operation: &str, status: u16) -> Outcome {
        let ex = exchange(
            case(operation, Intent::Valid),
            Ok(response(status, &[], "")),
        );
        run(&NotAServerError, &ex)
    }

    #[test]
    fn statuses_below_500_and_documented_5xx_pass() {
        assert_eq!(outcome("getItem", 200), Outcome::Pass);
        assert_eq!(outcome("getItem", 499), Outcome::Pass);
        assert_eq!(outcome("getItem", 503), Outcome::Pass);
    }

    #[test]
    fn an_undocumented_5xx_fails_naming_the_documented_ones() {
        let failed = outcome("getItem", 500);
        assert_eq!(actual(failed.clone()), "status 500");
        assert_eq!(
            expected(failed),
            "a status below 500, or the documented 503"
        );
        assert_eq!(expected(outcome("deleteItem", 502)), "a status below 500");
    }

    #[test]
    fn transport_errors_are_skipped() {
        let ex = exchange(case("getItem", Intent::Valid), Err("timed out".into()));
        assert_eq!(run(&NotAServerError, &ex), Outcome::Skip);
    }
}
