//! Requests as data ([`ApiRequest`]) and raw answers ([`RawResponse`]): what every endpoint
//! builds and what [`Client::send`](crate::Client::send) returns.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde::Serialize;
use url::Url;

use crate::error::{InvalidInput, Result};

/// Media type of JSON Patch bodies (RFC 6902). SuperOffice lists it among the accepted
/// types, but its PATCH reference sample sends the patch as `application/json`, which is what
/// this crate's PATCH calls send.
pub const JSON_PATCH: &str = "application/json-patch+json";
/// Media type of JSON Merge Patch bodies (RFC 7396); see [`JSON_PATCH`].
pub const MERGE_PATCH: &str = "application/merge-patch+json";

/// Characters escaped in one path segment.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `.` or `..`: URL parsers resolve these as dot segments. (`%` is escaped in a segment, so
/// `%2e` arrives as the harmless `%252e`.)
fn is_dot_segment(segment: &str) -> bool {
    matches!(segment, "." | "..")
}

/// A successful raw HTTP response, from [`Client::send`](crate::Client::send). `Debug` shows
/// the body's length, never its content.
#[derive(Clone)]
#[non_exhaustive]
pub struct RawResponse {
    /// Status code (2xx).
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field(
                "content_type",
                &self.headers.get(http::header::CONTENT_TYPE),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A request as data: method, path template (for logs), concrete path relative to the API
/// base, query and body. Endpoints build these; tests can inspect them without a network, and
/// [`Client::execute`](crate::Client::execute), [`execute_empty`](crate::Client::execute_empty)
/// and [`send`](crate::Client::send) send them for endpoints without a typed method.
///
/// ```
/// use superoffice_client::ApiRequest;
///
/// let request = ApiRequest::get("v1/Sale/{id}", ["v1", "Sale", "42"]);
/// assert_eq!(request.path_template(), "v1/Sale/{id}");
/// assert_eq!(request.path(), "v1/Sale/42");
/// assert!(request.is_idempotent());
/// assert!(!ApiRequest::post("v1/Sale", ["v1", "Sale"]).is_idempotent());
/// ```
#[derive(Clone, PartialEq)]
#[must_use]
pub struct ApiRequest {
    pub(crate) method: Method,
    pub(crate) template: Cow<'static, str>,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Body>,
    pub(crate) headers: Vec<(http::HeaderName, HeaderValue)>,
    /// The path is relative to the tenant root (`{host}/{Cust}/`), not to the API base.
    pub(crate) tenant_root: bool,
    /// The call fails locally unless the credential carries the application token.
    pub(crate) needs_app_token: bool,
    /// May be sent again after a transient failure (see [`ApiRequest::idempotent`]).
    pub(crate) idempotent: bool,
    /// Why the request must not be sent (e.g. a `.` or `..` path segment).
    pub(crate) invalid: Option<InvalidInput>,
}

#[derive(Clone, PartialEq)]
pub(crate) struct Body {
    pub(crate) content_type: &'static str,
    pub(crate) bytes: Bytes,
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The concrete path, query and body may contain personal data; logs get the template.
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("path_template", &self.template)
            .field("idempotent", &self.idempotent)
            .field("body_len", &self.body.as_ref().map(|b| b.bytes.len()))
            .finish_non_exhaustive()
    }
}

impl ApiRequest {
    /// A request for `template` (e.g. `v1/Sale/{id}`, used in logs and errors) whose concrete
    /// path is `segments` joined with `/`, each percent-encoded.
    ///
    /// A segment that is `.` or `..` would move the request to another resource (URL parsers
    /// resolve dot segments); such a request is neutralised: [`url`](Self::url) and every send
    /// refuse it with [`Error::InvalidInput`](crate::Error::InvalidInput), before anything is sent.
    pub fn new<S: AsRef<str>>(
        method: Method,
        template: &'static str,
        segments: impl IntoIterator<Item = S>,
    ) -> Self {
        let mut invalid = None;
        let path = segments
            .into_iter()
            .map(|s| {
                let s = s.as_ref();
                if is_dot_segment(s) {
                    invalid = Some(InvalidInput::PathSegment {
                        segment: s.to_owned(),
                    });
                }
                percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
            })
            .collect::<Vec<_>>()
            .join("/");
        ApiRequest {
            idempotent: is_idempotent_method(&method),
            method,
            template: Cow::Borrowed(template),
            path,
            query: Vec::new(),
            body: None,
            headers: Vec::new(),
            tenant_root: false,
            needs_app_token: false,
            invalid,
        }
    }

    /// A GET request (idempotent).
    pub fn get<S: AsRef<str>>(
        template: &'static str,
        segments: impl IntoIterator<Item = S>,
    ) -> Self {
        ApiRequest::new(Method::GET, template, segments)
    }

    /// A POST request (not idempotent unless marked with [`idempotent`](Self::idempotent)).
    pub fn post<S: AsRef<str>>(
        template: &'static str,
        segments: impl IntoIterator<Item = S>,
    ) -> Self {
        ApiRequest::new(Method::POST, template, segments)
    }

    /// A PUT request (idempotent).
    pub fn put<S: AsRef<str>>(
        template: &'static str,
        segments: impl IntoIterator<Item = S>,
    ) -> Self {
        ApiRequest::new(Method::PUT, template, segments)
    }

    /// A PATCH request (not idempotent: a JSON Patch guarded by a `test` operation is still
    /// not marked, because a retried patch may meet its own earlier effect).
    pub fn patch<S: AsRef<str>>(
        template: &'static str,
        segments: impl IntoIterator<Item = S>,
    ) -> Self {
        ApiRequest::new(Method::PATCH, template, segments)
    }

    /// A DELETE request (idempotent).
    pub fn delete<S: AsRef<str>>(
        template: &'static str,
        segments: impl IntoIterator<Item = S>,
    ) -> Self {
        ApiRequest::new(Method::DELETE, template, segments)
    }

    /// A GET to `path` (already encoded, relative to the API base) with `query`, for a link
    /// the server handed out (`odata.nextLink`).
    pub(crate) fn from_link(template: &str, path: String, query: Vec<(String, String)>) -> Self {
        ApiRequest {
            method: Method::GET,
            template: Cow::Owned(template.to_owned()),
            path,
            query,
            body: None,
            headers: Vec::new(),
            tenant_root: false,
            needs_app_token: false,
            idempotent: true,
            invalid: None,
        }
    }

    /// Whether the request may be sent again after a transient failure (a retryable status
    /// or a connect/timeout error). Defaults from the method: GET, HEAD, PUT, DELETE and
    /// OPTIONS are idempotent, POST and PATCH are not. Mark a POST that is safe to repeat
    /// (e.g. a read-only agent call) with `true`.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// True when the request may be retried (see [`idempotent`](Self::idempotent)).
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// Add a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Add a request header (e.g. `If-Unmodified-Since`). Names and values are checked
    /// locally.
    pub fn header(mut self, name: &str, value: &str) -> Result<Self> {
        let name =
            http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| InvalidInput::Header {
                name: name.to_owned(),
            })?;
        let value = HeaderValue::from_str(value).map_err(|_| InvalidInput::Header {
            name: name.to_string(),
        })?;
        self.headers.push((name, value));
        Ok(self)
    }

    /// Add `If-Unmodified-Since: <HTTP-date>`: SuperOffice answers 412
    /// ([`Error::PreconditionFailed`](crate::Error::PreconditionFailed)) when the entity changed after `since` (docs: HTTP
    /// headers, "If-Unmodified-Since"; REST entities only, not agents). HTTP dates have whole
    /// seconds; `since` is truncated.
    pub fn if_unmodified_since(self, since: chrono::DateTime<chrono::Utc>) -> Self {
        let value = since.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        self.header("If-Unmodified-Since", &value)
            .unwrap_or_else(|_| unreachable!("an HTTP date is a valid header value"))
    }

    /// Mark the call as one SuperOffice only answers for a registered app that sends its
    /// application token (`SO-AppToken`): it then fails locally, before anything is sent,
    /// when the credential has none.
    pub fn require_app_token(mut self) -> Self {
        self.needs_app_token = true;
        self
    }

    /// True when [`require_app_token`](Self::require_app_token) was set.
    pub fn requires_app_token(&self) -> bool {
        self.needs_app_token
    }

    /// Extra request headers.
    pub fn headers(&self) -> &[(http::HeaderName, HeaderValue)] {
        &self.headers
    }

    /// Set a raw body (e.g. file content, `application/octet-stream`).
    pub fn bytes(mut self, content_type: &'static str, bytes: impl Into<Bytes>) -> Self {
        self.body = Some(Body {
            content_type,
            bytes: bytes.into(),
        });
        self
    }

    /// Set a JSON body (`Content-Type: application/json`).
    pub fn json<B: Serialize + ?Sized>(self, body: &B) -> Result<Self> {
        self.json_as(body, "application/json")
    }

    /// Set a JSON body with another content type ([`JSON_PATCH`], [`MERGE_PATCH`]).
    pub fn json_as<B: Serialize + ?Sized>(
        mut self,
        body: &B,
        content_type: &'static str,
    ) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|e| InvalidInput::Serialize {
            what: "body",
            reason: e.to_string(),
        })?;
        self.body = Some(Body {
            content_type,
            bytes: Bytes::from(bytes),
        });
        Ok(self)
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path template (`v1/Sale/{id}`), used in spans and errors instead of the concrete
    /// path.
    pub fn path_template(&self) -> &str {
        &self.template
    }

    /// The concrete, encoded path relative to the API base (`v1/Sale/42`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query parameters.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// The body's content type and bytes.
    pub fn body(&self) -> Option<(&str, &[u8])> {
        self.body
            .as_ref()
            .map(|b| (b.content_type, b.bytes.as_ref()))
    }

    /// The full URL on `base`.
    pub fn url(&self, base: &Url) -> Result<Url> {
        if let Some(reason) = &self.invalid {
            return Err(reason.clone().into());
        }
        let root;
        let base = if self.tenant_root {
            // `{host}/{Cust}/api/` → `{host}/{Cust}/`.
            root = base.join("..").map_err(|e| InvalidInput::Url {
                field: "API base",
                reason: e.to_string(),
            })?;
            &root
        } else {
            base
        };
        let mut url = base.join(&self.path).map_err(|e| InvalidInput::Url {
            field: "request path",
            reason: e.to_string(),
        })?;
        // An empty first segment (`/…`) or a `..` segment would leave the tenant's API base.
        if !same_origin(&url, base) || !url.path().starts_with(base.path()) {
            return Err(InvalidInput::PathLeavesApiBase.into());
        }
        if !self.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        if self.tenant_root && url.query() == Some("flush=") {
            // The documented form is a bare `?flush`.
            url.set_query(Some("flush"));
        }
        Ok(url)
    }
}

/// GET, HEAD, PUT, DELETE and OPTIONS (RFC 9110 §9.2.2).
fn is_idempotent_method(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// True when `a` and `b` have the same scheme, host and port.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The request of [`Client::flush_caches`]: `default.aspx?flush` under the tenant root (the
/// API base without its last `api/` segment).
pub(crate) fn flush_request() -> ApiRequest {
    let mut request =
        ApiRequest::get("{Cust}/default.aspx?flush", ["default.aspx"]).query("flush", "");
    request.tenant_root = true;
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_urls_encode_segments_and_query() {
        let base: Url = "https://sod2.superoffice.com/Cust12345/api/"
            .parse()
            .unwrap();
        let req = ApiRequest::get("v1/List/{name}/Items", ["v1", "List", "a b/c", "Items"])
            .query("$filter", "name is 'O''Brien'");
        assert_eq!(
            req.url(&base).unwrap().as_str(),
            "https://sod2.superoffice.com/Cust12345/api/v1/List/a%20b%2Fc/Items?%24filter=name+is+%27O%27%27Brien%27"
        );
        assert_eq!(req.path_template(), "v1/List/{name}/Items");
    }

    #[test]
    fn flush_request_targets_the_tenant_root_on_the_api_host() {
        let base: Url = "https://sod2.superoffice.com/Cust12345/api/"
            .parse()
            .unwrap();
        assert_eq!(
            flush_request().url(&base).unwrap().as_str(),
            "https://sod2.superoffice.com/Cust12345/default.aspx?flush"
        );
    }

    #[test]
    fn dot_segments_are_neutralised_before_sending() {
        let base: Url = "https://sod2.superoffice.com/Cust12345/api/"
            .parse()
            .unwrap();
        // `v1/Sale/../Person/7` would otherwise reach another resource inside the base.
        for segment in ["..", "."] {
            let req = ApiRequest::get("v1/Sale/{id}", ["v1", "Sale", segment, "Person", "7"]);
            assert_eq!(
                req.url(&base).expect_err(segment).invalid_input(),
                Some(&InvalidInput::PathSegment {
                    segment: segment.into()
                }),
            );
        }
        // Dots inside a segment, and encoded dots, stay data.
        let req = ApiRequest::get("v1/List/{name}", ["v1", "List", "a..b", "%2e%2e"]);
        assert_eq!(
            req.url(&base).unwrap().as_str(),
            "https://sod2.superoffice.com/Cust12345/api/v1/List/a..b/%252e%252e"
        );
    }

    #[test]
    fn if_unmodified_since_is_an_http_date() {
        let at = chrono::DateTime::parse_from_rfc3339("2015-10-21T07:28:00.750Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let req = ApiRequest::get("v1/Sale/{id}", ["v1", "Sale", "1"]).if_unmodified_since(at);
        assert_eq!(req.headers()[0].0.as_str(), "if-unmodified-since");
        assert_eq!(req.headers()[0].1, "Wed, 21 Oct 2015 07:28:00 GMT");
        let bad_name = ApiRequest::get("x", ["x"]).header("bad name", "v");
        assert_eq!(
            bad_name.expect_err("bad name").invalid_input(),
            Some(&InvalidInput::Header {
                name: "bad name".into()
            })
        );
        let bad_value = ApiRequest::get("x", ["x"]).header("x-note", "s3cr3t\nvalue");
        let err = bad_value.expect_err("bad value");
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
    }
}
