//! Injected failures: the next N API requests (optionally only those in a [`FaultScope`])
//! answer with a fault instead of their result.

use std::collections::VecDeque;
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::errors::Problem;

/// A failure the sandbox answers with instead of handling a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// `500` with Oneflow's problem body (`error_code` 5000000).
    InternalServerError,
    /// `502` with an HTML page, as a load balancer in front of the API would send.
    BadGatewayHtml,
    /// `503` with an HTML page, as a load balancer sends while the API is being deployed.
    ServiceUnavailableHtml,
    /// Handle the request, then hold the response back for this long (longer than the
    /// client's timeout): the client sees a timeout although the request took effect.
    Timeout(Duration),
    /// `429` with `error_code` 4290000, title "Too Many Requests" and the rate-limit `info`
    /// link. Oneflow documents no `Retry-After` header, so use `retry_after: None` to mimic
    /// it; `Some(d)` adds `Retry-After: <seconds>` to test a client's handling of one.
    RateLimited {
        /// The `Retry-After` to send (whole seconds), if any.
        retry_after: Option<Duration>,
    },
    /// Handle the request (it takes effect: a contract is created, a state changes), then
    /// close the connection without answering. The client sees a connection error although
    /// the server committed the change, as when a proxy or the network drops the answer.
    /// The request log records the status the handler produced, with `faulted` set.
    DropAfterCommit,
}

/// Which requests a fault applies to: a method set and a path prefix (both optional).
///
/// Paths are matched as logged in [`RequestRecord::path`](crate::RequestRecord::path)
/// (normalised, with the `/v1` prefix), methods case-insensitively.
///
/// ```
/// use oneflow_sandbox::FaultScope;
///
/// let creates = FaultScope::method("POST").path_prefix("/v1/contracts");
/// assert!(creates.matches("post", "/v1/contracts/create"));
/// assert!(!creates.matches("GET", "/v1/contracts/7001"));
/// assert!(FaultScope::reads().matches("GET", "/v1/users"));
/// assert!(!FaultScope::writes().matches("GET", "/v1/users"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct FaultScope {
    /// Upper-case methods; empty: any method.
    methods: Vec<String>,
    path_prefix: Option<String>,
}

impl FaultScope {
    /// Every request.
    pub fn any() -> Self {
        Self::default()
    }

    /// Reads: `GET` and `HEAD`.
    pub fn reads() -> Self {
        Self {
            methods: vec!["GET".into(), "HEAD".into()],
            path_prefix: None,
        }
    }

    /// Writes: `POST`, `PUT`, `PATCH` and `DELETE`.
    pub fn writes() -> Self {
        Self {
            methods: ["POST", "PUT", "PATCH", "DELETE"]
                .map(String::from)
                .to_vec(),
            path_prefix: None,
        }
    }

    /// Requests with this method only.
    pub fn method(method: impl Into<String>) -> Self {
        Self {
            methods: vec![method.into().to_ascii_uppercase()],
            path_prefix: None,
        }
    }

    /// Only requests whose path starts with `prefix` (e.g. `/v1/contracts`).
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Whether a request with this method and path is in scope.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok =
            self.methods.is_empty() || self.methods.iter().any(|m| m.eq_ignore_ascii_case(method));
        let path_ok = self
            .path_prefix
            .as_deref()
            .is_none_or(|prefix| path.starts_with(prefix));
        method_ok && path_ok
    }
}

/// FIFO of pending faults; each API request consumes at most one: the oldest whose scope
/// matches it.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    pending: VecDeque<(FaultScope, Fault)>,
}

impl FaultQueue {
    pub(crate) fn push(&mut self, scope: FaultScope, fault: Fault, times: usize) {
        self.pending
            .extend(std::iter::repeat_n((scope, fault), times));
    }

    pub(crate) fn next(&mut self, method: &str, path: &str) -> Option<Fault> {
        let index = self
            .pending
            .iter()
            .position(|(scope, _)| scope.matches(method, path))?;
        self.pending.remove(index).map(|(_, fault)| fault)
    }

    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }
}

const SERVICE_UNAVAILABLE_HTML: &str = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

fn html(status: StatusCode, body: &'static str) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    response
}

const BAD_GATEWAY_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The response for an immediate fault (`Timeout` is handled by the middleware).
pub(crate) fn fault_response(fault: &Fault) -> Option<Response> {
    match fault {
        Fault::InternalServerError => Some(
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "An unexpected error occurred (injected by the sandbox).",
            )
            .into_response(),
        ),
        Fault::BadGatewayHtml => Some(html(StatusCode::BAD_GATEWAY, BAD_GATEWAY_HTML)),
        Fault::ServiceUnavailableHtml => Some(html(
            StatusCode::SERVICE_UNAVAILABLE,
            SERVICE_UNAVAILABLE_HTML,
        )),
        Fault::RateLimited { retry_after } => {
            let mut response = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "You have reached the 5 minute rate limit for requests. Please try again later.",
            )
            .with_info("https://developer.oneflow.com/docs/rate-limiting")
            .into_response();
            if let Some(after) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(after.as_secs()));
            }
            Some(response)
        }
        Fault::Timeout(_) | Fault::DropAfterCommit => None,
    }
}
