//! C009 `unsupported_method`: an undeclared method gets 405 with an `Allow` header that lists the
//! declared methods.

use std::collections::BTreeSet;

use crate::case::Intent;
use crate::checks::{Check, CheckContext, Outcome};
use crate::exchange::Exchange;

/// Methods a server may list in `Allow` without the spec declaring them: HTTP servers commonly
/// answer `HEAD` for every `GET` and `OPTIONS` everywhere.
const TOLERATED: [&str; 2] = ["HEAD", "OPTIONS"];

/// C009: for a path sent with a method it does not declare ([`Intent::UndeclaredMethod`]), the
/// status is 405 and `Allow` lists exactly the declared methods (as a case-insensitive set;
/// extra `HEAD` and `OPTIONS` are fine).
#[derive(Debug, Clone, Copy, Default)]
pub struct UnsupportedMethod;

impl Check for UnsupportedMethod {
    fn code(&self) -> &'static str {
        "C009"
    }

    fn name(&self) -> &'static str {
        "unsupported_method"
    }

    fn assertion(&self) -> &'static str {
        "A method the path does not declare gets 405 with an Allow header listing the declared methods."
    }

    fn judges_decision(&self) -> bool {
        true
    }

    fn check(&self, _cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let Intent::UndeclaredMethod { allowed } = &exchange.case.intent else {
            return Outcome::Skip;
        };
        let Ok(received) = &exchange.response else {
            return Outcome::Skip;
        };
        let declared: BTreeSet<String> = allowed.iter().map(|m| m.to_ascii_uppercase()).collect();
        let declared_text = declared.iter().cloned().collect::<Vec<_>>().join(", ");
        if received.status != 405 {
            return Outcome::fail(
                format!(
                    "status 405 ({} is not declared; declared: {declared_text})",
                    exchange.case.method
                ),
                format!("status {}", received.status),
            );
        }
        let expected = || format!("status 405 with Allow: {declared_text}");
        if received.header("allow").is_none() {
            return Outcome::fail(expected(), "status 405 without Allow");
        }
        let listed: BTreeSet<String> = received
            .header_values("allow")
            .flat_map(|v| v.split(','))
            .map(|m| m.trim().to_ascii_uppercase())
            .filter(|m| !m.is_empty())
            .collect();
        let missing = declared.iter().any(|m| !listed.contains(m));
        let extra = listed
            .iter()
            .any(|m| !declared.contains(m) && !TOLERATED.contains(&m.as_str()));
        if missing || extra {
            let listed = listed.into_iter().collect::<Vec<_>>().join(", ");
            return Outcome::fail(expected(), format!("status 405 with Allow: {listed}"));
        }
        Outcome::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixture::{actual, case, exchange, expected, response, run};

    fn outcome(status: u16, allow: &[&str]) -> Outcome {
        let mut case = case(
            "getItem",
            Intent::UndeclaredMethod {
                allowed: vec!["GET".into(), "DELETE".into()],
            },
        );
        case.method = "PATCH".into();
        let headers: Vec<(&str, &str)> = allow.iter().map(|v| ("Allow", *v)).collect();
        run(
            &UnsupportedMethod,
            &exchange(case, Ok(response(status, &headers, ""))),
        )
    }

    #[test]
    fn a_405_listing_the_declared_methods_passes_in_any_case_order_or_split() {
        assert_eq!(outcome(405, &["GET, DELETE"]), Outcome::Pass);
        assert_eq!(outcome(405, &["delete,get"]), Outcome::Pass);
        assert_eq!(outcome(405, &["GET", "DELETE"]), Outcome::Pass);
        assert_eq!(outcome(405, &["GET, DELETE, HEAD, OPTIONS"]), Outcome::Pass);
    }

    #[test]
    fn another_status_fails() {
        let failed = outcome(404, &[]);
        assert_eq!(
            expected(failed.clone()),
            "status 405 (PATCH is not declared; declared: DELETE, GET)"
        );
        assert_eq!(actual(failed), "status 404");
    }

    #[test]
    fn a_missing_or_wrong_allow_fails() {
        let failed = outcome(405, &[]);
        assert_eq!(
            expected(failed.clone()),
            "status 405 with Allow: DELETE, GET"
        );
        assert_eq!(actual(failed), "status 405 without Allow");
        assert_eq!(actual(outcome(405, &["GET"])), "status 405 with Allow: GET");
        assert_eq!(
            actual(outcome(405, &["GET, DELETE, PUT"])),
            "status 405 with Allow: DELETE, GET, PUT"
        );
    }

    #[test]
    fn other_intents_and_transport_errors_are_skipped() {
        let ex = exchange(case("getItem", Intent::Valid), Ok(response(405, &[], "")));
        assert_eq!(run(&UnsupportedMethod, &ex), Outcome::Skip);
        let intent = Intent::UndeclaredMethod {
            allowed: vec!["GET".into()],
        };
        let ex = exchange(case("getItem", intent), Err("refused".into()));
        assert_eq!(run(&UnsupportedMethod, &ex), Outcome::Skip);
    }
}
