//! The sandbox side of the CRM calls (issue 8, items 9, 14 and 15): auth host vs data hosts,
//! the cache flush, PUT semantics, `If-Unmodified-Since`, `Sale/default`, `Sale/Validate`
//! with mandatory reasons, stages per sale type, functional rights, app panels, documents and
//! the documented sale `FieldValues`.

use crate::sandbox_support;

use sandbox_support::*;
use serde_json::{json, Value};
use superoffice_client::credentials::{StaticToken, WithAppToken};
use superoffice_client::models::{
    ContactId, DocumentEntity, JsonPatch, ListRef, PersonId, SaleId, SaleStatus, VisibleIn,
    WebPanelEntity, Webhook, WebhookSecret,
};
use superoffice_client::{Credential, Error};
use superoffice_sandbox::{default_seed, SuperOfficeSandbox};

const OPEN: SaleId = SaleId(default_seed::OPEN_SALE_ID);

async fn sandbox() -> SuperOfficeSandbox {
    SuperOfficeSandbox::start().await.unwrap()
}

#[tokio::test]
async fn the_auth_host_serves_no_tenant_rest_and_no_flush() {
    let sb = sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    assert!(!sb.data_hosts().contains(&sb.issuer()));
    for url in [
        format!("{}/Cust12345/api/v1/Sale/101", sb.issuer()),
        format!("{}/Cust12345/default.aspx?flush", sb.issuer()),
    ] {
        let response = http().get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 404, "{url}");
    }
    assert_eq!(sb.flush_count("Cust12345").unwrap(), 0);
    // The auth host still serves the tenant state API, which points at a data host.
    let state: Value = http()
        .get(format!("{}/api/state/Cust12345", sb.issuer()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(state["Api"]
        .as_str()
        .unwrap()
        .starts_with(sb.data_hosts()[0]));
    // A typed client pointed at the auth host gets a 404, not tenant data.
    let wrong = superoffice_client::Client::builder()
        .api_base(format!("{}/Cust12345/api/", sb.issuer()))
        .token_provider(std::sync::Arc::new(StaticToken::new(Credential::bearer(
            token,
        ))))
        .build()
        .unwrap();
    assert!(matches!(
        wrong.sales().get(OPEN).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn flush_caches_on_the_data_host_needs_a_general_administrator() {
    let sb = sandbox().await;
    let admin = rest_client(
        &sb,
        &sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap(),
    );
    admin.flush_caches().await.unwrap();
    assert_eq!(sb.flush_count("Cust12345").unwrap(), 1);
    let seller = rest_client(
        &sb,
        &sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap(),
    );
    let err = seller.flush_caches().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403), "{err:?}");
    assert_eq!(sb.flush_count("Cust12345").unwrap(), 1);
}

#[tokio::test]
async fn put_replaces_the_whole_sale() {
    let sb = sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let before = sb.sale("Cust12345", OPEN.0).unwrap();
    assert_ne!(before["Amount"], json!(0.0));
    assert_ne!(before["Contact"]["ContactId"], json!(0));
    let base = sb.api_base("Cust12345").unwrap();
    let response = http()
        .put(format!("{base}v1/Sale/{}", OPEN.0))
        .bearer_auth(&token)
        .json(&json!({
            "SaleId": OPEN.0,
            "Heading": "Only the heading",
            "Rating": {"Id": before["Rating"]["Id"]},
            "Saledate": before["Saledate"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let after = sb.sale("Cust12345", OPEN.0).unwrap();
    assert_eq!(after["Heading"], "Only the heading");
    assert_eq!(after["Amount"].as_f64(), Some(0.0), "left out → default");
    assert_eq!(
        after["Contact"]["ContactId"].as_i64().unwrap_or(0),
        0,
        "left out → default"
    );
    assert_eq!(
        after["CreatedDate"], before["CreatedDate"],
        "kept by the server"
    );
}

#[tokio::test]
async fn if_unmodified_since_guards_sale_writes() {
    let sb = sandbox().await;
    let client = rest_client(
        &sb,
        &sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap(),
    );
    let sale = client.sales().get(OPEN).await.unwrap();
    // The seeded Sale was last updated 2026-06-01T08:00:00.
    let before_update = chrono::DateTime::parse_from_rfc3339("2026-05-01T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let err = client
        .sales()
        .put_if_unmodified_since(&sale, before_update)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PreconditionFailed(_)), "{err:?}");
    let patch = JsonPatch::new().replace("Heading", "Renamed");
    assert!(matches!(
        client
            .sales()
            .patch_if_unmodified_since(OPEN, &patch, before_update)
            .await,
        Err(Error::PreconditionFailed(_))
    ));
    let updated = client
        .sales()
        .patch_if_unmodified_since(OPEN, &patch, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(updated.heading.as_deref(), Some("Renamed"));
}

#[tokio::test]
async fn default_sale_and_validation_with_mandatory_reasons() {
    let sb = sandbox().await;
    let client = rest_client(
        &sb,
        &sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap(),
    );
    let fresh = client.sales().default_sale().await.unwrap();
    assert_eq!(fresh.sale_id, SaleId(0));
    assert_eq!(fresh.status, Some(SaleStatus::Open));
    assert_eq!(
        fresh.associate_id().map(|a| a.0),
        Some(default_seed::ADMIN_ASSOCIATE_ID)
    );

    let mut lost = client.sales().get(OPEN).await.unwrap();
    lost.status = Some(SaleStatus::Lost);
    assert!(client.sales().validate(&lost).await.unwrap().is_valid());

    sb.set_reasons_mandatory("Cust12345", true).unwrap();
    let problems = client.sales().validate(&lost).await.unwrap();
    assert!(problems.message("Reason").is_some(), "{problems:?}");
    let refused = client.sales().put(&lost).await.unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(sb.sale("Cust12345", OPEN.0).unwrap()["Status"], "Open");

    let reason = client.lists().reasons_lost().await.unwrap()[0].id;
    lost.reason = Some(ListRef::id(reason));
    assert!(client.sales().validate(&lost).await.unwrap().is_valid());
    let stored = client.sales().put(&lost).await.unwrap();
    assert_eq!(stored.status, Some(SaleStatus::Lost));
}

#[tokio::test]
async fn stages_per_sale_type_and_function_rights() {
    let sb = sandbox().await;
    let admin = rest_client(
        &sb,
        &sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap(),
    );
    let sale_type = admin.lists().sale_type(1).await.unwrap();
    let selected: Vec<i32> = sale_type.selected_stages().map(|s| s.id).collect();
    let stages = admin.lists().stages_for_sale_type(1).await.unwrap();
    assert!(!stages.is_empty());
    assert!(stages.iter().all(|s| selected.contains(&s.sale_stage_id)));
    assert!(matches!(
        admin.lists().sale_type(999).await,
        Err(Error::NotFound(_))
    ));

    assert!(admin.users().has_function_right("admin-all").await.unwrap());
    let seller = rest_client(
        &sb,
        &sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap(),
    );
    assert!(!seller
        .users()
        .has_function_right("admin-all")
        .await
        .unwrap());
    assert!(seller.users().function_rights().await.unwrap().is_empty());
}

#[tokio::test]
async fn app_panels_need_the_app_token() {
    let sb = sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let app = superoffice_client::Client::builder()
        .api_base(sb.api_base("Cust12345").unwrap())
        .token_provider(std::sync::Arc::new(WithAppToken::new(
            std::sync::Arc::new(StaticToken::new(Credential::bearer(token.clone()))),
            sb.client_secret(),
        )))
        .build()
        .unwrap();
    let panel = WebPanelEntity::new(
        "Oneflow Contract",
        "https://contracts.example.com/panel?sale=<said>",
        VisibleIn::SaleCard,
        "oneflow-contract-app",
    );
    let created = app.web_panels().create(&panel).await.unwrap();
    let owned = app.web_panels().app_panels().await.unwrap();
    assert_eq!(owned.len(), 1);
    assert_eq!(owned[0].web_panel_id, created.web_panel_id);

    // Without the token SuperOffice sees no app: nothing is listed or deleted.
    let base = sb.api_base("Cust12345").unwrap();
    let listed: Value = http()
        .post(format!("{base}v1/Agents/List/GetAppWebPanels"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!([]));
    let deleted = http()
        .post(format!("{base}v1/Agents/List/DeleteAppWebPanels"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());
    assert_eq!(sb.web_panels("Cust12345").unwrap().len(), 1);

    app.web_panels().delete_app_panels().await.unwrap();
    assert!(sb.web_panels("Cust12345").unwrap().is_empty());
}

#[tokio::test]
async fn documents_archive_a_signed_pdf_on_a_sale() {
    let sb = sandbox().await;
    let client = rest_client(
        &sb,
        &sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap(),
    );
    let template = client.documents().default_document().await.unwrap();
    assert_eq!(template.document_id.0, 0);
    let record = DocumentEntity::new("Signed contract", "contract-101.pdf", 3).on_sale(
        OPEN,
        ContactId(default_seed::FJORD_CONTACT_ID),
        Some(PersonId(default_seed::KARI_PERSON_ID)),
    );
    let created = client.documents().create(&record).await.unwrap();
    assert!(created.document_id.0 > 0);
    assert_eq!(created.sale.as_ref().unwrap().sale_id, OPEN);
    let pdf = b"%PDF-1.7\n% signed by Oneflow\n".to_vec();
    assert_eq!(
        sb.document_content("Cust12345", created.document_id.0)
            .unwrap(),
        None
    );
    client
        .documents()
        .upload_content(created.document_id, pdf.clone())
        .await
        .unwrap();
    assert_eq!(
        sb.document_content("Cust12345", created.document_id.0)
            .unwrap()
            .as_deref(),
        Some(pdf.as_slice())
    );
    let read = client
        .documents()
        .content(created.document_id)
        .await
        .unwrap();
    assert_eq!(read.as_ref(), pdf.as_slice());

    // Documented errors: unknown template or sale, unknown document.
    let unknown_template = DocumentEntity::new("x", "x.pdf", 99);
    let err = client
        .documents()
        .create(&unknown_template)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    let unknown_sale =
        DocumentEntity::new("x", "x.pdf", 3).on_sale(SaleId(9999), ContactId(0), None);
    assert!(client.documents().create(&unknown_sale).await.is_err());
    assert!(matches!(
        client
            .documents()
            .upload_content(superoffice_client::models::DocumentId(9999), b"x".to_vec())
            .await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(sb.documents("Cust12345").unwrap().len(), 1);
}

#[tokio::test]
async fn sale_events_carry_the_documented_field_values() {
    let sb = sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let client = rest_client(&sb, &token);
    let mut receiver = Receiver::start().await;
    client
        .webhooks()
        .create(&Webhook::new(
            "oneflow-sales",
            receiver.url.clone(),
            ["sale.changed"],
            WebhookSecret::new("whsec-0123456789"),
        ))
        .await
        .unwrap();
    receiver.next().await; // the test ping
    let patch = JsonPatch::new().replace("Status", SaleStatus::Sold);
    client.sales().patch(OPEN, &patch).await.unwrap();
    let delivery = receiver.next().await;
    let payload: superoffice_client::models::WebhookPayload =
        serde_json::from_value(delivery.json()).unwrap();
    // Webhooks reference "Sale webhook events": no heading, amount or probability.
    for undocumented in ["heading", "amount", "probability", "sale_id"] {
        assert!(
            !payload.field_values.contains_key(undocumented),
            "{undocumented}"
        );
    }
    let fields = payload.sale_fields().unwrap();
    assert_eq!(fields.status, Some(SaleStatus::Sold));
    assert_eq!(fields.done, Some(true));
    assert_eq!(
        fields.contact_id,
        Some(ContactId(default_seed::FJORD_CONTACT_ID))
    );
    assert_eq!(payload.primary_key, Some(i64::from(OPEN.0)));
}
