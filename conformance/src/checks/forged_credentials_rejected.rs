//! C011 `forged_credentials_rejected`: a secured operation called with credentials the server
//! never issued answers 401 or 403.

use crate::case::Intent;
use crate::checks::{Check, CheckContext, Outcome, judge_status};
use crate::exchange::Exchange;

/// C011: for a valid request of a secured operation sent with well-formed credentials no server
/// issued ([`Intent::InvalidCredentials`]: a re-signed JWT, a random token), the status is 401
/// or 403.
#[derive(Debug, Clone, Copy, Default)]
pub struct ForgedCredentialsRejected;

impl Check for ForgedCredentialsRejected {
    fn code(&self) -> &'static str {
        "C011"
    }

    fn name(&self) -> &'static str {
        "forged_credentials_rejected"
    }

    fn assertion(&self) -> &'static str {
        "A secured operation called with forged credentials answers 401 or 403."
    }

    fn judges_decision(&self) -> bool {
        true
    }

    fn check(&self, _cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        judge_status(
            exchange,
            exchange.case.intent == Intent::InvalidCredentials,
            |s| matches!(s, 401 | 403),
            || "status 401 or 403 (credentials were forged)".to_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixture::{actual, case, exchange, expected, response, run};

    fn outcome(intent: Intent, status: u16) -> Outcome {
        let ex = exchange(case("getItem", intent), Ok(response(status, &[], "")));
        run(&ForgedCredentialsRejected, &ex)
    }

    #[test]
    fn only_401_and_403_pass() {
        assert_eq!(outcome(Intent::InvalidCredentials, 401), Outcome::Pass);
        assert_eq!(outcome(Intent::InvalidCredentials, 403), Outcome::Pass);
        let failed = outcome(Intent::InvalidCredentials, 200);
        assert_eq!(
            expected(failed.clone()),
            "status 401 or 403 (credentials were forged)"
        );
        assert_eq!(actual(failed), "status 200");
        assert_eq!(
            actual(outcome(Intent::InvalidCredentials, 500)),
            "status 500"
        );
    }

    #[test]
    fn other_intents_and_transport_errors_are_skipped() {
        assert_eq!(outcome(Intent::MissingCredentials, 200), Outcome::Skip);
        let ex = exchange(
            case("getItem", Intent::InvalidCredentials),
            Err("refused".into()),
        );
        assert_eq!(run(&ForgedCredentialsRejected, &ex), Outcome::Skip);
    }
}
