//! C007 `positive_data_acceptance`: a valid, authenticated request is accepted.

use crate::case::{Auth, Intent};
use crate::checks::{Check, CheckContext, Outcome, judge_status};
use crate::exchange::Exchange;

/// C007: for a valid case sent with the configured credentials, the status is below 400. When
/// the case has path parameters a 404 passes too: generated ids name resources a real server
/// may not have.
#[derive(Debug, Clone, Copy, Default)]
pub struct PositiveDataAcceptance;

impl Check for PositiveDataAcceptance {
    fn code(&self) -> &'static str {
        "C007"
    }

    fn name(&self) -> &'static str {
        "positive_data_acceptance"
    }

    fn assertion(&self) -> &'static str {
        "A valid request with the configured credentials is accepted (status below 400, or 404 when the path names a resource)."
    }

    fn judges_decision(&self) -> bool {
        true
    }

    fn check(&self, cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let case = &exchange.case;
        // A documented 429 or 503 says "not now", not "not this data": a rate-limited real
        // server answers valid requests so. The status, header and schema checks still judge it.
        if let Ok(r) = &exchange.response
            && matches!(r.status, 429 | 503)
            && cx.operation.response(r.status).is_some()
        {
            return Outcome::Skip;
        }
        let names_resource = !case.path_params.is_empty();
        judge_status(
            exchange,
            case.intent == Intent::Valid && case.auth == Auth::Configured,
            |s| s < 400 || (names_resource && s == 404),
            || {
                if names_resource {
                    "a status below 400, or 404 (the request is valid; the named resource may not exist)"
                        .to_owned()
                } else {
                    "a status below 400 (the request is valid)".to_owned()
                }
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixture::{actual, case, exchange, expected, response, run};
    use serde_json::json;

    fn outcome(path_param: bool, auth: Auth, status: u16) -> Outcome {
        let mut case = case("getItem", Intent::Valid);
        if path_param {
            case.path_params.insert("id".into(), json!(7));
        }
        case.auth = auth;
        run(
            &PositiveDataAcceptance,
            &exchange(case, Ok(response(status, &[], ""))),
        )
    }

    #[test]
    fn a_documented_rate_limit_answer_is_not_judged_but_a_rejection_is() {
        // getItem documents 429 and 503.
        assert_eq!(outcome(false, Auth::Configured, 429), Outcome::Skip);
        assert_eq!(outcome(false, Auth::Configured, 503), Outcome::Skip);
        assert!(matches!(
            outcome(false, Auth::Configured, 400),
            Outcome::Fail(_)
        ));
    }

    #[test]
    fn statuses_below_400_pass() {
        assert_eq!(outcome(false, Auth::Configured, 200), Outcome::Pass);
        assert_eq!(outcome(false, Auth::Configured, 302), Outcome::Pass);
    }

    #[test]
    fn a_404_passes_only_when_the_path_names_a_resource() {
        assert_eq!(outcome(true, Auth::Configured, 404), Outcome::Pass);
        let failed = outcome(false, Auth::Configured, 404);
        assert_eq!(
            expected(failed.clone()),
            "a status below 400 (the request is valid)"
        );
        assert_eq!(actual(failed), "status 404");
    }

    #[test]
    fn a_rejected_valid_request_fails() {
        let failed = outcome(true, Auth::Configured, 400);
        assert!(expected(failed.clone()).contains("or 404"));
        assert_eq!(actual(failed), "status 400");
        assert_eq!(actual(outcome(false, Auth::Configured, 500)), "status 500");
    }

    #[test]
    fn other_credentials_other_intents_and_transport_errors_are_skipped() {
        assert_eq!(outcome(false, Auth::Missing, 401), Outcome::Skip);
        assert_eq!(outcome(false, Auth::Forged, 401), Outcome::Skip);
        let ex = exchange(
            case("getItem", Intent::MissingCredentials),
            Ok(response(401, &[], "")),
        );
        assert_eq!(run(&PositiveDataAcceptance, &ex), Outcome::Skip);
        let ex = exchange(case("getItem", Intent::Valid), Err("refused".into()));
        assert_eq!(run(&PositiveDataAcceptance, &ex), Outcome::Skip);
    }
}
