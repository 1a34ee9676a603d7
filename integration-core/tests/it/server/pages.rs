//! The "Oneflow Contract" panel and "Oneflow Settings" through the router, against both
//! sandboxes, with sessions from the real pop-up sign-in.

use axum::body::Body;
use axum::http::Request;
use axum::Router;

use super::setup::{attribute_after, post_form};
use super::{app, get, send, world, Answer};
use crate::engine::world::{World, ADMIN, MAIN_TENANT, PDF, SELLER};

const PANEL_101: &str = "/superoffice/panel?sale=101&ctx=Cust12345&user=6";

/// Signs `email` in through the pop-up routes and the hand-off; returns the `Cookie` value.
async fn session(world: &World, app: &Router, email: &str) -> String {
    let start = get(
        app,
        &format!("/superoffice/panel/sign-in?ctx={MAIN_TENANT}"),
    )
    .await;
    assert_eq!(start.status, 303, "{start:?}");
    let authorize: url::Url = start.header("location").parse().unwrap();
    let callback = world.so.sign_in(&authorize, email).await.unwrap();
    let handoff = get(
        app,
        &format!("/superoffice/callback?{}", callback.query().unwrap()),
    )
    .await;
    assert_eq!(handoff.status, 200, "{}", handoff.body);
    let code = attribute_after(&handoff.body, "data-code=\"");
    let answer = post_form(app, "/superoffice/panel/session", "", &[("code", &code)]).await;
    assert_eq!(answer.status, 204, "{answer:?}");
    answer
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

async fn get_as(app: &Router, uri: &str, cookie: &str) -> Answer {
    send(
        app,
        Request::get(uri)
            .header("cookie", cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// A `multipart/form-data` POST: text fields, then files (field, file name, type, bytes).
async fn post_multipart(
    app: &Router,
    uri: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> Answer {
    let boundary = "pagesTestBoundary7";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file_name, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    send(
        app,
        Request::post(uri)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("cookie", cookie)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// The hidden `csrf` and `request_key` of a rendered panel.
fn tokens(page: &Answer) -> (String, String) {
    (
        attribute_after(&page.body, "name=\"csrf\" value=\""),
        attribute_after(&page.body, "name=\"request_key\" value=\""),
    )
}

fn contracts_created(world: &World) -> usize {
    world
        .of
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/contracts/create") && r.status < 300)
        .count()
}

/// The form's fields for Sale 101: Kari Nordmann (row 0) signs for the company by e-mail,
/// the owner (row 2) signs on our side; row 1 (Ola Hansen) is left out.
fn fields<'a>(
    csrf: &'a str,
    key: &'a str,
    template: &'a str,
    delivery: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("request_key", key),
        ("sale", "101"),
        ("name", ""),
        ("template", template),
        ("p0.who", "person:10"),
        ("p0.include", "on"),
        ("p0.party", "company"),
        ("p0.role", "signatory"),
        ("p0.channel", "email"),
        ("p0.sign", ""),
        ("p1.who", "person:11"),
        ("p1.party", "company"),
        ("p1.role", "viewer"),
        ("p1.channel", "email"),
        ("p2.who", "owner"),
        ("p2.include", "on"),
        ("p2.party", "owner"),
        ("p2.role", "signatory"),
        ("delivery", delivery),
        ("subject", "Your contract"),
        ("message", "Please review and sign."),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_lists_contracts_previews_and_creates_once_per_request_key() {
    let world = world().await;
    let id = world.installed().await;
    let app = app(&world);
    let earlier = world.send_contract(id, 101).await;
    let cookie = session(&world, &app, SELLER).await;

    let page = get_as(&app, PANEL_101, &cookie).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("x-frame-options"), "", "SuperOffice frames it");
    assert!(page.body.contains("Fleet tracking licence"));
    assert!(page.body.contains("Sent, awaiting signatures"));
    assert!(page.body.contains(&format!(
        "href=\"https://app.oneflow.com/contracts/{earlier}\""
    )));
    assert!(page.body.contains("Kari Nordmann"));
    assert!(page.body.contains("Switch account"));
    assert!(!page.body.contains("Oneflow Settings"), "not for a seller");
    let (csrf, key) = tokens(&page);
    let template = world.pdf_template(id).await;
    let template = format!("{}:{}", template.workspace_id, template.template.id);
    assert!(page.body.contains(&format!("value=\"{template}\"")));

    // Preview: the checked draft, nothing created.
    let before = contracts_created(&world);
    let preview = post_multipart(
        &app,
        "/superoffice/panel/preview",
        &cookie,
        &fields(&csrf, &key, &template, "send"),
        &[("pdf", "offer.pdf", "application/pdf", PDF)],
    )
    .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(preview
        .body
        .contains("Preview: the contract as it will be created"));
    assert!(preview.body.contains("Company: Fjord Shipping ASA"));
    assert!(preview.body.contains("offer.pdf — PDF document"));
    assert!(preview.body.contains("Create contract"));
    assert!(preview.body.contains("name=\"kept0.data\""));
    assert_eq!(contracts_created(&world), before);

    // Create (the PDF carried by the preview page), then the same submit again.
    let data = attribute_after(&preview.body, "name=\"kept0.data\" value=\"");
    let mut create_fields = fields(&csrf, &key, &template, "send");
    create_fields.extend([
        ("kept0.name", "offer.pdf"),
        ("kept0.type", "application/pdf"),
        ("kept0.kind", "pdf"),
        ("kept0.data", data.as_str()),
    ]);
    let mut created = Vec::new();
    for _ in 0..2 {
        let answer = post_multipart(
            &app,
            "/superoffice/panel/contracts",
            &cookie,
            &create_fields,
            &[],
        )
        .await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        let location = answer.header("location").to_owned();
        assert!(location.starts_with("/superoffice/panel?sale=101&ctx=Cust12345&created="));
        created.push(location);
    }
    assert_eq!(created[0], created[1], "a double submit names one contract");
    assert_eq!(contracts_created(&world), before + 1);
    let contract: i64 = created[0].rsplit('=').next().unwrap().parse().unwrap();
    // The PDF carried through the preview was uploaded once, and the contract was sent.
    let uploads = world
        .of
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with(&format!("/contracts/{contract}/files")))
        .count();
    assert_eq!(uploads, 1);
    let stored = world
        .oneflow()
        .contracts()
        .get(contract.into())
        .await
        .unwrap();
    assert_eq!(stored.state, oneflow_client::models::ContractState::Pending);

    // Back on the panel: the notice and both contracts.
    let page = get_as(&app, &created[0], &cookie).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page
        .body
        .contains(&format!("Contract {contract} was created")));
    assert!(page.body.contains(&format!("/contracts/{contract}\"")));
    assert!(page.body.contains(&format!("/contracts/{earlier}\"")));

    // The frame's `sale` is a hint: a Sale SuperOffice does not show this user is refused.
    let unknown = get_as(&app, "/superoffice/panel?sale=9999&ctx=Cust12345", &cookie).await;
    assert_eq!(unknown.status, 403, "{}", unknown.body);
    assert!(unknown.body.contains("You cannot see this Sale"));
    let mut forged = fields(&csrf, &key, &template, "draft");
    forged.retain(|(k, _)| *k != "sale");
    forged.push(("sale", "9999"));
    let answer = post_form(&app, "/superoffice/panel/contracts", &cookie, &forged).await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert_eq!(contracts_created(&world), before + 1);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attachment_on_a_pdf_only_template_is_refused_in_plain_words() {
    let world = world().await;
    let id = world.installed().await;
    let app = app(&world);
    let cookie = session(&world, &app, SELLER).await;
    let page = get_as(&app, PANEL_101, &cookie).await;
    let (csrf, key) = tokens(&page);
    let template = world.pdf_template(id).await;
    let template = format!("{}:{}", template.workspace_id, template.template.id);
    for path in ["/superoffice/panel/preview", "/superoffice/panel/contracts"] {
        let answer = post_multipart(
            &app,
            path,
            &cookie,
            &fields(&csrf, &key, &template, "draft"),
            &[("attachments", "terms.txt", "text/plain", b"our terms")],
        )
        .await;
        assert_eq!(answer.status, 422, "{}", answer.body);
        assert!(
            answer
                .body
                .contains("the template has no &#34;Attachments&#34; section")
                || answer
                    .body
                    .contains("the template has no &quot;Attachments&quot; section"),
            "{}",
            answer.body
        );
        assert!(answer.body.contains("id=\"files-error\""));
        // The form keeps the user's choices.
        assert!(answer
            .body
            .contains(&format!("value=\"{template}\" selected")));
    }
    assert_eq!(contracts_created(&world), 0);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_the_csrf_token_are_refused() {
    let world = world().await;
    let id = world.installed().await;
    let app = app(&world);
    let cookie = session(&world, &app, SELLER).await;
    let page = get_as(&app, PANEL_101, &cookie).await;
    let (_, key) = tokens(&page);
    let template = world.pdf_template(id).await;
    let template = format!("{}:{}", template.workspace_id, template.template.id);
    for csrf in ["", "bm90LXRoZS10b2tlbg"] {
        let answer = post_form(
            &app,
            "/superoffice/panel/contracts",
            &cookie,
            &fields(csrf, &key, &template, "draft"),
        )
        .await;
        assert_eq!(answer.status, 403, "{}", answer.body);
    }
    assert_eq!(contracts_created(&world), 0);
    // Without a session: the sign-in page, whatever the form says.
    let answer = post_form(
        &app,
        "/superoffice/panel/contracts",
        "",
        &fields("x", &key, &template, "draft"),
    )
    .await;
    assert_eq!(answer.status, 401);
    let admin = session(&world, &app, ADMIN).await;
    let answer = post_form(
        &app,
        "/superoffice/settings",
        &admin,
        &[("stage_mapping_enabled", "")],
    )
    .await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(
        world
            .engine
            .settings(id)
            .await
            .unwrap()
            .stage_mapping
            .stage_mapping_enabled
    );
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_403_for_a_seller_and_the_toggle_is_saved_for_an_admin() {
    let world = world().await;
    let id = world.installed().await;
    let app = app(&world);

    let seller = session(&world, &app, SELLER).await;
    let refused = get_as(&app, "/superoffice/settings", &seller).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(!refused.body.contains("stage_mapping_enabled"));
    let csrf = tokens(&get_as(&app, PANEL_101, &seller).await).0;
    let refused = post_form(
        &app,
        "/superoffice/settings",
        &seller,
        &[("csrf", &csrf), ("multi_contract_rule", "any_signed")],
    )
    .await;
    assert_eq!(refused.status, 403);

    let admin = session(&world, &app, ADMIN).await;
    let panel = get_as(&app, PANEL_101, &admin).await;
    assert!(panel
        .body
        .contains("href=\"/superoffice/settings\">Oneflow Settings</a>"));
    let page = get_as(&app, "/superoffice/settings", &admin).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("x-frame-options"), "");
    assert!(page
        .body
        .contains("name=\"stage_mapping_enabled\" value=\"on\" checked"));
    assert!(page
        .body
        .contains("<option value=\"3\">Product fit</option>"));
    assert!(
        page.body.contains("lists@nordic.example"),
        "unmatched users"
    );
    assert!(page.body.contains("setup"), "recent decisions");
    let csrf = attribute_after(&page.body, "name=\"csrf\" value=\"");

    // The toggle off (an unticked box is absent), a won reason, a rule.
    let saved = post_form(
        &app,
        "/superoffice/settings",
        &admin,
        &[
            ("csrf", &csrf),
            ("multi_contract_rule", "all_must_sign"),
            ("won_reason_id", "3"),
            ("lost_reason_id", ""),
            ("archive_document_template_id", ""),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let settings = world.engine.settings(id).await.unwrap();
    assert!(!settings.stage_mapping.stage_mapping_enabled);
    assert_eq!(settings.stage_mapping.won_reason_id, Some(3));
    assert!(!settings.archive_signed_pdf);
    let page = get_as(&app, saved.header("location"), &admin).await;
    assert!(page.body.contains("The settings were saved."));
    assert!(page
        .body
        .contains("name=\"stage_mapping_enabled\" value=\"on\">"));

    // A bad value is shown on its field; nothing changes.
    let bad = post_form(
        &app,
        "/superoffice/settings",
        &admin,
        &[
            ("csrf", &csrf),
            ("stage_mapping_enabled", "on"),
            ("archive_document_template_id", "twelve"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"archive-error\""));
    assert!(bad.body.contains("Enter a positive whole number"));
    assert!(
        !world
            .engine
            .settings(id)
            .await
            .unwrap()
            .stage_mapping
            .stage_mapping_enabled
    );

    // Hide the panel from Sales, then disable and enable.
    let hidden = post_form(
        &app,
        "/superoffice/settings/hide",
        &admin,
        &[("csrf", &csrf), ("hide", "1")],
    )
    .await;
    assert_eq!(hidden.status, 303, "{}", hidden.body);
    let groups = world.engine.panel_groups(id).await.unwrap();
    assert!(
        groups.iter().any(|g| g.id == 1 && !g.sees_panel),
        "{groups:?}"
    );
    let disabled = post_form(
        &app,
        "/superoffice/settings/disable",
        &admin,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(disabled.status, 303);
    let page = get_as(&app, "/superoffice/settings", &admin).await;
    assert!(page
        .body
        .contains("the integration is <strong>disabled</strong>"));
    let enabled = post_form(
        &app,
        "/superoffice/settings/enable",
        &admin,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(enabled.status, 303);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_integration_needs_the_typed_tenant_and_removes_panel_and_webhooks() {
    let world = world().await;
    let id = world.installed().await;
    let app = app(&world);
    let admin = session(&world, &app, ADMIN).await;
    let page = get_as(&app, "/superoffice/settings", &admin).await;
    let csrf = attribute_after(&page.body, "name=\"csrf\" value=\"");

    let unconfirmed = post_form(
        &app,
        "/superoffice/settings/remove",
        &admin,
        &[("csrf", &csrf), ("confirm", "yes")],
    )
    .await;
    assert_eq!(unconfirmed.status, 422);
    assert!(unconfirmed.body.contains("nothing was removed"));
    assert_eq!(world.so.webhooks(MAIN_TENANT).unwrap().len(), 1);

    let removed = post_form(
        &app,
        "/superoffice/settings/remove",
        &admin,
        &[("csrf", &csrf), ("confirm", MAIN_TENANT)],
    )
    .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert!(removed.body.contains("The integration was removed"));
    let panels = world.so.web_panels(MAIN_TENANT).unwrap();
    assert!(
        panels
            .iter()
            .all(|p| p["ProgId"] != "oneflow.superoffice.contract-panel"),
        "{panels:?}"
    );
    assert!(world.so.webhooks(MAIN_TENANT).unwrap().is_empty());
    assert!(world.oneflow().webhooks().list().await.unwrap().is_empty());
    let installation = world.store.installation(id).await.unwrap().unwrap();
    assert_eq!(
        installation.state,
        integration_core::store::InstallationState::Uninstalled
    );
    // The panel says so.
    let panel = get_as(&app, PANEL_101, &admin).await;
    assert_eq!(panel.status, 404, "{}", panel.body);
    assert!(panel.body.contains("removed"), "{}", panel.body);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_up_to_the_limit_pass_and_larger_ones_are_refused_in_plain_words() {
    let world = world().await;
    let id = world.installed().await;
    let app = app(&world);
    let cookie = session(&world, &app, SELLER).await;
    let page = get_as(&app, PANEL_101, &cookie).await;
    let (csrf, key) = tokens(&page);
    let template = world.pdf_template(id).await;
    let template = format!("{}:{}", template.workspace_id, template.template.id);
    // Above axum's default 2 MB body limit, below ours.
    let mut big = PDF.to_vec();
    big.resize(3 * 1024 * 1024, b' ');
    let answer = post_multipart(
        &app,
        "/superoffice/panel/preview",
        &cookie,
        &fields(&csrf, &key, &template, "draft"),
        &[("pdf", "offer.pdf", "application/pdf", &big)],
    )
    .await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        &answer.body[..answer.body.len().min(2000)]
    );
    assert!(answer.body.contains("offer.pdf — PDF document (3.0 MiB)"));
    let mut huge = PDF.to_vec();
    huge.resize(11 * 1024 * 1024, b' ');
    let answer = post_multipart(
        &app,
        "/superoffice/panel/preview",
        &cookie,
        &fields(&csrf, &key, &template, "draft"),
        &[("pdf", "offer.pdf", "application/pdf", &huge)],
    )
    .await;
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert!(
        answer.body.contains("larger than 10 MiB together"),
        "{}",
        answer.body
    );
    world.finish().await;
}
