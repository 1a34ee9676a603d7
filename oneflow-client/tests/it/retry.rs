//! Retries: rate limits with and without `Retry-After`, the time budget, idempotent and
//! creating calls, connection errors, timeouts and the backoff arithmetic.

use crate::common;
use common::*;

use std::time::Duration;

use oneflow_client::models::draft::ContractDraft;
use oneflow_client::models::*;
use oneflow_client::{Client, Error, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

/// Oneflow documents no `Retry-After` and a 5-minute window: a bare 429 is surfaced at once
/// as `RateLimited` (one request, no quota burnt on quick retries), with the `info` kept.
#[tokio::test]
async fn rate_limit_without_retry_after_is_surfaced_at_once() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345"))
        // Shape of the 429 example on developer.oneflow.com's API rate limit page.
        .respond_with(json(429, fixture!("problem_429.json")))
        .expect(1)
        .mount(&server)
        .await;
    let err = instant_retries(&server, 4)
        .contracts()
        .get(ContractId(3012345))
        .await
        .unwrap_err();
    match &err {
        Error::RateLimited {
            retry_after: None,
            problem,
        } => assert!(problem.info().is_some_and(|i| i.starts_with("https://"))),
        other => panic!("expected RateLimited, got {other:?}"),
    }
}

#[tokio::test]
async fn rate_limit_with_retry_after_then_success_is_retried() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345"))
        .respond_with(json(429, fixture!("problem_429.json")).insert_header("retry-after", "0"))
        .up_to_n_times(2)
        .expect(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345"))
        .respond_with(json(200, CONTRACT))
        .expect(1)
        .mount(&server)
        .await;
    let contract = instant_retries(&server, 4)
        .contracts()
        .get(ContractId(3012345))
        .await
        .unwrap();
    assert_eq!(contract.id, ContractId(3012345));
}

#[tokio::test]
async fn rate_limit_gives_up_after_max_attempts() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .respond_with(json(429, fixture!("problem_429.json")).insert_header("retry-after", "0"))
        .expect(3)
        .mount(&server)
        .await;
    let err = instant_retries(&server, 3)
        .users()
        .list()
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::RateLimited {
            retry_after,
            problem,
        } => {
            assert_eq!(*retry_after, Some(Duration::ZERO));
            assert_eq!(problem.error_code(), Some(4_290_000));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(err.is_retryable());
}

#[tokio::test]
async fn retry_after_beyond_the_time_budget_gives_up_at_once() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .respond_with(json(429, fixture!("problem_429.json")).insert_header("retry-after", "120"))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(base(&server))
        .api_token(TOKEN)
        .retry_policy(RetryPolicy::default().max_elapsed(Duration::from_secs(60)))
        .build()
        .unwrap();
    let err = client.users().list().send().await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
}

#[tokio::test]
async fn idempotent_put_is_retried_on_503() {
    let server = server().await;
    Mock::given(method("PUT"))
        .and(path("/v1/contracts/3012345"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/contracts/3012345"))
        .respond_with(json(200, CONTRACT))
        .expect(1)
        .mount(&server)
        .await;
    let update = oneflow_client::models::draft::ContractUpdate::new().name("x");
    instant_retries(&server, 3)
        .contracts()
        .update(ContractId(3012345), &update)
        .await
        .unwrap();
}

#[tokio::test]
async fn creating_posts_are_never_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/contracts/create"))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/contracts/7/publish"))
        .respond_with(json(429, fixture!("problem_429.json")))
        .expect(1)
        .mount(&server)
        .await;
    let client = instant_retries(&server, 5);
    let err = client
        .contracts()
        .create(&ContractDraft::new(WorkspaceId(1), TemplateId(2)))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(
        err.is_retryable(),
        "retryable in principle, but not repeated because it is a create"
    );
    let msg = oneflow_client::models::draft::PublishMessage::new("s", "m");
    let err = client
        .contracts()
        .publish(ContractId(7), &msg)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }));
}

#[tokio::test]
async fn connection_errors_are_transport_errors_and_retried_for_gets() {
    // Bind and drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .api_token(TOKEN)
        .retry_policy(
            RetryPolicy::default()
                .jitter(false)
                .initial_backoff(Duration::ZERO)
                .max_attempts(2),
        )
        .build()
        .unwrap();
    let err = client.ping().await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)));
    assert!(err.is_retryable());
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn timeouts_are_transport_errors_retried_for_gets_only() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/ping"))
        .respond_with(json(200, "{}").set_delay(Duration::from_secs(5)))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/webhooks"))
        .respond_with(json(200, fixture!("webhook.json")).set_delay(Duration::from_secs(5)))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(base(&server))
        .api_token(TOKEN)
        .timeout(Duration::from_millis(100))
        .retry_policy(
            RetryPolicy::default()
                .jitter(false)
                .initial_backoff(Duration::ZERO)
                .max_attempts(2),
        )
        .build()
        .unwrap();
    let err = client.ping().await.unwrap_err();
    match &err {
        Error::Transport(e) => assert!(e.is_timeout()),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(err.is_retryable());
    assert!(err.to_string().contains("timeout"));
    let draft = oneflow_client::api::webhooks::WebhookDraft::new("https://crm.ourco.example/hook")
        .sign_key("s3cret-sign-key");
    let err = client.webhooks().create(&draft).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)));
}

/// `backoff` and `decide` are public; a NaN unit must not panic.
///
/// Regression (found in review): this test failed before its fix.
#[test]
fn backoff_with_nan_unit_does_not_panic() {
    let p = RetryPolicy::default().initial_backoff(Duration::from_millis(100));
    let d = p.backoff(2, f64::NAN);
    assert!(d <= Duration::from_millis(200));
}
