//! The REST client: configuration, the request value every endpoint builds, and the single
//! `execute` path (rate limit → credential → send → 401 refresh / 421 re-resolve / retry →
//! decode).

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use http::{HeaderMap, HeaderValue, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use crate::credentials::{Credential, TokenProvider};
use crate::error::{snippet, ApiError, ConfigError, Error, InvalidInput, Result};
use crate::rate_limit::{RateLimit, RateLimiter};
use crate::request::{flush_request, same_origin, ApiRequest, RawResponse};
use crate::retry::{parse_retry_after, RetryDecision, RetryPolicy};
use crate::tenant::{ApiBaseResolver, CustomerId};

/// `Accept-Language` sent unless [`ClientBuilder::language`] or
/// [`ClientBuilder::without_language`] says otherwise. Without the header SuperOffice returns
/// multi-language strings (`NO:"Leverandør";US:"Supplier"`) and resource ids
/// (`[SR_MANDATORY_FIELD_1281]`) unresolved.
pub const DEFAULT_LANGUAGE: &str = "en";

/// Whole-request timeout of the built-in HTTP client unless [`ClientBuilder::timeout`] says
/// otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

const DEFAULT_USER_AGENT: &str = concat!("superoffice-client-rust/", env!("CARGO_PKG_VERSION"));

/// A typed client for one tenant's REST API (`https://<host>/<Cust>/api/v1/…`).
///
/// Cheap to clone: clones share the HTTP connection pool, the credential provider, the rate
/// limiter and the (re-resolvable) API base.
///
/// ```no_run
/// use std::sync::Arc;
/// use superoffice_client::Client;
/// use superoffice_client::credentials::StaticToken;
/// use superoffice_client::models::SaleId;
/// use superoffice_client::Credential;
///
/// # async fn run() -> superoffice_client::Result<()> {
/// let client = Client::builder()
///     .api_base("https://sod2.superoffice.com/Cust12345/api/")
///     .token_provider(Arc::new(StaticToken::new(Credential::bearer("8A:Cust12345.token"))))
///     .language("en")
///     .build()?;
/// let sale = client.sales().get(SaleId(42)).await?;
/// println!("{:?} is {:?}", sale.heading, sale.status);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: RwLock<Url>,
    customer: Option<CustomerId>,
    tokens: Arc<dyn TokenProvider>,
    resolver: Option<Arc<dyn ApiBaseResolver>>,
    language: Option<HeaderValue>,
    time_zone: Option<HeaderValue>,
    user_agent: HeaderValue,
    /// Set on every request when the caller chose a timeout.
    timeout: Option<Duration>,
    retry: RetryPolicy,
    limiter: RateLimiter,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api_base", &self.api_base().as_str())
            .field("customer", &self.inner.customer)
            .field("tokens", &self.inner.tokens)
            .field("resolver", &self.inner.resolver.is_some())
            .field("retry", &self.inner.retry)
            .field("rate_limit", &self.inner.limiter.limit())
            .finish_non_exhaustive()
    }
}

/// Builder for [`Client`]; see [`Client::builder`].
#[must_use]
pub struct ClientBuilder {
    api_base: Option<String>,
    customer: Option<CustomerId>,
    tokens: Option<Arc<dyn TokenProvider>>,
    resolver: Option<Arc<dyn ApiBaseResolver>>,
    http: Option<reqwest::Client>,
    language: Option<String>,
    time_zone: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    rate_limit: RateLimit,
    limiter: Option<RateLimiter>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_base", &self.api_base.as_deref().map(base_for_debug))
            .field("customer", &self.customer)
            .field("tokens", &self.tokens)
            .field("language", &self.language)
            .field("time_zone", &self.time_zone)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Start configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            api_base: None,
            customer: None,
            tokens: None,
            resolver: None,
            http: None,
            language: Some(DEFAULT_LANGUAGE.to_owned()),
            time_zone: None,
            timeout: None,
            connect_timeout: Duration::from_secs(10),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            rate_limit: RateLimit::default(),
            limiter: None,
        }
    }

    /// The current REST base (ends in `/api/`). May change after an HTTP 421.
    pub fn api_base(&self) -> Url {
        match self.inner.base.read() {
            Ok(base) => base.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The tenant this client talks to, when known.
    pub fn customer_id(&self) -> Option<&CustomerId> {
        self.inner.customer.as_ref()
    }

    fn set_api_base(&self, base: Url) {
        match self.inner.base.write() {
            Ok(mut guard) => *guard = base,
            Err(poisoned) => *poisoned.into_inner() = base,
        }
    }

    /// Send a request and decode a JSON answer into `T` (an empty body decodes as `null`).
    /// Use it for endpoints without a typed method.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// use superoffice_client::ApiRequest;
    ///
    /// let defaults: serde_json::Value = client
    ///     .execute(ApiRequest::get("v1/Sale/default", ["v1", "Sale", "default"]))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T> {
        let template = request.template.clone();
        let response = self.send(request).await?;
        if response.body.iter().all(u8::is_ascii_whitespace) {
            // 204 / empty 200: decode as JSON `null` (fine for `Option<T>` and `()`).
            return decode_json(&template, b"null");
        }
        decode_json(&template, &response.body)
    }

    /// Send a request whose answer has no interesting body (e.g. DELETE → 204).
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// use superoffice_client::ApiRequest;
    ///
    /// client
    ///     .execute_empty(ApiRequest::delete("v1/Appointment/{id}", ["v1", "Appointment", "17"]))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute_empty(&self, request: ApiRequest) -> Result<()> {
        self.send(request).await.map(|_| ())
    }

    /// Send a request and return the successful raw response (status, headers, body bytes),
    /// e.g. for binary content. Credentials, the redirect check, the rate limit, retries and
    /// the request span apply as for every call; a non-2xx answer is still an [`Error`] (after
    /// the 401 refresh, 421 re-resolution and retries).
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// use superoffice_client::ApiRequest;
    ///
    /// let raw = client
    ///     .send(ApiRequest::get("v1/Document/{id}/Content", ["v1", "Document", "7", "Content"]))
    ///     .await?;
    /// println!("{} bytes of {:?}", raw.body.len(), raw.headers.get("content-type"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send(&self, request: ApiRequest) -> Result<RawResponse> {
        // The family's `<crate>.request` scheme: the path template, never the concrete path
        // (ids, names) or headers (credentials). `attempt`, `status` and `elapsed_ms` are
        // recorded as the attempts end.
        let span = tracing::info_span!(
            "superoffice.request",
            method = %request.method,
            path_template = %request.template,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        self.send_inner(&request).instrument(span).await
    }

    async fn send_inner(&self, request: &ApiRequest) -> Result<RawResponse> {
        if let Some(reason) = &request.invalid {
            // Refused before a credential is fetched or anything is sent.
            return Err(reason.clone().into());
        }
        let started = tokio::time::Instant::now();
        let mut attempt: u32 = 0;
        let mut transient_failures: u32 = 0;
        let mut refreshed = false;
        let mut re_resolved = false;
        let mut credential: Option<Credential> = None;
        loop {
            attempt += 1;
            tracing::Span::current().record("attempt", attempt);
            self.inner.limiter.acquire().await;
            let cred = match credential.take() {
                Some(c) => c,
                None => self.inner.tokens.credential().await?,
            };
            if request.needs_app_token && !cred.has_app_token() {
                return Err(InvalidInput::AppTokenRequired.into());
            }
            let base = self.api_base();
            let outcome = self.send_once(request, &base, &cred).await;
            tracing::Span::current().record("elapsed_ms", started.elapsed().as_millis() as u64);
            let error = match outcome {
                Ok(response) => {
                    tracing::Span::current().record("status", response.status.as_u16());
                    tracing::debug!(
                        status = response.status.as_u16(),
                        attempt,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "response"
                    );
                    if response.status.is_success() {
                        return Ok(response);
                    }
                    let api = ApiError::from_parts(
                        response.status,
                        request.template.clone(),
                        retry_after(&response.headers, chrono::Utc::now()),
                        &response.body,
                    );
                    match response.status {
                        StatusCode::UNAUTHORIZED if !refreshed => {
                            tracing::debug!("401: refreshing the credential once");
                            refreshed = true;
                            credential =
                                Some(self.inner.tokens.refresh_after_unauthorized(&cred).await?);
                            continue;
                        }
                        StatusCode::MISDIRECTED_REQUEST if !re_resolved => {
                            if let (Some(resolver), Some(customer)) =
                                (&self.inner.resolver, &self.inner.customer)
                            {
                                tracing::debug!("421: re-resolving the tenant's API base once");
                                re_resolved = true;
                                let new_base =
                                    normalise_base(resolver.resolve_api_base(customer).await?)?;
                                self.set_api_base(new_base);
                                credential = Some(cred);
                                continue;
                            }
                            Error::from_response(api)
                        }
                        _ => Error::from_response(api),
                    }
                }
                Err(e) => e,
            };
            transient_failures += 1;
            let decision = self.inner.retry.decide(
                request.idempotent,
                &error,
                transient_failures,
                started.elapsed(),
                rand::random::<f64>(),
            );
            match decision {
                RetryDecision::Retry { after } => {
                    tracing::debug!(
                        delay_ms = after.as_millis() as u64,
                        error_kind = error_kind(&error),
                        "retrying"
                    );
                    tokio::time::sleep(after).await;
                    credential = Some(cred);
                }
                _ => return Err(error),
            }
        }
    }

    async fn send_once(
        &self,
        request: &ApiRequest,
        base: &Url,
        credential: &Credential,
    ) -> Result<RawResponse> {
        let url = request.url(base)?;
        if !same_origin(&url, base) {
            return Err(Error::Protocol(
                "refusing to send credentials outside the configured API host".to_owned(),
            ));
        }
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), url.clone())
            // Per request, so it also applies to a caller-supplied HTTP client.
            .header(http::header::USER_AGENT, self.inner.user_agent.clone())
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::AUTHORIZATION,
                credential.authorization_header(),
            );
        if let Some(app_token) = credential.app_token_header() {
            builder = builder.header("SO-AppToken", app_token);
        }
        if let Some(timeout) = self.inner.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(language) = &self.inner.language {
            builder = builder.header(http::header::ACCEPT_LANGUAGE, language.clone());
        }
        if let Some(time_zone) = &self.inner.time_zone {
            builder = builder.header("SO-TimeZone", time_zone.clone());
        }
        for (name, value) in &request.headers {
            builder = builder.header(name.clone(), value.clone());
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(http::header::CONTENT_TYPE, body.content_type)
                .body(body.bytes.clone());
        }
        let response = builder.send().await.map_err(Error::Transport)?;
        if response.url() != &url {
            // A caller-supplied client followed a redirect (the built-in one never does): the
            // answer is not from the tenant's API, and the credential may have gone elsewhere.
            return Err(ConfigError::RedirectingHttpClient.into());
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

    /// Turn a link from the server (e.g. `odata.nextLink`) into a request on this client's
    /// base. A relative link resolves against the URL of `from`, the request whose answer
    /// carried it (RFC 3986 reference resolution). Links to another host or outside the API
    /// base are refused.
    pub(crate) fn request_from_link(
        &self,
        template: &str,
        link: &str,
        from: &ApiRequest,
    ) -> Result<ApiRequest> {
        let base = self.api_base();
        let url = from
            .url(&base)?
            .join(link)
            .map_err(|e| Error::Protocol(format!("invalid link from the server: {e}")))?;
        let base_path = base.path();
        let inside = url
            .path()
            .get(..base_path.len())
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(base_path));
        if !same_origin(&url, &base) || !inside {
            return Err(Error::Protocol(
                "the server returned a link outside the tenant's API base".to_owned(),
            ));
        }
        let path = url.path()[base_path.len()..].to_owned();
        if path.starts_with('/') {
            // `{base}/` + `/Cust99999/...` would be joined as an absolute path: outside the base.
            return Err(Error::Protocol(
                "the server returned a link outside the tenant's API base".to_owned(),
            ));
        }
        let query = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Ok(ApiRequest::from_link(template, path, query))
    }

    /// Flush the tenant's caches: `GET {tenant host}/{Cust}/default.aspx?flush` (docs:
    /// "Flush Cache"). Sent to the host of the tenant's current API base (never the
    /// authentication host) with the caller's credential; SuperOffice only flushes for a
    /// General Administrator. Use it after provisioning a web panel that does not show.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// client.flush_caches().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn flush_caches(&self) -> Result<()> {
        self.execute_empty(flush_request()).await
    }
}

impl ClientBuilder {
    /// The tenant's REST base, from the id_token's `webapi_url` claim
    /// (`https://sod2.superoffice.com/Cust12345/api/`); with or without the trailing slash.
    /// The customer id is taken from it unless set with [`customer_id`](Self::customer_id).
    ///
    /// Takes text or a [`Url`]; [`build`](Self::build) checks it: `https` (plain `http` only
    /// for loopback hosts such as a sandbox), no user name or password, no query or fragment.
    pub fn api_base(mut self, base: impl Into<String>) -> Self {
        self.api_base = Some(base.into());
        self
    }

    /// The tenant id (`Cust12345`); needed for 421 re-resolution when the base URL does not
    /// contain it.
    pub fn customer_id(mut self, customer: CustomerId) -> Self {
        self.customer = Some(customer);
        self
    }

    /// Where credentials come from (required).
    pub fn token_provider(mut self, tokens: Arc<dyn TokenProvider>) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// Re-resolves the tenant's API base when SuperOffice answers HTTP 421.
    pub fn api_base_resolver(mut self, resolver: Arc<dyn ApiBaseResolver>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// Use this HTTP client instead of the built-in one, e.g. to share a connection pool.
    ///
    /// It **must not follow redirects** (`reqwest::redirect::Policy::none()`): an answer from
    /// another URL than the one asked fails with [`ConfigError::RedirectingHttpClient`]. The
    /// builder's [`timeout`](Self::timeout) (when set) and [`user_agent`](Self::user_agent)
    /// are set on every request and still apply; only
    /// [`connect_timeout`](Self::connect_timeout) needs the built-in client. Without a
    /// `timeout` call, the given client's own timeouts apply.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// `Accept-Language` header (ISO 639-1 code such as `en`, `nb`, `sv`; default
    /// [`DEFAULT_LANGUAGE`]): SuperOffice resolves multi-language strings and resource ids
    /// into this language.
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Send no `Accept-Language`: SuperOffice then returns multi-language strings and
    /// resource ids (`[SR_…]`) unresolved.
    pub fn without_language(mut self) -> Self {
        self.language = None;
        self
    }

    /// `SO-TimeZone` header (e.g. `NO`, `261`, or `UTC, includeTZOffset`).
    pub fn time_zone(mut self, time_zone: impl Into<String>) -> Self {
        self.time_zone = Some(time_zone.into());
        self
    }

    /// Whole-request timeout, set on every request (default 30 s, the built-in client's).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Connect timeout of the built-in HTTP client (default 10 s); not applied to a client
    /// given with [`http_client`](Self::http_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// `User-Agent`, sent with every request (default `superoffice-client-rust/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Retry policy for idempotent requests (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Client-side rate limit (default 10 requests/s). Clones of the client share it.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = limit;
        self.limiter = None;
        self
    }

    /// Share an existing limiter (e.g. between two clients of the same tenant).
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Build the client. Fails with a [`ConfigError`] that names the setting to fix.
    pub fn build(self) -> Result<Client, ConfigError> {
        let raw = self.api_base.ok_or(ConfigError::MissingApiBase)?;
        let base = Url::parse(raw.trim()).map_err(|e| ConfigError::InvalidBaseUrl {
            reason: format!("it is not an absolute URL ({e})"),
        })?;
        let base = normalise_base(base)?;
        let tokens = self.tokens.ok_or(ConfigError::MissingTokenProvider)?;
        let customer = match self.customer {
            Some(c) => Some(c),
            None => CustomerId::from_url(base.as_str()).ok(),
        };
        if self.resolver.is_some() && customer.is_none() {
            return Err(ConfigError::ResolverNeedsCustomerId);
        }
        let header = |setting: &'static str, value: &str| {
            HeaderValue::from_str(value).map_err(|_| ConfigError::InvalidHeaderValue { setting })
        };
        let language = self.language.map(|v| header("language", &v)).transpose()?;
        let time_zone = self
            .time_zone
            .map(|v| header("time_zone", &v))
            .transpose()?;
        let user_agent = header("user_agent", &self.user_agent)?;
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(ConfigError::HttpClient)?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base: RwLock::new(base),
                customer,
                tokens,
                resolver: self.resolver,
                language,
                time_zone,
                user_agent,
                timeout: self.timeout,
                retry: self.retry,
                limiter: self
                    .limiter
                    .unwrap_or_else(|| RateLimiter::new(self.rate_limit)),
            }),
        })
    }
}

/// Check a base URL and give it exactly one trailing slash.
fn normalise_base(mut base: Url) -> Result<Url, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidBaseUrl { reason };
    if !matches!(base.scheme(), "https" | "http") || base.cannot_be_a_base() {
        return Err(invalid(format!(
            "it must be an http(s) URL, got scheme `{}`",
            base.scheme()
        )));
    }
    if base.host_str().is_none() {
        return Err(invalid("it has no host".to_owned()));
    }
    if base.scheme() == "http" && !is_loopback(&base) {
        return Err(invalid(
            "it must use https (plain http is accepted for loopback hosts only)".to_owned(),
        ));
    }
    if !base.username().is_empty() || base.password().is_some() {
        return Err(invalid(
            "it must not carry a user name or password; credentials come from the token provider"
                .to_owned(),
        ));
    }
    if base.query().is_some() || base.fragment().is_some() {
        return Err(invalid(
            "it must not have a query or fragment; pass the tenant's webapi_url as it is"
                .to_owned(),
        ));
    }
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    Ok(base)
}

/// An API base as `Debug` may show it: without user name, password, query or fragment.
fn base_for_debug(raw: &str) -> String {
    match Url::parse(raw.trim()) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => "[not a URL]".to_owned(),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A log-safe label for an error (no bodies or messages: they may hold personal data).
fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::RateLimited(_) => "rate_limited",
        Error::Api(_) => "api",
        Error::Unauthorized(_) => "unauthorized",
        Error::NotFound(_) => "not_found",
        Error::Conflict(_) | Error::PreconditionFailed(_) => "conflict",
        Error::MisdirectedRequest(_) => "misdirected",
        Error::Transport(e) if e.is_timeout() => "timeout",
        Error::Transport(e) if e.is_connect() => "connect",
        Error::Transport(_) => "transport",
        Error::Decode { .. } => "decode",
        Error::Protocol(_) => "protocol",
        Error::Auth(_) => "auth",
        Error::Config(_) => "config",
        Error::InvalidInput(_) => "invalid_input",
    }
}

/// The `Retry-After` header, when present and readable (see [`parse_retry_after`]).
fn retry_after(headers: &HeaderMap, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let raw = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(raw, now)
}

/// Decode a JSON body, reporting the JSON path and a snippet on failure.
///
/// The body is decoded straight from the bytes; only when that fails is it decoded again
/// with `serde_path_to_error` to find the path (tracking the path on every successful decode
/// would cost about a third of the decode).
pub(crate) fn decode_json<T: DeserializeOwned>(template: &str, body: &[u8]) -> Result<T> {
    // Like the tracked decode below (and as before), text after the value is not checked.
    match T::deserialize(&mut serde_json::Deserializer::from_slice(body)) {
        Ok(value) => Ok(value),
        Err(fast) => Err(decode_error::<T>(template, body, fast)),
    }
}

/// The error of a failed [`decode_json`]: the JSON path from a second, tracked decode.
#[cold]
#[inline(never)]
fn decode_error<T: DeserializeOwned>(
    template: &str,
    body: &[u8],
    fast: serde_json::Error,
) -> Error {
    let mut de = serde_json::Deserializer::from_slice(body);
    let (path, message) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => (e.path().to_string(), e.inner().to_string()),
        // Decoding is deterministic; should the tracked pass succeed anyway, keep the first
        // error without a path rather than inventing one.
        Ok(_) => (String::from("."), fast.to_string()),
    };
    Error::Decode {
        endpoint: template.to_owned(),
        path,
        // serde quotes offending values: bounded and masked like every server text.
        message: crate::redact::redact(&message, 300),
        snippet: snippet(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_gets_one_trailing_slash() {
        let a = normalise_base(
            "https://sod2.superoffice.com/Cust12345/api"
                .parse()
                .unwrap(),
        )
        .unwrap();
        let b = normalise_base(
            "https://sod2.superoffice.com/Cust12345/api/"
                .parse()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(a.as_str(), "https://sod2.superoffice.com/Cust12345/api/");
        assert_eq!(a, b);
        assert!(normalise_base("ftp://x/api/".parse().unwrap()).is_err());
        assert!(normalise_base("http://sod2.superoffice.com/Cust1/api/".parse().unwrap()).is_err());
        assert!(normalise_base("http://127.0.0.1:8080/Cust1/api/".parse().unwrap()).is_ok());
        for refused in [
            "https://user:secret@sod2.superoffice.com/Cust1/api/",
            "https://sod2.superoffice.com/Cust1/api/?x=1",
            "https://sod2.superoffice.com/Cust1/api/#top",
        ] {
            let err = normalise_base(refused.parse().unwrap()).unwrap_err();
            assert!(
                matches!(err, ConfigError::InvalidBaseUrl { .. }),
                "{refused}"
            );
            assert!(!err.to_string().contains("secret"), "{err}");
        }
        assert_eq!(
            base_for_debug("https://user:secret@sod2.superoffice.com/Cust1/api/?t=x"),
            "https://sod2.superoffice.com/Cust1/api/"
        );
    }

    #[test]
    fn retry_after_reads_the_header_with_every_date_form() {
        let now = chrono::DateTime::parse_from_rfc3339("2015-10-21T07:27:00Z")
            .unwrap()
            .to_utc();
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        for (value, expected) in [
            ("7", 7),
            ("Wed, 21 Oct 2015 07:28:00 GMT", 60),
            ("Wednesday, 21-Oct-15 07:28:00 GMT", 60),
            ("Wed Oct 21 07:28:00 2015", 60),
            ("Wed, 21 Oct 2015 07:00:00 GMT", 0),
        ] {
            h.insert(http::header::RETRY_AFTER, HeaderValue::from_static(value));
            assert_eq!(
                retry_after(&h, now),
                Some(Duration::from_secs(expected)),
                "{value}"
            );
        }
    }

    /// The fast decode does not track paths; a failing decode of a real SaleEntity still
    /// reports where it failed.
    #[test]
    fn sale_decode_errors_carry_the_json_path() {
        use crate::models::{SaleEntity, SaleId};
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/rest/sale.json")).unwrap();
        let sale: SaleEntity =
            decode_json("v1/Sale/{id}", &serde_json::to_vec(&fixture).unwrap()).unwrap();
        assert_eq!(sale.sale_id, SaleId(42));

        type Breakage = fn(&mut serde_json::Value);
        let cases: [(&str, Breakage); 3] = [
            ("Associate.AssociateId", |s| {
                s["Associate"]["AssociateId"] = "five".into();
            }),
            ("Amount", |s| s["Amount"] = "lots".into()),
            ("Contact", |s| s["Contact"] = serde_json::json!([1, 2])),
        ];
        for (expected, break_it) in cases {
            let mut broken = fixture.clone();
            break_it(&mut broken);
            let body = serde_json::to_vec(&broken).unwrap();
            match decode_json::<SaleEntity>("v1/Sale/{id}", &body) {
                Err(Error::Decode { endpoint, path, .. }) => {
                    assert_eq!(
                        (endpoint.as_str(), path.as_str()),
                        ("v1/Sale/{id}", expected)
                    );
                }
                other => panic!("{expected}: {other:?}"),
            }
        }
    }

    #[test]
    fn decode_errors_carry_path_and_snippet() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Row {
            #[serde(rename = "SaleId")]
            sale_id: i32,
        }
        let err =
            decode_json::<Vec<Row>>("v1/Sale", br#"[{"SaleId":1},{"SaleId":"x"}]"#).unwrap_err();
        match err {
            Error::Decode { path, snippet, .. } => {
                assert_eq!(path, "[1].SaleId");
                assert!(snippet.contains("SaleId"));
            }
            other => panic!("{other:?}"),
        }
    }
}
