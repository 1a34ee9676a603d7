//! `/ping`, `/accounts/me`, `/users`, `/workspaces`.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::input::path_id;
use super::{paginate, QueryParams};
use crate::errors::Problem;
use crate::state::Actor;
use crate::Shared;

pub(super) async fn ping() -> Json<Value> {
    Json(json!({}))
}

pub(super) async fn me(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(s.read(|w| w.render_account()))
}

pub(super) async fn users(
    State(s): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, Problem> {
    let q = QueryParams::parse(raw.as_deref())?;
    s.read(|w| {
        let items = w.users.iter().map(|u| w.render_user(u)).collect();
        paginate(&w.base, "/users", &q, items).map(Json)
    })
}

pub(super) async fn user(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "User")?;
    s.read(|w| {
        w.users
            .iter()
            .find(|u| u.id == id)
            .map(|u| Json(w.render_user(u)))
            .ok_or_else(|| Problem::not_found(format!("User {id} was not found.")))
    })
}

pub(super) async fn workspaces(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, Problem> {
    let q = QueryParams::parse(raw.as_deref())?;
    s.read(|w| {
        let items = w
            .workspaces
            .iter()
            .map(|ws| w.render_workspace(ws, &actor))
            .collect();
        paginate(&w.base, "/workspaces", &q, items).map(Json)
    })
}

pub(super) async fn workspace(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Workspace")?;
    s.read(|w| {
        w.workspace(id)
            .map(|ws| Json(w.render_workspace(ws, &actor)))
            .ok_or_else(|| Problem::not_found(format!("Workspace {id} was not found.")))
    })
}
