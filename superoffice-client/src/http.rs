//! HTTP plumbing shared by the auth, tenant and REST code: the crate's default reqwest client,
//! the check that a response came from the URL that was asked, and bounded body reads.

use crate::error::{AuthError, Error, Result};

/// A reqwest client suitable for SuperOffice's auth endpoints: redirects off (a token endpoint
/// must never be followed elsewhere), rustls, sensible timeouts.
///
/// Pass it to [`TenantLocator::new`](crate::TenantLocator::new) or
/// [`OidcClientBuilder::http_client`](crate::auth::OidcClientBuilder::http_client) to share one
/// connection pool.
pub fn default_http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .user_agent(concat!("superoffice-client/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(Error::Transport)
}

/// Fails with [`AuthError::RedirectFollowed`] when the response does not come from the URL
/// that was asked (a caller-supplied client followed a redirect).
pub(crate) fn ensure_not_redirected(
    requested: &url::Url,
    response: &reqwest::Response,
    endpoint: &'static str,
) -> Result<(), AuthError> {
    if response.url() != requested {
        return Err(AuthError::RedirectFollowed { endpoint });
    }
    Ok(())
}

/// Why [`read_capped`] gave up.
pub(crate) enum CappedError {
    /// The body is longer than allowed.
    TooLarge,
    /// Reading failed.
    Transport(reqwest::Error),
}

/// Reads a response body of at most `max` bytes (checks `Content-Length` first, then counts).
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, CappedError> {
    if response
        .content_length()
        .is_some_and(|len| len > max as u64)
    {
        return Err(CappedError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(CappedError::Transport)? {
        if body.len() + chunk.len() > max {
            return Err(CappedError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
