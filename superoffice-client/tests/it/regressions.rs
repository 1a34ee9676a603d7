//! Regression tests for bugs found in review.

use crate::rest_support;

use crate::auth_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use futures::TryStreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use superoffice_client::auth::{IdTokenProblem, IdTokenValidator, JwtExpectations};
use superoffice_client::auth::{RefreshingTokenProvider, TokenRefresher, TokenSet};
use superoffice_client::ApiRequest;
use superoffice_client::{AuthError, ManualClock};
use superoffice_client::{Credential, Error, TokenProvider};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use rest_support::{api_base, client, API};

/// A refresher whose token endpoint is down (a transport-like failure), counting calls.
#[derive(Debug, Default)]
struct DownRefresher {
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl TokenRefresher for DownRefresher {
    async fn refresh(&self, _refresh_token: &SecretString) -> superoffice_client::Result<TokenSet> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(AuthError::TokenEndpoint {
            status: Some(503),
            error: "invalid_response".to_owned(),
            description: None,
        }
        .into())
    }
}

fn bearer(credential: &Credential) -> String {
    match credential {
        Credential::Bearer { access_token, .. } => access_token.expose_secret().to_owned(),
        other => panic!("expected a bearer credential, got {other:?}"),
    }
}

/// An early (pre-expiry) refresh that fails transiently must not fail the call while the
/// current access token is still valid.
#[tokio::test]
async fn a_failed_early_refresh_keeps_using_the_still_valid_token() {
    let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(now));
    let refresher = Arc::new(DownRefresher::default());
    // Valid for 30 more seconds: inside the default 60 s early-refresh margin.
    let tokens = TokenSet::new(
        "8A:Cust12345.still-valid",
        Some("refresh-token".to_owned()),
        now + chrono::Duration::seconds(30),
    );
    let provider =
        RefreshingTokenProvider::new(refresher.clone(), tokens).with_clock(clock.clone());

    let credential = provider.credential().await.expect("the still-valid token");
    assert_eq!(bearer(&credential), "8A:Cust12345.still-valid");
    assert_eq!(
        refresher.calls.load(Ordering::SeqCst),
        1,
        "an early refresh was tried"
    );

    // Once the token has really expired, the failure is reported.
    clock.advance(chrono::Duration::seconds(31));
    let err = provider
        .credential()
        .await
        .expect_err("expired and cannot refresh");
    assert!(
        matches!(err, Error::Auth(AuthError::TokenEndpoint { .. })),
        "{err:?}"
    );
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 2);
}

/// A still-valid token without a refresh token is handed out until it expires.
#[tokio::test]
async fn a_valid_token_without_refresh_token_is_used_until_it_expires() {
    let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(now));
    let tokens = TokenSet::new(
        "8A:Cust12345.no-refresh",
        None,
        now + chrono::Duration::seconds(30),
    );
    let provider = RefreshingTokenProvider::new(Arc::new(DownRefresher::default()), tokens)
        .with_clock(clock.clone());
    let credential = provider.credential().await.expect("still valid");
    assert_eq!(bearer(&credential), "8A:Cust12345.no-refresh");
    clock.advance(chrono::Duration::seconds(31));
    let err = provider.credential().await.expect_err("expired");
    assert!(
        matches!(err, Error::Auth(AuthError::CannotRefresh)),
        "{err:?}"
    );
}

/// An `odata.nextLink` on the right host whose path starts inside the API base but continues
/// with `//` must not be joined as an absolute path (which would leave the tenant's base).
#[tokio::test]
async fn a_next_link_escaping_the_api_base_through_a_double_slash_is_refused() {
    let server = MockServer::start().await;
    let escaping = format!("{}{API}//Cust99999/api/v1/Sale?$skip=1", server.uri());
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "odata.nextLink": escaping,
            "value": [{"saleId": 1}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/Cust99999/api/v1/Sale"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .expect(0)
        .mount(&server)
        .await;
    let (client, _tokens) = client(&server);
    let result: Result<Vec<_>, _> = client.sales().list().top(1).stream().try_collect().await;
    assert!(matches!(result, Err(Error::Protocol(_))), "{result:?}");
}

/// A request whose segments would climb out of the API base (`..`, or an empty first segment)
/// is refused locally.
#[tokio::test]
async fn request_paths_cannot_leave_the_api_base() {
    let server = MockServer::start().await;
    let base = api_base(&server);
    let climbing = ApiRequest::get(
        "v1/List/{name}/Items",
        ["v1", "List", "..", "..", "..", "x"],
    );
    assert!(matches!(climbing.url(&base), Err(Error::InvalidInput(_))));
    let absolute = ApiRequest::get("v1/{x}", ["", "Cust99999", "api", "v1", "Sale"]);
    assert!(matches!(absolute.url(&base), Err(Error::InvalidInput(_))));
    let fine = ApiRequest::get("v1/Sale/{id}", ["v1", "Sale", "42"]);
    assert_eq!(
        fine.url(&base).expect("inside").path(),
        format!("{API}/v1/Sale/42")
    );

    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(0)
        .mount(&server)
        .await;
    let (client, _tokens) = client(&server);
    let err = client
        .execute::<serde_json::Value>(absolute)
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
}

/// Tokens naming made-up `kid`s must not cause one JWKS download each: after a refetch that
/// still misses the key, further unknown-key lookups answer at once for a while.
#[tokio::test]
async fn made_up_kids_do_not_force_a_jwks_download_each() {
    use auth_support::*;
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

/// A refresh answer with `"refresh_token": ""` carries no new refresh token: the old one is
/// kept (storing the empty one would make every later refresh fail with `CannotRefresh`).
#[tokio::test]
async fn an_empty_refresh_token_in_a_refresh_answer_keeps_the_old_one() {
    use auth_support::*;
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

/// The webhook signature is accepted without `=` padding and in URL-safe base64; a wrong
/// signature in either form is still rejected.
#[test]
fn webhook_signatures_in_other_base64_forms_are_verified() {
    use superoffice_client::webhook::{sign_for_test, verify_signature, WebhookError};
    // A body whose signature has `+` or `/`, so the URL-safe form really differs.
    let (body, signature) = (0..1000)
        .map(|n| format!(r#"{{"EventId":"e-{n}","Event":"sale.changed","PrimaryKey":{n}}}"#))
        .map(|body| {
            let signature = sign_for_test(body.as_bytes(), "s3cret");
            (body, signature)
        })
        .find(|(_, signature)| signature.contains(['+', '/']))
        .expect("some signature has + or /");
    assert!(signature.ends_with('='));
    let unpadded = signature.trim_end_matches('=');
    let url_safe = signature.replace('+', "-").replace('/', "_");
    let url_safe_unpadded = url_safe.trim_end_matches('=');
    for form in [signature.as_str(), unpadded, &url_safe, url_safe_unpadded] {
        assert_eq!(
            verify_signature(body.as_bytes(), "s3cret", form),
            Ok(()),
            "{form}"
        );
        assert_eq!(
            verify_signature(body.as_bytes(), "other", form),
            Err(WebhookError::InvalidSignature),
            "{form}"
        );
    }
    assert_eq!(
        verify_signature(body.as_bytes(), "s3cret", "a-b+c"),
        Err(WebhookError::MalformedSignature)
    );
}

/// A token answer with an absurd `expires_in` must not panic on date overflow.
#[tokio::test]
async fn a_huge_expires_in_does_not_panic() {
    use auth_support::*;
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

/// `exp`/`nbf` at the edges of the representable range must not panic in the leeway
/// arithmetic.
#[tokio::test]
async fn extreme_exp_and_nbf_do_not_panic() {
    use auth_support::*;
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

/// `status` of a tenant in offline maintenance must not leave its base in the cache, where
/// `api_base` would hand it out instead of reporting the tenant as not available.
#[tokio::test]
async fn status_of_an_unusable_tenant_does_not_feed_the_api_base_cache() {
    use superoffice_client::tenant::{TenantError, TenantLocator};
    use superoffice_client::CustomerId;
    use superoffice_client::Environment;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ContextIdentifier": "Cust26759",
            "Endpoint": "https://sod2.superoffice.com/Cust26759",
            "State": "OfflineMaintenance",
            "IsRunning": false,
            "ValidUntil": "2026-11-28T20:00:00Z",
            "Api": "https://sod2.superoffice.com/Cust26759/api",
            "Version": "10.5.2.1234"
        })))
        .expect(2)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 28, 19, 0, 0).unwrap(),
    ));
    let locator = TenantLocator::new(
        Environment::custom(server.uri()).expect("env"),
        reqwest::Client::new(),
    )
    .with_clock(clock);
    let customer = CustomerId::parse("Cust26759").expect("id");
    let status = locator.status(&customer).await.expect("status");
    assert!(!status.is_usable());
    let err = locator
        .api_base(&customer)
        .await
        .expect_err("not available");
    assert!(
        matches!(
            err,
            Error::Auth(AuthError::Tenant(TenantError::NotAvailable { .. }))
        ),
        "{err:?}"
    );
}

/// The key set is not trusted forever: after a day it is fetched again, and a key SuperOffice
/// withdrew no longer validates.
#[tokio::test(start_paused = true)]
async fn the_jwks_is_fetched_again_after_a_day_and_withdrawn_keys_stop_validating() {
    use auth_support::*;
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
#[tokio::test(start_paused = true)]
async fn a_day_old_jwks_is_kept_while_the_jwks_cannot_be_fetched() {
    use auth_support::*;
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

/// A PATCH that meets 421 (re-resolve) and then 401 (refresh) is sent three times in all, each
/// time with the same JSON Patch body, and never more (no loop between the two recoveries).
#[tokio::test]
async fn misdirected_then_unauthorized_patch_resends_the_same_body_once_each() {
    use rest_support::{CountingTokens, FixedResolver, BEARER_1, BEARER_2};
    use superoffice_client::models::{JsonPatch, SaleId, SaleStatus};
    use superoffice_client::Client;
    use superoffice_client::RateLimit;
    use wiremock::matchers::{body_string, header};

    let body = r#"[{"op":"test","path":"Status","value":"Open"},{"op":"replace","path":"Status","value":"Sold"}]"#;
    let sale = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/rest/sale_sold.json"
    ));
    let old = MockServer::start().await;
    let new = MockServer::start().await;
    let sale_path = format!("{API}/v1/Sale/42");
    Mock::given(method("PATCH"))
        .and(path(sale_path.as_str()))
        .and(body_string(body))
        .respond_with(ResponseTemplate::new(421))
        .expect(1)
        .mount(&old)
        .await;
    Mock::given(method("PATCH"))
        .and(path(sale_path.as_str()))
        .and(header("Authorization", BEARER_1))
        .and(body_string(body))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&new)
        .await;
    Mock::given(method("PATCH"))
        .and(path(sale_path.as_str()))
        .and(header("Authorization", BEARER_2))
        .and(header("Content-Type", "application/json"))
        .and(body_string(body))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(sale.as_bytes().to_vec(), "application/json"),
        )
        .expect(1)
        .mount(&new)
        .await;
    let tokens = CountingTokens::new();
    let resolver = FixedResolver::new(api_base(&new));
    let client = Client::builder()
        .api_base(api_base(&old))
        .token_provider(tokens.clone())
        .api_base_resolver(resolver.clone())
        .rate_limit(RateLimit::unlimited())
        .build()
        .expect("client");
    let patch = JsonPatch::new()
        .test("Status", SaleStatus::Open)
        .replace("Status", SaleStatus::Sold);
    let updated = client
        .sales()
        .patch(SaleId(42), &patch)
        .await
        .expect("patched");
    assert_eq!(updated.status, Some(SaleStatus::Sold));
    assert_eq!(resolver.calls(), 1);
    assert_eq!(tokens.refreshes(), 1);
}
