//! Admin setup: `GET /setup`, `POST /setup` and the OAuth callback
//! `GET /superoffice/callback` (which also completes the panel's sign-in).

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::TimeDelta;
use serde::Deserialize;
use sha2::Digest;

use super::pages::{self, render};
use super::session::{
    self, random_token, setup_cookie, setup_csrf_token, verify_setup_csrf, PanelSession,
    SETUP_COOKIE, SETUP_COOKIE_INSECURE,
};
use super::AppState;
use crate::engine::{EngineError, PanelUser, SetupReport, SignInOutcome};
use crate::store::InstallationId;

/// How long the one-time code of a panel sign-in may travel from the pop-up to the frame.
const HANDOFF_LIFETIME: TimeDelta = TimeDelta::minutes(2);

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/setup", get(setup_form).post(setup_submit))
        .route("/superoffice/callback", get(callback))
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage<'a> {
    csrf: String,
    error: Option<String>,
    installation: &'a str,
    admin_email: &'a str,
}

async fn setup_form(State(state): State<AppState>) -> Response {
    let nonce = random_token();
    let page = SetupPage {
        csrf: setup_csrf_token(&state.config.keys, &nonce),
        error: None,
        installation: "",
        admin_email: "",
    };
    (
        session::set_cookie_header(setup_cookie(&state.config, &nonce)),
        render(StatusCode::OK, &page),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct SetupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    api_token: String,
    #[serde(default)]
    installation: String,
    #[serde(default)]
    admin_email: String,
}

fn setup_nonce<'a>(state: &AppState, headers: &'a HeaderMap) -> Option<&'a str> {
    let name = if state.config.secure_cookies() {
        SETUP_COOKIE
    } else {
        SETUP_COOKIE_INSECURE
    };
    session::cookie(headers, name)
}

async fn setup_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Response {
    let nonce = setup_nonce(&state, &headers);
    if let Err(rejected) = verify_setup_csrf(&state.config.keys, nonce, &form.csrf) {
        return rejected.into_response();
    }
    let nonce = nonce.unwrap_or_default();
    let again = |status: StatusCode, error: String| {
        let page = SetupPage {
            csrf: setup_csrf_token(&state.config.keys, nonce),
            error: Some(error),
            installation: form.installation.trim(),
            admin_email: form.admin_email.trim(),
        };
        render(status, &page)
    };
    let engine = &state.integration;
    let installation = if !form.api_token.trim().is_empty() {
        match engine.register_oneflow_account(form.api_token.trim()).await {
            Ok(installation) => installation.id,
            Err(error) => return again(status_of(&error), explain(&error)),
        }
    } else {
        match form.installation.trim().parse::<i64>() {
            Ok(id) => InstallationId::new(id),
            Err(_) => {
                return again(
                    StatusCode::BAD_REQUEST,
                    "Give the Oneflow API token, or the installation number of an account \
                     registered before."
                        .into(),
                )
            }
        }
    };
    match engine.begin_setup(installation, &form.admin_email).await {
        Ok(url) => (StatusCode::SEE_OTHER, [(LOCATION, url.to_string())]).into_response(),
        Err(error) => again(status_of(&error), explain(&error)),
    }
}

async fn callback(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    match state.integration.complete_sign_in(&query).await {
        Ok(SignInOutcome::Setup(report)) => render(StatusCode::OK, &SetupDonePage::new(&report)),
        Ok(SignInOutcome::Panel(user)) => hand_off(&state, &user).await,
        Err(error) => refusal(&error),
    }
}

#[derive(Template)]
#[template(path = "setup_done.html")]
struct SetupDonePage {
    tenant: String,
    installation: InstallationId,
    admin_email: String,
    panel: String,
    fields_added: String,
    fields_missing: String,
    background: &'static str,
    flush_url: String,
}

impl SetupDonePage {
    fn new(report: &SetupReport) -> Self {
        let join = |items: &[String]| {
            if items.is_empty() {
                "none".to_owned()
            } else {
                items.join(", ")
            }
        };
        Self {
            tenant: report.tenant.clone(),
            installation: report.installation,
            admin_email: report.admin_email.clone(),
            panel: format!(
                "{} (id {})",
                if report.panel_created {
                    "created"
                } else {
                    "kept"
                },
                report.panel_id
            ),
            fields_added: join(&report.data_fields_added),
            fields_missing: if report.data_fields_missing.is_empty() {
                String::new()
            } else {
                report.data_fields_missing.join(", ")
            },
            background: if report.system_user {
                "the tenant's system user"
            } else {
                "the administrator's sign-in"
            },
            flush_url: report.flush_url.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "handoff.html")]
struct HandoffPage {
    code: String,
}

/// The SHA-256 of a one-time code (hex): what the store keeps instead of the code.
pub(super) fn code_hash(code: &str) -> String {
    hex::encode(sha2::Sha256::digest(code.as_bytes()))
}

/// Seals the new session, keeps it under a one-time code and gives the pop-up the code to
/// hand to the panel frame.
async fn hand_off(state: &AppState, user: &PanelUser) -> Response {
    let now = state.integration.now();
    let session = PanelSession::start(user, &state.config, now);
    let code = random_token();
    let stored = state
        .integration
        .store()
        .put_handoff(
            &code_hash(&code),
            &session.seal(),
            now + HANDOFF_LIFETIME,
            now,
        )
        .await;
    if let Err(error) = stored {
        tracing::warn!(error = %error, "a panel sign-in could not be handed off");
        return pages::message(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sign-in could not finish",
            "The service cannot store the sign-in right now. Close this window and try again \
             in a moment.",
        );
    }
    render(StatusCode::OK, &HandoffPage { code })
}

#[derive(Template)]
#[template(path = "refusal.html")]
struct RefusalPage<'a> {
    title: &'a str,
    reason: String,
    fix: String,
    again: Option<&'a str>,
}

/// The error in words for a page: the engine's text, with the vendor client's own text for
/// vendor errors (which never carry secrets).
fn explain(error: &EngineError) -> String {
    match error {
        EngineError::SuperOffice(inner) => format!("SuperOffice: {inner}"),
        EngineError::Oneflow(inner) => format!("Oneflow: {inner}"),
        other => other.to_string(),
    }
}

fn status_of(error: &EngineError) -> StatusCode {
    match error {
        // Refused locally, nothing sent: what was typed is wrong.
        EngineError::Oneflow(
            oneflow_client::Error::Config(_) | oneflow_client::Error::InvalidInput(_),
        ) => StatusCode::BAD_REQUEST,
        EngineError::UnknownState | EngineError::InvalidInput(_) => StatusCode::BAD_REQUEST,
        EngineError::InvalidOneflowToken => StatusCode::BAD_REQUEST,
        EngineError::NotSuperOfficeAdmin
        | EngineError::NotOneflowAdmin { .. }
        | EngineError::EmailMismatch { .. }
        | EngineError::WrongTenant { .. } => StatusCode::FORBIDDEN,
        EngineError::TenantAlreadyBound { .. } | EngineError::TenantInUse { .. } => {
            StatusCode::CONFLICT
        }
        EngineError::UnknownInstallation(_)
        | EngineError::Uninstalled(_)
        | EngineError::NotConnected(_) => StatusCode::NOT_FOUND,
        EngineError::Oneflow(_) | EngineError::SuperOffice(_) => StatusCode::BAD_GATEWAY,
        error if error.is_transient() => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A page that says what went wrong and what to fix, for each typed error.
pub(super) fn refusal(error: &EngineError) -> Response {
    let setup = Some("/setup");
    let (title, fix, again): (&str, String, Option<&str>) = match error {
        EngineError::UnknownState => (
            "This sign-in is no longer valid",
            "Sign-in links work once and for 10 minutes. Start again from the beginning.".into(),
            None,
        ),
        EngineError::NotSuperOfficeAdmin => (
            "You are not a SuperOffice administrator",
            "Sign in to SuperOffice as an administrator of the tenant, or ask one to connect \
             Oneflow."
                .into(),
            setup,
        ),
        EngineError::EmailMismatch { expected, actual } => (
            "You signed in with another e-mail address",
            format!(
                "Setup was started for {expected}. Sign in to SuperOffice as {expected}, or start \
                 setup again with {actual}."
            ),
            setup,
        ),
        EngineError::NotOneflowAdmin { email } => (
            "You are not a Oneflow administrator",
            format!(
                "Make {email} an active administrator of the Oneflow account, or start setup \
                 with an address that is one."
            ),
            setup,
        ),
        EngineError::TenantAlreadyBound { bound } => (
            "This Oneflow account is connected already",
            format!(
                "It is connected to SuperOffice tenant {bound}. Remove the integration there \
                 (Oneflow Settings, \"Remove integration\") before connecting another tenant."
            ),
            None,
        ),
        EngineError::TenantInUse { installation, .. } => (
            "This SuperOffice tenant is connected to another Oneflow account",
            format!(
                "Remove the integration of Oneflow account {installation} first, then connect \
                 this account."
            ),
            None,
        ),
        EngineError::WrongTenant { expected, .. } => (
            "You signed in to another SuperOffice tenant",
            format!("Choose \"Switch account\" in the panel and sign in to {expected}."),
            None,
        ),
        EngineError::UnknownInstallation(_) | EngineError::Uninstalled(_) => (
            "This Oneflow account is not registered",
            "Register the Oneflow account with its API token and start setup again.".into(),
            setup,
        ),
        EngineError::NotConnected(_) => (
            "Setup is not finished",
            "An administrator finishes setup first.".into(),
            setup,
        ),
        EngineError::InvalidOneflowToken => (
            "Oneflow refused the API token",
            "Copy a valid token from the Oneflow account's API settings.".into(),
            setup,
        ),
        EngineError::SuperOffice(_) => (
            "SuperOffice did not complete the sign-in",
            "Try again; if you cancelled the sign-in, start it again and approve it.".into(),
            None,
        ),
        EngineError::Oneflow(_) => (
            "Oneflow could not be reached",
            "Try again in a moment.".into(),
            None,
        ),
        _ => (
            "Something went wrong",
            "Try again in a moment.".into(),
            None,
        ),
    };
    let reason = explain(error);
    let status = status_of(error);
    if status.is_server_error() {
        tracing::warn!(error = %error, "a sign-in could not complete");
    }
    render(
        status,
        &RefusalPage {
            title,
            reason,
            fix,
            again,
        },
    )
}
