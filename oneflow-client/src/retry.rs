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

/// HTTP statuses worth retrying for an idempotent request: 429, 500, 502, 503 and 504.
///
/// 502/503/504 come from gateways and overload and pass. Oneflow documents 500 only as a
/// generic "internal server error" with no deterministic cause a client could fix, so it is
/// treated as transient too (SuperOffice leaves 500 out: its 500s are deterministic
/// exceptions). 429 is retried only with a `Retry-After` unless
/// [`RetryPolicy::backoff_on_rate_limit`] is on. Recorded as *inferred* in `FIDELITY.md`.
pub const RETRYABLE_STATUSES: &[u16] = &[429, 500, 502, 503, 504];

/// Exponential backoff with jitter, capped by attempts and total elapsed time.
///
/// ```
/// use std::time::Duration;
/// use oneflow_client::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .max_elapsed(Duration::from_secs(120))
///     .initial_backoff(Duration::from_millis(250));
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
    jitter: bool,
    backoff_on_rate_limit: bool,
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff 500 ms doubling up to 8 s, at most 30 s in total, with jitter;
    /// a 429 without `Retry-After` is not retried (Oneflow's window is 5 minutes).
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_elapsed: Duration::from_secs(30),
            jitter: true,
            backoff_on_rate_limit: false,
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts including the first one (minimum 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Delay before the second attempt; doubles for each further attempt.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Upper bound for one delay. A `Retry-After` longer than this is not waited for: the
    /// error is returned instead.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Upper bound for the time from the first attempt to the start of the last one.
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// Randomise each delay within its upper half (on by default).
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// Whether a rate-limit answer without `Retry-After` is retried with the ordinary backoff
    /// (off by default: Oneflow allows 2 000 requests per 5-minute window and sends no
    /// `Retry-After`, so quick retries only burn quota and [`Error::RateLimited`] is returned
    /// at once). A `Retry-After` is always honoured within the caps.
    pub fn backoff_on_rate_limit(mut self, on: bool) -> Self {
        self.backoff_on_rate_limit = on;
        self
    }

    /// The backoff after failed attempt `attempt` (1-based), for a random `jitter` in
    /// `[0, 1)` (ignored when jitter is off).
    ///
    /// Without jitter this is `min(initial · 2^(attempt-1), max)`; with jitter it lies in
    /// the upper half of that value: `d/2 + jitter · d/2`.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let full = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        if self.jitter {
            let half = full / 2;
            // `clamp` keeps NaN, and `mul_f64` panics on it.
            let unit = if jitter.is_nan() {
                0.0
            } else {
                jitter.clamp(0.0, 1.0)
            };
            half + half.mul_f64(unit)
        } else {
            full
        }
    }

    /// Decides about the next step after attempt `attempt` (1-based) of a request failed
    /// with `error`, `elapsed` after the first attempt started. Pure: the caller draws
    /// `jitter` (a random number in `[0, 1)`).
    ///
    /// Retries only idempotent requests, only errors that
    /// [`Error::is_retryable`] accepts, and never waits past `max_backoff` or the time left
    /// in `max_elapsed`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use oneflow_client::{ApiError, Error, RetryDecision, RetryPolicy};
    /// use reqwest::StatusCode;
    ///
    /// let policy = RetryPolicy::default().jitter(false);
    /// let error = Error::Api(Box::new(ApiError::for_test(StatusCode::SERVICE_UNAVAILABLE, "")));
    /// assert_eq!(
    ///     policy.decide(true, &error, 1, Duration::ZERO, 0.0),
    ///     RetryDecision::Retry { after: Duration::from_millis(500) }
    /// );
    /// assert_eq!(policy.decide(false, &error, 1, Duration::ZERO, 0.0), RetryDecision::GiveUp);
    /// ```
    pub fn decide(
        &self,
        idempotent: bool,
        error: &Error,
        attempt: u32,
        elapsed: Duration,
        jitter: f64,
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
        let after = match error.retry_after() {
            Some(after) if after > self.max_backoff => return RetryDecision::GiveUp,
            Some(after) => after,
            None => self.backoff(attempt, jitter),
        };
        if elapsed.saturating_add(after) > self.max_elapsed {
            return RetryDecision::GiveUp;
        }
        RetryDecision::Retry { after }
    }
}

/// Parses a `Retry-After` value (RFC 9110 §10.2.3): delta-seconds, or an HTTP date in any of
/// the three forms recipients must accept (§5.6.7): IMF-fixdate
/// (`Thu, 01 Jan 2026 12:00:30 GMT`), RFC 850 (`Thursday, 01-Jan-26 12:00:30 GMT`) and
/// asctime (`Thu Jan  1 12:00:30 2026`).
///
/// Pure: `now` is given. A date in the past gives [`Duration::ZERO`]; anything unreadable
/// (negative or fractional seconds, a number too large for `u64`, text) gives `None`. The
/// day name of a date is not checked against the date (it is redundant).
///
/// ```
/// use std::time::Duration;
/// use oneflow_client::parse_retry_after;
///
/// let now = chrono::Utc::now();
/// assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    // Every date form starts with a day name; drop it (`Thu, `, `Thursday, `, `Thu `).
    let rest = match value.split_once(',') {
        Some((_, rest)) => rest.trim(),
        None => value.split_once(' ').map(|(_, rest)| rest.trim_start())?,
    };
    let when = chrono::DateTime::parse_from_rfc2822(rest)
        .map(|d| d.with_timezone(&chrono::Utc))
        .ok()
        .or_else(|| {
            ["%d-%b-%y %H:%M:%S GMT", "%b %e %H:%M:%S %Y"]
                .iter()
                .find_map(|f| chrono::NaiveDateTime::parse_from_str(rest, f).ok())
                .map(|d| d.and_utc())
        })?;
    Some((when - now).to_std().unwrap_or(Duration::ZERO))
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
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_secs(1))
    }

    #[test]
    fn retries_idempotent_on_retryable_statuses() {
        let p = policy();
        for status in [500, 502, 503, 504] {
            assert_eq!(
                p.decide(true, &api(status), 1, Duration::ZERO, 0.0),
                RetryDecision::Retry {
                    after: Duration::from_millis(100)
                },
                "status {status}"
            );
        }
        for status in [400, 401, 403, 404, 409, 501] {
            assert_eq!(
                p.decide(true, &api(status), 1, Duration::ZERO, 0.0),
                RetryDecision::GiveUp,
                "status {status}"
            );
        }
    }

    #[test]
    fn never_retries_non_idempotent() {
        let p = policy();
        assert_eq!(
            p.decide(false, &api(503), 1, Duration::ZERO, 0.0),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.decide(false, &rate_limited(None), 1, Duration::ZERO, 0.0),
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
            p.decide(true, &api(503), 2, Duration::ZERO, 0.0),
            RetryDecision::Retry { .. }
        ));
        assert_eq!(
            p.decide(true, &api(503), 3, Duration::ZERO, 0.0),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.decide(true, &api(503), 1, Duration::from_millis(4950), 0.0),
            RetryDecision::GiveUp
        );
        assert_eq!(
            RetryPolicy::never().decide(true, &api(503), 1, Duration::ZERO, 0.0),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn retry_after_is_honoured() {
        let p = policy().max_backoff(Duration::from_secs(10));
        assert_eq!(
            p.decide(
                true,
                &rate_limited(Some(Duration::from_secs(3))),
                1,
                Duration::ZERO,
                0.0
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
                Duration::ZERO,
                0.0
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
            p.decide(true, &rate_limited(None), 1, Duration::ZERO, 0.0),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.clone().backoff_on_rate_limit(true).decide(
                true,
                &rate_limited(None),
                1,
                Duration::ZERO,
                0.0
            ),
            RetryDecision::Retry {
                after: Duration::from_millis(100)
            }
        );
        assert_eq!(
            p.decide(true, &api(503), 1, Duration::ZERO, 0.0),
            RetryDecision::Retry {
                after: Duration::from_millis(100)
            }
        );
    }

    /// The `Retry-After` case table shared with `superoffice-client`. `now` is
    /// 2026-01-01T12:00:00Z (a Thursday; the spec table's "Wed" shows the day name is not
    /// checked).
    #[test]
    fn retry_after_case_table() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
            .unwrap()
            .to_utc();
        let secs = |s| Some(Duration::from_secs(s));
        let cases: &[(&str, Option<Duration>)] = &[
            ("0", secs(0)),
            ("120", secs(120)),
            (" 7 ", secs(7)),
            ("-1", None),
            ("1.5", None),
            ("Wed, 01 Jan 2026 12:00:30 GMT", secs(30)),
            ("Thu, 01 Jan 2026 12:00:30 GMT", secs(30)),
            ("Wednesday, 01-Jan-26 12:00:30 GMT", secs(30)),
            ("Wed Jan  1 12:00:30 2026", secs(30)),
            ("Thu Jan  1 12:00:45 2026", secs(45)),
            ("Thu, 01 Jan 2026 11:00:00 GMT", secs(0)),
            ("soon", None),
            ("", None),
            // Too large for u64: unreadable, not capped.
            ("99999999999999999999", None),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_retry_after(value, now), *expected, "{value:?}");
        }
    }

    #[test]
    fn retryable_statuses_match_is_retryable() {
        for status in 400..600u16 {
            let expected = RETRYABLE_STATUSES.contains(&status);
            let error = if status == 429 {
                rate_limited(None)
            } else {
                api(status)
            };
            assert_eq!(error.is_retryable(), expected, "status {status}");
        }
    }

    #[test]
    fn defaults_are_the_family_defaults() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts, 4);
        assert_eq!(p.initial_backoff, Duration::from_millis(500));
        assert_eq!(p.max_backoff, Duration::from_secs(8));
        assert_eq!(p.max_elapsed, Duration::from_secs(30));
        assert!(p.jitter && !p.backoff_on_rate_limit);
    }

    #[test]
    fn retry_after_longer_than_max_backoff_gives_up() {
        let p = policy().max_elapsed(Duration::from_secs(600));
        assert_eq!(
            p.decide(
                true,
                &rate_limited(Some(Duration::from_secs(2))),
                1,
                Duration::ZERO,
                0.0
            ),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.decide(
                true,
                &rate_limited(Some(Duration::from_millis(900))),
                1,
                Duration::ZERO,
                0.0
            ),
            RetryDecision::Retry {
                after: Duration::from_millis(900)
            }
        );
    }
}
