//! Oneflow's problem body (`application/json`) and the sandbox's typed control errors.

use std::fmt;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// An HTTP failure rendered in Oneflow's error format.
///
/// `{"status","title","detail","error_code","parameter_problems","request_id","type"}`;
/// `error_code` is seven digits whose first three are the HTTP status (generic codes end in
/// `0000`).
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    status: StatusCode,
    detail: String,
    parameter_problems: Map<String, Value>,
    info: Option<&'static str>,
}

impl Problem {
    pub(crate) fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            parameter_problems: Map::new(),
            info: None,
        }
    }

    /// Add an `info` link (Oneflow sends one on 429 answers).
    pub(crate) fn with_info(mut self, url: &'static str) -> Self {
        self.info = Some(url);
        self
    }

    /// 400 with one entry in `parameter_problems` (`{"<parameter>": ["<message>"]}`).
    pub(crate) fn bad_param(parameter: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut problems = Map::new();
        problems.insert(parameter.to_owned(), json!([message.clone()]));
        Self {
            status: StatusCode::BAD_REQUEST,
            detail: format!("Invalid parameter `{parameter}`: {message}"),
            parameter_problems: problems,
            info: None,
        }
    }

    pub(crate) fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    pub(crate) fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    pub(crate) fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }

    pub(crate) fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }

    pub(crate) fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    /// Seven-digit generic code: the HTTP status followed by `0000`.
    pub(crate) fn error_code(&self) -> u32 {
        u32::from(self.status.as_u16()) * 10_000
    }

    pub(crate) fn body(&self) -> Value {
        let code = self.error_code();
        let title = self.status.canonical_reason().unwrap_or("Error");
        let mut body = json!({
            "status": self.status.as_u16(),
            "title": title,
            "detail": self.detail,
            "error_code": code,
            "parameter_problems": Value::Object(self.parameter_problems.clone()),
            "request_id": request_id(),
            "type": format!("https://api.oneflow.com/v1/error_codes/{code}"),
        });
        if let (Some(info), Some(obj)) = (self.info, body.as_object_mut()) {
            obj.insert("info".to_owned(), Value::String(info.to_owned()));
        }
        body
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

/// A fresh opaque request id in the style of Oneflow's (base64-ish, 24 characters).
pub(crate) fn request_id() -> String {
    use base64_like::encode;
    encode(rand::random::<u128>())
}

mod base64_like {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// 128 random bits as 22 base64 characters plus `==`, like Oneflow's request ids.
    pub(super) fn encode(mut value: u128) -> String {
        let mut out = String::with_capacity(24);
        for _ in 0..22 {
            // The mask keeps the index below 64.
            let index = (value & 0x3f) as usize;
            out.push(char::from(ALPHABET[index]));
            value >>= 6;
        }
        out.push_str("==");
        out
    }
}

/// Errors of the sandbox's Rust control API (start-up, signing controls, waiting).
#[derive(Debug)]
#[non_exhaustive]
pub enum SandboxError {
    /// Binding the loopback listener failed.
    Bind(std::io::Error),
    /// The HTTP client used for webhook deliveries could not be built.
    HttpClient(reqwest::Error),
    /// The seed given to the builder is inconsistent (e.g. a template in an unknown workspace).
    InvalidSeed(String),
    /// No contract with this id exists.
    ContractNotFound(i64),
    /// The contract has no participant with this id.
    ParticipantNotFound {
        /// The contract searched.
        contract_id: i64,
        /// The participant id that was not found.
        participant_id: i64,
    },
    /// The contract is not in a state that allows the action (e.g. signing a draft).
    InvalidState {
        /// The contract.
        contract_id: i64,
        /// Its current state (`draft`, `pending`, `signed`, `declined`, `overdue`).
        state: String,
        /// The attempted action (`sign`, `decline`, `expire`).
        action: &'static str,
    },
    /// The participant is not a signatory, so it cannot sign or decline.
    NotASignatory {
        /// The contract.
        contract_id: i64,
        /// The participant.
        participant_id: i64,
    },
    /// The participant already signed or declined.
    AlreadyDecided {
        /// The contract.
        contract_id: i64,
        /// The participant.
        participant_id: i64,
    },
    /// A `wait_for_*` call did not see its condition within the safety-net timeout.
    Timeout(std::time::Duration),
    /// The bind address is not a loopback address and
    /// [`SandboxBuilder::allow_non_loopback_bind`](super::SandboxBuilder::allow_non_loopback_bind)
    /// was not set: the sandbox accepts a fixed, published token and must not be reachable
    /// from other machines by accident.
    NonLoopbackBind(std::net::SocketAddr),
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bind(_) => write!(f, "could not bind the sandbox listener"),
            Self::NonLoopbackBind(addr) => write!(
                f,
                "refusing to bind the sandbox to non-loopback address {addr} \
                 (opt in with allow_non_loopback_bind)"
            ),
            Self::HttpClient(_) => write!(f, "could not build the webhook delivery HTTP client"),
            Self::InvalidSeed(why) => write!(f, "invalid sandbox seed: {why}"),
            Self::ContractNotFound(id) => write!(f, "contract {id} does not exist"),
            Self::ParticipantNotFound {
                contract_id,
                participant_id,
            } => write!(
                f,
                "contract {contract_id} has no participant {participant_id}"
            ),
            Self::InvalidState {
                contract_id,
                state,
                action,
            } => write!(
                f,
                "cannot {action} contract {contract_id} in state `{state}` (it must be `pending`)"
            ),
            Self::NotASignatory {
                contract_id,
                participant_id,
            } => write!(
                f,
                "participant {participant_id} of contract {contract_id} is not a signatory"
            ),
            Self::AlreadyDecided {
                contract_id,
                participant_id,
            } => write!(
                f,
                "participant {participant_id} of contract {contract_id} already signed or declined"
            ),
            Self::Timeout(after) => write!(f, "condition not reached within {after:?}"),
        }
    }
}

impl std::error::Error for SandboxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Bind(err) => Some(err),
            Self::HttpClient(err) => Some(err),
            _ => None,
        }
    }
}
