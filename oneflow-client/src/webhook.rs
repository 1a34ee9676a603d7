//! Verifying webhook deliveries from Oneflow.
//!
//! Oneflow POSTs a small JSON body to your callback URL:
//!
//! ```json
//! { "contract": {"id": 101},
//!   "callback_id": "eaf850991bb7c273a56dcdeb265d30006fdc9de0",
//!   "events": [{"created_time": "2020-07-06T15:14:14+0000", "id": 2322, "type": "contract:publish"}],
//!   "signature": "7a581695d9ff8c41de4d85554b6852f7cf6f97b0" }
//! ```
//!
//! The signature is `hex(sha1(callback_id + sign_key))`. [`verify`] recomputes it and
//! compares in constant time.
//!
//! # What the signature does *not* prove
//!
//! The signature covers **only the `callback_id`**, not the body: it proves that the sender
//! knows the sign key for that callback id, nothing more. A captured delivery can be replayed
//! or its `contract`/`events` altered without breaking the signature. So a handler must:
//!
//! * treat a delivery as a *trigger* only, and **re-read the contract** (and its events)
//!   through the API before acting on it;
//! * **dedupe on `callback_id`**, which stays the same across Oneflow's retries;
//! * answer with exactly HTTP 200 (anything else makes Oneflow resend), quickly, and do the
//!   work asynchronously.
//!
//! ```
//! use oneflow_client::webhook;
//!
//! let key = "my-sign-key";
//! let body = webhook::signed_test_body(101, "cb-1", &[(7, "contract:sign")], key);
//! let payload = webhook::verify(&body, key).expect("valid delivery");
//! assert_eq!(payload.contract.id.get(), 101);
//! assert!(webhook::verify(&body, "another-key").is_err());
//! ```

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use crate::models::{timestamp, ContractId, EventId, EventType, Timestamp};

/// Something that can serve as a sign key: `&str`, `String` or [`SecretString`].
pub trait SignKey {
    /// The key's text.
    fn key_str(&self) -> &str;
}

impl SignKey for str {
    fn key_str(&self) -> &str {
        self
    }
}

impl SignKey for String {
    fn key_str(&self) -> &str {
        self
    }
}

impl SignKey for SecretString {
    fn key_str(&self) -> &str {
        self.expose_secret()
    }
}

impl<K: SignKey + ?Sized> SignKey for &K {
    fn key_str(&self) -> &str {
        (**self).key_str()
    }
}

/// The contract a delivery is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookContract {
    /// Contract id.
    pub id: ContractId,
}

/// One event in a delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// Event id (details via `contracts().events(id).get(event_id)`).
    pub id: EventId,
    /// Event type; unknown types are kept as [`EventType::Other`].
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When it happened.
    #[serde(default, with = "timestamp::option")]
    pub created_time: Option<Timestamp>,
}

/// A verified delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookPayload {
    /// The contract.
    pub contract: WebhookContract,
    /// Identical across retries of one notification: the idempotency key.
    pub callback_id: String,
    /// One or more events (order not guaranteed across deliveries).
    pub events: Vec<WebhookEvent>,
}

/// Why a delivery was rejected. Never contains the expected signature or the sign key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The body is not JSON or has the wrong shape.
    #[error("webhook body is not a valid Oneflow payload")]
    MalformedBody(#[source] serde_json::Error),
    /// A required field is missing or empty.
    #[error("webhook body lacks `{0}`")]
    MissingField(&'static str),
    /// The signature does not match.
    #[error("webhook signature does not match")]
    InvalidSignature,
    /// The configured sign key is empty; verification is impossible.
    #[error("no sign key configured")]
    EmptySignKey,
}

#[derive(Deserialize)]
struct RawEnvelope {
    #[serde(default)]
    callback_id: Option<String>,
    #[serde(default)]
    signature: Option<String>,
    #[serde(default)]
    contract: Option<serde_json::Value>,
    #[serde(default)]
    events: Option<serde_json::Value>,
}

/// Computes the signature Oneflow sends for `callback_id` (lower-case hex SHA-1 of
/// `callback_id + sign_key`). For tests and local tools; needs the `test-util` feature.
#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub fn sign_for_test(callback_id: &str, sign_key: &str) -> String {
    signature_bytes(callback_id, sign_key)
}

/// A log label for a value that is not authenticated: the first 16 hex digits of its SHA-1
/// (bounded, no attacker-chosen text in logs, still usable to correlate attempts).
fn unauthenticated_label(value: &str) -> String {
    let digest = Sha1::digest(value.as_bytes());
    hex::encode(&digest[..8])
}

fn signature_bytes(callback_id: &str, sign_key: &str) -> String {
    let mut h = Sha1::new();
    h.update(callback_id.as_bytes());
    h.update(sign_key.as_bytes());
    hex::encode(h.finalize())
}

/// Builds a signed delivery body for tests: `events` are `(event id, event type)` pairs,
/// all created "now". Needs the `test-util` feature.
#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub fn signed_test_body(
    contract_id: i64,
    callback_id: &str,
    events: &[(i64, &str)],
    sign_key: &str,
) -> Vec<u8> {
    let now = timestamp::format(&chrono::Utc::now());
    let events: Vec<serde_json::Value> = events
        .iter()
        .map(|(id, t)| serde_json::json!({"id": id, "type": t, "created_time": now}))
        .collect();
    let body = serde_json::json!({
        "contract": {"id": contract_id},
        "callback_id": callback_id,
        "events": events,
        "signature": sign_for_test(callback_id, sign_key),
    });
    body.to_string().into_bytes()
}

/// Verifies a delivery over its raw bytes and returns the typed payload.
///
/// Checks, in order: JSON shape, presence of `callback_id` and `signature`, the signature
/// (constant-time, case-insensitive hex), then the `contract` and `events` fields.
pub fn verify<K: SignKey + ?Sized>(
    raw_body: &[u8],
    sign_key: &K,
) -> Result<WebhookPayload, WebhookError> {
    let key = sign_key.key_str();
    if key.is_empty() {
        return Err(WebhookError::EmptySignKey);
    }
    let raw: RawEnvelope = serde_json::from_slice(raw_body).map_err(WebhookError::MalformedBody)?;
    let callback_id = raw
        .callback_id
        .filter(|c| !c.is_empty())
        .ok_or(WebhookError::MissingField("callback_id"))?;
    let signature = raw
        .signature
        .filter(|s| !s.is_empty())
        .ok_or(WebhookError::MissingField("signature"))?;
    let expected = signature_bytes(&callback_id, key);
    let given = signature.trim().to_ascii_lowercase();
    if !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        // The callback id is unauthenticated here: log a short hash, never the text.
        tracing::warn!(
            callback_id_sha1 = %unauthenticated_label(&callback_id),
            "rejected Oneflow webhook with a bad signature"
        );
        return Err(WebhookError::InvalidSignature);
    }
    let contract = raw.contract.ok_or(WebhookError::MissingField("contract"))?;
    let contract: WebhookContract =
        serde_json::from_value(contract).map_err(WebhookError::MalformedBody)?;
    let events = raw.events.ok_or(WebhookError::MissingField("events"))?;
    let events: Vec<WebhookEvent> =
        serde_json::from_value(events).map_err(WebhookError::MalformedBody)?;
    tracing::debug!(callback_id = %callback_id, contract_id = contract.id.get(), events = events.len(), "verified Oneflow webhook");
    Ok(WebhookPayload {
        contract,
        callback_id,
        events,
    })
}

impl fmt::Display for WebhookPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "webhook {} for contract {} ({} events)",
            self.callback_id,
            self.contract.id,
            self.events.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_known_vector() {
        // sha1("abc") is a standard test vector.
        assert_eq!(
            sign_for_test("a", "bc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }

    #[test]
    fn uppercase_signature_is_accepted() {
        let body = serde_json::json!({
            "contract": {"id": 1}, "callback_id": "cb", "events": [],
            "signature": sign_for_test("cb", "k").to_uppercase(),
        });
        assert!(verify(body.to_string().as_bytes(), "k").is_ok());
    }

    #[test]
    fn empty_key_is_refused() {
        let body = signed_test_body(1, "cb", &[], "k");
        assert!(matches!(verify(&body, ""), Err(WebhookError::EmptySignKey)));
    }
}
