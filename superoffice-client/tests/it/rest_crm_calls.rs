//! The CRM calls an integration needs (issue 8, items 9, 14 and 15) against wiremock: the app
//! token on bearer credentials, the cache flush, `If-Unmodified-Since`, `Sale/default` and
//! `Sale/Validate`, stages per sale type, functional rights, typed webhook `FieldValues`, and
//! document records with content.

use crate::rest_support;

use std::sync::Arc;

use rest_support::{api_base, client, API, BEARER_1};
use serde_json::json;
use superoffice_client::credentials::{StaticToken, WithAppToken};
use superoffice_client::models::{
    ContactId, DocumentEntity, DocumentId, JsonPatch, PersonId, SaleEntity, SaleId, SaleStatus,
    WebhookPayload,
};
use superoffice_client::RateLimit;
use superoffice_client::{Client, Credential, Error};
use wiremock::matchers::{body_bytes, body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SALE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/rest/sale.json"
));
const SALE_TYPE_1: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/rest/sale_type_1.json"
));
const SALE_STAGES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/rest/sale_stages.json"
));
const VALIDATE_ERRORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/rest/sale_validate_errors.json"
));
const DOCUMENT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/rest/document.json"
));
/// The `sale.created` example of the webhooks reference page "Sale webhook events".
const SALE_CREATED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/rest/webhook_payload_sale_created.json"
));
/// The example of the webhooks reference page "Test event".
const TEST_EVENT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/rest/webhook_payload_test.json"
));

fn json_body(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

/// A server that fails the test if it receives anything.
async fn silent_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    server
}

fn client_with(server: &MockServer, credential: Credential) -> Client {
    Client::builder()
        .api_base(api_base(server))
        .token_provider(Arc::new(StaticToken::new(credential)))
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap()
}

// ---- item 9: SO-AppToken on bearer credentials -------------------------------------------

#[tokio::test]
async fn bearer_with_app_token_sends_so_app_token_for_app_panels() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Agents/List/GetAppWebPanels")))
        .and(header("authorization", "Bearer 8A:Cust12345.user"))
        .and(header("so-apptoken", "app-client-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Agents/List/DeleteAppWebPanels")))
        .and(header("so-apptoken", "app-client-secret"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let provider = WithAppToken::new(
        Arc::new(StaticToken::new(Credential::bearer("8A:Cust12345.user"))),
        "app-client-secret",
    );
    assert!(!format!("{provider:?}").contains("app-client-secret"));
    let client = Client::builder()
        .api_base(api_base(&server))
        .token_provider(Arc::new(provider))
        .build()
        .unwrap();
    assert!(client.web_panels().app_panels().await.unwrap().is_empty());
    client.web_panels().delete_app_panels().await.unwrap();
}

#[tokio::test]
async fn app_panel_calls_without_app_token_fail_before_sending() {
    let server = silent_server().await;
    let client = client_with(&server, Credential::bearer("8A:Cust12345.user"));
    for result in [
        client.web_panels().app_panels().await.map(|_| ()),
        client.web_panels().delete_app_panels().await,
    ] {
        assert!(
            matches!(&result, Err(Error::InvalidInput(m)) if m.contains("SO-AppToken")),
            "{result:?}"
        );
    }
}

#[test]
fn app_token_is_redacted_and_reported() {
    let plain = Credential::bearer("tok");
    assert!(!plain.has_app_token());
    assert!(plain.app_token_header().is_none());
    let with = plain.with_app_token("s3cret-app");
    assert!(with.has_app_token());
    let value = with.app_token_header().unwrap();
    assert!(value.is_sensitive());
    assert_eq!(value, "s3cret-app");
    assert!(!format!("{with:?}").contains("s3cret-app"));
}

// ---- item 14: the cache flush ------------------------------------------------------------

#[tokio::test]
async fn flush_caches_gets_default_aspx_on_the_tenant_host() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Cust12345/default.aspx"))
        .and(header("authorization", BEARER_1))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>flushed</html>", "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    client.flush_caches().await.unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received[0].url.query(), Some("flush"));
}

#[tokio::test]
async fn flush_caches_reports_a_refusal() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Cust12345/default.aspx"))
        .respond_with(ResponseTemplate::new(403).set_body_raw("<html>403</html>", "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let err = client.flush_caches().await.unwrap_err();
    assert_eq!(err.api_error().map(|e| e.status().as_u16()), Some(403));
}

// ---- item 15: Sale writes with If-Unmodified-Since, default, validation ------------------

/// Matches the whole `If-Unmodified-Since` value (wiremock's `header` splits on commas).
fn unmodified_since(expected: &'static str) -> impl Fn(&Request) -> bool {
    move |request: &Request| {
        request
            .headers
            .get("if-unmodified-since")
            .is_some_and(|v| v.as_bytes() == expected.as_bytes())
    }
}

#[tokio::test]
async fn sale_writes_send_if_unmodified_since_and_map_412() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("{API}/v1/Sale/42")))
        .and(unmodified_since("Fri, 24 Jul 2026 08:00:00 GMT"))
        .respond_with(ResponseTemplate::new(412).set_body_json(json!({
            "Error": true, "ErrorType": "SoPreconditionFailedException",
            "ErrorMessage": "modified", "ErrorSource": "SuperOffice.Services.Implementation"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{API}/v1/Sale/42")))
        .and(unmodified_since("Fri, 24 Jul 2026 08:00:00 GMT"))
        .respond_with(json_body(SALE))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let sale: SaleEntity = serde_json::from_str(SALE).unwrap();
    let since = chrono::DateTime::parse_from_rfc3339("2026-07-24T08:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let err = client
        .sales()
        .put_if_unmodified_since(&sale, since)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PreconditionFailed(_)), "{err:?}");
    let patch = JsonPatch::new().replace("Status", SaleStatus::Sold);
    client
        .sales()
        .patch_if_unmodified_since(SaleId(42), &patch, since)
        .await
        .unwrap();
}

#[tokio::test]
async fn default_sale_and_validate() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale/default")))
        .respond_with(json_body(SALE))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Sale/Validate")))
        .and(wiremock::matchers::body_partial_json(
            json!({"SaleId": 42, "Status": "Lost"}),
        ))
        .respond_with(json_body(VALIDATE_ERRORS))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Sale/Validate")))
        .and(wiremock::matchers::body_partial_json(
            json!({"Status": "Open"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let mut sale = client.sales().default_sale().await.unwrap();
    assert_eq!(sale.sale_id, SaleId(42));
    sale.status = Some(SaleStatus::Lost);
    let problems = client.sales().validate(&sale).await.unwrap();
    assert!(!problems.is_valid());
    assert_eq!(
        problems.message("reason"),
        Some("Reason is mandatory when a Sale is closed as lost")
    );
    sale.status = Some(SaleStatus::Open);
    assert!(client.sales().validate(&sale).await.unwrap().is_valid());
}

#[tokio::test]
async fn stages_for_a_sale_type_are_its_selected_live_stages() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/List/SaleType/Items/1")))
        .respond_with(json_body(SALE_TYPE_1))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/List/Rating/Items")))
        .respond_with(json_body(SALE_STAGES))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let stages = client.lists().stages_for_sale_type(1).await.unwrap();
    let ids: Vec<i32> = stages.iter().map(|s| s.sale_stage_id).collect();
    assert_eq!(ids, [1, 3], "selected stages only, in the type's order");
    assert!(matches!(
        client.lists().sale_type(0).await,
        Err(Error::InvalidInput(_))
    ));
}

#[tokio::test]
async fn has_function_right_posts_the_documented_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Agents/Sentry/HasFunctionRight")))
        .and(body_json(json!({"FunctionRight": "admin-all"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(true)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Agents/Sentry/GetFunctionRights")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(["admin-all", "admin-lists"])))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    assert!(client
        .users()
        .has_function_right("admin-all")
        .await
        .unwrap());
    assert_eq!(
        client.users().function_rights().await.unwrap(),
        ["admin-all", "admin-lists"]
    );
    assert!(matches!(
        client.users().has_function_right(" ").await,
        Err(Error::InvalidInput(_))
    ));
}

// ---- item 15: typed webhook FieldValues --------------------------------------------------

#[test]
fn sale_field_values_decode_from_the_documented_example() {
    let payload: WebhookPayload = serde_json::from_str(SALE_CREATED).unwrap();
    assert!(!payload.is_test());
    let fields = payload.sale_fields().expect("a sale event");
    assert_eq!(fields.status, Some(SaleStatus::Open));
    assert_eq!(fields.done, Some(false));
    assert_eq!(fields.stage_id, Some(1));
    assert_eq!(fields.sale_type_id, Some(3));
    assert_eq!(fields.sale_type_category_id, Some(3));
    assert_eq!(fields.contact_id, Some(ContactId(5)));
    assert_eq!(fields.person_id, Some(PersonId(8)));
    assert_eq!(fields.currency_id, Some(36));
    assert_eq!(fields.reason_lost_id, Some(0));
    assert_eq!(fields.saledate.as_deref(), Some("2020-02-13T00:00:00"));
    assert_eq!(
        fields.updated.as_deref(),
        Some("2025-05-14T15:56:39.5450964+02:00")
    );

    let mut sold = payload.clone();
    sold.field_values.insert("status".into(), json!(2));
    sold.field_values.insert("done".into(), json!(2));
    let fields = sold.sale_fields().unwrap();
    assert_eq!(fields.status, Some(SaleStatus::Sold));
    assert_eq!(fields.done, Some(true));
    sold.field_values.insert("status".into(), json!(9));
    assert_eq!(
        sold.sale_fields().unwrap().status,
        Some(SaleStatus::Other("9".into()))
    );
}

#[test]
fn the_documented_test_event_is_a_test_without_sale_fields() {
    let payload: WebhookPayload = serde_json::from_str(TEST_EVENT).unwrap();
    assert!(payload.is_test());
    assert_eq!(payload.primary_key, Some(0));
    assert_eq!(payload.entity.as_deref(), Some("test"));
    assert!(payload.sale_fields().is_none());
}

// ---- item 15: documents ------------------------------------------------------------------

#[test]
fn document_decodes_from_a_swagger_shaped_fixture() {
    let doc: DocumentEntity = serde_json::from_str(DOCUMENT).unwrap();
    assert_eq!(doc.document_id, DocumentId(88));
    assert_eq!(doc.name.as_deref(), Some("contract-101.pdf"));
    assert_eq!(
        doc.document_template.as_ref().unwrap().document_template_id,
        3
    );
    assert_eq!(doc.sale.as_ref().unwrap().sale_id, SaleId(101));
    assert_eq!(doc.contact.as_ref().unwrap().contact_id, ContactId(2));
    assert!(doc.created_date.is_some());
}

#[tokio::test]
async fn document_create_then_upload_and_read_content() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Document")))
        .and(wiremock::matchers::body_partial_json(json!({
            "DocumentId": 0,
            "Header": "Signed contract",
            "Name": "contract-101.pdf",
            "DocumentTemplate": {"DocumentTemplateId": 3},
            "Contact": {"ContactId": 2},
            "Person": {"PersonId": 10},
            "Sale": {"SaleId": 101}
        })))
        .respond_with(json_body(DOCUMENT))
        .expect(1)
        .mount(&server)
        .await;
    let pdf = b"%PDF-1.7 signed".to_vec();
    Mock::given(method("PUT"))
        .and(path(format!("{API}/v1/Document/88/Content")))
        .and(header("content-type", "application/octet-stream"))
        .and(body_bytes(pdf.clone()))
        .respond_with(json_body(DOCUMENT))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Document/88/Content")))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(pdf.clone(), "application/octet-stream"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let record = DocumentEntity::new("Signed contract", "contract-101.pdf", 3).on_sale(
        SaleId(101),
        ContactId(2),
        Some(PersonId(10)),
    );
    let created = client.documents().create(&record).await.unwrap();
    client
        .documents()
        .upload_content(created.document_id, pdf.clone())
        .await
        .unwrap();
    let content = client.documents().content(DocumentId(88)).await.unwrap();
    assert_eq!(content.as_ref(), pdf.as_slice());
}

#[tokio::test]
async fn document_input_is_checked_before_sending() {
    let server = silent_server().await;
    let (client, _) = client(&server);
    let docs = client.documents();
    let ok = DocumentEntity::new("Signed contract", "contract.pdf", 3);
    let mut no_header = ok.clone();
    no_header.header = Some(" ".into());
    let mut path_name = ok.clone();
    path_name.name = Some("../etc/contract.pdf".into());
    let no_template = DocumentEntity::new("Signed contract", "contract.pdf", 0);
    let mut with_id = ok.clone();
    with_id.document_id = DocumentId(5);
    for bad in [no_header, path_name, no_template, with_id] {
        assert!(
            matches!(docs.create(&bad).await, Err(Error::InvalidInput(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        docs.upload_content(DocumentId(1), Vec::new()).await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        docs.upload_content(DocumentId(0), b"x".to_vec()).await,
        Err(Error::InvalidInput(_))
    ));
}
