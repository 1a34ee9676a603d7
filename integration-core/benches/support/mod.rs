//! Shared by the stage-sync and scale-out benches: a world of N installations (each its own
//! Oneflow account and SuperOffice tenant, all in two sandboxes), a stream of signed Oneflow
//! webhooks with duplicates in a fixed shuffled order, the host's webhook endpoint, worker
//! loops, and the checks (every Sale in its final state, written once; every job done once).

#![allow(dead_code)] // each bench uses its own subset

pub(crate) mod counting;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::Router;
use chrono::TimeDelta;
use futures::StreamExt;
use integration_core::engine::{Integration, IntegrationConfig, WorkerConfig};
use integration_core::store::{InstallationId, JobState, SecretKind, Store};
use oneflow_sandbox::{default_seed as of_seed, DeliveryConfig, OneflowSandbox, SeedAccount};
use secrecy::{ExposeSecret, SecretString};
use superoffice_client::Environment;
use superoffice_sandbox::{
    default_seed as so_seed, CompanySeed, PersonSeed, SaleSeed, SandboxBuilder, SuperOfficeSandbox,
    TenantSeed, UserSeed,
};

/// The admin's associate id in every bench tenant.
const ADMIN_ASSOCIATE: i32 = 5;
/// First Sale id of every bench tenant.
const FIRST_SALE: i32 = 1001;

/// Run mode: `--bench` (full figures) or the smoke mode `cargo test` runs.
pub(crate) fn full_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// An environment knob with a default.
pub(crate) fn knob<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The one-minute load average, from `/proc/loadavg`.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

/// How a contract ends, and so the state its Sale must end in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Signed,
    Declined,
}

impl Outcome {
    pub(crate) fn sale_status(self) -> &'static str {
        match self {
            Outcome::Signed => "Sold",
            Outcome::Declined => "Lost",
        }
    }
    fn event(self) -> &'static str {
        match self {
            Outcome::Signed => "contract:sign",
            Outcome::Declined => "contract:decline",
        }
    }
}

/// One installation of the world.
#[derive(Debug, Clone)]
pub(crate) struct Installed {
    pub(crate) id: InstallationId,
    pub(crate) tenant: String,
    pub(crate) admin: String,
    /// (contract id, Sale id, outcome), one per unique event.
    pub(crate) contracts: Vec<(i64, i32, Outcome)>,
    sign_key: String,
}

/// One webhook of the stream.
#[derive(Debug, Clone)]
pub(crate) struct Webhook {
    pub(crate) installation: InstallationId,
    pub(crate) body: Bytes,
    /// Whether this is a repeat of an earlier body of the stream.
    pub(crate) duplicate: bool,
}

/// Both sandboxes, the delivery sink and the installations.
pub(crate) struct World {
    pub(crate) so: SuperOfficeSandbox,
    pub(crate) of: OneflowSandbox,
    pub(crate) installations: Vec<Installed>,
    pub(crate) config: IntegrationConfig,
    sink: tokio::task::JoinHandle<()>,
}

impl Drop for World {
    fn drop(&mut self) {
        self.sink.abort();
    }
}

/// The engine's worker settings in the benches: budgets raised so that they never bind (the
/// bench measures the engine against API latency, not the budgets; the report says so), a
/// small batch so that concurrent workers share the tail of the queue.
pub(crate) fn bench_worker_config(batch_size: u32) -> WorkerConfig {
    let mut worker = WorkerConfig::default();
    worker.batch_size = batch_size;
    worker.superoffice_budget = (1_000_000, TimeDelta::seconds(1));
    worker.oneflow_budget = (1_000_000, TimeDelta::minutes(5));
    worker.idle_wait = Duration::from_millis(5);
    worker
}

fn token(i: usize) -> String {
    // 40 characters of [A-Za-z0-9-], as Oneflow's tokens.
    format!("sbx-bench-{i:030}")
}

fn tenant(i: usize) -> String {
    format!("Cust{}", 20_001 + i)
}

fn admin(i: usize) -> String {
    format!("admin@tenant{i}.bench.example")
}

fn tenant_seed(i: usize, sales: usize) -> TenantSeed {
    let mut seed = TenantSeed::new(tenant(i), format!("Bench Seller {i} AS"))
        .owner_contact(1)
        .user(
            UserSeed::new(ADMIN_ASSOCIATE, admin(i), format!("Admin {i}"))
                .person_id(20)
                .group(2)
                .administrator(),
        )
        .company(CompanySeed::new(1, format!("Bench Seller {i} AS")).country("NO"))
        .company(
            CompanySeed::new(2, format!("Customer {i} AB"))
                .country("SE")
                .email(format!("info@customer{i}.example")),
        )
        .person(PersonSeed::new(20, 1, "Admin", format!("{i}")).email(admin(i)))
        .person(
            PersonSeed::new(10, 2, "Kim", "Buyer")
                .title("CEO")
                .email(format!("kim@customer{i}.example")),
        );
    for s in 0..sales {
        seed = seed.sale(
            SaleSeed::new(FIRST_SALE + s as i32, format!("Deal {s}"))
                .contact(2, Some(10))
                .owner(ADMIN_ASSOCIATE)
                .amount(10_000.0)
                .stage(3),
        );
    }
    seed
}

/// Answers 200 to every webhook the sandboxes deliver (the bench posts its own stream).
async fn start_sink() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the sink");
    let url = format!("http://{}/", listener.local_addr().expect("sink address"));
    let app = Router::new().fallback(|| async { StatusCode::OK });
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

impl World {
    /// Starts the sandboxes with `installations` Oneflow accounts and SuperOffice tenants
    /// (each tenant with one open Sale per contract it will get) and the delivery sink.
    pub(crate) async fn start(installations: usize, unique_events: usize) -> World {
        let per_tenant = unique_events.div_ceil(installations);
        let capacity = 4 * unique_events + 10_000;
        let mut so = SandboxBuilder::empty()
            .webhook_retry_delays([Duration::ZERO; 2])
            .log_capacity(capacity);
        for i in 0..installations {
            let count = per_tenant.min(unique_events - (i * per_tenant).min(unique_events));
            so = so.tenant(tenant_seed(i, count));
        }
        let so = so.start().await.expect("SuperOffice sandbox");
        let mut of = OneflowSandbox::builder()
            .api_token(token(0))
            .account_name("Bench account 0")
            .user(oneflow_sandbox::SeedUser::new("Admin 0", admin(0)).admin(true))
            .delivery_config(DeliveryConfig::immediate())
            .log_capacity(capacity);
        for i in 1..installations {
            of = of.account(
                SeedAccount::new(format!("Bench account {i}"), token(i)).user(
                    oneflow_sandbox::SeedUser::new(format!("Admin {i}"), admin(i)).admin(true),
                ),
            );
        }
        let of = of.start().await.expect("Oneflow sandbox");
        let (sink_url, sink) = start_sink().await;
        let config = IntegrationConfig::new(
            Environment::custom(so.base_url()).expect("custom environment"),
            so.client_id(),
            so.client_secret(),
            so_seed::REDIRECT_URI.parse().expect("redirect URI"),
            sink_url.parse().expect("sink URL"),
        )
        .oneflow_base_url(of.base_url().as_str());
        World {
            so,
            of,
            installations: Vec::new(),
            config,
            sink,
        }
    }
}

/// Registers and sets up every installation of `world` through `engine` (whose store is the
/// one the bench measures), turns archiving off, and creates the contracts.
pub(crate) async fn install(
    world: &mut World,
    engine: &Integration,
    installations: usize,
    unique_events: usize,
) {
    let per_tenant = unique_events.div_ceil(installations);
    let http = reqwest::Client::new();
    let base = world.of.base_url().clone();
    let mut remaining = unique_events;
    for i in 0..installations {
        let installation = engine
            .register_oneflow_account(token(i))
            .await
            .expect("register the Oneflow account");
        let url = engine
            .begin_setup(installation.id, &admin(i))
            .await
            .expect("begin setup");
        let callback = world
            .so
            .sign_in(&url, &admin(i))
            .await
            .expect("sandbox sign-in");
        engine
            .complete_setup(callback.as_str())
            .await
            .expect("complete setup");
        let access = SecretString::from(
            world
                .so
                .issue_access_token(&admin(i))
                .expect("an admin access token"),
        );
        let mut settings = engine.settings(installation.id).await.expect("settings");
        settings.archive_signed_pdf = false;
        engine
            .update_settings(installation.id, &access, settings)
            .await
            .expect("archiving off");
        let sign_key = engine
            .store()
            .secret(installation.id, &SecretKind::OneflowWebhookSignKey)
            .await
            .expect("read the sign key")
            .expect("a sign key")
            .expose_secret()
            .to_owned();
        let account = &world.of.accounts()[i];
        let workspace = account
            .workspace_id(of_seed::SALES_WORKSPACE)
            .expect("Sales workspace");
        let template = account
            .template_id(of_seed::TEMPLATE_PLAIN)
            .expect("plain SuperOffice template");
        let count = per_tenant.min(remaining);
        remaining -= count;
        let tenant = tenant(i);
        let created: Vec<(i64, i32, Outcome)> = futures::stream::iter(0..count)
            .map(|s| {
                let http = http.clone();
                let base = base.clone();
                let tenant = tenant.clone();
                async move {
                    let sale = FIRST_SALE + s as i32;
                    let outcome = if s % 2 == 0 {
                        Outcome::Signed
                    } else {
                        Outcome::Declined
                    };
                    let body = serde_json::json!({
                        "workspace_id": workspace,
                        "template_id": template,
                        "name": format!("Deal {s}"),
                        "parties": [{
                            "type": "company",
                            "name": format!("Customer {i} AB"),
                            "country_code": "SE",
                            "participants": [{
                                "name": "Kim Buyer",
                                "email": format!("kim@customer{i}.example"),
                                "signatory": true,
                                "delivery_channel": "email",
                            }],
                        }],
                        "data_fields": [
                            { "custom_id": "superoffice_tenant", "value": tenant },
                            { "custom_id": "superoffice_sale_id", "value": sale.to_string() },
                        ],
                    });
                    let contract: serde_json::Value = http
                        .post(base.join("contracts/create").expect("URL"))
                        .header("x-oneflow-api-token", token(i))
                        .header("x-oneflow-user-email", admin(i))
                        .json(&body)
                        .send()
                        .await
                        .expect("create a contract")
                        .error_for_status()
                        .expect("contract created")
                        .json()
                        .await
                        .expect("contract JSON");
                    let id = contract["id"].as_i64().expect("contract id");
                    http.post(base.join(&format!("contracts/{id}/publish")).expect("URL"))
                        .header("x-oneflow-api-token", token(i))
                        .header("x-oneflow-user-email", admin(i))
                        .json(&serde_json::json!({ "subject": "Please sign", "message": "Thanks" }))
                        .send()
                        .await
                        .expect("publish")
                        .error_for_status()
                        .expect("published");
                    (id, sale, outcome)
                }
            })
            .buffer_unordered(8)
            .collect()
            .await;
        for (contract, _, outcome) in &created {
            match outcome {
                Outcome::Signed => {
                    world.of.sign_all(*contract).expect("sign");
                }
                Outcome::Declined => {
                    let participant = first_signatory(&world.of, *contract, &http, i).await;
                    world.of.decline(*contract, participant).expect("decline");
                }
            }
        }
        world.installations.push(Installed {
            id: installation.id,
            tenant,
            admin: admin(i),
            contracts: created,
            sign_key,
        });
    }
}

async fn first_signatory(
    of: &OneflowSandbox,
    contract: i64,
    http: &reqwest::Client,
    i: usize,
) -> i64 {
    let body: serde_json::Value = http
        .get(
            of.base_url()
                .join(&format!("contracts/{contract}"))
                .expect("URL"),
        )
        .header("x-oneflow-api-token", token(i))
        .send()
        .await
        .expect("get contract")
        .json()
        .await
        .expect("contract JSON");
    body["parties"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["participants"].as_array().into_iter().flatten())
        .find(|p| p["signatory"].as_bool() == Some(true))
        .and_then(|p| p["id"].as_i64())
        .expect("a signatory")
}

/// SplitMix64: a small deterministic generator for the fixed shuffle.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The stream: one signed webhook per contract, plus `total - unique` repeats of randomly
/// chosen ones, shuffled with a fixed seed (a repeat may come before its original; whichever
/// arrives first is the one processed).
pub(crate) fn stream(world: &World, total: usize, seed: u64) -> Vec<Webhook> {
    let mut unique = Vec::new();
    for inst in &world.installations {
        for (contract, _, outcome) in &inst.contracts {
            let body = oneflow_client::webhook::signed_test_body(
                *contract,
                &format!("bench-{}-{contract}", inst.id),
                &[(*contract * 10, outcome.event())],
                &inst.sign_key,
            );
            unique.push(Webhook {
                installation: inst.id,
                body: Bytes::from(body),
                duplicate: false,
            });
        }
    }
    let mut rng = SplitMix(seed);
    let mut all = unique.clone();
    while all.len() < total {
        let mut repeat = unique[rng.below(unique.len())].clone();
        repeat.duplicate = true;
        all.push(repeat);
    }
    for i in (1..all.len()).rev() {
        all.swap(i, rng.below(i + 1));
    }
    all
}

/// The service's router (`integration_core::server::router`) over `engine`: the bench posts
/// to its `POST /webhooks/oneflow/{installation}`.
pub(crate) fn router(engine: Integration) -> Router {
    let config = integration_core::server::ServerConfig::builder([7; 32])
        .build()
        .expect("server configuration");
    integration_core::server::router(Arc::new(engine), config)
}

/// Serves `router` on a loopback port; returns its origin.
pub(crate) async fn serve(router: Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the host");
    let origin = format!("http://{}", listener.local_addr().expect("host address"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (origin, task)
}

/// What one run measured.
#[derive(Debug)]
pub(crate) struct RunFigures {
    pub(crate) webhooks: usize,
    pub(crate) unique: usize,
    pub(crate) elapsed: Duration,
    pub(crate) ack_p50: Duration,
    pub(crate) ack_p99: Duration,
    pub(crate) ack_max: Duration,
    pub(crate) completed: usize,
}

impl RunFigures {
    pub(crate) fn events_per_second(&self) -> f64 {
        self.unique as f64 / self.elapsed.as_secs_f64()
    }
}

/// Posts `stream` to the hosts at `origins` (round robin) from `posters` concurrent senders
/// while `workers` worker loops per engine drain the queue; returns when every unique event's
/// job has completed.
pub(crate) async fn run(
    stream: &[Webhook],
    origins: &[String],
    engines: &[Integration],
    workers_per_engine: usize,
    posters: usize,
) -> RunFigures {
    let unique = stream.iter().filter(|w| !w.duplicate).count();
    let completed = Arc::new(AtomicUsize::new(0));
    let parked = Arc::new(AtomicUsize::new(0));
    let wake = Arc::new(tokio::sync::Notify::new());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(posters)
        .build()
        .expect("HTTP client");
    let started = Instant::now();
    let mut worker_tasks = Vec::new();
    for engine in engines {
        for _ in 0..workers_per_engine {
            let engine = engine.clone();
            let completed = completed.clone();
            let parked = parked.clone();
            let wake = wake.clone();
            worker_tasks.push(tokio::spawn(async move {
                // The loop of `Integration::run_worker`, counting what it completes and
                // stopping when every unique event is done.
                while completed.load(Ordering::SeqCst) < unique {
                    let report = engine.process_next_batch().await.expect("a batch");
                    completed.fetch_add(report.completed, Ordering::SeqCst);
                    parked.fetch_add(report.parked + report.retried, Ordering::SeqCst);
                    if report.leased == 0 {
                        tokio::select! {
                            _ = wake.notified() => {}
                            _ = tokio::time::sleep(engine.config().worker.idle_wait) => {}
                        }
                    }
                }
                wake.notify_waiters();
            }));
        }
    }
    let chunks: Vec<Vec<(usize, Webhook)>> = (0..posters)
        .map(|p| {
            stream
                .iter()
                .cloned()
                .enumerate()
                .skip(p)
                .step_by(posters)
                .collect()
        })
        .collect();
    let mut poster_tasks = Vec::new();
    for chunk in chunks {
        let http = http.clone();
        let origins = origins.to_vec();
        let wake = wake.clone();
        poster_tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(chunk.len());
            for (n, hook) in chunk {
                let origin = &origins[n % origins.len()];
                let url = format!("{origin}/webhooks/oneflow/{}", hook.installation);
                let sent = Instant::now();
                let response = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(hook.body.clone())
                    .send()
                    .await
                    .expect("post a webhook");
                let status = response.status();
                latencies.push(sent.elapsed());
                assert_eq!(status, reqwest::StatusCode::OK, "webhook acknowledged");
                wake.notify_one();
            }
            latencies
        }));
    }
    let mut acks = Vec::new();
    for task in poster_tasks {
        acks.extend(task.await.expect("poster"));
    }
    wake.notify_waiters();
    for task in worker_tasks {
        task.await.expect("worker");
    }
    let elapsed = started.elapsed();
    assert_eq!(
        parked.load(Ordering::SeqCst),
        0,
        "no job was retried or parked"
    );
    acks.sort();
    let pct = |p: f64| acks[((acks.len() as f64 * p).ceil() as usize).clamp(1, acks.len()) - 1];
    RunFigures {
        webhooks: stream.len(),
        unique,
        elapsed,
        ack_p50: pct(0.50),
        ack_p99: pct(0.99),
        ack_max: acks[acks.len() - 1],
        completed: completed.load(Ordering::SeqCst),
    }
}

/// Requests the sandboxes served during a run, by kind.
#[derive(Debug, Default)]
pub(crate) struct RoundTrips {
    /// Oneflow API requests (all delayed).
    pub(crate) oneflow: usize,
    /// SuperOffice tenant REST requests (delayed).
    pub(crate) superoffice: usize,
    /// SuperOffice sign-in/token/state requests (not delayed).
    pub(crate) superoffice_other: usize,
    /// By method and path shape, for the report.
    pub(crate) shapes: HashMap<String, usize>,
}

impl RoundTrips {
    pub(crate) fn count(world: &World) -> RoundTrips {
        let mut trips = RoundTrips::default();
        for r in world.of.requests() {
            trips.oneflow += 1;
            *trips
                .shapes
                .entry(format!("Oneflow {} {}", r.method, shape(&r.path)))
                .or_default() += 1;
        }
        for r in world.so.requests() {
            if r.host < 2 {
                trips.superoffice += 1;
                *trips
                    .shapes
                    .entry(format!("SuperOffice {} {}", r.method, shape(&r.path)))
                    .or_default() += 1;
            } else {
                trips.superoffice_other += 1;
            }
        }
        trips
    }
}

/// A path with its numbers and tenant replaced, e.g. `/{tenant}/api/v1/Sale/{id}`.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() {
                "{id}"
            } else if s.starts_with("Cust") {
                "{tenant}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every Sale ended in its contract's state, written exactly once (successful PATCHes on the
/// sandbox); returns the number of Sale writes.
pub(crate) fn check_sales(world: &World) -> usize {
    let mut writes: HashMap<String, usize> = HashMap::new();
    for r in world.so.requests() {
        if r.method == "PATCH" && r.path.contains("/Sale/") && r.status < 300 {
            *writes.entry(r.path.clone()).or_default() += 1;
        }
    }
    let mut total = 0;
    for inst in &world.installations {
        for (_, sale, outcome) in &inst.contracts {
            let value = world.so.sale(&inst.tenant, *sale).expect("the Sale");
            assert_eq!(
                value["Status"].as_str(),
                Some(outcome.sale_status()),
                "{} Sale {sale}",
                inst.tenant
            );
            let path = format!("/{}/api/v1/Sale/{sale}", inst.tenant);
            let count = writes.get(&path).copied().unwrap_or(0);
            assert_eq!(count, 1, "{path} written once");
            total += count;
        }
    }
    assert_eq!(
        writes.values().sum::<usize>(),
        total,
        "no other Sale was written"
    );
    total
}

/// Every job in `store` is done and was leased exactly once (no double processing), and
/// there are `expected` of them. Job ids may have gaps (a PostgreSQL sequence can skip a
/// value per refused duplicate), so every id up to twice the stream's length is read.
pub(crate) async fn check_jobs(store: &dyn Store, expected: usize, webhooks: usize) {
    let mut found = 0;
    for id in 1..=2 * (webhooks as i64) + 10 {
        if let Some(job) = store.job(id).await.expect("read a job") {
            assert_eq!(job.state, JobState::Done, "job {id}");
            assert_eq!(job.attempts, 1, "job {id} leased once");
            found += 1;
        }
    }
    assert_eq!(found, expected, "one job per unique event");
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A fresh SQLite store in a temporary directory (WAL, a pool of connections).
pub(crate) async fn sqlite_store() -> (
    Arc<dyn Store>,
    integration_core::store::SqliteStore,
    tempfile::TempDir,
) {
    use integration_core::store::{SecretKey, SqliteStore};
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(dir.path().join("bench.db"), SecretKey::generate())
        .await
        .expect("open the SQLite store");
    (Arc::new(store.clone()), store, dir)
}

/// PostgreSQL: every run works in its own schema, dropped afterwards.
#[cfg(feature = "postgres")]
pub(crate) mod pg {
    use std::str::FromStr;

    use integration_core::store::{PgConnectOptions, PostgresStore, SecretKey};
    use sqlx::{Connection, PgConnection};

    fn under_ci() -> bool {
        std::env::var("CI").is_ok_and(|v| v == "true")
    }

    fn unavailable(why: &str) {
        if under_ci() {
            panic!("PostgreSQL is required under CI=true, but {why}");
        }
        eprintln!(
            "notice: skipping the PostgreSQL runs: {why} \
             (set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test)"
        );
    }

    /// Drops the run's schema.
    pub(crate) struct SchemaGuard {
        url: String,
        schema: String,
    }

    impl SchemaGuard {
        pub(crate) async fn drop_schema(self) {
            let dropped = async {
                let mut conn = PgConnection::connect(&self.url).await?;
                sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
                    .execute(&mut conn)
                    .await?;
                conn.close().await
            }
            .await;
            if let Err(error) = dropped {
                eprintln!(
                    "notice: could not drop bench schema {}: {error}",
                    self.schema
                );
            }
        }
    }

    /// `count` stores (one pool each, as separate replicas would have) on one new schema.
    pub(crate) async fn fresh_stores(count: usize) -> Option<(Vec<PostgresStore>, SchemaGuard)> {
        let Ok(url) = std::env::var("DATABASE_URL") else {
            unavailable("DATABASE_URL is not set");
            return None;
        };
        let mut admin = match PgConnection::connect(&url).await {
            Ok(conn) => conn,
            Err(err) => {
                unavailable(&format!("{url} is not reachable ({err})"));
                return None;
            }
        };
        let schema = format!("bench_{:016x}", rand::random::<u64>());
        sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .expect("create the bench schema");
        admin.close().await.expect("close the admin connection");
        let guard = SchemaGuard {
            url: url.clone(),
            schema: schema.clone(),
        };
        let options = PgConnectOptions::from_str(&url)
            .expect("a valid DATABASE_URL")
            .options([("search_path", schema.as_str())]);
        let key = SecretKey::generate();
        let mut stores = Vec::new();
        for _ in 0..count {
            stores.push(
                PostgresStore::connect_with(options.clone(), key.clone())
                    .await
                    .expect("connect the PostgreSQL store"),
            );
        }
        Some((stores, guard))
    }
}

/// CPU time (user + system) this process has used so far, from `/proc/self/stat` (Linux's
/// `USER_HZ` is 100 ticks per second); zero where that file does not exist.
pub(crate) fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}
