//! The tenant REST API: `{host}/{Cust}/api/v1/…`.

// Handlers return a finished HTTP response as their error value; it is built once per request.
#![allow(clippy::result_large_err)]

pub(crate) mod crm;
pub(crate) mod document;
pub(crate) mod lists;
pub(crate) mod sale;
pub(crate) mod webhook;

use std::time::Instant;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::server::{so_error, Req};
use super::state::SharedRef;

/// The authenticated caller of a REST request.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    pub(crate) tenant: String,
    pub(crate) associate_id: i32,
    pub(crate) is_system: bool,
    /// An `SO-AppToken` header with the app's client secret was sent.
    pub(crate) app_token: bool,
}

fn unauthorized(message: &str) -> Response {
    let mut response = so_error(StatusCode::UNAUTHORIZED, "SoCredentialsException", message);
    response.headers_mut().insert(
        axum::http::header::WWW_AUTHENTICATE,
        axum::http::HeaderValue::from_static("Bearer"),
    );
    response
}

/// Host, tenant state and credential checks shared by REST and `default.aspx`.
pub(crate) fn authenticate(
    shared: &SharedRef,
    req: &Req,
    cust: &str,
) -> Result<Principal, Response> {
    let world = shared.lock();
    let Some(tenant) = world.tenant(cust) else {
        return Err(so_error(
            StatusCode::NOT_FOUND,
            "SoNotFoundException",
            &format!("Unknown tenant {cust}"),
        ));
    };
    if tenant.host != req.host {
        return Err(so_error(
            StatusCode::MISDIRECTED_REQUEST,
            "WrongSubdomain",
            "Wrong subdomain used to access tenant",
        ));
    }
    if tenant.state != "Running" && tenant.state != "OnlineMaintenance" {
        return Err(so_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "SoTenantNotRunningException",
            &format!("Tenant {} is {}", tenant.cust, tenant.state),
        ));
    }
    let app_token = req
        .header("so-apptoken")
        .is_some_and(|t| t == shared.app.client_secret);
    let Some(authorization) = req.header("authorization") else {
        return Err(unauthorized("Authentication required"));
    };
    let mut parts = authorization.splitn(2, ' ');
    let scheme = parts.next().unwrap_or("");
    let credential = parts.next().unwrap_or("").trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        let Some(grant) = world.access_tokens.get(credential) else {
            return Err(unauthorized("Invalid access token"));
        };
        if grant.expires_at <= Instant::now() {
            return Err(unauthorized("The access token has expired"));
        }
        if !grant.grant.tenant.eq_ignore_ascii_case(&tenant.cust) {
            return Err(unauthorized(
                "The access token is not valid for this tenant",
            ));
        }
        Ok(Principal {
            tenant: tenant.cust.clone(),
            associate_id: grant.grant.associate_id,
            is_system: false,
            app_token,
        })
    } else if scheme.eq_ignore_ascii_case("soticket") {
        if !app_token {
            return Err(unauthorized("SO-AppToken is required with SOTicket"));
        }
        let Some(grant) = world.tickets.get(credential) else {
            return Err(unauthorized("Invalid ticket"));
        };
        if !grant.tenant.eq_ignore_ascii_case(&tenant.cust) {
            return Err(unauthorized("The ticket is not valid for this tenant"));
        }
        Ok(Principal {
            tenant: tenant.cust.clone(),
            associate_id: grant.associate_id,
            is_system: true,
            app_token,
        })
    } else {
        Err(unauthorized("Unsupported authorization scheme"))
    }
}

pub(crate) fn not_found(message: &str) -> Response {
    so_error(StatusCode::NOT_FOUND, "SoNotFoundException", message)
}

pub(crate) fn bad_request(message: &str) -> Response {
    so_error(StatusCode::BAD_REQUEST, "SoBadRequestException", message)
}

fn method_not_allowed() -> Response {
    so_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "SoMethodNotAllowed",
        "The requested resource does not support this HTTP method",
    )
}

/// Parses a JSON request body.
pub(crate) fn json_body(req: &Req) -> Result<Value, Response> {
    serde_json::from_slice(&req.body)
        .map_err(|e| bad_request(&format!("The request body is not valid JSON: {e}")))
}

pub(crate) fn parse_id(s: &str) -> Option<i32> {
    s.parse().ok()
}

/// Dispatches `/{Cust}/api/...`.
pub(crate) async fn handle(shared: &SharedRef, req: &Req) -> Response {
    let cust = req.segments[0].clone();
    let principal = match authenticate(shared, req, &cust) {
        Ok(p) => p,
        Err(response) => return response,
    };
    let segs: Vec<String> = req.segments[2..]
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let raw = |i: usize| req.segments.get(i + 2).map(String::as_str).unwrap_or("");
    let m = &req.method;
    match s.as_slice() {
        [] => crate::server::ok_json(&json!({
            "v1": format!("{}/{}/api/v1", shared.hosts[req.host], principal.tenant),
            "NetServerVersion": "10.5.2026.1",
        })),
        ["v1", "sale"] if m == Method::GET => sale::list(shared, req, &principal),
        ["v1", "sale", "default"] if m == Method::GET => sale::get_default(shared, &principal),
        ["v1", "sale", "validate"] if m == Method::POST => sale::validate(shared, req, &principal),
        ["v1", "document", rest @ ..] => document::handle(shared, req, &principal, rest).await,
        ["v1", "sale", id] => match parse_id(id) {
            Some(id) => match *m {
                Method::GET => sale::get(shared, req, &principal, id),
                Method::PUT => sale::put(shared, req, &principal, id),
                Method::PATCH => sale::patch(shared, req, &principal, id),
                _ => method_not_allowed(),
            },
            None => not_found(&format!("Sale `{}` not found", raw(2))),
        },
        ["v1", "contact"] if m == Method::GET => crm::contact_list(shared, req, &principal, None),
        ["v1", "contact", id] if m == Method::GET => crm::contact_get(shared, &principal, id),
        ["v1", "contact", id, "persons"] if m == Method::GET => match parse_id(id) {
            Some(id) => crm::person_list(shared, req, &principal, Some(id)),
            None => not_found("Contact not found"),
        },
        ["v1", "person"] if m == Method::GET => crm::person_list(shared, req, &principal, None),
        ["v1", "person", id] if m == Method::GET => crm::person_get(shared, &principal, id),
        ["v1", "user"] if m == Method::GET => crm::user_list(shared, req, &principal),
        ["v1", "user", "currentprincipal"] if m == Method::GET => {
            crm::current_principal(shared, &principal)
        }
        ["v1", "user", "currentassociate"] if m == Method::GET => {
            crm::current_associate(shared, &principal)
        }
        ["v1", "agents", "sentry", "hasfunctionright"] if m == Method::POST => {
            crm::has_function_right(shared, req, &principal)
        }
        ["v1", "agents", "sentry", "getfunctionrights"] if m == Method::POST => {
            crm::function_rights(shared, &principal)
        }
        ["v1", "list", list, rest @ ..] => lists::handle(shared, req, &principal, list, rest),
        ["v1", "agents", "list", method] if m == Method::POST => {
            lists::agent(shared, req, &principal, method)
        }
        ["v1", "webhook", rest @ ..] => webhook::handle(shared, req, &principal, rest).await,
        _ => not_found(&format!(
            "No sandbox route for {} /{}",
            req.method,
            req.segments.join("/")
        )),
    }
}
