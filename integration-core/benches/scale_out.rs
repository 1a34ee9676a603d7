//! Benchmark 3 (issue 12): scale-out over one PostgreSQL database.
//!
//! The stage-sync stream of benchmark 2 (webhooks with 10 % repeats, shuffled with a fixed
//! seed, 8 installations, API latency on both sandboxes) worked by 1, 2 and 4 `Integration`
//! instances — separate engines with their own worker ids, HTTP clients and connection pools,
//! all on one PostgreSQL schema — each serving the service's router
//! (`integration_core::server::router`; the posters spread the stream over the instances round
//! robin, as a load balancer would) and running the same number of worker loops. Each
//! instance count gets a fresh world (sandboxes, schema).
//!
//! Figures: events/s per instance count and the speed-up over one instance (target ≥ 1.7× at
//! 2). Checks: every Sale in its final state, written once; every job done and leased once
//! (read back from the store); no retries.
//!
//! `cargo bench -p integration-core --all-features --bench scale_out`; `cargo test` runs the
//! smoke mode (40 webhooks per instance count, 1 ms latency). Needs `DATABASE_URL` (skipped
//! with a notice when unreachable unless `CI=true`). Knobs: `SCALE_OUT_EVENTS` (4 000),
//! `SCALE_OUT_LATENCY_MS` (5), `SCALE_OUT_WORKERS` (worker loops per instance, 2),
//! `SCALE_OUT_POSTERS` (4), `SCALE_OUT_BATCH` (2), `SCALE_OUT_INSTANCES` (`1,2,4`).

mod support;

use std::sync::Arc;
use std::time::Duration;

use integration_core::engine::Integration;
use integration_core::store::Store;
use support::{ms, RoundTrips, World};

const INSTALLATIONS: usize = 8;
const SEED: u64 = 0x5EED_0013;

fn main() {
    let full = support::full_mode();
    let events: usize = support::knob("SCALE_OUT_EVENTS", if full { 4_000 } else { 40 });
    let latency = Duration::from_millis(support::knob(
        "SCALE_OUT_LATENCY_MS",
        if full { 5 } else { 1 },
    ));
    let workers: usize = support::knob("SCALE_OUT_WORKERS", 2);
    let posters: usize = support::knob("SCALE_OUT_POSTERS", 4);
    let batch: u32 = support::knob("SCALE_OUT_BATCH", 2);
    let counts: Vec<usize> = support::knob("SCALE_OUT_INSTANCES", "1,2,4".to_owned())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        println!(
            "scale_out ({} mode): {events} webhooks (10 % repeats, seed {SEED:#x}) over \
             {INSTALLATIONS} installations, API latency {} ms, {workers} worker loop(s) per \
             instance, batch {batch}, {posters} poster(s); one PostgreSQL schema per instance \
             count; load average at start {}",
            if full { "bench" } else { "smoke" },
            ms(latency),
            support::load_average()
        );
        let mut baseline = None;
        for &instances in &counts {
            let Some((stores, guard)) = support::pg::fresh_stores(instances).await else {
                return;
            };
            let rate = run(instances, &stores, events, latency, workers, posters, batch).await;
            for store in &stores {
                store.close().await;
            }
            guard.drop_schema().await;
            let base = *baseline.get_or_insert(rate);
            println!(
                "[{instances} instance(s)] {rate:.1} events/s; speed-up over 1 instance: {:.2}×{}",
                rate / base,
                if instances == 2 {
                    " (target ≥ 1.7×)"
                } else {
                    ""
                }
            );
            if full {
                println!(
                    "[{instances} instance(s)] RESULT events/s={rate:.1} speedup={:.3}",
                    rate / base
                );
            }
        }
    });
}

async fn run(
    instances: usize,
    stores: &[integration_core::store::PostgresStore],
    events: usize,
    latency: Duration,
    workers: usize,
    posters: usize,
    batch: u32,
) -> f64 {
    let unique = events * 9 / 10;
    let mut world = World::start(INSTALLATIONS, unique).await;
    let config = world
        .config
        .clone()
        .worker(support::bench_worker_config(batch));
    let engines: Vec<Integration> = stores
        .iter()
        .enumerate()
        .map(|(i, store)| {
            let store: Arc<dyn Store> = Arc::new(store.clone());
            Integration::builder(config.clone(), store)
                .worker_id(format!("instance-{i}"))
                .build()
                .expect("engine")
        })
        .collect();
    support::install(&mut world, &engines[0], INSTALLATIONS, unique).await;
    let stream = support::stream(&world, events, SEED);
    let mut origins = Vec::new();
    let mut hosts = Vec::new();
    for engine in &engines {
        let (origin, host) = support::serve(support::router(engine.clone())).await;
        origins.push(origin);
        hosts.push(host);
    }
    world.of.set_latency(latency);
    world.so.set_latency(latency);
    world.of.clear_requests();
    world.so.clear_requests();
    let load = support::load_average();
    let cpu = support::cpu_time();
    let figures = support::run(&stream, &origins, &engines, workers, posters).await;
    let load_after = support::load_average();
    let cpu = support::cpu_time().saturating_sub(cpu);
    for host in hosts {
        host.abort();
    }
    let trips = RoundTrips::count(&world);
    let writes = support::check_sales(&world);
    let store: &dyn Store = &stores[0];
    support::check_jobs(store, unique, events).await;
    assert_eq!(writes, unique, "one Sale write per unique event");
    let per_event = (trips.oneflow + trips.superoffice) as f64 / unique as f64;
    let loops = instances * workers;
    let bound = loops as f64 / (per_event * latency.as_secs_f64());
    let rate = figures.events_per_second();
    println!(
        "[{instances} instance(s)] {} webhooks ({unique} unique) in {:.2} s; ack p50 {:.2} ms, \
         p99 {:.2} ms; {per_event:.3} round trips/event; bound {loops} loops / ({per_event:.3} × \
         {} ms) = {bound:.1} events/s, measured/bound {:.3}; {writes} Sale writes (each once), \
         every job done once; CPU {:.2} ms/event ({:.0} % of one core); load average {load} \
         before, {load_after} after",
        figures.webhooks,
        figures.elapsed.as_secs_f64(),
        ms(figures.ack_p50),
        ms(figures.ack_p99),
        ms(latency),
        rate / bound,
        ms(cpu) / unique as f64,
        100.0 * cpu.as_secs_f64() / figures.elapsed.as_secs_f64()
    );
    rate
}
