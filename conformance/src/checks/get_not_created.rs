//! C015 `get_not_created`: a GET never answers 201 Created.

use crate::checks::{Check, CheckContext, Outcome};
use crate::exchange::Exchange;

/// C015: a GET reads; an answer of 201 Created to it says something was made, which a read
/// must not do (a server that routes reads to its create handler, or a status set by mistake).
#[derive(Debug, Clone, Copy, Default)]
pub struct GetNotCreated;

impl Check for GetNotCreated {
    fn code(&self) -> &'static str {
        "C015"
    }

    fn name(&self) -> &'static str {
        "get_not_created"
    }

    fn assertion(&self) -> &'static str {
        "A GET never answers 201 Created."
    }

    fn check(&self, _cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let Ok(response) = &exchange.response else {
            return Outcome::Skip;
        };
        if !exchange.request.method.eq_ignore_ascii_case("GET") {
            return Outcome::Skip;
        }
        if response.status == 201 {
            Outcome::fail("a GET answers a status other than 201", "status 201")
        } else {
            Outcome::Pass
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Intent;
    use crate::checks::fixture::{actual, case, exchange, response, run};

    #[test]
    fn a_get_answered_201_fails_and_other_methods_are_skipped() {
        let ok = exchange(case("getItem", Intent::Valid), Ok(response(200, &[], "{}")));
        assert_eq!(run(&GetNotCreated, &ok), Outcome::Pass);
        let created = exchange(case("getItem", Intent::Valid), Ok(response(201, &[], "{}")));
        assert_eq!(actual(run(&GetNotCreated, &created)), "status 201");
        let delete = exchange(
            case("deleteItem", Intent::Valid),
            Ok(response(201, &[], "")),
        );
        assert_eq!(run(&GetNotCreated, &delete), Outcome::Skip);
    }
}
