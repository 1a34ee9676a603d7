//! Benchmark 5 of issue 12 as a test: 200 concurrent REST calls through one client whose
//! access token has expired (on the clock, or only on the server: a 401) cause exactly one
//! request to the token endpoint, and every call succeeds with the refreshed token. The
//! timed version is `benches/refresh_storm.rs`.

use crate::auth_support::*;
use crate::rest_support::{api_base, json_body, API, SALE};

use std::sync::Arc;

use chrono::Duration;
use superoffice_client::auth::{RefreshingTokenProvider, TokenSet};
use superoffice_client::models::SaleId;
use superoffice_client::{Client, RateLimit};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CALLS: usize = 200;
const OLD_ACCESS: &str = "8A:Cust12345.AR2expiredAccessTokenQAQAACIJ";
const TOKEN_PATH: &str = "/login/common/oauth/tokens";

fn refreshed_access() -> String {
    let body: serde_json::Value = serde_json::from_str(REFRESH_RESPONSE).expect("fixture");
    body["access_token"]
        .as_str()
        .expect("access token")
        .to_owned()
}

/// The token endpoint answers a refresh with the fixture response and a signed id_token of
/// the same sign-in; the sale answers only the refreshed token (and, with `reject_old`, a
/// SuperOffice 401 to the old one).
async fn storm_server(reject_old: bool) -> MockServer {
    let server = MockServer::start().await;
    let mut claims = id_token_claims(&server, "unused");
    claims.as_object_mut().map(|m| m.remove("nonce"));
    claims["exp"] = (now() + Duration::hours(1)).timestamp().into();
    let id_token = sign(&claims, KID_A, PROVIDER_KEY_A);
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(json_response(&with_id_token(REFRESH_RESPONSE, &id_token)))
        .mount(&server)
        .await;
    mount_jwks(&server, JWKS, 1).await;
    let sale_path = format!("{API}/v1/Sale/42");
    Mock::given(method("GET"))
        .and(path(sale_path.as_str()))
        .and(header(
            "Authorization",
            format!("Bearer {}", refreshed_access()).as_str(),
        ))
        .respond_with(json_body(SALE))
        .expect(CALLS as u64)
        .mount(&server)
        .await;
    if reject_old {
        Mock::given(method("GET"))
            .and(path(sale_path.as_str()))
            .and(header("Authorization", format!("Bearer {OLD_ACCESS}").as_str()))
            .respond_with(ResponseTemplate::new(401).set_body_raw(
                r#"{"Error":true,"ErrorType":"SoAuthenticationException","ErrorMessage":"Invalid token","ErrorSource":"WebApi"}"#,
                "application/json",
            ))
            .mount(&server)
            .await;
    }
    server
}

/// A client whose access token expires at `now() + expires_in`.
fn storm_client(server: &MockServer, expires_in: Duration) -> Client {
    let clock = clock();
    let tokens = TokenSet::new(
        OLD_ACCESS,
        Some(REFRESH_TOKEN.to_owned()),
        now() + expires_in,
    );
    let provider = RefreshingTokenProvider::new(Arc::new(oidc(server, clock.clone())), tokens)
        .with_clock(clock);
    Client::builder()
        .api_base(api_base(server))
        .token_provider(Arc::new(provider))
        .rate_limit(RateLimit::unlimited())
        .build()
        .expect("client builds")
}

/// Runs `CALLS` concurrent sale reads; returns the number of token-endpoint requests.
async fn storm(server: &MockServer, client: &Client) -> usize {
    let tasks: Vec<_> = (0..CALLS)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.sales().get(SaleId(42)).await })
        })
        .collect();
    for result in futures::future::join_all(tasks).await {
        let sale = result.expect("task ran").expect("the call succeeds");
        assert_eq!(sale.sale_id, SaleId(42));
    }
    let requests = server.received_requests().await.expect("recording is on");
    requests
        .iter()
        .filter(|r| r.url.path() == TOKEN_PATH)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_calls_on_an_expired_token_refresh_once() {
    let server = storm_server(false).await;
    let client = storm_client(&server, Duration::seconds(-5));
    assert_eq!(storm(&server, &client).await, 1, "exactly one refresh");
    let requests = server.received_requests().await.expect("recording is on");
    assert_eq!(
        old_token_requests(&requests),
        0,
        "no call sent the expired token"
    );
}

/// Requests that carried the old access token.
fn old_token_requests(requests: &[wiremock::Request]) -> usize {
    requests
        .iter()
        .filter(|r| {
            r.headers
                .get("authorization")
                .is_some_and(|v| v.as_bytes().ends_with(OLD_ACCESS.as_bytes()))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_401s_on_a_revoked_token_refresh_once() {
    // The clock says the token is good for 30 minutes; the server already refuses it.
    let server = storm_server(true).await;
    let client = storm_client(&server, Duration::minutes(30));
    assert_eq!(storm(&server, &client).await, 1, "exactly one refresh");
    let requests = server.received_requests().await.expect("recording is on");
    let rejected = old_token_requests(&requests);
    assert!(
        (1..=CALLS).contains(&rejected),
        "each call sends the old token at most once: {rejected}"
    );
}
