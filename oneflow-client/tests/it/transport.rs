//! Errors, retries, pagination, timestamps, secrets and tracing: behaviour shared by all
//! endpoints.

use crate::common;

use std::time::Duration;

use common::*;
use futures::{StreamExt, TryStreamExt};
use oneflow_client::models::draft::ContractDraft;
use oneflow_client::models::*;
use oneflow_client::{Client, Error, InvalidInput, RetryPolicy, MAX_OFFSET};
use serde::{Deserialize, Serialize};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

const CONTRACT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/contract.json"
));

/// Retries immediately (zero backoff), so tests observe retries by request counts only.
fn instant_retries(server: &wiremock::MockServer, attempts: u32) -> Client {
    Client::builder()
        .base_url(base(server))
        .api_token(TOKEN)
        .user_email(EMAIL)
        .retry_policy(
            RetryPolicy::default()
                .jitter(false)
                .initial_backoff(Duration::ZERO)
                .max_attempts(attempts),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn problem_body_becomes_a_typed_api_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/1"))
        // Shape of the problem-body example on developer.oneflow.com ("Handling errors").
        .respond_with(json(
            404,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/problem_404.json"
            )),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .contracts()
        .get(ContractId(1))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert!(!err.is_retryable());
    let api = err.api_error().unwrap();
    assert_eq!(api.error_code(), Some(4_040_000));
    assert!(api.is_generic());
    assert_eq!(api.title(), Some("Not Found"));
    assert_eq!(api.request_id(), Some("Bp1JmXq3RzKdT6eYcZ2lBw=="));
    assert_eq!(
        api.problem_type(),
        Some("https://api.oneflow.com/v1/error_codes/4040000")
    );
    let shown = err.to_string();
    assert!(
        shown.contains("404") && shown.contains("4040000") && shown.contains("Not Found"),
        "{shown}"
    );
    assert!(shown.contains("does not exist"));
    assert!(!shown.contains(TOKEN) && !format!("{err:?}").contains(TOKEN));
}

#[tokio::test]
async fn parameter_problems_are_kept() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/contracts/create"))
        .respond_with(json(
            400,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/problem_400_parameters.json"
            )),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .contracts()
        .create(&ContractDraft::new(WorkspaceId(1), TemplateId(2)))
        .await
        .unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(api.error_code(), Some(4_000_012));
    assert!(!api.is_generic());
    assert_eq!(
        api.parameter_problems().unwrap()["parties[0].participants[0].email"][0],
        "Not a valid email address."
    );
}

#[tokio::test]
async fn html_502_keeps_status_and_snippet() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/workspaces"))
        .respond_with(
            ResponseTemplate::new(502).set_body_raw(
                include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/fixtures/bad_gateway.html"
                ))
                .as_bytes()
                .to_vec(),
                "text/html",
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .workspaces()
        .list()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert!(err.is_retryable());
    let api = err.api_error().unwrap();
    assert_eq!(api.error_code(), None);
    assert!(api
        .body_snippet()
        .contains("<title>502 Bad Gateway</title>"));
    assert!(err.to_string().contains("502"));
}

#[tokio::test]
async fn empty_error_body_is_fine() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/ping"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).ping().await.unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(api.status().as_u16(), 401);
    assert_eq!(api.raw_body(), "");
    assert_eq!(err.to_string(), "Oneflow API error: HTTP 401");
}

#[tokio::test]
async fn decode_errors_name_the_json_path() {
    let server = server().await;
    let broken = CONTRACT.replace("\"id\": 5502", "\"id\": \"not-a-number\"");
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345"))
        .respond_with(json(200, &broken))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .contracts()
        .get(ContractId(3012345))
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            status,
            path,
            snippet,
            ..
        } => {
            assert_eq!(*status, 200);
            assert_eq!(path, "parties[1].id");
            assert!(snippet.starts_with('{'));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(std::error::Error::source(&err).is_some());
}

/// Oneflow documents no `Retry-After` and a 5-minute window: a bare 429 is surfaced at once
/// as `RateLimited` (one request, no quota burnt on quick retries), with the `info` kept.
#[tokio::test]
async fn rate_limit_without_retry_after_is_surfaced_at_once() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345"))
        // Shape of the 429 example on developer.oneflow.com's API rate limit page.
        .respond_with(json(
            429,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/problem_429.json"
            )),
        ))
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
        .respond_with(
            json(
                429,
                include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/fixtures/problem_429.json"
                )),
            )
            .insert_header("retry-after", "0"),
        )
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
        .respond_with(
            json(
                429,
                include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/fixtures/problem_429.json"
                )),
            )
            .insert_header("retry-after", "0"),
        )
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
        .respond_with(
            json(
                429,
                include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/fixtures/problem_429.json"
                )),
            )
            .insert_header("retry-after", "120"),
        )
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
        .respond_with(json(
            429,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/problem_429.json"
            )),
        ))
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

fn page_of(ids: &[i64], count: u64) -> String {
    let data: Vec<serde_json::Value> =
        ids.iter().map(|id| serde_json::json!({"id": id, "state": "signed", "_private": {"name": format!("C{id}")}})).collect();
    serde_json::json!({"count": count, "data": data, "_links": {"next": null}}).to_string()
}

#[tokio::test]
async fn stream_walks_three_pages() {
    let server = server().await;
    for (offset, ids) in [("0", vec![1, 2]), ("2", vec![3, 4]), ("4", vec![5])] {
        Mock::given(method("GET"))
            .and(path("/v1/contracts"))
            .and(query_param("limit", "2"))
            .and(query_param("offset", offset))
            .and(query_param("filter[states]", "signed"))
            .respond_with(json(200, &page_of(&ids, 5)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let ids: Vec<i64> = client(&server)
        .contracts()
        .list()
        .state(ContractState::Signed)
        .limit(2)
        .stream()
        .map_ok(|c| c.id.get())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn stream_stops_on_an_empty_page() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts"))
        .and(query_param("offset", "0"))
        .respond_with(json(200, &page_of(&[1, 2], 10)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts"))
        .and(query_param("offset", "2"))
        .respond_with(json(200, &page_of(&[], 10)))
        .expect(1)
        .mount(&server)
        .await;
    let items: Vec<Contract> = client(&server)
        .contracts()
        .list()
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 2);
}

#[tokio::test]
async fn offset_ceiling_is_a_typed_error_not_a_silent_truncation() {
    let server = server().await;
    let ids: Vec<i64> = (0..100).collect();
    for offset in ["19800", "19900"] {
        Mock::given(method("GET"))
            .and(path("/v1/contracts"))
            .and(query_param("limit", "100"))
            .and(query_param("offset", offset))
            .respond_with(json(200, &page_of(&ids, 25_000)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let results: Vec<_> = client(&server)
        .contracts()
        .list()
        .offset(19_800)
        .stream()
        .collect()
        .await;
    assert_eq!(results.len(), 201);
    assert!(results[..200].iter().all(Result::is_ok));
    match &results[200] {
        Err(err @ Error::OffsetCeilingReached { total, max_offset }) => {
            assert_eq!((*total, *max_offset), (25_000, MAX_OFFSET));
            assert!(err.to_string().contains("narrow the filter"));
        }
        other => panic!("expected the ceiling error, got {other:?}"),
    }
}

#[tokio::test]
async fn paging_parameters_are_checked_locally() {
    let server = server().await; // the catch-all fails the test on any request
    let contracts = client(&server).contracts();
    for limit in [0, 101] {
        let err = contracts.list().limit(limit).send().await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput(InvalidInput::PageSize(l)) if l == limit));
    }
    let err = contracts.list().offset(19_901).send().await.unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput(InvalidInput::Offset(19_901))
    ));
    let first = contracts.list().limit(500).stream().next().await.unwrap();
    assert!(matches!(
        first,
        Err(Error::InvalidInput(InvalidInput::PageSize(500)))
    ));
}

#[derive(Serialize, Deserialize)]
struct Stamped {
    #[serde(with = "oneflow_client::models::timestamp")]
    at: Timestamp,
    #[serde(default, with = "oneflow_client::models::timestamp::option")]
    maybe: Option<Timestamp>,
}

#[test]
fn timestamps_both_ways() {
    let s: Stamped = serde_json::from_str(
        r#"{"at": "2020-06-30T07:15:23+0000", "maybe": "2020-06-30T09:15:23+02:00"}"#,
    )
    .unwrap();
    assert_eq!(s.at, s.maybe.unwrap());
    let out = serde_json::to_value(&s).unwrap();
    assert_eq!(out["at"], "2020-06-30T07:15:23+0000");
    assert_eq!(out["maybe"], "2020-06-30T07:15:23+0000");
    let s: Stamped =
        serde_json::from_str(r#"{"at": "2020-06-30T07:15:23Z", "maybe": null}"#).unwrap();
    assert!(s.maybe.is_none());
    assert!(serde_json::from_str::<Stamped>(r#"{"at": "30 June 2020"}"#).is_err());

    // A decoded contract re-serializes in Oneflow's format.
    let c: Contract = serde_json::from_str(CONTRACT).unwrap();
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["state_updated_time"], "2026-11-20T09:15:02+0000");
    assert_eq!(
        v["_private_ownerside"]["created_time"],
        "2026-11-20T09:15:02+0000"
    );
}

#[test]
fn unknown_enum_values_decode() {
    let mut v: serde_json::Value = serde_json::from_str(CONTRACT).unwrap();
    v["state"] = "archived".into();
    v["lifecycle_state"]["lifecycle_state"] = "hibernating".into();
    v["parties"][1]["type"] = "government".into();
    let p = &mut v["parties"][1]["participants"][0];
    p["delivery_channel"] = "fax".into();
    p["delivery_status"] = "lost".into();
    p["sign_method"] = "estonian_mobile_id".into();
    p["sign_state"] = "pondering".into();
    p["two_step_authentication_method"] = "totp".into();
    let c: Contract = serde_json::from_value(v).unwrap();
    assert_eq!(c.state, ContractState::Other("archived".into()));
    assert!(c.state.is_other());
    assert_eq!(
        c.lifecycle_state.unwrap().lifecycle_state,
        Some(LifecycleStateKind::Other("hibernating".into()))
    );
    let party = &c.parties[1];
    assert_eq!(
        party.party_type,
        Some(PartyType::Other("government".into()))
    );
    let p = &party.participants[0];
    assert_eq!(
        p.delivery_channel,
        Some(DeliveryChannel::Other("fax".into()))
    );
    assert_eq!(
        p.delivery_status,
        Some(DeliveryStatus::Other("lost".into()))
    );
    assert_eq!(
        p.sign_method,
        Some(SignMethod::Other("estonian_mobile_id".into()))
    );
    assert_eq!(p.sign_state, Some(SignState::Other("pondering".into())));
    assert_eq!(
        p.two_step_authentication_method,
        Some(TwoStepAuthenticationMethod::Other("totp".into()))
    );
    let f: ContractFile = serde_json::from_str(r#"{"id": 9, "type": "signature_page"}"#).unwrap();
    assert_eq!(f.file_type, Some(FileType::Other("signature_page".into())));
}

#[tokio::test]
async fn invalid_acting_user_is_refused_locally() {
    let server = server().await;
    let err = client(&server)
        .as_user("evil\r\nx-injected: 1")
        .ping()
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput(InvalidInput::InvalidHeaderValue { .. })
    ));
    let err = client(&server).as_user("").ping().await.unwrap_err();
    assert!(matches!(
        err.invalid_input(),
        Some(InvalidInput::InvalidHeaderValue { .. })
    ));
}

#[tokio::test]
async fn caller_supplied_reqwest_client_is_used() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/ping"))
        .and(wiremock::matchers::header("x-oneflow-api-token", TOKEN))
        .and(wiremock::matchers::header("user-agent", "crm-sync/2.0"))
        .respond_with(json(200, "{}"))
        .expect(1)
        .mount(&server)
        .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(base(&server))
        .api_token(TOKEN)
        .http_client(http)
        .user_agent("crm-sync/2.0")
        .build()
        .unwrap();
    client.ping().await.unwrap();
}

#[tokio::test]
async fn unexpected_redirect_on_an_api_call_is_an_error_not_followed() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "https://elsewhere.example/steal"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .contracts()
        .get(ContractId(3012345))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(302));
}

/// A caller-supplied reqwest client that follows redirects would carry the token to the
/// `Location` host; the client notices the changed final URL and refuses the answer.
#[tokio::test]
async fn a_redirect_following_http_client_is_refused() {
    let server = server().await;
    let other = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/landing", other.uri()).as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/landing"))
        .respond_with(json(200, CONTRACT))
        .expect(1)
        .mount(&other)
        .await;
    let following = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(base(&server))
        .api_token(TOKEN)
        .http_client(following)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client
        .contracts()
        .get(ContractId(3012345))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config(oneflow_client::ConfigError::RedirectingHttpClient)
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("Policy::none()"), "{err}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn conflicts_are_recognised_and_name_the_path_template() {
    let server = server().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/contracts/3012345"))
        .respond_with(json(
            409,
            r#"{"error_code": 4090000, "status": 409, "title": "Conflict",
               "detail": "The contract is in a state that does not allow this operation",
               "type": "https://api.oneflow.com/v1/error_codes/4090000",
               "request_id": "Vh3qPm0Xc1LbR8sYdT5eNw=="}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .contracts()
        .delete(ContractId(3012345))
        .await
        .unwrap_err();
    assert!(err.is_conflict() && !err.is_not_found());
    let api = err.api_error().expect("an API error");
    assert_eq!(api.path_template(), "contracts/{id}");
    assert!(!format!("{api:?}").contains("3012345"));
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
        .respond_with(
            json(
                200,
                include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/fixtures/webhook.json"
                )),
            )
            .set_delay(Duration::from_secs(5)),
        )
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

/// The escape hatches: `send` hands back status, headers and body of a call the crate does
/// not wrap; a non-2xx answer is still a typed error naming the path template.
#[tokio::test]
async fn raw_calls_keep_the_client_rules() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/comments"))
        .and(wiremock::matchers::header("x-oneflow-user-email", EMAIL))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "cmt-1")
                .set_body_raw(r#"{"count": 0, "data": []}"#, "application/json"),
        )
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/tags/12"))
        .respond_with(json(
            404,
            r#"{"error_code": 4040000, "status": 404, "title": "Not Found",
               "detail": "The requested resource does not exist."}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let comments = || {
        oneflow_client::ApiRequest::get(
            "contracts/{id}/comments",
            ["contracts", "3012345", "comments"],
        )
    };
    let raw = client.send(comments()).await.unwrap();
    assert_eq!(raw.status.as_u16(), 200);
    assert_eq!(raw.headers["x-request-id"], "cmt-1");
    assert_eq!(&raw.body[..], br#"{"count": 0, "data": []}"#);
    assert!(format!("{raw:?}").contains("body_len"));
    let decoded: serde_json::Value = client.execute(comments()).await.unwrap();
    assert_eq!(decoded["count"], 0);

    let err = client
        .execute_empty(oneflow_client::ApiRequest::delete(
            "tags/{id}",
            ["tags", "12"],
        ))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.api_error().unwrap().path_template(), "tags/{id}");

    // A dot segment would move the path: refused before anything is sent.
    let err = client
        .execute_empty(oneflow_client::ApiRequest::delete(
            "tags/{id}",
            ["tags", ".."],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
}
