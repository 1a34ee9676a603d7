//! [`TenantError`] and the [`TenantState`] it reports. Re-exported by [`crate::tenant`].

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::customer_id::{CustomerId, CustomerIdError};
use crate::error::{AuthError, Error};

/// Errors about tenant ids, tenant URLs and the tenant state API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TenantError {
    /// A tenant id or tenant URL was not accepted.
    #[error(transparent)]
    CustomerId(#[from] CustomerIdError),
    /// A host name given to build a URL is not a plain host name.
    #[error("`{host}` is not a host name (expected e.g. `online2.superoffice.com`)")]
    InvalidHost {
        /// The rejected host.
        host: String,
    },
    /// The tenant state API answered with an unexpected HTTP status.
    #[error("tenant state lookup for {customer} failed with HTTP {status}")]
    StateLookupFailed {
        /// The tenant asked about.
        customer: CustomerId,
        /// The HTTP status.
        status: u16,
        /// The start of the response body.
        body_snippet: String,
    },
    /// The tenant state API answered 200 with a body that could not be read.
    #[error("tenant state response for {customer} could not be decoded: {reason}")]
    InvalidStateResponse {
        /// The tenant asked about.
        customer: CustomerId,
        /// What was wrong (JSON path and message).
        reason: String,
    },
    /// The tenant exists but its API cannot be used now (suspended, deleted, in offline
    /// maintenance…).
    #[error("tenant {customer} is not available (state {state})")]
    NotAvailable {
        /// The tenant asked about.
        customer: CustomerId,
        /// Its reported state.
        state: TenantState,
    },
    /// The tenant state API answered with a body larger than [`MAX_STATE_BODY`](crate::tenant::MAX_STATE_BODY) bytes.
    #[error("tenant state response for {customer} is larger than {max} bytes")]
    StateResponseTooLarge {
        /// The tenant asked about.
        customer: CustomerId,
        /// The limit.
        max: usize,
    },
    /// After HTTP 421 the state API named an API base that is not acceptable: not on the
    /// environment's own domain, without the tenant's customer id in its path, or for another
    /// `ContextIdentifier`. The old base is kept.
    #[error("refusing the API base reported for {customer}: {reason}")]
    UntrustedApiBase {
        /// The tenant asked about.
        customer: CustomerId,
        /// What is wrong.
        reason: &'static str,
    },
    /// The state API did not tell where the tenant's API lives.
    #[error("tenant state for {customer} names no API endpoint")]
    NoEndpoint {
        /// The tenant asked about.
        customer: CustomerId,
    },
}

impl From<TenantError> for Error {
    fn from(err: TenantError) -> Self {
        Error::Auth(AuthError::Tenant(err))
    }
}

impl From<CustomerIdError> for AuthError {
    fn from(err: CustomerIdError) -> Self {
        AuthError::Tenant(TenantError::CustomerId(err))
    }
}

impl From<CustomerIdError> for Error {
    fn from(err: CustomerIdError) -> Self {
        Error::Auth(AuthError::Tenant(TenantError::CustomerId(err)))
    }
}

/// The lifecycle state of a tenant as reported by the tenant state API.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TenantState {
    /// `Unknown` (0).
    Unknown,
    /// `Provisioning` (1): being created.
    Provisioning,
    /// `Running` (2): up and usable.
    Running,
    /// `Deleted` (3).
    Deleted,
    /// `Suspended` (4).
    Suspended,
    /// `OnlineMaintenance` (5): maintenance while the API stays usable.
    OnlineMaintenance,
    /// `OfflineMaintenance` (6): the API is down for maintenance.
    OfflineMaintenance,
    /// `ProvisioningFailed` (8).
    ProvisioningFailed,
    /// `Deleting` (10).
    Deleting,
    /// `DeleteFailed` (11).
    DeleteFailed,
    /// `MigrationPending` (12).
    MigrationPending,
    /// A state this version does not know, kept as sent.
    Other(String),
}

impl TenantState {
    const NAMED: [(TenantState, &'static str, i64); 11] = [
        (TenantState::Unknown, "Unknown", 0),
        (TenantState::Provisioning, "Provisioning", 1),
        (TenantState::Running, "Running", 2),
        (TenantState::Deleted, "Deleted", 3),
        (TenantState::Suspended, "Suspended", 4),
        (TenantState::OnlineMaintenance, "OnlineMaintenance", 5),
        (TenantState::OfflineMaintenance, "OfflineMaintenance", 6),
        (TenantState::ProvisioningFailed, "ProvisioningFailed", 8),
        (TenantState::Deleting, "Deleting", 10),
        (TenantState::DeleteFailed, "DeleteFailed", 11),
        (TenantState::MigrationPending, "MigrationPending", 12),
    ];

    /// The wire name (`Running`, …; the raw value for [`TenantState::Other`]).
    pub fn as_str(&self) -> &str {
        match self {
            TenantState::Other(raw) => raw,
            known => Self::NAMED
                .iter()
                .find(|(state, _, _)| state == known)
                .map_or("Unknown", |(_, name, _)| name),
        }
    }

    /// True for a state this crate does not know ([`TenantState::Other`]).
    pub fn is_other(&self) -> bool {
        matches!(self, TenantState::Other(_))
    }

    /// True when the tenant's API may be called (`Running` or `OnlineMaintenance`).
    pub fn is_usable(&self) -> bool {
        matches!(self, TenantState::Running | TenantState::OnlineMaintenance)
    }

    fn from_name(raw: &str) -> Self {
        Self::NAMED
            .iter()
            .find(|(_, name, _)| name.eq_ignore_ascii_case(raw))
            .map_or_else(|| TenantState::Other(raw.to_owned()), |(s, _, _)| s.clone())
    }

    fn from_number(raw: i64) -> Self {
        Self::NAMED.iter().find(|(_, _, n)| *n == raw).map_or_else(
            || TenantState::Other(raw.to_string()),
            |(s, _, _)| s.clone(),
        )
    }
}

impl fmt::Display for TenantState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TenantState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TenantState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Name(String),
            Number(i64),
        }
        Ok(match Raw::deserialize(deserializer)? {
            Raw::Name(name) => TenantState::from_name(&name),
            Raw::Number(n) => TenantState::from_number(n),
        })
    }
}
