//! `/v1/Sale`: read, PUT, PATCH (JSON Patch / Merge Patch), OData list, and the change events.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::{bad_request, json_body, not_found, Principal};
use crate::entities::{now_string, resolve_sale_references, sale_ref_id};
use crate::jsonpatch::{apply_json_patch, apply_merge_patch, PatchError};
use crate::odata::{self, Row};
use crate::server::{ok_json, so_error, Req};
use crate::state::{SharedRef, Tenant};
use crate::webhooks::{self, Outgoing};
use crate::SandboxError;

const STATUSES: &[&str] = &["Unknown", "Open", "Sold", "Lost", "Stalled"];
const COMPLETED: &[&str] = &["Unknown", "NotStarted", "Started", "Completed"];

pub(crate) enum UpdateError {
    NotFound(String),
    Conflict(String),
    Invalid(String),
}

impl UpdateError {
    fn into_response(self) -> Response {
        match self {
            UpdateError::NotFound(m) => not_found(&m),
            UpdateError::Conflict(m) => so_error(StatusCode::CONFLICT, "SoConflictException", &m),
            UpdateError::Invalid(m) => bad_request(&m),
        }
    }
}

impl From<PatchError> for UpdateError {
    fn from(e: PatchError) -> Self {
        match e {
            PatchError::TestFailed(m) => UpdateError::Conflict(m),
            PatchError::Invalid(m) => UpdateError::Invalid(m),
        }
    }
}

/// `$select` on a single entity: other fields are nulled out.
fn apply_select(req: &Req, entity: &Value) -> Value {
    let Some(select) = req.query("$select").filter(|s| !s.trim().is_empty()) else {
        return entity.clone();
    };
    let wanted: Vec<String> = select
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .collect();
    let mut out = entity.clone();
    if let Some(obj) = out.as_object_mut() {
        for (k, v) in obj.iter_mut() {
            if !wanted.contains(&k.to_ascii_lowercase()) {
                *v = Value::Null;
            }
        }
    }
    out
}

/// `UpdatedDate` of a stored sale as UTC.
fn updated_at(sale: &Value) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(str_field(sale, "UpdatedDate"), "%Y-%m-%dT%H:%M:%S").ok()
}

/// An HTTP-date request header as UTC.
fn header_date(req: &Req, name: &str) -> Option<chrono::NaiveDateTime> {
    req.header(name)
        .and_then(|v| chrono::DateTime::parse_from_rfc2822(v.trim()).ok())
        .map(|d| d.naive_utc())
}

pub(crate) fn get(shared: &SharedRef, req: &Req, p: &Principal, id: i32) -> Response {
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    match tenant.sales.get(&id) {
        Some(sale) => {
            if let (Some(since), Some(updated)) =
                (header_date(req, "if-modified-since"), updated_at(sale))
            {
                if updated <= since {
                    return Response::builder()
                        .status(StatusCode::NOT_MODIFIED)
                        .body(axum::body::Body::empty())
                        .unwrap_or_default();
                }
            }
            ok_json(&with_links(&apply_select(req, sale)))
        }
        None => not_found(&format!("Sale id {id} not found")),
    }
}

/// `If-Unmodified-Since` on PUT/PATCH: 412 when the sale changed after that time.
fn precondition(shared: &SharedRef, req: &Req, p: &Principal, id: i32) -> Option<Response> {
    let since = header_date(req, "if-unmodified-since")?;
    let world = shared.lock();
    let updated = world
        .tenant(&p.tenant)
        .and_then(|t| t.sales.get(&id))
        .and_then(updated_at)?;
    (updated > since).then(|| {
        so_error(
            StatusCode::PRECONDITION_FAILED,
            "SoPreconditionFailedException",
            &format!("Sale id {id} was modified since the given date"),
        )
    })
}

fn with_links(sale: &Value) -> Value {
    let mut out = sale.clone();
    if let Some(obj) = out.as_object_mut() {
        obj.insert("_Links".into(), json!({}));
    }
    out
}

pub(crate) fn put(shared: &SharedRef, req: &Req, p: &Principal, id: i32) -> Response {
    if let Some(failed) = precondition(shared, req, p, id) {
        return failed;
    }
    let body = match json_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if !body.is_object() {
        return bad_request("The request body must be a SaleEntity object");
    }
    let base = {
        let world = shared.lock();
        match world.tenant(&p.tenant) {
            Some(tenant) => default_sale(tenant, p.associate_id),
            None => return not_found("Tenant not found"),
        }
    };
    let result = update_sale(shared, &p.tenant, id, p.associate_id, |sale| {
        // PUT replaces the whole entity: properties the body leaves out get their defaults
        // (as on a new Sale); ids and creation fields are kept by `normalize`.
        *sale = replaced_sale(&base, sale, &body);
        Ok(())
    });
    respond(result)
}

/// The Sale a PUT stores: the defaults, the server-kept fields of `old`, then the body.
fn replaced_sale(base: &Value, old: &Value, body: &Value) -> Value {
    let mut sale = base.clone();
    if let (Some(dst), Some(src)) = (sale.as_object_mut(), old.as_object()) {
        for key in [
            "SaleId",
            "CreatedDate",
            "CreatedBy",
            "UpdatedDate",
            "UpdatedBy",
        ] {
            if let Some(v) = src.get(key) {
                dst.insert(key.to_owned(), v.clone());
            }
        }
    }
    apply_merge_patch_shallow(&mut sale, body);
    sale
}

/// `GET /v1/Sale/default`: a new Sale owned by the caller, at the first stage of the first
/// sale type, dated today.
pub(crate) fn default_sale(tenant: &Tenant, owner: i32) -> Value {
    let mut seed = crate::seed::SaleSeed::new(0, "");
    seed.owner_associate_id = owner;
    seed.stage_id = tenant.stages.first().map(|s| s.id).unwrap_or(0);
    seed.sale_type_id = tenant.sale_types.first().map(|t| t.id).unwrap_or(0);
    seed.saledate = chrono::Utc::now().format("%Y-%m-%dT00:00:00").to_string();
    let mut sale = crate::entities::sale_from_seed(tenant, &seed);
    if let Some(obj) = sale.as_object_mut() {
        obj.insert("Number".into(), json!(""));
        obj.insert("CreatedDate".into(), json!(crate::entities::EMPTY_DATE));
        obj.insert("UpdatedDate".into(), json!(crate::entities::EMPTY_DATE));
        obj.insert("CreatedBy".into(), Value::Null);
    }
    sale
}

/// `GET /v1/Sale/default`.
pub(crate) fn get_default(shared: &SharedRef, p: &Principal) -> Response {
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    ok_json(&default_sale(tenant, p.associate_id))
}

/// `POST /v1/Sale/Validate`: error messages by field for the Sale in the body (nothing is
/// stored). A body with the id of a stored Sale is checked as a PUT of that Sale.
pub(crate) fn validate(shared: &SharedRef, req: &Req, p: &Principal) -> Response {
    let body = match json_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if !body.is_object() {
        return bad_request("The request body must be a SaleEntity object");
    }
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    let base = default_sale(tenant, p.associate_id);
    let id = body
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("SaleId")))
        .and_then(|(_, v)| v.as_i64())
        .unwrap_or(0);
    let old = i32::try_from(id)
        .ok()
        .and_then(|id| tenant.sales.get(&id))
        .cloned()
        .unwrap_or_else(|| base.clone());
    let mut candidate = replaced_sale(&base, &old, &body);
    let mut errors = Map::new();
    if let Err(UpdateError::Invalid(message) | UpdateError::Conflict(message)) =
        normalize(tenant, &old, &mut candidate, p.associate_id)
    {
        let field = message
            .split_whitespace()
            .find_map(|w| {
                let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric());
                [
                    "Reason",
                    "ReasonSold",
                    "Status",
                    "Heading",
                    "Amount",
                    "Probability",
                    "Saledate",
                ]
                .into_iter()
                .find(|f| f.eq_ignore_ascii_case(w))
            })
            .unwrap_or("Sale");
        errors.insert(field.to_owned(), json!(message));
    }
    ok_json(&Value::Object(errors))
}

fn apply_merge_patch_shallow(sale: &mut Value, body: &Value) {
    if let (Some(dst), Some(src)) = (sale.as_object_mut(), body.as_object()) {
        for (k, v) in src {
            let key = dst
                .keys()
                .find(|existing| existing.eq_ignore_ascii_case(k))
                .cloned()
                .unwrap_or_else(|| k.clone());
            if key == "_Links" {
                continue;
            }
            dst.insert(key, v.clone());
        }
    }
}

pub(crate) fn patch(shared: &SharedRef, req: &Req, p: &Principal, id: i32) -> Response {
    if let Some(failed) = precondition(shared, req, p, id) {
        return failed;
    }
    let body = match json_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let content_type = req.content_type();
    let merge = content_type == "application/merge-patch+json"
        || (content_type != "application/json-patch+json" && body.is_object());
    let result = update_sale(shared, &p.tenant, id, p.associate_id, |sale| {
        if merge {
            apply_merge_patch(sale, &body)?;
        } else {
            apply_json_patch(sale, &body)?;
        }
        Ok(())
    });
    respond(result)
}

fn respond(result: Result<Value, UpdateError>) -> Response {
    match result {
        Ok(sale) => ok_json(&with_links(&sale)),
        Err(e) => e.into_response(),
    }
}

/// Rust control: applies a JSON Patch as associate `changed_by`.
pub(crate) fn apply_control_patch(
    shared: &SharedRef,
    tenant: &str,
    sale_id: i32,
    patch: &Value,
    changed_by: i32,
) -> Result<(), SandboxError> {
    if shared.lock().tenant(tenant).is_none() {
        return Err(SandboxError::UnknownTenant(tenant.to_owned()));
    }
    update_sale(shared, tenant, sale_id, changed_by, |sale| {
        apply_json_patch(sale, patch)?;
        Ok(())
    })
    .map(|_| ())
    .map_err(|e| match e {
        UpdateError::NotFound(_) => SandboxError::UnknownSale {
            tenant: tenant.to_owned(),
            sale_id,
        },
        UpdateError::Conflict(m) | UpdateError::Invalid(m) => SandboxError::InvalidChange(m),
    })
}

fn str_field<'a>(sale: &'a Value, name: &str) -> &'a str {
    sale.get(name).and_then(Value::as_str).unwrap_or("")
}

/// Loads, mutates, validates and stores a sale; emits webhook events for the change.
pub(crate) fn update_sale(
    shared: &SharedRef,
    cust: &str,
    sale_id: i32,
    changed_by: i32,
    mutate: impl FnOnce(&mut Value) -> Result<(), UpdateError>,
) -> Result<Value, UpdateError> {
    let mut world = shared.lock();
    let tenant = world
        .tenant_mut(cust)
        .ok_or_else(|| UpdateError::NotFound(format!("Tenant {cust} not found")))?;
    let old = tenant
        .sales
        .get(&sale_id)
        .cloned()
        .ok_or_else(|| UpdateError::NotFound(format!("Sale id {sale_id} not found")))?;
    let mut new = old.clone();
    mutate(&mut new)?;
    normalize(tenant, &old, &mut new, changed_by)?;
    let old_fields = field_values(&old);
    let new_fields = field_values(&new);
    let payload_fields = payload_field_values(&new, &new_fields);
    let changes: Vec<String> = new_fields
        .iter()
        .filter(|(k, v)| {
            k.as_str() != "updated"
                && k.as_str() != "updated_associate_id"
                && old_fields.get(k.as_str()) != Some(v)
        })
        .map(|(k, _)| k.clone())
        .collect();
    tenant.sales.insert(sale_id, new.clone());
    if changes.is_empty() {
        return Ok(new);
    }
    let mut changes = changes;
    changes.push("updated".into());
    changes.push("updated_associate_id".into());
    let mut events = vec!["sale.changed"];
    let old_status = str_field(&old, "Status");
    let new_status = str_field(&new, "Status");
    if old_status != new_status {
        match new_status {
            "Sold" => events.push("sale.sold"),
            "Lost" => events.push("sale.lost"),
            _ => {}
        }
    }
    if str_field(&old, "Completed") != "Completed" && str_field(&new, "Completed") == "Completed" {
        events.push("sale.completed");
    }
    let outgoing: Vec<Outgoing> = events
        .iter()
        .flat_map(|event| {
            webhooks::outgoing_for_event(
                tenant,
                event,
                i64::from(sale_id),
                &changes,
                &payload_fields,
                changed_by,
            )
        })
        .collect();
    drop(world);
    webhooks::spawn_deliveries(shared.clone(), outgoing);
    Ok(new)
}

fn normalize(
    tenant: &Tenant,
    old: &Value,
    new: &mut Value,
    changed_by: i32,
) -> Result<(), UpdateError> {
    let invalid = |m: String| UpdateError::Invalid(m);
    if !new.is_object() {
        return Err(invalid("A SaleEntity must be an object".into()));
    }
    if new.get("SaleId") != old.get("SaleId") {
        return Err(invalid("SaleId cannot be changed".into()));
    }
    let status = new
        .get("Status")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if !STATUSES.contains(&status.as_str()) {
        return Err(invalid(format!("Invalid value for Status: `{status}`")));
    }
    let completed = new.get("Completed").and_then(Value::as_str).unwrap_or("");
    if !COMPLETED.contains(&completed) {
        return Err(invalid(format!(
            "Invalid value for Completed: `{completed}`"
        )));
    }
    match new.get("Probability").and_then(Value::as_i64) {
        Some(p) if (0..=100).contains(&p) => {}
        _ => return Err(invalid("Probability must be an integer 0-100".into())),
    }
    if !new.get("Amount").is_some_and(Value::is_number) {
        return Err(invalid("Amount must be a number".into()));
    }
    if !new.get("Heading").is_some_and(Value::is_string) {
        return Err(invalid("Heading must be a string".into()));
    }
    let saledate = str_field(new, "Saledate");
    let date_ok = chrono::NaiveDateTime::parse_from_str(
        saledate.trim_end_matches('Z'),
        "%Y-%m-%dT%H:%M:%S%.f",
    )
    .is_ok()
        || chrono::DateTime::parse_from_rfc3339(saledate).is_ok()
        || chrono::NaiveDate::parse_from_str(saledate, "%Y-%m-%d").is_ok();
    if !date_ok {
        return Err(invalid(format!("Invalid date for Saledate: `{saledate}`")));
    }
    let stage_id = sale_ref_id(new, "Rating", "Id");
    if tenant.stage(stage_id).is_none() {
        return Err(invalid(format!(
            "Unknown sale stage (Rating) id {stage_id}"
        )));
    }
    let contact_id = sale_ref_id(new, "Contact", "ContactId");
    if contact_id != 0 && !tenant.companies.contains_key(&contact_id) {
        return Err(invalid(format!("Unknown contact id {contact_id}")));
    }
    let person_id = sale_ref_id(new, "Person", "PersonId");
    if person_id != 0 {
        match tenant.persons.get(&person_id) {
            Some(p) if p.contact_id == contact_id => {}
            Some(_) => {
                return Err(invalid(format!(
                    "Person {person_id} does not belong to contact {contact_id}"
                )))
            }
            None => return Err(invalid(format!("Unknown person id {person_id}"))),
        }
    }
    let owner = sale_ref_id(new, "Associate", "AssociateId");
    if owner != 0 && tenant.user(owner).is_none() {
        return Err(invalid(format!("Unknown associate id {owner}")));
    }
    let type_id = sale_ref_id(new, "SaleType", "Id");
    if type_id != 0 && !tenant.sale_types.iter().any(|t| t.id == type_id) {
        return Err(invalid(format!("Unknown sale type id {type_id}")));
    }
    let reason = sale_ref_id(new, "Reason", "Id");
    if reason != 0 && !tenant.reasons_lost.iter().any(|r| r.id == reason) {
        return Err(invalid(format!("Unknown reason id {reason}")));
    }
    let reason_stalled = sale_ref_id(new, "ReasonStalled", "Id");
    if reason_stalled != 0
        && !tenant
            .reasons_stalled
            .iter()
            .any(|r| r.id == reason_stalled)
    {
        return Err(invalid(format!(
            "Unknown reason stalled id {reason_stalled}"
        )));
    }
    let reason_sold = sale_ref_id(new, "ReasonSold", "Id");
    if reason_sold != 0 && !tenant.reasons_sold.iter().any(|r| r.id == reason_sold) {
        return Err(invalid(format!("Unknown reason sold id {reason_sold}")));
    }
    if tenant.reasons_mandatory && status != str_field(old, "Status") {
        if status == "Lost" && reason == 0 {
            return Err(invalid(
                "Reason is mandatory when a Sale is closed as lost".into(),
            ));
        }
        if status == "Sold" && reason_sold == 0 {
            return Err(invalid(
                "ReasonSold is mandatory when a Sale is closed as sold".into(),
            ));
        }
    }

    // Side effects of a status / stage change (documented in the crate docs).
    let old_status = str_field(old, "Status").to_owned();
    let probability_untouched = new.get("Probability") == old.get("Probability");
    let completed_untouched = new.get("Completed") == old.get("Completed");
    let obj = new
        .as_object_mut()
        .ok_or_else(|| invalid("A SaleEntity must be an object".into()))?;
    if status != old_status {
        match status.as_str() {
            "Sold" | "Lost" => {
                if probability_untouched {
                    obj.insert(
                        "Probability".into(),
                        json!(if status == "Sold" { 100 } else { 0 }),
                    );
                }
                if completed_untouched {
                    obj.insert("Completed".into(), json!("Completed"));
                }
            }
            "Open" => {
                if probability_untouched {
                    let p = tenant.stage(stage_id).map(|s| s.probability).unwrap_or(0);
                    obj.insert("Probability".into(), json!(p));
                }
                if completed_untouched {
                    obj.insert("Completed".into(), json!("NotStarted"));
                }
            }
            _ => {}
        }
    } else if status == "Open"
        && stage_id != sale_ref_id(old, "Rating", "Id")
        && probability_untouched
    {
        let p = tenant.stage(stage_id).map(|s| s.probability).unwrap_or(0);
        obj.insert("Probability".into(), json!(p));
    }
    obj.insert(
        "SaleId".into(),
        old.get("SaleId").cloned().unwrap_or(Value::Null),
    );
    obj.insert(
        "CreatedDate".into(),
        old.get("CreatedDate").cloned().unwrap_or(Value::Null),
    );
    obj.insert(
        "CreatedBy".into(),
        old.get("CreatedBy").cloned().unwrap_or(Value::Null),
    );
    obj.insert("UpdatedDate".into(), json!(now_string()));
    obj.insert("UpdatedBy".into(), json!({ "AssociateId": changed_by }));
    obj.remove("_Links");
    resolve_sale_references(tenant, new);
    Ok(())
}

/// The `FieldValues` of a sale event: only the columns the webhooks reference page "Sale
/// webhook events" lists (no heading, amount or probability).
pub(crate) fn payload_field_values(
    sale: &Value,
    columns: &Map<String, Value>,
) -> Map<String, Value> {
    const DOCUMENTED: &[&str] = &[
        "activeLinks",
        "appointment_id",
        "associate_id",
        "comptr_id",
        "contact_id",
        "credited_id",
        "currency_id",
        "done",
        "group_idx",
        "person_id",
        "probability_idx",
        "project_id",
        "reason_id",
        "reasonSold_id",
        "reasonStalled_id",
        "registered",
        "registered_associate_id",
        "saleTypeCat_id",
        "saleType_id",
        "saledate",
        "source_id",
        "status",
        "updated",
        "updated_associate_id",
        "userdef2_id",
        "userdef_id",
    ];
    let extra = json!({
        "currency_id": sale_ref_id(sale, "Currency", "Id"),
        "reasonStalled_id": sale_ref_id(sale, "ReasonStalled", "Id"),
        "registered": str_field(sale, "CreatedDate"),
        "registered_associate_id": sale_ref_id(sale, "CreatedBy", "AssociateId"),
        "activeLinks": sale.get("ActiveLinks").cloned().unwrap_or(json!(0)),
    });
    DOCUMENTED
        .iter()
        .map(|name| {
            let value = columns
                .get(*name)
                .or_else(|| extra.get(*name))
                .cloned()
                .unwrap_or(json!(0));
            ((*name).to_owned(), value)
        })
        .collect()
}

/// The `sale` table columns the sandbox tracks (for `Changes`).
pub(crate) fn field_values(sale: &Value) -> Map<String, Value> {
    let status = match str_field(sale, "Status") {
        "Open" => 1,
        "Sold" => 2,
        "Lost" => 3,
        "Stalled" => 4,
        _ => 0,
    };
    let done = match str_field(sale, "Completed") {
        "Completed" => 2,
        "NotStarted" | "Started" => 1,
        _ => 0,
    };
    let mut m = Map::new();
    m.insert(
        "sale_id".into(),
        sale.get("SaleId").cloned().unwrap_or(Value::Null),
    );
    m.insert("heading".into(), json!(str_field(sale, "Heading")));
    m.insert(
        "amount".into(),
        sale.get("Amount").cloned().unwrap_or(json!(0)),
    );
    m.insert("status".into(), json!(status));
    m.insert("done".into(), json!(done));
    m.insert(
        "probability".into(),
        sale.get("Probability").cloned().unwrap_or(json!(0)),
    );
    m.insert(
        "probability_idx".into(),
        json!(sale_ref_id(sale, "Rating", "Id")),
    );
    m.insert(
        "contact_id".into(),
        json!(sale_ref_id(sale, "Contact", "ContactId")),
    );
    m.insert(
        "person_id".into(),
        json!(sale_ref_id(sale, "Person", "PersonId")),
    );
    m.insert(
        "associate_id".into(),
        json!(sale_ref_id(sale, "Associate", "AssociateId")),
    );
    m.insert(
        "saleType_id".into(),
        json!(sale_ref_id(sale, "SaleType", "Id")),
    );
    m.insert("reason_id".into(), json!(sale_ref_id(sale, "Reason", "Id")));
    m.insert(
        "reasonSold_id".into(),
        json!(sale_ref_id(sale, "ReasonSold", "Id")),
    );
    m.insert("saledate".into(), json!(str_field(sale, "Saledate")));
    m.insert("updated".into(), json!(str_field(sale, "UpdatedDate")));
    m.insert(
        "updated_associate_id".into(),
        json!(sale_ref_id(sale, "UpdatedBy", "AssociateId")),
    );
    m
}

fn status_text(sale: &Value) -> String {
    str_field(sale, "Status").to_owned()
}

/// The `FindSale` archive behind `GET /v1/Sale` (Sale Swagger: "Calls the Archive service
/// using the FindSale archive"); column names and types from
/// en/api/archive-providers/reference/findsale.md.
const FIND_SALE_COLUMNS: &[&str] = &[
    "saleId",
    "heading",
    "amount",
    "probPercent",
    "saleStatus",
    "stage",
    "stageId",
    "stageName",
    "saleType",
    "saleTypeId",
    "currency",
    "date",
    "contactId",
    "contact/name",
    "personId",
    "person/fullName",
    "associateId",
    "associate/fullName",
    "completed",
    "saleNumber",
    "registeredDate",
    "updatedDate",
    "sale/description",
];

/// `sale.status` ids (en/database/tables/sale.mdx: 1 = open, 2 = sold, 3 = lost, 4 = stalled).
fn status_id(status: &str) -> i64 {
    match status {
        "Open" => 1,
        "Sold" => 2,
        "Lost" => 3,
        "Stalled" => 4,
        _ => 0,
    }
}

/// Archive rows for `GET /v1/Sale`.
fn rows(tenant: &Tenant) -> Vec<Row> {
    tenant
        .sales
        .values()
        .map(|s| {
            let text = |field: &str, key: &str| {
                s.get(field)
                    .and_then(|v| v.get(key))
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            let status = status_text(s);
            Row::new(
                s.get("SaleId").and_then(Value::as_i64).unwrap_or(0),
                vec![
                    ("saleId", s.get("SaleId").cloned().unwrap_or(Value::Null)),
                    ("heading", json!(str_field(s, "Heading"))),
                    ("amount", s.get("Amount").cloned().unwrap_or(json!(0))),
                    (
                        "probPercent",
                        s.get("Probability").cloned().unwrap_or(json!(0)),
                    ),
                    ("saleStatus", json!(status)),
                    ("stage", text("Rating", "Value")),
                    ("stageName", text("Rating", "Value")),
                    ("stageId", json!(sale_ref_id(s, "Rating", "Id"))),
                    ("saleType", text("SaleType", "Value")),
                    ("saleTypeId", json!(sale_ref_id(s, "SaleType", "Id"))),
                    ("currency", text("Currency", "Value")),
                    ("date", json!(str_field(s, "Saledate"))),
                    ("contactId", json!(sale_ref_id(s, "Contact", "ContactId"))),
                    ("contact/name", text("Contact", "Name")),
                    ("personId", json!(sale_ref_id(s, "Person", "PersonId"))),
                    ("person/fullName", text("Person", "FullName")),
                    (
                        "associateId",
                        json!(sale_ref_id(s, "Associate", "AssociateId")),
                    ),
                    ("associate/fullName", text("Associate", "FullName")),
                    ("completed", json!(str_field(s, "Completed") == "Completed")),
                    ("saleNumber", json!(str_field(s, "Number"))),
                    ("registeredDate", json!(str_field(s, "CreatedDate"))),
                    ("updatedDate", json!(str_field(s, "UpdatedDate"))),
                    ("sale/description", json!(str_field(s, "SaleText"))),
                ],
            )
            .with_list_id("saleStatus", json!(status_id(&status)))
            .with_list_id("stage", json!(sale_ref_id(s, "Rating", "Id")))
            .with_list_id("saleType", json!(sale_ref_id(s, "SaleType", "Id")))
            .with_list_id("currency", json!(sale_ref_id(s, "Currency", "Id")))
        })
        .collect()
}

pub(crate) fn list(shared: &SharedRef, req: &Req, p: &Principal) -> Response {
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    let self_url = format!("{}/{}/api/v1/Sale", shared.hosts[req.host], tenant.cust);
    let archive = odata::Archive {
        entity_name: "sale",
        provider: "FindSale",
        columns: FIND_SALE_COLUMNS,
        default_select: &[
            "saleId",
            "heading",
            "amount",
            "saleStatus",
            "stage",
            "contactId",
            "associateId",
        ],
    };
    match odata::query(req, &archive, rows(tenant), &self_url) {
        Ok(v) => ok_json(&v),
        Err(e) => bad_request(&e),
    }
}
