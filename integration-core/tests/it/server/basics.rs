//! Health, readiness and security headers. (The request span is checked in
//! `tests/server_tracing.rs`, a binary of its own for its global subscriber.)

use std::sync::Arc;

use integration_core::server::{router, ServerConfig};
use integration_core::store::{MemoryStore, SecretKey, SqliteStore, Store};

use super::{get, offline_engine, post, COOKIE_KEY};

fn service(store: Arc<dyn Store>) -> axum::Router {
    router(
        Arc::new(offline_engine(store)),
        ServerConfig::builder(COOKIE_KEY).build().unwrap(),
    )
}

#[tokio::test]
async fn health_and_readiness_answer_with_the_store_up() {
    let app = service(Arc::new(MemoryStore::new()));
    let health = get(&app, "/healthz").await;
    assert_eq!(
        (health.status.as_u16(), health.body.as_str()),
        (200, "ok\n")
    );
    let ready = get(&app, "/readyz").await;
    assert_eq!(
        (ready.status.as_u16(), ready.body.as_str()),
        (200, "ready\n")
    );
}

#[tokio::test]
async fn a_store_that_does_not_answer_makes_readyz_and_webhooks_503() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("s.db"), SecretKey::generate())
        .await
        .unwrap();
    let app = service(Arc::new(store.clone()));
    assert_eq!(get(&app, "/readyz").await.status, 200);
    store.close().await;

    let ready = get(&app, "/readyz").await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.body, "store unreachable\n");
    assert_eq!(get(&app, "/healthz").await.status, 200);
    // The vendor should deliver again later.
    let hook = post(&app, "/webhooks/oneflow/1", "{}", &[]).await;
    assert_eq!(hook.status, 503, "{hook:?}");
    let hook = post(&app, "/webhooks/superoffice/1", "{}", &[]).await;
    assert_eq!(hook.status, 503, "{hook:?}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_refuses_framing() {
    let app = service(Arc::new(MemoryStore::new()));
    for answer in [
        get(&app, "/healthz").await,
        get(&app, "/no-such-page").await,
        post(&app, "/webhooks/oneflow/5", "{}", &[]).await,
    ] {
        let csp = answer.header("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(answer.header("x-frame-options"), "DENY");
        assert_eq!(answer.header("x-content-type-options"), "nosniff");
        assert_eq!(answer.header("referrer-policy"), "no-referrer");
        assert_eq!(answer.header("cache-control"), "no-store");
    }
}
