//! Credentials for the REST API and the [`TokenProvider`] trait that hands them out.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use crate::auth::{Clock, OidcClient, SystemClock};
use crate::error::Result;

pub use crate::auth::TokenSet;

/// A credential the REST client attaches to a request.
///
/// `Debug` never shows the secret parts.
#[derive(Clone)]
#[non_exhaustive]
pub enum Credential {
    /// An OIDC access token, sent as `Authorization: Bearer <token>`, optionally with the
    /// registered app's application token (its client secret) as `SO-AppToken` — needed for
    /// calls SuperOffice reserves for registered apps (the List agent's `GetAppWebPanels` and
    /// `DeleteAppWebPanels`, which only see panels created with the token). Set it with
    /// [`Credential::with_app_token`].
    Bearer {
        /// The opaque access token (`8A:Cust12345.…`).
        access_token: SecretString,
        /// The application token (client secret), sent as `SO-AppToken` when present.
        app_token: Option<SecretString>,
    },
    /// A system-user ticket, sent as `Authorization: SOTicket <ticket>` plus
    /// `SO-AppToken: <client secret>`.
    SystemUser {
        /// The ticket (`7T:…`).
        ticket: SecretString,
        /// The application's client secret.
        app_token: SecretString,
    },
}

impl Credential {
    /// A bearer credential from an access token.
    pub fn bearer(access_token: impl Into<String>) -> Self {
        Credential::Bearer {
            access_token: SecretString::from(access_token.into()),
            app_token: None,
        }
    }

    /// This credential with the registered app's application token (client secret), sent as
    /// `SO-AppToken`. For a [`SystemUser`](Credential::SystemUser) credential it replaces the
    /// token it already carries.
    pub fn with_app_token(self, client_secret: impl Into<String>) -> Self {
        let secret = SecretString::from(client_secret.into());
        match self {
            Credential::Bearer { access_token, .. } => Credential::Bearer {
                access_token,
                app_token: Some(secret),
            },
            Credential::SystemUser { ticket, .. } => Credential::SystemUser {
                ticket,
                app_token: secret,
            },
        }
    }

    /// True when requests with this credential carry `SO-AppToken`.
    pub fn has_app_token(&self) -> bool {
        match self {
            Credential::Bearer { app_token, .. } => app_token
                .as_ref()
                .is_some_and(|t| !t.expose_secret().is_empty()),
            Credential::SystemUser { app_token, .. } => !app_token.expose_secret().is_empty(),
        }
    }

    /// The value of the `Authorization` header, marked sensitive.
    pub fn authorization_header(&self) -> http::HeaderValue {
        let raw = match self {
            Credential::Bearer { access_token, .. } => {
                format!("Bearer {}", access_token.expose_secret())
            }
            Credential::SystemUser { ticket, .. } => format!("SOTicket {}", ticket.expose_secret()),
        };
        let mut value = http::HeaderValue::from_str(&raw)
            .unwrap_or_else(|_| http::HeaderValue::from_static("invalid"));
        value.set_sensitive(true);
        value
    }

    /// The value of the `SO-AppToken` header, when this credential needs one.
    pub fn app_token_header(&self) -> Option<http::HeaderValue> {
        let app_token = match self {
            Credential::Bearer { app_token, .. } => app_token.as_ref()?,
            Credential::SystemUser { app_token, .. } => app_token,
        };
        let mut value = http::HeaderValue::from_str(app_token.expose_secret()).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// True when both credentials carry the same secret (used to detect whether a
    /// 401-triggered refresh already happened).
    pub fn same_secret(&self, other: &Credential) -> bool {
        match (self, other) {
            (
                Credential::Bearer {
                    access_token: a, ..
                },
                Credential::Bearer {
                    access_token: b, ..
                },
            ) => a.expose_secret() == b.expose_secret(),
            (
                Credential::SystemUser { ticket: a, .. },
                Credential::SystemUser { ticket: b, .. },
            ) => a.expose_secret() == b.expose_secret(),
            _ => false,
        }
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Bearer { .. } => f.write_str("Credential::Bearer([redacted])"),
            Credential::SystemUser { .. } => f.write_str("Credential::SystemUser([redacted])"),
        }
    }
}

/// Hands out a valid credential for one tenant.
///
/// The REST client calls [`credential`](TokenProvider::credential) before every request and,
/// when SuperOffice answers 401, [`refresh_after_unauthorized`](TokenProvider::refresh_after_unauthorized)
/// once, then retries the request once with the new credential.
#[async_trait]
pub trait TokenProvider: Send + Sync + std::fmt::Debug {
    /// A credential that is valid now (refreshing first if it is about to expire).
    async fn credential(&self) -> Result<Credential>;

    /// The server rejected `rejected` with 401: return a fresh credential. Implementations
    /// must be single-flight: concurrent callers with the same rejected credential share
    /// one refresh.
    async fn refresh_after_unauthorized(&self, rejected: &Credential) -> Result<Credential>;
}

/// A fixed credential that is never refreshed (tests, short scripts).
#[derive(Debug, Clone)]
pub struct StaticToken(Credential);

impl StaticToken {
    /// A provider that always returns `credential`.
    pub fn new(credential: Credential) -> Self {
        StaticToken(credential)
    }
}

#[async_trait]
impl TokenProvider for StaticToken {
    async fn credential(&self) -> Result<Credential> {
        Ok(self.0.clone())
    }

    async fn refresh_after_unauthorized(&self, _rejected: &Credential) -> Result<Credential> {
        Err(crate::auth::AuthError::CannotRefresh.into())
    }
}

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
/// remembers it and answers [`AuthError::CannotRefresh`](crate::auth::AuthError::CannotRefresh)
/// without further requests until [`replace_tokens`](Self::replace_tokens) is called after a
/// new sign-in. Other refresh failures (network, 5xx) are retried by the next caller; while
/// the current access token has not yet expired, an early refresh that fails hands out the
/// current token instead of failing the call.
///
/// A refreshed id_token must keep the session's `sub`, `iss` and `ctx`; if one changes, the new
/// tokens are dropped and the call fails with
/// [`AuthError::IdentityChanged`](crate::auth::AuthError::IdentityChanged) (then
/// `CannotRefresh` until [`replace_tokens`](Self::replace_tokens)).
///
/// ```no_run
/// use std::sync::Arc;
/// use superoffice_client::auth::{OidcClient, Session};
/// use superoffice_client::credentials::{RefreshingTokenProvider, TokenSet};
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
            return Err(crate::auth::AuthError::CannotRefresh.into());
        }
        let tokens = &mut state.tokens;
        let refresh_token = tokens
            .refresh_token
            .clone()
            .ok_or(crate::auth::AuthError::CannotRefresh)?;
        let mut fresh = match self.refresher.refresh(&refresh_token).await {
            Ok(fresh) => fresh,
            Err(crate::Error::Auth(err)) if err.requires_sign_in() => {
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
                return Err(crate::auth::AuthError::IdentityChanged { claim }.into());
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
fn identity_change(
    before: &crate::auth::SuperOfficeClaims,
    after: &crate::auth::SuperOfficeClaims,
) -> Option<&'static str> {
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

/// Wraps another [`TokenProvider`] and attaches the registered app's application token (its
/// client secret) to every bearer credential it hands out, so requests carry `SO-AppToken`
/// (see [`Credential::with_app_token`]). `Debug` never shows the token.
///
/// ```
/// use std::sync::Arc;
/// use superoffice_client::credentials::{StaticToken, WithAppToken};
/// use superoffice_client::Credential;
///
/// let provider = WithAppToken::new(
///     Arc::new(StaticToken::new(Credential::bearer("8A:Cust12345.token"))),
///     "client-secret",
/// );
/// # let _ = provider;
/// ```
pub struct WithAppToken {
    inner: Arc<dyn TokenProvider>,
    app_token: SecretString,
}

impl WithAppToken {
    /// Credentials of `inner`, each with `client_secret` as `SO-AppToken`.
    pub fn new(inner: Arc<dyn TokenProvider>, client_secret: impl Into<String>) -> Self {
        WithAppToken {
            inner,
            app_token: SecretString::from(client_secret.into()),
        }
    }

    fn attach(&self, credential: Credential) -> Credential {
        credential.with_app_token(self.app_token.expose_secret())
    }
}

impl std::fmt::Debug for WithAppToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithAppToken")
            .field("inner", &self.inner)
            .field("app_token", &"[redacted]")
            .finish()
    }
}

#[async_trait]
impl TokenProvider for WithAppToken {
    async fn credential(&self) -> Result<Credential> {
        self.inner.credential().await.map(|c| self.attach(c))
    }

    async fn refresh_after_unauthorized(&self, rejected: &Credential) -> Result<Credential> {
        self.inner
            .refresh_after_unauthorized(rejected)
            .await
            .map(|c| self.attach(c))
    }
}
