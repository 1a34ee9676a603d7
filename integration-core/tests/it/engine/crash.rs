//! Crash safety (issue 12): the engine stopped by its crash hooks (feature `test-util`) at
//! each named point, then a new engine on the same database (another store, as a restarted
//! process opens) finishes the work, each effect exactly once. SQLite and PostgreSQL.

use std::sync::Arc;

use chrono::TimeDelta;
use integration_core::engine::crash::{CrashOnce, CrashPoint};
use integration_core::engine::{EngineError, Integration};
use integration_core::store::JobState;

use super::faults::{contract_count, jobs, settle};
use super::world::*;

macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let replicas = crate::store::harness::sqlite_replicas().await.unwrap();
                    super::$name(super::super::world::World::start_replicas(replicas).await).await;
                }
            )*
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(replicas) = crate::store::harness::postgres_replicas().await else {
                        return;
                    };
                    super::$name(super::super::world::World::start_replicas(replicas).await).await;
                }
            )*
        }
    };
}

on_both_databases!(
    stopped_after_ack_the_job_is_processed_once_after_restart,
    stopped_after_create_the_retry_recovers_the_one_contract,
    stopped_after_the_sale_write_the_rerun_writes_nothing_more,
);

/// An engine on the world's first store that stops at `point` once.
fn crashing_engine(world: &World, point: CrashPoint) -> (Integration, Arc<CrashOnce>) {
    let hooks = Arc::new(CrashOnce::at(point));
    let engine = Integration::builder(world.engine.config().clone(), world.store.clone())
        .clock(world.clock.clone())
        .worker_id("crashing")
        .crash_hooks(hooks.clone())
        .build()
        .expect("engine");
    (engine, hooks)
}

/// The engine that takes over: the world's replica, on its own store over the same database.
fn restarted(world: &World) -> Integration {
    world.replica.clone().expect("a replica world")
}

/// Sends a contract from Sale 101, processes its publish job and signs it: the sign
/// deliveries are queued.
async fn signed_contract(world: &World) -> i64 {
    let id = world.engine.store().installations().await.unwrap()[0].id;
    let contract = world.send_contract(id, 101).await;
    world.delivered(contract, "contract:publish").await;
    world.drain().await;
    world.of.sign_all(contract).unwrap();
    world.delivered(contract, "contract:sign").await;
    contract
}

fn lease_expiry(world: &World) -> TimeDelta {
    world.engine.config().worker.lease_for + TimeDelta::seconds(1)
}

async fn applied(world: &World) -> usize {
    let id = world.engine.store().installations().await.unwrap()[0].id;
    world
        .audit(id)
        .await
        .iter()
        .filter(|e| e.action == "stage_mapping" && e.detail.contains("close the Sale as"))
        .count()
}

pub(crate) async fn stopped_after_ack_the_job_is_processed_once_after_restart(world: World) {
    world.installed().await;
    signed_contract(&world).await;
    let (crashing, hooks) = crashing_engine(&world, CrashPoint::AfterAck);
    let error = crashing.process_next_batch().await.unwrap_err();
    assert!(
        matches!(error, EngineError::Crashed(CrashPoint::AfterAck)),
        "{error:?}"
    );
    assert_eq!(hooks.fired(), 1);
    drop(crashing);
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Open");
    let leased: Vec<_> = jobs(&world)
        .await
        .into_iter()
        .filter(|j| j.state == JobState::Leased)
        .collect();
    assert!(!leased.is_empty(), "the dead worker's jobs stay leased");

    // The new process finds them leased until the dead worker's lease runs out.
    let engine = restarted(&world);
    let early = engine.process_next_batch().await.unwrap();
    assert_eq!(early.leased, 0, "{early:?}");
    world.advance(lease_expiry(&world));
    let totals = settle(&world, &engine).await;
    assert_eq!(totals.parked, 0, "{totals:?}");
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    assert_eq!(world.sale_patches(), 1, "applied exactly once");
    assert_eq!(applied(&world).await, 1);
    for job in jobs(&world).await {
        assert_eq!(job.state, JobState::Done, "{job:?}");
    }
    world.finish().await;
}

pub(crate) async fn stopped_after_create_the_retry_recovers_the_one_contract(world: World) {
    let id = world.installed().await;
    let choices = world.choices(id, 101, "req-crash-after-create").await;
    let before = contract_count(&world).await;
    let (crashing, hooks) = crashing_engine(&world, CrashPoint::AfterCreate);
    let error = crashing
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
        .await
        .unwrap_err();
    assert!(
        matches!(error, EngineError::Crashed(CrashPoint::AfterCreate)),
        "{error:?}"
    );
    assert_eq!(hooks.fired(), 1);
    drop(crashing);
    // Oneflow has the contract; the store has no link for it.
    assert_eq!(contract_count(&world).await, before + 1);
    assert!(world
        .store
        .links_for_sale(id, 101)
        .await
        .unwrap()
        .is_empty());

    // The user retries the same request on the restarted process.
    let engine = restarted(&world);
    let created = engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
        .await
        .expect("the retry finds the contract by its request key");
    assert!(created.existing);
    assert_eq!(contract_count(&world).await, before + 1, "no duplicate");
    let creates = world
        .of
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/contracts/create")
        .count();
    assert_eq!(creates, 1);
    let links = world.store.links_for_sale(id, 101).await.unwrap();
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(links[0].contract_id, created.contract_id);
    // And once more: answered from the store.
    let again = engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![])
        .await
        .unwrap();
    assert_eq!(again.contract_id, created.contract_id);
    assert_eq!(contract_count(&world).await, before + 1);
    world.finish().await;
}

pub(crate) async fn stopped_after_the_sale_write_the_rerun_writes_nothing_more(world: World) {
    world.installed().await;
    signed_contract(&world).await;
    let (crashing, hooks) = crashing_engine(&world, CrashPoint::AfterSaleWrite);
    let error = loop {
        // Jobs before the one that writes complete normally.
        match crashing.process_next_batch().await {
            Ok(report) => assert!(report.leased > 0, "a job writes the Sale: {report:?}"),
            Err(error) => break error,
        }
    };
    assert!(
        matches!(error, EngineError::Crashed(CrashPoint::AfterSaleWrite)),
        "{error:?}"
    );
    assert_eq!(hooks.fired(), 1);
    drop(crashing);
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    assert_eq!(world.sale_patches(), 1);
    assert_eq!(applied(&world).await, 0, "stopped before the audit entry");

    let engine = restarted(&world);
    world.advance(lease_expiry(&world));
    let totals = settle(&world, &engine).await;
    assert_eq!(totals.parked, 0, "{totals:?}");
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    assert_eq!(world.sale_patches(), 1, "the re-run wrote nothing more");
    for job in jobs(&world).await {
        assert_eq!(job.state, JobState::Done, "{job:?}");
    }
    world.finish().await;
}
