//! When to send a failed request again: a pure policy, separate from the HTTP loop.
//!
//! [`RetryPolicy::decide`] looks only at whether the request is idempotent
//! ([`ApiRequest::is_idempotent`](crate::ApiRequest::is_idempotent): `GET`, `HEAD`, `PUT`,
//! `DELETE`, `OPTIONS` by default, `POST` and `PATCH` only when marked), the error
//! ([`Error::is_retryable`] and [`Error::retry_after`]), the attempt number and the time spent
//! so far. A server `Retry-After` wins over the computed backoff; attempts, single waits and
//! the total elapsed time are capped.
//!
//! SuperOffice asks for at most 10 requests per second and may answer 429 without
//! `Retry-After`; a short backoff then usually succeeds, so
//! [`RetryPolicy::backoff_on_rate_limit`] is on by default (Oneflow's client, whose window
//! is five minutes, has it off).

use std::time::Duration;

use crate::error::Error;

/// What the retry loop should do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Wait this long, then send the request again.
    Retry {
        /// The delay before the next attempt.
        after: Duration,
    },
    /// Return the error to the caller.
    GiveUp,
}

/// Statuses worth retrying; defined next to [`Error::is_retryable`], which uses it.
pub use crate::error::RETRYABLE_STATUSES;

/// Exponential backoff with jitter, limited by attempts and elapsed time.
///
/// ```
/// use std::time::Duration;
/// use superoffice_client::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(200))
///     .max_elapsed(Duration::from_secs(20))
///     .jitter(false);
/// assert_eq!(policy.backoff(1, 0.7), Duration::from_millis(200));
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
    /// 4 attempts in total, 500 ms initial backoff doubling up to 8 s, at most 30 s in all,
    /// with jitter; a 429 without `Retry-After` is retried with the backoff.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_elapsed: Duration::from_secs(30),
            jitter: true,
            backoff_on_rate_limit: true,
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Total number of attempts, the first included (minimum 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Backoff before the second attempt; doubles for each further attempt.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Upper bound of one wait. A server `Retry-After` longer than this is not waited for:
    /// the error is returned instead.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// No retry is started when the time spent so far plus the next wait would exceed this.
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// Randomise each computed wait within its upper half (on by default).
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// Whether a 429 without `Retry-After` is retried with the ordinary backoff (on by
    /// default: SuperOffice's guidance is 10 requests per second, so a short wait usually
    /// clears it). Off returns [`Error::RateLimited`] at once. A `Retry-After` is always
    /// honoured within the caps.
    pub fn backoff_on_rate_limit(mut self, on: bool) -> Self {
        self.backoff_on_rate_limit = on;
        self
    }

    /// The computed backoff after failed attempt number `attempt` (1-based), for a random
    /// `jitter` in `[0, 1)` (ignored when jitter is off).
    ///
    /// Without jitter this is `min(initial · 2^(attempt-1), max_backoff)`; with jitter it lies
    /// in the upper half of that value: `d/2 + jitter · d/2`.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let full = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
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

    /// Decide after failed attempt number `attempt` (1-based) of a request, `elapsed` after
    /// the first send. Pure: the caller draws `jitter` (a random number in `[0, 1)`).
    ///
    /// Retries only idempotent requests and only errors [`Error::is_retryable`] accepts, and
    /// never waits past `max_backoff` or the time left in `max_elapsed`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use http::StatusCode;
    /// use superoffice_client::{ApiError, Error, RetryDecision, RetryPolicy};
    ///
    /// let policy = RetryPolicy::default().jitter(false);
    /// let error = Error::Api(ApiError::for_test(StatusCode::SERVICE_UNAVAILABLE, ""));
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
        let rate_limited = error.status().is_some_and(|s| s.as_u16() == 429);
        if rate_limited && error.retry_after().is_none() && !self.backoff_on_rate_limit {
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
/// use superoffice_client::parse_retry_after;
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
    use http::StatusCode;

    fn api(status: u16, retry_after: Option<u64>) -> Error {
        Error::from_response(ApiError::from_parts(
            StatusCode::from_u16(status).unwrap(),
            "v1/Sale/{id}",
            retry_after.map(Duration::from_secs),
            b"",
        ))
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
            .jitter(false)
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_secs(1))
    }

    #[test]
    fn retries_idempotent_requests_on_transient_statuses() {
        let p = policy();
        for status in [429, 502, 503, 504] {
            assert_eq!(
                p.decide(true, &api(status, None), 1, Duration::ZERO, 0.0),
                RetryDecision::Retry {
                    after: Duration::from_millis(100)
                },
                "{status}"
            );
        }
    }

    #[test]
    fn never_retries_requests_that_are_not_idempotent() {
        let p = policy();
        assert_eq!(
            p.decide(false, &api(503, Some(1)), 1, Duration::ZERO, 0.0),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.decide(false, &api(429, None), 1, Duration::ZERO, 0.0),
            RetryDecision::GiveUp
        );
    }

    /// 500 is a NetServer exception (`SoServerException`): deterministic, never retried.
    #[test]
    fn does_not_retry_client_errors_or_server_exceptions() {
        let p = policy();
        for status in [400, 401, 403, 404, 409, 412, 421, 500, 501] {
            assert_eq!(
                p.decide(true, &api(status, None), 1, Duration::ZERO, 0.0),
                RetryDecision::GiveUp,
                "{status}"
            );
        }
    }

    #[test]
    fn honours_retry_after_up_to_max_backoff() {
        let p = policy().max_backoff(Duration::from_secs(10));
        assert_eq!(
            p.decide(true, &api(429, Some(3)), 1, Duration::ZERO, 0.0),
            RetryDecision::Retry {
                after: Duration::from_secs(3)
            }
        );
        // Longer than one wait may be: give up rather than wait past the cap.
        assert_eq!(
            p.decide(true, &api(429, Some(120)), 1, Duration::ZERO, 0.0),
            RetryDecision::GiveUp
        );
    }

    /// SuperOffice's limit is per second: a bare 429 backs off by default; turned off, it is
    /// returned at once.
    #[test]
    fn rate_limit_without_retry_after_backs_off_unless_turned_off() {
        let p = policy();
        assert_eq!(
            p.decide(true, &api(429, None), 1, Duration::ZERO, 0.0),
            RetryDecision::Retry {
                after: Duration::from_millis(100)
            }
        );
        let strict = policy().backoff_on_rate_limit(false);
        assert_eq!(
            strict.decide(true, &api(429, None), 1, Duration::ZERO, 0.0),
            RetryDecision::GiveUp
        );
        assert!(matches!(
            strict.decide(true, &api(429, Some(1)), 1, Duration::ZERO, 0.0),
            RetryDecision::Retry { .. }
        ));
        assert!(matches!(
            strict.decide(true, &api(503, None), 1, Duration::ZERO, 0.0),
            RetryDecision::Retry { .. }
        ));
    }

    #[test]
    fn caps_attempts_and_elapsed_time() {
        let p = policy().max_attempts(3).max_elapsed(Duration::from_secs(5));
        assert!(matches!(
            p.decide(true, &api(503, None), 2, Duration::ZERO, 0.0),
            RetryDecision::Retry { .. }
        ));
        assert_eq!(
            p.decide(true, &api(503, None), 3, Duration::ZERO, 0.0),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.decide(true, &api(503, None), 1, Duration::from_millis(4950), 0.0),
            RetryDecision::GiveUp
        );
        assert_eq!(
            RetryPolicy::never().decide(true, &api(503, None), 1, Duration::ZERO, 0.0),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = policy();
        let delays: Vec<_> = (1..=6).map(|a| p.backoff(a, 0.0)).collect();
        assert_eq!(
            delays,
            [100, 200, 400, 800, 1000, 1000]
                .map(Duration::from_millis)
                .to_vec()
        );
        assert_eq!(p.backoff(60, 0.0), Duration::from_secs(1));
    }

    #[test]
    fn jitter_stays_in_the_upper_half() {
        let p = policy().jitter(true);
        assert_eq!(p.backoff(3, 0.0), Duration::from_millis(200));
        assert_eq!(p.backoff(3, 1.0), Duration::from_millis(400));
        let d = p.backoff(3, 0.5);
        assert!(d > Duration::from_millis(200) && d < Duration::from_millis(400));
        assert_eq!(p.backoff(3, f64::NAN), Duration::from_millis(200));
    }

    /// The `Retry-After` case table shared with `oneflow-client`. `now` is
    /// 2026-01-01T12:00:00Z (a Thursday; the table's "Wed" shows the day name is not
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
            assert_eq!(
                api(status, None).is_retryable(),
                RETRYABLE_STATUSES.contains(&status),
                "status {status}"
            );
        }
    }

    #[test]
    fn defaults_are_the_family_defaults() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts, 4);
        assert_eq!(p.initial_backoff, Duration::from_millis(500));
        assert_eq!(p.max_backoff, Duration::from_secs(8));
        assert_eq!(p.max_elapsed, Duration::from_secs(30));
        assert!(p.jitter && p.backoff_on_rate_limit);
    }
}
