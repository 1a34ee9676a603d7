//! The "Oneflow Contract" panel page: `GET /superoffice/panel` (with a session),
//! `POST /superoffice/panel/preview` and `POST /superoffice/panel/contracts`.
//!
//! Identity comes from the [`PanelSession`] only: the frame's `sale`, `ctx` and `user`
//! parameters are hints (a `ctx` naming another tenant than the session's is refused with
//! `403`). Every form carries the session's CSRF token.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Query, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::form::{FieldErrors, FormError, PanelForm, FORM_KEY, MAX_FORM_BODY_BYTES};
use super::pages::{framable_message, render_framable, sign_in_href};
use super::session::{verify_csrf, PanelSession, SignInRequired};
use super::views::{PanelLinks, PanelView, PreviewView, PAGES_CSS};
use super::{AppState, Framable};
use crate::engine::EngineError;

/// Where the panel page lives.
pub const PANEL_PATH: &str = "/superoffice/panel";
/// Where the preview is posted.
pub const PREVIEW_PATH: &str = "/superoffice/panel/preview";
/// Where a contract is created.
pub const CREATE_PATH: &str = "/superoffice/panel/contracts";

/// The panel page's routes (and the pages' stylesheet).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PANEL_PATH, get(panel))
        .route(
            PREVIEW_PATH,
            post(preview).layer(DefaultBodyLimit::max(MAX_FORM_BODY_BYTES)),
        )
        .route(
            CREATE_PATH,
            post(create).layer(DefaultBodyLimit::max(MAX_FORM_BODY_BYTES)),
        )
        .route("/static/pages.css", get(stylesheet))
}

async fn stylesheet() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css"),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        PAGES_CSS,
    )
        .into_response()
}

/// The frame's URL parameters: hints, never identity.
#[derive(Debug, Default, Deserialize)]
struct PanelQuery {
    #[serde(default)]
    sale: Option<String>,
    #[serde(default)]
    ctx: Option<String>,
    /// Set by the redirect after creating: the contract to name in the notice.
    #[serde(default)]
    created: Option<i64>,
}

fn links(session: &PanelSession) -> PanelLinks {
    PanelLinks {
        preview_action: PREVIEW_PATH.into(),
        create_action: CREATE_PATH.into(),
        switch_account_url: format!("{}&switch=1", sign_in_href(&session.tenant)),
        settings_url: session
            .is_administrator
            .then(|| super::settings::SETTINGS_PATH.to_owned()),
    }
}

/// An engine failure in words a seller can act on.
pub(super) fn plain_words(error: &EngineError) -> String {
    match error {
        EngineError::NotConnected(_) | EngineError::UnknownInstallation(_) => {
            "The Oneflow integration is not set up for this SuperOffice tenant; ask a SuperOffice \
             administrator to finish setup."
                .into()
        }
        EngineError::Uninstalled(_) => {
            "The Oneflow integration was removed from this SuperOffice tenant.".into()
        }
        EngineError::InvalidInput(text) => {
            let mut text = text.clone();
            if let Some(first) = text.get(..1) {
                let upper = first.to_uppercase();
                text.replace_range(..1, &upper);
            }
            format!("{text}.")
        }
        EngineError::Oneflow(e) if e.is_not_found() => {
            "Oneflow does not know the template or workspace any more; reload the panel.".into()
        }
        EngineError::SuperOffice(e) if e.is_not_found() => {
            "SuperOffice does not know this Sale (it may have been deleted); reload the Sale."
                .into()
        }
        EngineError::Oneflow(_) => {
            "Oneflow could not be reached or refused the request; try again in a moment.".into()
        }
        EngineError::SuperOffice(_) => {
            "SuperOffice could not be reached or refused the request; try again in a moment.".into()
        }
        EngineError::BudgetExhausted { retry_after, .. } => format!(
            "Too many requests right now; try again in {} seconds.",
            retry_after.as_secs().max(1)
        ),
        other => format!("{other}."),
    }
}

fn status_of(error: &EngineError) -> StatusCode {
    match error {
        EngineError::InvalidChoices(_) | EngineError::InvalidInput(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        EngineError::NotConnected(_)
        | EngineError::UnknownInstallation(_)
        | EngineError::Uninstalled(_) => StatusCode::NOT_FOUND,
        EngineError::SuperOffice(e) if e.is_not_found() => StatusCode::NOT_FOUND,
        e if e.is_transient() => StatusCode::SERVICE_UNAVAILABLE,
        EngineError::Oneflow(_) | EngineError::SuperOffice(_) => StatusCode::BAD_GATEWAY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Refuses a Sale the session's user cannot see in SuperOffice (`403`; the frame's `sale`
/// is a hint), or says why it could not be checked.
async fn check_sale(
    state: &AppState,
    session: &PanelSession,
    sale_id: i64,
) -> Result<(), Response> {
    match state
        .integration
        .sale_visible_to(session.installation, &session.access_token, sale_id)
        .await
    {
        Ok(true) => Ok(()),
        Ok(false) => Err(framable_message(
            StatusCode::FORBIDDEN,
            "Oneflow Contract",
            "You cannot see this Sale in SuperOffice (or it does not exist); open the panel              from a Sale you can see.",
        )),
        Err(error) => Err(framable_message(
            status_of(&error),
            "Oneflow Contract",
            &plain_words(&error),
        )),
    }
}

/// Renders the panel for `sale_id` with `form` and `errors` (a first rendering passes no
/// form). Engine failures reading the Sale become a message page.
async fn render_panel(
    state: &AppState,
    session: &PanelSession,
    sale_id: i64,
    form: Option<&PanelForm>,
    errors: FieldErrors,
    status: StatusCode,
    finish: impl FnOnce(PanelView) -> PanelView,
) -> Response {
    let engine = &state.integration;
    let installation = session.installation;
    let sale = match engine.panel_sale(installation, sale_id).await {
        Ok(sale) => sale,
        Err(error) => {
            return framable_message(status_of(&error), "Oneflow Contract", &plain_words(&error))
        }
    };
    let contracts = engine.linked_contracts(installation, sale_id).await;
    let contracts = contracts.as_deref().map_err(plain_words);
    let mut errors = errors;
    let templates = match engine.templates_for(installation, &session.email).await {
        Ok(templates) => templates,
        Err(error) => {
            errors.add("template", plain_words(&error));
            Vec::new()
        }
    };
    let view = PanelView::new(
        session.csrf_token(),
        session.email.clone(),
        &sale,
        contracts,
        &templates,
        form,
        errors,
        links(session),
    );
    render_framable(status, &finish(view))
}

async fn panel(
    State(state): State<AppState>,
    session: Result<PanelSession, SignInRequired>,
    Query(query): Query<PanelQuery>,
) -> Response {
    let session = match session {
        Ok(session) => session,
        Err(sign_in) => return sign_in.into_response(),
    };
    if let Some(ctx) = query.ctx.as_deref().filter(|c| !c.trim().is_empty()) {
        if let Err(foreign) = session.check_tenant(ctx) {
            return foreign.into_response();
        }
    }
    let Some(sale_id) = query
        .sale
        .as_deref()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|id| *id > 0)
    else {
        return framable_message(
            StatusCode::BAD_REQUEST,
            "Oneflow Contract",
            "Open this panel from a Sale in SuperOffice: the Sale is missing.",
        );
    };
    if let Err(refused) = check_sale(&state, &session, sale_id).await {
        return refused;
    }
    render_panel(
        &state,
        &session,
        sale_id,
        None,
        FieldErrors::new(),
        StatusCode::OK,
        |view| match query.created {
            Some(id) => view.with_notice(format!(
                "Contract {id} was created; it is listed below with its state."
            )),
            None => view,
        },
    )
    .await
}

/// Reads the posted form: multipart (files) or url-encoded.
async fn read_form(state: &AppState, request: Request) -> Result<PanelForm, Response> {
    let multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("multipart/form-data"));
    let refused = |error: FormError| {
        let status = match error {
            FormError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        };
        framable_message(status, "Oneflow Contract", &error.to_string())
    };
    if multipart {
        let multipart = Multipart::from_request(request, state)
            .await
            .map_err(|e| refused(FormError::Malformed(e.body_text())))?;
        PanelForm::from_multipart(multipart).await.map_err(refused)
    } else {
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|e| refused(FormError::Malformed(e.body_text())))?;
        Ok(PanelForm::from_urlencoded(&body))
    }
}

/// The session, the form and its CSRF check, shared by preview and create.
async fn accept(
    state: &AppState,
    session: Result<PanelSession, SignInRequired>,
    request: Request,
) -> Result<(PanelSession, PanelForm, i64), Response> {
    let session = session.map_err(IntoResponse::into_response)?;
    let form = read_form(state, request).await?;
    verify_csrf(&session, &form.csrf).map_err(IntoResponse::into_response)?;
    let sale_id = form.sale_id.ok_or_else(|| {
        framable_message(
            StatusCode::BAD_REQUEST,
            "Oneflow Contract",
            "Open this panel from a Sale in SuperOffice: the Sale is missing.",
        )
    })?;
    check_sale(state, &session, sale_id).await?;
    Ok((session, form, sale_id))
}

async fn preview(
    State(state): State<AppState>,
    session: Result<PanelSession, SignInRequired>,
    request: Request,
) -> Response {
    let (session, form, sale_id) = match accept(&state, session, request).await {
        Ok(accepted) => accepted,
        Err(response) => return response,
    };
    let choices = match form.to_choices() {
        Ok((choices, _)) => choices,
        Err(errors) => {
            return render_panel(
                &state,
                &session,
                sale_id,
                Some(&form),
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                |v| v,
            )
            .await
        }
    };
    match state
        .integration
        .preview_contract(session.installation, &session.email, sale_id, &choices)
        .await
    {
        Ok(plan) => {
            let preview = PreviewView::new(&plan, &form);
            render_panel(
                &state,
                &session,
                sale_id,
                Some(&form),
                FieldErrors::new(),
                StatusCode::OK,
                |view| view.with_preview(preview, &form),
            )
            .await
        }
        Err(error) => form_error(&state, &session, sale_id, &form, error).await,
    }
}

/// The form again with the engine's problems on their fields.
async fn form_error(
    state: &AppState,
    session: &PanelSession,
    sale_id: i64,
    form: &PanelForm,
    error: EngineError,
) -> Response {
    let status = status_of(&error);
    let errors = match &error {
        EngineError::InvalidChoices(invalid) => form.errors_for(invalid),
        other => {
            let mut errors = FieldErrors::new();
            errors.add(FORM_KEY, plain_words(other));
            errors
        }
    };
    render_panel(state, session, sale_id, Some(form), errors, status, |v| v).await
}

async fn create(
    State(state): State<AppState>,
    session: Result<PanelSession, SignInRequired>,
    request: Request,
) -> Response {
    let (session, form, sale_id) = match accept(&state, session, request).await {
        Ok(accepted) => accepted,
        Err(response) => return response,
    };
    let (choices, contents) = match form.to_choices() {
        Ok(choices) => choices,
        Err(errors) => {
            return render_panel(
                &state,
                &session,
                sale_id,
                Some(&form),
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                |v| v,
            )
            .await
        }
    };
    match state
        .integration
        .create_contract_from_sale(
            session.installation,
            &session.email,
            sale_id,
            &choices,
            contents,
        )
        .await
    {
        Ok(created) => {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("sale", &sale_id.to_string())
                .append_pair("ctx", &session.tenant)
                .append_pair("created", &created.contract_id.to_string())
                .finish();
            (
                StatusCode::SEE_OTHER,
                Framable,
                [(LOCATION, format!("{PANEL_PATH}?{query}"))],
            )
                .into_response()
        }
        Err(error) => form_error(&state, &session, sale_id, &form, error).await,
    }
}
