//! The HTTP front: listeners, top-level routing, fault injection and the request log.

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::watch;

use super::state::SharedRef;
use super::{AuthKind, Fault, RequestRecord};

/// A request as the handlers see it.
pub(crate) struct Req {
    pub(crate) method: Method,
    /// Percent-decoded path segments (original case).
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(String, String)>,
    /// The query string as sent (the Sale screen's `sale.main?sale_id=…` is not name=value).
    pub(crate) raw_query: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// Listener index (0 = host A, 1 = host B, 2 = auth host, 3 = web UI).
    pub(crate) host: usize,
}

impl Req {
    /// First query value for `name` (case-insensitive name).
    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn has_query(&self, name: &str) -> bool {
        self.query.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The media type of `Content-Type`, lower-cased, without parameters.
    pub(crate) fn content_type(&self) -> String {
        self.header("content-type")
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }

    /// Lower-cased segment `i`.
    pub(crate) fn seg(&self, i: usize) -> Option<String> {
        self.segments.get(i).map(|s| s.to_ascii_lowercase())
    }
}

pub(crate) fn spawn(
    shared: SharedRef,
    listener: tokio::net::TcpListener,
    host: usize,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let app = Router::new().fallback(handle).with_state((shared, host));
    tokio::spawn(async move {
        let signal = async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        };
        if let Err(error) = axum::serve(listener, app)
            .with_graceful_shutdown(signal)
            .await
        {
            tracing::warn!(%error, "superoffice sandbox listener stopped");
        }
    })
}

fn auth_kind(headers: &HeaderMap) -> AuthKind {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return AuthKind::None;
    };
    let scheme = value.split_whitespace().next().unwrap_or("");
    if scheme.eq_ignore_ascii_case("bearer") {
        AuthKind::Bearer
    } else if scheme.eq_ignore_ascii_case("soticket") {
        AuthKind::SoTicket
    } else if scheme.eq_ignore_ascii_case("basic") {
        AuthKind::Basic
    } else {
        AuthKind::Other
    }
}

/// The request log keeps at most this many entries (the oldest tenth is dropped when full).
pub(crate) const MAX_LOGGED_REQUESTS: usize = 10_000;

const SECRET_QUERY_PARAMS: &[&str] = &[
    "code",
    "client_secret",
    "refresh_token",
    "code_verifier",
    "access_token",
    "id_token",
];

fn redacted_query(raw: Option<&str>) -> Option<String> {
    let raw = raw?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).unwrap_or_default();
    let redacted: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, v)| {
            if SECRET_QUERY_PARAMS
                .iter()
                .any(|s| k.eq_ignore_ascii_case(s))
            {
                (k, "[redacted]".to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    Some(serde_urlencoded::to_string(redacted).unwrap_or_default())
}

async fn handle(State((shared, host)): State<(SharedRef, usize)>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, 16 * 1024 * 1024).await.unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().map(str::to_owned);
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let query: Vec<(String, String)> = raw_query
        .as_deref()
        .map(|q| serde_urlencoded::from_str(q).unwrap_or_default())
        .unwrap_or_default();
    let auth = auth_kind(&parts.headers);
    let req = Req {
        method: parts.method.clone(),
        segments,
        query,
        raw_query: raw_query.clone(),
        headers: parts.headers,
        body,
        host,
    };

    if host < super::state::AUTH_HOST {
        let latency = *shared
            .latency
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }
    let fault = {
        let mut world = shared.lock();
        let method = req.method.as_str();
        world
            .faults
            .iter()
            .position(|(scope, _)| scope.matches(method, &path))
            .and_then(|index| world.faults.remove(index))
            .map(|(_, fault)| fault)
    };
    let faulted = fault.is_some();
    let drop_connection = fault == Some(Fault::DropAfterCommit);
    let response = match fault {
        Some(Fault::DropAfterCommit) | None => route(&shared, &req).await,
        Some(fault) => serve_fault(fault).await,
    };
    let status = response.status().as_u16();
    tracing::debug!(method = %req.method, status, host, "superoffice sandbox request");
    let mut world = shared.lock();
    if world.requests.len() >= shared.log_capacity {
        world.requests.drain(..shared.log_capacity / 10);
    }
    world.requests.push(RequestRecord {
        method: req.method.to_string(),
        path,
        query: redacted_query(raw_query.as_deref()),
        status,
        auth,
        host,
        faulted,
    });
    drop(world);
    if drop_connection {
        // `Fault::DropAfterCommit`: the change is committed and logged; end this connection's
        // task without writing the answer. `resume_unwind` skips the panic hook (nothing is
        // printed); the connection's task ends and its socket is closed, so the client sees
        // the connection close before a response.
        std::panic::resume_unwind(Box::new(DroppedConnection));
    }
    response
}

/// The unwind payload that ends a connection for [`Fault::DropAfterCommit`].
#[derive(Debug)]
struct DroppedConnection;

async fn serve_fault(fault: Fault) -> Response {
    match fault {
        // Served by `handle` (the request is routed, then the connection dropped).
        Fault::DropAfterCommit => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Fault::InternalServerError => so_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SoServerException",
            "An unexpected error occurred (injected by the sandbox)",
        ),
        Fault::BadGatewayHtml => html(
            StatusCode::BAD_GATEWAY,
            "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        ),
        Fault::ServiceUnavailableHtml => html(
            StatusCode::SERVICE_UNAVAILABLE,
            "<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>",
        ),
        Fault::Timeout(hold) => {
            tokio::time::sleep(hold).await;
            html(
                StatusCode::GATEWAY_TIMEOUT,
                "<html><body><h1>504 Gateway Time-out</h1></body></html>",
            )
        }
        Fault::RateLimited { retry_after } => {
            let mut response = so_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Too many requests, try again later",
            );
            let value = retry_after.and_then(|after| HeaderValue::from_str(&after.as_secs().to_string()).ok());
            if let Some(v) = value {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
    }
}

async fn route(shared: &SharedRef, req: &Req) -> Response {
    let s0 = req.seg(0).unwrap_or_default();
    let s1 = req.seg(1).unwrap_or_default();
    let auth_host = req.host == super::state::AUTH_HOST;
    if req.host == super::state::UI_HOST {
        return super::ui::route(shared, req);
    }
    match (s0.as_str(), s1.as_str()) {
        // The authentication host serves no tenant (REST, default.aspx).
        (cust, _) if auth_host && cust.starts_with("cust") => not_found_html(),
        ("login", ".well-known") => super::oidc::well_known(shared, req),
        ("login", "api") => super::oidc::system_user(shared, req),
        ("login", _) => super::oidc::oauth(shared, req),
        ("api", "state") => super::tenant_state::state(shared, req),
        (cust, _) if cust.starts_with("cust") => match s1.as_str() {
            "api" => super::rest::handle(shared, req).await,
            "default.aspx" => super::tenant_state::flush(shared, req),
            _ => not_found_html(),
        },
        _ => not_found_html(),
    }
}

/// A SuperOffice REST error body.
pub(crate) fn so_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    json_response(
        status,
        &json!({
            "Error": true,
            "ErrorType": error_type,
            "ErrorMessage": message,
            "ErrorSource": "SuperOffice.Services.Implementation",
        }),
    )
}

pub(crate) fn json_response(status: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

pub(crate) fn ok_json(value: &Value) -> Response {
    json_response(StatusCode::OK, value)
}

pub(crate) fn html(status: StatusCode, body: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.to_owned(),
    )
        .into_response()
}

pub(crate) fn no_content() -> Response {
    Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::empty())
        .unwrap_or_default()
}

pub(crate) fn not_found_html() -> Response {
    html(
        StatusCode::NOT_FOUND,
        "<html><body><h1>404 - File or directory not found.</h1></body></html>",
    )
}

/// A 302 redirect.
pub(crate) fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, v)
            .header(header::CACHE_CONTROL, "no-store")
            .body(Body::empty())
            .unwrap_or_default(),
        Err(_) => html(StatusCode::BAD_REQUEST, "invalid redirect location"),
    }
}

/// Minimal HTML escaping for the sign-in page.
pub(crate) fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
