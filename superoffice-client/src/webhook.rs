//! Verifying webhook deliveries from SuperOffice.
//!
//! SuperOffice signs each delivery of a webhook that has a `Secret`:
//! `X-SuperOffice-Signature = base64(HMAC-SHA256(key = secret, message = raw body))`.
//! [`verify`] checks that over the **raw** request bytes (never re-serialised JSON), compares
//! in constant time, and only then parses the [`WebhookPayload`]. Its errors never contain the
//! expected signature. The payload is a notification: read the entity through the REST API
//! before acting, and dedupe on `EventId`.
//!
//! ```
//! use superoffice_client::webhook::{sign_for_test, verify, SIGNATURE_HEADER};
//!
//! let body = br#"{"EventId":"6d9a0c1e","Event":"sale.changed","PrimaryKey":42,"Entity":"sale"}"#;
//! let signature = sign_for_test(body, "s3cret");
//! let payload = verify(body, "s3cret", &signature).unwrap();
//! assert_eq!(payload.primary_key, Some(42));
//! assert!(verify(body, "other", &signature).is_err());
//! # let _ = SIGNATURE_HEADER;
//! ```

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use sha2::Sha256;

pub use crate::models::webhook::WebhookPayload;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-SuperOffice-Signature";
/// The header that carries the event name.
pub const EVENT_HEADER: &str = "X-SuperOffice-Event";
/// The header that carries the event id.
pub const EVENT_ID_HEADER: &str = "X-SuperOffice-EventId";

type HmacSha256 = hmac::Hmac<Sha256>;

/// Why a delivery was rejected. Never contains the expected signature or the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The webhook secret is empty, so nothing can be verified.
    #[error("the webhook secret is empty")]
    EmptySecret,
    /// The signature header was missing or empty.
    #[error("the X-SuperOffice-Signature header is missing")]
    MissingSignature,
    /// The signature header is not base64 of a SHA-256 HMAC.
    #[error("the X-SuperOffice-Signature header is malformed")]
    MalformedSignature,
    /// The signature does not match the body and secret.
    #[error("the webhook signature does not match")]
    InvalidSignature,
    /// The body is signed correctly but is not a webhook payload.
    #[error("the webhook body is not a valid payload at `{path}`: {message}")]
    InvalidPayload {
        /// JSON path of the failing value.
        path: String,
        /// What serde reported.
        message: String,
    },
}

/// Verify a delivery and parse its payload.
///
/// `raw_body` must be the exact bytes received; `signature_header` the value of
/// `X-SuperOffice-Signature`.
pub fn verify(
    raw_body: &[u8],
    secret: &str,
    signature_header: &str,
) -> Result<WebhookPayload, WebhookError> {
    verify_signature(raw_body, secret, signature_header)?;
    let mut de = serde_json::Deserializer::from_slice(raw_body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| WebhookError::InvalidPayload {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// Only check the signature (constant time).
pub fn verify_signature(
    raw_body: &[u8],
    secret: &str,
    signature_header: &str,
) -> Result<(), WebhookError> {
    if secret.is_empty() {
        return Err(WebhookError::EmptySecret);
    }
    let given = signature_header.trim();
    if given.is_empty() {
        return Err(WebhookError::MissingSignature);
    }
    let given = decode_signature(given).ok_or(WebhookError::MalformedSignature)?;
    if given.len() != 32 {
        return Err(WebhookError::MalformedSignature);
    }
    let mut mac = mac(secret);
    mac.update(raw_body);
    mac.verify_slice(&given)
        .map_err(|_| WebhookError::InvalidSignature)
}

/// Standard base64 (what SuperOffice sends), also without `=` padding, or its URL-safe form
/// (`-`/`_`), in case a proxy or framework rewrote the header.
fn decode_signature(text: &str) -> Option<Vec<u8>> {
    use base64::alphabet;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let lenient =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let alphabet = if text.contains(['-', '_']) {
        &alphabet::URL_SAFE
    } else {
        &alphabet::STANDARD
    };
    GeneralPurpose::new(alphabet, lenient).decode(text).ok()
}

/// The signature SuperOffice would send for `body` (for tests and sandboxes). Only with the
/// `test-util` feature.
#[cfg(any(test, feature = "test-util"))]
pub fn sign_for_test(body: &[u8], secret: &str) -> String {
    let mut mac = mac(secret);
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn mac(secret: &str) -> HmacSha256 {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    match <HmacSha256 as KeyInit>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => <HmacSha256 as KeyInit>::new(&Default::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog")
        let sig = sign_for_test(b"The quick brown fox jumps over the lazy dog", "key");
        assert_eq!(sig, "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=");
    }

    #[test]
    fn rejects_without_revealing_the_expected_value() {
        let body = br#"{"Event":"test"}"#;
        let expected = sign_for_test(body, "secret");
        let err = verify(body, "secret", &sign_for_test(body, "wrong")).unwrap_err();
        assert_eq!(err, WebhookError::InvalidSignature);
        assert!(!format!("{err} {err:?}").contains(&expected));
        assert_eq!(
            verify(body, "secret", "").unwrap_err(),
            WebhookError::MissingSignature
        );
        assert_eq!(
            verify(body, "secret", "not base64!").unwrap_err(),
            WebhookError::MalformedSignature
        );
        assert_eq!(
            verify(body, "", &expected).unwrap_err(),
            WebhookError::EmptySecret
        );
    }
}
