//! Client overhead: `contracts().get(id)` against a bare `reqwest` GET with the same headers
//! and a `serde_json::Value` decode, both on one in-process loopback server that answers with
//! the full contract fixture (`tests/fixtures/contract.json`, Oneflow's wire format).
//!
//! `cargo bench -p oneflow-client --bench overhead` prints criterion's figures for both calls,
//! then an interleaved pass (blocks of calls alternating between the two, on one thread)
//! with the per-call wall time, the per-call CPU time of the thread and their ratios. Without
//! `--bench` (as under `cargo test`) it is a smoke run: one call of each, checked, no timing.
//!
//! Knobs (environment): `OVERHEAD_ROUNDS` (default 40) and `OVERHEAD_BLOCK` (calls per block,
//! default 200) for the interleaved pass; `OVERHEAD_ONLY=client|baseline` with
//! `OVERHEAD_CALLS=N` runs just N calls of one side (`benches/callgrind_ratio.sh` counts their
//! instructions with `valgrind --tool=callgrind`). Figures and method: `BENCHMARKS.md`.

use std::time::{Duration, Instant};

use criterion::Criterion;
use oneflow_client::models::{Contract, ContractId};
use oneflow_client::Client;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, USER_AGENT};

const FIXTURE: &str = include_str!("../tests/fixtures/contract.json");
const CONTRACT_ID: i64 = 3_012_345;
const TOKEN: &str = "abcdefghij-ABCDEFGHIJ-0123456789-abcdefg";
const EMAIL: &str = "seller@ourco.example";
const USER_AGENT_VALUE: &str = "overhead-bench/1.0";

/// Both sides of the comparison, sharing one server.
struct Setup {
    client: Client,
    bare: reqwest::Client,
    bare_headers: HeaderMap,
    base: String,
}

impl Setup {
    async fn start() -> Setup {
        let app = axum::Router::new().route(
            "/v1/contracts/{id}",
            axum::routing::get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    FIXTURE,
                )
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        let base = format!("http://{addr}/v1");
        let client = Client::builder()
            .base_url(base.clone())
            .api_token(TOKEN)
            .user_email(EMAIL)
            .user_agent(USER_AGENT_VALUE)
            .build()
            .expect("client configuration");
        // The SDK's built-in HTTP client: no redirects, 30 s timeout, 10 s connect timeout.
        let bare = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .expect("reqwest client");
        let mut bare_headers = HeaderMap::new();
        bare_headers.insert("x-oneflow-api-token", HeaderValue::from_static(TOKEN));
        bare_headers.insert("x-oneflow-user-email", HeaderValue::from_static(EMAIL));
        bare_headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        bare_headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        Setup {
            client,
            bare,
            bare_headers,
            base,
        }
    }

    async fn client_call(&self) -> Contract {
        self.client
            .contracts()
            .get(ContractId(CONTRACT_ID))
            .await
            .expect("typed get")
    }

    async fn bare_call(&self) -> serde_json::Value {
        let body = self
            .bare
            .get(format!("{}/contracts/{CONTRACT_ID}", self.base))
            .headers(self.bare_headers.clone())
            .send()
            .await
            .expect("bare GET")
            .error_for_status()
            .expect("bare GET status")
            .bytes()
            .await
            .expect("bare body");
        serde_json::from_slice(&body).expect("bare decode")
    }

    async fn run(&self, side: Side, calls: u64) {
        for _ in 0..calls {
            match side {
                Side::Client => {
                    std::hint::black_box(self.client_call().await);
                }
                Side::Baseline => {
                    std::hint::black_box(self.bare_call().await);
                }
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Client,
    Baseline,
}

/// CPU time this thread has used (`/proc/thread-self/schedstat`, nanoseconds), so a block is
/// charged only for its own work, not for time the scheduler gave to other processes.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = text.split_whitespace().next()?.parse::<u64>().ok()?;
    Some(Duration::from_nanos(ns))
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Alternates blocks of calls (client first in even rounds, baseline first in odd ones) and
/// reports medians over the rounds.
async fn interleaved(setup: &Setup, rounds: u64, block: u64) {
    let mut wall = (Vec::new(), Vec::new());
    let mut cpu = (Vec::new(), Vec::new());
    let mut wall_ratio = Vec::new();
    let mut cpu_ratio = Vec::new();
    for round in 0..rounds {
        let order = if round % 2 == 0 {
            [Side::Client, Side::Baseline]
        } else {
            [Side::Baseline, Side::Client]
        };
        let mut per_call = [(0.0, 0.0); 2];
        for side in order {
            let (w0, c0) = (Instant::now(), thread_cpu());
            setup.run(side, block).await;
            let (w, c) = (w0.elapsed(), thread_cpu());
            let c = match (c0, c) {
                (Some(a), Some(b)) => b.saturating_sub(a),
                _ => w,
            };
            let i = usize::from(side == Side::Baseline);
            per_call[i] = (
                w.as_secs_f64() * 1e6 / block as f64,
                c.as_secs_f64() * 1e6 / block as f64,
            );
        }
        wall.0.push(per_call[0].0);
        wall.1.push(per_call[1].0);
        cpu.0.push(per_call[0].1);
        cpu.1.push(per_call[1].1);
        wall_ratio.push(per_call[0].0 / per_call[1].0);
        cpu_ratio.push(per_call[0].1 / per_call[1].1);
    }
    println!(
        "oneflow-client overhead, interleaved: {rounds} rounds x {block} calls per side, one thread"
    );
    println!(
        "  contracts().get      wall {:8.2} us/call   cpu {:8.2} us/call",
        median(&mut wall.0),
        median(&mut cpu.0)
    );
    println!(
        "  bare reqwest + Value wall {:8.2} us/call   cpu {:8.2} us/call",
        median(&mut wall.1),
        median(&mut cpu.1)
    );
    println!(
        "  ratio (median of per-round ratios): wall {:.3}   cpu {:.3}   (target <= 1.05)",
        median(&mut wall_ratio),
        median(&mut cpu_ratio)
    );
}

fn criterion_pass(rt: &tokio::runtime::Runtime, setup: &Setup, c: &mut Criterion) {
    let mut group = c.benchmark_group("oneflow_get_contract");
    for (name, side) in [
        ("contracts_get", Side::Client),
        ("bare_reqwest_value", Side::Baseline),
    ] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    setup.run(side, iters).await;
                    start.elapsed()
                })
            })
        });
    }
    group.finish();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let benchmarking = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test");
    // One thread for server, client and runtime: the thread's CPU time is the whole cost.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let setup = rt.block_on(Setup::start());

    if let Ok(only) = std::env::var("OVERHEAD_ONLY") {
        let side = match only.as_str() {
            "client" => Side::Client,
            "baseline" => Side::Baseline,
            other => panic!("OVERHEAD_ONLY must be `client` or `baseline`, not `{other}`"),
        };
        let calls = env_u64("OVERHEAD_CALLS", 1000);
        rt.block_on(setup.run(side, calls));
        println!("ran {calls} {only} calls");
        return;
    }

    // Both sides answer and agree on the fixture (also the smoke check under `cargo test`).
    let (typed, value) =
        rt.block_on(async { (setup.client_call().await, setup.bare_call().await) });
    assert_eq!(typed.id, ContractId(CONTRACT_ID));
    assert_eq!(value["id"], CONTRACT_ID);
    if !benchmarking {
        println!("oneflow-client overhead bench: smoke run ok (one call per side, no timing)");
        return;
    }

    let mut criterion = Criterion::default().configure_from_args();
    criterion_pass(&rt, &setup, &mut criterion);
    criterion.final_summary();
    let rounds = env_u64("OVERHEAD_ROUNDS", 40);
    let block = env_u64("OVERHEAD_BLOCK", 200);
    rt.block_on(async {
        // Warm both sides before the interleaved pass.
        setup.run(Side::Client, block).await;
        setup.run(Side::Baseline, block).await;
        interleaved(&setup, rounds, block).await;
    });
}
