//! The per-request latency knob and the request log's capacity.

use std::time::{Duration, Instant};

use superoffice_sandbox::{default_seed, SandboxBuilder, SuperOfficeSandbox};

#[tokio::test]
async fn latency_delays_tenant_requests() {
    let latency = Duration::from_millis(80);
    let sandbox = SuperOfficeSandbox::builder()
        .latency(latency)
        .start()
        .await
        .unwrap();
    assert_eq!(sandbox.latency(), latency);
    let http = reqwest::Client::new();
    let base = sandbox.api_base(default_seed::MAIN_TENANT).unwrap();
    let started = Instant::now();
    let response = http
        .get(format!("{base}v1/Sale/{}", default_seed::OPEN_SALE_ID))
        .send()
        .await
        .unwrap();
    // A lower bound only: the answer (here 401, no token) never comes sooner.
    assert!(
        started.elapsed() >= latency,
        "{}: {:?}",
        response.status(),
        started.elapsed()
    );
    sandbox.set_latency(Duration::ZERO);
    assert_eq!(sandbox.latency(), Duration::ZERO);
}

#[tokio::test]
async fn the_request_log_keeps_its_capacity() {
    let sandbox = SandboxBuilder::with_default_seed()
        .log_capacity(20)
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let base = sandbox.api_base(default_seed::MAIN_TENANT).unwrap();
    for _ in 0..25 {
        http.get(format!("{base}v1/Sale/101")).send().await.unwrap();
    }
    let logged = sandbox.requests().len();
    assert!((18..=20).contains(&logged), "{logged} entries");
}
