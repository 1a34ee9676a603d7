//! Contacts, persons, users, lists, functional rights and documents: request shape and
//! decoding.

use crate::fixtures::fixture;
use crate::rest_support;
use rest_support::{client, json_body, silent_server, API, BEARER_1};

use futures::TryStreamExt;
use serde_json::json;
use superoffice_client::models::{
    AddressType, AssociateType, ContactId, DocumentEntity, DocumentId, DurationUnit, PersonId,
    RoleType, SaleId,
};
use superoffice_client::Error;
use wiremock::matchers::{
    body_bytes, body_json, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

// `ContactEntity`/`PersonEntity` fields from Swagger-v1-Contact and Swagger-v1-Person.
const CONTACT: &str = fixture!("rest/contact.json");

const PERSON: &str = fixture!("rest/person.json");

const PRINCIPAL: &str = fixture!("rest/current_principal.json");

const ASSOCIATE: &str = fixture!("rest/current_associate.json");

const USERS: &str = fixture!("rest/users_by_email.json");

const STAGES: &str = fixture!("rest/sale_stages.json");

const TYPES: &str = fixture!("rest/sale_types.json");

const REASONS_LOST: &str = fixture!("rest/reasons_lost.json");

const REASONS_SOLD: &str = fixture!("rest/reasons_sold.json");

async fn serve(server: &MockServer, route: &str, body: &str) {
    Mock::given(method("GET"))
        .and(path(format!("{API}/{route}")))
        .and(header("Authorization", BEARER_1))
        .and(header("Accept", "application/json"))
        .respond_with(json_body(body))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn contact_decodes_company_fields() {
    let server = MockServer::start().await;
    serve(&server, "v1/Contact/7", CONTACT).await;
    let (client, _) = client(&server);
    let company = client.contacts().get(ContactId(7)).await.unwrap();
    assert_eq!(company.contact_id, ContactId(7));
    assert_eq!(company.name.as_deref(), Some("Nordic Timber AS"));
    assert_eq!(company.org_nr.as_deref(), Some("NO912345678MVA"));
    assert_eq!(company.primary_email(), Some("post@nordictimber.example"));
    assert_eq!(company.primary_phone(), Some("+47 22 00 00 00"));
    assert_eq!(company.primary_url(), Some("https://nordictimber.example"));
    assert_eq!(company.country_code(), Some("NO"));
    let address = company.address.as_ref().unwrap();
    let street = address.street.as_ref().unwrap();
    assert_eq!(street.address1.as_deref(), Some("Storgata 1"));
    assert_eq!(street.address_type, Some(AddressType::ContactStreetAddress));
    assert_eq!(
        address.postal.as_ref().unwrap().zipcode.as_deref(),
        Some("0101")
    );
    assert_eq!(company.persons.len(), 2);
    assert_eq!(company.persons[1].lastname.as_deref(), Some("O'Brien"));
    assert_eq!(company.custom_fields["SuperOffice:1"], "Gold");
    assert_eq!(company.deleted, Some(0));
    assert!(company.extra.contains_key("Domains"));
}

#[tokio::test]
async fn person_decodes_names_emails_and_phones() {
    let server = MockServer::start().await;
    serve(&server, "v1/Person/8", PERSON).await;
    let (client, _) = client(&server);
    let person = client.persons().get(PersonId(8)).await.unwrap();
    assert_eq!(person.person_id, PersonId(8));
    assert_eq!(person.display_name(), "Ola Nordmann");
    assert_eq!(person.title.as_deref(), Some("Procurement manager"));
    assert_eq!(
        person.position.as_ref().unwrap().value.as_deref(),
        Some("Head of Procurement")
    );
    assert_eq!(
        person.primary_email(),
        Some("ola.nordmann@nordictimber.example")
    );
    assert_eq!(person.primary_phone(), Some("+47 22 00 00 01"));
    assert_eq!(person.mobile_phone(), Some("+47 900 00 001"));
    assert_eq!(person.contact.as_ref().unwrap().contact_id, ContactId(7));
    assert_eq!(
        person
            .country
            .as_ref()
            .unwrap()
            .two_letter_iso_country
            .as_deref(),
        Some("NO")
    );
    assert_eq!(person.birth_date, None);
    assert!(!person.retired);
}

#[tokio::test]
async fn persons_of_a_contact_use_the_person_list() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Person")))
        .and(query_param("$filter", "contactId eq 7"))
        .and(query_param(
            "$select",
            "personId,firstName,middleName,lastName,fullName,email/emailAddress,title,contactId",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "odata.metadata": "x",
            "value": [
                {"PrimaryKey": 8, "EntityName": "person", "personId": 8, "fullName": "Ola Nordmann", "email/emailAddress": "ola.nordmann@nordictimber.example", "contactId": 7},
                {"PrimaryKey": 9, "EntityName": "person", "personId": 9, "fullName": "Kari O'Brien", "email/emailAddress": "", "contactId": 7}
            ]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let rows: Vec<_> = client
        .persons()
        .of_contact(ContactId(7))
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].text("fullName").as_deref(), Some("Kari O'Brien"));
}

#[tokio::test]
async fn contact_persons_sub_list() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Contact/7/Persons")))
        .and(query_param("$top", "5"))
        .and(query_param_is_missing("$skip"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "value": [{"personId": 8}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let page = client
        .contacts()
        .persons(ContactId(7))
        .top(5)
        .send()
        .await
        .unwrap();
    assert_eq!(page.value[0].int("personId"), Some(8));
}

#[tokio::test]
async fn current_principal_and_associate() {
    let server = MockServer::start().await;
    serve(&server, "v1/User/currentPrincipal", PRINCIPAL).await;
    serve(&server, "v1/User/currentAssociate", ASSOCIATE).await;
    let (client, _) = client(&server);
    let me = client.users().current_principal().await.unwrap();
    assert!(me.is_administrator());
    assert!(me.has_function_right("ADMIN-LISTS"));
    assert_eq!(me.associate_id.0, 5);
    assert_eq!(me.user_type, Some(AssociateType::InternalAssociate));
    assert_eq!(me.role_type, Some(RoleType::Employee));
    assert_eq!(me.email_address.as_deref(), Some("jane.obrien@example.com"));
    assert_eq!(me.database_context_identifier.as_deref(), Some("Cust12345"));
    assert_eq!(me.secondary_groups, [3, 4]);
    assert!(me.extra.contains_key("EjUserStatus"));

    let associate = client.users().current_associate().await.unwrap();
    assert_eq!(associate.associate_id.0, 5);
    assert_eq!(associate.full_name.as_deref(), Some("Jane O'Brien"));
}

#[tokio::test]
async fn principal_without_admin_all_is_not_administrator() {
    let mut principal: serde_json::Value = serde_json::from_str(PRINCIPAL).unwrap();
    principal["FunctionRights"] = serde_json::json!(["admin-lists"]);
    let parsed: superoffice_client::models::Principal = serde_json::from_value(principal).unwrap();
    assert!(!parsed.is_administrator());
}

#[tokio::test]
async fn find_by_email_quotes_the_address() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/User")))
        .and(query_param(
            "$select",
            "associateDbId,fullName,personEmail,userName,isActive,assocType",
        ))
        .and(query_param(
            "$filter",
            r"personEmail is 'jane.o\'brien@example.com'",
        ))
        .respond_with(json_body(USERS))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let users = client
        .users()
        .find_by_email(" jane.o'brien@example.com ")
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].associate_id.0, 5);
    assert_eq!(users[0].email.as_deref(), Some("jane.o'brien@example.com"));
    assert!(users[0].is_active);
    assert_eq!(
        users[0].user_name.as_deref(),
        Some("jane.obrien@example.com")
    );

    assert!(matches!(
        client.users().find_by_email("not-an-address").await,
        Err(Error::InvalidInput(_))
    ));
}

#[tokio::test]
async fn sale_stages_types_and_reasons() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/List/Rating/Items")))
        .and(query_param("includeDeleted", "true"))
        .respond_with(json_body(STAGES))
        .expect(1)
        .mount(&server)
        .await;
    serve(&server, "v1/List/SaleType/Items", TYPES).await;
    serve(&server, "v1/List/Reason/Items", REASONS_LOST).await;
    serve(&server, "v1/List/ReasonSold/Items", REASONS_SOLD).await;
    let (client, _) = client(&server);
    let lists = client.lists();

    let stages = lists.sale_stages(true).await.unwrap();
    assert_eq!(stages.len(), 5);
    assert_eq!(stages[2].sale_stage_id, 3);
    assert_eq!(stages[2].value.as_deref(), Some("Proposal"));
    assert_eq!(stages[2].probability, Some(50));
    assert!(stages[4].deleted);

    let types = lists.sale_types().await.unwrap();
    assert_eq!(types[0].duration_unit, Some(DurationUnit::Month));
    let selected: Vec<_> = types[0].selected_stages().map(|s| s.id).collect();
    assert_eq!(selected, [1, 3]);
    assert!(types[0].has_guide);

    let lost = lists.reasons_lost().await.unwrap();
    assert_eq!(lost[1].name.as_deref(), Some("Chose a competitor"));
    let sold = lists.reasons_sold().await.unwrap();
    assert_eq!(sold[0].id, 3);
}

#[tokio::test]
async fn sale_stages_without_deleted_send_no_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/List/Rating/Items")))
        .and(query_param_is_missing("includeDeleted"))
        .respond_with(json_body(STAGES))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    client.lists().sale_stages(false).await.unwrap();
}

#[tokio::test]
async fn sub_lists_of_invalid_ids_are_refused_locally() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    assert!(matches!(
        client.contacts().persons(ContactId(0)).send().await,
        Err(Error::InvalidInput(_))
    ));
    let streamed: Result<Vec<_>, _> = client
        .persons()
        .of_contact(ContactId(-1))
        .stream()
        .try_collect()
        .await;
    assert!(matches!(streamed, Err(Error::InvalidInput(_))));
    assert!(matches!(
        client.contacts().get(ContactId(0)).await,
        Err(Error::InvalidInput(_))
    ));
}

const DOCUMENT: &str = fixture!("rest/document.json");

#[tokio::test]
async fn has_function_right_posts_the_documented_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Agents/Sentry/HasFunctionRight")))
        .and(body_json(json!({"FunctionRight": "admin-all"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(true)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Agents/Sentry/GetFunctionRights")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(["admin-all", "admin-lists"])))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    assert!(client
        .users()
        .has_function_right("admin-all")
        .await
        .unwrap());
    assert_eq!(
        client.users().function_rights().await.unwrap(),
        ["admin-all", "admin-lists"]
    );
    assert!(matches!(
        client.users().has_function_right(" ").await,
        Err(Error::InvalidInput(_))
    ));
}

// ---- item 15: documents ------------------------------------------------------------------

#[test]
fn document_decodes_from_a_swagger_shaped_fixture() {
    let doc: DocumentEntity = serde_json::from_str(DOCUMENT).unwrap();
    assert_eq!(doc.document_id, DocumentId(88));
    assert_eq!(doc.name.as_deref(), Some("contract-101.pdf"));
    assert_eq!(
        doc.document_template.as_ref().unwrap().document_template_id,
        3
    );
    assert_eq!(doc.sale.as_ref().unwrap().sale_id, SaleId(101));
    assert_eq!(doc.contact.as_ref().unwrap().contact_id, ContactId(2));
    assert!(doc.created_date.is_some());
}

#[tokio::test]
async fn document_create_then_upload_and_read_content() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Document")))
        .and(wiremock::matchers::body_partial_json(json!({
            "DocumentId": 0,
            "Header": "Signed contract",
            "Name": "contract-101.pdf",
            "DocumentTemplate": {"DocumentTemplateId": 3},
            "Contact": {"ContactId": 2},
            "Person": {"PersonId": 10},
            "Sale": {"SaleId": 101}
        })))
        .respond_with(json_body(DOCUMENT))
        .expect(1)
        .mount(&server)
        .await;
    let pdf = b"%PDF-1.7 signed".to_vec();
    Mock::given(method("PUT"))
        .and(path(format!("{API}/v1/Document/88/Content")))
        .and(header("content-type", "application/octet-stream"))
        .and(body_bytes(pdf.clone()))
        .respond_with(json_body(DOCUMENT))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Document/88/Content")))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(pdf.clone(), "application/octet-stream"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let record = DocumentEntity::new("Signed contract", "contract-101.pdf", 3).on_sale(
        SaleId(101),
        ContactId(2),
        Some(PersonId(10)),
    );
    let created = client.documents().create(&record).await.unwrap();
    client
        .documents()
        .upload_content(created.document_id, pdf.clone())
        .await
        .unwrap();
    let content = client.documents().content(DocumentId(88)).await.unwrap();
    assert_eq!(content.as_ref(), pdf.as_slice());
}

#[tokio::test]
async fn document_input_is_checked_before_sending() {
    let server = silent_server().await;
    let (client, _) = client(&server);
    let docs = client.documents();
    let ok = DocumentEntity::new("Signed contract", "contract.pdf", 3);
    let mut no_header = ok.clone();
    no_header.header = Some(" ".into());
    let mut path_name = ok.clone();
    path_name.name = Some("../etc/contract.pdf".into());
    let no_template = DocumentEntity::new("Signed contract", "contract.pdf", 0);
    let mut with_id = ok.clone();
    with_id.document_id = DocumentId(5);
    for bad in [no_header, path_name, no_template, with_id] {
        assert!(
            matches!(docs.create(&bad).await, Err(Error::InvalidInput(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        docs.upload_content(DocumentId(1), Vec::new()).await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        docs.upload_content(DocumentId(0), b"x".to_vec()).await,
        Err(Error::InvalidInput(_))
    ));
}
