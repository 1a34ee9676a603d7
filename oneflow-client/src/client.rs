//! The [`Client`], its builder, and the one place requests are sent.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue, ACCEPT, LOCATION, RETRY_AFTER, USER_AGENT};
use reqwest::{redirect, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use crate::error::{ApiError, ConfigError, Error, InvalidInput, Result};
use crate::redact::{base_url_for_debug, redacted_snippet};
use crate::request::{ApiRequest, RawResponse, RequestBody};
use crate::retry::{parse_retry_after, RetryDecision, RetryPolicy};

/// Default base URL of the Oneflow public API.
pub const DEFAULT_BASE_URL: &str = "https://api.oneflow.com/v1";

/// Header carrying the API token.
pub const TOKEN_HEADER: &str = "x-oneflow-api-token";

/// Header naming the user the call acts as.
pub const USER_EMAIL_HEADER: &str = "x-oneflow-user-email";

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_REDIRECTS: usize = 5;

/// A Oneflow API client. Cheap to clone (an `Arc` inside); clones share the connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), oneflow_client::Error> {
/// use oneflow_client::Client;
///
/// let client = Client::builder()
///     .api_token(std::env::var("ONEFLOW_API_TOKEN").unwrap_or_default())
///     .user_email("seller@ourco.example")
///     .build()?;
/// client.ping().await?;
/// let account = client.account().me().await?;
/// println!("connected to account {}", account.id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    acting_user: ActingUser,
}

#[derive(Clone)]
enum ActingUser {
    /// Use the builder's default (may be none).
    Default,
    /// Act as this user.
    Email(HeaderValue),
    /// Send no e-mail header (Oneflow's anonymous admin).
    Anonymous,
    /// The override given was not a valid header value.
    Invalid,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    token: HeaderValue,
    default_user: Option<HeaderValue>,
    user_agent: HeaderValue,
    retry: RetryPolicy,
    request_timeout: Option<Duration>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = match &self.acting_user {
            ActingUser::Default if self.inner.default_user.is_some() => "default user",
            ActingUser::Default | ActingUser::Anonymous => "anonymous",
            ActingUser::Email(_) => "per-call user",
            ActingUser::Invalid => "invalid",
        };
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("api_token", &"[REDACTED]")
            .field("acting_user", &user)
            .field("retry", &self.inner.retry)
            .finish()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL all paths are joined to (always ends with `/`).
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// A clone of this client that acts as `email` (`x-oneflow-user-email`), overriding the
    /// default user. Calls fail with [`InvalidInput::InvalidHeaderValue`] if the e-mail
    /// cannot be sent as a header.
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// let as_ann = client.as_user("ann@ourco.example");
    /// let templates = as_ann.helpers().contract_create_data().extension_type("superoffice").send().await?;
    /// # let _ = templates; Ok(()) }
    /// ```
    pub fn as_user(&self, email: impl AsRef<str>) -> Client {
        let acting_user = match sensitive_value(email.as_ref().trim()) {
            Some(v) => ActingUser::Email(v),
            None => ActingUser::Invalid,
        };
        Client {
            inner: Arc::clone(&self.inner),
            acting_user,
        }
    }

    /// A clone of this client that sends no acting-user header (Oneflow then acts as an
    /// anonymous admin user).
    pub fn as_anonymous(&self) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            acting_user: ActingUser::Anonymous,
        }
    }

    /// The retry policy in use.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// `GET /ping`: succeeds when Oneflow is up and the token (and acting user) are valid.
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// client.ping().await?;
    /// # Ok(()) }
    /// ```
    pub async fn ping(&self) -> Result<()> {
        self.execute_empty(ApiRequest::get("ping", ["ping"])).await
    }

    /// Sends a request and decodes the JSON response into `T`.
    ///
    /// Every endpoint method goes through this (or [`execute_empty`](Self::execute_empty) /
    /// [`send`](Self::send)). It is public for calls this crate does not wrap: the token,
    /// the acting user, the redirect rule, retries of idempotent requests and the
    /// `oneflow.request` span all apply, and a non-2xx answer becomes [`Error::Api`] or
    /// [`Error::RateLimited`].
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use oneflow_client::ApiRequest;
    ///
    /// // Comments are not wrapped by this crate; read them as raw JSON.
    /// let comments: serde_json::Value = client
    ///     .execute(ApiRequest::get("contracts/{id}/comments", ["contracts", "4711", "comments"]))
    ///     .await?;
    /// # let _ = comments; Ok(()) }
    /// ```
    pub async fn execute<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T> {
        let response = self.send(request).await?;
        decode(response.status, &response.body)
    }

    /// Sends a request and ignores the response body (for `DELETE` and other calls whose
    /// answer carries nothing you need). Same rules as [`execute`](Self::execute).
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use oneflow_client::ApiRequest;
    ///
    /// client.execute_empty(ApiRequest::delete("tags/{id}", ["tags", "12"])).await?;
    /// # Ok(()) }
    /// ```
    pub async fn execute_empty(&self, request: ApiRequest) -> Result<()> {
        self.send(request).await.map(|_| ())
    }

    /// Sends a request and returns the raw success response (status, headers and body),
    /// for answers that are not JSON. Same rules as [`execute`](Self::execute): a non-2xx
    /// answer (a redirect included) is an error, never a [`RawResponse`].
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use oneflow_client::ApiRequest;
    ///
    /// let raw = client
    ///     .send(ApiRequest::get("contracts/{id}/files/{id}", ["contracts", "4711", "files", "1"]).accept("application/pdf"))
    ///     .await?;
    /// println!("{} bytes of {:?}", raw.body.len(), raw.headers.get("content-type"));
    /// # Ok(()) }
    /// ```
    pub async fn send(&self, request: ApiRequest) -> Result<RawResponse> {
        self.send_raw(&request).await
    }

    /// [`send`](Self::send) by reference, for callers that keep the request.
    pub(crate) async fn send_raw(&self, request: &ApiRequest) -> Result<RawResponse> {
        let span = request_span(request);
        async {
            let response = self.send_with_retries(request).await?;
            if response.status().is_redirection() {
                return Err(error_from_response(response, request.path_template()).await);
            }
            let mut response = response;
            let status = response.status();
            // Moved out, not cloned: the body read below does not need them.
            let headers = std::mem::take(response.headers_mut());
            let body = response.bytes().await.map_err(Error::Transport)?;
            Ok(RawResponse {
                status,
                headers,
                body,
            })
        }
        .instrument(span)
        .await
    }

    /// Sends a request and returns the status and the raw body of a success response.
    pub(crate) async fn execute_bytes(&self, request: &ApiRequest) -> Result<(StatusCode, Bytes)> {
        let response = self.send_raw(request).await?;
        Ok((response.status, response.body))
    }

    /// Sends with retries; returns the first response with a status below 400.
    async fn send_with_retries(&self, request: &ApiRequest) -> Result<reqwest::Response> {
        if request.acting_user_required() && !self.has_acting_user() {
            return Err(InvalidInput::ActingUserRequired {
                call: request.path_template(),
            }
            .into());
        }
        let span = tracing::Span::current();
        let start = tokio::time::Instant::now();
        let mut attempt: u32 = 1;
        loop {
            span.record("attempt", attempt);
            let error = match self.send_once(request).await {
                Ok(response) if response.status().as_u16() < 400 => {
                    span.record("status", response.status().as_u16());
                    span.record("elapsed_ms", start.elapsed().as_millis() as u64);
                    tracing::debug!("oneflow request succeeded");
                    return Ok(response);
                }
                Ok(response) => {
                    span.record("status", response.status().as_u16());
                    error_from_response(response, request.path_template()).await
                }
                Err(e) => e,
            };
            span.record("elapsed_ms", start.elapsed().as_millis() as u64);
            let jitter = rand::random::<f64>();
            match self.inner.retry.decide(
                request.is_idempotent(),
                &error,
                attempt,
                start.elapsed(),
                jitter,
            ) {
                RetryDecision::Retry { after } => {
                    tracing::debug!(
                        delay_ms = after.as_millis() as u64,
                        error_kind = error_kind(&error),
                        "retrying"
                    );
                    tokio::time::sleep(after).await;
                    attempt += 1;
                }
                RetryDecision::GiveUp => {
                    tracing::debug!(error_kind = error_kind(&error), "oneflow request failed");
                    return Err(error);
                }
            }
        }
    }

    fn url_for(&self, request: &ApiRequest) -> Result<Url> {
        if request.has_dot_segment() {
            return Err(Error::InvalidInput(InvalidInput::Invalid {
                field: "request path",
                reason: "a path segment is `.` or `..`",
            }));
        }
        let base = &self.inner.base_url;
        // `./` keeps a first segment with a `:` from reading as a URL scheme.
        let url = base.join(&format!("./{}", request.path())).map_err(|_| {
            Error::InvalidInput(InvalidInput::Invalid {
                field: "request path",
                reason: "not a relative path",
            })
        })?;
        if !same_origin(&url, base) || !url.path().starts_with(base.path()) {
            return Err(Error::InvalidInput(InvalidInput::Invalid {
                field: "request path",
                reason: "leaves the configured base URL",
            }));
        }
        Ok(url)
    }

    /// Whether requests carry `x-oneflow-user-email` (an invalid override counts as set: it
    /// fails with its own error).
    fn has_acting_user(&self) -> bool {
        match &self.acting_user {
            ActingUser::Default => self.inner.default_user.is_some(),
            ActingUser::Email(_) | ActingUser::Invalid => true,
            ActingUser::Anonymous => false,
        }
    }

    /// Adds the token and the acting user to a request (straight onto the request, without
    /// building a `HeaderMap` per call).
    fn with_auth(&self, builder: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder> {
        let user = match &self.acting_user {
            ActingUser::Default => self.inner.default_user.as_ref(),
            ActingUser::Email(v) => Some(v),
            ActingUser::Anonymous => None,
            ActingUser::Invalid => {
                return Err(InvalidInput::InvalidHeaderValue {
                    field: "acting user e-mail",
                }
                .into());
            }
        };
        let builder = builder.header(
            HeaderName::from_static(TOKEN_HEADER),
            self.inner.token.clone(),
        );
        Ok(match user {
            Some(user) => builder.header(HeaderName::from_static(USER_EMAIL_HEADER), user.clone()),
            None => builder,
        })
    }

    async fn send_once(&self, request: &ApiRequest) -> Result<reqwest::Response> {
        let url = self.url_for(request)?;
        let mut builder = self
            .with_auth(self.inner.http.request(request.method().clone(), url))?
            .header(USER_AGENT, self.inner.user_agent.clone());
        if !request.query_pairs().is_empty() {
            builder = builder.query(request.query_pairs());
        }
        if let Some(t) = self.inner.request_timeout {
            builder = builder.timeout(t);
        }
        builder = builder.header(ACCEPT, request.accept_value());
        builder = match request.body() {
            RequestBody::Empty => builder,
            RequestBody::Json(v) => builder.json(v),
            RequestBody::Multipart(file) => {
                let part = reqwest::multipart::Part::bytes(file.data.to_vec())
                    .file_name(file.file_name.clone())
                    .mime_str(&file.content_type)
                    .map_err(Error::Transport)?;
                let form = reqwest::multipart::Form::new()
                    .text("upload_as", file.upload_as.as_str())
                    .part("file", part);
                builder.multipart(form)
            }
        };
        let built = builder.build().map_err(Error::Transport)?;
        let requested = built.url().clone();
        let response = self
            .inner
            .http
            .execute(built)
            .await
            .map_err(Error::Transport)?;
        ensure_not_redirected(&requested, &response)?;
        Ok(response)
    }

    /// Sends a GET and follows redirects by hand: credentials go only to the configured
    /// host; a `Location` on another host is fetched without them, and so is every hop after
    /// the chain has left the API origin.
    pub(crate) async fn send_following_redirects(
        &self,
        request: &ApiRequest,
    ) -> Result<reqwest::Response> {
        let span = request_span(request);
        async {
            let mut response = self.send_with_retries(request).await?;
            let mut hops = 0;
            // Once the chain has left the API origin, no later hop gets credentials, even
            // one that points back at the API host (the Location came from a third party).
            let mut left_origin = false;
            while response.status().is_redirection() {
                hops += 1;
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| response.url().join(l).ok());
                let Some(target) = location.filter(|_| hops <= MAX_REDIRECTS) else {
                    return Err(error_from_response(response, request.path_template()).await);
                };
                let trusted = !left_origin && same_origin(&target, &self.inner.base_url);
                left_origin |= !trusted;
                tracing::debug!(trusted_host = trusted, "following file download redirect");
                let mut builder = self
                    .inner
                    .http
                    .get(target)
                    .header(USER_AGENT, self.inner.user_agent.clone());
                if trusted {
                    builder = self.with_auth(builder)?;
                }
                if let Some(t) = self.inner.request_timeout {
                    builder = builder.timeout(t);
                }
                // `Location` is often a pre-signed storage URL (a credential for the file):
                // keep it out of the error.
                let built = builder
                    .build()
                    .map_err(|e| Error::Transport(e.without_url()))?;
                let requested = built.url().clone();
                response = self
                    .inner
                    .http
                    .execute(built)
                    .await
                    .map_err(|e| Error::Transport(e.without_url()))?;
                ensure_not_redirected(&requested, &response)?;
                if response.status().as_u16() >= 400 {
                    return Err(error_from_response(response, request.path_template()).await);
                }
            }
            Ok(response)
        }
        .instrument(span)
        .await
    }
}

/// The `oneflow.request` span (the family's `<crate>.request` scheme): the path template,
/// never the concrete path (it holds ids) and never headers (token, e-mail). `attempt`,
/// `status` and `elapsed_ms` are recorded as the attempts end.
fn request_span(request: &ApiRequest) -> tracing::Span {
    tracing::info_span!(
        "oneflow.request",
        method = %request.method(),
        path_template = request.path_template(),
        status = tracing::field::Empty,
        attempt = tracing::field::Empty,
        elapsed_ms = tracing::field::Empty,
    )
}

/// A log-safe label for an error (no bodies: they may hold personal data).
fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::Api(_) => "api",
        Error::RateLimited { .. } => "rate_limited",
        Error::Transport(e) if e.is_timeout() => "timeout",
        Error::Transport(e) if e.is_connect() => "connect",
        Error::Transport(_) => "transport",
        Error::Decode { .. } => "decode",
        Error::Config(_) => "config",
        Error::InvalidInput(_) => "invalid_input",
        Error::OffsetCeilingReached { .. } => "offset_ceiling",
        Error::RepeatedPage { .. } => "repeated_page",
    }
}

/// A caller-supplied `reqwest::Client` that follows redirects answers from another URL than
/// the one requested; it may have sent the token there. Refuse its answer.
fn ensure_not_redirected(requested: &Url, response: &reqwest::Response) -> Result<()> {
    if response.url() != requested {
        return Err(ConfigError::RedirectingHttpClient.into());
    }
    Ok(())
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

fn sensitive_value(s: &str) -> Option<HeaderValue> {
    if s.is_empty() {
        return None;
    }
    let mut v = HeaderValue::from_str(s).ok()?;
    v.set_sensitive(true);
    Some(v)
}

/// Turns an error response into an [`Error`] (reads the body).
async fn error_from_response(response: reqwest::Response, path_template: &'static str) -> Error {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
    let body = match response.bytes().await {
        Ok(b) => b,
        Err(e) => return Error::Transport(e),
    };
    let problem = ApiError::from_parts(status, &body, retry_after, path_template);
    if problem.is_rate_limit() {
        Error::RateLimited {
            retry_after,
            problem: Box::new(problem),
        }
    } else {
        Error::Api(Box::new(problem))
    }
}

/// Decodes a JSON body, reporting the JSON path of the first mismatch.
///
/// The body is decoded straight from the bytes; only when that fails is it decoded again
/// with `serde_path_to_error` to find the path (tracking the path on every successful decode
/// would cost about a third of the decode).
pub(crate) fn decode<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T> {
    // Like the tracked decode below (and as before), text after the value is not checked.
    match T::deserialize(&mut serde_json::Deserializer::from_slice(body)) {
        Ok(value) => Ok(value),
        Err(fast) => Err(decode_error::<T>(status, body, fast)),
    }
}

/// The error of a failed [`decode`]: the JSON path from a second, tracked decode.
#[cold]
#[inline(never)]
fn decode_error<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
    fast: serde_json::Error,
) -> Error {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let (path, source) = match serde_path_to_error::deserialize::<_, T>(de) {
        Err(e) => (e.path().to_string(), e.into_inner()),
        // Decoding is deterministic; should the tracked pass succeed anyway, keep the first
        // error without a path rather than inventing one.
        Ok(_) => (String::from("."), fast),
    };
    Error::Decode {
        status: status.as_u16(),
        path,
        snippet: redacted_snippet(body),
        source,
    }
}

/// Configures a [`Client`].
///
/// ```no_run
/// use std::time::Duration;
/// use oneflow_client::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .base_url("https://api.oneflow.com/v1")
///     .api_token("0123456789abcdefghij0123456789ABCDEFGHIJ")
///     .user_email("integration@ourco.example")
///     .timeout(Duration::from_secs(20))
///     .retry_policy(RetryPolicy::default().max_attempts(3))
///     .user_agent("my-crm-sync/1.0")
///     .build()
///     .expect("valid configuration");
/// # let _ = client;
/// ```
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    token: Option<SecretString>,
    user_email: Option<String>,
    http: Option<reqwest::Client>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    user_agent: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field(
                "base_url",
                &self.base_url.as_deref().map(base_url_for_debug),
            )
            .field("api_token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("user_email", &self.user_email.as_ref().map(|_| "[set]"))
            .field("custom_http_client", &self.http.is_some())
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

impl ClientBuilder {
    /// Base URL (default [`DEFAULT_BASE_URL`]). Must be `https`, except for loopback hosts
    /// (`http://127.0.0.1:8080/v1` for a sandbox or a test server); anything else fails
    /// [`build`](Self::build) with [`ConfigError::InvalidBaseUrl`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The account's API token (exactly 40 characters of `A-Z a-z 0-9 -`).
    pub fn api_token(mut self, token: impl Into<SecretString>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Default acting user (`x-oneflow-user-email`); override per call with
    /// [`Client::as_user`]. Without it Oneflow acts as an anonymous admin.
    pub fn user_email(mut self, email: impl Into<String>) -> Self {
        self.user_email = Some(email.into());
        self
    }

    /// Use this `reqwest::Client` instead of building one.
    ///
    /// It **must be built with `redirect::Policy::none()`**: the client follows Oneflow's
    /// file-download redirects itself so that the token never reaches another host, and a
    /// reqwest client that follows redirects on its own would forward the token header.
    /// Every response is checked: one that comes from another URL than requested fails with
    /// [`ConfigError::RedirectingHttpClient`] (inside [`Error::Config`]).
    ///
    /// The [`timeout`](Self::timeout) and [`user_agent`](Self::user_agent) settings still
    /// apply (they are set per request); only [`connect_timeout`](Self::connect_timeout)
    /// needs the built-in client and is ignored here.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Total timeout per attempt (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Connect timeout (default 10 s; ignored with a caller-supplied client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Retry policy (default [`RetryPolicy::default`]; [`RetryPolicy::never`] disables retries).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// User agent (default `oneflow-client-rust/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let base_url = parse_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let token = self.token.ok_or(ConfigError::MissingToken)?;
        let token = token.expose_secret();
        let length = token.chars().count();
        if length != 40 || !token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ConfigError::InvalidToken { length });
        }
        let token = sensitive_value(token).ok_or(ConfigError::InvalidToken { length })?;
        let default_user = match self.user_email.as_deref().map(str::trim) {
            None => None,
            Some(e) => Some(sensitive_value(e).ok_or(ConfigError::InvalidUserEmail)?),
        };
        let ua = self.user_agent.unwrap_or_else(|| {
            concat!("oneflow-client-rust/", env!("CARGO_PKG_VERSION")).to_owned()
        });
        let user_agent = HeaderValue::from_str(&ua).map_err(|_| ConfigError::InvalidUserAgent)?;
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let (http, request_timeout) = match self.http {
            Some(http) => (http, Some(timeout)),
            None => {
                let http = reqwest::Client::builder()
                    .redirect(redirect::Policy::none())
                    .timeout(timeout)
                    .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                    .build()
                    .map_err(ConfigError::HttpClient)?;
                (http, None)
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                token,
                default_user,
                user_agent,
                retry: self.retry.unwrap_or_default(),
                request_timeout,
            }),
            acting_user: ActingUser::Default,
        })
    }
}

/// Whether the URL's host is a loopback address or `localhost`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
        }
        None => false,
    }
}

fn parse_base_url(s: &str) -> Result<Url, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        reason: reason.to_owned(),
    };
    let mut url = Url::parse(s.trim()).map_err(|e| invalid(&e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(invalid("scheme must be http or https"));
    }
    if url.cannot_be_a_base() || url.host_str().is_none() {
        return Err(invalid("no host"));
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(invalid(
            "plain http is only allowed for loopback hosts (127.0.0.1, ::1, localhost)",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("must not have a query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("must not contain credentials"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "abcdefghij-ABCDEFGHIJ-0123456789-abcdefg";

    #[test]
    fn token_is_validated_and_never_shown() {
        assert_eq!(TOKEN.len(), 40);
        let err = Client::builder().api_token("short").build().unwrap_err();
        assert!(matches!(err, ConfigError::InvalidToken { length: 5 }));
        let bad = "abcdefghij abcdefghij 0123456789 abcdefg";
        assert!(matches!(
            Client::builder().api_token(bad).build(),
            Err(ConfigError::InvalidToken { .. })
        ));
        assert!(matches!(
            Client::builder().build().unwrap_err(),
            ConfigError::MissingToken
        ));
        let builder = Client::builder().api_token(TOKEN).user_email("a@b.example");
        assert!(!format!("{builder:?}").contains(TOKEN));
        let client = builder.build().unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains(TOKEN) && !shown.contains("a@b.example"));
    }

    #[test]
    fn base_url_gets_trailing_slash() {
        let c = Client::builder()
            .api_token(TOKEN)
            .base_url("http://127.0.0.1:9000/v1")
            .build()
            .unwrap();
        assert_eq!(c.base_url().as_str(), "http://127.0.0.1:9000/v1/");
        let url = c
            .url_for(&ApiRequest::get("contracts/{id}", ["contracts", "5"]))
            .unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9000/v1/contracts/5");
        let c = Client::builder().api_token(TOKEN).build().unwrap();
        assert_eq!(c.base_url().as_str(), "https://api.oneflow.com/v1/");
        assert!(Client::builder()
            .api_token(TOKEN)
            .base_url("ftp://x/v1")
            .build()
            .is_err());
        // Plain http only for loopback hosts: the token must not travel in clear text.
        for bad in [
            "http://api.oneflow.com/v1",
            "http://10.0.0.5/v1",
            "http://localhost.evil.example/v1",
        ] {
            assert!(
                matches!(
                    Client::builder().api_token(TOKEN).base_url(bad).build(),
                    Err(ConfigError::InvalidBaseUrl { .. })
                ),
                "{bad}"
            );
        }
        for good in [
            "http://127.0.0.1:1/v1",
            "http://[::1]:2/v1",
            "http://localhost:3/v1",
            "https://api.test.oneflow.com/v1",
        ] {
            assert!(
                Client::builder()
                    .api_token(TOKEN)
                    .base_url(good)
                    .build()
                    .is_ok(),
                "{good}"
            );
        }
        assert!(Client::builder()
            .api_token(TOKEN)
            .base_url("not a url")
            .build()
            .is_err());
    }

    #[test]
    fn decode_snippets_hide_secrets() {
        let body =
            br#"{"webhook_id": "x", "sign_key": "very-secret", "nested": [{"token": "t0k"}]}"#;
        let err = decode::<crate::models::Webhook>(StatusCode::OK, body).unwrap_err();
        let shown = format!("{err:?}");
        assert!(
            !shown.contains("very-secret") && !shown.contains("t0k"),
            "{shown}"
        );
        assert!(shown.contains("webhook_id"));
    }

    /// The fast decode does not track paths; a failing decode still reports where it failed.
    #[test]
    fn decode_errors_carry_the_json_path() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/contract.json")).unwrap();
        let ok = serde_json::to_vec(&fixture).unwrap();
        let contract = decode::<crate::models::Contract>(StatusCode::OK, &ok).unwrap();
        assert_eq!(contract.id, crate::models::ContractId(3_012_345));

        type Breakage = fn(&mut serde_json::Value);
        let cases: [(&str, Breakage); 3] = [
            ("parties[1].participants[0].id", |c| {
                c["parties"][1]["participants"][0]["id"] = "not a number".into();
            }),
            ("parties[0].participants[0].sign_state_updated_time", |c| {
                c["parties"][0]["participants"][0]["sign_state_updated_time"] = "soon".into();
            }),
            ("state_updated_time", |c| {
                c["state_updated_time"] = "yesterday".into();
            }),
        ];
        for (expected, break_it) in cases {
            let mut broken = fixture.clone();
            break_it(&mut broken);
            let body = serde_json::to_vec(&broken).unwrap();
            match decode::<crate::models::Contract>(StatusCode::OK, &body) {
                Err(Error::Decode { status, path, .. }) => {
                    assert_eq!((status, path.as_str()), (200, expected));
                }
                other => panic!("{expected}: {other:?}"),
            }
        }
        // Not JSON at all: the document itself is wrong.
        match decode::<crate::models::Contract>(StatusCode::OK, b"<html>") {
            Err(Error::Decode { path, .. }) => assert_eq!(path, "."),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn futures_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        let c = Client::builder().api_token(TOKEN).build().unwrap();
        assert_send(&c.ping());
        assert_send(&c.contracts().get(crate::models::ContractId(1)));
        assert_send(&c.contracts().list().stream());
        assert_send(&c.users().find_active_by_email("a@b.c"));
        assert_send(
            &c.files()
                .download(crate::models::ContractId(1), crate::models::FileId(1)),
        );
        fn assert_sync<T: Send + Sync>() {}
        assert_sync::<Client>();
    }

    #[test]
    fn paths_cannot_leave_the_base() {
        let c = Client::builder()
            .api_token(TOKEN)
            .base_url("http://127.0.0.1:9000/v1")
            .build()
            .unwrap();
        // Values stay inside their segment.
        let url = c
            .url_for(&ApiRequest::get("x", ["//evil.example", "x"]))
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9000/v1/%2F%2Fevil.example/x"
        );
        let url = c
            .url_for(&ApiRequest::get("x", ["http://evil.example", "x"]))
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9000/v1/http:%2F%2Fevil.example/x"
        );
        let url = c.url_for(&ApiRequest::get("x", ["c::x"])).unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9000/v1/c::x");
        // Dot segments would move the path: refused.
        assert!(c.url_for(&ApiRequest::get("x", ["..", "x"])).is_err());
        assert!(c
            .url_for(&ApiRequest::get("x", ["contracts", "."]))
            .is_err());
    }
}
