//! Panel sessions in a cookie, and CSRF tokens.
//!
//! The session lives entirely in the cookie (no server state, so replicas work): its fields
//! as JSON, encrypted and authenticated with ChaCha20-Poly1305 under a key derived from the
//! host's cookie key, base64url-encoded. The cookie is `HttpOnly; Secure; SameSite=None;
//! Partitioned; Path=/` under a `__Host-` name, so it works in SuperOffice's cross-site frame
//! with third-party cookies blocked (CHIPS).

use std::fmt;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, KeyInit as _, Nonce};
use chrono::{DateTime, TimeDelta, Utc};
use hmac::Mac;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::config::{Keys, ServerConfig};
use super::pages::{self, SignInPage};
use super::AppState;
use crate::engine::PanelUser;
use crate::store::InstallationId;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
const SESSION_AAD: &[u8] = b"integration-core/panel-session/v1";
const NONCE_LEN: usize = 12;

/// The session cookie's name with `Secure` cookies (`__Host-`: no `Domain`, `Path=/`).
pub const SESSION_COOKIE: &str = "__Host-oneflow-panel";
/// The session cookie's name when cookies are not `Secure` (a `__Host-` name requires it).
pub const SESSION_COOKIE_INSECURE: &str = "oneflow-panel";
/// The setup form's pre-session cookie with `Secure` cookies.
pub(crate) const SETUP_COOKIE: &str = "__Host-oneflow-setup";
/// The setup form's pre-session cookie when cookies are not `Secure`.
pub(crate) const SETUP_COOKIE_INSECURE: &str = "oneflow-setup";

/// A signed-in panel user, read from the session cookie.
///
/// As an axum extractor it rejects a request without a valid session (missing, expired,
/// tampered or sealed under another key) with `401` and the sign-in page. URL parameters
/// (`sale`, `ctx`, `user`) are hints only: compare them with
/// [`check_tenant`](Self::check_tenant) / [`check_installation`](Self::check_installation).
/// `Debug` redacts the access token.
#[derive(Clone)]
#[non_exhaustive]
pub struct PanelSession {
    /// The installation.
    pub installation: InstallationId,
    /// The tenant (`Cust12345`).
    pub tenant: String,
    /// The user's associate id.
    pub associate_id: i32,
    /// The user's e-mail (lower case).
    pub email: String,
    /// Whether SuperOffice's id_token said the user is an administrator (re-checked by the
    /// engine for admin-only changes).
    pub is_administrator: bool,
    /// The user's SuperOffice access token.
    pub access_token: SecretString,
    /// When the session (and at the latest the access token) expires.
    pub expires_at: DateTime<Utc>,
    session_id: String,
    keys: Arc<Keys>,
}

impl fmt::Debug for PanelSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PanelSession")
            .field("installation", &self.installation)
            .field("tenant", &self.tenant)
            .field("associate_id", &self.associate_id)
            .field("is_administrator", &self.is_administrator)
            .field("access_token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The cookie's plaintext (short names keep the cookie small).
#[derive(Serialize, Deserialize)]
struct Sealed {
    sid: String,
    ins: i64,
    ten: String,
    aid: i32,
    em: String,
    adm: bool,
    tok: String,
    exp: i64,
}

impl PanelSession {
    /// A new session for `user`, ending at the access token's expiry or after the configured
    /// lifetime, whichever comes first.
    pub(crate) fn start(user: &PanelUser, config: &ServerConfig, now: DateTime<Utc>) -> Self {
        let lifetime = TimeDelta::from_std(config.session_lifetime()).unwrap_or(TimeDelta::MAX);
        let expires_at = user
            .expires_at
            .min(now.checked_add_signed(lifetime).unwrap_or(user.expires_at));
        Self {
            installation: user.installation,
            tenant: user.tenant.clone(),
            associate_id: user.associate_id,
            email: user.email.clone(),
            is_administrator: user.is_administrator,
            access_token: user.access_token.clone(),
            expires_at,
            session_id: random_token(),
            keys: config.keys.clone(),
        }
    }

    /// The session sealed for its cookie.
    pub(crate) fn seal(&self) -> String {
        let plain = Sealed {
            sid: self.session_id.clone(),
            ins: self.installation.get(),
            ten: self.tenant.clone(),
            aid: self.associate_id,
            em: self.email.clone(),
            adm: self.is_administrator,
            tok: self.access_token.expose_secret().to_owned(),
            exp: self.expires_at.timestamp(),
        };
        let json = serde_json::to_vec(&plain).expect("a session serialises");
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce);
        let sealed = cipher(&self.keys)
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &json,
                    aad: SESSION_AAD,
                },
            )
            .expect("ChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        B64.encode(out)
    }

    /// Opens a sealed session; `None` when it was tampered with, sealed under another key or
    /// is not a session at all. Expiry is the caller's check.
    pub(crate) fn open(sealed: &str, keys: &Arc<Keys>) -> Option<Self> {
        let raw = B64.decode(sealed.trim()).ok()?;
        if raw.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, body) = raw.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        let json = cipher(keys)
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: body,
                    aad: SESSION_AAD,
                },
            )
            .ok()?;
        let plain: Sealed = serde_json::from_slice(&json).ok()?;
        Some(Self {
            installation: InstallationId::new(plain.ins),
            tenant: plain.ten,
            associate_id: plain.aid,
            email: plain.em,
            is_administrator: plain.adm,
            access_token: SecretString::from(plain.tok),
            expires_at: DateTime::from_timestamp(plain.exp, 0)?,
            session_id: plain.sid,
            keys: keys.clone(),
        })
    }

    /// The `Set-Cookie` value that stores this session in the browser.
    pub(crate) fn set_cookie(&self, config: &ServerConfig, now: DateTime<Utc>) -> HeaderValue {
        let max_age = (self.expires_at - now).num_seconds().max(0);
        let value = self.seal();
        let cookie = if config.secure_cookies() {
            format!(
                "{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; Secure; \
                 SameSite=None; Partitioned"
            )
        } else {
            format!(
                "{SESSION_COOKIE_INSECURE}={value}; Path=/; Max-Age={max_age}; HttpOnly; \
                 SameSite=Lax"
            )
        };
        HeaderValue::from_str(&cookie).expect("base64url and fixed attributes are a valid header")
    }

    /// A token for this session's forms: an HMAC of the session's identity under the CSRF
    /// key. Put it in a hidden field and check it with [`verify_csrf`].
    pub fn csrf_token(&self) -> String {
        B64.encode(self.csrf_mac().finalize().into_bytes())
    }

    fn csrf_mac(&self) -> HmacSha256 {
        let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(&self.keys.csrf)
            .expect("HMAC-SHA256 accepts a 32-byte key");
        mac.update(
            format!(
                "panel\0{}\0{}\0{}\0{}",
                self.session_id, self.installation, self.tenant, self.associate_id
            )
            .as_bytes(),
        );
        mac
    }

    /// Refuses a session of another installation (`403`).
    pub fn check_installation(&self, installation: InstallationId) -> Result<(), ForeignSession> {
        if self.installation == installation {
            Ok(())
        } else {
            Err(ForeignSession)
        }
    }

    /// Refuses a session of another tenant than `tenant` (e.g. the frame's `ctx` hint), `403`.
    pub fn check_tenant(&self, tenant: &str) -> Result<(), ForeignSession> {
        if self.tenant.eq_ignore_ascii_case(tenant.trim()) {
            Ok(())
        } else {
            Err(ForeignSession)
        }
    }
}

fn cipher(keys: &Keys) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(&Key::from(keys.session))
}

/// Checks a form's CSRF token against the session's (constant-time).
pub fn verify_csrf(session: &PanelSession, form_token: &str) -> Result<(), CsrfRejected> {
    let given = B64.decode(form_token.trim()).map_err(|_| CsrfRejected)?;
    session
        .csrf_mac()
        .verify_slice(&given)
        .map_err(|_| CsrfRejected)
}

/// The setup form's token for the pre-session cookie value `nonce`.
pub(crate) fn setup_csrf_token(keys: &Keys, nonce: &str) -> String {
    B64.encode(setup_mac(keys, nonce).finalize().into_bytes())
}

/// Checks the setup form's token against its pre-session cookie (constant-time).
pub(crate) fn verify_setup_csrf(
    keys: &Keys,
    nonce: Option<&str>,
    form_token: &str,
) -> Result<(), CsrfRejected> {
    let nonce = nonce.filter(|n| !n.is_empty()).ok_or(CsrfRejected)?;
    let given = B64.decode(form_token.trim()).map_err(|_| CsrfRejected)?;
    setup_mac(keys, nonce)
        .verify_slice(&given)
        .map_err(|_| CsrfRejected)
}

fn setup_mac(keys: &Keys, nonce: &str) -> HmacSha256 {
    let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(&keys.csrf)
        .expect("HMAC-SHA256 accepts a 32-byte key");
    mac.update(format!("setup\0{nonce}").as_bytes());
    mac
}

/// The `Set-Cookie` value of the setup form's pre-session cookie.
pub(crate) fn setup_cookie(config: &ServerConfig, nonce: &str) -> HeaderValue {
    let cookie = if config.secure_cookies() {
        format!("{SETUP_COOKIE}={nonce}; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax")
    } else {
        format!("{SETUP_COOKIE_INSECURE}={nonce}; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax")
    };
    HeaderValue::from_str(&cookie).expect("hex and fixed attributes are a valid header")
}

/// 32 random bytes, base64url.
pub(crate) fn random_token() -> String {
    B64.encode(rand::random::<[u8; 32]>())
}

/// A cookie's value from the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
}

/// A form without a valid CSRF token: `403`, nothing done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the form expired or did not come from this page; reload the page and try again")]
#[non_exhaustive]
pub struct CsrfRejected;

impl IntoResponse for CsrfRejected {
    fn into_response(self) -> Response {
        pages::message(
            StatusCode::FORBIDDEN,
            "The form could not be accepted",
            &self.to_string(),
        )
    }
}

/// A session of another installation or tenant than the request's: `403`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "you are signed in to another SuperOffice tenant than this panel's; \
     use \"Switch account\" to sign in to this one"
)]
#[non_exhaustive]
pub struct ForeignSession;

impl IntoResponse for ForeignSession {
    fn into_response(self) -> Response {
        pages::framable_message(
            StatusCode::FORBIDDEN,
            "This session belongs to another tenant",
            &self.to_string(),
        )
    }
}

/// No valid session: `401` with the panel's sign-in page.
#[derive(Debug, Clone)]
pub struct SignInRequired {
    tenant_hint: Option<String>,
}

impl IntoResponse for SignInRequired {
    fn into_response(self) -> Response {
        pages::render_framable(
            StatusCode::UNAUTHORIZED,
            &SignInPage::new(self.tenant_hint.as_deref(), None),
        )
    }
}

/// The `ctx` hint of a request's query, if any.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .filter(|value| !value.trim().is_empty())
}

impl FromRequestParts<AppState> for PanelSession {
    type Rejection = SignInRequired;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let rejection = || SignInRequired {
            tenant_hint: query_param(parts.uri.query(), "ctx"),
        };
        let name = if state.config.secure_cookies() {
            SESSION_COOKIE
        } else {
            SESSION_COOKIE_INSECURE
        };
        let sealed = cookie(&parts.headers, name).ok_or_else(rejection)?;
        let session = Self::open(sealed, &state.config.keys).ok_or_else(rejection)?;
        if session.expires_at <= state.integration.now() {
            return Err(rejection());
        }
        Ok(session)
    }
}

/// A response header pair setting a cookie.
pub(crate) fn set_cookie_header(value: HeaderValue) -> [(axum::http::HeaderName, HeaderValue); 1] {
    [(SET_COOKIE, value)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(key: u8) -> ServerConfig {
        ServerConfig::builder([key; 32]).build().unwrap()
    }

    fn user() -> PanelUser {
        PanelUser {
            installation: InstallationId::new(1001),
            tenant: "Cust12345".into(),
            associate_id: 6,
            email: "sam@nordic.example".into(),
            is_administrator: false,
            access_token: SecretString::from("8A:Cust12345.access-token-xyz".to_owned()),
            expires_at: DateTime::from_timestamp(1_900_000_000, 0).unwrap(),
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_899_990_000, 0).unwrap()
    }

    #[test]
    fn a_sealed_session_round_trips_and_hides_its_contents() {
        let config = config(3);
        let session = PanelSession::start(&user(), &config, now());
        assert_eq!(session.expires_at, user().expires_at);
        let sealed = session.seal();
        let raw = B64.decode(&sealed).unwrap();
        for clear in [
            &b"access-token-xyz"[..],
            b"sam@nordic.example",
            b"Cust12345",
        ] {
            assert!(!raw.windows(clear.len()).any(|w| w == clear));
            assert!(!sealed.as_bytes().windows(clear.len()).any(|w| w == clear));
        }
        let opened = PanelSession::open(&sealed, &config.keys).unwrap();
        assert_eq!(opened.installation, InstallationId::new(1001));
        assert_eq!(opened.tenant, "Cust12345");
        assert_eq!(opened.associate_id, 6);
        assert_eq!(opened.email, "sam@nordic.example");
        assert_eq!(
            opened.access_token.expose_secret(),
            "8A:Cust12345.access-token-xyz"
        );
        assert_eq!(opened.expires_at, session.expires_at);
        assert!(!format!("{opened:?}").contains("access-token-xyz"));
    }

    #[test]
    fn tampered_or_foreign_cookies_do_not_open() {
        let config = config(3);
        let sealed = PanelSession::start(&user(), &config, now()).seal();
        let mut raw = B64.decode(&sealed).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert!(PanelSession::open(&B64.encode(&raw), &config.keys).is_none());
        assert!(PanelSession::open(&sealed, &self::config(4).keys).is_none());
        assert!(PanelSession::open("", &config.keys).is_none());
        assert!(PanelSession::open("not base64 !", &config.keys).is_none());
    }

    #[test]
    fn the_session_ends_with_the_configured_lifetime_when_the_token_lives_longer() {
        let config = ServerConfig::builder([3; 32])
            .session_lifetime(std::time::Duration::from_secs(600))
            .build()
            .unwrap();
        let session = PanelSession::start(&user(), &config, now());
        assert_eq!(session.expires_at, now() + TimeDelta::seconds(600));
    }

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let config = config(3);
        let session = PanelSession::start(&user(), &config, now());
        let token = session.csrf_token();
        assert_eq!(verify_csrf(&session, &token), Ok(()));
        assert_eq!(verify_csrf(&session, ""), Err(CsrfRejected));
        assert_eq!(verify_csrf(&session, "bm90IGl0"), Err(CsrfRejected));
        // Another session of the same user has other tokens.
        let other = PanelSession::start(&user(), &config, now());
        assert_eq!(verify_csrf(&other, &token), Err(CsrfRejected));
        // The token survives the cookie round trip.
        let reopened = PanelSession::open(&session.seal(), &config.keys).unwrap();
        assert_eq!(verify_csrf(&reopened, &token), Ok(()));
    }

    #[test]
    fn setup_tokens_are_bound_to_their_cookie() {
        let keys = &config(3).keys;
        let token = setup_csrf_token(keys, "nonce-1");
        assert_eq!(verify_setup_csrf(keys, Some("nonce-1"), &token), Ok(()));
        assert!(verify_setup_csrf(keys, Some("nonce-2"), &token).is_err());
        assert!(verify_setup_csrf(keys, None, &token).is_err());
        assert!(verify_setup_csrf(keys, Some("nonce-1"), "").is_err());
    }

    #[test]
    fn sessions_refuse_other_tenants_and_installations() {
        let session = PanelSession::start(&user(), &config(3), now());
        assert!(session.check_tenant("cust12345").is_ok());
        assert_eq!(session.check_tenant("Cust67890"), Err(ForeignSession));
        assert!(session
            .check_installation(InstallationId::new(1001))
            .is_ok());
        assert_eq!(
            session.check_installation(InstallationId::new(1002)),
            Err(ForeignSession)
        );
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; __Host-oneflow-panel=xyz; b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, "c"), None);
    }
}
