//! Secret hygiene (issue 12): with random secrets (client secret, refresh token, access
//! token, webhook secret, system token, app token, private key), every error path of the
//! token endpoint, the system-user endpoint, the REST API and webhook verification leaves no
//! secret in any `Debug`, `Display`, error source or log line; credentials never go to
//! another host on a redirect. A binary of its own: it installs a global subscriber that
//! captures every log line at TRACE.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;
use superoffice_client::auth::{
    OidcClient, OidcConfig, SystemUserConfig, SystemUserKey, SystemUserTokenProvider,
};
use superoffice_client::credentials::StaticToken;
use superoffice_client::models::SaleId;
use superoffice_client::{
    webhook, Client, Credential, CustomerId, Environment, RateLimit, RetryPolicy,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const APP_KEY_PKCS8: &str = include_str!("fixtures/auth/app_key.pkcs8.pem");
const CLIENT_ID: &str = "2f8d9a6b7c5e4d3f2a1b0c9d8e7f6a5b";
const REDIRECT_URI: &str = "https://app.example.com/superoffice/callback";

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

/// Fails when any secret appears in `text` (whole, or a 16-character piece of it).
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

fn short_timeout_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}

/// Answers that the client must refuse. `echo` stands for a credential in the answer (token
/// fields, a redirect target): it must never be shown. Free text of the server (an error
/// description, an HTML page) is the server's to choose and may be shown, redacted.
fn hostile_token_answers(echo: &str, other_host: &str) -> Vec<(&'static str, ResponseTemplate)> {
    let tokens = json!({"token_type": "Bearer", "access_token": echo, "refresh_token": echo,
                        "expires_in": 3600, "id_token": echo});
    vec![
        (
            "400 invalid_grant",
            ResponseTemplate::new(400).set_body_json(
                json!({"error": "invalid_grant", "error_description": "bad grant", "refresh_token": echo}),
            ),
        ),
        (
            "401",
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "invalid_client", "client_secret": echo})),
        ),
        (
            "500 html",
            ResponseTemplate::new(500)
                .set_body_raw(format!("<html>crash <pre>\"access_token\": \"{echo}\"</pre></html>"), "text/html"),
        ),
        (
            "201 with tokens",
            ResponseTemplate::new(201).set_body_json(tokens.clone()),
        ),
        (
            "202 with tokens",
            ResponseTemplate::new(202).set_body_json(tokens),
        ),
        (
            "200 bad json",
            ResponseTemplate::new(200)
                .set_body_raw(format!("{{\"access_token\": \"{echo}\""), "application/json"),
        ),
        (
            "200 html",
            ResponseTemplate::new(200)
                .set_body_raw(format!("<p>\"id_token\":\"{echo}\"</p>"), "text/html"),
        ),
        (
            "302 elsewhere",
            ResponseTemplate::new(302)
                .insert_header("Location", format!("{other_host}/steal?t={echo}").as_str()),
        ),
        (
            "307 elsewhere",
            ResponseTemplate::new(307).insert_header("Location", format!("{other_host}/steal")),
        ),
        (
            "timeout",
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": echo}))
                .set_delay(Duration::from_secs(2)),
        ),
    ]
}

/// Everything the other host received, as text (paths, headers, bodies).
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
async fn token_endpoint_errors_keep_the_client_secret_and_tokens_out() {
    let logs = logs();
    let client_secret = random_secret("cs");
    let refresh_token = random_secret("rt");
    let echo = random_secret("echo");
    let secrets = [
        client_secret.as_str(),
        refresh_token.as_str(),
        echo.as_str(),
    ];
    let other = MockServer::start().await;
    for (name, answer) in hostile_token_answers(&echo, &other.uri()) {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/login/common/oauth/tokens"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let config = OidcConfig::new(
            Environment::custom(server.uri()).unwrap(),
            CLIENT_ID,
            client_secret.clone(),
            REDIRECT_URI,
        )
        .unwrap();
        let oidc = OidcClient::builder(config)
            .http_client(short_timeout_http())
            .build()
            .unwrap();
        assert_clean("OidcClient Debug", &format!("{oidc:?}"), &secrets);
        let err = oidc
            .refresh(&SecretString::from(refresh_token.clone()))
            .await
            .expect_err(name);
        assert_clean(name, &describe(&err), &secrets);
    }
    let leaked = received_text(&other).await;
    assert_clean("the other host", &leaked, &[&client_secret, &refresh_token]);
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(text.contains("superoffice_client"), "nothing captured");
    assert_clean("logs", &text, &secrets);
}

#[tokio::test]
async fn system_user_errors_keep_the_system_token_app_token_and_key_out() {
    let logs = logs();
    let system_token = random_secret("st");
    let app_token = random_secret("at");
    let echo = random_secret("echo");
    // A piece of the private key's body (its PEM base64).
    let key_line = APP_KEY_PKCS8.lines().nth(5).expect("key body").to_owned();
    let secrets = [
        system_token.as_str(),
        app_token.as_str(),
        echo.as_str(),
        key_line.as_str(),
    ];
    let other = MockServer::start().await;
    for (name, answer) in hostile_token_answers(&echo, &other.uri()) {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let key = SystemUserKey::parse(APP_KEY_PKCS8).unwrap();
        assert_clean("SystemUserKey Debug", &format!("{key:?}"), &secrets);
        let config = SystemUserConfig::new(
            Environment::custom(server.uri()).unwrap(),
            CustomerId::parse("Cust26759").unwrap(),
            system_token.clone(),
            app_token.clone(),
            key,
        );
        assert_clean("SystemUserConfig Debug", &format!("{config:?}"), &secrets);
        let provider = SystemUserTokenProvider::new(config)
            .unwrap()
            .with_http_client(short_timeout_http());
        assert_clean("provider Debug", &format!("{provider:?}"), &secrets);
        let err = provider.issue_ticket().await.map(|_| ()).expect_err(name);
        assert_clean(name, &describe(&err), &secrets);
    }
    let leaked = received_text(&other).await;
    assert_clean("the other host", &leaked, &[&system_token, &app_token]);
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert_clean("logs", &text, &secrets);
}

#[tokio::test]
async fn rest_errors_and_redirects_keep_the_access_token_out() {
    let logs = logs();
    let access = random_secret("8A:Cust12345.tok");
    let app = random_secret("app");
    let echo = random_secret("echo");
    let secrets = [access.as_str(), app.as_str(), echo.as_str()];
    let other = MockServer::start().await;
    for (name, answer) in hostile_token_answers(&echo, &other.uri()) {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let client = Client::builder()
            .api_base(format!("{}/Cust12345/api/", server.uri()))
            .token_provider(Arc::new(StaticToken::new(
                Credential::bearer(access.clone()).with_app_token(app.clone()),
            )))
            .http_client(short_timeout_http())
            .rate_limit(RateLimit::unlimited())
            .retry_policy(RetryPolicy::never())
            .build()
            .unwrap();
        assert_clean("Client Debug", &format!("{client:?}"), &secrets);
        // A 2xx JSON object decodes (every Sale field is optional); the rest must fail clean.
        match client.sales().get(SaleId(4711)).await {
            Ok(_) => assert!(name.starts_with("20"), "{name} accepted"),
            Err(err) => assert_clean(name, &describe(&err), &secrets),
        }
    }
    let leaked = received_text(&other).await;
    assert_clean("the other host", &leaked, &[&access, &app]);
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert_clean("logs", &text, &secrets);
}

#[tokio::test]
async fn webhook_errors_keep_the_secret_and_the_expected_signature_out() {
    let logs = logs();
    let secret = random_secret("whsec");
    let body = br#"{"EventId":"6d9a0c1e","Event":"sale.changed","PrimaryKey":42,"Entity":"sale"}"#;
    let expected = webhook::sign_for_test(body, &secret);
    let secrets = [secret.as_str()];
    for header in [
        "",
        "not base64!",
        "AAAA",
        &webhook::sign_for_test(body, "other"),
    ] {
        let err = webhook::verify(body, &secret, header).expect_err("refused");
        let text = describe(&err);
        assert_clean("webhook error", &text, &secrets);
        assert!(!text.contains(expected.trim_end_matches('=')), "{text}");
    }
    // A payload error after a valid signature does not show the secret either.
    let bad = br#"{"PrimaryKey":"x"}"#;
    let err = webhook::verify(bad, &secret, &webhook::sign_for_test(bad, &secret))
        .expect_err("bad payload");
    assert_clean("payload error", &describe(&err), &secrets);
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert_clean("logs", &text, &secrets);
    assert!(!text.contains(expected.trim_end_matches('=')));
}
