//! `POST /webhooks/oneflow/{installation}` and `POST /webhooks/superoffice/{installation}`.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

use super::AppState;
use crate::engine::{Ack, EngineError};
use crate::store::InstallationId;

pub(super) fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/webhooks/oneflow/{installation}", post(oneflow))
        .route("/webhooks/superoffice/{installation}", post(superoffice))
        .layer(DefaultBodyLimit::max(state.config.body_limit()))
}

async fn oneflow(
    State(state): State<AppState>,
    Path(installation): Path<String>,
    body: Bytes,
) -> Response {
    let Some(installation) = parse_installation(&installation) else {
        return unknown_installation();
    };
    answer(
        state
            .integration
            .ingest_oneflow_webhook(installation, &body)
            .await,
    )
}

async fn superoffice(
    State(state): State<AppState>,
    Path(installation): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(installation) = parse_installation(&installation) else {
        return unknown_installation();
    };
    // A missing or unreadable header verifies as a bad signature.
    let signature = headers
        .get(superoffice_client::webhook::SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    answer(
        state
            .integration
            .ingest_superoffice_webhook(installation, &body, signature)
            .await,
    )
}

fn parse_installation(raw: &str) -> Option<InstallationId> {
    raw.parse::<i64>().ok().map(InstallationId::new)
}

fn unknown_installation() -> Response {
    (StatusCode::NOT_FOUND, "unknown installation\n").into_response()
}

/// Maps the engine's answer onto what the vendors expect.
fn answer(result: Result<Ack, EngineError>) -> Response {
    let error = match result {
        // Exactly 200 with an empty body: recorded (or nothing new to record).
        Ok(_) => return StatusCode::OK.into_response(),
        Err(error) => error,
    };
    let (status, body) = match &error {
        EngineError::BadSignature { .. } => {
            (StatusCode::UNAUTHORIZED, "webhook signature rejected\n")
        }
        EngineError::UnknownInstallation(_) | EngineError::Uninstalled(_) => {
            (StatusCode::NOT_FOUND, "unknown installation\n")
        }
        EngineError::NotConnected(_) => (StatusCode::NOT_FOUND, "installation not set up\n"),
        EngineError::InvalidInput(_) => (StatusCode::BAD_REQUEST, "unreadable delivery\n"),
        error if error.is_transient() => (
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily unavailable; deliver again later\n",
        ),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n"),
    };
    if status.is_server_error() {
        tracing::warn!(status = status.as_u16(), error = %error, "webhook delivery not recorded");
    } else {
        tracing::info!(status = status.as_u16(), error = %error, "webhook delivery refused");
    }
    (status, body).into_response()
}
