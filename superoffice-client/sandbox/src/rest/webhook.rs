//! `/v1/Webhook`: CRUD, the create ping and `Webhook/Test`.

use axum::http::Method;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::{bad_request, json_body, not_found, parse_id, Principal};
use crate::entities::{associate_carrier, now_string, EMPTY_DATE};
use crate::server::{no_content, ok_json, Req};
use crate::state::SharedRef;
use crate::webhooks;

const STATES: &[&str] = &["Unknown", "Active", "Stopped", "TooManyErrors"];

fn default_webhook() -> Value {
    json!({
        "WebhookId": 0,
        "Name": "",
        "Events": ["contact.created", "contact.deleted"],
        "TargetUrl": "",
        "Secret": "",
        "State": "Active",
        "Type": "webhook",
        "Headers": {},
        "Properties": {},
        "Registered": EMPTY_DATE,
        "RegisteredAssociate": Value::Null,
        "Updated": EMPTY_DATE,
        "UpdatedAssociate": Value::Null,
        "ErrorsEmail": "",
        "ErrorEmails": [],
        "ErrorAssociates": [],
        "Description": "",
        "NotifyVia": "None",
        "NotifyWhen": "None",
        "TotalCalls": 0,
        "TotalErrors": 0,
        "ConsecutiveErrors": 0,
        "LastError": "",
    })
}

/// Fields a client may set.
const WRITABLE: &[&str] = &[
    "Name",
    "Events",
    "TargetUrl",
    "Secret",
    "State",
    "Type",
    "Headers",
    "Properties",
    "ErrorsEmail",
    "ErrorEmails",
    "ErrorAssociates",
    "Description",
    "NotifyVia",
    "NotifyWhen",
];

/// Copies client-writable fields from `body` onto `hook` (case-insensitive names).
fn merge_writable(hook: &mut Value, body: &Value) {
    let (Some(dst), Some(src)) = (hook.as_object_mut(), body.as_object()) else {
        return;
    };
    for (k, v) in src {
        if let Some(name) = WRITABLE.iter().find(|w| w.eq_ignore_ascii_case(k)) {
            if !v.is_null() {
                dst.insert((*name).to_owned(), v.clone());
            }
        }
    }
}

fn validate(hook: &Value) -> Result<(), String> {
    let name = hook.get("Name").and_then(Value::as_str).unwrap_or("");
    if name.trim().is_empty() {
        return Err("Webhook Name is required".into());
    }
    let target = hook.get("TargetUrl").and_then(Value::as_str).unwrap_or("");
    match url::Url::parse(target) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => {}
        _ => return Err(format!("Invalid TargetUrl `{target}`")),
    }
    let events = hook.get("Events").and_then(Value::as_array);
    if events.is_none_or(|e| e.is_empty() || e.iter().any(|v| !v.is_string())) {
        return Err("Events must be a non-empty array of event names".into());
    }
    let state = hook.get("State").and_then(Value::as_str).unwrap_or("");
    if !STATES.contains(&state) {
        return Err(format!("Invalid webhook State `{state}`"));
    }
    Ok(())
}

/// The ping of the webhooks reference page "Test event": `Event` and `Entity` are `test`,
/// `PrimaryKey` 0, no `Changes`.
fn test_outgoing(shared: &SharedRef, p: &Principal, hook: &Value) -> Option<webhooks::Outgoing> {
    let world = shared.lock();
    let tenant = world.tenant(&p.tenant)?;
    Some(webhooks::build(
        tenant,
        hook,
        "test",
        "test",
        0,
        &[],
        &Map::new(),
        p.associate_id,
        true,
    ))
}

/// SuperOffice shows a webhook's secret only when it is created (webhooks admin page,
/// "Shared secret"): every other answer carries an empty `Secret`.
fn without_secret(hook: &Value) -> Value {
    let mut out = hook.clone();
    if let Some(obj) = out.as_object_mut() {
        if obj.contains_key("Secret") {
            obj.insert("Secret".into(), json!(""));
        }
    }
    out
}

pub(crate) async fn handle(
    shared: &SharedRef,
    req: &Req,
    p: &Principal,
    rest: &[&str],
) -> Response {
    match (rest, &req.method) {
        ([], &Method::GET) => list(shared, req, p),
        ([], &Method::POST) => create(shared, req, p).await,
        (["default"], &Method::GET) => ok_json(&default_webhook()),
        (["test"], &Method::POST) => test(shared, req, p).await,
        ([id], m) => match parse_id(id) {
            Some(id) => match *m {
                Method::GET => get(shared, p, id),
                Method::PUT => update(shared, req, p, id).await,
                Method::DELETE => delete(shared, p, id),
                _ => bad_request("Unsupported method"),
            },
            None => not_found("Webhook not found"),
        },
        ([id, "lasterror"], &Method::GET) => {
            match parse_id(id).and_then(|id| find(shared, p, id)) {
                Some(hook) => ok_json(&hook.get("LastError").cloned().unwrap_or(json!(""))),
                None => not_found("Webhook not found"),
            }
        }
        _ => not_found("No such webhook resource"),
    }
}

fn find(shared: &SharedRef, p: &Principal, id: i32) -> Option<Value> {
    shared
        .lock()
        .tenant(&p.tenant)
        .and_then(|t| t.webhooks.get(&id).cloned())
}

fn list(shared: &SharedRef, req: &Req, p: &Principal) -> Response {
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    let name = req.query("nameFilter").unwrap_or("").to_lowercase();
    let event = req.query("eventFilter").unwrap_or("").to_lowercase();
    let state = req.query("statusFilter").unwrap_or("");
    let hooks: Vec<Value> = tenant
        .webhooks
        .values()
        .filter(|h| {
            let hook_name = h
                .get("Name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_lowercase();
            let has_event = event.is_empty()
                || h.get("Events").and_then(Value::as_array).is_some_and(|es| {
                    es.iter()
                        .filter_map(Value::as_str)
                        .any(|e| e.eq_ignore_ascii_case(&event))
                });
            let state_ok = state.is_empty()
                || h.get("State")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case(state));
            hook_name.contains(&name) && has_event && state_ok
        })
        .map(without_secret)
        .collect();
    ok_json(&Value::Array(hooks))
}

fn get(shared: &SharedRef, p: &Principal, id: i32) -> Response {
    match find(shared, p, id) {
        Some(hook) => ok_json(&without_secret(&hook)),
        None => not_found(&format!("Webhook id {id} not found")),
    }
}

async fn create(shared: &SharedRef, req: &Req, p: &Principal) -> Response {
    let body = match json_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut hook = default_webhook();
    if let Some(obj) = hook.as_object_mut() {
        obj.insert("Events".into(), json!([]));
    }
    merge_writable(&mut hook, &body);
    if hook.get("State").and_then(Value::as_str) == Some("Unknown") {
        if let Some(obj) = hook.as_object_mut() {
            obj.insert("State".into(), json!("Active"));
        }
    }
    if let Err(e) = validate(&hook) {
        return bad_request(&e);
    }
    let Some(ping) = test_outgoing(shared, p, &hook) else {
        return not_found("Tenant not found");
    };
    let (ok, message) = webhooks::ping(shared, &ping).await;
    if !ok {
        return bad_request(&format!(
            "Webhook test failed: {message}. The target must answer the test event with 200 OK."
        ));
    }
    let mut world = shared.lock();
    let Some(tenant) = world.tenant_mut(&p.tenant) else {
        return not_found("Tenant not found");
    };
    let id = tenant.next_webhook_id;
    tenant.next_webhook_id += 1;
    let associate = associate_carrier(tenant, p.associate_id);
    if let Some(obj) = hook.as_object_mut() {
        let now = now_string();
        obj.insert("WebhookId".into(), json!(id));
        obj.insert("Registered".into(), json!(now));
        obj.insert("RegisteredAssociate".into(), associate.clone());
        obj.insert("Updated".into(), json!(now));
        obj.insert("UpdatedAssociate".into(), associate);
    }
    tenant.webhooks.insert(id, hook.clone());
    ok_json(&hook)
}

async fn update(shared: &SharedRef, req: &Req, p: &Principal, id: i32) -> Response {
    let body = match json_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(existing) = find(shared, p, id) else {
        return not_found(&format!("Webhook id {id} not found"));
    };
    let hook = replaced(&existing, &body);
    if let Err(e) = validate(&hook) {
        return bad_request(&e);
    }
    if hook.get("TargetUrl") != existing.get("TargetUrl") {
        if let Some(ping) = test_outgoing(shared, p, &hook) {
            let (ok, message) = webhooks::ping(shared, &ping).await;
            if !ok {
                return bad_request(&format!("Webhook test failed: {message}"));
            }
        }
    }
    let mut world = shared.lock();
    let Some(tenant) = world.tenant_mut(&p.tenant) else {
        return not_found("Tenant not found");
    };
    // Re-read: deliveries (and the ping above) may have changed the statistics or the state
    // while the lock was released; apply the client's fields to the current copy.
    let Some(current) = tenant.webhooks.get(&id).cloned() else {
        return not_found(&format!("Webhook id {id} not found"));
    };
    let mut hook = replaced(&current, &body);
    let reactivated = hook.get("State").and_then(Value::as_str) == Some("Active")
        && current.get("State").and_then(Value::as_str) != Some("Active");
    let associate = associate_carrier(tenant, p.associate_id);
    if let Some(obj) = hook.as_object_mut() {
        obj.insert("Updated".into(), json!(now_string()));
        obj.insert("UpdatedAssociate".into(), associate);
        if reactivated {
            obj.insert("ConsecutiveErrors".into(), json!(0));
        }
    }
    tenant.webhooks.insert(id, hook.clone());
    ok_json(&without_secret(&hook))
}

/// PUT replaces the whole webhook: writable fields the body leaves out fall back to their
/// defaults (an absent `Secret` clears it); ids, statistics and audit fields stay.
fn replaced(current: &Value, body: &Value) -> Value {
    let mut hook = default_webhook();
    if let (Some(dst), Some(src)) = (hook.as_object_mut(), current.as_object()) {
        for (k, v) in src {
            if !WRITABLE.contains(&k.as_str()) {
                dst.insert(k.clone(), v.clone());
            }
        }
    }
    merge_writable(&mut hook, body);
    hook
}

fn delete(shared: &SharedRef, p: &Principal, id: i32) -> Response {
    let mut world = shared.lock();
    let Some(tenant) = world.tenant_mut(&p.tenant) else {
        return not_found("Tenant not found");
    };
    match tenant.webhooks.remove(&id) {
        Some(_) => no_content(),
        None => not_found(&format!("Webhook id {id} not found")),
    }
}

async fn test(shared: &SharedRef, req: &Req, p: &Principal) -> Response {
    let body = match json_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut hook = default_webhook();
    merge_writable(&mut hook, &body);
    if let Some(id) = body.get("WebhookId").and_then(Value::as_i64) {
        if let Some(obj) = hook.as_object_mut() {
            obj.insert("WebhookId".into(), json!(id));
        }
    }
    let Some(ping) = test_outgoing(shared, p, &hook) else {
        return not_found("Tenant not found");
    };
    let (ok, message) = webhooks::ping(shared, &ping).await;
    ok_json(&json!({ "Success": ok, "Message": message }))
}
