//! The host service end to end over real loopback HTTP (SQLite store, both sandboxes, the
//! worker running): the refusals a user or an attacker meets.
//!
//! The same rules are unit-tested through the router in `integration-core/tests/it/server/`:
//! setup refusals in `setup.rs` (`setup_refusals_say_what_to_fix`,
//! `the_setup_form_needs_its_csrf_token_and_cookie`), sessions of another tenant and tampered
//! cookies in `panel.rs`, and the panel/settings pages (CSRF, 403 for sellers, removal) in
//! `pages.rs`. Here they are checked once more as a browser-less client meets them, across
//! the real sockets and the SQLite store.

use examples::service::{DemoService, Page, ServiceOptions};
use superoffice_sandbox::default_seed;

const MAIN: &str = default_seed::MAIN_TENANT;
const OTHER: &str = default_seed::SECOND_TENANT;

async fn service() -> DemoService {
    DemoService::start(ServiceOptions::default())
        .await
        .expect("service")
}

fn says(page: &Page, text: &str) {
    assert!(page.text().contains(text), "{text:?} in {}", page.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_refuses_a_non_admin_another_e_mail_and_a_second_tenant() {
    let service = service().await;
    // A seller is no SuperOffice administrator.
    let seller = service
        .connect(default_seed::SELLER_EMAIL, default_seed::SELLER_EMAIL)
        .await
        .expect("setup as the seller");
    assert_eq!(seller.status, 403);
    says(&seller, "You are not a SuperOffice administrator");
    // Started for the admin, signed in as someone else.
    let mismatch = service
        .connect(default_seed::ADMIN_EMAIL, default_seed::SECOND_ADMIN_EMAIL)
        .await
        .expect("setup with another e-mail");
    assert_eq!(mismatch.status, 403);
    says(&mismatch, "You signed in with another e-mail address");
    assert!(service
        .engine
        .store()
        .installation_by_tenant(MAIN)
        .await
        .unwrap()
        .is_none());
    // Connected once; the second tenant's admin cannot take the account over.
    let done = service
        .connect(default_seed::ADMIN_EMAIL, default_seed::ADMIN_EMAIL)
        .await
        .expect("setup");
    assert_eq!(done.status, 200, "{}", done.text());
    let second = service
        .connect(
            default_seed::SECOND_ADMIN_EMAIL,
            default_seed::SECOND_ADMIN_EMAIL,
        )
        .await
        .expect("setup for the second tenant");
    assert_eq!(second.status, 409, "{}", second.text());
    says(&second, "connected already");
    assert!(service
        .engine
        .store()
        .installation_by_tenant(OTHER)
        .await
        .unwrap()
        .is_none());
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panel_and_settings_refuse_forged_hints_foreign_sessions_non_admins_and_missing_csrf() {
    let service = service().await;
    let report = service
        .connect(default_seed::ADMIN_EMAIL, default_seed::ADMIN_EMAIL)
        .await
        .expect("setup");
    assert_eq!(report.status, 200);

    // Forged hints without a session: the sign-in page, nothing of the Sale.
    let forged = service
        .get(&format!("/superoffice/panel?sale=101&ctx={MAIN}&user=5"))
        .await
        .unwrap();
    assert_eq!(forged.status, 401);
    assert!(!forged.text().contains("Fleet tracking licence"));
    assert!(forged.body.contains("id=\"sign-in\""));
    let post = service
        .http()
        .post(service.at("/superoffice/panel/contracts").unwrap())
        .form(&[("sale", "101"), ("template", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 401);

    // A seller's session is for Cust12345 only.
    let seller = service
        .panel_sign_in(MAIN, default_seed::SELLER_EMAIL)
        .await
        .expect("seller");
    let own = seller
        .get(&format!("/superoffice/panel?sale=101&ctx={MAIN}"))
        .await
        .unwrap();
    assert_eq!(own.status, 200);
    says(&own, "Fleet tracking licence");
    let foreign = seller
        .get(&format!("/superoffice/panel?sale=101&ctx={OTHER}"))
        .await
        .unwrap();
    assert_eq!(foreign.status, 403);
    assert!(!foreign.text().contains("Consulting retainer"));

    // Settings: 403 for the seller, without the toggle; a seller's POST changes nothing.
    let settings = format!("/superoffice/settings?ctx={MAIN}");
    let refused = seller.get(&settings).await.unwrap();
    assert_eq!(refused.status, 403);
    assert!(!refused.body.contains("stage_mapping_enabled"));
    let csrf = own.value_of("csrf").expect("the panel's csrf");
    let seller_post = seller
        .post_form("/superoffice/settings", &[("csrf", &csrf)])
        .await
        .unwrap();
    assert_eq!(seller_post.status, 403);

    // The admin's forms need the admin's CSRF token.
    let admin = service
        .panel_sign_in(MAIN, default_seed::ADMIN_EMAIL)
        .await
        .expect("admin");
    let page = admin.get(&settings).await.unwrap();
    assert_eq!(page.status, 200);
    let mut form = page.form("stage_mapping_enabled").expect("settings form");
    form.remove("stage_mapping_enabled");
    form.remove("archive_signed_pdf");
    let installation = service.installation(MAIN).await.unwrap();
    for token in [None, Some(csrf.as_str()), Some("forged")] {
        let mut attempt = form.clone();
        match token {
            Some(token) => attempt.set("csrf", token),
            None => attempt.remove("csrf"),
        }
        let answer = admin
            .post_form(&form.action, &attempt.pairs())
            .await
            .unwrap();
        assert_eq!(answer.status, 403, "csrf {token:?}: {}", answer.text());
        let now = service.engine.settings(installation).await.unwrap();
        assert!(now.stage_mapping.stage_mapping_enabled, "nothing saved");
    }
    let saved = admin.post_form(&form.action, &form.pairs()).await.unwrap();
    assert_eq!(saved.status, 303, "{}", saved.text());
    let now = service.engine.settings(installation).await.unwrap();
    assert!(!now.stage_mapping.stage_mapping_enabled);

    // Removal: a wrong confirmation removes nothing; the tenant id removes everything.
    let page = admin.get(&settings).await.unwrap();
    let mut remove = page.form("name=\"confirm\"").expect("removal form");
    remove.set("confirm", "yes");
    let kept = admin
        .post_form(&remove.action, &remove.pairs())
        .await
        .unwrap();
    assert_eq!(kept.status, 422);
    says(&kept, "nothing was removed");
    assert_eq!(service.superoffice.webhooks(MAIN).unwrap().len(), 1);
    remove.set("confirm", MAIN);
    let removed = admin
        .post_form(&remove.action, &remove.pairs())
        .await
        .unwrap();
    assert_eq!(removed.status, 200, "{}", removed.text());
    assert!(service
        .superoffice
        .web_panels(MAIN)
        .unwrap()
        .iter()
        .all(|p| p["Name"] != "Oneflow Contract"));
    assert!(service.superoffice.webhooks(MAIN).unwrap().is_empty());
    // The old webhook URL and the panel are gone too.
    let hook = service
        .http()
        .post(
            service
                .at(&format!("/webhooks/oneflow/{installation}"))
                .unwrap(),
        )
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status(), 404);
    let panel = seller
        .get(&format!("/superoffice/panel?sale=101&ctx={MAIN}"))
        .await
        .unwrap();
    assert_eq!(panel.status, 404);
    let sign_in = service
        .get(&format!("/superoffice/panel/sign-in?ctx={MAIN}"))
        .await
        .unwrap();
    assert_eq!(sign_in.status, 404);
    service.shutdown().await;
}
