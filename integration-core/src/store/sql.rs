//! The [`Store`](super::Store) implementation shared by the SQL backends.
//!
//! SQLite and PostgreSQL both accept `$N` parameters, `ON CONFLICT … DO NOTHING`, `RETURNING`
//! and `excluded.`, so the statements are written once; [`impl_sql_store!`] expands the same
//! method bodies for each backend's concrete pool and row types. Only the leasing statement
//! differs (`SQLITE_LEASE`, and `POSTGRES_LEASE` with `FOR UPDATE SKIP LOCKED`).

/// Leases due jobs in SQLite: one `UPDATE` statement holds the database's write lock for its
/// whole run, so concurrent callers are serialised.
pub(crate) const SQLITE_LEASE: &str = "UPDATE jobs SET state = 'leased', attempts = attempts + 1, \
     leased_by = $1, lease_token = $2, lease_expires_at = $3, updated_at = $4 \
     WHERE id IN (SELECT id FROM jobs \
       WHERE (state = 'queued' AND available_at <= $4) \
          OR (state = 'leased' AND lease_expires_at <= $4) \
       ORDER BY available_at, id LIMIT $5) \
     RETURNING id, installation, source, payload, state, attempts, available_at, last_error";

/// Leases due jobs in PostgreSQL: the locking CTE is evaluated once and skips rows another
/// replica is leasing right now, so concurrent replicas never pick the same job.
#[cfg(feature = "postgres")]
pub(crate) const POSTGRES_LEASE: &str = "WITH picked AS (SELECT id FROM jobs \
       WHERE (state = 'queued' AND available_at <= $4) \
          OR (state = 'leased' AND lease_expires_at <= $4) \
       ORDER BY available_at, id LIMIT $5 FOR UPDATE SKIP LOCKED) \
     UPDATE jobs SET state = 'leased', attempts = attempts + 1, \
       leased_by = $1, lease_token = $2, lease_expires_at = $3, updated_at = $4 \
     FROM picked WHERE jobs.id = picked.id \
     RETURNING jobs.id, jobs.installation, jobs.source, jobs.payload, jobs.state, \
       jobs.attempts, jobs.available_at, jobs.last_error";

pub(crate) const INSTALLATION_COLUMNS: &str = "id, state, tenant, created_at, updated_at";
pub(crate) const JOB_COLUMNS: &str =
    "id, installation, source, payload, state, attempts, available_at, last_error";
pub(crate) const OAUTH_PURPOSE: &str = "oauth_pkce_verifier";

/// Expands `impl Store for $store` over a struct with fields `pool: sqlx::Pool<_>` and
/// `cipher: SecretCipher`, whose rows are `$row`.
macro_rules! impl_sql_store {
    ($store:ty, $row:ty, $lease:expr) => {
        impl $store {
            fn installation_from(row: &$row) -> Result<Installation, StoreError> {
                Ok(Installation {
                    id: InstallationId::new(row.try_get("id").map_err(decode)?),
                    state: InstallationState::parse(row.try_get("state").map_err(decode)?)?,
                    tenant: row.try_get("tenant").map_err(decode)?,
                    created_at: from_millis(row.try_get("created_at").map_err(decode)?)?,
                    updated_at: from_millis(row.try_get("updated_at").map_err(decode)?)?,
                })
            }

            fn job_from(row: &$row) -> Result<Job, StoreError> {
                Ok(Job {
                    id: row.try_get("id").map_err(decode)?,
                    installation: InstallationId::new(
                        row.try_get("installation").map_err(decode)?,
                    ),
                    source: DeliverySource::parse(row.try_get("source").map_err(decode)?)?,
                    payload: row.try_get("payload").map_err(decode)?,
                    state: JobState::parse(row.try_get("state").map_err(decode)?)?,
                    attempts: row.try_get("attempts").map_err(decode)?,
                    available_at: from_millis(row.try_get("available_at").map_err(decode)?)?,
                    last_error: row.try_get("last_error").map_err(decode)?,
                })
            }

            fn link_from(row: &$row) -> Result<SaleContractLink, StoreError> {
                Ok(SaleContractLink {
                    installation: InstallationId::new(
                        row.try_get("installation").map_err(decode)?,
                    ),
                    sale_id: row.try_get("sale_id").map_err(decode)?,
                    contract_id: row.try_get("contract_id").map_err(decode)?,
                    created_at: from_millis(row.try_get("created_at").map_err(decode)?)?,
                })
            }

            async fn require_installation(&self, id: InstallationId) -> Result<(), StoreError> {
                let found = sqlx::query("SELECT 1 FROM installations WHERE id = $1")
                    .bind(id.get())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::database("look up an installation"))?;
                match found {
                    Some(_) => Ok(()),
                    None => Err(StoreError::not_found(format!("installation {id}"))),
                }
            }

            async fn current_settings_version(&self, id: InstallationId) -> Result<i64, StoreError> {
                let row = sqlx::query("SELECT version FROM settings WHERE installation = $1")
                    .bind(id.get())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::database("read settings"))?;
                match row {
                    Some(row) => row.try_get("version").map_err(decode),
                    None => Ok(0),
                }
            }
        }

        #[async_trait]
        impl Store for $store {
            async fn create_installation(
                &self,
                id: InstallationId,
                now: DateTime<Utc>,
            ) -> Result<Installation, StoreError> {
                sqlx::query(
                    "INSERT INTO installations (id, state, tenant, created_at, updated_at) \
                     VALUES ($1, 'pending_setup', NULL, $2, $2) ON CONFLICT (id) DO NOTHING",
                )
                .bind(id.get())
                .bind(millis(now))
                .execute(&self.pool)
                .await
                .map_err(StoreError::database("create an installation"))?;
                self.installation(id)
                    .await?
                    .ok_or_else(|| StoreError::not_found(format!("installation {id}")))
            }

            async fn installation(
                &self,
                id: InstallationId,
            ) -> Result<Option<Installation>, StoreError> {
                let sql = format!("SELECT {INSTALLATION_COLUMNS} FROM installations WHERE id = $1");
                let row = sqlx::query(&sql)
                    .bind(id.get())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::database("read an installation"))?;
                row.as_ref().map(Self::installation_from).transpose()
            }

            async fn installation_by_tenant(
                &self,
                tenant: &str,
            ) -> Result<Option<Installation>, StoreError> {
                let sql =
                    format!("SELECT {INSTALLATION_COLUMNS} FROM installations WHERE tenant = $1");
                let row = sqlx::query(&sql)
                    .bind(tenant)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::database("read an installation"))?;
                row.as_ref().map(Self::installation_from).transpose()
            }

            async fn installations(&self) -> Result<Vec<Installation>, StoreError> {
                let sql = format!("SELECT {INSTALLATION_COLUMNS} FROM installations ORDER BY id");
                let rows = sqlx::query(&sql)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::database("list installations"))?;
                rows.iter().map(Self::installation_from).collect()
            }

            async fn set_installation_state(
                &self,
                id: InstallationId,
                state: InstallationState,
                now: DateTime<Utc>,
            ) -> Result<Installation, StoreError> {
                let sql = format!(
                    "UPDATE installations SET state = $2, updated_at = $3 WHERE id = $1 \
                     RETURNING {INSTALLATION_COLUMNS}"
                );
                let row = sqlx::query(&sql)
                    .bind(id.get())
                    .bind(state.as_str())
                    .bind(millis(now))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::database("change an installation's state"))?;
                match row {
                    Some(row) => Self::installation_from(&row),
                    None => Err(StoreError::not_found(format!("installation {id}"))),
                }
            }

            async fn bind_tenant(
                &self,
                id: InstallationId,
                tenant: &str,
                now: DateTime<Utc>,
            ) -> Result<Installation, StoreError> {
                let sql = format!(
                    "UPDATE installations SET tenant = $2, updated_at = $3 \
                     WHERE id = $1 AND tenant IS NULL RETURNING {INSTALLATION_COLUMNS}"
                );
                let bound = sqlx::query(&sql)
                    .bind(id.get())
                    .bind(tenant)
                    .bind(millis(now))
                    .fetch_optional(&self.pool)
                    .await;
                match bound {
                    Ok(Some(row)) => return Self::installation_from(&row),
                    Ok(None) => {}
                    Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                        let holder = self.installation_by_tenant(tenant).await?;
                        return Err(match holder {
                            Some(holder) => StoreError::TenantInUse {
                                tenant: tenant.to_owned(),
                                installation: holder.id,
                            },
                            None => StoreError::conflict(format!(
                                "tenant {tenant} was being bound concurrently; try again"
                            )),
                        });
                    }
                    Err(err) => return Err(StoreError::database("bind a tenant")(err)),
                }
                let current = self
                    .installation(id)
                    .await?
                    .ok_or_else(|| StoreError::not_found(format!("installation {id}")))?;
                match current.tenant.as_deref() {
                    Some(bound) if bound == tenant => Ok(current),
                    Some(bound) => Err(StoreError::TenantAlreadyBound {
                        installation: id,
                        bound: bound.to_owned(),
                    }),
                    None => Err(StoreError::conflict(format!(
                        "installation {id} changed concurrently; try again"
                    ))),
                }
            }

            async fn unbind_tenant(
                &self,
                id: InstallationId,
                now: DateTime<Utc>,
            ) -> Result<Installation, StoreError> {
                let sql = format!(
                    "UPDATE installations SET tenant = NULL, updated_at = $2 WHERE id = $1 \
                     RETURNING {INSTALLATION_COLUMNS}"
                );
                let row = sqlx::query(&sql)
                    .bind(id.get())
                    .bind(millis(now))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::database("unbind a tenant"))?;
                match row {
                    Some(row) => Self::installation_from(&row),
                    None => Err(StoreError::not_found(format!("installation {id}"))),
                }
            }

            async fn put_secret(
                &self,
                id: InstallationId,
                kind: &SecretKind,
                value: &SecretString,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                self.require_installation(id).await?;
                let sealed = self.cipher.seal(id, kind.as_str(), value);
                sqlx::query(
                    "INSERT INTO secrets (installation, kind, sealed, updated_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (installation, kind) \
                     DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
                )
                .bind(id.get())
                .bind(kind.as_str())
                .bind(sealed)
                .bind(millis(now))
                .execute(&self.pool)
                .await
                .map_err(StoreError::database("store a secret"))?;
                Ok(())
            }

            async fn secret(
                &self,
                id: InstallationId,
                kind: &SecretKind,
            ) -> Result<Option<SecretString>, StoreError> {
                let row =
                    sqlx::query("SELECT sealed FROM secrets WHERE installation = $1 AND kind = $2")
                        .bind(id.get())
                        .bind(kind.as_str())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(StoreError::database("read a secret"))?;
                let Some(row) = row else { return Ok(None) };
                let sealed: Vec<u8> = row.try_get("sealed").map_err(decode)?;
                self.cipher.open(id, kind.as_str(), &sealed).map(Some)
            }

            async fn forget_secrets(&self, id: InstallationId) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM secrets WHERE installation = $1")
                    .bind(id.get())
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::database("forget secrets"))?;
                Ok(done.rows_affected())
            }

            async fn settings(
                &self,
                id: InstallationId,
            ) -> Result<Option<VersionedSettings>, StoreError> {
                let row =
                    sqlx::query("SELECT value, version FROM settings WHERE installation = $1")
                        .bind(id.get())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(StoreError::database("read settings"))?;
                let Some(row) = row else { return Ok(None) };
                let text: String = row.try_get("value").map_err(decode)?;
                let value = serde_json::from_str(&text).map_err(|err| StoreError::Corrupt {
                    what: format!("settings of installation {id} are not JSON: {err}"),
                })?;
                Ok(Some(VersionedSettings {
                    value,
                    version: row.try_get("version").map_err(decode)?,
                }))
            }

            async fn put_settings(
                &self,
                id: InstallationId,
                value: &serde_json::Value,
                expected_version: i64,
            ) -> Result<i64, StoreError> {
                self.require_installation(id).await?;
                let text = value.to_string();
                let written = if expected_version == 0 {
                    sqlx::query(
                        "INSERT INTO settings (installation, value, version) VALUES ($1, $2, 1) \
                         ON CONFLICT (installation) DO NOTHING",
                    )
                    .bind(id.get())
                    .bind(&text)
                    .execute(&self.pool)
                    .await
                } else {
                    sqlx::query(
                        "UPDATE settings SET value = $2, version = version + 1 \
                         WHERE installation = $1 AND version = $3",
                    )
                    .bind(id.get())
                    .bind(&text)
                    .bind(expected_version)
                    .execute(&self.pool)
                    .await
                }
                .map_err(StoreError::database("write settings"))?;
                if written.rows_affected() == 1 {
                    Ok(expected_version + 1)
                } else {
                    let current = self.current_settings_version(id).await?;
                    Err(settings_conflict(id, expected_version, current))
                }
            }

            async fn put_oauth_state(&self, pending: &PendingOAuth) -> Result<(), StoreError> {
                let sealed =
                    self.cipher
                        .seal(pending.installation, OAUTH_PURPOSE, &pending.pkce_verifier);
                let done = sqlx::query(
                    "INSERT INTO oauth_states (state, installation, pkce_verifier, nonce, expires_at, purpose) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (state) DO NOTHING",
                )
                .bind(&pending.state)
                .bind(pending.installation.get())
                .bind(sealed)
                .bind(&pending.nonce)
                .bind(millis(pending.expires_at))
                .bind(pending.purpose.as_str())
                .execute(&self.pool)
                .await
                .map_err(StoreError::database("remember an OAuth login"))?;
                if done.rows_affected() == 1 {
                    Ok(())
                } else {
                    Err(StoreError::conflict("an OAuth login with this state exists"))
                }
            }

            async fn take_oauth_state(
                &self,
                state: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<PendingOAuth>, StoreError> {
                let row = sqlx::query(
                    "DELETE FROM oauth_states WHERE state = $1 \
                     RETURNING installation, pkce_verifier, nonce, expires_at, purpose",
                )
                .bind(state)
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::database("take an OAuth login"))?;
                let Some(row) = row else { return Ok(None) };
                let expires_at = from_millis(row.try_get("expires_at").map_err(decode)?)?;
                if expires_at <= from_millis(millis(now))? {
                    return Ok(None);
                }
                let installation = InstallationId::new(row.try_get("installation").map_err(decode)?);
                let sealed: Vec<u8> = row.try_get("pkce_verifier").map_err(decode)?;
                Ok(Some(PendingOAuth {
                    state: state.to_owned(),
                    installation,
                    pkce_verifier: self.cipher.open(installation, OAUTH_PURPOSE, &sealed)?,
                    nonce: row.try_get("nonce").map_err(decode)?,
                    expires_at,
                    purpose: OAuthPurpose::parse(row.try_get("purpose").map_err(decode)?)?,
                }))
            }

            async fn put_handoff(
                &self,
                code_hash: &str,
                payload: &str,
                expires_at: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM handoffs WHERE expires_at <= $1")
                    .bind(millis(now))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::database("remove expired hand-offs"))?;
                let done = sqlx::query(
                    "INSERT INTO handoffs (code_hash, payload, expires_at) \
                     VALUES ($1, $2, $3) ON CONFLICT (code_hash) DO NOTHING",
                )
                .bind(code_hash)
                .bind(payload)
                .bind(millis(expires_at))
                .execute(&self.pool)
                .await
                .map_err(StoreError::database("keep a hand-off"))?;
                if done.rows_affected() == 1 {
                    Ok(())
                } else {
                    Err(StoreError::conflict("a hand-off with this code exists"))
                }
            }

            async fn take_handoff(
                &self,
                code_hash: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<String>, StoreError> {
                let row = sqlx::query(
                    "DELETE FROM handoffs WHERE code_hash = $1 RETURNING payload, expires_at",
                )
                .bind(code_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::database("take a hand-off"))?;
                let Some(row) = row else { return Ok(None) };
                let expires_at: i64 = row.try_get("expires_at").map_err(decode)?;
                if expires_at <= millis(now) {
                    return Ok(None);
                }
                Ok(Some(row.try_get("payload").map_err(decode)?))
            }

            async fn claim_contract_request(
                &self,
                id: InstallationId,
                sale_id: i64,
                request_key: &str,
                now: DateTime<Utc>,
            ) -> Result<ClaimOutcome, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO contract_requests (installation, request_key, sale_id, contract_id, claimed_at) \
                     VALUES ($1, $2, $3, NULL, $4) ON CONFLICT (installation, request_key) DO NOTHING",
                )
                .bind(id.get())
                .bind(request_key)
                .bind(sale_id)
                .bind(millis(now))
                .execute(&self.pool)
                .await
                .map_err(StoreError::database("claim a contract request"))?;
                if done.rows_affected() == 1 {
                    return Ok(ClaimOutcome::Claimed);
                }
                let row = sqlx::query(
                    "SELECT sale_id, contract_id FROM contract_requests \
                     WHERE installation = $1 AND request_key = $2",
                )
                .bind(id.get())
                .bind(request_key)
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::database("read a contract request"))?;
                let claimed_sale: i64 = row.try_get("sale_id").map_err(decode)?;
                if claimed_sale != sale_id {
                    return Err(request_key_conflict(claimed_sale));
                }
                Ok(ClaimOutcome::AlreadyClaimed {
                    contract_id: row.try_get("contract_id").map_err(decode)?,
                })
            }

            async fn record_created_contract(
                &self,
                id: InstallationId,
                request_key: &str,
                contract_id: i64,
            ) -> Result<(), StoreError> {
                let done = sqlx::query(
                    "UPDATE contract_requests SET contract_id = $3 \
                     WHERE installation = $1 AND request_key = $2 \
                     AND (contract_id IS NULL OR contract_id = $3)",
                )
                .bind(id.get())
                .bind(request_key)
                .bind(contract_id)
                .execute(&self.pool)
                .await
                .map_err(StoreError::database("record a created contract"))?;
                if done.rows_affected() == 1 {
                    return Ok(());
                }
                let row = sqlx::query(
                    "SELECT contract_id FROM contract_requests \
                     WHERE installation = $1 AND request_key = $2",
                )
                .bind(id.get())
                .bind(request_key)
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::database("read a contract request"))?;
                match row {
                    None => Err(StoreError::not_found("contract request key")),
                    Some(row) => {
                        let recorded: Option<i64> = row.try_get("contract_id").map_err(decode)?;
                        Err(recorded_conflict(recorded.unwrap_or_default()))
                    }
                }
            }

            async fn link_contract(&self, link: &SaleContractLink) -> Result<(), StoreError> {
                let done = sqlx::query(
                    "INSERT INTO sale_contract_links (installation, sale_id, contract_id, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (installation, contract_id) DO NOTHING",
                )
                .bind(link.installation.get())
                .bind(link.sale_id)
                .bind(link.contract_id)
                .bind(millis(link.created_at))
                .execute(&self.pool)
                .await
                .map_err(StoreError::database("link a contract to its Sale"))?;
                if done.rows_affected() == 1 {
                    return Ok(());
                }
                let existing = self
                    .link_for_contract(link.installation, link.contract_id)
                    .await?
                    .ok_or_else(|| StoreError::conflict("the link changed concurrently; try again"))?;
                if existing.sale_id == link.sale_id {
                    Ok(())
                } else {
                    Err(link_conflict(link.contract_id, existing.sale_id))
                }
            }

            async fn links_for_sale(
                &self,
                id: InstallationId,
                sale_id: i64,
            ) -> Result<Vec<SaleContractLink>, StoreError> {
                let rows = sqlx::query(
                    "SELECT installation, sale_id, contract_id, created_at FROM sale_contract_links \
                     WHERE installation = $1 AND sale_id = $2 ORDER BY created_at, contract_id",
                )
                .bind(id.get())
                .bind(sale_id)
                .fetch_all(&self.pool)
                .await
                .map_err(StoreError::database("read a Sale's contracts"))?;
                rows.iter().map(Self::link_from).collect()
            }

            async fn link_for_contract(
                &self,
                id: InstallationId,
                contract_id: i64,
            ) -> Result<Option<SaleContractLink>, StoreError> {
                let row = sqlx::query(
                    "SELECT installation, sale_id, contract_id, created_at FROM sale_contract_links \
                     WHERE installation = $1 AND contract_id = $2",
                )
                .bind(id.get())
                .bind(contract_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::database("read a contract's Sale"))?;
                row.as_ref().map(Self::link_from).transpose()
            }

            async fn record_delivery(
                &self,
                delivery: NewDelivery,
            ) -> Result<DeliveryOutcome, StoreError> {
                let fail = StoreError::database;
                let mut tx = self.pool.begin().await.map_err(fail("record a delivery"))?;
                // The first statement writes, so SQLite takes the write lock up front.
                let inserted = sqlx::query(
                    "INSERT INTO webhook_inbox (installation, source, dedupe_key, payload, received_at) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (installation, source, dedupe_key) DO NOTHING RETURNING id",
                )
                .bind(delivery.installation.get())
                .bind(delivery.source.as_str())
                .bind(&delivery.dedupe_key)
                .bind(&delivery.payload)
                .bind(millis(delivery.received_at))
                .fetch_optional(&mut *tx)
                .await
                .map_err(fail("record a delivery"))?;
                let Some(inserted) = inserted else {
                    tx.rollback().await.map_err(fail("record a delivery"))?;
                    return Ok(DeliveryOutcome::Duplicate);
                };
                let delivery_id: i64 = inserted.try_get("id").map_err(decode)?;
                let job = sqlx::query(
                    "INSERT INTO jobs (installation, delivery_id, source, payload, state, attempts, \
                     available_at, updated_at) VALUES ($1, $2, $3, $4, 'queued', 0, $5, $5) RETURNING id",
                )
                .bind(delivery.installation.get())
                .bind(delivery_id)
                .bind(delivery.source.as_str())
                .bind(&delivery.payload)
                .bind(millis(delivery.received_at))
                .fetch_one(&mut *tx)
                .await
                .map_err(fail("queue a job"))?;
                let job_id: i64 = job.try_get("id").map_err(decode)?;
                tx.commit().await.map_err(fail("record a delivery"))?;
                Ok(DeliveryOutcome::Recorded { job_id })
            }

            async fn lease(
                &self,
                worker: &str,
                max: u32,
                lease_for: TimeDelta,
                now: DateTime<Utc>,
            ) -> Result<Vec<LeasedJob>, StoreError> {
                let token = lease_token();
                let expires_at = from_millis(millis(now + lease_for))?;
                let rows = sqlx::query($lease)
                    .bind(worker)
                    .bind(token)
                    .bind(millis(expires_at))
                    .bind(millis(now))
                    .bind(i64::from(max))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::database("lease jobs"))?;
                let mut jobs = rows
                    .iter()
                    .map(Self::job_from)
                    .collect::<Result<Vec<Job>, StoreError>>()?;
                jobs.sort_by_key(|job| (job.available_at, job.id));
                Ok(jobs
                    .into_iter()
                    .map(|job| LeasedJob {
                        lease: JobLease {
                            job_id: job.id,
                            token,
                            expires_at,
                        },
                        job,
                    })
                    .collect())
            }

            async fn complete(
                &self,
                lease: &JobLease,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let done = sqlx::query(
                    "UPDATE jobs SET state = 'done', leased_by = NULL, lease_token = NULL, \
                     lease_expires_at = NULL, updated_at = $3 \
                     WHERE id = $1 AND lease_token = $2 AND state = 'leased'",
                )
                .bind(lease.job_id)
                .bind(lease.token)
                .bind(millis(now))
                .execute(&self.pool)
                .await
                .map_err(StoreError::database("complete a job"))?;
                held(done.rows_affected(), lease)
            }

            async fn retry_at(
                &self,
                lease: &JobLease,
                when: DateTime<Utc>,
                error: &str,
            ) -> Result<(), StoreError> {
                let done = sqlx::query(
                    "UPDATE jobs SET state = 'queued', available_at = $3, last_error = $4, \
                     leased_by = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = $5 \
                     WHERE id = $1 AND lease_token = $2 AND state = 'leased'",
                )
                .bind(lease.job_id)
                .bind(lease.token)
                .bind(millis(when))
                .bind(error)
                .bind(millis(Utc::now()))
                .execute(&self.pool)
                .await
                .map_err(StoreError::database("reschedule a job"))?;
                held(done.rows_affected(), lease)
            }

            async fn park(
                &self,
                lease: &JobLease,
                reason: &str,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let done = sqlx::query(
                    "UPDATE jobs SET state = 'parked', last_error = $4, leased_by = NULL, \
                     lease_token = NULL, lease_expires_at = NULL, updated_at = $3 \
                     WHERE id = $1 AND lease_token = $2 AND state = 'leased'",
                )
                .bind(lease.job_id)
                .bind(lease.token)
                .bind(millis(now))
                .bind(reason)
                .execute(&self.pool)
                .await
                .map_err(StoreError::database("park a job"))?;
                held(done.rows_affected(), lease)
            }

            async fn job(&self, job_id: i64) -> Result<Option<Job>, StoreError> {
                let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
                let row = sqlx::query(&sql)
                    .bind(job_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::database("read a job"))?;
                row.as_ref().map(Self::job_from).transpose()
            }

            async fn parked_jobs(
                &self,
                id: InstallationId,
                limit: u32,
            ) -> Result<Vec<Job>, StoreError> {
                let sql = format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE installation = $1 AND state = 'parked' \
                     ORDER BY id DESC LIMIT $2"
                );
                let rows = sqlx::query(&sql)
                    .bind(id.get())
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::database("read parked jobs"))?;
                rows.iter().map(Self::job_from).collect()
            }

            async fn take_rate_budget(
                &self,
                key: &str,
                limit: u32,
                window: TimeDelta,
                now: DateTime<Utc>,
            ) -> Result<RateDecision, StoreError> {
                self.take_rate_budget_units(key, 1, limit, window, now).await
            }

            async fn try_lock(
                &self,
                name: &str,
                holder: &str,
                hold_for: TimeDelta,
                now: DateTime<Utc>,
            ) -> Result<Option<NamedLock>, StoreError> {
                let token = lease_token();
                let expires_at = from_millis(millis(now + hold_for))?;
                // Taken when absent or expired; a live holding makes the WHERE fail.
                let taken = sqlx::query(
                    "INSERT INTO named_locks (name, holder, token, expires_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET \
                     holder = excluded.holder, token = excluded.token, \
                     expires_at = excluded.expires_at \
                     WHERE named_locks.expires_at <= $5 RETURNING token",
                )
                .bind(name)
                .bind(holder)
                .bind(token)
                .bind(millis(expires_at))
                .bind(millis(now))
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::database("take a named lock"))?;
                Ok(taken.map(|_| NamedLock {
                    name: name.to_owned(),
                    token,
                    expires_at,
                }))
            }

            async fn release_lock(&self, lock: &NamedLock) -> Result<(), StoreError> {
                let done = sqlx::query("DELETE FROM named_locks WHERE name = $1 AND token = $2")
                    .bind(&lock.name)
                    .bind(lock.token)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::database("release a named lock"))?;
                if done.rows_affected() == 1 {
                    Ok(())
                } else {
                    Err(StoreError::LockLost {
                        name: lock.name.clone(),
                    })
                }
            }

            async fn append_audit(&self, entry: &NewAuditEntry) -> Result<i64, StoreError> {
                let row = sqlx::query(
                    "INSERT INTO audit_log (installation, at, action, detail, event) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(entry.installation.get())
                .bind(millis(entry.at))
                .bind(&entry.action)
                .bind(&entry.detail)
                .bind(&entry.event)
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::database("append to the audit log"))?;
                row.try_get("id").map_err(decode)
            }

            async fn recent_audit(
                &self,
                id: InstallationId,
                limit: u32,
            ) -> Result<Vec<AuditEntry>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, installation, at, action, detail, event FROM audit_log \
                     WHERE installation = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(id.get())
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(StoreError::database("read the audit log"))?;
                rows.iter()
                    .map(|row| {
                        Ok(AuditEntry {
                            id: row.try_get("id").map_err(decode)?,
                            installation: InstallationId::new(
                                row.try_get("installation").map_err(decode)?,
                            ),
                            at: from_millis(row.try_get("at").map_err(decode)?)?,
                            action: row.try_get("action").map_err(decode)?,
                            detail: row.try_get("detail").map_err(decode)?,
                            event: row.try_get("event").map_err(decode)?,
                        })
                    })
                    .collect()
            }

            async fn purge_completed(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
                let fail = StoreError::database;
                let mut tx = self.pool.begin().await.map_err(fail("purge completed jobs"))?;
                // Jobs first (they reference their delivery), then the deliveries they named.
                let deliveries: Vec<i64> = sqlx::query(
                    "DELETE FROM jobs WHERE state = 'done' AND updated_at < $1 \
                     AND delivery_id IN (SELECT id FROM webhook_inbox WHERE received_at < $1) \
                     RETURNING delivery_id",
                )
                .bind(millis(before))
                .fetch_all(&mut *tx)
                .await
                .map_err(fail("purge completed jobs"))?
                .iter()
                .map(|row| row.try_get("delivery_id").map_err(decode))
                .collect::<Result<_, StoreError>>()?;
                let mut purged = 0;
                for delivery in deliveries {
                    // One job per delivery (`record_delivery`), so nothing else names it.
                    purged += sqlx::query("DELETE FROM webhook_inbox WHERE id = $1")
                    .bind(delivery)
                    .execute(&mut *tx)
                    .await
                    .map_err(fail("purge completed deliveries"))?
                    .rows_affected();
                }
                tx.commit().await.map_err(fail("purge completed jobs"))?;
                Ok(purged)
            }

            async fn complete_with_audit(
                &self,
                lease: &JobLease,
                entries: &[NewAuditEntry],
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let fail = StoreError::database;
                let mut tx = self.pool.begin().await.map_err(fail("complete a job"))?;
                // The first statement writes, so SQLite takes the write lock up front.
                let done = sqlx::query(
                    "UPDATE jobs SET state = 'done', leased_by = NULL, lease_token = NULL, \
                     lease_expires_at = NULL, updated_at = $3 \
                     WHERE id = $1 AND lease_token = $2 AND state = 'leased'",
                )
                .bind(lease.job_id)
                .bind(lease.token)
                .bind(millis(now))
                .execute(&mut *tx)
                .await
                .map_err(fail("complete a job"))?;
                if let Err(lost) = held(done.rows_affected(), lease) {
                    tx.rollback().await.map_err(fail("complete a job"))?;
                    return Err(lost);
                }
                for entry in entries {
                    sqlx::query(
                        "INSERT INTO audit_log (installation, at, action, detail, event) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(entry.installation.get())
                    .bind(millis(entry.at))
                    .bind(&entry.action)
                    .bind(&entry.detail)
                    .bind(&entry.event)
                    .execute(&mut *tx)
                    .await
                    .map_err(fail("append to the audit log"))?;
                }
                tx.commit().await.map_err(fail("complete a job"))?;
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
                // One statement: a new window resets the count, a full window refuses (the
                // WHERE fails and nothing is returned); a lagging clock counts against the
                // newer window already stored.
                let taken = sqlx::query(
                    "INSERT INTO rate_budgets (budget_key, window_start, used) \
                     SELECT $1, $2, $4 WHERE $4 <= $3 \
                     ON CONFLICT (budget_key) DO UPDATE SET \
                     used = CASE WHEN rate_budgets.window_start >= excluded.window_start \
                       THEN rate_budgets.used + $4 ELSE $4 END, \
                     window_start = CASE WHEN rate_budgets.window_start >= excluded.window_start \
                       THEN rate_budgets.window_start ELSE excluded.window_start END \
                     WHERE rate_budgets.window_start < excluded.window_start \
                       OR rate_budgets.used + $4 <= $3 \
                     RETURNING used",
                )
                .bind(key)
                .bind(start)
                .bind(i64::from(limit))
                .bind(i64::from(units))
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::database("take from a rate budget"))?;
                match taken {
                    Some(row) if limit > 0 => {
                        let used: i64 = row.try_get("used").map_err(decode)?;
                        Ok(RateDecision::Allowed {
                            remaining: u32::try_from(i64::from(limit) - used).unwrap_or(0),
                        })
                    }
                    _ => {
                        let stored: i64 = sqlx::query_scalar(
                            "SELECT window_start FROM rate_budgets WHERE budget_key = $1",
                        )
                        .bind(key)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(StoreError::database("read a rate budget"))?
                        .unwrap_or(start);
                        Ok(RateDecision::Exhausted {
                            retry_at: from_millis(stored.max(start) + window.num_milliseconds())?,
                        })
                    }
                }
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1")
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::database("reach the database"))?;
                Ok(())
            }

            async fn release_contract_claim(
                &self,
                id: InstallationId,
                request_key: &str,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "DELETE FROM contract_requests \
                     WHERE installation = $1 AND request_key = $2 AND contract_id IS NULL",
                )
                .bind(id.get())
                .bind(request_key)
                .execute(&self.pool)
                .await
                .map_err(StoreError::database("release a contract request"))?;
                if done.rows_affected() == 1 {
                    return Ok(true);
                }
                let done = sqlx::query(
                    "UPDATE contract_requests SET claimed_at = 0 \
                     WHERE installation = $1 AND request_key = $2 AND contract_id IS NOT NULL",
                )
                .bind(id.get())
                .bind(request_key)
                .execute(&self.pool)
                .await
                .map_err(StoreError::database("release a contract request"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn take_over_contract_claim(
                &self,
                id: InstallationId,
                request_key: &str,
                claimed_before: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE contract_requests SET claimed_at = $4 \
                     WHERE installation = $1 AND request_key = $2 AND claimed_at <= $3",
                )
                .bind(id.get())
                .bind(request_key)
                .bind(millis(claimed_before))
                .bind(millis(now))
                .execute(&self.pool)
                .await
                .map_err(StoreError::database("take over a contract request"))?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}
pub(crate) use impl_sql_store;

/// A column that does not decode is a schema mismatch, not a user error.
pub(crate) fn decode(err: sqlx::Error) -> super::StoreError {
    super::StoreError::Database {
        action: "decode a stored row",
        source: Box::new(err),
    }
}

/// One row updated: the lease still held the job.
pub(crate) fn held(rows: u64, lease: &super::JobLease) -> Result<(), super::StoreError> {
    if rows == 1 {
        Ok(())
    } else {
        Err(super::StoreError::LeaseLost {
            job_id: lease.job_id,
        })
    }
}
