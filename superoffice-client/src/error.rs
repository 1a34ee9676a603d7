//! The crate's single error type.
//!
//! Owned by the REST part of the crate; the auth part contributes [`AuthError`] through
//! [`Error::Auth`].

pub use crate::auth::AuthError;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to SuperOffice.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Authentication or token handling failed (OIDC, refresh, id_token validation, system user).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The request never produced an HTTP response (DNS, connect, TLS, timeout, body read).
    #[error("transport error calling SuperOffice")]
    Transport(#[source] reqwest::Error),
    /// The input was rejected locally, before anything was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The client was configured wrongly.
    #[error("configuration error: {0}")]
    Config(String),
}
