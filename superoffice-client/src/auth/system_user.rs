//! The SuperOffice “system user”: a back-channel credential for server-to-server work.
//!
//! The app signs `"<system_token>.<UTC yyyyMMddHHmm>"` with its RSA private key (PKCS#1 v1.5,
//! SHA-256), posts it to `{env}/Login/api/PartnerSystemUser/Authenticate`, validates the JWT
//! it gets back and calls the API with `Authorization: SOTicket <ticket>` plus
//! `SO-AppToken: <client secret>`. The ticket lives 6 hours, sliding on use.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::{PrivateKey, PublicKey};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tokio::sync::Mutex;
use tracing::Instrument;

use crate::auth::{rsa_xml, IdTokenValidator, JwtExpectations, SuperOfficeClaims};
use crate::clock::{Clock, SystemClock};
use crate::credentials::{Credential, TokenProvider};
use crate::customer_id::CustomerId;
use crate::environment::Environment;
use crate::error::{AuthError, IdTokenProblem};
use crate::http::{default_http_client, ensure_not_redirected, read_capped, CappedError};
use crate::redact::clean_text;

/// The application's RSA private key, used to sign system tokens.
///
/// Accepts PEM (PKCS#1 `BEGIN RSA PRIVATE KEY` or PKCS#8 `BEGIN PRIVATE KEY`) and SuperOffice's
/// RSA XML format (`<RSAKeyValue>…</RSAKeyValue>`, as issued by the Developer Portal).
/// `Debug` shows only the key size.
#[derive(Clone)]
pub struct SystemUserKey {
    signing: SigningKey<Sha256>,
    bits: usize,
}

impl SystemUserKey {
    /// Reads a key in any supported format (XML when the text starts with `<`, else PEM).
    pub fn parse(text: &str) -> Result<Self, AuthError> {
        let trimmed = text.trim_start_matches('\u{feff}').trim();
        if trimmed.starts_with('<') {
            Self::from_xml(trimmed)
        } else {
            Self::from_pem(trimmed)
        }
    }

    /// Reads a PEM key (PKCS#1 or PKCS#8).
    pub fn from_pem(pem: &str) -> Result<Self, AuthError> {
        let pem = pem.trim();
        let key = if pem.contains("BEGIN RSA PRIVATE KEY") {
            PrivateKey::from_pkcs1_pem(pem).map_err(|_| AuthError::InvalidKey {
                reason: "unreadable PKCS#1 PEM (BEGIN RSA PRIVATE KEY)".to_owned(),
            })?
        } else if pem.contains("BEGIN PRIVATE KEY") {
            PrivateKey::from_pkcs8_pem(pem).map_err(|_| AuthError::InvalidKey {
                reason: "unreadable PKCS#8 PEM (BEGIN PRIVATE KEY), or not an RSA key".to_owned(),
            })?
        } else if pem.contains("ENCRYPTED PRIVATE KEY") {
            return Err(AuthError::InvalidKey {
                reason: "encrypted PEM keys are not supported; decrypt the key first".to_owned(),
            });
        } else {
            return Err(AuthError::InvalidKey {
                reason: "expected a PEM private key (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)"
                    .to_owned(),
            });
        };
        Ok(Self::from_rsa(key))
    }

    /// Reads SuperOffice's RSA XML key format.
    pub fn from_xml(xml: &str) -> Result<Self, AuthError> {
        rsa_xml::parse_private_key(xml).map(Self::from_rsa)
    }

    /// Wraps an already parsed key.
    pub fn from_rsa(key: PrivateKey) -> Self {
        let bits = key.size() * 8;
        SystemUserKey {
            signing: SigningKey::new(key),
            bits,
        }
    }

    /// The public half (to check signatures, or to compare keys).
    pub fn public_key(&self) -> PublicKey {
        self.signing.as_ref().to_public_key()
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Signs `data` (UTF-8) with RSASSA-PKCS1-v1_5 / SHA-256; returns the standard base64 of the
    /// signature.
    pub fn sign(&self, data: &str) -> Result<String, AuthError> {
        let signature = self
            .signing
            .try_sign(data.as_bytes())
            .map_err(|_| AuthError::Signing)?;
        Ok(base64::engine::general_purpose::STANDARD.encode(signature.to_vec()))
    }
}

impl fmt::Debug for SystemUserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SystemUserKey([redacted], {} bits)", self.bits)
    }
}

/// The text that is signed: `"<system_token>.<UTC yyyyMMddHHmm>"`.
pub fn system_token_data(system_token: &str, at: DateTime<Utc>) -> String {
    format!("{}.{}", system_token, at.format("%Y%m%d%H%M"))
}

/// The `SignedSystemToken`: `data + "." + base64(signature)`, with `data` from
/// [`system_token_data`].
pub fn sign_system_token(
    system_token: &str,
    key: &SystemUserKey,
    at: DateTime<Utc>,
) -> Result<SecretString, AuthError> {
    let data = system_token_data(system_token, at);
    let signature = key.sign(&data)?;
    Ok(SecretString::from(format!("{data}.{signature}")))
}

/// Everything the system user needs for one tenant. `Debug` redacts the secrets.
#[derive(Clone)]
#[non_exhaustive]
#[must_use]
pub struct SystemUserConfig {
    /// Where to authenticate (its JWKS validates the returned token).
    pub environment: Environment,
    /// The tenant (`ContextIdentifier`).
    pub customer: CustomerId,
    /// The tenant's `system_token` claim (from an administrator's sign-in).
    pub system_token: SecretString,
    /// The application's client secret (`ApplicationToken`, and `SO-AppToken` on API calls).
    pub app_token: SecretString,
    /// The application's RSA private key.
    pub key: SystemUserKey,
    /// The audience the returned JWT must carry, normally `spn:{serial}` (see
    /// [`serial`](Self::serial)). When `None`, any `spn:` audience is accepted.
    pub expected_audience: Option<String>,
    /// The issuer of the returned JWT (default `SuperOffice AS`).
    pub expected_issuer: String,
    /// How long a ticket stays valid without use (default 6 hours); a new one is fetched a
    /// little earlier.
    pub ticket_lifetime: Duration,
}

impl SystemUserConfig {
    /// A configuration with the default issuer and ticket lifetime and no audience pinning.
    pub fn new(
        environment: Environment,
        customer: CustomerId,
        system_token: impl Into<String>,
        app_token: impl Into<String>,
        key: SystemUserKey,
    ) -> Self {
        SystemUserConfig {
            environment,
            customer,
            system_token: SecretString::from(system_token.into()),
            app_token: SecretString::from(app_token.into()),
            key,
            expected_audience: None,
            expected_issuer: "SuperOffice AS".to_owned(),
            ticket_lifetime: Duration::hours(6),
        }
    }

    /// The configuration for the tenant an administrator just signed into: customer id from
    /// `ctx`, `system_token`, and the audience pinned to `spn:{serial}` when the claims carry
    /// `serial`.
    ///
    /// Fails with [`AuthError::InvalidConfig`] when the claims have no `ctx` or no
    /// `system_token` (the app is not set up for the system user, or consent predates it).
    pub fn from_claims(
        environment: Environment,
        claims: &SuperOfficeClaims,
        app_token: impl Into<String>,
        key: SystemUserKey,
    ) -> Result<Self, AuthError> {
        let customer = claims
            .customer_id
            .clone()
            .ok_or_else(|| AuthError::InvalidConfig {
                reason: "the id_token has no `ctx` (tenant) claim".to_owned(),
            })?;
        let system_token =
            claims
                .system_token
                .as_ref()
                .ok_or_else(|| AuthError::InvalidConfig {
                    reason: "the id_token has no `system_token` claim; enable the system user for \
                         the app and let an administrator approve it again"
                        .to_owned(),
                })?;
        let config = SystemUserConfig::new(
            environment,
            customer,
            system_token.expose_secret(),
            app_token,
            key,
        );
        Ok(match &claims.serial {
            Some(serial) => config.serial(serial),
            None => config,
        })
    }

    /// Pins the audience to `spn:{serial}` (the tenant's `serial` claim).
    pub fn serial(mut self, serial: impl AsRef<str>) -> Self {
        self.expected_audience = Some(format!("spn:{}", serial.as_ref()));
        self
    }

    /// Pins the audience to an exact value.
    pub fn expected_audience(mut self, audience: impl Into<String>) -> Self {
        self.expected_audience = Some(audience.into());
        self
    }

    /// Changes the expected issuer.
    pub fn expected_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.expected_issuer = issuer.into();
        self
    }

    /// Changes the ticket lifetime.
    pub fn ticket_lifetime(mut self, lifetime: Duration) -> Self {
        self.ticket_lifetime = lifetime;
        self
    }

    fn check(&self) -> Result<(), AuthError> {
        self.environment.validate()?;
        if self.system_token.expose_secret().trim().is_empty() {
            return Err(AuthError::InvalidConfig {
                reason: "system_token is empty".to_owned(),
            });
        }
        if self.app_token.expose_secret().trim().is_empty() {
            return Err(AuthError::InvalidConfig {
                reason: "the application token (client secret) is empty".to_owned(),
            });
        }
        Ok(())
    }
}

impl fmt::Debug for SystemUserConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystemUserConfig")
            .field("environment", &self.environment)
            .field("customer", &self.customer)
            .field("system_token", &"[redacted]")
            .field("app_token", &"[redacted]")
            .field("key", &self.key)
            .field("expected_audience", &self.expected_audience)
            .field("expected_issuer", &self.expected_issuer)
            .field("ticket_lifetime", &self.ticket_lifetime)
            .finish()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AuthenticateRequest<'a> {
    signed_system_token: &'a str,
    application_token: &'a str,
    context_identifier: &'a str,
    return_token_type: &'static str,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AuthenticateResponse {
    #[serde(default)]
    is_successful: bool,
    #[serde(default)]
    error_message: Option<String>,
    #[serde(default)]
    token: Option<String>,
}

struct CachedTicket {
    credential: Credential,
    last_used: DateTime<Utc>,
}

/// A [`TokenProvider`] for the system user: issues a ticket on first use, hands it out while it
/// is alive (6 h sliding), and issues a new one after a 401. Concurrent callers share one
/// request.
///
/// ```no_run
/// use superoffice_client::auth::{SystemUserConfig, SystemUserKey, SystemUserTokenProvider};
/// use superoffice_client::Environment;
/// use superoffice_client::tenant::CustomerId;
/// use superoffice_client::TokenProvider;
///
/// # async fn run(private_key_xml: &str) -> superoffice_client::Result<()> {
/// let key = SystemUserKey::parse(private_key_xml)?;
/// let config = SystemUserConfig::new(
///     Environment::Production,
///     CustomerId::parse("Cust12345")?,
///     "MyApp-AbCdEf123",  // the tenant's system_token claim
///     "my-client-secret",
///     key,
/// )
/// .serial("1234567890"); // the tenant's serial claim: audience spn:1234567890
/// let provider = SystemUserTokenProvider::new(config)?;
/// let credential = provider.credential().await?; // SOTicket + SO-AppToken
/// # let _ = credential;
/// # Ok(()) }
/// ```
pub struct SystemUserTokenProvider {
    config: SystemUserConfig,
    http: reqwest::Client,
    validator: IdTokenValidator,
    clock: Arc<dyn Clock>,
    ticket: Mutex<Option<CachedTicket>>,
}

impl fmt::Debug for SystemUserTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystemUserTokenProvider")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SystemUserTokenProvider {
    /// A provider with the default HTTP client and the system clock.
    pub fn new(config: SystemUserConfig) -> crate::Result<Self> {
        config.check()?;
        let http = default_http_client()?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let validator =
            IdTokenValidator::new(&config.environment, http.clone()).with_clock(clock.clone());
        Ok(SystemUserTokenProvider {
            config,
            http,
            validator,
            clock,
            ticket: Mutex::new(None),
        })
    }

    /// Uses `http` for the authenticate call and the JWKS. It must not follow redirects (see
    /// [`default_http_client`](crate::default_http_client)): an answer from another URL
    /// is refused with [`AuthError::RedirectFollowed`].
    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.validator = IdTokenValidator::new(&self.config.environment, http.clone())
            .with_clock(self.clock.clone());
        self.http = http;
        self
    }

    /// Replaces the clock (signing timestamp, ticket lifetime, JWT expiry).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.validator = self.validator.with_clock(clock.clone());
        self.clock = clock;
        self
    }

    /// Shares a validator (and its JWKS cache), e.g. [`OidcClient::validator`](crate::auth::OidcClient::validator).
    pub fn with_validator(mut self, validator: IdTokenValidator) -> Self {
        self.validator = validator;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &SystemUserConfig {
        &self.config
    }

    /// The `SignedSystemToken` for the current minute.
    pub fn signed_system_token(&self) -> Result<SecretString, AuthError> {
        sign_system_token(
            self.config.system_token.expose_secret(),
            &self.config.key,
            self.clock.now(),
        )
    }

    /// Asks SuperOffice for a new ticket now (ignores and replaces the cached one).
    pub async fn issue_ticket(&self) -> crate::Result<Credential> {
        let mut guard = self.ticket.lock().await;
        self.issue_locked(&mut guard).await
    }

    async fn issue_locked(&self, slot: &mut Option<CachedTicket>) -> crate::Result<Credential> {
        let credential = self.authenticate().await?;
        *slot = Some(CachedTicket {
            credential: credential.clone(),
            last_used: self.clock.now(),
        });
        Ok(credential)
    }

    fn alive(&self, cached: &CachedTicket, now: DateTime<Utc>) -> bool {
        // Renew a few minutes before the sliding lifetime would run out.
        let margin = Duration::minutes(5).min(self.config.ticket_lifetime / 10);
        now < cached.last_used + self.config.ticket_lifetime - margin
    }

    async fn authenticate(&self) -> crate::Result<Credential> {
        /// The largest PartnerSystemUser answer read (a JWT of a few kilobytes).
        const MAX_SYSTEM_USER_BODY: usize = 256 * 1024;
        let url = self.config.environment.system_user_url();
        let span = tracing::debug_span!(
            "superoffice.system_user",
            method = "POST",
            path_template = url.path(),
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty
        );
        async {
            let signed = self.signed_system_token()?;
            let body = AuthenticateRequest {
                signed_system_token: signed.expose_secret(),
                application_token: self.config.app_token.expose_secret(),
                context_identifier: self.config.customer.as_str(),
                return_token_type: "JWT",
            };
            let started = std::time::Instant::now();
            let response = self
                .http
                .post(url.clone())
                .header(http::header::ACCEPT, "application/json")
                .json(&body)
                .send()
                .await
                .map_err(crate::Error::Transport)?;
            ensure_not_redirected(&url, &response, "system user")?;
            let status = response.status();
            tracing::Span::current().record("status", status.as_u16());
            tracing::Span::current().record("elapsed_ms", started.elapsed().as_millis() as u64);
            let bytes = match read_capped(response, MAX_SYSTEM_USER_BODY).await {
                Ok(bytes) => bytes,
                Err(CappedError::Transport(e)) => return Err(crate::Error::Transport(e)),
                Err(CappedError::TooLarge) => Vec::new(),
            };
            let parsed: AuthenticateResponse = match serde_json::from_slice(&bytes) {
                Ok(parsed) => parsed,
                Err(_) => {
                    // The answer may carry a ticket: it is never echoed.
                    return Err(AuthError::SystemUserResponse {
                        status: Some(status.as_u16()),
                        reason: format!("not a PartnerSystemUser answer ({} bytes)", bytes.len()),
                    }
                    .into());
                }
            };
            if !parsed.is_successful {
                return Err(AuthError::SystemUserRejected {
                    message: parsed
                        .error_message
                        .map(|m| clean_text(&m))
                        .filter(|m| !m.is_empty())
                        .unwrap_or_else(|| format!("no message (HTTP {})", status.as_u16())),
                }
                .into());
            }
            let token = parsed
                .token
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| AuthError::SystemUserResponse {
                    status: Some(status.as_u16()),
                    reason: "IsSuccessful is true but Token is empty".to_owned(),
                })?;
            let expect = JwtExpectations::new(
                self.config.expected_issuer.clone(),
                self.config.expected_audience.clone(),
            );
            let claims = self.validator.validate(&token, &expect).await?;
            if self.config.expected_audience.is_none()
                && !claims.audience.iter().any(|a| a.starts_with("spn:"))
            {
                return Err(AuthError::WrongAudience {
                    expected: "spn:{serial}".to_owned(),
                    found: claims.audience.clone(),
                }
                .into());
            }
            if let Some(ctx) = &claims.customer_id {
                if ctx != &self.config.customer {
                    return Err(AuthError::from(IdTokenProblem::InvalidClaim {
                        claim: "ctx",
                        reason: format!("the ticket is for {ctx}, not {}", self.config.customer),
                    })
                    .into());
                }
            }
            let ticket = claims.ticket.ok_or(AuthError::IdTokenInvalid {
                reason: IdTokenProblem::MissingClaim("ticket"),
            })?;
            Ok(Credential::SystemUser {
                ticket,
                app_token: self.config.app_token.clone(),
            })
        }
        .instrument(span)
        .await
    }
}

#[async_trait]
impl TokenProvider for SystemUserTokenProvider {
    async fn credential(&self) -> crate::Result<Credential> {
        let mut guard = self.ticket.lock().await;
        let now = self.clock.now();
        if let Some(cached) = guard.as_mut() {
            if self.alive(cached, now) {
                cached.last_used = now;
                return Ok(cached.credential.clone());
            }
        }
        self.issue_locked(&mut guard).await
    }

    async fn refresh_after_unauthorized(&self, rejected: &Credential) -> crate::Result<Credential> {
        let mut guard = self.ticket.lock().await;
        let now = self.clock.now();
        if let Some(cached) = guard.as_mut() {
            if !cached.credential.same_secret(rejected) && self.alive(cached, now) {
                cached.last_used = now;
                return Ok(cached.credential.clone());
            }
        }
        self.issue_locked(&mut guard).await
    }
}
