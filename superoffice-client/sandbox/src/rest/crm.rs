//! Contacts, persons, users and the current principal (read-only).

use axum::response::Response;
use serde_json::{json, Value};

use super::{bad_request, json_body, not_found, parse_id, Principal};
use crate::entities::{associate_from_user, contact_entity, person_entity};
use crate::odata::{self, Row};
use crate::oidc::SYSTEM_ASSOCIATE_ID;
use crate::server::{ok_json, Req};
use crate::state::{SharedRef, Tenant};

pub(crate) fn contact_get(shared: &SharedRef, p: &Principal, id: &str) -> Response {
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    match parse_id(id).and_then(|id| tenant.companies.get(&id)) {
        Some(c) => ok_json(&contact_entity(tenant, c)),
        None => not_found(&format!("Contact id {id} not found")),
    }
}

pub(crate) fn person_get(shared: &SharedRef, p: &Principal, id: &str) -> Response {
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    match parse_id(id).and_then(|id| tenant.persons.get(&id)) {
        Some(person) => ok_json(&person_entity(tenant, person)),
        None => not_found(&format!("Person id {id} not found")),
    }
}

/// `SimpleContact` archive (Contact Swagger), columns from
/// en/api/archive-providers/reference/simplecontact.md.
const SIMPLE_CONTACT: odata::Archive<'static> = odata::Archive {
    entity_name: "contact",
    provider: "SimpleContact",
    columns: &[
        "contactId",
        "name",
        "department",
        "nameDepartment",
        "orgnr",
        "email/emailAddress",
        "phone/formattedNumber",
        "postAddress/city",
        "country",
        "associateId",
    ],
    default_select: &["contactId", "name", "orgnr"],
};

/// `Person` archive (Person Swagger), columns from
/// en/api/archive-providers/reference/person.md.
const PERSON: odata::Archive<'static> = odata::Archive {
    entity_name: "person",
    provider: "Person",
    columns: &[
        "personId",
        "contactId",
        "firstName",
        "middleName",
        "lastName",
        "fullName",
        "title",
        "email/emailAddress",
        "personMobilePhone/formattedNumber",
        "personContact/name",
    ],
    default_select: &["personId", "fullName", "email/emailAddress"],
};

/// `AllUsers` archive (User Swagger), columns from
/// en/api/archive-providers/reference/allusers.md.
const ALL_USERS: odata::Archive<'static> = odata::Archive {
    entity_name: "associate",
    provider: "AllUsers",
    columns: &[
        "associateDbId",
        "fullName",
        "personEmail",
        "userName",
        "isActive",
        "assocType",
        "personId",
        "firstName",
        "middleName",
        "lastName",
        "usergroup",
        "usergroupId",
        "assocName",
        "canLogin",
    ],
    default_select: &["associateDbId", "fullName", "personEmail"],
};

fn run(
    shared: &SharedRef,
    req: &Req,
    tenant: &Tenant,
    archive: &odata::Archive<'_>,
    path: &str,
    rows: Vec<Row>,
) -> Response {
    let self_url = format!("{}/{}/api/v1/{path}", shared.hosts[req.host], tenant.cust);
    match odata::query(req, archive, rows, &self_url) {
        Ok(v) => ok_json(&v),
        Err(e) => bad_request(&e),
    }
}

pub(crate) fn contact_list(
    shared: &SharedRef,
    req: &Req,
    p: &Principal,
    _unused: Option<i32>,
) -> Response {
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    let rows = tenant
        .companies
        .values()
        .map(|c| {
            Row::new(
                i64::from(c.contact_id),
                vec![
                    ("contactId", json!(c.contact_id)),
                    ("name", json!(c.name)),
                    ("department", json!(c.department)),
                    (
                        "nameDepartment",
                        json!(format!("{} {}", c.name, c.department).trim()),
                    ),
                    ("orgnr", json!(c.org_nr)),
                    (
                        "email/emailAddress",
                        json!(c.emails.first().cloned().unwrap_or_default()),
                    ),
                    (
                        "phone/formattedNumber",
                        json!(c.phones.first().cloned().unwrap_or_default()),
                    ),
                    ("postAddress/city", json!(c.city)),
                    ("country", json!(c.country_iso2)),
                    ("associateId", json!(c.owner_associate_id)),
                ],
            )
        })
        .collect();
    run(shared, req, tenant, &SIMPLE_CONTACT, "Contact", rows)
}

pub(crate) fn person_list(
    shared: &SharedRef,
    req: &Req,
    p: &Principal,
    contact: Option<i32>,
) -> Response {
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    if let Some(id) = contact {
        if !tenant.companies.contains_key(&id) {
            return not_found(&format!("Contact id {id} not found"));
        }
    }
    let rows = tenant
        .persons
        .values()
        .filter(|person| contact.is_none_or(|c| person.contact_id == c))
        .map(|person| {
            Row::new(
                i64::from(person.person_id),
                vec![
                    ("personId", json!(person.person_id)),
                    ("contactId", json!(person.contact_id)),
                    ("firstName", json!(person.firstname)),
                    ("lastName", json!(person.lastname)),
                    (
                        "fullName",
                        json!(format!("{} {}", person.firstname, person.lastname)),
                    ),
                    ("title", json!(person.title)),
                    ("middleName", json!("")),
                    (
                        "email/emailAddress",
                        json!(person.emails.first().cloned().unwrap_or_default()),
                    ),
                    (
                        "personMobilePhone/formattedNumber",
                        json!(person.mobile_phones.first().cloned().unwrap_or_default()),
                    ),
                    (
                        "personContact/name",
                        json!(tenant
                            .companies
                            .get(&person.contact_id)
                            .map(|c| c.name.clone())
                            .unwrap_or_default()),
                    ),
                ],
            )
        })
        .collect();
    let path = match contact {
        Some(id) => format!("Contact/{id}/Persons"),
        None => "Person".to_owned(),
    };
    run(shared, req, tenant, &PERSON, &path, rows)
}

pub(crate) fn user_list(shared: &SharedRef, req: &Req, p: &Principal) -> Response {
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    let rows = tenant
        .users
        .iter()
        .map(|u| {
            let group = tenant
                .user_groups
                .iter()
                .find(|g| g.id == u.group_id)
                .map(|g| g.name.clone())
                .unwrap_or_default();
            let (first, last) = u.full_name.split_once(' ').unwrap_or((&u.full_name, ""));
            Row::new(
                i64::from(u.associate_id),
                vec![
                    ("associateDbId", json!(u.associate_id)),
                    ("fullName", json!(u.full_name)),
                    ("personEmail", json!(u.email)),
                    ("userName", json!(u.email)),
                    ("isActive", json!(u.active)),
                    ("assocType", json!("InternalAssociate")),
                    ("personId", json!(u.person_id)),
                    ("firstName", json!(first)),
                    ("middleName", json!("")),
                    ("lastName", json!(last)),
                    ("usergroup", json!(group)),
                    ("usergroupId", json!(u.group_id)),
                    ("assocName", json!(crate::entities::initials(&u.full_name))),
                    ("canLogin", json!(u.active)),
                ],
            )
            .with_list_id("usergroup", json!(u.group_id))
        })
        .collect();
    run(shared, req, tenant, &ALL_USERS, "User", rows)
}

fn rights(tenant: &Tenant, p: &Principal) -> Vec<String> {
    if p.is_system {
        return vec!["admin-all".to_owned()];
    }
    let mut rights = tenant
        .user(p.associate_id)
        .map(|u| u.function_rights.clone())
        .unwrap_or_default();
    rights.sort();
    rights
}

pub(crate) fn current_principal(shared: &SharedRef, p: &Principal) -> Response {
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    let function_rights = rights(tenant, p);
    if p.is_system {
        return ok_json(&json!({
            "UserType": "SystemAssociate",
            "Associate": "SYSTEM",
            "AssociateId": SYSTEM_ASSOCIATE_ID,
            "IsPerson": false,
            "PersonId": 0,
            "CountryId": 578,
            "HomeCountryId": 578,
            "ContactId": tenant.owner_contact_id,
            "GroupId": 1,
            "BusinessId": 0,
            "CategoryId": 0,
            "ContactOwner": 0,
            "RoleId": 0,
            "RoleName": "System",
            "RoleDescription": "",
            "RoleType": "System",
            "Licenses": [],
            "FullName": "System user",
            "EMailAddress": "",
            "FunctionRights": function_rights,
            "EjUserId": 0,
            "EjAccessLevel": 0,
            "EjUserStatus": "StatusSystem",
            "ProvidedCredentials": [],
            "SecondaryGroups": [],
            "DatabaseContextIdentifier": tenant.cust,
            "UserName": "SYSTEM",
        }));
    }
    let Some(u) = tenant.user(p.associate_id) else {
        return not_found("User not found");
    };
    ok_json(&json!({
        "UserType": "InternalAssociate",
        "Associate": crate::entities::initials(&u.full_name),
        "AssociateId": u.associate_id,
        "IsPerson": true,
        "PersonId": u.person_id,
        "CountryId": 578,
        "HomeCountryId": 578,
        "ContactId": tenant.owner_contact_id,
        "GroupId": u.group_id,
        "BusinessId": 0,
        "CategoryId": 0,
        "ContactOwner": u.associate_id,
        "RoleId": if u.administrator { 1 } else { 2 },
        "RoleName": if u.administrator { "Administrator" } else { "User" },
        "RoleDescription": "",
        "RoleType": "Employee",
        "Licenses": [],
        "FullName": u.full_name,
        "EMailAddress": u.email,
        "FunctionRights": function_rights,
        "EjUserId": 0,
        "EjAccessLevel": 0,
        "EjUserStatus": "StatusNormal",
        "ProvidedCredentials": [],
        "SecondaryGroups": [],
        "DatabaseContextIdentifier": tenant.cust,
        "UserName": u.email,
    }))
}

pub(crate) fn current_associate(shared: &SharedRef, p: &Principal) -> Response {
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    if p.is_system {
        return ok_json(&json!({
            "AssociateId": SYSTEM_ASSOCIATE_ID,
            "Name": "SYSTEM",
            "PersonId": 0,
            "Rank": 0,
            "Tooltip": "System user",
            "Type": "SystemAssociate",
            "GroupIdx": 1,
            "FullName": "System user",
            "FormalName": "System user",
            "Deleted": false,
            "EjUserId": 0,
            "UserName": "SYSTEM",
        }));
    }
    match tenant.user(p.associate_id) {
        Some(u) => ok_json(&associate_from_user(u)),
        None => not_found("User not found"),
    }
}

pub(crate) fn has_function_right(shared: &SharedRef, req: &Req, p: &Principal) -> Response {
    let body = match json_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let wanted = body
        .as_object()
        .and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("FunctionRight"))
        })
        .and_then(|(_, v)| v.as_str())
        .unwrap_or("")
        .to_owned();
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    ok_json(&Value::Bool(
        rights(tenant, p)
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&wanted)),
    ))
}

pub(crate) fn function_rights(shared: &SharedRef, p: &Principal) -> Response {
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    ok_json(&json!(rights(tenant, p)))
}
