//! Admin setup through the service's own routes.

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use integration_core::store::InstallationState;

use super::{app, get, send, world, Answer};
use crate::engine::world::{Options, World, ADMIN, MAIN_TENANT, SELLER, SVEA_ADMIN};

/// `GET /setup`: the pre-session cookie (`name=value`) and the form's CSRF token.
pub(crate) async fn setup_form(app: &Router) -> (String, String) {
    let page = get(app, "/setup").await;
    assert_eq!(page.status, 200, "{page:?}");
    let set_cookie = page.header("set-cookie");
    assert!(
        set_cookie.starts_with("__Host-oneflow-setup="),
        "{set_cookie}"
    );
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("Secure"));
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let csrf = attribute_after(&page.body, "name=\"csrf\" value=\"");
    (cookie, csrf)
}

/// The text between `marker` and the next `"`.
pub(crate) fn attribute_after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"))
        + marker.len();
    html[start..][..html[start..].find('"').unwrap()].to_owned()
}

pub(crate) async fn post_form(
    app: &Router,
    uri: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> Answer {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let mut request =
        Request::post(uri).header("content-type", "application/x-www-form-urlencoded");
    if !cookie.is_empty() {
        request = request.header("cookie", cookie);
    }
    send(app, request.body(Body::from(body)).unwrap()).await
}

/// Starts setup through `POST /setup` (with the API token) as `starter`, signs in to the
/// sandbox as `signer` and returns the callback page.
async fn setup_through_the_service(
    world: &World,
    app: &Router,
    starter: &str,
    signer: &str,
) -> Answer {
    let (cookie, csrf) = setup_form(app).await;
    let started = post_form(
        app,
        "/setup",
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("api_token", world.of.api_token()),
            ("admin_email", starter),
        ],
    )
    .await;
    assert_eq!(started.status, 303, "{started:?}");
    let authorize = started.header("location").parse().unwrap();
    let callback = world.so.sign_in(&authorize, signer).await.unwrap();
    get(
        app,
        &format!("/superoffice/callback?{}", callback.query().unwrap()),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_through_the_routes_shows_the_report_with_the_flush_url() {
    let world = world().await;
    let app = app(&world);
    let done = setup_through_the_service(&world, &app, ADMIN, ADMIN).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains(MAIN_TENANT), "{}", done.body);
    let flush = attribute_after(&done.body, "id=\"flush-url\" href=\"");
    assert!(flush.starts_with("http"), "{flush}");
    assert!(flush.to_lowercase().contains("flush"), "{flush}");
    // Not framable.
    assert_eq!(done.header("x-frame-options"), "DENY");

    let installation = world.store.installations().await.unwrap().remove(0);
    assert_eq!(installation.state, InstallationState::Active);
    assert_eq!(installation.tenant.as_deref(), Some(MAIN_TENANT));

    // The same callback again: the state was used.
    let again = get(&app, "/superoffice/callback?state=made-up&code=x").await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains("no longer valid"), "{}", again.body);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_refusals_say_what_to_fix() {
    let world = world().await;
    let app = app(&world);

    let seller = setup_through_the_service(&world, &app, SELLER, SELLER).await;
    assert_eq!(seller.status, 403, "{}", seller.body);
    assert!(
        seller.body.contains("not a SuperOffice administrator"),
        "{}",
        seller.body
    );

    let mismatch = setup_through_the_service(&world, &app, ADMIN, SVEA_ADMIN).await;
    assert_eq!(mismatch.status, 403, "{}", mismatch.body);
    assert!(
        mismatch.body.contains("another e-mail address"),
        "{}",
        mismatch.body
    );
    assert!(mismatch.body.contains(ADMIN) && mismatch.body.contains(SVEA_ADMIN));

    let done = setup_through_the_service(&world, &app, ADMIN, ADMIN).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let bound = setup_through_the_service(&world, &app, SVEA_ADMIN, SVEA_ADMIN).await;
    assert_eq!(bound.status, 409, "{}", bound.body);
    assert!(bound.body.contains("connected already"), "{}", bound.body);
    assert!(bound.body.contains(MAIN_TENANT), "{}", bound.body);

    for (token, says) in [
        ("not-a-token", "exactly 40 characters"),
        (
            "0000000000aaaaaaaaaa0000000000aaaaaaaaaa",
            "refused the API token",
        ),
    ] {
        let (cookie, csrf) = setup_form(&app).await;
        let answer = post_form(
            &app,
            "/setup",
            &cookie,
            &[
                ("csrf", csrf.as_str()),
                ("api_token", token),
                ("admin_email", ADMIN),
            ],
        )
        .await;
        assert_eq!(answer.status, 400, "{}", answer.body);
        assert!(answer.body.contains(says), "{}", answer.body);
        assert!(answer.body.contains("id=\"setup-error\""));
        assert!(!answer.body.contains(token), "the token is not echoed");
    }
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_superoffice_admin_who_is_no_oneflow_admin_is_told_so() {
    let harness = crate::store::harness::memory().await.unwrap();
    let world = World::start_with(
        harness,
        Options {
            oneflow_admin_is_admin: false,
            ..Options::default()
        },
    )
    .await;
    let app = app(&world);
    let refused = setup_through_the_service(&world, &app, ADMIN, ADMIN).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body.contains("not a Oneflow administrator"),
        "{}",
        refused.body
    );
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_setup_form_needs_its_csrf_token_and_cookie() {
    let world = world().await;
    let app = app(&world);
    let (cookie, csrf) = setup_form(&app).await;
    let (other_cookie, _) = setup_form(&app).await;
    let fields = |token: &'static str| -> Vec<(&'static str, &'static str)> {
        vec![
            ("csrf", token),
            ("installation", "1"),
            ("admin_email", "a@b.example"),
        ]
    };
    let csrf: &'static str = Box::leak(csrf.into_boxed_str());
    for (cookie, fields) in [
        ("", fields(csrf)),                    // no pre-session cookie
        (cookie.as_str(), fields("")),         // no token
        (cookie.as_str(), fields("AAAA")),     // a wrong token
        (other_cookie.as_str(), fields(csrf)), // the token of another cookie
    ] {
        let answer = post_form(&app, "/setup", cookie, &fields).await;
        assert_eq!(answer.status, 403, "{answer:?}");
        assert!(answer.body.contains("reload the page"), "{}", answer.body);
    }
    // With both: it gets past CSRF (installation 1 is unknown).
    let answer = post_form(&app, "/setup", &cookie, &fields(csrf)).await;
    assert_eq!(answer.status, 404, "{answer:?}");
    world.finish().await;
}
