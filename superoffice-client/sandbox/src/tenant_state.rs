//! The tenant state API (`/api/state/{Cust}`) and the cache flush page (`default.aspx?flush`).

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::server::{html, ok_json, so_error, Req};
use super::state::SharedRef;

/// `GET {base}/api/state/{Cust}` (no authentication, like SuperOffice's).
pub(crate) fn state(shared: &SharedRef, req: &Req) -> Response {
    if req.method != Method::GET || req.segments.len() != 3 {
        return super::server::not_found_html();
    }
    let cust = &req.segments[2];
    let world = shared.lock();
    let Some(tenant) = world.tenant(cust) else {
        return so_error(
            StatusCode::NOT_FOUND,
            "SoNotFoundException",
            &format!("Tenant {cust} not found"),
        );
    };
    let host = &shared.hosts[tenant.host];
    let running = tenant.state == "Running" || tenant.state == "OnlineMaintenance";
    let valid_until = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    // A suspended or deleted tenant has no usable location: the fields come back empty.
    let gone = matches!(tenant.state.as_str(), "Suspended" | "Deleted");
    let located = |path: String| if gone { String::new() } else { path };
    ok_json(&json!({
        "ContextIdentifier": tenant.cust,
        "Endpoint": located(format!("{host}/{}", tenant.cust)),
        "State": tenant.state,
        "IsRunning": running,
        "ValidUntil": valid_until,
        "Api": located(format!("{host}/{}/api", tenant.cust)),
        "Version": "10.5.2026.1",
    }))
}

/// `GET {host}/{Cust}/default.aspx?flush`: General Administrators only.
pub(crate) fn flush(shared: &SharedRef, req: &Req) -> Response {
    let cust = req.segments[0].clone();
    let principal = match super::rest::authenticate(shared, req, &cust) {
        Ok(p) => p,
        Err(response) => return response,
    };
    if !req.has_query("flush") {
        return html(
            StatusCode::OK,
            "<html><body><h1>SuperOffice CRM (sandbox)</h1></body></html>",
        );
    }
    let mut world = shared.lock();
    let Some(tenant) = world.tenant_mut(&cust) else {
        return super::server::not_found_html();
    };
    let allowed = principal.is_system
        || tenant
            .user(principal.associate_id)
            .is_some_and(|u| u.function_rights.iter().any(|r| r == "admin-all"));
    if !allowed {
        return html(
            StatusCode::FORBIDDEN,
            "<html><body><h1>403 Forbidden</h1><p>Flushing caches requires the functional right General Administrator (admin-all).</p></body></html>",
        );
    }
    tenant.flushes += 1;
    html(
        StatusCode::OK,
        "<html><body><p>Caches flushed.</p></body></html>",
    )
}
