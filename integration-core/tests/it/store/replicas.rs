//! Two stores on one database: what several replicas of a host (or several processes sharing
//! one SQLite file) rely on.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use integration_core::store::*;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Barrier;

const ACCOUNT: InstallationId = InstallationId::new(92_001);

fn t(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

fn delivery(key: &str) -> NewDelivery {
    NewDelivery::new(
        ACCOUNT,
        DeliverySource::Oneflow,
        key,
        format!(r#"{{"contract":{{"id":4711}},"callback_id":"{key}"}}"#),
        t(0),
    )
}

pub(crate) async fn replicas_see_each_others_state(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    a.create_installation(ACCOUNT, t(0)).await.unwrap();
    a.bind_tenant(ACCOUNT, "Cust12345", t(1)).await.unwrap();
    a.put_secret(
        ACCOUNT,
        &SecretKind::SuperOfficeRefreshToken,
        &SecretString::from("refresh-abc".to_owned()),
        t(1),
    )
    .await
    .unwrap();

    let seen = b.installation(ACCOUNT).await.unwrap().unwrap();
    assert_eq!(seen.tenant.as_deref(), Some("Cust12345"));
    let token = b
        .secret(ACCOUNT, &SecretKind::SuperOfficeRefreshToken)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(token.expose_secret(), "refresh-abc");
    let lock = a
        .try_lock(
            "refresh:Cust12345",
            "replica-a",
            TimeDelta::seconds(30),
            t(2),
        )
        .await
        .unwrap()
        .expect("a free lock");
    let busy = b
        .try_lock(
            "refresh:Cust12345",
            "replica-b",
            TimeDelta::seconds(30),
            t(3),
        )
        .await
        .unwrap();
    assert_eq!(busy, None);
    a.release_lock(&lock).await.unwrap();
    let err = b.bind_tenant(ACCOUNT, "Cust99999", t(2)).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::TenantAlreadyBound { bound, .. } if bound == "Cust12345"),
        "{err:?}"
    );
}

pub(crate) async fn replicas_lease_disjoint_jobs(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    let mut all = HashSet::new();
    for i in 0..40 {
        let store = if i % 2 == 0 { &a } else { &b };
        match store
            .record_delivery(delivery(&format!("cb-{i}")))
            .await
            .unwrap()
        {
            DeliveryOutcome::Recorded { job_id } => assert!(all.insert(job_id)),
            DeliveryOutcome::Duplicate => panic!("cb-{i} was not new"),
        }
    }
    let workers = [a.clone(), a, b.clone(), b];
    let barrier = Arc::new(Barrier::new(workers.len()));
    let mut tasks = Vec::new();
    for (w, store) in workers.into_iter().enumerate() {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut mine = Vec::new();
            loop {
                let batch = store
                    .lease(
                        &format!("replica-worker-{w}"),
                        2,
                        TimeDelta::seconds(60),
                        t(1),
                    )
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

pub(crate) async fn replicas_racing_one_delivery_record_it_once(
    a: Arc<dyn Store>,
    b: Arc<dyn Store>,
) {
    let racers: Vec<Arc<dyn Store>> = (0..8)
        .map(|i| if i % 2 == 0 { a.clone() } else { b.clone() })
        .collect();
    let barrier = Arc::new(Barrier::new(racers.len()));
    let mut tasks = Vec::new();
    for store in racers {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store
                .record_delivery(delivery("cb-retried-by-oneflow"))
                .await
                .unwrap()
        }));
    }
    let mut recorded = 0;
    for task in tasks {
        if matches!(task.await.unwrap(), DeliveryOutcome::Recorded { .. }) {
            recorded += 1;
        }
    }
    assert_eq!(recorded, 1);
    let jobs = b
        .lease("replica-b", 10, TimeDelta::seconds(60), t(1))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
}

pub(crate) async fn a_replica_takes_over_an_expired_lease(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    a.record_delivery(delivery("cb-crash")).await.unwrap();
    let lease_for = TimeDelta::seconds(30);
    let on_a = a
        .lease("replica-a", 1, lease_for, t(1))
        .await
        .unwrap()
        .remove(0);
    assert!(b
        .lease("replica-b", 1, lease_for, t(20))
        .await
        .unwrap()
        .is_empty());
    let on_b = b
        .lease("replica-b", 1, lease_for, t(31))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(on_b.job.id, on_a.job.id);
    assert_eq!(on_b.job.attempts, 2);
    let stale = a.complete(&on_a.lease, t(32)).await.unwrap_err();
    assert!(matches!(stale, StoreError::LeaseLost { .. }), "{stale:?}");
    b.complete(&on_b.lease, t(33)).await.unwrap();
    let done = a.job(on_a.job.id).await.unwrap().unwrap();
    assert_eq!(done.state, JobState::Done);
}
