//! Secret hygiene (issue 12): with a random API token and sign key, every error path of the
//! API (4xx, 5xx HTML, 2xx-but-not-200, bad JSON, HTML, redirects, timeouts), the file
//! download's redirect hops and webhook verification leave no secret in any `Debug`,
//! `Display`, error source or log line, and credentials never reach another host. A binary of
//! its own: it installs a global subscriber that captures every log line at TRACE.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use oneflow_client::models::{ContractId, FileId};
use oneflow_client::{webhook, Client, RetryPolicy, TOKEN_HEADER, USER_EMAIL_HEADER};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const EMAIL: &str = "integration@ourco.example";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The global capture, installed once for the whole binary.
fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
        captured
    })
}

fn log_text() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned()
}

/// A random secret with a recognisable prefix.
fn random_secret(kind: &str) -> String {
    let mut text = format!("{kind}-");
    for _ in 0..3 {
        let mut h = RandomState::new().build_hasher();
        h.write_u8(0);
        text.push_str(&format!("{:016x}", h.finish()));
    }
    text
}

/// A random API token in Oneflow's format (40 characters, alphanumeric and `-`).
fn random_token() -> String {
    random_secret("oF")[..40].to_owned()
}

/// Fails when any secret appears in `text` (whole, or its last 16 characters).
fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        let piece = &secret[secret.len() - 16..];
        assert!(
            !text.contains(secret) && !text.contains(piece),
            "{what} shows a secret: {text}"
        );
    }
}

/// `Display`, `Debug` and the whole source chain of an error.
fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("{err} {err:?}");
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(&format!(" | {s} {s:?}"));
        source = s.source();
    }
    text
}

fn client(server: &MockServer, token: &str) -> Client {
    Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .api_token(token.to_owned())
        .user_email(EMAIL)
        .timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("client")
}

/// Everything a host received, as text (URLs, headers, bodies).
async fn received_text(server: &MockServer) -> String {
    let mut text = String::new();
    for request in server.received_requests().await.unwrap_or_default() {
        text.push_str(&format!(
            "{} {:?} {}\n",
            request.url,
            request.headers,
            String::from_utf8_lossy(&request.body)
        ));
    }
    text
}

#[tokio::test]
async fn api_error_paths_keep_the_token_out() {
    let _ = logs();
    let token = random_token();
    let other = MockServer::start().await;
    let answers = [
        (
            "401",
            ResponseTemplate::new(401).set_body_json(
                json!({"error_code": 4010000, "status": 401, "title": "Unauthorized"}),
            ),
        ),
        (
            "403",
            ResponseTemplate::new(403).set_body_json(json!({"status": 403, "title": "Forbidden"})),
        ),
        (
            "500 html",
            ResponseTemplate::new(500).set_body_raw("<html>boom</html>", "text/html"),
        ),
        (
            "502 html",
            ResponseTemplate::new(502).set_body_raw("<html>bad gateway</html>", "text/html"),
        ),
        ("204", ResponseTemplate::new(204)),
        (
            "202",
            ResponseTemplate::new(202).set_body_json(json!({"queued": true})),
        ),
        (
            "200 bad json",
            ResponseTemplate::new(200).set_body_raw("{\"id\": 3012345,", "application/json"),
        ),
        (
            "200 html",
            ResponseTemplate::new(200).set_body_raw("<p>login</p>", "text/html"),
        ),
        (
            "302 elsewhere",
            ResponseTemplate::new(302).insert_header(
                "Location",
                format!("{}/v1/contracts/1", other.uri()).as_str(),
            ),
        ),
        (
            "timeout",
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": 1}))
                .set_delay(Duration::from_secs(2)),
        ),
    ];
    for (name, answer) in answers {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let client = client(&server, &token);
        assert_clean("Client Debug", &format!("{client:?}"), &[&token]);
        if let Err(err) = client.contracts().get(ContractId(3_012_345)).await {
            assert_clean(name, &describe(&err), &[&token]);
        } else {
            assert!(name.starts_with("20"), "{name} accepted");
        }
    }
    assert_clean("the other host", &received_text(&other).await, &[&token]);
    let logs = log_text();
    assert!(logs.contains("oneflow_client"), "nothing captured");
    assert_clean("logs", &logs, &[&token]);
}

/// The download's redirect chain: API host → storage host → back to the API host. Only the
/// first request carries credentials (a hop back after leaving the origin is untrusted).
#[tokio::test]
async fn download_hops_never_carry_credentials_off_the_first_request() {
    let _ = logs();
    let token = random_token();
    let api = MockServer::start().await;
    let storage = MockServer::start().await;
    let signed = random_secret("sig");
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/files/3101"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "Location",
            format!("{}/blob/offer.pdf?sig={signed}", storage.uri()).as_str(),
        ))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/blob/offer.pdf"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("Location", format!("{}/v1/back", api.uri()).as_str()),
        )
        .mount(&storage)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/back"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(b"%PDF-1.7".to_vec(), "application/pdf"),
        )
        .mount(&api)
        .await;
    let download = client(&api, &token)
        .files()
        .download(ContractId(3_012_345), FileId(3101))
        .await
        .expect("downloaded");
    assert_eq!(&download.bytes().await.unwrap()[..], b"%PDF-1.7");

    let api_requests = api.received_requests().await.unwrap();
    assert_eq!(api_requests.len(), 2);
    assert!(api_requests[0].headers.contains_key(TOKEN_HEADER));
    for hop in api_requests[1..]
        .iter()
        .chain(storage.received_requests().await.unwrap().iter())
    {
        assert!(!hop.headers.contains_key(TOKEN_HEADER), "{}", hop.url);
        assert!(!hop.headers.contains_key(USER_EMAIL_HEADER), "{}", hop.url);
    }
    assert_clean("storage host", &received_text(&storage).await, &[&token]);

    // A failing hop: its error shows neither the token nor the pre-signed URL.
    api.reset().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/files/3101"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "Location",
            format!("{}/gone?sig={signed}", storage.uri()).as_str(),
        ))
        .mount(&api)
        .await;
    let err = client(&api, &token)
        .files()
        .download(ContractId(3_012_345), FileId(3101))
        .await
        .map(|_| ())
        .expect_err("404 on the storage host");
    assert_clean("download error", &describe(&err), &[&token, &signed]);
    assert_clean("logs", &log_text(), &[&token, &signed]);
}

#[tokio::test]
async fn webhook_errors_keep_the_sign_key_and_the_expected_signature_out() {
    let _ = logs();
    let key = random_secret("sk");
    let callback_id = "eaf850991bb7c273a56dcdeb265d30006fdc9de0";
    let expected = webhook::sign_for_test(callback_id, &key);
    for signature in [
        "",
        "00",
        "not hex",
        &webhook::sign_for_test(callback_id, "other"),
    ] {
        let body = json!({"contract": {"id": 1}, "callback_id": callback_id, "events": [],
                          "signature": signature})
        .to_string();
        let err = webhook::verify(body.as_bytes(), key.as_str()).expect_err("refused");
        assert_clean("webhook error", &describe(&err), &[&key, &expected]);
    }
    // Valid signature, broken payload.
    let body = json!({"contract": {"id": "x"}, "callback_id": callback_id, "events": 3,
                      "signature": expected})
    .to_string();
    let err = webhook::verify(body.as_bytes(), key.as_str()).expect_err("bad payload");
    assert_clean("payload error", &describe(&err), &[&key]);
    assert_clean("logs", &log_text(), &[&key, &expected]);
}
