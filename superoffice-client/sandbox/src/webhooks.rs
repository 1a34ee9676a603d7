//! Outgoing webhook deliveries: `WebhookPayload` bodies, `X-SuperOffice-*` headers, HMAC
//! signatures, retries and the delivery log.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};
use serde_json::{json, Map, Value};

use super::state::{SharedRef, Tenant};
use super::DeliveryRecord;

const USER_AGENT: &str = "NetServer-Webhook/10.5";
/// Consecutive failed attempts after which a webhook is set to `TooManyErrors`.
const MAX_CONSECUTIVE_ERRORS: i64 = 9;

/// One event to deliver to one webhook.
#[derive(Clone)]
pub(crate) struct Outgoing {
    pub(crate) tenant: String,
    pub(crate) webhook_id: i32,
    pub(crate) target_url: String,
    pub(crate) secret: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) event: String,
    pub(crate) event_id: String,
    pub(crate) body: String,
    pub(crate) test: bool,
}

fn hook_str(hook: &Value, field: &str) -> String {
    hook.get(field)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

fn hook_headers(hook: &Value) -> Vec<(String, String)> {
    hook.get("Headers")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// The payload for `event` on `hook`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn build(
    tenant: &Tenant,
    hook: &Value,
    event: &str,
    entity: &str,
    primary_key: i64,
    changes: &[String],
    field_values: &Map<String, Value>,
    changed_by: i32,
    test: bool,
) -> Outgoing {
    let event_id = super::keys::random_guid();
    let mut payload = json!({
        "EventId": event_id,
        "Timestamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "Changes": changes,
        "Event": event,
        "PrimaryKey": primary_key,
        "Entity": entity,
        "ContextIdentifier": tenant.cust,
        "ChangedByAssociateId": changed_by,
        "WebhookName": hook_str(hook, "Name"),
        "FieldValues": field_values,
    });
    if test {
        // Webhooks reference, "Test event": the ping has no `FieldValues`.
        if let Some(obj) = payload.as_object_mut() {
            obj.remove("FieldValues");
        }
    }
    // `Properties` are injected into the body.
    if let (Some(props), Some(obj)) = (
        hook.get("Properties").and_then(Value::as_object),
        payload.as_object_mut(),
    ) {
        for (k, v) in props {
            obj.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let secret = hook_str(hook, "Secret");
    Outgoing {
        tenant: tenant.cust.clone(),
        webhook_id: hook
            .get("WebhookId")
            .and_then(Value::as_i64)
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(0),
        target_url: hook_str(hook, "TargetUrl"),
        secret: (!secret.is_empty()).then_some(secret),
        headers: hook_headers(hook),
        event: event.to_owned(),
        event_id,
        body: payload.to_string(),
        test,
    }
}

/// Deliveries for a sale event to every active webhook of the tenant subscribed to it.
pub(crate) fn outgoing_for_event(
    tenant: &Tenant,
    event: &str,
    primary_key: i64,
    changes: &[String],
    field_values: &Map<String, Value>,
    changed_by: i32,
) -> Vec<Outgoing> {
    tenant
        .webhooks
        .values()
        .filter(|hook| hook_str(hook, "State") == "Active")
        .filter(|hook| {
            hook.get("Events")
                .and_then(Value::as_array)
                .is_some_and(|events| {
                    events
                        .iter()
                        .filter_map(Value::as_str)
                        .any(|e| e.eq_ignore_ascii_case(event))
                })
        })
        .map(|hook| {
            build(
                tenant,
                hook,
                event,
                "sale",
                primary_key,
                changes,
                field_values,
                changed_by,
                false,
            )
        })
        .collect()
}

/// `base64(HMAC-SHA256(secret, body))`.
pub(crate) fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this never fails in practice.
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Sends one attempt and records it; returns (status, success).
async fn attempt(shared: &SharedRef, out: &Outgoing, number: u32) -> (Option<u16>, bool) {
    let signature = out
        .secret
        .as_deref()
        .map(|s| signature(s, out.body.as_bytes()));
    let mut request = shared
        .http
        .post(&out.target_url)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("User-Agent", USER_AGENT)
        .header("X-SuperOffice-Event", &out.event)
        .header("X-SuperOffice-EventId", &out.event_id)
        .body(out.body.clone());
    if number > 1 {
        request = request.header("X-SuperOffice-Retry", (number - 1).to_string());
    }
    if out.test {
        request = request.header("X-Hook-Test", "true");
    }
    if let Some(sig) = &signature {
        request = request.header("X-SuperOffice-Signature", sig);
    }
    for (k, v) in &out.headers {
        request = request.header(k.as_str(), v.as_str());
    }
    let (status, error) = match request.send().await {
        Ok(response) => (Some(response.status().as_u16()), None),
        Err(e) => (None, Some(format!("connection failed: {e}"))),
    };
    let success = status == Some(200);
    {
        let mut world = shared.lock();
        world.deliveries.push(DeliveryRecord {
            tenant: out.tenant.clone(),
            webhook_id: out.webhook_id,
            event: out.event.clone(),
            event_id: out.event_id.clone(),
            attempt: number,
            target_url: out.target_url.clone(),
            body: out.body.clone(),
            signature,
            status,
            success,
        });
        let count = world.deliveries.len();
        if let Some(hook) = world
            .tenant_mut(&out.tenant)
            .and_then(|t| t.webhooks.get_mut(&out.webhook_id))
            .and_then(Value::as_object_mut)
        {
            let bump = |hook: &mut Map<String, Value>, field: &str| {
                let n = hook.get(field).and_then(Value::as_i64).unwrap_or(0) + 1;
                hook.insert(field.into(), json!(n));
                n
            };
            bump(hook, "TotalCalls");
            if success {
                hook.insert("ConsecutiveErrors".into(), json!(0));
            } else {
                bump(hook, "TotalErrors");
                let consecutive = bump(hook, "ConsecutiveErrors");
                let message = error
                    .clone()
                    .unwrap_or_else(|| format!("HTTP {}", status.unwrap_or(0)));
                hook.insert("LastError".into(), json!(message));
                if consecutive >= MAX_CONSECUTIVE_ERRORS && !out.test {
                    hook.insert("State".into(), json!("TooManyErrors"));
                }
            }
        }
        drop(world);
        shared.deliveries_changed.send_replace(count);
    }
    (status, success)
}

/// Delivers with SuperOffice's retry cycle (up to 1 + delays attempts); returns success.
pub(crate) async fn deliver(shared: &SharedRef, out: &Outgoing) -> bool {
    let mut number = 1;
    loop {
        let (_, ok) = attempt(shared, out, number).await;
        if ok {
            return true;
        }
        let Some(delay) = shared.webhook_retry_delays.get(number as usize - 1) else {
            return false;
        };
        tokio::time::sleep(*delay).await;
        number += 1;
    }
}

/// Pings a target with a `test` event once (create / `Webhook/Test`): (success, message).
pub(crate) async fn ping(shared: &SharedRef, out: &Outgoing) -> (bool, String) {
    let (status, ok) = attempt(shared, out, 1).await;
    let message = match (ok, status) {
        (true, _) => "OK".to_owned(),
        (false, Some(code)) => format!("Webhook target answered HTTP {code}, expected 200"),
        (false, None) => "Webhook target could not be reached".to_owned(),
    };
    (ok, message)
}

/// Delivers the events in order, in the background, until the sandbox is dropped.
pub(crate) fn spawn_deliveries(shared: SharedRef, outgoing: Vec<Outgoing>) {
    if outgoing.is_empty() {
        return;
    }
    let mut stopped = shared.stopped.clone();
    tokio::spawn(async move {
        let run = async {
            for out in &outgoing {
                deliver(&shared, out).await;
            }
        };
        tokio::select! {
            () = run => {}
            // A dropped sandbox (or a closed channel) ends pending attempts and retries.
            _ = stopped.wait_for(|stop| *stop) => {}
        }
    });
}
