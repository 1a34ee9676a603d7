//! The two backends a conformance scenario runs against, and the HTTP exchanges a scenario
//! declares before each call.
//!
//! A scenario calls [`Backend::expect`] with an [`Exchange`] right before the client call that
//! makes it. The backends use the declaration differently:
//!
//! * [`Mocked`] mounts a wiremock mock matching the exact request shape (method, path,
//!   `Authorization`, `Accept`, the complete query, the body and its content type) that answers
//!   the exchange's fixture to exactly one request (links to the fixtures' API base,
//!   `https://sod2.superoffice.com/Cust12345/api/`, are rewritten to the mock server). A
//!   lowest-priority catch-all answers anything else with 418 and fails the verification.
//! * [`Sandboxed`] lets the sandbox answer from its state and, in [`Backend::finish`], checks
//!   the sandbox's request log against the declarations: the same requests (method, path,
//!   query, bearer credential) in the same order, answered with the same statuses.

use std::sync::{Arc, Mutex};

use serde_json::Value;
use superoffice_client::credentials::StaticToken;
use superoffice_client::Client;
use superoffice_client::Credential;
use superoffice_client::RateLimit;
use superoffice_client::RetryPolicy;
use superoffice_sandbox::{default_seed, AuthKind, SuperOfficeSandbox};
use url::Url;
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

/// The tenant every scenario talks to.
pub(super) const TENANT: &str = default_seed::MAIN_TENANT;

/// The API base the fixtures were written for (absolute links in them, such as
/// `odata.nextLink`, point there); the mocked backend serves them with its own origin.
const FIXTURE_API_BASE: &str = "https://sod2.superoffice.com/Cust12345/api/";

/// The access token the mocked backend hands the client (SuperOffice's `8A:{Cust}.…` shape).
const MOCK_ACCESS_TOKEN: &str = "8A:Cust12345.ARPx3yQnLc0bW8kN2Jd5Tf7Vh9Zm4Gs6";

/// Content type of JSON bodies.
const JSON: &str = "application/json";
/// Content type of JSON Patch bodies: the PATCH Sale reference's sample request
/// (`v1SaleEntity_PatchSaleEntity`) sends the array as `application/json; charset=utf-8`.
const JSON_PATCH: &str = "application/json";

/// One HTTP exchange a scenario expects: the request the client must send and the answer.
#[derive(Debug, Clone)]
pub(super) struct Exchange {
    method: &'static str,
    /// Relative to the API base, e.g. `v1/Sale/101`.
    path: String,
    query: Vec<(String, String)>,
    body: Option<(&'static str, Value)>,
    status: u16,
    fixture: Option<&'static str>,
}

impl Exchange {
    fn new(method: &'static str, path: impl Into<String>) -> Self {
        Exchange {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            status: 200,
            fixture: None,
        }
    }

    /// A `GET` of `path` (relative to the API base).
    pub(super) fn get(path: impl Into<String>) -> Self {
        Self::new("GET", path)
    }

    /// A `POST` to `path`.
    pub(super) fn post(path: impl Into<String>) -> Self {
        Self::new("POST", path)
    }

    /// A `PATCH` of `path`.
    pub(super) fn patch(path: impl Into<String>) -> Self {
        Self::new("PATCH", path)
    }

    /// A query parameter the request must carry (the query must consist of exactly these).
    pub(super) fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The request carries this JSON body (`Content-Type: application/json`).
    pub(super) fn json_body(mut self, body: Value) -> Self {
        self.body = Some((JSON, body));
        self
    }

    /// The request carries this JSON Patch array (`Content-Type: application/json`).
    pub(super) fn json_patch_body(mut self, body: Value) -> Self {
        self.body = Some((JSON_PATCH, body));
        self
    }

    /// SuperOffice answers `status` with the fixture as JSON body.
    pub(super) fn answers(mut self, status: u16, fixture: &'static str) -> Self {
        self.status = status;
        self.fixture = Some(fixture);
        self
    }

    /// SuperOffice answers `status` without a body (204).
    pub(super) fn answers_empty(mut self, status: u16) -> Self {
        self.status = status;
        self.fixture = None;
        self
    }

    fn full_path(&self) -> String {
        format!("/{TENANT}/api/{}", self.path)
    }

    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Something a scenario runs against: gives a client for tenant `Cust12345` and serves (or
/// checks) the exchanges the scenario declares.
pub(super) trait Backend: Sized {
    /// Starts the backend.
    async fn start() -> Self;

    /// A client for `{host}/Cust12345/api/`, built the same way for every backend.
    fn client(&self) -> Client;

    /// Declares the next exchange; call it right before the client call that makes it.
    async fn expect(&self, exchange: Exchange);

    /// Checks that exactly the declared exchanges happened.
    async fn finish(self);
}

/// The client every backend uses: a static credential, no rate limit and no retries, so the
/// number of requests is exactly what the scenario's calls make.
fn conformance_client(api_base: &str, access_token: String) -> Client {
    let api_base: Url = api_base.parse().expect("the API base is a URL");
    let client = Client::builder()
        .api_base(api_base)
        .token_provider(Arc::new(StaticToken::new(Credential::bearer(access_token))))
        .rate_limit(RateLimit::unlimited())
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("the client builds");
    assert_eq!(
        client.customer_id().map(|c| c.as_str()),
        Some(TENANT),
        "the tenant is read from the API base"
    );
    client
}

/// Wiremock with fixtures.
pub(super) struct Mocked {
    server: MockServer,
    api_base: String,
    client: Client,
}

/// Matches when the query consists of exactly these parameters (in any order).
struct ExactQuery(Vec<(String, String)>);

impl Match for ExactQuery {
    fn matches(&self, request: &Request) -> bool {
        sorted(request.url.query_pairs().into_owned().collect()) == sorted(self.0.clone())
    }
}

/// Matches a request without a body.
struct NoBody;

impl Match for NoBody {
    fn matches(&self, request: &Request) -> bool {
        request.body.is_empty()
    }
}

fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

impl Backend for Mocked {
    async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(418)
                    .set_body_string("unexpected request: the scenario declared no such exchange"),
            )
            .with_priority(u8::MAX)
            .named("catch-all: a request no exchange declared")
            .expect(0)
            .mount(&server)
            .await;
        let api_base = format!("{}/{TENANT}/api/", server.uri());
        let client = conformance_client(&api_base, MOCK_ACCESS_TOKEN.to_owned());
        Mocked {
            server,
            api_base,
            client,
        }
    }

    fn client(&self) -> Client {
        self.client.clone()
    }

    async fn expect(&self, exchange: Exchange) {
        let mut mock = Mock::given(method(exchange.method))
            .and(path(exchange.full_path()))
            .and(header(
                "Authorization",
                format!("Bearer {MOCK_ACCESS_TOKEN}").as_str(),
            ))
            .and(header("Accept", JSON))
            .and(ExactQuery(exchange.query.clone()));
        mock = match &exchange.body {
            Some((content_type, body)) => mock
                .and(header("Content-Type", *content_type))
                .and(body_json(body)),
            None => mock.and(NoBody),
        };
        let response = match exchange.fixture {
            Some(fixture) => ResponseTemplate::new(exchange.status).set_body_raw(
                fixture
                    .replace(FIXTURE_API_BASE, &self.api_base)
                    .into_bytes(),
                "application/json; charset=utf-8",
            ),
            None => ResponseTemplate::new(exchange.status),
        };
        // Each declared exchange answers exactly one request. They are mounted in order with
        // the same priority and wiremock takes the first one still in scope, so a repeated
        // request gets the next declared answer.
        mock.respond_with(response)
            .up_to_n_times(1)
            .expect(1)
            .named(exchange.name())
            .mount(&self.server)
            .await;
    }

    async fn finish(self) {
        self.server.verify().await;
    }
}

/// The in-process sandbox with its default seed, signed in as the administrator.
pub(super) struct Sandboxed {
    sandbox: SuperOfficeSandbox,
    client: Client,
    declared: Mutex<Vec<Exchange>>,
}

/// A request as the conformance check compares it.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    status: u16,
    bearer: bool,
}

impl Backend for Sandboxed {
    async fn start() -> Self {
        let sandbox = SuperOfficeSandbox::start()
            .await
            .expect("the sandbox starts");
        let token = sandbox
            .issue_access_token(default_seed::ADMIN_EMAIL)
            .expect("the administrator is seeded");
        let api_base = sandbox.api_base(TENANT).expect("the tenant is seeded");
        let client = conformance_client(&api_base, token);
        Sandboxed {
            sandbox,
            client,
            declared: Mutex::new(Vec::new()),
        }
    }

    fn client(&self) -> Client {
        self.client.clone()
    }

    async fn expect(&self, exchange: Exchange) {
        self.declared.lock().unwrap().push(exchange);
    }

    async fn finish(self) {
        let prefix = format!("/{TENANT}/api/");
        let served: Vec<Seen> = self
            .sandbox
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with(&prefix))
            .map(|r| Seen {
                method: r.method,
                path: r.path,
                query: sorted(
                    url::form_urlencoded::parse(r.query.unwrap_or_default().as_bytes())
                        .into_owned()
                        .collect(),
                ),
                status: r.status,
                bearer: r.auth == AuthKind::Bearer,
            })
            .collect();
        let declared = self.declared.lock().unwrap();
        let expected: Vec<Seen> = declared
            .iter()
            .map(|e| Seen {
                method: e.method.to_owned(),
                path: e.full_path(),
                query: sorted(e.query.clone()),
                status: e.status,
                bearer: true,
            })
            .collect();
        assert_eq!(
            served, expected,
            "the sandbox served other requests than the scenario declared"
        );
    }
}
