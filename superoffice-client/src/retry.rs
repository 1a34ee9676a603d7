//! When to send a failed request again: a pure policy, separate from the HTTP loop.
//!
//! Only idempotent methods (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`) are retried, and only
//! for failures [`Error::is_retryable`] marks as transient (429, 502, 503, 504, connect and
//! timeout errors). `POST` and `PATCH` are never retried automatically. A server
//! `Retry-After` wins over the computed backoff; attempts and total elapsed time are capped.

use std::time::Duration;

use http::Method;

use crate::error::Error;

/// What the retry loop should do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Wait this long, then send the request again.
    RetryAfter(Duration),
    /// Return the error to the caller.
    GiveUp,
}

/// Exponential backoff with jitter, limited by attempts and elapsed time.
///
/// ```
/// use std::time::Duration;
/// use superoffice_client::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(200))
///     .max_elapsed(Duration::from_secs(20));
/// assert_eq!(policy.backoff(1, 1.0), Duration::from_millis(200));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts in total, 500 ms initial backoff doubling up to 8 s, at most 30 s in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
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
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Upper bound of one computed backoff (not of a server `Retry-After`).
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// No retry is started when the time spent so far plus the next wait would exceed this.
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// True for methods that may be sent twice without changing the outcome.
    pub fn is_idempotent(method: &Method) -> bool {
        matches!(
            *method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        )
    }

    /// The computed backoff after failed attempt number `attempt` (1-based). `jitter` in
    /// `0.0..=1.0` scales the wait between half and all of the exponential value.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let full = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        let factor = 0.5 + 0.5 * jitter.clamp(0.0, 1.0);
        full.mul_f64(factor)
    }

    /// Decide after failed attempt number `attempt` (1-based), `elapsed` after the first send.
    pub fn decide(
        &self,
        method: &Method,
        attempt: u32,
        elapsed: Duration,
        error: &Error,
        jitter: f64,
    ) -> RetryDecision {
        if !Self::is_idempotent(method) || !error.is_retryable() || attempt >= self.max_attempts {
            return RetryDecision::GiveUp;
        }
        let wait = error
            .retry_after()
            .unwrap_or_else(|| self.backoff(attempt, jitter));
        if elapsed.saturating_add(wait) > self.max_elapsed {
            return RetryDecision::GiveUp;
        }
        RetryDecision::RetryAfter(wait)
    }
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

    #[test]
    fn retries_idempotent_methods_on_transient_statuses() {
        let p = RetryPolicy::default();
        for status in [429, 502, 503, 504] {
            for method in [Method::GET, Method::PUT, Method::DELETE] {
                assert!(
                    matches!(
                        p.decide(&method, 1, Duration::ZERO, &api(status, None), 1.0),
                        RetryDecision::RetryAfter(_)
                    ),
                    "{method} {status}"
                );
            }
        }
    }

    #[test]
    fn never_retries_post_or_patch() {
        let p = RetryPolicy::default();
        for method in [Method::POST, Method::PATCH] {
            assert_eq!(
                p.decide(&method, 1, Duration::ZERO, &api(503, Some(1)), 1.0),
                RetryDecision::GiveUp
            );
        }
    }

    #[test]
    fn does_not_retry_client_errors() {
        let p = RetryPolicy::default();
        for status in [400, 401, 403, 404, 409, 412, 421, 500] {
            assert_eq!(
                p.decide(&Method::GET, 1, Duration::ZERO, &api(status, None), 1.0),
                RetryDecision::GiveUp,
                "{status}"
            );
        }
    }

    #[test]
    fn honours_retry_after() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(&Method::GET, 1, Duration::ZERO, &api(429, Some(3)), 0.0),
            RetryDecision::RetryAfter(Duration::from_secs(3))
        );
    }

    #[test]
    fn caps_attempts_and_elapsed_time() {
        let p = RetryPolicy::default().max_attempts(3);
        assert_eq!(
            p.decide(&Method::GET, 3, Duration::ZERO, &api(503, None), 1.0),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.decide(
                &Method::GET,
                1,
                Duration::from_secs(29),
                &api(429, Some(5)),
                1.0
            ),
            RetryDecision::GiveUp
        );
        assert_eq!(
            RetryPolicy::never().decide(&Method::GET, 1, Duration::ZERO, &api(503, None), 1.0),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_cap() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(1000));
        assert_eq!(p.backoff(1, 1.0), Duration::from_millis(100));
        assert_eq!(p.backoff(2, 1.0), Duration::from_millis(200));
        assert_eq!(p.backoff(3, 1.0), Duration::from_millis(400));
        assert_eq!(p.backoff(3, 0.0), Duration::from_millis(200));
        assert_eq!(p.backoff(10, 1.0), Duration::from_millis(1000));
        assert_eq!(p.backoff(60, 1.0), Duration::from_millis(1000));
    }
}
