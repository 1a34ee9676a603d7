//! `/v1/Document`: the document record and its content (docs: "Generate a document", REST
//! tab; Swagger `Swagger-v1-Document.json`).

use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::{bad_request, json_body, not_found, parse_id, Principal};
use crate::entities::{associate_carrier, contact_carrier, now_string, person_carrier, EMPTY_DATE};
use crate::server::{ok_json, Req};
use crate::state::{SharedRef, StoredDocument, Tenant};

/// The document templates (MDO list `doctmpl`) every sandbox tenant has.
pub(crate) const DOCUMENT_TEMPLATES: &[(i32, &str)] =
    &[(1, "Letter"), (2, "Quote"), (3, "Contract")];

fn default_document(tenant: &Tenant, owner: i32) -> Value {
    json!({
        "DocumentId": 0,
        "UpdatedBy": Value::Null,
        "CreatedBy": Value::Null,
        "Attention": "",
        "Header": "",
        "Name": "",
        "OurRef": "",
        "YourRef": "",
        "CreatedDate": EMPTY_DATE,
        "UpdatedDate": EMPTY_DATE,
        "Description": "",
        "DocumentTemplate": Value::Null,
        "Person": Value::Null,
        "Associate": associate_carrier(tenant, owner),
        "Contact": Value::Null,
        "Project": Value::Null,
        "Date": now_string(),
        "ExternalRef": "",
        "Completed": "NotStarted",
        "ActiveLinks": 0,
        "Type": "Document",
        "Links": [],
        "LockSemantics": "None",
        "Sale": Value::Null,
        "SuggestedDocumentId": 0,
        "Snum": 0,
        "CustomFields": {},
        "VisibleFor": [],
    })
}

fn id_in(body: &Value, carrier: &str, key: &str) -> i64 {
    body.get(carrier)
        .and_then(|c| c.get(key))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

fn str_in<'a>(body: &'a Value, key: &str) -> &'a str {
    body.get(key).and_then(Value::as_str).unwrap_or("")
}

pub(crate) async fn handle(
    shared: &SharedRef,
    req: &Req,
    p: &Principal,
    rest: &[&str],
) -> Response {
    match (rest, &req.method) {
        (["default"], &Method::GET) => {
            let world = shared.lock();
            match world.tenant(&p.tenant) {
                Some(t) => ok_json(&default_document(t, p.associate_id)),
                None => not_found("Tenant not found"),
            }
        }
        ([], &Method::POST) => create(shared, req, p),
        ([id], &Method::GET) => match parse_id(id) {
            Some(id) => get(shared, p, id),
            None => not_found("Document not found"),
        },
        ([id, "content"], &Method::PUT) => match parse_id(id) {
            Some(id) => put_content(shared, req, p, id),
            None => not_found("Document not found"),
        },
        ([id, "content"], &Method::GET) => match parse_id(id) {
            Some(id) => get_content(shared, p, id),
            None => not_found("Document not found"),
        },
        _ => not_found("No such document resource in the sandbox"),
    }
}

fn create(shared: &SharedRef, req: &Req, p: &Principal) -> Response {
    let body = match json_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut world = shared.lock();
    let Some(tenant) = world.tenant_mut(&p.tenant) else {
        return not_found("Tenant not found");
    };
    if body.get("DocumentId").and_then(Value::as_i64).unwrap_or(0) != 0 {
        return bad_request("POST creates a new document: DocumentId must be 0");
    }
    let header = str_in(&body, "Header").trim().to_owned();
    let name = str_in(&body, "Name").trim().to_owned();
    if header.is_empty() {
        return bad_request("Header is required");
    }
    if name.is_empty() || name.contains(['/', '\\']) {
        return bad_request("Name must be a file name");
    }
    let template_id = id_in(&body, "DocumentTemplate", "DocumentTemplateId");
    let Some((template_id, template_name)) = DOCUMENT_TEMPLATES
        .iter()
        .find(|(id, _)| i64::from(*id) == template_id)
    else {
        return bad_request(&format!("Unknown DocumentTemplate id {template_id}"));
    };
    let contact_id = i32::try_from(id_in(&body, "Contact", "ContactId")).unwrap_or(-1);
    let person_id = i32::try_from(id_in(&body, "Person", "PersonId")).unwrap_or(-1);
    let sale_id = i32::try_from(id_in(&body, "Sale", "SaleId")).unwrap_or(-1);
    if contact_id != 0 && !tenant.companies.contains_key(&contact_id) {
        return bad_request(&format!("Unknown contact id {contact_id}"));
    }
    if person_id != 0 {
        match tenant.persons.get(&person_id) {
            Some(person) if contact_id == 0 || person.contact_id == contact_id => {}
            _ => return bad_request(&format!("Unknown person id {person_id} for this contact")),
        }
    }
    if sale_id != 0 && !tenant.sales.contains_key(&sale_id) {
        return bad_request(&format!("Unknown sale id {sale_id}"));
    }
    let mut doc = default_document(tenant, p.associate_id);
    let id = tenant.next_document_id;
    tenant.next_document_id += 1;
    let now = now_string();
    if let Some(obj) = doc.as_object_mut() {
        for key in [
            "Attention",
            "OurRef",
            "YourRef",
            "Description",
            "ExternalRef",
        ] {
            if let Some(v) = body.get(key).filter(|v| v.is_string()) {
                obj.insert(key.into(), v.clone());
            }
        }
        obj.insert("DocumentId".into(), json!(id));
        obj.insert("Header".into(), json!(header));
        obj.insert("Name".into(), json!(name));
        obj.insert(
            "DocumentTemplate".into(),
            json!({ "DocumentTemplateId": template_id, "Name": template_name }),
        );
        if contact_id != 0 {
            obj.insert("Contact".into(), contact_carrier(tenant, contact_id));
        }
        if person_id != 0 {
            obj.insert("Person".into(), person_carrier(tenant, person_id));
        }
        if sale_id != 0 {
            let heading = tenant
                .sales
                .get(&sale_id)
                .and_then(|s| s.get("Heading").cloned())
                .unwrap_or(Value::Null);
            obj.insert(
                "Sale".into(),
                json!({ "SaleId": sale_id, "Heading": heading }),
            );
        }
        obj.insert("CreatedDate".into(), json!(now));
        obj.insert("UpdatedDate".into(), json!(now));
        obj.insert(
            "CreatedBy".into(),
            associate_carrier(tenant, p.associate_id),
        );
    }
    tenant.documents.insert(
        id,
        StoredDocument {
            entity: doc.clone(),
            content: None,
        },
    );
    ok_json(&doc)
}

fn get(shared: &SharedRef, p: &Principal, id: i32) -> Response {
    let world = shared.lock();
    match world.tenant(&p.tenant).and_then(|t| t.documents.get(&id)) {
        Some(doc) => ok_json(&doc.entity),
        None => not_found(&format!("Document id {id} not found")),
    }
}

fn put_content(shared: &SharedRef, req: &Req, p: &Principal, id: i32) -> Response {
    let mut world = shared.lock();
    let Some(doc) = world
        .tenant_mut(&p.tenant)
        .and_then(|t| t.documents.get_mut(&id))
    else {
        return not_found(&format!("Document id {id} not found"));
    };
    if req.body.is_empty() {
        return bad_request("The document content is empty");
    }
    doc.content = Some(req.body.to_vec());
    if let Some(obj) = doc.entity.as_object_mut() {
        obj.insert("UpdatedDate".into(), json!(now_string()));
    }
    ok_json(&doc.entity)
}

fn get_content(shared: &SharedRef, p: &Principal, id: i32) -> Response {
    let world = shared.lock();
    let Some(doc) = world.tenant(&p.tenant).and_then(|t| t.documents.get(&id)) else {
        return not_found(&format!("Document id {id} not found"));
    };
    match &doc.content {
        Some(bytes) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/octet-stream")],
            bytes.clone(),
        )
            .into_response(),
        None => not_found(&format!("Document id {id} has no content")),
    }
}
