//! Server-rendered pages (askama templates in `integration-core/templates/`) and the static
//! files they use (`integration-core/static/`, compiled in).

use askama::Template;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::{AppState, Framable};

/// Renders `page` with `status`; a template failure is a plain `500`.
pub(crate) fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(error = %error, "a page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered\n",
            )
                .into_response()
        }
    }
}

/// Renders `page` for SuperOffice's frame (see [`Framable`]).
pub(crate) fn render_framable<T: Template>(status: StatusCode, page: &T) -> Response {
    (Framable, render(status, page)).into_response()
}

/// A page with a title and one sentence.
#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage<'a> {
    pub(crate) title: &'a str,
    pub(crate) text: &'a str,
}

/// A message page that must not be framed.
pub(crate) fn message(status: StatusCode, title: &str, text: &str) -> Response {
    render(status, &MessagePage { title, text })
}

/// A message page shown in the panel's frame.
pub(crate) fn framable_message(status: StatusCode, title: &str, text: &str) -> Response {
    render_framable(status, &MessagePage { title, text })
}

/// The panel without a session: a button that opens the SuperOffice sign-in in a pop-up.
#[derive(Template)]
#[template(path = "sign_in.html")]
pub(crate) struct SignInPage {
    pub(crate) href: Option<String>,
    pub(crate) switch_href: String,
    pub(crate) error: Option<String>,
}

impl SignInPage {
    /// The sign-in page for the frame's tenant hint (`ctx`); without one there is nothing to
    /// sign in to.
    pub(crate) fn new(tenant_hint: Option<&str>, error: Option<String>) -> Self {
        let href = tenant_hint.map(sign_in_href);
        let switch_href = href
            .as_deref()
            .map(|h| format!("{h}&switch=1"))
            .unwrap_or_default();
        Self {
            href,
            switch_href,
            error,
        }
    }
}

/// Where the panel's sign-in starts for a tenant.
pub(crate) fn sign_in_href(tenant: &str) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("ctx", tenant.trim())
        .finish();
    format!("/superoffice/panel/sign-in?{query}")
}

const PANEL_JS: &str = include_str!("../../static/panel.js");
const HANDOFF_JS: &str = include_str!("../../static/handoff.js");
const STYLE_CSS: &str = include_str!("../../static/style.css");

/// `GET /static/panel.js`, `/static/handoff.js` and `/static/style.css`.
pub(crate) fn static_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/static/panel.js",
            get(|| async { asset("text/javascript", PANEL_JS) }),
        )
        .route(
            "/static/handoff.js",
            get(|| async { asset("text/javascript", HANDOFF_JS) }),
        )
        .route(
            "/static/style.css",
            get(|| async { asset("text/css", STYLE_CSS) }),
        )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}
