//! The fault suite (issue 12): the sandboxes' fault knobs — 500s, HTML 502/503s, timeouts,
//! 429 bursts on reads and on writes (with and without `Retry-After`), an answer lost after
//! the server committed — against contract creation, webhook processing (the Sale update)
//! and setup. Every flow either finishes within its retry budget with no duplicate contract
//! and no lost or repeated Sale update, or gives up with a typed error and a parked job.
//!
//! SQLite only: the behaviour under faults does not depend on the store (the crash-safety
//! tests run on PostgreSQL too).

use std::time::Duration;

use chrono::TimeDelta;
use integration_core::engine::{Clock, EngineError, Integration};
use integration_core::store::{DeliverySource, InstallationId, Job, JobState};
use oneflow_sandbox::{Fault as OfFault, FaultScope as OfScope};
use superoffice_sandbox::{Fault as SoFault, FaultScope as SoScope};

use super::world::*;

macro_rules! on_sqlite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let harness = crate::store::harness::sqlite().await.unwrap();
                    super::$name(super::super::world::World::start(harness).await).await;
                }
            )*
        }
    };
}

on_sqlite!(
    oneflow_read_faults_delay_the_sale_update_but_apply_it_once,
    superoffice_read_faults_and_timeouts_delay_the_sale_update_but_apply_it_once,
    rate_limited_sale_writes_are_retried_and_written_once,
    a_sale_write_whose_answer_was_lost_is_not_repeated,
    a_superoffice_500_parks_the_job_and_reconcile_applies_it,
    an_exhausted_retry_budget_parks_the_job_with_the_reason,
    contract_creation_survives_read_faults_with_one_contract,
    a_create_whose_answer_was_lost_is_recovered_by_its_request_key,
    setup_survives_faults_and_lost_answers_without_duplicates,
);

/// The SuperOffice REST prefix of the main tenant (faults there spare the sign-in pages).
fn so_api() -> String {
    format!("/{MAIN_TENANT}/api/")
}

/// An engine on the world's store, as a second replica: a short HTTP timeout (SuperOffice
/// calls leave the timeout to the HTTP client) and a retry schedule in seconds, so the test
/// clock moves little. The retry budget (`max_attempts`) stays the default.
fn fault_engine(world: &World) -> Integration {
    let mut config = world.engine.config().clone();
    let mut worker = config.worker.clone();
    worker.initial_backoff = TimeDelta::seconds(1);
    worker.max_backoff = TimeDelta::seconds(8);
    config = config.worker(worker);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(700))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Integration::builder(config, world.store.clone())
        .clock(world.clock.clone())
        .http_client(http)
        .worker_id("fault-engine")
        .build()
        .expect("engine")
}

/// Every job in the store (ids are assigned from 1; PostgreSQL may leave gaps).
async fn all_jobs(world: &World) -> Vec<Job> {
    let mut jobs = Vec::new();
    for id in 1..=200 {
        if let Some(job) = world.store.job(id).await.unwrap() {
            jobs.push(job);
        }
    }
    jobs
}

/// The jobs of Oneflow deliveries (SuperOffice's echoes of our writes arrive at any time).
pub(crate) async fn jobs(world: &World) -> Vec<Job> {
    all_jobs(world)
        .await
        .into_iter()
        .filter(|j| j.source == DeliverySource::Oneflow)
        .collect()
}

/// Totals over [`settle`]'s batches.
#[derive(Debug, Default)]
pub(crate) struct Totals {
    pub(crate) completed: usize,
    pub(crate) retried: usize,
    pub(crate) parked: usize,
}

/// Runs `engine`'s worker until no job is due or waiting for a retry, moving the test clock to
/// each job's next attempt.
pub(crate) async fn settle(world: &World, engine: &Integration) -> Totals {
    let mut totals = Totals::default();
    for _ in 0..100 {
        let report = engine.process_next_batch().await.expect("a batch");
        totals.completed += report.completed;
        totals.retried += report.retried;
        totals.parked += report.parked;
        if report.leased > 0 {
            continue;
        }
        let now = world.clock.now();
        let next = all_jobs(world)
            .await
            .into_iter()
            .filter(|j| j.state == JobState::Queued)
            .map(|j| j.available_at)
            .min();
        match next {
            Some(at) => world.advance((at - now).max(TimeDelta::zero()) + TimeDelta::seconds(1)),
            None => return totals,
        }
    }
    panic!("the queue did not settle: {totals:?}");
}

/// A contract sent from `sale` and signed, its publish job processed; the sign deliveries
/// are queued.
async fn signed_contract(world: &World, id: InstallationId, sale: i64) -> i64 {
    let contract = world.send_contract(id, sale).await;
    world.delivered(contract, "contract:publish").await;
    world.drain().await;
    world.of.sign_all(contract).unwrap();
    world.delivered(contract, "contract:sign").await;
    contract
}

/// Successful PATCHes of a Sale that a client received (the faulted ones excluded).
fn answered_sale_patches(world: &World) -> usize {
    world
        .so
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/Sale/"))
        .filter(|r| r.status < 300 && !r.faulted)
        .count()
}

/// Every PATCH of a Sale that reached the sandbox, whatever happened to it.
fn all_sale_patches(world: &World) -> usize {
    world
        .so
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/Sale/"))
        .count()
}

fn assert_all_done(jobs: &[Job]) {
    assert!(!jobs.is_empty());
    for job in jobs {
        assert_eq!(job.state, JobState::Done, "{job:?}");
    }
}

async fn stage_mapping_applied(world: &World, id: InstallationId) -> usize {
    world
        .audit(id)
        .await
        .iter()
        .filter(|e| e.action == "stage_mapping" && e.detail.contains("close the Sale as"))
        .count()
}

pub(crate) async fn oneflow_read_faults_delay_the_sale_update_but_apply_it_once(world: World) {
    let id = world.installed().await;
    signed_contract(&world, id, 101).await;
    let engine = fault_engine(&world);
    let reads = OfScope::reads().path_prefix("/v1/contracts");
    for fault in [
        OfFault::InternalServerError,
        OfFault::BadGatewayHtml,
        OfFault::ServiceUnavailableHtml,
        OfFault::RateLimited { retry_after: None },
        OfFault::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
        },
    ] {
        world.of.inject_fault_for(reads.clone(), fault, 1);
    }
    let totals = settle(&world, &engine).await;
    assert!(
        totals.retried >= 5,
        "each fault cost an attempt: {totals:?}"
    );
    assert_eq!(totals.parked, 0, "{totals:?}");
    assert!(totals.completed >= 1, "{totals:?}");
    let faulted = world.of.requests().iter().filter(|r| r.faulted).count();
    assert_eq!(faulted, 5, "every fault was served");
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    assert_eq!(answered_sale_patches(&world), 1);
    assert_eq!(all_sale_patches(&world), 1);
    assert_eq!(stage_mapping_applied(&world, id).await, 1);
    assert_all_done(&jobs(&world).await);
    let audit = world.audit(id).await;
    assert!(audit.iter().any(|e| e.action == "retry"), "{audit:#?}");
    world.finish().await;
}

pub(crate) async fn superoffice_read_faults_and_timeouts_delay_the_sale_update_but_apply_it_once(
    world: World,
) {
    let id = world.installed().await;
    signed_contract(&world, id, 101).await;
    let engine = fault_engine(&world);
    let reads = SoScope::reads().path_prefix(so_api());
    for fault in [
        SoFault::BadGatewayHtml,
        SoFault::ServiceUnavailableHtml,
        SoFault::RateLimited { retry_after: None },
        SoFault::RateLimited {
            retry_after: Some(Duration::from_secs(2)),
        },
        // Held past the engine's HTTP timeout: the client gives up.
        SoFault::Timeout(Duration::from_secs(3)),
    ] {
        world.so.inject_fault_for(reads.clone(), fault, 1);
    }
    let totals = settle(&world, &engine).await;
    assert!(
        totals.retried >= 5,
        "each fault cost an attempt: {totals:?}"
    );
    assert_eq!(totals.parked, 0, "{totals:?}");
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    assert_eq!(all_sale_patches(&world), 1);
    assert_eq!(stage_mapping_applied(&world, id).await, 1);
    assert_all_done(&jobs(&world).await);
    let audit = world.audit(id).await;
    let retries: Vec<_> = audit.iter().filter(|e| e.action == "retry").collect();
    assert!(
        retries.iter().any(|e| e.detail.contains("429")
            || e.detail.to_lowercase().contains("too many")
            || e.detail.to_lowercase().contains("rate")),
        "{retries:#?}"
    );
    world.finish().await;
}

pub(crate) async fn rate_limited_sale_writes_are_retried_and_written_once(world: World) {
    let id = world.installed().await;
    signed_contract(&world, id, 101).await;
    let engine = fault_engine(&world);
    let writes = SoScope::writes().path_prefix(so_api());
    world.so.inject_fault_for(
        writes.clone(),
        SoFault::RateLimited {
            retry_after: Some(Duration::from_secs(5)),
        },
        2,
    );
    world
        .so
        .inject_fault_for(writes, SoFault::RateLimited { retry_after: None }, 2);
    // The first attempt is refused with `Retry-After: 5`: the job is not due before then.
    let before = world.clock.now();
    let first = engine.process_next_batch().await.unwrap();
    assert!(first.retried >= 1, "{first:?}");
    let waiting = jobs(&world)
        .await
        .into_iter()
        .filter(|j| j.state == JobState::Queued)
        .map(|j| j.available_at)
        .min()
        .expect("a job waits for its retry");
    assert!(
        // The store keeps milliseconds.
        waiting >= before + TimeDelta::milliseconds(4_999),
        "Retry-After honoured: {waiting} vs {before}"
    );
    let totals = settle(&world, &engine).await;
    assert_eq!(totals.parked, 0, "{totals:?}");
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    assert_eq!(all_sale_patches(&world), 5, "four refused, one written");
    assert_eq!(answered_sale_patches(&world), 1);
    assert_eq!(stage_mapping_applied(&world, id).await, 1);
    assert_all_done(&jobs(&world).await);
    world.finish().await;
}

pub(crate) async fn a_sale_write_whose_answer_was_lost_is_not_repeated(world: World) {
    let id = world.installed().await;
    signed_contract(&world, id, 101).await;
    let engine = fault_engine(&world);
    world.so.inject_fault_for(
        SoScope::method("PATCH").path_prefix(so_api()),
        SoFault::DropAfterCommit,
        1,
    );
    let totals = settle(&world, &engine).await;
    assert!(
        totals.retried >= 1,
        "the lost answer failed the job once: {totals:?}"
    );
    assert_eq!(totals.parked, 0, "{totals:?}");
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    // The write took effect once; the retry saw the Sale closed and wrote nothing.
    assert_eq!(all_sale_patches(&world), 1);
    let patch = world
        .so
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert!(patch.faulted && patch.status < 300, "{patch:?}");
    assert_all_done(&jobs(&world).await);
    let audit = world.audit(id).await;
    assert!(
        audit.iter().any(|e| e.action == "retry"),
        "the connection error was retried: {audit:#?}"
    );
    world.finish().await;
}

pub(crate) async fn a_superoffice_500_parks_the_job_and_reconcile_applies_it(world: World) {
    let id = world.installed().await;
    signed_contract(&world, id, 101).await;
    let engine = fault_engine(&world);
    // SuperOffice reports deterministic exceptions as 500: not retried, the job is parked.
    world.so.inject_fault_for(
        SoScope::reads().path_prefix(format!("{}v1/Sale/", so_api())),
        SoFault::InternalServerError,
        100,
    );
    let totals = settle(&world, &engine).await;
    world.so.clear_faults();
    assert!(totals.parked >= 1, "{totals:?}");
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Open");
    let parked: Vec<_> = jobs(&world)
        .await
        .into_iter()
        .filter(|j| j.state == JobState::Parked)
        .collect();
    assert!(!parked.is_empty());
    for job in &parked {
        let reason = job.last_error.as_deref().unwrap_or_default();
        assert!(
            reason.contains("500"),
            "the reason names the answer: {reason}"
        );
    }
    let audit = world.audit(id).await;
    assert!(audit.iter().any(|e| e.action == "parked"), "{audit:#?}");
    // Not lost: reconciliation applies it once the tenant answers again.
    assert_eq!(world.engine.reconcile(id).await.unwrap(), 1);
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    assert_eq!(all_sale_patches(&world), 1);
    world.finish().await;
}

pub(crate) async fn an_exhausted_retry_budget_parks_the_job_with_the_reason(world: World) {
    let id = world.installed().await;
    let contract = signed_contract(&world, id, 101).await;
    let engine = fault_engine(&world);
    let max_attempts = engine.config().worker.max_attempts;
    // Oneflow rate-limits every read of the contract for longer than the retry budget.
    world.of.inject_fault_for(
        OfScope::reads().path_prefix(format!("/v1/contracts/{contract}")),
        OfFault::RateLimited { retry_after: None },
        10_000,
    );
    let totals = settle(&world, &engine).await;
    world.of.clear_faults();
    assert!(totals.parked >= 1, "{totals:?}");
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Open");
    let jobs = jobs(&world).await;
    let parked: Vec<_> = jobs
        .iter()
        .filter(|j| j.state == JobState::Parked)
        .collect();
    assert!(!parked.is_empty(), "{jobs:#?}");
    for job in parked {
        assert_eq!(job.attempts, max_attempts, "{job:?}");
        let reason = job.last_error.as_deref().unwrap_or_default();
        assert!(
            reason.contains("429") || reason.to_lowercase().contains("rate"),
            "{reason}"
        );
    }
    assert!(jobs
        .iter()
        .all(|j| j.state != JobState::Queued && j.state != JobState::Leased));
    // Parked, not lost: reconciliation applies the signature once Oneflow answers again.
    assert_eq!(world.engine.reconcile(id).await.unwrap(), 1);
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    assert_eq!(all_sale_patches(&world), 1);
    world.finish().await;
}

/// The contracts in Oneflow carrying `request_key` in the request-key data field.
async fn contracts_with_key(world: &World, request_key: &str) -> Vec<i64> {
    use futures::TryStreamExt;
    let field = world.engine.config().link_fields.request_key.clone();
    let contracts: Vec<_> = world
        .oneflow()
        .contracts()
        .list()
        .data_field_match(field, request_key.to_owned())
        .stream()
        .try_collect()
        .await
        .unwrap();
    contracts.into_iter().map(|c| c.id.get()).collect()
}

/// Every contract in the Oneflow account.
pub(crate) async fn contract_count(world: &World) -> usize {
    use futures::TryStreamExt;
    let contracts: Vec<_> = world
        .oneflow()
        .contracts()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    contracts.len()
}

pub(crate) async fn contract_creation_survives_read_faults_with_one_contract(world: World) {
    let id = world.installed().await;
    let engine = fault_engine(&world);
    let choices = world.choices(id, 101, "req-read-faults").await;
    let before = contract_count(&world).await;
    world.of.inject_fault_for(
        OfScope::reads(),
        OfFault::RateLimited {
            retry_after: Some(Duration::from_secs(1)),
        },
        1,
    );
    world
        .of
        .inject_fault_for(OfScope::reads(), OfFault::BadGatewayHtml, 1);
    world.so.inject_fault_for(
        SoScope::reads().path_prefix(so_api()),
        SoFault::RateLimited { retry_after: None },
        1,
    );
    world.so.inject_fault_for(
        SoScope::reads().path_prefix(so_api()),
        SoFault::Timeout(Duration::from_secs(3)),
        1,
    );
    // The user (the panel) tries again with the same request key after each transient error.
    let mut errors = Vec::new();
    let created = loop {
        match engine
            .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
            .await
        {
            Ok(created) => break created,
            Err(error) => {
                assert!(error.is_transient(), "{error:?}");
                errors.push(error.to_string());
                assert!(errors.len() <= 4, "more failures than faults: {errors:?}");
            }
        }
    };
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(!created.existing);
    assert_eq!(contract_count(&world).await, before + 1);
    assert_eq!(
        contracts_with_key(&world, "req-read-faults").await,
        vec![created.contract_id]
    );
    let link = world
        .store
        .link_for_contract(id, created.contract_id)
        .await
        .unwrap()
        .expect("the link is recorded");
    assert_eq!(link.sale_id, 101);
    world.finish().await;
}

pub(crate) async fn a_create_whose_answer_was_lost_is_recovered_by_its_request_key(world: World) {
    let id = world.installed().await;
    let engine = fault_engine(&world);
    let choices = world.choices(id, 101, "req-lost-answer").await;
    let before = contract_count(&world).await;
    world.of.inject_fault_for(
        OfScope::method("POST").path_prefix("/v1/contracts/create"),
        OfFault::DropAfterCommit,
        1,
    );
    let error = engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
        .await
        .unwrap_err();
    assert!(
        matches!(error, EngineError::Oneflow(_)) && error.is_transient(),
        "a connection error: {error:?}"
    );
    // Oneflow created it although the answer was lost.
    assert_eq!(contract_count(&world).await, before + 1);
    let created = engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
        .await
        .expect("the retry finds the contract");
    assert!(created.existing);
    assert_eq!(contract_count(&world).await, before + 1, "no duplicate");
    assert_eq!(
        contracts_with_key(&world, "req-lost-answer").await,
        vec![created.contract_id]
    );
    let creates = world
        .of
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/contracts/create")
        .count();
    assert_eq!(creates, 1, "the retry sent no second create");
    assert!(world
        .store
        .link_for_contract(id, created.contract_id)
        .await
        .unwrap()
        .is_some());
    // A third submit answers from the store.
    let again = engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
        .await
        .unwrap();
    assert_eq!(again.contract_id, created.contract_id);
    world.finish().await;
}

pub(crate) async fn setup_survives_faults_and_lost_answers_without_duplicates(world: World) {
    let installation = world.register().await;
    // A 429 on a SuperOffice read, a lost answer to the SuperOffice web panel create and to
    // the Oneflow webhook create, a 502 on a Oneflow read.
    world.so.inject_fault_for(
        SoScope::reads().path_prefix(so_api()),
        SoFault::RateLimited {
            retry_after: Some(Duration::from_secs(1)),
        },
        1,
    );
    world.so.inject_fault_for(
        SoScope::method("POST").path_prefix(format!("{}v1/List/WebPanel/Items", so_api())),
        SoFault::DropAfterCommit,
        1,
    );
    world.of.inject_fault_for(
        OfScope::method("POST").path_prefix("/v1/webhooks"),
        OfFault::DropAfterCommit,
        1,
    );
    world
        .of
        .inject_fault_for(OfScope::reads(), OfFault::BadGatewayHtml, 1);
    // The admin starts setup again after each failure.
    let mut errors = Vec::new();
    let report = loop {
        match world.setup_as(installation.id, ADMIN, ADMIN).await {
            Ok(report) => break report,
            Err(error) => {
                assert!(error.is_transient(), "{error:?}");
                errors.push(error.to_string());
                assert!(errors.len() <= 4, "more failures than faults: {errors:?}");
            }
        }
    };
    assert_eq!(errors.len(), 4, "each fault failed one run: {errors:?}");
    let faulted_so = world.so.requests().iter().filter(|r| r.faulted).count();
    let faulted_of = world.of.requests().iter().filter(|r| r.faulted).count();
    assert_eq!((faulted_so, faulted_of), (2, 2));
    let panels = world.so.web_panels(MAIN_TENANT).unwrap();
    assert_eq!(
        panels.iter().filter(|p| p["Deleted"] != true).count(),
        1,
        "{panels:?}"
    );
    assert_eq!(world.so.webhooks(MAIN_TENANT).unwrap().len(), 1);
    let oneflow_hooks = world.oneflow().webhooks().list().await.unwrap();
    assert_eq!(oneflow_hooks.len(), 1, "{oneflow_hooks:?}");
    assert_eq!(oneflow_hooks[0].webhook_id.get(), report.oneflow_webhook_id);
    world.finish().await;
}

/// A create that Oneflow refused (a 429 answer to `POST /contracts/create`, so nothing was
/// created) gives its request key back: the retry with the same key creates the one contract.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_create_can_be_retried_with_the_same_request_key() {
    let harness = crate::store::harness::sqlite().await.unwrap();
    let world = World::start(harness).await;
    let id = world.installed().await;
    let engine = fault_engine(&world);
    let choices = world.choices(id, 101, "req-refused").await;
    world.of.inject_fault_for(
        OfScope::method("POST").path_prefix("/v1/contracts/create"),
        OfFault::RateLimited { retry_after: None },
        1,
    );
    let error = engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
        .await
        .unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    let created = engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
        .await
        .expect("the retry creates the contract");
    assert_eq!(
        contracts_with_key(&world, "req-refused").await,
        vec![created.contract_id]
    );
    world.finish().await;
}

/// The create succeeded but the publish of the same request answered 500: the retry with the
/// same request key publishes the contract (instead of answering "existing" and leaving it an
/// unsent draft), and a further retry changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_publish_is_finished_by_the_retry() {
    use integration_core::policy::contract_factory::Delivery;
    let harness = crate::store::harness::sqlite().await.unwrap();
    let world = World::start(harness).await;
    let id = world.installed().await;
    let engine = fault_engine(&world);
    let mut choices = world.choices(id, 101, "req-publish-fails").await;
    choices.delivery = Delivery::Send {
        subject: "Your contract".into(),
        message: "Please sign.".into(),
    };
    // The create and the publish are the request's only POSTs under `/v1/contracts/`: the
    // first passes (a `Timeout` of zero holds nothing back), the second answers 500.
    let posts = OfScope::method("POST").path_prefix("/v1/contracts/");
    world
        .of
        .inject_fault_for(posts.clone(), OfFault::Timeout(Duration::ZERO), 1);
    world
        .of
        .inject_fault_for(posts, OfFault::InternalServerError, 1);
    let error = engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
        .await
        .unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    let ids = contracts_with_key(&world, "req-publish-fails").await;
    assert_eq!(ids.len(), 1, "{ids:?}");
    let contract_id = ids[0];
    assert_eq!(
        world.of.contract_state(contract_id).as_deref(),
        Some("draft"),
        "the publish failed"
    );
    // While another request holds the claim (a double submit still at work), a retry
    // answers with the contract and leaves the steps to it.
    let now = world.clock.now();
    assert!(world
        .store
        .take_over_contract_claim(id, "req-publish-fails", now, now)
        .await
        .unwrap());
    let held = engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
        .await
        .unwrap();
    assert!(held.existing);
    assert_eq!(held.contract_id, contract_id);
    assert_eq!(
        world.of.contract_state(contract_id).as_deref(),
        Some("draft")
    );
    // That request gave up: the claim is idle again.
    assert!(world
        .store
        .release_contract_claim(id, "req-publish-fails")
        .await
        .unwrap());
    let created = engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
        .await
        .unwrap();
    assert!(created.existing);
    assert_eq!(created.contract_id, contract_id);
    assert_eq!(
        world.of.contract_state(contract_id).as_deref(),
        Some("pending"),
        "the retry published the contract"
    );
    let publishes = || {
        world
            .of
            .requests()
            .iter()
            .filter(|r| {
                r.method == "POST" && r.path == format!("/v1/contracts/{contract_id}/publish")
            })
            .count()
    };
    let published = publishes();
    // A further retry finds it published and sends nothing more.
    let again = engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
        .await
        .unwrap();
    assert_eq!(again.contract_id, contract_id);
    assert_eq!(publishes(), published, "no second publish");
    assert_eq!(
        contracts_with_key(&world, "req-publish-fails").await,
        vec![contract_id]
    );
    world.finish().await;
}

/// A claim whose create never reported back (the process stopped between the claim and the
/// create) answers "still being processed" while it is younger than
/// `stale_claim_after`; once older, and with no contract carrying the key in Oneflow, the
/// retry takes it over and creates the one contract.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_claim_without_a_contract_is_taken_over() {
    use integration_core::store::ClaimOutcome;
    let harness = crate::store::harness::sqlite().await.unwrap();
    let world = World::start(harness).await;
    let id = world.installed().await;
    let engine = fault_engine(&world);
    let choices = world.choices(id, 101, "req-stale").await;
    let before = contract_count(&world).await;
    assert_eq!(
        world
            .store
            .claim_contract_request(id, 101, "req-stale", world.clock.now())
            .await
            .unwrap(),
        ClaimOutcome::Claimed
    );
    let young = engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
        .await
        .unwrap_err();
    assert!(
        young.to_string().contains("still being processed"),
        "{young:?}"
    );
    assert_eq!(contract_count(&world).await, before);
    world
        .clock
        .advance(world.engine.config().stale_claim_after + TimeDelta::seconds(1));
    let created = engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
        .await
        .expect("the stale claim is taken over");
    assert!(!created.existing);
    assert_eq!(
        contracts_with_key(&world, "req-stale").await,
        vec![created.contract_id]
    );
    assert_eq!(contract_count(&world).await, before + 1);
    world.finish().await;
}
