//! The web UI's Sale screen over raw HTTP: sign-in, tabs per user group, URL template
//! substitution, escaping and framing rules.

use reqwest::header::{HeaderMap, CONTENT_SECURITY_POLICY, COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::json;
use superoffice_sandbox::{
    default_seed, CompanySeed, PersonSeed, SaleSeed, SuperOfficeSandbox, TenantSeed, UserSeed,
};

const PANEL_URL: &str =
    "http://127.0.0.1:9/so/sale?ctx=<uctx>&sale=<said>&user=<usid>&company=<cuid>&sec=<usec>&x=<zzzz>";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn get(url: &str, cookie: Option<&str>) -> Page {
    let mut request = http().get(url);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = request.send().await.expect("GET");
    Page {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.text().await.expect("body"),
    }
}

/// Signs `email` in through the form; returns the `Cookie` header value to send.
async fn sign_in(sb: &SuperOfficeSandbox, email: &str) -> String {
    let response = http()
        .post(sb.ui_url().join("login").expect("url"))
        .form(&[("email", email), ("returnUrl", "/")])
        .send()
        .await
        .expect("POST /login");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set_cookie = response
        .headers()
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("Set-Cookie")
        .to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    set_cookie
        .split(';')
        .next()
        .expect("cookie pair")
        .to_owned()
}

/// The Oneflow panel of the main tenant, visible to the Sales group (1) only.
fn add_oneflow_panel(sb: &SuperOfficeSandbox, url: &str, encoding: &str) -> i32 {
    let panel = sb
        .create_web_panel(
            default_seed::MAIN_TENANT,
            &json!({
                "Name": "Oneflow Contract",
                "VisibleIn": "SaleArchive",
                "ProgId": "oneflow-contract",
                "WindowName": "oneflow_contract",
                "UrlEncoding": encoding,
                "Url": url,
            }),
        )
        .expect("panel");
    let id = i32::try_from(panel["WebPanelId"].as_i64().expect("id")).expect("i32");
    sb.set_web_panel_user_groups(default_seed::MAIN_TENANT, id, &[1])
        .expect("groups");
    id
}

fn iframe_src(body: &str) -> String {
    let start = body.find("<iframe").expect("an iframe");
    let tag = &body[start..start + body[start..].find('>').expect("tag end")];
    let src = &tag[tag.find("src=\"").expect("src") + 5..];
    src[..src.find('"').expect("src end")].to_owned()
}

#[tokio::test]
async fn without_a_session_the_sale_screen_redirects_to_sign_in() {
    let sb = SuperOfficeSandbox::start().await.expect("sandbox");
    let url = sb
        .sale_screen_url(default_seed::MAIN_TENANT, default_seed::OPEN_SALE_ID)
        .expect("url");
    assert_eq!(
        url.host_str(),
        Some("localhost"),
        "another site than 127.0.0.1"
    );
    assert_eq!(
        url.as_str(),
        format!(
            "{}Cust12345/default.aspx?sale.main?sale_id=101",
            sb.ui_url()
        )
    );
    assert!(sb.summary().contains(&format!("sale screen {url}")));
    let page = get(url.as_str(), None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.headers[LOCATION],
        "/login?returnUrl=%2FCust12345%2Fdefault.aspx%3Fsale.main%3Fsale_id%3D101"
    );
    // A forged cookie is no session either.
    let forged = get(url.as_str(), Some("SoSandboxUi=forged")).await;
    assert_eq!(forged.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_in_pages_refuse_framing() {
    let sb = SuperOfficeSandbox::start().await.expect("sandbox");
    let page = get(
        sb.ui_url()
            .join("login?returnUrl=/Cust12345/default.aspx")
            .expect("url")
            .as_str(),
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["x-frame-options"], "DENY");
    assert_eq!(
        page.headers[CONTENT_SECURITY_POLICY],
        "frame-ancestors 'none'"
    );
    assert!(page.body.contains("<label for=\"email\">User</label>"));
    assert!(page.body.contains(default_seed::SELLER_EMAIL));

    // The OIDC provider's interactive sign-in page as well: panels must use a pop-up.
    let authorize = format!(
        "{}login/common/oauth/authorize?client_id={}&redirect_uri={}&response_type=code&scope=openid&prompt=login",
        sb.base_url(),
        default_seed::CLIENT_ID,
        default_seed::REDIRECT_URI
    );
    let oidc = get(&authorize, None).await;
    assert_eq!(oidc.status, StatusCode::OK);
    assert_eq!(oidc.headers["x-frame-options"], "DENY");
    assert_eq!(
        oidc.headers[CONTENT_SECURITY_POLICY],
        "frame-ancestors 'none'"
    );
}

#[tokio::test]
async fn signing_in_returns_to_the_sale_screen_and_refuses_unknown_users() {
    let sb = SuperOfficeSandbox::start().await.expect("sandbox");
    let login = sb.ui_url().join("login").expect("url");
    let response = http()
        .post(login.clone())
        .form(&[
            ("email", default_seed::SELLER_EMAIL),
            ("returnUrl", "/Cust12345/default.aspx?sale.main?sale_id=101"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[LOCATION],
        "/Cust12345/default.aspx?sale.main?sale_id=101"
    );

    // Only paths on the UI listener are return targets.
    let response = http()
        .post(login.clone())
        .form(&[
            ("email", default_seed::SELLER_EMAIL),
            ("returnUrl", "//evil.example/"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(response.headers()[LOCATION], "/");

    let response = http()
        .post(login)
        .form(&[("email", "nobody@nordic.example")])
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get(SET_COOKIE).is_none());
    assert!(response
        .text()
        .await
        .expect("body")
        .contains("no active sandbox user"));
}

#[tokio::test]
async fn the_sale_screen_shows_the_fields_and_the_panel_tab_for_a_visible_group() {
    let sb = SuperOfficeSandbox::start().await.expect("sandbox");
    let panel_id = add_oneflow_panel(&sb, PANEL_URL, "None");
    let url = sb
        .sale_screen_url(default_seed::MAIN_TENANT, default_seed::OPEN_SALE_ID)
        .expect("url");
    let cookie = sign_in(&sb, default_seed::SELLER_EMAIL).await;
    let page = get(url.as_str(), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.headers.get("x-frame-options").is_none());
    for text in [
        "<h1>Fleet tracking licence</h1>",
        "<dt>Company</dt><dd>Fjord Shipping ASA</dd>",
        "<dt>Contact</dt><dd>Kari Nordmann</dd>",
        "<dt>Amount</dt><dd>120000 NOK</dd>",
        "<dt>Status</dt><dd>Open</dd>",
        "<dt>Stage</dt><dd>Proposal</dd>",
        "<dt>Probability</dt><dd>50 %</dd>",
        "Signed in as Sam Seller",
    ] {
        assert!(page.body.contains(text), "missing {text} in {}", page.body);
    }
    assert!(page.body.contains(&format!(
        "data-panel-id=\"{panel_id}\" aria-current=\"page\">Oneflow Contract</a>"
    )));
    // <uctx> tenant, <said> sale id, <usid> the seller's associate id, <cuid> the company;
    // <usec> is empty in Online; an unknown variable stays as written (HTML-escaped).
    assert_eq!(
        iframe_src(&page.body),
        "http://127.0.0.1:9/so/sale?ctx=Cust12345&amp;sale=101&amp;user=6&amp;company=2&amp;sec=&amp;x=&lt;zzzz&gt;"
    );
    assert!(page.body.contains("title=\"Oneflow Contract\""));
    assert!(page.body.contains("name=\"oneflow_contract\""));
}

#[tokio::test]
async fn hidden_groups_deleted_panels_and_other_places_show_no_tab() {
    let sb = SuperOfficeSandbox::start().await.expect("sandbox");
    add_oneflow_panel(&sb, PANEL_URL, "None");
    // Deleted, shown on another screen, or not in the web client: never a Sale tab.
    let deleted = sb
        .create_web_panel(
            default_seed::MAIN_TENANT,
            &json!({ "Name": "Old panel", "VisibleIn": "SaleArchive", "Url": "http://127.0.0.1:9/old", "Deleted": true }),
        )
        .expect("deleted panel");
    assert_eq!(deleted["Deleted"], true);
    sb.create_web_panel(
        default_seed::MAIN_TENANT,
        &json!({ "Name": "Sale card panel", "VisibleIn": "SaleCard", "Url": "http://127.0.0.1:9/card" }),
    )
    .expect("card panel");
    sb.create_web_panel(
        default_seed::MAIN_TENANT,
        &json!({ "Name": "Windows only", "VisibleIn": "SaleArchive", "OnSalesMarketingWeb": false, "Url": "http://127.0.0.1:9/win" }),
    )
    .expect("windows panel");
    let url = sb
        .sale_screen_url(default_seed::MAIN_TENANT, default_seed::OPEN_SALE_ID)
        .expect("url");

    // Ada Admin is in group 2 (Management), for which the Oneflow panel is not selected.
    let admin = sign_in(&sb, default_seed::ADMIN_EMAIL).await;
    let page = get(url.as_str(), Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Signed in as Ada Admin"));
    assert!(!page.body.contains("Oneflow Contract"), "{}", page.body);
    assert!(!page.body.contains("<iframe"));
    assert!(page.body.contains("No web panels on this Sale screen."));

    // The seller (group 1) sees exactly the Oneflow tab.
    let seller = sign_in(&sb, default_seed::SELLER_EMAIL).await;
    let page = get(url.as_str(), Some(&seller)).await;
    assert!(page.body.contains("Oneflow Contract"));
    for absent in ["Old panel", "Sale card panel", "Windows only"] {
        assert!(!page.body.contains(absent), "{absent} shown");
    }
    assert_eq!(page.body.matches("data-panel-id=").count(), 1);
}

#[tokio::test]
async fn substituted_values_are_url_encoded_per_panel_and_html_escaped() {
    let tenant = TenantSeed::new("Cust55555", "Quote & Co AS")
        .user(UserSeed::new(5, "seller@quote.example", "Åse \"Q\" Seller").group(1))
        .company(CompanySeed::new(2, "Smith & <Sons>"))
        .person(PersonSeed::new(10, 2, "Ola", "Nordmann"))
        .sale(
            SaleSeed::new(7, "Deal \"A\" & <B>")
                .contact(2, Some(10))
                .amount(1234.5),
        );
    let sb = SuperOfficeSandbox::builder()
        .tenant(tenant)
        .start()
        .await
        .expect("sandbox");
    let add = |name: &str, encoding: &str| {
        sb.create_web_panel(
            "Cust55555",
            &json!({
                "Name": name,
                "VisibleIn": "SaleArchive",
                "UrlEncoding": encoding,
                "Url": "https://p.example/s?h=<sati>&c=<name>&u=<user>&a=<saam>&ctx=<uctx>&usid=<usid>",
            }),
        )
        .expect("panel")["WebPanelId"]
            .as_i64()
            .expect("id")
    };
    let raw = add("Raw <tab>", "None");
    let unicode = add("Unicode", "Unicode");
    let ansi = add("Ansi", "ANSI");
    let cookie = sign_in(&sb, "seller@quote.example").await;
    let base = sb.sale_screen_url("Cust55555", 7).expect("url");
    let src_of = |panel: i64| {
        let url = format!("{base}&panel={panel}");
        let cookie = cookie.clone();
        async move { iframe_src(&get(&url, Some(&cookie)).await.body) }
    };

    // No encoding: the values go in as they are; the HTML attribute is still escaped.
    assert_eq!(
        src_of(raw).await,
        "https://p.example/s?h=Deal &quot;A&quot; &amp; &lt;B&gt;&amp;c=Smith &amp; &lt;Sons&gt;&amp;u=Åse &quot;Q&quot; Seller&amp;a=1234.5&amp;ctx=Cust55555&amp;usid=5"
    );
    assert_eq!(
        src_of(unicode).await,
        "https://p.example/s?h=Deal%20%22A%22%20%26%20%3CB%3E&amp;c=Smith%20%26%20%3CSons%3E&amp;u=%C3%85se%20%22Q%22%20Seller&amp;a=1234.5&amp;ctx=Cust55555&amp;usid=5"
    );
    assert!(src_of(ansi)
        .await
        .contains("&amp;u=%C5se%20%22Q%22%20Seller&amp;"));

    // Names and fields are escaped in the page too.
    let page = get(base.as_str(), Some(&cookie)).await;
    assert!(page
        .body
        .contains("<h1>Deal &quot;A&quot; &amp; &lt;B&gt;</h1>"));
    assert!(page.body.contains(">Raw &lt;tab&gt;</a>"));
    assert!(!page.body.contains("<B>") && !page.body.contains("<tab>"));
}

#[tokio::test]
async fn a_session_of_another_tenant_and_unknown_sales_are_refused() {
    let sb = SuperOfficeSandbox::start().await.expect("sandbox");
    let svea = sign_in(&sb, default_seed::SECOND_ADMIN_EMAIL).await;
    let nordic_sale = sb
        .sale_screen_url(default_seed::MAIN_TENANT, default_seed::OPEN_SALE_ID)
        .expect("url");
    let page = get(nordic_sale.as_str(), Some(&svea)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("signed in to Cust67890"));

    let seller = sign_in(&sb, default_seed::SELLER_EMAIL).await;
    let missing = format!(
        "{}Cust12345/default.aspx?sale.main?sale_id=999",
        sb.ui_url()
    );
    assert_eq!(
        get(&missing, Some(&seller)).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(sb.sale_screen_url(default_seed::MAIN_TENANT, 999).is_err());

    // Signing out ends the session.
    let response = http()
        .post(sb.ui_url().join("logout").expect("url"))
        .header(COOKIE, &seller)
        .send()
        .await
        .expect("logout");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = get(nordic_sale.as_str(), Some(&seller)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}
