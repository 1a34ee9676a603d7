//! `/v1/List/...` (stages, sale types, reasons, user groups, web panels) and the List agent's
//! web panel methods.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{bad_request, json_body, not_found, parse_id, Principal};
use crate::entities::selectable_item;
use crate::server::{no_content, ok_json, so_error, Req};
use crate::state::{SharedRef, Tenant, WebPanel};

const VISIBLE_IN: &[&str] = &[
    "Invisible",
    "ToolboxMenu",
    "NavigatorButton",
    "ViewMenu",
    "SelectionTaskCard",
    "ContactCard",
    "ContactArchive",
    "ProjectCard",
    "ProjectArchive",
    "SaleCard",
    "PersonCard",
    "ActivityDialog",
    "DocumentDialog",
    "BrowserPanel",
    "ContSelectionTask",
    "AppntSelectionTask",
    "SaleSelectionTask",
    "DocSelectionTask",
    "ProjSelectionTask",
    "CompanyMinicard",
    "ProjectMinicard",
    "DiaryMinicard",
    "SelectionMinicard",
    "ButtonPanelTask",
    "AppointmentDialogTask",
    "SaleDialogTask",
    "DocumentDialogTask",
    "PersonDialogTask",
    "SaleMinicard",
    "SaleArchive",
    "AppntSelectionShadowTask",
    "SaleSelectionShadowTask",
    "DocSelectionShadowTask",
    "ProjSelectionShadowTask",
    "DiaryArchive",
    "SelectionContactArchive",
    "SelectionProjectArchive",
    "SelectionSaleArchive",
    "SelectionAppointmentArchive",
    "SelectionDocumentArchive",
    "ContSelectionCustomTask",
    "AppntSelectionCustomTask",
    "SaleSelectionCustomTask",
    "DocSelectionCustomTask",
    "ProjSelectionCustomTask",
    "CustomArchiveMiniCard",
    "SelectionCard",
    "ReportMinicard",
    "QuoteDialog",
    "QuoteDialogTask",
    "QuoteDialogArchive",
    "QuoteLineDialogTask",
    "QuoteLineDialog",
    "QuoteLineSelectionMainTask",
    "QuoteLineSelectionShadowTask",
    "SelectionQuoteLineArchive",
    "QuoteLineSelectionCustomTask",
    "FindSystem",
    "MailingSelectionTask",
    "ContactSelectionMailingsTask",
    "AppointmentSelectionMailingsTask",
    "SaleSelectionMailingsTask",
    "DocumentSelectionMailingsTask",
    "ProjectSelectionMailingsTask",
    "QuoteLineSelectionMailingsTask",
    "TopPanelNewMenu",
    "Dashboard",
    "PersonArchive",
    "PersonMinicard",
    "CompanyCardTask",
    "ProjectCardTask",
    "TicketCard",
    "TicketMinicard",
    "CustomObjectCard",
    "CustomObjectArchive",
];
const URL_ENCODINGS: &[&str] = &["Unknown", "None", "ANSI", "Unicode"];

/// Whether list texts are translated: only with a language (`Accept-Language`, or `SO-Language`
/// that is not `*`/`x`). Without one SuperOffice returns multi-language strings unresolved
/// (en/api/web-services/endpoints/http-headers.mdx).
pub(crate) fn resolves_language(req: &Req) -> bool {
    match req.header("so-language").map(str::trim) {
        Some("*" | "x" | "X") => false,
        Some(l) if !l.is_empty() => true,
        _ => req
            .header("accept-language")
            .is_some_and(|l| !l.trim().is_empty()),
    }
}

/// A seeded (English) list text, resolved or in the multi-language form `US:"Proposal"`.
fn text(name: &str, resolved: bool) -> String {
    if resolved {
        name.to_owned()
    } else {
        format!("US:\"{name}\"")
    }
}

fn stage_entity(tenant: &Tenant, index: usize, resolved: bool) -> Value {
    let s = &tenant.stages[index];
    json!({
        "SaleStageId": s.id,
        "Value": text(&s.name, resolved),
        "Tooltip": format!("{} ({}%)", text(&s.name, resolved), s.probability),
        "Probability": s.probability,
        "Deleted": false,
        "Rank": index + 1,
    })
}

fn sale_type_entity(tenant: &Tenant, index: usize, resolved: bool) -> Value {
    let t = &tenant.sale_types[index];
    let stages: Vec<Value> = tenant
        .stages
        .iter()
        .enumerate()
        .map(|(rank, s)| {
            let rank = i32::try_from(rank).unwrap_or(0) + 1;
            selectable_item(
                s.id,
                &text(&s.name, resolved),
                t.stage_ids.contains(&s.id),
                rank,
            )
        })
        .collect();
    json!({
        "SaleTypeId": t.id,
        "Name": text(&t.name, resolved),
        "Tooltip": "",
        "Rank": index + 1,
        "DurationUnit": "Month",
        "SaleDuration": 3,
        "SaleTypeCatId": 0,
        "Deleted": false,
        "HasGuide": false,
        "HasStakeholders": false,
        "IsAutoAdvance": false,
        "AllowQuoteAlternatives": false,
        "DefaultQuoteValidity": 30,
        "QuoteLinesTemplate": 0,
        "ConfirmationLinesTemplate": 0,
        "MaxDiscountPercentSet": false,
        "MinEarningPercentSet": false,
        "MaxDiscountPercent": 0,
        "MinEarningPercent": 0,
        "GroupQuoteLinesBy": 0,
        "SortGroupLinesBy": 0,
        "Stages": stages,
    })
}

fn list_item_entity(
    item: &crate::seed::ListItemSeed,
    rank: usize,
    list_id: i32,
    resolved: bool,
) -> Value {
    json!({
        "Id": item.id,
        "Name": text(&item.name, resolved),
        "Tooltip": "",
        "Deleted": false,
        "Rank": rank,
        "UdListDefinitionId": list_id,
    })
}

fn user_group_entity(item: &crate::seed::ListItemSeed, rank: usize, resolved: bool) -> Value {
    json!({
        "Value": text(&item.name, resolved),
        "Tooltip": "",
        "Id": item.id,
        "Rank": rank,
        "Deleted": false,
    })
}

fn by_id(items: Vec<(i32, Value)>, id: &str, what: &str) -> Response {
    match parse_id(id).and_then(|id| items.into_iter().find(|(i, _)| *i == id)) {
        Some((_, v)) => ok_json(&v),
        None => not_found(&format!("{what} id {id} not found")),
    }
}

pub(crate) fn handle(
    shared: &SharedRef,
    req: &Req,
    p: &Principal,
    list: &str,
    rest: &[&str],
) -> Response {
    if list == "webpanel" {
        return web_panel(shared, req, p, rest);
    }
    if req.method != Method::GET {
        return so_error(
            StatusCode::FORBIDDEN,
            "SoAccessDeniedException",
            "The sandbox only serves this list read-only",
        );
    }
    let world = shared.lock();
    let Some(tenant) = world.tenant(&p.tenant) else {
        return not_found("Tenant not found");
    };
    let resolved = resolves_language(req);
    let items: Vec<(i32, Value)> = match list {
        "rating" => (0..tenant.stages.len())
            .map(|i| (tenant.stages[i].id, stage_entity(tenant, i, resolved)))
            .collect(),
        "saletype" => (0..tenant.sale_types.len())
            .map(|i| {
                (
                    tenant.sale_types[i].id,
                    sale_type_entity(tenant, i, resolved),
                )
            })
            .collect(),
        "reason" => tenant
            .reasons_lost
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id, list_item_entity(r, i + 1, 32, resolved)))
            .collect(),
        "reasonstalled" => tenant
            .reasons_stalled
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id, list_item_entity(r, i + 1, 142, resolved)))
            .collect(),
        "reasonsold" => tenant
            .reasons_sold
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id, list_item_entity(r, i + 1, 141, resolved)))
            .collect(),
        "usergroup" => tenant
            .user_groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id, user_group_entity(g, i + 1, resolved)))
            .collect(),
        _ => return not_found(&format!("List `{list}` is not available in the sandbox")),
    };
    match rest {
        ["items"] => ok_json(&Value::Array(items.into_iter().map(|(_, v)| v).collect())),
        ["items", id] => by_id(items, id, list),
        _ => not_found("No such list resource"),
    }
}

fn can_admin_lists(tenant: &Tenant, p: &Principal) -> bool {
    p.is_system
        || tenant.user(p.associate_id).is_some_and(|u| {
            u.function_rights
                .iter()
                .any(|r| r == "admin-all" || r == "admin-lists")
        })
}

fn forbidden() -> Response {
    so_error(
        StatusCode::FORBIDDEN,
        "SoAccessDeniedException",
        "Changing web panels requires the functional right admin-all or admin-lists",
    )
}

fn default_web_panel() -> Value {
    json!({
        "WebPanelId": 0,
        "Name": "",
        "Tooltip": "",
        "Deleted": false,
        "Rank": 0,
        "UrlEncoding": "None",
        "VisibleIn": "Invisible",
        "OnCentral": false,
        "OnSatellite": false,
        "OnTravel": false,
        "OnSalesMarketingWeb": true,
        "OnSalesMarketingPocket": false,
        "ShowInMenuBar": false,
        "ShowInToolBar": false,
        "ShowInAddressBar": false,
        "ShowInStatusBar": false,
        "WindowName": "",
        "Url": "",
        "ProgId": "",
        "Icon": 0,
        "AlwaysReloadOnShow": false,
        "NeverReloadOnCurrentChange": false,
        "CustomObjectEntity": "",
    })
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

/// Merges the writable fields of `body` into `panel` (case-insensitive names) and validates.
fn merge_panel(
    tenant: &Tenant,
    panel: &mut Value,
    body: &Value,
    self_id: i32,
) -> Result<(), String> {
    let Some(src) = body.as_object() else {
        return Err("The request body must be a WebPanelEntity object".into());
    };
    let template = default_web_panel();
    let Some(dst) = panel.as_object_mut() else {
        return Err("internal: web panel is not an object".into());
    };
    for (k, v) in src {
        let Some(name) = template
            .as_object()
            .and_then(|t| t.keys().find(|n| n.eq_ignore_ascii_case(k)))
        else {
            continue;
        };
        if name == "WebPanelId" || v.is_null() {
            continue;
        }
        let expected = &template[name.as_str()];
        let same_type = matches!(
            (expected, v),
            (Value::String(_), Value::String(_))
                | (Value::Bool(_), Value::Bool(_))
                | (Value::Number(_), Value::Number(_))
        );
        if !same_type {
            return Err(format!("Invalid value for {name}: {v}"));
        }
        dst.insert(name.clone(), v.clone());
    }
    let panel = &*panel;
    if str_of(panel, "Name").trim().is_empty() {
        return Err("Web panel Name is required".into());
    }
    let visible_in = str_of(panel, "VisibleIn");
    if !VISIBLE_IN.contains(&visible_in) {
        return Err(format!("Invalid value for VisibleIn: `{visible_in}`"));
    }
    let encoding = str_of(panel, "UrlEncoding");
    if !URL_ENCODINGS.contains(&encoding) {
        return Err(format!("Invalid value for UrlEncoding: `{encoding}`"));
    }
    let prog_id = str_of(panel, "ProgId");
    let window = str_of(panel, "WindowName");
    for (id, other) in &tenant.web_panels {
        if *id == self_id || other.entity.get("Deleted") == Some(&Value::Bool(true)) {
            continue;
        }
        if !prog_id.is_empty() && str_of(&other.entity, "ProgId") == prog_id {
            return Err(format!(
                "A web panel with ProgId `{prog_id}` already exists"
            ));
        }
        if !window.is_empty() && str_of(&other.entity, "WindowName") == window {
            return Err(format!(
                "A web panel with WindowName `{window}` already exists"
            ));
        }
    }
    Ok(())
}

fn create_panel(tenant: &mut Tenant, p: &Principal, body: &Value) -> Result<Value, Response> {
    if !can_admin_lists(tenant, p) {
        return Err(forbidden());
    }
    insert_panel(tenant, body, p.app_token || p.is_system).map_err(|e| bad_request(&e))
}

/// Validates and stores a new web panel (visible for every user group, like a panel created
/// over REST); `app_owned` marks it as the app's (`GetAppWebPanels`).
pub(crate) fn insert_panel(
    tenant: &mut Tenant,
    body: &Value,
    app_owned: bool,
) -> Result<Value, String> {
    let mut panel = default_web_panel();
    merge_panel(tenant, &mut panel, body, 0)?;
    let id = tenant.next_web_panel_id;
    tenant.next_web_panel_id += 1;
    if let Some(obj) = panel.as_object_mut() {
        obj.insert("WebPanelId".into(), json!(id));
        if obj.get("Rank").and_then(Value::as_i64) == Some(0) {
            obj.insert("Rank".into(), json!(id));
        }
    }
    let groups = tenant.user_groups.iter().map(|g| g.id).collect();
    tenant.web_panels.insert(
        id,
        WebPanel {
            entity: panel.clone(),
            user_groups: groups,
            app_owned,
        },
    );
    Ok(panel)
}

fn update_panel(
    tenant: &mut Tenant,
    p: &Principal,
    id: i32,
    body: &Value,
) -> Result<Value, Response> {
    if !can_admin_lists(tenant, p) {
        return Err(forbidden());
    }
    let Some(existing) = tenant.web_panels.get(&id) else {
        return Err(not_found(&format!("WebPanel id {id} not found")));
    };
    let mut panel = existing.entity.clone();
    merge_panel(tenant, &mut panel, body, id).map_err(|e| bad_request(&e))?;
    if let Some(existing) = tenant.web_panels.get_mut(&id) {
        existing.entity = panel.clone();
    }
    Ok(panel)
}

fn web_panel(shared: &SharedRef, req: &Req, p: &Principal, rest: &[&str]) -> Response {
    let body = if matches!(req.method, Method::POST | Method::PUT) {
        match json_body(req) {
            Ok(b) => Some(b),
            Err(r) => return r,
        }
    } else {
        None
    };
    let mut world = shared.lock();
    let Some(tenant) = world.tenant_mut(&p.tenant) else {
        return not_found("Tenant not found");
    };
    let body = body.unwrap_or(Value::Null);
    let result = match (rest, &req.method) {
        (["items"], &Method::GET) => Ok(Value::Array(
            tenant
                .web_panels
                .values()
                .filter(|w| {
                    req.query("includeDeleted")
                        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
                        || w.entity.get("Deleted") != Some(&Value::Bool(true))
                })
                .map(|w| w.entity.clone())
                .collect(),
        )),
        (["items"], &Method::POST) => create_panel(tenant, p, &body),
        (["items", "default"], &Method::GET) => Ok(default_web_panel()),
        (["items", id], m) => {
            let Some(id) = parse_id(id) else {
                return not_found("WebPanel not found");
            };
            match *m {
                Method::GET => tenant
                    .web_panels
                    .get(&id)
                    .map(|w| w.entity.clone())
                    .ok_or_else(|| not_found(&format!("WebPanel id {id} not found"))),
                Method::PUT => update_panel(tenant, p, id, &body),
                Method::DELETE => {
                    if !can_admin_lists(tenant, p) {
                        return forbidden();
                    }
                    match tenant.web_panels.get_mut(&id) {
                        Some(w) => {
                            if let Some(obj) = w.entity.as_object_mut() {
                                obj.insert("Deleted".into(), json!(true));
                            }
                            return no_content();
                        }
                        None => Err(not_found(&format!("WebPanel id {id} not found"))),
                    }
                }
                _ => Err(bad_request("Unsupported method")),
            }
        }
        (["items", id, "usergroups"], m) => {
            let Some(id) = parse_id(id) else {
                return not_found("WebPanel not found");
            };
            user_groups(tenant, p, id, m, &body)
        }
        _ => Err(not_found("No such web panel resource")),
    };
    match result {
        Ok(v) => ok_json(&v),
        Err(r) => r,
    }
}

fn user_groups(
    tenant: &mut Tenant,
    p: &Principal,
    id: i32,
    method: &Method,
    body: &Value,
) -> Result<Value, Response> {
    if !tenant.web_panels.contains_key(&id) {
        return Err(not_found(&format!("WebPanel id {id} not found")));
    }
    if *method == Method::PUT {
        if !can_admin_lists(tenant, p) {
            return Err(forbidden());
        }
        let items = body
            .as_array()
            .ok_or_else(|| bad_request("The body must be an array of SelectableMDOListItem"))?;
        let mut selected = Vec::new();
        for item in items {
            let gid = item
                .get("Id")
                .and_then(Value::as_i64)
                .and_then(|n| i32::try_from(n).ok())
                .ok_or_else(|| bad_request("Every item needs an Id"))?;
            if !tenant.user_groups.iter().any(|g| g.id == gid) {
                return Err(bad_request(&format!("Unknown user group id {gid}")));
            }
            if item
                .get("Selected")
                .and_then(Value::as_bool)
                .unwrap_or(true)
            {
                selected.push(gid);
            }
        }
        if let Some(w) = tenant.web_panels.get_mut(&id) {
            w.user_groups = selected;
        }
    } else if *method != Method::GET {
        return Err(bad_request("Unsupported method"));
    }
    let groups = tenant
        .web_panels
        .get(&id)
        .map(|w| w.user_groups.clone())
        .unwrap_or_default();
    Ok(Value::Array(
        tenant
            .user_groups
            .iter()
            .enumerate()
            .map(|(rank, g)| {
                let rank = i32::try_from(rank).unwrap_or(0) + 1;
                selectable_item(g.id, &g.name, groups.contains(&g.id), rank)
            })
            .collect(),
    ))
}

fn body_field<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    body.as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .map(|(_, v)| v)
}

/// `POST /v1/Agents/List/{method}` (web panel methods).
pub(crate) fn agent(shared: &SharedRef, req: &Req, p: &Principal, method: &str) -> Response {
    let body = if req.body.is_empty() {
        json!({})
    } else {
        match json_body(req) {
            Ok(b) => b,
            Err(r) => return r,
        }
    };
    let mut world = shared.lock();
    let Some(tenant) = world.tenant_mut(&p.tenant) else {
        return not_found("Tenant not found");
    };
    let id_field = |name: &str| {
        body_field(&body, name)
            .and_then(Value::as_i64)
            .and_then(|n| i32::try_from(n).ok())
    };
    let result = match method {
        "getwebpanelbyprogid" => {
            let prog_id = body_field(&body, "ProgId")
                .and_then(Value::as_str)
                .unwrap_or("");
            Ok(tenant
                .web_panels
                .values()
                .filter(|w| w.entity.get("Deleted") != Some(&Value::Bool(true)))
                .find(|w| !prog_id.is_empty() && str_of(&w.entity, "ProgId") == prog_id)
                .map(|w| w.entity.clone())
                .unwrap_or(Value::Null))
        }
        "getwebpanelentity" => {
            let id = id_field("WebPanelEntityId")
                .or_else(|| id_field("Id"))
                .unwrap_or(0);
            Ok(tenant
                .web_panels
                .get(&id)
                .map(|w| w.entity.clone())
                .unwrap_or(Value::Null))
        }
        "getwebpanellist" => Ok(Value::Array(
            tenant
                .web_panels
                .values()
                .filter(|w| w.entity.get("Deleted") != Some(&Value::Bool(true)))
                .map(|w| w.entity.clone())
                .collect(),
        )),
        "createdefaultwebpanelentity" => Ok(default_web_panel()),
        "savewebpanelentity" => {
            let entity = body_field(&body, "Entity").cloned().unwrap_or(body.clone());
            let id = body_field(&entity, "WebPanelId")
                .and_then(Value::as_i64)
                .and_then(|n| i32::try_from(n).ok())
                .unwrap_or(0);
            if id == 0 {
                create_panel(tenant, p, &entity)
            } else {
                update_panel(tenant, p, id, &entity)
            }
        }
        "deletewebpanel" => {
            if !can_admin_lists(tenant, p) {
                return forbidden();
            }
            let id = id_field("Id").unwrap_or(0);
            match tenant.web_panels.remove(&id) {
                Some(_) => return no_content(),
                None => Err(not_found(&format!("WebPanel id {id} not found"))),
            }
        }
        "getappwebpanels" => {
            // List agent reference: "works in Online only, for registered Apps that send a
            // valid ApplicationToken": without one no panel is the caller's.
            if !p.app_token && !p.is_system {
                return ok_json(&json!([]));
            }
            Ok(Value::Array(
                tenant
                    .web_panels
                    .values()
                    .filter(|w| w.app_owned)
                    .map(|w| w.entity.clone())
                    .collect(),
            ))
        }
        "deleteappwebpanels" => {
            // "...for registered Apps that send a valid ApplicationToken; otherwise nothing
            // happens".
            if !p.app_token && !p.is_system {
                return no_content();
            }
            tenant.web_panels.retain(|_, w| !w.app_owned);
            return no_content();
        }
        other => Err(not_found(&format!(
            "List agent method `{other}` is not available in the sandbox"
        ))),
    };
    match result {
        Ok(v) => ok_json(&v),
        Err(r) => r,
    }
}
