//! [`TokenSet`]: the tokens of one sign-in, as the token endpoint returned them.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;

use crate::auth::SuperOfficeClaims;
use crate::credentials::Credential;

/// Tokens from the token endpoint. `Debug` never shows a token.
#[derive(Clone)]
#[non_exhaustive]
pub struct TokenSet {
    /// The opaque access token (`8A:Cust12345.…`), sent as `Bearer`.
    pub access_token: SecretString,
    /// The long-lived refresh token. SuperOffice returns it only from the code exchange; a
    /// refresh keeps the previous one.
    pub refresh_token: Option<SecretString>,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// The raw id_token, when the response had one.
    pub id_token: Option<SecretString>,
    /// The validated id_token claims, when the response had an id_token.
    pub claims: Option<SuperOfficeClaims>,
}

impl TokenSet {
    /// Tokens restored from storage (no id_token).
    pub fn new(
        access_token: impl Into<String>,
        refresh_token: Option<String>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        TokenSet {
            access_token: SecretString::from(access_token.into()),
            refresh_token: refresh_token.map(SecretString::from),
            expires_at,
            id_token: None,
            claims: None,
        }
    }

    /// The bearer credential for the REST client.
    pub fn credential(&self) -> Credential {
        Credential::Bearer {
            access_token: self.access_token.clone(),
            app_token: None,
        }
    }

    /// True when the access token expires before `now + margin`.
    pub fn expires_within(&self, now: DateTime<Utc>, margin: Duration) -> bool {
        self.expires_at <= now + margin
    }
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_at", &self.expires_at)
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .field("claims", &self.claims)
            .finish()
    }
}
