//! A mock SuperOffice OIDC provider for the auth tests: fixed RSA keys (committed test keys),
//! JWKS fixtures, and helpers that sign id_tokens.
#![allow(dead_code)]

use crate::fixtures::fixture;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;
use superoffice_client::auth::{OidcClient, OidcConfig, PendingAuthorization};

use superoffice_client::{AuthError, CustomerId, Environment, Error, ManualClock, TenantError};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub(crate) const PROVIDER_KEY_A: &str = fixture!("auth/provider_key_a.pem");
pub(crate) const PROVIDER_KEY_B: &str = fixture!("auth/provider_key_b.pem");
pub(crate) const KID_A: &str = "sod-2026-a";
pub(crate) const KID_B: &str = "sod-2026-b";
pub(crate) const JWKS: &str = fixture!("auth/jwks.json");
pub(crate) const JWKS_ROTATED: &str = fixture!("auth/jwks_rotated.json");
pub(crate) const ID_TOKEN_CLAIMS: &str = fixture!("auth/id_token_claims.json");
pub(crate) const TOKEN_RESPONSE: &str = fixture!("auth/token_response.json");
pub(crate) const REFRESH_RESPONSE: &str = fixture!("auth/refresh_response.json");

pub(crate) const CLIENT_ID: &str = "2f8d9a6b7c5e4d3f2a1b0c9d8e7f6a5b";
pub(crate) const CLIENT_SECRET: &str = "client-secret-5c1f0e9d8b7a";
pub(crate) const REDIRECT_URI: &str = "https://app.example.com/superoffice/callback";
pub(crate) const REFRESH_TOKEN: &str =
    "KSamN1Tp4sd26pZJSGK6JobrWOUWorIZ2Y5XxcAqX86K9qoZRp4d3lUH32F4fiT3";

/// 2026-11-28T09:01:00Z, one minute after the fixture id_token was issued.
pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 9, 1, 0)
        .single()
        .expect("valid time")
}

pub(crate) fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(now()))
}

pub(crate) fn environment(server: &MockServer) -> Environment {
    Environment::custom(server.uri()).expect("mock server URI is a valid base")
}

pub(crate) fn issuer(server: &MockServer) -> String {
    environment(server).issuer()
}

pub(crate) fn oidc(server: &MockServer, clock: Arc<ManualClock>) -> OidcClient {
    let config = OidcConfig::new(environment(server), CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
        .expect("valid config");
    OidcClient::builder(config)
        .clock(clock)
        .build()
        .expect("client builds")
}

/// The fixture claims with this server's issuer and the given nonce, issued at `now()`.
pub(crate) fn id_token_claims(server: &MockServer, nonce: &str) -> Value {
    let mut claims: Value = serde_json::from_str(ID_TOKEN_CLAIMS).expect("fixture is JSON");
    claims["iss"] = Value::String(issuer(server));
    claims["nonce"] = Value::String(nonce.to_owned());
    claims
}

pub(crate) fn sign(claims: &Value, kid: &str, pem: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("test key parses");
    jsonwebtoken::encode(&header, claims, &key).expect("signing works")
}

pub(crate) fn with_id_token(template: &str, id_token: &str) -> Value {
    let mut body: Value = serde_json::from_str(template).expect("fixture is JSON");
    body["id_token"] = Value::String(id_token.to_owned());
    body
}

pub(crate) async fn mount_jwks(server: &MockServer, jwks: &str, expected_calls: u64) {
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(jwks.as_bytes().to_vec(), "application/json"),
        )
        .expect(expected_calls)
        .mount(server)
        .await;
}

pub(crate) fn json_response(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        serde_json::to_vec(body).expect("serialises"),
        "application/json; charset=utf-8",
    )
}

/// The form fields of a recorded `application/x-www-form-urlencoded` request.
pub(crate) fn form(request: &wiremock::Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The [`AuthError`] inside a client error; panics (failing the test) on any other kind.
pub(crate) fn auth_err(err: Error) -> AuthError {
    match err {
        Error::Auth(inner) => inner,
        other => panic!("expected an auth error, got {other:?}"),
    }
}

/// The [`TenantError`] inside a client error; panics (failing the test) on any other kind.
pub(crate) fn tenant_err(err: Error) -> TenantError {
    match auth_err(err) {
        AuthError::Tenant(inner) => inner,
        other => panic!("expected a tenant error, got {other:?}"),
    }
}

/// The customer id the auth and tenant tests use.
pub(crate) fn cust() -> CustomerId {
    CustomerId::parse("Cust26759").expect("valid customer id")
}

/// The query pairs of a URL.
pub(crate) fn query(url: &url::Url) -> Vec<(String, String)> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The verifier and nonce the host keeps in its session (read through serde, as a host would
/// store them).
pub(crate) fn secrets(pending: &PendingAuthorization) -> (String, String) {
    let json = serde_json::to_value(pending).expect("pending serialises");
    (
        json["pkce_verifier"].as_str().expect("verifier").to_owned(),
        json["nonce"].as_str().expect("nonce").to_owned(),
    )
}

/// Mounts the token endpoint answering `body` exactly `expected_calls` times.
pub(crate) async fn mount_token(server: &MockServer, body: Value, expected_calls: u64) {
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(json_response(&body))
        .expect(expected_calls)
        .mount(server)
        .await;
}
