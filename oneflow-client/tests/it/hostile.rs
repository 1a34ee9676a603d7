//! Hostile input (issue 12): property tests over arbitrary and mutated input, and the fuzz
//! target bodies of `fuzz/` run over their seed corpus (so CI exercises them on stable).
//!
//! Case counts are explicit. Pure properties run thousands of cases; properties that need a
//! local HTTP server per case run a few hundred (each case is a real round trip).

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use oneflow_client::models::ContractId;
use oneflow_client::webhook::{self, WebhookError};
use oneflow_client::{ApiRequest, Client, Error, RetryDecision, RetryPolicy};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
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
    for seed in corpus("model_decode") {
        fuzz_bodies::model_decode(&seed);
    }
    for seed in corpus("retry_after") {
        fuzz_bodies::retry_after(&seed);
    }
    for seed in corpus("request_path") {
        fuzz_bodies::request_path(&seed);
    }
}

// ------------------------------------------------------------------------- webhooks

const SIGN_KEY: &str = "sk-9d2f7a61c3";

fn delivery() -> Vec<u8> {
    webhook::signed_test_body(
        101,
        "eaf850991bb7c273a56dcdeb265d30006fdc9de0",
        &[(2322, "contract:publish")],
        SIGN_KEY,
    )
}

proptest! {
    #![proptest_config(config(4096))]

    /// Arbitrary bytes as key and body: no panic, no forgery, no leaked signature.
    #[test]
    fn webhook_verify_on_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        fuzz_bodies::webhook_verify(&data);
    }

    /// A valid delivery, mutated: accepted only while `signature` still is
    /// `sha1(callback_id + key)` (the signature covers the callback id only, see
    /// `webhook`'s docs), never a forgery, no leaked signature.
    #[test]
    fn mutated_deliveries_are_never_forgeries(body in mutated(delivery())) {
        fuzz_bodies::check_webhook(&body, SIGN_KEY);
    }

    /// A valid delivery under a mutated key is refused.
    #[test]
    fn a_mutated_key_is_refused(key in mutated(SIGN_KEY.as_bytes().to_vec())) {
        let key = String::from_utf8_lossy(&key);
        let result = webhook::verify(&delivery(), key.as_ref());
        if key != SIGN_KEY {
            prop_assert!(matches!(
                result,
                Err(WebhookError::InvalidSignature | WebhookError::EmptySignKey)
            ));
        }
    }
}

// ------------------------------------------------------------------------ path segments

fn segment_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[./%?#\\\\:@;]{0,8}",
        Just("..".to_owned()),
        Just("%2e%2e".to_owned()),
        Just("//evil.example".to_owned()),
        Just("https://evil.example/".to_owned()),
    ]
}

proptest! {
    #![proptest_config(config(4096))]

    /// Each value is one percent-encoded segment that decodes back to itself, and resolves
    /// to one segment under the base URL (`.`/`..` are flagged and refused when sent).
    #[test]
    fn each_value_stays_one_segment(value in segment_value()) {
        fuzz_bodies::request_path(format!("tags\0{value}").as_bytes());
        let request = ApiRequest::get("tags/{id}", ["tags", value.as_str()]);
        if value == "." || value == ".." {
            return Ok(());
        }
        // The client resolves `./{path}` against its base (see `ApiRequest::path`).
        let base: Url = "https://api.oneflow.com/v1/".parse().unwrap();
        let url = base.join(&format!("./{}", request.path())).unwrap();
        prop_assert_eq!(url.origin(), base.origin());
        let segments: Vec<&str> = url.path_segments().unwrap().collect();
        prop_assert_eq!(segments.len(), 3, "{}", url);
        prop_assert_eq!(&segments[..2], &["v1", "tags"]);
        let decoded = percent_encoding::percent_decode_str(segments[2]).decode_utf8_lossy();
        prop_assert_eq!(decoded.as_ref(), value.as_str());
    }
}

/// The same through the client and a local server: the server sees one segment under `/v1`,
/// and dot segments never leave the process.
#[test]
fn sent_requests_keep_each_value_in_one_segment() {
    let rt = runtime();
    let server = rt.block_on(common::server());
    rt.block_on(
        Mock::given(method("GET"))
            .respond_with(common::json(200, "{}"))
            .mount(&server),
    );
    let client = common::client(&server);
    let mut runner = TestRunner::new(config(256));
    runner
        .run(&segment_value(), |value| {
            let request = ApiRequest::get("tags/{id}", ["tags", value.as_str()]);
            let before = rt.block_on(server.received_requests()).unwrap().len();
            let result = rt.block_on(client.execute::<serde_json::Value>(request));
            let received = rt.block_on(server.received_requests()).unwrap();
            if value == "." || value == ".." {
                prop_assert!(matches!(result, Err(Error::InvalidInput(_))));
                prop_assert_eq!(received.len(), before);
                return Ok(());
            }
            result.map_err(|e| TestCaseError::fail(format!("{value:?}: {e}")))?;
            let url = &received.last().expect("sent").url;
            let segments: Vec<&str> = url.path_segments().unwrap().collect();
            prop_assert_eq!(segments.len(), 3, "{}", url);
            prop_assert_eq!(&segments[..2], &["v1", "tags"]);
            let decoded = percent_encoding::percent_decode_str(segments[2]).decode_utf8_lossy();
            prop_assert_eq!(decoded.as_ref(), value.as_str());
            Ok(())
        })
        .unwrap();
}

// ------------------------------------------------------------------- pagination links

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

fn users_page(count: u64, ids: std::ops::Range<i64>, next: serde_json::Value) -> String {
    serde_json::json!({
        "_links": {"next": next, "previous": null},
        "count": count,
        "data": ids.map(|id| serde_json::json!({
            "id": id, "email": format!("user{id}@ourco.example"), "name": "User",
            "active": true, "state": "registered"
        })).collect::<Vec<_>>(),
    })
    .to_string()
}

/// Hostile `_links.next` values: the client pages by offset on its own base URL and never
/// follows a link off the origin or above `/v1`; with a reported `count` the stream ends
/// after it (a server without a count that repeats full pages is the next test).
#[test]
fn pagination_links_never_move_the_client() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let scripted = Scripted::default();
    rt.block_on(
        Mock::given(method("GET"))
            .respond_with(scripted.clone())
            .mount(&server),
    );
    let client = common::client(&server);
    let origin = server.uri();
    let link = prop_oneof![
        any::<String>().prop_map(|s| serde_json::json!({"href": s})),
        Just(serde_json::json!({"href": "https://evil.example/v1/users?offset=2"})),
        Just(serde_json::json!({"href": "//evil.example/v1/users"})),
        Just(serde_json::json!({"href": format!("{origin}/admin/users?offset=2")})),
        Just(serde_json::json!({"href": "../../admin"})),
        Just(serde_json::json!({"href": 17})),
        Just(serde_json::json!("not an object")),
        Just(serde_json::json!(null)),
    ];
    let mut runner = TestRunner::new(config(256));
    runner
        .run(&(link, 1u64..6), |(next, count)| {
            scripted.set(common::json(200, &users_page(count, 1..3, next.clone())));
            rt.block_on(server.reset());
            rt.block_on(
                Mock::given(method("GET"))
                    .respond_with(scripted.clone())
                    .mount(&server),
            );
            let items: Vec<_> = rt.block_on(client.users().list().limit(2).stream().collect());
            prop_assert!(items.len() as u64 <= count + 2, "the stream did not end");
            for request in rt.block_on(server.received_requests()).unwrap() {
                prop_assert!(
                    request.url.path().starts_with("/v1/users"),
                    "{} for {:?}",
                    request.url,
                    next
                );
            }
            Ok(())
        })
        .unwrap();
}

/// A server that ignores `offset` (the same full page, no count) cannot keep the stream
/// going or make it repeat items: the second, identical page ends it with a typed error.
/// Before this check the stream repeated the same 100 users until the offset ceiling
/// (200 requests, 19 900 duplicates).
#[tokio::test]
async fn a_server_that_ignores_offset_ends_the_stream_without_repeating_items() {
    let server = MockServer::start().await;
    let page = serde_json::json!({
        "count": 0,
        "data": (1..=100).map(|id| serde_json::json!({"id": id, "email": "u@ourco.example"})).collect::<Vec<_>>(),
        "_links": {"next": {"href": "https://api.oneflow.com/v1/users?offset=100"}},
    });
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .respond_with(common::json(200, &page.to_string()))
        .expect(2)
        .mount(&server)
        .await;
    let client = common::client(&server);
    let items: Vec<_> = client.users().list().stream().collect().await;
    assert_eq!(items.len(), 101, "one page of items, then the error");
    assert!(items[..100].iter().all(Result::is_ok));
    let last = items.last().expect("items").as_ref().expect_err("ended");
    assert!(
        matches!(last, Error::RepeatedPage { offset: 100 }),
        "{last:?}"
    );
}

// ------------------------------------------------------------------------ Retry-After

proptest! {
    #![proptest_config(config(4096))]

    #[test]
    fn retry_after_never_waits_past_the_caps(
        value in prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            (0i64..4_000_000_000).prop_map(|secs| {
                chrono::DateTime::from_timestamp(secs, 0)
                    .unwrap()
                    .format("%a, %d %b %Y %H:%M:%S GMT")
                    .to_string()
            }),
            (0i64..4_000_000_000).prop_map(|secs| {
                chrono::DateTime::from_timestamp(secs, 0)
                    .unwrap()
                    .format("%A, %d-%b-%y %H:%M:%S GMT")
                    .to_string()
            }),
            "[ -~]{0,40}",
            any::<String>(),
        ],
    ) {
        fuzz_bodies::retry_after(value.as_bytes());
    }
}

/// Read from real 429 answers by the client: the same caps hold.
#[test]
fn retry_after_from_the_wire_never_waits_past_the_caps() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let scripted = Scripted::default();
    rt.block_on(
        Mock::given(method("GET"))
            .respond_with(scripted.clone())
            .mount(&server),
    );
    let client = Client::builder()
        .base_url(common::base(&server))
        .api_token(common::TOKEN)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let policy = RetryPolicy::default()
        .max_backoff(Duration::from_secs(8))
        .max_elapsed(Duration::from_secs(30));
    let value = prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        (0u64..120).prop_map(|n| n.to_string()),
        "[ -~]{0,40}",
    ];
    let mut runner = TestRunner::new(config(256));
    runner
        .run(&(value, 1u32..6, 0u64..40), |(value, attempt, elapsed)| {
            scripted.set(
                common::json(429, r#"{"title":"Too Many Requests","status":429}"#)
                    .insert_header("Retry-After", value.as_str()),
            );
            let err = rt
                .block_on(client.contracts().get(ContractId(1)))
                .expect_err("429");
            let elapsed = Duration::from_secs(elapsed);
            if let RetryDecision::Retry { after } = policy.decide(true, &err, attempt, elapsed, 0.3)
            {
                prop_assert!(
                    after <= Duration::from_secs(8),
                    "{:?} for {:?}",
                    after,
                    value
                );
                prop_assert!(elapsed + after <= Duration::from_secs(30));
            }
            Ok(())
        })
        .unwrap();
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
                        Just("id"),
                        Just("state"),
                        Just("parties"),
                        Just("participants"),
                        Just("data_fields"),
                        Just("products"),
                        Just("_links"),
                        Just("data"),
                        Just("count"),
                        Just("created_time"),
                        Just("workspace_id"),
                        Just("callback_id"),
                        Just("events"),
                        Just("type"),
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
        let deep = format!("{{\"id\":1,\"parties\":{}{}", "[".repeat(depth), "]".repeat(depth / 2));
        fuzz_bodies::model_decode(deep.as_bytes());
    }
}

/// Through the client: deep nesting, a huge number and a wrong type each end in a typed
/// decode error, never a panic or a stack overflow.
#[tokio::test]
async fn hostile_contract_bodies_are_typed_decode_errors() {
    let server = common::server().await;
    let client = common::client(&server);
    for body in [
        format!("{{\"id\":1,\"parties\":{}", "[".repeat(100_000)),
        "{\"id\":1e999999}".to_owned(),
        "{\"id\":18446744073709551616}".to_owned(),
        "{\"id\":\"101\",\"parties\":{\"a\":1}}".to_owned(),
    ] {
        Mock::given(method("GET"))
            .and(path("/v1/contracts/101"))
            .respond_with(common::json(200, &body))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        let err = client
            .contracts()
            .get(ContractId(101))
            .await
            .expect_err("hostile body");
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    }
}

// ---------------------------------------------------------------------- the sandbox

/// Arbitrary method, path, query and body against the sandbox: it never panics and, with no
/// fault injected, never answers 5xx; its request log stays within `LOG_CAPACITY`.
#[test]
fn the_sandbox_router_survives_arbitrary_requests() {
    use oneflow_sandbox::{OneflowSandbox, LOG_CAPACITY};
    let rt = runtime();
    let sandbox = rt.block_on(OneflowSandbox::start()).expect("sandbox");
    let base = sandbox.base_url().clone();
    let token = sandbox.api_token().to_owned();
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
            Just("contracts/"),
            Just("contracts/create"),
            Just("templates/"),
            Just("users/"),
            Just("workspaces/"),
            Just("webhooks/"),
            Just("files/"),
            Just("../"),
            Just(""),
        ],
        "[a-zA-Z0-9%./_~-]{0,24}",
        proptest::option::of("[a-zA-Z0-9%=&' ()\\[\\]]{0,40}"),
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..200),
            Just(br#"{"template_id":1,"workspace_id":1}"#.to_vec()),
            Just(br#"{"parties":[{"participants":[{}]}]}"#.to_vec()),
        ],
        any::<bool>(),
        proptest::option::of(prop_oneof![
            Just("integration@ourco.example".to_owned()),
            "[a-z@.]{0,12}"
        ]),
    );
    let mut runner = TestRunner::new(config(384));
    runner
        .run(
            &request,
            |(verb, prefix, tail, query, body, authed, email)| {
                let mut url = format!("{base}{prefix}{tail}");
                if let Some(q) = &query {
                    url.push('?');
                    url.push_str(q);
                }
                let Ok(url) = Url::parse(&url) else {
                    return Ok(());
                };
                let mut builder = http
                    .request(verb.parse().unwrap(), url.clone())
                    .header("Content-Type", "application/json")
                    .body(body);
                if authed {
                    builder = builder.header("x-oneflow-api-token", &token);
                }
                if let Some(email) = email {
                    builder = builder.header("x-oneflow-user-email", email);
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
    assert!(!log.is_empty() && log.len() <= LOG_CAPACITY);
    // The cases got past the router (a 404/405 alone would test little): the sandbox's
    // authentication and handlers refused some of them.
    let refused = log
        .iter()
        .filter(|r| (400..500).contains(&r.status) && !matches!(r.status, 404 | 405))
        .count();
    assert!(refused > 0, "every case ended in the router");
    rt.block_on(sandbox.shutdown());
}
