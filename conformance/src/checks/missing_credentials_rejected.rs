//! C010 `missing_credentials_rejected`: a secured operation called without credentials answers
//! 401 or 403.

use crate::case::Intent;
use crate::checks::{Check, CheckContext, Outcome, judge_status};
use crate::exchange::Exchange;

/// C010: for a valid request of a secured operation sent without any credential
/// ([`Intent::MissingCredentials`]), the status is 401 or 403.
#[derive(Debug, Clone, Copy, Default)]
pub struct MissingCredentialsRejected;

impl Check for MissingCredentialsRejected {
    fn code(&self) -> &'static str {
        "C010"
    }

    fn name(&self) -> &'static str {
        "missing_credentials_rejected"
    }

    fn assertion(&self) -> &'static str {
        "A secured operation called without credentials answers 401 or 403."
    }

    fn judges_decision(&self) -> bool {
        true
    }

    fn check(&self, _cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        judge_status(
            exchange,
            exchange.case.intent == Intent::MissingCredentials,
            |s| matches!(s, 401 | 403),
            || "status 401 or 403 (no credentials were sent)".to_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixture::{actual, case, exchange, expected, response, run};

    fn outcome(intent: Intent, status: u16) -> Outcome {
        let ex = exchange(case("getItem", intent), Ok(response(status, &[], "")));
        run(&MissingCredentialsRejected, &ex)
    }

    #[test]
    fn only_401_and_403_pass() {
        assert_eq!(outcome(Intent::MissingCredentials, 401), Outcome::Pass);
        assert_eq!(outcome(Intent::MissingCredentials, 403), Outcome::Pass);
        for status in [200, 400, 404] {
            let failed = outcome(Intent::MissingCredentials, status);
            assert_eq!(
                expected(failed.clone()),
                "status 401 or 403 (no credentials were sent)"
            );
            assert_eq!(actual(failed), format!("status {status}"));
        }
    }

    #[test]
    fn other_intents_and_transport_errors_are_skipped() {
        assert_eq!(outcome(Intent::InvalidCredentials, 200), Outcome::Skip);
        let ex = exchange(
            case("getItem", Intent::MissingCredentials),
            Err("refused".into()),
        );
        assert_eq!(run(&MissingCredentialsRejected, &ex), Outcome::Skip);
    }
}
