//! The refreshing token provider: early refresh (and one that fails while the token is still
//! valid), reactive refresh after 401, single flight, persistence hook.

use crate::auth_support as support;
use crate::fixtures::fixture;
use support::*;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone, Utc};
use secrecy::{ExposeSecret, SecretString};
use superoffice_client::auth::{RefreshingTokenProvider, TokenRefresher, TokenSet, TokenSink};
use superoffice_client::credentials::StaticToken;
use superoffice_client::{AuthError, Clock, Credential, Error, ManualClock, TokenProvider};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer};

const OLD_ACCESS: &str = "8A:Cust26759.AR2oldAccessToken";

fn refreshed_access() -> String {
    let body: serde_json::Value = serde_json::from_str(REFRESH_RESPONSE).expect("fixture");
    body["access_token"]
        .as_str()
        .expect("access token")
        .to_owned()
}

fn bearer_secret(credential: &Credential) -> String {
    match credential {
        Credential::Bearer { access_token, .. } => access_token.expose_secret().to_owned(),
        other => panic!("expected a bearer credential, got {other:?}"),
    }
}

/// A token endpoint that answers refreshes with a fresh access token (and an id_token without
/// nonce), expecting `calls` requests.
async fn mount_refresh(server: &MockServer, calls: u64) {
    let mut claims = id_token_claims(server, "unused");
    claims.as_object_mut().map(|m| m.remove("nonce"));
    // SuperOffice id_tokens live 5 minutes; this one outlives the clock moves in these tests.
    claims["exp"] = (now() + Duration::hours(1)).timestamp().into();
    let id_token = sign(&claims, KID_A, PROVIDER_KEY_A);
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(json_response(&with_id_token(REFRESH_RESPONSE, &id_token)))
        .expect(calls)
        .mount(server)
        .await;
    mount_jwks(server, JWKS, if calls == 0 { 0 } else { 1 }).await;
}

fn provider(
    server: &MockServer,
    clock: Arc<superoffice_client::ManualClock>,
    expires_in: Duration,
) -> RefreshingTokenProvider {
    let tokens = TokenSet::new(
        OLD_ACCESS,
        Some(REFRESH_TOKEN.to_owned()),
        clock.now() + expires_in,
    );
    RefreshingTokenProvider::new(Arc::new(oidc(server, clock.clone())), tokens).with_clock(clock)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_callers_share_one_refresh() {
    let server = MockServer::start().await;
    mount_refresh(&server, 1).await;
    let provider = Arc::new(provider(&server, clock(), Duration::seconds(-5)));

    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.credential().await })
        })
        .collect();
    let results = futures::future::join_all(tasks).await;
    let expected = refreshed_access();
    for result in results {
        let credential = result.expect("task ran").expect("credential");
        assert_eq!(bearer_secret(&credential), expected);
    }
    // MockServer verifies `.expect(1)` on drop: exactly one token request.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_401s_share_one_refresh() {
    let server = MockServer::start().await;
    mount_refresh(&server, 1).await;
    let provider = Arc::new(provider(&server, clock(), Duration::minutes(30)));
    let rejected = provider.credential().await.expect("current");
    assert_eq!(bearer_secret(&rejected), OLD_ACCESS);

    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let provider = provider.clone();
            let rejected = rejected.clone();
            tokio::spawn(async move { provider.refresh_after_unauthorized(&rejected).await })
        })
        .collect();
    for result in futures::future::join_all(tasks).await {
        let credential = result.expect("task ran").expect("credential");
        assert_eq!(bearer_secret(&credential), refreshed_access());
    }
}

#[tokio::test]
async fn a_valid_token_is_used_without_a_request() {
    let server = MockServer::start().await;
    mount_refresh(&server, 0).await;
    let provider = provider(&server, clock(), Duration::minutes(10));
    for _ in 0..3 {
        let credential = provider.credential().await.expect("credential");
        assert_eq!(bearer_secret(&credential), OLD_ACCESS);
    }
}

#[tokio::test]
async fn refreshes_early_within_the_margin() {
    let server = MockServer::start().await;
    mount_refresh(&server, 1).await;
    let clock = clock();
    // Expires in 30 s: inside the default 60 s margin.
    let provider = provider(&server, clock.clone(), Duration::seconds(30));
    let credential = provider.credential().await.expect("credential");
    assert_eq!(bearer_secret(&credential), refreshed_access());
    let tokens = provider.tokens().await;
    assert_eq!(tokens.expires_at, clock.now() + Duration::seconds(3600));
    assert_eq!(
        tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
        Some(REFRESH_TOKEN)
    );
    // Now valid for an hour: no more requests.
    provider.credential().await.expect("cached");
}

#[tokio::test]
async fn the_margin_is_configurable() {
    let server = MockServer::start().await;
    mount_refresh(&server, 1).await;
    let clock = clock();
    let provider = provider(&server, clock.clone(), Duration::minutes(4))
        .with_refresh_margin(Duration::minutes(5));
    let credential = provider.credential().await.expect("credential");
    assert_eq!(bearer_secret(&credential), refreshed_access());
}

#[tokio::test]
async fn expiry_is_followed_on_the_clock() {
    let server = MockServer::start().await;
    mount_refresh(&server, 1).await;
    let clock = clock();
    let provider = provider(&server, clock.clone(), Duration::minutes(10));
    assert_eq!(
        bearer_secret(&provider.credential().await.expect("c")),
        OLD_ACCESS
    );
    clock.advance(Duration::minutes(9) + Duration::seconds(30));
    assert_eq!(
        bearer_secret(&provider.credential().await.expect("c")),
        refreshed_access()
    );
}

#[tokio::test]
async fn a_401_for_an_already_replaced_token_sends_no_request() {
    let server = MockServer::start().await;
    mount_refresh(&server, 1).await;
    let provider = provider(&server, clock(), Duration::minutes(30));
    let old = provider.credential().await.expect("current");

    let fresh = provider
        .refresh_after_unauthorized(&old)
        .await
        .expect("refreshed");
    assert_eq!(bearer_secret(&fresh), refreshed_access());
    // A request that was in flight with the old token also got a 401: no second refresh.
    let again = provider
        .refresh_after_unauthorized(&old)
        .await
        .expect("current");
    assert_eq!(bearer_secret(&again), refreshed_access());
}

#[derive(Default)]
struct RecordingSink {
    saved: Mutex<Vec<(String, Option<String>)>>,
}

#[async_trait::async_trait]
impl TokenSink for RecordingSink {
    async fn tokens_refreshed(&self, tokens: &TokenSet) -> superoffice_client::Result<()> {
        self.saved.lock().expect("lock").push((
            tokens.access_token.expose_secret().to_owned(),
            tokens
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
        ));
        Ok(())
    }
}

#[tokio::test]
async fn the_sink_sees_every_refresh() {
    let server = MockServer::start().await;
    mount_refresh(&server, 1).await;
    let sink = Arc::new(RecordingSink::default());
    let provider = provider(&server, clock(), Duration::seconds(0))
        .with_sink(sink.clone() as Arc<dyn TokenSink>);
    provider.credential().await.expect("credential");
    let saved = sink.saved.lock().expect("lock").clone();
    assert_eq!(
        saved,
        vec![(refreshed_access(), Some(REFRESH_TOKEN.to_owned()))]
    );
}

#[tokio::test]
async fn a_closure_is_a_sink() {
    let server = MockServer::start().await;
    mount_refresh(&server, 1).await;
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let provider = provider(&server, clock(), Duration::seconds(0)).with_sink(Arc::new(
        move |_: &TokenSet| {
            seen.fetch_add(1, Ordering::SeqCst);
        },
    ));
    provider.credential().await.expect("credential");
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn without_a_refresh_token_an_expired_token_cannot_be_refreshed() {
    let server = MockServer::start().await;
    mount_refresh(&server, 0).await;
    let clock = clock();
    let tokens = TokenSet::new(OLD_ACCESS, None, clock.now() - Duration::minutes(1));
    let provider = RefreshingTokenProvider::new(Arc::new(oidc(&server, clock.clone())), tokens)
        .with_clock(clock);
    let err = provider.credential().await.expect_err("cannot refresh");
    assert!(matches!(err, Error::Auth(AuthError::CannotRefresh)));
}

#[tokio::test]
async fn a_static_token_cannot_be_refreshed() {
    let provider = StaticToken::new(Credential::bearer(OLD_ACCESS));
    let credential = provider.credential().await.expect("static");
    let err = provider
        .refresh_after_unauthorized(&credential)
        .await
        .expect_err("static");
    assert!(matches!(err, Error::Auth(AuthError::CannotRefresh)));
}

#[tokio::test]
async fn debug_output_has_no_secrets() {
    let server = MockServer::start().await;
    let provider = provider(&server, clock(), Duration::minutes(10));
    let tokens = provider.tokens().await;
    for debug in [
        format!("{provider:?}"),
        format!("{tokens:?}"),
        format!("{:?}", tokens.credential()),
    ] {
        assert!(!debug.contains(OLD_ACCESS), "{debug}");
        assert!(!debug.contains(REFRESH_TOKEN), "{debug}");
        assert!(!debug.contains(CLIENT_SECRET), "{debug}");
    }
}

#[tokio::test]
async fn a_refused_refresh_token_is_not_tried_again_until_replaced() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(wiremock::ResponseTemplate::new(400).set_body_raw(
            fixture!("auth/token_error_invalid_grant.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let provider = provider(&server, clock.clone(), Duration::seconds(-1));
    let first = provider.credential().await.expect_err("revoked");
    assert!(matches!(
        first,
        Error::Auth(AuthError::TokenEndpoint { ref error, .. }) if error == "invalid_grant"
    ));
    let second = provider.credential().await.expect_err("still revoked");
    assert!(matches!(second, Error::Auth(AuthError::CannotRefresh)));

    // After a new sign-in the provider works again.
    provider
        .replace_tokens(TokenSet::new(
            "8A:Cust26759.AR2newSignIn",
            Some("new-refresh".to_owned()),
            clock.now() + Duration::hours(1),
        ))
        .await;
    let credential = provider.credential().await.expect("fresh tokens");
    assert_eq!(bearer_secret(&credential), "8A:Cust26759.AR2newSignIn");
}

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
///
/// Regression (found in review): this test failed before its fix.
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
///
/// Regression (found in review): this test failed before its fix.
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
