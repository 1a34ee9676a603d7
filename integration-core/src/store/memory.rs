//! [`MemoryStore`]: everything in one mutex-guarded map; for tests and demos.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;

use super::error::{link_conflict, recorded_conflict, request_key_conflict, settings_conflict};
use super::*;

/// A [`Store`] in memory: nothing survives the process. Behaves like the SQL stores
/// (timestamps kept to the millisecond, the same errors), so tests written against it hold
/// for them too.
///
/// ```
/// use integration_core::store::{MemoryStore, Store};
/// let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(MemoryStore::new());
/// ```
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    installations: BTreeMap<InstallationId, Installation>,
    secrets: HashMap<(InstallationId, String), SecretString>,
    settings: HashMap<InstallationId, VersionedSettings>,
    oauth: HashMap<String, PendingOAuth>,
    handoffs: HashMap<String, (String, DateTime<Utc>)>,
    requests: HashMap<(InstallationId, String), ContractRequest>,
    links: BTreeMap<(InstallationId, i64), SaleContractLink>,
    deliveries: HashMap<(InstallationId, DeliverySource, String), i64>,
    next_delivery: i64,
    jobs: BTreeMap<i64, MemJob>,
    next_job: i64,
    audit: Vec<AuditEntry>,
    budgets: HashMap<String, (i64, u32)>,
    locks: HashMap<String, NamedLock>,
}

struct MemJob {
    job: Job,
    lease: Option<(i64, DateTime<Utc>)>,
    /// The delivery's dedupe key (purged with the job).
    delivery: (InstallationId, DeliverySource, String),
    /// When the delivery was received.
    received_at: DateTime<Utc>,
    /// When the job was completed.
    done_at: Option<DateTime<Utc>>,
}

/// A claimed request key: (Sale, contract once recorded, claimed at).
type ContractRequest = (i64, Option<i64>, DateTime<Utc>);

/// Keeps what the SQL stores keep: milliseconds.
fn ms(at: DateTime<Utc>) -> DateTime<Utc> {
    from_millis(millis(at)).unwrap_or(at)
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied change behind (every
        // method validates before it mutates), so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl State {
    fn installation_mut(&mut self, id: InstallationId) -> Result<&mut Installation, StoreError> {
        self.installations
            .get_mut(&id)
            .ok_or_else(|| StoreError::not_found(format!("installation {id}")))
    }

    fn leased_job(&mut self, lease: &JobLease) -> Result<&mut MemJob, StoreError> {
        let lost = StoreError::LeaseLost {
            job_id: lease.job_id,
        };
        let job = self.jobs.get_mut(&lease.job_id).ok_or(lost)?;
        match job.lease {
            Some((token, _)) if token == lease.token && job.job.state == JobState::Leased => {
                Ok(job)
            }
            _ => Err(StoreError::LeaseLost {
                job_id: lease.job_id,
            }),
        }
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn create_installation(
        &self,
        id: InstallationId,
        now: DateTime<Utc>,
    ) -> Result<Installation, StoreError> {
        let mut state = self.lock();
        Ok(state
            .installations
            .entry(id)
            .or_insert_with(|| Installation {
                id,
                state: InstallationState::PendingSetup,
                tenant: None,
                created_at: ms(now),
                updated_at: ms(now),
            })
            .clone())
    }

    async fn installation(&self, id: InstallationId) -> Result<Option<Installation>, StoreError> {
        Ok(self.lock().installations.get(&id).cloned())
    }

    async fn installation_by_tenant(
        &self,
        tenant: &str,
    ) -> Result<Option<Installation>, StoreError> {
        Ok(self
            .lock()
            .installations
            .values()
            .find(|i| i.tenant.as_deref() == Some(tenant))
            .cloned())
    }

    async fn installations(&self) -> Result<Vec<Installation>, StoreError> {
        Ok(self.lock().installations.values().cloned().collect())
    }

    async fn set_installation_state(
        &self,
        id: InstallationId,
        new_state: InstallationState,
        now: DateTime<Utc>,
    ) -> Result<Installation, StoreError> {
        let mut state = self.lock();
        let installation = state.installation_mut(id)?;
        installation.state = new_state;
        installation.updated_at = ms(now);
        Ok(installation.clone())
    }

    async fn bind_tenant(
        &self,
        id: InstallationId,
        tenant: &str,
        now: DateTime<Utc>,
    ) -> Result<Installation, StoreError> {
        let mut state = self.lock();
        let current = state.installation_mut(id)?.tenant.clone();
        match current.as_deref() {
            Some(bound) if bound == tenant => {}
            Some(bound) => {
                return Err(StoreError::TenantAlreadyBound {
                    installation: id,
                    bound: bound.to_owned(),
                })
            }
            None => {
                if let Some(holder) = state
                    .installations
                    .values()
                    .find(|i| i.tenant.as_deref() == Some(tenant))
                {
                    return Err(StoreError::TenantInUse {
                        tenant: tenant.to_owned(),
                        installation: holder.id,
                    });
                }
                let installation = state.installation_mut(id)?;
                installation.tenant = Some(tenant.to_owned());
                installation.updated_at = ms(now);
            }
        }
        state.installation_mut(id).map(|i| i.clone())
    }

    async fn unbind_tenant(
        &self,
        id: InstallationId,
        now: DateTime<Utc>,
    ) -> Result<Installation, StoreError> {
        let mut state = self.lock();
        let installation = state.installation_mut(id)?;
        installation.tenant = None;
        installation.updated_at = ms(now);
        Ok(installation.clone())
    }

    async fn put_secret(
        &self,
        id: InstallationId,
        kind: &SecretKind,
        value: &SecretString,
        _now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        state.installation_mut(id)?;
        state
            .secrets
            .insert((id, kind.as_str().to_owned()), value.clone());
        Ok(())
    }

    async fn secret(
        &self,
        id: InstallationId,
        kind: &SecretKind,
    ) -> Result<Option<SecretString>, StoreError> {
        Ok(self
            .lock()
            .secrets
            .get(&(id, kind.as_str().to_owned()))
            .cloned())
    }

    async fn forget_secrets(&self, id: InstallationId) -> Result<u64, StoreError> {
        let mut state = self.lock();
        let before = state.secrets.len();
        state.secrets.retain(|(owner, _), _| *owner != id);
        Ok((before - state.secrets.len()) as u64)
    }

    async fn settings(&self, id: InstallationId) -> Result<Option<VersionedSettings>, StoreError> {
        Ok(self.lock().settings.get(&id).cloned())
    }

    async fn put_settings(
        &self,
        id: InstallationId,
        value: &serde_json::Value,
        expected_version: i64,
    ) -> Result<i64, StoreError> {
        let mut state = self.lock();
        state.installation_mut(id)?;
        let current = state.settings.get(&id).map_or(0, |s| s.version);
        if current != expected_version {
            return Err(settings_conflict(id, expected_version, current));
        }
        let version = current + 1;
        state.settings.insert(
            id,
            VersionedSettings {
                value: value.clone(),
                version,
            },
        );
        Ok(version)
    }

    async fn put_oauth_state(&self, pending: &PendingOAuth) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.oauth.contains_key(&pending.state) {
            return Err(StoreError::conflict(
                "an OAuth login with this state exists",
            ));
        }
        let mut pending = pending.clone();
        pending.expires_at = ms(pending.expires_at);
        state.oauth.insert(pending.state.clone(), pending);
        Ok(())
    }

    async fn put_handoff(
        &self,
        code_hash: &str,
        payload: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = ms(now);
        let mut state = self.lock();
        state.handoffs.retain(|_, (_, expires)| *expires > now);
        if state.handoffs.contains_key(code_hash) {
            return Err(StoreError::conflict("a hand-off with this code exists"));
        }
        state
            .handoffs
            .insert(code_hash.to_owned(), (payload.to_owned(), ms(expires_at)));
        Ok(())
    }

    async fn take_handoff(
        &self,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let taken = self.lock().handoffs.remove(code_hash);
        Ok(taken
            .filter(|(_, expires)| *expires > ms(now))
            .map(|(payload, _)| payload))
    }

    async fn take_oauth_state(
        &self,
        state: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingOAuth>, StoreError> {
        let taken = self.lock().oauth.remove(state);
        Ok(taken.filter(|pending| pending.expires_at > ms(now)))
    }

    async fn claim_contract_request(
        &self,
        id: InstallationId,
        sale_id: i64,
        request_key: &str,
        now: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError> {
        let mut state = self.lock();
        match state.requests.get(&(id, request_key.to_owned())) {
            Some(&(claimed_sale, _, _)) if claimed_sale != sale_id => {
                Err(request_key_conflict(claimed_sale))
            }
            Some(&(_, contract_id, _)) => Ok(ClaimOutcome::AlreadyClaimed { contract_id }),
            None => {
                state
                    .requests
                    .insert((id, request_key.to_owned()), (sale_id, None, ms(now)));
                Ok(ClaimOutcome::Claimed)
            }
        }
    }

    async fn record_created_contract(
        &self,
        id: InstallationId,
        request_key: &str,
        contract_id: i64,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let entry = state
            .requests
            .get_mut(&(id, request_key.to_owned()))
            .ok_or_else(|| StoreError::not_found("contract request key"))?;
        match entry.1 {
            Some(recorded) if recorded != contract_id => Err(recorded_conflict(recorded)),
            _ => {
                entry.1 = Some(contract_id);
                Ok(())
            }
        }
    }

    async fn link_contract(&self, link: &SaleContractLink) -> Result<(), StoreError> {
        let mut state = self.lock();
        let key = (link.installation, link.contract_id);
        if let Some(existing) = state.links.get(&key) {
            return if existing.sale_id == link.sale_id {
                Ok(())
            } else {
                Err(link_conflict(link.contract_id, existing.sale_id))
            };
        }
        let mut link = link.clone();
        link.created_at = ms(link.created_at);
        state.links.insert(key, link);
        Ok(())
    }

    async fn links_for_sale(
        &self,
        id: InstallationId,
        sale_id: i64,
    ) -> Result<Vec<SaleContractLink>, StoreError> {
        let mut links: Vec<SaleContractLink> = self
            .lock()
            .links
            .values()
            .filter(|l| l.installation == id && l.sale_id == sale_id)
            .cloned()
            .collect();
        links.sort_by_key(|l| (l.created_at, l.contract_id));
        Ok(links)
    }

    async fn link_for_contract(
        &self,
        id: InstallationId,
        contract_id: i64,
    ) -> Result<Option<SaleContractLink>, StoreError> {
        Ok(self.lock().links.get(&(id, contract_id)).cloned())
    }

    async fn record_delivery(&self, delivery: NewDelivery) -> Result<DeliveryOutcome, StoreError> {
        let mut state = self.lock();
        let key = (
            delivery.installation,
            delivery.source,
            delivery.dedupe_key.clone(),
        );
        if state.deliveries.contains_key(&key) {
            return Ok(DeliveryOutcome::Duplicate);
        }
        state.next_delivery += 1;
        let delivery_id = state.next_delivery;
        state.deliveries.insert(key.clone(), delivery_id);
        state.next_job += 1;
        let job_id = state.next_job;
        state.jobs.insert(
            job_id,
            MemJob {
                job: Job {
                    id: job_id,
                    installation: delivery.installation,
                    source: delivery.source,
                    payload: delivery.payload,
                    state: JobState::Queued,
                    attempts: 0,
                    available_at: ms(delivery.received_at),
                    last_error: None,
                },
                lease: None,
                delivery: key,
                received_at: ms(delivery.received_at),
                done_at: None,
            },
        );
        Ok(DeliveryOutcome::Recorded { job_id })
    }

    async fn lease(
        &self,
        _worker: &str,
        max: u32,
        lease_for: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<Vec<LeasedJob>, StoreError> {
        let now = ms(now);
        let expires_at = ms(now + lease_for);
        let token = lease_token();
        let mut state = self.lock();
        let mut due: Vec<(DateTime<Utc>, i64)> = state
            .jobs
            .values()
            .filter(|j| match j.job.state {
                JobState::Queued => j.job.available_at <= now,
                JobState::Leased => j.lease.is_some_and(|(_, until)| until <= now),
                JobState::Done | JobState::Parked => false,
            })
            .map(|j| (j.job.available_at, j.job.id))
            .collect();
        due.sort();
        let mut leased = Vec::new();
        for (_, job_id) in due.into_iter().take(max as usize) {
            let Some(job) = state.jobs.get_mut(&job_id) else {
                continue;
            };
            job.job.state = JobState::Leased;
            job.job.attempts += 1;
            job.lease = Some((token, expires_at));
            leased.push(LeasedJob {
                job: job.job.clone(),
                lease: JobLease {
                    job_id,
                    token,
                    expires_at,
                },
            });
        }
        Ok(leased)
    }

    async fn complete(&self, lease: &JobLease, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut state = self.lock();
        let job = state.leased_job(lease)?;
        job.job.state = JobState::Done;
        job.lease = None;
        job.done_at = Some(ms(now));
        Ok(())
    }

    async fn retry_at(
        &self,
        lease: &JobLease,
        when: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let job = state.leased_job(lease)?;
        job.job.state = JobState::Queued;
        job.job.available_at = ms(when);
        job.job.last_error = Some(error.to_owned());
        job.lease = None;
        Ok(())
    }

    async fn park(
        &self,
        lease: &JobLease,
        reason: &str,
        _now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let job = state.leased_job(lease)?;
        job.job.state = JobState::Parked;
        job.job.last_error = Some(reason.to_owned());
        job.lease = None;
        Ok(())
    }

    async fn job(&self, job_id: i64) -> Result<Option<Job>, StoreError> {
        Ok(self.lock().jobs.get(&job_id).map(|j| j.job.clone()))
    }

    async fn parked_jobs(&self, id: InstallationId, limit: u32) -> Result<Vec<Job>, StoreError> {
        Ok(self
            .lock()
            .jobs
            .values()
            .rev()
            .filter(|j| j.job.installation == id && j.job.state == JobState::Parked)
            .take(limit as usize)
            .map(|j| j.job.clone())
            .collect())
    }

    async fn take_rate_budget(
        &self,
        key: &str,
        limit: u32,
        window: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<RateDecision, StoreError> {
        self.take_rate_budget_units(key, 1, limit, window, now)
            .await
    }

    async fn try_lock(
        &self,
        name: &str,
        _holder: &str,
        hold_for: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<Option<NamedLock>, StoreError> {
        let now = ms(now);
        let mut state = self.lock();
        if state
            .locks
            .get(name)
            .is_some_and(|held| held.expires_at > now)
        {
            return Ok(None);
        }
        let lock = NamedLock {
            name: name.to_owned(),
            token: lease_token(),
            expires_at: ms(now + hold_for),
        };
        state.locks.insert(name.to_owned(), lock.clone());
        Ok(Some(lock))
    }

    async fn release_lock(&self, lock: &NamedLock) -> Result<(), StoreError> {
        let mut state = self.lock();
        match state.locks.get(&lock.name) {
            Some(held) if held.token == lock.token => {
                state.locks.remove(&lock.name);
                Ok(())
            }
            _ => Err(StoreError::LockLost {
                name: lock.name.clone(),
            }),
        }
    }

    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<i64, StoreError> {
        let mut state = self.lock();
        let id = state.audit.len() as i64 + 1;
        state.audit.push(AuditEntry {
            id,
            installation: entry.installation,
            at: ms(entry.at),
            action: entry.action.clone(),
            detail: entry.detail.clone(),
            event: entry.event.clone(),
        });
        Ok(id)
    }

    async fn recent_audit(
        &self,
        id: InstallationId,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(self
            .lock()
            .audit
            .iter()
            .rev()
            .filter(|e| e.installation == id)
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn purge_completed(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut state = self.lock();
        let finished: Vec<i64> = state
            .jobs
            .iter()
            .filter(|(_, job)| {
                job.job.state == JobState::Done
                    && job.done_at.is_some_and(|at| at < before)
                    && job.received_at < before
            })
            .map(|(id, _)| *id)
            .collect();
        let mut purged = 0;
        for id in finished {
            if let Some(job) = state.jobs.remove(&id) {
                if state.deliveries.remove(&job.delivery).is_some() {
                    purged += 1;
                }
            }
        }
        Ok(purged)
    }

    async fn complete_with_audit(
        &self,
        lease: &JobLease,
        entries: &[NewAuditEntry],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // One lock held throughout: the job and its entries change together.
        let mut state = self.lock();
        let job = state.leased_job(lease)?;
        job.job.state = JobState::Done;
        job.lease = None;
        job.done_at = Some(ms(now));
        for entry in entries {
            let id = state.audit.len() as i64 + 1;
            state.audit.push(AuditEntry {
                id,
                installation: entry.installation,
                at: ms(entry.at),
                action: entry.action.clone(),
                detail: entry.detail.clone(),
                event: entry.event.clone(),
            });
        }
        Ok(())
    }

    async fn take_rate_budget_units(
        &self,
        key: &str,
        units: u32,
        limit: u32,
        window: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<RateDecision, StoreError> {
        let start = window_start(window, now)?;
        if units == 0 {
            return Err(StoreError::InvalidArgument {
                what: "a rate budget take needs at least one unit".into(),
            });
        }
        let mut state = self.lock();
        let entry = state.budgets.entry(key.to_owned()).or_insert((start, 0));
        if entry.0 < start {
            *entry = (start, 0);
        }
        if units > limit.saturating_sub(entry.1) {
            return Ok(RateDecision::Exhausted {
                retry_at: from_millis(entry.0 + window.num_milliseconds())?,
            });
        }
        entry.1 += units;
        Ok(RateDecision::Allowed {
            remaining: limit - entry.1,
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn release_contract_claim(
        &self,
        id: InstallationId,
        request_key: &str,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        let key = (id, request_key.to_owned());
        match state.requests.get_mut(&key) {
            Some((_, None, _)) => {
                state.requests.remove(&key);
                Ok(true)
            }
            Some((_, Some(_), claimed_at)) => {
                *claimed_at = DateTime::UNIX_EPOCH;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn take_over_contract_claim(
        &self,
        id: InstallationId,
        request_key: &str,
        claimed_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        match state.requests.get_mut(&(id, request_key.to_owned())) {
            Some((_, _, claimed_at)) if *claimed_at <= ms(claimed_before) => {
                *claimed_at = ms(now);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
