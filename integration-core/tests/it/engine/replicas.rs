//! Two replicas of a host on one database work the same stream: each event applied once.

use super::world::*;

async fn each_event_is_applied_once(world: World) {
    let id = world.installed().await;
    let replica = world.replica.clone().expect("a replica world");
    // Oneflow delivers every notification twice.
    world.of.set_duplicate_delivery(true);
    let signed = world.send_contract(id, 101).await;
    let declined = world.send_contract(id, 102).await;
    world.of.sign_all(signed).unwrap();
    let signatory = world.signatory(declined).await;
    world.of.decline(declined, signatory).unwrap();
    world
        .of
        .wait_for_deliveries(|log| {
            let done = |contract: i64, event: &str| {
                log.iter()
                    .filter(|d| d.contract_id == contract && d.outcome.is_success())
                    .filter(|d| d.event_types.iter().any(|t| t == event))
                    .count()
                    >= 2
            };
            done(signed, "contract:sign") && done(declined, "contract:decline")
        })
        .await
        .unwrap();

    // Both replicas drain the queue at the same time.
    let work = |engine: integration_core::Integration| async move {
        let mut completed = 0;
        loop {
            let report = engine.process_next_batch().await.expect("a batch");
            if report.leased == 0 {
                return completed;
            }
            completed += report.completed;
        }
    };
    let (a, b) = tokio::join!(work(world.engine.clone()), work(replica));
    assert!(a + b >= 4, "publish, sign and decline jobs ran ({a} + {b})");
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    assert_eq!(world.sale_status(MAIN_TENANT, 102), "Lost");
    assert_eq!(world.sale_patches(), 2, "each transition written once");
    let audit = world.audit(id).await;
    let applied = audit
        .iter()
        .filter(|e| e.action == "stage_mapping" && e.detail.contains("close the Sale as"))
        .count();
    assert_eq!(applied, 2, "{audit:#?}");
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_is_applied_once_sqlite() {
    let replicas = crate::store::harness::sqlite_replicas().await.unwrap();
    each_event_is_applied_once(World::start_replicas(replicas).await).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_is_applied_once_postgres() {
    let Some(replicas) = crate::store::harness::postgres_replicas().await else {
        return;
    };
    each_event_is_applied_once(World::start_replicas(replicas).await).await;
}
