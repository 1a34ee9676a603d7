//! SuperOffice Online environments and the endpoints derived from them.

use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::customer_id::CustomerId;
use crate::error::AuthError;

/// A SuperOffice Online environment: where users sign in and where tenants are located.
///
/// Every environment uses the same path layout below its base URL; only the host differs.
/// Sign-in always happens on the *un-numbered* host (`sod`, `qaonline`, `online`); tenant data
/// lives on numbered hosts (`sod2`, `online3`, `app`…) that come from the id_token's
/// `webapi_url` claim or the tenant state API (see [`TenantLocator`](crate::TenantLocator)).
///
/// ```
/// use superoffice_client::Environment;
///
/// let env: Environment = "sod".parse()?;
/// assert_eq!(env.issuer(), "https://sod.superoffice.com");
/// assert_eq!(
///     env.token_url().as_str(),
///     "https://sod.superoffice.com/login/common/oauth/tokens"
/// );
/// # Ok::<(), superoffice_client::AuthError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Environment {
    /// The development environment, `https://sod.superoffice.com`.
    Sod,
    /// The stage (QA) environment, `https://qaonline.superoffice.com`.
    Stage,
    /// Production, `https://online.superoffice.com`.
    Production,
    /// Any other base URL: an in-process sandbox, a test server, or a host SuperOffice
    /// introduces later. Build it with [`Environment::custom`], which checks the URL.
    Custom {
        /// The auth base (scheme, host, port and an optional path prefix), e.g.
        /// `http://127.0.0.1:41234/`.
        base: Url,
    },
}

impl Environment {
    /// A custom environment rooted at `base`: `https`, or plain `http` for a loopback host only
    /// (`127.0.0.1`, `::1`, `localhost`: an in-process sandbox or a test server); no query,
    /// fragment or credentials.
    pub fn custom(base: impl AsRef<str>) -> Result<Self, AuthError> {
        let raw = base.as_ref();
        let mut url = Url::parse(raw).map_err(|e| AuthError::InvalidEnvironment {
            reason: format!("`{raw}` is not a URL: {e}"),
        })?;
        Self::check_base(&url)?;
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Environment::Custom { base: url })
    }

    fn check_base(url: &Url) -> Result<(), AuthError> {
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(AuthError::InvalidEnvironment {
                reason: format!("`{url}` must be an http or https URL"),
            });
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(AuthError::InvalidEnvironment {
                reason: format!("`{url}` has no host"),
            });
        }
        if url.scheme() == "http" && !is_loopback(url) {
            return Err(AuthError::InvalidEnvironment {
                reason: format!(
                    "`{url}` must use https (plain http is accepted for loopback hosts only)"
                ),
            });
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(AuthError::InvalidEnvironment {
                reason: format!("`{url}` must not have a query or fragment"),
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(AuthError::InvalidEnvironment {
                reason: "the environment URL must not carry credentials".to_owned(),
            });
        }
        Ok(())
    }

    /// Checks that the environment can be used (a custom base must be an `https` URL with a
    /// host, or `http` on a loopback host).
    pub fn validate(&self) -> Result<(), AuthError> {
        match self {
            Environment::Custom { base } => Self::check_base(base),
            _ => Ok(()),
        }
    }

    /// True when `url` is on this environment's own domain: a `superoffice.com` host over
    /// https for SuperOffice's environments, the custom base's host (any port) for a custom
    /// one. Used to accept a tenant's new API base after HTTP 421.
    pub fn owns_host(&self, url: &Url) -> bool {
        match self {
            Environment::Custom { base } => {
                url.scheme() == base.scheme()
                    && url.host_str().is_some()
                    && url
                        .host_str()
                        .zip(base.host_str())
                        .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
                    && url.username().is_empty()
                    && url.password().is_none()
            }
            _ => {
                url.scheme() == "https"
                    && url.username().is_empty()
                    && url.password().is_none()
                    && url.port().is_none()
                    && matches!(url.host(), Some(url::Host::Domain(d))
                        if d.to_ascii_lowercase().ends_with(".superoffice.com"))
            }
        }
    }

    /// The short name: `sod`, `qaonline`, `online`, or `custom`.
    pub fn name(&self) -> &'static str {
        match self {
            Environment::Sod => "sod",
            Environment::Stage => "qaonline",
            Environment::Production => "online",
            Environment::Custom { .. } => "custom",
        }
    }

    /// The base URL, always ending in `/` (e.g. `https://sod.superoffice.com/`).
    pub fn base_url(&self) -> Url {
        let raw = match self {
            Environment::Sod => "https://sod.superoffice.com/",
            Environment::Stage => "https://qaonline.superoffice.com/",
            Environment::Production => "https://online.superoffice.com/",
            Environment::Custom { base } => {
                let mut url = base.clone();
                if !url.path().ends_with('/') {
                    let path = format!("{}/", url.path());
                    url.set_path(&path);
                }
                return url;
            }
        };
        // The three literals are valid URLs; `Url::parse` cannot fail on them.
        Url::parse(raw).unwrap_or_else(|_| unreachable!("static environment URL"))
    }

    /// The expected `iss` of id_tokens: the base URL without its trailing slash
    /// (`https://sod.superoffice.com`).
    pub fn issuer(&self) -> String {
        self.base_url().as_str().trim_end_matches('/').to_owned()
    }

    fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.base_url();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.extend(segments);
        }
        url
    }

    /// The OpenID discovery document: `{base}/login/.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> Url {
        self.endpoint(&["login", ".well-known", "openid-configuration"])
    }

    /// The authorization endpoint: `{base}/login/common/oauth/authorize`, or the tenant-specific
    /// `{base}/login/{Cust}/oauth/authorize` when `tenant` is given (seamless SSO into a known
    /// tenant, e.g. from a web panel).
    pub fn authorize_url(&self, tenant: Option<&CustomerId>) -> Url {
        let scope = tenant.map_or("common", CustomerId::as_str);
        self.endpoint(&["login", scope, "oauth", "authorize"])
    }

    /// The token endpoint: `{base}/login/common/oauth/tokens`.
    pub fn token_url(&self) -> Url {
        self.endpoint(&["login", "common", "oauth", "tokens"])
    }

    /// The JSON Web Key Set with the id_token signing keys: `{base}/login/.well-known/jwks`.
    pub fn jwks_url(&self) -> Url {
        self.endpoint(&["login", ".well-known", "jwks"])
    }

    /// The system-user endpoint: `{base}/Login/api/PartnerSystemUser/Authenticate`.
    pub fn system_user_url(&self) -> Url {
        self.endpoint(&["Login", "api", "PartnerSystemUser", "Authenticate"])
    }

    /// The tenant state API for `customer`: `{base}/api/state/{Cust}`.
    pub fn tenant_state_url(&self, customer: &CustomerId) -> Url {
        self.endpoint(&["api", "state", customer.as_str()])
    }
}

/// True for `localhost` and loopback IP addresses.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// True when `url` may carry credentials or tokens: `https`, or `http` on a loopback host.
pub(crate) fn is_secure_or_loopback(url: &Url) -> bool {
    url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url))
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Custom { base } => write!(f, "custom ({base})"),
            other => f.write_str(other.name()),
        }
    }
}

impl serde::Serialize for Environment {
    /// `sod`, `qaonline`, `online`, or the custom base URL.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Environment::Custom { base } => serializer.serialize_str(base.as_str()),
            other => serializer.serialize_str(other.name()),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Environment {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

impl FromStr for Environment {
    type Err = AuthError;

    /// Accepts `sod`, `stage`/`qaonline`, `online`/`production`/`prod` (any case), or an
    /// `http(s)://` base URL for a custom environment.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        match trimmed.to_ascii_lowercase().as_str() {
            "sod" | "dev" | "development" => Ok(Environment::Sod),
            "stage" | "qaonline" | "qa" => Ok(Environment::Stage),
            "online" | "production" | "prod" => Ok(Environment::Production),
            lower if lower.starts_with("http://") || lower.starts_with("https://") => {
                Environment::custom(trimmed)
            }
            _ => Err(AuthError::InvalidEnvironment {
                reason: format!(
                    "unknown environment `{trimmed}` (expected sod, stage, online or an http(s) URL)"
                ),
            }),
        }
    }
}
