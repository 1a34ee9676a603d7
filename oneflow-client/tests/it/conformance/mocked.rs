//! The wiremock backend: per scenario, mocks that match the exact request shape and answer
//! with fixtures in Oneflow's wire format (ids and names of the sandbox's default seed).

use oneflow_client::Client;
use oneflow_sandbox::default_seed as seed;
use serde_json::{json, Value};
use wiremock::matchers::{
    body_json, body_partial_json, body_string_contains, header, header_regex, method, path,
    query_param,
};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

use super::backend::{client_for, ids, Backend, Scenario, Seen};
use crate::common;

const ACCOUNT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/conformance/account.json"
));
const TEMPLATES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/conformance/templates_superoffice_active.json"
));
const CONTRACT_DRAFT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/conformance/contract_draft.json"
));
const CONTRACT_DRAFT_4712: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/conformance/contract_draft_sale_4712.json"
));
const CONTRACT_PENDING: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/conformance/contract_pending.json"
));
const CONTRACTS_4711: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/conformance/contracts_sale_4711.json"
));
const FILE_UPLOADED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/conformance/file_uploaded.json"
));
const FILES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/conformance/files_after_upload.json"
));
const PROBLEM_401: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/conformance/problem_401_unknown_user.json"
));
const PROBLEM_409: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/conformance/problem_409_already_published.json"
));
const WEBHOOK: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/conformance/webhook_created.json"
));
const WEBHOOKS_ONE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/conformance/webhooks_one.json"
));
const WEBHOOKS_NONE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/conformance/webhooks_none.json"
));

/// The e-mail the unknown-user scenario acts as (not a user of the seeded account).
pub(crate) const UNKNOWN_EMAIL: &str = "nobody@acme.example";
/// The callback URL of the webhook scenario.
pub(crate) const CALLBACK_URL: &str = "https://crm.acme.example/oneflow/hook";
/// The sign key of the webhook scenario.
pub(crate) const SIGN_KEY: &str = "conformance-sign-key";

/// A `MockServer` with a guard (every request carries the token) and a lowest-priority
/// catch-all that fails the test on any request no scenario mock expects.
pub(crate) struct Mocked {
    server: MockServer,
}

impl Mocked {
    /// Starts an empty server (guard and catch-all only).
    pub(crate) async fn start() -> Self {
        Self {
            server: common::server().await,
        }
    }
}

/// `method /v1/<p>` with the seeded token.
fn api(verb: &str, p: &str) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(format!("/v1/{p}")))
        .and(header("x-oneflow-api-token", seed::API_TOKEN))
}

/// Acting as the seeded seller (the client's default user).
fn as_seller(mock: MockBuilder) -> MockBuilder {
    mock.and(header("x-oneflow-user-email", seed::SELLER_EMAIL))
}

/// Acting as the seeded administrator.
fn as_admin(mock: MockBuilder) -> MockBuilder {
    mock.and(header("x-oneflow-user-email", seed::ADMIN_EMAIL))
}

/// First page of a list: the client always sends `limit=100&offset=0`.
fn first_page(mock: MockBuilder) -> MockBuilder {
    mock.and(query_param("limit", "100"))
        .and(query_param("offset", "0"))
}

/// The body `POST /contracts/create` must carry for a draft linked to `sale_id`.
fn create_body(sale_id: &str) -> Value {
    json!({
        "workspace_id": ids::SALES.get(),
        "template_id": ids::TEMPLATE_PDF.get(),
        "name": format!("Buyer AB – Sale {sale_id}"),
        "data_fields": [{"custom_id": "superoffice_sale_id", "value": sale_id}],
        "parties": [{
            "type": "company",
            "name": "Buyer AB",
            "country_code": "SE",
            "identification_number": "556000-1234",
            "participants": [{
                "name": "Ann Buyer",
                "email": "ann@buyer.example",
                "title": "CEO",
                "signatory": true,
                "delivery_channel": "email",
                "_permissions": {"contract:update": true}
            }]
        }]
    })
}

impl Mocked {
    async fn mount_create(&self, sale_id: &str, answer: &str) {
        as_seller(api("POST", "contracts/create"))
            .and(header("content-type", "application/json"))
            .and(body_partial_json(create_body(sale_id)))
            .respond_with(common::json(200, answer))
            .named(format!("create the contract for sale {sale_id}"))
            .expect(1)
            .mount(&self.server)
            .await;
    }
}

impl Backend for Mocked {
    fn name(&self) -> &'static str {
        "wiremock"
    }

    async fn client(&self) -> Client {
        client_for(&common::base(&self.server), seed::API_TOKEN)
    }

    async fn prepare(&self, scenario: Scenario) {
        let server = &self.server;
        match scenario {
            Scenario::PingAndAccount => {
                as_seller(api("GET", "ping"))
                    .respond_with(common::json(200, "{}"))
                    .named("ping")
                    .expect(1)
                    .mount(server)
                    .await;
                as_seller(api("GET", "accounts/me"))
                    .respond_with(common::json(200, ACCOUNT))
                    .named("accounts/me")
                    .expect(1)
                    .mount(server)
                    .await;
            }
            Scenario::SuperOfficeTemplates => {
                first_page(as_seller(api("GET", "templates")))
                    .and(query_param("extension_type", "superoffice"))
                    .and(query_param("filter[active]", "true"))
                    .respond_with(common::json(200, TEMPLATES))
                    .named("active SuperOffice templates")
                    .expect(1)
                    .mount(server)
                    .await;
            }
            Scenario::CreateContract => {
                self.mount_create("4711", CONTRACT_DRAFT).await;
            }
            Scenario::AttachmentRefusedLocally => {
                self.mount_create("4711", CONTRACT_DRAFT).await;
                // The refused upload must never be sent.
                api("POST", "contracts/7001/files")
                    .respond_with(common::json(200, FILE_UPLOADED))
                    .named("upload (must not be sent)")
                    .expect(0)
                    .mount(server)
                    .await;
            }
            Scenario::PublishTwice => {
                self.mount_create("4711", CONTRACT_DRAFT).await;
                let publish = || {
                    as_seller(api("POST", "contracts/7001/publish")).and(body_json(json!({
                        "subject": "Your contract from Acme Sales AB",
                        "message": "Please review and sign."
                    })))
                };
                publish()
                    .respond_with(common::json(200, CONTRACT_PENDING))
                    .up_to_n_times(1)
                    .with_priority(2)
                    .named("first publish")
                    .expect(1)
                    .mount(server)
                    .await;
                publish()
                    .respond_with(common::json(409, PROBLEM_409))
                    .with_priority(3)
                    .named("second publish: conflict")
                    .expect(1)
                    .mount(server)
                    .await;
            }
            Scenario::FindBySaleId => {
                self.mount_create("4711", CONTRACT_DRAFT).await;
                self.mount_create("4712", CONTRACT_DRAFT_4712).await;
                first_page(as_seller(api("GET", "contracts")))
                    .and(query_param(
                        "filter[data_field_match]",
                        "superoffice_sale_id:4711",
                    ))
                    .respond_with(common::json(200, CONTRACTS_4711))
                    .named("contracts of sale 4711")
                    .expect(1)
                    .mount(server)
                    .await;
            }
            Scenario::UploadExpandedPdf => {
                self.mount_create("4711", CONTRACT_DRAFT).await;
                as_seller(api("POST", "contracts/7001/files"))
                    .and(header_regex(
                        "content-type",
                        "^multipart/form-data; boundary=",
                    ))
                    .and(body_string_contains("name=\"upload_as\""))
                    .and(body_string_contains("expanded_pdf"))
                    .and(body_string_contains("filename=\"offer.pdf\""))
                    .and(body_string_contains("Content-Type: application/pdf"))
                    .and(body_string_contains("%PDF-1.4"))
                    .respond_with(common::json(200, FILE_UPLOADED))
                    .named("upload the expanded PDF")
                    .expect(1)
                    .mount(server)
                    .await;
                first_page(as_seller(api("GET", "contracts/7001/files")))
                    .respond_with(common::json(200, FILES))
                    .named("files of the contract")
                    .expect(1)
                    .mount(server)
                    .await;
            }
            Scenario::UnknownUser => {
                api("GET", "ping")
                    .and(header("x-oneflow-user-email", UNKNOWN_EMAIL))
                    .respond_with(common::json(401, PROBLEM_401))
                    .named("ping as an unknown user")
                    .expect(1)
                    .mount(server)
                    .await;
            }
            Scenario::WebhookLifecycle => {
                as_admin(api("POST", "webhooks"))
                    .and(header("content-type", "application/json"))
                    .and(body_partial_json(json!({
                        "callback_url": CALLBACK_URL,
                        "sign_key": SIGN_KEY,
                        "template_group_id": ids::SUPEROFFICE_TYPE.get(),
                        "filters": [{"filter_rules": [{
                            "type": "EVENT_TYPE",
                            "values": ["contract:publish", "contract:sign", "contract:decline"]
                        }]}]
                    })))
                    .respond_with(common::json(200, WEBHOOK))
                    .named("create the webhook")
                    .expect(1)
                    .mount(server)
                    .await;
                first_page(as_admin(api("GET", "webhooks")))
                    .respond_with(common::json(200, WEBHOOKS_ONE))
                    .up_to_n_times(1)
                    .with_priority(2)
                    .named("list webhooks before the delete")
                    .expect(1)
                    .mount(server)
                    .await;
                first_page(as_admin(api("GET", "webhooks")))
                    .respond_with(common::json(200, WEBHOOKS_NONE))
                    .with_priority(3)
                    .named("list webhooks after the delete")
                    .expect(1)
                    .mount(server)
                    .await;
                as_admin(api("DELETE", "webhooks/801"))
                    .respond_with(ResponseTemplate::new(200))
                    .named("delete the webhook")
                    .expect(1)
                    .mount(server)
                    .await;
            }
        }
    }

    async fn seen(&self) -> Vec<Seen> {
        self.server
            .received_requests()
            .await
            .expect("request recording is on")
            .into_iter()
            .map(|r| Seen {
                method: r.method.to_string(),
                path: r.url.path().to_owned(),
            })
            .collect()
    }

    async fn finish(self) {
        self.server.verify().await;
    }
}
