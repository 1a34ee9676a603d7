//! Registering, setup, re-running setup, and uninstalling.

use integration_core::engine::EngineError;
use integration_core::store::{InstallationId, InstallationState, SecretKind};

use super::world::*;

super::engine_scenarios!(setup:
    setup_provisions_panel_fields_and_webhooks,
    a_superoffice_user_who_is_not_admin_is_refused,
    a_different_email_in_superoffice_is_refused,
    a_second_tenant_is_refused_naming_the_bound_one,
    rerunning_setup_creates_no_duplicates,
    an_unknown_or_reused_state_is_refused,
    uninstall_removes_everything,
    only_a_superoffice_admin_changes_settings,
    the_panel_can_be_hidden_from_user_groups,
);

pub(crate) async fn setup_provisions_panel_fields_and_webhooks(world: World) {
    let installation = world.register().await;
    assert_eq!(installation.id, InstallationId::new(1001));
    assert_eq!(installation.state, InstallationState::PendingSetup);
    let report = world
        .setup_as(installation.id, ADMIN, "Admin@Nordic.example")
        .await
        .expect("setup");
    assert_eq!(report.tenant, MAIN_TENANT);
    assert!(report.panel_created);
    assert!(report
        .flush_url
        .as_str()
        .ends_with("/Cust12345/default.aspx?flush"));
    assert_eq!(
        report.data_fields_added,
        ["superoffice_tenant", "superoffice_request_key"]
    );
    assert!(report.data_fields_missing.is_empty());
    // Archiving is on by default; the admin still has to choose the document template.
    assert!(report.archive_needs_document_template);

    let panels = world.so.web_panels(MAIN_TENANT).unwrap();
    let panel = panels
        .iter()
        .find(|p| p["ProgId"] == "oneflow.superoffice.contract-panel")
        .expect("the panel");
    assert_eq!(panel["VisibleIn"], "SaleArchive");
    assert_eq!(panel["Name"], "Oneflow Contract");
    let url = panel["Url"].as_str().unwrap();
    for variable in ["<said>", "<uctx>", "<usid>"] {
        assert!(url.contains(variable), "{url} lacks {variable}");
    }

    let hooks = world.so.webhooks(MAIN_TENANT).unwrap();
    assert_eq!(hooks.len(), 1);
    assert!(hooks[0]["TargetUrl"]
        .as_str()
        .unwrap()
        .ends_with("/webhooks/superoffice/1001"));

    let oneflow = oneflow_client::Client::builder()
        .base_url(world.of.base_url().as_str())
        .api_token(world.of.api_token().to_owned())
        .build()
        .unwrap();
    let of_hooks = oneflow.webhooks().list().await.unwrap();
    assert_eq!(of_hooks.len(), 1);
    assert!(of_hooks[0]
        .callback_url
        .as_deref()
        .unwrap()
        .ends_with("/webhooks/oneflow/1001"));
    assert!(of_hooks[0].template_group_id.is_some());

    let now = world
        .store
        .installation(installation.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.state, InstallationState::Active);
    assert_eq!(now.tenant.as_deref(), Some(MAIN_TENANT));
    for kind in [
        SecretKind::OneflowApiToken,
        SecretKind::OneflowWebhookSignKey,
        SecretKind::SuperOfficeWebhookSecret,
        SecretKind::SuperOfficeRefreshToken,
    ] {
        assert!(
            world
                .store
                .secret(installation.id, &kind)
                .await
                .unwrap()
                .is_some(),
            "{kind}"
        );
    }
    // The setup report and the audit log never carry secrets.
    let sign_key = world
        .store
        .secret(installation.id, &SecretKind::OneflowWebhookSignKey)
        .await
        .unwrap()
        .unwrap();
    use secrecy::ExposeSecret;
    assert!(!format!("{report:?}").contains(sign_key.expose_secret()));
    assert!(world
        .audit(installation.id)
        .await
        .iter()
        .any(|e| e.action == "setup"));
    world.finish().await;
}

pub(crate) async fn a_superoffice_user_who_is_not_admin_is_refused(world: World) {
    let installation = world.register().await;
    let error = world
        .setup_as(installation.id, SELLER, SELLER)
        .await
        .unwrap_err();
    assert!(
        matches!(error, EngineError::NotSuperOfficeAdmin),
        "{error:?}"
    );
    assert!(world.so.web_panels(MAIN_TENANT).unwrap().is_empty());
    let now = world
        .store
        .installation(installation.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.tenant, None);
    world.finish().await;
}

pub(crate) async fn a_different_email_in_superoffice_is_refused(world: World) {
    let installation = world.register().await;
    let error = world
        .setup_as(installation.id, ADMIN, SVEA_ADMIN)
        .await
        .unwrap_err();
    match error {
        EngineError::EmailMismatch { expected, actual } => {
            assert_eq!(expected, ADMIN);
            assert_eq!(actual, SVEA_ADMIN);
        }
        other => panic!("unexpected {other:?}"),
    }
    world.finish().await;
}

pub(crate) async fn a_second_tenant_is_refused_naming_the_bound_one(world: World) {
    let id = world.installed().await;
    let error = world
        .setup_as(id, SVEA_ADMIN, SVEA_ADMIN)
        .await
        .unwrap_err();
    match &error {
        EngineError::TenantAlreadyBound { bound } => assert_eq!(bound, MAIN_TENANT),
        other => panic!("unexpected {other:?}"),
    }
    assert!(error.to_string().contains("Cust12345"));
    assert!(world.so.web_panels(SECOND_TENANT).unwrap().is_empty());
    world.finish().await;
}

pub(crate) async fn rerunning_setup_creates_no_duplicates(world: World) {
    let installation = world.register().await;
    let first = world.setup_as(installation.id, ADMIN, ADMIN).await.unwrap();
    let second = world.setup_as(installation.id, ADMIN, ADMIN).await.unwrap();
    assert!(!second.panel_created);
    assert_eq!(first.panel_id, second.panel_id);
    assert_eq!(first.oneflow_webhook_id, second.oneflow_webhook_id);
    assert_eq!(first.superoffice_webhook_id, second.superoffice_webhook_id);
    assert!(second.data_fields_added.is_empty());
    let panels = world.so.web_panels(MAIN_TENANT).unwrap();
    assert_eq!(
        panels.iter().filter(|p| p["Deleted"] != true).count(),
        1,
        "{panels:?}"
    );
    assert_eq!(world.so.webhooks(MAIN_TENANT).unwrap().len(), 1);
    world.finish().await;
}

pub(crate) async fn an_unknown_or_reused_state_is_refused(world: World) {
    let installation = world.register().await;
    let error = world
        .engine
        .complete_setup("http://127.0.0.1:8080/superoffice/callback?code=abc&state=forged")
        .await
        .unwrap_err();
    assert!(matches!(error, EngineError::UnknownState), "{error:?}");
    let url = world
        .engine
        .begin_setup(installation.id, ADMIN)
        .await
        .unwrap();
    let callback = world.so.sign_in(&url, ADMIN).await.unwrap();
    world
        .engine
        .complete_setup(callback.as_str())
        .await
        .unwrap();
    let error = world
        .engine
        .complete_setup(callback.as_str())
        .await
        .unwrap_err();
    assert!(matches!(error, EngineError::UnknownState), "{error:?}");
    world.finish().await;
}

pub(crate) async fn uninstall_removes_everything(world: World) {
    let id = world.installed().await;
    world.engine.uninstall(id).await.expect("uninstall");
    let panels = world.so.web_panels(MAIN_TENANT).unwrap();
    assert!(
        panels
            .iter()
            .all(|p| p["ProgId"] != "oneflow.superoffice.contract-panel"),
        "{panels:?}"
    );
    assert!(world.so.webhooks(MAIN_TENANT).unwrap().is_empty());
    let oneflow = oneflow_client::Client::builder()
        .base_url(world.of.base_url().as_str())
        .api_token(world.of.api_token().to_owned())
        .build()
        .unwrap();
    assert!(oneflow.webhooks().list().await.unwrap().is_empty());
    let now = world.store.installation(id).await.unwrap().unwrap();
    assert_eq!(now.state, InstallationState::Uninstalled);
    assert_eq!(now.tenant, None);
    assert!(world
        .store
        .secret(id, &SecretKind::OneflowApiToken)
        .await
        .unwrap()
        .is_none());
    // Deliveries for an uninstalled installation are refused.
    let error = world
        .engine
        .ingest_oneflow_webhook(id, b"{}")
        .await
        .unwrap_err();
    assert!(matches!(error, EngineError::Uninstalled(_)), "{error:?}");
    // The tenant is free again: registering and setting up works.
    let again = world.installed().await;
    assert_eq!(again, id);
    world.finish().await;
}

pub(crate) async fn only_a_superoffice_admin_changes_settings(world: World) {
    let id = world.installed().await;
    let mut settings = world.engine.settings(id).await.unwrap();
    assert!(settings.stage_mapping.stage_mapping_enabled);
    settings.stage_mapping.stage_mapping_enabled = false;
    let seller_token = secrecy::SecretString::from(world.so.issue_access_token(SELLER).unwrap());
    let error = world
        .engine
        .update_settings(id, &seller_token, settings.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(error, EngineError::NotSuperOfficeAdmin),
        "{error:?}"
    );
    assert!(
        world
            .engine
            .settings(id)
            .await
            .unwrap()
            .stage_mapping
            .stage_mapping_enabled
    );
    let admin_token = secrecy::SecretString::from(world.so.issue_access_token(ADMIN).unwrap());
    let stored = world
        .engine
        .update_settings(id, &admin_token, settings)
        .await
        .unwrap();
    assert!(!stored.stage_mapping.stage_mapping_enabled);
    assert!(
        !world
            .engine
            .settings(id)
            .await
            .unwrap()
            .stage_mapping
            .stage_mapping_enabled
    );
    world.finish().await;
}

async fn a_oneflow_user_who_is_not_admin_is_refused(harness: crate::store::harness::Harness) {
    let world = World::start_with(
        harness,
        Options {
            oneflow_admin_is_admin: false,
            ..Options::default()
        },
    )
    .await;
    let installation = world.register().await;
    let error = world
        .setup_as(installation.id, ADMIN, ADMIN)
        .await
        .unwrap_err();
    match &error {
        EngineError::NotOneflowAdmin { email } => assert_eq!(email, ADMIN),
        other => panic!("unexpected {other:?}"),
    }
    let now = world
        .store
        .installation(installation.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        now.tenant, None,
        "nothing is bound before both admins are checked"
    );
    world.finish().await;
}

super::harness_scenarios!(setup_options: a_oneflow_user_who_is_not_admin_is_refused);

pub(crate) async fn the_panel_can_be_hidden_from_user_groups(world: World) {
    let installation = world.register().await;
    let report = world.setup_as(installation.id, ADMIN, ADMIN).await.unwrap();
    let admin = superoffice_client::Client::builder()
        .api_base(world.so.api_base(MAIN_TENANT).unwrap())
        .token_provider(std::sync::Arc::new(
            superoffice_client::credentials::StaticToken::new(
                superoffice_client::Credential::bearer(world.so.issue_access_token(ADMIN).unwrap()),
            ),
        ))
        .build()
        .unwrap();
    let panel = superoffice_client::models::WebPanelId(report.panel_id);
    let visible = |groups: &[superoffice_client::models::SelectableMdoListItem]| {
        let mut ids: Vec<i32> = groups.iter().filter(|g| g.selected).map(|g| g.id).collect();
        ids.sort();
        ids
    };
    assert_eq!(
        visible(&admin.web_panels().user_groups(panel).await.unwrap()),
        [1, 2]
    );
    world
        .engine
        .hide_panel_from(installation.id, &[1])
        .await
        .unwrap();
    assert_eq!(
        visible(&admin.web_panels().user_groups(panel).await.unwrap()),
        [2]
    );
    world.finish().await;
}
