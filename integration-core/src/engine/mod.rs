//! The integration engine a host embeds: [`Integration`].
//!
//! One `Integration` serves many installations (one per Oneflow account, each bound to one
//! SuperOffice tenant). It holds no state of its own beyond caches: everything durable lives
//! in the [`Store`], so several replicas of a host can share one database.
//!
//! The life of an installation:
//!
//! 1. [`register_oneflow_account`](Integration::register_oneflow_account) checks the
//!    account's API token and keeps it as a secret;
//! 2. [`begin_setup`](Integration::begin_setup) returns the SuperOffice sign-in URL;
//!    [`complete_setup`](Integration::complete_setup) checks the admin in both systems, binds
//!    the tenant, provisions the web panel, the template type's link fields and both webhooks;
//! 3. webhooks arrive at [`ingest_oneflow_webhook`](Integration::ingest_oneflow_webhook) and
//!    [`ingest_superoffice_webhook`](Integration::ingest_superoffice_webhook), which verify,
//!    record and queue them and answer at once; a worker
//!    ([`run_worker`](Integration::run_worker) or
//!    [`process_next_batch`](Integration::process_next_batch)) applies the stage mapping;
//! 4. [`disable`](Integration::disable), [`enable`](Integration::enable),
//!    [`uninstall`](Integration::uninstall).
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use integration_core::engine::{Integration, IntegrationConfig};
//! use integration_core::store::{SecretKey, SqliteStore, Store};
//! use superoffice_client::Environment;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let store: Arc<dyn Store> =
//!     Arc::new(SqliteStore::open("integration.db", SecretKey::from_bytes([7; 32])).await?);
//! let config = IntegrationConfig::new(
//!     Environment::Production,
//!     "my-client-id",
//!     "my-client-secret",
//!     "https://contracts.example.com/superoffice/callback".parse()?,
//!     "https://contracts.example.com/".parse()?,
//! );
//! let integration = Integration::builder(config, store).build()?;
//! let installation = integration.register_oneflow_account("oneflow-api-token").await?;
//! let sign_in = integration.begin_setup(installation.id, "admin@example.com").await?;
//! println!("send the admin to {sign_in}");
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use superoffice_client::auth::{OidcClient, OidcConfig, TokenSet};
use superoffice_client::{CustomerId, Environment, TenantLocator};
use url::Url;

use crate::policy::contract_factory::{ContractFactory, DefaultContractFactory, FieldMappings};
use crate::policy::stage_mapping::{DefaultStageMapping, StageMappingPolicy, StageMappingSettings};
use crate::policy::template_filter::{DefaultTemplateFilter, TemplateFilter};
use crate::store::{InstallationId, InstallationState, SecretKind, Store, StoreError};

mod contracts;
#[cfg(feature = "test-util")]
pub mod crash;
mod error;
mod panel_auth;
mod queries;
mod setup;
mod sync;
mod tokens;

pub use crate::policy::contract_factory::LinkFields;
pub use contracts::{CreatedContract, TemplateOption};
pub use error::EngineError;
pub use panel_auth::{PanelSignInHints, PanelUser, SignInOutcome};
pub use queries::{
    LinkedContract, ListChoice, PanelGroup, PanelSale, SalePerson, SaleReasons, ONEFLOW_APP_URL,
    PARKED_JOBS_SHOWN,
};
pub use setup::SetupReport;
pub use superoffice_client::{Clock, SystemClock};
pub use sync::{Ack, BatchReport, Explanation, MIN_RETENTION};

/// The default `ProgId` of the web panel the integration provisions.
pub const DEFAULT_PANEL_PROG_ID: &str = "oneflow.superoffice.contract-panel";
/// The default name of the web panel.
pub const DEFAULT_PANEL_NAME: &str = "Oneflow Contract";

/// How the worker retries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerConfig {
    /// Jobs leased per batch.
    pub batch_size: u32,
    /// How long a lease lasts.
    pub lease_for: TimeDelta,
    /// Attempts before a job is parked.
    pub max_attempts: i64,
    /// Backoff after the first failure; doubles per attempt.
    pub initial_backoff: TimeDelta,
    /// The longest backoff.
    pub max_backoff: TimeDelta,
    /// How long [`Integration::run_worker`] waits when the queue is empty.
    pub idle_wait: std::time::Duration,
    /// The SuperOffice request budget per tenant, shared by every replica through the store
    /// (default 10 per second, SuperOffice's guidance). Every call the engine makes to
    /// SuperOffice — in the worker and in user calls — takes one unit (a streamed list one
    /// unit per stream); see [`EngineError::BudgetExhausted`].
    pub superoffice_budget: (u32, TimeDelta),
    /// The Oneflow request budget per account, shared through the store (default 2 000 per
    /// 5 minutes, Oneflow's limit per token). Every call to Oneflow takes one unit, like the
    /// SuperOffice budget.
    pub oneflow_budget: (u32, TimeDelta),
    /// Completed webhook jobs and their deliveries older than this are purged by
    /// [`Integration::run_worker`] (hourly; default 7 days; never less than
    /// [`MIN_RETENTION`], the dedupe window). `None` keeps everything.
    pub retention: Option<TimeDelta>,
    /// How long in total one engine call may wait for the next window of a used-up budget
    /// before it fails with [`EngineError::BudgetExhausted`] (default 5 s: SuperOffice's
    /// budget is per second, so a burst waits briefly; Oneflow's is per 5 minutes, so a
    /// used-up one fails at once). A job that fails so is retried after the window.
    pub budget_wait: std::time::Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            batch_size: 10,
            lease_for: TimeDelta::seconds(120),
            max_attempts: 8,
            initial_backoff: TimeDelta::seconds(30),
            max_backoff: TimeDelta::hours(1),
            idle_wait: std::time::Duration::from_secs(2),
            superoffice_budget: (10, TimeDelta::seconds(1)),
            oneflow_budget: (2_000, TimeDelta::minutes(5)),
            retention: Some(TimeDelta::days(7)),
            budget_wait: std::time::Duration::from_secs(5),
        }
    }
}

/// The default [`IntegrationConfig::stale_claim_after`]: 2 minutes, four times the default
/// HTTP client's 30 s timeout.
pub const DEFAULT_STALE_CLAIM_AFTER: TimeDelta = TimeDelta::minutes(2);

/// Everything the engine needs to know about the host and the SuperOffice app.
#[derive(Clone)]
#[non_exhaustive]
pub struct IntegrationConfig {
    /// SuperOffice environment (`sod`, `online`, …).
    pub environment: Environment,
    /// The SuperOffice app's client id.
    pub client_id: String,
    /// The SuperOffice app's client secret.
    pub client_secret: SecretString,
    /// The OAuth redirect URI registered for the app.
    pub redirect_uri: Url,
    /// The host's public base URL: webhooks are registered below it
    /// (`/webhooks/oneflow/{installation}`, `/webhooks/superoffice/{installation}`).
    pub public_base_url: Url,
    /// The URL of the panel page (default `{public_base_url}/superoffice/panel`).
    pub panel_url: Option<Url>,
    /// Oneflow API base URL (default `https://api.oneflow.com/v1`).
    pub oneflow_base_url: String,
    /// The panel's `ProgId` (stable: setup finds the panel by it).
    pub panel_prog_id: String,
    /// The panel's name.
    pub panel_name: String,
    /// User groups that see the panel (`None`: all).
    pub panel_user_groups: Option<Vec<i32>>,
    /// The app's RSA private key for the SuperOffice system user (PEM or SuperOffice's XML).
    /// With it, background work (worker, reconciliation, archiving) runs as the tenant's
    /// system user; without it, on the admin's refreshing tokens.
    pub system_user_private_key: Option<SecretString>,
    /// The link data fields.
    pub link_fields: LinkFields,
    /// Worker tuning.
    pub worker: WorkerConfig,
    /// How old a contract request's claim must be before a retry may take it over when its
    /// create never reported back (a timeout or a dropped connection) and Oneflow has no
    /// contract with the request key (default 2 minutes). Keep it longer than any create can
    /// take: at least twice the HTTP client's timeout (the default client times out after
    /// 30 s), so the first create cannot still land after the retry created another.
    pub stale_claim_after: TimeDelta,
}

impl fmt::Debug for IntegrationConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntegrationConfig")
            .field("environment", &self.environment)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("public_base_url", &self.public_base_url.as_str())
            .field("oneflow_base_url", &self.oneflow_base_url)
            .field("panel_prog_id", &self.panel_prog_id)
            .field("system_user", &self.system_user_private_key.is_some())
            .finish_non_exhaustive()
    }
}

impl IntegrationConfig {
    /// A configuration with defaults for everything else.
    pub fn new(
        environment: Environment,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: Url,
        public_base_url: Url,
    ) -> Self {
        Self {
            environment,
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            redirect_uri,
            public_base_url,
            panel_url: None,
            oneflow_base_url: oneflow_client::DEFAULT_BASE_URL.to_owned(),
            panel_prog_id: DEFAULT_PANEL_PROG_ID.to_owned(),
            panel_name: DEFAULT_PANEL_NAME.to_owned(),
            panel_user_groups: None,
            system_user_private_key: None,
            link_fields: LinkFields::default(),
            worker: WorkerConfig::default(),
            stale_claim_after: DEFAULT_STALE_CLAIM_AFTER,
        }
    }

    /// Sets [`stale_claim_after`](Self::stale_claim_after).
    #[must_use]
    pub fn stale_claim_after(mut self, after: TimeDelta) -> Self {
        self.stale_claim_after = after;
        self
    }

    /// Sets the Oneflow API base URL.
    #[must_use]
    pub fn oneflow_base_url(mut self, url: impl Into<String>) -> Self {
        self.oneflow_base_url = url.into();
        self
    }

    /// Sets the panel page URL.
    #[must_use]
    pub fn panel_url(mut self, url: Url) -> Self {
        self.panel_url = Some(url);
        self
    }

    /// Shows the panel only to these user groups.
    #[must_use]
    pub fn panel_user_groups(mut self, groups: Vec<i32>) -> Self {
        self.panel_user_groups = Some(groups);
        self
    }

    /// Runs background work as the tenant's system user, signing with this private key
    /// (PEM or SuperOffice's XML form).
    #[must_use]
    pub fn system_user_private_key(mut self, key: impl Into<String>) -> Self {
        self.system_user_private_key = Some(SecretString::from(key.into()));
        self
    }

    /// Sets the link data fields.
    #[must_use]
    pub fn link_fields(mut self, fields: LinkFields) -> Self {
        self.link_fields = fields;
        self
    }

    /// Sets the worker tuning.
    #[must_use]
    pub fn worker(mut self, worker: WorkerConfig) -> Self {
        self.worker = worker;
        self
    }

    fn webhook_url(&self, system: &str, installation: InstallationId) -> String {
        let base = self.public_base_url.as_str().trim_end_matches('/');
        format!("{base}/webhooks/{system}/{installation}")
    }

    fn panel_base(&self) -> String {
        match &self.panel_url {
            Some(url) => url.to_string(),
            None => format!(
                "{}/superoffice/panel",
                self.public_base_url.as_str().trim_end_matches('/')
            ),
        }
    }
}

/// An installation's settings (changed only by a SuperOffice admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Settings {
    /// Stage mapping: the toggle, the multi-contract rule, reasons and stages.
    #[serde(flatten)]
    pub stage_mapping: StageMappingSettings,
    /// Archive the signed PDF as a SuperOffice document on the Sale.
    pub archive_signed_pdf: bool,
    /// The SuperOffice document type (`DocumentTemplate` id) of archived PDFs; archiving
    /// needs one (the audit log says so when it is missing).
    pub archive_document_template_id: Option<i32>,
    /// Data fields filled from the Sale, its company and persons when a contract is created.
    pub field_mappings: FieldMappings,
}

impl Default for Settings {
    /// Stage mapping on with the policy defaults; archiving on (once a document type is set).
    fn default() -> Self {
        Self {
            stage_mapping: StageMappingSettings::default(),
            archive_signed_pdf: true,
            archive_document_template_id: None,
            field_mappings: FieldMappings::default(),
        }
    }
}

/// What setup provisioned, kept beside the settings (not changeable by users).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
struct Connection {
    /// The admin who started setup (lower case), until setup completes.
    pending_admin_email: Option<String>,
    /// The admin who completed setup.
    admin_email: Option<String>,
    /// The admin's associate id.
    admin_associate_id: Option<i32>,
    /// The associate background writes are made as (the system user, or else the admin):
    /// SuperOffice webhooks caused by them are recognised as echoes.
    background_associate_id: Option<i32>,
    /// Whether background work runs as the system user.
    system_user: bool,
    /// The tenant's `serial` claim (pins the system user's ticket audience).
    serial: Option<String>,
    panel_id: Option<i32>,
    oneflow_webhook_id: Option<i64>,
    superoffice_webhook_id: Option<i32>,
    /// Periods in which stage mapping was on (start, end), for reconciliation.
    mapping_periods: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct StoredDoc {
    settings: Settings,
    connection: Connection,
}

/// Builds an [`Integration`]; see [`Integration::builder`].
#[must_use]
pub struct IntegrationBuilder {
    config: IntegrationConfig,
    store: Arc<dyn Store>,
    stage_mapping: Arc<dyn StageMappingPolicy>,
    template_filter: Arc<dyn TemplateFilter>,
    contract_factory: Arc<dyn ContractFactory>,
    clock: Arc<dyn Clock>,
    http: Option<reqwest::Client>,
    worker_id: Option<String>,
    #[cfg(feature = "test-util")]
    crash_hooks: Option<Arc<dyn crash::CrashHooks>>,
}

impl fmt::Debug for IntegrationBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntegrationBuilder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl IntegrationBuilder {
    /// Replaces the stage-mapping policy.
    pub fn stage_mapping(mut self, policy: Arc<dyn StageMappingPolicy>) -> Self {
        self.stage_mapping = policy;
        self
    }

    /// Replaces the template filter.
    pub fn template_filter(mut self, filter: Arc<dyn TemplateFilter>) -> Self {
        self.template_filter = filter;
        self
    }

    /// Replaces the contract factory.
    pub fn contract_factory(mut self, factory: Arc<dyn ContractFactory>) -> Self {
        self.contract_factory = factory;
        self
    }

    /// Replaces the clock (tests use a manual one).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses this HTTP client for every call (it must not follow redirects).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Names this replica's worker in leases (default: a random name).
    pub fn worker_id(mut self, id: impl Into<String>) -> Self {
        self.worker_id = Some(id.into());
        self
    }

    /// Builds the engine; fails when the SuperOffice app settings are invalid.
    pub fn build(self) -> Result<Integration, EngineError> {
        let config = self.config;
        let http = match self.http {
            Some(http) => http,
            None => superoffice_client::default_http_client()?,
        };
        let oidc = OidcClient::builder(OidcConfig::new(
            config.environment.clone(),
            config.client_id.clone(),
            config.client_secret.expose_secret().to_owned(),
            config.redirect_uri.as_str(),
        )?)
        .http_client(http.clone())
        .clock(self.clock.clone())
        .build()?;
        let locator = Arc::new(
            TenantLocator::new(config.environment.clone(), http.clone())
                .with_clock(self.clock.clone()),
        );
        Ok(Integration {
            inner: Arc::new(Inner {
                worker_id: self.worker_id.unwrap_or_else(|| {
                    format!("worker-{}", hex::encode(rand::random::<[u8; 6]>()))
                }),
                config,
                store: self.store,
                stage_mapping: self.stage_mapping,
                template_filter: self.template_filter,
                contract_factory: self.contract_factory,
                clock: self.clock,
                http,
                oidc,
                locator,
                oneflow_clients: Mutex::new(HashMap::new()),
                superoffice_clients: Mutex::new(HashMap::new()),
                background_clients: Mutex::new(HashMap::new()),
                #[cfg(feature = "test-util")]
                crash_hooks: self.crash_hooks,
            }),
        })
    }
}

#[cfg(feature = "test-util")]
impl IntegrationBuilder {
    /// Test only (feature `test-util`): stops the engine at the [`crash::CrashPoint`]s the
    /// hooks choose, as if the process died there (see [`crash`]).
    pub fn crash_hooks(mut self, hooks: Arc<dyn crash::CrashHooks>) -> Self {
        self.crash_hooks = Some(hooks);
        self
    }
}

/// The integration engine. Cheap to clone (an `Arc` inside); share one per host.
#[derive(Clone)]
pub struct Integration {
    inner: Arc<Inner>,
}

impl fmt::Debug for Integration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Integration")
            .field("config", &self.inner.config)
            .field("worker_id", &self.inner.worker_id)
            .finish_non_exhaustive()
    }
}

struct Inner {
    config: IntegrationConfig,
    store: Arc<dyn Store>,
    stage_mapping: Arc<dyn StageMappingPolicy>,
    template_filter: Arc<dyn TemplateFilter>,
    contract_factory: Arc<dyn ContractFactory>,
    clock: Arc<dyn Clock>,
    http: reqwest::Client,
    oidc: OidcClient,
    locator: Arc<TenantLocator>,
    worker_id: String,
    oneflow_clients: Mutex<HashMap<InstallationId, oneflow_client::Client>>,
    superoffice_clients: Mutex<HashMap<InstallationId, superoffice_client::Client>>,
    background_clients: Mutex<HashMap<InstallationId, superoffice_client::Client>>,
    #[cfg(feature = "test-util")]
    crash_hooks: Option<Arc<dyn crash::CrashHooks>>,
}

impl Integration {
    /// Starts building an engine over `store` with the default policies, the system clock and
    /// a default HTTP client.
    pub fn builder(config: IntegrationConfig, store: Arc<dyn Store>) -> IntegrationBuilder {
        IntegrationBuilder {
            config,
            store,
            stage_mapping: Arc::new(DefaultStageMapping),
            template_filter: Arc::new(DefaultTemplateFilter),
            contract_factory: Arc::new(DefaultContractFactory),
            clock: Arc::new(SystemClock),
            http: None,
            worker_id: None,
            #[cfg(feature = "test-util")]
            crash_hooks: None,
        }
    }

    /// The store the engine works on.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The configuration.
    pub fn config(&self) -> &IntegrationConfig {
        &self.inner.config
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    async fn installation(
        &self,
        id: InstallationId,
    ) -> Result<crate::store::Installation, EngineError> {
        let installation = self
            .inner
            .store
            .installation(id)
            .await?
            .ok_or(EngineError::UnknownInstallation(id))?;
        if installation.state == InstallationState::Uninstalled {
            return Err(EngineError::Uninstalled(id));
        }
        Ok(installation)
    }

    async fn doc(&self, id: InstallationId) -> Result<(StoredDoc, i64), EngineError> {
        match self.inner.store.settings(id).await? {
            Some(stored) => {
                let doc = serde_json::from_value(stored.value).map_err(|e| {
                    EngineError::Store(StoreError::Corrupt {
                        what: format!("settings of installation {id}: {e}"),
                    })
                })?;
                Ok((doc, stored.version))
            }
            None => Ok((StoredDoc::default(), 0)),
        }
    }

    /// Applies `change` to the stored document with optimistic concurrency.
    async fn update_doc(
        &self,
        id: InstallationId,
        change: impl Fn(&mut StoredDoc),
    ) -> Result<StoredDoc, EngineError> {
        loop {
            let (mut doc, version) = self.doc(id).await?;
            change(&mut doc);
            let value = serde_json::to_value(&doc)
                .map_err(|e| EngineError::InvalidInput(format!("settings: {e}")))?;
            match self.inner.store.put_settings(id, &value, version).await {
                Ok(_) => return Ok(doc),
                Err(StoreError::Conflict { .. }) => continue,
                Err(other) => return Err(other.into()),
            }
        }
    }

    async fn secret(
        &self,
        id: InstallationId,
        kind: SecretKind,
    ) -> Result<SecretString, EngineError> {
        self.inner
            .store
            .secret(id, &kind)
            .await?
            .ok_or(EngineError::NotConnected(id))
    }

    fn build_oneflow(&self, token: SecretString) -> Result<oneflow_client::Client, EngineError> {
        let builder = oneflow_client::Client::builder()
            .base_url(self.inner.config.oneflow_base_url.clone())
            .api_token(token)
            .http_client(self.inner.http.clone())
            // The job queue retries (with its own backoff); calls fail fast.
            .retry_policy(oneflow_client::RetryPolicy::never());
        builder.build().map_err(|e| EngineError::Oneflow(e.into()))
    }

    /// The installation's Oneflow client (cached).
    async fn oneflow(&self, id: InstallationId) -> Result<oneflow_client::Client, EngineError> {
        if let Some(client) = lock(&self.inner.oneflow_clients).get(&id) {
            return Ok(client.clone());
        }
        let token = self.secret(id, SecretKind::OneflowApiToken).await?;
        let client = self.build_oneflow(token)?;
        lock(&self.inner.oneflow_clients).insert(id, client.clone());
        Ok(client)
    }

    /// The installation's SuperOffice client on the admin's refreshing tokens (cached).
    async fn superoffice(
        &self,
        id: InstallationId,
    ) -> Result<superoffice_client::Client, EngineError> {
        if let Some(client) = lock(&self.inner.superoffice_clients).get(&id) {
            return Ok(client.clone());
        }
        let installation = self.installation(id).await?;
        let tenant = installation.tenant.ok_or(EngineError::NotConnected(id))?;
        // Fails early when setup stored no refresh token.
        self.secret(id, SecretKind::SuperOfficeRefreshToken).await?;
        // The access token comes from the store (or a refresh) on the first call.
        let client = self.superoffice_client_for(id, &tenant, None).await?;
        lock(&self.inner.superoffice_clients).insert(id, client.clone());
        Ok(client)
    }

    async fn superoffice_client_for(
        &self,
        id: InstallationId,
        tenant: &str,
        tokens: Option<TokenSet>,
    ) -> Result<superoffice_client::Client, EngineError> {
        let customer = CustomerId::parse(tenant)
            .map_err(|e| EngineError::InvalidInput(format!("tenant {tenant}: {e}")))?;
        let api_base = self.inner.locator.api_base(&customer).await?;
        let provider = tokens::SharedTokenProvider {
            refresher: Arc::new(self.inner.oidc.clone()),
            store: self.inner.store.clone(),
            clock: self.inner.clock.clone(),
            installation: id,
            tenant: tenant.to_owned(),
            holder: self.inner.worker_id.clone(),
            cached: tokio::sync::Mutex::new(tokens),
        };
        superoffice_client::Client::builder()
            .api_base(api_base.to_string())
            .customer_id(customer)
            .token_provider(Arc::new(provider))
            .api_base_resolver(self.inner.locator.clone())
            .http_client(self.inner.http.clone())
            .retry_policy(superoffice_client::RetryPolicy::never())
            .build()
            .map_err(|e| EngineError::SuperOffice(e.into()))
    }

    fn forget_clients(&self, id: InstallationId) {
        lock(&self.inner.oneflow_clients).remove(&id);
        lock(&self.inner.superoffice_clients).remove(&id);
        lock(&self.inner.background_clients).remove(&id);
    }

    /// The SuperOffice client for background work: the tenant's system user when the app has a
    /// private key and setup stored a system token, otherwise the admin's refreshing tokens.
    async fn background(
        &self,
        id: InstallationId,
    ) -> Result<superoffice_client::Client, EngineError> {
        if let Some(client) = lock(&self.inner.background_clients).get(&id) {
            return Ok(client.clone());
        }
        let (doc, _) = self.doc(id).await?;
        let client = if doc.connection.system_user {
            let tenant = self
                .installation(id)
                .await?
                .tenant
                .ok_or(EngineError::NotConnected(id))?;
            self.system_user_client(id, &tenant, doc.connection.serial.as_deref())
                .await?
                .ok_or(EngineError::NotConnected(id))?
        } else {
            self.superoffice(id).await?
        };
        lock(&self.inner.background_clients).insert(id, client.clone());
        Ok(client)
    }

    /// A client on the tenant's system user, when the app has a key and a system token is
    /// stored.
    async fn system_user_client(
        &self,
        id: InstallationId,
        tenant: &str,
        serial: Option<&str>,
    ) -> Result<Option<superoffice_client::Client>, EngineError> {
        use superoffice_client::auth::{SystemUserConfig, SystemUserKey, SystemUserTokenProvider};
        let Some(key) = &self.inner.config.system_user_private_key else {
            return Ok(None);
        };
        let Some(system_token) = self
            .inner
            .store
            .secret(id, &SecretKind::SuperOfficeSystemToken)
            .await?
        else {
            return Ok(None);
        };
        let customer = CustomerId::parse(tenant)
            .map_err(|e| EngineError::InvalidInput(format!("tenant {tenant}: {e}")))?;
        let mut config = SystemUserConfig::new(
            self.inner.config.environment.clone(),
            customer.clone(),
            system_token.expose_secret(),
            self.inner.config.client_secret.expose_secret(),
            SystemUserKey::parse(key.expose_secret())?,
        );
        if let Some(serial) = serial {
            config = config.serial(serial);
        }
        let provider = SystemUserTokenProvider::new(config)?
            .with_http_client(self.inner.http.clone())
            .with_clock(self.inner.clock.clone());
        let api_base = self.inner.locator.api_base(&customer).await?;
        let client = superoffice_client::Client::builder()
            .api_base(api_base.to_string())
            .customer_id(customer)
            .token_provider(Arc::new(provider))
            .api_base_resolver(self.inner.locator.clone())
            .http_client(self.inner.http.clone())
            .retry_policy(superoffice_client::RetryPolicy::never())
            .build()
            .map_err(|e| EngineError::SuperOffice(e.into()))?;
        Ok(Some(client))
    }

    async fn audit(
        &self,
        id: InstallationId,
        action: &str,
        detail: impl Into<String>,
        event: Option<String>,
    ) -> Result<(), EngineError> {
        let entry = crate::store::NewAuditEntry::new(id, self.now(), action, detail, event);
        self.inner.store.append_audit(&entry).await?;
        Ok(())
    }

    /// The installation's settings (defaults until an admin changed them).
    pub async fn settings(&self, installation: InstallationId) -> Result<Settings, EngineError> {
        self.installation(installation).await?;
        Ok(self.doc(installation).await?.0.settings)
    }

    /// Replaces the installation's settings. Only a SuperOffice administrator may: the
    /// `superoffice_access_token` (the acting user's, e.g. from the web panel's sign-in) is
    /// checked through SuperOffice (`currentPrincipal`), and must belong to the bound tenant.
    pub async fn update_settings(
        &self,
        installation: InstallationId,
        superoffice_access_token: &SecretString,
        settings: Settings,
    ) -> Result<Settings, EngineError> {
        let current = self.installation(installation).await?;
        let tenant = current
            .tenant
            .ok_or(EngineError::NotConnected(installation))?;
        self.take_budget(installation, sync::Budget::SuperOffice)
            .await?;
        self.require_superoffice_admin(&tenant, superoffice_access_token)
            .await?;
        let now = self.now();
        let was_on = self
            .settings(installation)
            .await?
            .stage_mapping
            .stage_mapping_enabled;
        let now_on = settings.stage_mapping.stage_mapping_enabled;
        let doc = self
            .update_doc(installation, |doc| {
                doc.settings = settings.clone();
                track_mapping(&mut doc.connection, now_on, now);
            })
            .await?;
        self.audit(
            installation,
            "settings",
            format!(
                "settings changed by a SuperOffice administrator (stage mapping {} → {})",
                on_off(was_on),
                on_off(now_on)
            ),
            None,
        )
        .await?;
        Ok(doc.settings)
    }

    async fn require_superoffice_admin(
        &self,
        tenant: &str,
        access_token: &SecretString,
    ) -> Result<superoffice_client::models::Principal, EngineError> {
        let customer = CustomerId::parse(tenant)
            .map_err(|e| EngineError::InvalidInput(format!("tenant {tenant}: {e}")))?;
        let api_base = self.inner.locator.api_base(&customer).await?;
        let client = superoffice_client::Client::builder()
            .api_base(api_base.to_string())
            .customer_id(customer)
            .token_provider(Arc::new(superoffice_client::credentials::StaticToken::new(
                superoffice_client::Credential::bearer(access_token.expose_secret()),
            )))
            .http_client(self.inner.http.clone())
            .retry_policy(superoffice_client::RetryPolicy::never())
            .build()
            .map_err(|e| EngineError::SuperOffice(e.into()))?;
        let principal = client.users().current_principal().await?;
        if !principal.is_administrator() {
            return Err(EngineError::NotSuperOfficeAdmin);
        }
        Ok(principal)
    }

    /// SuperOffice users (active) without an active Oneflow account with the same e-mail
    /// (compared case-insensitively).
    pub async fn unmatched_users(
        &self,
        installation: InstallationId,
    ) -> Result<Vec<superoffice_client::api::users::UserRow>, EngineError> {
        use futures::TryStreamExt;
        self.installation(installation).await?;
        let so = self.superoffice(installation).await?;
        let of = self.oneflow(installation).await?;
        self.take_budget(installation, sync::Budget::Oneflow)
            .await?;
        let oneflow_emails: std::collections::HashSet<String> = of
            .users()
            .list()
            .stream()
            .try_filter_map(|user| async move {
                Ok(user
                    .active
                    .then(|| user.email.map(|e| e.trim().to_lowercase()))
                    .flatten())
            })
            .try_collect()
            .await?;
        self.take_budget(installation, sync::Budget::SuperOffice)
            .await?;
        let users: Vec<_> = so.users().list().stream().try_collect().await?;
        Ok(users
            .into_iter()
            .filter(|u| u.is_active)
            .filter(|u| {
                u.email
                    .as_deref()
                    .is_none_or(|e| !oneflow_emails.contains(&e.trim().to_lowercase()))
            })
            .collect())
    }
}

#[cfg(feature = "test-util")]
impl Integration {
    /// Ends the current call with [`EngineError::Crashed`] when a crash hook fires at `point`.
    fn crash_point(&self, point: crash::CrashPoint) -> Result<(), EngineError> {
        match &self.inner.crash_hooks {
            Some(hooks) if hooks.crash_at(point) => Err(EngineError::Crashed(point)),
            _ => Ok(()),
        }
    }
}

fn on_off(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
    }
}

/// Records when stage mapping was switched on or off.
fn track_mapping(connection: &mut Connection, on: bool, now: DateTime<Utc>) {
    let open = connection
        .mapping_periods
        .last()
        .is_some_and(|(_, end)| end.is_none());
    match (on, open) {
        (true, false) => connection.mapping_periods.push((now, None)),
        (false, true) => {
            if let Some(last) = connection.mapping_periods.last_mut() {
                last.1 = Some(now);
            }
        }
        _ => {}
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn random_secret() -> SecretString {
    SecretString::from(hex::encode(rand::random::<[u8; 32]>()))
}
