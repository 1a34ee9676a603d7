//! SuperOffice Online authentication: environments, OIDC, id_token validation, system user.

/// Errors from authentication and token handling.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The credential cannot be refreshed (a static token, or no refresh token).
    #[error("the credential was rejected and cannot be refreshed; sign in again")]
    CannotRefresh,
}
