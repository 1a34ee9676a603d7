//! [`ConfigError`]: a [`ClientBuilder`](crate::ClientBuilder) setting that cannot work, found
//! before anything is sent (or, for [`ConfigError::RedirectingHttpClient`], at the first
//! answer).

/// Why a [`Client`](crate::Client) cannot be built or used as configured. Every message says
/// which setting to change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No API base was given.
    #[error("api_base is required: pass the tenant's webapi_url claim or TenantLocator::api_base")]
    MissingApiBase,
    /// The API base is not usable: not http(s), no host, or plain http to a host that is not
    /// loopback.
    #[error("the API base is not usable: {reason}")]
    InvalidBaseUrl {
        /// What is wrong with it.
        reason: String,
    },
    /// No token provider was given.
    #[error("token_provider is required: pass a RefreshingTokenProvider, SystemUserTokenProvider or StaticToken")]
    MissingTokenProvider,
    /// An API base resolver was given, but the client does not know its tenant: the base URL
    /// names no `Cust…` segment and no customer id was set.
    #[error("an api_base_resolver needs the tenant: set customer_id, or use an API base that contains it")]
    ResolverNeedsCustomerId,
    /// A setting that is sent as an HTTP header is not a valid header value.
    #[error("{setting} is not a valid HTTP header value; use printable ASCII")]
    InvalidHeaderValue {
        /// The builder setting (`language`, `time_zone`, `user_agent`).
        setting: &'static str,
    },
    /// The built-in HTTP client could not be created (e.g. no TLS backend).
    #[error("cannot build the HTTP client; pass one with ClientBuilder::http_client")]
    HttpClient(#[source] reqwest::Error),
    /// An answer came from another URL than the one asked: the caller-supplied HTTP client
    /// follows redirects, and would send credentials wherever a server points it. The answer
    /// was not used.
    #[error(
        "the HTTP client followed a redirect; build it with reqwest::redirect::Policy::none()"
    )]
    RedirectingHttpClient,
}
