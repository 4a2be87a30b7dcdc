//! How fast a run may go: a request budget, a time budget, a requests-per-second limit, and the
//! server's own `Retry-After`, which pauses every worker.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// Shared by every worker of a run.
pub struct Pace {
    limiter: Option<DefaultDirectRateLimiter>,
    paused_until: Mutex<Option<Instant>>,
    max_requests: Option<u64>,
    deadline: Option<Instant>,
    /// The time budget itself, for saying which budget was spent.
    time_budget: Duration,
    sent: AtomicU64,
    max_retry_after: Duration,
}

impl std::fmt::Debug for Pace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pace")
            .field("sent", &self.sent.load(Ordering::Relaxed))
            .field("max_requests", &self.max_requests)
            .finish_non_exhaustive()
    }
}

/// Why no more requests may be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exhausted {
    /// The request budget is spent.
    Requests(u64),
    /// The time budget is spent.
    Time(Duration),
}

impl std::fmt::Display for Exhausted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exhausted::Requests(n) => write!(f, "request budget of {n} spent"),
            Exhausted::Time(d) => write!(f, "time budget of {}s spent", d.as_secs_f64()),
        }
    }
}

impl Pace {
    /// Limits for one run, starting now.
    pub fn new(
        rate_limit: Option<u32>,
        max_requests: Option<u64>,
        time_budget: Option<Duration>,
        max_retry_after: Duration,
    ) -> Pace {
        Pace {
            // No burst: a quota of N per second would otherwise let N requests go at once
            // and N more within the first second, twice the limit the server asked for.
            limiter: rate_limit
                .and_then(NonZeroU32::new)
                .map(|r| RateLimiter::direct(Quota::per_second(r).allow_burst(NonZeroU32::MIN))),
            paused_until: Mutex::new(None),
            max_requests,
            deadline: time_budget.map(|d| Instant::now() + d),
            time_budget: time_budget.unwrap_or_default(),
            sent: AtomicU64::new(0),
            max_retry_after,
        }
    }

    /// Requests let through so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Whether a budget is spent (without taking a request).
    pub fn exhausted(&self) -> Option<Exhausted> {
        if let (Some(max), sent) = (self.max_requests, self.sent())
            && sent >= max
        {
            return Some(Exhausted::Requests(max));
        }
        if let Some(deadline) = self.deadline
            && Instant::now() >= deadline
        {
            return Some(Exhausted::Time(self.time_budget));
        }
        None
    }

    /// When the time budget ends, if there is one.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The error of a spent time budget.
    pub fn time_spent(&self) -> Exhausted {
        Exhausted::Time(self.time_budget)
    }

    /// Wait until one more request may go, or say why none may. Neither a pause nor the rate
    /// limit waits past the time budget: the run ends on time whatever the server asks.
    pub async fn admit(&self) -> Result<(), Exhausted> {
        loop {
            let until = *self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
            match until {
                Some(t) if t > Instant::now() => {
                    if let Some(deadline) = self.deadline
                        && deadline <= t
                    {
                        tokio::time::sleep_until(deadline.into()).await;
                        return Err(self.time_spent());
                    }
                    tokio::time::sleep_until(t.into()).await
                }
                _ => break,
            }
        }
        if let Some(limiter) = &self.limiter {
            match self.deadline {
                Some(deadline) => {
                    if tokio::time::timeout_at(deadline.into(), limiter.until_ready())
                        .await
                        .is_err()
                    {
                        return Err(self.time_spent());
                    }
                }
                None => limiter.until_ready().await,
            }
        }
        if let Some(max) = self.max_requests {
            let taken = self.sent.fetch_add(1, Ordering::Relaxed);
            if taken >= max {
                self.sent.fetch_sub(1, Ordering::Relaxed);
                return Err(Exhausted::Requests(max));
            }
        } else {
            self.sent.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(deadline) = self.deadline
            && Instant::now() >= deadline
        {
            return Err(self.time_spent());
        }
        Ok(())
    }

    /// Pause every worker for `retry_after`, at most the longest pause allowed
    /// (`--max-retry-pause`); returns the pause taken.
    pub fn pause(&self, retry_after: Duration) -> Duration {
        let pause = retry_after.min(self.max_retry_after);
        let until = Instant::now() + pause;
        let mut paused = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        if paused.is_none_or(|p| p < until) {
            *paused = Some(until);
        }
        pause
    }
}

/// The pause a `Retry-After` value asks for: delay-seconds or an HTTP date.
pub fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let now = chrono::Utc::now();
    Some(
        (when.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon"), None);
    }

    #[tokio::test]
    async fn the_request_budget_stops_admission() {
        let pace = Pace::new(None, Some(2), None, Duration::from_secs(1));
        assert!(pace.admit().await.is_ok());
        assert!(pace.admit().await.is_ok());
        assert_eq!(pace.admit().await, Err(Exhausted::Requests(2)));
        assert!(pace.exhausted().is_some());
    }

    #[tokio::test]
    async fn a_pause_never_outlasts_the_time_budget() {
        let pace = Pace::new(
            None,
            None,
            Some(Duration::from_millis(100)),
            Duration::from_secs(60),
        );
        assert_eq!(
            pace.pause(Duration::from_secs(3600)),
            Duration::from_secs(60)
        );
        let started = Instant::now();
        assert_eq!(pace.admit().await, Err(pace.time_spent()));
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(90), "{waited:?}");
        assert!(waited < Duration::from_secs(2), "{waited:?}");
    }

    #[tokio::test]
    async fn a_pause_holds_requests_back() {
        let pace = Pace::new(None, None, None, Duration::from_millis(80));
        pace.pause(Duration::from_secs(30));
        let started = Instant::now();
        pace.admit().await.unwrap();
        let waited = started.elapsed();
        // Capped at max_retry_after, and honoured.
        assert!(waited >= Duration::from_millis(70), "{waited:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
    }
}
