//! Account, ping, users, workspaces, templates, template types and the create-data helper.

use crate::common;

use common::*;
use futures::TryStreamExt;
use oneflow_client::api::templates::ActiveFilter;
use oneflow_client::models::*;
use oneflow_client::{Error, InvalidInput};
use serde_json::json;
use wiremock::matchers::{
    body_json, header, header_exists, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn ping_and_account() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/ping"))
        .and(header("x-oneflow-api-token", TOKEN))
        .and(header("x-oneflow-user-email", EMAIL))
        .and(header_exists("user-agent"))
        .respond_with(json(200, "{}"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/accounts/me"))
        .and(header("x-oneflow-api-token", TOKEN))
        .respond_with(json(200, fixture!("account.json")))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    client.ping().await.unwrap();
    let account = client.account().me().await.unwrap();
    assert_eq!(account.id, AccountId(88001));
    assert_eq!(account.name.as_deref(), Some("OurCo AB"));
    assert_eq!(
        account.created_time.unwrap().to_rfc3339(),
        "2023-05-04T13:37:00+00:00"
    );
}

#[tokio::test]
async fn anonymous_client_sends_no_user_header() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/ping"))
        .and(header("x-oneflow-api-token", TOKEN))
        .and(NoHeader("x-oneflow-user-email"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).as_anonymous().ping().await.unwrap();
}

#[tokio::test]
async fn users_are_paged_and_found_case_insensitively_among_active_ones() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .and(query_param("offset", "0"))
        .respond_with(json(200, fixture!("users_page_1.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .and(query_param("offset", "2"))
        .respond_with(json(200, fixture!("users_page_2.json")))
        .expect(1)
        .mount(&server)
        .await;
    // Page 1 holds an *inactive* user with the same address; the active one is on page 2.
    let found = client(&server)
        .users()
        .find_active_by_email("  ANN.admin@ourco.EXAMPLE ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, UserId(203));
    assert!(found.active);
    assert_eq!(found.state, Some(UserState::Other("invited".into())));
}

#[tokio::test]
async fn user_listing_with_limit_and_missing_user() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .and(query_param("limit", "2"))
        .and(query_param("offset", "0"))
        .respond_with(json(200, fixture!("users_page_1.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .and(query_param("limit", "100"))
        .respond_with(json(
            200,
            &fixture!("users_page_2.json").replace("\"count\": 3", "\"count\": 1"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let users = client(&server).users();
    let page = users.list().limit(2).send().await.unwrap();
    assert_eq!(page.count, 3);
    assert!(page.has_next());
    assert_eq!(
        page.data[0].email.as_deref(),
        Some("sam.seller@ourco.example")
    );
    assert!(page.data[0].is_admin);
    assert!(users
        .find_active_by_email("nobody@ourco.example")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn workspaces_list_and_get() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/workspaces"))
        .respond_with(json(200, fixture!("workspaces_page.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/workspaces/130407"))
        .respond_with(json(200, fixture!("workspace.json")))
        .expect(1)
        .mount(&server)
        .await;
    let ws = client(&server).workspaces();
    let all: Vec<Workspace> = ws.list().stream().try_collect().await.unwrap();
    assert_eq!(all.len(), 1);
    assert!(all[0].can_create_contracts());
    assert_eq!(all[0].date_format.as_deref(), Some("YYYY-MM-DD"));
    let no = ws.get(WorkspaceId(130407)).await.unwrap();
    assert!(!no.can_create_contracts());
    assert_eq!(no.country_code.as_deref(), Some("NO"));
}

#[tokio::test]
async fn templates_list_filters_and_get() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/templates"))
        .and(header("x-oneflow-user-email", "seller@ourco.example"))
        .and(query_param("extension_type", "superoffice"))
        .and(query_param("filter[active]", "true"))
        .and(query_param("filter[workspace_ids]", "130406,130407"))
        .and(query_param("sort", "name"))
        .and(query_param_is_missing("template_type_id"))
        .respond_with(json(200, fixture!("templates_page.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/templates"))
        .and(query_param("template_type_id", "40210"))
        .and(query_param("filter[active]", ""))
        .and(query_param_is_missing("extension_type"))
        .respond_with(json(200, fixture!("templates_page.json")))
        .expect(1)
        .mount(&server)
        .await;
    let one = r#"{"id": 756510, "name": "SuperOffice – Sales agreement", "available_options": {"can_receive_attachments": false}, "template_type": {"id": 40210, "extension_type": "superoffice"}}"#;
    Mock::given(method("GET"))
        .and(path("/v1/templates/756510"))
        .respond_with(json(200, one))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server);
    let templates: Vec<Template> = client
        .as_user("seller@ourco.example")
        .templates()
        .list()
        .extension_type("superoffice")
        .active(ActiveFilter::ActiveOnly)
        .workspace_ids([WorkspaceId(130406), WorkspaceId(130407)])
        .sort("name")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(templates.len(), 2);
    let tt = templates[0].template_type.as_ref().unwrap();
    assert_eq!(tt.extension_type.as_deref(), Some("superoffice"));
    assert_eq!(tt.id, TemplateTypeId(40210));
    assert!(templates[0].available_options.can_receive_products);
    assert_eq!(templates[1].name, None);
    assert!(templates[1].template_type.is_none());

    let page = client
        .templates()
        .list()
        .template_type_id(TemplateTypeId(40210))
        .active(ActiveFilter::Both)
        .send()
        .await
        .unwrap();
    assert_eq!(page.data.len(), 2);

    let t = client.templates().get(TemplateId(756510)).await.unwrap();
    assert!(!t.available_options.can_receive_attachments);
}

#[tokio::test]
async fn template_types_crud_and_data_fields() {
    let server = server().await;
    let tt = fixture!("template_type.json");
    Mock::given(method("GET"))
        .and(path("/v1/template_types"))
        .respond_with(json(200, fixture!("template_types_page.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/template_types/40210"))
        .respond_with(json(200, tt))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/template_types"))
        .and(body_json(
            json!({"name": "SuperOffice", "description": "Templates offered in SuperOffice"}),
        ))
        .respond_with(json(200, tt))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/template_types/40210"))
        .and(body_json(json!({"description": "Changed"})))
        .respond_with(json(200, tt))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/template_types/40210"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/template_types/40210/data_fields"))
        .respond_with(json(200, fixture!("template_type_data_fields.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/template_types/40210/data_fields"))
        .and(body_json(json!({"data_fields": [
            {"id": 901, "custom_id": "superoffice_sale_id", "name": "SuperOffice sale id"},
            {"custom_id": "superoffice_stage", "name": "Sale stage", "description": "Stage when created"}
        ]})))
        .respond_with(json(200, fixture!("template_type_data_fields.json")))
        .expect(1)
        .mount(&server)
        .await;

    let types = client(&server).template_types();
    let page = types.list().send().await.unwrap();
    assert_eq!(page.count, 2);
    assert_eq!(page.data[1].extension_type, None);
    let got = types.get(TemplateTypeId(40210)).await.unwrap();
    assert_eq!(got.data_fields[0].custom_id(), Some("superoffice_sale_id"));
    assert_eq!(got.active, Some(true));
    types
        .create(
            &TemplateTypeInput::named("SuperOffice")
                .description("Templates offered in SuperOffice"),
        )
        .await
        .unwrap();
    types
        .update(
            TemplateTypeId(40210),
            &TemplateTypeInput::default().description("Changed"),
        )
        .await
        .unwrap();
    types.delete(TemplateTypeId(40210)).await.unwrap();
    let fields = types.data_fields(TemplateTypeId(40210)).await.unwrap();
    assert_eq!(fields[1].source, Some(DataFieldSource::System));
    let replaced = types
        .replace_data_fields(
            TemplateTypeId(40210),
            &[
                DataFieldDefinition::new("superoffice_sale_id", "SuperOffice sale id")
                    .id(DataFieldId(901)),
                DataFieldDefinition::new("superoffice_stage", "Sale stage")
                    .description("Stage when created"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(replaced.len(), 2);

    let err = types
        .create(&TemplateTypeInput::default())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput(InvalidInput::Missing { .. })
    ));
}

#[tokio::test]
async fn contract_create_data_is_an_unpaginated_array() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/helpers/contract_create_data"))
        .and(header("x-oneflow-user-email", "seller@ourco.example"))
        .and(query_param("extension_type", "superoffice"))
        .and(query_param_is_missing("limit"))
        .respond_with(json(200, fixture!("contract_create_data.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/helpers/contract_create_data"))
        .and(query_param("template_type_id", "40210"))
        .respond_with(json(200, "[]"))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let ws = client
        .as_user("seller@ourco.example")
        .helpers()
        .contract_create_data()
        .extension_type("superoffice")
        .send()
        .await
        .unwrap();
    assert_eq!(ws.len(), 2);
    assert_eq!(ws[0].templates[0].id, TemplateId(756510));
    assert!(ws[1].templates.is_empty());
    let none = client
        .helpers()
        .contract_create_data()
        .template_type_id(TemplateTypeId(40210))
        .send()
        .await
        .unwrap();
    assert!(none.is_empty());
}
