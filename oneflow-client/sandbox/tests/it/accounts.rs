//! Several accounts on one sandbox (one API host, the token picks the account) and the
//! per-request latency knob.

use std::time::{Duration, Instant};

use oneflow_sandbox::{default_seed as seed, OneflowSandbox, SandboxError, SeedAccount, SeedUser};
use reqwest::StatusCode;
use serde_json::{json, Value};

const SECOND_TOKEN: &str = "sbx-second-0123456789abcdef0123456789abc";
const SECOND_ADMIN: &str = "admin@second.example";

async fn get(
    http: &reqwest::Client,
    sandbox: &OneflowSandbox,
    token: &str,
    path: &str,
) -> (StatusCode, Value) {
    let response = http
        .get(sandbox.base_url().join(path).unwrap())
        .header("x-oneflow-api-token", token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn each_token_sees_only_its_own_account() {
    let sandbox = OneflowSandbox::builder()
        .account(
            SeedAccount::new("Second AB", SECOND_TOKEN)
                .user(SeedUser::new("Sue Second", SECOND_ADMIN).admin(true)),
        )
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let primary = sandbox.api_token().to_owned();

    let (_, me) = get(&http, &sandbox, &primary, "accounts/me").await;
    assert_eq!(me["id"], 1001);
    let (status, me) = get(&http, &sandbox, SECOND_TOKEN, "accounts/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["id"], 1002);
    assert_eq!(me["name"], "Second AB");
    assert_eq!(sandbox.accounts().len(), 2);
    assert_eq!(sandbox.accounts()[1].account_id, 1002);

    // The second account's users are its own; the primary admin is unknown there.
    let (_, users) = get(&http, &sandbox, SECOND_TOKEN, "users").await;
    let emails: Vec<&str> = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["email"].as_str())
        .collect();
    assert_eq!(emails, [SECOND_ADMIN]);

    // A contract of the second account: ids from its own range, invisible to the primary one.
    let second = &sandbox.accounts()[1];
    let body = json!({
        "workspace_id": second.workspace_id(seed::SALES_WORKSPACE).unwrap(),
        "template_id": second.template_id(seed::TEMPLATE_PLAIN).unwrap(),
        "name": "Second offer",
        "parties": [{
            "type": "company", "name": "Buyer AB", "country_code": "SE",
            "participants": [{ "name": "Ann Buyer", "email": "ann@buyer.example",
                               "signatory": true, "delivery_channel": "email" }]
        }]
    });
    let response = http
        .post(sandbox.base_url().join("contracts/create").unwrap())
        .header("x-oneflow-api-token", SECOND_TOKEN)
        .header("x-oneflow-user-email", SECOND_ADMIN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let contract: Value = response.json().await.unwrap();
    let id = contract["id"].as_i64().unwrap();
    assert!(
        id > 10_000_000,
        "contract ids of account 2 are its own: {id}"
    );
    let (status, _) = get(&http, &sandbox, &primary, &format!("contracts/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&http, &sandbox, SECOND_TOKEN, &format!("contracts/{id}")).await;
    assert_eq!(status, StatusCode::OK);

    // The controls find the contract's account by its id.
    let response = http
        .post(
            sandbox
                .base_url()
                .join(&format!("contracts/{id}/publish"))
                .unwrap(),
        )
        .header("x-oneflow-api-token", SECOND_TOKEN)
        .header("x-oneflow-user-email", SECOND_ADMIN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(sandbox.sign_all(id).unwrap().len(), 1);
    assert_eq!(sandbox.contract_state(id).as_deref(), Some("signed"));
    let (_, read) = get(&http, &sandbox, SECOND_TOKEN, &format!("contracts/{id}")).await;
    assert_eq!(read["state"], "signed");
}

#[tokio::test]
async fn an_extra_account_may_not_reuse_a_token() {
    let result = OneflowSandbox::builder()
        .account(SeedAccount::new("Copy AB", seed::API_TOKEN))
        .start()
        .await;
    assert!(
        matches!(result, Err(SandboxError::InvalidSeed(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn latency_delays_every_api_request() {
    let latency = Duration::from_millis(80);
    let sandbox = OneflowSandbox::builder()
        .latency(latency)
        .start()
        .await
        .unwrap();
    assert_eq!(sandbox.latency(), latency);
    let http = reqwest::Client::new();
    for token in [sandbox.api_token(), "not-a-token"] {
        let started = Instant::now();
        let (status, _) = get(&http, &sandbox, token, "ping").await;
        // A lower bound only: the answer can never come sooner than the latency.
        assert!(
            started.elapsed() >= latency,
            "{status}: {:?}",
            started.elapsed()
        );
    }
    sandbox.set_latency(Duration::ZERO);
    assert_eq!(sandbox.latency(), Duration::ZERO);
    let (status, _) = get(&http, &sandbox, sandbox.api_token(), "ping").await;
    assert_eq!(status, StatusCode::OK);
}
