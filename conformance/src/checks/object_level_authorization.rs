//! C020 `object_level_authorization`: another player's session cannot use a player's private
//! resource.

use crate::case::Intent;
use crate::checks::{Check, CheckContext, Outcome, judge_status};
use crate::exchange::Exchange;

/// C020: a request of a second player's session ([`Intent::OtherPlayer`]) for a resource the
/// run's player used, of an operation the spec marks `x-private`, answers 4xx (403 or 404 as
/// documented): a server that serves it lets any player read or change any other's storage,
/// files, characters or friends by guessing an id.
#[derive(Debug, Clone, Copy, Default)]
pub struct ObjectLevelAuthorization;

impl Check for ObjectLevelAuthorization {
    fn code(&self) -> &'static str {
        "C020"
    }

    fn name(&self) -> &'static str {
        "object_level_authorization"
    }

    fn assertion(&self) -> &'static str {
        "Another player's session gets a 4xx for a player's private resource."
    }

    fn judges_decision(&self) -> bool {
        true
    }

    fn check(&self, _cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        judge_status(
            exchange,
            exchange.case.intent == Intent::OtherPlayer,
            |s| (400..500).contains(&s),
            || "a 4xx status (the resource belongs to another player)".to_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixture::{actual, case, exchange, response, run};

    #[test]
    fn another_players_success_fails() {
        let refused = exchange(
            case("getItem", Intent::OtherPlayer),
            Ok(response(404, &[], "")),
        );
        assert_eq!(run(&ObjectLevelAuthorization, &refused), Outcome::Pass);
        let served = exchange(
            case("getItem", Intent::OtherPlayer),
            Ok(response(200, &[], "{}")),
        );
        assert_eq!(
            actual(run(&ObjectLevelAuthorization, &served)),
            "status 200"
        );
        let own = exchange(case("getItem", Intent::Valid), Ok(response(200, &[], "{}")));
        assert_eq!(run(&ObjectLevelAuthorization, &own), Outcome::Skip);
    }
}
