//! Web panels: list items CRUD, List agent calls, user-group visibility and the app token
//! that app panels need.

use crate::fixtures::fixture;
use crate::rest_support;
use rest_support::{api_base, client, client_with, json_body, silent_server, API, BEARER_1};

use std::sync::Arc;

use serde_json::{json, Value};
use superoffice_client::api::{PanelUrl, TemplateVariable};
use superoffice_client::credentials::{StaticToken, WithAppToken};
use superoffice_client::models::{
    SelectableMdoListItem, UrlEncoding, VisibleIn, WebPanelEntity, WebPanelId,
};
use superoffice_client::{Client, Credential, Error};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// `WebPanelEntity` fields and `VisibleIn`/`UrlEncoding` values from Swagger-v1-List; user
// groups as `SelectableMDOListItem[]` (Swagger-v1-List `…/Items/{listItemId}/UserGroups`).
const PANEL: &str = fixture!("rest/web_panel.json");

const PANELS: &str = fixture!("rest/web_panels.json");

const GROUPS: &str = fixture!("rest/user_groups.json");

fn panel_url() -> String {
    PanelUrl::builder("https://contracts.example.com/so/sale")
        .unwrap()
        .variable("ctx", TemplateVariable::ContextId)
        .variable("sale", TemplateVariable::SaleId)
        .variable("user", TemplateVariable::UserAssociateId)
        .build()
        .unwrap()
        .into_string()
}

#[tokio::test]
async fn list_decodes_all_fields_and_unknown_enum_values() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/List/WebPanel/Items")))
        .and(header("Authorization", BEARER_1))
        .respond_with(json_body(PANELS))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let panels = client.web_panels().list().await.unwrap();
    assert_eq!(panels.len(), 2);
    let p = &panels[0];
    assert_eq!(p.web_panel_id, WebPanelId(17));
    assert_eq!(p.visible_in, Some(VisibleIn::SaleArchive));
    assert_eq!(p.url_encoding, Some(UrlEncoding::Unicode));
    assert_eq!(p.prog_id.as_deref(), Some("oneflow-sale-panel"));
    assert!(p.on_sales_marketing_web && p.always_reload_on_show);
    assert_eq!(
        panels[1].visible_in,
        Some(VisibleIn::Other("HologramDeck".into()))
    );
    assert_eq!(
        panels[1].url_encoding,
        Some(UrlEncoding::Other("UTF16".into()))
    );
    assert!(panels[1].never_reload_on_current_change);
}

#[test]
fn every_documented_visible_in_value_is_known() {
    assert_eq!(VisibleIn::KNOWN.len(), 75);
    for v in VisibleIn::KNOWN {
        assert_eq!(&VisibleIn::from_wire(v.as_str()), v);
    }
    assert_eq!(
        serde_json::to_value(VisibleIn::CustomObjectArchive).unwrap(),
        "CustomObjectArchive"
    );
}

#[tokio::test]
async fn create_posts_the_panel_and_get_reads_it() {
    let server = MockServer::start().await;
    let mut panel = WebPanelEntity::new(
        "Oneflow Contract",
        panel_url(),
        VisibleIn::SaleArchive,
        "oneflow-sale-panel",
    );
    panel.tooltip = Some("Oneflow contracts for this Sale (Oneflow AB)".into());
    panel.window_name = Some("oneflow_contract".into());
    let expected = json!({
        "WebPanelId": 0,
        "Name": "Oneflow Contract",
        "Tooltip": "Oneflow contracts for this Sale (Oneflow AB)",
        "Deleted": false,
        "UrlEncoding": "Unicode",
        "VisibleIn": "SaleArchive",
        "OnCentral": true,
        "OnSatellite": false,
        "OnTravel": false,
        "OnSalesMarketingWeb": true,
        "OnSalesMarketingPocket": false,
        "ShowInMenuBar": false,
        "ShowInToolBar": false,
        "ShowInAddressBar": false,
        "ShowInStatusBar": false,
        "WindowName": "oneflow_contract",
        "Url": "https://contracts.example.com/so/sale?ctx=<uctx>&sale=<said>&user=<usid>",
        "ProgId": "oneflow-sale-panel",
        "AlwaysReloadOnShow": true,
        "NeverReloadOnCurrentChange": false
    });
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/List/WebPanel/Items")))
        .and(header("Content-Type", "application/json"))
        .and(body_json(&expected))
        .respond_with(json_body(PANEL))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/List/WebPanel/Items/17")))
        .respond_with(json_body(PANEL))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let created = client.web_panels().create(&panel).await.unwrap();
    assert_eq!(created.web_panel_id, WebPanelId(17));
    let fetched = client.web_panels().get(WebPanelId(17)).await.unwrap();
    assert_eq!(fetched, created);
}

#[tokio::test]
async fn create_refuses_bad_panels_locally() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let panels = client.web_panels();
    let no_url = WebPanelEntity::new("x", "", VisibleIn::SaleArchive, "p");
    assert!(matches!(
        panels.create(&no_url).await,
        Err(Error::InvalidInput(_))
    ));
    let usec = WebPanelEntity::new(
        "x",
        "https://x.example/?c=<usec>",
        VisibleIn::SaleArchive,
        "p",
    );
    assert!(matches!(
        panels.create(&usec).await,
        Err(Error::InvalidInput(_))
    ));
    let mut with_id = WebPanelEntity::new("x", panel_url(), VisibleIn::SaleArchive, "p");
    with_id.web_panel_id = WebPanelId(3);
    assert!(matches!(
        panels.create(&with_id).await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        panels.delete(WebPanelId(0)).await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        panels.get_by_prog_id(" ").await,
        Err(Error::InvalidInput(_))
    ));
}

#[tokio::test]
async fn update_default_and_soft_delete() {
    let server = MockServer::start().await;
    let mut sent: Value = serde_json::from_str(PANEL).unwrap();
    sent["Name"] = json!("Oneflow");
    Mock::given(method("PUT"))
        .and(path(format!("{API}/v1/List/WebPanel/Items/17")))
        .and(body_json(&sent))
        .respond_with(ResponseTemplate::new(200).set_body_json(&sent))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/List/WebPanel/Items/Default")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "WebPanelId": 0, "Name": "", "Deleted": false, "UrlEncoding": "None",
            "VisibleIn": "Invisible", "OnCentral": true, "Icon": 0
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{API}/v1/List/WebPanel/Items/17")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let mut panel: WebPanelEntity = serde_json::from_str(PANEL).unwrap();
    panel.name = Some("Oneflow".into());
    let updated = client.web_panels().update(&panel).await.unwrap();
    assert_eq!(updated.name.as_deref(), Some("Oneflow"));
    let defaults = client.web_panels().default_panel().await.unwrap();
    assert_eq!(defaults.url_encoding, Some(UrlEncoding::None));
    assert_eq!(defaults.visible_in, Some(VisibleIn::Invisible));
    client.web_panels().delete(WebPanelId(17)).await.unwrap();
}

#[tokio::test]
async fn agent_calls_by_prog_id_hard_delete_and_app_panels() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Agents/List/GetWebPanelByProgId")))
        .and(body_json(json!({"ProgId": "oneflow-sale-panel"})))
        .respond_with(json_body(PANEL))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Agents/List/GetWebPanelByProgId")))
        .and(body_json(json!({"ProgId": "missing"})))
        .respond_with(json_body("null"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Agents/List/GetWebPanelByProgId")))
        .and(body_json(json!({"ProgId": "empty"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"WebPanelId": 0, "Name": null})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Agents/List/GetWebPanelByProgId")))
        .and(body_json(json!({"ProgId": "gone"})))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "Error": true, "ErrorType": "SoNotFoundException", "ErrorMessage": "No web panel", "ErrorSource": "x"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Agents/List/DeleteWebPanel")))
        .and(body_json(json!({"Id": 17})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let panels = client.web_panels();
    let found = panels
        .get_by_prog_id("oneflow-sale-panel")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.web_panel_id, WebPanelId(17));
    assert!(panels.get_by_prog_id("missing").await.unwrap().is_none());
    assert!(panels.get_by_prog_id("empty").await.unwrap().is_none());
    assert!(panels.get_by_prog_id("gone").await.unwrap().is_none());
    panels.delete_permanently(WebPanelId(17)).await.unwrap();
    // App panels need the app token: see rest_crm_calls.rs.
}

#[tokio::test]
async fn user_group_visibility_get_and_set() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/List/WebPanel/Items/17/UserGroups")))
        .respond_with(json_body(GROUPS))
        .expect(2)
        .mount(&server)
        .await;
    let mut groups: Vec<SelectableMdoListItem> = serde_json::from_str(GROUPS).unwrap();
    for group in &mut groups {
        group.selected = true;
    }
    let all_selected = serde_json::to_value(&groups).unwrap();
    assert_eq!(all_selected[1]["Id"], 2);
    assert_eq!(all_selected[1]["Selected"], true);
    assert_eq!(all_selected[1]["Name"], "Support");
    Mock::given(method("PUT"))
        .and(path(format!("{API}/v1/List/WebPanel/Items/17/UserGroups")))
        .and(header("Content-Type", "application/json"))
        .and(body_json(&all_selected))
        .respond_with(ResponseTemplate::new(200).set_body_json(&all_selected))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let groups = client
        .web_panels()
        .user_groups(WebPanelId(17))
        .await
        .unwrap();
    assert_eq!(groups.len(), 2);
    assert!(groups[0].selected && !groups[1].selected);
    assert_eq!(groups[1].name.as_deref(), Some("Support"));
    let stored = client
        .web_panels()
        .show_to_all_user_groups(WebPanelId(17))
        .await
        .unwrap();
    assert!(stored.iter().all(|g| g.selected));
}

// ---- item 9: SO-AppToken on bearer credentials -------------------------------------------

#[tokio::test]
async fn bearer_with_app_token_sends_so_app_token_for_app_panels() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Agents/List/GetAppWebPanels")))
        .and(header("authorization", "Bearer 8A:Cust12345.user"))
        .and(header("so-apptoken", "app-client-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Agents/List/DeleteAppWebPanels")))
        .and(header("so-apptoken", "app-client-secret"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let provider = WithAppToken::new(
        Arc::new(StaticToken::new(Credential::bearer("8A:Cust12345.user"))),
        "app-client-secret",
    );
    assert!(!format!("{provider:?}").contains("app-client-secret"));
    let client = Client::builder()
        .api_base(api_base(&server))
        .token_provider(Arc::new(provider))
        .build()
        .unwrap();
    assert!(client.web_panels().app_panels().await.unwrap().is_empty());
    client.web_panels().delete_app_panels().await.unwrap();
}

#[tokio::test]
async fn app_panel_calls_without_app_token_fail_before_sending() {
    let server = silent_server().await;
    let client = client_with(&server, Credential::bearer("8A:Cust12345.user"));
    for result in [
        client.web_panels().app_panels().await.map(|_| ()),
        client.web_panels().delete_app_panels().await,
    ] {
        assert!(
            matches!(&result, Err(Error::InvalidInput(m)) if m.contains("SO-AppToken")),
            "{result:?}"
        );
    }
}

#[test]
fn app_token_is_redacted_and_reported() {
    let plain = Credential::bearer("tok");
    assert!(!plain.has_app_token());
    assert!(plain.app_token_header().is_none());
    let with = plain.with_app_token("s3cret-app");
    assert!(with.has_app_token());
    let value = with.app_token_header().unwrap();
    assert!(value.is_sensitive());
    assert_eq!(value, "s3cret-app");
    assert!(!format!("{with:?}").contains("s3cret-app"));
}
