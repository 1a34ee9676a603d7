//! Webhook intake over HTTP.

use chrono::TimeDelta;
use integration_core::engine::Clock;
use integration_core::server::ServerConfig;
use integration_core::store::SecretKind;
use secrecy::ExposeSecret;

use super::{app, app_with, post, world, COOKIE_KEY};
use crate::engine::world::World;

/// The payloads of the jobs queued since the last call (leases them).
async fn queued(world: &World) -> Vec<String> {
    world
        .store
        .lease(
            "server-test",
            100,
            TimeDelta::seconds(60),
            world.clock.now() + TimeDelta::seconds(1),
        )
        .await
        .unwrap()
        .into_iter()
        .map(|leased| leased.job.payload)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_oneflow_delivery_is_recorded_and_answered_with_an_empty_200() {
    let world = world().await;
    let id = world.installed().await;
    let app = app(&world);
    queued(&world).await; // whatever setup caused

    let body = world
        .oneflow_delivery(id, 4711, "cb-server-1", "contract:sign")
        .await;
    let answer = post(&app, &format!("/webhooks/oneflow/{id}"), body.clone(), &[]).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, "");
    let jobs = queued(&world).await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert!(jobs[0].contains("cb-server-1"));

    // The same delivery again: 200, nothing new.
    let again = post(&app, &format!("/webhooks/oneflow/{id}"), body, &[]).await;
    assert_eq!((again.status.as_u16(), again.body.as_str()), (200, ""));
    assert!(queued(&world).await.is_empty());
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_oneflow_signature_is_refused_without_revealing_the_expected_one() {
    let world = world().await;
    let id = world.installed().await;
    let app = app(&world);
    queued(&world).await;
    let key = world
        .store
        .secret(id, &SecretKind::OneflowWebhookSignKey)
        .await
        .unwrap()
        .unwrap();
    let forged = oneflow_client::webhook::signed_test_body(
        4711,
        "cb-forged",
        &[(90_001, "contract:sign")],
        "a-guessed-key",
    );
    let answer = post(&app, &format!("/webhooks/oneflow/{id}"), forged, &[]).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.body, "webhook signature rejected\n");
    let expected = oneflow_client::webhook::sign_for_test("cb-forged", key.expose_secret());
    assert!(!answer.body.contains(&expected));
    assert!(queued(&world).await.is_empty());
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_superoffice_delivery_needs_its_signature_header() {
    let world = world().await;
    let id = world.installed().await;
    let app = app(&world);
    queued(&world).await;
    let secret = world
        .store
        .secret(id, &SecretKind::SuperOfficeWebhookSecret)
        .await
        .unwrap()
        .unwrap();
    let body: &[u8] = br#"{"EventId":"e-server-1","Event":"sale.changed","PrimaryKey":101,"Entity":"sale","ChangedByAssociateId":6}"#;
    let uri = format!("/webhooks/superoffice/{id}");
    let header = superoffice_client::webhook::SIGNATURE_HEADER;

    let missing = post(&app, &uri, body.to_vec(), &[]).await;
    assert_eq!(missing.status, 401);
    let wrong = superoffice_client::webhook::sign_for_test(body, "guess");
    let forged = post(&app, &uri, body.to_vec(), &[(header, wrong.as_str())]).await;
    assert_eq!(forged.status, 401);
    let good = superoffice_client::webhook::sign_for_test(body, secret.expose_secret());
    assert!(!forged.body.contains(&good));
    assert!(queued(&world).await.is_empty());

    let answer = post(&app, &uri, body.to_vec(), &[(header, good.as_str())]).await;
    assert_eq!((answer.status.as_u16(), answer.body.as_str()), (200, ""));
    let jobs = queued(&world).await;
    assert_eq!(jobs.len(), 1);
    assert!(jobs[0].contains("e-server-1"));
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_unconnected_installations_are_404() {
    let world = world().await;
    let registered = world.register().await.id;
    let app = app(&world);
    for uri in [
        "/webhooks/oneflow/999999".to_owned(),
        "/webhooks/oneflow/not-a-number".to_owned(),
        "/webhooks/superoffice/999999".to_owned(),
        "/webhooks/superoffice/not-a-number".to_owned(),
        // Registered, setup not finished: no webhook secret yet.
        format!("/webhooks/oneflow/{registered}"),
        format!("/webhooks/superoffice/{registered}"),
    ] {
        let answer = post(&app, &uri, "{}", &[]).await;
        assert_eq!(answer.status, 404, "{uri}: {answer:?}");
    }
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_above_the_limit_are_413() {
    let world = world().await;
    let id = world.installed().await;
    let app = app_with(
        &world,
        ServerConfig::builder(COOKIE_KEY)
            .body_limit(256)
            .build()
            .unwrap(),
    );
    let answer = post(
        &app,
        &format!("/webhooks/oneflow/{id}"),
        vec![b' '; 4096],
        &[],
    )
    .await;
    assert_eq!(answer.status, 413);
    world.finish().await;
}
