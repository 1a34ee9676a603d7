//! The service's request span, checked under a global tracing subscriber. It is a test binary
//! of its own: a subscriber installed with `set_default` on one test thread races with the
//! callsite interest cached by concurrent tests on other threads.
#![cfg(feature = "server")]

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::Request;
use integration_core::engine::IntegrationConfig;
use integration_core::server::{router, ServerConfig};
use integration_core::store::MemoryStore;
use integration_core::Integration;
use superoffice_client::Environment;
use tower::ServiceExt;

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
async fn the_request_span_names_the_route_template_never_the_path_or_query() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let config = IntegrationConfig::new(
        Environment::Production,
        "client-id",
        "client-secret",
        "https://host.example/superoffice/callback".parse().unwrap(),
        "https://host.example/".parse().unwrap(),
    );
    let engine = Integration::builder(config, Arc::new(MemoryStore::new()))
        .build()
        .expect("engine");
    let app = router(
        Arc::new(engine),
        ServerConfig::builder([9; 32]).build().expect("config"),
    );
    let request = Request::post("/webhooks/oneflow/8675309?code=secret-code-1&state=st-2")
        .body(Body::from("{}"))
        .unwrap();
    let answer = app.oneshot(request).await.unwrap();
    assert_eq!(answer.status(), 404);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("integration_core.request"), "{log}");
    assert!(log.contains("method=POST"), "{log}");
    assert!(
        log.contains("path_template=/webhooks/oneflow/{installation}"),
        "{log}"
    );
    assert!(log.contains("status=404"), "{log}");
    assert!(log.contains("elapsed_ms="), "{log}");
    for secret in ["secret-code-1", "st-2"] {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
}
