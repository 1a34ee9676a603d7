//! The host service's transport (feature `server`): an [`axum::Router`] over an
//! [`Integration`].
//!
//! [`router`] serves:
//!
//! | Route | What |
//! |---|---|
//! | `POST /webhooks/oneflow/{installation}` | a Oneflow delivery, raw body to [`Integration::ingest_oneflow_webhook`] |
//! | `POST /webhooks/superoffice/{installation}` | a SuperOffice delivery with its `X-SuperOffice-Signature` to [`Integration::ingest_superoffice_webhook`] |
//! | `GET /healthz` | the process answers |
//! | `GET /readyz` | the store answers ([`Store::ping`](crate::store::Store::ping)) |
//! | `GET /setup`, `POST /setup` | admin setup: the Oneflow API token (or a registered installation) and the admin's e-mail → [`Integration::register_oneflow_account`], [`Integration::begin_setup`], `303` to SuperOffice |
//! | `GET /superoffice/callback` | the OAuth redirect URI for both setup and the panel's sign-in ([`Integration::complete_sign_in`]): the setup report with the flush URL, a page saying what to fix, or the pop-up's hand-off page |
//! | `GET /superoffice/panel?sale=…&ctx=…&user=…` | the "Oneflow Contract" panel (the parameters are hints): the Sale's contracts with their state and an "Open in Oneflow" link, the create form; without a valid session the sign-in page (`401`), with another tenant's session `403` |
//! | `POST /superoffice/panel/preview` | the create form (multipart with files, or url-encoded) checked by the engine ([`Integration::preview_contract`]): the form again with the checked draft, or with its problems per field (`422`) |
//! | `POST /superoffice/panel/contracts` | creates the contract ([`Integration::create_contract_from_sale`]; the form's request key makes a double submit create one): `303` back to the panel with a notice, or the form with its problems (`422`) |
//! | `GET /superoffice/settings`, `POST /superoffice/settings` | "Oneflow Settings" for SuperOffice administrators (others get `403`): stage mapping, multi-contract rule, won/lost reasons, signed-PDF archiving, the unmatched-users report, recent decisions and parked jobs; saving goes through [`Integration::update_settings`] |
//! | `POST /superoffice/settings/hide`, `…/enable`, `…/disable`, `…/remove` | who sees the panel, enable/disable, and "Remove integration" (the tenant id typed as confirmation) |
//! | `GET /superoffice/panel/sign-in?ctx=Cust…[&switch=1]` | in the pop-up: `303` to SuperOffice's tenant-specific sign-in ([`Integration::begin_panel_sign_in`]) |
//! | `POST /superoffice/panel/session` | the frame trades the pop-up's one-time `code` for its session cookie (`204`) |
//! | `GET /static/panel.js`, `/static/handoff.js`, `/static/style.css`, `/static/pages.css` | the pages' script and style (no inline script) |
//!
//! Webhooks answer exactly `200` with an empty body once the delivery is recorded (also for
//! a duplicate, SuperOffice's test ping and a disabled installation), `401` with a short plain
//! body for a bad signature (never the expected one), `404` for an unknown, uninstalled or
//! unconnected installation, `413` above the body limit and `503` when the store fails (so
//! the vendor retries).
//!
//! Every response carries `Content-Security-Policy` (`default-src 'self'`, no inline script,
//! `frame-ancestors 'none'` unless the handler marked the response [`Framable`], in which case
//! the [`ServerConfig::frame_ancestors`] — the SuperOffice hosts), `X-Content-Type-Options:
//! nosniff`, `Referrer-Policy: no-referrer`, `Cache-Control: no-store` (unless the handler
//! set one) and, on responses that must not be framed, `X-Frame-Options: DENY`.
//!
//! # Panel sessions
//!
//! The panel is framed cross-site by SuperOffice, and SuperOffice's sign-in page cannot be
//! framed, so the sign-in runs in a pop-up opened by `/static/panel.js`. The callback page in
//! the pop-up holds a one-time code (random; only its SHA-256 is stored, with the sealed
//! session, for 2 minutes — [`Store::put_handoff`](crate::store::Store::put_handoff)) and
//! hands it to the frame with `window.opener.postMessage({type, code}, <our origin>)`; the
//! frame checks `event.origin` and POSTs the code to `/superoffice/panel/session`, which takes
//! it (single use) and sets the session cookie [`SESSION_COOKIE`]: `HttpOnly; Secure;
//! SameSite=None; Partitioned; Path=/`. The cookie holds the whole [`PanelSession`]
//! encrypted and authenticated (ChaCha20-Poly1305 under a key derived from the host's cookie
//! key), so replicas need no shared session state. A partitioned cookie works with
//! third-party cookies blocked.
//!
//! Forms carry [`PanelSession::csrf_token`] and are checked with [`verify_csrf`]; the setup
//! form (no session yet) uses a signed double-submit token bound to a short-lived
//! pre-session cookie.
//!
//! # Tracing
//!
//! Each request runs in a span `integration_core.request` (INFO) with `method`,
//! `path_template` (the route, e.g. `/webhooks/oneflow/{installation}`, never the concrete
//! path or the query string, which carry codes and state), `status` and `elapsed_ms`.
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use integration_core::server::{router, ServerConfig};
//! use integration_core::Integration;
//!
//! # async fn run(integration: Integration) -> Result<(), Box<dyn std::error::Error>> {
//! // The key comes from the host's secret manager (32 random bytes).
//! let config = ServerConfig::builder([7; 32])
//!     .frame_ancestor("https://sod.superoffice.com")
//!     .build()?;
//! let app = router(Arc::new(integration), config);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! # Adding pages (for the modules of this crate)
//!
//! Page modules live next to this one and add their routes in [`router`] with
//! `.merge(module::routes())`, where `routes()` returns `Router<AppState>`. Handlers take
//! `State<AppState>` (the engine, the configuration with the derived keys) and
//! [`PanelSession`] (the extractor answers `401` with the sign-in page by itself); they check
//! the frame's hints with [`PanelSession::check_tenant`] / [`PanelSession::check_installation`],
//! every POST form with [`verify_csrf`], mark responses that SuperOffice may frame with
//! [`Framable`] (e.g. `(Framable, Html(body))`, or `pages::render_framable`), and leave the
//! security headers and the request span to the layers added here. `GET /superoffice/panel`
//! is the panel page's (`panel_page`), `/superoffice/settings…` the settings page's.
//! Templates live in `integration-core/templates/` (askama, extending `base.html`), static
//! files in `integration-core/static/`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{
    HeaderValue, CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};
use axum::routing::get;
use axum::Router;
use tracing::Instrument;

use crate::Integration;

mod config;
pub mod form;
mod pages;
mod panel;
mod panel_page;
mod session;
mod settings;
mod setup;
pub mod views;
mod webhooks;

#[cfg(test)]
mod pages_tests;

pub use config::{
    ServerConfig, ServerConfigBuilder, ServerConfigError, DEFAULT_BODY_LIMIT,
    DEFAULT_FRAME_ANCESTORS, DEFAULT_SESSION_LIFETIME,
};
pub use panel_page::{CREATE_PATH, PANEL_PATH, PREVIEW_PATH};
pub use session::{
    verify_csrf, CsrfRejected, ForeignSession, PanelSession, SignInRequired, SESSION_COOKIE,
    SESSION_COOKIE_INSECURE,
};
pub use settings::SETTINGS_PATH;

/// What every handler of the service shares.
#[derive(Clone, Debug)]
pub(crate) struct AppState {
    /// The engine.
    pub(crate) integration: Arc<Integration>,
    /// The configuration (frame ancestors, cookies, limits).
    pub(crate) config: Arc<ServerConfig>,
    /// The `frame-ancestors` source list of framable responses, built once.
    frame_ancestors: Arc<str>,
}

/// The service's routes over `integration` (see the [module documentation](self)).
pub fn router(integration: Arc<Integration>, config: ServerConfig) -> Router {
    let state = AppState {
        frame_ancestors: config.frame_ancestors().join(" ").into(),
        integration,
        config: Arc::new(config),
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(webhooks::routes(&state))
        .merge(setup::routes())
        .merge(panel::routes())
        .merge(panel_page::routes())
        .merge(settings::routes())
        .merge(pages::static_routes())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(middleware::from_fn(trace_requests))
        .with_state(state)
}

/// Marks a response that SuperOffice may show in its frame (the panel): its
/// `Content-Security-Policy` names the configured frame ancestors instead of `'none'`, and it
/// has no `X-Frame-Options`. Use it as a response part: `(Framable, Html(body))`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Framable;

impl IntoResponseParts for Framable {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        res.extensions_mut().insert(self);
        Ok(res)
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.integration.store().ping().await {
        Ok(()) => "ready\n".into_response(),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check: the store does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "store unreachable\n").into_response()
        }
    }
}

async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let framable = response.extensions().get::<Framable>().is_some();
    let ancestors: &str = if framable {
        &state.frame_ancestors
    } else {
        "'none'"
    };
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         object-src 'none'; base-uri 'none'; frame-ancestors {ancestors}"
    );
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if framable {
        headers.remove(X_FRAME_OPTIONS);
    } else {
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

async fn trace_requests(request: Request, next: Next) -> Response {
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let span = tracing::info_span!(
        "integration_core.request",
        method = %request.method(),
        path_template = %template,
        status = tracing::field::Empty,
        elapsed_ms = tracing::field::Empty,
    );
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    span.record("status", response.status().as_u16());
    span.record("elapsed_ms", elapsed_ms);
    let _entered = span.enter();
    tracing::debug!("request answered");
    response
}
