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
