//! Stage sync: webhook intake, the worker, explain and reconcile.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use oneflow_client::models::{ContractId, ContractState as OfState};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use superoffice_client::models::{
    DocumentEntity, JsonPatch, SaleEntity, SaleId, SaleStatus as SoStatus,
};

use super::{EngineError, Integration};
use crate::policy::stage_mapping::{
    ClosedStatus, ContractState, Decision, LinkedContract, SaleSnapshot, SaleStatus, SaleUpdate,
    StageInput, TriggeringContract,
};
use crate::store::{
    DeliveryOutcome, DeliverySource, InstallationId, InstallationState, LeasedJob, NewAuditEntry,
    NewDelivery, SecretKind, StoreError,
};

/// The shortest time completed deliveries are kept, so that a vendor's retry is still
/// recognised as a duplicate: 24 hours. Oneflow retries a webhook up to 10 times over about
/// 1 h 47 min (gaps of 1, 5, 10, 30, 60, 300, 600, 1 800 and 3 600 s); SuperOffice retries
/// within 5 s. The margin covers a host that was down meanwhile and clock skew.
pub const MIN_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// The answer to a webhook delivery: the host answers HTTP 200 for every variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ack {
    /// Recorded and queued as this job.
    Queued {
        /// The job.
        job_id: i64,
    },
    /// Recorded while the installation is disabled: acknowledged, never applied.
    RecordedWhileDisabled {
        /// The job (completed without effect when the worker reaches it).
        job_id: i64,
    },
    /// Seen before: nothing new.
    Duplicate,
    /// SuperOffice's test ping (sent when a webhook is registered).
    Test,
}

/// What [`Integration::process_next_batch`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchReport {
    /// Jobs leased.
    pub leased: usize,
    /// Jobs finished.
    pub completed: usize,
    /// Jobs put back for a later attempt.
    pub retried: usize,
    /// Jobs given up on.
    pub parked: usize,
}

/// The stage decision for one contract, without applying it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Explanation {
    /// The linked Sale.
    pub sale_id: i64,
    /// What the policy decides now.
    pub decision: Decision,
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    /// Whether the installation was enabled when the delivery arrived.
    apply: bool,
    /// The raw body.
    body: String,
}

/// How one job ended.
enum JobError {
    /// Try again later (after at least this long, if the server said so).
    Transient(String, Option<Duration>),
    /// Will never succeed: park at once.
    Permanent(String),
    /// A crash hook stopped the engine: write nothing more.
    #[cfg(feature = "test-util")]
    Crashed(super::crash::CrashPoint),
}

impl From<EngineError> for JobError {
    fn from(error: EngineError) -> Self {
        #[cfg(feature = "test-util")]
        if let EngineError::Crashed(point) = error {
            return JobError::Crashed(point);
        }
        let text = error_chain(&error);
        if error.is_transient() {
            JobError::Transient(text, error.retry_after())
        } else {
            JobError::Permanent(text)
        }
    }
}

impl From<StoreError> for JobError {
    fn from(error: StoreError) -> Self {
        EngineError::from(error).into()
    }
}

impl From<oneflow_client::Error> for JobError {
    fn from(error: oneflow_client::Error) -> Self {
        EngineError::from(error).into()
    }
}

impl From<superoffice_client::Error> for JobError {
    fn from(error: superoffice_client::Error) -> Self {
        EngineError::from(error).into()
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn contract_state(state: &OfState) -> ContractState {
    match state {
        OfState::Draft => ContractState::Draft,
        OfState::Pending => ContractState::Pending,
        OfState::Overdue => ContractState::Overdue,
        OfState::Signed => ContractState::Signed,
        OfState::Declined => ContractState::Declined,
        other => ContractState::Other(other.to_string()),
    }
}

fn sale_status(status: Option<&SoStatus>) -> SaleStatus {
    match status {
        Some(SoStatus::Open) => SaleStatus::Open,
        Some(SoStatus::Sold) => SaleStatus::Sold,
        Some(SoStatus::Lost) => SaleStatus::Lost,
        Some(SoStatus::Stalled) => SaleStatus::Stalled,
        _ => SaleStatus::Unknown,
    }
}

fn snapshot(sale: &SaleEntity) -> SaleSnapshot {
    SaleSnapshot {
        status: sale_status(sale.status.as_ref()),
        stage_id: sale.stage_id(),
        probability: sale.probability,
    }
}

/// Which shared request budget a call takes from.
#[derive(Clone, Copy)]
pub(super) enum Budget {
    Oneflow,
    SuperOffice,
}

impl Integration {
    /// Takes one unit of a request budget shared by every replica through the store, before
    /// each call to Oneflow or SuperOffice — in background work and in user calls alike
    /// (templates, preview, create, setup, uninstall, …). When the budget is used up, waits
    /// for the next window if that comes within
    /// [`WorkerConfig::budget_wait`](super::WorkerConfig::budget_wait) in total, and otherwise
    /// fails with [`EngineError::BudgetExhausted`] (nothing is sent): a job is retried after
    /// the window, a user call returns the error (a host answers HTTP 429 with its
    /// `retry_after`).
    pub(super) async fn take_budget(
        &self,
        installation: InstallationId,
        budget: Budget,
    ) -> Result<(), EngineError> {
        self.take_budget_units(installation, budget, 1).await
    }

    /// Like [`take_budget`](Self::take_budget), for `units` calls at once (one store write).
    async fn take_budget_units(
        &self,
        installation: InstallationId,
        budget: Budget,
        units: u32,
    ) -> Result<(), EngineError> {
        let bound = self.inner.config.worker.budget_wait;
        let mut waited = Duration::ZERO;
        loop {
            match self.try_take_budget(installation, budget, units).await {
                Err(EngineError::BudgetExhausted { retry_after, .. })
                    if waited + retry_after <= bound =>
                {
                    waited += retry_after;
                    tokio::time::sleep(retry_after).await;
                }
                other => return other,
            }
        }
    }

    /// Takes `units` units, or fails at once with [`EngineError::BudgetExhausted`].
    async fn try_take_budget(
        &self,
        installation: InstallationId,
        budget: Budget,
        units: u32,
    ) -> Result<(), EngineError> {
        let worker = &self.inner.config.worker;
        let (key, (limit, window)) = match budget {
            Budget::Oneflow => (format!("oneflow:{installation}"), worker.oneflow_budget),
            Budget::SuperOffice => {
                let tenant = self
                    .installation(installation)
                    .await?
                    .tenant
                    .unwrap_or_default();
                (format!("superoffice:{tenant}"), worker.superoffice_budget)
            }
        };
        let now = self.now();
        match self
            .inner
            .store
            .take_rate_budget_units(&key, units, limit, window, now)
            .await?
        {
            crate::store::RateDecision::Allowed { .. } => Ok(()),
            crate::store::RateDecision::Exhausted { retry_at } => {
                Err(EngineError::BudgetExhausted {
                    key,
                    retry_after: (retry_at - now).to_std().unwrap_or_default(),
                })
            }
        }
    }

    /// An audit entry stamped now, for a job's log.
    fn entry(
        &self,
        installation: InstallationId,
        action: &str,
        detail: impl Into<String>,
        event: Option<String>,
    ) -> NewAuditEntry {
        NewAuditEntry::new(installation, self.now(), action, detail, event)
    }

    /// Writes entries collected in a job's log, in order.
    async fn append_audit_entries(&self, log: &[NewAuditEntry]) -> Result<(), EngineError> {
        for entry in log {
            self.inner.store.append_audit(entry).await?;
        }
        Ok(())
    }

    /// Takes a Oneflow webhook delivery for `installation`: verifies it with that
    /// installation's sign key, records it durably and queues it, and returns at once.
    ///
    /// Answer HTTP 200 for every `Ok` (duplicates included) and 401 for
    /// [`EngineError::BadSignature`]. The dedupe key is the callback id plus the contract id:
    /// a replayed signature carrying another contract id is a new delivery (and the worker
    /// re-reads that contract, so it cannot forge a state), and cannot suppress the genuine one.
    ///
    /// ```no_run
    /// use integration_core::engine::EngineError;
    /// use integration_core::store::InstallationId;
    ///
    /// /// The host's handler for `POST /webhooks/oneflow/{installation}`: returns the status.
    /// async fn on_oneflow_webhook(
    ///     integration: &integration_core::Integration,
    ///     installation: i64,
    ///     raw_body: &[u8],
    /// ) -> u16 {
    ///     match integration
    ///         .ingest_oneflow_webhook(InstallationId::new(installation), raw_body)
    ///         .await
    ///     {
    ///         Ok(_) => 200, // queued, duplicate or recorded while disabled
    ///         Err(EngineError::BadSignature { .. }) => 401,
    ///         Err(_) => 500, // Oneflow retries
    ///     }
    /// }
    /// ```
    pub async fn ingest_oneflow_webhook(
        &self,
        installation: InstallationId,
        raw_body: &[u8],
    ) -> Result<Ack, EngineError> {
        let current = self.installation(installation).await?;
        let key = self
            .inner
            .store
            .secret(installation, &SecretKind::OneflowWebhookSignKey)
            .await?
            .ok_or(EngineError::NotConnected(installation))?;
        let payload = oneflow_client::webhook::verify(raw_body, &key).map_err(|e| {
            EngineError::BadSignature {
                reason: e.to_string(),
            }
        })?;
        let dedupe = format!("{}:{}", payload.callback_id, payload.contract.id.get());
        self.record(
            installation,
            current.state,
            DeliverySource::Oneflow,
            dedupe,
            raw_body,
        )
        .await
    }

    /// Takes a SuperOffice webhook delivery for `installation`: verifies the HMAC
    /// (`X-SuperOffice-Signature`) with that installation's secret, records and queues it
    /// (deduped on `EventId`). The worker records manual closures in the audit log and ignores
    /// the echoes of the engine's own writes.
    pub async fn ingest_superoffice_webhook(
        &self,
        installation: InstallationId,
        raw_body: &[u8],
        signature_header: &str,
    ) -> Result<Ack, EngineError> {
        let current = self.installation(installation).await?;
        let secret = self
            .inner
            .store
            .secret(installation, &SecretKind::SuperOfficeWebhookSecret)
            .await?
            .ok_or(EngineError::NotConnected(installation))?;
        let payload =
            superoffice_client::webhook::verify(raw_body, secret.expose_secret(), signature_header)
                .map_err(|e| EngineError::BadSignature {
                    reason: e.to_string(),
                })?;
        if payload.is_test() {
            return Ok(Ack::Test);
        }
        let event_id = payload
            .event_id
            .clone()
            .filter(|e| !e.is_empty())
            .ok_or_else(|| EngineError::BadSignature {
                reason: "the delivery has no EventId".into(),
            })?;
        self.record(
            installation,
            current.state,
            DeliverySource::SuperOffice,
            event_id,
            raw_body,
        )
        .await
    }

    async fn record(
        &self,
        installation: InstallationId,
        state: InstallationState,
        source: DeliverySource,
        dedupe: String,
        raw_body: &[u8],
    ) -> Result<Ack, EngineError> {
        let apply = state == InstallationState::Active;
        let envelope = Envelope {
            apply,
            body: String::from_utf8_lossy(raw_body).into_owned(),
        };
        let payload = serde_json::to_string(&envelope)
            .map_err(|e| EngineError::InvalidInput(format!("webhook body: {e}")))?;
        let outcome = self
            .inner
            .store
            .record_delivery(NewDelivery::new(
                installation,
                source,
                dedupe,
                payload,
                self.now(),
            ))
            .await?;
        Ok(match outcome {
            DeliveryOutcome::Duplicate => Ack::Duplicate,
            DeliveryOutcome::Recorded { job_id } if apply => Ack::Queued { job_id },
            DeliveryOutcome::Recorded { job_id } => Ack::RecordedWhileDisabled { job_id },
        })
    }

    /// Deletes completed webhook jobs and their deliveries that finished before `before`,
    /// and returns how many deliveries went. Their dedupe keys go with them, so the cutoff is
    /// never later than now − [`MIN_RETENTION`]: a later `before` is moved back to it, and a
    /// vendor's retry of a purged delivery can no longer arrive. Parked and pending jobs, links
    /// and the audit log stay. [`run_worker`](Self::run_worker) calls it hourly with
    /// [`WorkerConfig::retention`](super::WorkerConfig::retention).
    ///
    /// ```no_run
    /// # async fn run(integration: integration_core::Integration) -> Result<(), integration_core::engine::EngineError> {
    /// let week_ago = chrono::Utc::now() - chrono::TimeDelta::days(7);
    /// let purged = integration.purge_before(week_ago).await?;
    /// println!("{purged} completed deliveries purged");
    /// # Ok(()) }
    /// ```
    pub async fn purge_before(&self, before: DateTime<Utc>) -> Result<u64, EngineError> {
        let window = TimeDelta::from_std(MIN_RETENTION).unwrap_or(TimeDelta::days(1));
        let cutoff = before.min(self.now() - window);
        Ok(self.inner.store.purge_completed(cutoff).await?)
    }

    /// Runs the worker until `shutdown` resolves: processes batches, waits
    /// [`WorkerConfig::idle_wait`](super::WorkerConfig::idle_wait) when the queue is empty
    /// (a shutdown ends the wait at once; a batch in flight is finished first),
    /// and once an hour purges completed work older than
    /// [`WorkerConfig::retention`](super::WorkerConfig::retention). A batch that fails (the
    /// store is unreachable) is logged and counts as idle.
    ///
    /// ```no_run
    /// # async fn run(integration: integration_core::Integration) {
    /// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// let worker = tokio::spawn({
    ///     let integration = integration.clone();
    ///     async move { integration.run_worker(async { let _ = stopped.await; }).await }
    /// });
    /// // … on shutdown:
    /// let _ = stop.send(());
    /// let _ = worker.await;
    /// # }
    /// ```
    pub async fn run_worker(&self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut last_purge: Option<DateTime<Utc>> = None;
        loop {
            if let Some(retention) = self.inner.config.worker.retention {
                let now = self.now();
                if last_purge.is_none_or(|at| now - at >= TimeDelta::hours(1)) {
                    last_purge = Some(now);
                    if let Err(error) = self.purge_before(now - retention).await {
                        tracing::warn!(error = %error, "purging completed work failed");
                    }
                }
            }
            // Stop between batches: a batch in flight is finished (its Sale writes, audit
            // entries and job states belong together), never dropped halfway.
            if futures::poll!(&mut shutdown).is_ready() {
                return;
            }
            let report = self.process_next_batch().await;
            let idle = match report {
                Ok(report) => report.leased == 0,
                Err(error) => {
                    tracing::warn!(error = %error, "worker batch failed");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = tokio::time::sleep(self.inner.config.worker.idle_wait) => {}
                }
            }
        }
    }

    /// Leases the jobs that are due and processes them; returns what happened.
    pub async fn process_next_batch(&self) -> Result<BatchReport, EngineError> {
        let worker = &self.inner.config.worker;
        let jobs = self
            .inner
            .store
            .lease(
                &self.inner.worker_id,
                worker.batch_size,
                worker.lease_for,
                self.now(),
            )
            .await?;
        let mut report = BatchReport {
            leased: jobs.len(),
            ..BatchReport::default()
        };
        for leased in jobs {
            #[cfg(feature = "test-util")]
            self.crash_point(super::crash::CrashPoint::AfterAck)?;
            let mut log = Vec::new();
            let result = self.process_job(&leased, &mut log).await;
            let store = &self.inner.store;
            let installation = leased.job.installation;
            let outcome = match result {
                #[cfg(feature = "test-util")]
                Err(JobError::Crashed(point)) => return Err(EngineError::Crashed(point)),
                Ok(()) => {
                    report.completed += 1;
                    // The outcome and the job's audit entries in one transaction.
                    store
                        .complete_with_audit(&leased.lease, &log, self.now())
                        .await
                }
                Err(JobError::Transient(error, retry_after))
                    if leased.job.attempts < worker.max_attempts =>
                {
                    report.retried += 1;
                    let shift = (leased.job.attempts - 1).clamp(0, 20) as u32;
                    let mut backoff = worker
                        .initial_backoff
                        .checked_mul(1 << shift.min(16))
                        .unwrap_or(worker.max_backoff)
                        .min(worker.max_backoff);
                    if let Some(wait) = retry_after.and_then(|d| TimeDelta::from_std(d).ok()) {
                        backoff = backoff.max(wait);
                    }
                    let when = self.now() + backoff;
                    self.append_audit_entries(&log).await?;
                    self.audit(
                        installation,
                        "retry",
                        format!(
                            "job {} attempt {} failed, retrying at {when}: {error}",
                            leased.job.id, leased.job.attempts
                        ),
                        None,
                    )
                    .await?;
                    store.retry_at(&leased.lease, when, &error).await
                }
                Err(JobError::Transient(error, _)) | Err(JobError::Permanent(error)) => {
                    report.parked += 1;
                    self.append_audit_entries(&log).await?;
                    self.audit(
                        installation,
                        "parked",
                        format!(
                            "job {} given up after {} attempt(s): {error}",
                            leased.job.id, leased.job.attempts
                        ),
                        None,
                    )
                    .await?;
                    store.park(&leased.lease, &error, self.now()).await
                }
            };
            match outcome {
                Err(StoreError::LeaseLost { .. }) => continue,
                other => other?,
            }
        }
        Ok(report)
    }

    /// Processes one job; its audit entries go to `log`, written by the caller together with
    /// the job's outcome.
    async fn process_job(
        &self,
        leased: &LeasedJob,
        log: &mut Vec<NewAuditEntry>,
    ) -> Result<(), JobError> {
        let job = &leased.job;
        let envelope: Envelope = serde_json::from_str(&job.payload)
            .map_err(|e| JobError::Permanent(format!("unreadable job payload: {e}")))?;
        let installation = match self.installation(job.installation).await {
            Ok(installation) => installation,
            Err(EngineError::Uninstalled(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let event = match job.source {
            DeliverySource::Oneflow => serde_json::from_str::<serde_json::Value>(&envelope.body)
                .ok()
                .and_then(|v| v.get("callback_id")?.as_str().map(str::to_owned)),
            DeliverySource::SuperOffice => {
                serde_json::from_str::<serde_json::Value>(&envelope.body)
                    .ok()
                    .and_then(|v| v.get("EventId")?.as_str().map(str::to_owned))
            }
        };
        if !envelope.apply || installation.state != InstallationState::Active {
            log.push(self.entry(
                job.installation,
                "ignored",
                "the delivery arrived or was processed while the integration was disabled; not applied",
                event,
            ));
            return Ok(());
        }
        match job.source {
            DeliverySource::Oneflow => {
                let payload: oneflow_client::webhook::WebhookPayload =
                    serde_json::from_str(&envelope.body).map_err(|e| {
                        JobError::Permanent(format!("unreadable Oneflow delivery: {e}"))
                    })?;
                self.sync_contract(job.installation, payload.contract.id.get(), event, log)
                    .await
            }
            DeliverySource::SuperOffice => {
                self.note_superoffice_event(job.installation, &envelope.body, event, log)
                    .await
            }
        }
    }

    /// A SuperOffice Sale event: our own writes are echoes; a Sale closed by someone else is
    /// recorded as a manual closure.
    async fn note_superoffice_event(
        &self,
        installation: InstallationId,
        body: &str,
        event: Option<String>,
        log: &mut Vec<NewAuditEntry>,
    ) -> Result<(), JobError> {
        let payload: superoffice_client::webhook::WebhookPayload = serde_json::from_str(body)
            .map_err(|e| JobError::Permanent(format!("unreadable SuperOffice delivery: {e}")))?;
        let (doc, _) = self.doc(installation).await?;
        let ours = doc
            .connection
            .background_associate_id
            .or(doc.connection.admin_associate_id);
        let by = Some(payload.changed_by_associate_id.0).filter(|a| *a != 0);
        let Some(fields) = payload.sale_fields() else {
            return Ok(());
        };
        let sale = payload.primary_key.unwrap_or_default();
        if by.is_some() && by == ours {
            log.push(self.entry(
                installation,
                "echo",
                format!("Sale {sale} changed by the integration itself; ignored"),
                event,
            ));
            return Ok(());
        }
        if let Some(status) = fields.status {
            let status = status.to_string();
            if status == "Sold" || status == "Lost" {
                log.push(self.entry(
                    installation,
                    "manual_closure",
                    format!(
                        "Sale {sale} was closed as {status} in SuperOffice by associate {}; \
                         stage mapping will not override it",
                        by.map_or_else(|| "?".to_owned(), |b| b.to_string())
                    ),
                    event,
                ));
            }
        }
        Ok(())
    }

    /// Gathers the policy input for `contract_id`: the contract (re-read), its Sale, the
    /// other contracts on the Sale, the settings. Before reading the Sale it takes
    /// `superoffice_units` units of the SuperOffice budget: 1 for the read, or 2 when the
    /// caller will write the Sale too (one store write for both calls).
    async fn stage_input(
        &self,
        installation: InstallationId,
        contract_id: i64,
        superoffice_units: u32,
    ) -> Result<Option<(i64, StageInput, SaleEntity)>, EngineError> {
        let oneflow = self.oneflow(installation).await?;
        self.take_budget(installation, Budget::Oneflow).await?;
        let contract = oneflow
            .contracts()
            .get(ContractId::from(contract_id))
            .await?;
        let store = &self.inner.store;
        let sale_id = match store.link_for_contract(installation, contract_id).await? {
            Some(link) => link.sale_id,
            None => {
                // Not created through us: accept the link fields when they name our tenant.
                let fields = &self.inner.config.link_fields;
                let tenant = self.installation(installation).await?.tenant;
                let same_tenant = contract
                    .data_field_value(&fields.tenant)
                    .is_some_and(|t| Some(t) == tenant.as_deref());
                match contract
                    .data_field_value(&fields.sale_id)
                    .and_then(|v| v.trim().parse::<i64>().ok())
                {
                    Some(sale) if same_tenant => sale,
                    _ => return Ok(None),
                }
            }
        };
        let mut others = Vec::new();
        for link in store.links_for_sale(installation, sale_id).await? {
            if link.contract_id == contract_id {
                continue;
            }
            self.take_budget(installation, Budget::Oneflow).await?;
            let other = oneflow
                .contracts()
                .get(ContractId::from(link.contract_id))
                .await?;
            others.push(LinkedContract {
                id: link.contract_id,
                state: contract_state(&other.state),
                created_at: other.created_time().unwrap_or(link.created_at),
            });
        }
        let so = self.background(installation).await?;
        let sale_key = i32::try_from(sale_id)
            .map_err(|_| EngineError::InvalidInput(format!("Sale id {sale_id} is out of range")))?;
        self.take_budget_units(installation, Budget::SuperOffice, superoffice_units)
            .await?;
        let sale = so.sales().get(SaleId(sale_key)).await?;
        let settings = self.doc(installation).await?.0.settings.stage_mapping;
        let created = contract.created_time().unwrap_or_else(|| self.now());
        let input = StageInput {
            contract: TriggeringContract {
                id: contract_id,
                state: contract_state(&contract.state),
                state_changed_at: contract.state_updated_time.unwrap_or(created),
                created_at: created,
            },
            sale: snapshot(&sale),
            other_contracts: others,
            settings,
        };
        Ok(Some((sale_id, input, sale)))
    }

    /// Re-reads the contract, decides, and applies the decision to the Sale with a guarded
    /// patch; on a concurrent change re-reads and decides again. Its audit entries go to
    /// `log`, for the caller to write.
    async fn sync_contract(
        &self,
        installation: InstallationId,
        contract_id: i64,
        event: Option<String>,
        log: &mut Vec<NewAuditEntry>,
    ) -> Result<(), JobError> {
        // The Sale read and the write are paid for in one take when the budget can hold both
        // (a decision of "no change" then leaves one unit unused: the budget errs on the
        // safe side).
        let prepaid = self.inner.config.worker.superoffice_budget.0 >= 2;
        let units = if prepaid { 2 } else { 1 };
        for _ in 0..3 {
            let Some((sale_id, input, sale)) =
                self.stage_input(installation, contract_id, units).await?
            else {
                log.push(self.entry(
                    installation,
                    "stage_mapping",
                    format!("contract {contract_id} is not linked to a Sale; nothing to do"),
                    event,
                ));
                return Ok(());
            };
            let decision = self.inner.stage_mapping.decide(&input);
            let update = match &decision {
                Decision::NoChange(reason) => {
                    log.push(self.entry(
                        installation,
                        "stage_mapping",
                        format!(
                            "contract {contract_id} ({}), Sale {sale_id}: no change: {reason}",
                            input.contract.state
                        ),
                        event,
                    ));
                    return Ok(());
                }
                Decision::Update(update) => update.clone(),
            };
            if !prepaid {
                self.take_budget(installation, Budget::SuperOffice).await?;
            }
            match self
                .apply_update(installation, &sale, &input, &update)
                .await
            {
                Ok(()) => {
                    #[cfg(feature = "test-util")]
                    self.crash_point(super::crash::CrashPoint::AfterSaleWrite)?;
                    log.push(self.entry(
                        installation,
                        "stage_mapping",
                        format!(
                            "contract {contract_id} ({}), Sale {sale_id}: {update}",
                            input.contract.state
                        ),
                        event.clone(),
                    ));
                    if update.status == ClosedStatus::Sold {
                        self.archive_signed_pdf(
                            installation,
                            contract_id,
                            &sale,
                            event.clone(),
                            log,
                        )
                        .await?;
                    }
                    return Ok(());
                }
                Err(e) if e.is_conflict() => {
                    log.push(self.entry(
                        installation,
                        "stage_mapping",
                        format!("Sale {sale_id} changed meanwhile; deciding again"),
                        event.clone(),
                    ));
                    continue;
                }
                Err(e) => {
                    // A refused write (403, validation such as a mandatory reason, a deleted
                    // Sale) will not succeed by repeating it.
                    let permanent = matches!(e.status().map(|s| s.as_u16()), Some(400 | 403 | 404));
                    let error = EngineError::from(e);
                    return Err(if permanent {
                        JobError::Permanent(error_chain(&error))
                    } else {
                        error.into()
                    });
                }
            }
        }
        Err(JobError::Transient(
            format!("Sale of contract {contract_id} kept changing; trying again later"),
            None,
        ))
    }

    async fn apply_update(
        &self,
        installation: InstallationId,
        sale: &SaleEntity,
        input: &StageInput,
        update: &SaleUpdate,
    ) -> Result<(), superoffice_client::Error> {
        let so = self
            .background(installation)
            .await
            .map_err(|e| superoffice_client::Error::Protocol(e.to_string()))?;
        let current = sale
            .status
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_else(|| input.sale.status.to_string());
        let mut patch = JsonPatch::new()
            .test("Status", current)
            .replace("Status", update.status.to_string())
            .replace("Probability", i32::from(update.probability));
        if let Some(reason) = update.reason_id {
            let path = match update.status {
                ClosedStatus::Sold => "ReasonSold",
                ClosedStatus::Lost => "Reason",
            };
            patch = patch.replace(path, serde_json::json!({ "Id": reason }));
        }
        if let Some(stage) = update.stage_id {
            patch = patch.replace("Rating", serde_json::json!({ "Id": stage }));
        }
        match sale.updated_date.as_ref().filter(|d| !d.is_empty()) {
            Some(updated) => {
                so.sales()
                    .patch_if_unmodified_since(sale.sale_id, &patch, updated.assume_utc())
                    .await?
            }
            None => so.sales().patch(sale.sale_id, &patch).await?,
        };
        Ok(())
    }

    /// Archives the signed PDF as a SuperOffice document on the Sale (setting
    /// `archive_signed_pdf`). Failures are audited, not retried: the Sale update stands.
    async fn archive_signed_pdf(
        &self,
        installation: InstallationId,
        contract_id: i64,
        sale: &SaleEntity,
        event: Option<String>,
        log: &mut Vec<NewAuditEntry>,
    ) -> Result<(), JobError> {
        let settings = self.doc(installation).await?.0.settings;
        if !settings.archive_signed_pdf {
            return Ok(());
        }
        let result: Result<i32, EngineError> = async {
            let template = settings.archive_document_template_id.ok_or_else(|| {
                EngineError::InvalidInput(
                    "no SuperOffice document type is set for archived contracts; \
                     set archive_document_template_id in the settings"
                        .into(),
                )
            })?;
            let oneflow = self.oneflow(installation).await?;
            let so = self.background(installation).await?;
            let id = ContractId::from(contract_id);
            self.take_budget(installation, Budget::Oneflow).await?;
            let files = oneflow.files().list(id).await?;
            let file = files
                .iter()
                .find(|f| {
                    f.file_type
                        .as_ref()
                        .is_some_and(|t| t.as_str() == "contract")
                })
                .or_else(|| files.first())
                .ok_or_else(|| EngineError::InvalidInput("the contract has no files".into()))?;
            self.take_budget(installation, Budget::Oneflow).await?;
            let bytes = oneflow.files().download(id, file.id).await?.bytes().await?;
            let contact = sale
                .contact_id()
                .ok_or_else(|| EngineError::InvalidInput("the Sale has no company".into()))?;
            let document = DocumentEntity::new(
                format!("Signed contract {contract_id}"),
                format!("oneflow-contract-{contract_id}.pdf"),
                template,
            )
            .on_sale(sale.sale_id, contact, sale.person_id());
            self.take_budget(installation, Budget::SuperOffice).await?;
            let created = so.documents().create(&document).await?;
            self.take_budget(installation, Budget::SuperOffice).await?;
            so.documents()
                .upload_content(created.document_id, bytes)
                .await?;
            Ok(created.document_id.0)
        }
        .await;
        match result {
            Ok(document) => {
                log.push(self.entry(
                    installation,
                    "archive",
                    format!(
                        "signed PDF of contract {contract_id} archived as document {document} on Sale {}",
                        sale.sale_id.0
                    ),
                    event,
                ))
            }
            Err(error) => {
                log.push(self.entry(
                    installation,
                    "archive",
                    format!(
                        "the signed PDF of contract {contract_id} could not be archived: {}",
                        error_chain(&error)
                    ),
                    event,
                ))
            }
        }
        Ok(())
    }

    /// The stage decision for a contract now, without applying it.
    pub async fn explain(
        &self,
        installation: InstallationId,
        contract_id: i64,
    ) -> Result<Option<Explanation>, EngineError> {
        Ok(self
            .stage_input(installation, contract_id, 1)
            .await?
            .map(|(sale_id, input, _)| Explanation {
                sale_id,
                decision: self.inner.stage_mapping.decide(&input),
            }))
    }

    /// Sweeps the linked Sales that are still open and applies the transitions whose webhooks
    /// never arrived — only those that happened while stage mapping was on. Returns how many
    /// Sales were updated. Run it periodically (e.g. hourly) per installation.
    ///
    /// ```no_run
    /// # async fn run(integration: integration_core::Integration) -> Result<(), integration_core::engine::EngineError> {
    /// for installation in integration.store().installations().await? {
    ///     let updated = integration.reconcile(installation.id).await?;
    ///     println!("installation {}: {updated} Sales caught up", installation.id);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn reconcile(&self, installation: InstallationId) -> Result<usize, EngineError> {
        let current = self.installation(installation).await?;
        if current.state != InstallationState::Active {
            return Ok(0);
        }
        let (doc, _) = self.doc(installation).await?;
        let periods = doc.connection.mapping_periods.clone();
        // Oneflow's timestamps have whole seconds: a change in the second mapping was switched
        // on counts as on, one in the second it was switched off as off.
        let on_at = |at: DateTime<Utc>| {
            periods.iter().any(|(from, to)| {
                from.trunc_subsecs(0) <= at && to.is_none_or(|to| at < to.trunc_subsecs(0))
            })
        };
        let contracts = self.tenant_contract_ids(installation).await?;
        let mut updated = 0;
        for contract_id in contracts {
            let Some((_, input, _)) = self.stage_input(installation, contract_id, 1).await? else {
                continue;
            };
            if input.sale.status != SaleStatus::Open && input.sale.status != SaleStatus::Stalled {
                continue;
            }
            if !on_at(input.contract.state_changed_at) {
                continue;
            }
            if let Decision::Update(_) = self.inner.stage_mapping.decide(&input) {
                let mut log = Vec::new();
                let result = self
                    .sync_contract(
                        installation,
                        contract_id,
                        Some("reconcile".into()),
                        &mut log,
                    )
                    .await;
                #[cfg(feature = "test-util")]
                if let Err(JobError::Crashed(point)) = result {
                    return Err(EngineError::Crashed(point));
                }
                self.append_audit_entries(&log).await?;
                match result {
                    Ok(()) => updated += 1,
                    Err(JobError::Transient(e, _)) | Err(JobError::Permanent(e)) => {
                        self.audit(installation, "reconcile", e, None).await?;
                    }
                    #[cfg(feature = "test-util")]
                    Err(JobError::Crashed(point)) => return Err(EngineError::Crashed(point)),
                }
            }
        }
        Ok(updated)
    }

    /// The contracts carrying this installation's tenant in their link field.
    async fn tenant_contract_ids(
        &self,
        installation: InstallationId,
    ) -> Result<Vec<i64>, EngineError> {
        use futures::TryStreamExt;
        let tenant = self
            .installation(installation)
            .await?
            .tenant
            .ok_or(EngineError::NotConnected(installation))?;
        let oneflow = self.oneflow(installation).await?;
        self.take_budget(installation, Budget::Oneflow).await?;
        let contracts: Vec<_> = oneflow
            .contracts()
            .list()
            .data_field_match(self.inner.config.link_fields.tenant.clone(), tenant)
            .stream()
            .try_collect()
            .await?;
        Ok(contracts.into_iter().map(|c| c.id.get()).collect())
    }
}
