//! A replaceable source of "now", so token expiry, tenant caches and signing timestamps are
//! testable. A leaf module: it imports nothing from the crate.

#[cfg(any(test, feature = "test-util"))]
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// Where the auth and tenant code read the current time from.
///
/// The default is [`SystemClock`]; tests can pass a `ManualClock` (feature `test-util`).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current UTC time.
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock ([`Utc::now`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to (tests, simulations). Only with the `test-util`
/// feature.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use superoffice_client::{Clock, ManualClock};
///
/// let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 28, 9, 5, 0).unwrap());
/// clock.advance(Duration::minutes(10));
/// assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 11, 28, 9, 15, 0).unwrap());
/// ```
#[cfg(any(test, feature = "test-util"))]
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

#[cfg(any(test, feature = "test-util"))]
impl ManualClock {
    /// A clock standing at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        ManualClock {
            now: Mutex::new(now),
        }
    }

    /// Moves the clock to `now`.
    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = now;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        let mut guard = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *guard += by;
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}
