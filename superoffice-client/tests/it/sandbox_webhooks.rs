//! The sandbox's webhooks: create ping, signed deliveries on sale status changes, retries,
//! and the documented sale `FieldValues` in a delivery.

use crate::sandbox_support;
use crate::sandbox_support::{sandbox, OPEN};
use sandbox_support::*;

use std::time::Duration;

use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};
use serde_json::{json, Value};
use superoffice_client::models;
use superoffice_client::models::{ContactId, JsonPatch, Webhook, WebhookSecret};
use superoffice_sandbox::{default_seed, SaleStatus, SuperOfficeSandbox};

const SECRET: &str = "whsec-sandbox-0123456789abcdef";

fn hmac_b64(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn fast_sandbox() -> SuperOfficeSandbox {
    SuperOfficeSandbox::builder()
        .webhook_retry_delays([Duration::ZERO, Duration::ZERO])
        .start()
        .await
        .unwrap()
}

async fn create_hook(
    sb: &SuperOfficeSandbox,
    token: &str,
    target: &str,
    events: &[&str],
) -> reqwest::Response {
    let base = sb.api_base("Cust12345").unwrap();
    http()
        .post(format!("{base}v1/Webhook"))
        .bearer_auth(token)
        .json(&json!({
            "Name": "oneflow-sale-status",
            "Events": events,
            "TargetUrl": target,
            "Secret": SECRET,
            "Type": "webhook",
            "State": "Active",
        }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn create_pings_the_target_first() {
    let sb = fast_sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let mut receiver = Receiver::start().await;

    receiver.respond_with(&[500]);
    let refused = create_hook(&sb, &token, &receiver.url, &["sale.sold"]).await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["Error"], true);
    receiver.next().await;
    assert!(sb.webhooks("Cust12345").unwrap().is_empty());

    let created = create_hook(&sb, &token, &receiver.url, &["sale.sold", "sale.lost"]).await;
    assert_eq!(created.status(), 200);
    let hook: Value = created.json().await.unwrap();
    assert!(hook["WebhookId"].as_i64().unwrap() > 0);
    assert_eq!(hook["State"], "Active");
    assert_eq!(hook["RegisteredAssociate"]["AssociateId"], 5);
    let ping = receiver.next().await;
    assert_eq!(ping.header("x-superoffice-event"), Some("test"));
    assert_eq!(ping.header("x-hook-test"), Some("true"));
    assert!(ping
        .header("user-agent")
        .unwrap()
        .starts_with("NetServer-Webhook/"));
    assert_eq!(ping.json()["Event"], "test");

    // Unreachable target: refused.
    let unreachable = create_hook(&sb, &token, "http://127.0.0.1:9/nothing", &["sale.sold"]).await;
    assert_eq!(unreachable.status(), 400);
}

#[tokio::test]
async fn status_change_delivers_signed_sale_sold() {
    let sb = fast_sandbox().await;
    let token = sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap();
    let mut receiver = Receiver::start().await;
    let hook: Value = create_hook(&sb, &token, &receiver.url, &["sale.sold", "sale.changed"])
        .await
        .json()
        .await
        .unwrap();
    receiver.next().await; // the create ping

    let base = sb.api_base("Cust12345").unwrap();
    let response = http()
        .patch(format!("{base}v1/Sale/101"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json-patch+json")
        .body(json!([{"op": "replace", "path": "Status", "value": "Sold"}]).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let changed = receiver.next().await;
    let sold = receiver.next().await;
    assert_eq!(changed.header("x-superoffice-event"), Some("sale.changed"));
    assert_eq!(sold.header("x-superoffice-event"), Some("sale.sold"));
    for delivery in [&changed, &sold] {
        let signature = delivery.header("x-superoffice-signature").unwrap();
        assert_eq!(signature, hmac_b64(SECRET, &delivery.body));
        assert_ne!(signature, hmac_b64("another secret", &delivery.body));
        assert!(delivery
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
    }
    let payload = sold.json();
    assert_eq!(payload["Event"], "sale.sold");
    assert_eq!(payload["Entity"], "sale");
    assert_eq!(payload["PrimaryKey"], 101);
    assert_eq!(payload["ContextIdentifier"], "Cust12345");
    assert_eq!(payload["ChangedByAssociateId"], 6);
    assert_eq!(payload["WebhookName"], "oneflow-sale-status");
    assert_eq!(payload["FieldValues"]["status"], 2);
    // Webhooks reference "Sale webhook events": the id is the `PrimaryKey`, not a field.
    assert!(payload["FieldValues"].get("sale_id").is_none());
    assert_eq!(payload["FieldValues"]["probability_idx"], 3);
    let changes: Vec<&str> = payload["Changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(changes.contains(&"status"));
    assert!(changes.contains(&"updated"));
    assert_eq!(
        sold.header("x-superoffice-eventid"),
        payload["EventId"].as_str()
    );
    assert_ne!(changed.json()["EventId"], payload["EventId"]);

    let log = sb.wait_for_deliveries(|log| log.len() >= 3).await.unwrap();
    assert!(log.iter().all(|d| d.success));
    assert_eq!(log[0].event, "test");
    assert_eq!(
        log[0].webhook_id, 0,
        "the create ping happens before the id is assigned"
    );
    let hook_id = i32::try_from(hook["WebhookId"].as_i64().unwrap()).unwrap();
    assert!(log[1..]
        .iter()
        .all(|d| d.webhook_id == hook_id && d.tenant == "Cust12345"));
    assert_eq!(
        log[2].signature.as_deref(),
        sold.header("x-superoffice-signature")
    );
    assert_eq!(log[2].body.as_bytes(), &sold.body[..]);

    // A change that does not touch the status only raises sale.changed.
    http()
        .patch(format!("{base}v1/Sale/101"))
        .bearer_auth(&token)
        .json(&json!({"Heading": "Fleet tracking licence (signed)"}))
        .send()
        .await
        .unwrap();
    let next = receiver.next().await;
    assert_eq!(next.header("x-superoffice-event"), Some("sale.changed"));
    assert_eq!(next.json()["Changes"][0], "heading");
}

#[tokio::test]
async fn control_status_change_fires_sale_lost_and_retries_until_success() {
    let sb = fast_sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let mut receiver = Receiver::start().await;
    let hook: Value = create_hook(&sb, &token, &receiver.url, &["sale.lost"])
        .await
        .json()
        .await
        .unwrap();
    receiver.next().await;

    receiver.respond_with(&[500, 503]);
    sb.set_sale_status("Cust12345", 102, SaleStatus::Lost, 6)
        .unwrap();
    let attempts = [
        receiver.next().await,
        receiver.next().await,
        receiver.next().await,
    ];
    let ids: Vec<Value> = attempts
        .iter()
        .map(|a| a.json()["EventId"].clone())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one logical event");
    assert_eq!(attempts[0].header("x-superoffice-retry"), None);
    assert_eq!(attempts[2].header("x-superoffice-retry"), Some("2"));
    assert_eq!(attempts[2].json()["ChangedByAssociateId"], 6);

    let log = sb
        .wait_for_deliveries_within(Duration::from_secs(10), |log| log.len() >= 4)
        .await
        .unwrap();
    let lost: Vec<_> = log.iter().filter(|d| d.event == "sale.lost").collect();
    assert_eq!(lost.len(), 3);
    assert_eq!(
        lost.iter().map(|d| d.success).collect::<Vec<_>>(),
        vec![false, false, true]
    );
    assert_eq!(
        lost.iter().map(|d| d.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );

    let stored: Value = get(
        &sb,
        "Cust12345",
        &format!("Webhook/{}", hook["WebhookId"]),
        &token,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(stored["TotalErrors"], 2);
    assert_eq!(stored["ConsecutiveErrors"], 0);
    assert_eq!(stored["LastError"], "HTTP 503");
}

#[tokio::test]
async fn webhook_crud_and_test_endpoint() {
    let sb = fast_sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let mut receiver = Receiver::start().await;
    let base = sb.api_base("Cust12345").unwrap();
    let hook: Value = create_hook(&sb, &token, &receiver.url, &["sale.sold"])
        .await
        .json()
        .await
        .unwrap();
    receiver.next().await;
    let id = hook["WebhookId"].as_i64().unwrap();

    let result: Value = http()
        .post(format!("{base}v1/Webhook/Test"))
        .bearer_auth(&token)
        .json(&hook)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(result["Success"], true);
    assert_eq!(
        receiver.next().await.header("x-superoffice-event"),
        Some("test")
    );
    receiver.respond_with(&[404]);
    let result: Value = http()
        .post(format!("{base}v1/Webhook/Test"))
        .bearer_auth(&token)
        .json(&hook)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(result["Success"], false);
    assert!(result["Message"].as_str().unwrap().contains("404"));

    let list: Value = get(&sb, "Cust12345", "Webhook?eventFilter=sale.sold", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);

    let mut changed = hook.clone();
    changed["State"] = json!("Stopped");
    let updated: Value = http()
        .put(format!("{base}v1/Webhook/{id}"))
        .bearer_auth(&token)
        .json(&changed)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["State"], "Stopped");
    // Stopped hooks get nothing.
    sb.set_sale_status("Cust12345", 101, SaleStatus::Sold, 5)
        .unwrap();

    let deleted = http()
        .delete(format!("{base}v1/Webhook/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        get(&sb, "Cust12345", &format!("Webhook/{id}"), &token)
            .await
            .status(),
        404
    );
    assert!(sb.deliveries().iter().all(|d| d.event == "test"));
}

#[tokio::test]
async fn nine_consecutive_failures_stop_the_webhook() {
    let sb = fast_sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let mut receiver = Receiver::start().await;
    let hook: Value = create_hook(&sb, &token, &receiver.url, &["sale.changed"])
        .await
        .json()
        .await
        .unwrap();
    receiver.next().await;
    receiver.respond_with(&[500; 9]);
    for (n, heading) in ["one", "two", "three"].iter().enumerate() {
        let patch = json!([{"op": "replace", "path": "Heading", "value": heading}]);
        let base = sb.api_base("Cust12345").unwrap();
        http()
            .patch(format!("{base}v1/Sale/105"))
            .bearer_auth(&token)
            .header("Content-Type", "application/json-patch+json")
            .body(patch.to_string())
            .send()
            .await
            .unwrap();
        // Wait for the three attempts of this event before the next change.
        sb.wait_for_deliveries_within(Duration::from_secs(10), |log| log.len() > 3 * (n + 1))
            .await
            .unwrap();
    }
    let stored: Value = get(
        &sb,
        "Cust12345",
        &format!("Webhook/{}", hook["WebhookId"]),
        &token,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(stored["State"], "TooManyErrors");
    assert_eq!(stored["ConsecutiveErrors"], 9);
    assert_eq!(stored["TotalCalls"], 9);
    // A stopped hook gets no more deliveries. A second, healthy hook created later is
    // delivered to after the first one (same task, id order), so once it has its event the
    // first hook would have had its attempt too.
    let mut healthy = Receiver::start().await;
    let second: Value = create_hook(&sb, &token, &healthy.url, &["sale.changed"])
        .await
        .json()
        .await
        .unwrap();
    healthy.next().await;
    sb.set_sale_status("Cust12345", 105, SaleStatus::Sold, 5)
        .unwrap();
    assert_eq!(healthy.next().await.json()["Event"], "sale.changed");
    let log = sb
        .wait_for_deliveries_within(Duration::from_secs(10), |log| log.len() >= 12)
        .await
        .unwrap();
    assert_eq!(log.len(), 12, "9 failures, 2 pings, 1 delivery");
    assert_eq!(
        i64::from(log[11].webhook_id),
        second["WebhookId"].as_i64().unwrap()
    );
}

#[tokio::test]
async fn dropping_the_sandbox_stops_pending_retries() {
    let sb = SuperOfficeSandbox::builder()
        .webhook_retry_delays([Duration::from_millis(50), Duration::from_millis(50)])
        .start()
        .await
        .unwrap();
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let mut receiver = Receiver::start().await;
    let created = create_hook(&sb, &token, &receiver.url, &["sale.sold"]).await;
    assert_eq!(created.status(), 200);
    receiver.next().await; // the create ping

    receiver.respond_with(&[500, 500, 500]);
    sb.set_sale_status("Cust12345", 101, SaleStatus::Sold, 5)
        .unwrap();
    let first = receiver.next().await;
    assert_eq!(first.header("x-superoffice-event"), Some("sale.sold"));
    drop(sb);
    // The retry was due 50 ms later; a stopped sandbox must not send it (nor anything else).
    let late = tokio::time::timeout(Duration::from_millis(600), receiver.rx.recv()).await;
    assert!(
        late.is_err(),
        "a delivery arrived after the sandbox was dropped"
    );
}

#[tokio::test]
async fn updating_the_target_keeps_the_statistics_of_the_ping() {
    let sb = fast_sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let mut first = Receiver::start().await;
    let mut second = Receiver::start().await;
    let hook: Value = create_hook(&sb, &token, &first.url, &["sale.sold"])
        .await
        .json()
        .await
        .unwrap();
    first.next().await; // the create ping (not counted: the hook has no id yet)
    let id = hook["WebhookId"].as_i64().unwrap();
    let base = sb.api_base("Cust12345").unwrap();
    let mut changed = hook.clone();
    changed["TargetUrl"] = json!(second.url);
    let response = http()
        .put(format!("{base}v1/Webhook/{id}"))
        .bearer_auth(&token)
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    second.next().await; // the ping to the new target, counted for hook `id`
    let attempts = sb
        .deliveries()
        .iter()
        .filter(|d| i64::from(d.webhook_id) == id)
        .count();
    assert_eq!(attempts, 1);
    let stored = sb.webhooks("Cust12345").unwrap();
    assert_eq!(stored[0]["TargetUrl"], json!(second.url));
    assert_eq!(
        stored[0]["TotalCalls"], 1,
        "the update must not overwrite statistics recorded meanwhile"
    );
    let answered: Value = response.json().await.unwrap();
    assert_eq!(answered["TotalCalls"], 1);
}

/// Webhooks admin page ("Shared secret ... shown only at creation") and the webhooks reference
/// "Test event": the ping is `Event`/`Entity` `test`, `PrimaryKey` 0, no `Changes`.
#[tokio::test]
async fn secret_is_shown_only_at_creation_and_a_put_without_it_clears_it() {
    let sb = fast_sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let mut receiver = Receiver::start().await;
    let created: Value = create_hook(&sb, &token, &receiver.url, &["sale.sold"])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["Secret"], SECRET, "shown once, at creation");
    let ping = receiver.next().await;
    let body = ping.json();
    assert_eq!(body["Event"], "test");
    assert_eq!(body["Entity"], "test");
    assert_eq!(body["PrimaryKey"], 0);
    assert_eq!(body["Changes"], json!([]));
    assert!(body.get("FieldValues").is_none());
    assert_eq!(body["ContextIdentifier"], "Cust12345");

    let id = created["WebhookId"].as_i64().unwrap();
    let base = sb.api_base("Cust12345").unwrap();
    let read: Value = http()
        .get(format!("{base}v1/Webhook/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["Secret"], "", "never shown again");
    let listed: Value = http()
        .get(format!("{base}v1/Webhook"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["Secret"], "");

    // PUT replaces the whole webhook: sending back what was read (empty secret) clears it.
    let mut update = read.clone();
    update["State"] = json!("Stopped");
    update.as_object_mut().unwrap().remove("Secret");
    let put = http()
        .put(format!("{base}v1/Webhook/{id}"))
        .bearer_auth(&token)
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let stored = &sb.webhooks("Cust12345").unwrap()[0];
    assert_eq!(stored["State"], "Stopped");
    assert_eq!(stored["Secret"], "", "the secret was cleared by the PUT");
}

/// The typed client keeps the secret across an update (it refuses to send one without).
#[tokio::test]
async fn client_update_keeps_the_secret() {
    use superoffice_client::models::{WebhookSecret, WebhookState};
    let sb = fast_sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let mut receiver = Receiver::start().await;
    let client = rest_client(&sb, &token);
    let hook = superoffice_client::models::Webhook::new(
        "oneflow-sales",
        receiver.url.clone(),
        ["sale.sold"],
        WebhookSecret::new(SECRET),
    );
    let created = client.webhooks().create(&hook).await.unwrap();
    receiver.next().await;
    let mut read = client.webhooks().get(created.webhook_id).await.unwrap();
    assert!(read.secret.is_none());
    read.state = Some(WebhookState::Stopped);
    assert!(client.webhooks().update(&read).await.is_err());
    let updated = client
        .webhooks()
        .update(&read.with_secret(WebhookSecret::new(SECRET)))
        .await
        .unwrap();
    assert_eq!(updated.state, Some(WebhookState::Stopped));
    assert!(updated.secret.is_none(), "the answer hides the secret");
    assert_eq!(sb.webhooks("Cust12345").unwrap()[0]["Secret"], SECRET);
}

#[tokio::test]
async fn sale_events_carry_the_documented_field_values() {
    let sb = sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let client = rest_client(&sb, &token);
    let mut receiver = Receiver::start().await;
    client
        .webhooks()
        .create(&Webhook::new(
            "oneflow-sales",
            receiver.url.clone(),
            ["sale.changed"],
            WebhookSecret::new("whsec-0123456789"),
        ))
        .await
        .unwrap();
    receiver.next().await; // the test ping
    let patch = JsonPatch::new().replace("Status", models::SaleStatus::Sold);
    client.sales().patch(OPEN, &patch).await.unwrap();
    let delivery = receiver.next().await;
    let payload: superoffice_client::models::WebhookPayload =
        serde_json::from_value(delivery.json()).unwrap();
    // Webhooks reference "Sale webhook events": no heading, amount or probability.
    for undocumented in ["heading", "amount", "probability", "sale_id"] {
        assert!(
            !payload.field_values.contains_key(undocumented),
            "{undocumented}"
        );
    }
    let fields = payload.sale_fields().unwrap();
    assert_eq!(fields.status, Some(models::SaleStatus::Sold));
    assert_eq!(fields.done, Some(true));
    assert_eq!(
        fields.contact_id,
        Some(ContactId(default_seed::FJORD_CONTACT_ID))
    );
    assert_eq!(payload.primary_key, Some(i64::from(OPEN.0)));
}
