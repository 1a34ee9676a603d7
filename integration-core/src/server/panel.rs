//! The panel's sign-in: `GET /superoffice/panel` (until a session exists),
//! `GET /superoffice/panel/sign-in` (in the pop-up: to SuperOffice) and
//! `POST /superoffice/panel/session` (the frame trades the pop-up's one-time code for its
//! session cookie).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::{LOCATION, ORIGIN};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::pages::{self, render_framable, sign_in_href};
use super::session::{self, PanelSession, SignInRequired};
use super::setup::{code_hash, refusal};
use super::AppState;
use crate::engine::PanelSignInHints;

/// The sign-in routes. `GET /superoffice/panel` is separate ([`panel_home`]) so the panel
/// page can replace it.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/superoffice/panel/sign-in", get(sign_in))
        .route("/superoffice/panel/session", post(take_session))
}

/// The frame's URL parameters as far as sign-in needs them (`sale` and `user` are the panel
/// page's): hints, never identity.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PanelHints {
    /// The tenant (`Cust12345`).
    #[serde(default)]
    pub(crate) ctx: Option<String>,
}

#[derive(Template)]
#[template(path = "signed_in.html")]
struct SignedInPage<'a> {
    email: &'a str,
    tenant: &'a str,
    switch_href: String,
}

/// `GET /superoffice/panel` as far as sign-in goes: without a valid session the sign-in page
/// (`401`), with a session of another tenant than the frame's `ctx` `403`, else who is
/// signed in.
pub(super) async fn panel_home(
    session: Result<PanelSession, SignInRequired>,
    Query(hints): Query<PanelHints>,
) -> Response {
    let session = match session {
        Ok(session) => session,
        Err(sign_in) => return sign_in.into_response(),
    };
    if let Some(ctx) = hints.ctx.as_deref() {
        if let Err(foreign) = session.check_tenant(ctx) {
            return foreign.into_response();
        }
    }
    render_framable(
        StatusCode::OK,
        &SignedInPage {
            email: &session.email,
            tenant: &session.tenant,
            switch_href: format!("{}&switch=1", sign_in_href(&session.tenant)),
        },
    )
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
