//! Benchmark 2 (issue 12): stage-sync throughput.
//!
//! 10 000 Oneflow webhooks (10 % of them repeats of earlier ones, shuffled with a fixed seed)
//! for 8 installations — each its own Oneflow account (one Oneflow sandbox serving 8 accounts)
//! bound to its own SuperOffice tenant (one SuperOffice sandbox with 8 tenants) — are posted
//! over loopback HTTP to the service's router (`integration_core::server::router`,
//! `POST /webhooks/oneflow/{installation}`), acknowledged, and processed by worker
//! loops of one `Integration` against the sandboxes, which add a fixed latency to every API
//! request (default 5 ms).
//!
//! Figures: events/s (unique events from the first post until the last job completed),
//! acknowledgement latency p50/p99, the API round trips per event counted from the
//! sandboxes' request logs in the same run, and the bound they set:
//! `workers / (round trips per event × latency)`, with the measured/bound ratio (target ≥ 0.6).
//! The engine's request budgets are raised so they never bind (the default budgets' own bound
//! is printed beside). Checks: every Sale ends Sold (contract signed) or Lost (declined),
//! written exactly once; every job done, leased once; no retries.
//!
//! Runs on SQLite, and on PostgreSQL (feature `postgres`, `DATABASE_URL`, own schema; skipped
//! with a notice when unreachable unless `CI=true`).
//!
//! `cargo bench -p integration-core --all-features --bench stage_sync` runs the full stream;
//! `cargo test` runs the smoke mode (40 webhooks, 1 ms latency, same checks, figures printed
//! but not meaningful). Knobs: `STAGE_SYNC_EVENTS` (10 000), `STAGE_SYNC_LATENCY_MS` (5),
//! `STAGE_SYNC_WORKERS` (8), `STAGE_SYNC_POSTERS` (4), `STAGE_SYNC_BATCH` (2),
//! `STAGE_SYNC_STORES` (`sqlite,postgres`).

mod support;

use std::time::Duration;

use integration_core::engine::{Integration, WorkerConfig};
use integration_core::store::Store;
use support::{ms, RoundTrips, World};

const INSTALLATIONS: usize = 8;
const SEED: u64 = 0x5EED_0012;

struct Params {
    full: bool,
    events: usize,
    latency: Duration,
    workers: usize,
    posters: usize,
    batch: u32,
}

fn main() {
    let full = support::full_mode();
    let params = Params {
        full,
        events: support::knob("STAGE_SYNC_EVENTS", if full { 10_000 } else { 40 }),
        latency: Duration::from_millis(support::knob(
            "STAGE_SYNC_LATENCY_MS",
            if full { 5 } else { 1 },
        )),
        workers: support::knob("STAGE_SYNC_WORKERS", 8),
        posters: support::knob("STAGE_SYNC_POSTERS", 4),
        batch: support::knob("STAGE_SYNC_BATCH", 2),
    };
    let stores: String = support::knob("STAGE_SYNC_STORES", "sqlite,postgres".to_owned());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        println!(
            "stage_sync ({} mode): {} webhooks (10 % repeats, shuffled, seed {SEED:#x}) over \
             {INSTALLATIONS} installations, API latency {} ms, {} worker loop(s), {} poster(s), \
             batch {}; load average at start {}",
            if full { "bench" } else { "smoke" },
            params.events,
            ms(params.latency),
            params.workers,
            params.posters,
            params.batch,
            support::load_average()
        );
        if stores.contains("sqlite") {
            let (store, sqlite, dir) = support::sqlite_store().await;
            run_on("SQLite", store, &params).await;
            sqlite.close().await;
            drop(dir);
        }
        #[cfg(feature = "postgres")]
        if stores.contains("postgres") {
            if let Some((mut stores, guard)) = support::pg::fresh_stores(1).await {
                let store = stores.remove(0);
                run_on("PostgreSQL", std::sync::Arc::new(store.clone()), &params).await;
                store.close().await;
                guard.drop_schema().await;
            }
        }
    });
}

async fn run_on(name: &str, store: std::sync::Arc<dyn Store>, params: &Params) {
    let unique = params.events * 9 / 10;
    // Every store call goes through the counter: write transactions per event.
    let counter = std::sync::Arc::new(support::counting::CountingStore::new(store.clone()));
    let mut world = World::start(INSTALLATIONS, unique).await;
    let worker = support::bench_worker_config(params.batch);
    let counted: std::sync::Arc<dyn Store> = counter.clone();
    let engine = Integration::builder(world.config.clone().worker(worker.clone()), counted)
        .worker_id("bench-worker")
        .build()
        .expect("engine");
    let prepared = std::time::Instant::now();
    support::install(&mut world, &engine, INSTALLATIONS, unique).await;
    let stream = support::stream(&world, params.events, SEED);
    let (origin, host) = support::serve(support::router(engine.clone())).await;
    println!(
        "[{name}] prepared {} installations and {unique} signed/declined contracts in {:.1} s",
        world.installations.len(),
        prepared.elapsed().as_secs_f64()
    );

    world.of.set_latency(params.latency);
    world.so.set_latency(params.latency);
    world.of.clear_requests();
    world.so.clear_requests();
    let load = support::load_average();
    let cpu = support::cpu_time();
    let commits_before = counter.snapshot();
    let figures = support::run(
        &stream,
        std::slice::from_ref(&origin),
        std::slice::from_ref(&engine),
        params.workers,
        params.posters,
    )
    .await;
    let load_after = support::load_average();
    let cpu = support::cpu_time().saturating_sub(cpu);
    let commits = support::counting::delta(&commits_before, &counter.snapshot());
    host.abort();

    let trips = RoundTrips::count(&world);
    let writes = support::check_sales(&world);
    support::check_jobs(store.as_ref(), unique, params.events).await;
    assert_eq!(figures.completed, unique);
    assert_eq!(writes, unique, "one Sale write per unique event");

    let per_event = (trips.oneflow + trips.superoffice) as f64 / unique as f64;
    let bound = params.workers as f64 / (per_event * params.latency.as_secs_f64());
    let measured = figures.events_per_second();
    let so_per_event = trips.superoffice as f64 / unique as f64;
    let default_budget = default_budget_bound(so_per_event);
    println!(
        "[{name}] {} webhooks ({} unique) in {:.2} s: {measured:.1} events/s; \
         ack p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        figures.webhooks,
        figures.unique,
        figures.elapsed.as_secs_f64(),
        ms(figures.ack_p50),
        ms(figures.ack_p99),
        ms(figures.ack_max)
    );
    println!(
        "[{name}] round trips per event: {per_event:.3} ({} Oneflow + {} SuperOffice REST over \
         {unique} events; {} SuperOffice sign-in/token/state requests, not delayed)",
        trips.oneflow, trips.superoffice, trips.superoffice_other
    );
    let mut shapes: Vec<_> = trips.shapes.iter().collect();
    shapes.sort();
    for (shape, count) in shapes {
        println!("[{name}]   {count:>6}  {shape}");
    }
    let total_commits: u64 = commits.values().sum();
    let commits_per_event = total_commits as f64 / unique as f64;
    println!(
        "[{name}] write transactions (durable commits) per event: {commits_per_event:.3} \
         ({total_commits} over {unique} events; by method: {commits:?})"
    );
    println!(
        "[{name}] bound = {} workers / ({per_event:.3} × {} ms) = {bound:.1} events/s; \
         measured/bound = {:.3} (target ≥ 0.6)",
        params.workers,
        ms(params.latency),
        measured / bound
    );
    println!(
        "[{name}] budgets in force: SuperOffice {} per {} s per tenant, Oneflow {} per {} s per \
         account (raised; with the defaults, 10 per 1 s and 2 000 per 300 s, the SuperOffice \
         budget alone would cap {INSTALLATIONS} tenants at {default_budget:.1} events/s)",
        worker.superoffice_budget.0,
        worker.superoffice_budget.1.num_seconds(),
        worker.oneflow_budget.0,
        worker.oneflow_budget.1.num_seconds()
    );
    println!(
        "[{name}] CPU time of the bench process during the stream: {:.1} s = {:.2} ms per \
         event (sandboxes, service and engine together), {:.0} % of one core on average",
        cpu.as_secs_f64(),
        ms(cpu) / unique as f64,
        100.0 * cpu.as_secs_f64() / figures.elapsed.as_secs_f64()
    );
    println!(
        "[{name}] every Sale in its final state, written once ({writes} writes); every job done, \
         leased once; load average {load} before, {load_after} after"
    );
    if params.full {
        println!(
            "[{name}] RESULT events/s={measured:.1} ack_p50_ms={:.2} ack_p99_ms={:.2} \
             trips_per_event={per_event:.3} commits_per_event={commits_per_event:.3} \
             bound={bound:.1} ratio={:.3}",
            ms(figures.ack_p50),
            ms(figures.ack_p99),
            measured / bound
        );
    }
}

/// Events/s the default SuperOffice budget allows: each SuperOffice call takes one unit of its
/// tenant's budget.
fn default_budget_bound(so_calls_per_event: f64) -> f64 {
    let (limit, window) = WorkerConfig::default().superoffice_budget;
    let per_tenant = f64::from(limit) * 1000.0 / window.num_milliseconds() as f64;
    INSTALLATIONS as f64 * per_tenant / so_calls_per_event
}
