//! [`ServerConfig`]: framing, cookies and limits of the host service.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use hmac::{KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

/// The SuperOffice hosts allowed to frame the panel by default.
pub const DEFAULT_FRAME_ANCESTORS: [&str; 2] = [
    "https://*.superoffice.com",
    "https://online.superoffice.com",
];
/// How long a panel session lasts at most by default (it also ends with the SuperOffice access
/// token it carries).
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);
/// The largest webhook body accepted by default (1 MiB).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// How the host service frames, signs cookies and limits requests.
///
/// Built with [`ServerConfig::builder`] from a host-supplied 32-byte key; the keys the
/// service uses (session encryption, CSRF tokens) are derived from it, so the store's
/// [`SecretKey`](crate::store::SecretKey) bytes may be reused. `Debug` never shows a key.
#[derive(Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    frame_ancestors: Vec<String>,
    secure_cookies: bool,
    session_lifetime: Duration,
    body_limit: usize,
    pub(crate) keys: Arc<Keys>,
}

impl ServerConfig {
    /// Starts a configuration with the defaults: the SuperOffice hosts in
    /// [`DEFAULT_FRAME_ANCESTORS`], `Secure` cookies, [`DEFAULT_SESSION_LIFETIME`] and
    /// [`DEFAULT_BODY_LIMIT`].
    pub fn builder(cookie_key: [u8; 32]) -> ServerConfigBuilder {
        ServerConfigBuilder {
            frame_ancestors: DEFAULT_FRAME_ANCESTORS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            secure_cookies: true,
            session_lifetime: DEFAULT_SESSION_LIFETIME,
            body_limit: DEFAULT_BODY_LIMIT,
            key: Box::new(cookie_key),
        }
    }

    /// The origins allowed to frame the panel (`frame-ancestors`).
    pub fn frame_ancestors(&self) -> &[String] {
        &self.frame_ancestors
    }

    /// Whether cookies carry `Secure` (and so `SameSite=None; Partitioned`).
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies
    }

    /// The longest a panel session lasts.
    pub fn session_lifetime(&self) -> Duration {
        self.session_lifetime
    }

    /// The largest webhook body accepted, in bytes.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("frame_ancestors", &self.frame_ancestors)
            .field("secure_cookies", &self.secure_cookies)
            .field("session_lifetime", &self.session_lifetime)
            .field("body_limit", &self.body_limit)
            .field("cookie_key", &"[redacted]")
            .finish()
    }
}

/// Builds a [`ServerConfig`]; [`build`](Self::build) checks it.
#[must_use]
pub struct ServerConfigBuilder {
    frame_ancestors: Vec<String>,
    secure_cookies: bool,
    session_lifetime: Duration,
    body_limit: usize,
    key: Box<[u8; 32]>,
}

impl fmt::Debug for ServerConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfigBuilder")
            .field("frame_ancestors", &self.frame_ancestors)
            .field("secure_cookies", &self.secure_cookies)
            .field("session_lifetime", &self.session_lifetime)
            .field("body_limit", &self.body_limit)
            .field("cookie_key", &"[redacted]")
            .finish()
    }
}

impl ServerConfigBuilder {
    /// Replaces the origins allowed to frame the panel, e.g. `https://sod.superoffice.com`,
    /// `https://*.superoffice.com` or a sandbox's `http://127.0.0.1:8080`.
    pub fn frame_ancestors<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.frame_ancestors = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Adds one origin allowed to frame the panel (e.g. the sandbox's UI origin).
    pub fn frame_ancestor(mut self, origin: impl Into<String>) -> Self {
        self.frame_ancestors.push(origin.into());
        self
    }

    /// Whether cookies carry `Secure` (default true). Chromium treats `http://localhost` and
    /// `http://127.0.0.1` as secure contexts, so `Secure` cookies work on loopback; turn it
    /// off only for browsers that do not. Without `Secure` the session cookie can be neither
    /// `SameSite=None` nor `Partitioned` (browsers refuse both), so it is `SameSite=Lax` under
    /// a name without the `__Host-` prefix, and the panel's session then works only when the
    /// panel is not framed cross-site.
    pub fn secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = secure;
        self
    }

    /// The longest a panel session lasts (it also ends with its SuperOffice access token).
    pub fn session_lifetime(mut self, lifetime: Duration) -> Self {
        self.session_lifetime = lifetime;
        self
    }

    /// The largest webhook body accepted, in bytes.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Checks the configuration.
    pub fn build(self) -> Result<ServerConfig, ServerConfigError> {
        if self.frame_ancestors.is_empty() {
            return Err(ServerConfigError::NoFrameAncestors);
        }
        let mut frame_ancestors = Vec::with_capacity(self.frame_ancestors.len());
        for origin in self.frame_ancestors {
            let origin = origin.trim().trim_end_matches('/').to_owned();
            check_origin(&origin)?;
            if !frame_ancestors.contains(&origin) {
                frame_ancestors.push(origin);
            }
        }
        if self.session_lifetime < Duration::from_secs(60) {
            return Err(ServerConfigError::SessionLifetime {
                seconds: self.session_lifetime.as_secs(),
            });
        }
        if self.body_limit == 0 {
            return Err(ServerConfigError::BodyLimit);
        }
        Ok(ServerConfig {
            frame_ancestors,
            secure_cookies: self.secure_cookies,
            session_lifetime: self.session_lifetime,
            body_limit: self.body_limit,
            keys: Arc::new(Keys::derive(&self.key)),
        })
    }
}

/// A [`ServerConfig`] that cannot work; the text says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServerConfigError {
    /// No origin may frame the panel, so SuperOffice could not show it.
    #[error("no frame ancestors: allow at least the SuperOffice host that shows the panel")]
    NoFrameAncestors,
    /// A frame ancestor is not an origin.
    #[error(
        "frame ancestor {value:?} is not an origin ({reason}); write it as \
         https://host, https://*.host or http://127.0.0.1:port"
    )]
    InvalidFrameAncestor {
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The session lifetime is shorter than a minute.
    #[error("a session lifetime of {seconds}s is too short; give at least 60 seconds")]
    SessionLifetime {
        /// The lifetime given, in seconds.
        seconds: u64,
    },
    /// The body limit is zero.
    #[error("the webhook body limit is 0 bytes; give a positive limit such as 1048576")]
    BodyLimit,
}

/// Accepts `scheme://host[:port]` with scheme `http`/`https`, a host of letters, digits, `.`
/// and `-` (optionally starting with `*.`), and nothing else: the value goes into a header.
fn check_origin(origin: &str) -> Result<(), ServerConfigError> {
    let fail = |reason| ServerConfigError::InvalidFrameAncestor {
        value: origin.to_owned(),
        reason,
    };
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| fail("it must start with https:// or http://"))?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(fail("the port must be a number"));
        }
    }
    let bare = host.strip_prefix("*.").unwrap_or(host);
    if bare.is_empty() {
        return Err(fail("the host is missing"));
    }
    if !bare
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return Err(fail(
            "the host may hold only letters, digits, '.' and '-' (no path)",
        ));
    }
    Ok(())
}

/// The keys derived from the host's cookie key (HMAC-SHA256 with a label per use).
pub(crate) struct Keys {
    /// Encrypts and authenticates panel session cookies (ChaCha20-Poly1305).
    pub(crate) session: [u8; 32],
    /// Signs CSRF tokens (HMAC-SHA256).
    pub(crate) csrf: [u8; 32],
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keys([redacted])")
    }
}

impl Keys {
    fn derive(master: &[u8; 32]) -> Self {
        Self {
            session: derive(master, "integration-core/server/v1/session"),
            csrf: derive(master, "integration-core/server/v1/csrf"),
        }
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(master).expect("HMAC-SHA256 accepts a 32-byte key");
    mac.update(label.as_bytes());
    let out = mac.finalize().into_bytes();
    let mut key = [0u8; 32];
    key.copy_from_slice(&out);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_checks() {
        let config = ServerConfig::builder([1; 32]).build().unwrap();
        assert_eq!(config.frame_ancestors(), DEFAULT_FRAME_ANCESTORS);
        assert!(config.secure_cookies());
        let shown = format!("{config:?}");
        assert!(shown.contains("redacted") && !shown.contains("[1, 1"));

        let config = ServerConfig::builder([1; 32])
            .frame_ancestor("http://127.0.0.1:8080/")
            .build()
            .unwrap();
        assert_eq!(config.frame_ancestors()[2], "http://127.0.0.1:8080");

        for bad in [
            "superoffice.com",
            "https://evil.example; script-src *",
            "https://a.example/path",
            "https://",
            "https://a.example:80x",
            "https://a b",
        ] {
            assert!(
                matches!(
                    ServerConfig::builder([1; 32]).frame_ancestor(bad).build(),
                    Err(ServerConfigError::InvalidFrameAncestor { .. })
                ),
                "{bad}"
            );
        }
        assert_eq!(
            ServerConfig::builder([1; 32])
                .frame_ancestors(Vec::<String>::new())
                .build()
                .unwrap_err(),
            ServerConfigError::NoFrameAncestors
        );
        assert!(ServerConfig::builder([1; 32])
            .session_lifetime(Duration::from_secs(5))
            .build()
            .is_err());
        assert!(ServerConfig::builder([1; 32])
            .body_limit(0)
            .build()
            .is_err());
    }

    #[test]
    fn derived_keys_differ_per_use_and_per_master() {
        let a = Keys::derive(&[1; 32]);
        let b = Keys::derive(&[2; 32]);
        assert_ne!(a.session, a.csrf);
        assert_ne!(a.session, b.session);
        assert_ne!(a.session, [1; 32]);
    }
}
