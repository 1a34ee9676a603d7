//! Stage sync: deliveries → queue → worker → Sale, with the failure modes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::TimeDelta;
use integration_core::engine::{Ack, Clock, EngineError};
use integration_core::policy::stage_mapping::{
    Decision, DefaultStageMapping, StageInput, StageMappingPolicy,
};
use integration_core::store::{InstallationId, SecretKind};
use secrecy::{ExposeSecret, SecretString};
use superoffice_client::models::{JsonPatch, SaleId};

use super::world::*;

super::engine_scenarios!(sync:
    a_signed_contract_closes_the_sale_as_sold,
    a_declined_contract_closes_the_sale_as_lost,
    duplicate_replayed_and_reordered_deliveries_update_once,
    with_mapping_off_nothing_is_applied,
    a_sale_closed_by_hand_is_not_overridden,
    a_rate_limited_job_is_retried_and_then_succeeds,
    a_permanent_error_parks_the_job_at_once,
    disabled_deliveries_are_recorded_and_never_applied,
    a_forged_delivery_is_refused,
    explain_and_reconcile_apply_a_missed_signature,
    two_installations_are_routed_to_their_own_tenant,
);

pub(crate) async fn a_signed_contract_closes_the_sale_as_sold(world: World) {
    let id = world.installed().await;
    let mut settings = world.engine.settings(id).await.unwrap();
    settings.archive_document_template_id = Some(3);
    let token = SecretString::from(world.so.issue_access_token(ADMIN).unwrap());
    world
        .engine
        .update_settings(id, &token, settings)
        .await
        .unwrap();
    let contract = world.send_contract(id, 101).await;
    world.delivered(contract, "contract:publish").await;
    world.drain().await;
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Open");

    world.of.sign_all(contract).unwrap();
    world.delivered(contract, "contract:sign").await;
    world.drain().await;
    let sale = world.so.sale(MAIN_TENANT, 101).unwrap();
    assert_eq!(sale["Status"], "Sold");
    assert_eq!(sale["Probability"], 100);
    assert_eq!(world.sale_patches(), 1);
    let audit = world.audit(id).await;
    assert!(
        audit.iter().any(|e| e.action == "stage_mapping"
            && e.detail.contains("close the Sale as Sold")
            && e.event.is_some()),
        "{audit:#?}"
    );
    // Our own write comes back as a SuperOffice webhook: recognised as an echo.
    world.so_delivered("sale.changed").await;
    world.drain().await;
    let audit = world.audit(id).await;
    assert!(audit.iter().any(|e| e.action == "echo"), "{audit:#?}");
    assert!(!audit.iter().any(|e| e.action == "manual_closure"));
    // The signed PDF is archived on the Sale.
    assert!(audit.iter().any(|e| e.action == "archive"), "{audit:#?}");
    let documents = world.so.documents(MAIN_TENANT).unwrap();
    let archived: Vec<_> = audit.iter().filter(|e| e.action == "archive").collect();
    assert_eq!(documents.len(), 1, "{archived:?}");
    assert_eq!(documents[0]["Sale"]["SaleId"], 101, "{documents:?}");
    world.finish().await;
}

pub(crate) async fn a_declined_contract_closes_the_sale_as_lost(world: World) {
    let id = world.installed().await;
    let contract = world.send_contract(id, 102).await;
    let signatory = world.signatory(contract).await;
    world.of.decline(contract, signatory).unwrap();
    world.delivered(contract, "contract:decline").await;
    world.drain().await;
    let sale = world.so.sale(MAIN_TENANT, 102).unwrap();
    assert_eq!(sale["Status"], "Lost");
    assert_eq!(sale["Probability"], 0);
    assert!(world.so.documents(MAIN_TENANT).unwrap().is_empty());
    world.finish().await;
}

pub(crate) async fn duplicate_replayed_and_reordered_deliveries_update_once(world: World) {
    let id = world.installed().await;
    let contract = world.send_contract(id, 101).await;
    world.of.sign_all(contract).unwrap();
    world.delivered(contract, "contract:sign").await;

    // The same delivery again (Oneflow retries with the same callback id): a duplicate.
    let sign = world
        .oneflow_delivery(id, contract, "cb-sign", "contract:sign")
        .await;
    assert!(matches!(
        world
            .engine
            .ingest_oneflow_webhook(id, &sign)
            .await
            .unwrap(),
        Ack::Queued { .. }
    ));
    assert_eq!(
        world
            .engine
            .ingest_oneflow_webhook(id, &sign)
            .await
            .unwrap(),
        Ack::Duplicate
    );
    // A replayed signature with another contract id is its own delivery: it cannot
    // suppress the genuine event, and the worker re-reads that contract.
    let replay = world
        .oneflow_delivery(id, 999_999, "cb-sign", "contract:sign")
        .await;
    assert!(matches!(
        world
            .engine
            .ingest_oneflow_webhook(id, &replay)
            .await
            .unwrap(),
        Ack::Queued { .. }
    ));
    // An older event arriving after the newer one.
    let publish = world
        .oneflow_delivery(id, contract, "cb-publish-late", "contract:publish")
        .await;
    world
        .engine
        .ingest_oneflow_webhook(id, &publish)
        .await
        .unwrap();
    world.drain().await;
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    assert_eq!(world.sale_patches(), 1, "one update for all deliveries");
    let audit = world.audit(id).await;
    assert!(
        audit
            .iter()
            .any(|e| e.detail.contains("already closed as Sold")),
        "{audit:#?}"
    );
    world.finish().await;
}

pub(crate) async fn with_mapping_off_nothing_is_applied(world: World) {
    let id = world.installed().await;
    let mut settings = world.engine.settings(id).await.unwrap();
    settings.stage_mapping.stage_mapping_enabled = false;
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
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Open");
    assert_eq!(world.sale_patches(), 0);
    let audit = world.audit(id).await;
    assert!(
        audit
            .iter()
            .any(|e| e.detail.contains("stage mapping is switched off")),
        "{audit:#?}"
    );
    // Reconciliation does not apply it either: it happened while mapping was off.
    assert_eq!(world.engine.reconcile(id).await.unwrap(), 0);
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Open");
    world.finish().await;
}

pub(crate) async fn a_sale_closed_by_hand_is_not_overridden(world: World) {
    let id = world.installed().await;
    let contract = world.send_contract(id, 101).await;
    // A seller (associate 6) closes the Sale as lost in SuperOffice.
    world
        .so
        .set_sale_status(MAIN_TENANT, 101, superoffice_sandbox::SaleStatus::Lost, 6)
        .unwrap();
    world.so_delivered("sale.changed").await;
    world.drain().await;
    let audit = world.audit(id).await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "manual_closure" && e.detail.contains("Lost")),
        "{audit:#?}"
    );
    world.of.sign_all(contract).unwrap();
    world.delivered(contract, "contract:sign").await;
    world.drain().await;
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Lost");
    assert_eq!(world.sale_patches(), 0);
    world.finish().await;
}

pub(crate) async fn a_rate_limited_job_is_retried_and_then_succeeds(world: World) {
    let id = world.installed().await;
    let contract = world.send_contract(id, 101).await;
    world.delivered(contract, "contract:publish").await;
    world.drain().await;
    world.of.sign_all(contract).unwrap();
    world.delivered(contract, "contract:sign").await;
    world.of.inject_fault(
        oneflow_sandbox::Fault::RateLimited {
            retry_after: Some(Duration::from_secs(120)),
        },
        1,
    );
    let first = world.engine.process_next_batch().await.unwrap();
    assert_eq!((first.leased, first.retried), (1, 1), "{first:?}");
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Open");
    // Not due before Retry-After has passed.
    world.advance(TimeDelta::seconds(60));
    assert_eq!(world.engine.process_next_batch().await.unwrap().leased, 0);
    world.advance(TimeDelta::seconds(61));
    let second = world.engine.process_next_batch().await.unwrap();
    assert_eq!((second.leased, second.completed), (1, 1), "{second:?}");
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    let audit = world.audit(id).await;
    assert!(audit.iter().any(|e| e.action == "retry"), "{audit:#?}");
    world.finish().await;
}

pub(crate) async fn a_permanent_error_parks_the_job_at_once(world: World) {
    let id = world.installed().await;
    world.so.set_reasons_mandatory(MAIN_TENANT, true).unwrap();
    let contract = world.send_contract(id, 101).await;
    world.delivered(contract, "contract:publish").await;
    world.drain().await;
    world.of.sign_all(contract).unwrap();
    world.delivered(contract, "contract:sign").await;
    let report = world.engine.process_next_batch().await.unwrap();
    assert_eq!((report.leased, report.parked), (1, 1), "{report:?}");
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Open");
    world.advance(TimeDelta::days(1));
    assert_eq!(world.engine.process_next_batch().await.unwrap().leased, 0);
    let audit = world.audit(id).await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "parked" && e.detail.contains("ReasonSold is mandatory")),
        "{audit:#?}"
    );
    // The settings page lists it for a person to look at.
    let parked = world.engine.parked_jobs(id).await.unwrap();
    assert_eq!(parked.len(), 1, "{parked:#?}");
    assert!(parked[0]
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("ReasonSold is mandatory")));
    world.finish().await;
}

pub(crate) async fn disabled_deliveries_are_recorded_and_never_applied(world: World) {
    let id = world.installed().await;
    let contract = world.send_contract(id, 101).await;
    world.delivered(contract, "contract:publish").await;
    world.drain().await;
    world.engine.disable(id).await.unwrap();
    let sign = world
        .oneflow_delivery(id, contract, "cb-disabled", "contract:sign")
        .await;
    world.of.sign_all(contract).unwrap();
    assert!(matches!(
        world
            .engine
            .ingest_oneflow_webhook(id, &sign)
            .await
            .unwrap(),
        Ack::RecordedWhileDisabled { .. }
    ));
    world.delivered(contract, "contract:sign").await;
    world.engine.enable(id).await.unwrap();
    world.drain().await;
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Open");
    let audit = world.audit(id).await;
    assert!(audit.iter().any(|e| e.action == "ignored"), "{audit:#?}");
    world.finish().await;
}

pub(crate) async fn a_forged_delivery_is_refused(world: World) {
    let id = world.installed().await;
    let forged =
        oneflow_client::webhook::signed_test_body(7001, "cb-x", &[(1, "contract:sign")], "guess");
    let error = world
        .engine
        .ingest_oneflow_webhook(id, &forged)
        .await
        .unwrap_err();
    assert!(
        matches!(error, EngineError::BadSignature { .. }),
        "{error:?}"
    );
    let secret = world
        .store
        .secret(id, &SecretKind::SuperOfficeWebhookSecret)
        .await
        .unwrap()
        .unwrap();
    let body = br#"{"EventId":"e-1","Event":"sale.changed","PrimaryKey":101,"Entity":"sale","ChangedByAssociateId":6}"#;
    let error = world
        .engine
        .ingest_superoffice_webhook(
            id,
            body,
            &superoffice_client::webhook::sign_for_test(body, "guess"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, EngineError::BadSignature { .. }),
        "{error:?}"
    );
    let good = superoffice_client::webhook::sign_for_test(body, secret.expose_secret());
    assert!(matches!(
        world
            .engine
            .ingest_superoffice_webhook(id, body, &good)
            .await
            .unwrap(),
        Ack::Queued { .. }
    ));
    assert_eq!(
        world
            .engine
            .ingest_superoffice_webhook(id, body, &good)
            .await
            .unwrap(),
        Ack::Duplicate
    );
    world.finish().await;
}

pub(crate) async fn explain_and_reconcile_apply_a_missed_signature(world: World) {
    let id = world.installed().await;
    let contract = world.send_contract(id, 101).await;
    world.of.sign_all(contract).unwrap();
    // The delivery is queued but (as if Oneflow had given up) never processed: reconcile.
    let explanation = world.engine.explain(id, contract).await.unwrap().unwrap();
    assert_eq!(explanation.sale_id, 101);
    assert!(
        matches!(explanation.decision, Decision::Update(_)),
        "{explanation:?}"
    );
    assert_eq!(
        world.sale_status(MAIN_TENANT, 101),
        "Open",
        "explain applies nothing"
    );
    assert_eq!(world.engine.reconcile(id).await.unwrap(), 1);
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    assert_eq!(world.engine.reconcile(id).await.unwrap(), 0);
    world.delivered(contract, "contract:sign").await;
    world.drain().await;
    assert_eq!(world.sale_patches(), 1);
    world.finish().await;
}

pub(crate) async fn two_installations_are_routed_to_their_own_tenant(world: World) {
    let main = world.installed().await;
    // A second installation on the same host, bound to the second tenant.
    let second = InstallationId::new(2002);
    world
        .store
        .create_installation(second, chrono::Utc::now())
        .await
        .unwrap();
    world
        .store
        .put_secret(
            second,
            &SecretKind::OneflowApiToken,
            &SecretString::from(world.of.api_token().to_owned()),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let report = world
        .setup_as(second, SVEA_ADMIN, SVEA_ADMIN)
        .await
        .unwrap();
    assert_eq!(report.tenant, SECOND_TENANT);

    let contract = world.send_contract(main, 101).await;
    world.of.sign_all(contract).unwrap();
    world.delivered(contract, "contract:sign").await;
    world
        .of
        .wait_for_deliveries(|log| {
            log.iter()
                .filter(|d| d.contract_id == contract && d.outcome.is_success())
                .filter(|d| d.event_types.iter().any(|t| t == "contract:sign"))
                .count()
                == 2
        })
        .await
        .unwrap();
    world.drain().await;
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    assert_eq!(
        world.sale_status(SECOND_TENANT, 101),
        "Open",
        "no leak between tenants"
    );
    // A delivery signed for one installation is refused by the other.
    let for_main = world
        .oneflow_delivery(main, contract, "cb-route", "contract:sign")
        .await;
    let error = world
        .engine
        .ingest_oneflow_webhook(second, &for_main)
        .await
        .unwrap_err();
    assert!(
        matches!(error, EngineError::BadSignature { .. }),
        "{error:?}"
    );
    world.finish().await;
}

async fn background_work_runs_as_the_system_user(harness: crate::store::harness::Harness) {
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
    let contract = world.send_contract(id, 101).await;
    world.of.sign_all(contract).unwrap();
    world.delivered(contract, "contract:sign").await;
    world.drain().await;
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    let patches: Vec<_> = world
        .so
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/Sale/"))
        .collect();
    assert_eq!(patches.len(), 1);
    assert_eq!(patches[0].auth, superoffice_sandbox::AuthKind::SoTicket);
    // The write comes back as a webhook by the system user's associate: an echo.
    world.so_delivered("sale.changed").await;
    world.drain().await;
    let audit = world.audit(id).await;
    assert!(audit.iter().any(|e| e.action == "echo"), "{audit:#?}");
    assert!(
        !audit.iter().any(|e| e.action == "manual_closure"),
        "{audit:#?}"
    );
    world.finish().await;
}

async fn a_used_up_shared_budget_defers_the_job(harness: crate::store::harness::Harness) {
    let budget = (100, TimeDelta::minutes(1));
    let world = World::start_with(
        harness,
        Options {
            superoffice_budget: budget,
            ..Options::default()
        },
    )
    .await;
    let id = world.installed().await;
    let contract = world.send_contract(id, 101).await;
    world.delivered(contract, "contract:publish").await;
    world.drain().await;
    world.of.sign_all(contract).unwrap();
    world.delivered(contract, "contract:sign").await;
    // A fresh window, of which other replicas used all but one unit.
    world.advance(TimeDelta::minutes(1));
    let key = format!("superoffice:{MAIN_TENANT}");
    for _ in 0..budget.0 - 1 {
        world
            .store
            .take_rate_budget(&key, budget.0, budget.1, world.clock.now())
            .await
            .unwrap();
    }
    // The job takes two units at once (the Sale read and write); one is left, so it sends
    // nothing to SuperOffice and waits for the next window.
    let sale_requests = |world: &World| {
        world
            .so
            .requests()
            .into_iter()
            .filter(|r| r.path.contains("/Sale/"))
            .count()
    };
    let before = sale_requests(&world);
    let report = world.engine.process_next_batch().await.unwrap();
    assert_eq!((report.leased, report.retried), (1, 1), "{report:?}");
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Open");
    assert_eq!(
        sale_requests(&world),
        before,
        "no Sale read without the write's unit"
    );
    // The refused take took nothing: the last unit is still there.
    assert!(matches!(
        world
            .store
            .take_rate_budget(&key, budget.0, budget.1, world.clock.now())
            .await
            .unwrap(),
        integration_core::store::RateDecision::Allowed { remaining: 0 }
    ));
    let audit = world.audit(id).await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "retry" && e.detail.contains("budget superoffice:Cust12345")),
        "{audit:#?}"
    );
    world.advance(TimeDelta::seconds(61));
    let report = world.engine.process_next_batch().await.unwrap();
    assert_eq!(report.completed, 1, "{report:?}");
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    world.finish().await;
}

/// The default policy, but the first time it decides to close a Sale, a seller closes that
/// Sale as Lost by hand — between the engine's read and its write.
#[derive(Debug)]
struct SellerClosesMeanwhile {
    seller: Arc<OnceLock<superoffice_client::Client>>,
    done: AtomicBool,
}

impl StageMappingPolicy for SellerClosesMeanwhile {
    fn decide(&self, input: &StageInput) -> Decision {
        let decision = DefaultStageMapping.decide(input);
        if matches!(decision, Decision::Update(_)) && !self.done.swap(true, Ordering::SeqCst) {
            let seller = self.seller.get().expect("the seller's client").clone();
            tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(async move {
                    seller
                        .sales()
                        .patch(SaleId(101), &JsonPatch::new().replace("Status", "Lost"))
                        .await
                })
            })
            .expect("the seller closes the Sale");
        }
        decision
    }
}

async fn a_concurrent_change_is_re_read_and_decided_again(harness: crate::store::harness::Harness) {
    let seller = Arc::new(OnceLock::new());
    let world = World::start_with(
        harness,
        Options {
            stage_mapping: Some(Arc::new(SellerClosesMeanwhile {
                seller: seller.clone(),
                done: AtomicBool::new(false),
            })),
            ..Options::default()
        },
    )
    .await;
    let token = world.so.issue_access_token(SELLER).unwrap();
    let client = superoffice_client::Client::builder()
        .api_base(world.so.api_base(MAIN_TENANT).unwrap())
        .token_provider(Arc::new(superoffice_client::credentials::StaticToken::new(
            superoffice_client::Credential::bearer(token),
        )))
        .build()
        .unwrap();
    seller.set(client).unwrap();
    let id = world.installed().await;
    let contract = world.send_contract(id, 101).await;
    world.of.sign_all(contract).unwrap();
    world.delivered(contract, "contract:sign").await;
    world.drain().await;
    // The guarded write failed, the engine re-read the Sale and left the manual closure alone.
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Lost");
    let refused = world
        .so
        .requests()
        .iter()
        .filter(|r| {
            r.method == "PATCH" && r.path.contains("/Sale/") && (r.status == 409 || r.status == 412)
        })
        .count();
    assert_eq!(refused, 1);
    let audit = world.audit(id).await;
    assert!(
        audit
            .iter()
            .any(|e| e.detail.contains("changed meanwhile; deciding again")),
        "{audit:#?}"
    );
    assert!(
        audit
            .iter()
            .any(|e| e.detail.contains("already closed as Lost")),
        "{audit:#?}"
    );
    world.finish().await;
}

super::harness_scenarios!(sync_options:
    background_work_runs_as_the_system_user,
    a_used_up_shared_budget_defers_the_job,
    a_concurrent_change_is_re_read_and_decided_again,
);
