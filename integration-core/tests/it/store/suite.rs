//! The behaviour every store must have. Each function gets a fresh, empty store.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use integration_core::store::*;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use tokio::sync::Barrier;

const ACCOUNT: InstallationId = InstallationId::new(81_001);
const OTHER_ACCOUNT: InstallationId = InstallationId::new(81_002);

/// A fixed clock: every test passes its own `now`.
fn t(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

fn secret(value: &str) -> SecretString {
    SecretString::from(value.to_owned())
}

/// A Oneflow webhook body in the vendor's shape.
fn oneflow_payload(contract_id: i64, callback_id: &str) -> String {
    json!({
        "contract": { "id": contract_id },
        "callback_id": callback_id,
        "events": [{ "id": 5512, "type": "contract:sign", "created_time": "2026-03-02T09:00:00+0000" }],
        "signature": "3c1f0b6e0d9c2b1a8f7e6d5c4b3a29180f1e2d3c"
    })
    .to_string()
}

fn delivery(installation: InstallationId, key: &str, at: DateTime<Utc>) -> NewDelivery {
    NewDelivery::new(
        installation,
        DeliverySource::Oneflow,
        key,
        oneflow_payload(4711, key),
        at,
    )
}

async fn installed(store: &dyn Store, id: InstallationId) {
    store.create_installation(id, t(0)).await.unwrap();
}

async fn queue(store: &dyn Store, keys: &[&str], at: DateTime<Utc>) -> Vec<i64> {
    let mut ids = Vec::new();
    for key in keys {
        match store
            .record_delivery(delivery(ACCOUNT, key, at))
            .await
            .unwrap()
        {
            DeliveryOutcome::Recorded { job_id } => ids.push(job_id),
            DeliveryOutcome::Duplicate => panic!("{key} was not new"),
        }
    }
    ids
}

pub(crate) async fn installation_lifecycle(store: Arc<dyn Store>) {
    assert_eq!(store.installation(ACCOUNT).await.unwrap(), None);
    let created = store.create_installation(ACCOUNT, t(0)).await.unwrap();
    assert_eq!(created.id, ACCOUNT);
    assert_eq!(created.state, InstallationState::PendingSetup);
    assert_eq!(created.tenant, None);
    assert_eq!(created.created_at, t(0));

    // Creating again returns the stored installation unchanged.
    let again = store.create_installation(ACCOUNT, t(50)).await.unwrap();
    assert_eq!(again, created);

    for (i, state) in [
        InstallationState::Active,
        InstallationState::Disabled,
        InstallationState::Active,
        InstallationState::Uninstalled,
    ]
    .into_iter()
    .enumerate()
    {
        let at = t(100 + i as i64);
        let changed = store
            .set_installation_state(ACCOUNT, state, at)
            .await
            .unwrap();
        assert_eq!((changed.state, changed.updated_at), (state, at));
        assert_eq!(store.installation(ACCOUNT).await.unwrap(), Some(changed));
    }

    let missing = store
        .set_installation_state(OTHER_ACCOUNT, InstallationState::Active, t(1))
        .await
        .unwrap_err();
    assert!(
        matches!(missing, StoreError::NotFound { .. }),
        "{missing:?}"
    );
    assert!(missing.to_string().contains("81002"), "{missing}");

    store
        .create_installation(OTHER_ACCOUNT, t(2))
        .await
        .unwrap();
    let ids: Vec<InstallationId> = store
        .installations()
        .await
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ids, [ACCOUNT, OTHER_ACCOUNT]);
}

pub(crate) async fn tenant_binding(store: Arc<dyn Store>) {
    installed(&*store, ACCOUNT).await;
    installed(&*store, OTHER_ACCOUNT).await;

    let bound = store
        .bind_tenant(ACCOUNT, "Cust12345", t(10))
        .await
        .unwrap();
    assert_eq!(bound.tenant.as_deref(), Some("Cust12345"));
    assert_eq!(bound.updated_at, t(10));
    // The same tenant again is a no-op.
    let again = store
        .bind_tenant(ACCOUNT, "Cust12345", t(20))
        .await
        .unwrap();
    assert_eq!(again.tenant.as_deref(), Some("Cust12345"));

    // A second tenant names the bound one.
    let err = store
        .bind_tenant(ACCOUNT, "Cust99999", t(30))
        .await
        .unwrap_err();
    match &err {
        StoreError::TenantAlreadyBound {
            installation,
            bound,
        } => {
            assert_eq!((*installation, bound.as_str()), (ACCOUNT, "Cust12345"));
        }
        other => panic!("expected TenantAlreadyBound, got {other:?}"),
    }
    assert!(err.to_string().contains("Cust12345"), "{err}");

    // One tenant belongs to one installation only.
    let err = store
        .bind_tenant(OTHER_ACCOUNT, "Cust12345", t(40))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::TenantInUse { tenant, installation }
            if tenant == "Cust12345" && *installation == ACCOUNT),
        "{err:?}"
    );
    assert_eq!(
        store
            .installation(OTHER_ACCOUNT)
            .await
            .unwrap()
            .unwrap()
            .tenant,
        None
    );

    let found = store.installation_by_tenant("Cust12345").await.unwrap();
    assert_eq!(found.map(|i| i.id), Some(ACCOUNT));
    assert_eq!(store.installation_by_tenant("Cust1").await.unwrap(), None);

    // Unbinding (uninstall) frees the tenant.
    let unbound = store.unbind_tenant(ACCOUNT, t(50)).await.unwrap();
    assert_eq!(unbound.tenant, None);
    let moved = store
        .bind_tenant(OTHER_ACCOUNT, "Cust12345", t(60))
        .await
        .unwrap();
    assert_eq!(moved.tenant.as_deref(), Some("Cust12345"));

    let missing = store
        .bind_tenant(InstallationId::new(5), "Cust5", t(1))
        .await
        .unwrap_err();
    assert!(
        matches!(missing, StoreError::NotFound { .. }),
        "{missing:?}"
    );
}

pub(crate) async fn secrets_round_trip_and_are_forgotten(store: Arc<dyn Store>) {
    installed(&*store, ACCOUNT).await;
    installed(&*store, OTHER_ACCOUNT).await;
    let api = SecretKind::OneflowApiToken;
    let sign = SecretKind::OneflowWebhookSignKey;
    let custom = SecretKind::Custom("archive_service_key".into());

    assert!(store.secret(ACCOUNT, &api).await.unwrap().is_none());
    for (kind, value) in [
        (&api, "of-token-1"),
        (&sign, "sign-key-a"),
        (&custom, "custom-1"),
    ] {
        store
            .put_secret(ACCOUNT, kind, &secret(value), t(1))
            .await
            .unwrap();
    }
    store
        .put_secret(OTHER_ACCOUNT, &api, &secret("other-token"), t(1))
        .await
        .unwrap();
    // Replacing keeps one value per kind.
    store
        .put_secret(ACCOUNT, &api, &secret("of-token-2"), t(2))
        .await
        .unwrap();

    let read = |id, kind: SecretKind| {
        let store = store.clone();
        async move {
            store
                .secret(id, &kind)
                .await
                .unwrap()
                .map(|s| s.expose_secret().to_owned())
        }
    };
    assert_eq!(
        read(ACCOUNT, api.clone()).await.as_deref(),
        Some("of-token-2")
    );
    assert_eq!(
        read(ACCOUNT, sign.clone()).await.as_deref(),
        Some("sign-key-a")
    );
    assert_eq!(
        read(ACCOUNT, custom.clone()).await.as_deref(),
        Some("custom-1")
    );
    assert_eq!(
        read(OTHER_ACCOUNT, api.clone()).await.as_deref(),
        Some("other-token")
    );
    assert_eq!(read(OTHER_ACCOUNT, sign.clone()).await, None);

    // Nothing secret in Debug output.
    let value = store.secret(ACCOUNT, &api).await.unwrap().unwrap();
    let shown = format!("{value:?} {store:?}");
    assert!(!shown.contains("of-token"), "{shown}");

    let err = store
        .put_secret(InstallationId::new(3), &api, &secret("x"), t(1))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");

    assert_eq!(store.forget_secrets(ACCOUNT).await.unwrap(), 3);
    assert_eq!(read(ACCOUNT, api.clone()).await, None);
    assert_eq!(read(ACCOUNT, custom).await, None);
    assert_eq!(
        read(OTHER_ACCOUNT, api).await.as_deref(),
        Some("other-token")
    );
    assert_eq!(store.forget_secrets(ACCOUNT).await.unwrap(), 0);
}

pub(crate) async fn settings_use_optimistic_versions(store: Arc<dyn Store>) {
    installed(&*store, ACCOUNT).await;
    assert_eq!(store.settings(ACCOUNT).await.unwrap(), None);

    let first = json!({"stage_mapping_enabled": true, "multi_contract_rule": "latest_contract"});
    assert_eq!(store.put_settings(ACCOUNT, &first, 0).await.unwrap(), 1);
    let read = store.settings(ACCOUNT).await.unwrap().unwrap();
    assert_eq!((read.value, read.version), (first.clone(), 1));

    // Two admins editing from version 1: the first wins, the second must re-read.
    let second = json!({"stage_mapping_enabled": false, "won_reason_id": 4});
    assert_eq!(store.put_settings(ACCOUNT, &second, 1).await.unwrap(), 2);
    let stale = store.put_settings(ACCOUNT, &first, 1).await.unwrap_err();
    assert!(matches!(stale, StoreError::Conflict { .. }), "{stale:?}");
    assert!(stale.to_string().contains("version 2"), "{stale}");
    let again_new = store.put_settings(ACCOUNT, &first, 0).await.unwrap_err();
    assert!(
        matches!(again_new, StoreError::Conflict { .. }),
        "{again_new:?}"
    );

    let read = store.settings(ACCOUNT).await.unwrap().unwrap();
    assert_eq!((read.value, read.version), (second, 2));

    let missing = store
        .put_settings(OTHER_ACCOUNT, &first, 0)
        .await
        .unwrap_err();
    assert!(
        matches!(missing, StoreError::NotFound { .. }),
        "{missing:?}"
    );
}

pub(crate) async fn oauth_states_are_taken_once_and_expire(store: Arc<dyn Store>) {
    let pending = PendingOAuth::new(
        "st-7f3a9c",
        ACCOUNT,
        secret("pkce-verifier-kq8YtLrA0xZ"),
        "nonce-55",
        t(600),
    );
    store.put_oauth_state(&pending).await.unwrap();
    let dup = store.put_oauth_state(&pending).await.unwrap_err();
    assert!(matches!(dup, StoreError::Conflict { .. }), "{dup:?}");
    assert!(!format!("{dup:?} {pending:?}").contains("kq8Yt"));

    let taken = store
        .take_oauth_state("st-7f3a9c", t(10))
        .await
        .unwrap()
        .expect("the state is there once");
    assert_eq!(taken.installation, ACCOUNT);
    assert_eq!(taken.nonce, "nonce-55");
    assert_eq!(taken.expires_at, t(600));
    assert_eq!(taken.purpose, OAuthPurpose::Setup);
    assert_eq!(
        taken.pkce_verifier.expose_secret(),
        "pkce-verifier-kq8YtLrA0xZ"
    );
    assert!(store
        .take_oauth_state("st-7f3a9c", t(11))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .take_oauth_state("never-issued", t(11))
        .await
        .unwrap()
        .is_none());

    // An expired state is refused, and gone afterwards.
    let late = PendingOAuth::new("st-late", ACCOUNT, secret("v2"), "n2", t(600));
    store.put_oauth_state(&late).await.unwrap();
    assert!(store
        .take_oauth_state("st-late", t(600))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .take_oauth_state("st-late", t(1))
        .await
        .unwrap()
        .is_none());
}

pub(crate) async fn oauth_states_keep_their_purpose(store: Arc<dyn Store>) {
    let panel = PendingOAuth::new("st-panel", ACCOUNT, secret("v"), "n", t(600))
        .purpose(OAuthPurpose::Panel);
    store.put_oauth_state(&panel).await.unwrap();
    let taken = store
        .take_oauth_state("st-panel", t(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.purpose, OAuthPurpose::Panel);
}

pub(crate) async fn handoffs_are_taken_once_and_expire(store: Arc<dyn Store>) {
    store
        .put_handoff("hash-a", "sealed-a", t(120), t(0))
        .await
        .unwrap();
    let dup = store
        .put_handoff("hash-a", "other", t(120), t(0))
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict { .. }), "{dup:?}");
    assert_eq!(
        store.take_handoff("hash-a", t(5)).await.unwrap().as_deref(),
        Some("sealed-a")
    );
    assert_eq!(store.take_handoff("hash-a", t(6)).await.unwrap(), None);
    assert_eq!(store.take_handoff("never", t(6)).await.unwrap(), None);

    // Expired: refused, and gone.
    store
        .put_handoff("hash-b", "sealed-b", t(120), t(0))
        .await
        .unwrap();
    assert_eq!(store.take_handoff("hash-b", t(120)).await.unwrap(), None);
    assert_eq!(store.take_handoff("hash-b", t(1)).await.unwrap(), None);

    // Putting a hand-off removes the expired ones, so their hash is free again.
    store
        .put_handoff("hash-c", "old", t(10), t(0))
        .await
        .unwrap();
    store
        .put_handoff("hash-d", "new", t(200), t(50))
        .await
        .unwrap();
    store
        .put_handoff("hash-c", "again", t(200), t(50))
        .await
        .unwrap();
    assert_eq!(
        store
            .take_handoff("hash-c", t(60))
            .await
            .unwrap()
            .as_deref(),
        Some("again")
    );
}

pub(crate) async fn the_store_answers_a_ping(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
}

pub(crate) async fn contract_requests_are_claimed_once(store: Arc<dyn Store>) {
    let key = "req-2f8c0d6e";
    assert_eq!(
        store
            .claim_contract_request(ACCOUNT, 1201, key, t(0))
            .await
            .unwrap(),
        ClaimOutcome::Claimed
    );
    assert_eq!(
        store
            .claim_contract_request(ACCOUNT, 1201, key, t(1))
            .await
            .unwrap(),
        ClaimOutcome::AlreadyClaimed { contract_id: None }
    );
    store
        .record_created_contract(ACCOUNT, key, 4711)
        .await
        .unwrap();
    store
        .record_created_contract(ACCOUNT, key, 4711)
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_contract_request(ACCOUNT, 1201, key, t(2))
            .await
            .unwrap(),
        ClaimOutcome::AlreadyClaimed {
            contract_id: Some(4711)
        }
    );

    let other_contract = store
        .record_created_contract(ACCOUNT, key, 4712)
        .await
        .unwrap_err();
    assert!(
        matches!(other_contract, StoreError::Conflict { .. }),
        "{other_contract:?}"
    );
    let other_sale = store
        .claim_contract_request(ACCOUNT, 1202, key, t(3))
        .await
        .unwrap_err();
    assert!(
        matches!(other_sale, StoreError::Conflict { .. }),
        "{other_sale:?}"
    );
    assert!(other_sale.to_string().contains("1201"), "{other_sale}");
    let unknown = store
        .record_created_contract(ACCOUNT, "req-unknown", 1)
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, StoreError::NotFound { .. }),
        "{unknown:?}"
    );

    // Keys are per installation.
    assert_eq!(
        store
            .claim_contract_request(OTHER_ACCOUNT, 1201, key, t(4))
            .await
            .unwrap(),
        ClaimOutcome::Claimed
    );
}

pub(crate) async fn contract_claims_are_released_and_taken_over(store: Arc<dyn Store>) {
    let key = "req-claim-life";
    assert_eq!(
        store
            .claim_contract_request(ACCOUNT, 1201, key, t(0))
            .await
            .unwrap(),
        ClaimOutcome::Claimed
    );
    // A younger claim is not taken over; an old enough one once.
    assert!(!store
        .take_over_contract_claim(ACCOUNT, key, t(-1), t(60))
        .await
        .unwrap());
    assert!(store
        .take_over_contract_claim(ACCOUNT, key, t(0), t(60))
        .await
        .unwrap());
    // The take-over renewed the claim time.
    assert!(!store
        .take_over_contract_claim(ACCOUNT, key, t(30), t(61))
        .await
        .unwrap());
    // Released: the key is free again.
    assert!(store.release_contract_claim(ACCOUNT, key).await.unwrap());
    assert!(!store.release_contract_claim(ACCOUNT, key).await.unwrap());
    assert_eq!(
        store
            .claim_contract_request(ACCOUNT, 1201, key, t(70))
            .await
            .unwrap(),
        ClaimOutcome::Claimed
    );
    // A claim with a contract keeps it; released, it goes idle (taken over at once).
    store
        .record_created_contract(ACCOUNT, key, 4720)
        .await
        .unwrap();
    assert!(!store
        .take_over_contract_claim(ACCOUNT, key, t(69), t(80))
        .await
        .unwrap());
    assert!(store.release_contract_claim(ACCOUNT, key).await.unwrap());
    assert!(store
        .take_over_contract_claim(ACCOUNT, key, t(0), t(80))
        .await
        .unwrap());
    assert!(!store
        .take_over_contract_claim(ACCOUNT, key, t(79), t(81))
        .await
        .unwrap());
    assert_eq!(
        store
            .claim_contract_request(ACCOUNT, 1201, key, t(82))
            .await
            .unwrap(),
        ClaimOutcome::AlreadyClaimed {
            contract_id: Some(4720)
        }
    );
    // Unknown keys: nothing to release or take over.
    assert!(!store
        .release_contract_claim(ACCOUNT, "req-unknown")
        .await
        .unwrap());
    assert!(!store
        .take_over_contract_claim(OTHER_ACCOUNT, key, t(1000), t(1000))
        .await
        .unwrap());
}

pub(crate) async fn sales_and_contracts_are_linked(store: Arc<dyn Store>) {
    let links = [
        SaleContractLink::new(ACCOUNT, 1201, 4713, t(30)),
        SaleContractLink::new(ACCOUNT, 1201, 4711, t(10)),
        SaleContractLink::new(ACCOUNT, 1201, 4712, t(20)),
        SaleContractLink::new(ACCOUNT, 1300, 4800, t(5)),
        SaleContractLink::new(OTHER_ACCOUNT, 1201, 9000, t(1)),
    ];
    for link in &links {
        store.link_contract(link).await.unwrap();
    }
    // Linking again is a no-op; to another Sale a conflict.
    store.link_contract(&links[0]).await.unwrap();
    let moved = store
        .link_contract(&SaleContractLink::new(ACCOUNT, 1300, 4713, t(40)))
        .await
        .unwrap_err();
    assert!(matches!(moved, StoreError::Conflict { .. }), "{moved:?}");

    let on_sale: Vec<i64> = store
        .links_for_sale(ACCOUNT, 1201)
        .await
        .unwrap()
        .iter()
        .map(|l| l.contract_id)
        .collect();
    assert_eq!(
        on_sale,
        [4711, 4712, 4713],
        "oldest first, per installation"
    );

    let link = store
        .link_for_contract(ACCOUNT, 4712)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link, links[2]);
    assert_eq!(store.link_for_contract(ACCOUNT, 9000).await.unwrap(), None);
    assert_eq!(
        store
            .link_for_contract(OTHER_ACCOUNT, 9000)
            .await
            .unwrap()
            .map(|l| l.sale_id),
        Some(1201)
    );
    assert!(store.links_for_sale(ACCOUNT, 7).await.unwrap().is_empty());
}

pub(crate) async fn deliveries_are_deduplicated_and_queued(store: Arc<dyn Store>) {
    let first = store
        .record_delivery(delivery(ACCOUNT, "cb-1", t(0)))
        .await
        .unwrap();
    let DeliveryOutcome::Recorded { job_id } = first else {
        panic!("expected a new delivery, got {first:?}");
    };
    assert_eq!(
        store
            .record_delivery(delivery(ACCOUNT, "cb-1", t(5)))
            .await
            .unwrap(),
        DeliveryOutcome::Duplicate
    );
    // The same key from the other system, or for another installation, is another delivery.
    let from_superoffice = NewDelivery::new(
        ACCOUNT,
        DeliverySource::SuperOffice,
        "cb-1",
        r#"{"EventId":"c1d0","Event":"sale.changed","PrimaryKey":1201}"#,
        t(1),
    );
    assert!(matches!(
        store.record_delivery(from_superoffice).await.unwrap(),
        DeliveryOutcome::Recorded { .. }
    ));
    assert!(matches!(
        store
            .record_delivery(delivery(OTHER_ACCOUNT, "cb-1", t(1)))
            .await
            .unwrap(),
        DeliveryOutcome::Recorded { .. }
    ));

    let job = store.job(job_id).await.unwrap().unwrap();
    assert_eq!(job.id, job_id);
    assert_eq!(job.installation, ACCOUNT);
    assert_eq!(job.source, DeliverySource::Oneflow);
    assert_eq!(job.payload, oneflow_payload(4711, "cb-1"));
    assert_eq!(job.state, JobState::Queued);
    assert_eq!(job.attempts, 0);
    assert_eq!(job.available_at, t(0));
    assert_eq!(job.last_error, None);
    assert_eq!(store.job(job_id + 1000).await.unwrap(), None);
}

pub(crate) async fn jobs_are_leased_completed_retried_and_parked(store: Arc<dyn Store>) {
    let ids = queue(&*store, &["cb-a", "cb-b", "cb-c"], t(0)).await;
    // Received later: not due yet.
    let late = queue(&*store, &["cb-later"], t(100)).await[0];
    let lease_for = TimeDelta::seconds(120);

    let batch = store.lease("worker-1", 2, lease_for, t(1)).await.unwrap();
    let leased: Vec<i64> = batch.iter().map(|j| j.job.id).collect();
    assert_eq!(leased, ids[..2], "oldest first, at most max");
    for job in &batch {
        assert_eq!(job.job.state, JobState::Leased);
        assert_eq!(job.job.attempts, 1);
        assert_eq!(job.lease.expires_at, t(121));
        assert_eq!(job.lease.job_id, job.job.id);
    }
    let rest = store.lease("worker-2", 10, lease_for, t(2)).await.unwrap();
    assert_eq!(rest.iter().map(|j| j.job.id).collect::<Vec<_>>(), [ids[2]]);

    // complete
    store.complete(&batch[0].lease, t(3)).await.unwrap();
    assert_eq!(
        store.job(ids[0]).await.unwrap().unwrap().state,
        JobState::Done
    );
    let twice = store.complete(&batch[0].lease, t(4)).await.unwrap_err();
    assert!(
        matches!(twice, StoreError::LeaseLost { job_id } if job_id == ids[0]),
        "{twice:?}"
    );

    // retry_at: back in the queue, not before `when`, error kept, attempts counted.
    store
        .retry_at(
            &batch[1].lease,
            t(60),
            "SuperOffice answered 429, retry after 57 s",
        )
        .await
        .unwrap();
    let waiting = store.job(ids[1]).await.unwrap().unwrap();
    assert_eq!(waiting.state, JobState::Queued);
    assert_eq!(waiting.available_at, t(60));
    assert_eq!(
        waiting.last_error.as_deref(),
        Some("SuperOffice answered 429, retry after 57 s")
    );
    assert!(store
        .lease("worker-1", 10, lease_for, t(59))
        .await
        .unwrap()
        .is_empty());
    let retried = store.lease("worker-1", 10, lease_for, t(60)).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!((retried[0].job.id, retried[0].job.attempts), (ids[1], 2));

    // park: stays parked with its reason, never leased again.
    store
        .park(&rest[0].lease, "Sale 1201 was deleted", t(61))
        .await
        .unwrap();
    let parked = store.job(ids[2]).await.unwrap().unwrap();
    assert_eq!(parked.state, JobState::Parked);
    assert_eq!(parked.last_error.as_deref(), Some("Sale 1201 was deleted"));
    // Listed for a person to look at: only the parked job, only for its installation.
    let listed = store.parked_jobs(parked.installation, 10).await.unwrap();
    assert_eq!(listed.iter().map(|j| j.id).collect::<Vec<_>>(), [ids[2]]);
    assert_eq!(
        listed[0].last_error.as_deref(),
        Some("Sale 1201 was deleted")
    );
    assert!(store
        .parked_jobs(parked.installation, 0)
        .await
        .unwrap()
        .is_empty());
    let other = InstallationId::new(parked.installation.get() + 1);
    assert!(store.parked_jobs(other, 10).await.unwrap().is_empty());
    store.complete(&retried[0].lease, t(62)).await.unwrap();

    let later = store
        .lease("worker-1", 10, lease_for, t(1000))
        .await
        .unwrap();
    assert_eq!(later.iter().map(|j| j.job.id).collect::<Vec<_>>(), [late]);
    store.complete(&later[0].lease, t(1001)).await.unwrap();
    assert!(store
        .lease("worker-1", 10, lease_for, t(2000))
        .await
        .unwrap()
        .is_empty());
}

pub(crate) async fn expired_lease_is_re_leased_and_the_stale_token_is_fenced(
    store: Arc<dyn Store>,
) {
    let id = queue(&*store, &["cb-crash"], t(0)).await[0];
    let lease_for = TimeDelta::seconds(30);
    let crashed = store
        .lease("worker-crashed", 5, lease_for, t(1))
        .await
        .unwrap()
        .remove(0);
    // Still held: nobody else gets it.
    assert!(store
        .lease("worker-2", 5, lease_for, t(30))
        .await
        .unwrap()
        .is_empty());
    // Expired: available again, with a new token and one more attempt.
    let rescued = store
        .lease("worker-2", 5, lease_for, t(31))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(rescued.job.id, id);
    assert_eq!(rescued.job.attempts, 2);
    assert_ne!(rescued.lease.token, crashed.lease.token);

    // The stale worker wakes up: it can neither complete, retry nor park the job.
    for err in [
        store.complete(&crashed.lease, t(40)).await.unwrap_err(),
        store
            .retry_at(&crashed.lease, t(90), "late")
            .await
            .unwrap_err(),
        store.park(&crashed.lease, "late", t(40)).await.unwrap_err(),
    ] {
        assert!(
            matches!(err, StoreError::LeaseLost { job_id } if job_id == id),
            "{err:?}"
        );
    }
    assert_eq!(
        store.job(id).await.unwrap().unwrap().state,
        JobState::Leased
    );
    store.complete(&rescued.lease, t(41)).await.unwrap();
    assert_eq!(store.job(id).await.unwrap().unwrap().state, JobState::Done);
}

pub(crate) async fn audit_log_lists_recent_entries_per_installation(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for i in 0..5 {
        let entry = NewAuditEntry::new(
            ACCOUNT,
            t(i),
            "stage_mapping",
            format!("close the Sale as Sold (probability 100%) #{i}"),
            Some(format!("cb-{i}")),
        );
        ids.push(store.append_audit(&entry).await.unwrap());
    }
    store
        .append_audit(&NewAuditEntry::new(
            OTHER_ACCOUNT,
            t(9),
            "setup",
            "bound to Cust777",
            None,
        ))
        .await
        .unwrap();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    let recent = store.recent_audit(ACCOUNT, 3).await.unwrap();
    let details: Vec<&str> = recent.iter().map(|e| e.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "close the Sale as Sold (probability 100%) #4",
            "close the Sale as Sold (probability 100%) #3",
            "close the Sale as Sold (probability 100%) #2",
        ]
    );
    assert_eq!(recent[0].id, ids[4]);
    assert_eq!(recent[0].at, t(4));
    assert_eq!(recent[0].action, "stage_mapping");
    assert_eq!(recent[0].event.as_deref(), Some("cb-4"));
    let other = store.recent_audit(OTHER_ACCOUNT, 10).await.unwrap();
    assert_eq!(other.len(), 1);
    assert_eq!(
        (other[0].event.as_deref(), other[0].installation),
        (None, OTHER_ACCOUNT)
    );
}

pub(crate) async fn concurrent_workers_never_lease_the_same_job(store: Arc<dyn Store>) {
    let keys: Vec<String> = (0..40).map(|i| format!("cb-{i:03}")).collect();
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let all: HashSet<i64> = queue(&*store, &key_refs, t(0)).await.into_iter().collect();

    let workers = 4;
    let barrier = Arc::new(Barrier::new(workers));
    let mut tasks = Vec::new();
    for w in 0..workers {
        let store = store.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut mine = Vec::new();
            loop {
                let batch = store
                    .lease(&format!("worker-{w}"), 3, TimeDelta::seconds(60), t(1))
                    .await
                    .unwrap();
                if batch.is_empty() {
                    return mine;
                }
                for job in batch {
                    store.complete(&job.lease, t(2)).await.unwrap();
                    mine.push(job.job.id);
                }
            }
        }));
    }
    let mut seen = Vec::new();
    for task in tasks {
        seen.extend(task.await.unwrap());
    }
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(seen.len(), unique.len(), "a job was leased twice: {seen:?}");
    assert_eq!(unique, all);
}

pub(crate) async fn duplicate_delivery_racing_the_original_is_recorded_once(store: Arc<dyn Store>) {
    let racers = 8;
    let barrier = Arc::new(Barrier::new(racers));
    let mut tasks = Vec::new();
    for _ in 0..racers {
        let store = store.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store
                .record_delivery(delivery(ACCOUNT, "cb-raced", t(0)))
                .await
                .unwrap()
        }));
    }
    let mut recorded = Vec::new();
    for task in tasks {
        if let DeliveryOutcome::Recorded { job_id } = task.await.unwrap() {
            recorded.push(job_id);
        }
    }
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    let leased = store
        .lease("worker", 10, TimeDelta::seconds(30), t(1))
        .await
        .unwrap();
    assert_eq!(
        leased.iter().map(|j| j.job.id).collect::<Vec<_>>(),
        recorded,
        "exactly one job was queued"
    );
}

pub(crate) async fn concurrent_claims_of_one_request_key_yield_one_claim(store: Arc<dyn Store>) {
    let racers = 8;
    let barrier = Arc::new(Barrier::new(racers));
    let mut tasks = Vec::new();
    for _ in 0..racers {
        let store = store.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store
                .claim_contract_request(ACCOUNT, 1201, "req-double-click", t(0))
                .await
                .unwrap()
        }));
    }
    let mut claimed = 0;
    for task in tasks {
        match task.await.unwrap() {
            ClaimOutcome::Claimed => claimed += 1,
            ClaimOutcome::AlreadyClaimed { contract_id } => assert_eq!(contract_id, None),
        }
    }
    assert_eq!(claimed, 1);
}

pub(crate) async fn concurrent_bindings_of_one_tenant_yield_one_installation(
    store: Arc<dyn Store>,
) {
    let accounts: Vec<InstallationId> = (1..=4).map(InstallationId::new).collect();
    for id in &accounts {
        installed(&*store, *id).await;
    }
    let barrier = Arc::new(Barrier::new(accounts.len()));
    let mut tasks = Vec::new();
    for id in accounts {
        let store = store.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.bind_tenant(id, "Cust4242", t(1)).await
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(installation) => winners.push(installation.id),
            Err(StoreError::TenantInUse { tenant, .. }) => assert_eq!(tenant, "Cust4242"),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let holder = store.installation_by_tenant("Cust4242").await.unwrap();
    assert_eq!(holder.map(|i| i.id), Some(winners[0]));
}

pub(crate) async fn rate_budgets_count_per_fixed_window(store: Arc<dyn Store>) {
    let window = TimeDelta::minutes(5);
    let key = "oneflow:81001";
    // t(0) is 09:00:00, a window boundary; windows are [09:00, 09:05), [09:05, 09:10), …
    for (at, remaining) in [(0, 2), (10, 1), (299, 0)] {
        assert_eq!(
            store.take_rate_budget(key, 3, window, t(at)).await.unwrap(),
            RateDecision::Allowed { remaining },
            "at +{at}s"
        );
    }
    assert_eq!(
        store
            .take_rate_budget(key, 3, window, t(299))
            .await
            .unwrap(),
        RateDecision::Exhausted { retry_at: t(300) }
    );
    // Another key has its own budget.
    assert_eq!(
        store
            .take_rate_budget("superoffice:Cust12345", 3, window, t(299))
            .await
            .unwrap(),
        RateDecision::Allowed { remaining: 2 }
    );
    // The next window starts afresh.
    assert_eq!(
        store
            .take_rate_budget(key, 3, window, t(300))
            .await
            .unwrap(),
        RateDecision::Allowed { remaining: 2 }
    );
    // A replica whose clock lags counts against the newer window and cannot reset it.
    assert_eq!(
        store
            .take_rate_budget(key, 3, window, t(250))
            .await
            .unwrap(),
        RateDecision::Allowed { remaining: 1 }
    );
    assert_eq!(
        store
            .take_rate_budget(key, 3, window, t(301))
            .await
            .unwrap(),
        RateDecision::Allowed { remaining: 0 }
    );
    assert_eq!(
        store
            .take_rate_budget(key, 3, window, t(200))
            .await
            .unwrap(),
        RateDecision::Exhausted { retry_at: t(600) }
    );

    assert_eq!(
        store
            .take_rate_budget("empty", 0, window, t(0))
            .await
            .unwrap(),
        RateDecision::Exhausted { retry_at: t(300) }
    );
    let err = store
        .take_rate_budget(key, 3, TimeDelta::zero(), t(0))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidArgument { .. }), "{err:?}");
}

pub(crate) async fn concurrent_rate_budget_takes_never_exceed_the_limit(store: Arc<dyn Store>) {
    let racers = 6;
    let barrier = Arc::new(Barrier::new(racers));
    let mut tasks = Vec::new();
    for _ in 0..racers {
        let store = store.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut allowed = 0;
            for _ in 0..5 {
                let decision = store
                    .take_rate_budget("superoffice:Cust12345", 10, TimeDelta::seconds(60), t(1))
                    .await
                    .unwrap();
                if matches!(decision, RateDecision::Allowed { .. }) {
                    allowed += 1;
                }
            }
            allowed
        }));
    }
    let mut allowed = 0;
    for task in tasks {
        allowed += task.await.unwrap();
    }
    assert_eq!(allowed, 10, "6 × 5 attempts against a budget of 10");
}

pub(crate) async fn concurrent_takes_of_one_oauth_state_yield_one_login(store: Arc<dyn Store>) {
    let pending = PendingOAuth::new("st-raced", ACCOUNT, secret("verifier"), "n", t(600));
    store.put_oauth_state(&pending).await.unwrap();
    let racers = 6;
    let barrier = Arc::new(Barrier::new(racers));
    let mut tasks = Vec::new();
    for _ in 0..racers {
        let store = store.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.take_oauth_state("st-raced", t(1)).await.unwrap()
        }));
    }
    let mut logins = 0;
    for task in tasks {
        if let Some(taken) = task.await.unwrap() {
            assert_eq!(taken.pkce_verifier.expose_secret(), "verifier");
            logins += 1;
        }
    }
    assert_eq!(logins, 1);
}

pub(crate) async fn named_locks_are_exclusive_until_released_or_expired(store: Arc<dyn Store>) {
    let name = "superoffice-token-refresh:Cust12345";
    let hold = TimeDelta::seconds(20);
    let first = store
        .try_lock(name, "replica-a", hold, t(0))
        .await
        .unwrap()
        .expect("a free lock is taken");
    assert_eq!((first.name.as_str(), first.expires_at), (name, t(20)));
    assert_eq!(
        store
            .try_lock(name, "replica-b", hold, t(19))
            .await
            .unwrap(),
        None
    );
    // Other names are independent.
    assert!(store
        .try_lock("superoffice-token-refresh:Cust1", "replica-b", hold, t(1))
        .await
        .unwrap()
        .is_some());

    // Released: free at once.
    store.release_lock(&first).await.unwrap();
    let second = store
        .try_lock(name, "replica-b", hold, t(5))
        .await
        .unwrap()
        .expect("a released lock is free");
    assert_ne!(second.token, first.token);
    let twice = store.release_lock(&first).await.unwrap_err();
    assert!(
        matches!(&twice, StoreError::LockLost { name: lost } if lost == name),
        "{twice:?}"
    );

    // Expired: another holder takes it, and the late one cannot release it.
    let third = store
        .try_lock(name, "replica-c", hold, t(25))
        .await
        .unwrap()
        .expect("an expired lock is free");
    let late = store.release_lock(&second).await.unwrap_err();
    assert!(matches!(late, StoreError::LockLost { .. }), "{late:?}");
    store.release_lock(&third).await.unwrap();
}

pub(crate) async fn concurrent_lockers_get_one_holding(store: Arc<dyn Store>) {
    let racers = 6;
    let barrier = Arc::new(Barrier::new(racers));
    let mut tasks = Vec::new();
    for i in 0..racers {
        let store = store.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store
                .try_lock(
                    "refresh:Cust4242",
                    &format!("r{i}"),
                    TimeDelta::seconds(30),
                    t(0),
                )
                .await
                .unwrap()
        }));
    }
    let mut holders = 0;
    for task in tasks {
        if task.await.unwrap().is_some() {
            holders += 1;
        }
    }
    assert_eq!(holders, 1);
}

pub(crate) async fn purging_removes_completed_work_and_its_dedupe_keys(store: Arc<dyn Store>) {
    let ids = queue(
        &*store,
        &["cb-old", "cb-parked", "cb-pending", "cb-recent"],
        t(0),
    )
    .await;
    let leased = store
        .lease("worker-a", 10, TimeDelta::seconds(60), t(1))
        .await
        .unwrap();
    assert_eq!(leased.len(), 4);
    let lease_of = |id: i64| {
        leased
            .iter()
            .find(|l| l.job.id == id)
            .expect("the job was leased")
            .lease
    };
    store.complete(&lease_of(ids[0]), t(10)).await.unwrap();
    store.park(&lease_of(ids[1]), "403", t(10)).await.unwrap();
    store
        .retry_at(&lease_of(ids[2]), t(500), "429")
        .await
        .unwrap();
    store.complete(&lease_of(ids[3]), t(200)).await.unwrap();

    // Only the job completed before the cutoff goes, with its delivery.
    assert_eq!(store.purge_completed(t(100)).await.unwrap(), 1);
    assert_eq!(store.job(ids[0]).await.unwrap(), None);
    assert_eq!(
        store.job(ids[1]).await.unwrap().unwrap().state,
        JobState::Parked
    );
    assert_eq!(
        store.job(ids[2]).await.unwrap().unwrap().state,
        JobState::Queued
    );
    assert_eq!(
        store.job(ids[3]).await.unwrap().unwrap().state,
        JobState::Done
    );
    // The purged key is forgotten; the kept ones still dedupe.
    assert!(matches!(
        store
            .record_delivery(delivery(ACCOUNT, "cb-old", t(300)))
            .await
            .unwrap(),
        DeliveryOutcome::Recorded { .. }
    ));
    for kept in ["cb-parked", "cb-pending", "cb-recent"] {
        assert_eq!(
            store
                .record_delivery(delivery(ACCOUNT, kept, t(300)))
                .await
                .unwrap(),
            DeliveryOutcome::Duplicate,
            "{kept}"
        );
    }
    // Nothing more is due; a later cutoff takes the other completed job.
    assert_eq!(store.purge_completed(t(100)).await.unwrap(), 0);
    assert_eq!(store.purge_completed(t(201)).await.unwrap(), 1);
    assert_eq!(store.job(ids[3]).await.unwrap(), None);
}

pub(crate) async fn completion_and_its_audit_entries_are_written_together(store: Arc<dyn Store>) {
    let ids = queue(&*store, &["cb-a", "cb-b"], t(0)).await;
    let lease_for = TimeDelta::seconds(60);
    let batch = store.lease("worker-1", 2, lease_for, t(1)).await.unwrap();
    assert_eq!(batch.len(), 2);
    let entry = |detail: &str| {
        NewAuditEntry::new(ACCOUNT, t(2), "stage_mapping", detail, Some("cb-a".into()))
    };

    store
        .complete_with_audit(
            &batch[0].lease,
            &[entry("Sale changed meanwhile"), entry("Sale 7: Sold")],
            t(3),
        )
        .await
        .unwrap();
    assert_eq!(
        store.job(ids[0]).await.unwrap().unwrap().state,
        JobState::Done
    );
    let details = |entries: Vec<AuditEntry>| -> Vec<String> {
        entries.into_iter().map(|e| e.detail).collect()
    };
    assert_eq!(
        details(store.recent_audit(ACCOUNT, 10).await.unwrap()),
        ["Sale 7: Sold", "Sale changed meanwhile"],
        "in order, newest first"
    );

    // A lease that no longer holds its job writes nothing: neither the state nor the entries.
    let twice = store
        .complete_with_audit(&batch[0].lease, &[entry("completed twice")], t(4))
        .await
        .unwrap_err();
    assert!(
        matches!(twice, StoreError::LeaseLost { job_id } if job_id == ids[0]),
        "{twice:?}"
    );
    // The second job's lease expires and another worker takes it: the stale lease is fenced.
    let taken = store.lease("worker-2", 1, lease_for, t(62)).await.unwrap();
    assert_eq!(taken.len(), 1);
    let stale = store
        .complete_with_audit(&batch[1].lease, &[entry("stale worker")], t(63))
        .await
        .unwrap_err();
    assert!(matches!(stale, StoreError::LeaseLost { .. }), "{stale:?}");
    assert_eq!(
        store.job(ids[1]).await.unwrap().unwrap().state,
        JobState::Leased
    );
    assert_eq!(store.recent_audit(ACCOUNT, 10).await.unwrap().len(), 2);

    // No entries: a plain completion.
    store
        .complete_with_audit(&taken[0].lease, &[], t(64))
        .await
        .unwrap();
    assert_eq!(
        store.job(ids[1]).await.unwrap().unwrap().state,
        JobState::Done
    );
}

pub(crate) async fn rate_budget_units_are_taken_all_or_nothing(store: Arc<dyn Store>) {
    let window = TimeDelta::minutes(5);
    let key = "superoffice:Cust12345";
    for remaining in [3, 1] {
        assert_eq!(
            store
                .take_rate_budget_units(key, 2, 5, window, t(1))
                .await
                .unwrap(),
            RateDecision::Allowed { remaining }
        );
    }
    // Two do not fit into the one left: refused, and nothing taken.
    assert_eq!(
        store
            .take_rate_budget_units(key, 2, 5, window, t(2))
            .await
            .unwrap(),
        RateDecision::Exhausted { retry_at: t(300) }
    );
    assert_eq!(
        store.take_rate_budget(key, 5, window, t(2)).await.unwrap(),
        RateDecision::Allowed { remaining: 0 }
    );
    // More units than any window holds: refused, nothing taken, also on a fresh key.
    assert_eq!(
        store
            .take_rate_budget_units("oneflow:81001", 4, 3, window, t(2))
            .await
            .unwrap(),
        RateDecision::Exhausted { retry_at: t(300) }
    );
    assert_eq!(
        store
            .take_rate_budget("oneflow:81001", 3, window, t(2))
            .await
            .unwrap(),
        RateDecision::Allowed { remaining: 2 }
    );
    // The next window starts afresh; a lagging clock counts against it.
    assert_eq!(
        store
            .take_rate_budget_units(key, 2, 5, window, t(300))
            .await
            .unwrap(),
        RateDecision::Allowed { remaining: 3 }
    );
    assert_eq!(
        store
            .take_rate_budget_units(key, 3, 5, window, t(250))
            .await
            .unwrap(),
        RateDecision::Allowed { remaining: 0 }
    );
    let err = store
        .take_rate_budget_units(key, 0, 5, window, t(301))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidArgument { .. }), "{err:?}");
}

pub(crate) async fn concurrent_multi_unit_takes_never_exceed_the_limit(store: Arc<dyn Store>) {
    let racers = 6;
    let barrier = Arc::new(Barrier::new(racers));
    let mut tasks = Vec::new();
    for _ in 0..racers {
        let store = store.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut allowed = 0;
            for _ in 0..5 {
                let decision = store
                    .take_rate_budget_units(
                        "superoffice:Cust12345",
                        3,
                        10,
                        TimeDelta::seconds(60),
                        t(1),
                    )
                    .await
                    .unwrap();
                if matches!(decision, RateDecision::Allowed { .. }) {
                    allowed += 1;
                }
            }
            allowed
        }));
    }
    let mut allowed = 0;
    for task in tasks {
        allowed += task.await.unwrap();
    }
    assert_eq!(allowed, 3, "6 × 5 takes of 3 units against a budget of 10");
}
