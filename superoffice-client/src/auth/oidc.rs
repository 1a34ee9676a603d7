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

use crate::auth::{
    snippet, AuthError, Clock, Environment, IdTokenValidator, JwtExpectations, SuperOfficeClaims,
    SystemClock,
};
use crate::credentials::Credential;
use crate::tenant::CustomerId;

/// A reqwest client suitable for SuperOffice's auth endpoints: redirects off (a token endpoint
/// must never be followed elsewhere), rustls, sensible timeouts.
pub fn default_http_client() -> crate::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .user_agent(concat!("superoffice-client/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(crate::Error::Transport)
}

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

/// Options for one authorization request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizeOptions {
    /// Sign in straight into this tenant: adds `acr_values=tenant:Cust…` and uses the
    /// tenant-specific authorize path `/login/{Cust}/oauth/authorize` (no tenant picker;
    /// seamless SSO from a web panel).
    pub tenant: Option<CustomerId>,
    /// Pre-fills the SuperID user name (`login_hint`).
    pub login_hint: Option<String>,
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

/// Tokens from the token endpoint. `Debug` never shows a token.
#[derive(Clone)]
#[non_exhaustive]
pub struct TokenSet {
    /// The opaque access token (`8A:Cust12345.…`), sent as `Bearer`.
    pub access_token: SecretString,
    /// The long-lived refresh token. SuperOffice returns it only from the code exchange; a
    /// refresh keeps the previous one.
    pub refresh_token: Option<SecretString>,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// The raw id_token, when the response had one.
    pub id_token: Option<SecretString>,
    /// The validated id_token claims, when the response had an id_token.
    pub claims: Option<SuperOfficeClaims>,
}

impl TokenSet {
    /// Tokens restored from storage (no id_token).
    pub fn new(
        access_token: impl Into<String>,
        refresh_token: Option<String>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        TokenSet {
            access_token: SecretString::from(access_token.into()),
            refresh_token: refresh_token.map(SecretString::from),
            expires_at,
            id_token: None,
            claims: None,
        }
    }

    /// The bearer credential for the REST client.
    pub fn credential(&self) -> Credential {
        Credential::Bearer {
            access_token: self.access_token.clone(),
            app_token: None,
        }
    }

    /// True when the access token expires before `now + margin`.
    pub fn expires_within(&self, now: DateTime<Utc>, margin: Duration) -> bool {
        self.expires_at <= now + margin
    }
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_at", &self.expires_at)
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .field("claims", &self.claims)
            .finish()
    }
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

    /// The tenant's REST base (`webapi_url`, ending in `/api/`).
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
/// use superoffice_client::auth::{AuthorizeOptions, Environment, OidcClient, OidcConfig};
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

    /// The tolerated clock skew when checking id_tokens (default 60 s).
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
                "error_description" => description = Some(snippet(&value)),
                _ => {}
            }
        }
        let state = match (state, &error) {
            (Some(state), _) => state,
            // An error redirect without state tells nothing secret; report the error.
            (None, Some(_)) => String::new(),
            (None, None) => return Err(AuthError::StateMismatch.into()),
        };
        if !state.is_empty() && !same(&state, &pending.state) {
            return Err(AuthError::StateMismatch.into());
        }
        if let Some(error) = error {
            return Err(AuthError::AuthorizationDenied {
                error: snippet(&error),
                description,
            }
            .into());
        }
        let code = code.ok_or_else(|| {
            crate::Error::InvalidInput("the callback has no `code` parameter".to_owned())
        })?;
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
        let code = code.trim();
        if code.is_empty() {
            return Err(crate::Error::InvalidInput(
                "the authorization code is empty".to_owned(),
            ));
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
        Arc<Mutex<Option<u16>>>,
    ) {
        let status = Arc::new(Mutex::new(None));
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
            path = self.inner.config.environment.token_url().path(),
            grant,
            status = tracing::field::Empty
        )
    }
}

fn finish(
    span: &tracing::Span,
    result: Result<SoTokenResponse, RequestTokenError<reqwest::Error, BasicErrorResponse>>,
    status: &Mutex<Option<u16>>,
) -> crate::Result<SoTokenResponse> {
    let status = *status.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(code) = status {
        span.record("status", code);
    }
    result.map_err(|err| map_token_error(err, status))
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

async fn execute(
    http: &reqwest::Client,
    status: &Mutex<Option<u16>>,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let request = reqwest::Request::try_from(request)?;
    let response = http.execute(request).await?;
    *status.lock().unwrap_or_else(|p| p.into_inner()) = Some(response.status().as_u16());
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
    let body = response.bytes().await?;
    Ok(builder
        .body(body.to_vec())
        .unwrap_or_else(|_| http::Response::new(Vec::new())))
}

fn map_token_error(
    err: RequestTokenError<reqwest::Error, BasicErrorResponse>,
    status: Option<u16>,
) -> crate::Error {
    match err {
        RequestTokenError::Request(e) => crate::Error::Transport(e),
        RequestTokenError::ServerResponse(response) => AuthError::TokenEndpoint {
            status,
            error: response.error().as_ref().to_owned(),
            description: response.error_description().map(|d| snippet(d)),
        }
        .into(),
        RequestTokenError::Parse(e, body) => {
            let description = if status == Some(200) {
                // A success body holds tokens: report only where it broke.
                format!("unreadable token response at `{}`", e.path())
            } else {
                format!(
                    "unreadable error response: {}",
                    snippet(&String::from_utf8_lossy(&body))
                )
            };
            AuthError::TokenEndpoint {
                status,
                error: "invalid_response".to_owned(),
                description: Some(description),
            }
            .into()
        }
        RequestTokenError::Other(message) => AuthError::TokenEndpoint {
            status,
            error: "invalid_response".to_owned(),
            description: Some(snippet(&message)),
        }
        .into(),
    }
}
