//! Credentials for the REST API and the [`TokenProvider`] trait that hands them out.

use std::sync::Arc;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::error::{AuthError, Result};

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
        Err(AuthError::CannotRefresh.into())
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
