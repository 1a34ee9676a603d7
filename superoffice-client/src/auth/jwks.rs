//! The environment's JSON Web Key Set: fetched lazily, cached, fetched again once when a token
//! names a key the cache does not know (key rotation), and again once a day (withdrawn keys stop
//! being trusted). When an unknown-key refetch still misses the key, further unknown-key
//! refetches wait 30 s (made-up `kid`s cannot force a download each).

use std::fmt;
use std::sync::Arc;

use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};
use tracing::Instrument;
use url::Url;

use crate::auth::{snippet, AuthError};

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

impl KeySet {
    fn is_stale(&self) -> bool {
        self.fetched_at.elapsed() >= MAX_AGE
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
        let cooling_down = fetch
            .fruitless_at
            .is_some_and(|at| at.elapsed() < FRUITLESS_REFETCH_COOLDOWN);
        if seen_generation.is_some() && stale.is_none() && cooling_down {
            return Err(unknown(kid, x5t));
        }
        fetch.generation += 1;
        let set = match self.download(fetch.generation).await {
            Ok(set) => Arc::new(set),
            Err(err) => {
                // The set is only old, not known to be wrong: keep using it while the JWKS
                // cannot be fetched.
                if let Some(key) = stale.as_ref().and_then(|set| set.find(kid, x5t)) {
                    tracing::warn!(error = %err, "could not refresh the JWKS; using the cached keys");
                    return Ok(key);
                }
                return Err(err);
            }
        };
        let found = set.find(kid, x5t);
        fetch.fruitless_at = found.is_none().then(tokio::time::Instant::now);
        *self.current.write().await = Some(set);
        found.ok_or_else(|| unknown(kid, x5t))
    }

    async fn download(&self, generation: u64) -> crate::Result<KeySet> {
        let span = tracing::debug_span!(
            "superoffice.jwks",
            method = "GET",
            path = self.url.path(),
            status = tracing::field::Empty
        );
        let response = self
            .http
            .get(self.url.clone())
            .header(http::header::ACCEPT, "application/json")
            .send()
            .instrument(span.clone())
            .await
            .map_err(crate::Error::Transport)?;
        let status = response.status();
        span.record("status", status.as_u16());
        let body = response
            .bytes()
            .instrument(span)
            .await
            .map_err(crate::Error::Transport)?;
        if !status.is_success() {
            return Err(AuthError::Jwks {
                status: Some(status.as_u16()),
                reason: snippet(&String::from_utf8_lossy(&body)),
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
