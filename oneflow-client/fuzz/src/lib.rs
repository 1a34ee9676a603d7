//! The bodies of `oneflow-client`'s fuzz targets, as plain functions.
//!
//! `cargo fuzz run <target>` (nightly, from `oneflow-client/`) calls them through the thin
//! `fuzz_targets/*.rs` wrappers; the crate's integration tests include this file
//! (`tests/it/hostile.rs`) and run every body over the seed corpus in `fuzz/corpus/`, so CI
//! exercises them on stable. Each body panics only when an invariant breaks.

use std::time::Duration;

use oneflow_client::models::{Contract, ContractEvent, Template, User, Workspace};
use oneflow_client::webhook::{self, WebhookError};
use oneflow_client::{
    parse_retry_after, ApiError, ApiRequest, Error, Page, RetryDecision, RetryPolicy,
};

/// Splits fuzz input into `n` parts at the first `n - 1` NUL bytes (missing parts are empty).
fn split(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts: Vec<&[u8]> = data.splitn(n, |b| *b == 0).collect();
    parts.resize(n, &[]);
    parts
}

/// `webhook_verify`: input `sign key \0 body`. Never panics; accepts a delivery only when its
/// `signature` is `sha1(callback_id + key)`; no error shows the expected signature.
pub fn webhook_verify(data: &[u8]) {
    let parts = split(data, 2);
    let key = String::from_utf8_lossy(parts[0]);
    check_webhook(parts[1], &key);
}

/// Verifies `body` under `key`; panics if a forgery is accepted or an error leaks the
/// expected signature.
pub fn check_webhook(body: &[u8], key: &str) {
    let result = webhook::verify(body, key);
    if key.is_empty() {
        assert!(matches!(result, Err(WebhookError::EmptySignKey)));
        return;
    }
    let envelope: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| {
        envelope
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let expected = field("callback_id").map(|id| webhook::sign_for_test(&id, key));
    match &result {
        Ok(payload) => {
            let expected = expected.expect("accepted without a callback id");
            let given = field("signature").expect("accepted without a signature");
            assert_eq!(
                given.trim().to_ascii_lowercase(),
                expected,
                "forgery accepted"
            );
            assert_eq!(Some(payload.callback_id.clone()), field("callback_id"));
        }
        Err(e) => {
            if let Some(expected) = expected {
                let shown = format!("{e} {e:?}").to_ascii_lowercase();
                assert!(
                    !shown.contains(&expected),
                    "error shows the expected signature"
                );
            }
        }
    }
}

/// `model_decode`: the input as a JSON body for contracts, events, templates, users,
/// workspaces and pages. Never panics or overflows the stack.
pub fn model_decode(data: &[u8]) {
    let _ = serde_json::from_slice::<Contract>(data);
    let _ = serde_json::from_slice::<ContractEvent>(data);
    let _ = serde_json::from_slice::<Template>(data);
    let _ = serde_json::from_slice::<User>(data);
    let _ = serde_json::from_slice::<Workspace>(data);
    let _ = serde_json::from_slice::<Page<Contract>>(data);
    let _ = serde_json::from_slice::<webhook::WebhookPayload>(data);
    let mut de = serde_json::Deserializer::from_slice(data);
    let _ = serde_path_to_error::deserialize::<_, Contract>(&mut de);
}

/// `retry_after`: the input as a `Retry-After` value. Never panics; through
/// [`RetryPolicy::decide`] never a wait past the policy's single-wait cap or total budget.
pub fn retry_after(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let now = chrono::DateTime::from_timestamp(1_767_268_800, 0).expect("2026-01-01");
    let parsed = parse_retry_after(&text, now);
    assert_eq!(parse_retry_after(&format!(" {text} "), now), parsed);
    let trimmed = text.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        assert_eq!(parsed, trimmed.parse::<u64>().ok().map(Duration::from_secs));
    }
    let error = Error::RateLimited {
        retry_after: parsed,
        problem: Box::new(ApiError::for_test(http::StatusCode::TOO_MANY_REQUESTS, "")),
    };
    let policy = RetryPolicy::default()
        .max_backoff(Duration::from_secs(8))
        .max_elapsed(Duration::from_secs(30))
        .backoff_on_rate_limit(true);
    for (attempt, elapsed) in [(1, 0), (2, 10), (3, 29)] {
        let elapsed = Duration::from_secs(elapsed);
        if let RetryDecision::Retry { after } = policy.decide(true, &error, attempt, elapsed, 0.5) {
            assert!(after <= Duration::from_secs(8), "{after:?} for {text:?}");
            assert!(
                elapsed + after <= Duration::from_secs(30),
                "{after:?} for {text:?}"
            );
        }
    }
}

/// `request_path`: the input split at NUL bytes into path segments. Each segment stays one
/// percent-encoded segment that decodes back to itself.
pub fn request_path(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let segments: Vec<&str> = text.split('\0').collect();
    let request = ApiRequest::get("contracts/{id}", segments.iter().copied());
    let encoded: Vec<&str> = request.path().split('/').collect();
    assert_eq!(encoded.len(), segments.len(), "{:?}", request.path());
    for (encoded, raw) in encoded.iter().zip(&segments) {
        let decoded = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
        assert_eq!(decoded, *raw);
        assert!(!encoded.contains(['?', '#', '\\', ' ']), "{encoded:?}");
    }
}
