//! What several replicas share through the store (token refresh, request budgets), the
//! worker loop, retention, echoes with a system user, field mappings and archiving.

use std::time::Duration;

use chrono::TimeDelta;
use futures::TryStreamExt;
use integration_core::engine::{Ack, Clock, EngineError, MIN_RETENTION};
use integration_core::policy::contract_factory::{FieldMappings, SourceField};
use oneflow_client::models::DataFieldDefinition;
use secrecy::SecretString;

use super::world::*;
use crate::store::harness::Harness;

super::engine_scenarios!(shared:
    two_engines_refresh_the_admin_tokens_once,
    completed_deliveries_are_purged_after_the_dedupe_window,
    the_worker_loop_purges_by_its_retention_setting,
    the_worker_loop_processes_the_queue_until_shutdown,
    configured_field_mappings_land_in_the_contract,
    the_signed_pdf_is_archived_with_its_bytes,
);

super::harness_scenarios!(shared_options:
    user_calls_take_from_the_budget_shared_by_two_engines,
    a_burst_waits_for_the_next_budget_window,
    a_manual_closure_is_told_from_the_system_users_echo,
);

pub(crate) async fn two_engines_refresh_the_admin_tokens_once(world: World) {
    let id = world.installed().await;
    let other = world.another_engine("replica-b");
    // Setup exchanged the code once; the access token it got is shared through the store.
    let before = world.token_calls();
    assert_eq!(before, 1);
    other.unmatched_users(id).await.unwrap();
    assert_eq!(
        world.token_calls(),
        before,
        "the stored access token is used"
    );

    // The access token expires; both replicas call at once, twice each.
    world.so.expire_access_tokens();
    let (a1, b1, a2, b2) = tokio::join!(
        world.engine.unmatched_users(id),
        other.unmatched_users(id),
        world.engine.unmatched_users(id),
        other.unmatched_users(id),
    );
    for result in [a1, b1, a2, b2] {
        result.expect("the call succeeds on refreshed tokens");
    }
    assert_eq!(
        world.token_calls(),
        before + 1,
        "exactly one refresh at the token endpoint: {:#?}",
        world
            .so
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/oauth/tokens"))
            .collect::<Vec<_>>()
    );
    world.finish().await;
}

async fn user_calls_take_from_the_budget_shared_by_two_engines(harness: Harness) {
    let world = World::start_with(
        harness,
        Options {
            oneflow_budget: (20, TimeDelta::minutes(1)),
            ..Options::default()
        },
    )
    .await;
    let id = world.installed().await;
    let other = world.another_engine("replica-b");
    // A fresh window of the Oneflow budget: 20 calls per minute.
    world.advance(TimeDelta::minutes(1));
    let mut succeeded = 0;
    let error = loop {
        let engine = if succeeded % 2 == 0 {
            &world.engine
        } else {
            &other
        };
        match engine.templates_for(id, SELLER).await {
            Ok(_) => succeeded += 1,
            Err(error) => break error,
        }
        assert!(succeeded <= 20, "the budget is not shared");
    };
    assert_eq!(succeeded, 20, "one unit per call, shared by both engines");
    match &error {
        EngineError::BudgetExhausted { key, retry_after } => {
            assert_eq!(key, &format!("oneflow:{id}"));
            assert!(
                *retry_after > Duration::ZERO && *retry_after <= Duration::from_secs(60),
                "{retry_after:?}"
            );
            assert_eq!(error.retry_after(), Some(*retry_after));
            assert!(error.is_transient());
        }
        other => panic!("expected BudgetExhausted, got {other:?}"),
    }
    // The other engine is refused too, and both work again in the next window.
    assert!(matches!(
        world.engine.templates_for(id, SELLER).await,
        Err(EngineError::BudgetExhausted { .. })
    ));
    world.advance(TimeDelta::seconds(61));
    other.templates_for(id, SELLER).await.unwrap();
    world.finish().await;
}

pub(crate) async fn completed_deliveries_are_purged_after_the_dedupe_window(world: World) {
    let id = world.installed().await;
    let contract = world.send_contract(id, 101).await;
    let body = world
        .oneflow_delivery(id, contract, "cb-retained", "contract:publish")
        .await;
    assert!(matches!(
        world
            .engine
            .ingest_oneflow_webhook(id, &body)
            .await
            .unwrap(),
        Ack::Queued { .. }
    ));
    world.drain().await;

    // Inside the dedupe window nothing goes, whatever cutoff is asked for.
    assert_eq!(
        world.engine.purge_before(world.clock.now()).await.unwrap(),
        0
    );
    assert_eq!(
        world
            .engine
            .ingest_oneflow_webhook(id, &body)
            .await
            .unwrap(),
        Ack::Duplicate
    );
    // Past it, completed work goes with its dedupe key.
    world.advance(TimeDelta::from_std(MIN_RETENTION).unwrap() + TimeDelta::minutes(1));
    let purged = world.engine.purge_before(world.clock.now()).await.unwrap();
    assert!(purged >= 1, "{purged}");
    assert!(matches!(
        world
            .engine
            .ingest_oneflow_webhook(id, &body)
            .await
            .unwrap(),
        Ack::Queued { .. }
    ));
    world.finish().await;
}

pub(crate) async fn the_worker_loop_processes_the_queue_until_shutdown(world: World) {
    let id = world.installed().await;
    let contract = world.send_contract(id, 101).await;
    world.of.sign_all(contract).unwrap();
    world.delivered(contract, "contract:sign").await;

    // An idle wait of an hour: the loop can only end promptly by honouring the shutdown.
    let mut config = world.config.clone();
    config.worker.idle_wait = Duration::from_secs(3600);
    let worker_engine = integration_core::Integration::builder(config, world.store.clone())
        .clock(world.clock.clone())
        .worker_id("loop")
        .build()
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(async move {
        worker_engine
            .run_worker(async {
                let _ = stopped.await;
            })
            .await
    });
    // The worker's write comes back as SuperOffice's webhook: the job was processed.
    world.so_delivered("sale.changed").await;
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("the worker stops on shutdown")
        .unwrap();
    assert_eq!(world.sale_patches(), 1);
    let audit = world.audit(id).await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "stage_mapping" && e.detail.contains("close the Sale as Sold")),
        "{audit:#?}"
    );
    world.finish().await;
}

pub(crate) async fn configured_field_mappings_land_in_the_contract(world: World) {
    let id = world.installed().await;
    // The admin adds two data fields to the "SuperOffice" template type …
    let oneflow = world.oneflow();
    let types: Vec<_> = oneflow
        .template_types()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ty = types
        .iter()
        .find(|t| t.extension_type.as_deref() == Some("superoffice"))
        .expect("the SuperOffice template type");
    let mut fields: Vec<DataFieldDefinition> = oneflow
        .template_types()
        .data_fields(ty.id)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|f| {
            let mut def = DataFieldDefinition::new(f.custom_id?, f.name.unwrap_or_default());
            def.id = Some(f.id);
            Some(def)
        })
        .collect();
    fields.push(DataFieldDefinition::new("sale_heading", "Sale heading"));
    fields.push(DataFieldDefinition::new("company_name", "Company"));
    oneflow
        .template_types()
        .replace_data_fields(ty.id, &fields)
        .await
        .unwrap();
    // … and maps the Sale heading and the company name onto them.
    let mut settings = world.engine.settings(id).await.unwrap();
    settings.field_mappings = FieldMappings::new()
        .map(SourceField::SaleHeading, "sale_heading")
        .map(SourceField::CompanyName, "company_name");
    let token = SecretString::from(world.so.issue_access_token(ADMIN).unwrap());
    world
        .engine
        .update_settings(id, &token, settings)
        .await
        .unwrap();

    let contract = world.send_contract(id, 101).await;
    let created = oneflow.contracts().get(contract.into()).await.unwrap();
    let sale = world.so.sale(MAIN_TENANT, 101).unwrap();
    let heading = sale["Heading"].as_str().expect("a heading");
    let company = sale["Contact"]["Name"]
        .as_str()
        .expect("a company name")
        .to_owned();
    assert_eq!(created.data_field_value("sale_heading"), Some(heading));
    assert_eq!(
        created.data_field_value("company_name"),
        Some(company.as_str())
    );
    // The link fields are always there.
    assert_eq!(
        created.data_field_value("superoffice_tenant"),
        Some(MAIN_TENANT)
    );
    assert_eq!(created.data_field_value("superoffice_sale_id"), Some("101"));
    world.finish().await;
}

pub(crate) async fn the_signed_pdf_is_archived_with_its_bytes(world: World) {
    let id = world.installed().await;
    let mut settings = world.engine.settings(id).await.unwrap();
    assert!(settings.archive_signed_pdf, "archiving is on by default");
    settings.archive_document_template_id = Some(3);
    let token = SecretString::from(world.so.issue_access_token(ADMIN).unwrap());
    world
        .engine
        .update_settings(id, &token, settings)
        .await
        .unwrap();
    let contract = world.send_contract(id, 101).await;
    world.of.sign_all(contract).unwrap();
    world.delivered(contract, "contract:sign").await;
    world.drain().await;
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");

    let documents = world.so.documents(MAIN_TENANT).unwrap();
    assert_eq!(documents.len(), 1, "{documents:#?}");
    let document = &documents[0];
    assert_eq!(document["Sale"]["SaleId"], 101, "{document:#?}");
    assert_eq!(
        document["DocumentTemplate"]["DocumentTemplateId"], 3,
        "{document:#?}"
    );
    let document_id = document["DocumentId"].as_i64().unwrap() as i32;
    let archived = world
        .so
        .document_content(MAIN_TENANT, document_id)
        .unwrap()
        .expect("the PDF was uploaded");
    // The bytes are the contract's file as Oneflow serves it.
    let oneflow = world.oneflow();
    let files = oneflow.files().list(contract.into()).await.unwrap();
    let file = files
        .iter()
        .find(|f| {
            f.file_type
                .as_ref()
                .is_some_and(|t| t.as_str() == "contract")
        })
        .or_else(|| files.first())
        .unwrap();
    let served = oneflow
        .files()
        .download(contract.into(), file.id)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(!archived.is_empty());
    assert_eq!(archived, served.to_vec());
    world.finish().await;
}

/// With a system user, the engine's writes come back as the system user's: ignored as echoes.
/// The admin closing another Sale by hand is a person: recorded, and never overridden.
async fn a_manual_closure_is_told_from_the_system_users_echo(harness: Harness) {
    let world = World::start_with(
        harness,
        Options {
            system_user: true,
            ..Options::default()
        },
    )
    .await;
    let installation = world.register().await;
    let report = world.setup_as(installation.id, ADMIN, ADMIN).await.unwrap();
    assert!(report.system_user);
    let id = installation.id;
    let signed = world.send_contract(id, 101).await;
    let closed_by_hand = world.send_contract(id, 102).await;
    world.of.sign_all(signed).unwrap();
    world.delivered(signed, "contract:sign").await;
    world.drain().await;
    world.so_delivered("sale.changed").await;
    world.drain().await;
    let audit = world.audit(id).await;
    assert_eq!(
        audit.iter().filter(|e| e.action == "echo").count(),
        1,
        "{audit:#?}"
    );
    assert!(!audit.iter().any(|e| e.action == "manual_closure"));

    // The admin (associate 5, a person) closes Sale 102 as Lost in SuperOffice.
    world
        .so
        .set_sale_status(
            MAIN_TENANT,
            102,
            superoffice_sandbox::SaleStatus::Lost,
            superoffice_sandbox::default_seed::ADMIN_ASSOCIATE_ID,
        )
        .unwrap();
    world
        .so
        .wait_for_deliveries(|log| {
            log.iter()
                .filter(|d| d.event == "sale.changed" && d.success)
                .count()
                >= 2
        })
        .await
        .expect("the second Sale event arrives");
    world.drain().await;
    let audit = world.audit(id).await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "manual_closure" && e.detail.contains("Sale 102")),
        "{audit:#?}"
    );
    assert_eq!(audit.iter().filter(|e| e.action == "echo").count(), 1);
    // Its contract is signed afterwards: the manual closure stands.
    world.of.sign_all(closed_by_hand).unwrap();
    world.delivered(closed_by_hand, "contract:sign").await;
    world.drain().await;
    assert_eq!(world.sale_status(MAIN_TENANT, 102), "Lost");
    assert_eq!(world.sale_patches(), 1);
    world.finish().await;
}

/// On the real clock, with SuperOffice's budget at 2 calls per second: a burst of calls waits
/// for the next windows (bounded by `budget_wait`) instead of failing; without the wait, it
/// fails with `BudgetExhausted`.
async fn a_burst_waits_for_the_next_budget_window(harness: Harness) {
    let world = World::start_with(
        harness,
        Options {
            superoffice_budget: (2, TimeDelta::seconds(1)),
            budget_wait: Duration::from_secs(5),
            running_clock: true,
            ..Options::default()
        },
    )
    .await;
    let id = world.installed().await;
    let started = std::time::Instant::now();
    // Six SuperOffice calls need at least three windows.
    for _ in 0..6 {
        world.engine.unmatched_users(id).await.unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let mut config = world.config.clone();
    config.worker.budget_wait = Duration::ZERO;
    let impatient = integration_core::Integration::builder(config, world.store.clone())
        .clock(world.clock.clone())
        .build()
        .unwrap();
    let mut refused = None;
    for _ in 0..6 {
        if let Err(error) = impatient.unmatched_users(id).await {
            refused = Some(error);
            break;
        }
    }
    assert!(
        matches!(refused, Some(EngineError::BudgetExhausted { ref key, .. }) if key == "superoffice:Cust12345"),
        "{refused:?}"
    );
    world.finish().await;
}

pub(crate) async fn the_worker_loop_purges_by_its_retention_setting(world: World) {
    let id = world.installed().await;
    let contract = world.send_contract(id, 101).await;
    let body = world
        .oneflow_delivery(id, contract, "cb-worker-purge", "contract:publish")
        .await;
    world
        .engine
        .ingest_oneflow_webhook(id, &body)
        .await
        .unwrap();
    world.drain().await;
    // A worker keeping completed work for an hour (the dedupe window still applies).
    let mut config = world.config.clone();
    config.worker.retention = Some(TimeDelta::hours(1));
    let worker = integration_core::Integration::builder(config, world.store.clone())
        .clock(world.clock.clone())
        .build()
        .unwrap();
    // The loop purges before its first batch; a shutdown that is already due ends it there.
    world.advance(TimeDelta::hours(2));
    worker.run_worker(std::future::ready(())).await;
    assert_eq!(
        world
            .engine
            .ingest_oneflow_webhook(id, &body)
            .await
            .unwrap(),
        Ack::Duplicate,
        "kept inside the dedupe window"
    );
    world.drain().await;
    world.advance(TimeDelta::from_std(MIN_RETENTION).unwrap());
    worker.run_worker(std::future::ready(())).await;
    assert!(matches!(
        world
            .engine
            .ingest_oneflow_webhook(id, &body)
            .await
            .unwrap(),
        Ack::Queued { .. }
    ));
    world.finish().await;
}
