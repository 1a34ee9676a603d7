//! Participant access links and a minimal signing page a real browser can use.
//!
//! `POST /contracts/{id}/participants/{participant_id}/access_link` returns
//! `{"access_link": "http://127.0.0.1:PORT/_sign/<key>"}`. The page shows the contract and
//! offers "Sign" / "Decline" buttons for an undecided signatory of a `pending` contract; they
//! have the same effect as [`OneflowSandbox::sign`](crate::OneflowSandbox::sign) and
//! [`decline`](crate::OneflowSandbox::decline). The first visit emits
//! `participant:first_visit`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};

use super::input::path_id;
use super::parties::contract_not_found;
use crate::errors::Problem;
use crate::state::{EventActor, World};
use crate::Shared;

fn origin(w: &World) -> &str {
    w.base.strip_suffix("/v1").unwrap_or(&w.base)
}

pub(super) async fn access_link(
    State(s): State<Arc<Shared>>,
    Path((id, participant_id)): Path<(String, String)>,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let participant_id = path_id(&participant_id, "Participant")?;
    s.mutate(|w| {
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        if c.state == "draft" {
            return Err(Problem::conflict(
                "Access links exist only for published contracts.",
            ));
        }
        if c.participant(participant_id).is_none() {
            return Err(Problem::not_found(format!(
                "Participant {participant_id} was not found on contract {id}."
            )));
        }
        let key = format!(
            "{:016x}{:016x}",
            rand::random::<u64>(),
            rand::random::<u64>()
        );
        w.sign_links.insert(key.clone(), (id, participant_id));
        let link = format!("{}/_sign/{key}", origin(w));
        Ok(Json(json!({ "access_link": link })))
    })
}

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

fn html_status(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body><h1>{t}</h1><p>{m}</p></body></html>",
        t = escape(title),
        m = escape(message)
    );
    (status, Html(body)).into_response()
}

/// `GET /_sign/{key}`: the contract as the participant sees it (first visit is recorded).
pub(super) async fn page(State(s): State<Arc<Shared>>, Path(key): Path<String>) -> Response {
    let rendered = s.mutate(|w| {
        let (cid, pid) = *w.sign_links.get(&key)?;
        let now = Utc::now();
        let c = w.contracts.get_mut(&cid)?;
        let (p, party_id, party_name) = c.participant_mut(pid)?;
        let first = p.visits == 0;
        p.visits += 1;
        p.last_visited = Some(now);
        if first {
            p.first_visited = Some(now);
        }
        let can_decide = p.signatory && p.sign_state == "undecided";
        let participant = format!("{} ({})", p.name, party_name);
        let sign_state = p.sign_state.clone();
        let name = p.name.clone();
        let (contract_name, state) = (c.name.clone(), c.state.clone());
        let can_decide = can_decide && state == "pending";
        if first {
            let actor = EventActor {
                id: pid,
                name,
                party: Some((party_id, party_name)),
            };
            w.emit(
                cid,
                "participant:first_visit",
                Some(actor),
                json!({ "subject": { "participant": { "id": pid } } }),
            );
        }
        Some((
            cid,
            contract_name,
            state,
            participant,
            sign_state,
            can_decide,
        ))
    });
    let Some((cid, contract_name, state, participant, sign_state, can_decide)) = rendered else {
        return html_status(
            StatusCode::NOT_FOUND,
            "Link not found",
            "This link is unknown or the contract was deleted.",
        );
    };
    let buttons = if can_decide {
        format!(
            "<form method=\"post\" action=\"/_sign/{k}/sign\"><button type=\"submit\">Sign</button></form>\
             <form method=\"post\" action=\"/_sign/{k}/decline\"><button type=\"submit\">Decline</button></form>",
            k = escape(&key)
        )
    } else {
        String::new()
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Contract {cid}</title></head><body>\
         <h1>{name}</h1><p>Contract {cid} is <strong>{state}</strong>.</p>\
         <p>You are {participant}; your signature: <strong>{sign_state}</strong>.</p>{buttons}\
         <p><small>Oneflow sandbox: no real signature is created.</small></p></body></html>",
        name = escape(if contract_name.is_empty() { "Untitled contract" } else { &contract_name }),
        state = escape(&state),
        participant = escape(&participant),
        sign_state = escape(&sign_state),
    );
    let mut response = Html(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /_sign/{key}/sign|decline`: decide, then go back to the page (303).
pub(super) async fn act(
    State(s): State<Arc<Shared>>,
    Path((key, action)): Path<(String, String)>,
) -> Response {
    let sign = match action.as_str() {
        "sign" => true,
        "decline" => false,
        _ => return html_status(StatusCode::NOT_FOUND, "Not found", "Unknown action."),
    };
    let Some((cid, pid)) = s.read(|w| w.sign_links.get(&key).copied()) else {
        return html_status(
            StatusCode::NOT_FOUND,
            "Link not found",
            "This link is unknown.",
        );
    };
    match s.decide(cid, pid, sign) {
        Ok(()) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(location) = HeaderValue::from_str(&format!("/_sign/{key}")) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        Err(err) => html_status(StatusCode::CONFLICT, "Not possible", &err.to_string()),
    }
}
