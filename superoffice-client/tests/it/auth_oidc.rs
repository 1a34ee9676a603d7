//! The OIDC flow against a mock SuperOffice provider: authorization URL, code exchange,
//! id_token validation, refresh.

use crate::auth_support as support;

use base64::Engine as _;
use chrono::Duration;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::{Digest, Sha256};
use superoffice_client::auth::{
    AuthorizeOptions, IdTokenProblem, OidcConfig, PendingAuthorization,
};
use superoffice_client::tenant::CustomerId;
use superoffice_client::AuthError;
use superoffice_client::Error;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn query(url: &url::Url) -> Vec<(String, String)> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The verifier and nonce the host keeps in its session (read through serde, as a host would
/// store them).
fn secrets(pending: &PendingAuthorization) -> (String, String) {
    let json = serde_json::to_value(pending).expect("pending serialises");
    (
        json["pkce_verifier"].as_str().expect("verifier").to_owned(),
        json["nonce"].as_str().expect("nonce").to_owned(),
    )
}

async fn mount_token(server: &MockServer, body: Value, expected_calls: u64) {
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(json_response(&body))
        .expect(expected_calls)
        .mount(server)
        .await;
}

fn auth_err(err: Error) -> AuthError {
    match err {
        Error::Auth(auth) => auth,
        other => panic!("expected an auth error, got {other:?}"),
    }
}

#[tokio::test]
async fn authorize_url_has_all_parameters() {
    let server = MockServer::start().await;
    let oidc = oidc(&server, clock());

    let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    assert_eq!(request.url.path(), "/login/common/oauth/authorize");
    let q = query(&request.url);
    assert_eq!(field(&q, "client_id"), Some(CLIENT_ID));
    assert_eq!(field(&q, "redirect_uri"), Some(REDIRECT_URI));
    assert_eq!(field(&q, "scope"), Some("openid"));
    assert_eq!(field(&q, "response_type"), Some("code"));
    assert_eq!(field(&q, "state"), Some(request.pending.state()));
    assert_eq!(field(&q, "code_challenge_method"), Some("S256"));
    assert_eq!(field(&q, "acr_values"), None);
    let (verifier, nonce) = secrets(&request.pending);
    assert_eq!(field(&q, "nonce"), Some(nonce.as_str()));
    let expected_challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    assert_eq!(
        field(&q, "code_challenge"),
        Some(expected_challenge.as_str())
    );
    assert!(request.pending.state().len() >= 16);

    // A second request gets fresh state, nonce and verifier.
    let other = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    assert_ne!(other.pending.state(), request.pending.state());
    assert_ne!(secrets(&other.pending), secrets(&request.pending));
}

#[tokio::test]
async fn authorize_url_for_a_tenant_uses_the_tenant_path_and_acr_values() {
    let server = MockServer::start().await;
    let oidc = oidc(&server, clock());
    let tenant = CustomerId::parse("Cust26759").expect("id");

    let request = oidc
        .authorize_url(
            AuthorizeOptions::new()
                .tenant(tenant.clone())
                .login_hint("jane.doe@example.com"),
        )
        .expect("url");
    assert_eq!(request.url.path(), "/login/Cust26759/oauth/authorize");
    let q = query(&request.url);
    assert_eq!(field(&q, "acr_values"), Some("tenant:Cust26759"));
    assert_eq!(field(&q, "login_hint"), Some("jane.doe@example.com"));
    assert_eq!(request.pending.tenant(), Some(&tenant));
}

#[tokio::test]
async fn code_exchange_sends_the_right_form_and_validates_the_id_token() {
    let server = MockServer::start().await;
    let oidc = oidc(&server, clock());
    let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    let (verifier, nonce) = secrets(&request.pending);
    let id_token = sign(&id_token_claims(&server, &nonce), KID_A, PROVIDER_KEY_A);
    mount_jwks(&server, JWKS, 1).await;
    mount_token(&server, with_id_token(TOKEN_RESPONSE, &id_token), 1).await;

    let session = oidc
        .exchange_code(&request.pending, request.pending.state(), "code-4f1b2")
        .await
        .expect("sign-in completes");

    // The token request.
    let received = server.received_requests().await.expect("recording on");
    let token_call = received
        .iter()
        .find(|r| r.url.path() == "/login/common/oauth/tokens")
        .expect("token endpoint called");
    assert_eq!(token_call.method.as_str(), "POST");
    assert_eq!(
        token_call
            .headers
            .get("content-type")
            .map(|v| v.to_str().unwrap_or("")),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        token_call
            .headers
            .get("accept")
            .map(|v| v.to_str().unwrap_or("")),
        Some("application/json")
    );
    let f = form(token_call);
    assert_eq!(field(&f, "grant_type"), Some("authorization_code"));
    assert_eq!(field(&f, "code"), Some("code-4f1b2"));
    assert_eq!(field(&f, "redirect_uri"), Some(REDIRECT_URI));
    assert_eq!(field(&f, "code_verifier"), Some(verifier.as_str()));
    assert_eq!(field(&f, "client_id"), Some(CLIENT_ID));
    assert_eq!(field(&f, "client_secret"), Some(CLIENT_SECRET));

    // The session.
    let tokens = &session.tokens;
    assert!(tokens
        .access_token
        .expose_secret()
        .starts_with("8A:Cust26759."));
    assert_eq!(
        tokens
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
        Some(REFRESH_TOKEN.to_owned())
    );
    assert_eq!(tokens.expires_at, now() + Duration::seconds(3600));
    assert_eq!(
        session.customer_id().map(CustomerId::as_str),
        Some("Cust26759")
    );
    assert_eq!(
        session.api_base().map(|u| u.to_string()),
        Some("https://sod2.superoffice.com/Cust26759/api/".to_owned())
    );
}

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
async fn state_mismatch_sends_no_token_request() {
    let server = MockServer::start().await;
    mount_token(&server, serde_json::json!({}), 0).await;
    mount_jwks(&server, JWKS, 0).await;
    let oidc = oidc(&server, clock());
    let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");

    let err = oidc
        .exchange_code(&request.pending, "forged-state", "code")
        .await
        .expect_err("state mismatch");
    assert!(matches!(auth_err(err), AuthError::StateMismatch));

    let err = oidc
        .exchange_callback(&request.pending, "?code=abc&state=other")
        .await
        .expect_err("state mismatch");
    assert!(matches!(auth_err(err), AuthError::StateMismatch));
}

#[tokio::test]
async fn callback_with_an_error_is_typed() {
    let server = MockServer::start().await;
    mount_token(&server, serde_json::json!({}), 0).await;
    let oidc = oidc(&server, clock());
    let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    let query = format!(
        "error=access_denied&error_description=User+cancelled&state={}",
        request.pending.state()
    );
    let err = oidc
        .exchange_callback(&request.pending, &query)
        .await
        .expect_err("denied");
    match auth_err(err) {
        AuthError::AuthorizationDenied { error, description } => {
            assert_eq!(error, "access_denied");
            assert_eq!(description.as_deref(), Some("User cancelled"));
        }
        other => panic!("unexpected {other:?}"),
    }
    // Without the matching state nothing of the callback is believed, not even its error.
    let err = oidc
        .exchange_callback(
            &request.pending,
            "error=server_error&error_description=Call+us",
        )
        .await
        .expect_err("error without state");
    assert!(matches!(auth_err(err), AuthError::StateMismatch));
    let err = oidc
        .exchange_callback(&request.pending, "code=abc")
        .await
        .expect_err("no state");
    assert!(matches!(auth_err(err), AuthError::StateMismatch));
}

#[tokio::test]
async fn callback_query_completes_the_sign_in() {
    let server = MockServer::start().await;
    let oidc = oidc(&server, clock());
    let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    let (_, nonce) = secrets(&request.pending);
    let id_token = sign(&id_token_claims(&server, &nonce), KID_A, PROVIDER_KEY_A);
    mount_jwks(&server, JWKS, 1).await;
    mount_token(&server, with_id_token(TOKEN_RESPONSE, &id_token), 1).await;

    // The pending sign-in survives a round trip through the host's session store.
    let stored = serde_json::to_string(&request.pending).expect("serialise");
    let restored: PendingAuthorization = serde_json::from_str(&stored).expect("deserialise");
    let query = format!("?state={}&code=code-77", restored.state());
    let session = oidc
        .exchange_callback(&restored, &query)
        .await
        .expect("completes");
    assert_eq!(session.claims.associate_id, Some(5));
}

#[tokio::test]
async fn refresh_keeps_the_old_refresh_token_and_reads_string_expires_in() {
    let server = MockServer::start().await;
    let clock = clock();
    let oidc = oidc(&server, clock.clone());
    let mut claims = id_token_claims(&server, "unused");
    claims.as_object_mut().map(|m| m.remove("nonce"));
    let id_token = sign(&claims, KID_A, PROVIDER_KEY_A);
    mount_jwks(&server, JWKS, 1).await;
    mount_token(&server, with_id_token(REFRESH_RESPONSE, &id_token), 1).await;

    let old = SecretString::from(REFRESH_TOKEN.to_owned());
    let tokens = oidc.refresh(&old).await.expect("refreshed");

    assert!(tokens
        .access_token
        .expose_secret()
        .contains("refreshedAccessToken"));
    assert_eq!(
        tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
        Some(REFRESH_TOKEN),
        "SuperOffice sends no new refresh token; the old one stays"
    );
    // expires_in came as the string "3600".
    assert_eq!(tokens.expires_at, now() + Duration::seconds(3600));
    assert_eq!(
        tokens.claims.as_ref().and_then(|c| c.customer_id.clone()),
        Some(CustomerId::parse("Cust26759").expect("id"))
    );

    let received = server.received_requests().await.expect("recording on");
    let call = received
        .iter()
        .find(|r| r.url.path() == "/login/common/oauth/tokens")
        .expect("token call");
    let f = form(call);
    assert_eq!(field(&f, "grant_type"), Some("refresh_token"));
    assert_eq!(field(&f, "refresh_token"), Some(REFRESH_TOKEN));
    assert_eq!(field(&f, "client_id"), Some(CLIENT_ID));
    assert_eq!(field(&f, "client_secret"), Some(CLIENT_SECRET));
}

#[tokio::test]
async fn refresh_rejected_is_a_typed_token_endpoint_error_without_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/auth/token_error_invalid_grant.json"
            )),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let oidc = oidc(&server, clock());
    let err = oidc
        .refresh(&SecretString::from(REFRESH_TOKEN.to_owned()))
        .await
        .expect_err("revoked");
    let text = format!("{err} {err:?}");
    assert!(!text.contains(REFRESH_TOKEN), "{text}");
    assert!(!text.contains(CLIENT_SECRET), "{text}");
    let auth = auth_err(err);
    assert!(auth.requires_sign_in());
    match auth {
        AuthError::TokenEndpoint {
            status,
            error,
            description,
        } => {
            assert_eq!(status, Some(400));
            assert_eq!(error, "invalid_grant");
            assert_eq!(
                description.as_deref(),
                Some("The refresh token has been revoked")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn a_non_json_token_answer_is_typed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(
            ResponseTemplate::new(502).set_body_raw("<html>Bad Gateway</html>", "text/html"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let oidc = oidc(&server, clock());
    let err = oidc
        .refresh(&SecretString::from(REFRESH_TOKEN.to_owned()))
        .await
        .expect_err("502");
    assert!(matches!(
        auth_err(err),
        AuthError::TokenEndpoint { status: Some(502), ref error, .. } if error == "invalid_response"
    ));
}

#[tokio::test]
async fn token_endpoint_redirects_are_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "https://evil.example.com/steal"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let oidc = oidc(&server, clock());
    let err = oidc
        .refresh(&SecretString::from(REFRESH_TOKEN.to_owned()))
        .await
        .expect_err("redirect is an error");
    assert!(matches!(
        auth_err(err),
        AuthError::TokenEndpoint {
            status: Some(302),
            ..
        }
    ));
}

#[tokio::test]
async fn config_rejects_bad_input_and_hides_the_secret() {
    let server = MockServer::start().await;
    let env = environment(&server);
    assert!(matches!(
        OidcConfig::new(env.clone(), "", CLIENT_SECRET, REDIRECT_URI),
        Err(AuthError::InvalidConfig { .. })
    ));
    assert!(matches!(
        OidcConfig::new(env.clone(), CLIENT_ID, "", REDIRECT_URI),
        Err(AuthError::InvalidConfig { .. })
    ));
    assert!(matches!(
        OidcConfig::new(env.clone(), CLIENT_ID, CLIENT_SECRET, "not a url"),
        Err(AuthError::InvalidConfig { .. })
    ));
    assert!(matches!(
        OidcConfig::new(
            env.clone(),
            CLIENT_ID,
            CLIENT_SECRET,
            "https://a.example/cb#frag"
        ),
        Err(AuthError::InvalidConfig { .. })
    ));
    let config = OidcConfig::new(env, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI).expect("valid");
    assert!(!format!("{config:?}").contains(CLIENT_SECRET));
    let client = oidc(&server, clock());
    assert!(!format!("{client:?}").contains(CLIENT_SECRET));
    let request = client.authorize_url(AuthorizeOptions::new()).expect("url");
    let (verifier, nonce) = secrets(&request.pending);
    let debug = format!("{:?}", request.pending);
    assert!(
        !debug.contains(&verifier) && !debug.contains(&nonce),
        "{debug}"
    );
    let expect = superoffice_client::auth::JwtExpectations::new("iss", None).with_nonce(&nonce);
    assert!(!format!("{expect:?}").contains(&nonce));
}

#[tokio::test]
async fn a_text_json_token_answer_with_scope_is_accepted() {
    let server = MockServer::start().await;
    let mut claims = id_token_claims(&server, "unused");
    claims.as_object_mut().map(|m| m.remove("nonce"));
    let id_token = sign(&claims, KID_A, PROVIDER_KEY_A);
    let mut body = with_id_token(REFRESH_RESPONSE, &id_token);
    body["scope"] = "openid".into();
    body["token_type"] = "bearer".into();
    body["expires_in"] = 1800.into();
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            serde_json::to_vec(&body).expect("json"),
            "text/json; charset=utf-8",
        ))
        .expect(1)
        .mount(&server)
        .await;
    mount_jwks(&server, JWKS, 1).await;
    let tokens = oidc(&server, clock())
        .refresh(&SecretString::from(REFRESH_TOKEN.to_owned()))
        .await
        .expect("accepted");
    assert_eq!(tokens.expires_at, now() + Duration::seconds(1800));
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
