//! "Oneflow Settings", for SuperOffice administrators only: `GET /superoffice/settings`,
//! `POST /superoffice/settings` (save), `POST /superoffice/settings/hide` (who sees the panel),
//! `POST /superoffice/settings/enable`, `POST /superoffice/settings/disable` and
//! `POST /superoffice/settings/remove` (typed confirmation).
//!
//! A user who is not a SuperOffice administrator (the `is_administrator` claim of their
//! sign-in) gets `403` and a page without any setting on it. Saving the settings also goes
//! through [`Integration::update_settings`](crate::Integration::update_settings), which asks
//! SuperOffice again with the user's own access token.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::form::{
    confirm_removal, hidden_groups, text_field, FieldErrors, SettingsForm, FORM_KEY,
};
use super::pages::{framable_message, render_framable};
use super::panel_page::plain_words;
use super::session::{verify_csrf, CsrfRejected, PanelSession, SignInRequired};
use super::views::{is_enabled, SettingsFacts, SettingsLinks, SettingsView, UnmatchedRow};
use super::{AppState, Framable};
use crate::engine::EngineError;

/// Where the settings page lives.
pub const SETTINGS_PATH: &str = "/superoffice/settings";

/// How many audit entries the page shows.
const DECISIONS_SHOWN: u32 = 50;

/// The settings routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(SETTINGS_PATH, get(show).post(save))
        .route("/superoffice/settings/hide", post(hide))
        .route("/superoffice/settings/enable", post(enable))
        .route("/superoffice/settings/disable", post(disable))
        .route("/superoffice/settings/remove", post(remove))
}

fn not_admin() -> Response {
    framable_message(
        StatusCode::FORBIDDEN,
        "Only for SuperOffice administrators",
        "Oneflow Settings can only be seen and changed by a SuperOffice administrator. Ask one of \
         your administrators, or use \"Switch account\" in the panel to sign in as one.",
    )
}

/// Why a settings request is refused before anything is read.
#[derive(Debug)]
enum Refused {
    /// No valid session: the sign-in page.
    SignIn(SignInRequired),
    /// Not a SuperOffice administrator: `403`.
    NotAdmin,
    /// The form's CSRF token is missing or wrong: `403`.
    Csrf(CsrfRejected),
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn(sign_in) => sign_in.into_response(),
            Self::NotAdmin => not_admin(),
            Self::Csrf(rejected) => rejected.into_response(),
        }
    }
}

/// The session of an administrator.
fn admin(session: Result<PanelSession, SignInRequired>) -> Result<PanelSession, Refused> {
    let session = session.map_err(Refused::SignIn)?;
    if session.is_administrator {
        Ok(session)
    } else {
        Err(Refused::NotAdmin)
    }
}

/// An administrator's session and a form body with a valid CSRF token.
fn admin_form(
    session: Result<PanelSession, SignInRequired>,
    body: &[u8],
) -> Result<PanelSession, Refused> {
    let session = admin(session)?;
    let token = text_field(body, "csrf").unwrap_or_default();
    verify_csrf(&session, &token).map_err(Refused::Csrf)?;
    Ok(session)
}

fn done(what: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        Framable,
        [(LOCATION, format!("{SETTINGS_PATH}?done={what}"))],
    )
        .into_response()
}

fn engine_status(error: &EngineError) -> StatusCode {
    match error {
        EngineError::NotSuperOfficeAdmin => StatusCode::FORBIDDEN,
        EngineError::NotConnected(_)
        | EngineError::UnknownInstallation(_)
        | EngineError::Uninstalled(_) => StatusCode::NOT_FOUND,
        e if e.is_transient() => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_GATEWAY,
    }
}

/// The settings page with `errors` (and a notice).
async fn render_settings(
    state: &AppState,
    session: &PanelSession,
    errors: FieldErrors,
    status: StatusCode,
    notice: Option<&str>,
) -> Response {
    let engine = &state.integration;
    let installation = session.installation;
    let settings = match engine.settings(installation).await {
        Ok(settings) => settings,
        Err(error) => {
            return framable_message(
                engine_status(&error),
                "Oneflow Settings",
                &plain_words(&error),
            )
        }
    };
    let enabled = match engine.store().installation(installation).await {
        Ok(found) => found.is_some_and(|i| is_enabled(i.state)),
        Err(error) => {
            return framable_message(
                StatusCode::SERVICE_UNAVAILABLE,
                "Oneflow Settings",
                &plain_words(&EngineError::Store(error)),
            )
        }
    };
    let unmatched = engine
        .unmatched_users(installation)
        .await
        .map(|rows| {
            rows.into_iter()
                .map(|u| UnmatchedRow {
                    name: u
                        .full_name
                        .or(u.user_name)
                        .unwrap_or_else(|| format!("Associate {}", u.associate_id.0)),
                    email: u.email.unwrap_or_default(),
                })
                .collect()
        })
        .map_err(|e| plain_words(&e));
    let facts = SettingsFacts {
        tenant: session.tenant.clone(),
        enabled,
        reasons: engine.sale_reasons(installation).await.ok(),
        groups: engine
            .panel_groups(installation)
            .await
            .map_err(|e| plain_words(&e)),
        unmatched,
        decisions: engine
            .recent_decisions(installation, DECISIONS_SHOWN)
            .await
            .unwrap_or_default(),
        parked: engine.parked_jobs(installation).await.unwrap_or_default(),
    };
    let mut view = SettingsView::new(
        session.csrf_token(),
        session.email.clone(),
        &settings,
        facts,
        errors,
        SettingsLinks::default(),
    );
    if let Some(notice) = notice {
        view = view.with_notice(notice);
    }
    render_framable(status, &view)
}

#[derive(Debug, Default, Deserialize)]
struct ShowQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    session: Result<PanelSession, SignInRequired>,
    Query(query): Query<ShowQuery>,
) -> Response {
    let session = match admin(session) {
        Ok(session) => session,
        Err(refused) => return refused.into_response(),
    };
    let notice = match query.done.as_deref() {
        Some("saved") => Some("The settings were saved."),
        Some("hidden") => Some("Who sees the panel was saved."),
        Some("enabled") => Some("The integration is enabled."),
        Some("disabled") => Some("The integration is disabled: webhooks no longer change Sales."),
        _ => None,
    };
    render_settings(&state, &session, FieldErrors::new(), StatusCode::OK, notice).await
}

/// Renders an engine failure on the settings page (or `403` when SuperOffice says the user
/// is no administrator after all).
async fn failed(state: &AppState, session: &PanelSession, error: EngineError) -> Response {
    if matches!(error, EngineError::NotSuperOfficeAdmin) {
        return not_admin();
    }
    let mut errors = FieldErrors::new();
    errors.add(FORM_KEY, plain_words(&error));
    render_settings(state, session, errors, engine_status(&error), None).await
}

async fn save(
    State(state): State<AppState>,
    session: Result<PanelSession, SignInRequired>,
    body: Bytes,
) -> Response {
    let session = match admin_form(session, &body) {
        Ok(session) => session,
        Err(refused) => return refused.into_response(),
    };
    let engine = &state.integration;
    let current = match engine.settings(session.installation).await {
        Ok(current) => current,
        Err(error) => return failed(&state, &session, error).await,
    };
    let settings = match SettingsForm::from_urlencoded(&body).apply_to(&current) {
        Ok(settings) => settings,
        Err(errors) => {
            return render_settings(
                &state,
                &session,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            )
            .await
        }
    };
    match engine
        .update_settings(session.installation, &session.access_token, settings)
        .await
    {
        Ok(_) => done("saved"),
        Err(error) => failed(&state, &session, error).await,
    }
}

async fn hide(
    State(state): State<AppState>,
    session: Result<PanelSession, SignInRequired>,
    body: Bytes,
) -> Response {
    let session = match admin_form(session, &body) {
        Ok(session) => session,
        Err(refused) => return refused.into_response(),
    };
    let groups = match hidden_groups(&body) {
        Ok(groups) => groups,
        Err(errors) => {
            return render_settings(
                &state,
                &session,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            )
            .await
        }
    };
    match state
        .integration
        .set_hidden_panel_groups(session.installation, &groups)
        .await
    {
        Ok(()) => done("hidden"),
        Err(error) => failed(&state, &session, error).await,
    }
}

async fn enable(
    State(state): State<AppState>,
    session: Result<PanelSession, SignInRequired>,
    body: Bytes,
) -> Response {
    let session = match admin_form(session, &body) {
        Ok(session) => session,
        Err(refused) => return refused.into_response(),
    };
    match state.integration.enable(session.installation).await {
        Ok(_) => done("enabled"),
        Err(error) => failed(&state, &session, error).await,
    }
}

async fn disable(
    State(state): State<AppState>,
    session: Result<PanelSession, SignInRequired>,
    body: Bytes,
) -> Response {
    let session = match admin_form(session, &body) {
        Ok(session) => session,
        Err(refused) => return refused.into_response(),
    };
    match state.integration.disable(session.installation).await {
        Ok(_) => done("disabled"),
        Err(error) => failed(&state, &session, error).await,
    }
}

async fn remove(
    State(state): State<AppState>,
    session: Result<PanelSession, SignInRequired>,
    body: Bytes,
) -> Response {
    let session = match admin_form(session, &body) {
        Ok(session) => session,
        Err(refused) => return refused.into_response(),
    };
    if let Err(errors) = confirm_removal(&body, &session.tenant) {
        return render_settings(
            &state,
            &session,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        )
        .await;
    }
    match state.integration.uninstall(session.installation).await {
        Ok(()) => framable_message(
            StatusCode::OK,
            "The integration was removed",
            "The \"Oneflow Contract\" panel and both webhooks are gone, the SuperOffice sign-in \
             was revoked and every secret forgotten. Contracts stay in Oneflow and Sales stay as \
             they are. Reload SuperOffice to see the panel disappear.",
        ),
        Err(error) => failed(&state, &session, error).await,
    }
}
