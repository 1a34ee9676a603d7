//! The admin's SuperOffice tokens, shared by every replica through the store.
//!
//! A refresh is serialised across replicas by the store's named lock
//! `superoffice-token-refresh:{tenant}`: the replica holding it re-reads the stored access
//! token (another replica may have refreshed meanwhile) and only refreshes when that one is
//! about to expire or was just rejected; it stores the new access token (and a new refresh
//! token, if SuperOffice sent one) before it releases the lock. A replica that cannot get the
//! lock waits for it, bounded by [`LOCK_WAIT`]; it never refreshes without holding it, so a
//! tenant's refresh token is used by one replica at a time.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use superoffice_client::auth::{TokenRefresher, TokenSet};
use superoffice_client::credentials::TokenProvider;
use superoffice_client::{AuthError, Clock, Credential};

use crate::store::{InstallationId, SecretKind, Store, StoreError};

/// How long a replica holds the refresh lock at most (it expires by itself after a crash).
const LOCK_HOLD: TimeDelta = TimeDelta::seconds(30);
/// How long a replica waits for another replica's refresh before the call fails: longer than
/// [`LOCK_HOLD`], so a lock left by a crashed replica expires while the others wait.
pub(super) const LOCK_WAIT: Duration = Duration::from_secs(40);
/// How often a waiting replica looks at the lock again.
const LOCK_POLL: Duration = Duration::from_millis(20);
/// Refresh when the access token expires within this margin.
const MARGIN: TimeDelta = TimeDelta::seconds(60);

/// The stored form of the access token (sealed like every secret).
#[derive(Serialize, Deserialize)]
struct StoredAccess {
    access_token: String,
    expires_at: DateTime<Utc>,
}

/// The stored access token's secret kind.
pub(super) fn access_token_kind() -> SecretKind {
    SecretKind::Custom("superoffice_access_token".into())
}

/// Stores an access token for the other replicas.
pub(super) async fn store_access_token(
    store: &dyn Store,
    installation: InstallationId,
    tokens: &TokenSet,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let value = serde_json::to_string(&StoredAccess {
        access_token: tokens.access_token.expose_secret().to_owned(),
        expires_at: tokens.expires_at,
    })
    .map_err(|e| StoreError::Corrupt {
        what: format!("access token: {e}"),
    })?;
    store
        .put_secret(
            installation,
            &access_token_kind(),
            &SecretString::from(value),
            now,
        )
        .await
}

/// A [`TokenProvider`] over the tokens in the store; see the module documentation.
pub(super) struct SharedTokenProvider {
    pub(super) refresher: Arc<dyn TokenRefresher>,
    pub(super) store: Arc<dyn Store>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) installation: InstallationId,
    pub(super) tenant: String,
    pub(super) holder: String,
    /// This replica's copy (single flight within the replica).
    pub(super) cached: tokio::sync::Mutex<Option<TokenSet>>,
}

impl std::fmt::Debug for SharedTokenProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedTokenProvider")
            .field("installation", &self.installation)
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

fn store_error(e: StoreError) -> superoffice_client::Error {
    superoffice_client::Error::Protocol(format!("token store: {e}"))
}

impl SharedTokenProvider {
    /// Refreshes (or adopts another replica's refresh) while holding the named lock.
    async fn shared_refresh(
        &self,
        rejected: Option<&Credential>,
    ) -> superoffice_client::Result<TokenSet> {
        let name = format!("superoffice-token-refresh:{}", self.tenant);
        let deadline = tokio::time::Instant::now() + LOCK_WAIT;
        let lock = loop {
            if let Some(lock) = self
                .store
                .try_lock(&name, &self.holder, LOCK_HOLD, self.clock.now())
                .await
                .map_err(store_error)?
            {
                break lock;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(superoffice_client::Error::Protocol(format!(
                    "another replica has been refreshing the SuperOffice tokens of {} for {}s; \
                     try again",
                    self.tenant,
                    LOCK_WAIT.as_secs()
                )));
            }
            tokio::time::sleep(LOCK_POLL).await;
        };
        let result = self.refresh_holding(rejected).await;
        if let Err(e) = self.store.release_lock(&lock).await {
            tracing::warn!(error = %e, "the token refresh lock expired while refreshing");
        }
        result
    }

    async fn refresh_holding(
        &self,
        rejected: Option<&Credential>,
    ) -> superoffice_client::Result<TokenSet> {
        let now = self.clock.now();
        if let Some(stored) = self
            .store
            .secret(self.installation, &access_token_kind())
            .await
            .map_err(store_error)?
        {
            if let Ok(stored) = serde_json::from_str::<StoredAccess>(stored.expose_secret()) {
                let tokens = TokenSet::new(stored.access_token, None, stored.expires_at);
                let was_rejected = rejected.is_some_and(|r| tokens.credential().same_secret(r));
                if !was_rejected && !tokens.expires_within(now, MARGIN) {
                    // Another replica (or setup) refreshed meanwhile.
                    return Ok(tokens);
                }
            }
        }
        let refresh = self
            .store
            .secret(self.installation, &SecretKind::SuperOfficeRefreshToken)
            .await
            .map_err(store_error)?
            .ok_or(AuthError::CannotRefresh)?;
        let mut fresh = self.refresher.refresh(&refresh).await?;
        let now = self.clock.now();
        if let Some(new_refresh) = &fresh.refresh_token {
            if new_refresh.expose_secret() != refresh.expose_secret() {
                self.store
                    .put_secret(
                        self.installation,
                        &SecretKind::SuperOfficeRefreshToken,
                        new_refresh,
                        now,
                    )
                    .await
                    .map_err(store_error)?;
            }
        }
        fresh.refresh_token = None;
        store_access_token(&*self.store, self.installation, &fresh, now)
            .await
            .map_err(store_error)?;
        Ok(fresh)
    }
}

#[async_trait::async_trait]
impl TokenProvider for SharedTokenProvider {
    async fn credential(&self) -> superoffice_client::Result<Credential> {
        let mut cached = self.cached.lock().await;
        if let Some(tokens) = cached.as_ref() {
            if !tokens.expires_within(self.clock.now(), MARGIN) {
                return Ok(tokens.credential());
            }
        }
        let fresh = self.shared_refresh(None).await?;
        let credential = fresh.credential();
        *cached = Some(fresh);
        Ok(credential)
    }

    async fn refresh_after_unauthorized(
        &self,
        rejected: &Credential,
    ) -> superoffice_client::Result<Credential> {
        let mut cached = self.cached.lock().await;
        if let Some(tokens) = cached.as_ref() {
            if !tokens.credential().same_secret(rejected)
                && !tokens.expires_within(self.clock.now(), MARGIN)
            {
                // Refreshed while this request was in flight.
                return Ok(tokens.credential());
            }
        }
        let fresh = self.shared_refresh(Some(rejected)).await?;
        let credential = fresh.credential();
        *cached = Some(fresh);
        Ok(credential)
    }
}
