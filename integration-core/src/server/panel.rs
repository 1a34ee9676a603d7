//! The panel's sign-in (without a session, the panel page answers `GET /superoffice/panel`
//! with the sign-in page): `GET /superoffice/panel/sign-in` (in the pop-up: to SuperOffice) and
//! `POST /superoffice/panel/session` (the frame trades the pop-up's one-time code for its
//! session cookie).

use axum::extract::{Query, State};
use axum::http::header::{LOCATION, ORIGIN};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::pages;
use super::session::{self, PanelSession};
use super::setup::{code_hash, refusal};
use super::AppState;
use crate::engine::PanelSignInHints;

/// The sign-in routes (`GET /superoffice/panel` itself is the panel page's, `panel_page`).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/superoffice/panel/sign-in", get(sign_in))
        .route("/superoffice/panel/session", post(take_session))
}

#[derive(Debug, Deserialize)]
struct SignInQuery {
    #[serde(default)]
    ctx: String,
    #[serde(default)]
    switch: Option<String>,
}

/// In the pop-up: finds the installation of the frame's tenant and sends the browser to
/// SuperOffice's tenant-specific sign-in.
async fn sign_in(State(state): State<AppState>, Query(query): Query<SignInQuery>) -> Response {
    let tenant = query.ctx.trim();
    if tenant.is_empty() {
        return pages::message(
            StatusCode::BAD_REQUEST,
            "Open the panel from SuperOffice",
            "The sign-in starts from the \"Oneflow Contract\" tab of a Sale.",
        );
    }
    let installation = match state
        .integration
        .store()
        .installation_by_tenant(tenant)
        .await
    {
        Ok(Some(installation)) => installation,
        Ok(None) => {
            return pages::message(
                StatusCode::NOT_FOUND,
                "Oneflow is not connected to this tenant",
                "Ask your administrator to connect Oneflow to SuperOffice first.",
            )
        }
        Err(error) => return refusal(&error.into()),
    };
    let switch = query.switch.as_deref().is_some_and(|s| s != "0");
    let hints = PanelSignInHints::new().switch_account(switch);
    match state
        .integration
        .begin_panel_sign_in(installation.id, hints)
        .await
    {
        Ok(url) => (StatusCode::SEE_OTHER, [(LOCATION, url.to_string())]).into_response(),
        Err(error) => refusal(&error),
    }
}

#[derive(Debug, Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

/// The frame trades the one-time code for its session cookie (single use).
async fn take_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    // A browser names the page's origin on a POST; it must be ours.
    if let Some(origin) = headers.get(ORIGIN) {
        let ours = state
            .integration
            .config()
            .public_base_url
            .origin()
            .ascii_serialization();
        if origin.to_str().ok() != Some(ours.as_str()) {
            return (StatusCode::FORBIDDEN, "cross-origin request refused\n").into_response();
        }
    }
    let now = state.integration.now();
    let code = form.code.trim();
    let taken = if code.is_empty() {
        Ok(None)
    } else {
        state
            .integration
            .store()
            .take_handoff(&code_hash(code), now)
            .await
    };
    let sealed = match taken {
        Ok(Some(sealed)) => sealed,
        Ok(None) => {
            return (
                StatusCode::UNAUTHORIZED,
                "the sign-in code is unknown, used or expired; sign in again\n",
            )
                .into_response()
        }
        Err(error) => {
            tracing::warn!(error = %error, "a panel sign-in code could not be taken");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily unavailable; sign in again in a moment\n",
            )
                .into_response();
        }
    };
    match PanelSession::open(&sealed, &state.config.keys) {
        Some(session) if session.expires_at > now => (
            StatusCode::NO_CONTENT,
            session::set_cookie_header(session.set_cookie(&state.config, now)),
        )
            .into_response(),
        _ => (
            StatusCode::UNAUTHORIZED,
            "the sign-in expired; sign in again\n",
        )
            .into_response(),
    }
}
