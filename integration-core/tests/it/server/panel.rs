//! The panel's sign-in: pop-up, one-time hand-off, the partitioned session cookie.

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use base64::Engine as _;
use chrono::TimeDelta;

use super::setup::{attribute_after, post_form};
use super::{app, get, send, world, Answer};
use crate::engine::world::{World, MAIN_TENANT, SECOND_TENANT, SELLER, SVEA_ADMIN};

/// The frame's URL for Sale 101 (the parameters are hints).
const PANEL: &str = "/superoffice/panel?sale=101&ctx=Cust12345&user=6";

async fn get_with_cookie(app: &Router, uri: &str, cookie: &str) -> Answer {
    send(
        app,
        Request::get(uri)
            .header("cookie", cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// Signs `email` in through the pop-up routes; returns the hand-off page.
async fn pop_up_sign_in(world: &World, app: &Router, email: &str, switch: bool) -> Answer {
    let start = get(
        app,
        &format!(
            "/superoffice/panel/sign-in?ctx={MAIN_TENANT}{}",
            if switch { "&switch=1" } else { "" }
        ),
    )
    .await;
    assert_eq!(start.status, 303, "{start:?}");
    let authorize: url::Url = start.header("location").parse().unwrap();
    assert!(
        authorize.path().contains(MAIN_TENANT),
        "a tenant-specific authorize URL: {authorize}"
    );
    let prompt = authorize
        .query_pairs()
        .find(|(k, _)| k == "prompt")
        .map(|(_, v)| v.into_owned());
    assert_eq!(prompt.as_deref(), switch.then_some("select_account"));
    let callback = world.so.sign_in(&authorize, email).await.unwrap();
    get(
        app,
        &format!("/superoffice/callback?{}", callback.query().unwrap()),
    )
    .await
}

/// Trades the hand-off page's code for the session cookie (`name=value`).
async fn take_session(app: &Router, handoff: &Answer) -> (Answer, String) {
    let code = attribute_after(&handoff.body, "data-code=\"");
    let answer = post_form(app, "/superoffice/panel/session", "", &[("code", &code)]).await;
    let cookie = answer
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    (answer, cookie)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_session_the_framable_panel_offers_the_pop_up_sign_in() {
    let world = world().await;
    world.installed().await;
    let app = app(&world);
    let page = get(&app, PANEL).await;
    assert_eq!(page.status, 401);
    assert!(
        page.body
            .contains("href=\"/superoffice/panel/sign-in?ctx=Cust12345\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("src=\"/static/panel.js\""));
    // SuperOffice may frame it; nothing else may.
    let csp = page.header("content-security-policy");
    assert!(
        csp.contains("frame-ancestors https://*.superoffice.com https://online.superoffice.com"),
        "{csp}"
    );
    assert_eq!(page.header("x-frame-options"), "");
    // The script is served from the crate.
    let script = get(&app, "/static/panel.js").await;
    assert_eq!(script.status, 200);
    assert!(script
        .body
        .contains("event.origin !== window.location.origin"));
    let handoff = get(&app, "/static/handoff.js").await;
    assert!(handoff.body.contains("postMessage"));
    assert!(handoff.body.contains(
        "postMessage({ type: \"oneflow-handoff\", code: code }, window.location.origin)"
    ));
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pop_up_hands_a_one_time_code_to_the_frame_for_a_partitioned_cookie() {
    let world = world().await;
    world.installed().await;
    let app = app(&world);

    let handoff = pop_up_sign_in(&world, &app, SELLER, false).await;
    assert_eq!(handoff.status, 200, "{}", handoff.body);
    assert!(handoff.body.contains("src=\"/static/handoff.js\""));
    assert_eq!(handoff.header("x-frame-options"), "DENY");
    assert_eq!(
        handoff.header("set-cookie"),
        "",
        "the pop-up sets no cookie"
    );

    let (answer, cookie) = take_session(&app, &handoff).await;
    assert_eq!(answer.status, 204, "{answer:?}");
    let set_cookie = answer.header("set-cookie");
    assert!(
        set_cookie.starts_with("__Host-oneflow-panel="),
        "{set_cookie}"
    );
    for attribute in [
        "Secure",
        "HttpOnly",
        "SameSite=None",
        "Partitioned",
        "Path=/",
    ] {
        assert!(
            set_cookie.split("; ").any(|a| a == attribute),
            "{attribute} in {set_cookie}"
        );
    }
    assert!(!set_cookie.contains("Domain"));
    // Browsers keep cookies up to 4096 bytes (name, value and attributes).
    eprintln!("session Set-Cookie: {} bytes", set_cookie.len());
    assert!(set_cookie.len() < 4096, "{} bytes", set_cookie.len());

    // The code works once.
    let (replayed, _) = take_session(&app, &handoff).await;
    assert_eq!(replayed.status, 401, "{replayed:?}");

    // The cookie holds nothing in clear.
    let value = cookie.split_once('=').unwrap().1;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .unwrap();
    let text = String::from_utf8_lossy(&raw);
    for clear in [SELLER, MAIN_TENANT, "8A:", "access", "tok"] {
        assert!(!text.contains(clear), "{clear} in the cookie");
    }

    // Signed in.
    let page = get_with_cookie(&app, PANEL, &cookie).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(SELLER), "{}", page.body);
    assert_eq!(page.header("x-frame-options"), "");

    // A session for another tenant than the frame's is refused.
    let foreign = get_with_cookie(
        &app,
        &format!("/superoffice/panel?sale=101&ctx={SECOND_TENANT}"),
        &cookie,
    )
    .await;
    assert_eq!(foreign.status, 403, "{}", foreign.body);

    // A tampered cookie is no session.
    let mut tampered = raw.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x55;
    let tampered = format!(
        "__Host-oneflow-panel={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tampered)
    );
    assert_eq!(get_with_cookie(&app, PANEL, &tampered).await.status, 401);

    // An expired one neither.
    world.clock.advance(TimeDelta::days(2));
    assert_eq!(get_with_cookie(&app, PANEL, &cookie).await.status, 401);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switch_account_asks_for_the_account_chooser_and_foreign_users_are_refused() {
    let world = world().await;
    world.installed().await;
    let app = app(&world);
    // The sandbox shows its chooser for prompt=select_account; picking the seller signs in.
    let handoff = pop_up_sign_in(&world, &app, SELLER, true).await;
    assert_eq!(handoff.status, 200, "{}", handoff.body);

    // A user of another tenant cannot sign in to this tenant: SuperOffice refuses.
    let refused = pop_up_sign_in(&world, &app, SVEA_ADMIN, false).await;
    assert_eq!(refused.status, 502, "{}", refused.body);
    assert!(
        refused.body.contains("did not complete the sign-in"),
        "{}",
        refused.body
    );

    // Unknown tenants and codes.
    let unknown = get(&app, "/superoffice/panel/sign-in?ctx=Cust99999").await;
    assert_eq!(unknown.status, 404);
    let no_code = post_form(
        &app,
        "/superoffice/panel/session",
        "",
        &[("code", "made-up")],
    )
    .await;
    assert_eq!(no_code.status, 401);
    let cross = send(
        &app,
        Request::post("/superoffice/panel/session")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", "https://evil.example")
            .body(Body::from("code=x"))
            .unwrap(),
    )
    .await;
    assert_eq!(cross.status, 403);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_and_panel_sign_ins_are_not_interchangeable() {
    use integration_core::engine::{EngineError, PanelSignInHints};
    let world = world().await;
    let id = world.installed().await;
    let engine = &world.engine;

    let url = engine
        .begin_panel_sign_in(id, PanelSignInHints::new())
        .await
        .unwrap();
    let callback = world.so.sign_in(&url, SELLER).await.unwrap();
    let error = engine.complete_setup(callback.as_str()).await.unwrap_err();
    assert!(matches!(error, EngineError::UnknownState), "{error:?}");

    let url = engine
        .begin_setup(id, crate::engine::world::ADMIN)
        .await
        .unwrap();
    let callback = world
        .so
        .sign_in(&url, crate::engine::world::ADMIN)
        .await
        .unwrap();
    let error = engine
        .complete_panel_sign_in(callback.as_str())
        .await
        .unwrap_err();
    assert!(matches!(error, EngineError::UnknownState), "{error:?}");

    let url = engine
        .begin_panel_sign_in(id, PanelSignInHints::new().login_hint(SELLER))
        .await
        .unwrap();
    assert!(url.query().unwrap().contains("login_hint="));
    let callback = world.so.sign_in(&url, SELLER).await.unwrap();
    let user = engine
        .complete_panel_sign_in(callback.as_str())
        .await
        .unwrap();
    assert_eq!(user.installation, id);
    assert_eq!(user.tenant, MAIN_TENANT);
    assert_eq!(user.email, SELLER);
    assert!(!user.is_administrator);
    assert!(user.associate_id > 0);
    assert!(!format!("{user:?}").contains(secrecy::ExposeSecret::expose_secret(&user.access_token)));
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_off_code_expires_after_two_minutes() {
    let world = world().await;
    world.installed().await;
    let app = app(&world);
    let handoff = pop_up_sign_in(&world, &app, SELLER, false).await;
    world.clock.advance(TimeDelta::seconds(121));
    let (late, _) = take_session(&app, &handoff).await;
    assert_eq!(late.status, 401, "{late:?}");
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_secure_cookies_the_session_cookie_is_lax_and_unprefixed() {
    let world = world().await;
    world.installed().await;
    let app = super::app_with(
        &world,
        integration_core::server::ServerConfig::builder(super::COOKIE_KEY)
            .secure_cookies(false)
            .build()
            .unwrap(),
    );
    let handoff = pop_up_sign_in(&world, &app, SELLER, false).await;
    let (answer, cookie) = take_session(&app, &handoff).await;
    assert_eq!(answer.status, 204);
    let set_cookie = answer.header("set-cookie");
    assert!(set_cookie.starts_with("oneflow-panel="), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax") && set_cookie.contains("HttpOnly"));
    assert!(!set_cookie.contains("Secure") && !set_cookie.contains("Partitioned"));
    assert_eq!(get_with_cookie(&app, PANEL, &cookie).await.status, 200);
    world.finish().await;
}
