//! Validation of SuperOffice JWTs (OIDC id_tokens and system-user tokens): RS256 with a key from
//! the environment's JWKS, then issuer, audience, expiry and nonce.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use crate::auth::jwks::JwksCache;
use crate::auth::SuperOfficeClaims;
use crate::clock::{Clock, SystemClock};
use crate::environment::Environment;
use crate::error::{AuthError, IdTokenProblem};

/// The largest clock skew [`IdTokenValidator::with_leeway`] accepts.
pub const MAX_LEEWAY: Duration = Duration::minutes(5);

/// The longest lifetime (`exp` minus `iat`/`nbf`, or minus now) a token may claim. SuperOffice's
/// id_tokens live minutes and system-user tokens hours; a longer one is refused.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::hours(24);

/// What a JWT must satisfy besides a valid signature.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct JwtExpectations {
    /// The exact `iss` (`https://sod.superoffice.com` for id_tokens, `SuperOffice AS` for
    /// system-user tokens).
    pub issuer: String,
    /// A value `aud` must contain (the client id, or `spn:{serial}`); `None` skips the check.
    pub audience: Option<String>,
    /// The `nonce` the token must carry; `None` skips the check (refresh responses).
    pub nonce: Option<String>,
}

impl JwtExpectations {
    /// Expectations with an issuer and audience, no nonce.
    pub fn new(issuer: impl Into<String>, audience: Option<String>) -> Self {
        JwtExpectations {
            issuer: issuer.into(),
            audience,
            nonce: None,
        }
    }

    /// Also requires `nonce`.
    pub fn with_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }
}

impl fmt::Debug for JwtExpectations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtExpectations")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("nonce", &self.nonce.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Validates JWTs signed by a SuperOffice environment.
///
/// Only RS256 is accepted. The key comes from the environment's JWKS
/// (`{base}/login/.well-known/jwks`), cached and fetched again once when a token names an
/// unknown key (not again within 30 s after such a refetch missed the key or a download failed)
/// and once it is a day old (a day-old set is kept while the JWKS cannot be fetched, at most a
/// week). Besides the signature it checks `iss`, `aud` (and `azp` when there are several
/// audiences), `exp`, `nbf`, `iat` (not in the future), a lifetime of at most
/// [`MAX_TOKEN_LIFETIME`] and the nonce. `http` must not follow redirects. Cheap to clone (the key cache is shared).
///
/// ```no_run
/// use superoffice_client::auth::{IdTokenValidator, JwtExpectations};
/// use superoffice_client::{default_http_client, Environment};
///
/// # async fn run(id_token: &str) -> superoffice_client::Result<()> {
/// let env = Environment::Sod;
/// // The crate's client: redirects off (a followed redirect is refused).
/// let validator = IdTokenValidator::new(&env, default_http_client()?);
/// let claims = validator
///     .validate(id_token, &JwtExpectations::new(env.issuer(), Some("my-client-id".into())))
///     .await?;
/// println!("tenant {:?}, admin {:?}", claims.customer_id, claims.is_administrator);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct IdTokenValidator {
    jwks: Arc<JwksCache>,
    clock: Arc<dyn Clock>,
    leeway: Duration,
}

impl fmt::Debug for IdTokenValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdTokenValidator")
            .field("jwks", &self.jwks)
            .field("leeway", &self.leeway)
            .finish_non_exhaustive()
    }
}

impl IdTokenValidator {
    /// A validator for tokens of `environment`, fetching its JWKS through `http`.
    pub fn new(environment: &Environment, http: reqwest::Client) -> Self {
        IdTokenValidator {
            jwks: Arc::new(JwksCache::new(environment.jwks_url(), http)),
            clock: Arc::new(SystemClock),
            leeway: Duration::seconds(60),
        }
    }

    /// Replaces the clock used for `exp`/`nbf` (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The tolerated clock skew for `exp`, `nbf` and `iat` (default 60 s). Bounded to
    /// `0..=`[`MAX_LEEWAY`] (5 minutes): a larger value is clamped.
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.clamp(Duration::zero(), MAX_LEEWAY);
        self
    }

    /// Checks `token`'s signature and claims and returns the typed claims.
    ///
    /// Errors: [`AuthError::IdTokenInvalid`] (malformed, not RS256, bad signature, not yet
    /// valid, claim of the wrong shape), [`AuthError::UnknownKey`], [`AuthError::WrongIssuer`],
    /// [`AuthError::WrongAudience`], [`AuthError::ExpiredIdToken`], [`AuthError::NonceMismatch`];
    /// fetching the JWKS may fail with [`AuthError::Jwks`] or a transport error.
    pub async fn validate(
        &self,
        token: &str,
        expect: &JwtExpectations,
    ) -> crate::Result<SuperOfficeClaims> {
        let token = token.trim();
        let alg = header_algorithm(token)?;
        if alg != "RS256" {
            return Err(AuthError::from(IdTokenProblem::UnsupportedAlgorithm(alg)).into());
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| IdTokenProblem::Malformed(describe(e.kind())))
            .map_err(AuthError::from)?;
        if header.alg != Algorithm::RS256 {
            return Err(
                AuthError::from(IdTokenProblem::UnsupportedAlgorithm(format!(
                    "{:?}",
                    header.alg
                )))
                .into(),
            );
        }
        let key = self
            .jwks
            .key_for(header.kid.as_deref(), header.x5t.as_deref())
            .await?;

        // Signature only; claims are checked below with our clock and lenient parsing.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation).map_err(|e| {
                AuthError::from(match e.kind() {
                    ErrorKind::InvalidSignature => IdTokenProblem::BadSignature,
                    ErrorKind::InvalidAlgorithm => {
                        IdTokenProblem::UnsupportedAlgorithm("not RS256".to_owned())
                    }
                    other => IdTokenProblem::Malformed(describe(other)),
                })
            })?;
        let claims = SuperOfficeClaims::from_json(&data.claims).map_err(AuthError::from)?;
        self.check(&claims, expect)?;
        Ok(claims)
    }

    fn check(&self, claims: &SuperOfficeClaims, expect: &JwtExpectations) -> Result<(), AuthError> {
        if claims.issuer != expect.issuer {
            return Err(AuthError::WrongIssuer {
                expected: expect.issuer.clone(),
                found: claims.issuer.clone(),
            });
        }
        if let Some(audience) = &expect.audience {
            if !claims.audience.iter().any(|a| a == audience) {
                return Err(AuthError::WrongAudience {
                    expected: audience.clone(),
                    found: claims.audience.clone(),
                });
            }
            // OIDC Core 3.1.3.7: with several audiences, `azp` must name this client.
            if claims.audience.len() > 1
                && claims.authorized_party.as_deref() != Some(audience.as_str())
            {
                return Err(IdTokenProblem::InvalidClaim {
                    claim: "azp",
                    reason: "the token has several audiences and `azp` is not this client"
                        .to_owned(),
                }
                .into());
            }
        }
        let now = self.clock.now();
        // Checked: `exp`/`nbf` near chrono's limits must not overflow (which would panic).
        let latest = claims
            .expires_at
            .checked_add_signed(self.leeway)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        if latest < now {
            return Err(AuthError::ExpiredIdToken {
                expired_at: claims.expires_at,
            });
        }
        if let Some(nbf) = claims.not_before {
            let earliest = nbf
                .checked_sub_signed(self.leeway)
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            if earliest > now {
                return Err(IdTokenProblem::NotYetValid.into());
            }
        }
        if let Some(iat) = claims.issued_at {
            let earliest = iat
                .checked_sub_signed(self.leeway)
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            if earliest > now {
                return Err(IdTokenProblem::InvalidClaim {
                    claim: "iat",
                    reason: "issued in the future".to_owned(),
                }
                .into());
            }
        }
        let start = claims
            .issued_at
            .into_iter()
            .chain(claims.not_before)
            .min()
            .unwrap_or(now);
        let lifetime = claims.expires_at.signed_duration_since(start.min(now));
        if lifetime > MAX_TOKEN_LIFETIME {
            return Err(IdTokenProblem::InvalidClaim {
                claim: "exp",
                reason: "the token claims a lifetime of more than 24 hours".to_owned(),
            }
            .into());
        }
        if let Some(expected) = &expect.nonce {
            let matches = claims
                .nonce
                .as_deref()
                .is_some_and(|n| bool::from(n.as_bytes().ct_eq(expected.as_bytes())));
            if !matches {
                return Err(AuthError::NonceMismatch);
            }
        }
        Ok(())
    }
}

/// Reads `alg` from the JOSE header before anything else, so `none`, HS256 and friends get a
/// clear error.
fn header_algorithm(token: &str) -> Result<String, AuthError> {
    let malformed = |what: &str| AuthError::from(IdTokenProblem::Malformed(what.to_owned()));
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("not a compact JWS"));
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .map_err(|_| malformed("bad base64url"))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| malformed("bad JSON header"))?;
    value
        .get("alg")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| malformed("no `alg` in the header"))
}

fn describe(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::InvalidToken => "not a compact JWS".to_owned(),
        ErrorKind::Base64(_) => "bad base64url".to_owned(),
        ErrorKind::Json(_) => "bad JSON".to_owned(),
        ErrorKind::Utf8(_) => "bad UTF-8".to_owned(),
        ErrorKind::InvalidAlgorithmName => "unknown algorithm".to_owned(),
        ErrorKind::InvalidKeyFormat | ErrorKind::InvalidRsaKey(_) => "unusable key".to_owned(),
        other => format!("{other:?}"),
    }
}
