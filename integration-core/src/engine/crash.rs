//! Test-only crash hooks (feature `test-util`): stop the engine at a named point as if the
//! process died there, to test what a restarted engine on the same store does.
//!
//! A hook that fires makes the running call return [`EngineError::Crashed`](super::EngineError::Crashed)
//! at once: the engine writes nothing more for it (no job completion, retry or park, no link,
//! no audit entry), exactly as if the process had stopped. Leased jobs stay leased until their
//! lease expires, as after a real crash.
//!
//! ```
//! # #[cfg(feature = "test-util")] {
//! use std::sync::Arc;
//! use integration_core::engine::crash::{CrashOnce, CrashPoint};
//!
//! let hooks = Arc::new(CrashOnce::at(CrashPoint::AfterCreate));
//! // Integration::builder(config, store).crash_hooks(hooks.clone()).build()?;
//! assert_eq!(hooks.fired(), 0);
//! # }
//! ```

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A point in the engine where a test may stop it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CrashPoint {
    /// The worker leased a job for a recorded (acknowledged) delivery and has not processed
    /// it yet.
    AfterAck,
    /// Oneflow answered a contract create, before the engine recorded the link (the request
    /// key's contract id, the Sale ↔ contract link, the audit entry).
    AfterCreate,
    /// The worker wrote the Sale (stage mapping), before the job was completed.
    AfterSaleWrite,
}

impl fmt::Display for CrashPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AfterAck => "after the acknowledgement, before processing",
            Self::AfterCreate => "after the contract create, before the link write",
            Self::AfterSaleWrite => "after the Sale write, before the job completed",
        })
    }
}

/// Decides whether the engine stops at a [`CrashPoint`]; installed with
/// [`IntegrationBuilder::crash_hooks`](super::IntegrationBuilder::crash_hooks).
pub trait CrashHooks: Send + Sync + fmt::Debug {
    /// Called each time the engine passes `point`; `true` stops the engine there.
    fn crash_at(&self, point: CrashPoint) -> bool;
}

/// Stops the engine the first `times` times it passes one point (default once).
#[derive(Debug)]
pub struct CrashOnce {
    point: CrashPoint,
    times: usize,
    fired: AtomicUsize,
}

impl CrashOnce {
    /// Stops at `point` once.
    pub fn at(point: CrashPoint) -> Self {
        Self::times(point, 1)
    }

    /// Stops at `point` the first `times` times.
    pub fn times(point: CrashPoint, times: usize) -> Self {
        Self {
            point,
            times,
            fired: AtomicUsize::new(0),
        }
    }

    /// How often it stopped the engine so far.
    pub fn fired(&self) -> usize {
        self.fired.load(Ordering::SeqCst).min(self.times)
    }
}

impl CrashHooks for CrashOnce {
    fn crash_at(&self, point: CrashPoint) -> bool {
        point == self.point && self.fired.fetch_add(1, Ordering::SeqCst) < self.times
    }
}
