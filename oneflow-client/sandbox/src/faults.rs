//! Injected failures: the next N API requests answer with a fault instead of their result.

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
}

/// FIFO of pending faults; each API request consumes at most one.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    pending: VecDeque<Fault>,
}

impl FaultQueue {
    pub(crate) fn push(&mut self, fault: Fault, times: usize) {
        self.pending.extend(std::iter::repeat_n(fault, times));
    }

    pub(crate) fn next(&mut self) -> Option<Fault> {
        self.pending.pop_front()
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
        Fault::Timeout(_) => None,
    }
}
