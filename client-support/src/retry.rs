//! When and how long to wait before sending a request again: the [`RetryPolicy`] a client is
//! built with, `Retry-After` in both of its forms, and exponential backoff with jitter.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How a client retries a request that is safe to repeat (an idempotent method, or an operation
/// the spec marks `x-idempotent: true`) after a rate limit (429), a gateway or availability
/// failure (502, 503, 504) or a connection failure or timeout.
///
/// The wait is the answer's `Retry-After` (seconds or an HTTP date) when it has one, otherwise
/// an exponential backoff (`base_delay` × 2ⁿ, capped at `max_delay`) with full jitter. A retry
/// whose wait would take the total past `max_total_wait` is not made: the last answer goes to
/// the caller instead. The default makes at most 3 attempts and waits at most 30 s in total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    max_total_wait: Duration,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            max_total_wait: Duration::from_secs(30),
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// Never retry: one attempt per call.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// At most `attempts` attempts per call, the first included (0 counts as 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// At most `wait` of waiting between the attempts of one call, all waits together.
    #[must_use]
    pub fn max_total_wait(mut self, wait: Duration) -> Self {
        self.max_total_wait = wait;
        self
    }

    /// The first backoff step when the answer has no `Retry-After`.
    #[must_use]
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest single backoff step when the answer has no `Retry-After`.
    #[must_use]
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The most attempts one call makes.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// How long to wait before attempt `attempt + 1` after `attempt` attempts (1-based) that
    /// waited `waited` so far, given the last answer's headers; `None` when no retry is left.
    pub(crate) fn next_wait(
        &self,
        attempt: u32,
        waited: Duration,
        headers: Option<&HeaderMap>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let wait = match headers.and_then(|h| retry_after(h, SystemTime::now())) {
            Some(asked) => asked,
            None => self.backoff(attempt),
        };
        (waited + wait <= self.max_total_wait).then_some(wait)
    }

    /// Full-jitter exponential backoff: a random wait up to `base_delay × 2^(attempt-1)`,
    /// capped at `max_delay`, so clients that failed together do not retry together.
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        let ceiling = self.base_delay.saturating_mul(factor).min(self.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// Whether an answer with `status` is worth repeating a safe request for.
pub(crate) fn retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Whether a transport error is worth repeating a safe request for (the request may not have
/// reached the server, or the server did not answer in time).
pub(crate) fn retryable_error(error: &reqwest::Error) -> bool {
    error.is_connect() || error.is_timeout()
}

/// The wait a `Retry-After` header asks for, in delay-seconds or as an HTTP date (a date in the
/// past asks for no wait); `None` when the header is absent or unreadable.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000);
        assert_eq!(
            retry_after(&headers("7"), now),
            Some(Duration::from_secs(7))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(42));
        assert_eq!(
            retry_after(&headers(&later), now),
            Some(Duration::from_secs(42))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(retry_after(&headers(&earlier), now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn attempts_and_total_wait_are_bounded() {
        let policy = RetryPolicy::default()
            .max_attempts(3)
            .max_total_wait(Duration::from_secs(5));
        let asks_two = headers("2");
        assert_eq!(
            policy.next_wait(1, Duration::ZERO, Some(&asks_two)),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            policy.next_wait(2, Duration::from_secs(4), Some(&asks_two)),
            None,
            "would wait 6 s in total"
        );
        assert_eq!(policy.next_wait(3, Duration::ZERO, None), None);
        assert_eq!(RetryPolicy::none().next_wait(1, Duration::ZERO, None), None);
    }

    #[test]
    fn backoff_grows_and_stays_under_its_cap() {
        let policy = RetryPolicy::default()
            .max_attempts(20)
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(1000));
        for attempt in 1..20 {
            let ceiling = Duration::from_millis(100 * (1u64 << (attempt - 1).min(16)))
                .min(Duration::from_millis(1000));
            let wait = policy.backoff(attempt);
            assert!(wait <= ceiling, "attempt {attempt}: {wait:?} > {ceiling:?}");
        }
    }
}
