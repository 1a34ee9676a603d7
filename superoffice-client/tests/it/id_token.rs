//! id_token validation: claims, lifetime and leeway, audience, `azp`, issuer, signature and
//! algorithm, the nonce, refreshed identities, and the JWKS cache (rotation, made-up `kid`s,
//! cooldown, age).

use crate::{auth_support as support, rest_support};
use support::*;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use chrono::{Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use superoffice_client::auth::{
    AuthorizeOptions, IdTokenProblem, IdTokenValidator, JwtExpectations, OidcConfig,
    RefreshingTokenProvider, SuperOfficeClaims, TokenRefresher, TokenSet,
};
use superoffice_client::{AuthError, Error};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn claims_are_typed_and_lenient() {
    let server = MockServer::start().await;
    let oidc = oidc(&server, clock());
    let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    let (_, nonce) = secrets(&request.pending);
    let mut claims = id_token_claims(&server, &nonce);
    claims["http://schemes.superoffice.net/identity/is_administrator"] = "False".into();
    let id_token = sign(&claims, KID_A, PROVIDER_KEY_A);
    mount_jwks(&server, JWKS, 1).await;
    mount_token(&server, with_id_token(TOKEN_RESPONSE, &id_token), 1).await;

    let session = oidc
        .exchange_code(&request.pending, request.pending.state(), "code")
        .await
        .expect("sign-in completes");
    let c = &session.claims;
    assert_eq!(c.subject.as_deref(), Some("jane.doe@example.com"));
    assert_eq!(c.audience, vec![CLIENT_ID.to_owned()]);
    assert_eq!(c.associate_id, Some(5));
    assert_eq!(c.is_administrator, Some(false));
    // `iat` arrives as the string "1795856400".
    assert_eq!(c.issued_at.map(|t| t.timestamp()), Some(1_795_856_400));
    assert_eq!(c.not_before.map(|t| t.timestamp()), Some(1_795_856_400));
    assert_eq!(c.expires_at.timestamp(), 1_795_856_700);
    assert_eq!(c.email.as_deref(), Some("jane.doe@example.com"));
    assert_eq!(c.primary_email.as_deref(), Some("jane.doe@example.com"));
    assert_eq!(c.upn.as_deref(), Some("jane.doe@example.com"));
    assert_eq!(c.initials.as_deref(), Some("JD"));
    assert_eq!(c.identity_provider.as_deref(), Some("central-superid"));
    assert_eq!(c.company_name.as_deref(), Some("SuperOffice DevNet"));
    assert_eq!(c.serial.as_deref(), Some("1203786442"));
    assert_eq!(
        c.netserver_url.as_ref().map(|u| u.as_str()),
        Some("https://sod2.superoffice.com/Cust26759/Remote/Services88/")
    );
    assert_eq!(
        c.system_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
        Some("SuperOffice DevNet Node OIDC-8k8Q7DmBgo".to_owned())
    );

    // Nothing secret in Debug.
    let debug = format!("{session:?}");
    assert!(!debug.contains("OIDC-8k8Q7DmBgo"), "{debug}");
    assert!(!debug.contains("8A:Cust26759"), "{debug}");
    assert!(!debug.contains(REFRESH_TOKEN), "{debug}");
    assert!(!debug.contains(&nonce), "{debug}");
    assert!(!debug.contains(&id_token), "{debug}");
}

#[tokio::test]
async fn administrator_claim_true() {
    let server = MockServer::start().await;
    let oidc = oidc(&server, clock());
    let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    let (_, nonce) = secrets(&request.pending);
    let id_token = sign(&id_token_claims(&server, &nonce), KID_A, PROVIDER_KEY_A);
    mount_jwks(&server, JWKS, 1).await;
    mount_token(&server, with_id_token(TOKEN_RESPONSE, &id_token), 1).await;
    let session = oidc
        .exchange_code(&request.pending, request.pending.state(), "code")
        .await
        .expect("sign-in completes");
    assert_eq!(session.claims.is_administrator, Some(true));
}

/// Runs a code exchange whose id_token has `claims` (signed with `pem` under `kid`).
async fn exchange_with(
    server: &MockServer,
    edit: impl FnOnce(&mut Value, &str),
    kid: &str,
    pem: &str,
) -> Result<superoffice_client::auth::Session, Error> {
    let oidc = oidc(server, clock());
    let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    let (_, nonce) = secrets(&request.pending);
    let mut claims = id_token_claims(server, &nonce);
    edit(&mut claims, &nonce);
    let id_token = sign(&claims, kid, pem);
    mount_token(server, with_id_token(TOKEN_RESPONSE, &id_token), 1).await;
    oidc.exchange_code(&request.pending, request.pending.state(), "code")
        .await
}

#[tokio::test]
async fn expired_id_token_is_rejected() {
    let server = MockServer::start().await;
    mount_jwks(&server, JWKS, 1).await;
    let err = exchange_with(
        &server,
        |c, _| {
            // Expired 10 minutes before `now()` (beyond the 60 s leeway).
            c["exp"] = (now().timestamp() - 600).into();
        },
        KID_A,
        PROVIDER_KEY_A,
    )
    .await
    .expect_err("expired");
    match auth_err(err) {
        AuthError::ExpiredIdToken { expired_at } => {
            assert_eq!(expired_at.timestamp(), now().timestamp() - 600)
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn wrong_audience_is_rejected() {
    let server = MockServer::start().await;
    mount_jwks(&server, JWKS, 1).await;
    let err = exchange_with(
        &server,
        |c, _| c["aud"] = "someone-else".into(),
        KID_A,
        PROVIDER_KEY_A,
    )
    .await
    .expect_err("wrong aud");
    match auth_err(err) {
        AuthError::WrongAudience { expected, found } => {
            assert_eq!(expected, CLIENT_ID);
            assert_eq!(found, vec!["someone-else".to_owned()]);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn wrong_issuer_is_rejected() {
    let server = MockServer::start().await;
    mount_jwks(&server, JWKS, 1).await;
    let err = exchange_with(
        &server,
        |c, _| c["iss"] = "https://online.superoffice.com".into(),
        KID_A,
        PROVIDER_KEY_A,
    )
    .await
    .expect_err("wrong iss");
    assert!(
        matches!(auth_err(err), AuthError::WrongIssuer { ref found, .. } if found == "https://online.superoffice.com")
    );
}

#[tokio::test]
async fn bad_signature_is_rejected() {
    let server = MockServer::start().await;
    mount_jwks(&server, JWKS, 1).await;
    // Claims to be key A but is signed with key B.
    let err = exchange_with(&server, |_, _| {}, KID_A, PROVIDER_KEY_B)
        .await
        .expect_err("bad signature");
    assert!(matches!(
        auth_err(err),
        AuthError::IdTokenInvalid {
            reason: IdTokenProblem::BadSignature
        }
    ));
}

#[tokio::test]
async fn unknown_kid_refetches_the_jwks_once_and_accepts_the_rotated_key() {
    let server = MockServer::start().await;
    // First fetch: only key A; every later fetch: A and B.
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(JWKS, "application/json"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(JWKS_ROTATED, "application/json"))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;

    let oidc = oidc(&server, clock());
    // Warm the cache with key A.
    let first = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    let (_, nonce) = secrets(&first.pending);
    let token_a = sign(&id_token_claims(&server, &nonce), KID_A, PROVIDER_KEY_A);
    let _guard = Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(json_response(&with_id_token(TOKEN_RESPONSE, &token_a)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount_as_scoped(&server)
        .await;
    oidc.exchange_code(&first.pending, first.pending.state(), "code-1")
        .await
        .expect("key A validates");

    // Now a token signed with the rotated-in key B.
    let second = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    let (_, nonce) = secrets(&second.pending);
    let token_b = sign(&id_token_claims(&server, &nonce), KID_B, PROVIDER_KEY_B);
    mount_token(&server, with_id_token(TOKEN_RESPONSE, &token_b), 1).await;
    oidc.exchange_code(&second.pending, second.pending.state(), "code-2")
        .await
        .expect("key B validates after one refetch");
    // The `.expect(1)` on both JWKS mocks verifies exactly two fetches in total.
}

#[tokio::test]
async fn a_kid_missing_even_after_refetch_is_unknown_key() {
    let server = MockServer::start().await;
    mount_jwks(&server, JWKS, 1).await; // exactly one fetch: the first lookup misses and fetches
    let err = exchange_with(&server, |_, _| {}, "no-such-key", PROVIDER_KEY_A)
        .await
        .expect_err("unknown key");
    assert!(matches!(
        auth_err(err),
        AuthError::UnknownKey { kid: Some(ref k) } if k == "no-such-key"
    ));
}

#[tokio::test]
async fn unknown_kid_with_a_warm_cache_refetches_exactly_once() {
    let server = MockServer::start().await;
    mount_jwks(&server, JWKS, 2).await;
    let oidc = oidc(&server, clock());

    let first = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    let (_, nonce) = secrets(&first.pending);
    let good = sign(&id_token_claims(&server, &nonce), KID_A, PROVIDER_KEY_A);
    let _guard = Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(json_response(&with_id_token(TOKEN_RESPONSE, &good)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount_as_scoped(&server)
        .await;
    oidc.exchange_code(&first.pending, first.pending.state(), "code-1")
        .await
        .expect("warm");

    let second = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    let (_, nonce) = secrets(&second.pending);
    let bad = sign(&id_token_claims(&server, &nonce), KID_B, PROVIDER_KEY_B);
    mount_token(&server, with_id_token(TOKEN_RESPONSE, &bad), 1).await;
    let err = oidc
        .exchange_code(&second.pending, second.pending.state(), "code-2")
        .await
        .expect_err("B is not published");
    assert!(matches!(auth_err(err), AuthError::UnknownKey { .. }));
}

#[tokio::test]
async fn nonce_mismatch_is_rejected() {
    let server = MockServer::start().await;
    mount_jwks(&server, JWKS, 1).await;
    let err = exchange_with(
        &server,
        |c, _| c["nonce"] = "a-replayed-nonce".into(),
        KID_A,
        PROVIDER_KEY_A,
    )
    .await
    .expect_err("nonce");
    assert!(matches!(auth_err(err), AuthError::NonceMismatch));

    let server = MockServer::start().await;
    mount_jwks(&server, JWKS, 1).await;
    let err = exchange_with(
        &server,
        |c, _| {
            c.as_object_mut().map(|m| m.remove("nonce"));
        },
        KID_A,
        PROVIDER_KEY_A,
    )
    .await
    .expect_err("missing nonce");
    assert!(matches!(auth_err(err), AuthError::NonceMismatch));
}

#[tokio::test]
async fn the_expected_issuer_can_be_overridden() {
    let server = MockServer::start().await;
    let mut claims = id_token_claims(&server, "unused");
    claims.as_object_mut().map(|m| m.remove("nonce"));
    claims["iss"] = "https://sod.superoffice.com".into();
    let id_token = sign(&claims, KID_A, PROVIDER_KEY_A);
    mount_token(&server, with_id_token(REFRESH_RESPONSE, &id_token), 2).await;
    // Two clients, two key caches.
    mount_jwks(&server, JWKS, 2).await;
    let config = OidcConfig::new(environment(&server), CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
        .expect("config");
    let refresh_token = SecretString::from(REFRESH_TOKEN.to_owned());

    let strict = oidc(&server, clock());
    let err = strict
        .refresh(&refresh_token)
        .await
        .expect_err("issuer differs");
    assert!(matches!(auth_err(err), AuthError::WrongIssuer { .. }));

    let relaxed = superoffice_client::auth::OidcClient::builder(config)
        .clock(clock())
        .issuer("https://sod.superoffice.com")
        .build()
        .expect("client");
    relaxed
        .refresh(&refresh_token)
        .await
        .expect("issuer matches the override");
}

#[tokio::test]
async fn only_rs256_is_accepted() {
    let server = MockServer::start().await;
    mount_jwks(&server, JWKS, 0).await;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(v).expect("json"))
    };
    let claims = id_token_claims(&server, "n");
    let unsigned = format!(
        "{}.{}.",
        b64(&serde_json::json!({"alg": "none", "typ": "JWT"})),
        b64(&claims)
    );
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(CLIENT_SECRET.as_bytes()).expect("hmac key"),
    )
    .expect("hs256");
    let validator = oidc(&server, clock()).validator().clone();
    let expect = superoffice_client::auth::JwtExpectations::new(issuer(&server), None);
    for (token, alg) in [(unsigned.as_str(), "none"), (hs256.as_str(), "HS256")] {
        let err = validator.validate(token, &expect).await.expect_err(alg);
        match auth_err(err) {
            AuthError::IdTokenInvalid {
                reason: IdTokenProblem::UnsupportedAlgorithm(found),
            } => assert_eq!(found, alg),
            other => panic!("{alg}: unexpected {other:?}"),
        }
    }
    for garbage in ["", "a.b", "!!!.x.y", "a.b.c.d"] {
        let err = validator
            .validate(garbage, &expect)
            .await
            .expect_err(garbage);
        assert!(
            matches!(
                auth_err(err),
                AuthError::IdTokenInvalid {
                    reason: IdTokenProblem::Malformed(_)
                }
            ),
            "{garbage}"
        );
    }
}

#[tokio::test]
async fn an_id_token_without_subject_is_rejected() {
    let server = MockServer::start().await;
    mount_jwks(&server, JWKS, 1).await;
    let err = exchange_with(
        &server,
        |c, _| {
            c.as_object_mut().map(|m| m.remove("sub"));
        },
        KID_A,
        PROVIDER_KEY_A,
    )
    .await
    .expect_err("no sub");
    assert!(matches!(
        auth_err(err),
        AuthError::IdTokenInvalid {
            reason: IdTokenProblem::MissingClaim("sub")
        }
    ));
}

// ---------------------------------------------------------------- id_token limits

async fn validate_claims(
    claims: Value,
    leeway: Option<Duration>,
) -> Result<SuperOfficeClaims, Error> {
    let server = MockServer::start().await;
    mount_jwks(&server, JWKS, 1).await;
    let mut validator =
        IdTokenValidator::new(&environment(&server), reqwest::Client::new()).with_clock(clock());
    if let Some(leeway) = leeway {
        validator = validator.with_leeway(leeway);
    }
    let mut claims = claims;
    claims["iss"] = Value::String(issuer(&server));
    let expect = JwtExpectations::new(issuer(&server), Some(CLIENT_ID.to_owned()));
    validator
        .validate(&sign(&claims, KID_A, PROVIDER_KEY_A), &expect)
        .await
}

fn base_claims() -> Value {
    serde_json::from_str(ID_TOKEN_CLAIMS).expect("fixture")
}

fn invalid_claim(err: Error) -> &'static str {
    match auth_err(err) {
        AuthError::IdTokenInvalid {
            reason: IdTokenProblem::InvalidClaim { claim, .. },
        } => claim,
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn the_leeway_is_bounded_to_five_minutes() {
    // Expired ten minutes before `now()`: a one-hour leeway must not rescue it.
    let mut claims = base_claims();
    claims["exp"] = json!(now().timestamp() - 600);
    claims["iat"] = json!(now().timestamp() - 900);
    claims["nbf"] = json!(now().timestamp() - 900);
    let err = validate_claims(claims.clone(), Some(Duration::hours(1)))
        .await
        .expect_err("expired");
    assert!(
        matches!(auth_err(err), AuthError::ExpiredIdToken { .. }),
        "leeway clamped"
    );
    // Four minutes late is within a (bounded) five-minute leeway.
    claims["exp"] = json!(now().timestamp() - 240);
    validate_claims(claims, Some(Duration::hours(1)))
        .await
        .expect("within five minutes");
}

#[tokio::test]
async fn a_future_iat_and_an_absurd_lifetime_are_refused() {
    let mut future = base_claims();
    future["iat"] = json!((now() + Duration::minutes(10)).timestamp().to_string());
    future["exp"] = json!((now() + Duration::minutes(15)).timestamp());
    let err = validate_claims(future, None).await.expect_err("future iat");
    assert_eq!(invalid_claim(err), "iat");

    let mut long = base_claims();
    long["exp"] = json!((now() + Duration::days(30)).timestamp());
    let err = validate_claims(long, None).await.expect_err("30 days");
    assert_eq!(invalid_claim(err), "exp");

    let mut no_iat = base_claims();
    no_iat.as_object_mut().expect("object").remove("iat");
    no_iat.as_object_mut().expect("object").remove("nbf");
    no_iat["exp"] = json!((now() + Duration::hours(25)).timestamp());
    let err = validate_claims(no_iat, None).await.expect_err("25 h");
    assert_eq!(invalid_claim(err), "exp");
}

#[tokio::test]
async fn azp_is_checked_when_there_are_several_audiences() {
    let mut claims = base_claims();
    claims["aud"] = json!([CLIENT_ID, "another-client"]);
    let err = validate_claims(claims.clone(), None)
        .await
        .expect_err("no azp");
    assert_eq!(invalid_claim(err), "azp");
    claims["azp"] = json!("another-client");
    let err = validate_claims(claims.clone(), None)
        .await
        .expect_err("foreign azp");
    assert_eq!(invalid_claim(err), "azp");
    claims["azp"] = json!(CLIENT_ID);
    let ok = validate_claims(claims, None).await.expect("azp is us");
    assert_eq!(ok.authorized_party.as_deref(), Some(CLIENT_ID));
}

// ---------------------------------------------------------------- refreshed identity

#[derive(Debug)]
struct ChangingRefresher {
    claims: SuperOfficeClaims,
    calls: AtomicUsize,
}

#[async_trait]
impl TokenRefresher for ChangingRefresher {
    async fn refresh(&self, _refresh_token: &SecretString) -> superoffice_client::Result<TokenSet> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut tokens = TokenSet::new("8A:Cust26759.new-access", None, Utc::now());
        tokens.claims = Some(self.claims.clone());
        Ok(tokens)
    }
}

fn parsed(claims: &Value) -> SuperOfficeClaims {
    SuperOfficeClaims::from_json(claims.as_object().expect("object")).expect("claims")
}

#[tokio::test]
async fn a_refreshed_id_token_must_keep_sub_iss_and_ctx() {
    let original = base_claims();
    for (claim, key, value) in [
        ("sub", "sub", json!("mallory@example.com")),
        ("iss", "iss", json!("https://online.superoffice.com")),
        (
            "ctx",
            "http://schemes.superoffice.net/identity/ctx",
            json!("Cust99999"),
        ),
    ] {
        let mut changed = original.clone();
        changed[key] = value;
        let refresher = Arc::new(ChangingRefresher {
            claims: parsed(&changed),
            calls: AtomicUsize::new(0),
        });
        let mut tokens = TokenSet::new(
            "8A:Cust26759.old-access",
            Some(REFRESH_TOKEN.to_owned()),
            Utc::now() + Duration::hours(1),
        );
        tokens.claims = Some(parsed(&original));
        let provider = RefreshingTokenProvider::new(refresher.clone(), tokens);
        let err = provider
            .force_refresh()
            .await
            .expect_err("identity changed");
        assert!(
            matches!(auth_err(err), AuthError::IdentityChanged { claim: c } if c == claim),
            "{claim}"
        );
        // The new tokens were not taken, and the provider asks for a new sign-in.
        let kept = provider.tokens().await;
        assert_eq!(kept.access_token.expose_secret(), "8A:Cust26759.old-access");
        let again = provider.force_refresh().await.expect_err("sign in again");
        assert!(matches!(auth_err(again), AuthError::CannotRefresh));
        assert_eq!(refresher.calls.load(Ordering::SeqCst), 1);
    }

    // The same identity refreshes normally.
    let refresher = Arc::new(ChangingRefresher {
        claims: parsed(&original),
        calls: AtomicUsize::new(0),
    });
    let mut tokens = TokenSet::new("old", Some(REFRESH_TOKEN.to_owned()), Utc::now());
    tokens.claims = Some(parsed(&original));
    let provider = RefreshingTokenProvider::new(refresher, tokens);
    provider.force_refresh().await.expect("same identity");
}

// ---------------------------------------------------------------- JWKS cooldown and age

#[tokio::test(start_paused = true)]
async fn a_failed_jwks_download_is_not_repeated_within_the_cooldown() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(JWKS, "application/json"))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let validator = IdTokenValidator::new(&environment(&server), rest_support::timerless_http())
        .with_clock(clock());
    let expect = JwtExpectations::new(issuer(&server), Some(CLIENT_ID.to_owned()));
    let token = sign(&id_token_claims(&server, "n"), KID_A, PROVIDER_KEY_A);
    for _ in 0..3 {
        let err = validator.validate(&token, &expect).await.expect_err("down");
        assert!(matches!(auth_err(err), AuthError::Jwks { .. }));
    }
    tokio::time::advance(std::time::Duration::from_secs(31)).await;
    validator
        .validate(&token, &expect)
        .await
        .expect("fetched again after the cooldown");
}

#[tokio::test(start_paused = true)]
async fn stale_keys_are_not_used_beyond_a_week() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(JWKS, "application/json"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(503))
        .with_priority(2)
        .mount(&server)
        .await;
    let validator = IdTokenValidator::new(&environment(&server), rest_support::timerless_http())
        .with_clock(clock());
    let expect = JwtExpectations::new(issuer(&server), Some(CLIENT_ID.to_owned()));
    let token = sign(&id_token_claims(&server, "n"), KID_A, PROVIDER_KEY_A);
    validator.validate(&token, &expect).await.expect("fresh");
    // Two days old and the JWKS is down: the cached keys still serve.
    tokio::time::advance(std::time::Duration::from_secs(2 * 24 * 3600)).await;
    validator
        .validate(&token, &expect)
        .await
        .expect("stale but usable");
    // Eight days old: no longer trusted.
    tokio::time::advance(std::time::Duration::from_secs(6 * 24 * 3600)).await;
    let err = validator
        .validate(&token, &expect)
        .await
        .expect_err("too old");
    assert!(matches!(auth_err(err), AuthError::Jwks { .. }), "too old");
}

/// Tokens naming made-up `kid`s must not cause one JWKS download each: after a refetch that
/// still misses the key, further unknown-key lookups answer at once for a while.
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test]
async fn made_up_kids_do_not_force_a_jwks_download_each() {
    let server = MockServer::start().await;
    // One fetch warms the cache, one refetch for the first unknown kid; no more.
    mount_jwks(&server, JWKS, 2).await;
    let validator =
        IdTokenValidator::new(&environment(&server), reqwest::Client::new()).with_clock(clock());
    let expect = JwtExpectations::new(issuer(&server), Some(CLIENT_ID.to_owned()));
    let claims = id_token_claims(&server, "n");
    validator
        .validate(&sign(&claims, KID_A, PROVIDER_KEY_A), &expect)
        .await
        .expect("key A validates");
    for kid in ["made-up-1", "made-up-2", "made-up-3"] {
        let err = validator
            .validate(&sign(&claims, kid, PROVIDER_KEY_B), &expect)
            .await
            .expect_err("unknown key");
        assert!(
            matches!(err, Error::Auth(AuthError::UnknownKey { kid: Some(ref k) }) if k == kid),
            "{err:?}"
        );
    }
    // A known key still validates from the cache.
    validator
        .validate(&sign(&claims, KID_A, PROVIDER_KEY_A), &expect)
        .await
        .expect("key A still validates");
}

/// `exp`/`nbf` at the edges of the representable range must not panic in the leeway
/// arithmetic.
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test]
async fn extreme_exp_and_nbf_do_not_panic() {
    let server = MockServer::start().await;
    mount_jwks(&server, JWKS, 1).await;
    let validator =
        IdTokenValidator::new(&environment(&server), reqwest::Client::new()).with_clock(clock());
    let expect = JwtExpectations::new(issuer(&server), Some(CLIENT_ID.to_owned()));
    let mut claims = id_token_claims(&server, "n");
    claims["exp"] = json!(chrono::DateTime::<Utc>::MAX_UTC.timestamp());
    claims["nbf"] = json!(chrono::DateTime::<Utc>::MIN_UTC.timestamp());
    // No panic; such a lifetime is absurd and refused (issue 8 hardening).
    let err = validator
        .validate(&sign(&claims, KID_A, PROVIDER_KEY_A), &expect)
        .await
        .expect_err("absurd lifetime");
    assert!(
        matches!(
            err,
            Error::Auth(AuthError::IdTokenInvalid {
                reason: IdTokenProblem::InvalidClaim { claim: "exp", .. }
            })
        ),
        "{err:?}"
    );
}

/// The key set is not trusted forever: after a day it is fetched again, and a key SuperOffice
/// withdrew no longer validates.
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test(start_paused = true)]
async fn the_jwks_is_fetched_again_after_a_day_and_withdrawn_keys_stop_validating() {
    let server = MockServer::start().await;
    let mut only_b: serde_json::Value = serde_json::from_str(JWKS_ROTATED).expect("fixture");
    only_b["keys"]
        .as_array_mut()
        .expect("keys")
        .retain(|key| key["kid"] == KID_B);
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(JWKS, "application/json"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(only_b))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let validator = IdTokenValidator::new(&environment(&server), rest_support::timerless_http())
        .with_clock(clock());
    let expect = JwtExpectations::new(issuer(&server), Some(CLIENT_ID.to_owned()));
    let token_a = sign(&id_token_claims(&server, "n"), KID_A, PROVIDER_KEY_A);
    validator
        .validate(&token_a, &expect)
        .await
        .expect("A is published");
    // Within the day: from the cache (the second mock is not hit).
    tokio::time::advance(std::time::Duration::from_secs(23 * 3600)).await;
    validator.validate(&token_a, &expect).await.expect("cached");
    // After a day the set is fetched again; A has been withdrawn.
    tokio::time::advance(std::time::Duration::from_secs(2 * 3600)).await;
    let err = validator
        .validate(&token_a, &expect)
        .await
        .expect_err("A withdrawn");
    assert!(
        matches!(err, Error::Auth(AuthError::UnknownKey { .. })),
        "{err:?}"
    );
}

/// When the day-old key set cannot be fetched again, the cached keys stay in use.
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test(start_paused = true)]
async fn a_day_old_jwks_is_kept_while_the_jwks_cannot_be_fetched() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(JWKS, "application/json"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(503))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let validator = IdTokenValidator::new(&environment(&server), rest_support::timerless_http())
        .with_clock(clock());
    let expect = JwtExpectations::new(issuer(&server), Some(CLIENT_ID.to_owned()));
    let token_a = sign(&id_token_claims(&server, "n"), KID_A, PROVIDER_KEY_A);
    validator.validate(&token_a, &expect).await.expect("fresh");
    tokio::time::advance(std::time::Duration::from_secs(25 * 3600)).await;
    validator
        .validate(&token_a, &expect)
        .await
        .expect("the stale set is used while the JWKS is down");
}
