//! Each recipe in `examples/examples/` runs against fresh sandboxes, and its effect is read
//! back from them.
//!
//! The recipe files are compiled in here as modules (their `main` is not called), so the
//! tests exercise exactly the code `cargo run -p examples --example <name>` runs.

#[allow(dead_code)]
#[path = "../examples/close_sale.rs"]
mod close_sale;
#[allow(dead_code)]
#[path = "../examples/create_contract.rs"]
mod create_contract;
#[allow(dead_code)]
#[path = "../examples/flush_url.rs"]
mod flush_url;
#[allow(dead_code)]
#[path = "../examples/list_templates.rs"]
mod list_templates;
#[allow(dead_code)]
#[path = "../examples/verify_webhooks.rs"]
mod verify_webhooks;

use std::collections::BTreeSet;

use examples::recipes::{RecipeError, Sandboxes, Services};
use integration_core::policy::template_filter::TemplateRejection;
use oneflow_client::models::ContractState;
use oneflow_sandbox::default_seed as of_seed;
use superoffice_client::models::{SaleId, SaleStatus};
use superoffice_client::CustomerIdError;
use superoffice_sandbox::default_seed as so_seed;

#[tokio::test]
async fn create_contract_publishes_a_contract_with_the_sale_data_and_the_pdf() {
    let sandboxes = Sandboxes::start().await.unwrap();
    let services = sandboxes.services().unwrap();
    let pdf = b"%PDF-1.4\n% test offer\n%%EOF\n".to_vec();

    let created = create_contract::run(&services, SaleId(so_seed::OPEN_SALE_ID), pdf)
        .await
        .unwrap();

    // Read back through Oneflow: published, named after the Sale, the file attached.
    let oneflow = &services.oneflow;
    let contract = oneflow.contracts().get(created.contract.id).await.unwrap();
    assert_eq!(contract.state, ContractState::Pending);
    assert_eq!(contract.name(), Some("Fleet tracking licence"));
    let files = oneflow.files().list(contract.id).await.unwrap();
    assert!(
        files
            .iter()
            .any(|f| f.id == created.file.id && f.name.as_deref() == Some("offer.pdf")),
        "{files:?}"
    );
    // The counterparty is the Sale's company, its signatory the Sale's person.
    let party = contract.counterparties().next().expect("a counterparty");
    assert_eq!(party.name.as_deref(), Some("Fjord Shipping ASA"));
    let participants: Vec<_> = party.all_participants().collect();
    assert_eq!(participants.len(), 1);
    assert_eq!(participants[0].name.as_deref(), Some("Kari Nordmann"));
    assert!(participants[0].signatory);
    // The link data fields.
    let fields = oneflow
        .contracts()
        .data_fields(contract.id)
        .list()
        .await
        .unwrap();
    let value = |id: &str| {
        fields
            .iter()
            .find(|f| f.custom_id() == Some(id))
            .and_then(|f| f.value.clone())
    };
    assert_eq!(
        value(create_contract::SALE_ID_FIELD).as_deref(),
        Some("101")
    );
    assert_eq!(
        value(create_contract::COMPANY_ID_FIELD).as_deref(),
        Some(so_seed::FJORD_CONTACT_ID.to_string().as_str())
    );
    assert_eq!(
        value(create_contract::HEADING_FIELD).as_deref(),
        Some("Fleet tracking licence")
    );
    sandboxes.shutdown().await;
}

#[tokio::test]
async fn create_contract_refuses_a_sale_without_person_before_touching_oneflow() {
    let sandboxes = Sandboxes::start().await.unwrap();
    let services = sandboxes.services().unwrap();
    // Sale 105 "Partner's workshop" has a company but no person.
    let error = create_contract::run(&services, SaleId(105), b"%PDF-1.4".to_vec())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RecipeError::Precondition(text) if text.contains("no person")),
        "{error:?}"
    );
    assert!(
        sandboxes.oneflow.requests().is_empty(),
        "nothing may reach Oneflow: {:?}",
        sandboxes.oneflow.requests()
    );
    sandboxes.shutdown().await;
}

#[tokio::test]
async fn verify_webhooks_accepts_real_deliveries_and_refuses_altered_ones() {
    use oneflow_client::webhook::WebhookError as OfError;
    use superoffice_client::webhook::WebhookError as SoError;

    let sandboxes = Sandboxes::start().await.unwrap();
    let v = verify_webhooks::run(&sandboxes).await.unwrap();

    let oneflow = v.oneflow.expect("the Oneflow delivery verifies");
    assert!(oneflow
        .events
        .iter()
        .any(|e| e.event_type.as_str() == "contract:publish"));
    assert!(matches!(v.oneflow_wrong_key, OfError::InvalidSignature));
    assert!(matches!(v.oneflow_tampered, OfError::InvalidSignature));

    let superoffice = v.superoffice.expect("the SuperOffice delivery verifies");
    assert_eq!(superoffice.event.as_deref(), Some("sale.changed"));
    assert_eq!(
        superoffice.primary_key,
        Some(i64::from(so_seed::OPEN_SALE_ID))
    );
    assert_eq!(v.superoffice_wrong_secret, SoError::InvalidSignature);
    assert_eq!(v.superoffice_tampered, SoError::InvalidSignature);
    assert_eq!(v.superoffice_unsigned, SoError::MissingSignature);
    sandboxes.shutdown().await;
}

#[tokio::test]
async fn list_templates_offers_the_users_active_superoffice_templates() {
    let sandboxes = Sandboxes::start().await.unwrap();

    let seller = sandboxes.oneflow_client(so_seed::SELLER_EMAIL).unwrap();
    let templates = list_templates::run(&seller).await.unwrap();
    let offered: BTreeSet<(&str, &str)> = templates
        .offered
        .iter()
        .map(|o| (o.workspace.as_str(), o.template.name.as_str()))
        .collect();
    let expected: BTreeSet<(&str, &str)> = [
        of_seed::TEMPLATE_PDF,
        of_seed::TEMPLATE_ATTACHMENTS,
        of_seed::TEMPLATE_PDF_AND_ATTACHMENTS,
        of_seed::TEMPLATE_PLAIN,
    ]
    .into_iter()
    .map(|name| (of_seed::SALES_WORKSPACE, name))
    .collect();
    // Not the inactive template, nothing from the admins' "Legal" workspace.
    assert_eq!(offered, expected);
    // Usable in Oneflow, but not SuperOffice templates: refused with the reason.
    assert!(templates.refused.contains(&(
        of_seed::TEMPLATE_HR.to_owned(),
        TemplateRejection::NotSuperOfficeType {
            type_name: of_seed::HR_TYPE.to_owned()
        }
    )));
    assert!(templates.refused.contains(&(
        of_seed::TEMPLATE_UNTYPED.to_owned(),
        TemplateRejection::NoTemplateType
    )));

    // The admin may also use the "Legal" workspace.
    let admin = sandboxes.oneflow_client(so_seed::ADMIN_EMAIL).unwrap();
    let templates = list_templates::run(&admin).await.unwrap();
    assert!(templates
        .offered
        .iter()
        .any(|o| o.workspace == of_seed::LEGAL_WORKSPACE
            && o.template.name == of_seed::TEMPLATE_PDF_AND_ATTACHMENTS));
    sandboxes.shutdown().await;
}

#[test]
fn flush_url_from_any_tenant_url() {
    for (input, expected) in [
        (
            "https://sod2.superoffice.com/Cust12345/api/v1/Sale/4",
            "https://sod2.superoffice.com/Cust12345/default.aspx?flush",
        ),
        (
            "https://online3.superoffice.com/cust67890/api/",
            "https://online3.superoffice.com/Cust67890/default.aspx?flush",
        ),
        (
            " https://online.superoffice.com/Cust1/default.aspx?sale.main?sale_id=7#x ",
            "https://online.superoffice.com/Cust1/default.aspx?flush",
        ),
        (
            "http://127.0.0.1:8123/Cust12345/api/",
            "http://127.0.0.1:8123/Cust12345/default.aspx?flush",
        ),
    ] {
        assert_eq!(flush_url::run(input).unwrap().as_str(), expected, "{input}");
    }
}

#[test]
fn flush_url_refuses_urls_that_name_no_tenant() {
    use flush_url::FlushUrlError;
    assert!(matches!(
        flush_url::run("https://online.superoffice.com/login/common/oauth/authorize?x=Cust1"),
        Err(FlushUrlError::NoTenant(
            CustomerIdError::NoCustomerIdInUrl { .. }
        ))
    ));
    assert!(matches!(
        flush_url::run("online.superoffice.com/Cust12345"),
        Err(FlushUrlError::NoTenant(CustomerIdError::InvalidUrl { .. }))
    ));
    assert!(matches!(
        flush_url::run("file:///Cust12345/default.aspx"),
        Err(FlushUrlError::NotHttp { scheme }) if scheme == "file"
    ));
    let error = flush_url::run("https://online.superoffice.com/").unwrap_err();
    assert!(error.to_string().contains("no customer id"), "{error}");
}

#[tokio::test]
async fn flush_url_is_the_page_the_tenant_serves() {
    let sandboxes = Sandboxes::start().await.unwrap();
    let api_base = sandboxes
        .superoffice
        .api_base(so_seed::MAIN_TENANT)
        .unwrap();
    let url = flush_url::run(&api_base).unwrap();
    assert!(
        url.as_str().ends_with("/Cust12345/default.aspx?flush"),
        "{url}"
    );

    // Opened as the General Administrator (as a browser would, with the admin's session).
    let token = sandboxes
        .superoffice
        .issue_access_token(so_seed::ADMIN_EMAIL)
        .unwrap();
    let status = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    assert_eq!(
        sandboxes
            .superoffice
            .flush_count(so_seed::MAIN_TENANT)
            .unwrap(),
        1
    );
    sandboxes.shutdown().await;
}

#[tokio::test]
async fn close_sale_sells_an_open_sale_and_reports_conflicts() {
    use close_sale::{Closed, Guard};

    let sandboxes = Sandboxes::start().await.unwrap();
    let client = sandboxes.superoffice_client(so_seed::SELLER_EMAIL).unwrap();
    let status = |id: i32| {
        sandboxes
            .superoffice
            .sale(so_seed::MAIN_TENANT, id)
            .unwrap()["Status"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };

    // Sold.
    let seen = client
        .sales()
        .get(SaleId(so_seed::OPEN_SALE_ID))
        .await
        .unwrap();
    let closed = close_sale::run(&client, &seen).await.unwrap();
    assert!(matches!(&closed, Closed::Sold(s) if s.status == Some(SaleStatus::Sold)));
    assert_eq!(status(so_seed::OPEN_SALE_ID), "Sold");

    // Changed in the CRM after our read: If-Unmodified-Since catches it (412).
    let seen = client
        .sales()
        .get(SaleId(so_seed::SECOND_OPEN_SALE_ID))
        .await
        .unwrap();
    sandboxes
        .superoffice
        .set_sale_status(
            so_seed::MAIN_TENANT,
            so_seed::SECOND_OPEN_SALE_ID,
            superoffice_sandbox::SaleStatus::Lost,
            so_seed::ADMIN_ASSOCIATE_ID,
        )
        .unwrap();
    let closed = close_sale::run(&client, &seen).await.unwrap();
    assert!(
        matches!(&closed, Closed::Conflict { guard: Guard::UnmodifiedSince, current }
            if current.status == Some(SaleStatus::Lost)),
        "{closed:?}"
    );
    assert_eq!(status(so_seed::SECOND_OPEN_SALE_ID), "Lost");

    // A copy without UpdatedDate: only the `test` op guards the write (409).
    let mut seen = client.sales().get(SaleId(105)).await.unwrap();
    seen.updated_date = None;
    sandboxes
        .superoffice
        .set_sale_status(
            so_seed::MAIN_TENANT,
            105,
            superoffice_sandbox::SaleStatus::Stalled,
            so_seed::ADMIN_ASSOCIATE_ID,
        )
        .unwrap();
    let closed = close_sale::run(&client, &seen).await.unwrap();
    assert!(
        matches!(&closed, Closed::Conflict { guard: Guard::TestOp, current }
            if current.status == Some(SaleStatus::Stalled)),
        "{closed:?}"
    );
    assert_eq!(status(105), "Stalled");

    // A Sale that is not open: nothing is sent.
    let patches_before = patch_count(&sandboxes);
    let seen = client
        .sales()
        .get(SaleId(so_seed::SOLD_SALE_ID))
        .await
        .unwrap();
    let closed = close_sale::run(&client, &seen).await.unwrap();
    assert!(matches!(closed, Closed::NotOpen(Some(SaleStatus::Sold))));
    assert_eq!(patch_count(&sandboxes), patches_before);
    sandboxes.shutdown().await;
}

fn patch_count(sandboxes: &Sandboxes) -> usize {
    sandboxes
        .superoffice
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .count()
}

#[test]
fn real_services_need_all_variables_or_none() {
    assert!(Services::from_lookup(|_| None).unwrap().is_none());
    let partial =
        Services::from_lookup(|name| (name == "ONEFLOW_API_TOKEN").then(|| "x".repeat(40)))
            .unwrap_err();
    assert!(
        matches!(
            partial,
            RecipeError::MissingVariable {
                name: "ONEFLOW_USER_EMAIL"
            }
        ),
        "{partial:?}"
    );
    let all = Services::from_lookup(|name| {
        Some(match name {
            "ONEFLOW_API_TOKEN" => "t".repeat(40),
            "ONEFLOW_USER_EMAIL" => "seller@ourco.example".into(),
            "SUPEROFFICE_API_BASE" => "https://sod2.superoffice.com/Cust12345/api/".into(),
            "SUPEROFFICE_ACCESS_TOKEN" => "8A:Cust12345.token".into(),
            _ => return None,
        })
    })
    .unwrap()
    .expect("configured");
    assert_eq!(all.user_email, "seller@ourco.example");
    assert_eq!(
        all.superoffice.api_base().as_str(),
        "https://sod2.superoffice.com/Cust12345/api/"
    );
    // Secrets stay out of Debug output.
    let debug = format!("{all:?}");
    assert!(
        !debug.contains("tttttttt") && !debug.contains("8A:Cust12345.token"),
        "{debug}"
    );
}
