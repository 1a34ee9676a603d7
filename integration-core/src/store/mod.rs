//! Durable state of the integration: installations, secrets, settings, pending OAuth logins,
//! contract-creation idempotency, Sale ↔ contract links, the webhook inbox with its job queue,
//! rate budgets and named locks shared across replicas, and the audit log.
//!
//! One trait, [`Store`], used as `Arc<dyn Store>`, with three implementations that pass one
//! behavioural suite:
//!
//! - [`SqliteStore`]: the embedded default, one file in WAL mode, safe for concurrent tasks of
//!   one process;
//! - `PostgresStore` (feature `postgres`): several replicas of a host share one database; jobs
//!   are leased with `FOR UPDATE SKIP LOCKED`, unique constraints make deliveries and contract
//!   requests idempotent;
//! - [`MemoryStore`]: for tests and demos; nothing survives the process.
//!
//! Secrets are encrypted at rest by the SQL stores with a host-provided 32-byte [`SecretKey`]
//! (ChaCha20-Poly1305, a random nonce per write, the installation and the secret's kind as
//! associated data, so a ciphertext moved to another row does not decrypt).
//!
//! All times are passed in by the caller (`now`), so behaviour around expiry is testable; the
//! SQL stores keep them with millisecond precision.
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use chrono::Utc;
//! use integration_core::store::*;
//!
//! # async fn run() -> Result<(), StoreError> {
//! let key = SecretKey::from_bytes([7; 32]); // from the host's secret manager
//! let store: Arc<dyn Store> = Arc::new(SqliteStore::open("integration.db", key).await?);
//!
//! let id = InstallationId::new(8_123);
//! store.create_installation(id, Utc::now()).await?;
//! store.bind_tenant(id, "Cust12345", Utc::now()).await?;
//! match store
//!     .record_delivery(NewDelivery::new(
//!         id,
//!         DeliverySource::Oneflow,
//!         "callback-0b3f",
//!         r#"{"contract":{"id":4711}}"#,
//!         Utc::now(),
//!     ))
//!     .await?
//! {
//!     DeliveryOutcome::Recorded { job_id } => println!("queued job {job_id}"),
//!     DeliveryOutcome::Duplicate => println!("seen before, nothing new"),
//! }
//! # Ok(()) }
//! ```

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

mod crypto;
mod error;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
mod sql;
mod sqlite;

pub use crypto::SecretKey;
pub use error::StoreError;
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{PgConnectOptions, PostgresStore};
pub use sqlite::SqliteStore;

/// Identifies an installation: the Oneflow account id it was set up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InstallationId(i64);

impl InstallationId {
    /// The installation of the Oneflow account with this id.
    pub const fn new(oneflow_account_id: i64) -> Self {
        Self(oneflow_account_id)
    }

    /// The Oneflow account id.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for InstallationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<i64> for InstallationId {
    fn from(id: i64) -> Self {
        Self(id)
    }
}

/// Where an installation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallationState {
    /// Created; setup (SuperOffice login, provisioning) not finished.
    PendingSetup,
    /// Set up and enabled: webhooks are applied.
    Active,
    /// Set up but switched off: deliveries are acknowledged and recorded, never applied.
    Disabled,
    /// Removed: panel and webhooks deleted, secrets forgotten.
    Uninstalled,
}

impl InstallationState {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PendingSetup => "pending_setup",
            Self::Active => "active",
            Self::Disabled => "disabled",
            Self::Uninstalled => "uninstalled",
        }
    }

    pub(crate) fn parse(raw: &str) -> Result<Self, StoreError> {
        Ok(match raw {
            "pending_setup" => Self::PendingSetup,
            "active" => Self::Active,
            "disabled" => Self::Disabled,
            "uninstalled" => Self::Uninstalled,
            other => {
                return Err(StoreError::Corrupt {
                    what: format!("unknown installation state {other:?}"),
                })
            }
        })
    }
}

impl fmt::Display for InstallationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One Oneflow account's integration with (at most) one SuperOffice tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Installation {
    /// The Oneflow account id.
    pub id: InstallationId,
    /// Lifecycle state.
    pub state: InstallationState,
    /// The bound SuperOffice tenant (`Cust12345`), once setup connected one.
    pub tenant: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// What a stored secret is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretKind {
    /// The Oneflow account's API token.
    OneflowApiToken,
    /// The key Oneflow signs this installation's webhooks with.
    OneflowWebhookSignKey,
    /// The secret SuperOffice signs this installation's webhooks with.
    SuperOfficeWebhookSecret,
    /// The SuperOffice admin's OAuth refresh token.
    SuperOfficeRefreshToken,
    /// The tenant's SuperOffice system user token.
    SuperOfficeSystemToken,
    /// A host-defined kind, stored under this name (choose one that differs from the
    /// built-in kinds' [`as_str`](Self::as_str) names).
    Custom(String),
}

impl SecretKind {
    /// The stored name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::OneflowApiToken => "oneflow_api_token",
            Self::OneflowWebhookSignKey => "oneflow_webhook_sign_key",
            Self::SuperOfficeWebhookSecret => "superoffice_webhook_secret",
            Self::SuperOfficeRefreshToken => "superoffice_refresh_token",
            Self::SuperOfficeSystemToken => "superoffice_system_token",
            Self::Custom(name) => name,
        }
    }
}

impl fmt::Display for SecretKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An installation's settings document with its version, for optimistic updates.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct VersionedSettings {
    /// The settings (a JSON document the engine defines).
    pub value: serde_json::Value,
    /// Incremented by every write; pass it back to [`Store::put_settings`].
    pub version: i64,
}

/// Why an OAuth login was started: the one callback URL serves both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthPurpose {
    /// An administrator connecting the installation (the default).
    #[default]
    Setup,
    /// A user signing in to the web panel.
    Panel,
}

impl OAuthPurpose {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Setup => "setup",
            Self::Panel => "panel",
        }
    }

    pub(crate) fn parse(raw: &str) -> Result<Self, StoreError> {
        match raw {
            "setup" => Ok(Self::Setup),
            "panel" => Ok(Self::Panel),
            other => Err(StoreError::Corrupt {
                what: format!("unknown OAuth purpose {other:?}"),
            }),
        }
    }
}

impl fmt::Display for OAuthPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An OAuth login that was started and not finished yet.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PendingOAuth {
    /// The `state` parameter sent to the authorization server.
    pub state: String,
    /// The installation the login is for.
    pub installation: InstallationId,
    /// The PKCE code verifier (secret; encrypted at rest).
    pub pkce_verifier: SecretString,
    /// The OIDC nonce expected in the id_token.
    pub nonce: String,
    /// After this instant the state is no longer accepted.
    pub expires_at: DateTime<Utc>,
    /// Why the login was started (default [`OAuthPurpose::Setup`]).
    pub purpose: OAuthPurpose,
}

impl PendingOAuth {
    /// A pending login for setup (see [`purpose`](Self::purpose()) for another).
    pub fn new(
        state: impl Into<String>,
        installation: InstallationId,
        pkce_verifier: SecretString,
        nonce: impl Into<String>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Self {
            state: state.into(),
            installation,
            pkce_verifier,
            nonce: nonce.into(),
            expires_at,
            purpose: OAuthPurpose::Setup,
        }
    }

    /// Sets why the login was started.
    #[must_use]
    pub fn purpose(mut self, purpose: OAuthPurpose) -> Self {
        self.purpose = purpose;
        self
    }
}

/// The answer to [`Store::claim_contract_request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// This caller owns the request key now and may create the contract.
    Claimed,
    /// The key was claimed before: do not create another contract.
    AlreadyClaimed {
        /// The contract created under the key, once recorded (`None`: creation is under way
        /// or crashed before the id was recorded; look the contract up by its link fields).
        contract_id: Option<i64>,
    },
}

/// A contract created from a Sale.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SaleContractLink {
    /// The installation.
    pub installation: InstallationId,
    /// SuperOffice Sale id.
    pub sale_id: i64,
    /// Oneflow contract id.
    pub contract_id: i64,
    /// When the contract was created.
    pub created_at: DateTime<Utc>,
}

impl SaleContractLink {
    /// A link.
    pub fn new(
        installation: InstallationId,
        sale_id: i64,
        contract_id: i64,
        created_at: DateTime<Utc>,
    ) -> Self {
        Self {
            installation,
            sale_id,
            contract_id,
            created_at,
        }
    }
}

/// Which system sent a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliverySource {
    /// A Oneflow webhook.
    Oneflow,
    /// A SuperOffice webhook.
    SuperOffice,
}

impl DeliverySource {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Oneflow => "oneflow",
            Self::SuperOffice => "superoffice",
        }
    }

    pub(crate) fn parse(raw: &str) -> Result<Self, StoreError> {
        match raw {
            "oneflow" => Ok(Self::Oneflow),
            "superoffice" => Ok(Self::SuperOffice),
            other => Err(StoreError::Corrupt {
                what: format!("unknown delivery source {other:?}"),
            }),
        }
    }
}

/// A verified webhook delivery to record.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewDelivery {
    /// The installation it was addressed to.
    pub installation: InstallationId,
    /// Its sender.
    pub source: DeliverySource,
    /// What makes it unique per installation and source; a second delivery with the same key
    /// is a duplicate. Build it from everything the signature covers plus the event's own
    /// identity, so that a replayed signature with another payload is not mistaken for it.
    pub dedupe_key: String,
    /// The raw body (JSON text).
    pub payload: String,
    /// When it arrived; the job is available from then.
    pub received_at: DateTime<Utc>,
}

impl NewDelivery {
    /// A delivery.
    pub fn new(
        installation: InstallationId,
        source: DeliverySource,
        dedupe_key: impl Into<String>,
        payload: impl Into<String>,
        received_at: DateTime<Utc>,
    ) -> Self {
        Self {
            installation,
            source,
            dedupe_key: dedupe_key.into(),
            payload: payload.into(),
            received_at,
        }
    }
}

/// The answer to [`Store::record_delivery`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// New: recorded and a job queued.
    Recorded {
        /// The queued job.
        job_id: i64,
    },
    /// Seen before: nothing new was recorded.
    Duplicate,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting until its `available_at`.
    Queued,
    /// Held by a worker until the lease expires.
    Leased,
    /// Finished.
    Done,
    /// Given up; needs a person (see `last_error`).
    Parked,
}

impl JobState {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Leased => "leased",
            Self::Done => "done",
            Self::Parked => "parked",
        }
    }

    pub(crate) fn parse(raw: &str) -> Result<Self, StoreError> {
        Ok(match raw {
            "queued" => Self::Queued,
            "leased" => Self::Leased,
            "done" => Self::Done,
            "parked" => Self::Parked,
            other => {
                return Err(StoreError::Corrupt {
                    what: format!("unknown job state {other:?}"),
                })
            }
        })
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A queued unit of work: process one webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Job {
    /// Job id.
    pub id: i64,
    /// The installation.
    pub installation: InstallationId,
    /// Which system sent the delivery.
    pub source: DeliverySource,
    /// The delivery's raw body.
    pub payload: String,
    /// Where the job is.
    pub state: JobState,
    /// How many times it was leased.
    pub attempts: i64,
    /// Not leased before this instant.
    pub available_at: DateTime<Utc>,
    /// The last failure (retry or park reason).
    pub last_error: Option<String>,
}

/// Proof that a worker holds a job. A re-lease issues a new token, so a worker whose lease
/// expired cannot complete, retry or park the job any more ([`StoreError::LeaseLost`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct JobLease {
    /// The job.
    pub job_id: i64,
    /// The fencing token of this lease.
    pub token: i64,
    /// When the lease runs out and the job becomes available to others.
    pub expires_at: DateTime<Utc>,
}

/// A job handed to a worker by [`Store::lease`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeasedJob {
    /// The job (state `Leased`, attempts already counting this lease).
    pub job: Job,
    /// The lease to pass to `complete`, `retry_at` or `park`.
    pub lease: JobLease,
}

/// An audit log entry to append.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewAuditEntry {
    /// The installation.
    pub installation: InstallationId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened, a short stable word such as `stage_mapping` or `setup`.
    pub action: String,
    /// Why, in plain words (e.g. a stage decision's `Display`).
    pub detail: String,
    /// The event that caused it (e.g. the webhook's callback id), if any.
    pub event: Option<String>,
}

impl NewAuditEntry {
    /// An entry.
    pub fn new(
        installation: InstallationId,
        at: DateTime<Utc>,
        action: impl Into<String>,
        detail: impl Into<String>,
        event: Option<String>,
    ) -> Self {
        Self {
            installation,
            at,
            action: action.into(),
            detail: detail.into(),
            event,
        }
    }
}

/// A stored audit log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditEntry {
    /// Entry id (increasing).
    pub id: i64,
    /// The installation.
    pub installation: InstallationId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub action: String,
    /// Why.
    pub detail: String,
    /// The event that caused it.
    pub event: Option<String>,
}

/// The answer to [`Store::take_rate_budget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// Go ahead: one unit of the budget was used.
    Allowed {
        /// Units left in the current window.
        remaining: u32,
    },
    /// The budget of the current window is used up: wait until `retry_at`.
    Exhausted {
        /// When the next window starts.
        retry_at: DateTime<Utc>,
    },
}

/// A named lock held until [`release_lock`](Store::release_lock) or its expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NamedLock {
    /// The lock's name.
    pub name: String,
    /// The fencing token of this holding; a later holder gets another one.
    pub token: i64,
    /// When the lock frees itself if not released or renewed.
    pub expires_at: DateTime<Utc>,
}

/// The integration's durable state. Object safe: hosts and the engine hold an `Arc<dyn Store>`.
///
/// Every method is atomic on its own; where it matters (deliveries, claims, leases, OAuth
/// states, rate budgets) concurrent callers, also in other processes sharing a PostgreSQL
/// database, observe exactly-once outcomes.
///
/// # A worker's loop
///
/// ```no_run
/// use chrono::{TimeDelta, Utc};
/// use integration_core::store::{Store, StoreError};
///
/// # async fn apply(_payload: &str) -> Result<(), String> { Ok(()) }
/// async fn work(store: &dyn Store) -> Result<(), StoreError> {
///     for leased in store.lease("replica-a", 10, TimeDelta::seconds(60), Utc::now()).await? {
///         let outcome = match apply(&leased.job.payload).await {
///             Ok(()) => store.complete(&leased.lease, Utc::now()).await,
///             Err(error) if leased.job.attempts < 8 => {
///                 let backoff = TimeDelta::seconds(30 << leased.job.attempts.min(6));
///                 store.retry_at(&leased.lease, Utc::now() + backoff, &error).await
///             }
///             Err(error) => store.park(&leased.lease, &error, Utc::now()).await,
///         };
///         match outcome {
///             // The lease expired and another worker took the job over: drop it.
///             Err(StoreError::LeaseLost { .. }) => continue,
///             other => other?,
///         }
///     }
///     Ok(())
/// }
/// ```
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    // ----- installations -------------------------------------------------------------------

    /// Creates the installation of a Oneflow account in state
    /// [`InstallationState::PendingSetup`]; returns the stored one unchanged if it exists.
    async fn create_installation(
        &self,
        id: InstallationId,
        now: DateTime<Utc>,
    ) -> Result<Installation, StoreError>;

    /// The installation, if it exists.
    async fn installation(&self, id: InstallationId) -> Result<Option<Installation>, StoreError>;

    /// The installation bound to a SuperOffice tenant, if any.
    async fn installation_by_tenant(
        &self,
        tenant: &str,
    ) -> Result<Option<Installation>, StoreError>;

    /// All installations, by id.
    async fn installations(&self) -> Result<Vec<Installation>, StoreError>;

    /// Moves the installation to `state`. [`StoreError::NotFound`] if it does not exist.
    async fn set_installation_state(
        &self,
        id: InstallationId,
        state: InstallationState,
        now: DateTime<Utc>,
    ) -> Result<Installation, StoreError>;

    /// Binds the installation to a SuperOffice tenant. Binding the tenant it already has is a
    /// no-op; another tenant is [`StoreError::TenantAlreadyBound`]; a tenant bound to another
    /// installation is [`StoreError::TenantInUse`].
    async fn bind_tenant(
        &self,
        id: InstallationId,
        tenant: &str,
        now: DateTime<Utc>,
    ) -> Result<Installation, StoreError>;

    /// Removes the tenant binding (on uninstall), freeing the tenant for another installation.
    async fn unbind_tenant(
        &self,
        id: InstallationId,
        now: DateTime<Utc>,
    ) -> Result<Installation, StoreError>;

    // ----- secrets -------------------------------------------------------------------------

    /// Stores (or replaces) a secret of the installation. [`StoreError::NotFound`] if the
    /// installation does not exist.
    async fn put_secret(
        &self,
        id: InstallationId,
        kind: &SecretKind,
        value: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// A secret of the installation, if stored.
    async fn secret(
        &self,
        id: InstallationId,
        kind: &SecretKind,
    ) -> Result<Option<SecretString>, StoreError>;

    /// Forgets every secret of the installation; returns how many there were.
    async fn forget_secrets(&self, id: InstallationId) -> Result<u64, StoreError>;

    // ----- settings ------------------------------------------------------------------------

    /// The installation's settings, if any were written.
    async fn settings(&self, id: InstallationId) -> Result<Option<VersionedSettings>, StoreError>;

    /// Writes the settings if the stored version is `expected_version` (`0`: none written
    /// yet) and returns the new version; otherwise [`StoreError::Conflict`]: re-read, re-apply
    /// the change, try again. [`StoreError::NotFound`] if the installation does not exist.
    async fn put_settings(
        &self,
        id: InstallationId,
        value: &serde_json::Value,
        expected_version: i64,
    ) -> Result<i64, StoreError>;

    // ----- OAuth ---------------------------------------------------------------------------

    /// Remembers a started login until its expiry. A second login with the same `state` is
    /// [`StoreError::Conflict`].
    async fn put_oauth_state(&self, pending: &PendingOAuth) -> Result<(), StoreError>;

    /// Takes a started login out of the store: each state is returned at most once, and not
    /// after it expired (an expired one is removed and `None` returned).
    async fn take_oauth_state(
        &self,
        state: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingOAuth>, StoreError>;

    // ----- one-time hand-offs --------------------------------------------------------------

    /// Keeps `payload` under `code_hash` (the hash of a one-time code, never the code) until
    /// `expires_at`, e.g. a signed-in panel session handed from a sign-in pop-up to its frame.
    /// Hand-offs that expired by `now` are removed on the way. A second hand-off with the same
    /// hash is [`StoreError::Conflict`]. The payload is stored as given: seal it first.
    async fn put_handoff(
        &self,
        code_hash: &str,
        payload: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Takes a hand-off out of the store: each is returned at most once, and not after it
    /// expired (an expired one is removed and `None` returned).
    async fn take_handoff(
        &self,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError>;

    // ----- contract creation ---------------------------------------------------------------

    /// Claims the request key of a "create contract from Sale" request. The first caller gets
    /// [`ClaimOutcome::Claimed`]; every later one [`ClaimOutcome::AlreadyClaimed`]. The same
    /// key for another Sale is [`StoreError::Conflict`].
    async fn claim_contract_request(
        &self,
        id: InstallationId,
        sale_id: i64,
        request_key: &str,
        now: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError>;

    /// Records the contract created under a claimed request key. Recording the same id again
    /// is a no-op; another id is [`StoreError::Conflict`]; an unclaimed key is
    /// [`StoreError::NotFound`].
    async fn record_created_contract(
        &self,
        id: InstallationId,
        request_key: &str,
        contract_id: i64,
    ) -> Result<(), StoreError>;

    /// Links a contract to its Sale. Linking it again to the same Sale is a no-op; to another
    /// Sale is [`StoreError::Conflict`].
    async fn link_contract(&self, link: &SaleContractLink) -> Result<(), StoreError>;

    /// The contracts linked to a Sale, oldest first.
    async fn links_for_sale(
        &self,
        id: InstallationId,
        sale_id: i64,
    ) -> Result<Vec<SaleContractLink>, StoreError>;

    /// The Sale a contract is linked to.
    async fn link_for_contract(
        &self,
        id: InstallationId,
        contract_id: i64,
    ) -> Result<Option<SaleContractLink>, StoreError>;

    // ----- webhook inbox and jobs ----------------------------------------------------------

    /// Records a verified delivery and queues its job, in one transaction; a delivery with a
    /// dedupe key seen before (for the same installation and source) is
    /// [`DeliveryOutcome::Duplicate`] and records nothing.
    async fn record_delivery(&self, delivery: NewDelivery) -> Result<DeliveryOutcome, StoreError>;

    /// Leases up to `max` jobs that are available at `now` (queued and due, or leased with an
    /// expired lease), oldest first, for `lease_for`. Each gets a fresh fencing token and
    /// one more attempt. Concurrent callers never receive the same job.
    async fn lease(
        &self,
        worker: &str,
        max: u32,
        lease_for: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<Vec<LeasedJob>, StoreError>;

    /// Marks a leased job done. [`StoreError::LeaseLost`] if this lease no longer holds it.
    async fn complete(&self, lease: &JobLease, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Puts a leased job back in the queue until `when`, remembering the error.
    /// [`StoreError::LeaseLost`] if this lease no longer holds it.
    async fn retry_at(
        &self,
        lease: &JobLease,
        when: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError>;

    /// Gives up on a leased job: it stays parked with the reason until a person looks.
    /// [`StoreError::LeaseLost`] if this lease no longer holds it.
    async fn park(
        &self,
        lease: &JobLease,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// A job, in whatever state.
    async fn job(&self, job_id: i64) -> Result<Option<Job>, StoreError>;

    /// The installation's parked jobs (given up, waiting for a person), newest job first,
    /// at most `limit`.
    async fn parked_jobs(&self, id: InstallationId, limit: u32) -> Result<Vec<Job>, StoreError>;

    // ----- rate budgets --------------------------------------------------------------------

    /// Takes one unit of a fixed-window rate budget shared by everyone using this store
    /// (e.g. SuperOffice's per-tenant budget, Oneflow's 2 000 requests per 5 minutes per
    /// token). Windows are aligned to multiples of `window` since the Unix epoch; at most
    /// `limit` units are handed out per window, also to concurrent callers. A caller whose
    /// clock lags behind the window already in use counts against that window.
    /// [`StoreError::InvalidArgument`] if `window` is not positive.
    async fn take_rate_budget(
        &self,
        key: &str,
        limit: u32,
        window: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<RateDecision, StoreError>;

    // ----- named locks ---------------------------------------------------------------------

    /// Takes the named lock for `hold_for` if nobody holds it (or the holding expired), e.g.
    /// `superoffice-token-refresh:Cust12345` so that one replica refreshes a tenant's tokens
    /// while the others wait and re-read. `None`: someone else holds it now.
    async fn try_lock(
        &self,
        name: &str,
        holder: &str,
        hold_for: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<Option<NamedLock>, StoreError>;

    /// Releases a lock taken by [`try_lock`](Self::try_lock). [`StoreError::LockLost`] if the
    /// holding expired and someone else took the lock meanwhile (or it was released already).
    async fn release_lock(&self, lock: &NamedLock) -> Result<(), StoreError>;

    // ----- audit log -----------------------------------------------------------------------

    /// Appends an entry; returns its id.
    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<i64, StoreError>;

    /// The installation's most recent entries, newest first.
    async fn recent_audit(
        &self,
        id: InstallationId,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    // ----- retention -----------------------------------------------------------------------

    /// Deletes completed work: every job that was completed before `before` (and whose
    /// delivery was received before it), together with its delivery — and so its dedupe key:
    /// a delivery with that key is recorded again afterwards. Queued, leased and parked jobs,
    /// links, secrets and the audit log are kept. Returns the number of deliveries deleted.
    ///
    /// Choose `before` so that no vendor retries a purged delivery any more;
    /// [`Integration::purge_before`](crate::engine::Integration::purge_before) never purges
    /// inside the dedupe window.
    async fn purge_completed(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
    // ----- health --------------------------------------------------------------------------

    /// A cheap round trip to the backing database (`SELECT 1`), for readiness probes.
    async fn ping(&self) -> Result<(), StoreError>;

    // ----- contract creation (claims) -------------------------------------------------------

    /// Releases the claim on a request key. Without a contract recorded (Oneflow refused the
    /// create, so nothing was created) the key is freed: the next request with it claims it
    /// afresh. With a contract recorded the key keeps its contract and the claim goes idle
    /// (its claim time becomes the Unix epoch), so that the next request may
    /// [take it over](Self::take_over_contract_claim) at once to finish the contract. Returns
    /// whether there was a claim to release.
    async fn release_contract_claim(
        &self,
        id: InstallationId,
        request_key: &str,
    ) -> Result<bool, StoreError>;

    /// Takes over a claim claimed at or before `claimed_before` (an idle one, or one whose
    /// holder stopped reporting back): its claim time becomes `now` and `true` is returned.
    /// Of concurrent callers at most one gets `true`; a younger claim or no claim at all is
    /// `false`.
    async fn take_over_contract_claim(
        &self,
        id: InstallationId,
        request_key: &str,
        claimed_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    // ----- folded writes (one transaction, one durable commit) ----------------------------

    /// Marks a leased job done and appends `entries` to the audit log (in order), in one
    /// transaction: both happen or neither. The worker uses it so that a job's outcome and
    /// its audit entries cost one durable commit instead of one each.
    /// [`StoreError::LeaseLost`] if this lease no longer holds the job (nothing is written).
    async fn complete_with_audit(
        &self,
        lease: &JobLease,
        entries: &[NewAuditEntry],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Takes `units` units at once from a rate budget, with the semantics of
    /// [`take_rate_budget`](Self::take_rate_budget) (fixed windows shared by everyone using
    /// this store): either all `units` fit in the current window and are taken, or nothing is
    /// taken and the answer is [`RateDecision::Exhausted`] — also when `units` exceeds
    /// `limit`, which no window can hold. One durable commit for a job's several calls.
    /// [`StoreError::InvalidArgument`] if `units` is zero or `window` is not positive.
    async fn take_rate_budget_units(
        &self,
        key: &str,
        units: u32,
        limit: u32,
        window: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<RateDecision, StoreError>;
}

pub(crate) fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::Corrupt {
        what: format!("timestamp {ms} out of range"),
    })
}

/// A fresh fencing token for a lease.
pub(crate) fn lease_token() -> i64 {
    // Positive and never zero, so it reads well in logs.
    (rand::random::<u64>() >> 2) as i64 + 1
}

/// The start (Unix ms) of the fixed window containing `now`.
pub(crate) fn window_start(window: TimeDelta, now: DateTime<Utc>) -> Result<i64, StoreError> {
    let window_ms = window.num_milliseconds();
    if window_ms <= 0 {
        return Err(StoreError::InvalidArgument {
            what: format!("a rate budget window must be positive, got {window}"),
        });
    }
    let now_ms = millis(now);
    Ok(now_ms - now_ms.rem_euclid(window_ms))
}
