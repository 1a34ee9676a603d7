//! Shared helpers for the sandbox tests: a raw reqwest driver speaking to the sandbox.
#![allow(dead_code)]

use oneflow_sandbox::{default_seed, OneflowSandbox};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub(crate) const ADMIN: &str = default_seed::ADMIN_EMAIL;
pub(crate) const SELLER: &str = default_seed::SELLER_EMAIL;

/// A sandbox plus a plain HTTP client that sends the seeded token.
pub(crate) struct Api {
    pub sandbox: OneflowSandbox,
    pub http: reqwest::Client,
}

impl Api {
    pub(crate) async fn start() -> Self {
        Self::with(OneflowSandbox::start().await.expect("sandbox starts")).await
    }

    pub(crate) async fn with(sandbox: OneflowSandbox) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self { sandbox, http }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!(
            "{}{}",
            self.sandbox.base_url(),
            path.trim_start_matches('/')
        )
    }

    pub(crate) fn request(
        &self,
        method: Method,
        path: &str,
        email: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut rb = self
            .http
            .request(method, self.url(path))
            .header("x-oneflow-api-token", self.sandbox.api_token());
        if let Some(email) = email {
            rb = rb.header("x-oneflow-user-email", email);
        }
        rb
    }

    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        email: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut rb = self.request(method, path, email);
        if let Some(body) = body {
            rb = rb.json(&body);
        }
        let response = rb.send().await.expect("request reaches the sandbox");
        decode(response).await
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(ADMIN), None).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(ADMIN), Some(body)).await
    }

    pub(crate) async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(ADMIN), Some(body)).await
    }

    pub(crate) fn template(&self, name: &str) -> i64 {
        self.sandbox
            .seeded()
            .template_id(name)
            .expect("seeded template")
    }

    pub(crate) fn workspace(&self, name: &str) -> i64 {
        self.sandbox
            .seeded()
            .workspace_id(name)
            .expect("seeded workspace")
    }

    /// A valid create body for `template` in "Sales": one company with two signatories.
    pub(crate) fn draft(&self, template: &str) -> Value {
        json!({
            "workspace_id": self.workspace(default_seed::SALES_WORKSPACE),
            "template_id": self.template(template),
            "name": "Offer 4711",
            "parties": [{
                "type": "company",
                "name": "Buyer AB",
                "identification_number": "556000-1234",
                "country_code": "SE",
                "participants": [
                    { "name": "Ann Buyer", "email": "ann@buyer.example", "signatory": true,
                      "delivery_channel": "email", "sign_method": "standard_esign" },
                    { "name": "Bob Buyer", "email": "bob@buyer.example", "signatory": true,
                      "delivery_channel": "email" }
                ]
            }]
        })
    }

    /// Create a contract from a body; panics unless 200.
    pub(crate) async fn create(&self, body: Value) -> Value {
        let (status, contract) = self.post("/contracts/create", body).await;
        assert_eq!(status, StatusCode::OK, "create failed: {contract}");
        contract
    }

    pub(crate) async fn publish(&self, id: i64) -> (StatusCode, Value) {
        self.post(
            &format!("/contracts/{id}/publish"),
            json!({ "subject": "Please sign", "message": "Hi" }),
        )
        .await
    }
}

pub(crate) async fn decode(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = response.bytes().await.expect("body");
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    (status, value)
}

/// Ids of the counterparty signatories of a contract JSON.
pub(crate) fn counterparty_signatories(contract: &Value) -> Vec<i64> {
    contract["parties"]
        .as_array()
        .expect("parties")
        .iter()
        .filter(|p| p["my_party"] == json!(false))
        .flat_map(|p| p["participants"].as_array().cloned().unwrap_or_default())
        .filter(|p| p["signatory"] == json!(true))
        .map(|p| p["id"].as_i64().expect("participant id"))
        .collect()
}

/// Assert Oneflow's problem body for `status`.
pub(crate) fn assert_problem(status: StatusCode, body: &Value, expected: u16) {
    assert_eq!(status.as_u16(), expected, "unexpected status, body: {body}");
    let code = u64::from(expected) * 10_000;
    assert_eq!(body["status"], json!(expected));
    assert_eq!(body["error_code"], json!(code));
    assert_eq!(
        body["type"],
        json!(format!("https://api.oneflow.com/v1/error_codes/{code}"))
    );
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "title: {body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|t| !t.is_empty()),
        "detail: {body}"
    );
    assert!(
        body["parameter_problems"].is_object(),
        "parameter_problems: {body}"
    );
    assert!(
        body["request_id"].as_str().is_some_and(|t| !t.is_empty()),
        "request_id: {body}"
    );
}

/// `true` if `s` looks like `2020-06-30T07:15:23+0000`.
pub(crate) fn is_oneflow_time(s: &str) -> bool {
    chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z").is_ok()
        && s.len() == 24
        && !s.contains("+00:00")
}
