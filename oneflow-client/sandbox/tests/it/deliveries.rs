//! Webhook deliveries and fault injection of the Oneflow sandbox.

use std::time::Duration;

use crate::support::*;
use oneflow_sandbox::{
    default_seed as seed, DeliveryConfig, DeliveryOutcome, DeliveryRecord, Fault, OneflowSandbox,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SIGN_KEY: &str = "s3cret-sign-key";

async fn api_with(config: DeliveryConfig) -> Api {
    Api::with(
        OneflowSandbox::builder()
            .delivery_config(config)
            .start()
            .await
            .unwrap(),
    )
    .await
}

async fn register(api: &Api, receiver: &MockServer, extra: Value) -> i64 {
    let mut body =
        json!({ "callback_url": format!("{}/hook", receiver.uri()), "sign_key": SIGN_KEY });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let (status, hook) = api.post("/webhooks", body).await;
    assert_eq!(status, StatusCode::OK, "{hook}");
    hook["id"].as_i64().unwrap()
}

fn sha1_hex(s: &str) -> String {
    hex::encode(Sha1::digest(s.as_bytes()))
}

fn successes(log: &[DeliveryRecord]) -> usize {
    log.iter().filter(|d| d.outcome.is_success()).count()
}

#[tokio::test]
async fn deliveries_use_the_current_format_and_sha1_signature() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let api = api_with(DeliveryConfig::immediate()).await;
    let hook = register(&api, &receiver, json!({})).await;

    let (_, listed) = api.get("/webhooks").await;
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["data"][0]["webhook_id"], hook);
    assert_eq!(listed["data"][0]["legacy_webhook"], false);
    assert!(
        listed["data"][0].get("sign_key").is_none(),
        "sign_key is write-only"
    );
    assert!(!listed.to_string().contains(SIGN_KEY));

    let id = api.create(api.draft(seed::TEMPLATE_PLAIN)).await["id"]
        .as_i64()
        .unwrap();
    api.publish(id).await;
    let log = api
        .sandbox
        .wait_for_deliveries(|log| successes(log) == 1)
        .await
        .unwrap();
    // Only documented event types: no `contract:create` on create.
    assert_eq!(log[0].event_types, vec!["contract:publish"]);

    let requests = receiver.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        body.as_object().unwrap().len(),
        4,
        "only contract, callback_id, events, signature: {body}"
    );
    assert_eq!(body["contract"], json!({ "id": id }));
    let callback_id = body["callback_id"].as_str().unwrap();
    assert_eq!(callback_id.len(), 40);
    assert!(callback_id
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(
        body["signature"],
        sha1_hex(&format!("{callback_id}{SIGN_KEY}"))
    );
    let event = &body["events"][0];
    assert_eq!(event["type"], "contract:publish");
    assert!(is_oneflow_time(event["created_time"].as_str().unwrap()));
    let (_, stored) = api
        .get(&format!("/contracts/{id}/events/{}", event["id"]))
        .await;
    assert_eq!(stored["type"], "contract:publish");
    create_and_publish(&api).await;
    let log = api
        .sandbox
        .wait_for_deliveries(|log| successes(log) == 2)
        .await
        .unwrap();
    assert_ne!(
        log[0].callback_id, log[1].callback_id,
        "callback ids are unique per notification"
    );
    assert_eq!(requests[0].headers["content-type"], "application/json");
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_one_event_in_three_attempts_with_one_callback_id() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&receiver)
        .await;
    let api =
        api_with(DeliveryConfig::immediate().retry_gaps(vec![Duration::from_millis(5)])).await;
    let id = api.create(api.draft(seed::TEMPLATE_PLAIN)).await["id"]
        .as_i64()
        .unwrap();
    register(&api, &receiver, json!({ "filters": [{ "filter_rules": [{ "type": "EVENT_TYPE", "values": ["contract:publish"] }] }] })).await;
    api.publish(id).await;

    let log = api
        .sandbox
        .wait_for_deliveries(|log| successes(log) == 1)
        .await
        .unwrap();
    assert_eq!(log.len(), 3, "{log:#?}");
    assert_eq!(
        log.iter().map(|d| d.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(log[0].outcome, DeliveryOutcome::Rejected { status: 500 });
    assert_eq!(log[2].outcome, DeliveryOutcome::Delivered);
    assert!(log.iter().all(|d| d.callback_id == log[0].callback_id));
    let requests = receiver.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    let bodies: Vec<Value> = requests
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert!(
        bodies.iter().all(|b| b == &bodies[0]),
        "every retry carries the same notification"
    );
    assert_eq!(bodies[0]["events"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn only_200_counts_so_204_is_retried_until_the_attempts_run_out() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&receiver)
        .await;
    let api = api_with(DeliveryConfig::immediate().max_attempts(4)).await;
    register(&api, &receiver, json!({})).await;
    create_and_publish(&api).await;
    let log = api
        .sandbox
        .wait_for_deliveries(|log| log.iter().any(|d| d.gave_up))
        .await
        .unwrap();
    assert_eq!(log.len(), 4);
    assert!(log
        .iter()
        .all(|d| d.outcome == DeliveryOutcome::Rejected { status: 204 }));
    assert!(log[3].gave_up && !log[2].gave_up);
    assert_eq!(receiver.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn the_default_schedule_follows_oneflows_gaps_and_ten_attempts() {
    let config = DeliveryConfig::default();
    assert_eq!(config.max_attempts, 10);
    let secs: Vec<u64> = config.retry_gaps.iter().map(Duration::as_secs).collect();
    assert_eq!(secs, vec![1, 5, 10, 30, 60, 300, 600, 1800, 3600]);
}

#[tokio::test]
async fn an_unreachable_receiver_is_a_failed_attempt() {
    // A port that was just free: nothing listens there any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let api = api_with(DeliveryConfig::immediate().max_attempts(2)).await;
    let (status, _) = api
        .post(
            "/webhooks",
            json!({ "callback_url": format!("{uri}/gone") }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    create_and_publish(&api).await;
    let log = api
        .sandbox
        .wait_for_deliveries(|log| log.iter().any(|d| d.gave_up))
        .await
        .unwrap();
    assert!(matches!(log[0].outcome, DeliveryOutcome::Failed { .. }));
    // Without a sign key the signature is sha1(callback_id).
    let body: Value = serde_json::from_str(&log[0].body).unwrap();
    assert_eq!(
        body["signature"],
        sha1_hex(body["callback_id"].as_str().unwrap())
    );
}

#[tokio::test]
async fn the_duplicate_switch_sends_each_notification_twice() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let api = api_with(DeliveryConfig::immediate()).await;
    api.sandbox.set_duplicate_delivery(true);
    register(&api, &receiver, json!({})).await;
    create_and_publish(&api).await;
    let log = api
        .sandbox
        .wait_for_deliveries(|log| successes(log) == 2)
        .await
        .unwrap();
    assert_eq!(log[0].callback_id, log[1].callback_id);
    assert_eq!((log[0].duplicate, log[1].duplicate), (false, true));
    let requests = receiver.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body);
}

#[tokio::test]
async fn the_reorder_switch_delivers_one_actions_events_in_reverse() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let api = api_with(DeliveryConfig::immediate().reorder(true)).await;
    let mut body = api.draft(seed::TEMPLATE_PLAIN);
    body["parties"][0]["participants"] = json!([{ "name": "Ann", "email": "ann@buyer.example", "signatory": true, "delivery_channel": "email" }]);
    let contract = api.create(body).await;
    let id = contract["id"].as_i64().unwrap();
    api.publish(id).await;
    register(
        &api,
        &receiver,
        json!({ "filters": [{ "filter_rules": [{ "type": "EVENT_TYPE", "values": ["participant:sign", "contract:sign"] }] }] }),
    )
    .await;
    api.sandbox
        .sign(id, counterparty_signatories(&contract)[0])
        .unwrap();
    let log = api
        .sandbox
        .wait_for_deliveries(|log| successes(log) == 2)
        .await
        .unwrap();
    let order: Vec<&str> = log.iter().map(|d| d.event_types[0].as_str()).collect();
    assert_eq!(order, vec!["contract:sign", "participant:sign"]);
    assert!(
        log[0].event_ids[0] > log[1].event_ids[0],
        "the later event arrives first"
    );
}

#[tokio::test]
async fn hooks_are_scoped_by_template_group_and_filters() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let api = api_with(DeliveryConfig::immediate()).await;
    let hr = api
        .sandbox
        .seeded()
        .template_type(seed::HR_TYPE)
        .unwrap()
        .id;
    let legal = api.workspace(seed::LEGAL_WORKSPACE);
    let hr_hook = register(&api, &receiver, json!({ "template_group_id": hr })).await;
    let legal_hook = register(
        &api,
        &receiver,
        json!({ "filters": [{ "filter_rules": [
            { "type": "WORKSPACE", "values": [legal] },
            { "type": "EVENT_TYPE", "values": ["contract:publish"] }
        ] }] }),
    )
    .await;
    let catch_all = register(&api, &receiver, json!({})).await;
    // A SuperOffice contract in Sales: only the catch-all hook matches.
    let id = api.create(api.draft(seed::TEMPLATE_PLAIN)).await["id"]
        .as_i64()
        .unwrap();
    api.publish(id).await;
    api.sandbox
        .wait_for_deliveries(|log| successes(log) == 1)
        .await
        .unwrap();
    // An HR contract in Legal: all three match.
    let mut body = api.draft(seed::TEMPLATE_HR);
    body["workspace_id"] = json!(legal);
    let id = api.create(body).await["id"].as_i64().unwrap();
    let (status, published) = api.publish(id).await;
    assert_eq!(status, StatusCode::OK, "{published}");
    let log = api
        .sandbox
        .wait_for_deliveries(|log| successes(log) == 4)
        .await
        .unwrap();
    let hooks: Vec<i64> = log.iter().map(|d| d.webhook_id).collect();
    assert_eq!(hooks, vec![catch_all, hr_hook, legal_hook, catch_all]);

    // Updates and deletion of hooks.
    let (_, updated) = api
        .put(
            &format!("/webhooks/{hr_hook}"),
            json!({ "template_group_id": null }),
        )
        .await;
    assert_eq!(updated["template_group_id"], Value::Null);
    let (status, _) = api
        .call(
            Method::DELETE,
            &format!("/webhooks/{legal_hook}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, problem) = api.get(&format!("/webhooks/{legal_hook}")).await;
    assert_problem(status, &problem, 404);
}

#[tokio::test]
async fn webhook_bodies_are_validated_and_admin_only() {
    let api = Api::start().await;
    for (body, parameter) in [
        (json!({}), "callback_url"),
        (json!({ "callback_url": "" }), "callback_url"),
        (
            json!({ "callback_url": format!("https://x.example/{}", "a".repeat(1000)) }),
            "callback_url",
        ),
        (json!({ "callback_url": "not a url" }), "callback_url"),
        (
            json!({ "callback_url": "http://crm.example/hook" }),
            "callback_url",
        ),
        (
            json!({ "callback_url": "https://x.example", "template_group_id": 1 }),
            "template_group_id",
        ),
        (
            json!({ "callback_url": "https://x.example", "filters": [{ "filter_rules": [{ "type": "COLOR", "values": ["red"] }] }] }),
            "filters[0].filter_rules[0].type",
        ),
        (
            json!({ "callback_url": "https://x.example", "filters": [{ "filter_rules": [{ "type": "EVENT_TYPE", "values": [] }] }] }),
            "filters[0].filter_rules[0].values",
        ),
    ] {
        let (status, problem) = api.post("/webhooks", body.clone()).await;
        assert_problem(status, &problem, 400);
        assert!(
            problem["parameter_problems"][parameter].is_array(),
            "{body}: {problem}"
        );
    }
    let (status, problem) = api
        .call(
            Method::POST,
            "/webhooks",
            Some(SELLER),
            Some(json!({ "callback_url": "https://x.example" })),
        )
        .await;
    assert_problem(status, &problem, 403);
}

#[tokio::test]
async fn fault_knobs_answer_500_html_502_and_429_then_recover() {
    let api = Api::start().await;
    api.sandbox.inject_fault(Fault::InternalServerError, 1);
    api.sandbox.inject_fault(Fault::BadGatewayHtml, 1);
    api.sandbox
        .inject_fault(Fault::RateLimited { retry_after: None }, 2);

    let (status, body) = api.get("/contracts").await;
    assert_problem(status, &body, 500);
    assert_eq!(body["error_code"], 5_000_000);

    let response = api
        .request(Method::GET, "/contracts", Some(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("<h1>502 Bad Gateway</h1>"));

    for _ in 0..2 {
        let response = api
            .request(Method::GET, "/contracts", Some(ADMIN))
            .send()
            .await
            .unwrap();
        // Oneflow documents no `Retry-After`; the default fault sends none.
        assert!(response.headers().get("retry-after").is_none());
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_problem(status, &body, 429);
        assert_eq!(body["error_code"], 4_290_000);
        assert_eq!(body["title"], "Too Many Requests");
        assert!(body["info"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://")));
    }
    let (status, _) = api.get("/contracts").await;
    assert_eq!(status, StatusCode::OK);
    let log: Vec<(u16, bool)> = api
        .sandbox
        .requests()
        .iter()
        .map(|r| (r.status, r.faulted))
        .collect();
    assert_eq!(
        log,
        vec![
            (500, true),
            (502, true),
            (429, true),
            (429, true),
            (200, false)
        ]
    );

    api.sandbox.inject_fault(Fault::InternalServerError, 3);
    api.sandbox.clear_faults();
    assert_eq!(api.get("/ping").await.0, StatusCode::OK);
}

#[tokio::test]
async fn html_503_and_a_429_with_retry_after_when_asked_for() {
    let api = Api::start().await;
    api.sandbox.inject_fault(Fault::ServiceUnavailableHtml, 1);
    api.sandbox.inject_fault(
        Fault::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
        },
        1,
    );
    let response = api
        .request(Method::GET, "/contracts", Some(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(response.text().await.unwrap().contains("503"));
    let response = api
        .request(Method::GET, "/contracts", Some(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(api.get("/contracts").await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_timeout_fault_outlasts_the_client_timeout_but_still_takes_effect() {
    let api = Api::start().await;
    api.sandbox
        .inject_fault(Fault::Timeout(Duration::from_millis(600)), 1);
    let err = api
        .request(Method::POST, "/contracts/create", Some(ADMIN))
        .json(&api.draft(seed::TEMPLATE_PLAIN))
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    // The held request was handled before the response was held back: the contract exists.
    assert_eq!(api.sandbox.contract_state(7001).as_deref(), Some("draft"));
}

#[tokio::test]
async fn deleting_a_contract_notifies_contract_delete() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let api = api_with(DeliveryConfig::immediate()).await;
    let id = api.create(api.draft(seed::TEMPLATE_PLAIN)).await["id"]
        .as_i64()
        .unwrap();
    register(
        &api,
        &receiver,
        json!({ "filters": [{ "filter_rules": [{ "type": "EVENT_TYPE", "values": ["contract:delete"] }] }] }),
    )
    .await;
    let (status, _) = api
        .call(
            Method::DELETE,
            &format!("/contracts/{id}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let log = api
        .sandbox
        .wait_for_deliveries(|log| successes(log) == 1)
        .await
        .unwrap();
    assert_eq!(log[0].event_types, vec!["contract:delete"]);
    assert_eq!(log[0].contract_id, id);
    let (status, _) = api.get(&format!("/contracts/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Creates a contract and publishes it (creating alone emits no documented event).
async fn create_and_publish(api: &Api) -> i64 {
    let id = api.create(api.draft(seed::TEMPLATE_PLAIN)).await["id"]
        .as_i64()
        .unwrap();
    let (status, body) = api.publish(id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}

/// The delivery log is bounded too: with room for 2 entries, 4 attempts leave the last 2.
#[tokio::test]
async fn the_delivery_log_keeps_only_the_newest_entries() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&receiver)
        .await;
    let api = Api::with(
        OneflowSandbox::builder()
            .delivery_config(DeliveryConfig::immediate().max_attempts(4))
            .log_capacity(2)
            .start()
            .await
            .unwrap(),
    )
    .await;
    register(&api, &receiver, json!({})).await;
    create_and_publish(&api).await;
    let log = api
        .sandbox
        .wait_for_deliveries(|log| log.iter().any(|d| d.gave_up))
        .await
        .unwrap();
    assert_eq!(log.len(), 2);
    assert!(log[1].gave_up && !log[0].gave_up);
    assert_eq!(receiver.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn scoped_faults_hit_only_their_requests_in_queue_order() {
    use oneflow_sandbox::FaultScope;
    let api = Api::start().await;
    api.sandbox.inject_fault_for(
        FaultScope::writes(),
        Fault::RateLimited { retry_after: None },
        1,
    );
    api.sandbox.inject_fault_for(
        FaultScope::reads().path_prefix("/v1/webhooks"),
        Fault::BadGatewayHtml,
        1,
    );
    // A read elsewhere passes and leaves both faults queued.
    assert_eq!(api.get("/users").await.0, StatusCode::OK);
    assert_eq!(api.get("/webhooks").await.0, StatusCode::BAD_GATEWAY);
    assert_eq!(api.get("/webhooks").await.0, StatusCode::OK);
    let body = json!({ "callback_url": "http://127.0.0.1:9/hook", "sign_key": SIGN_KEY });
    assert_eq!(
        api.post("/webhooks", body.clone()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(api.post("/webhooks", body).await.0, StatusCode::OK);
    let faulted: Vec<(String, String)> = api
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.faulted)
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        faulted,
        [
            ("GET".to_owned(), "/v1/webhooks".to_owned()),
            ("POST".to_owned(), "/v1/webhooks".to_owned())
        ]
    );
}

#[tokio::test]
async fn drop_after_commit_applies_the_request_and_closes_the_connection() {
    use oneflow_sandbox::FaultScope;
    let api = Api::start().await;
    api.sandbox.inject_fault_for(
        FaultScope::method("POST").path_prefix("/v1/webhooks"),
        Fault::DropAfterCommit,
        1,
    );
    let error = api
        .request(Method::POST, "/webhooks", Some(ADMIN))
        .json(&json!({ "callback_url": "http://127.0.0.1:9/hook", "sign_key": SIGN_KEY }))
        .send()
        .await
        .expect_err("no answer arrives");
    assert!(!error.is_timeout() && error.status().is_none(), "{error:?}");
    // The webhook exists although its creator never heard back.
    let (status, listed) = api.get("/webhooks").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["count"], 1, "{listed}");
    let dropped = api
        .sandbox
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("the dropped request is logged");
    assert!(dropped.faulted && dropped.status == 200, "{dropped:?}");
    // The server keeps serving.
    assert_eq!(api.get("/ping").await.0, StatusCode::OK);
}
