//! SuperOffice Online authentication: environments, OIDC, id_token validation, system user.
//!
//! * [`OidcClient`] – the interactive sign-in: authorization URL (state, PKCE S256, nonce,
//!   optional tenant), code exchange and refresh, built on the `oauth2` crate with our own
//!   reqwest client (redirects off).
//! * [`IdTokenValidator`] and [`SuperOfficeClaims`] – RS256 validation against the environment's
//!   JWKS and SuperOffice's typed claims (`ctx`, `webapi_url`, `is_administrator`, …).
//! * [`SystemUserTokenProvider`] and [`SystemUserKey`] – the back-channel “system user”
//!   (RSA-signed system token → `SOTicket`).
//! * [`RefreshingTokenProvider`] – a signed-in user's tokens, refreshed before they expire,
//!   with a [`TokenSink`] to persist them.
//!
//! The environment (which SuperOffice Online, and its endpoints) is
//! [`Environment`](crate::Environment); the error types live at the crate root
//! ([`AuthError`], [`IdTokenProblem`]) and are re-exported here.

mod claims;
mod id_token;
mod jwks;
mod oidc;
mod refreshing;
mod rsa_xml;
mod system_user;
mod token_set;

pub use claims::SuperOfficeClaims;
pub use id_token::{IdTokenValidator, JwtExpectations, MAX_LEEWAY, MAX_TOKEN_LIFETIME};
pub use oidc::{
    AuthorizeOptions, AuthorizeRequest, OidcClient, OidcClientBuilder, OidcConfig,
    PendingAuthorization, Prompt, Session, PENDING_SIGN_IN_LIFETIME,
};
pub use refreshing::{RefreshingTokenProvider, TokenRefresher, TokenSink};
pub use system_user::{
    sign_system_token, system_token_data, SystemUserConfig, SystemUserKey, SystemUserTokenProvider,
};
pub use token_set::TokenSet;

pub use crate::error::{AuthError, IdTokenProblem};
