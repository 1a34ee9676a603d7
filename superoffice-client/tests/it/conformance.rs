//! One client test suite, two backends: every scenario is written once and runs against
//! wiremock (fixtures in SuperOffice's wire format, `tests/fixtures/conformance/`) and against
//! the in-process sandbox (`superoffice_sandbox`, default seed).
//!
//! The fixtures describe the sandbox's default seed (tenant `Cust12345`, administrator
//! `admin@nordic.example` = associate 5, Sale 101 "Fleet tracking licence" for Fjord Shipping
//! ASA / Kari Nordmann, …), so the same assertions hold on both backends. A scenario asserts
//! only what a user of the client sees, and declares each HTTP exchange right before the call
//! that makes it: wiremock serves exactly those requests, and the sandbox's request log must
//! show exactly those requests with the same statuses (see `conformance/backend.rs`).

mod backend;

use crate::fixtures::fixture;
use backend::{Backend, Exchange, Mocked, Sandboxed};
use futures::TryStreamExt as _;
use serde_json::json;
use superoffice_client::models::{
    AssociateType, ContactId, JsonPatch, ListRef, PersonId, SaleId, SaleStatus, VisibleIn,
    WebPanelEntity,
};
use superoffice_client::odata::{Filter, Order};
use superoffice_client::Error;
use superoffice_sandbox::default_seed;

// Fixtures in SuperOffice's wire format. Field names and casing follow the Swagger files
// (Swagger-v1-User `SoPrincipal`, Swagger-v1-Sale `SaleEntityWithLinks`, Swagger-v1-Contact,
// Swagger-v1-Person, Swagger-v1-List `SaleStageEntity`/`WebPanelEntity`); OData pages follow
// en/api/search/odata/using-filters.md and the FindSale/AllUsers archive-provider references
// (en/api/archive-providers/reference/findsale.md, allusers.md); error bodies follow the
// error document `{"Error","ErrorType","ErrorMessage","ErrorSource"}`.
const CURRENT_PRINCIPAL: &str = fixture!("conformance/current_principal.json");
const SALE_101_OPEN: &str = fixture!("conformance/sale_101_open.json");
const SALE_101_SOLD: &str = fixture!("conformance/sale_101_sold.json");
const CONTACT_2: &str = fixture!("conformance/contact_2.json");
const PERSON_10: &str = fixture!("conformance/person_10.json");
const USERS_SELLER: &str = fixture!("conformance/users_by_email_seller.json");
const USERS_NONE: &str = fixture!("conformance/users_by_email_none.json");
const SALE_STAGES: &str = fixture!("conformance/sale_stages.json");
const WEB_PANEL_REQUEST: &str = fixture!("conformance/web_panel_create_request.json");
const WEB_PANEL: &str = fixture!("conformance/web_panel.json");
const WEB_PANEL_NONE: &str = fixture!("conformance/web_panel_by_prog_id_none.json");
const OPEN_SALES_PAGE_1: &str = fixture!("conformance/open_sales_page1.json");
const OPEN_SALES_PAGE_2: &str = fixture!("conformance/open_sales_page2.json");
const SALE_NOT_FOUND: &str = fixture!("conformance/error_sale_not_found.json");
const PATCH_TEST_FAILED: &str = fixture!("conformance/error_patch_test_failed.json");

/// The columns `users().find_by_email` selects.
const USER_COLUMNS: &str = "associateDbId,fullName,personEmail,userName,isActive,assocType";
const OPEN_SALE: i32 = default_seed::OPEN_SALE_ID;
const MISSING_SALE: i32 = 999_999;
const PANEL_PROG_ID: &str = "oneflow.sale-panel";

/// Two tests per scenario, `<scenario>::on_wiremock` and `<scenario>::on_sandbox` (a module
/// per scenario; it shares the scenario function's name, which lives in the value namespace).
macro_rules! conformance {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                use super::{Backend, Mocked, Sandboxed};

                #[tokio::test]
                async fn on_wiremock() {
                    let backend = Mocked::start().await;
                    super::$scenario(&backend).await;
                    backend.finish().await;
                }

                #[tokio::test]
                async fn on_sandbox() {
                    let backend = Sandboxed::start().await;
                    super::$scenario(&backend).await;
                    backend.finish().await;
                }
            }
        )+
    };
}

conformance!(
    principal_is_the_administrator,
    sale_with_its_company_and_person,
    close_sale_as_sold,
    repeated_close_is_a_conflict,
    find_user_by_email,
    stream_open_sales_in_pages,
    sale_stages_decode,
    web_panel_lifecycle,
    missing_sale_is_not_found,
);

/// The JSON Patch that closes an open Sale as Sold with reason 3 ("Product fit").
fn close_as_sold() -> JsonPatch {
    JsonPatch::new()
        .test("Status", SaleStatus::Open)
        .replace("Status", SaleStatus::Sold)
        .replace("ReasonSold", ListRef::id(3))
}

/// `close_as_sold` as it must appear on the wire.
fn close_as_sold_wire() -> serde_json::Value {
    json!([
        {"op": "test", "path": "Status", "value": "Open"},
        {"op": "replace", "path": "Status", "value": "Sold"},
        {"op": "replace", "path": "ReasonSold", "value": {"Id": 3}}
    ])
}

fn sale_path(id: i32) -> String {
    format!("v1/Sale/{id}")
}

/// The signed-in user is the tenant's General Administrator, associate 5.
async fn principal_is_the_administrator<B: Backend>(backend: &B) {
    let client = backend.client();
    backend
        .expect(Exchange::get("v1/User/currentPrincipal").answers(200, CURRENT_PRINCIPAL))
        .await;
    let me = client.users().current_principal().await.unwrap();

    assert!(me.is_administrator());
    assert!(me.has_function_right("ADMIN-ALL"), "case-insensitive");
    assert!(!me.has_function_right("admin-everything"));
    assert_eq!(me.associate_id.0, default_seed::ADMIN_ASSOCIATE_ID);
    assert_eq!(me.user_type, Some(AssociateType::InternalAssociate));
    assert_eq!(me.full_name.as_deref(), Some("Ada Admin"));
    assert_eq!(me.email_address.as_deref(), Some(default_seed::ADMIN_EMAIL));
    assert_eq!(
        me.database_context_identifier.as_deref(),
        Some(default_seed::MAIN_TENANT)
    );
}

/// Sale 101 with its stage, company and person; then the company and the person themselves.
async fn sale_with_its_company_and_person<B: Backend>(backend: &B) {
    let client = backend.client();
    backend
        .expect(Exchange::get(sale_path(OPEN_SALE)).answers(200, SALE_101_OPEN))
        .await;
    let sale = client.sales().get(SaleId(OPEN_SALE)).await.unwrap();
    assert_eq!(sale.sale_id, SaleId(OPEN_SALE));
    assert_eq!(sale.heading.as_deref(), Some("Fleet tracking licence"));
    assert_eq!(sale.status, Some(SaleStatus::Open));
    assert!(!sale.is_closed());
    assert_eq!(sale.stage_id(), Some(3));
    assert_eq!(
        sale.rating.as_ref().and_then(|r| r.value.as_deref()),
        Some("Proposal")
    );
    assert_eq!(sale.probability, Some(50));
    assert_eq!(sale.amount, Some(120_000.0));
    assert_eq!(
        sale.currency.as_ref().and_then(|c| c.value.as_deref()),
        Some("NOK")
    );
    assert_eq!(
        sale.associate_id().map(|a| a.0),
        Some(default_seed::SELLER_ASSOCIATE_ID)
    );
    let saledate = sale.saledate.expect("Saledate");
    assert_eq!(saledate.local().to_string(), "2026-12-15 00:00:00");
    let contact_id = sale.contact_id().expect("the Sale has a company");
    let person_id = sale.person_id().expect("the Sale has a person");
    assert_eq!(contact_id, ContactId(default_seed::FJORD_CONTACT_ID));
    assert_eq!(person_id, PersonId(default_seed::KARI_PERSON_ID));

    backend
        .expect(Exchange::get(format!("v1/Contact/{}", contact_id.0)).answers(200, CONTACT_2))
        .await;
    let company = client.contacts().get(contact_id).await.unwrap();
    assert_eq!(company.contact_id, contact_id);
    assert_eq!(company.name.as_deref(), Some("Fjord Shipping ASA"));
    assert_eq!(company.org_nr.as_deref(), Some("NO 987 654 321 MVA"));
    assert_eq!(company.department.as_deref(), Some("Procurement"));
    assert_eq!(company.country_code(), Some("NO"));
    assert_eq!(
        company.primary_email(),
        Some("contact@fjord-shipping.example")
    );
    assert_eq!(company.primary_phone(), Some("+47 55 12 34 56"));
    let street = company
        .address
        .as_ref()
        .and_then(|a| a.street.as_ref())
        .expect("a street address");
    assert_eq!(street.city.as_deref(), Some("Bergen"));
    assert_eq!(street.zipcode.as_deref(), Some("5013"));
    let mut people: Vec<i32> = company.persons.iter().map(|p| p.person_id.0).collect();
    people.sort_unstable();
    assert_eq!(people, vec![10, 11]);

    backend
        .expect(Exchange::get(format!("v1/Person/{}", person_id.0)).answers(200, PERSON_10))
        .await;
    let person = client.persons().get(person_id).await.unwrap();
    assert_eq!(person.person_id, person_id);
    assert_eq!(person.firstname.as_deref(), Some("Kari"));
    assert_eq!(person.lastname.as_deref(), Some("Nordmann"));
    assert_eq!(person.display_name(), "Kari Nordmann");
    assert_eq!(
        person.primary_email(),
        Some("kari.nordmann@fjord-shipping.example")
    );
    assert_eq!(person.primary_phone(), Some("+47 55 12 34 57"));
    assert_eq!(person.mobile_phone(), Some("+47 912 34 567"));
    assert_eq!(
        person.contact.as_ref().map(|c| c.contact_id),
        Some(contact_id)
    );
}

/// A patch guarded by `test Status Open` closes the Sale; reading it again shows Sold.
async fn close_sale_as_sold<B: Backend>(backend: &B) {
    let client = backend.client();
    backend
        .expect(
            Exchange::patch(sale_path(OPEN_SALE))
                .json_patch_body(close_as_sold_wire())
                .answers(200, SALE_101_SOLD),
        )
        .await;
    let sold = client
        .sales()
        .patch(SaleId(OPEN_SALE), &close_as_sold())
        .await
        .unwrap();
    assert_eq!(sold.sale_id, SaleId(OPEN_SALE));
    assert_eq!(sold.status, Some(SaleStatus::Sold));
    assert!(sold.is_closed());
    assert_eq!(sold.probability, Some(100));
    let reason = sold.reason_sold.as_ref().expect("ReasonSold");
    assert_eq!(reason.id, 3);
    assert_eq!(reason.value.as_deref(), Some("Product fit"));
    assert_eq!(sold.stage_id(), Some(3), "closing keeps the stage");
    assert_eq!(
        sold.updated_by.as_ref().map(|a| a.associate_id.0),
        Some(default_seed::ADMIN_ASSOCIATE_ID),
        "the administrator made the change"
    );

    backend
        .expect(Exchange::get(sale_path(OPEN_SALE)).answers(200, SALE_101_SOLD))
        .await;
    let again = client.sales().get(SaleId(OPEN_SALE)).await.unwrap();
    assert_eq!(again.status, Some(SaleStatus::Sold));
    assert_eq!(again.reason_sold.map(|r| r.id), Some(3));
}

/// The same guarded patch a second time: the `test` fails, 409, and nothing changes.
async fn repeated_close_is_a_conflict<B: Backend>(backend: &B) {
    let client = backend.client();
    let patch = close_as_sold();
    backend
        .expect(
            Exchange::patch(sale_path(OPEN_SALE))
                .json_patch_body(close_as_sold_wire())
                .answers(200, SALE_101_SOLD),
        )
        .await;
    let sold = client
        .sales()
        .patch(SaleId(OPEN_SALE), &patch)
        .await
        .unwrap();
    assert_eq!(sold.status, Some(SaleStatus::Sold));

    backend
        .expect(
            Exchange::patch(sale_path(OPEN_SALE))
                .json_patch_body(close_as_sold_wire())
                .answers(409, PATCH_TEST_FAILED),
        )
        .await;
    let err = client
        .sales()
        .patch(SaleId(OPEN_SALE), &patch)
        .await
        .unwrap_err();
    let Error::Conflict(details) = &err else {
        panic!("expected Error::Conflict, got {err:?}");
    };
    assert_eq!(details.status().as_u16(), 409);
    assert_eq!(details.path_template(), "v1/Sale/{id}");
    assert!(details.error_type().is_some(), "{details:?}");
    assert!(
        details.message().is_some_and(|m| m.contains("Status")),
        "{details:?}"
    );
    assert!(!err.is_retryable());

    backend
        .expect(Exchange::get(sale_path(OPEN_SALE)).answers(200, SALE_101_SOLD))
        .await;
    let unchanged = client.sales().get(SaleId(OPEN_SALE)).await.unwrap();
    assert_eq!(unchanged.status, Some(SaleStatus::Sold));
    assert_eq!(unchanged.probability, Some(100));
}

/// The `User` OData list filtered by a quoted e-mail literal: the seller, then nobody.
async fn find_user_by_email<B: Backend>(backend: &B) {
    let client = backend.client();
    backend
        .expect(
            Exchange::get("v1/User")
                .query("$select", USER_COLUMNS)
                .query("$filter", "personEmail is 'seller@nordic.example'")
                .query("$top", "50")
                .query("$output", "Logical")
                .answers(200, USERS_SELLER),
        )
        .await;
    let users = client
        .users()
        .find_by_email(default_seed::SELLER_EMAIL)
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    let seller = &users[0];
    assert_eq!(seller.associate_id.0, default_seed::SELLER_ASSOCIATE_ID);
    assert_eq!(seller.full_name.as_deref(), Some("Sam Seller"));
    assert_eq!(seller.email.as_deref(), Some(default_seed::SELLER_EMAIL));
    assert_eq!(
        seller.user_name.as_deref(),
        Some(default_seed::SELLER_EMAIL)
    );
    assert!(seller.is_active);
    assert_eq!(seller.assoc_type.as_deref(), Some("InternalAssociate"));

    backend
        .expect(
            Exchange::get("v1/User")
                .query("$select", USER_COLUMNS)
                .query("$filter", "personEmail is 'nobody@nordic.example'")
                .query("$top", "50")
                .query("$output", "Logical")
                .answers(200, USERS_NONE),
        )
        .await;
    let nobody = client
        .users()
        .find_by_email("nobody@nordic.example")
        .await
        .unwrap();
    assert!(nobody.is_empty(), "{nobody:?}");

    // Refused locally: nothing is sent (the backends would report an undeclared request).
    assert!(matches!(
        client.users().find_by_email("not an address").await,
        Err(Error::InvalidInput(_))
    ));
}

/// The open Sales as an OData stream, two rows a page: the second page comes from
/// `odata.nextLink`, and the short second page ends the stream.
async fn stream_open_sales_in_pages<B: Backend>(backend: &B) {
    let client = backend.client();
    let page = |skip: Option<&str>| {
        let exchange = Exchange::get("v1/Sale")
            .query("$select", "saleId,heading,stage")
            .query("$filter", "saleStatus equals 1")
            .query("$orderBy", "saleId")
            .query("$top", "2")
            .query("$output", "Logical");
        match skip {
            Some(skip) => exchange.query("$skip", skip),
            None => exchange,
        }
    };
    backend
        .expect(page(None).answers(200, OPEN_SALES_PAGE_1))
        .await;
    backend
        .expect(page(Some("2")).answers(200, OPEN_SALES_PAGE_2))
        .await;
    let rows: Vec<_> = client
        .sales()
        .list()
        .select(["saleId", "heading", "stage"])
        .filter(Filter::equals("saleStatus", 1))
        .order_by("saleId", Order::Asc)
        .top(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let got: Vec<(Option<i64>, Option<String>, Option<String>)> = rows
        .iter()
        .map(|r| (r.int("saleId"), r.text("heading"), r.text("stage")))
        .collect();
    let row = |id: i64, heading: &str, stage: &str| {
        (Some(id), Some(heading.to_owned()), Some(stage.to_owned()))
    };
    assert_eq!(
        got,
        vec![
            row(101, "Fleet tracking licence", "Proposal"),
            row(102, "Support agreement 2027", "Qualification"),
            row(105, "Partner's workshop", "Lead"),
        ]
    );
    assert!(rows.iter().all(|r| r.primary_key() == r.int("saleId")));
}

/// The sale stages (`List/Rating`) with ids, names and default probabilities.
async fn sale_stages_decode<B: Backend>(backend: &B) {
    let client = backend.client();
    backend
        .expect(Exchange::get("v1/List/Rating/Items").answers(200, SALE_STAGES))
        .await;
    let stages = client.lists().sale_stages(false).await.unwrap();
    let got: Vec<(i32, &str, Option<i32>)> = stages
        .iter()
        .map(|s| {
            (
                s.sale_stage_id,
                s.value.as_deref().unwrap_or(""),
                s.probability,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1, "Lead", Some(10)),
            (2, "Qualification", Some(25)),
            (3, "Proposal", Some(50)),
            (4, "Negotiation", Some(75)),
            (5, "Verbal agreement", Some(90)),
        ]
    );
    assert!(stages.iter().all(|s| !s.deleted));
}

/// Create a web panel, find it by ProgId, delete it for good, and no longer find it.
async fn web_panel_lifecycle<B: Backend>(backend: &B) {
    let client = backend.client();
    let mut panel = WebPanelEntity::new(
        "Oneflow Contract",
        "https://contracts.example.com/superoffice/sale?ctx=<uctx>&sale=<said>&user=<usid>",
        VisibleIn::SaleArchive,
        PANEL_PROG_ID,
    );
    panel.tooltip = Some("Oneflow contracts for this Sale (Oneflow AB)".to_owned());
    let expected_body = serde_json::from_str(WEB_PANEL_REQUEST).unwrap();
    backend
        .expect(
            Exchange::post("v1/List/WebPanel/Items")
                .json_body(expected_body)
                .answers(200, WEB_PANEL),
        )
        .await;
    let created = client.web_panels().create(&panel).await.unwrap();
    assert!(created.web_panel_id.0 > 0, "{created:?}");
    assert_eq!(created.prog_id.as_deref(), Some(PANEL_PROG_ID));
    assert_eq!(created.name, panel.name);
    assert_eq!(created.url, panel.url);
    assert_eq!(created.visible_in, Some(VisibleIn::SaleArchive));
    assert!(!created.deleted);

    let by_prog_id = || {
        Exchange::post("v1/Agents/List/GetWebPanelByProgId")
            .json_body(json!({ "ProgId": PANEL_PROG_ID }))
    };
    backend.expect(by_prog_id().answers(200, WEB_PANEL)).await;
    let found = client
        .web_panels()
        .get_by_prog_id(PANEL_PROG_ID)
        .await
        .unwrap()
        .expect("the new panel is found by its ProgId");
    assert_eq!(found.web_panel_id, created.web_panel_id);
    assert_eq!(found.tooltip, panel.tooltip);

    backend
        .expect(
            Exchange::post("v1/Agents/List/DeleteWebPanel")
                .json_body(json!({ "Id": created.web_panel_id.0 }))
                .answers_empty(204),
        )
        .await;
    client
        .web_panels()
        .delete_permanently(created.web_panel_id)
        .await
        .unwrap();

    backend
        .expect(by_prog_id().answers(200, WEB_PANEL_NONE))
        .await;
    let gone = client
        .web_panels()
        .get_by_prog_id(PANEL_PROG_ID)
        .await
        .unwrap();
    assert!(gone.is_none(), "{gone:?}");
}

/// A Sale that does not exist: `Error::NotFound` with SuperOffice's error document.
async fn missing_sale_is_not_found<B: Backend>(backend: &B) {
    let client = backend.client();
    backend
        .expect(Exchange::get(sale_path(MISSING_SALE)).answers(404, SALE_NOT_FOUND))
        .await;
    let err = client.sales().get(SaleId(MISSING_SALE)).await.unwrap_err();
    let Error::NotFound(details) = &err else {
        panic!("expected Error::NotFound, got {err:?}");
    };
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(details.path_template(), "v1/Sale/{id}");
    assert_eq!(details.error_type(), Some("SoNotFoundException"));
    assert!(
        details.message().is_some_and(|m| m.contains("999999")),
        "{details:?}"
    );
    assert!(!err.is_retryable());
    assert!(
        !err.to_string().contains("Bearer"),
        "errors never carry the credential: {err}"
    );
}
