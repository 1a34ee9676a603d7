//! Shared helpers for the REST tests: a counting token provider, a client on a MockServer,
//! and a resolver that points at another server.
#![allow(dead_code)]

use crate::fixtures::fixture;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use superoffice_client::credentials::StaticToken;
use superoffice_client::tenant::{ApiBaseResolver, CustomerId};
use superoffice_client::Client;
use superoffice_client::RateLimit;
use superoffice_client::RetryPolicy;
use superoffice_client::{Credential, TokenProvider};
use url::Url;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The API path prefix the tests use on the mock server.
pub(crate) const API: &str = "/Cust12345/api";

/// Hands out `token-1`, then `token-2`, … after each refresh; counts calls.
#[derive(Debug, Default)]
pub(crate) struct CountingTokens {
    pub generation: AtomicUsize,
    pub credential_calls: AtomicUsize,
    pub refresh_calls: AtomicUsize,
}

impl CountingTokens {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(CountingTokens {
            generation: AtomicUsize::new(1),
            ..CountingTokens::default()
        })
    }

    pub(crate) fn refreshes(&self) -> usize {
        self.refresh_calls.load(Ordering::SeqCst)
    }

    fn current(&self) -> Credential {
        Credential::bearer(format!(
            "8A:Cust12345.token-{}",
            self.generation.load(Ordering::SeqCst)
        ))
    }
}

#[async_trait::async_trait]
impl TokenProvider for CountingTokens {
    async fn credential(&self) -> superoffice_client::Result<Credential> {
        self.credential_calls.fetch_add(1, Ordering::SeqCst);
        Ok(self.current())
    }

    async fn refresh_after_unauthorized(
        &self,
        rejected: &Credential,
    ) -> superoffice_client::Result<Credential> {
        self.refresh_calls.fetch_add(1, Ordering::SeqCst);
        if rejected.same_secret(&self.current()) {
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
        Ok(self.current())
    }
}

/// Resolves to a fixed base and counts calls.
#[derive(Debug)]
pub(crate) struct FixedResolver {
    pub base: Mutex<Url>,
    pub calls: AtomicUsize,
}

impl FixedResolver {
    pub(crate) fn new(base: Url) -> Arc<Self> {
        Arc::new(FixedResolver {
            base: Mutex::new(base),
            calls: AtomicUsize::new(0),
        })
    }

    pub(crate) fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl ApiBaseResolver for FixedResolver {
    async fn resolve_api_base(&self, customer: &CustomerId) -> superoffice_client::Result<Url> {
        assert_eq!(customer.as_str(), "Cust12345");
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(self.base.lock().unwrap().clone())
    }
}

/// `{server}/Cust12345/api/`.
pub(crate) fn api_base(server: &MockServer) -> Url {
    format!("{}{API}/", server.uri()).parse().unwrap()
}

/// A client on `server` without rate limit, with fast retries.
pub(crate) fn client(server: &MockServer) -> (Client, Arc<CountingTokens>) {
    let tokens = CountingTokens::new();
    let client = Client::builder()
        .api_base(api_base(server))
        .token_provider(tokens.clone())
        .rate_limit(RateLimit::unlimited())
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    (client, tokens)
}

/// The authorization header the first credential produces.
pub(crate) const BEARER_1: &str = "Bearer 8A:Cust12345.token-1";
/// The authorization header after one refresh.
pub(crate) const BEARER_2: &str = "Bearer 8A:Cust12345.token-2";

/// An HTTP client without any timers (no timeouts, no idle-pool sweeps), for tests that run
/// with paused tokio time: a pending timer would otherwise be auto-advanced while the test
/// waits for the mock server.
pub(crate) fn timerless_http() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .unwrap()
}

/// The sale fixture in SuperOffice's wire format (`GET /api/v1/Sale/{id}`).
pub(crate) const SALE: &str = fixture!("rest/sale.json");

/// A 200 answer with a JSON fixture text as its body.
pub(crate) fn json_body(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

/// A server that fails the test if it receives anything.
pub(crate) async fn silent_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    server
}

/// A client with the given credential, no resolver and no client-side rate limit.
pub(crate) fn client_with(server: &MockServer, credential: Credential) -> Client {
    Client::builder()
        .api_base(api_base(server))
        .token_provider(Arc::new(StaticToken::new(credential)))
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap()
}
