//! The crate's error type and its parts.
//!
//! Every fallible call returns [`Error`]. Use [`Error::is_retryable`] and
//! [`Error::retry_after`] to decide what to do next, and [`Error::as_api`] to inspect a
//! problem body sent by Oneflow.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::redact::snippet;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Oneflow's offset ceiling: list endpoints reject `offset` above this value.
pub const MAX_OFFSET: u32 = 19_900;

/// Everything that can go wrong when talking to Oneflow.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Oneflow answered with an error status (problem body, or any other body kept as raw text).
    #[error("{0}")]
    Api(Box<ApiError>),

    /// Oneflow's rate limit was hit (HTTP 429 / error code 4290000).
    #[error("rate limited by Oneflow{}: {problem}", fmt_retry_after(.retry_after))]
    RateLimited {
        /// Value of the `Retry-After` header, if one was sent.
        retry_after: Option<Duration>,
        /// The problem body of the 429 response.
        problem: Box<ApiError>,
    },

    /// The request could not be sent or the response could not be read.
    #[error("HTTP transport error ({})", transport_kind(.0))]
    Transport(#[source] reqwest::Error),

    /// A success response did not have the expected shape.
    #[error("could not decode the Oneflow response (HTTP {status}) at `{path}`")]
    Decode {
        /// HTTP status of the response.
        status: u16,
        /// JSON path of the offending value (`.` when the document itself is wrong).
        path: String,
        /// The start of the response body.
        snippet: String,
        /// The underlying serde error.
        #[source]
        source: serde_json::Error,
    },

    /// The client was configured wrongly.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// Input was rejected locally, before anything was sent.
    #[error("invalid input: {0}")]
    InvalidInput(#[from] InvalidInput),

    /// More items match than Oneflow lets a client page through (offset ceiling 19 900).
    #[error(
        "{total} items match but Oneflow stops paging at offset {max_offset}; \
         narrow the filter (workspace, state, dates) to see the rest"
    )]
    OffsetCeilingReached {
        /// Total number of matching items reported by Oneflow.
        total: u64,
        /// The ceiling (always [`MAX_OFFSET`]).
        max_offset: u32,
    },

    /// The server answered the next page with exactly the same body as the page before, so it
    /// ignores `offset`; paging on would only repeat items (the stream ends here instead).
    #[error(
        "Oneflow answered offset {offset} with the same page as the offset before; \
         the server ignores paging, so the stream stops instead of repeating items"
    )]
    RepeatedPage {
        /// The offset that was answered with the previous page again.
        offset: u32,
    },
}

fn fmt_retry_after(d: &Option<Duration>) -> String {
    match d {
        Some(d) => format!(" (retry after {}s)", d.as_secs()),
        None => String::new(),
    }
}

fn transport_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else if e.is_request() {
        "request"
    } else {
        "other"
    }
}

impl Error {
    /// Whether repeating the same request may succeed: a status in
    /// [`RETRYABLE_STATUSES`](crate::RETRYABLE_STATUSES) (rate limit, 500/502/503/504),
    /// connect errors and timeouts. Whether it is *safe* to repeat is a separate question,
    /// answered by the request's idempotency ([`ApiRequest::is_idempotent`](crate::ApiRequest::is_idempotent)).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } => true,
            // `RETRYABLE_STATUSES` without 429 (a 429 is `RateLimited`); a unit test in
            // `retry` keeps the two in step (a `use` here would make `error` and `retry`
            // import each other).
            Error::Api(api) => matches!(api.status().as_u16(), 500 | 502 | 503 | 504),
            Error::Transport(e) => e.is_connect() || e.is_timeout(),
            _ => false,
        }
    }

    /// The server's `Retry-After`, if it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            Error::Api(api) => api.retry_after,
            _ => None,
        }
    }

    /// The API problem, for [`Error::Api`] and [`Error::RateLimited`].
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            Error::RateLimited { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// The HTTP status of an API or decode error.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Decode { status, .. } => StatusCode::from_u16(*status).ok(),
            other => other.api_error().map(ApiError::status),
        }
    }

    /// The local validation failure, for [`Error::InvalidInput`].
    pub fn invalid_input(&self) -> Option<&InvalidInput> {
        match self {
            Error::InvalidInput(reason) => Some(reason),
            _ => None,
        }
    }

    /// Whether this is a 404 from Oneflow.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Whether this is a 409 Conflict from Oneflow (the contract or party is in a state that
    /// does not allow the change, e.g. editing a published contract). Re-read the resource
    /// before deciding whether to try again. Oneflow uses no 412, so unlike SuperOffice only
    /// 409 counts.
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(StatusCode::CONFLICT)
    }
}

/// A problem reported by Oneflow (RFC 7807-like body sent as `application/json`).
///
/// All fields are optional because Oneflow omits some of them (the 429 body has no
/// `request_id`) and non-JSON bodies (an HTML page from a proxy) have none at all; the raw
/// body is kept in any case.
#[derive(Clone)]
pub struct ApiError {
    status: StatusCode,
    error_code: Option<i64>,
    title: Option<String>,
    detail: Option<String>,
    problem_type: Option<String>,
    request_id: Option<String>,
    parameter_problems: Option<serde_json::Value>,
    info: Option<String>,
    raw_body: String,
    retry_after: Option<Duration>,
    path_template: &'static str,
}

impl ApiError {
    /// An API error as the client would build it from `status` and a raw response `body`,
    /// for tests of code that handles errors (path template `test`, no `Retry-After`).
    /// Needs the `test-util` feature.
    ///
    /// ```
    /// use oneflow_client::{ApiError, Error};
    /// use reqwest::StatusCode;
    ///
    /// let api = ApiError::for_test(StatusCode::NOT_FOUND, r#"{"error_code": 4040000, "title": "Not Found"}"#);
    /// assert_eq!(api.error_code(), Some(4_040_000));
    /// assert!(Error::Api(Box::new(api)).is_not_found());
    /// ```
    #[cfg(any(test, feature = "test-util"))]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub fn for_test(status: StatusCode, body: &str) -> Self {
        Self::from_parts(status, body.as_bytes(), None, "test")
    }

    /// Builds an API error from a status and a raw response body (JSON problem or anything else).
    ///
    /// The problem body is read field by field: a field of an unexpected type (say an
    /// `error_code` sent as a string, or `parameter_problems` as an array) is dropped or
    /// kept as JSON without blanking the others.
    pub(crate) fn from_parts(
        status: StatusCode,
        body: &[u8],
        retry_after: Option<Duration>,
        path_template: &'static str,
    ) -> Self {
        let raw_body = String::from_utf8_lossy(body).into_owned();
        let object = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let text = |key: &str| match object.get(key) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let error_code = match object.get("error_code") {
            Some(serde_json::Value::Number(n)) => n.as_i64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let parameter_problems = object
            .get("parameter_problems")
            .filter(|v| !v.is_null())
            .cloned();
        ApiError {
            status,
            error_code,
            title: text("title"),
            detail: text("detail"),
            problem_type: text("type"),
            request_id: text("request_id"),
            info: text("info"),
            parameter_problems,
            raw_body,
            retry_after,
            path_template,
        }
    }

    /// HTTP status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The path template of the failed call (`contracts/{id}`), never the concrete path.
    pub fn path_template(&self) -> &str {
        self.path_template
    }

    /// Oneflow's 7-digit error code (`4040000`); the first three digits are the HTTP status.
    pub fn error_code(&self) -> Option<i64> {
        self.error_code
    }

    /// Whether the error code is a generic one (`xxx0000`). Generic codes may be refined by
    /// Oneflow later, so do not match on them.
    pub fn is_generic(&self) -> bool {
        self.error_code.is_none_or(|c| c % 10_000 == 0)
    }

    /// Short summary, e.g. `Not Found`.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// Developer-facing explanation.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The problem `type` URL.
    pub fn problem_type(&self) -> Option<&str> {
        self.problem_type.as_deref()
    }

    /// Oneflow's request id; quote it when contacting Oneflow support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The `info` URL Oneflow adds to some problems (the 429 body points to the rate-limit
    /// page with it).
    pub fn info(&self) -> Option<&str> {
        self.info.as_deref()
    }

    /// Per-parameter problems (shape not documented, kept as JSON whatever its type).
    pub fn parameter_problems(&self) -> Option<&serde_json::Value> {
        self.parameter_problems.as_ref()
    }

    /// The raw response body (may be empty, HTML, or JSON).
    pub fn raw_body(&self) -> &str {
        &self.raw_body
    }

    /// The start of the raw body (at most 512 characters), for logs.
    pub fn body_snippet(&self) -> String {
        snippet(&self.raw_body)
    }

    /// The `Retry-After` value, if the server sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// Whether this is the rate-limit problem (HTTP 429 or error code 4290000).
    pub fn is_rate_limit(&self) -> bool {
        self.status == StatusCode::TOO_MANY_REQUESTS || self.error_code == Some(4_290_000)
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status.as_u16())
            .field("path_template", &self.path_template)
            .field("error_code", &self.error_code)
            .field("title", &self.title)
            .field("detail", &self.detail)
            .field("request_id", &self.request_id)
            .field("parameter_problems", &self.parameter_problems)
            .field("info", &self.info)
            .field("body_snippet", &self.body_snippet())
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oneflow API error: HTTP {}", self.status.as_u16())?;
        if let Some(code) = self.error_code {
            write!(f, " (code {code})")?;
        }
        match (&self.title, &self.detail) {
            (Some(t), Some(d)) => write!(f, ": {t}: {d}")?,
            (Some(t), None) => write!(f, ": {t}")?,
            (None, Some(d)) => write!(f, ": {d}")?,
            (None, None) => {
                let s: String = self.raw_body.trim().chars().take(120).collect();
                if !s.is_empty() {
                    write!(f, ": {s}")?;
                }
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// A problem with the client configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No API token was given.
    #[error("an API token is required; pass the account's token to `ClientBuilder::api_token`")]
    MissingToken,
    /// The API token is not 40 characters of `[A-Za-z0-9-]` (the token itself is not shown).
    #[error("the API token must be exactly 40 characters of A-Z, a-z, 0-9 or '-' (got {length} characters); copy the whole token from Oneflow's API token page")]
    InvalidToken {
        /// Length of the rejected token.
        length: usize,
    },
    /// The base URL could not be parsed or is not http(s).
    #[error("invalid base URL: {reason}; use https://api.oneflow.com/v1 (the default) or a loopback http URL for tests")]
    InvalidBaseUrl {
        /// Why it was rejected.
        reason: String,
    },
    /// The acting user e-mail is not usable as a header value.
    #[error("the acting user e-mail is empty or not a valid header value; pass a plain address such as `integration@ourco.example`")]
    InvalidUserEmail,
    /// The user agent is not a valid header value.
    #[error("the user agent is not a valid header value; use visible ASCII such as `my-sync/1.0`")]
    InvalidUserAgent,
    /// Building the built-in HTTP client failed (usually no TLS backend could be set up).
    #[error("could not build the HTTP client; check the TLS setup of this machine or pass your own with `ClientBuilder::http_client`")]
    HttpClient(#[source] reqwest::Error),
    /// A response came from another URL than the one requested: the `reqwest::Client` given
    /// to [`ClientBuilder::http_client`](crate::ClientBuilder::http_client) follows
    /// redirects, which could carry the API token to another host.
    #[error("the HTTP client followed a redirect; build the reqwest::Client given to `ClientBuilder::http_client` with `redirect(reqwest::redirect::Policy::none())`")]
    RedirectingHttpClient,
}

/// Why input was rejected locally (nothing was sent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInput {
    /// More parties than Oneflow allows on one contract (40).
    #[error("a contract can have at most {max} parties, got {count}")]
    TooManyParties {
        /// Parties given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// More participants across all parties than Oneflow allows (40).
    #[error("a contract can have at most {max} participants in total, got {count}")]
    TooManyParticipants {
        /// Participants given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// More owner-side participants than Oneflow allows (29).
    #[error("the owner side can have at most {max} participants, got {count}")]
    TooManyOwnerParticipants {
        /// Owner-side participants given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A text is longer than allowed.
    #[error("{field} is {length} characters long, the maximum is {max}")]
    TooLong {
        /// Which field (e.g. `party name`).
        field: &'static str,
        /// Actual length in characters.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// A required value is missing or empty.
    #[error("{field} is required")]
    Missing {
        /// Which field.
        field: &'static str,
    },
    /// A participant needs an e-mail address because of its delivery channel or 2FA method.
    #[error("participant #{index} needs an e-mail address (delivery channel or two-step authentication is e-mail)")]
    EmailRequired {
        /// Zero-based position of the participant in its party.
        index: usize,
    },
    /// A participant needs a phone number because of its delivery channel or 2FA method.
    #[error("participant #{index} needs a phone number (delivery channel or two-step authentication is SMS)")]
    PhoneRequired {
        /// Zero-based position of the participant in its party.
        index: usize,
    },
    /// A counterparty participant has no `delivery_channel` (the create-a-contract and
    /// create-a-participant references mark it required).
    #[error(
        "participant #{index} needs a delivery channel (required for counterparty participants)"
    )]
    DeliveryChannelRequired {
        /// Zero-based position of the participant in its party.
        index: usize,
    },
    /// A company party has no participants.
    #[error("a company party needs at least one participant")]
    NoParticipants,
    /// `limit` outside 1..=100.
    #[error("page size must be between 1 and 100, got {0}")]
    PageSize(u32),
    /// `offset` above Oneflow's ceiling.
    #[error("offset must be at most {MAX_OFFSET}, got {0}")]
    Offset(u32),
    /// The contract's template has no section that can receive this upload.
    #[error("the contract cannot receive this file: its template has no {section} section")]
    TemplateLacksSection {
        /// The missing section.
        section: TemplateSection,
    },
    /// The file extension is not accepted for this kind of upload.
    #[error("file extension {extension:?} is not accepted for {upload_as} uploads")]
    UnsupportedFileExtension {
        /// The extension found (lower case, may be empty).
        extension: String,
        /// The upload kind.
        upload_as: &'static str,
    },
    /// A value contains characters that cannot be sent in an HTTP header.
    #[error("{field} cannot be sent as an HTTP header")]
    InvalidHeaderValue {
        /// Which value.
        field: &'static str,
    },
    /// The call's Oneflow reference marks `x-oneflow-user-email` required, and the client
    /// has no acting user (neither a default nor [`Client::as_user`](crate::Client::as_user)).
    #[error(
        "{call} needs an acting user (x-oneflow-user-email): set a default user or use as_user()"
    )]
    ActingUserRequired {
        /// The call's path template, e.g. `contracts/create`.
        call: &'static str,
    },
    /// A value is malformed.
    #[error("{field} is invalid: {reason}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// Why.
        reason: &'static str,
    },
}

/// A template section required for a file upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TemplateSection {
    /// The "PDF document" section (for `expanded_pdf` uploads).
    PdfDocument,
    /// The "Attachments" section (for `attachment` uploads).
    Attachments,
}

impl fmt::Display for TemplateSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TemplateSection::PdfDocument => "\"PDF document\"",
            TemplateSection::Attachments => "\"Attachments\"",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_body_is_parsed() {
        let body =
            br#"{"error_code": 4040042, "detail": "Contract not found", "parameter_problems": {},
            "request_id": "abc==", "status": 404, "title": "Not Found",
            "type": "https://api.oneflow.com/v1/error_codes/4040042"}"#;
        let e = ApiError::from_parts(StatusCode::NOT_FOUND, body, None, "test");
        assert_eq!(e.error_code(), Some(4_040_042));
        assert!(!e.is_generic());
        assert_eq!(e.request_id(), Some("abc=="));
        let shown = e.to_string();
        assert!(
            shown.contains("404")
                && shown.contains("4040042")
                && shown.contains("Contract not found")
        );
    }

    /// One off-type field must not blank the others (issue 7, item 11).
    #[test]
    fn problem_fields_parse_one_by_one() {
        let body = br#"{"error_code": "4000123", "detail": "Bad name", "title": "Bad Request",
            "parameter_problems": [{"name": "too long"}], "request_id": 17, "status": "400"}"#;
        let e = ApiError::from_parts(StatusCode::BAD_REQUEST, body, None, "test");
        assert_eq!(e.error_code(), Some(4_000_123));
        assert_eq!(e.title(), Some("Bad Request"));
        assert_eq!(e.detail(), Some("Bad name"));
        assert_eq!(e.request_id(), None);
        assert_eq!(
            e.parameter_problems(),
            Some(&serde_json::json!([{"name": "too long"}]))
        );
        let body = br#"{"error_code": {"x": 1}, "detail": "still here", "title": 5}"#;
        let e = ApiError::from_parts(StatusCode::BAD_REQUEST, body, None, "test");
        assert_eq!((e.error_code(), e.title()), (None, None));
        assert_eq!(e.detail(), Some("still here"));
    }

    /// The 429 body carries an `info` URL; it is kept.
    #[test]
    fn rate_limit_info_is_kept() {
        let body =
            br#"{"error_code": 4290000, "detail": "You have reached the 5 minute rate limit",
            "info": "https://developer.oneflow.com/docs/api-rate-limit", "status": 429,
            "title": "Too Many Requests"}"#;
        let e = ApiError::from_parts(StatusCode::TOO_MANY_REQUESTS, body, None, "test");
        assert_eq!(
            e.info(),
            Some("https://developer.oneflow.com/docs/api-rate-limit")
        );
        assert!(e.is_rate_limit());
    }

    #[test]
    fn html_body_is_kept() {
        let e = ApiError::from_parts(
            StatusCode::BAD_GATEWAY,
            b"<html><body>502 Bad Gateway</body></html>",
            None,
            "test",
        );
        assert_eq!(e.error_code(), None);
        assert!(e.is_generic());
        assert!(e.raw_body().contains("502 Bad Gateway"));
        assert!(Error::Api(Box::new(e)).is_retryable());
    }
}
