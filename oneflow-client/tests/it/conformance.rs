//! One client test suite, two backends.
//!
//! Every scenario below is written once against the [`Backend`] trait and runs twice, as
//! `<scenario>::on_wiremock` (fixtures in Oneflow's wire format,
//! `tests/fixtures/conformance/`) and `<scenario>::on_sandbox` (`oneflow_sandbox` with its
//! default seed). The fixtures use the seed's ids and names, so the same assertions hold on
//! both; a scenario that passes on one backend and fails on the other shows where the sandbox
//! and the recorded wire format disagree.
//!
//! A scenario asserts only what a user of the client sees, and declares each HTTP exchange
//! right before the call that makes it: wiremock serves exactly those requests, and the
//! sandbox's request log must show exactly those requests with the same statuses (see
//! `conformance/backend.rs`). A call refused locally therefore declares nothing.

mod backend;

use crate::common::fixture;
use backend::{ids, Backend, Exchange, Mocked, Sandboxed};
use futures::TryStreamExt;
use oneflow_client::api::files::FileUpload;
use oneflow_client::api::templates::ActiveFilter;
use oneflow_client::api::webhooks::WebhookDraft;
use oneflow_client::models::draft::{
    CompanyPartyDraft, ContractDraft, ParticipantDraft, ParticipantRole, PublishMessage,
};
use oneflow_client::models::{
    timestamp, Contract, ContractState, DataFieldSource, DeliveryChannel, DeliveryStatus,
    EventType, FileId, FileType, PartyType, SignMethod, SignState, TemplateId, WebhookFilter,
    WebhookFilterRule,
};
use oneflow_client::{Error, InvalidInput, TemplateSection};
use oneflow_sandbox::default_seed as seed;
use reqwest::StatusCode;
use serde_json::{json, Value};

// Fixtures in Oneflow's wire format, with the ids and names of the sandbox's default seed.
const ACCOUNT: &str = fixture!("conformance/account.json");
const TEMPLATES: &str = fixture!("conformance/templates_superoffice_active.json");
const CONTRACT_DRAFT: &str = fixture!("conformance/contract_draft.json");
const CONTRACT_DRAFT_4712: &str = fixture!("conformance/contract_draft_sale_4712.json");
const CONTRACT_PENDING: &str = fixture!("conformance/contract_pending.json");
const CONTRACTS_4711: &str = fixture!("conformance/contracts_sale_4711.json");
const FILE_UPLOADED: &str = fixture!("conformance/file_uploaded.json");
const FILES: &str = fixture!("conformance/files_after_upload.json");
const PROBLEM_401: &str = fixture!("conformance/problem_401_unknown_user.json");
const PROBLEM_409: &str = fixture!("conformance/problem_409_already_published.json");
const WEBHOOK: &str = fixture!("conformance/webhook_created.json");
const WEBHOOKS_ONE: &str = fixture!("conformance/webhooks_one.json");
const WEBHOOKS_NONE: &str = fixture!("conformance/webhooks_none.json");

/// The e-mail the unknown-user scenario acts as (not a user of the seeded account).
const UNKNOWN_EMAIL: &str = "nobody@acme.example";
/// The callback URL of the webhook scenario.
const CALLBACK_URL: &str = "https://crm.acme.example/oneflow/hook";
/// The sign key of the webhook scenario.
const SIGN_KEY: &str = "conformance-sign-key";

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

/// Creation and update time of everything in the seed.
const SEED_TIME: &str = "2024-01-15T09:00:00+0000";

/// A draft from the PDF template in "Sales", linked to a SuperOffice sale: one company
/// counterparty with one signatory.
fn sale_draft(sale_id: &str) -> ContractDraft {
    ContractDraft::new(ids::SALES, ids::TEMPLATE_PDF)
        .name(format!("Buyer AB – Sale {sale_id}"))
        .data_field("superoffice_sale_id", sale_id)
        .party(
            CompanyPartyDraft::new("Buyer AB")
                .country_code("SE")
                .identification_number("556000-1234")
                .participant(
                    ParticipantDraft::new("Ann Buyer")
                        .email("ann@buyer.example")
                        .title("CEO")
                        .delivery_channel(DeliveryChannel::Email)
                        .role(ParticipantRole::Signatory),
                ),
        )
}

fn publish_message() -> PublishMessage {
    PublishMessage::new(
        "Your contract from Acme Sales AB",
        "Please review and sign.",
    )
}

fn format_time(t: Option<timestamp::Timestamp>) -> Option<String> {
    t.map(|t| timestamp::format(&t))
}

/// Creates the contract for `sale_id`; on wiremock Oneflow answers with `answer`.
async fn create_sale_contract<B: Backend>(
    backend: &B,
    sale_id: &str,
    answer: &'static str,
) -> Contract {
    backend
        .expect(
            Exchange::post("contracts/create")
                .json_body_containing(create_body(sale_id))
                .answers(200, answer),
        )
        .await;
    backend
        .client()
        .contracts()
        .create(&sale_draft(sale_id))
        .await
        .unwrap_or_else(|e| panic!("[{}] create for sale {sale_id}: {e:?}", backend.name()))
}

// ---------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------

/// The token works, and it belongs to the seeded account.
async fn ping_and_account<B: Backend>(backend: &B) {
    let client = backend.client();
    backend
        .expect(Exchange::get("ping").answers(200, "{}"))
        .await;
    client.ping().await.expect("ping");
    backend
        .expect(Exchange::get("accounts/me").answers(200, ACCOUNT))
        .await;
    let account = client.account().me().await.expect("accounts/me");
    assert_eq!(account.id.get(), ids::ACCOUNT);
    assert_eq!(account.name.as_deref(), Some(seed::ACCOUNT_NAME));
    assert_eq!(account.country_code.as_deref(), Some("SE"));
    assert_eq!(account.registration_number.as_deref(), Some("556677-8899"));
    assert_eq!(
        format_time(account.created_time).as_deref(),
        Some(SEED_TIME)
    );
}

/// The active SuperOffice templates, with the sections decoded from `available_options`.
async fn superoffice_templates<B: Backend>(backend: &B) {
    backend
        .expect(
            Exchange::get("templates")
                .first_page()
                .query("extension_type", "superoffice")
                .query("filter[active]", "true")
                .answers(200, TEMPLATES),
        )
        .await;
    let mut templates: Vec<_> = backend
        .client()
        .templates()
        .list()
        .extension_type("superoffice")
        .active(ActiveFilter::ActiveOnly)
        .stream()
        .try_collect()
        .await
        .expect("list templates");
    templates.sort_by_key(|t| t.id);

    // (id, name, can_receive_expanded_pdf, can_receive_attachments); the inactive one is absent.
    let expected: [(TemplateId, &str, bool, bool); 4] = [
        (ids::TEMPLATE_PDF, seed::TEMPLATE_PDF, true, false),
        (
            ids::TEMPLATE_ATTACHMENTS,
            seed::TEMPLATE_ATTACHMENTS,
            false,
            true,
        ),
        (
            ids::TEMPLATE_PDF_AND_ATTACHMENTS,
            seed::TEMPLATE_PDF_AND_ATTACHMENTS,
            true,
            true,
        ),
        (ids::TEMPLATE_PLAIN, seed::TEMPLATE_PLAIN, false, false),
    ];
    let actual: Vec<_> = templates
        .iter()
        .map(|t| {
            (
                t.id,
                t.name.as_deref().unwrap_or_default(),
                t.available_options.can_receive_expanded_pdf,
                t.available_options.can_receive_attachments,
            )
        })
        .collect();
    assert_eq!(actual, expected);
    assert!(templates.iter().all(|t| t.id != ids::TEMPLATE_INACTIVE));

    for template in &templates {
        let template_type = template.template_type.as_ref().expect("template type");
        assert_eq!(template_type.id, ids::SUPEROFFICE_TYPE);
        assert_eq!(template_type.name.as_deref(), Some(seed::SUPEROFFICE_TYPE));
        assert_eq!(template_type.extension_type.as_deref(), Some("superoffice"));
        assert_eq!(
            format_time(template.created_time).as_deref(),
            Some(SEED_TIME)
        );

        let options = &template.available_options;
        assert!(!options.can_receive_products);
        let email = options
            .delivery_channels
            .iter()
            .find(|c| c.name == DeliveryChannel::Email)
            .expect("e-mail delivery offered");
        assert!(email.preferred);
        assert_eq!(email.required_participant_attributes, ["email"]);
        let preferred: Vec<_> = options
            .sign_methods
            .iter()
            .filter(|m| m.preferred)
            .map(|m| &m.name)
            .collect();
        assert_eq!(preferred, [&SignMethod::StandardEsign]);
    }
}

/// A draft with a company counterparty, a signatory and the sale id comes back as a draft
/// with that content, plus the acting user on the owner side.
async fn create_contract<B: Backend>(backend: &B) {
    let contract = create_sale_contract(backend, "4711", CONTRACT_DRAFT).await;
    assert_eq!(contract.state, ContractState::Draft);
    assert_eq!(contract.name(), Some("Buyer AB – Sale 4711"));
    assert_eq!(contract.workspace_id(), Some(ids::SALES));
    assert_eq!(contract.template_id(), Some(ids::TEMPLATE_PDF));
    assert_eq!(
        contract.private_ownerside.template_type_id,
        Some(ids::SUPEROFFICE_TYPE)
    );
    assert!(contract.published_time.is_none());
    assert!(contract.available_options.can_receive_expanded_pdf);
    assert!(!contract.available_options.can_receive_attachments);

    // Data fields: the sale id is set, the type's other fields are there and empty.
    assert_eq!(
        contract.data_field_value("superoffice_sale_id"),
        Some("4711")
    );
    let sale = contract.data_field("superoffice_sale_id").expect("sale id");
    assert_eq!(sale.source, Some(DataFieldSource::User));
    for custom_id in &seed::SUPEROFFICE_DATA_FIELDS[1..] {
        assert_eq!(
            contract.data_field_value(custom_id),
            Some(""),
            "{custom_id}"
        );
    }

    // Owner side: the account, with the acting user as organizer.
    let mine = contract.my_party().expect("owner-side party");
    assert_eq!(mine.name.as_deref(), Some(seed::ACCOUNT_NAME));
    let me = mine
        .participants
        .iter()
        .find(|p| p.my_participant)
        .expect("the acting user takes part");
    assert_eq!(me.email.as_deref(), Some(seed::SELLER_EMAIL));
    assert!(me.organizer);

    // The counterparty as sent.
    let others: Vec<_> = contract.counterparties().collect();
    assert_eq!(others.len(), 1);
    let buyer = others[0];
    assert_eq!(buyer.party_type, Some(PartyType::Company));
    assert_eq!(buyer.name.as_deref(), Some("Buyer AB"));
    assert_eq!(buyer.country_code.as_deref(), Some("SE"));
    assert_eq!(buyer.identification_number.as_deref(), Some("556000-1234"));
    assert_eq!(buyer.participants.len(), 1);
    let ann = &buyer.participants[0];
    assert_eq!(ann.name.as_deref(), Some("Ann Buyer"));
    assert_eq!(ann.email.as_deref(), Some("ann@buyer.example"));
    assert_eq!(ann.title.as_deref(), Some("CEO"));
    assert!(ann.signatory);
    assert!(!ann.organizer);
    assert_eq!(ann.permissions.get("contract:update"), Some(&true));
    assert_eq!(ann.delivery_channel, Some(DeliveryChannel::Email));
    assert_eq!(ann.sign_method, Some(SignMethod::StandardEsign));
    assert_eq!(ann.sign_state, Some(SignState::Undecided));
    assert_eq!(ann.delivery_status, Some(DeliveryStatus::NotSent));
}

/// Publishing moves the draft to pending; publishing again is a typed 409.
async fn publish_twice<B: Backend>(backend: &B) {
    let client = backend.client();
    let contract = create_sale_contract(backend, "4711", CONTRACT_DRAFT).await;

    let publish = || {
        Exchange::post(format!("contracts/{}/publish", contract.id)).json_body(json!({
            "subject": "Your contract from Acme Sales AB",
            "message": "Please review and sign."
        }))
    };
    backend
        .expect(publish().answers(200, CONTRACT_PENDING))
        .await;
    let published = client
        .contracts()
        .publish(contract.id, &publish_message())
        .await
        .expect("first publish");
    assert_eq!(published.id, contract.id);
    assert_eq!(published.state, ContractState::Pending);
    assert!(published.published_time.is_some());
    let ann = published
        .counterparties()
        .flat_map(|p| p.all_participants())
        .find(|p| p.signatory)
        .expect("counterparty signatory");
    assert_eq!(ann.sign_state, Some(SignState::Undecided));

    // Declared once more: a publish is never retried.
    backend.expect(publish().answers(409, PROBLEM_409)).await;
    let err = client
        .contracts()
        .publish(contract.id, &publish_message())
        .await
        .expect_err("a pending contract cannot be published again");
    assert_eq!(err.status(), Some(StatusCode::CONFLICT));
    assert!(!err.is_retryable());
    let api = err.api_error().expect("a typed API error");
    assert_eq!(api.status(), StatusCode::CONFLICT);
    assert_eq!(api.error_code(), Some(4_090_000));
    assert!(api.is_generic());
    assert_eq!(api.title(), Some("Conflict"));
    assert!(api.detail().is_some_and(|d| !d.is_empty()));
    assert!(api.request_id().is_some_and(|id| !id.is_empty()));
}

/// `filter[data_field_match]` finds exactly the contract linked to the sale.
async fn find_by_sale_id<B: Backend>(backend: &B) {
    let wanted = create_sale_contract(backend, "4711", CONTRACT_DRAFT).await;
    let other = create_sale_contract(backend, "4712", CONTRACT_DRAFT_4712).await;
    assert_ne!(wanted.id, other.id);
    assert_eq!(other.data_field_value("superoffice_sale_id"), Some("4712"));

    backend
        .expect(
            Exchange::get("contracts")
                .first_page()
                .query("filter[data_field_match]", "superoffice_sale_id:4711")
                .answers(200, CONTRACTS_4711),
        )
        .await;
    let found: Vec<_> = backend
        .client()
        .contracts()
        .list()
        .data_field_match("superoffice_sale_id", "4711")
        .stream()
        .try_collect()
        .await
        .expect("list by data field");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].id, wanted.id);
    assert_eq!(found[0].name(), Some("Buyer AB – Sale 4711"));
    assert_eq!(
        found[0].data_field_value("superoffice_sale_id"),
        Some("4711")
    );
}

/// An expanded PDF uploaded to a template with a PDF section is listed next to the contract
/// PDF.
async fn upload_expanded_pdf<B: Backend>(backend: &B) {
    let client = backend.client();
    let contract = create_sale_contract(backend, "4711", CONTRACT_DRAFT).await;
    assert!(contract.available_options.can_receive_expanded_pdf);

    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    backend
        .expect(
            Exchange::post(format!("contracts/{}/files", contract.id))
                .multipart_containing(&[
                    "name=\"upload_as\"",
                    "expanded_pdf",
                    "filename=\"offer.pdf\"",
                    "Content-Type: application/pdf",
                    "%PDF-1.4",
                ])
                .answers(200, FILE_UPLOADED),
        )
        .await;
    let uploaded = client
        .files()
        .upload(&contract, FileUpload::expanded_pdf("offer.pdf", &pdf[..]))
        .await
        .expect("upload");
    assert_ne!(uploaded.id, FileId(1), "file 1 is the contract itself");
    assert_eq!(uploaded.file_type, Some(FileType::Pdf));
    assert_eq!(uploaded.name.as_deref(), Some("offer.pdf"));
    assert_eq!(uploaded.extension.as_deref(), Some("pdf"));

    backend
        .expect(
            Exchange::get(format!("contracts/{}/files", contract.id))
                .first_page()
                .answers(200, FILES),
        )
        .await;
    let files = client.files().list(contract.id).await.expect("list files");
    assert_eq!(files.len(), 2, "{files:?}");
    let whole = files
        .iter()
        .find(|f| f.id == FileId(1))
        .expect("the contract PDF");
    assert_eq!(whole.file_type, Some(FileType::Contract));
    assert_eq!(whole.extension.as_deref(), Some("pdf"));
    let listed = files
        .iter()
        .find(|f| f.id == uploaded.id)
        .expect("the uploaded file is listed");
    assert_eq!(listed.file_type, Some(FileType::Pdf));
    assert_eq!(listed.name.as_deref(), Some("offer.pdf"));
}

/// An attachment for a template without an Attachments section fails locally; nothing is
/// sent.
async fn attachment_refused_locally<B: Backend>(backend: &B) {
    let client = backend.client();
    let contract = create_sale_contract(backend, "4711", CONTRACT_DRAFT).await;
    assert!(!contract.available_options.can_receive_attachments);

    let err = client
        .files()
        .upload(
            &contract,
            FileUpload::attachment("terms.pdf", &b"%PDF-1.4\n"[..]),
        )
        .await
        .expect_err("the template has no attachments section");
    assert!(
        matches!(
            err,
            Error::InvalidInput(InvalidInput::TemplateLacksSection {
                section: TemplateSection::Attachments
            })
        ),
        "{err:?}"
    );
    assert!(err.api_error().is_none());
    // No exchange was declared for the upload: `finish` fails if it reached the backend.
}

/// Acting as an e-mail that is not a user of the account is a typed 401.
async fn unknown_user<B: Backend>(backend: &B) {
    backend
        .expect(
            Exchange::get("ping")
                .acting_as(UNKNOWN_EMAIL)
                .answers(401, PROBLEM_401),
        )
        .await;
    let err = backend
        .client()
        .as_user(UNKNOWN_EMAIL)
        .ping()
        .await
        .expect_err("unknown users are rejected");
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(!err.is_retryable());
    let api = err.api_error().expect("a typed API error");
    assert_eq!(api.error_code(), Some(4_010_000));
    assert_eq!(api.title(), Some("Unauthorized"));
    assert_eq!(
        api.problem_type(),
        Some("https://api.oneflow.com/v1/error_codes/4010000")
    );
    for shown in [format!("{err:?}"), err.to_string()] {
        assert!(
            !shown.contains(seed::API_TOKEN),
            "the token leaked: {shown}"
        );
    }
}

/// A webhook can be registered, is listed, and is gone after a delete.
async fn webhook_lifecycle<B: Backend>(backend: &B) {
    let admin = backend.client().as_user(seed::ADMIN_EMAIL);
    let filter = WebhookFilter::new(vec![WebhookFilterRule::event_types([
        EventType::ContractPublish,
        EventType::ContractSign,
        EventType::ContractDecline,
    ])]);
    let draft = WebhookDraft::new(CALLBACK_URL)
        .sign_key(SIGN_KEY.to_owned())
        .template_group_id(ids::SUPEROFFICE_TYPE)
        .filter(filter.clone());

    backend
        .expect(
            Exchange::post("webhooks")
                .acting_as(seed::ADMIN_EMAIL)
                .json_body_containing(json!({
                    "callback_url": CALLBACK_URL,
                    "sign_key": SIGN_KEY,
                    "template_group_id": ids::SUPEROFFICE_TYPE.get(),
                    "filters": [{"filter_rules": [{
                        "type": "EVENT_TYPE",
                        "values": ["contract:publish", "contract:sign", "contract:decline"]
                    }]}]
                }))
                .answers(200, WEBHOOK),
        )
        .await;
    let hook = admin
        .webhooks()
        .create(&draft)
        .await
        .expect("create webhook");
    assert_eq!(hook.callback_url.as_deref(), Some(CALLBACK_URL));
    assert_eq!(hook.template_group_id, Some(ids::SUPEROFFICE_TYPE));
    assert_eq!(hook.filters, [filter]);
    assert!(!format!("{hook:?}").contains(SIGN_KEY));

    let list_webhooks = || {
        Exchange::get("webhooks")
            .acting_as(seed::ADMIN_EMAIL)
            .first_page()
    };
    backend
        .expect(list_webhooks().answers(200, WEBHOOKS_ONE))
        .await;
    let listed = admin.webhooks().list().await.expect("list webhooks");
    let found = listed
        .iter()
        .find(|h| h.webhook_id == hook.webhook_id)
        .expect("the new webhook is listed");
    assert_eq!(found.callback_url.as_deref(), Some(CALLBACK_URL));

    backend
        .expect(
            Exchange::delete(format!("webhooks/{}", hook.webhook_id))
                .acting_as(seed::ADMIN_EMAIL)
                .answers_empty(200),
        )
        .await;
    admin
        .webhooks()
        .delete(hook.webhook_id)
        .await
        .expect("delete webhook");
    backend
        .expect(list_webhooks().answers(200, WEBHOOKS_NONE))
        .await;
    let after = admin.webhooks().list().await.expect("list webhooks");
    assert!(
        after.iter().all(|h| h.webhook_id != hook.webhook_id),
        "{after:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Each scenario on both backends
// ---------------------------------------------------------------------------------------

/// Two tests per scenario, `<scenario>::on_wiremock` and `<scenario>::on_sandbox` (a module
/// per scenario; it shares the scenario function's name, which lives in the value namespace).
macro_rules! conformance {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                use super::{Backend, Mocked, Sandboxed};

                #[tokio::test]
                async fn on_wiremock() {
                    let backend = Mocked::start().await;
                    super::$scenario(&backend).await;
                    backend.finish().await;
                }

                #[tokio::test]
                async fn on_sandbox() {
                    let backend = Sandboxed::start().await;
                    super::$scenario(&backend).await;
                    backend.finish().await;
                }
            }
        )+
    };
}

conformance!(
    ping_and_account,
    superoffice_templates,
    create_contract,
    publish_twice,
    find_by_sale_id,
    upload_expanded_pdf,
    attachment_refused_locally,
    unknown_user,
    webhook_lifecycle,
);
