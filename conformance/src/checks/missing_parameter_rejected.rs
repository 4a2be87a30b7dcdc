//! C018 `missing_parameter_rejected`: a request without a required parameter or body is refused.

use crate::case::Intent;
use crate::checks::{Check, CheckContext, Outcome, judge_status};
use crate::exchange::Exchange;
use gamespec_spec::spec::ParamLocation;

/// C018: a negative case that leaves out a parameter (query, header, cookie) or body the
/// operation requires answers 4xx. Which parts are missing is read from the case against the
/// operation, not from the case's reason.
#[derive(Debug, Clone, Copy, Default)]
pub struct MissingParameterRejected;

impl Check for MissingParameterRejected {
    fn code(&self) -> &'static str {
        "C018"
    }

    fn name(&self) -> &'static str {
        "missing_parameter_rejected"
    }

    fn assertion(&self) -> &'static str {
        "A request that lacks a required parameter or body answers 4xx."
    }

    fn judges_decision(&self) -> bool {
        true
    }

    fn check(&self, cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        if !matches!(exchange.case.intent, Intent::Invalid { .. }) {
            return Outcome::Skip;
        }
        let case = &exchange.case;
        let missing = cx.operation.parameters.iter().find(|p| {
            p.required
                && match p.location {
                    ParamLocation::Query => !case.query.contains_key(&p.name),
                    ParamLocation::Header => {
                        !case.headers.keys().any(|k| k.eq_ignore_ascii_case(&p.name))
                    }
                    ParamLocation::Cookie => !case.cookies.contains_key(&p.name),
                    // A path without a segment is another route.
                    ParamLocation::Path => false,
                }
        });
        let what = match missing {
            Some(p) => format!("{} parameter `{}`", p.location.as_str(), p.name),
            None if cx.operation.body.as_ref().is_some_and(|(r, _)| *r) && case.body.is_none() => {
                "body".to_owned()
            }
            None => return Outcome::Skip,
        };
        judge_status(
            exchange,
            true,
            |s| (400..500).contains(&s),
            || format!("a 4xx status (the required {what} is missing)"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixture::{case, exchange, response, run};

    fn invalid() -> Intent {
        Intent::Invalid {
            location: "body".into(),
            reason: "whatever".into(),
        }
    }

    #[test]
    fn a_case_with_nothing_missing_is_skipped() {
        // The fixture's operations require no query, header or cookie parameter and no body.
        let ex = exchange(case("getItem", invalid()), Ok(response(200, &[], "{}")));
        assert_eq!(run(&MissingParameterRejected, &ex), Outcome::Skip);
        let valid = exchange(case("getItem", Intent::Valid), Ok(response(200, &[], "{}")));
        assert_eq!(run(&MissingParameterRejected, &valid), Outcome::Skip);
    }
}
