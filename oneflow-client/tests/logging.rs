//! Tracing output: spans carry method, path template and status, never secrets or e-mails.
//! (Its own test binary, because it installs a global subscriber: a thread-local one
//! (`set_default`) in the shared `it` binary lost spans now and then, because other tests'
//! threads can cache a callsite's interest while no subscriber is set.)

#[path = "it/common/mod.rs"]
mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use oneflow_client::models::ContractId;
use wiremock::matchers::{method, path};
use wiremock::Mock;

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

#[tokio::test]
async fn secrets_and_e_mails_stay_out_of_debug_errors_and_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("only test in this binary");

    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345"))
        .respond_with(json(401, r#"{"error_code": 4010000, "status": 401, "title": "Unauthorized", "detail": "Invalid token or user email."}"#))
        .expect(1)
        .mount(&server)
        .await;
    // A 503 then success on an idempotent GET: one `retrying` event between two attempts.
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012346"))
        .respond_with(json(
            503,
            r#"{"error_code": 5030000, "status": 503, "title": "Service Unavailable"}"#,
        ))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012346"))
        .respond_with(json(
            200,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/contract.json"
            )),
        ))
        .expect(1)
        .mount(&server)
        .await;
    retrying_client(&server)
        .contracts()
        .get(ContractId(3012346))
        .await
        .expect("retried to success");
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let retry_line = logs
        .lines()
        .find(|l| l.contains("retrying"))
        .unwrap_or_else(|| panic!("a retrying event: {logs}"));
    for field in [
        "oneflow.request",
        "method=GET",
        "path_template=\"contracts/{id}\"",
        "attempt=1",
        "status=503",
        "delay_ms=",
        "error_kind=\"api\"",
    ] {
        assert!(retry_line.contains(field), "{field} in {retry_line}");
    }
    assert!(!retry_line.contains("3012346"), "{retry_line}");
    assert!(
        logs.lines().any(|l| l.contains("attempt=2")
            && l.contains("status=200")
            && l.contains("elapsed_ms=")),
        "{logs}"
    );

    let client = client(&server).as_user("private.person@ourco.example");
    let err = client
        .contracts()
        .get(ContractId(3012345))
        .await
        .unwrap_err();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("contracts/{id}"),
        "span with path template expected in logs: {logs}"
    );
    assert!(logs.contains("status=401"), "{logs}");
    for text in [
        format!("{client:?}"),
        format!("{err}"),
        format!("{err:?}"),
        logs,
    ] {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(
            !text.contains("private.person@ourco.example"),
            "e-mail leaked: {text}"
        );
        assert!(!text.contains(EMAIL), "e-mail leaked: {text}");
    }

    // An unauthenticated callback id (bad signature) never reaches the logs verbatim.
    let forged = serde_json::json!({
        "contract": {"id": 1},
        "callback_id": "forged\nlevel=ERROR injected-line",
        "events": [],
        "signature": "0000000000000000000000000000000000000000",
    });
    let body = serde_json::to_vec(&forged).unwrap();
    assert!(oneflow_client::webhook::verify(&body, "hook-key").is_err());
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("bad signature"), "{logs}");
    assert!(!logs.contains("injected-line"), "{logs}");
}
