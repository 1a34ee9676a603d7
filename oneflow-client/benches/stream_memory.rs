//! Benchmark 4 (issue 12), Oneflow half: the client's peak memory while streaming 2 000 and
//! 20 000 users and templates through `limit`/`offset` pagination stays bounded by the page
//! size, not the number of items.
//!
//! The pages come from a synthesising server in **another process** (this binary re-executed
//! with `STREAM_MEMORY_ROLE=server`) that answers in Oneflow's page format
//! (`{"count", "data", "_links": {"next", "previous", "self"}}`). Each measurement runs in a
//! fresh client process (`STREAM_MEMORY_ROLE=client`) that reads its own peak resident set
//! (`VmHWM` in `/proc/self/status`) after the stream ended. A `collect` row (the same items
//! gathered into a `Vec`) shows that the measurement does see memory that grows with the
//! item count.
//!
//! `cargo bench -p oneflow-client --bench stream_memory` runs 2 000 vs 20 000 items;
//! `cargo test` runs the smoke mode (200 vs 2 000 items). Both assert the bound
//! `peak(large) <= 1.2 * peak(small)` for the streams.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

use futures::{StreamExt, TryStreamExt};

const ROLE: &str = "STREAM_MEMORY_ROLE";
/// Oneflow's page size (`limit` 1–100; the client streams with 100).
const PAGE_SIZE: u64 = 100;
/// The bound the issue sets: the large run's peak is at most this times the small run's.
const BOUND: f64 = 1.2;

fn main() {
    match std::env::var(ROLE).as_deref() {
        Ok("server") => server::run(),
        Ok("client") => client_process(),
        _ => orchestrate(),
    }
}

/// Starts the server process, runs one client process per (kind, size) and prints the table.
fn orchestrate() {
    let full = std::env::args().any(|a| a == "--bench");
    let (small, large) = if full { (2_000, 20_000) } else { (200, 2_000) };
    let mode = if full { "bench" } else { "smoke" };
    println!("stream_memory (oneflow-client, {mode} mode): page size {PAGE_SIZE}, server in another process");

    let mut server = spawn_self("server", &[]);
    let mut out = BufReader::new(server.stdout.take().expect("server stdout is piped"));
    let mut line = String::new();
    out.read_line(&mut line).expect("server prints its address");
    let base = line
        .trim()
        .strip_prefix("listening ")
        .expect("server announces `listening <url>`")
        .to_owned();

    println!(
        "{:<10} {:<8} {:>7} {:>14} {:>13} {:>14}",
        "kind", "how", "items", "baseline_kB", "peak_kB", "peak-base_kB"
    );
    let mut failures = Vec::new();
    for kind in ["users", "templates"] {
        for how in ["stream", "collect"] {
            let a = measure(&base, kind, how, small);
            let b = measure(&base, kind, how, large);
            let ratio = b.peak_kb as f64 / a.peak_kb as f64;
            println!(
                "ratio {kind}/{how}: peak({large}) / peak({small}) = {ratio:.3}{}",
                if how == "stream" {
                    format!(" (bound {BOUND})")
                } else {
                    " (no bound: every item is kept)".to_owned()
                }
            );
            if how == "stream" && ratio > BOUND {
                failures.push(format!("{kind}: {ratio:.3} > {BOUND}"));
            }
        }
    }
    // Closing stdin ends the server; kill it as well in case it is stuck.
    drop(server.stdin.take());
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        failures.is_empty(),
        "streaming memory grew with the item count: {failures:?}"
    );
}

#[derive(Debug)]
struct Measurement {
    peak_kb: u64,
}

fn measure(base: &str, kind: &str, how: &str, items: u64) -> Measurement {
    let child = spawn_self(
        "client",
        &[
            ("STREAM_MEMORY_BASE", base),
            ("STREAM_MEMORY_KIND", kind),
            ("STREAM_MEMORY_HOW", how),
            ("STREAM_MEMORY_ITEMS", &items.to_string()),
        ],
    );
    let output = child.wait_with_output().expect("client process runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "client process failed: {text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let field = |name: &str| -> u64 {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("client output lacks {name}: {text}"))
    };
    let (seen, baseline, peak) = (field("items="), field("baseline_kb="), field("peak_kb="));
    assert_eq!(seen, items, "{kind}: the stream yielded every item");
    println!(
        "{kind:<10} {how:<8} {items:>7} {baseline:>14} {peak:>13} {:>14}",
        peak.saturating_sub(baseline)
    );
    Measurement { peak_kb: peak }
}

fn spawn_self(role: &str, env: &[(&str, &str)]) -> Child {
    let exe = std::env::current_exe().expect("own executable");
    let mut cmd = Command::new(exe);
    cmd.env(ROLE, role)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("re-executing this benchmark binary")
}

/// `VmHWM` (peak resident set) and `VmRSS` of this process, in kB.
fn memory_kb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux)");
    let read = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (read("VmHWM:"), read("VmRSS:"))
}

fn client_process() {
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is set"));
    let base = var("STREAM_MEMORY_BASE");
    let kind = var("STREAM_MEMORY_KIND");
    let how = var("STREAM_MEMORY_HOW");
    let items: u64 = var("STREAM_MEMORY_ITEMS").parse().expect("item count");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let seen = runtime.block_on(async {
        let client = oneflow_client::Client::builder()
            .base_url(format!("{base}/{items}/v1"))
            .api_token("bench4Tkn7Qx9Lm2Pz8Rv5Wc1Yd6Hb3Nj0Ks7Ge4")
            .user_email("bench.user@ourco.example")
            .build()
            .expect("client");
        // Warm up: one page, so the connection pool, TLS-free HTTP stack and decoder are in
        // place before the baseline is read.
        let _ = client
            .users()
            .list()
            .limit(1)
            .send()
            .await
            .expect("warm-up page");
        let (baseline, _) = memory_kb();
        let seen = match (kind.as_str(), how.as_str()) {
            ("users", "stream") => count(client.users().list().stream()).await,
            ("templates", "stream") => count(client.templates().list().stream()).await,
            ("users", _) => {
                let all: Vec<_> = client
                    .users()
                    .list()
                    .stream()
                    .try_collect()
                    .await
                    .expect("users");
                all.len() as u64
            }
            (_, _) => {
                let all: Vec<_> = client
                    .templates()
                    .list()
                    .stream()
                    .try_collect()
                    .await
                    .expect("templates");
                all.len() as u64
            }
        };
        (seen, baseline)
    });
    let (peak, _) = memory_kb();
    println!("items={} baseline_kb={} peak_kb={peak}", seen.0, seen.1);
    std::io::stdout().flush().expect("stdout");
}

async fn count<T>(mut items: oneflow_client::ItemStream<T>) -> u64 {
    let mut n = 0;
    while let Some(item) = items.next().await {
        item.expect("streamed item");
        n += 1;
    }
    n
}

/// The synthesising page server: `GET /{total}/v1/users` and `/{total}/v1/templates` answer
/// `limit`/`offset` pages of `total` items in Oneflow's format, generated on the fly.
mod server {
    use super::*;
    use axum::extract::{Path, Query, State};
    use axum::http::header::CONTENT_TYPE;
    use axum::response::IntoResponse;
    use axum::routing::get;
    use axum::Router;
    use std::collections::HashMap;

    pub(super) fn run() {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind loopback");
            let origin = format!("http://{}", listener.local_addr().expect("address"));
            println!("listening {origin}");
            std::io::stdout().flush().expect("stdout");
            // The orchestrator closes our stdin when it is done (or dies).
            std::thread::spawn(|| {
                let _ = std::io::stdin().read_to_end(&mut Vec::new());
                std::process::exit(0);
            });
            let app = Router::new()
                .route("/{total}/v1/{kind}", get(page))
                .with_state(origin);
            axum::serve(listener, app).await.expect("serve");
        });
    }

    async fn page(
        State(origin): State<String>,
        Path((total, kind)): Path<(u64, String)>,
        Query(query): Query<HashMap<String, String>>,
    ) -> impl IntoResponse {
        let num = |k: &str, d: u64| query.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
        let limit = num("limit", PAGE_SIZE).clamp(1, 100);
        let offset = num("offset", 0);
        let end = (offset + limit).min(total);
        let href = |o: u64| {
            format!("{{\"href\": \"{origin}/{total}/v1/{kind}?limit={limit}&offset={o}\"}}")
        };
        let next = if end < total {
            href(end)
        } else {
            "null".to_owned()
        };
        let previous = if offset > 0 {
            href(offset.saturating_sub(limit))
        } else {
            "null".to_owned()
        };
        let data: Vec<String> = (offset..end)
            .map(|i| match kind.as_str() {
                "users" => user(&origin, i),
                _ => template(&origin, i),
            })
            .collect();
        let body = format!(
            "{{\"_links\": {{\"next\": {next}, \"previous\": {previous}, \"self\": {}}}, \"count\": {total}, \"data\": [{}]}}",
            href(offset),
            data.join(",")
        );
        ([(CONTENT_TYPE, "application/json")], body)
    }

    /// A user as in `tests/fixtures/users_page_1.json`.
    fn user(origin: &str, i: u64) -> String {
        let id = 100_000 + i;
        format!(
            "{{\"_links\": {{\"self\": {{\"href\": \"{origin}/v1/users/{id}\"}}}}, \"active\": {}, \
             \"email\": \"user.{i}@ourco.example\", \"id\": {id}, \"is_admin\": false, \
             \"name\": \"Bench User {i}\", \"phone_number\": \"+4670{i:07}\", \
             \"state\": \"registered\", \"title\": \"Account Manager\"}}",
            !i.is_multiple_of(7)
        )
    }

    /// A template as in `tests/fixtures/templates_page.json`.
    fn template(origin: &str, i: u64) -> String {
        let id = 700_000 + i;
        format!(
            "{{\"_links\": {{\"self\": {{\"href\": \"{origin}/v1/templates/{id}\"}}}}, \
             \"available_options\": {{\"can_receive_attachments\": true, \"can_receive_expanded_pdf\": true, \
             \"can_receive_products\": true, \"delivery_channels\": [{{\"name\": \"email\", \"preferred\": true, \
             \"required_participant_attributes\": [\"email\"]}}], \"sign_methods\": [{{\"name\": \"standard_esign\", \
             \"preferred\": true}}], \"two_step_authentication_methods\": [{{\"name\": \"none\", \"preferred\": true, \
             \"required_participant_attributes\": []}}]}}, \"created_time\": \"2025-03-02T08:00:00+0000\", \
             \"id\": {id}, \"name\": \"SuperOffice – Sales agreement {i}\", \"parties\": [], \"product_groups\": [], \
             \"template_type\": {{\"created_time\": \"2025-01-10T12:00:00+0000\", \"description\": \
             \"Templates offered in SuperOffice\", \"extension_type\": \"superoffice\", \"id\": 40210, \
             \"name\": \"SuperOffice\", \"updated_time\": \"2025-01-10T12:00:00+0000\"}}, \
             \"updated_time\": \"2026-10-01T07:30:00+0000\"}}"
        )
    }
}
