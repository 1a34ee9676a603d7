//! [`ApiError`]: an HTTP error answer from SuperOffice.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

/// How many characters of a body are kept in [`ApiError::body_snippet`] and decode errors.
const SNIPPET_CHARS: usize = 300;

/// How many characters of `ErrorType`, `ErrorMessage` and `ErrorSource` are kept.
const FIELD_CHARS: usize = 500;

/// How many bytes of an error body [`ApiError::raw_body`] keeps.
const MAX_ERROR_BODY: usize = 64 * 1024;

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
    /// An error answer with `status` and `body` for path template `test`, as the client would
    /// build it (for tests of code that handles errors). Only with the `test-util` feature.
    ///
    /// ```
    /// use http::StatusCode;
    /// use superoffice_client::ApiError;
    ///
    /// let error = ApiError::for_test(StatusCode::NOT_FOUND, r#"{"Error":true,"ErrorType":"SoNotFoundException"}"#);
    /// assert_eq!(error.error_type(), Some("SoNotFoundException"));
    /// ```
    #[cfg(any(test, feature = "test-util"))]
    pub fn for_test(status: StatusCode, body: &str) -> Self {
        ApiError::from_parts(status, "test", None, body.as_bytes())
    }

    /// Parse an error response. `endpoint` is the path template (`v1/Sale/{id}`), never the
    /// concrete URL.
    pub(crate) fn from_parts(
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

    /// The path template of the endpoint that failed (e.g. `v1/Sale/{id}`), never the
    /// concrete path.
    pub fn path_template(&self) -> &str {
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
    pub fn raw_body(&self) -> &str {
        &self.0.body
    }

    /// The first few hundred characters of the body, whitespace collapsed, secrets (token
    /// fields, `Bearer …`, SuperOffice tickets) masked.
    pub fn body_snippet(&self) -> String {
        snippet(self.0.body.as_bytes())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.0.status)
            .field("path_template", &self.0.endpoint)
            .field("error_type", &self.0.error_type)
            .field("message", &self.0.message)
            .field("error_source", &self.0.source)
            .field("retry_after", &self.0.retry_after)
            .field("snippet", &self.body_snippet())
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
            (None, None) => write!(f, "; body starts: {}", self.body_snippet()),
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
    use crate::error::Error;

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
        assert_eq!(e.raw_body().len(), MAX_ERROR_BODY);
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
        assert!(e.body_snippet().contains("502 Bad Gateway"));
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

    #[test]
    fn predicates_name_not_found_and_both_lost_update_statuses() {
        let error = |status: u16| {
            Error::from_response(ApiError::for_test(
                StatusCode::from_u16(status).unwrap(),
                r#"{"Error":true,"ErrorType":"SoException"}"#,
            ))
        };
        assert!(error(404).is_not_found());
        assert!(!error(410).is_not_found());
        for status in [409, 412] {
            assert!(error(status).is_conflict(), "{status}");
            assert!(!error(status).is_not_found(), "{status}");
        }
        assert!(!error(400).is_conflict());
        let api = ApiError::for_test(StatusCode::CONFLICT, "{}");
        assert_eq!(api.path_template(), "test");
        assert_eq!(api.raw_body(), "{}");
    }
}
