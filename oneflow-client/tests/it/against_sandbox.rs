//! The real `oneflow_client::Client` against the Oneflow sandbox.

use std::time::Duration;

use futures::TryStreamExt;
use oneflow_client::api::files::FileUpload;
use oneflow_client::api::webhooks::WebhookDraft;
use oneflow_client::models::draft::{
    CompanyPartyDraft, ContractDraft, ParticipantDraft, PublishMessage,
};
use oneflow_client::models::{ContractState, DeliveryChannel, EventType, TemplateId, WorkspaceId};
use oneflow_client::{webhook, Client, Error, RetryPolicy};
use oneflow_sandbox::{default_seed as seed, DeliveryConfig, Fault, OneflowSandbox};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn sandbox() -> OneflowSandbox {
    OneflowSandbox::builder()
        .delivery_config(DeliveryConfig::immediate())
        .start()
        .await
        .expect("sandbox starts")
}

fn client(sandbox: &OneflowSandbox) -> Client {
    Client::builder()
        .base_url(sandbox.base_url().as_str())
        .api_token(sandbox.api_token().to_owned())
        .user_email(seed::SELLER_EMAIL)
        .timeout(Duration::from_secs(5))
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(5))
                .jitter(false),
        )
        .build()
        .expect("client builds")
}

fn draft(sandbox: &OneflowSandbox, template: &str) -> ContractDraft {
    let seeded = sandbox.seeded();
    ContractDraft::new(
        WorkspaceId(seeded.workspace_id(seed::SALES_WORKSPACE).unwrap()),
        TemplateId(seeded.template_id(template).unwrap()),
    )
    .name("Acme AB licence")
    .data_field("superoffice_sale_id", "4711")
    .party(
        CompanyPartyDraft::new("Buyer AB").participant(
            ParticipantDraft::new("Ann Buyer")
                .email("ann@buyer.example")
                .delivery_channel(DeliveryChannel::Email)
                .signatory(true),
        ),
    )
}

fn counterparty_signatory(contract: &oneflow_client::models::Contract) -> i64 {
    contract
        .parties
        .iter()
        .filter(|p| !p.my_party)
        .flat_map(|p| p.participants.iter())
        .find(|p| p.signatory)
        .expect("a counterparty signatory")
        .id
        .get()
}

#[tokio::test]
async fn create_publish_sign_and_read_back_through_the_client() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    client.ping().await.unwrap();

    let templates: Vec<_> = client
        .templates()
        .list()
        .extension_type("superoffice")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(templates.len(), 4);
    let pdf = templates
        .iter()
        .find(|t| t.name.as_deref() == Some(seed::TEMPLATE_PDF))
        .unwrap();
    assert!(pdf.available_options.can_receive_expanded_pdf);

    let contract = client
        .contracts()
        .create(&draft(&sandbox, seed::TEMPLATE_PDF))
        .await
        .unwrap();
    assert_eq!(contract.state, ContractState::Draft);
    assert_eq!(contract.private.name.as_deref(), Some("Acme AB licence"));
    let sale = contract
        .data_fields
        .iter()
        .find(|f| f.value.as_deref() == Some("4711"))
        .expect("the sale id data field");
    assert!(sale.id.get() > 0);

    let published = client
        .contracts()
        .publish(
            contract.id,
            &PublishMessage::new("Please sign", "Hello Ann"),
        )
        .await
        .unwrap();
    assert_eq!(published.state, ContractState::Pending);

    sandbox
        .sign(contract.id.get(), counterparty_signatory(&contract))
        .unwrap();
    let signed = client.contracts().get(contract.id).await.unwrap();
    assert_eq!(signed.state, ContractState::Signed);

    let found: Vec<_> = client
        .contracts()
        .list()
        .data_field_match("superoffice_sale_id", "4711")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, contract.id);
}

#[tokio::test]
async fn upload_and_download_files_through_the_client() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let contract = client
        .contracts()
        .create(&draft(&sandbox, seed::TEMPLATE_PDF_AND_ATTACHMENTS))
        .await
        .unwrap();
    let pdf = b"%PDF-1.4\n% offer\n".to_vec();
    let uploaded = client
        .files()
        .upload(
            &contract,
            FileUpload::expanded_pdf("offer.pdf", pdf.clone()),
        )
        .await
        .unwrap();
    let files = client.files().list(contract.id).await.unwrap();
    assert_eq!(files.len(), 2);
    let download = client
        .files()
        .download(contract.id, uploaded.id)
        .await
        .unwrap();
    assert_eq!(download.content_type(), Some("application/pdf"));
    assert_eq!(download.bytes().await.unwrap().as_ref(), pdf.as_slice());

    // A template without a PDF section: refused (locally or by the sandbox, never accepted).
    let plain = client
        .contracts()
        .create(&draft(&sandbox, seed::TEMPLATE_PLAIN))
        .await
        .unwrap();
    let err = client
        .files()
        .upload(&plain, FileUpload::expanded_pdf("offer.pdf", pdf))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput(_) | Error::Api(_)),
        "{err}"
    );
}

#[tokio::test]
async fn a_webhook_created_by_the_client_delivers_a_verifiable_body() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let sandbox = sandbox().await;
    let admin = client(&sandbox).as_user(seed::ADMIN_EMAIL);
    let hook = admin
        .webhooks()
        .create(
            &WebhookDraft::new(format!("{}/oneflow", receiver.uri()))
                .sign_key("hook-key".to_owned()),
        )
        .await
        .unwrap();
    assert_eq!(
        admin.webhooks().list().await.unwrap()[0].webhook_id,
        hook.webhook_id
    );

    let contract = admin
        .contracts()
        .create(&draft(&sandbox, seed::TEMPLATE_PLAIN))
        .await
        .unwrap();
    admin
        .contracts()
        .publish(contract.id, &PublishMessage::new("Please sign", "Hi"))
        .await
        .unwrap();
    let log = sandbox
        .wait_for_deliveries(|log| log.iter().any(|d| d.outcome.is_success()))
        .await
        .unwrap();
    let payload = webhook::verify(log[0].body.as_bytes(), "hook-key").unwrap();
    assert_eq!(payload.contract.id, contract.id);
    assert_eq!(payload.callback_id, log[0].callback_id);
    assert_eq!(payload.events[0].event_type, EventType::ContractPublish);
    assert!(webhook::verify(log[0].body.as_bytes(), "wrong-key").is_err());

    let received = receiver.received_requests().await.unwrap();
    assert!(webhook::verify(&received[0].body, "hook-key").is_ok());
}

#[tokio::test]
async fn the_client_retries_a_get_after_a_500_not_a_bare_429_nor_a_create() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let contract = client
        .contracts()
        .create(&draft(&sandbox, seed::TEMPLATE_PLAIN))
        .await
        .unwrap();
    sandbox.clear_requests();

    sandbox.inject_fault(Fault::InternalServerError, 1);
    let fetched = client.contracts().get(contract.id).await.unwrap();
    assert_eq!(fetched.id, contract.id);
    let statuses: Vec<u16> = sandbox.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![500, 200]);

    // Oneflow's 429 carries no Retry-After (5-minute window): surfaced at once, not retried.
    sandbox.clear_requests();
    sandbox.inject_fault(Fault::RateLimited { retry_after: None }, 1);
    let err = client.contracts().get(contract.id).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::RateLimited {
                retry_after: None,
                ..
            }
        ),
        "{err:?}"
    );
    let statuses: Vec<u16> = sandbox.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![429]);

    sandbox.clear_requests();
    sandbox.inject_fault(Fault::BadGatewayHtml, 1);
    let err = client
        .contracts()
        .create(&draft(&sandbox, seed::TEMPLATE_PLAIN))
        .await
        .unwrap_err();
    assert_eq!(err.api_error().map(|a| a.status().as_u16()), Some(502));
    assert_eq!(
        sandbox.requests().len(),
        1,
        "a create is never retried automatically"
    );
}

#[tokio::test]
async fn an_inactive_acting_user_gets_the_401_problem() {
    let sandbox = sandbox().await;
    let err = client(&sandbox)
        .as_user(seed::INACTIVE_EMAIL)
        .ping()
        .await
        .unwrap_err();
    let api = err.api_error().expect("an API error");
    assert_eq!(api.status().as_u16(), 401);
    assert!(!format!("{err:?}").contains(sandbox.api_token()));
}
