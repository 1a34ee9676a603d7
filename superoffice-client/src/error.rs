//! The crate's single error type.
//!
//! Owned by the REST part of the crate; the auth part contributes [`AuthError`] through
//! [`Error::Auth`].
//!
//! HTTP failures carry an [`ApiError`] with the status, SuperOffice's error document
//! (`{"Error":true,"ErrorType":…,"ErrorMessage":…,"ErrorSource":…}`) when the body was one, and
//! the raw body (also for non-JSON bodies such as an HTML 502 page from a proxy).

use std::fmt;
use std::time::Duration;

use http::StatusCode;

pub use crate::auth::AuthError;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How many characters of a body are kept in [`ApiError::snippet`] and decode errors.
const SNIPPET_CHARS: usize = 300;

/// How many characters of `ErrorType`, `ErrorMessage` and `ErrorSource` are kept.
const FIELD_CHARS: usize = 500;

/// How many bytes of an error body [`ApiError::body`] keeps.
const MAX_ERROR_BODY: usize = 64 * 1024;

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
    /// The input was rejected locally, before anything was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The client was configured wrongly.
    #[error("configuration error: {0}")]
    Config(String),
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

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Error::InvalidInput(message.into())
    }

    /// The HTTP status, when the error came from an HTTP response.
    pub fn status(&self) -> Option<StatusCode> {
        self.api_error().map(ApiError::status)
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
    /// on its method (see [`crate::retry`]).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited(_) => true,
            Error::Api(e) => matches!(e.status().as_u16(), 429 | 502 | 503 | 504),
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

/// Details of an HTTP error response from SuperOffice.
///
/// SuperOffice reports errors as `{"Error": true, "ErrorType": "SoNotFoundException",
/// "ErrorMessage": "…", "ErrorSource": "…"}`; other bodies (HTML from a proxy, empty bodies) are
/// kept raw.
#[derive(Clone)]
pub struct ApiError(Box<ApiErrorInner>);

#[derive(Clone)]
struct ApiErrorInner {
    status: StatusCode,
    endpoint: String,
    error_type: Option<String>,
    message: Option<String>,
    source: Option<String>,
    retry_after: Option<Duration>,
    body: String,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorDocument {
    #[serde(default)]
    error_type: Option<String>,
    #[serde(default)]
    error_message: Option<String>,
    #[serde(default)]
    error_source: Option<String>,
}

impl ApiError {
    /// Parse an error response. `endpoint` is the path template (`v1/Sale/{id}`), never the
    /// concrete URL.
    pub fn from_parts(
        status: StatusCode,
        endpoint: impl Into<String>,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Self {
        let doc = serde_json::from_slice::<ErrorDocument>(body).ok();
        let body = String::from_utf8_lossy(&body[..body.len().min(MAX_ERROR_BODY)]).into_owned();
        // Server text ends up in `Display`/`Debug` and logs: secrets masked, length bounded.
        let field = |v: Option<String>| v.map(|v| crate::redact::redact(&v, FIELD_CHARS));
        let (error_type, message, source) = match doc {
            Some(d) => (
                field(d.error_type),
                field(d.error_message),
                field(d.error_source),
            ),
            None => (None, None, None),
        };
        ApiError(Box::new(ApiErrorInner {
            status,
            endpoint: endpoint.into(),
            error_type,
            message,
            source,
            retry_after,
            body,
        }))
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The endpoint (path template, e.g. `v1/Sale/{id}`) that failed.
    pub fn endpoint(&self) -> &str {
        &self.0.endpoint
    }

    /// SuperOffice's `ErrorType` (`SoNotFoundException`, …), when the body was an error document.
    pub fn error_type(&self) -> Option<&str> {
        self.0.error_type.as_deref()
    }

    /// SuperOffice's `ErrorMessage`.
    pub fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// SuperOffice's `ErrorSource` (the server component that failed).
    pub fn error_source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }

    /// The `Retry-After` the server sent, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// The raw response body (its first 64 KiB), unredacted: never log it.
    pub fn body(&self) -> &str {
        &self.0.body
    }

    /// The first few hundred characters of the body, whitespace collapsed, secrets (token
    /// fields, `Bearer …`, SuperOffice tickets) masked.
    pub fn snippet(&self) -> String {
        snippet(self.0.body.as_bytes())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.0.status)
            .field("endpoint", &self.0.endpoint)
            .field("error_type", &self.0.error_type)
            .field("message", &self.0.message)
            .field("error_source", &self.0.source)
            .field("retry_after", &self.0.retry_after)
            .field("snippet", &self.snippet())
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} returned HTTP {}", self.0.endpoint, self.0.status)?;
        match (&self.0.error_type, &self.0.message) {
            (Some(t), Some(m)) => write!(f, " ({t}): {m}"),
            (Some(t), None) => write!(f, " ({t})"),
            (None, Some(m)) => write!(f, ": {m}"),
            (None, None) if self.0.body.trim().is_empty() => Ok(()),
            (None, None) => write!(f, "; body starts: {}", self.snippet()),
        }
    }
}

/// The first [`SNIPPET_CHARS`] characters of a body, whitespace collapsed.
pub(crate) fn snippet(body: &[u8]) -> String {
    // Look at a bounded prefix only: the snippet is short, the body may be huge.
    let text = String::from_utf8_lossy(&body[..body.len().min(SNIPPET_CHARS * 16)]);
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::redact::redact(&collapsed, SNIPPET_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_snippets_are_redacted_and_bounded() {
        let long = "x".repeat(5000);
        let body = format!(
            r#"{{"Error":true,"ErrorType":"SoException","ErrorMessage":"Ticket 8A:Cust1.secret-ticket rejected\u001b[2J {long}","access_token":"eyJ.s3cret"}}"#
        );
        let e = ApiError::from_parts(StatusCode::BAD_REQUEST, "v1/Sale", None, body.as_bytes());
        let message = e.message().unwrap();
        assert!(!message.contains("secret-ticket"), "{message}");
        assert!(!message.contains('\u{1b}'));
        assert!(message.chars().count() <= FIELD_CHARS + 1);
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("secret-ticket") && !shown.contains("eyJ.s3cret"));
        assert!(snippet(body.as_bytes()).chars().count() <= SNIPPET_CHARS + 1);
        let decode = crate::client::decode_json::<Vec<i32>>(
            "v1/Sale",
            br#"{"refresh_token":"r3fresh","x":1}"#,
        )
        .unwrap_err();
        assert!(!format!("{decode} {decode:?}").contains("r3fresh"));
        let huge = vec![b'a'; 10 * MAX_ERROR_BODY];
        let e = ApiError::from_parts(StatusCode::BAD_GATEWAY, "v1/Sale", None, &huge);
        assert_eq!(e.body().len(), MAX_ERROR_BODY);
    }

    #[test]
    fn parses_superoffice_error_document() {
        let body = br#"{"Error":true,"ErrorType":"SoNotFoundException","ErrorMessage":"Contact id 99999 not found","ErrorSource":"SuperOffice.Services.Implementation"}"#;
        let e = ApiError::from_parts(StatusCode::NOT_FOUND, "v1/Contact/{id}", None, body);
        assert_eq!(e.error_type(), Some("SoNotFoundException"));
        assert_eq!(e.message(), Some("Contact id 99999 not found"));
        assert_eq!(
            e.error_source(),
            Some("SuperOffice.Services.Implementation")
        );
        let err = Error::from_response(e);
        assert!(matches!(err, Error::NotFound(_)));
        assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
        assert!(!err.is_retryable());
        assert!(err.to_string().contains("SoNotFoundException"));
    }

    #[test]
    fn keeps_non_json_bodies() {
        let body = b"<html>\n<head><title>502 Bad Gateway</title></head></html>";
        let e = ApiError::from_parts(StatusCode::BAD_GATEWAY, "v1/Sale/{id}", None, body);
        assert_eq!(e.error_type(), None);
        assert!(e.snippet().contains("502 Bad Gateway"));
        let err = Error::from_response(e);
        assert!(err.is_retryable());
        assert!(err.to_string().contains("502 Bad Gateway"));
    }

    #[test]
    fn long_bodies_are_cut_in_snippets() {
        let body = "x".repeat(5000);
        let s = snippet(body.as_bytes());
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
    }
}
