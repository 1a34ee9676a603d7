//! [`AuthError`] and [`IdTokenProblem`]: what goes wrong in sign-in, token handling, id_token
//! validation and the system user. Re-exported by [`crate::auth`].

use chrono::{DateTime, Utc};

use crate::error::TenantError;

/// Errors from authentication and token handling.
///
/// Messages never contain tokens, secrets or keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The credential cannot be refreshed (a static token, or no refresh token).
    #[error("the credential was rejected and cannot be refreshed; sign in again")]
    CannotRefresh,
    /// A tenant id, tenant URL or tenant state lookup failed.
    #[error(transparent)]
    Tenant(#[from] TenantError),
    /// The environment (auth base URL) is unusable.
    #[error("invalid SuperOffice environment: {reason}")]
    InvalidEnvironment {
        /// What is wrong.
        reason: String,
    },
    /// The OIDC or system-user configuration is unusable (caught before anything is sent).
    #[error("invalid authentication configuration: {reason}")]
    InvalidConfig {
        /// What is wrong.
        reason: String,
    },
    /// The `state` returned to the redirect URI is not the one sent with the authorization
    /// request (a forged or mixed-up callback). No token request was made.
    #[error("the OAuth `state` returned to the redirect URI does not match the pending sign-in")]
    StateMismatch,
    /// The pending sign-in is older than [`PENDING_SIGN_IN_LIFETIME`](crate::auth::PENDING_SIGN_IN_LIFETIME) (SuperOffice's
    /// authorization codes live 10 minutes): start a new sign-in. No token request was made.
    #[error("the sign-in started at {created_at} has expired; start a new sign-in")]
    SignInExpired {
        /// When the authorization URL was built.
        created_at: DateTime<Utc>,
    },
    /// The HTTP client followed a redirect from a SuperOffice auth or tenant-state endpoint.
    /// Tokens, keys and tenant locations are only taken from the URL that was asked; use a
    /// client with redirects off (see [`default_http_client`](crate::default_http_client)).
    #[error("the HTTP client followed a redirect from the {endpoint} endpoint; configure it with redirects off")]
    RedirectFollowed {
        /// Which endpoint (`token`, `jwks`, `tenant state`, `discovery`, `revocation`,
        /// `system user`).
        endpoint: &'static str,
    },
    /// A refreshed id_token names another user, issuer or tenant than the session it
    /// refreshes; the new tokens were not used.
    #[error("the refreshed id_token changed `{claim}`; sign in again")]
    IdentityChanged {
        /// The claim that differs (`sub`, `iss` or `ctx`).
        claim: &'static str,
    },
    /// The environment publishes no usable token revocation endpoint (`revocation_endpoint`
    /// in its discovery document).
    #[error("no usable token revocation endpoint: {reason}")]
    RevocationUnavailable {
        /// What is missing or wrong.
        reason: String,
    },
    /// The authorization server redirected back with an error instead of a code.
    #[error("sign-in was not completed: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    AuthorizationDenied {
        /// The OAuth error code (`access_denied`, …).
        error: String,
        /// The server's description, if any.
        description: Option<String>,
    },
    /// The id_token's `nonce` is missing or differs from the one sent with the authorization
    /// request (a replayed or injected token).
    #[error("the id_token nonce does not match the pending sign-in")]
    NonceMismatch,
    /// The id_token (or system-user JWT) is malformed or its signature does not verify.
    #[error("invalid JWT: {reason}")]
    IdTokenInvalid {
        /// What exactly is wrong.
        reason: IdTokenProblem,
    },
    /// The id_token (or system-user JWT) has expired.
    #[error("the JWT expired at {expired_at}")]
    ExpiredIdToken {
        /// Its `exp`.
        expired_at: DateTime<Utc>,
    },
    /// The token's audience is not the expected one (client id, or `spn:{serial}`).
    #[error("the JWT audience {found:?} does not contain the expected `{expected}`")]
    WrongAudience {
        /// The expected audience.
        expected: String,
        /// The `aud` values in the token.
        found: Vec<String>,
    },
    /// The token's issuer is not the expected one.
    #[error("the JWT issuer `{found}` is not the expected `{expected}`")]
    WrongIssuer {
        /// The expected issuer.
        expected: String,
        /// The `iss` in the token.
        found: String,
    },
    /// The token was signed with a key that is not in the environment's JWKS, even after
    /// fetching it again.
    #[error("the JWT was signed with an unknown key (kid {kid:?})")]
    UnknownKey {
        /// The `kid` (or `x5t`) from the token header.
        kid: Option<String>,
    },
    /// The JWKS could not be fetched or read.
    #[error("could not load the signing keys (JWKS): {reason}")]
    Jwks {
        /// HTTP status, when the server answered.
        status: Option<u16>,
        /// What went wrong.
        reason: String,
    },
    /// The token endpoint answered with an OAuth error (`invalid_grant`, …) or an unexpected
    /// response.
    #[error("token endpoint error `{error}`{}{}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(), description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    TokenEndpoint {
        /// HTTP status of the answer, when known.
        status: Option<u16>,
        /// The OAuth error code (`invalid_grant`, `invalid_client`, …), or
        /// `invalid_response` when the answer could not be understood.
        error: String,
        /// The server's `error_description`, or what was wrong with the answer.
        description: Option<String>,
    },
    /// A successful token response had no `id_token` (the `openid` scope is required).
    #[error("the token response contains no id_token")]
    MissingIdToken,
    /// SuperOffice refused to issue a system-user ticket (`IsSuccessful: false`).
    #[error("system user authentication was rejected: {message}")]
    SystemUserRejected {
        /// SuperOffice's `ErrorMessage`.
        message: String,
    },
    /// The system-user endpoint answered with something unexpected.
    #[error("unexpected system user response{}: {reason}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    SystemUserResponse {
        /// HTTP status of the answer.
        status: Option<u16>,
        /// What was wrong.
        reason: String,
    },
    /// The RSA private key could not be read (PEM or SuperOffice's RSA XML format).
    #[error("invalid RSA private key: {reason}")]
    InvalidKey {
        /// What is wrong (never any key material).
        reason: String,
    },
    /// Signing the system token failed.
    #[error("could not sign the system token")]
    Signing,
}

impl AuthError {
    /// True when the error means the user must sign in again (revoked or invalid grant,
    /// no refresh token, a changed identity, an expired pending sign-in).
    pub fn requires_sign_in(&self) -> bool {
        match self {
            AuthError::CannotRefresh
            | AuthError::IdentityChanged { .. }
            | AuthError::SignInExpired { .. } => true,
            AuthError::TokenEndpoint { error, .. } => error == "invalid_grant",
            _ => false,
        }
    }
}

/// Why a JWT was rejected as invalid (see [`AuthError::IdTokenInvalid`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenProblem {
    /// Not a compact JWS (`header.payload.signature`) or not base64url/JSON.
    #[error("malformed token ({0})")]
    Malformed(String),
    /// Signed with an algorithm other than RS256 (including `none`).
    #[error("algorithm {0} is not accepted (only RS256)")]
    UnsupportedAlgorithm(String),
    /// The signature does not verify with the key named in the header.
    #[error("the signature does not verify")]
    BadSignature,
    /// `nbf` lies in the future.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// A required claim is absent.
    #[error("claim `{0}` is missing")]
    MissingClaim(&'static str),
    /// A claim has a value of the wrong shape.
    #[error("claim `{claim}` is invalid: {reason}")]
    InvalidClaim {
        /// The claim name (without the SuperOffice prefix).
        claim: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl From<IdTokenProblem> for AuthError {
    fn from(reason: IdTokenProblem) -> Self {
        AuthError::IdTokenInvalid { reason }
    }
}
