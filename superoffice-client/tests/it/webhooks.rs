//! Webhooks: CRUD request shape, the secret on the wire, signature verification (in every
//! base64 form) and the documented payloads.

use crate::fixtures::fixture;
use crate::rest_support;
use rest_support::{client, json_body, API};

use serde_json::json;
use superoffice_client::models::{
    ContactId, NotifyVia, PersonId, SaleStatus, Webhook, WebhookId, WebhookPayload, WebhookSecret,
    WebhookState,
};
use superoffice_client::webhook::{sign_for_test, verify, WebhookError};
use superoffice_client::Error;
use wiremock::matchers::{body_json, body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const WEBHOOK: &str = fixture!("rest/webhook.json");

const WEBHOOKS: &str = fixture!("rest/webhooks.json");

const PAYLOAD: &str = fixture!("rest/webhook_payload.json");

fn new_hook() -> Webhook {
    Webhook::new(
        "oneflow-sales",
        "https://contracts.example.com/hooks/superoffice",
        ["sale.changed", "sale.deleted"],
        WebhookSecret::new("wh-secret-1"),
    )
}

#[tokio::test]
async fn create_sends_the_secret_and_decodes_the_result() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Webhook")))
        .and(body_json(json!({
            "WebhookId": 0,
            "Name": "oneflow-sales",
            "Events": ["sale.changed", "sale.deleted"],
            "TargetUrl": "https://contracts.example.com/hooks/superoffice",
            "Secret": "wh-secret-1",
            "State": "Active",
            "Type": "webhook"
        })))
        .respond_with(json_body(WEBHOOK))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let hook = new_hook();
    assert!(!format!("{hook:?}").contains("wh-secret-1"));
    let created = client.webhooks().create(&hook).await.unwrap();
    assert_eq!(created.webhook_id, WebhookId(33));
    assert_eq!(created.state, Some(WebhookState::Active));
    assert_eq!(created.notify_via, Some(NotifyVia::None));
    assert_eq!(created.headers["X-Installation"], "inst-1");
    assert_eq!(created.total_calls, Some(12));
    assert_eq!(created.updated, None);
}

#[tokio::test]
async fn create_is_checked_locally() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let mut plain_http = new_hook();
    plain_http.target_url = Some("http://contracts.example.com/hooks".into());
    assert!(matches!(
        client.webhooks().create(&plain_http).await,
        Err(Error::InvalidInput(_))
    ));
    let mut no_events = new_hook();
    no_events.events.clear();
    assert!(matches!(
        client.webhooks().create(&no_events).await,
        Err(Error::InvalidInput(_))
    ));
}

#[tokio::test]
async fn list_with_filters_get_update_delete_and_test() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Webhook")))
        .and(query_param("nameFilter", "oneflow-sales"))
        .and(query_param("eventFilter", "sale.changed"))
        .and(query_param("statusFilter", "Active"))
        .respond_with(json_body(WEBHOOKS))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Webhook/33")))
        .respond_with(json_body(WEBHOOK))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{API}/v1/Webhook/33")))
        .and(body_partial_json(
            json!({"WebhookId": 33, "State": "Stopped", "Secret": "wh-secret-1"}),
        ))
        .respond_with(json_body(WEBHOOK))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{API}/v1/Webhook/33")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Webhook/Test")))
        .and(body_partial_json(json!({"Name": "oneflow-sales"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "Success": false, "Message": "Target answered 404", "TableRight": null, "FieldProperties": {}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let hooks = client
        .webhooks()
        .list()
        .name("oneflow-sales")
        .event("sale.changed")
        .status(WebhookState::Active)
        .send()
        .await
        .unwrap();
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[1].state, Some(WebhookState::Other("Paused".into())));
    assert_eq!(hooks[1].notify_via, Some(NotifyVia::Other("Pigeon".into())));

    let mut hook = client.webhooks().get(WebhookId(33)).await.unwrap();
    assert!(
        hook.secret.is_none(),
        "an empty secret from the server is no secret"
    );
    hook.state = Some(WebhookState::Stopped);
    // PUT replaces the whole webhook and reads never show the secret: the stored secret
    // goes back with the update.
    let hook = hook.with_secret(WebhookSecret::new("wh-secret-1"));
    client.webhooks().update(&hook).await.unwrap();
    client.webhooks().delete(WebhookId(33)).await.unwrap();
    let result = client.webhooks().test(&new_hook()).await.unwrap();
    assert!(!result.success);
    assert_eq!(result.message.as_deref(), Some("Target answered 404"));
}

#[test]
fn verify_accepts_a_valid_signature_and_parses_the_payload() {
    let body = PAYLOAD.trim_end().as_bytes();
    let signature = sign_for_test(body, "wh-secret-1");
    let payload = verify(body, "wh-secret-1", &signature).unwrap();
    assert_eq!(
        payload.event_id.as_deref(),
        Some("5a1f2c3d-8e9b-4f60-a1b2-c3d4e5f60718")
    );
    assert_eq!(payload.event.as_deref(), Some("sale.changed"));
    assert_eq!(payload.primary_key, Some(42));
    assert_eq!(payload.entity.as_deref(), Some("sale"));
    assert_eq!(payload.context_identifier.as_deref(), Some("Cust12345"));
    assert_eq!(payload.changed_by_associate_id.0, 5);
    assert_eq!(
        payload.changes,
        ["sale_id", "status", "probability_idx", "updated"]
    );
    assert_eq!(payload.field_i64("status"), Some(2));
    assert_eq!(payload.field_i64("reasonSold_id"), Some(3));
    assert_eq!(
        payload.timestamp.unwrap().to_string(),
        "2026-07-24T08:01:15.85Z"
    );
    assert!(!payload.is_test());
}

#[test]
fn verify_rejects_wrong_secret_and_tampered_body() {
    let body = PAYLOAD.trim_end().as_bytes();
    let signature = sign_for_test(body, "wh-secret-1");
    let err = verify(body, "another-secret", &signature).unwrap_err();
    assert_eq!(err, WebhookError::InvalidSignature);

    let tampered = String::from_utf8(body.to_vec())
        .unwrap()
        .replace("\"PrimaryKey\":42", "\"PrimaryKey\":43");
    assert_ne!(tampered.as_bytes(), body);
    let err = verify(tampered.as_bytes(), "wh-secret-1", &signature).unwrap_err();
    assert_eq!(err, WebhookError::InvalidSignature);
    // The error never reveals the signature that would have been valid.
    let expected = sign_for_test(tampered.as_bytes(), "wh-secret-1");
    assert!(!format!("{err} {err:?}").contains(&expected));

    // Re-serialised JSON is not the raw body: whitespace changes break the signature.
    let reformatted =
        serde_json::to_vec_pretty(&serde_json::from_slice::<serde_json::Value>(body).unwrap())
            .unwrap();
    assert!(verify(&reformatted, "wh-secret-1", &signature).is_err());
}

#[test]
fn verify_reports_a_signed_but_invalid_payload() {
    let body = br#"{"EventId": 12, "Event": "sale.changed"}"#;
    let err = verify(body, "s", &sign_for_test(body, "s")).unwrap_err();
    assert!(
        matches!(err, WebhookError::InvalidPayload { ref path, .. } if path == "EventId"),
        "{err:?}"
    );
}

#[tokio::test]
async fn update_without_the_secret_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    // As read back from SuperOffice: `"Secret": ""` decodes as no secret.
    let mut hook: Webhook = serde_json::from_str(WEBHOOK).unwrap();
    hook.secret = None;
    hook.state = Some(WebhookState::Active);
    let err = client.webhooks().update(&hook).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("Secret")),
        "{err:?}"
    );
}

/// The `sale.created` example of the webhooks reference page "Sale webhook events".
const SALE_CREATED: &str = fixture!("rest/webhook_payload_sale_created.json");

/// The example of the webhooks reference page "Test event".
const TEST_EVENT: &str = fixture!("rest/webhook_payload_test.json");

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

/// The webhook signature is accepted without `=` padding and in URL-safe base64; a wrong
/// signature in either form is still rejected.
///
/// Regression (found in review): this test failed before its fix.
#[test]
fn webhook_signatures_in_other_base64_forms_are_verified() {
    use superoffice_client::webhook::{sign_for_test, verify_signature, WebhookError};
    // A body whose signature has `+` or `/`, so the URL-safe form really differs.
    let (body, signature) = (0..1000)
        .map(|n| format!(r#"{{"EventId":"e-{n}","Event":"sale.changed","PrimaryKey":{n}}}"#))
        .map(|body| {
            let signature = sign_for_test(body.as_bytes(), "s3cret");
            (body, signature)
        })
        .find(|(_, signature)| signature.contains(['+', '/']))
        .expect("some signature has + or /");
    assert!(signature.ends_with('='));
    let unpadded = signature.trim_end_matches('=');
    let url_safe = signature.replace('+', "-").replace('/', "_");
    let url_safe_unpadded = url_safe.trim_end_matches('=');
    for form in [signature.as_str(), unpadded, &url_safe, url_safe_unpadded] {
        assert_eq!(
            verify_signature(body.as_bytes(), "s3cret", form),
            Ok(()),
            "{form}"
        );
        assert_eq!(
            verify_signature(body.as_bytes(), "other", form),
            Err(WebhookError::InvalidSignature),
            "{form}"
        );
    }
    assert_eq!(
        verify_signature(body.as_bytes(), "s3cret", "a-b+c"),
        Err(WebhookError::MalformedSignature)
    );
}
