//! When to repeat a failed request: a pure, synchronous policy.
//!
//! [`RetryPolicy::decide`] looks only at whether the request is idempotent, the error
//! ([`Error::is_retryable`] and [`Error::retry_after`]), the attempt number and the time spent
//! so far. Requests that create something (contract create, publish, upload, webhook create,
//! adding parties or participants) are marked non-idempotent and are never repeated.
//!
//! Rate limits are special for Oneflow: it allows 2 000 requests per token in a 5-minute
//! window and documents no `Retry-After`. Retrying within seconds only burns quota, so a
//! 429 **without** `Retry-After` is returned at once as [`Error::RateLimited`] (deferring the
//! work is the caller's job, e.g. a job queue); with a `Retry-After` the wait is honoured
//! within the time cap. [`RetryPolicy::backoff_on_rate_limit`] restores backoff retries.

use std::time::Duration;

use crate::error::Error;

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Wait this long, then try again.
    Retry {
        /// The delay before the next attempt.
        after: Duration,
    },
    /// Return the error to the caller.
    GiveUp,
}

/// Exponential backoff with jitter, capped by attempts and total elapsed time.
///
/// ```
/// use std::time::Duration;
/// use oneflow_client::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .max_elapsed(Duration::from_secs(120))
///     .base_backoff(Duration::from_millis(250));
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    max_elapsed: Duration,
    base_backoff: Duration,
    max_backoff: Duration,
    jitter: bool,
    backoff_on_rate_limit: bool,
}

impl Default for RetryPolicy {
    /// 4 attempts, at most 60 s in total, backoff 500 ms doubling up to 30 s, with jitter;
    /// a 429 without `Retry-After` is not retried.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_elapsed: Duration::from_secs(60),
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            jitter: true,
            backoff_on_rate_limit: false,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts including the first one (minimum 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Upper bound for the time from the first attempt to the start of the last one.
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// Delay before the second attempt; doubles for each further attempt.
    pub fn base_backoff(mut self, d: Duration) -> Self {
        self.base_backoff = d;
        self
    }

    /// Upper bound for one backoff delay.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Randomise each delay within its upper half (on by default).
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// Whether a rate-limit answer without `Retry-After` is retried with the ordinary backoff
    /// (off by default: Oneflow's window is 5 minutes, so quick retries only burn quota and
    /// [`Error::RateLimited`] is returned at once). A `Retry-After` is always honoured
    /// within [`max_elapsed`](Self::max_elapsed).
    pub fn backoff_on_rate_limit(mut self, on: bool) -> Self {
        self.backoff_on_rate_limit = on;
        self
    }

    /// The configured maximum number of attempts.
    pub fn attempts_limit(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff after failed attempt `attempt` (1-based), for a random `unit` in `[0, 1)`.
    ///
    /// Without jitter this is `min(base · 2^(attempt-1), max)`; with jitter it lies in the
    /// upper half of that value: `d/2 + unit · d/2`.
    pub fn backoff(&self, attempt: u32, unit: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let full = self
            .base_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        if self.jitter {
            let half = full / 2;
            // `clamp` keeps NaN, and `mul_f64` panics on it.
            let unit = if unit.is_nan() {
                0.0
            } else {
                unit.clamp(0.0, 1.0)
            };
            half + half.mul_f64(unit)
        } else {
            full
        }
    }

    /// Decides about the next step after attempt `attempt` (1-based) failed with `error`,
    /// `elapsed` after the first attempt started.
    pub fn decide(
        &self,
        idempotent: bool,
        error: &Error,
        attempt: u32,
        elapsed: Duration,
    ) -> RetryDecision {
        let unit = if self.jitter {
            rand::random::<f64>()
        } else {
            0.0
        };
        self.decide_with_unit(idempotent, error, attempt, elapsed, unit)
    }

    /// [`decide`](Self::decide) with the jitter's random number given, for tests.
    pub fn decide_with_unit(
        &self,
        idempotent: bool,
        error: &Error,
        attempt: u32,
        elapsed: Duration,
        unit: f64,
    ) -> RetryDecision {
        if !idempotent || !error.is_retryable() || attempt >= self.max_attempts {
            return RetryDecision::GiveUp;
        }
        if matches!(
            error,
            Error::RateLimited {
                retry_after: None,
                ..
            }
        ) && !self.backoff_on_rate_limit
        {
            return RetryDecision::GiveUp;
        }
        let after = error
            .retry_after()
            .unwrap_or_else(|| self.backoff(attempt, unit));
        if elapsed.saturating_add(after) > self.max_elapsed {
            return RetryDecision::GiveUp;
        }
        RetryDecision::Retry { after }
    }
}

/// Parses a `Retry-After` value: delay in seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // An HTTP-date: IMF-fixdate (RFC 2822 style), or the obsolete RFC 850 and asctime forms
    // that recipients must still accept (RFC 9110, 5.6.7).
    let when = chrono::DateTime::parse_from_rfc2822(value)
        .map(|d| d.with_timezone(&chrono::Utc))
        .ok()
        .or_else(|| {
            ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
                .iter()
                .find_map(|f| chrono::NaiveDateTime::parse_from_str(value, f).ok())
                .map(|d| d.and_utc())
        })?;
    let delta = when - now;
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;
    use reqwest::StatusCode;

    fn api(status: u16) -> Error {
        Error::Api(Box::new(ApiError::for_test(
            StatusCode::from_u16(status).unwrap(),
            "",
        )))
    }

    fn rate_limited(after: Option<Duration>) -> Error {
        Error::RateLimited {
            retry_after: after,
            problem: Box::new(ApiError::from_parts(
                StatusCode::TOO_MANY_REQUESTS,
                b"",
                after,
                "test",
            )),
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
            .jitter(false)
            .base_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_secs(1))
    }

    #[test]
    fn retries_idempotent_on_retryable_statuses() {
        let p = policy();
        for status in [500, 502, 503, 504] {
            assert_eq!(
                p.decide(true, &api(status), 1, Duration::ZERO),
                RetryDecision::Retry {
                    after: Duration::from_millis(100)
                },
                "status {status}"
            );
        }
        for status in [400, 401, 403, 404, 409, 501] {
            assert_eq!(
                p.decide(true, &api(status), 1, Duration::ZERO),
                RetryDecision::GiveUp,
                "status {status}"
            );
        }
    }

    #[test]
    fn never_retries_non_idempotent() {
        let p = policy();
        assert_eq!(
            p.decide(false, &api(503), 1, Duration::ZERO),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.decide(false, &rate_limited(None), 1, Duration::ZERO),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn exponential_backoff_is_capped() {
        let p = policy();
        let delays: Vec<_> = (1..=6).map(|a| p.backoff(a, 0.0)).collect();
        assert_eq!(
            delays,
            [100, 200, 400, 800, 1000, 1000]
                .map(Duration::from_millis)
                .to_vec()
        );
    }

    #[test]
    fn jitter_stays_in_upper_half() {
        let p = policy().jitter(true);
        assert_eq!(p.backoff(3, 0.0), Duration::from_millis(200));
        assert_eq!(p.backoff(3, 1.0), Duration::from_millis(400));
        let d = p.backoff(3, 0.5);
        assert!(d > Duration::from_millis(200) && d < Duration::from_millis(400));
    }

    #[test]
    fn attempt_and_time_caps() {
        let p = policy().max_attempts(3).max_elapsed(Duration::from_secs(5));
        assert!(matches!(
            p.decide(true, &api(503), 2, Duration::ZERO),
            RetryDecision::Retry { .. }
        ));
        assert_eq!(
            p.decide(true, &api(503), 3, Duration::ZERO),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.decide(true, &api(503), 1, Duration::from_millis(4950)),
            RetryDecision::GiveUp
        );
        assert_eq!(
            RetryPolicy::none().decide(true, &api(503), 1, Duration::ZERO),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn retry_after_is_honoured() {
        let p = policy();
        assert_eq!(
            p.decide(
                true,
                &rate_limited(Some(Duration::from_secs(3))),
                1,
                Duration::ZERO
            ),
            RetryDecision::Retry {
                after: Duration::from_secs(3)
            }
        );
        assert_eq!(
            p.decide(
                true,
                &rate_limited(Some(Duration::from_secs(120))),
                1,
                Duration::ZERO
            ),
            RetryDecision::GiveUp
        );
    }

    /// Oneflow documents no `Retry-After` and a 5-minute window: a bare 429 is surfaced at
    /// once unless the caller opts into backoff.
    #[test]
    fn rate_limit_without_retry_after_is_not_retried_by_default() {
        let p = policy();
        assert_eq!(
            p.decide(true, &rate_limited(None), 1, Duration::ZERO),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.clone().backoff_on_rate_limit(true).decide(
                true,
                &rate_limited(None),
                1,
                Duration::ZERO
            ),
            RetryDecision::Retry {
                after: Duration::from_millis(100)
            }
        );
        assert_eq!(
            p.decide(true, &api(503), 1, Duration::ZERO),
            RetryDecision::Retry {
                after: Duration::from_millis(100)
            }
        );
    }

    #[test]
    fn retry_after_formats() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn retry_after_obsolete_http_date_formats() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            parse_retry_after("Thursday, 01-Jan-26 12:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Thu Jan  1 12:00:45 2026", now),
            Some(Duration::from_secs(45))
        );
    }
}
