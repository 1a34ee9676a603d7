//! Webhook management: `POST/GET /webhooks`, `GET/PUT/DELETE /webhooks/{id}`.
//!
//! `sign_key` is write-only: it is stored and used for signatures but never echoed back.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Map, Value};

use super::input::{check_len, json_body, object, opt_i64, opt_str, path_id};
use super::{paginate, QueryParams};
use crate::errors::Problem;
use crate::state::{Actor, Webhook, World};
use crate::Shared;

fn require_admin(actor: &Actor) -> Result<(), Problem> {
    if actor.is_admin {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "Only administrators may manage webhooks.",
        ))
    }
}

fn not_found(id: i64) -> Problem {
    Problem::not_found(format!("Webhook {id} was not found."))
}

fn parse_callback_url(raw: &str) -> Result<String, Problem> {
    check_len(raw, 1, 1000, "callback_url")?;
    let url = url::Url::parse(raw)
        .map_err(|_| Problem::bad_param("callback_url", "is not a valid URL"))?;
    // Oneflow requires an HTTPS webhook URL; plain http is let through only for loopback
    // receivers (tests), which Oneflow could never reach anyway.
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
        return Err(Problem::bad_param(
            "callback_url",
            "must be an https URL (http only for loopback receivers)",
        ));
    }
    Ok(raw.to_owned())
}

/// Validate `filters` and normalise it (`null` stays `null`).
fn parse_filters(v: &Value) -> Result<Value, Problem> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let filters = v.as_array().ok_or_else(|| {
        Problem::bad_param(
            "filters",
            "must be an array of {filter_rules: [...]} or null",
        )
    })?;
    let mut out = Vec::new();
    for (i, filter) in filters.iter().enumerate() {
        let path = format!("filters[{i}]");
        let obj = object(filter, &path)?;
        let rules = obj
            .get("filter_rules")
            .and_then(Value::as_array)
            .ok_or_else(|| Problem::bad_param(&format!("{path}.filter_rules"), "is required"))?;
        if rules.is_empty() || rules.len() > 2 {
            return Err(Problem::bad_param(
                &format!("{path}.filter_rules"),
                "must hold 1 or 2 rules",
            ));
        }
        let mut out_rules = Vec::new();
        for (j, rule) in rules.iter().enumerate() {
            let rpath = format!("{path}.filter_rules[{j}]");
            let robj = object(rule, &rpath)?;
            let kind = opt_str(robj, "type", &rpath)?
                .ok_or_else(|| Problem::bad_param(&format!("{rpath}.type"), "is required"))?;
            let values = robj
                .get("values")
                .and_then(Value::as_array)
                .filter(|v| !v.is_empty() && v.len() <= 50)
                .ok_or_else(|| {
                    Problem::bad_param(&format!("{rpath}.values"), "must hold 1 to 50 values")
                })?;
            match kind {
                "EVENT_TYPE" => {
                    if values.iter().any(|v| !v.is_string()) {
                        return Err(Problem::bad_param(
                            &format!("{rpath}.values"),
                            "event types must be strings",
                        ));
                    }
                }
                "WORKSPACE" => {
                    let ok = values.iter().all(|v| {
                        v.as_i64().is_some() || v.as_str().is_some_and(|s| s.parse::<i64>().is_ok())
                    });
                    if !ok {
                        return Err(Problem::bad_param(
                            &format!("{rpath}.values"),
                            "workspace ids must be integers",
                        ));
                    }
                }
                other => {
                    return Err(Problem::bad_param(
                        &format!("{rpath}.type"),
                        format!("`{other}` is not one of EVENT_TYPE, WORKSPACE"),
                    ))
                }
            }
            out_rules.push(json!({ "type": kind, "values": values }));
        }
        out.push(json!({ "filter_rules": out_rules }));
    }
    Ok(Value::Array(out))
}

fn check_group(w: &World, group: Option<i64>) -> Result<(), Problem> {
    match group {
        Some(id) if !w.template_types.contains_key(&id) => Err(Problem::bad_param(
            "template_group_id",
            format!("no template type with id {id} exists"),
        )),
        _ => Ok(()),
    }
}

fn sign_key(obj: &Map<String, Value>) -> Result<Option<Option<String>>, Problem> {
    match obj.get("sign_key") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => {
            check_len(s, 0, 1000, "sign_key")?;
            Ok(Some(if s.is_empty() { None } else { Some(s.clone()) }))
        }
        Some(_) => Err(Problem::bad_param("sign_key", "must be a string or null")),
    }
}

pub(super) async fn create(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    require_admin(&actor)?;
    let body = json_body(&body)?;
    let obj = object(&body, "")?;
    let callback_url = opt_str(obj, "callback_url", "")?
        .ok_or_else(|| Problem::bad_param("callback_url", "is required"))?;
    let callback_url = parse_callback_url(callback_url)?;
    let key = sign_key(obj)?.flatten();
    let group = opt_i64(obj, "template_group_id", "")?;
    let filters = parse_filters(obj.get("filters").unwrap_or(&Value::Null))?;
    let configuration = obj
        .get("configuration")
        .cloned()
        .unwrap_or_else(|| json!({}));
    s.mutate(|w| {
        check_group(w, group)?;
        let id = w.ids.webhook();
        let hook = Webhook {
            id,
            callback_url,
            sign_key: key,
            template_group_id: group,
            filters,
            configuration,
        };
        let rendered = w.render_webhook(&hook);
        w.webhooks.insert(id, hook);
        Ok(Json(rendered))
    })
}

pub(super) async fn list(
    State(s): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, Problem> {
    let q = QueryParams::parse(raw.as_deref())?;
    s.read(|w| {
        let items = w.webhooks.values().map(|h| w.render_webhook(h)).collect();
        paginate(&w.base, "/webhooks", &q, items).map(Json)
    })
}

pub(super) async fn get_one(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Webhook")?;
    s.read(|w| {
        w.webhooks
            .get(&id)
            .map(|h| Json(w.render_webhook(h)))
            .ok_or_else(|| not_found(id))
    })
}

pub(super) async fn update(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    require_admin(&actor)?;
    let id = path_id(&id, "Webhook")?;
    let body = json_body(&body)?;
    let obj = object(&body, "")?;
    let callback_url = match opt_str(obj, "callback_url", "")? {
        Some(u) => Some(parse_callback_url(u)?),
        None => None,
    };
    let key = sign_key(obj)?;
    let group = if obj.contains_key("template_group_id") {
        Some(opt_i64(obj, "template_group_id", "")?)
    } else {
        None
    };
    let filters = match obj.get("filters") {
        None => None,
        Some(v) => Some(parse_filters(v)?),
    };
    let configuration = obj.get("configuration").cloned();
    s.mutate(|w| {
        if let Some(g) = group {
            check_group(w, g)?;
        }
        let hook = w.webhooks.get_mut(&id).ok_or_else(|| not_found(id))?;
        if let Some(u) = callback_url {
            hook.callback_url = u;
        }
        if let Some(k) = key {
            hook.sign_key = k;
        }
        if let Some(g) = group {
            hook.template_group_id = g;
        }
        if let Some(f) = filters {
            hook.filters = f;
        }
        if let Some(c) = configuration {
            hook.configuration = c;
        }
        let hook = &w.webhooks[&id];
        Ok(Json(w.render_webhook(hook)))
    })
}

pub(super) async fn delete(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    require_admin(&actor)?;
    let id = path_id(&id, "Webhook")?;
    s.mutate(|w| {
        w.webhooks.remove(&id).ok_or_else(|| not_found(id))?;
        Ok(StatusCode::OK.into_response())
    })
}
