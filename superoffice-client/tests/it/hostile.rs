//! Hostile input (issue 12): property tests over arbitrary and mutated input, and the fuzz
//! target bodies of `fuzz/` run over their seed corpus (so CI exercises them on stable).
//!
//! Case counts are explicit. Pure properties run thousands of cases; properties that need a
//! local HTTP server per case run a few hundred (each case is a real round trip).

use crate::auth_support as auth;
use crate::rest_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use futures::StreamExt;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use superoffice_client::auth::{IdTokenValidator, JwtExpectations, SystemUserKey};
use superoffice_client::credentials::StaticToken;
use superoffice_client::models::SaleId;
use superoffice_client::odata::ODataRow;
use superoffice_client::webhook::{self, WebhookError};
use superoffice_client::{
    ApiRequest, AuthError, Client, Credential, CustomerId, Error, RateLimit, RetryDecision,
    RetryPolicy,
};
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[allow(unreachable_pub, dead_code)]
#[path = "../../fuzz/src/lib.rs"]
mod fuzz_bodies;

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Byte-level mutations of a valid input: flip, insert, delete, truncate.
fn mutated(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = seed.len().max(1);
    proptest::collection::vec((0..4u8, 0..len, any::<u8>()), 1..6).prop_map(move |edits| {
        let mut bytes = seed.clone();
        for (kind, at, byte) in edits {
            let at = at.min(bytes.len().saturating_sub(1));
            match kind {
                0 if !bytes.is_empty() => bytes[at] ^= byte.max(1),
                1 => bytes.insert(at, byte),
                2 if !bytes.is_empty() => {
                    bytes.remove(at);
                }
                _ => bytes.truncate(at),
            }
        }
        bytes
    })
}

// ------------------------------------------------------------- fuzz bodies over the corpus

/// Every seed of `fuzz/corpus/<target>/`, plus up to 64 truncations of each.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut seeds = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("seed corpus exists") {
        let seed = std::fs::read(entry.expect("entry").path()).expect("seed readable");
        for cut in (0..seed.len()).step_by((seed.len() / 64).max(1)) {
            seeds.push(seed[..cut].to_vec());
        }
        seeds.push(seed);
    }
    assert!(seeds.len() > 3, "{target}: corpus too small");
    seeds
}

#[test]
fn fuzz_bodies_pass_on_their_seed_corpus() {
    for seed in corpus("webhook_verify") {
        fuzz_bodies::webhook_verify(&seed);
    }
    for seed in corpus("odata_filter") {
        fuzz_bodies::odata_filter(&seed);
    }
    for seed in corpus("identifiers") {
        fuzz_bodies::identifiers(&seed);
    }
    for seed in corpus("model_decode") {
        fuzz_bodies::model_decode(&seed);
    }
    for seed in corpus("retry_after") {
        fuzz_bodies::retry_after(&seed);
    }
}

// ------------------------------------------------------------------------- webhooks

const WEBHOOK_BODY: &str = r#"{"EventId":"6d9a0c1e-8f1b-4c2a-9e57-1f2d3c4b5a69","Timestamp":"2026-03-02T09:14:11Z","Changes":["Heading","Amount"],"Webhookname":"oneflow-sync","Event":"sale.changed","PrimaryKey":4711,"Entity":"sale","ContextIdentifier":"Cust26759","ChangedByAssociateId":7}"#;
const WEBHOOK_SECRET: &str = "whsec-3f9b2c71d0a84e56";

proptest! {
    #![proptest_config(config(4096))]

    /// Arbitrary bytes as secret, header and body: no panic, no forgery, no leaked signature.
    #[test]
    fn webhook_verify_on_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        fuzz_bodies::webhook_verify(&data);
    }

    /// A valid delivery with its body mutated is refused (the signature no longer matches).
    #[test]
    fn webhook_with_a_mutated_body_is_refused(body in mutated(WEBHOOK_BODY.as_bytes().to_vec())) {
        let signature = webhook::sign_for_test(WEBHOOK_BODY.as_bytes(), WEBHOOK_SECRET);
        let result = webhook::verify(&body, WEBHOOK_SECRET, &signature);
        if body == WEBHOOK_BODY.as_bytes() {
            prop_assert!(result.is_ok());
        } else {
            prop_assert_eq!(result.unwrap_err(), WebhookError::InvalidSignature);
        }
        fuzz_bodies::check_webhook(&body, WEBHOOK_SECRET, &signature);
    }

    /// A valid signature with its text mutated is refused unless it still decodes to the MAC.
    #[test]
    fn webhook_with_a_mutated_signature_is_refused(
        signature in mutated(webhook::sign_for_test(WEBHOOK_BODY.as_bytes(), WEBHOOK_SECRET).into_bytes()),
    ) {
        let signature = String::from_utf8_lossy(&signature);
        fuzz_bodies::check_webhook(WEBHOOK_BODY.as_bytes(), WEBHOOK_SECRET, &signature);
    }
}

// ------------------------------------------------------------------------- id_token

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Any `alg` other than RS256 (including `none`, HMAC, EC, PS, case variants and junk) is
/// refused before the JWKS is fetched: the local server sees zero requests.
#[test]
fn id_tokens_with_any_alg_but_rs256_are_refused_without_fetching_the_jwks() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let validator = IdTokenValidator::new(&auth::environment(&server), reqwest::Client::new())
        .with_clock(auth::clock());
    let expect = JwtExpectations::new(auth::issuer(&server), Some(auth::CLIENT_ID.to_owned()));
    let claims = serde_json::to_vec(&auth::id_token_claims(&server, "n")).expect("claims");
    let alg = prop_oneof![
        Just("none".to_owned()),
        Just("HS256".to_owned()),
        Just("HS512".to_owned()),
        Just("ES256".to_owned()),
        Just("PS256".to_owned()),
        Just("RS512".to_owned()),
        Just("rs256".to_owned()),
        Just("RS256 ".to_owned()),
        Just("EdDSA".to_owned()),
        any::<String>(),
    ]
    .prop_filter("not RS256", |a| a != "RS256");
    let header = (alg, proptest::option::of(any::<String>()), any::<bool>()).prop_map(
        |(alg, kid, as_number)| {
            let mut header = serde_json::json!({"typ": "JWT", "alg": alg});
            if as_number {
                header["alg"] = serde_json::json!(256);
            }
            if let Some(kid) = kid {
                header["kid"] = serde_json::Value::String(kid);
            }
            header
        },
    );
    let signature = proptest::collection::vec(any::<u8>(), 0..64);
    let mut runner = TestRunner::new(config(2048));
    runner
        .run(&(header, signature), |(header, signature)| {
            let token = format!(
                "{}.{}.{}",
                b64(&serde_json::to_vec(&header).expect("header")),
                b64(&claims),
                b64(&signature)
            );
            let err = rt
                .block_on(validator.validate(&token, &expect))
                .expect_err("refused");
            prop_assert!(
                matches!(err, Error::Auth(AuthError::IdTokenInvalid { .. })),
                "{:?}",
                err
            );
            Ok(())
        })
        .unwrap();
    let requests = rt.block_on(server.received_requests()).unwrap_or_default();
    assert_eq!(requests.len(), 0, "the JWKS was fetched");
}

/// JWKS lookups for random `kid`s, with the JWKS up and during an outage: downloads stay
/// bounded by the 30 s cooldown (one refetch per window), whatever the tokens name.
#[tokio::test(start_paused = true)]
async fn random_kids_cannot_force_jwks_downloads() {
    let server = MockServer::start().await;
    let jwks = Scripted::default();
    jwks.set(ResponseTemplate::new(200).set_body_raw(auth::JWKS, "application/json"));
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(jwks.clone())
        .mount(&server)
        .await;
    let validator =
        IdTokenValidator::new(&auth::environment(&server), rest_support::timerless_http())
            .with_clock(auth::clock());
    let expect = JwtExpectations::new(auth::issuer(&server), Some(auth::CLIENT_ID.to_owned()));
    let claims = serde_json::to_vec(&auth::id_token_claims(&server, "n")).expect("claims");
    let mut runner = TestRunner::deterministic();
    let kids = proptest::collection::vec(any::<String>(), 150)
        .new_tree(&mut runner)
        .expect("kids")
        .current();
    let token = |kid: &str| {
        let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "kid": kid});
        format!(
            "{}.{}.{}",
            b64(&serde_json::to_vec(&header).unwrap()),
            b64(&claims),
            b64(&[7; 256])
        )
    };
    let downloads = || async { server.received_requests().await.unwrap_or_default().len() };
    // Round 0 allows the first download and one refetch for an unknown kid; each later
    // round (a new 30 s window) one more.
    for (round, bound) in (0..3).zip(2..) {
        for kid in &kids {
            let err = validator
                .validate(&token(kid), &expect)
                .await
                .expect_err(kid);
            assert!(
                matches!(
                    err,
                    Error::Auth(AuthError::UnknownKey { .. } | AuthError::Jwks { .. })
                ),
                "{err:?}"
            );
        }
        assert!(downloads().await >= 1, "the JWKS was never consulted");
        assert!(
            downloads().await <= bound,
            "round {round}: {} downloads",
            downloads().await
        );
        // The JWKS goes down; the next window allows one more attempt.
        jwks.set(ResponseTemplate::new(503));
        tokio::time::advance(Duration::from_secs(31)).await;
    }
}

// ----------------------------------------------------------------- system-user keys

const APP_KEY_PKCS8: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/auth/app_key.pkcs8.pem"
));
const APP_KEY_PKCS1: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/auth/app_key.pkcs1.pem"
));
const APP_KEY_XML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/auth/app_key.xml"
));

fn check_key(text: &[u8]) -> Result<(), TestCaseError> {
    let text = String::from_utf8_lossy(text);
    for result in [
        SystemUserKey::parse(&text),
        SystemUserKey::from_pem(&text),
        SystemUserKey::from_xml(&text),
    ] {
        match result {
            Ok(key) => prop_assert!(key.bits() >= 1024, "weak key accepted: {}", key.bits()),
            Err(AuthError::InvalidKey { reason }) => {
                // The error never echoes key material.
                prop_assert!(!reason.contains("MII") && reason.len() < 200, "{}", reason);
            }
            Err(other) => prop_assert!(false, "untyped key error {:?}", other),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn system_user_keys_from_arbitrary_text_never_panic(text in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_key(&text)?;
    }

    #[test]
    fn mutated_xml_keys_give_typed_errors(text in mutated(APP_KEY_XML.as_bytes().to_vec())) {
        check_key(&text)?;
    }

    #[test]
    fn mutated_pem_keys_give_typed_errors(
        text in prop_oneof![
            mutated(APP_KEY_PKCS8.as_bytes().to_vec()),
            mutated(APP_KEY_PKCS1.as_bytes().to_vec()),
        ],
    ) {
        check_key(&text)?;
    }
}

// ------------------------------------------------------------------------ OData filter

proptest! {
    #![proptest_config(config(4096))]

    /// Extends `odata::quoted_user_text_never_changes_the_filter_structure`: every text
    /// operator (`is`, `isNot`, `begins`, `contains`), nested `and`/`or`, and hostile column
    /// names (refused or kept as one column).
    #[test]
    fn user_text_never_changes_any_filter_structure(
        column in prop_oneof![any::<String>(), "[a-zA-Z/_.:]{1,12}", Just("name eq 1 or x".to_owned())],
        text in prop_oneof![any::<String>(), "['\\\\() ,a-z]{0,16}"],
    ) {
        let mut data = column.into_bytes();
        data.retain(|b| *b != 0);
        data.push(0);
        data.extend(text.into_bytes());
        fuzz_bodies::odata_filter(&data);
    }
}

// ------------------------------------------------------------------------ path segments

proptest! {
    #![proptest_config(config(4096))]

    /// Each value stays exactly one segment under the API base and reads back unchanged; `.`
    /// and `..` are refused before anything is sent.
    #[test]
    fn each_value_stays_one_segment_under_the_base(
        value in prop_oneof![
            any::<String>(),
            "[./%?#\\\\:@;]{0,8}",
            Just("..".to_owned()),
            Just("%2e%2e".to_owned()),
            Just("//evil.example".to_owned()),
        ],
    ) {
        let base: Url = "https://sod2.superoffice.com/Cust12345/api/".parse().unwrap();
        let request = ApiRequest::get("v1/Sale/{id}", ["v1", "Sale", value.as_str()]);
        match request.url(&base) {
            Ok(url) => {
                prop_assert!(value != "." && value != "..");
                prop_assert_eq!(url.origin(), base.origin());
                let segments: Vec<&str> = url.path_segments().unwrap().collect();
                prop_assert_eq!(segments.len(), 5, "{}", url);
                prop_assert_eq!(&segments[..4], &["Cust12345", "api", "v1", "Sale"]);
                let decoded = percent_encoding::percent_decode_str(segments[4]).decode_utf8_lossy();
                prop_assert_eq!(decoded.as_ref(), value.as_str());
                prop_assert!(url.query().is_none() && url.fragment().is_none());
            }
            Err(e) => {
                prop_assert!(value == "." || value == "..", "{} refused: {}", value, e);
                prop_assert!(matches!(e, Error::InvalidInput(_)));
            }
        }
    }
}

// ----------------------------------------------------------------- identifiers, URLs

proptest! {
    #![proptest_config(config(4096))]

    #[test]
    fn identifiers_and_urls_never_panic(
        text in prop_oneof![
            any::<String>(),
            "[cC][uU][sS][tT][0-9]{0,16}",
            "https?://[a-z.:0-9\\[\\]]{0,20}/[a-zA-Z0-9/<>]{0,20}",
            "https://app\\.example\\.com/p\\?c=<uctx>&u=<usid>[<>a-z&=]{0,12}",
        ],
    ) {
        fuzz_bodies::identifiers(text.as_bytes());
    }

    #[test]
    fn customer_ids_round_trip(digits in "[0-9]{1,12}", prefix in "[cC][uU][sS][tT]", pad in "[ \t]{0,2}") {
        let id = CustomerId::parse(&format!("{pad}{prefix}{digits}{pad}")).unwrap();
        prop_assert_eq!(id.as_str(), format!("Cust{digits}"));
        prop_assert_eq!(id.to_string().parse::<CustomerId>().unwrap(), id.clone());
        let from_url = CustomerId::from_url(&format!("https://sod2.superoffice.com/{id}/api/v1/Sale?x=1")).unwrap();
        prop_assert_eq!(from_url, id);
    }
}

// ------------------------------------------------------------------ model decoders

/// JSON values of bounded depth with hostile leaves (huge numbers, wrong types).
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("1e999999".to_owned()),
        Just("-123456789012345678901234567890".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("\"\\ud800\"".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6)
                .prop_map(|v| format!("[{}]", v.join(","))),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("SaleId"),
                        Just("Heading"),
                        Just("Amount"),
                        Just("Saledate"),
                        Just("Status"),
                        Just("Contact"),
                        Just("Person"),
                        Just("Currency"),
                        Just("UserDefinedFields"),
                        Just("value"),
                        Just("odata.nextLink"),
                        Just("PrimaryKey"),
                        Just("EventId"),
                        Just("Changes")
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|v| format!(
                "{{{}}}",
                v.iter()
                    .map(|(k, v)| format!("\"{k}\":{v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            )),
        ]
    })
}

proptest! {
    #![proptest_config(config(4096))]

    #[test]
    fn model_decoders_on_hostile_json_never_panic(body in json_value(), depth in 0usize..600) {
        fuzz_bodies::model_decode(body.as_bytes());
        // Nesting past serde_json's recursion limit (128) is an error, not an overflow.
        let deep = format!("{{\"SaleId\":{}{}", "[".repeat(depth), "]".repeat(depth / 2));
        fuzz_bodies::model_decode(deep.as_bytes());
    }
}

/// Through the client: deep nesting, a huge number and a wrong type each end in a typed
/// decode error naming the endpoint, never a panic or a stack overflow.
#[tokio::test]
async fn hostile_sale_bodies_are_typed_decode_errors() {
    let server = MockServer::start().await;
    let (client, _) = rest_support::client(&server);
    for body in [
        format!("{{\"SaleId\":{}", "[".repeat(100_000)),
        "{\"SaleId\":1e999999}".to_owned(),
        "{\"SaleId\":18446744073709551616}".to_owned(),
        "{\"SaleId\":\"4711\",\"Heading\":[1]}".to_owned(),
    ] {
        server.reset().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
            .mount(&server)
            .await;
        let err = client
            .sales()
            .get(SaleId(4711))
            .await
            .expect_err("hostile body");
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    }
}

// -------------------------------------------------------------- server-driven HTTP input

/// A responder whose answer the test changes between cases.
#[derive(Clone, Default)]
struct Scripted(Arc<Mutex<Option<ResponseTemplate>>>);

impl Scripted {
    fn set(&self, response: ResponseTemplate) {
        *self.0.lock().unwrap() = Some(response);
    }
}

impl Respond for Scripted {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.0
            .lock()
            .unwrap()
            .clone()
            .unwrap_or_else(|| ResponseTemplate::new(500))
    }
}

fn page(rows: std::ops::Range<i64>, next_link: Option<&str>) -> serde_json::Value {
    let mut page = serde_json::json!({
        "odata.metadata": "https://sod2.superoffice.com/Cust12345/api/v1/archive$metadata",
        "value": rows.map(|id| serde_json::json!({"PrimaryKey": id, "saleId": id})).collect::<Vec<_>>(),
    });
    if let Some(link) = next_link {
        page["odata.nextLink"] = serde_json::Value::String(link.to_owned());
    }
    page
}

/// Hostile `odata.nextLink` values: the stream never sends a request off the server or
/// outside the tenant's API base, and always ends.
#[test]
fn next_links_never_leave_the_api_base() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let first = Scripted::default();
    rt.block_on(
        Mock::given(method("GET"))
            .respond_with(first.clone())
            .mount(&server),
    );
    let (client, _) = rest_support::client(&server);
    let base = rest_support::api_base(&server);
    let origin = format!("127.0.0.1:{}", server.address().port());
    let link = prop_oneof![
        any::<String>(),
        Just("//evil.example/Cust12345/api/v1/Sale".to_owned()),
        Just("https://evil.example/Cust12345/api/v1/Sale?$skip=2".to_owned()),
        Just("../../Cust99999/api/v1/Sale".to_owned()),
        Just("/Cust99999/api/v1/Sale".to_owned()),
        Just("%2e%2e/%2e%2e/x".to_owned()),
        Just(format!("http://{origin}/Cust12345/api/v1/Sale?$skip=2")),
        Just(format!("http://{origin}/Cust12345/apix/v1")),
        Just(format!("http://user:pw@{origin}/Cust12345/api/v1/Sale")),
        "[./%a-z?&$=:@\\\\]{0,24}",
    ];
    let mut runner = TestRunner::new(config(256));
    runner
        .run(&link, |link| {
            rt.block_on(async {
                server.reset().await;
                first.set(rest_support_json(&page(1..3, Some(&link))));
                Mock::given(method("GET"))
                    .respond_with(first.clone())
                    .mount(&server)
                    .await;
                let stream = client.contacts().list().top(2).max_pages(5).stream();
                let items: Vec<_> = stream.collect().await;
                prop_assert!(items.len() <= 12, "the stream did not end");
                for request in server.received_requests().await.unwrap_or_default() {
                    prop_assert!(
                        request.url.path().starts_with(base.path()),
                        "{} left the base for link {:?}",
                        request.url,
                        link
                    );
                }
                Ok(())
            })
        })
        .unwrap();
}

fn rest_support_json(body: &serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(serde_json::to_vec(body).unwrap(), "application/json")
}

/// A server that ignores `$skip` (the same full page every time): the stream stops with a
/// typed error instead of looping.
#[tokio::test]
async fn a_server_that_ignores_skip_cannot_make_the_stream_loop() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(rest_support_json(&page(1..4, None)))
        .mount(&server)
        .await;
    let (client, _) = rest_support::client(&server);
    let items: Vec<Result<ODataRow, Error>> =
        client.contacts().list().top(3).stream().collect().await;
    assert_eq!(items.iter().filter(|i| i.is_ok()).count(), 3);
    let last = items.last().expect("items").as_ref().expect_err("stopped");
    assert!(matches!(last, Error::Protocol(_)), "{last:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    // A server that repeats the same link forever ends too.
    server.reset().await;
    let link = format!(
        "{}v1/archive/contact?$skip=3",
        rest_support::api_base(&server)
    );
    let mut n = 0i64;
    let pages = (0..50)
        .map(|_| {
            n += 3;
            page(n..n + 3, Some(&link))
        })
        .collect::<Vec<_>>();
    let served = Arc::new(Mutex::new(pages.into_iter()));
    Mock::given(method("GET"))
        .respond_with(move |_: &Request| {
            let next = served
                .lock()
                .unwrap()
                .next()
                .unwrap_or_else(|| page(0..0, None));
            rest_support_json(&next)
        })
        .mount(&server)
        .await;
    let items: Vec<Result<ODataRow, Error>> =
        client.contacts().list().top(3).stream().collect().await;
    assert!(
        items.len() <= 6,
        "followed a repeated link: {}",
        items.len()
    );
}

/// `Retry-After` values read from a real 429 and passed to `decide`: never a wait past the
/// policy's single-wait cap or its total budget.
#[test]
fn retry_after_never_waits_past_the_caps() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let scripted = Scripted::default();
    rt.block_on(
        Mock::given(method("GET"))
            .and(path("/Cust12345/api/v1/Sale/1"))
            .respond_with(scripted.clone())
            .mount(&server),
    );
    let client = Client::builder()
        .api_base(rest_support::api_base(&server))
        .token_provider(Arc::new(StaticToken::new(Credential::bearer(
            "8A:Cust12345.t",
        ))))
        .rate_limit(RateLimit::unlimited())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let policy = RetryPolicy::default()
        .max_backoff(Duration::from_secs(8))
        .max_elapsed(Duration::from_secs(30));
    let value = prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        (0u64..120).prop_map(|n| n.to_string()),
        (0i64..4_000_000_000).prop_map(|secs| {
            chrono::DateTime::from_timestamp(secs, 0)
                .unwrap()
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string()
        }),
        "[ -~]{0,40}",
    ];
    let mut runner = TestRunner::new(config(256));
    runner
        .run(
            &(value, 1u32..6, 0u64..40, 0.0f64..1.0),
            |(value, attempt, elapsed, jitter)| {
                scripted
                    .set(ResponseTemplate::new(429).insert_header("Retry-After", value.as_str()));
                let err = rt.block_on(client.sales().get(SaleId(1))).expect_err("429");
                let elapsed = Duration::from_secs(elapsed);
                match policy.decide(true, &err, attempt, elapsed, jitter) {
                    RetryDecision::Retry { after } => {
                        prop_assert!(
                            after <= Duration::from_secs(8),
                            "{:?} for {:?}",
                            after,
                            value
                        );
                        prop_assert!(elapsed + after <= Duration::from_secs(30));
                    }
                    RetryDecision::GiveUp => {}
                    other => prop_assert!(false, "{:?}", other),
                }
                Ok(())
            },
        )
        .unwrap();
}

// ---------------------------------------------------------------------- the sandbox

/// Arbitrary method, path, query and body against the sandbox (both its data host and its
/// auth host): it never panics and, with no fault injected, never answers 5xx; its request
/// log stays bounded.
#[test]
fn the_sandbox_router_survives_arbitrary_requests() {
    use superoffice_sandbox::SuperOfficeSandbox;
    let rt = runtime();
    let sandbox = rt.block_on(SuperOfficeSandbox::start()).expect("sandbox");
    let token = sandbox
        .issue_access_token(superoffice_sandbox::default_seed::SELLER_EMAIL)
        .expect("token");
    let api_base = sandbox.api_base("Cust12345").expect("tenant");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let request = (
        prop_oneof![
            Just("GET"),
            Just("POST"),
            Just("PUT"),
            Just("PATCH"),
            Just("DELETE"),
            Just("HEAD"),
            Just("OPTIONS"),
            Just("PROPFIND")
        ],
        prop_oneof![
            Just("v1/Sale/".to_owned()),
            Just("v1/Contact/".to_owned()),
            Just("v1/archive/".to_owned()),
            Just("v1/Webhook/".to_owned()),
            Just("v1/WebPanel/".to_owned()),
            Just("v1/Document/".to_owned()),
            Just("../login/".to_owned()),
            Just(String::new()),
        ],
        "[a-zA-Z0-9%./_~$-]{0,24}",
        proptest::option::of("[a-zA-Z0-9%$=&' ()]{0,40}"),
        proptest::collection::vec(any::<u8>(), 0..200),
        any::<bool>(),
        any::<bool>(),
    );
    let mut runner = TestRunner::new(config(384));
    runner
        .run(
            &request,
            |(verb, prefix, tail, query, body, json, authed)| {
                let mut url = api_base.clone();
                url.push_str(&prefix);
                url.push_str(&tail);
                if let Some(q) = &query {
                    url.push('?');
                    url.push_str(q);
                }
                let Ok(url) = Url::parse(&url) else {
                    return Ok(());
                };
                let mut builder = http.request(verb.parse().unwrap(), url.clone()).body(body);
                if json {
                    builder = builder.header("Content-Type", "application/json");
                }
                if authed {
                    builder = builder.bearer_auth(&token);
                }
                let status = rt
                    .block_on(builder.send())
                    .map_err(|e| TestCaseError::fail(format!("{verb} {url}: {e}")))?
                    .status();
                prop_assert!(
                    status.as_u16() < 500,
                    "{} {} answered {}",
                    verb,
                    url,
                    status
                );
                Ok(())
            },
        )
        .unwrap();
    let log = sandbox.requests();
    assert!(
        !log.is_empty() && log.len() <= 10_000,
        "log size {}",
        log.len()
    );
    // The cases got past the router (a 404/405 alone would test little): the sandbox's
    // authentication and handlers refused some of them.
    let refused = log
        .iter()
        .filter(|r| (400..500).contains(&r.status) && !matches!(r.status, 404 | 405))
        .count();
    assert!(refused > 0, "every case ended in the router");
    rt.block_on(sandbox.shutdown());
}
