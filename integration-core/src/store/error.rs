use std::error::Error as StdError;

use super::InstallationId;

/// An error from a [`Store`](super::Store).
///
/// Never contains secret values: not in its `Display`, not in its `Debug`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The installation is already bound to another SuperOffice tenant. One Oneflow account
    /// binds to exactly one tenant: uninstall first to switch tenants.
    #[error(
        "installation {installation} is already bound to SuperOffice tenant {bound}; \
         uninstall it before connecting another tenant"
    )]
    TenantAlreadyBound {
        /// The installation.
        installation: InstallationId,
        /// The tenant it is bound to.
        bound: String,
    },
    /// The SuperOffice tenant already belongs to another installation.
    #[error(
        "SuperOffice tenant {tenant} is already connected to installation {installation}; \
         uninstall that installation first"
    )]
    TenantInUse {
        /// The tenant.
        tenant: String,
        /// The installation that holds it.
        installation: InstallationId,
    },
    /// The thing asked for does not exist.
    #[error("{what} not found")]
    NotFound {
        /// What was looked up, e.g. `installation 42`.
        what: String,
    },
    /// A concurrent change won: re-read and try again (optimistic concurrency), or the value
    /// conflicts with what is stored.
    #[error("conflict: {what}")]
    Conflict {
        /// What conflicted.
        what: String,
    },
    /// The job's lease expired and another worker holds it now (or the job is finished): this
    /// worker must drop its work on that job without writing results.
    #[error("the lease on job {job_id} is no longer held by this worker")]
    LeaseLost {
        /// The job.
        job_id: i64,
    },
    /// A stored secret could not be decrypted: the store was opened with another key than the
    /// one it was written with, or the row was tampered with.
    #[error(
        "a stored secret of installation {installation} could not be decrypted; \
         open the store with the key it was written with"
    )]
    Decrypt {
        /// The installation whose secret failed.
        installation: InstallationId,
    },
    /// A stored value could not be read back (e.g. settings that are no longer valid JSON).
    #[error("stored data is corrupt: {what}")]
    Corrupt {
        /// What could not be read.
        what: String,
    },
    /// An argument cannot work (e.g. a zero-length rate window); fix the caller.
    #[error("invalid argument: {what}")]
    InvalidArgument {
        /// What is wrong.
        what: String,
    },
    /// The database failed (connection, I/O, constraint). Check that it is reachable and
    /// writable; the source says more.
    #[error("database error while trying to {action}")]
    Database {
        /// What the store was doing.
        action: &'static str,
        /// The driver's error.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
}

impl StoreError {
    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    pub(crate) fn conflict(what: impl Into<String>) -> Self {
        Self::Conflict { what: what.into() }
    }

    pub(crate) fn database(
        action: &'static str,
    ) -> impl FnOnce(sqlx::Error) -> StoreError + Send + 'static {
        move |source| Self::Database {
            action,
            source: Box::new(source),
        }
    }
}
