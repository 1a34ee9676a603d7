//! The bodies of `superoffice-client`'s fuzz targets, as plain functions.
//!
//! `cargo fuzz run <target>` (nightly, from `superoffice-client/`) calls them through the
//! thin `fuzz_targets/*.rs` wrappers; the crate's integration tests include this file
//! (`tests/it/hostile.rs`) and run every body over the seed corpus in `fuzz/corpus/`, so CI
//! exercises them on stable. Each body panics only when an invariant breaks.

use std::time::Duration;

use base64::Engine as _;
use superoffice_client::api::PanelUrl;
use superoffice_client::models::{ContactEntity, PersonEntity, SaleEntity};
use superoffice_client::odata::{Filter, ODataPage};
use superoffice_client::webhook::{self, WebhookError};
use superoffice_client::{parse_retry_after, CustomerId, Environment};
use superoffice_sandbox::odata::{parse_filter, FilterExpr, Literal};

/// Splits fuzz input into `n` parts at the first `n - 1` NUL bytes (missing parts are empty).
fn split(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts: Vec<&[u8]> = data.splitn(n, |b| *b == 0).collect();
    parts.resize(n, &[]);
    parts
}

/// `webhook_verify`: input `secret \0 signature header \0 body`. Never panics; accepts only
/// the HMAC-SHA256 of the body under the secret; no error shows the expected signature.
pub fn webhook_verify(data: &[u8]) {
    let parts = split(data, 3);
    let secret = String::from_utf8_lossy(parts[0]);
    let header = String::from_utf8_lossy(parts[1]);
    let body = parts[2];
    check_webhook(body, &secret, &header);
    // The same body with its own valid signature must pass the signature check.
    if !secret.is_empty() {
        let good = webhook::sign_for_test(body, &secret);
        assert_eq!(webhook::verify_signature(body, &secret, &good), Ok(()));
        check_webhook(body, &secret, &good);
    }
}

/// Verifies `body` with `header`; panics if a forgery is accepted or an error leaks the
/// expected signature.
pub fn check_webhook(body: &[u8], secret: &str, header: &str) {
    let result = webhook::verify(body, secret, header);
    if secret.is_empty() {
        assert_eq!(result.unwrap_err(), WebhookError::EmptySecret);
        return;
    }
    let expected = webhook::sign_for_test(body, secret);
    let expected_raw = base64::engine::general_purpose::STANDARD
        .decode(&expected)
        .expect("own signature");
    let signature_ok = webhook::verify_signature(body, secret, header).is_ok();
    if signature_ok {
        // Accepted: the header decodes (standard or URL-safe alphabet) to the real MAC.
        let trimmed = header.trim().trim_end_matches('=');
        let decoded = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(trimmed)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed));
        assert_eq!(
            decoded.ok().as_deref(),
            Some(&expected_raw[..]),
            "forgery accepted"
        );
    }
    if let Err(e) = result {
        let shown = format!("{e} {e:?}");
        let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&expected_raw);
        let hex: String = expected_raw.iter().map(|b| format!("{b:02x}")).collect();
        for form in [
            expected.as_str(),
            expected.trim_end_matches('='),
            &url_safe,
            &hex,
        ] {
            assert!(!shown.contains(form), "error shows the expected signature");
        }
    }
}

/// The user-text filter constructors (name, operator as the sandbox reports it, builder).
type TextFilter = (&'static str, fn(&str, &str) -> Filter);
const TEXT_FILTERS: [TextFilter; 4] = [
    ("is", Filter::is),
    ("isnot", Filter::is_not),
    ("begins", Filter::begins),
    ("contains", Filter::contains),
];

/// `odata_filter`: input `column \0 text`. A filter built from user text parses back (with the
/// sandbox's parser of the documented syntax) to exactly the comparisons that were built, the
/// text as their literal; a column name is either refused or kept as one name.
pub fn odata_filter(data: &[u8]) {
    let parts = split(data, 2);
    let column = String::from_utf8_lossy(parts[0]);
    let text = String::from_utf8_lossy(parts[1]);
    for (op, build) in TEXT_FILTERS {
        check_text_filter("name", op, build, &text);
        // A hostile column name is refused, or stays a single column.
        if let Ok(expression) = build(&column, "x").to_expression() {
            match parse_filter(expression) {
                Ok(FilterExpr::Cmp { column: parsed, .. }) => assert_eq!(parsed, column),
                other => panic!("{expression:?} parsed as {other:?}"),
            }
        }
    }
}

/// Builds `(name <op> text) and ((amount eq 3) or not-structure…)` and checks its shape.
pub fn check_text_filter(column: &str, op: &str, build: fn(&str, &str) -> Filter, text: &str) {
    let filter = build(column, text)
        .and(Filter::eq("amount", 3).or(build(column, text)))
        .or(Filter::one_of("saleId", &[1, 2]));
    let expression = filter.to_expression().expect("valid column").to_owned();
    let parsed = parse_filter(&expression)
        .unwrap_or_else(|e| panic!("{expression:?} refused by the documented syntax: {e}"));
    let cmp = || FilterExpr::Cmp {
        column: column.into(),
        op: op.into(),
        value: Literal::Str(text.to_owned()),
    };
    let expected = FilterExpr::Or(
        Box::new(FilterExpr::And(
            Box::new(cmp()),
            Box::new(FilterExpr::Or(
                Box::new(FilterExpr::Cmp {
                    column: "amount".into(),
                    op: "eq".into(),
                    value: Literal::Num(3.0),
                }),
                Box::new(cmp()),
            )),
        )),
        Box::new(FilterExpr::Cmp {
            column: "saleId".into(),
            op: "oneof".into(),
            value: Literal::List(vec!["1".into(), "2".into()]),
        }),
    );
    assert_eq!(parsed, expected, "{expression:?}");
}

/// `identifiers`: the input as text, read as a customer id, a URL holding one, an environment
/// and a web panel URL. Never panics; whatever parses round-trips through its text form.
pub fn identifiers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(id) = CustomerId::parse(&text) {
        assert_eq!(CustomerId::parse(id.as_str()).as_ref(), Ok(&id));
        assert_eq!(id.as_str(), format!("Cust{}", id.number()));
        assert!(id.number().bytes().all(|b| b.is_ascii_digit()));
    }
    if let Ok(id) = CustomerId::from_url(&text) {
        // The id found in a URL is a valid id on its own.
        assert_eq!(CustomerId::parse(id.as_str()).as_ref(), Ok(&id));
    }
    if let Ok(env) = text.parse::<Environment>() {
        env.validate().expect("a parsed environment is valid");
        if let Environment::Custom { base } = &env {
            let again: Environment = base.as_str().parse().expect("custom base round-trips");
            assert_eq!(again, env);
            assert!(env.owns_host(base));
        }
        let _ = (env.token_url(), env.jwks_url(), env.issuer());
    }
    if let Ok(panel) = PanelUrl::parse(&text) {
        let shown = panel.to_string();
        assert_eq!(PanelUrl::parse(&shown).as_ref(), Ok(&panel));
        let lower = shown.to_ascii_lowercase();
        assert!(lower.contains("<uctx>") && lower.contains("<usid>"));
        assert!(!lower.contains("<usec>"));
    }
}

/// `model_decode`: the input as a JSON body for the entity models and an OData page. Never
/// panics or overflows the stack; an error is a typed `serde_json` error.
pub fn model_decode(data: &[u8]) {
    let _ = serde_json::from_slice::<SaleEntity>(data);
    let _ = serde_json::from_slice::<PersonEntity>(data);
    let _ = serde_json::from_slice::<ContactEntity>(data);
    let _ = serde_json::from_slice::<ODataPage<serde_json::Value>>(data);
    let _ = serde_json::from_slice::<webhook::WebhookPayload>(data);
    // Through the path-tracking decoder the client uses.
    let mut de = serde_json::Deserializer::from_slice(data);
    let _ = serde_path_to_error::deserialize::<_, SaleEntity>(&mut de);
}

/// `retry_after`: the input as a `Retry-After` value. Never panics; leading and trailing
/// blanks do not matter; delta-seconds mean exactly that many seconds.
pub fn retry_after(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let now = chrono::DateTime::from_timestamp(1_767_268_800, 0).expect("2026-01-01");
    let parsed = parse_retry_after(&text, now);
    assert_eq!(parse_retry_after(&format!(" {text} "), now), parsed);
    let trimmed = text.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        assert_eq!(parsed, trimmed.parse::<u64>().ok().map(Duration::from_secs));
    }
}
