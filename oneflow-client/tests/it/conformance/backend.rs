//! The two backends a conformance scenario runs against, and the HTTP exchanges a scenario
//! declares before each call (the same design as `superoffice-client`'s conformance suite).
//!
//! A scenario calls [`Backend::expect`] with an [`Exchange`] right before the client call that
//! makes it. The backends use the declaration differently:
//!
//! * [`Mocked`] mounts a wiremock mock matching the request shape (method, path, token,
//!   acting user, the complete query, the body) that answers the exchange's fixture to
//!   exactly one request (`.expect(1)`). A lowest-priority catch-all answers anything else
//!   and fails the verification, and a guard fails any request without the token.
//! * [`Sandboxed`] lets the sandbox answer from its state and, in [`Backend::finish`], checks
//!   the sandbox's request log ([`oneflow_sandbox::RequestRecord`]) against the declarations:
//!   the same requests (method, path, query, acting user) in the same order, answered with the
//!   same statuses.

use std::sync::Mutex;
use std::time::Duration;

use oneflow_client::models::{TemplateId, TemplateTypeId, WorkspaceId};
use oneflow_client::{Client, RetryPolicy};
use oneflow_sandbox::{default_seed as seed, OneflowSandbox};
use serde_json::Value;
use wiremock::matchers::{
    body_json, body_partial_json, body_string_contains, header, header_regex, method, path,
};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

use crate::common;

/// Ids of the sandbox's default seed (deterministic, see `oneflow_sandbox`). The
/// wiremock fixtures use the same ids and names, so one set of assertions fits both backends.
/// [`Sandboxed::start`] checks that the seed still hands out these ids.
pub(crate) mod ids {
    use super::*;

    /// The account of the seeded token.
    pub(crate) const ACCOUNT: i64 = 1001;
    /// Workspace "Sales" (everyone may create contracts).
    pub(crate) const SALES: WorkspaceId = WorkspaceId(3001);
    /// Template type "SuperOffice" (`extension_type: "superoffice"`).
    pub(crate) const SUPEROFFICE_TYPE: TemplateTypeId = TemplateTypeId(4001);
    /// "SuperOffice - Agreement with PDF": PDF section only.
    pub(crate) const TEMPLATE_PDF: TemplateId = TemplateId(5001);
    /// "SuperOffice - Offer with attachments": attachments section only.
    pub(crate) const TEMPLATE_ATTACHMENTS: TemplateId = TemplateId(5002);
    /// "SuperOffice - Full agreement": both sections.
    pub(crate) const TEMPLATE_PDF_AND_ATTACHMENTS: TemplateId = TemplateId(5003);
    /// "SuperOffice - Simple order": neither section.
    pub(crate) const TEMPLATE_PLAIN: TemplateId = TemplateId(5004);
    /// "SuperOffice - Retired offer": inactive.
    pub(crate) const TEMPLATE_INACTIVE: TemplateId = TemplateId(5005);
}

/// What the request must carry as its body.
#[derive(Debug, Clone)]
enum Body {
    /// No body.
    None,
    /// Exactly this JSON document.
    Json(Value),
    /// A JSON document containing at least these fields (the create body also carries
    /// defaults the scenario does not care about).
    JsonContaining(Value),
    /// A multipart form whose raw text contains each of these snippets.
    MultipartContaining(&'static [&'static str]),
}

/// One HTTP exchange a scenario expects: the request the client must send and the answer.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    method: &'static str,
    /// Relative to the base URL, e.g. `contracts/7001/publish`.
    path: String,
    query: Vec<(String, String)>,
    /// The `x-oneflow-user-email` the request carries.
    user: &'static str,
    body: Body,
    status: u16,
    fixture: Option<&'static str>,
}

impl Exchange {
    fn new(method: &'static str, path: impl Into<String>) -> Self {
        Exchange {
            method,
            path: path.into(),
            query: Vec::new(),
            user: seed::SELLER_EMAIL,
            body: Body::None,
            status: 200,
            fixture: None,
        }
    }

    /// A `GET` of `path` (relative to the base URL, e.g. `accounts/me`).
    pub(crate) fn get(path: impl Into<String>) -> Self {
        Self::new("GET", path)
    }

    /// A `POST` to `path`.
    pub(crate) fn post(path: impl Into<String>) -> Self {
        Self::new("POST", path)
    }

    /// A `DELETE` of `path`.
    pub(crate) fn delete(path: impl Into<String>) -> Self {
        Self::new("DELETE", path)
    }

    /// A query parameter the request must carry (the query must consist of exactly these).
    pub(crate) fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// `limit=100&offset=0`: the first page as the client's list builders ask for it.
    pub(crate) fn first_page(self) -> Self {
        self.query("limit", "100").query("offset", "0")
    }

    /// The request acts as `email` (default: the seeded seller, the client's default user).
    pub(crate) fn acting_as(mut self, email: &'static str) -> Self {
        self.user = email;
        self
    }

    /// The request carries exactly this JSON body.
    pub(crate) fn json_body(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    /// The request carries a JSON body with at least these fields.
    pub(crate) fn json_body_containing(mut self, body: Value) -> Self {
        self.body = Body::JsonContaining(body);
        self
    }

    /// The request is a multipart form containing each snippet.
    pub(crate) fn multipart_containing(mut self, snippets: &'static [&'static str]) -> Self {
        self.body = Body::MultipartContaining(snippets);
        self
    }

    /// Oneflow answers `status` with the fixture as JSON body.
    pub(crate) fn answers(mut self, status: u16, fixture: &'static str) -> Self {
        self.status = status;
        self.fixture = Some(fixture);
        self
    }

    /// Oneflow answers `status` without a body.
    pub(crate) fn answers_empty(mut self, status: u16) -> Self {
        self.status = status;
        self.fixture = None;
        self
    }

    fn full_path(&self) -> String {
        format!("/v1/{}", self.path)
    }

    fn name(&self) -> String {
        format!("{} {} as {}", self.method, self.path, self.user)
    }
}

/// Something a scenario runs against: gives a client and serves (or checks) the exchanges
/// the scenario declares.
pub(crate) trait Backend: Sized {
    /// Starts the backend.
    async fn start() -> Self;

    /// `"wiremock"` or `"sandbox"`, for assertion messages.
    fn name(&self) -> &'static str;

    /// A client for this backend: seeded token, acting as the seeded seller, no retries (so
    /// the requests are exactly what the scenario's calls make).
    fn client(&self) -> Client;

    /// Declares the next exchange; call it right before the client call that makes it.
    async fn expect(&self, exchange: Exchange);

    /// Checks that exactly the declared exchanges happened.
    async fn finish(self);
}

/// Builds the client both backends use.
fn client_for(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .api_token(seed::API_TOKEN)
        .user_email(seed::SELLER_EMAIL)
        .timeout(Duration::from_secs(10))
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("client builds")
}

fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
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

/// Wiremock with fixtures in Oneflow's wire format.
pub(crate) struct Mocked {
    server: MockServer,
    client: Client,
}

impl Backend for Mocked {
    async fn start() -> Self {
        // A guard (every request carries the token) and a catch-all that fails the test on
        // any request no exchange declared.
        let server = common::server().await;
        let client = client_for(&common::base(&server));
        Mocked { server, client }
    }

    fn name(&self) -> &'static str {
        "wiremock"
    }

    fn client(&self) -> Client {
        self.client.clone()
    }

    async fn expect(&self, exchange: Exchange) {
        let mut mock = Mock::given(method(exchange.method))
            .and(path(exchange.full_path()))
            .and(header("x-oneflow-api-token", seed::API_TOKEN))
            .and(header("x-oneflow-user-email", exchange.user))
            .and(ExactQuery(exchange.query.clone()));
        mock = match &exchange.body {
            Body::None => mock.and(NoBody),
            Body::Json(body) => mock
                .and(header("content-type", "application/json"))
                .and(body_json(body)),
            Body::JsonContaining(body) => mock
                .and(header("content-type", "application/json"))
                .and(body_partial_json(body)),
            Body::MultipartContaining(snippets) => {
                let mut mock = mock.and(header_regex(
                    "content-type",
                    "^multipart/form-data; boundary=",
                ));
                for snippet in snippets.iter() {
                    mock = mock.and(body_string_contains(*snippet));
                }
                mock
            }
        };
        let response = match exchange.fixture {
            Some(fixture) => common::json(exchange.status, fixture),
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

/// The in-process sandbox with its default seed.
pub(crate) struct Sandboxed {
    sandbox: OneflowSandbox,
    client: Client,
    declared: Mutex<Vec<Exchange>>,
}

/// A request as the conformance check compares it.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    user: Option<String>,
    status: u16,
}

impl Backend for Sandboxed {
    /// Starts a sandbox with the default seed and checks the seed still matches [`ids`].
    async fn start() -> Self {
        let sandbox = OneflowSandbox::start().await.expect("sandbox starts");
        let seeded = sandbox.seeded();
        assert_eq!(seeded.account_id, ids::ACCOUNT, "seeded account id");
        assert_eq!(
            seeded.workspace_id(seed::SALES_WORKSPACE),
            Some(ids::SALES.get())
        );
        assert_eq!(
            seeded.template_type(seed::SUPEROFFICE_TYPE).map(|t| t.id),
            Some(ids::SUPEROFFICE_TYPE.get())
        );
        for (name, id) in [
            (seed::TEMPLATE_PDF, ids::TEMPLATE_PDF),
            (seed::TEMPLATE_ATTACHMENTS, ids::TEMPLATE_ATTACHMENTS),
            (
                seed::TEMPLATE_PDF_AND_ATTACHMENTS,
                ids::TEMPLATE_PDF_AND_ATTACHMENTS,
            ),
            (seed::TEMPLATE_PLAIN, ids::TEMPLATE_PLAIN),
            (seed::TEMPLATE_INACTIVE, ids::TEMPLATE_INACTIVE),
        ] {
            assert_eq!(
                seeded.template_id(name),
                Some(id.get()),
                "seeded id of {name}"
            );
        }
        assert_eq!(sandbox.api_token(), seed::API_TOKEN);
        let client = client_for(sandbox.base_url().as_str());
        Sandboxed {
            sandbox,
            client,
            declared: Mutex::new(Vec::new()),
        }
    }

    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn client(&self) -> Client {
        self.client.clone()
    }

    async fn expect(&self, exchange: Exchange) {
        self.declared.lock().unwrap().push(exchange);
    }

    async fn finish(self) {
        let served: Vec<Seen> = self
            .sandbox
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with("/v1/"))
            .map(|r| Seen {
                method: r.method,
                path: r.path,
                query: sorted(
                    url::form_urlencoded::parse(r.query.unwrap_or_default().as_bytes())
                        .into_owned()
                        .collect(),
                ),
                user: r.user_email,
                status: r.status,
            })
            .collect();
        let expected: Vec<Seen> = self
            .declared
            .lock()
            .unwrap()
            .iter()
            .map(|e| Seen {
                method: e.method.to_owned(),
                path: e.full_path(),
                query: sorted(e.query.clone()),
                user: Some(e.user.to_owned()),
                status: e.status,
            })
            .collect();
        assert_eq!(
            served, expected,
            "the sandbox served other requests than the scenario declared"
        );
        self.sandbox.shutdown().await;
    }
}
