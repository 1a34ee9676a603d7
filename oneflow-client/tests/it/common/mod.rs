//! Shared helpers for the wiremock tests.
#![allow(dead_code)]

use std::error::Error as _;
use std::time::Duration;

use oneflow_client::{Client, Error, RetryPolicy};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The text of a file under `tests/fixtures/`, embedded at compile time.
macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $path
        ))
    };
}
#[allow(unused_imports)] // `tests/logging.rs` includes this module and reads no fixture.
pub(crate) use fixture;

/// A syntactically valid 40-character token.
pub(crate) const TOKEN: &str = "oF-4Tkn-7Qx9Lm2Pz8Rv5Wc1Yd6Hb3Nj0Ks7Ge4A";
/// The default acting user.
pub(crate) const EMAIL: &str = "integration@ourco.example";

/// Starts a server with a lowest-priority catch-all that fails the test (on drop) if any
/// request reaches it, and a highest-priority guard that fails it if any request arrives
/// without the API token.
pub(crate) async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(NoHeader("x-oneflow-api-token"))
        .respond_with(ResponseTemplate::new(599).set_body_string("request without API token"))
        .with_priority(1)
        .named("guard: every API request carries the token")
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(599).set_body_string("unexpected request: no mock matched"),
        )
        .with_priority(u8::MAX)
        .named("catch-all: unexpected request")
        .expect(0)
        .mount(&server)
        .await;
    server
}

/// Base URL of the fake API on this server.
pub(crate) fn base(server: &MockServer) -> String {
    format!("{}/v1", server.uri())
}

/// The contract fixture in Oneflow's wire format (`GET /contracts/{id}`).
pub(crate) const CONTRACT: &str = fixture!("contract.json");

/// A client acting as [`EMAIL`] with the given retry policy.
pub(crate) fn client_with_policy(server: &MockServer, policy: RetryPolicy) -> Client {
    Client::builder()
        .base_url(base(server))
        .api_token(TOKEN)
        .user_email(EMAIL)
        .retry_policy(policy)
        .build()
        .expect("client")
}

/// A client with no retries, acting as [`EMAIL`].
pub(crate) fn client(server: &MockServer) -> Client {
    client_with_policy(server, RetryPolicy::never())
}

/// A client that retries quickly (no jitter, 10 ms base backoff).
pub(crate) fn retrying_client(server: &MockServer) -> Client {
    client_with_policy(
        server,
        RetryPolicy::default()
            .jitter(false)
            .initial_backoff(Duration::from_millis(10))
            .max_attempts(4),
    )
}

/// Retries immediately (zero backoff), so tests observe retries by request counts only.
pub(crate) fn instant_retries(server: &MockServer, attempts: u32) -> Client {
    client_with_policy(
        server,
        RetryPolicy::default()
            .jitter(false)
            .initial_backoff(Duration::ZERO)
            .max_attempts(attempts),
    )
}

/// The whole error as a log line would show it: `Display`, every source, and `Debug`.
pub(crate) fn everything_shown(err: &Error) -> String {
    let mut text = format!("{err} / {err:?}");
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(&format!(" / {s} / {s:?}"));
        source = s.source();
    }
    text
}

/// JSON response from a fixture text.
pub(crate) fn json(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

/// Matches requests that do **not** carry the header.
pub(crate) struct NoHeader(pub &'static str);

impl wiremock::Match for NoHeader {
    fn matches(&self, request: &wiremock::Request) -> bool {
        !request.headers.contains_key(self.0)
    }
}
