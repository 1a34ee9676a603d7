//! Requests as data.
//!
//! Every endpoint first builds an [`ApiRequest`] — method, path template, concrete path,
//! query, body and idempotency — without touching the network.
//! [`Client::execute`](crate::Client::execute) sends it. Tests (and callers debugging a call) can inspect the
//! value; list builders expose theirs via `to_request()`.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;
use serde::Serialize;

use crate::error::{Error, InvalidInput};
use crate::models::UploadKind;
use crate::redact::redact_secrets;

/// Whether repeating a request is safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Idempotency {
    /// Safe to repeat (GET, PUT, DELETE).
    Idempotent,
    /// Creates something; never repeated automatically.
    NonIdempotent,
}

/// A multipart file upload (`file` + `upload_as`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MultipartFile {
    /// File name including its extension.
    pub file_name: String,
    /// MIME type of the file part.
    pub content_type: String,
    /// `expanded_pdf` or `attachment`.
    pub upload_as: UploadKind,
    /// The file contents.
    pub data: Bytes,
}

impl fmt::Debug for MultipartFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultipartFile")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("upload_as", &self.upload_as)
            .field("len", &self.data.len())
            .finish()
    }
}

/// The body of a request. `Debug` redacts secret values (`sign_key`, tokens) in JSON.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum RequestBody {
    /// No body.
    Empty,
    /// A JSON document.
    Json(serde_json::Value),
    /// A multipart form with one file.
    Multipart(MultipartFile),
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestBody::Empty => f.write_str("Empty"),
            RequestBody::Json(v) => {
                let mut shown = v.clone();
                redact_secrets(&mut shown);
                f.debug_tuple("Json").field(&shown).finish()
            }
            RequestBody::Multipart(file) => f.debug_tuple("Multipart").field(file).finish(),
        }
    }
}

/// A success response as [`Client::send`](crate::Client::send) returns it: status, headers
/// and the whole body. `Debug` shows the body's length, not its contents.
#[derive(Clone)]
#[non_exhaustive]
pub struct RawResponse {
    /// The HTTP status (always 2xx).
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The response body.
    pub body: Bytes,
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status.as_u16())
            .field(
                "content_type",
                &self.headers.get(http::header::CONTENT_TYPE),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A transport-free description of one API call.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct ApiRequest {
    method: Method,
    path_template: &'static str,
    path: String,
    dot_segment: bool,
    query: Vec<(String, String)>,
    body: RequestBody,
    idempotency: Idempotency,
    accept: &'static str,
    acting_user_required: bool,
}

/// What a path segment keeps unencoded: RFC 3986 unreserved characters plus `:` and `@`
/// (both allowed in a segment; Oneflow's `c::<custom id>` data-field keys use `:`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b':')
    .remove(b'@');

/// Percent-encodes one path segment, so `/`, `?`, `#` and `%` in a value cannot change the
/// path. A whole segment `.` or `..` cannot be encoded away (URL parsers resolve `%2E%2E`
/// as `..` too); [`ApiRequest`] marks such a request unusable instead.
pub(crate) fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

impl ApiRequest {
    /// A request for `path_template` (its low-cardinality form for logs and errors,
    /// `contracts/{id}`); the concrete path is `segments` joined with `/`, each
    /// percent-encoded, relative to the base URL.
    ///
    /// A segment that is exactly `.` or `..` would move the path (URL parsers resolve dot
    /// segments); sending such a request fails with [`InvalidInput::Invalid`] and nothing is
    /// sent.
    ///
    /// GET, HEAD, PUT, DELETE and OPTIONS are idempotent; POST and PATCH are not unless
    /// marked with [`idempotent`](Self::idempotent).
    ///
    /// ```
    /// use oneflow_client::ApiRequest;
    ///
    /// let request = ApiRequest::get("contracts/{id}/comments", ["contracts", "4711", "comments"]);
    /// assert_eq!(request.path(), "contracts/4711/comments");
    /// // Values cannot escape their segment.
    /// let request = ApiRequest::get("tags/{id}", ["tags", "a/b?c#d"]);
    /// assert_eq!(request.path(), "tags/a%2Fb%3Fc%23d");
    /// ```
    pub fn new<S: AsRef<str>>(
        method: Method,
        path_template: &'static str,
        segments: impl IntoIterator<Item = S>,
    ) -> Self {
        let mut dot_segment = false;
        let path = segments
            .into_iter()
            .map(|s| {
                let s = s.as_ref();
                dot_segment |= s == "." || s == "..";
                encode_segment(s)
            })
            .collect::<Vec<_>>()
            .join("/");
        let idempotent = [
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ]
        .contains(&method);
        let idempotency = if idempotent {
            Idempotency::Idempotent
        } else {
            Idempotency::NonIdempotent
        };
        ApiRequest {
            method,
            path_template,
            path,
            dot_segment,
            query: Vec::new(),
            body: RequestBody::Empty,
            idempotency,
            accept: "application/json",
            acting_user_required: false,
        }
    }

    /// `GET` (idempotent); see [`new`](Self::new).
    pub fn get<S: AsRef<str>>(
        path_template: &'static str,
        segments: impl IntoIterator<Item = S>,
    ) -> Self {
        Self::new(Method::GET, path_template, segments)
    }

    /// `POST` (not idempotent unless marked); see [`new`](Self::new).
    pub fn post<S: AsRef<str>>(
        path_template: &'static str,
        segments: impl IntoIterator<Item = S>,
    ) -> Self {
        Self::new(Method::POST, path_template, segments)
    }

    /// `PUT` (idempotent); see [`new`](Self::new).
    pub fn put<S: AsRef<str>>(
        path_template: &'static str,
        segments: impl IntoIterator<Item = S>,
    ) -> Self {
        Self::new(Method::PUT, path_template, segments)
    }

    /// `DELETE` (idempotent); see [`new`](Self::new).
    pub fn delete<S: AsRef<str>>(
        path_template: &'static str,
        segments: impl IntoIterator<Item = S>,
    ) -> Self {
        Self::new(Method::DELETE, path_template, segments)
    }

    /// Whether a segment was `.` or `..` (such a request is never sent).
    pub(crate) fn has_dot_segment(&self) -> bool {
        self.dot_segment
    }

    /// Adds a query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets or replaces a query parameter (paging uses it for `limit` and `offset`).
    pub(crate) fn set_query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.retain(|(k, _)| k != key);
        self.query.push((key.to_owned(), value.into()));
        self
    }

    /// Sets a JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self, Error> {
        let value = serde_json::to_value(body).map_err(|_| {
            Error::InvalidInput(InvalidInput::Invalid {
                field: "request body",
                reason: "not JSON",
            })
        })?;
        self.body = RequestBody::Json(value);
        Ok(self)
    }

    /// Sets a multipart body.
    pub fn multipart(mut self, file: MultipartFile) -> Self {
        self.body = RequestBody::Multipart(file);
        self
    }

    /// Overrides the idempotency class.
    pub fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// Marks the request as safe (or not) to repeat automatically, overriding the default
    /// from its method. Mark a POST only when repeating it cannot create a second resource.
    pub fn idempotent(self, idempotent: bool) -> Self {
        self.idempotency(if idempotent {
            Idempotency::Idempotent
        } else {
            Idempotency::NonIdempotent
        })
    }

    /// Marks the call as one whose Oneflow reference marks `x-oneflow-user-email` required.
    /// [`Client::execute`](crate::Client::execute) refuses to send it without an acting user
    /// (default or per call) with [`InvalidInput::ActingUserRequired`], instead of letting
    /// Oneflow act as its anonymous admin.
    pub fn requires_acting_user(mut self) -> Self {
        self.acting_user_required = true;
        self
    }

    /// Whether the call needs an acting user (see [`requires_acting_user`](Self::requires_acting_user)).
    pub fn acting_user_required(&self) -> bool {
        self.acting_user_required
    }

    /// Overrides the `Accept` header (default `application/json`).
    pub fn accept(mut self, accept: &'static str) -> Self {
        self.accept = accept;
        self
    }

    /// The `Accept` header value.
    pub fn accept_value(&self) -> &'static str {
        self.accept
    }

    /// HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Path template, e.g. `contracts/{id}`.
    pub fn path_template(&self) -> &'static str {
        self.path_template
    }

    /// Concrete relative path, e.g. `contracts/42`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Query parameters in order.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// The value of a query parameter.
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The body.
    pub fn body(&self) -> &RequestBody {
        &self.body
    }

    /// The JSON body, if any.
    pub fn json_body(&self) -> Option<&serde_json::Value> {
        match &self.body {
            RequestBody::Json(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the request may be repeated automatically.
    pub fn is_idempotent(&self) -> bool {
        self.idempotency == Idempotency::Idempotent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cannot_escape() {
        assert_eq!(
            encode_segment("c::sale id/1?x#y%"),
            "c::sale%20id%2F1%3Fx%23y%25"
        );
        assert_eq!(encode_segment("superoffice_sale_id"), "superoffice_sale_id");
        let r = ApiRequest::put("x/{key}", ["contracts", "5", "data_fields", "c::a/b"]);
        assert_eq!(r.path(), "contracts/5/data_fields/c::a%2Fb");
        assert!(!r.has_dot_segment());
        assert!(ApiRequest::get("x", ["contracts", ".."]).has_dot_segment());
        assert!(ApiRequest::get("x", [".", "x"]).has_dot_segment());
        assert!(!ApiRequest::get("x", ["...", "x."]).has_dot_segment());
    }

    #[test]
    fn idempotency_follows_method() {
        assert!(ApiRequest::get("ping", ["ping"]).is_idempotent());
        assert!(ApiRequest::put("x", ["x"]).is_idempotent());
        assert!(ApiRequest::delete("x", ["x"]).is_idempotent());
        assert!(!ApiRequest::post("x", ["x"]).is_idempotent());
        assert!(ApiRequest::new(Method::HEAD, "x", ["x"]).is_idempotent());
        assert!(ApiRequest::new(Method::OPTIONS, "x", ["x"]).is_idempotent());
        assert!(!ApiRequest::new(Method::PATCH, "x", ["x"]).is_idempotent());
        assert!(ApiRequest::post("x", ["x"])
            .idempotent(true)
            .is_idempotent());
        assert!(!ApiRequest::get("x", ["x"])
            .idempotent(false)
            .is_idempotent());
    }
}
