//! In a real browser (headless Chromium over WebDriver): the SuperOffice sandbox's Sale screen
//! frames a web panel served on another site, with its URL template variables substituted.
//! Skipped with a notice when Chromium or chromedriver is missing, except under `CI=true`.

use std::net::SocketAddr;

use axum::extract::RawQuery;
use axum::http::{header, HeaderMap};
use axum::response::{AppendHeaders, Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use fantoccini::Locator;
use serde_json::json;
use superoffice_sandbox::{default_seed, SuperOfficeSandbox};
use tests::browser::{Browser, BrowserOptions};

/// Group 1 ("Sales") may see the panel; Ada Admin is in group 2 ("Management").
const VISIBLE_GROUP: i32 = 1;

/// A tiny page on `127.0.0.1` (another site than the sandbox UI on `localhost`) that shows
/// the query it was loaded with and the cookies it received, and sets two `SameSite=None`
/// cookies: `panel_probe` (refused in a cross-site frame when third-party cookies are
/// blocked) and `panel_chips`, `Partitioned` (kept per top-level site even then).
async fn start_echo_panel() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    async fn panel(RawQuery(query): RawQuery, headers: HeaderMap) -> impl IntoResponse {
        let escape = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        };
        let cookies = headers
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none");
        (
            AppendHeaders([
                (
                    header::SET_COOKIE,
                    "panel_probe=1; Path=/; SameSite=None; Secure; HttpOnly",
                ),
                (
                    header::SET_COOKIE,
                    "panel_chips=1; Path=/; SameSite=None; Secure; HttpOnly; Partitioned",
                ),
            ]),
            Html(format!(
                "<!DOCTYPE html><html><body><h1>Echo panel</h1><p id=\"query\">{}</p><p id=\"cookies\">{}</p></body></html>",
                escape(query.as_deref().unwrap_or("")),
                escape(cookies)
            )),
        )
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind echo panel");
    let addr = listener.local_addr().expect("addr");
    let app = Router::new().route("/panel", get(panel));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, server)
}

/// A sandbox with the "Oneflow Contract" panel on the Sale screen, visible to group 1 only.
async fn sandbox_with_panel(echo: SocketAddr) -> SuperOfficeSandbox {
    let sandbox = SuperOfficeSandbox::start().await.expect("sandbox");
    let panel = sandbox
        .create_web_panel(
            default_seed::MAIN_TENANT,
            &json!({
                "Name": "Oneflow Contract",
                "VisibleIn": "SaleArchive",
                "ProgId": "oneflow-contract",
                "WindowName": "oneflow_contract",
                "Url": format!("http://{echo}/panel?ctx=<uctx>&sale=<said>&user=<usid>"),
            }),
        )
        .expect("web panel");
    let id = i32::try_from(panel["WebPanelId"].as_i64().expect("id")).expect("i32");
    sandbox
        .set_web_panel_user_groups(default_seed::MAIN_TENANT, id, &[VISIBLE_GROUP])
        .expect("user groups");
    sandbox
}

/// Reads `#id` inside the Sale screen's panel iframe, then returns to the page.
async fn read_in_panel(browser: &Browser, id: &str) -> String {
    let client = browser.client();
    let frame = client
        .find(Locator::Css("iframe#panel-frame"))
        .await
        .expect("the panel iframe");
    frame.enter_frame().await.expect("enter the iframe");
    let text = client
        .wait()
        .for_element(Locator::Id(id))
        .await
        .expect("the echo page inside the iframe")
        .text()
        .await
        .expect("text");
    client.enter_parent_frame().await.expect("leave the iframe");
    text
}

#[tokio::test]
async fn sale_screen_shows_the_oneflow_tab_to_a_visible_group_only() {
    let Some(browser) = Browser::launch(BrowserOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    else {
        return;
    };
    let (echo, _server) = start_echo_panel().await;
    let sandbox = sandbox_with_panel(echo).await;
    let sale = sandbox
        .sale_screen_url(default_seed::MAIN_TENANT, default_seed::OPEN_SALE_ID)
        .expect("sale screen url");
    let client = browser.client();

    // Without a session the Sale screen sends the browser to the sandbox's sign-in form.
    client.goto(sale.as_str()).await.expect("goto");
    let here = client.current_url().await.expect("url");
    assert_eq!(here.path(), "/login", "{here}");

    browser
        .open_signed_in(&sale, default_seed::SELLER_EMAIL)
        .await
        .expect("sign in as the seller");
    let heading = client.find(Locator::Css("h1")).await.expect("h1");
    assert_eq!(
        heading.text().await.expect("text"),
        "Fleet tracking licence"
    );
    let tab = client
        .find(Locator::LinkText("Oneflow Contract"))
        .await
        .expect("the Oneflow Contract tab");
    assert_eq!(
        tab.attr("aria-current").await.expect("attr").as_deref(),
        Some("page")
    );
    // The iframe loaded the panel from the other site with the variables substituted.
    assert_eq!(
        read_in_panel(&browser, "query").await,
        "ctx=Cust12345&sale=101&user=6"
    );
    let shot = browser
        .screenshot("sale-screen-oneflow-tab")
        .await
        .expect("screenshot");
    assert!(std::fs::metadata(&shot).expect("screenshot file").len() > 0);

    // A user of a group the panel is hidden for sees the Sale, but no tab and no iframe.
    client
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .expect("sign out button")
        .click()
        .await
        .expect("sign out");
    // Sign-out answers with a redirect to the sign-in page; wait for that page so the next
    // navigation cannot overtake the sign-out (it would still carry the seller's session).
    client
        .wait()
        .for_element(Locator::Css("form[action='/login'] select#email"))
        .await
        .expect("the sign-in page after signing out");
    browser
        .open_signed_in(&sale, default_seed::ADMIN_EMAIL)
        .await
        .expect("sign in as the admin");
    let page = client.find(Locator::Css("main")).await.expect("main");
    let text = page.text().await.expect("text");
    assert!(text.contains("Fleet tracking licence"), "{text}");
    assert!(
        text.contains("No web panels on this Sale screen."),
        "{text}"
    );
    assert!(client
        .find_all(Locator::LinkText("Oneflow Contract"))
        .await
        .expect("find_all")
        .is_empty());
    assert!(client
        .find_all(Locator::Css("iframe"))
        .await
        .expect("find_all")
        .is_empty());
    browser
        .screenshot("sale-screen-hidden-group")
        .await
        .expect("screenshot");
    browser.close().await;
}

/// The cookie the echo panel saw on its second load inside the Sale screen.
async fn panel_cookie_after_reload(options: BrowserOptions) -> Option<String> {
    let browser = Browser::launch(options)
        .await
        .unwrap_or_else(|e| panic!("{e}"))?;
    let (echo, _server) = start_echo_panel().await;
    let sandbox = sandbox_with_panel(echo).await;
    let sale = sandbox
        .sale_screen_url(default_seed::MAIN_TENANT, default_seed::OPEN_SALE_ID)
        .expect("sale screen url");
    browser
        .open_signed_in(&sale, default_seed::SELLER_EMAIL)
        .await
        .expect("sign in");
    assert_eq!(read_in_panel(&browser, "cookies").await, "none");
    browser.client().refresh().await.expect("reload");
    let cookies = read_in_panel(&browser, "cookies").await;
    browser.close().await;
    Some(cookies)
}

#[tokio::test]
async fn blocking_third_party_cookies_leaves_the_framed_panel_only_partitioned_cookies() {
    let Some(allowed) = panel_cookie_after_reload(BrowserOptions::default()).await else {
        return;
    };
    let mut allowed: Vec<&str> = allowed.split("; ").collect();
    allowed.sort_unstable();
    assert_eq!(
        allowed,
        ["panel_chips=1", "panel_probe=1"],
        "a default browser keeps the frame's cookies"
    );
    let blocked =
        panel_cookie_after_reload(BrowserOptions::default().block_third_party_cookies(true))
            .await
            .expect("browser");
    assert_eq!(
        blocked, "panel_chips=1",
        "only the partitioned cookie survives blocked third-party cookies"
    );
}

// ------------------------------------------------------------------------------------------
// The real service: the demo's sandboxes and `integration_core::server` (examples::service).
// ------------------------------------------------------------------------------------------

use std::future::Future;
use std::time::Duration;

use examples::service::{DemoService, ServiceOptions};
use fantoccini::wd::WindowHandle;

/// How long a page, a pop-up or a state may take to appear.
const DEADLINE: Duration = Duration::from_secs(20);

/// Polls `check` until it yields `Some` or [`DEADLINE`] passes (a WebDriver round trip per
/// poll; for conditions the WebDriver waits cannot express, like a window count).
async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tick.tick().await;
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} within {DEADLINE:?}"
        );
    }
}

/// The service with the integration connected through `/setup`.
async fn connected_service() -> DemoService {
    let service = DemoService::start(ServiceOptions::default())
        .await
        .expect("service");
    let report = service
        .connect(default_seed::ADMIN_EMAIL, default_seed::ADMIN_EMAIL)
        .await
        .expect("setup");
    assert_eq!(report.status, 200, "{}", report.body);
    service
}

/// Enters the Sale screen's panel iframe (from the top of the page).
async fn enter_panel(browser: &Browser) {
    let client = browser.client();
    client
        .wait()
        .at_most(DEADLINE)
        .for_element(Locator::Css("iframe#panel-frame"))
        .await
        .expect("the panel iframe")
        .enter_frame()
        .await
        .expect("enter the iframe");
}

/// In the panel, the link `link` ("sign-in", or "switch-account" when someone is signed in)
/// opens the pop-up; picks `email` on SuperOffice's sign-in page there; the pop-up hands the
/// code to the frame and closes; the frame reloads signed in as `email`. Ends inside the
/// frame.
async fn sign_in_through_the_pop_up(browser: &Browser, email: &str, link: &str) {
    let client = browser.client();
    let main: WindowHandle = client.window().await.expect("window");
    enter_panel(browser).await;
    client
        .wait()
        .at_most(DEADLINE)
        .for_element(Locator::Id(link))
        .await
        .unwrap_or_else(|e| panic!("the {link} link in the panel: {e}"))
        .click()
        .await
        .expect("click sign in");
    let opener = &main;
    let popup = until("the sign-in pop-up opens", || async move {
        client
            .windows()
            .await
            .ok()?
            .into_iter()
            .find(|w| w != opener)
    })
    .await;
    client.switch_to_window(popup).await.expect("to the pop-up");
    client
        .wait()
        .at_most(DEADLINE)
        .for_element(Locator::Css("select[name=email]"))
        .await
        .expect("SuperOffice's sign-in page in the pop-up")
        .select_by_value(email)
        .await
        .expect("pick the user");
    client
        .find(Locator::Css("button[name=consent]"))
        .await
        .expect("Allow")
        .click()
        .await
        .expect("allow");
    until("the pop-up closes itself", || async move {
        let windows = client.windows().await.ok()?;
        (windows.len() == 1).then_some(())
    })
    .await;
    client
        .switch_to_window(main)
        .await
        .expect("back to the Sale");
    enter_panel(browser).await;
    // The frame reloads after the hand-off; until then it may still show the page before.
    let who = until("the panel shows who signed in", || async move {
        let who = client
            .find(Locator::Css("header .who"))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        who.contains(email).then_some(who)
    })
    .await;
    assert!(who.contains(email), "{who}");
}

/// Clicks the button labelled `label` and waits until the frame shows the next page (the
/// old page's heading goes stale, the new one appears).
async fn submit_and_wait(browser: &Browser, label: &str) {
    let client = browser.client();
    let old = client
        .find(Locator::Css("h1"))
        .await
        .expect("the page's heading");
    client
        .find(Locator::XPath(&format!(
            "//button[normalize-space()='{label}']"
        )))
        .await
        .unwrap_or_else(|e| panic!("{label}: {e}"))
        .click()
        .await
        .expect("submit");
    let old = &old;
    until("the next page replaces this one", || async move {
        old.text().await.is_err().then_some(())
    })
    .await;
    client
        .wait()
        .at_most(DEADLINE)
        .for_element(Locator::Css("h1"))
        .await
        .expect("the next page");
}

/// The text of the frame's `<main>`.
async fn main_text(browser: &Browser) -> String {
    browser
        .client()
        .wait()
        .at_most(DEADLINE)
        .for_element(Locator::Css("main"))
        .await
        .expect("main")
        .text()
        .await
        .expect("text")
}

/// In the signed-in panel: a contract from the "Simple order" template, previewed, then
/// created and sent; returns the panel's text listing it.
async fn create_contract_in_the_panel(browser: &Browser) -> String {
    let client = browser.client();
    client
        .find(Locator::Id("template"))
        .await
        .expect("template select")
        .select_by_label("SuperOffice - Simple order (no files)")
        .await
        .expect("pick the template");
    client
        .find(Locator::Id("delivery-send"))
        .await
        .expect("send radio")
        .click()
        .await
        .expect("send");
    for (id, text) in [("subject", "Your order"), ("message", "Please sign.")] {
        let field = client.find(Locator::Id(id)).await.expect(id);
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }
    client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .expect("Preview")
        .click()
        .await
        .expect("preview");
    client
        .wait()
        .at_most(DEADLINE)
        .for_element(Locator::Id("preview-heading"))
        .await
        .expect("the preview");
    client
        .find(Locator::Css("button[formaction]"))
        .await
        .expect("Create contract")
        .click()
        .await
        .expect("create");
    client
        .wait()
        .at_most(DEADLINE)
        .for_element(Locator::Css("td[class^=state-]"))
        .await
        .expect("the contract listed");
    main_text(browser).await
}

/// The seller opens Sale 101, signs in through the pop-up, creates a contract and sees it
/// listed with its state. Returns the listing.
async fn seller_creates_a_contract(
    browser: &Browser,
    service: &DemoService,
    link: &str,
    screenshot: Option<&str>,
) -> String {
    let sale = service
        .superoffice
        .sale_screen_url(default_seed::MAIN_TENANT, default_seed::OPEN_SALE_ID)
        .expect("sale screen url");
    browser
        .open_signed_in(&sale, default_seed::SELLER_EMAIL)
        .await
        .expect("sign in to SuperOffice as the seller");
    browser
        .client()
        .find(Locator::LinkText("Oneflow Contract"))
        .await
        .expect("the seller's group sees the tab");
    sign_in_through_the_pop_up(browser, default_seed::SELLER_EMAIL, link).await;
    let listing = create_contract_in_the_panel(browser).await;
    assert!(listing.contains("Fleet tracking licence"), "{listing}");
    assert!(listing.contains("Open in Oneflow"), "{listing}");
    assert!(
        listing.contains("Sent, awaiting signatures"),
        "the state is shown: {listing}"
    );
    if let Some(name) = screenshot {
        browser.client().enter_parent_frame().await.expect("top");
        let shot = browser.screenshot(name).await.expect("screenshot");
        assert!(std::fs::metadata(&shot).expect("file").len() > 0);
    }
    listing
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_toggles_mapping_and_hides_the_tab_then_a_seller_creates_a_contract() {
    let Some(browser) = Browser::launch(BrowserOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    else {
        return;
    };
    let service = connected_service().await;
    let client = browser.client();
    let sale = service
        .superoffice
        .sale_screen_url(default_seed::MAIN_TENANT, default_seed::OPEN_SALE_ID)
        .expect("sale screen url");

    // The admin: the panel, then "Oneflow Settings" inside it.
    browser
        .open_signed_in(&sale, default_seed::ADMIN_EMAIL)
        .await
        .expect("sign in as the admin");
    sign_in_through_the_pop_up(&browser, default_seed::ADMIN_EMAIL, "sign-in").await;
    client
        .find(Locator::LinkText("Oneflow Settings"))
        .await
        .expect("admins get the settings link")
        .click()
        .await
        .expect("open settings");
    let toggle = client
        .wait()
        .at_most(DEADLINE)
        .for_element(Locator::Id("stage_mapping_enabled"))
        .await
        .expect("the stage-mapping toggle");
    assert!(toggle.is_selected().await.expect("state"), "on by default");
    toggle.click().await.expect("switch it off");
    // Archiving needs a document template this tenant does not have: off as well.
    let archive = client
        .find(Locator::Id("archive_signed_pdf"))
        .await
        .expect("archive checkbox");
    if archive.is_selected().await.expect("state") {
        archive.click().await.expect("archiving off");
    }
    submit_and_wait(&browser, "Save settings").await;
    let saved = client
        .find(Locator::Id("stage_mapping_enabled"))
        .await
        .expect("the toggle again");
    assert!(!saved.is_selected().await.expect("state"), "saved as off");
    let installation = service
        .installation(default_seed::MAIN_TENANT)
        .await
        .expect("installation");
    let settings = service
        .engine
        .settings(installation)
        .await
        .expect("settings");
    assert!(!settings.stage_mapping.stage_mapping_enabled);
    client.enter_parent_frame().await.expect("top");
    browser.screenshot("settings").await.expect("screenshot");

    // Hide the tab from the admin's own group ("Management").
    enter_panel(&browser).await;
    client
        .find(Locator::Id("hide-2"))
        .await
        .expect("the Management group's checkbox")
        .click()
        .await
        .expect("tick");
    submit_and_wait(&browser, "Save visibility").await;
    let notice = main_text(&browser).await;
    assert!(!notice.is_empty());
    client.goto(sale.as_str()).await.expect("reload the Sale");
    let text = client
        .wait()
        .at_most(DEADLINE)
        .for_element(Locator::Css("main"))
        .await
        .expect("main")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains("No web panels on this Sale screen."),
        "hidden from Management: {text}"
    );
    assert!(client
        .find_all(Locator::LinkText("Oneflow Contract"))
        .await
        .expect("find_all")
        .is_empty());

    // The seller (group "Sales") still sees it, signs in, creates a contract.
    client
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .expect("sign out")
        .click()
        .await
        .expect("sign out");
    client
        .wait()
        .at_most(DEADLINE)
        .for_element(Locator::Css("form[action='/login'] select#email"))
        .await
        .expect("the sign-in page after signing out");
    // The panel's session is the admin's still (it belongs to the frame, not to SuperOffice's
    // sign-in): the seller uses "Switch account".
    seller_creates_a_contract(
        &browser,
        &service,
        "switch-account",
        Some("sale-screen-panel"),
    )
    .await;

    // A non-admin sees no toggle: the settings page inside the frame is refused.
    enter_panel(&browser).await;
    assert!(client
        .find_all(Locator::LinkText("Oneflow Settings"))
        .await
        .expect("find_all")
        .is_empty());
    client
        .execute(
            "window.location.assign(arguments[0]);",
            vec![json!(format!(
                "/superoffice/settings?ctx={}",
                default_seed::MAIN_TENANT
            ))],
        )
        .await
        .expect("open settings in the frame");
    let refused = client
        .wait()
        .at_most(DEADLINE)
        .for_element(Locator::XPath(
            "//h1[contains(., 'Only for SuperOffice administrators')]",
        ))
        .await;
    assert!(refused.is_ok(), "the seller is refused");
    assert!(client
        .find_all(Locator::Id("stage_mapping_enabled"))
        .await
        .expect("find_all")
        .is_empty());
    browser.close().await;
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_third_party_cookies_blocked_the_pop_up_sign_in_and_the_form_still_work() {
    let Some(browser) = Browser::launch(BrowserOptions::default().block_third_party_cookies(true))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    else {
        return;
    };
    let service = connected_service().await;
    seller_creates_a_contract(
        &browser,
        &service,
        "sign-in",
        Some("sale-screen-panel-blocked-cookies"),
    )
    .await;
    browser.close().await;
    service.shutdown().await;
}
