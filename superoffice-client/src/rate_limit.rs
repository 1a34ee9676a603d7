//! Client-side request rate limit per tenant.
//!
//! SuperOffice asks apps to stay at or below 10 API calls per second. Every HTTP attempt the
//! [`Client`](crate::Client) sends (retries included) first takes a slot from a
//! [`RateLimiter`] shared by all clones of that client. Waiting uses `tokio::time`, so tests can
//! run with paused time.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// How many requests may start per time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    requests: u32,
    per: Duration,
}

impl Default for RateLimit {
    /// 10 requests per second (SuperOffice's published guidance).
    fn default() -> Self {
        RateLimit::per_second(10)
    }
}

impl RateLimit {
    /// At most `requests` per second (minimum 1).
    pub fn per_second(requests: u32) -> Self {
        RateLimit::new(requests, Duration::from_secs(1))
    }

    /// At most `requests` per `per` (a burst of `requests`, then evenly spaced).
    pub fn new(requests: u32, per: Duration) -> Self {
        RateLimit {
            requests: requests.max(1),
            per: if per.is_zero() {
                Duration::from_millis(1)
            } else {
                per
            },
        }
    }

    /// No limit at all (tests, or when a limiter outside this crate applies).
    pub fn unlimited() -> Self {
        RateLimit {
            requests: u32::MAX,
            per: Duration::from_millis(1),
        }
    }

    fn is_unlimited(&self) -> bool {
        self.requests == u32::MAX
    }
}

/// A token bucket shared by clones (`Arc` inside): a burst of `requests`, refilled evenly over
/// the window. Callers reserve a slot and sleep until it is theirs, so waiting is first come,
/// first served.
///
/// ```
/// # async fn demo() {
/// use superoffice_client::{RateLimit, RateLimiter};
///
/// let limiter = RateLimiter::new(RateLimit::per_second(10));
/// limiter.acquire().await; // returns at once for the first 10 calls in a second
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RateLimiter {
    limit: RateLimit,
    state: Arc<Mutex<Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    /// Tokens available at `at` (negative: reserved ahead by waiting callers).
    tokens: f64,
    at: Option<Instant>,
}

impl RateLimiter {
    /// A fresh, full bucket.
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter {
            limit,
            state: Arc::new(Mutex::new(Bucket {
                tokens: f64::from(limit.requests),
                at: None,
            })),
        }
    }

    /// The configured limit.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// How long a caller arriving now would wait; reserves the slot.
    fn reserve(&self) -> Duration {
        if self.limit.is_unlimited() {
            return Duration::ZERO;
        }
        let capacity = f64::from(self.limit.requests);
        let per_token = self.limit.per.as_secs_f64() / capacity;
        let now = Instant::now();
        let mut bucket = match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(at) = bucket.at {
            let refill = now.saturating_duration_since(at).as_secs_f64() / per_token;
            bucket.tokens = (bucket.tokens + refill).min(capacity);
        }
        bucket.at = Some(now);
        bucket.tokens -= 1.0;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens * per_token)
        }
    }

    /// Wait until a request may start.
    pub async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn eleventh_request_in_a_second_waits() {
        let limiter = RateLimiter::new(RateLimit::default());
        let start = Instant::now();
        for _ in 0..10 {
            limiter.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        limiter.acquire().await;
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(99) && waited <= Duration::from_millis(101),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn clones_share_the_bucket_and_refill_over_time() {
        let a = RateLimiter::new(RateLimit::per_second(2));
        let b = a.clone();
        let start = Instant::now();
        a.acquire().await;
        b.acquire().await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        b.acquire().await;
        assert!(start.elapsed() >= Duration::from_millis(499));
        tokio::time::advance(Duration::from_secs(5)).await;
        let t = Instant::now();
        a.acquire().await;
        a.acquire().await;
        assert_eq!(t.elapsed(), Duration::ZERO, "bucket refilled to capacity");
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_never_waits() {
        let limiter = RateLimiter::new(RateLimit::unlimited());
        let start = Instant::now();
        for _ in 0..1000 {
            limiter.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
