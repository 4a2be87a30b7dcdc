//! C014 `max_response_time`: the answer came within the configured limit (off by default).

use std::time::Duration;

use crate::checks::{Check, CheckContext, Outcome};
use crate::exchange::Exchange;

/// C014: the response arrived, body included, within
/// [`CheckSettings::max_response_time`](crate::checks::CheckSettings::max_response_time). Off
/// unless enabled: latency depends on the network and the machine, not only on the server.
#[derive(Debug, Clone, Copy, Default)]
pub struct MaxResponseTime;

impl Check for MaxResponseTime {
    fn code(&self) -> &'static str {
        "C014"
    }

    fn name(&self) -> &'static str {
        "max_response_time"
    }

    fn assertion(&self) -> &'static str {
        "The response, body included, arrives within the configured time limit."
    }

    fn on_by_default(&self) -> bool {
        false
    }

    fn check(&self, cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let Ok(received) = &exchange.response else {
            return Outcome::Skip;
        };
        let limit = cx.settings.max_response_time;
        if received.elapsed <= limit {
            return Outcome::Pass;
        }
        Outcome::fail(
            format!("an answer within {}", millis(limit)),
            format!("answered in {}", millis(received.elapsed)),
        )
    }
}

/// `12.3 ms`: one decimal, so a miss by less than a millisecond still shows.
fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Intent;
    use crate::checks::CheckSettings;
    use crate::checks::fixture::{actual, case, exchange, expected, response, run_with};

    fn outcome(elapsed_ms: u64, limit_ms: u64) -> Outcome {
        let mut answer = response(200, &[], "");
        answer.elapsed = Duration::from_millis(elapsed_ms);
        let settings = CheckSettings {
            max_response_time: Duration::from_millis(limit_ms),
        };
        run_with(
            &MaxResponseTime,
            &exchange(case("getItem", Intent::Valid), Ok(answer)),
            &settings,
        )
    }

    #[test]
    fn answers_within_the_limit_pass_including_exactly_at_it() {
        assert_eq!(outcome(10, 50), Outcome::Pass);
        assert_eq!(outcome(50, 50), Outcome::Pass);
    }

    #[test]
    fn a_slow_answer_fails_with_both_times() {
        let failed = outcome(51, 50);
        assert_eq!(expected(failed.clone()), "an answer within 50.0 ms");
        assert_eq!(actual(failed), "answered in 51.0 ms");
    }

    #[test]
    fn transport_errors_are_skipped_and_the_check_is_off_by_default() {
        let ex = exchange(case("getItem", Intent::Valid), Err("timed out".into()));
        assert_eq!(
            run_with(&MaxResponseTime, &ex, &CheckSettings::default()),
            Outcome::Skip
        );
        assert!(!MaxResponseTime.on_by_default());
    }
}
