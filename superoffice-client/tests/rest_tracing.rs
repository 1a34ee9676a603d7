//! Tracing output of the REST client: request spans name the path template and attempt, and
//! never carry tokens or personal data. (A binary of its own: tracing caches per-callsite
//! interest globally, so a thread-local subscriber must not race with other tests.)

#[path = "it/fixtures.rs"]
mod fixtures;
#[path = "it/rest_support/mod.rs"]
mod rest_support;

use std::sync::Arc;

use rest_support::{client, API, BEARER_1, BEARER_2};
use superoffice_client::models::SaleId;
use superoffice_client::{CustomerId, Environment, TenantLocator};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SALE: &str = include_str!("fixtures/rest/sale.json");

fn sale_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(SALE.as_bytes().to_vec(), "application/json")
}

fn sale_path() -> String {
    format!("{API}/v1/Sale/42")
}

#[tokio::test]
async fn tracing_output_has_templates_but_no_tokens() {
    use std::io::Write;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("superoffice_client=trace")
        // Spans without events inside (the auxiliary ones) show up when they close.
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .and(header("Authorization", BEARER_1))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .and(header("Authorization", BEARER_2))
        .respond_with(sale_ok())
        .mount(&server)
        .await;
    // A retried request: 503 first, then the Sale.
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale/43")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale/43")))
        .respond_with(sale_ok())
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    client.sales().get(SaleId(42)).await.unwrap();
    client.sales().get(SaleId(43)).await.unwrap();

    // An auxiliary call: the tenant state API (span `superoffice.tenant_state`, DEBUG).
    let state = include_str!("fixtures/auth/tenant_state_running.json")
        .replace("https://sod2.superoffice.com", &server.uri());
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(state, "application/json"))
        .mount(&server)
        .await;
    let locator = TenantLocator::new(
        Environment::custom(server.uri()).unwrap(),
        reqwest::Client::new(),
    );
    locator
        .status(&CustomerId::parse("Cust26759").unwrap())
        .await
        .unwrap();

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    // The family's span scheme: `superoffice.request` with the path template, attempt,
    // status and elapsed time; never the concrete path.
    assert!(logs.contains("superoffice.request"), "{logs}");
    assert!(logs.contains("path_template=v1/Sale/{id}"), "{logs}");
    assert!(logs.contains("method=GET"), "{logs}");
    assert!(logs.contains("attempt=2"), "{logs}");
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("elapsed_ms="), "{logs}");
    assert!(
        !logs.contains("v1/Sale/42") && !logs.contains("v1/Sale/43"),
        "{logs}"
    );
    // The retry event names the delay and the kind of failure.
    let retry = logs
        .lines()
        .find(|line| line.contains("retrying"))
        .unwrap_or_else(|| panic!("no retry event: {logs}"));
    assert!(retry.contains("delay_ms="), "{retry}");
    assert!(retry.contains("error_kind=\"api\""), "{retry}");
    // Auxiliary spans use the same field names; the tenant appears only as a template.
    let aux = logs
        .lines()
        .find(|line| line.contains("superoffice.tenant_state"))
        .unwrap_or_else(|| panic!("no tenant state span: {logs}"));
    assert!(
        aux.contains("path_template=\"/api/state/{customer}\""),
        "{aux}"
    );
    assert!(
        aux.contains("status=200") && aux.contains("elapsed_ms="),
        "{aux}"
    );
    assert!(!logs.contains("/api/state/Cust26759"), "{logs}");
    assert!(
        !logs.contains("token-1") && !logs.contains("token-2"),
        "{logs}"
    );
    assert!(!logs.contains("Jane O'Brien"), "no personal data: {logs}");
}
