//! The environment's JSON Web Key Set: fetched lazily, cached, fetched again once when a token
//! names a key the cache does not know (key rotation), and again once a day (withdrawn keys stop
//! being trusted). When a download fails, or an unknown-key refetch still misses the key,
//! further downloads wait 30 s (made-up `kid`s or an unreachable JWKS cannot force a download
//! per token). A day-old set is kept while the JWKS cannot be fetched, but never once it is
//! a week old. The body is read up to 256 KiB.

use std::fmt;
use std::sync::Arc;

use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};
use tracing::Instrument;
use url::Url;

use crate::error::AuthError;
use crate::http::{ensure_not_redirected, read_capped, CappedError};
use crate::redact::clean_text;

#[derive(Deserialize)]
struct JwkSetDocument {
    #[serde(default)]
    keys: Vec<JwkDocument>,
}

#[derive(Deserialize)]
struct JwkDocument {
    #[serde(default)]
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    x5t: Option<String>,
    #[serde(default, rename = "use")]
    usage: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

struct KeyEntry {
    kid: Option<String>,
    x5t: Option<String>,
    key: DecodingKey,
}

struct KeySet {
    generation: u64,
    fetched_at: tokio::time::Instant,
    keys: Vec<KeyEntry>,
}

/// How long a downloaded key set is trusted before it is fetched again.
const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// How long a set that could not be refreshed is still used: keys are never trusted longer.
const MAX_STALE_AGE: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 60 * 60);

/// The largest JWKS body read.
pub(crate) const MAX_JWKS_BODY: usize = 256 * 1024;

impl KeySet {
    fn is_stale(&self) -> bool {
        self.fetched_at.elapsed() >= MAX_AGE
    }

    fn is_too_old(&self) -> bool {
        self.fetched_at.elapsed() >= MAX_STALE_AGE
    }

    fn find(&self, kid: Option<&str>, x5t: Option<&str>) -> Option<DecodingKey> {
        let matches = |entry: &&KeyEntry, id: &str| {
            entry.kid.as_deref() == Some(id) || entry.x5t.as_deref() == Some(id)
        };
        let found = match (kid, x5t) {
            (Some(id), _) => self.keys.iter().find(|e| matches(e, id)),
            (None, Some(id)) => self.keys.iter().find(|e| matches(e, id)),
            (None, None) if self.keys.len() == 1 => self.keys.first(),
            (None, None) => None,
        };
        found.map(|entry| entry.key.clone())
    }
}

/// After a refetch that still did not contain the wanted key, further unknown-key refetches
/// wait this long: a stream of tokens naming made-up `kid`s must not turn into one JWKS
/// download each.
const FRUITLESS_REFETCH_COOLDOWN: std::time::Duration = std::time::Duration::from_secs(30);

/// Fetches and caches the RSA signing keys of one environment.
pub(crate) struct JwksCache {
    url: Url,
    http: reqwest::Client,
    current: RwLock<Option<Arc<KeySet>>>,
    fetch: Mutex<FetchState>,
}

struct FetchState {
    generation: u64,
    /// When a download last failed to contain the requested key.
    fruitless_at: Option<tokio::time::Instant>,
    /// When a download last failed (transport, HTTP status, unreadable set).
    failed_at: Option<tokio::time::Instant>,
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksCache")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

impl JwksCache {
    pub(crate) fn new(url: Url, http: reqwest::Client) -> Self {
        JwksCache {
            url,
            http,
            current: RwLock::new(None),
            fetch: Mutex::new(FetchState {
                generation: 0,
                fruitless_at: None,
                failed_at: None,
            }),
        }
    }

    /// The key named by `kid` (or `x5t`). Fetches the set when nothing is cached or the cached
    /// set is older than a day (so keys SuperOffice withdrew stop being trusted), and once more
    /// when the key is unknown; then gives up with [`AuthError::UnknownKey`].
    pub(crate) async fn key_for(
        &self,
        kid: Option<&str>,
        x5t: Option<&str>,
    ) -> crate::Result<DecodingKey> {
        let seen_generation = {
            let current = self.current.read().await;
            if let Some(set) = current.as_ref() {
                if !set.is_stale() {
                    if let Some(key) = set.find(kid, x5t) {
                        return Ok(key);
                    }
                }
            }
            current.as_ref().map(|set| set.generation)
        };

        // Single flight: one fetch at a time; whoever waited re-checks the newer set first.
        let mut fetch = self.fetch.lock().await;
        let stale = {
            let current = self.current.read().await;
            match current.as_ref() {
                Some(set) if Some(set.generation) != seen_generation => {
                    return set.find(kid, x5t).ok_or_else(|| unknown(kid, x5t));
                }
                Some(set) if set.is_stale() => Some(set.clone()),
                _ => None,
            }
        };
        // A day-old set that cannot be refreshed may still serve, but not forever.
        let stale = stale.filter(|set| !set.is_too_old());
        let cooling = |at: Option<tokio::time::Instant>| {
            at.is_some_and(|at| at.elapsed() < FRUITLESS_REFETCH_COOLDOWN)
        };
        if cooling(fetch.failed_at) {
            // The last download failed moments ago: do not hammer the JWKS.
            if let Some(key) = stale.as_ref().and_then(|set| set.find(kid, x5t)) {
                return Ok(key);
            }
            return Err(AuthError::Jwks {
                status: None,
                reason: "the last download failed less than 30 s ago; try again later".to_owned(),
            }
            .into());
        }
        if seen_generation.is_some() && stale.is_none() && cooling(fetch.fruitless_at) {
            return Err(unknown(kid, x5t));
        }
        fetch.generation += 1;
        let set = match self.download(fetch.generation).await {
            Ok(set) => Arc::new(set),
            Err(err) => {
                fetch.failed_at = Some(tokio::time::Instant::now());
                // The set is only old, not known to be wrong: keep using it while the JWKS
                // cannot be fetched.
                if let Some(key) = stale.as_ref().and_then(|set| set.find(kid, x5t)) {
                    tracing::warn!(error = %err, "could not refresh the JWKS; using the cached keys");
                    return Ok(key);
                }
                return Err(err);
            }
        };
        fetch.failed_at = None;
        let found = set.find(kid, x5t);
        fetch.fruitless_at = found.is_none().then(tokio::time::Instant::now);
        *self.current.write().await = Some(set);
        found.ok_or_else(|| unknown(kid, x5t))
    }

    async fn download(&self, generation: u64) -> crate::Result<KeySet> {
        let span = tracing::debug_span!(
            "superoffice.jwks",
            method = "GET",
            path_template = self.url.path(),
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty
        );
        let started = std::time::Instant::now();
        let response = self
            .http
            .get(self.url.clone())
            .header(http::header::ACCEPT, "application/json")
            .send()
            .instrument(span.clone())
            .await
            .map_err(crate::Error::Transport)?;
        ensure_not_redirected(&self.url, &response, "jwks")?;
        let status = response.status();
        span.record("status", status.as_u16());
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        let body = match read_capped(response, MAX_JWKS_BODY).instrument(span).await {
            Ok(body) => body,
            Err(CappedError::Transport(e)) => return Err(crate::Error::Transport(e)),
            Err(CappedError::TooLarge) => {
                return Err(AuthError::Jwks {
                    status: Some(status.as_u16()),
                    reason: format!("the key set is larger than {MAX_JWKS_BODY} bytes"),
                }
                .into())
            }
        };
        if !status.is_success() {
            return Err(AuthError::Jwks {
                status: Some(status.as_u16()),
                reason: clean_text(&String::from_utf8_lossy(&body)),
            }
            .into());
        }
        let document: JwkSetDocument =
            serde_json::from_slice(&body).map_err(|e| AuthError::Jwks {
                status: Some(status.as_u16()),
                reason: format!("not a JWK set: {e}"),
            })?;
        let keys: Vec<KeyEntry> = document
            .keys
            .into_iter()
            .filter(|jwk| jwk.kty == "RSA")
            .filter(|jwk| jwk.usage.as_deref().is_none_or(|u| u == "sig"))
            .filter(|jwk| jwk.alg.as_deref().is_none_or(|a| a == "RS256"))
            .filter_map(|jwk| {
                let (n, e) = (jwk.n.as_deref()?, jwk.e.as_deref()?);
                match DecodingKey::from_rsa_components(n, e) {
                    Ok(key) => Some(KeyEntry {
                        kid: jwk.kid,
                        x5t: jwk.x5t,
                        key,
                    }),
                    Err(_) => {
                        tracing::warn!(kid = ?jwk.kid, "skipping an unreadable RSA key in the JWKS");
                        None
                    }
                }
            })
            .collect();
        if keys.is_empty() {
            return Err(AuthError::Jwks {
                status: Some(status.as_u16()),
                reason: "the key set contains no usable RS256 signing key".to_owned(),
            }
            .into());
        }
        Ok(KeySet {
            generation,
            fetched_at: tokio::time::Instant::now(),
            keys,
        })
    }
}

fn unknown(kid: Option<&str>, x5t: Option<&str>) -> crate::Error {
    AuthError::UnknownKey {
        kid: kid.or(x5t).map(str::to_owned),
    }
    .into()
}
