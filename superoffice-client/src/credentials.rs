//! Credentials for the REST API and the [`TokenProvider`] trait that hands them out.

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::error::Result;

/// A credential the REST client attaches to a request.
///
/// `Debug` never shows the secret parts.
#[derive(Clone)]
#[non_exhaustive]
pub enum Credential {
    /// An OIDC access token, sent as `Authorization: Bearer <token>`.
    Bearer {
        /// The opaque access token (`8A:Cust12345.…`).
        access_token: SecretString,
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
        }
    }

    /// The value of the `Authorization` header, marked sensitive.
    pub fn authorization_header(&self) -> http::HeaderValue {
        let raw = match self {
            Credential::Bearer { access_token } => format!("Bearer {}", access_token.expose_secret()),
            Credential::SystemUser { ticket, .. } => format!("SOTicket {}", ticket.expose_secret()),
        };
        let mut value = http::HeaderValue::from_str(&raw)
            .unwrap_or_else(|_| http::HeaderValue::from_static("invalid"));
        value.set_sensitive(true);
        value
    }

    /// The value of the `SO-AppToken` header, when this credential needs one.
    pub fn app_token_header(&self) -> Option<http::HeaderValue> {
        match self {
            Credential::Bearer { .. } => None,
            Credential::SystemUser { app_token, .. } => {
                let mut value = http::HeaderValue::from_str(app_token.expose_secret()).ok()?;
                value.set_sensitive(true);
                Some(value)
            }
        }
    }

    /// True when both credentials carry the same secret (used to detect whether a
    /// 401-triggered refresh already happened).
    pub fn same_secret(&self, other: &Credential) -> bool {
        match (self, other) {
            (Credential::Bearer { access_token: a }, Credential::Bearer { access_token: b }) => {
                a.expose_secret() == b.expose_secret()
            }
            (Credential::SystemUser { ticket: a, .. }, Credential::SystemUser { ticket: b, .. }) => {
                a.expose_secret() == b.expose_secret()
            }
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
