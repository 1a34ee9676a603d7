//! Issue 8 (items 12, 15 part, 16 and the auth hardening): tenant status tolerance, the
//! `webapi_url` fallback, `prompt`, token revocation, https-only environments, the 421 base
//! checks, body caps, redirect detection, token bodies kept out of errors, callback and
//! pending sign-in rules, id_token limits, refreshed identities and the JWKS cooldown.

use crate::auth_support as support;
use crate::rest_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use superoffice_client::auth::{
    AuthorizeOptions, IdTokenProblem, IdTokenValidator, JwtExpectations, PendingAuthorization,
    Prompt, SuperOfficeClaims,
};
use superoffice_client::auth::{RefreshingTokenProvider, TokenRefresher, TokenSet};
use superoffice_client::tenant::{
    ApiBaseResolver, CustomerId, TenantError, TenantLocator, TenantState, TenantStatus,
};
use superoffice_client::Error;
use superoffice_client::{AuthError, Environment};
use support::*;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn auth_err(err: Error) -> AuthError {
    match err {
        Error::Auth(inner) => inner,
        other => panic!("expected an auth error, got {other:?}"),
    }
}

fn tenant_err(err: Error) -> TenantError {
    match auth_err(err) {
        AuthError::Tenant(inner) => inner,
        other => panic!("expected a tenant error, got {other:?}"),
    }
}

fn nonce_of(pending: &PendingAuthorization) -> String {
    let json = serde_json::to_value(pending).expect("pending serialises");
    json["nonce"].as_str().expect("nonce").to_owned()
}

fn cust() -> CustomerId {
    CustomerId::parse("Cust26759").expect("id")
}

fn following_client() -> reqwest::Client {
    // reqwest's default policy follows up to 10 redirects.
    reqwest::Client::new()
}

// ---------------------------------------------------------------- item 12: tenant status

/// A deleted or suspended tenant may come back with empty `Endpoint`/`Api`: a typed state,
/// not a decode error.
#[tokio::test]
async fn tenant_status_with_empty_endpoint_and_api_is_a_typed_state() {
    let body = r#"{"ContextIdentifier":"Cust26759","Endpoint":"","State":"Deleted","IsRunning":false,"ValidUntil":"2026-11-28T19:10:00Z","Api":"","Version":""}"#;
    let status: TenantStatus = serde_json::from_str(body).expect("empty URLs decode");
    assert_eq!(status.state, TenantState::Deleted);
    assert_eq!(status.endpoint, None);
    assert_eq!(status.api, None);
    assert_eq!(status.api_base(), None);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let locator = TenantLocator::new(environment(&server), reqwest::Client::new());
    let err = tenant_err(locator.api_base(&cust()).await.expect_err("deleted"));
    assert_eq!(
        err,
        TenantError::NotAvailable {
            customer: cust(),
            state: TenantState::Deleted
        }
    );
}

/// Without a `webapi_url` claim, `OidcClient::api_base` asks the tenant state API.
#[tokio::test]
async fn a_missing_webapi_url_falls_back_to_the_tenant_state_api() {
    let server = MockServer::start().await;
    let oidc = oidc(&server, clock());
    let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    let mut claims = id_token_claims(&server, &nonce_of(&request.pending));
    claims
        .as_object_mut()
        .expect("object")
        .remove("http://schemes.superoffice.net/identity/webapi_url");
    let id_token = sign(&claims, KID_A, PROVIDER_KEY_A);
    mount_jwks(&server, JWKS, 1).await;
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(with_id_token(TOKEN_RESPONSE, &id_token)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let state = json!({
        "ContextIdentifier": "Cust26759",
        "Endpoint": format!("{}/Cust26759", server.uri()),
        "State": "Running",
        "IsRunning": true,
        "ValidUntil": "2026-11-28T20:00:00Z",
        "Api": format!("{}/Cust26759/api", server.uri()),
    });
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .respond_with(ResponseTemplate::new(200).set_body_json(state))
        .expect(1)
        .mount(&server)
        .await;
    let session = oidc
        .exchange_code(&request.pending, request.pending.state(), "code-1")
        .await
        .expect("signed in");
    assert_eq!(session.api_base(), None);
    let base = oidc.api_base(&session).await.expect("from the state API");
    assert_eq!(base.as_str(), format!("{}/Cust26759/api/", server.uri()));
}

// ---------------------------------------------------------------- item 16: prompt

#[tokio::test]
async fn prompt_is_sent_on_the_authorization_url() {
    let server = MockServer::start().await;
    let oidc = oidc(&server, clock());
    let request = oidc
        .authorize_url(
            AuthorizeOptions::new()
                .login_hint("jane.doe@example.com")
                .prompt(Prompt::SelectAccount),
        )
        .expect("url");
    let prompt: Vec<String> = request
        .url
        .query_pairs()
        .filter(|(k, _)| k == "prompt")
        .map(|(_, v)| v.into_owned())
        .collect();
    assert_eq!(prompt, ["select_account"]);
    let plain = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    assert!(!plain.url.query_pairs().any(|(k, _)| k == "prompt"));
    assert_eq!(Prompt::Login.as_str(), "login");
    assert_eq!(Prompt::Consent.as_str(), "consent");
}

// ---------------------------------------------------------------- revocation (item 15 part)

async fn mount_discovery(server: &MockServer, revocation: Option<String>) {
    let mut doc = json!({
        "issuer": server.uri(),
        "authorization_endpoint": format!("{}/login/common/oauth/authorize", server.uri()),
        "token_endpoint": format!("{}/login/common/oauth/tokens", server.uri()),
        "jwks_uri": format!("{}/login/.well-known/jwks", server.uri()),
    });
    if let Some(url) = revocation {
        doc["revocation_endpoint"] = Value::String(url);
    }
    Mock::given(method("GET"))
        .and(path("/login/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(doc))
        .mount(server)
        .await;
}

#[tokio::test]
async fn revocation_posts_the_refresh_token_to_the_discovered_endpoint() {
    let server = MockServer::start().await;
    mount_discovery(
        &server,
        Some(format!("{}/login/common/oauth/revoke", server.uri())),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/revoke"))
        .and(body_string_contains(format!("token={REFRESH_TOKEN}")))
        .and(body_string_contains("token_type_hint=refresh_token"))
        .and(body_string_contains(format!("client_id={CLIENT_ID}")))
        .and(body_string_contains(format!(
            "client_secret={CLIENT_SECRET}"
        )))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let oidc = oidc(&server, clock());
    oidc.revoke_refresh_token(&SecretString::from(REFRESH_TOKEN.to_owned()))
        .await
        .expect("revoked");
    let err = oidc
        .revoke_refresh_token(&SecretString::from(" ".to_owned()))
        .await
        .expect_err("empty");
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
}

#[tokio::test]
async fn revocation_refuses_a_missing_or_foreign_endpoint() {
    for endpoint in [
        None,
        Some("https://evil.example/revoke".to_owned()),
        Some("not a url".to_owned()),
    ] {
        let server = MockServer::start().await;
        mount_discovery(&server, endpoint.clone()).await;
        let oidc = oidc(&server, clock());
        let err = oidc
            .revoke_refresh_token(&SecretString::from(REFRESH_TOKEN.to_owned()))
            .await
            .expect_err("unusable endpoint");
        assert!(
            matches!(auth_err(err), AuthError::RevocationUnavailable { .. }),
            "{endpoint:?}"
        );
        // Only the discovery document was asked; nothing was posted.
        let requests = server.received_requests().await.expect("recorded");
        assert!(requests.iter().all(|r| r.method.as_str() == "GET"));
    }
}

#[tokio::test]
async fn a_refused_revocation_is_a_typed_oauth_error() {
    let server = MockServer::start().await;
    mount_discovery(
        &server,
        Some(format!("{}/login/common/oauth/revoke", server.uri())),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/revoke"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": "invalid_client", "error_description": "client authentication failed"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let oidc = oidc(&server, clock());
    let err = oidc
        .revoke_refresh_token(&SecretString::from(REFRESH_TOKEN.to_owned()))
        .await
        .expect_err("refused");
    let text = err.to_string();
    match auth_err(err) {
        AuthError::TokenEndpoint { status, error, .. } => {
            assert_eq!(status, Some(401));
            assert_eq!(error, "invalid_client");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(!text.contains(REFRESH_TOKEN), "{text}");
}

// ---------------------------------------------------------------- https only

#[test]
fn custom_environments_need_https_except_on_loopback() {
    for bad in [
        "http://sandbox.example.com",
        "http://10.0.0.5:8080",
        "http://sod.superoffice.com",
    ] {
        assert!(
            matches!(
                Environment::custom(bad),
                Err(AuthError::InvalidEnvironment { .. })
            ),
            "{bad}"
        );
    }
    for good in [
        "https://sandbox.example.com",
        "http://127.0.0.1:41234",
        "http://localhost:8080",
        "http://[::1]:9000",
    ] {
        Environment::custom(good).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
}

#[test]
fn the_environment_owns_only_its_own_domain() {
    let sod = Environment::Sod;
    let ok = |u: &str| sod.owns_host(&url::Url::parse(u).expect("url"));
    assert!(ok("https://sod2.superoffice.com/Cust1/api/"));
    assert!(ok("https://app.superoffice.com/Cust1/api/"));
    assert!(!ok("http://sod2.superoffice.com/Cust1/api/"));
    assert!(!ok("https://superoffice.com.evil.example/Cust1/api/"));
    assert!(!ok("https://evilsuperoffice.com/Cust1/api/"));
    assert!(!ok("https://sod2.superoffice.com:8443/Cust1/api/"));
    let custom = Environment::custom("http://127.0.0.1:4000").expect("env");
    let own = |u: &str| custom.owns_host(&url::Url::parse(u).expect("url"));
    assert!(own("http://127.0.0.1:4001/Cust1/api/"));
    assert!(!own("http://localhost:4001/Cust1/api/"));
    assert!(!own("https://sod2.superoffice.com/Cust1/api/"));
}

// ---------------------------------------------------------------- 421: new base checks

#[tokio::test]
async fn after_421_a_new_base_must_be_on_the_environment_name_the_tenant_and_match_the_context() {
    let cases = [
        (
            "https://sod2.evil.example/Cust26759/api",
            "Cust26759",
            "the host is not on the environment's own domain",
        ),
        (
            "{server}/Cust99999/api",
            "Cust26759",
            "the tenant's customer id is not in the path",
        ),
        (
            "{server}/Cust26759/api",
            "Cust99999",
            "the answer is about another ContextIdentifier",
        ),
    ];
    for (api, context, expected) in cases {
        let server = MockServer::start().await;
        let api = api.replace("{server}", &server.uri());
        Mock::given(method("GET"))
            .and(path("/api/state/Cust26759"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "ContextIdentifier": context,
                "Endpoint": api.trim_end_matches("/api"),
                "State": "Running",
                "IsRunning": true,
                "Api": api,
            })))
            .mount(&server)
            .await;
        let locator = TenantLocator::new(environment(&server), reqwest::Client::new());
        let resolver: Arc<dyn ApiBaseResolver> = Arc::new(locator.clone());
        match tenant_err(
            resolver
                .resolve_api_base(&cust())
                .await
                .expect_err("refused"),
        ) {
            TenantError::UntrustedApiBase { customer, reason } => {
                assert_eq!(customer, cust());
                assert_eq!(reason, expected);
            }
            other => panic!("{api}: unexpected {other:?}"),
        }
        // Nor is it handed out from the cache.
        assert!(locator.api_base(&cust()).await.is_err());
    }
}

// ---------------------------------------------------------------- size caps

#[tokio::test]
async fn jwks_and_tenant_state_bodies_are_capped() {
    let server = MockServer::start().await;
    let huge = format!(r#"{{"keys":[],"padding":"{}"}}"#, "x".repeat(300 * 1024));
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(huge, "application/json"))
        .mount(&server)
        .await;
    let validator =
        IdTokenValidator::new(&environment(&server), reqwest::Client::new()).with_clock(clock());
    let expect = JwtExpectations::new(issuer(&server), Some(CLIENT_ID.to_owned()));
    let token = sign(&id_token_claims(&server, "n"), KID_A, PROVIDER_KEY_A);
    match auth_err(
        validator
            .validate(&token, &expect)
            .await
            .expect_err("too big"),
    ) {
        AuthError::Jwks { reason, .. } => assert!(reason.contains("larger than"), "{reason}"),
        other => panic!("unexpected {other:?}"),
    }

    let big_state = format!(
        r#"{{"ContextIdentifier":"Cust26759","State":"Running","Version":"{}"}}"#,
        "9".repeat(100 * 1024)
    );
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big_state, "application/json"))
        .mount(&server)
        .await;
    let locator = TenantLocator::new(environment(&server), reqwest::Client::new());
    let err = tenant_err(locator.status(&cust()).await.expect_err("too big"));
    assert!(
        matches!(err, TenantError::StateResponseTooLarge { .. }),
        "{err:?}"
    );
}

// ---------------------------------------------------------------- redirects

#[tokio::test]
async fn a_caller_client_that_follows_redirects_is_detected() {
    let server = MockServer::start().await;
    let moved = |to: &str| {
        ResponseTemplate::new(307).insert_header("location", format!("{}{to}", server.uri()))
    };
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(moved("/elsewhere/jwks"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/elsewhere/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(JWKS, "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .respond_with(moved("/elsewhere/state"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/elsewhere/state"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ContextIdentifier": "Cust26759",
            "State": "Running",
            "Api": format!("{}/Cust26759/api", server.uri()),
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(moved("/elsewhere/tokens"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/elsewhere/tokens"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(REFRESH_RESPONSE, "application/json"))
        .mount(&server)
        .await;

    let validator =
        IdTokenValidator::new(&environment(&server), following_client()).with_clock(clock());
    let expect = JwtExpectations::new(issuer(&server), Some(CLIENT_ID.to_owned()));
    let token = sign(&id_token_claims(&server, "n"), KID_A, PROVIDER_KEY_A);
    let err = auth_err(validator.validate(&token, &expect).await.expect_err("jwks"));
    assert!(
        matches!(err, AuthError::RedirectFollowed { endpoint: "jwks" }),
        "{err:?}"
    );

    let locator = TenantLocator::new(environment(&server), following_client());
    let err = auth_err(locator.status(&cust()).await.expect_err("state"));
    assert!(
        matches!(
            err,
            AuthError::RedirectFollowed {
                endpoint: "tenant state"
            }
        ),
        "{err:?}"
    );

    let config = superoffice_client::auth::OidcConfig::new(
        environment(&server),
        CLIENT_ID,
        CLIENT_SECRET,
        REDIRECT_URI,
    )
    .expect("config");
    let oidc = superoffice_client::auth::OidcClient::builder(config)
        .http_client(following_client())
        .clock(clock())
        .build()
        .expect("client");
    let err = oidc
        .refresh(&SecretString::from(REFRESH_TOKEN.to_owned()))
        .await
        .expect_err("token");
    let text = format!("{err} {err:?}");
    assert!(
        matches!(
            auth_err(err),
            AuthError::RedirectFollowed { endpoint: "token" }
        ),
        "{text}"
    );
    assert!(!text.contains("8A:"), "{text}");
}

// ---------------------------------------------------------------- token bodies

#[tokio::test]
async fn token_endpoint_bodies_never_appear_in_errors() {
    let secret_access = "8A:Cust26759.super-secret-access-token";
    for (status, body) in [
        // A 2xx that is not 200, carrying tokens.
        (
            201,
            json!({"token_type": "Bearer", "access_token": secret_access, "expires_in": 3600})
                .to_string(),
        ),
        (
            500,
            format!("<html>crash while issuing {secret_access}</html>"),
        ),
        (400, format!(r#"{{"unexpected": "{secret_access}"}}"#)),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/login/common/oauth/tokens"))
            .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
            .expect(1)
            .mount(&server)
            .await;
        let oidc = oidc(&server, clock());
        let err = oidc
            .refresh(&SecretString::from(REFRESH_TOKEN.to_owned()))
            .await
            .expect_err("unusable answer");
        let text = format!("{err} {err:?}");
        assert!(!text.contains("super-secret"), "{status}: {text}");
        assert!(
            matches!(
                auth_err(err),
                AuthError::TokenEndpoint { ref error, status: Some(s), .. }
                    if error == "invalid_response" && s == status
            ),
            "{status}: {text}"
        );
    }
}

// ---------------------------------------------------------------- callback and pending

#[tokio::test]
async fn callback_errors_are_shown_only_after_the_state_matched_and_cleaned() {
    let server = MockServer::start().await;
    let oidc = oidc(&server, clock());
    let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    let forged = "error=access_denied&error_description=Call+%2B1-555+now&state=forged";
    let err = oidc
        .exchange_callback(&request.pending, forged)
        .await
        .expect_err("forged");
    assert!(matches!(auth_err(err), AuthError::StateMismatch));

    let query = format!(
        "error=access%5Fdenied%07&error_description=User%0D%0Acancelled%1B%5B31m&state={}",
        request.pending.state()
    );
    match auth_err(
        oidc.exchange_callback(&request.pending, &query)
            .await
            .expect_err("denied"),
    ) {
        AuthError::AuthorizationDenied { error, description } => {
            assert_eq!(error, "access_denied");
            assert_eq!(description.as_deref(), Some("Usercancelled[31m"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn pending_sign_ins_expire_after_ten_minutes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let clock = clock();
    let oidc = oidc(&server, clock.clone());
    let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    clock.advance(Duration::minutes(10) + Duration::seconds(1));
    let err = oidc
        .exchange_code(&request.pending, request.pending.state(), "code-1")
        .await
        .expect_err("expired");
    let err = auth_err(err);
    assert!(err.requires_sign_in());
    assert!(
        matches!(err, AuthError::SignInExpired { created_at } if created_at == now()),
        "{err:?}"
    );
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

// ---------------------------------------------------------------- the sandbox

mod sandbox {
    use super::*;
    use superoffice_client::auth::{OidcClient, OidcConfig, Session};
    use superoffice_sandbox::{default_seed, SuperOfficeSandbox};

    fn browser() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    fn oidc(sb: &SuperOfficeSandbox) -> OidcClient {
        let env = Environment::custom(sb.base_url()).expect("env");
        OidcClient::new(
            OidcConfig::new(
                env,
                sb.client_id(),
                sb.client_secret(),
                default_seed::REDIRECT_URI,
            )
            .expect("config"),
        )
        .expect("client")
    }

    async fn finish(
        oidc: &OidcClient,
        pending: &PendingAuthorization,
        redirect: reqwest::Response,
    ) -> Session {
        assert_eq!(
            redirect.status().as_u16(),
            302,
            "expected a redirect to the callback"
        );
        let location = redirect.headers()["location"]
            .to_str()
            .expect("ascii")
            .to_owned();
        let callback = url::Url::parse(&location).expect("url");
        oidc.exchange_callback(pending, callback.query().unwrap_or_default())
            .await
            .expect("signed in")
    }

    async fn sign_in(sb: &SuperOfficeSandbox) -> (OidcClient, Session) {
        let oidc = oidc(sb);
        let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
        let callback = sb
            .sign_in(&request.url, default_seed::ADMIN_EMAIL)
            .await
            .expect("sandbox sign-in");
        let session = oidc
            .exchange_callback(&request.pending, callback.query().unwrap_or_default())
            .await
            .expect("signed in");
        (oidc, session)
    }

    /// "Switch account": with `prompt=select_account` the sandbox shows its account chooser
    /// although the login hint names a user it could sign in silently.
    #[tokio::test]
    async fn select_account_shows_the_account_chooser_despite_the_login_hint() {
        let sb = SuperOfficeSandbox::start().await.expect("sandbox");
        let oidc = oidc(&sb);
        let silent = oidc
            .authorize_url(AuthorizeOptions::new().login_hint(default_seed::ADMIN_EMAIL))
            .expect("url");
        let response = browser()
            .get(silent.url.clone())
            .send()
            .await
            .expect("authorize");
        assert_eq!(response.status().as_u16(), 302, "silent without prompt");

        let request = oidc
            .authorize_url(
                AuthorizeOptions::new()
                    .login_hint(default_seed::ADMIN_EMAIL)
                    .prompt(Prompt::SelectAccount),
            )
            .expect("url");
        let page = browser()
            .get(request.url.clone())
            .send()
            .await
            .expect("authorize");
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.expect("html");
        assert!(
            html.contains(default_seed::SELLER_EMAIL),
            "lists the accounts"
        );
        assert!(
            html.contains("name=\"prompt\""),
            "keeps the prompt in the form"
        );

        // The user picks the seller on the chooser.
        let chosen = browser()
            .post(request.url.clone())
            .form(&[("email", default_seed::SELLER_EMAIL), ("consent", "allow")])
            .send()
            .await
            .expect("post");
        let session = finish(&oidc, &request.pending, chosen).await;
        assert_eq!(
            session.claims.associate_id,
            Some(default_seed::SELLER_ASSOCIATE_ID)
        );
    }

    #[tokio::test]
    async fn the_sandbox_refuses_unknown_prompt_values_and_prompt_none_without_a_user() {
        let sb = SuperOfficeSandbox::start().await.expect("sandbox");
        let oidc = oidc(&sb);
        let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
        let redirect_error = |response: &reqwest::Response| {
            let location = response.headers()["location"]
                .to_str()
                .expect("ascii")
                .to_owned();
            url::Url::parse(&location)
                .expect("url")
                .query_pairs()
                .find(|(k, _)| k == "error")
                .map(|(_, v)| v.into_owned())
        };
        for (prompt, expected) in [
            ("sometimes", "invalid_request"),
            ("none login", "invalid_request"),
            ("none", "login_required"),
        ] {
            let mut url = request.url.clone();
            url.query_pairs_mut().append_pair("prompt", prompt);
            let response = browser().get(url).send().await.expect("authorize");
            assert_eq!(response.status().as_u16(), 302, "{prompt}");
            assert_eq!(
                redirect_error(&response).as_deref(),
                Some(expected),
                "{prompt}"
            );
        }
    }

    /// Disconnect: the revoked refresh token then fails with `invalid_grant`.
    #[tokio::test]
    async fn a_revoked_refresh_token_fails_with_invalid_grant() {
        let sb = SuperOfficeSandbox::start().await.expect("sandbox");
        let (oidc, session) = sign_in(&sb).await;
        let refresh = session.tokens.refresh_token.clone().expect("refresh token");
        oidc.refresh(&refresh).await.expect("usable before");
        assert_eq!(
            oidc.revocation_url().await.expect("discovered").path(),
            "/login/common/oauth/revoke"
        );
        oidc.revoke_refresh_token(&refresh).await.expect("revoked");
        let err = oidc.refresh(&refresh).await.expect_err("revoked");
        let err = auth_err(err);
        assert!(err.requires_sign_in(), "{err:?}");
        assert!(
            matches!(err, AuthError::TokenEndpoint { ref error, .. } if error == "invalid_grant")
        );
        // Revoking an unknown (already revoked) token is not an error (RFC 7009).
        oidc.revoke_refresh_token(&refresh)
            .await
            .expect("idempotent");

        // Wrong client credentials are refused.
        let env = Environment::custom(sb.base_url()).expect("env");
        let wrong = OidcClient::new(
            OidcConfig::new(
                env,
                sb.client_id(),
                "wrong-secret",
                default_seed::REDIRECT_URI,
            )
            .expect("config"),
        )
        .expect("client");
        let err = wrong
            .revoke_refresh_token(&refresh)
            .await
            .expect_err("bad client");
        assert!(matches!(
            auth_err(err),
            AuthError::TokenEndpoint { status: Some(401), ref error, .. } if error == "invalid_client"
        ));
    }

    /// The sandbox's state API returns empty `Endpoint`/`Api` for a suspended tenant; the
    /// client reads it as a typed state.
    #[tokio::test]
    async fn a_suspended_sandbox_tenant_has_no_location() {
        let sb = SuperOfficeSandbox::start().await.expect("sandbox");
        sb.set_tenant_state(default_seed::MAIN_TENANT, "Suspended")
            .expect("state");
        let locator = TenantLocator::new(
            Environment::custom(sb.base_url()).expect("env"),
            superoffice_client::default_http_client().expect("http"),
        );
        let tenant = CustomerId::parse(default_seed::MAIN_TENANT).expect("id");
        let status = locator.status(&tenant).await.expect("typed state");
        assert_eq!(status.state, TenantState::Suspended);
        assert_eq!(status.endpoint, None);
        assert_eq!(status.api, None);
        let err = tenant_err(locator.api_base(&tenant).await.expect_err("suspended"));
        assert!(matches!(err, TenantError::NotAvailable { .. }), "{err:?}");
    }
}
