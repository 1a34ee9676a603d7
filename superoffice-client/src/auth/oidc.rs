//! The OIDC authorization-code flow against SuperOffice Online, on the `oauth2` crate.

use std::fmt;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AccessToken, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError,
    Scope, StandardRevocableToken, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};
use subtle::ConstantTimeEq;
use tracing::Instrument;
use url::Url;

use crate::auth::{IdTokenValidator, JwtExpectations, SuperOfficeClaims, TokenSet};
use crate::clock::{Clock, SystemClock};
use crate::customer_id::CustomerId;
use crate::environment::{is_secure_or_loopback, Environment};
use crate::error::{AuthError, InvalidInput};
use crate::http::{default_http_client, ensure_not_redirected, read_capped, CappedError};
use crate::redact::clean_text;

/// The application's registration in the SuperOffice Developer Portal, per environment.
///
/// `Debug` never shows the client secret.
#[derive(Clone)]
#[non_exhaustive]
pub struct OidcConfig {
    /// Where to sign in.
    pub environment: Environment,
    /// The application id (`client_id`).
    pub client_id: String,
    /// The client secret (also the `SO-AppToken` for system-user calls).
    pub client_secret: SecretString,
    /// The redirect URI registered for the application (exact match).
    pub redirect_uri: Url,
}

impl OidcConfig {
    /// Checks and bundles the registration. The redirect URI must be an absolute `http(s)` URL
    /// without a fragment.
    pub fn new(
        environment: Environment,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: &str,
    ) -> Result<Self, AuthError> {
        environment.validate()?;
        let client_id = client_id.into();
        if client_id.trim().is_empty() {
            return Err(AuthError::InvalidConfig {
                reason: "client_id is empty".to_owned(),
            });
        }
        let client_secret = client_secret.into();
        if client_secret.is_empty() {
            return Err(AuthError::InvalidConfig {
                reason: "client_secret is empty".to_owned(),
            });
        }
        let redirect = Url::parse(redirect_uri).map_err(|e| AuthError::InvalidConfig {
            reason: format!("redirect_uri `{redirect_uri}` is not a URL: {e}"),
        })?;
        if !matches!(redirect.scheme(), "http" | "https") || redirect.fragment().is_some() {
            return Err(AuthError::InvalidConfig {
                reason: format!(
                    "redirect_uri `{redirect_uri}` must be an http(s) URL without a fragment"
                ),
            });
        }
        Ok(OidcConfig {
            environment,
            client_id,
            client_secret: SecretString::from(client_secret),
            redirect_uri: redirect,
        })
    }
}

impl fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcConfig")
            .field("environment", &self.environment)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri.as_str())
            .finish()
    }
}

/// How long a [`PendingAuthorization`] is honoured: SuperOffice's authorization codes expire
/// after 10 minutes (Authorization Code flow reference), so an older sign-in cannot complete.
pub const PENDING_SIGN_IN_LIFETIME: Duration = Duration::minutes(10);

/// The OpenID Connect `prompt` parameter: make the identity provider show its screens again
/// instead of signing in silently with its session cookie.
///
/// SuperOffice's authorize parameter table does not list `prompt`; the values are those of
/// OpenID Connect Core 1.0 §3.1.2.1, which SuperID (an OpenID Connect provider) is assumed to
/// honour. Use [`Prompt::SelectAccount`] behind a panel's "Switch account" link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Prompt {
    /// `login`: ask for the user's credentials again, even with a valid session.
    Login,
    /// `select_account`: let the user choose another account (and tenant).
    SelectAccount,
    /// `consent`: show the consent (approval) screen again.
    Consent,
}

impl Prompt {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Prompt::Login => "login",
            Prompt::SelectAccount => "select_account",
            Prompt::Consent => "consent",
        }
    }
}

/// Options for one authorization request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct AuthorizeOptions {
    /// Sign in straight into this tenant: adds `acr_values=tenant:Cust…` and uses the
    /// tenant-specific authorize path `/login/{Cust}/oauth/authorize` (no tenant picker;
    /// seamless SSO from a web panel).
    pub tenant: Option<CustomerId>,
    /// Pre-fills the SuperID user name (`login_hint`).
    pub login_hint: Option<String>,
    /// Shows the identity provider's screens again (`prompt`), e.g. the account chooser.
    pub prompt: Option<Prompt>,
}

impl AuthorizeOptions {
    /// No tenant, no login hint.
    pub fn new() -> Self {
        Self::default()
    }

    /// Signs in straight into `tenant`.
    pub fn tenant(mut self, tenant: CustomerId) -> Self {
        self.tenant = Some(tenant);
        self
    }

    /// Pre-fills the user name.
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = Some(hint.into());
        self
    }

    /// Sends `prompt` (e.g. [`Prompt::SelectAccount`] for "Switch account").
    pub fn prompt(mut self, prompt: Prompt) -> Self {
        self.prompt = Some(prompt);
        self
    }
}

/// What must be remembered between sending the user to SuperOffice and the callback: `state`,
/// the PKCE verifier and the `nonce`.
///
/// Serialisable so a web host can keep it in its (server-side, encrypted) session. `Debug`
/// redacts the verifier and the nonce.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingAuthorization {
    state: String,
    pkce_verifier: String,
    nonce: String,
    #[serde(default)]
    tenant: Option<CustomerId>,
    created_at: DateTime<Utc>,
}

impl PendingAuthorization {
    /// The `state` sent with the request (also the key to look the pending sign-in up by).
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The tenant requested, if any.
    pub fn tenant(&self) -> Option<&CustomerId> {
        self.tenant.as_ref()
    }

    /// When the authorization URL was built (SuperOffice's codes live 10 minutes).
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
}

impl fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("state", &self.state)
            .field("pkce_verifier", &"[redacted]")
            .field("nonce", &"[redacted]")
            .field("tenant", &self.tenant)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// The result of [`OidcClient::authorize_url`]: where to send the browser, and what to keep.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthorizeRequest {
    /// The authorization URL (redirect the user's browser here).
    pub url: Url,
    /// Keep this until the callback, then pass it to [`OidcClient::exchange_code`].
    pub pending: PendingAuthorization,
}

/// A completed sign-in: the tokens and the validated id_token claims.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Session {
    /// Access and refresh token.
    pub tokens: TokenSet,
    /// Who signed in, into which tenant, and where its API lives.
    pub claims: SuperOfficeClaims,
}

impl Session {
    /// The tenant signed into (`ctx` claim).
    pub fn customer_id(&self) -> Option<&CustomerId> {
        self.claims.customer_id.as_ref()
    }

    /// The tenant's REST base (`webapi_url`, ending in `/api/`); `None` without the claim.
    /// [`OidcClient::api_base`] falls back to the tenant state API.
    pub fn api_base(&self) -> Option<Url> {
        self.claims.api_base()
    }
}

/// SuperOffice's token response, read leniently (`expires_in` as number or string,
/// `token_type` in any case).
#[derive(Clone, Serialize, Deserialize)]
struct SoTokenResponse {
    access_token: AccessToken,
    #[serde(default = "bearer", deserialize_with = "token_type_any_case")]
    token_type: BasicTokenType,
    #[serde(default, deserialize_with = "lenient_seconds")]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<RefreshToken>,
    #[serde(
        default,
        rename = "scope",
        deserialize_with = "space_delimited",
        serialize_with = "join_scopes",
        skip_serializing_if = "Option::is_none"
    )]
    scopes: Option<Vec<Scope>>,
    #[serde(default)]
    id_token: Option<String>,
}

impl fmt::Debug for SoTokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoTokenResponse")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

fn bearer() -> BasicTokenType {
    BasicTokenType::Bearer
}

fn token_type_any_case<'de, D: Deserializer<'de>>(d: D) -> Result<BasicTokenType, D::Error> {
    let raw = Option::<String>::deserialize(d)?.unwrap_or_else(|| "bearer".to_owned());
    Ok(match raw.to_ascii_lowercase().as_str() {
        "bearer" => BasicTokenType::Bearer,
        "mac" => BasicTokenType::Mac,
        _ => BasicTokenType::Extension(raw),
    })
}

fn lenient_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(u64),
        Float(f64),
        Text(String),
    }
    match Option::<Raw>::deserialize(d)? {
        None => Ok(None),
        Some(Raw::Int(n)) => Ok(Some(n)),
        Some(Raw::Float(f)) if f.is_finite() && f >= 0.0 => Ok(Some(f as u64)),
        Some(Raw::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(Raw::Text(s)) => s
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("expires_in is not a number of seconds")),
        Some(Raw::Float(_)) => Err(serde::de::Error::custom(
            "expires_in is not a number of seconds",
        )),
    }
}

fn space_delimited<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Scope>>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(|raw| {
        raw.split_whitespace()
            .map(|s| Scope::new(s.to_owned()))
            .collect()
    }))
}

fn join_scopes<S: serde::Serializer>(
    scopes: &Option<Vec<Scope>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match scopes {
        Some(list) => serializer.serialize_str(
            &list
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        None => serializer.serialize_none(),
    }
}

impl oauth2::TokenResponse for SoTokenResponse {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    fn token_type(&self) -> &Self::TokenType {
        &self.token_type
    }

    fn expires_in(&self) -> Option<std::time::Duration> {
        self.expires_in.map(std::time::Duration::from_secs)
    }

    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scopes.as_ref()
    }
}

type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    SoTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

struct Inner {
    config: OidcConfig,
    issuer: String,
    http: reqwest::Client,
    validator: IdTokenValidator,
    clock: Arc<dyn Clock>,
    default_lifetime: Duration,
}

/// The OIDC client for one application in one environment.
///
/// Cheap to clone. Its token calls go through the crate's reqwest client with redirects off.
///
/// ```no_run
/// use superoffice_client::auth::{AuthorizeOptions, OidcClient, OidcConfig};
/// use superoffice_client::Environment;
///
/// # async fn run() -> superoffice_client::Result<()> {
/// let config = OidcConfig::new(
///     Environment::Sod,
///     "my-client-id",
///     "my-client-secret",
///     "https://app.example.com/superoffice/callback",
/// )?;
/// let oidc = OidcClient::new(config)?;
///
/// // 1. Send the browser to SuperOffice and keep `pending` in the user's session.
/// let request = oidc.authorize_url(AuthorizeOptions::new())?;
/// println!("open {}", request.url);
///
/// // 2. On the callback `?state=…&code=…`:
/// # let (returned_state, code) = ("state", "code");
/// let session = oidc.exchange_code(&request.pending, returned_state, code).await?;
/// println!("signed into {:?} at {:?}", session.customer_id(), session.api_base());
///
/// // 3. Later: a new access token (the refresh token is kept).
/// if let Some(refresh_token) = &session.tokens.refresh_token {
///     let tokens = oidc.refresh(refresh_token).await?;
///     # let _ = tokens;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OidcClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Builds an [`OidcClient`] with non-default parts.
#[derive(Debug)]
#[must_use]
pub struct OidcClientBuilder {
    config: OidcConfig,
    http: Option<reqwest::Client>,
    clock: Option<Arc<dyn Clock>>,
    leeway: Option<Duration>,
    issuer: Option<String>,
    default_lifetime: Duration,
}

impl OidcClientBuilder {
    /// Overrides the expected id_token issuer (default: [`Environment::issuer`]).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Uses `http` for all calls. It must not follow redirects
    /// (`reqwest::redirect::Policy::none()`), see [`default_http_client`].
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Replaces the clock (token expiry, id_token `exp`).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The tolerated clock skew when checking id_tokens (default 60 s; clamped to at most
    /// [`MAX_LEEWAY`](crate::auth::MAX_LEEWAY), 5 minutes).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    /// The access-token lifetime assumed when a response has no `expires_in` (default 3600 s,
    /// SuperOffice's documented value).
    pub fn default_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime = lifetime;
        self
    }

    /// Builds the client.
    pub fn build(self) -> crate::Result<OidcClient> {
        let http = match self.http {
            Some(http) => http,
            None => default_http_client()?,
        };
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let mut validator =
            IdTokenValidator::new(&self.config.environment, http.clone()).with_clock(clock.clone());
        if let Some(leeway) = self.leeway {
            validator = validator.with_leeway(leeway);
        }
        let issuer = self
            .issuer
            .unwrap_or_else(|| self.config.environment.issuer());
        Ok(OidcClient {
            inner: Arc::new(Inner {
                issuer,
                config: self.config,
                http,
                validator,
                clock,
                default_lifetime: self.default_lifetime,
            }),
        })
    }
}

impl OidcClient {
    /// A client with the default HTTP client and the system clock.
    pub fn new(config: OidcConfig) -> crate::Result<Self> {
        Self::builder(config).build()
    }

    /// A builder to set the HTTP client, clock or leeway.
    pub fn builder(config: OidcConfig) -> OidcClientBuilder {
        OidcClientBuilder {
            config,
            http: None,
            clock: None,
            leeway: None,
            issuer: None,
            default_lifetime: Duration::seconds(3600),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &OidcConfig {
        &self.inner.config
    }

    /// The id_token validator (shares the JWKS cache; also usable for other SuperOffice JWTs).
    pub fn validator(&self) -> &IdTokenValidator {
        &self.inner.validator
    }

    /// The HTTP client used for auth calls.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.http
    }

    fn oauth_client(&self, tenant: Option<&CustomerId>) -> OAuthClient {
        let config = &self.inner.config;
        let env = &config.environment;
        oauth2::Client::new(ClientId::new(config.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                config.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_type(oauth2::AuthType::RequestBody)
            .set_auth_uri(AuthUrl::from_url(env.authorize_url(tenant)))
            .set_token_uri(TokenUrl::from_url(env.token_url()))
            .set_redirect_uri(RedirectUrl::from_url(config.redirect_uri.clone()))
    }

    /// Builds the authorization URL (`response_type=code`, `scope=openid`, `state`, PKCE S256,
    /// `nonce`, and with a tenant `acr_values=tenant:Cust…` on the tenant-specific path).
    ///
    /// Keep the returned [`PendingAuthorization`] until the callback.
    pub fn authorize_url(&self, options: AuthorizeOptions) -> Result<AuthorizeRequest, AuthError> {
        if let Some(hint) = &options.login_hint {
            if hint.trim().is_empty() || hint.chars().any(char::is_control) {
                return Err(AuthError::InvalidConfig {
                    reason: "login_hint must be a non-empty user name".to_owned(),
                });
            }
        }
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = CsrfToken::new_random().into_secret();
        let client = self.oauth_client(options.tenant.as_ref());
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .add_scope(Scope::new("openid".to_owned()))
            .set_pkce_challenge(challenge)
            .add_extra_param("nonce", nonce.clone());
        if let Some(tenant) = &options.tenant {
            request = request.add_extra_param("acr_values", format!("tenant:{tenant}"));
        }
        if let Some(hint) = &options.login_hint {
            request = request.add_extra_param("login_hint", hint.trim().to_owned());
        }
        if let Some(prompt) = options.prompt {
            request = request.add_extra_param("prompt", prompt.as_str());
        }
        let (url, state) = request.url();
        Ok(AuthorizeRequest {
            url,
            pending: PendingAuthorization {
                state: state.into_secret(),
                pkce_verifier: verifier.into_secret(),
                nonce,
                tenant: options.tenant,
                created_at: self.inner.clock.now(),
            },
        })
    }

    /// Completes the sign-in from the callback's query string (`state=…&code=…`, or
    /// `error=…&error_description=…` when the user declined).
    pub async fn exchange_callback(
        &self,
        pending: &PendingAuthorization,
        callback_query: &str,
    ) -> crate::Result<Session> {
        let query = callback_query.trim_start_matches('?');
        let mut state = None;
        let mut code = None;
        let mut error = None;
        let mut description = None;
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "state" => state = Some(value.into_owned()),
                "code" => code = Some(value.into_owned()),
                "error" => error = Some(value.into_owned()),
                "error_description" => description = Some(value.into_owned()),
                _ => {}
            }
        }
        // Nothing from the callback is believed (not even an error text) before its state
        // matched the pending sign-in: a forged callback must not put words in our mouth.
        let Some(state) = state.filter(|s| same(s, &pending.state)) else {
            return Err(AuthError::StateMismatch.into());
        };
        if let Some(error) = error {
            return Err(AuthError::AuthorizationDenied {
                error: clean_text(&error),
                description: description
                    .map(|d| clean_text(&d))
                    .filter(|d| !d.is_empty()),
            }
            .into());
        }
        let code = code.ok_or(InvalidInput::CallbackWithoutCode)?;
        self.exchange_code(pending, &state, &code).await
    }

    /// Exchanges the authorization `code` from the callback for tokens and validates the
    /// id_token (signature, issuer, audience = client id, expiry, nonce).
    ///
    /// `returned_state` is the callback's `state`; when it differs from the pending one the call
    /// fails with [`AuthError::StateMismatch`] before anything is sent.
    pub async fn exchange_code(
        &self,
        pending: &PendingAuthorization,
        returned_state: &str,
        code: &str,
    ) -> crate::Result<Session> {
        if !same(returned_state, &pending.state) {
            return Err(AuthError::StateMismatch.into());
        }
        let age = self.inner.clock.now() - pending.created_at;
        if age > PENDING_SIGN_IN_LIFETIME || age < -PENDING_SIGN_IN_LIFETIME {
            return Err(AuthError::SignInExpired {
                created_at: pending.created_at,
            }
            .into());
        }
        let code = code.trim();
        if code.is_empty() {
            return Err(InvalidInput::BlankField {
                field: "authorization code",
            }
            .into());
        }
        let client = self.oauth_client(None);
        let request = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()));
        let span = self.token_span("authorization_code");
        let (call, status) = self.http_fn();
        let result = request.request_async(&call).instrument(span.clone()).await;
        let response = finish(&span, result, &status)?;
        let mut tokens = self.token_set(response, None);
        let id_token = tokens.id_token.clone().ok_or(AuthError::MissingIdToken)?;
        let expect = self.expectations().with_nonce(pending.nonce.clone());
        let claims = self
            .inner
            .validator
            .validate(id_token.expose_secret(), &expect)
            .await?;
        require_subject(&claims)?;
        tokens.claims = Some(claims.clone());
        Ok(Session { tokens, claims })
    }

    /// Gets a new access token with `refresh_token`. SuperOffice's refresh response has no new
    /// refresh token; the returned [`TokenSet`] then carries the one passed in. An id_token in
    /// the response is validated (without nonce) and its claims returned.
    pub async fn refresh(&self, refresh_token: &SecretString) -> crate::Result<TokenSet> {
        if refresh_token.expose_secret().trim().is_empty() {
            return Err(AuthError::CannotRefresh.into());
        }
        let client = self.oauth_client(None);
        let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
        let request = client.exchange_refresh_token(&token);
        let span = self.token_span("refresh_token");
        let (call, status) = self.http_fn();
        let result = request.request_async(&call).instrument(span.clone()).await;
        let response = finish(&span, result, &status)?;
        let mut tokens = self.token_set(response, Some(refresh_token));
        if let Some(id_token) = &tokens.id_token {
            let claims = self
                .inner
                .validator
                .validate(id_token.expose_secret(), &self.expectations())
                .await?;
            require_subject(&claims)?;
            tokens.claims = Some(claims);
        }
        Ok(tokens)
    }

    /// The tenant's REST base for `session`: its id_token's `webapi_url` claim, or, when the
    /// claim is missing, the tenant state API of the same environment for the session's tenant
    /// (`ctx`), through this client's HTTP client.
    pub async fn api_base(&self, session: &Session) -> crate::Result<Url> {
        if let Some(base) = session.api_base() {
            return Ok(base);
        }
        let customer = session
            .customer_id()
            .ok_or(AuthError::IdTokenInvalid {
                reason: crate::auth::IdTokenProblem::MissingClaim("ctx"),
            })?
            .clone();
        crate::tenant::TenantLocator::new(
            self.inner.config.environment.clone(),
            self.inner.http.clone(),
        )
        .with_clock(self.inner.clock.clone())
        .api_base(&customer)
        .await
    }

    /// The environment's token revocation endpoint: `revocation_endpoint` from its OpenID
    /// discovery document (`{base}/login/.well-known/openid-configuration`). It must be `https`
    /// (or `http` on loopback) on the environment's own host.
    pub async fn revocation_url(&self) -> crate::Result<Url> {
        let env = &self.inner.config.environment;
        let url = env.discovery_url();
        let span = tracing::debug_span!(
            "superoffice.oidc_discovery",
            method = "GET",
            path_template = url.path(),
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty
        );
        let started = std::time::Instant::now();
        let response = self
            .inner
            .http
            .get(url.clone())
            .header(http::header::ACCEPT, "application/json")
            .send()
            .instrument(span.clone())
            .await
            .map_err(crate::Error::Transport)?;
        ensure_not_redirected(&url, &response, "discovery")?;
        let status = response.status();
        span.record("status", status.as_u16());
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        let unavailable = |reason: String| AuthError::RevocationUnavailable { reason };
        if !status.is_success() {
            return Err(
                unavailable(format!("the discovery document answered HTTP {status}")).into(),
            );
        }
        let body = match read_capped(response, MAX_DISCOVERY_BODY).await {
            Ok(body) => body,
            Err(CappedError::Transport(e)) => return Err(crate::Error::Transport(e)),
            Err(CappedError::TooLarge) => {
                return Err(unavailable("the discovery document is too large".into()).into())
            }
        };
        #[derive(Deserialize)]
        struct Discovery {
            #[serde(default)]
            revocation_endpoint: Option<String>,
        }
        let document: Discovery = serde_json::from_slice(&body)
            .map_err(|_| unavailable("the discovery document is not JSON".into()))?;
        let raw = document
            .revocation_endpoint
            .filter(|r| !r.trim().is_empty())
            .ok_or_else(|| {
                unavailable("the discovery document has no revocation_endpoint".into())
            })?;
        let endpoint = Url::parse(raw.trim())
            .map_err(|_| unavailable("revocation_endpoint is not a URL".into()))?;
        if !is_secure_or_loopback(&endpoint)
            || !env.owns_host(&endpoint)
            || endpoint.query().is_some()
            || endpoint.fragment().is_some()
        {
            return Err(unavailable(
                "revocation_endpoint is not an https URL on the environment's own host".into(),
            )
            .into());
        }
        Ok(endpoint)
    }

    /// Revokes `refresh_token` (on disconnect): RFC 7009 `token` + `token_type_hint=refresh_token`
    /// with the client credentials, POSTed to [`revocation_url`](Self::revocation_url).
    /// Afterwards the refresh token fails with `invalid_grant`.
    ///
    /// Errors: [`AuthError::RevocationUnavailable`], [`AuthError::TokenEndpoint`] with the
    /// OAuth error of a refused request (the body is never echoed otherwise),
    /// [`AuthError::RedirectFollowed`], or a transport error.
    pub async fn revoke_refresh_token(&self, refresh_token: &SecretString) -> crate::Result<()> {
        let token = refresh_token.expose_secret().trim();
        if token.is_empty() {
            return Err(InvalidInput::BlankField {
                field: "refresh token",
            }
            .into());
        }
        let url = self.revocation_url().await?;
        let config = &self.inner.config;
        let form = serde_urlencoded::to_string([
            ("token", token),
            ("token_type_hint", "refresh_token"),
            ("client_id", config.client_id.as_str()),
            ("client_secret", config.client_secret.expose_secret()),
        ])
        .map_err(|e| InvalidInput::Serialize {
            what: "revocation form",
            reason: e.to_string(),
        })?;
        let span = tracing::debug_span!(
            "superoffice.oauth_revoke",
            method = "POST",
            path_template = url.path(),
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty
        );
        let started = std::time::Instant::now();
        let response = self
            .inner
            .http
            .post(url.clone())
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::ACCEPT, "application/json")
            .body(form)
            .send()
            .instrument(span.clone())
            .await
            .map_err(crate::Error::Transport)?;
        ensure_not_redirected(&url, &response, "revocation")?;
        let status = response.status();
        span.record("status", status.as_u16());
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        if status.is_success() {
            return Ok(());
        }
        let body = read_capped(response, MAX_TOKEN_BODY)
            .await
            .unwrap_or_default();
        #[derive(Deserialize)]
        struct OAuthError {
            error: String,
            #[serde(default)]
            error_description: Option<String>,
        }
        Err(match serde_json::from_slice::<OAuthError>(&body) {
            Ok(e) => AuthError::TokenEndpoint {
                status: Some(status.as_u16()),
                error: clean_text(&e.error),
                description: e.error_description.map(|d| clean_text(&d)),
            }
            .into(),
            Err(_) => unreadable(Some(status.as_u16()), "an unexpected answer".into()),
        })
    }

    fn expectations(&self) -> JwtExpectations {
        JwtExpectations::new(
            self.inner.issuer.clone(),
            Some(self.inner.config.client_id.clone()),
        )
    }

    fn token_set(&self, response: SoTokenResponse, previous: Option<&SecretString>) -> TokenSet {
        let lifetime = response
            .expires_in
            .and_then(|s| i64::try_from(s).ok())
            .and_then(Duration::try_seconds)
            .unwrap_or(self.inner.default_lifetime);
        let now = self.inner.clock.now();
        // A huge `expires_in` must not overflow the date (which would panic).
        let expires_at = now
            .checked_add_signed(lifetime)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        TokenSet {
            access_token: SecretString::from(response.access_token.into_secret()),
            refresh_token: response
                .refresh_token
                .map(|t| t.into_secret())
                // An empty `refresh_token` is no new token: keep the previous one.
                .filter(|t| !t.trim().is_empty())
                .map(SecretString::from)
                .or_else(|| previous.cloned()),
            expires_at,
            id_token: response.id_token.map(SecretString::from),
            claims: None,
        }
    }

    /// The closure oauth2 drives: owns what it needs, so its futures are `'static + Send`.
    #[allow(clippy::type_complexity)]
    fn http_fn(
        &self,
    ) -> (
        impl Fn(
                oauth2::HttpRequest,
            ) -> std::pin::Pin<
                Box<
                    dyn std::future::Future<Output = Result<oauth2::HttpResponse, reqwest::Error>>
                        + Send,
                >,
            > + Send
            + Sync,
        Arc<Mutex<Seen>>,
    ) {
        let status = Arc::new(Mutex::new(Seen::default()));
        let seen = status.clone();
        let http = self.inner.http.clone();
        let call = move |request: oauth2::HttpRequest| {
            let http = http.clone();
            let seen = seen.clone();
            Box::pin(async move { execute(&http, &seen, request).await })
                as std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send>>
        };
        (call, status)
    }

    fn token_span(&self, grant: &'static str) -> tracing::Span {
        tracing::debug_span!(
            "superoffice.oauth_token",
            method = "POST",
            path_template = self.inner.config.environment.token_url().path(),
            grant,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty
        )
    }
}

/// What the HTTP closure saw of the token endpoint's answer.
#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    status: Option<u16>,
    /// Milliseconds from sending the request to its answer's headers.
    elapsed_ms: Option<u64>,
    /// The answer came from another URL than the one asked (the client followed a redirect).
    redirected: bool,
}

fn finish(
    span: &tracing::Span,
    result: Result<SoTokenResponse, RequestTokenError<reqwest::Error, BasicErrorResponse>>,
    seen: &Mutex<Seen>,
) -> crate::Result<SoTokenResponse> {
    let seen = *seen.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(code) = seen.status {
        span.record("status", code);
    }
    if let Some(elapsed) = seen.elapsed_ms {
        span.record("elapsed_ms", elapsed);
    }
    if seen.redirected {
        return Err(AuthError::RedirectFollowed { endpoint: "token" }.into());
    }
    result.map_err(|err| map_token_error(err, seen.status))
}

/// OIDC id_tokens must name their subject.
fn require_subject(claims: &SuperOfficeClaims) -> Result<(), AuthError> {
    if claims.subject.is_none() {
        return Err(AuthError::IdTokenInvalid {
            reason: crate::auth::IdTokenProblem::MissingClaim("sub"),
        });
    }
    Ok(())
}

fn same(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The largest token-endpoint answer read (a token response is a few kilobytes).
const MAX_TOKEN_BODY: usize = 256 * 1024;

/// The largest discovery document read.
const MAX_DISCOVERY_BODY: usize = 256 * 1024;

async fn execute(
    http: &reqwest::Client,
    seen: &Mutex<Seen>,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let request = reqwest::Request::try_from(request)?;
    let asked = request.url().clone();
    let started = std::time::Instant::now();
    let response = http.execute(request).await?;
    let redirected = ensure_not_redirected(&asked, &response, "token").is_err();
    *seen.lock().unwrap_or_else(|p| p.into_inner()) = Seen {
        status: Some(response.status().as_u16()),
        elapsed_ms: Some(started.elapsed().as_millis() as u64),
        redirected,
    };
    if redirected {
        // Nothing from another URL is read; `finish` reports the redirect.
        return Ok(http::Response::builder()
            .status(http::StatusCode::BAD_GATEWAY)
            .body(Vec::new())
            .unwrap_or_else(|_| http::Response::new(Vec::new())));
    }
    let mut builder = http::Response::builder().status(response.status());
    if let Some(headers) = builder.headers_mut() {
        headers.extend(
            response
                .headers()
                .iter()
                .map(|(name, value)| (name.clone(), value.clone())),
        );
        // oauth2 accepts only `application/json`; SuperOffice also serves `text/json`.
        let is_other_json = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
            .is_some_and(|ct| ct.starts_with("text/json"));
        if is_other_json {
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
        }
    }
    let body = match read_capped(response, MAX_TOKEN_BODY).await {
        Ok(body) => body,
        Err(CappedError::Transport(e)) => return Err(e),
        // Too large to be a token answer: handed on empty, so it is reported as unreadable.
        Err(CappedError::TooLarge) => Vec::new(),
    };
    Ok(builder
        .body(body)
        .unwrap_or_else(|_| http::Response::new(Vec::new())))
}

fn unreadable(status: Option<u16>, what: String) -> crate::Error {
    AuthError::TokenEndpoint {
        status,
        error: "invalid_response".to_owned(),
        description: Some(what),
    }
    .into()
}

fn map_token_error(
    err: RequestTokenError<reqwest::Error, BasicErrorResponse>,
    status: Option<u16>,
) -> crate::Error {
    match err {
        RequestTokenError::Request(e) => crate::Error::Transport(e),
        RequestTokenError::ServerResponse(response)
            if !status.is_some_and(|s| (200..300).contains(&s)) =>
        {
            AuthError::TokenEndpoint {
                status,
                error: clean_text(response.error().as_ref()),
                description: response.error_description().map(|d| clean_text(d)),
            }
            .into()
        }
        // Whatever the token endpoint sent is never echoed: a success body (any 2xx) holds
        // tokens, and an error body may too. Only the JSON path of a decode error is kept.
        RequestTokenError::ServerResponse(_) => unreadable(status, "an unexpected answer".into()),
        RequestTokenError::Parse(e, body) => {
            let path = e.path().to_string();
            unreadable(
                status,
                format!(
                    "an unreadable answer ({} bytes, at `{}`)",
                    body.len(),
                    if path.is_empty() { "." } else { path.as_str() }
                ),
            )
        }
        RequestTokenError::Other(_) => unreadable(status, "an unexpected answer".into()),
    }
}
