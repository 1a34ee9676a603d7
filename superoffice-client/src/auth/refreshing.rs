//! [`RefreshingTokenProvider`]: a signed-in user's tokens, refreshed before they expire and
//! after a 401, with single-flight refreshes and a [`TokenSink`] to persist them.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;
use secrecy::SecretString;
use tokio::sync::Mutex;

use crate::auth::{OidcClient, SuperOfficeClaims, TokenSet};
use crate::clock::{Clock, SystemClock};
use crate::credentials::{Credential, TokenProvider};
use crate::error::{AuthError, Error, Result};

/// Gets a new token set with a refresh token (implemented by
/// [`OidcClient`]; replaceable in tests and sandboxes).
#[async_trait]
pub trait TokenRefresher: Send + Sync + std::fmt::Debug {
    /// Exchanges `refresh_token` for fresh tokens.
    async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet>;
}

#[async_trait]
impl TokenRefresher for OidcClient {
    async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet> {
        OidcClient::refresh(self, refresh_token).await
    }
}

/// Told about every refreshed [`TokenSet`], so the embedding application can persist it.
///
/// Any `Fn(&TokenSet) + Send + Sync` closure is a sink. A failing sink is logged (without
/// secrets) and does not fail the API call: the new tokens stay in use in memory.
#[async_trait]
pub trait TokenSink: Send + Sync {
    /// Called after a successful refresh, before the new credential is handed out.
    async fn tokens_refreshed(&self, tokens: &TokenSet) -> Result<()>;
}

#[async_trait]
impl<F> TokenSink for F
where
    F: Fn(&TokenSet) + Send + Sync,
{
    async fn tokens_refreshed(&self, tokens: &TokenSet) -> Result<()> {
        self(tokens);
        Ok(())
    }
}

struct State {
    tokens: TokenSet,
    /// Set when the refresh token was refused (`invalid_grant`): the user must sign in again.
    needs_sign_in: bool,
}

/// A [`TokenProvider`] for a signed-in user: hands out the access token, refreshes it shortly
/// before it expires and after a 401, and makes sure concurrent callers share one refresh
/// request (single flight).
///
/// When SuperOffice refuses the refresh token (`invalid_grant`: consent revoked), the provider
/// remembers it and answers [`AuthError::CannotRefresh`](AuthError::CannotRefresh)
/// without further requests until [`replace_tokens`](Self::replace_tokens) is called after a
/// new sign-in. Other refresh failures (network, 5xx) are retried by the next caller; while
/// the current access token has not yet expired, an early refresh that fails hands out the
/// current token instead of failing the call.
///
/// A refreshed id_token must keep the session's `sub`, `iss` and `ctx`; if one changes, the new
/// tokens are dropped and the call fails with
/// [`AuthError::IdentityChanged`](AuthError::IdentityChanged) (then
/// `CannotRefresh` until [`replace_tokens`](Self::replace_tokens)).
///
/// ```no_run
/// use std::sync::Arc;
/// use superoffice_client::auth::{OidcClient, Session};
/// use superoffice_client::auth::{RefreshingTokenProvider, TokenSet};
/// use superoffice_client::TokenProvider;
///
/// # async fn run(oidc: OidcClient, session: Session) -> superoffice_client::Result<()> {
/// let provider = RefreshingTokenProvider::new(Arc::new(oidc), session.tokens)
///     .with_sink(Arc::new(|tokens: &TokenSet| {
///         // persist tokens.access_token / tokens.refresh_token / tokens.expires_at
///         let _ = tokens;
///     }));
/// let credential = provider.credential().await?;
/// # let _ = credential;
/// # Ok(()) }
/// ```
pub struct RefreshingTokenProvider {
    refresher: Arc<dyn TokenRefresher>,
    state: Mutex<State>,
    sink: Option<Arc<dyn TokenSink>>,
    margin: Duration,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for RefreshingTokenProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshingTokenProvider")
            .field("refresher", &self.refresher)
            .field("tokens", &"[redacted]")
            .field("has_sink", &self.sink.is_some())
            .field("margin", &self.margin)
            .finish()
    }
}

impl RefreshingTokenProvider {
    /// Starts from `tokens` (from a sign-in or restored from storage); refreshes through
    /// `refresher`. Refreshes 60 s before expiry by default.
    pub fn new(refresher: Arc<dyn TokenRefresher>, tokens: TokenSet) -> Self {
        RefreshingTokenProvider {
            refresher,
            state: Mutex::new(State {
                tokens,
                needs_sign_in: false,
            }),
            sink: None,
            margin: Duration::seconds(60),
            clock: Arc::new(SystemClock),
        }
    }

    /// Persists refreshed tokens through `sink`.
    pub fn with_sink(mut self, sink: Arc<dyn TokenSink>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Refreshes when the access token expires within `margin` (default 60 s).
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Replaces the clock used to judge expiry.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// A copy of the current tokens.
    pub async fn tokens(&self) -> TokenSet {
        self.state.lock().await.tokens.clone()
    }

    /// Replaces the tokens, e.g. after the user signed in again (clears a revoked state).
    pub async fn replace_tokens(&self, tokens: TokenSet) {
        let mut state = self.state.lock().await;
        state.tokens = tokens;
        state.needs_sign_in = false;
    }

    /// Refreshes now, whatever the expiry (single flight with the other calls).
    pub async fn force_refresh(&self) -> Result<Credential> {
        let mut state = self.state.lock().await;
        self.refresh_locked(&mut state).await
    }

    async fn refresh_locked(&self, state: &mut State) -> Result<Credential> {
        if state.needs_sign_in {
            // The refresh token was refused before: do not ask again with it.
            return Err(AuthError::CannotRefresh.into());
        }
        let tokens = &mut state.tokens;
        let refresh_token = tokens
            .refresh_token
            .clone()
            .ok_or(AuthError::CannotRefresh)?;
        let mut fresh = match self.refresher.refresh(&refresh_token).await {
            Ok(fresh) => fresh,
            Err(Error::Auth(err)) if err.requires_sign_in() => {
                state.needs_sign_in = true;
                return Err(err.into());
            }
            Err(err) => return Err(err),
        };
        if let (Some(before), Some(after)) = (&tokens.claims, &fresh.claims) {
            // The refreshed id_token must describe the same sign-in; otherwise the new tokens
            // are not used (the old ones stay, the caller must sign in again).
            if let Some(claim) = identity_change(before, after) {
                tracing::warn!(claim, "a refreshed id_token changed the signed-in identity");
                state.needs_sign_in = true;
                return Err(AuthError::IdentityChanged { claim }.into());
            }
        }
        if fresh.refresh_token.is_none() {
            fresh.refresh_token = Some(refresh_token);
        }
        if fresh.claims.is_none() {
            fresh.claims = tokens.claims.take();
        }
        *tokens = fresh;
        if let Some(sink) = &self.sink {
            if let Err(err) = sink.tokens_refreshed(tokens).await {
                tracing::warn!(error = %err, "could not persist refreshed SuperOffice tokens");
            }
        }
        Ok(tokens.credential())
    }
}

/// The first of `sub`, `iss`, `ctx` that differs between two id_tokens of one session.
fn identity_change(before: &SuperOfficeClaims, after: &SuperOfficeClaims) -> Option<&'static str> {
    if before.subject != after.subject {
        Some("sub")
    } else if before.issuer != after.issuer {
        Some("iss")
    } else if before.customer_id != after.customer_id {
        Some("ctx")
    } else {
        None
    }
}

#[async_trait]
impl TokenProvider for RefreshingTokenProvider {
    async fn credential(&self) -> Result<Credential> {
        let mut state = self.state.lock().await;
        let now = self.clock.now();
        if !state.tokens.expires_within(now, self.margin) {
            return Ok(state.tokens.credential());
        }
        match self.refresh_locked(&mut state).await {
            Ok(credential) => Ok(credential),
            // An early refresh failed (network, 5xx, no refresh token) while the current token
            // is still valid: keep using it; the next call tries again. A refused refresh token
            // (`needs_sign_in`) still fails.
            Err(err) if state.tokens.expires_at > now && !state.needs_sign_in => {
                tracing::warn!(
                    error = %err,
                    "early token refresh failed; using the current access token until it expires"
                );
                Ok(state.tokens.credential())
            }
            Err(err) => Err(err),
        }
    }

    async fn refresh_after_unauthorized(&self, rejected: &Credential) -> Result<Credential> {
        let mut state = self.state.lock().await;
        let current = state.tokens.credential();
        if !current.same_secret(rejected)
            && !state.tokens.expires_within(self.clock.now(), self.margin)
        {
            // Someone refreshed while this request was in flight.
            return Ok(current);
        }
        self.refresh_locked(&mut state).await
    }
}
