//! Tenants (`Cust12345`), the tenant state API and SuperOffice URLs.
//!
//! A tenant's REST API does not live on the sign-in host: it moves between numbered hosts
//! (`sod2`, `online3`, `app`, …). Take the base from the id_token's `webapi_url` claim or from
//! the tenant state API ([`TenantLocator`]), and ask again when SuperOffice answers
//! HTTP 421 (“wrong subdomain”) – that is what [`ApiBaseResolver`] is for.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tracing::Instrument;
use url::Url;

use crate::clock::{Clock, SystemClock};
use crate::environment::Environment;
use crate::http::{ensure_not_redirected, read_capped, CappedError};
use crate::redact::shorten;

pub use crate::customer_id::{CustomerId, CustomerIdError};
pub use crate::error::{TenantError, TenantState};

/// The URL that flushes a tenant's caches: `https://<host>/<Cust>/default.aspx?flush`.
///
/// Open it as a General Administrator after provisioning web panels or lists, otherwise they
/// may not show until SuperOffice's caches expire. `host` is the tenant's web host (e.g.
/// `online2.superoffice.com`, from `webapi_url` or the tenant state `Endpoint`).
///
/// ```
/// use superoffice_client::tenant::{flush_url, CustomerId};
///
/// let url = flush_url("online2.superoffice.com", &CustomerId::parse("Cust12345")?)?;
/// assert_eq!(url.as_str(), "https://online2.superoffice.com/Cust12345/default.aspx?flush");
/// # Ok::<(), superoffice_client::tenant::TenantError>(())
/// ```
pub fn flush_url(host: &str, customer: &CustomerId) -> Result<Url, TenantError> {
    let host = host.trim();
    let invalid = || TenantError::InvalidHost {
        host: shorten(host),
    };
    if host.is_empty() || host.contains(['/', '?', '#', '@', ' ', '\\']) {
        return Err(invalid());
    }
    let base = Url::parse(&format!("https://{host}/")).map_err(|_| invalid())?;
    if base.host_str().is_none() {
        return Err(invalid());
    }
    Ok(flush_url_from_base(&base, customer))
}

/// The flush URL on the scheme, host and port of `base` (any URL of the tenant's host, e.g. its
/// `webapi_url`, or an `http://127.0.0.1:…` sandbox): `{origin}/<Cust>/default.aspx?flush`.
pub fn flush_url_from_base(base: &Url, customer: &CustomerId) -> Url {
    let mut url = base.clone();
    url.set_path(&format!("/{}/default.aspx", customer.as_str()));
    url.set_query(Some("flush"));
    url.set_fragment(None);
    url
}

/// The answer of the tenant state API (`GET {env}/api/state/{Cust}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct TenantStatus {
    /// The tenant (`Cust12345`).
    pub context_identifier: CustomerId,
    /// The tenant's web root, e.g. `https://online2.superoffice.com/Cust12345`. `None` when
    /// the state API sends it empty or null (suspended or deleted tenants).
    #[serde(default, deserialize_with = "lenient_url")]
    pub endpoint: Option<Url>,
    /// The lifecycle state.
    pub state: TenantState,
    /// Whether the tenant is up.
    #[serde(default)]
    pub is_running: bool,
    /// When to ask again; until then the answer may be cached.
    #[serde(default, with = "lenient_datetime")]
    pub valid_until: Option<DateTime<Utc>>,
    /// The REST API root, e.g. `https://online2.superoffice.com/Cust12345/api`. `None` when
    /// sent empty or null (suspended or deleted tenants).
    #[serde(default, deserialize_with = "lenient_url")]
    pub api: Option<Url>,
    /// The tenant's SuperOffice version.
    #[serde(default)]
    pub version: Option<String>,
}

impl TenantStatus {
    /// True when the tenant's API may be called now (state `Running` or `OnlineMaintenance`).
    pub fn is_usable(&self) -> bool {
        self.state.is_usable()
    }

    /// The REST base URL, ending in `/api/`: `Api` when present, else `Endpoint` + `/api/`.
    pub fn api_base(&self) -> Option<Url> {
        if let Some(api) = &self.api {
            return Some(with_trailing_slash(api.clone()));
        }
        let endpoint = with_trailing_slash(self.endpoint.clone()?);
        endpoint.join("api/").ok()
    }
}

/// An absolute URL, or `None` for a missing, null or blank value.
fn lenient_url<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Url>, D::Error> {
    let raw = Option::<String>::deserialize(deserializer)?;
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => Url::parse(text)
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("not an absolute URL: {e}"))),
    }
}

/// The largest tenant state body read (the documented answer is a few hundred bytes).
pub const MAX_STATE_BODY: usize = 64 * 1024;

fn with_trailing_slash(mut url: Url) -> Url {
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url
}

mod lenient_datetime {
    use super::*;

    pub(super) fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(dt) => serializer.serialize_str(&dt.to_rfc3339()),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let raw = Option::<String>::deserialize(deserializer)?;
        let Some(raw) = raw.filter(|s| !s.trim().is_empty()) else {
            return Ok(None);
        };
        parse(raw.trim()).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!("`{raw}` is not an ISO-8601 date-time"))
        })
    }

    /// RFC 3339 with an offset, or a date-time without offset taken as UTC (the .NET style
    /// `2026-11-28T20:00:00` and `2026-11-28T20:00:00.1234567`).
    pub(super) fn parse(raw: &str) -> Option<DateTime<Utc>> {
        if let Ok(dt) = DateTime::parse_from_rfc3339(raw) {
            return Some(dt.with_timezone(&Utc));
        }
        NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .map(|naive| naive.and_utc())
    }
}

/// Finds where a tenant's REST API lives, again, ignoring caches.
///
/// The REST client calls this once when SuperOffice answers HTTP 421 (“wrong subdomain used
/// to access tenant”) and retries the request against the new base.
#[async_trait::async_trait]
pub trait ApiBaseResolver: Send + Sync + std::fmt::Debug {
    /// Ask again where `customer`'s REST API lives (its base URL ending in `/api/`), ignoring caches.
    async fn resolve_api_base(&self, customer: &CustomerId) -> crate::Result<Url>;
}

#[derive(Debug, Clone)]
struct CachedBase {
    api_base: Url,
    valid_until: DateTime<Utc>,
}

/// Client of the tenant state API, with a cache that honours `ValidUntil`.
///
/// ```no_run
/// use superoffice_client::tenant::TenantLocator;
/// use superoffice_client::{default_http_client, CustomerId, Environment};
///
/// # async fn run() -> superoffice_client::Result<()> {
/// // The crate's client: redirects off (a followed redirect is refused with
/// // `AuthError::RedirectFollowed`).
/// let locator = TenantLocator::new(Environment::Production, default_http_client()?);
/// let customer = CustomerId::parse("Cust12345")?;
/// let status = locator.status(&customer).await?;
/// println!("{} is {}", customer, status.state);
/// let api_base = locator.api_base(&customer).await?; // https://online2.superoffice.com/Cust12345/api/
/// # let _ = api_base;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TenantLocator {
    environment: Environment,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    default_ttl: chrono::Duration,
    cache: Arc<Mutex<HashMap<CustomerId, CachedBase>>>,
}

impl fmt::Debug for TenantLocator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantLocator")
            .field("environment", &self.environment)
            .field("default_ttl", &self.default_ttl)
            .finish_non_exhaustive()
    }
}

impl TenantLocator {
    /// A locator for tenants of `environment`, sending its requests through `http`.
    ///
    /// `http` must not follow redirects (use [`default_http_client`](crate::default_http_client)):
    /// an answer from another URL than the one asked is refused with
    /// [`AuthError::RedirectFollowed`](crate::AuthError::RedirectFollowed).
    pub fn new(environment: Environment, http: reqwest::Client) -> Self {
        TenantLocator {
            environment,
            http,
            clock: Arc::new(SystemClock),
            default_ttl: chrono::Duration::minutes(5),
            cache: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Replaces the clock used to compare with `ValidUntil` (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long an answer without `ValidUntil` is cached (default 5 minutes).
    pub fn with_default_ttl(mut self, ttl: chrono::Duration) -> Self {
        self.default_ttl = ttl;
        self
    }

    /// The environment whose state API is asked.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// Asks the tenant state API about `customer` (always sends a request; refreshes the cache).
    pub async fn status(&self, customer: &CustomerId) -> crate::Result<TenantStatus> {
        let url = self.environment.tenant_state_url(customer);
        let span = tracing::debug_span!(
            "superoffice.tenant_state",
            method = "GET",
            path_template = "/api/state/{customer}",
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty
        );
        let started = std::time::Instant::now();
        let response = self
            .http
            .get(url.clone())
            .header(http::header::ACCEPT, "application/json")
            .send()
            .instrument(span.clone())
            .await
            .map_err(crate::Error::Transport)?;
        ensure_not_redirected(&url, &response, "tenant state")?;
        let status = response.status();
        span.record("status", status.as_u16());
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        let body = match read_capped(response, MAX_STATE_BODY).instrument(span).await {
            Ok(body) => body,
            Err(CappedError::Transport(e)) => return Err(crate::Error::Transport(e)),
            Err(CappedError::TooLarge) => {
                return Err(TenantError::StateResponseTooLarge {
                    customer: customer.clone(),
                    max: MAX_STATE_BODY,
                }
                .into())
            }
        };
        if !status.is_success() {
            return Err(TenantError::StateLookupFailed {
                customer: customer.clone(),
                status: status.as_u16(),
                body_snippet: shorten(&String::from_utf8_lossy(&body)),
            }
            .into());
        }
        let deserializer = &mut serde_json::Deserializer::from_slice(&body);
        let parsed: TenantStatus = serde_path_to_error::deserialize(deserializer).map_err(|e| {
            TenantError::InvalidStateResponse {
                customer: customer.clone(),
                reason: format!("at `{}`: {}", e.path(), e.inner()),
            }
        })?;
        if parsed.context_identifier != *customer {
            self.forget(customer);
            return Err(TenantError::UntrustedApiBase {
                customer: customer.clone(),
                reason: "the answer is about another ContextIdentifier",
            }
            .into());
        }
        // Only a usable tenant's base is cached: `api_base` must not hand out the base of a
        // suspended or offline tenant because `status` was asked first, nor one outside the
        // environment's domain.
        let usable_base = parsed
            .api_base()
            .filter(|_| parsed.is_usable())
            .filter(|base| self.check_base(customer, base).is_ok());
        if usable_base.is_none() {
            self.forget(customer);
        }
        if let Some(api_base) = usable_base {
            let valid_until = parsed
                .valid_until
                .unwrap_or_else(|| self.clock.now() + self.default_ttl);
            self.lock_cache().insert(
                customer.clone(),
                CachedBase {
                    api_base,
                    valid_until,
                },
            );
        }
        Ok(parsed)
    }

    /// The REST base of `customer` (ending in `/api/`), from the cache while `ValidUntil` has not
    /// passed, otherwise from the state API. Fails with [`TenantError::NotAvailable`] when the
    /// tenant is not usable.
    pub async fn api_base(&self, customer: &CustomerId) -> crate::Result<Url> {
        let now = self.clock.now();
        if let Some(cached) = self.lock_cache().get(customer) {
            if cached.valid_until > now {
                return Ok(cached.api_base.clone());
            }
        }
        self.fresh_api_base(customer).await
    }

    /// Drops the cached answer for `customer`.
    pub fn forget(&self, customer: &CustomerId) {
        self.lock_cache().remove(customer);
    }

    async fn fresh_api_base(&self, customer: &CustomerId) -> crate::Result<Url> {
        let status = self.status(customer).await?;
        if !status.is_usable() {
            self.forget(customer);
            return Err(TenantError::NotAvailable {
                customer: customer.clone(),
                state: status.state,
            }
            .into());
        }
        let base = status.api_base().ok_or_else(|| TenantError::NoEndpoint {
            customer: customer.clone(),
        })?;
        if let Err(reason) = self.check_base(customer, &base) {
            return Err(TenantError::UntrustedApiBase {
                customer: customer.clone(),
                reason,
            }
            .into());
        }
        Ok(base)
    }

    /// A tenant's API base must be on the environment's own domain (https, or the custom
    /// base's host) and carry the tenant's customer id as a path segment.
    fn check_base(&self, customer: &CustomerId, base: &Url) -> Result<(), &'static str> {
        if !self.environment.owns_host(base) {
            return Err("the host is not on the environment's own domain");
        }
        let names_tenant = base
            .path_segments()
            .into_iter()
            .flatten()
            .any(|segment| segment.eq_ignore_ascii_case(customer.as_str()));
        if !names_tenant {
            return Err("the tenant's customer id is not in the path");
        }
        Ok(())
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<CustomerId, CachedBase>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait::async_trait]
impl ApiBaseResolver for TenantLocator {
    async fn resolve_api_base(&self, customer: &CustomerId) -> crate::Result<Url> {
        self.fresh_api_base(customer).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_datetime_accepts_offset_and_naive() {
        assert!(lenient_datetime::parse("2026-11-28T20:00:00Z").is_some());
        assert!(lenient_datetime::parse("2026-11-28T20:00:00+01:00").is_some());
        assert!(lenient_datetime::parse("2026-11-28T20:00:00.1234567").is_some());
        assert!(lenient_datetime::parse("tomorrow").is_none());
    }
}
