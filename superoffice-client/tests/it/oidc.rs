//! The OIDC sign-in against a mock provider: the authorization URL (with `prompt`), the code
//! exchange, callbacks and pending sign-ins, refresh, revocation, token-endpoint answers and
//! redirects, and the client configuration.

use crate::auth_support as support;
use crate::fixtures::fixture;
use support::*;

use base64::Engine as _;
use chrono::Duration;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use superoffice_client::auth::{
    AuthorizeOptions, IdTokenValidator, JwtExpectations, OidcConfig, PendingAuthorization, Prompt,
};
use superoffice_client::tenant::{CustomerId, TenantLocator};
use superoffice_client::{AuthError, Error};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
            fixture!("auth/token_error_invalid_grant.json"),
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

fn following_client() -> reqwest::Client {
    // reqwest's default policy follows up to 10 redirects.
    reqwest::Client::new()
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

/// A refresh answer with `"refresh_token": ""` carries no new refresh token: the old one is
/// kept (storing the empty one would make every later refresh fail with `CannotRefresh`).
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test]
async fn an_empty_refresh_token_in_a_refresh_answer_keeps_the_old_one() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(json_response(&json!({
            "token_type": "Bearer",
            "access_token": "8A:Cust26759.AR2refreshed",
            "expires_in": 3600,
            "refresh_token": ""
        })))
        .expect(1)
        .mount(&server)
        .await;
    let oidc = oidc(&server, clock());
    let tokens = oidc
        .refresh(&SecretString::from(REFRESH_TOKEN.to_owned()))
        .await
        .expect("refreshed");
    assert_eq!(
        tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
        Some(REFRESH_TOKEN)
    );
}

/// A token answer with an absurd `expires_in` must not panic on date overflow.
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test]
async fn a_huge_expires_in_does_not_panic() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(json_response(&json!({
            "token_type": "Bearer",
            "access_token": "8A:Cust26759.AR2refreshed",
            "expires_in": "100000000000000"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let oidc = oidc(&server, clock());
    let tokens = oidc
        .refresh(&SecretString::from(REFRESH_TOKEN.to_owned()))
        .await
        .expect("refreshed");
    assert!(tokens.expires_at > now() + chrono::Duration::days(365));
}
