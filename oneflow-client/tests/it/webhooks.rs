//! Webhook management endpoints, drafts and filters, and delivery verification.

use crate::common;
use common::*;

use oneflow_client::api::webhooks::WebhookDraft;
use oneflow_client::models::*;
use oneflow_client::webhook::WebhookError;
use oneflow_client::{webhook, Error, InvalidInput};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, ResponseTemplate};

const SIGN_KEY: &str = "super-secret-sign-key";

/// Shaped as the "Current" delivery example on developer.oneflow.com's webhooks page (the
/// `callback_id` is the documented one; events and signature are ours).
const DELIVERY: &str = fixture!("webhook_delivery.json");

fn draft() -> WebhookDraft {
    WebhookDraft::new("https://crm.ourco.example/oneflow/hook")
        .sign_key(SIGN_KEY)
        .template_group_id(TemplateTypeId(40210))
        .filter(WebhookFilter::new(vec![
            WebhookFilterRule::event_types([
                EventType::ContractPublish,
                EventType::ContractSign,
                EventType::ContractDecline,
            ]),
            WebhookFilterRule::workspaces([WorkspaceId(130406)]),
        ]))
}

#[tokio::test]
async fn create_sends_sign_key_and_filters() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/webhooks"))
        .and(header("x-oneflow-api-token", TOKEN))
        .and(body_json(json!({
            "callback_url": "https://crm.ourco.example/oneflow/hook",
            "sign_key": SIGN_KEY,
            "template_group_id": 40210,
            "filters": [{"filter_rules": [
                {"type": "EVENT_TYPE", "values": ["contract:publish", "contract:sign", "contract:decline"]},
                {"type": "WORKSPACE", "values": [130406]}
            ]}]
        })))
        .respond_with(json(200, fixture!("webhook.json")))
        .expect(1)
        .mount(&server)
        .await;
    let hook = client(&server).webhooks().create(&draft()).await.unwrap();
    assert_eq!(hook.webhook_id, WebhookId(9901));
    assert_eq!(hook.template_group_id, Some(TemplateTypeId(40210)));
    assert_eq!(
        hook.filters[0].filter_rules[1].rule_type,
        WebhookFilterRuleType::Workspace
    );
    assert!(hook.sign_key.is_some());
    // The echoed sign key and the draft's key never show up in Debug output.
    assert!(!format!("{hook:?}").contains(SIGN_KEY));
    assert!(!format!("{:?}", draft()).contains(SIGN_KEY));
}

#[tokio::test]
async fn create_validates_callback_url_locally() {
    let server = server().await;
    let webhooks = client(&server).webhooks();
    let err = webhooks.create(&WebhookDraft::new("  ")).await.unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput(InvalidInput::Missing {
            field: "callback_url"
        })
    ));
    let long = format!("https://crm.ourco.example/{}", "a".repeat(1000));
    let err = webhooks.create(&WebhookDraft::new(long)).await.unwrap_err();
    assert!(matches!(
        err.invalid_input(),
        Some(InvalidInput::TooLong {
            field: "callback_url",
            ..
        })
    ));
    let err = webhooks
        .create(
            &WebhookDraft::new("https://x.example/h")
                .sign_key(SIGN_KEY)
                .filter(WebhookFilter::new(vec![])),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err.invalid_input(),
        Some(InvalidInput::Invalid { .. })
    ));
}

#[tokio::test]
async fn list_accepts_envelope_and_bare_array() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/webhooks"))
        .and(header("x-oneflow-user-email", EMAIL))
        .respond_with(json(200, fixture!("webhooks_envelope.json")))
        .expect(1)
        .mount(&server)
        .await;
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(hooks.len(), 2);
    assert!(hooks[0].filters.is_empty());
    assert_eq!(hooks[1].legacy_webhook, Some(true));
    assert_eq!(
        hooks[1].filters[0].filter_rules[0].rule_type,
        WebhookFilterRuleType::Other("PARTY_TYPE".into())
    );

    let server2 = common::server().await;
    Mock::given(method("GET"))
        .and(path("/v1/webhooks"))
        .respond_with(json(200, fixture!("webhooks_array.json")))
        .expect(1)
        .mount(&server2)
        .await;
    let hooks = client(&server2).webhooks().list().await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].webhook_id, WebhookId(9901));
    assert!(!format!("{hooks:?}").contains(SIGN_KEY));
}

#[tokio::test]
async fn get_update_delete() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/webhooks/9901"))
        .respond_with(json(200, fixture!("webhook.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/webhooks/9901"))
        .and(body_json(
            json!({"callback_url": "https://crm.ourco.example/v2/hook", "sign_key": SIGN_KEY,
                              "template_group_id": null, "filters": null}),
        ))
        .respond_with(json(200, fixture!("webhook.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/webhooks/9901"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let webhooks = client(&server).webhooks();
    let hook = webhooks.get(WebhookId(9901)).await.unwrap();
    assert_eq!(
        hook.callback_url.as_deref(),
        Some("https://crm.ourco.example/oneflow/hook")
    );
    webhooks
        .update(
            WebhookId(9901),
            &WebhookDraft::new("https://crm.ourco.example/v2/hook").sign_key(SIGN_KEY),
        )
        .await
        .unwrap();
    webhooks.delete(WebhookId(9901)).await.unwrap();
}

#[test]
fn verify_accepts_a_valid_delivery() {
    let payload = webhook::verify(DELIVERY.as_bytes(), SIGN_KEY).unwrap();
    assert_eq!(payload.contract.id, ContractId(3012345));
    assert_eq!(
        payload.callback_id,
        "eaf850991bb7c273a56dcdeb265d30006fdc9de0"
    );
    assert_eq!(payload.events.len(), 2);
    assert_eq!(payload.events[0].event_type, EventType::ParticipantSign);
    assert_eq!(payload.events[1].event_type, EventType::ContractSign);
    assert_eq!(payload.events[1].id, EventId(2331));
    assert_eq!(
        payload.events[0]
            .created_time
            .map(|t| timestamp::format(&t))
            .as_deref(),
        Some("2026-11-22T08:12:45+0000")
    );
    // A SecretString key works as well.
    let key = SecretString::from(SIGN_KEY);
    assert!(webhook::verify(DELIVERY.as_bytes(), &key).is_ok());
}

#[test]
fn verify_rejects_a_tampered_signature() {
    let mut v: serde_json::Value = serde_json::from_str(DELIVERY).unwrap();
    let good = v["signature"].as_str().unwrap().to_owned();
    let mut bad = good.clone().into_bytes();
    bad[0] = if bad[0] == b'0' { b'1' } else { b'0' };
    v["signature"] = String::from_utf8(bad).unwrap().into();
    let err = webhook::verify(v.to_string().as_bytes(), SIGN_KEY).unwrap_err();
    assert!(matches!(err, WebhookError::InvalidSignature));
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(&good),
        "the expected signature must not be revealed"
    );
    assert!(!shown.contains(SIGN_KEY));
}

#[test]
fn verify_rejects_a_wrong_key_and_a_changed_callback_id() {
    assert!(matches!(
        webhook::verify(DELIVERY.as_bytes(), "wrong-key"),
        Err(WebhookError::InvalidSignature)
    ));
    let mut v: serde_json::Value = serde_json::from_str(DELIVERY).unwrap();
    v["callback_id"] = "another-callback".into();
    assert!(matches!(
        webhook::verify(v.to_string().as_bytes(), SIGN_KEY),
        Err(WebhookError::InvalidSignature)
    ));
}

#[test]
fn verify_reports_missing_fields_and_garbage() {
    for field in ["callback_id", "signature", "contract", "events"] {
        let mut v: serde_json::Value = serde_json::from_str(DELIVERY).unwrap();
        v.as_object_mut().unwrap().remove(field);
        match webhook::verify(v.to_string().as_bytes(), SIGN_KEY) {
            Err(WebhookError::MissingField(f)) => assert_eq!(f, field),
            other => panic!("expected MissingField({field}), got {other:?}"),
        }
    }
    assert!(matches!(
        webhook::verify(b"<html>", SIGN_KEY),
        Err(WebhookError::MalformedBody(_))
    ));
    let mut v: serde_json::Value = serde_json::from_str(DELIVERY).unwrap();
    v["contract"] = json!({"name": "no id"});
    assert!(matches!(
        webhook::verify(v.to_string().as_bytes(), SIGN_KEY),
        Err(WebhookError::MalformedBody(_))
    ));
}

#[test]
fn verify_keeps_unknown_event_types() {
    let body = fixture!("webhook_delivery_unknown_event.json");
    let payload = webhook::verify(body.as_bytes(), SIGN_KEY).unwrap();
    assert_eq!(
        payload.events[0].event_type,
        EventType::Other("contract:archive".into())
    );
    assert_eq!(payload.events[0].event_type.as_str(), "contract:archive");
}

#[test]
fn test_helpers_produce_verifiable_bodies() {
    let body = webhook::signed_test_body(
        42,
        "cb-42",
        &[(1, "contract:sign"), (2, "contract:decline")],
        "k",
    );
    let payload = webhook::verify(&body, "k").unwrap();
    assert_eq!(payload.contract.id, ContractId(42));
    assert_eq!(payload.events[1].event_type, EventType::ContractDecline);
    assert_eq!(webhook::sign_for_test("cb-42", "k").len(), 40);
}

#[test]
fn webhook_id_may_come_as_id_webhook_id_or_both() {
    let both: Webhook = serde_json::from_str(
        r#"{"id": 5, "webhook_id": 5, "callback_url": "https://x.example/h"}"#,
    )
    .unwrap();
    assert_eq!(both.webhook_id, WebhookId(5));
    let old: Webhook = serde_json::from_str(r#"{"id": 6, "filters": null}"#).unwrap();
    assert_eq!(old.webhook_id, WebhookId(6));
    assert!(serde_json::from_str::<Webhook>(r#"{"callback_url": "https://x.example/h"}"#).is_err());
}

/// Webhook filters come as documented objects with `filter_rules` or, as in Oneflow's own
/// connector, as plain event-type strings; both read.
///
/// Regression (issue 7, the documented behaviour): this test failed before its fix.
#[test]
fn webhook_filters_read_in_both_public_forms() {
    let hook: Webhook = serde_json::from_str(
        r#"{"webhook_id": 7, "callback_url": "https://hooks.example/of",
            "filters": ["contract:sign",
                        {"filter_rules": [{"type": "EVENT_TYPE", "values": ["contract:publish"]},
                                          {"type": "WORKSPACE", "values": [130406]}]}]}"#,
    )
    .unwrap();
    assert_eq!(hook.filters.len(), 2);
    let plain = &hook.filters[0].filter_rules;
    assert_eq!(plain.len(), 1);
    assert_eq!(plain[0].rule_type, WebhookFilterRuleType::EventType);
    assert_eq!(plain[0].values, vec![serde_json::json!("contract:sign")]);
    assert_eq!(hook.filters[1].filter_rules.len(), 2);
}

/// Webhook drafts: https callback (http only on loopback) and a non-empty sign key, checked
/// locally; the generated key is strong and different each time.
///
/// Regression (issue 7, the documented behaviour): this test failed before its fix.
#[test]
fn webhook_drafts_need_https_and_a_sign_key() {
    use oneflow_client::api::webhooks::WebhookDraft;
    use oneflow_client::InvalidInput;
    use secrecy::ExposeSecret;
    let key = WebhookDraft::random_sign_key();
    assert_eq!(key.expose_secret().len(), 64);
    assert!(key.expose_secret().bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(
        key.expose_secret(),
        WebhookDraft::random_sign_key().expose_secret()
    );
    let ok = WebhookDraft::new("https://crm.ourco.example/hook").sign_key(key.clone());
    assert_eq!(ok.validate(), Ok(()));
    let local = WebhookDraft::new("http://127.0.0.1:8080/hook").sign_key(key.clone());
    assert_eq!(local.validate(), Ok(()));
    let plain = WebhookDraft::new("http://crm.ourco.example/hook").sign_key(key);
    assert!(matches!(
        plain.validate(),
        Err(InvalidInput::Invalid {
            field: "callback_url",
            ..
        })
    ));
    for draft in [
        WebhookDraft::new("https://crm.ourco.example/hook"),
        WebhookDraft::new("https://crm.ourco.example/hook").sign_key(""),
    ] {
        assert_eq!(
            draft.validate(),
            Err(InvalidInput::Missing { field: "sign_key" })
        );
    }
}
