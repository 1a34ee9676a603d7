//! Benchmark 5 (issue 12): a token-refresh storm. 200 concurrent SuperOffice REST calls
//! (`client.sales().get(..)`) through one client whose access token has expired must cause
//! exactly one request to the token endpoint; the figure is the time until all 200 calls
//! have returned ("time to drain"), against the same 200 calls on a valid token measured in
//! the same run.
//!
//! Two storms: `expired` (the token's expiry has passed on the clock, so the calls queue on
//! the provider's single-flight refresh before sending anything) and `revoked` (the clock
//! says the token is good, the server answers 401 with SuperOffice's error body, and every
//! call asks for a refresh after its 401).
//!
//! The server is an in-process loopback HTTP server (axum) that counts token-endpoint hits.
//! Its refresh answer is SuperOffice's refresh response without the id_token, so no JWKS
//! download or signature check is part of the figure. The client-side rate limiter is off.
//!
//! Oneflow has nothing to refresh (a static API token per account), so there is no Oneflow
//! half.
//!
//! `cargo bench -p superoffice-client --bench refresh_storm` runs 7 rounds of 200 calls per
//! scenario; `cargo test` runs the smoke mode (1 round of 200 calls, no timing assertions).
//! Both assert exactly one refresh per storm and that every call succeeded.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use superoffice_client::auth::{OidcClient, OidcConfig, RefreshingTokenProvider, TokenSet};
use superoffice_client::models::SaleId;
use superoffice_client::{Client, Environment, RateLimit};

const CALLS: usize = 200;
const OLD_ACCESS: &str = "8A:Cust12345.AR2expiredAccessTokenQAQAACIJ";
const NEW_ACCESS: &str = "8A:Cust12345.AR2refreshedAccessTokenQAQAACIJ";
const REFRESH_TOKEN: &str = "KSamN1Tp4sd26pZJSGK6JobrWOUWorIZ2Y5XxcAqX86K9qoZRp4d3lUH32F4fiT3";
const SALE: &str = include_str!("../tests/fixtures/rest/sale.json");
const UNAUTHORIZED: &str = r#"{"Error":true,"ErrorType":"SoAuthenticationException","ErrorMessage":"Invalid token","ErrorSource":"WebApi"}"#;

#[derive(Debug, Default)]
struct Counters {
    token_hits: AtomicUsize,
    old_token_calls: AtomicUsize,
    new_token_calls: AtomicUsize,
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rounds = if full { 7 } else { 1 };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(full, rounds));
}

async fn run(full: bool, rounds: usize) {
    let counters = Arc::new(Counters::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let origin = format!("http://{}", listener.local_addr().expect("address"));
    let app = Router::new()
        .route("/login/common/oauth/tokens", post(token))
        .route("/Cust12345/api/v1/Sale/{id}", get(sale))
        .with_state(counters.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    println!(
        "refresh_storm ({} mode): {CALLS} concurrent sales().get() per round, {rounds} round(s), \
         in-process loopback server, rate limiter off",
        if full { "bench" } else { "smoke" }
    );
    let mut medians = Vec::new();
    for scenario in ["valid", "expired", "revoked"] {
        let mut times = Vec::new();
        for _ in 0..rounds {
            counters.token_hits.store(0, Ordering::SeqCst);
            counters.old_token_calls.store(0, Ordering::SeqCst);
            counters.new_token_calls.store(0, Ordering::SeqCst);
            let client = client(&origin, scenario);
            let started = Instant::now();
            let tasks: Vec<_> = (0..CALLS)
                .map(|_| {
                    let client = client.clone();
                    tokio::spawn(async move { client.sales().get(SaleId(42)).await })
                })
                .collect();
            for task in tasks {
                let sale = task.await.expect("task ran").expect("the call succeeds");
                assert_eq!(sale.sale_id, SaleId(42));
            }
            times.push(started.elapsed());
            let hits = counters.token_hits.load(Ordering::SeqCst);
            let expected = usize::from(scenario != "valid");
            assert_eq!(hits, expected, "{scenario}: token-endpoint requests");
            assert_eq!(
                counters.new_token_calls.load(Ordering::SeqCst),
                CALLS,
                "{scenario}: calls with the refreshed token"
            );
            if scenario == "expired" {
                assert_eq!(counters.old_token_calls.load(Ordering::SeqCst), 0);
            }
        }
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "{scenario:<8} refreshes/storm: {} drain median {:>8.2} ms  min {:>8.2} ms  max {:>8.2} ms  \
             (old-token requests in the last round: {})",
            usize::from(scenario != "valid"),
            ms(median),
            ms(times[0]),
            ms(times[times.len() - 1]),
            counters.old_token_calls.load(Ordering::SeqCst)
        );
        medians.push(median);
    }
    println!(
        "ratio drain(expired) / drain(valid) = {:.2}; drain(revoked) / drain(valid) = {:.2}",
        ms(medians[1]) / ms(medians[0]),
        ms(medians[2]) / ms(medians[0])
    );
    server.abort();
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

/// A client on `origin`. `valid`: the current token is the new one; `expired`: the old
/// token's expiry is past; `revoked`: the old token looks valid for 30 minutes.
fn client(origin: &str, scenario: &str) -> Client {
    let now = chrono::Utc::now();
    let tokens = match scenario {
        "valid" => TokenSet::new(
            NEW_ACCESS,
            Some(REFRESH_TOKEN.to_owned()),
            now + chrono::Duration::minutes(30),
        ),
        "expired" => TokenSet::new(
            OLD_ACCESS,
            Some(REFRESH_TOKEN.to_owned()),
            now - chrono::Duration::seconds(5),
        ),
        _ => TokenSet::new(
            OLD_ACCESS,
            Some(REFRESH_TOKEN.to_owned()),
            now + chrono::Duration::minutes(30),
        ),
    };
    let environment = Environment::custom(origin).expect("loopback environment");
    let config = OidcConfig::new(
        environment,
        "2f8d9a6b7c5e4d3f2a1b0c9d8e7f6a5b",
        "client-secret-5c1f0e9d8b7a",
        "https://app.example.com/superoffice/callback",
    )
    .expect("OIDC config");
    let oidc = OidcClient::new(config).expect("OIDC client");
    Client::builder()
        .api_base(format!("{origin}/Cust12345/api/"))
        .token_provider(Arc::new(RefreshingTokenProvider::new(
            Arc::new(oidc),
            tokens,
        )))
        .rate_limit(RateLimit::unlimited())
        .build()
        .expect("client")
}

/// `POST /login/common/oauth/tokens`: SuperOffice's refresh answer (without id_token).
async fn token(State(counters): State<Arc<Counters>>, body: String) -> impl IntoResponse {
    counters.token_hits.fetch_add(1, Ordering::SeqCst);
    if !body.contains("grant_type=refresh_token") {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"error\":\"unsupported_grant_type\"}".to_owned(),
        );
    }
    let answer = format!(
        "{{\"token_type\": \"Bearer\", \"access_token\": \"{NEW_ACCESS}\", \"expires_in\": 3600}}"
    );
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        answer,
    )
}

/// `GET /Cust12345/api/v1/Sale/{id}`: the sale fixture for the refreshed token, SuperOffice's
/// 401 for the old one.
async fn sale(State(counters): State<Arc<Counters>>, headers: HeaderMap) -> impl IntoResponse {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if auth == format!("Bearer {NEW_ACCESS}") {
        counters.new_token_calls.fetch_add(1, Ordering::SeqCst);
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            SALE,
        )
    } else {
        if auth == format!("Bearer {OLD_ACCESS}") {
            counters.old_token_calls.fetch_add(1, Ordering::SeqCst);
        }
        (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "application/json")],
            UNAUTHORIZED,
        )
    }
}
