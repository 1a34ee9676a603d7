//! The crate's error types, in one place below everything that returns them: [`Error`] (what
//! every call returns), [`ApiError`] (an HTTP error answer), [`AuthError`] (sign-in, tokens,
//! system user), [`TenantError`] (tenant state API), [`InvalidInput`] (refused locally, with
//! [`PanelUrlError`]) and, in their own leaf module, `CustomerIdError`. `auth` and `tenant`
//! re-export theirs.
//!
//! HTTP failures carry an [`ApiError`] with the status, SuperOffice's error document
//! (`{"Error":true,"ErrorType":…,"ErrorMessage":…,"ErrorSource":…}`) when the body was one, and
//! the raw body (also for non-JSON bodies such as an HTML 502 page from a proxy).

use std::time::Duration;

use http::StatusCode;

mod api;
mod auth;
mod config;
mod invalid_input;
mod tenant;

pub(crate) use api::snippet;
pub use api::ApiError;
pub use auth::{AuthError, IdTokenProblem};
pub use config::ConfigError;
pub use invalid_input::{InvalidInput, PanelUrlError};
pub use tenant::{TenantError, TenantState};

/// HTTP statuses worth retrying for an idempotent request: 429, 502, 503 and 504.
///
/// 502/503/504 come from gateways, load balancers and maintenance, and pass. **500 is left
/// out**: SuperOffice NetServer reports its own exceptions as 500 with an error document
/// (`ErrorType` such as `SoServerException`); those are deterministic, so a retry repeats the
/// failure and spends the 10 requests/s budget. (Oneflow's client retries 500.) Recorded as
/// *inferred* in `FIDELITY.md`.
pub const RETRYABLE_STATUSES: &[u16] = &[429, 502, 503, 504];

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to SuperOffice.
///
/// The retry loop looks only at [`Error::is_retryable`] and [`Error::retry_after`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Authentication or token handling failed (OIDC, refresh, id_token validation, system user).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The request never produced an HTTP response (DNS, connect, TLS, timeout, body read).
    #[error("transport error calling SuperOffice")]
    Transport(#[source] reqwest::Error),
    /// The input was rejected locally, before anything was sent (see [`InvalidInput`]).
    #[error("invalid input: {0}")]
    InvalidInput(#[from] InvalidInput),
    /// The client was configured wrongly (see [`ConfigError`]).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// SuperOffice answered with an error status not covered by a more specific variant
    /// (400, 403, 500, 502, 503, …).
    #[error("{0}")]
    Api(ApiError),
    /// 401: the credential was rejected, also after one refresh.
    #[error("unauthorized: {0}")]
    Unauthorized(ApiError),
    /// 404: the entity does not exist (or is not visible to this user).
    #[error("not found: {0}")]
    NotFound(ApiError),
    /// 409: a conflict, typically a JSON Patch `test` operation that did not match.
    #[error("conflict: {0}")]
    Conflict(ApiError),
    /// 412: the entity changed since `If-Unmodified-Since`.
    #[error("precondition failed: {0}")]
    PreconditionFailed(ApiError),
    /// 421: the tenant lives on another host, also after re-resolving its API base once.
    #[error("misdirected request (wrong host for the tenant): {0}")]
    MisdirectedRequest(ApiError),
    /// 429: SuperOffice throttled the client.
    #[error("rate limited by SuperOffice: {0}")]
    RateLimited(ApiError),
    /// A success response whose body did not match the expected shape.
    #[error("could not decode the response of {endpoint} at `{path}`: {message} (body starts: {snippet})")]
    Decode {
        /// The endpoint (path template) that answered.
        endpoint: String,
        /// JSON path of the failing value (`value[3].SaleId`).
        path: String,
        /// What serde reported.
        message: String,
        /// The first characters of the body.
        snippet: String,
    },
    /// The server's answer broke the protocol in a way that is not a decode error (e.g. an
    /// `odata.nextLink` pointing at another host, which would receive our credentials).
    #[error("unexpected response from SuperOffice: {0}")]
    Protocol(String),
}

impl From<PanelUrlError> for Error {
    fn from(e: PanelUrlError) -> Self {
        Error::InvalidInput(InvalidInput::PanelUrl(e))
    }
}

impl Error {
    /// Why the input was refused locally, for [`Error::InvalidInput`].
    pub fn invalid_input(&self) -> Option<&InvalidInput> {
        match self {
            Error::InvalidInput(reason) => Some(reason),
            _ => None,
        }
    }

    /// The HTTP status, when the error came from an HTTP response.
    pub fn status(&self) -> Option<StatusCode> {
        self.api_error().map(ApiError::status)
    }

    /// True for 404: the entity does not exist or is not visible to this user.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound(_))
    }

    /// True for 409 (a JSON Patch `test` operation did not match) and 412 (the entity changed
    /// since `If-Unmodified-Since`): someone else changed the entity; read it again and
    /// decide. SuperOffice reports both kinds of lost update, so both count.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::Conflict(_) | Error::PreconditionFailed(_))
    }

    /// The API error details, when the error came from an HTTP response.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e)
            | Error::Unauthorized(e)
            | Error::NotFound(e)
            | Error::Conflict(e)
            | Error::PreconditionFailed(e)
            | Error::MisdirectedRequest(e)
            | Error::RateLimited(e) => Some(e),
            _ => None,
        }
    }

    /// How long the server asked us to wait (`Retry-After` on 429/503).
    pub fn retry_after(&self) -> Option<Duration> {
        self.api_error().and_then(ApiError::retry_after)
    }

    /// True for failures that may succeed when the same request is sent again: 429, 502, 503,
    /// 504, and connect/timeout transport errors. Whether a request *is* retried also depends
    /// on the request (see [`RetryPolicy`](crate::RetryPolicy)).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited(_) => true,
            Error::Api(e) => RETRYABLE_STATUSES.contains(&e.status().as_u16()),
            Error::Transport(e) => e.is_connect() || e.is_timeout(),
            _ => false,
        }
    }

    /// Build the error for a non-success HTTP response.
    pub(crate) fn from_response(api: ApiError) -> Self {
        match api.status().as_u16() {
            401 => Error::Unauthorized(api),
            404 => Error::NotFound(api),
            409 => Error::Conflict(api),
            412 => Error::PreconditionFailed(api),
            421 => Error::MisdirectedRequest(api),
            429 => Error::RateLimited(api),
            _ => Error::Api(api),
        }
    }
}
