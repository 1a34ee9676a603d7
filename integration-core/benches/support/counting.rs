//! A [`Store`] wrapper that counts write transactions, for the commits-per-event figure.
//!
//! Each call of a writing method is one transaction and so one durable commit (the stores
//! run every write in its own transaction). Not counted: reads, a delivery that turned out a
//! duplicate (rolled back), a lease that found no job (nothing written).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use integration_core::store::*;
use secrecy::SecretString;

/// Counts write transactions by method, delegating everything to `inner`.
#[derive(Debug)]
pub(crate) struct CountingStore {
    inner: Arc<dyn Store>,
    counts: Mutex<BTreeMap<&'static str, u64>>,
}

impl CountingStore {
    pub(crate) fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            counts: Mutex::new(BTreeMap::new()),
        }
    }

    fn count(&self, method: &'static str) {
        *self
            .counts
            .lock()
            .expect("counter lock")
            .entry(method)
            .or_default() += 1;
    }

    /// The counts so far, by method.
    pub(crate) fn snapshot(&self) -> BTreeMap<&'static str, u64> {
        self.counts.lock().expect("counter lock").clone()
    }
}

/// `after − before`, by method, without the zeros.
pub(crate) fn delta(
    before: &BTreeMap<&'static str, u64>,
    after: &BTreeMap<&'static str, u64>,
) -> BTreeMap<&'static str, u64> {
    after
        .iter()
        .map(|(k, v)| (*k, v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, v)| *v > 0)
        .collect()
}

#[async_trait]
impl Store for CountingStore {
    async fn create_installation(
        &self,
        id: InstallationId,
        now: DateTime<Utc>,
    ) -> Result<Installation, StoreError> {
        self.count("create_installation");
        self.inner.create_installation(id, now).await
    }

    async fn installation(&self, id: InstallationId) -> Result<Option<Installation>, StoreError> {
        self.inner.installation(id).await
    }

    async fn installation_by_tenant(
        &self,
        tenant: &str,
    ) -> Result<Option<Installation>, StoreError> {
        self.inner.installation_by_tenant(tenant).await
    }

    async fn installations(&self) -> Result<Vec<Installation>, StoreError> {
        self.inner.installations().await
    }

    async fn set_installation_state(
        &self,
        id: InstallationId,
        state: InstallationState,
        now: DateTime<Utc>,
    ) -> Result<Installation, StoreError> {
        self.count("set_installation_state");
        self.inner.set_installation_state(id, state, now).await
    }

    async fn bind_tenant(
        &self,
        id: InstallationId,
        tenant: &str,
        now: DateTime<Utc>,
    ) -> Result<Installation, StoreError> {
        self.count("bind_tenant");
        self.inner.bind_tenant(id, tenant, now).await
    }

    async fn unbind_tenant(
        &self,
        id: InstallationId,
        now: DateTime<Utc>,
    ) -> Result<Installation, StoreError> {
        self.count("unbind_tenant");
        self.inner.unbind_tenant(id, now).await
    }

    async fn put_secret(
        &self,
        id: InstallationId,
        kind: &SecretKind,
        value: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.count("put_secret");
        self.inner.put_secret(id, kind, value, now).await
    }

    async fn secret(
        &self,
        id: InstallationId,
        kind: &SecretKind,
    ) -> Result<Option<SecretString>, StoreError> {
        self.inner.secret(id, kind).await
    }

    async fn forget_secrets(&self, id: InstallationId) -> Result<u64, StoreError> {
        self.count("forget_secrets");
        self.inner.forget_secrets(id).await
    }

    async fn settings(&self, id: InstallationId) -> Result<Option<VersionedSettings>, StoreError> {
        self.inner.settings(id).await
    }

    async fn put_settings(
        &self,
        id: InstallationId,
        value: &serde_json::Value,
        expected_version: i64,
    ) -> Result<i64, StoreError> {
        self.count("put_settings");
        self.inner.put_settings(id, value, expected_version).await
    }

    async fn put_oauth_state(&self, pending: &PendingOAuth) -> Result<(), StoreError> {
        self.count("put_oauth_state");
        self.inner.put_oauth_state(pending).await
    }

    async fn take_oauth_state(
        &self,
        state: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingOAuth>, StoreError> {
        self.count("take_oauth_state");
        self.inner.take_oauth_state(state, now).await
    }

    async fn put_handoff(
        &self,
        code_hash: &str,
        payload: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.count("put_handoff");
        self.inner
            .put_handoff(code_hash, payload, expires_at, now)
            .await
    }

    async fn take_handoff(
        &self,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        self.count("take_handoff");
        self.inner.take_handoff(code_hash, now).await
    }

    async fn claim_contract_request(
        &self,
        id: InstallationId,
        sale_id: i64,
        request_key: &str,
        now: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError> {
        self.count("claim_contract_request");
        self.inner
            .claim_contract_request(id, sale_id, request_key, now)
            .await
    }

    async fn record_created_contract(
        &self,
        id: InstallationId,
        request_key: &str,
        contract_id: i64,
    ) -> Result<(), StoreError> {
        self.count("record_created_contract");
        self.inner
            .record_created_contract(id, request_key, contract_id)
            .await
    }

    async fn release_contract_claim(
        &self,
        id: InstallationId,
        request_key: &str,
    ) -> Result<bool, StoreError> {
        self.count("release_contract_claim");
        self.inner.release_contract_claim(id, request_key).await
    }

    async fn take_over_contract_claim(
        &self,
        id: InstallationId,
        request_key: &str,
        claimed_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.count("take_over_contract_claim");
        self.inner
            .take_over_contract_claim(id, request_key, claimed_before, now)
            .await
    }

    async fn link_contract(&self, link: &SaleContractLink) -> Result<(), StoreError> {
        self.count("link_contract");
        self.inner.link_contract(link).await
    }

    async fn links_for_sale(
        &self,
        id: InstallationId,
        sale_id: i64,
    ) -> Result<Vec<SaleContractLink>, StoreError> {
        self.inner.links_for_sale(id, sale_id).await
    }

    async fn link_for_contract(
        &self,
        id: InstallationId,
        contract_id: i64,
    ) -> Result<Option<SaleContractLink>, StoreError> {
        self.inner.link_for_contract(id, contract_id).await
    }

    async fn record_delivery(&self, delivery: NewDelivery) -> Result<DeliveryOutcome, StoreError> {
        let outcome = self.inner.record_delivery(delivery).await;
        if matches!(outcome, Ok(DeliveryOutcome::Recorded { .. })) {
            self.count("record_delivery");
        }
        outcome
    }

    async fn lease(
        &self,
        worker: &str,
        max: u32,
        lease_for: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<Vec<LeasedJob>, StoreError> {
        let leased = self.inner.lease(worker, max, lease_for, now).await;
        if leased.as_ref().is_ok_and(|jobs| !jobs.is_empty()) {
            self.count("lease");
        }
        leased
    }

    async fn complete(&self, lease: &JobLease, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.count("complete");
        self.inner.complete(lease, now).await
    }

    async fn retry_at(
        &self,
        lease: &JobLease,
        when: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.count("retry_at");
        self.inner.retry_at(lease, when, error).await
    }

    async fn park(
        &self,
        lease: &JobLease,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.count("park");
        self.inner.park(lease, reason, now).await
    }

    async fn job(&self, job_id: i64) -> Result<Option<Job>, StoreError> {
        self.inner.job(job_id).await
    }

    async fn parked_jobs(&self, id: InstallationId, limit: u32) -> Result<Vec<Job>, StoreError> {
        self.inner.parked_jobs(id, limit).await
    }

    async fn take_rate_budget(
        &self,
        key: &str,
        limit: u32,
        window: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<RateDecision, StoreError> {
        self.count("take_rate_budget");
        self.inner.take_rate_budget(key, limit, window, now).await
    }

    async fn try_lock(
        &self,
        name: &str,
        holder: &str,
        hold_for: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<Option<NamedLock>, StoreError> {
        self.count("try_lock");
        self.inner.try_lock(name, holder, hold_for, now).await
    }

    async fn release_lock(&self, lock: &NamedLock) -> Result<(), StoreError> {
        self.count("release_lock");
        self.inner.release_lock(lock).await
    }

    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<i64, StoreError> {
        self.count("append_audit");
        self.inner.append_audit(entry).await
    }

    async fn recent_audit(
        &self,
        id: InstallationId,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.inner.recent_audit(id, limit).await
    }

    async fn purge_completed(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.count("purge_completed");
        self.inner.purge_completed(before).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }

    async fn complete_with_audit(
        &self,
        lease: &JobLease,
        entries: &[NewAuditEntry],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.count("complete_with_audit");
        self.inner.complete_with_audit(lease, entries, now).await
    }

    async fn take_rate_budget_units(
        &self,
        key: &str,
        units: u32,
        limit: u32,
        window: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<RateDecision, StoreError> {
        self.count("take_rate_budget_units");
        self.inner
            .take_rate_budget_units(key, units, limit, window, now)
            .await
    }
}
