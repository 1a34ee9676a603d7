//! Contracts: create, get, list, update, delete, publish, events.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Duration as ChronoDuration, NaiveDate, Utc};
use serde_json::{json, Value};

use super::input::{
    check_len, join, json_body, object, opt_array, opt_i64, opt_object, opt_str, path_id, req_i64,
};
use super::parties::{
    assign_ids, contract_not_found, counterparty, creator_participant, owner_participant,
    MAX_OWNER_PARTICIPANTS, MAX_PARTICIPANTS, MAX_PARTIES,
};
use super::{paginate, QueryParams};
use crate::errors::Problem;
use crate::state::{Actor, Contract, ContractField, Party, ProductGroup, World};
use crate::Shared;

const STATES: [&str; 5] = ["draft", "pending", "overdue", "signed", "declined"];

pub(super) async fn create(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    let body = json_body(&body)?;
    s.mutate(|w| {
        let id = create_contract(w, &actor, &body)?;
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        Ok(Json(w.render_contract(c, &actor)))
    })
}

fn create_contract(w: &mut World, actor: &Actor, body: &Value) -> Result<i64, Problem> {
    let now = Utc::now();
    let obj = object(body, "")?;
    let workspace_id = req_i64(obj, "workspace_id", "")?;
    let template_id = req_i64(obj, "template_id", "")?;
    let ws = w.workspace(workspace_id).ok_or_else(|| {
        Problem::bad_param(
            "workspace_id",
            format!("no workspace with id {workspace_id} exists"),
        )
    })?;
    if !w.can_create_in(actor, ws) {
        return Err(Problem::forbidden(format!(
            "The acting user may not create contracts in workspace {workspace_id}."
        )));
    }
    let template = w.template(template_id).ok_or_else(|| {
        Problem::bad_param(
            "template_id",
            format!("no template with id {template_id} exists"),
        )
    })?;
    if !template.workspace_ids.contains(&workspace_id) {
        return Err(Problem::bad_param(
            "template_id",
            format!("template {template_id} does not belong to workspace {workspace_id}"),
        ));
    }
    if !template.active {
        return Err(Problem::bad_param(
            "template_id",
            format!("template {template_id} is not active"),
        ));
    }
    let options = template.options.clone();
    let template_type_id = template.template_type_id;
    let private = opt_object(obj, "_private", "")?;
    let name = match opt_str(obj, "name", "")? {
        Some(n) => Some(n),
        None => match private {
            Some(p) => opt_str(p, "name", "_private")?,
            None => None,
        },
    };
    if let Some(n) = name {
        check_len(n, 0, 130, "name")?;
    }
    // create-a-contract reference: `value` (deal size, object or null), `folder_id`
    // (integer) and `tags` (array of tag objects) are top-level attributes.
    let value = match obj.get("value") {
        None => Value::Null,
        Some(v) => validate_value(v, "value")?,
    };
    // The sandbox has no folders and the contract model shows none: `folder_id` is only
    // type-checked (assumed).
    if let Some(v) = obj.get("folder_id").filter(|v| !v.is_null()) {
        if v.as_i64().is_none_or(|id| id < 1) {
            return Err(Problem::bad_param(
                "folder_id",
                "must be a positive integer",
            ));
        }
    }
    let tags = match obj.get("tags") {
        None => Vec::new(),
        Some(v) => parse_tags(v)?,
    };

    // Counterparties.
    let mut parties: Vec<Party> = Vec::new();
    if let Some(list) = opt_array(obj, "parties", "")? {
        for (i, item) in list.iter().enumerate() {
            parties.push(counterparty(item, &format!("parties[{i}]"), &options, now)?);
        }
    }
    // Owner side.
    let mut owner = Vec::new();
    if let Some(my) = opt_object(obj, "my_party", "")? {
        if let Some(list) = opt_array(my, "participants", "my_party")? {
            for (i, item) in list.iter().enumerate() {
                let p = owner_participant(
                    w,
                    item,
                    &format!("my_party.participants[{i}]"),
                    &options,
                    now,
                )?;
                if owner
                    .iter()
                    .any(|x: &crate::state::Participant| x.user_id == p.user_id)
                {
                    return Err(Problem::bad_param(
                        &format!("my_party.participants[{i}].email"),
                        "lists the same user twice",
                    ));
                }
                owner.push(p);
            }
        }
    }
    // The creator organizes unless a listed colleague is marked `organizer` (assumed).
    let named_organizer = owner.iter().any(|p| p.organizer);
    if !owner.iter().any(|p| p.user_id == Some(actor.user_id)) {
        if let Some(mut creator) = creator_participant(w, actor, &options, now) {
            creator.organizer = !named_organizer;
            owner.insert(0, creator);
        }
    } else if let Some(p) = owner.iter_mut().find(|p| p.user_id == Some(actor.user_id)) {
        p.organizer = p.organizer || !named_organizer;
    }
    if owner.len() > MAX_OWNER_PARTICIPANTS {
        return Err(Problem::bad_param(
            "my_party.participants",
            format!("your own party can have at most {MAX_OWNER_PARTICIPANTS} participants"),
        ));
    }
    if parties.len() + 1 > MAX_PARTIES {
        return Err(Problem::bad_param(
            "parties",
            format!("a contract can have at most {MAX_PARTIES} parties"),
        ));
    }
    let total: usize = owner.len() + parties.iter().map(|p| p.participants.len()).sum::<usize>();
    if total > MAX_PARTICIPANTS {
        return Err(Problem::bad_param(
            "parties",
            format!(
                "a contract can have at most {MAX_PARTICIPANTS} participants across all parties"
            ),
        ));
    }

    // Data fields: copied from the template type, values from the request.
    let defs = template_type_id
        .and_then(|id| w.template_types.get(&id))
        .map(|t| t.data_fields.clone())
        .unwrap_or_default();
    let mut values: Vec<(String, String)> = Vec::new();
    if let Some(list) = opt_array(obj, "data_fields", "")? {
        for (i, item) in list.iter().enumerate() {
            let path = format!("data_fields[{i}]");
            let f = object(item, &path)?;
            let custom_id = opt_str(f, "custom_id", &path)?
                .ok_or_else(|| Problem::bad_param(&join(&path, "custom_id"), "is required"))?;
            let value = opt_str(f, "value", &path)?
                .ok_or_else(|| Problem::bad_param(&join(&path, "value"), "is required"))?;
            check_len(value, 0, 1024, &join(&path, "value"))?;
            if !defs.iter().any(|d| d.custom_id == custom_id) {
                return Err(Problem::bad_param(
                    &join(&path, "custom_id"),
                    format!("`{custom_id}` is not a data field of the template's template type"),
                ));
            }
            if values.iter().any(|(c, _)| c == custom_id) {
                return Err(Problem::bad_param(
                    &join(&path, "custom_id"),
                    "is given twice",
                ));
            }
            values.push((custom_id.to_owned(), value.to_owned()));
        }
    }

    // Product tables: one per template table (create reference: `product_groups` needs one).
    let mut product_groups: Vec<ProductGroup> = Vec::new();
    if options.products {
        product_groups.push(ProductGroup {
            id: w.ids.product_group(),
            products: Vec::new(),
        });
    }
    if let Some(pg) = obj.get("product_groups") {
        let ids = &mut w.ids;
        super::products::fill_on_create(&mut product_groups, pg, &mut || ids.product())?;
        super::products::check_groups(&product_groups)?;
    }

    // Everything is valid: allocate ids and store.
    let id = w.ids.contract();
    let mut owner_party = Party {
        id: 0,
        kind: "company".to_owned(),
        name: Some(w.account.name.clone()),
        identification_number: Some("556677-8899".to_owned()),
        country_code: Some("SE".to_owned()),
        my_party: true,
        participants: owner,
        created: now,
        updated: now,
    };
    assign_ids(&mut owner_party, &mut w.ids);
    for p in &mut parties {
        assign_ids(p, &mut w.ids);
    }
    let mut all_parties = vec![owner_party];
    all_parties.extend(parties);
    let data_fields = defs
        .into_iter()
        .map(|def| {
            let value = values
                .iter()
                .find(|(c, _)| *c == def.custom_id)
                .map_or_else(|| def.value.clone(), |(_, v)| v.clone());
            ContractField {
                id: w.ids.contract_field(),
                def,
                value,
                created: now,
                updated: now,
            }
        })
        .collect();
    let contract = Contract {
        id,
        name: name.unwrap_or_default().to_owned(),
        value,
        workspace_id,
        template_id,
        template_type_id,
        options,
        state: "draft".to_owned(),
        created: now,
        updated: now,
        state_updated: now,
        published: None,
        signing_period_expiration: json!({ "type": "never" }),
        signing_period_expiry_time: None,
        sign_order: Value::Null,
        tags,
        product_groups,
        parties: all_parties,
        data_fields,
        files: Vec::new(),
        events: Vec::new(),
    };
    w.contracts.insert(id, contract);
    // No event: `contract:create` is not in Oneflow's webhook-type list (the events and
    // webhooks share that vocabulary), so creating a contract emits nothing.
    let _ = actor;
    Ok(id)
}

/// `tags`: an array of `{"id": <tag id>}` objects, each tag at most once.
fn parse_tags(v: &Value) -> Result<Vec<i64>, Problem> {
    let list = v
        .as_array()
        .ok_or_else(|| Problem::bad_param("tags", "must be an array of tag objects"))?;
    let mut ids = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let path = format!("tags[{i}]");
        let id = req_i64(object(item, &path)?, "id", &path)?;
        if ids.contains(&id) {
            return Err(Problem::bad_param(&join(&path, "id"), "is given twice"));
        }
        ids.push(id);
    }
    Ok(ids)
}

/// A contract value: `null` or `{"amount": "<decimal string>", "currency"?: "SEK"}` (the
/// create-a-contract-with-a-contract-value tutorial sends the amount alone).
fn validate_value(v: &Value, path: &str) -> Result<Value, Problem> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let obj = object(v, path)?;
    let amount = opt_str(obj, "amount", path)?
        .ok_or_else(|| Problem::bad_param(&join(path, "amount"), "is required"))?;
    let ok = {
        let mut parts = amount.splitn(2, '.');
        let whole = parts.next().unwrap_or("");
        let frac = parts.next().unwrap_or("");
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && frac.len() <= 2
            && frac.bytes().all(|b| b.is_ascii_digit())
    };
    if !ok {
        return Err(Problem::bad_param(
            &join(path, "amount"),
            "must be a decimal string with at most two decimals, e.g. \"1500.00\"",
        ));
    }
    let Some(currency) = opt_str(obj, "currency", path)? else {
        return Ok(json!({ "amount": amount }));
    };
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Problem::bad_param(
            &join(path, "currency"),
            "must be an ISO 4217 code such as `SEK`",
        ));
    }
    Ok(json!({ "amount": amount, "currency": currency }))
}

pub(super) async fn get_one(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    s.read(|w| {
        w.contracts
            .get(&id)
            .map(|c| Json(w.render_contract(c, &actor)))
            .ok_or_else(|| contract_not_found(id))
    })
}

pub(super) async fn list(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, Problem> {
    let q = QueryParams::parse(raw.as_deref())?;
    check_list_params(&q)?;
    s.read(|w| {
        let data_match = match q.get("filter[data_field_match]") {
            None => None,
            Some(raw) => {
                let (cid, value) = raw.split_once(':').ok_or_else(|| {
                    Problem::bad_param("filter[data_field_match]", "must be `<custom_id>:<value>`")
                })?;
                if cid.is_empty() || value.is_empty() {
                    return Err(Problem::bad_param(
                        "filter[data_field_match]",
                        "custom id and value must both be non-empty",
                    ));
                }
                Some((cid.to_owned(), value.to_owned()))
            }
        };
        let states = match q.get("filter[states]") {
            None => None,
            Some(raw) => {
                let list: Vec<String> = raw
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect();
                if list.is_empty() {
                    return Err(Problem::bad_param("filter[states]", "must name at least one state"));
                }
                if let Some(bad) = list.iter().find(|s| !STATES.contains(&s.as_str())) {
                    return Err(Problem::bad_param(
                        "filter[states]",
                        format!("`{bad}` is not a contract state"),
                    ));
                }
                Some(list)
            }
        };
        let published = match q.get("filter[published_time]") {
            None => None,
            Some(raw) => Some(parse_time_range("filter[published_time]", raw)?),
        };
        let query = q.get("filter[query]").map(str::to_lowercase);
        let mut list: Vec<&Contract> = w
            .contracts
            .values()
            .filter(|c| {
                data_match.as_ref().is_none_or(|(cid, v)| {
                    c.data_fields.iter().any(|f| &f.def.custom_id == cid && &f.value == v)
                })
            })
            .filter(|c| states.as_ref().is_none_or(|s| s.contains(&c.state)))
            .filter(|c| {
                published.as_ref().is_none_or(|(from, to)| {
                    c.published.is_some_and(|p| {
                        from.is_none_or(|f| p >= f) && to.is_none_or(|t| p <= t)
                    })
                })
            })
            .filter(|c| {
                query
                    .as_ref()
                    .is_none_or(|needle| c.name.to_lowercase().contains(needle.as_str()))
            })
            .collect();
        if let Some(sort) = q.get("sort").filter(|s| !s.is_empty()) {
            let keys: Vec<&str> = sort.split(',').map(str::trim).collect();
            for key in keys.iter().rev() {
                let (desc, column) = key.strip_prefix('-').map_or((false, *key), |k| (true, k));
                let cmp: fn(&&Contract, &&Contract) -> std::cmp::Ordering = match column {
                    "name" => |a, b| a.name.cmp(&b.name),
                    "state" => |a, b| a.state.cmp(&b.state),
                    "state_updated_time" => |a, b| a.state_updated.cmp(&b.state_updated),
                    "published_time" => |a, b| a.published.cmp(&b.published),
                    "id" => |a, b| a.id.cmp(&b.id),
                    _ => {
                        return Err(Problem::bad_param(
                            "sort",
                            format!("cannot sort by `{column}` (name, state, state_updated_time, published_time)"),
                        ))
                    }
                };
                if desc {
                    list.sort_by(|a, b| cmp(b, a));
                } else {
                    list.sort_by(cmp);
                }
            }
        }
        let items = list.iter().map(|c| w.render_contract(c, &actor)).collect();
        paginate(&w.base, "/contracts", &q, items).map(Json)
    })
}

/// Query parameters `GET /contracts` understands: paging, `sort` and the filters whose names
/// a public page shows. Anything else is refused (what Oneflow does is undocumented).
const LIST_PARAMS: [&str; 7] = [
    "limit",
    "offset",
    "sort",
    "filter[states]",
    "filter[published_time]",
    "filter[data_field_match]",
    "filter[query]",
];

fn check_list_params(q: &QueryParams) -> Result<(), Problem> {
    let mut seen: Vec<&str> = Vec::new();
    for key in q.keys() {
        if !LIST_PARAMS.contains(&key) {
            return Err(Problem::bad_param(
                key,
                "is not a parameter of this endpoint",
            ));
        }
        if seen.contains(&key) {
            return Err(Problem::bad_param(key, "may be given only once"));
        }
        seen.push(key);
    }
    Ok(())
}

/// Lower and upper bound of a `string(datetime_range)`.
type TimeBounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// `string(datetime_range)`: `<from>|<to>`, either side optional, each a `string(datetime)`
/// (`+0000` or `+00:00` offsets); at most 60 characters.
fn parse_time_range(key: &str, raw: &str) -> Result<TimeBounds, Problem> {
    let bad = || Problem::bad_param(key, "must be `<from>|<to>` with at least one datetime");
    if raw.chars().count() > 60 {
        return Err(Problem::bad_param(key, "must be at most 60 characters"));
    }
    let (from, to) = raw.split_once('|').ok_or_else(bad)?;
    let side = |s: &str| -> Result<Option<DateTime<Utc>>, Problem> {
        if s.is_empty() {
            return Ok(None);
        }
        DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z")
            .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%:z"))
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|_| bad())
    };
    let (from, to) = (side(from)?, side(to)?);
    if from.is_none() && to.is_none() {
        return Err(bad());
    }
    Ok((from, to))
}

pub(super) async fn update(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let body = json_body(&body)?;
    let obj = object(&body, "")?;
    let private = opt_object(obj, "_private", "")?;
    s.mutate(|w| {
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        let state = c.state.clone();
        let mut name = None;
        let mut value = None;
        let mut expiration = None;
        if let Some(p) = private {
            if (p.contains_key("name") || p.contains_key("value"))
                && !matches!(state.as_str(), "draft" | "pending" | "signed")
            {
                return Err(Problem::conflict(format!(
                    "The name and value of a `{state}` contract cannot be changed."
                )));
            }
            if p.contains_key("name") {
                let n = opt_str(p, "name", "_private")?.unwrap_or("");
                check_len(n, 0, 130, "_private.name")?;
                name = Some(n.to_owned());
            }
            if let Some(v) = p.get("value") {
                value = Some(validate_value(v, "_private.value")?);
            }
            if let Some(exp) = p.get("signing_period_expiration") {
                expiration = Some(parse_expiration(exp, &state)?);
            }
        }
        let sign_order = match obj.get("sign_order") {
            None => None,
            Some(Value::Null) => Some(Value::Null),
            Some(v) => Some(parse_sign_order(c, v, &state)?),
        };
        // update-a-contract-by-id reference: `tags` lists the tag ids to be left in the
        // contract, so it can only keep or drop tags the contract has.
        let tags = match obj.get("tags") {
            None => None,
            Some(v) => {
                let keep = parse_tags(v)?;
                if let Some(extra) = keep.iter().find(|t| !c.tags.contains(t)) {
                    return Err(Problem::bad_param(
                        "tags",
                        format!("tag {extra} is not on the contract; `tags` can only keep tags"),
                    ));
                }
                Some(keep)
            }
        };
        let c = w
            .contracts
            .get_mut(&id)
            .ok_or_else(|| contract_not_found(id))?;
        let changed = name.is_some()
            || value.is_some()
            || expiration.is_some()
            || sign_order.is_some()
            || tags.is_some();
        if let Some(t) = tags {
            c.tags = t;
        }
        if let Some(n) = name {
            c.name = n;
        }
        if let Some(v) = value {
            c.value = v;
        }
        if let Some(e) = expiration {
            c.signing_period_expiration = e;
        }
        if let Some(o) = sign_order {
            c.sign_order = o;
        }
        if changed {
            c.touch();
        }
        let c = &w.contracts[&id];
        Ok(Json(w.render_contract(c, &actor)))
    })
}

fn parse_expiration(v: &Value, state: &str) -> Result<Value, Problem> {
    const PATH: &str = "_private.signing_period_expiration";
    if v.is_null() {
        return Err(Problem::bad_param(
            PATH,
            "cannot be null; use {\"type\": \"never\"}",
        ));
    }
    let obj = object(v, PATH)?;
    let kind = opt_str(obj, "type", PATH)?
        .ok_or_else(|| Problem::bad_param(&join(PATH, "type"), "is required"))?;
    let out = match kind {
        "never" => json!({ "type": "never" }),
        "days_after_publish" => {
            let days = opt_i64(obj, "expire_days_after_publish", PATH)?
                .filter(|d| (1..=365).contains(d))
                .ok_or_else(|| {
                    Problem::bad_param(
                        &join(PATH, "expire_days_after_publish"),
                        "is required, 1 to 365",
                    )
                })?;
            json!({ "type": "days_after_publish", "expire_days_after_publish": days })
        }
        "fixed_date" => {
            let date = opt_str(obj, "expire_date", PATH)?
                .filter(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
                .ok_or_else(|| {
                    Problem::bad_param(&join(PATH, "expire_date"), "is required, format YYYY-MM-DD")
                })?;
            json!({ "type": "fixed_date", "expire_date": date })
        }
        other => {
            return Err(Problem::bad_param(
                &join(PATH, "type"),
                format!("`{other}` is not one of never, days_after_publish, fixed_date"),
            ))
        }
    };
    match state {
        "draft" => Ok(out),
        "pending" if kind != "days_after_publish" => Ok(out),
        _ => Err(Problem::conflict(format!(
            "The signing period of a `{state}` contract cannot be changed this way."
        ))),
    }
}

fn parse_sign_order(c: &Contract, v: &Value, state: &str) -> Result<Value, Problem> {
    if state != "draft" {
        return Err(Problem::conflict(
            "The sign order can only be changed on drafts.",
        ));
    }
    let items = v
        .as_array()
        .ok_or_else(|| Problem::bad_param("sign_order", "must be an array or null"))?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("sign_order[{i}]");
        let obj = object(item, &path)?;
        let pid = req_i64(obj, "participant_id", &path)?;
        let order = req_i64(obj, "order", &path)?;
        if c.participant(pid).is_none() {
            return Err(Problem::bad_param(
                &join(&path, "participant_id"),
                format!("no participant {pid} in this contract"),
            ));
        }
        if order < 1 {
            return Err(Problem::bad_param(
                &join(&path, "order"),
                "must be 1 or more",
            ));
        }
        out.push(json!({ "participant_id": pid, "order": order }));
    }
    Ok(Value::Array(out))
}

/// `DELETE /contracts/{id}`: permanent; 200 with an empty body even if it does not exist.
pub(super) async fn delete(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Response {
    if let Ok(id) = id.parse::<i64>() {
        s.mutate(|w| {
            if w.contracts.contains_key(&id) {
                let ev_actor = w.event_actor(id, &actor);
                w.emit(
                    id,
                    "contract:delete",
                    Some(ev_actor),
                    json!({ "subject": { "contract": { "id": id } } }),
                );
                w.contracts.remove(&id);
            }
        });
    }
    StatusCode::OK.into_response()
}

pub(super) async fn publish(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let body = json_body(&body)?;
    let obj = object(&body, "")?;
    let subject = opt_str(obj, "subject", "")?;
    let message = opt_str(obj, "message", "")?;
    if let Some(subject) = subject {
        check_len(subject, 0, 255, "subject")?;
    }
    if let Some(message) = message {
        check_len(message, 0, 10_000, "message")?;
    }
    s.mutate(|w| {
        let c = w.contracts.get_mut(&id).ok_or_else(|| contract_not_found(id))?;
        if c.state != "draft" {
            return Err(Problem::conflict(format!(
                "Contract {id} is `{}`; only draft contracts can be published.",
                c.state
            )));
        }
        if !c.parties.iter().flat_map(|p| p.participants.iter()).any(|p| p.signatory) {
            return Err(Problem::bad_request(
                "The contract has no signatory; add at least one participant with `signatory: true`.",
            ));
        }
        let now = Utc::now();
        c.set_state("pending");
        c.published = Some(now);
        c.signing_period_expiry_time = match c.signing_period_expiration.get("type").and_then(Value::as_str) {
            Some("days_after_publish") => c
                .signing_period_expiration
                .get("expire_days_after_publish")
                .and_then(Value::as_i64)
                .map(|d| now + ChronoDuration::days(d)),
            Some("fixed_date") => c
                .signing_period_expiration
                .get("expire_date")
                .and_then(Value::as_str)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .and_then(|d| d.and_hms_opt(23, 59, 59))
                .map(|d| d.and_utc()),
            _ => None,
        };
        for p in c.parties.iter_mut().flat_map(|p| p.participants.iter_mut()) {
            p.delivery_status = "success".to_owned();
        }
        let ev_actor = w.event_actor(id, &actor);
        w.emit(id, "contract:publish", Some(ev_actor), json!({ "subject": { "contract": { "id": id } } }));
        let c = &w.contracts[&id];
        Ok(Json(w.render_contract(c, &actor)))
    })
}

pub(super) async fn events(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let q = QueryParams::parse(raw.as_deref())?;
    s.read(|w| {
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        let items = c.events.iter().map(|e| w.render_event(id, e)).collect();
        paginate(&w.base, &format!("/contracts/{id}/events"), &q, items).map(Json)
    })
}

pub(super) async fn event(
    State(s): State<Arc<Shared>>,
    Path((id, event_id)): Path<(String, String)>,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let event_id = path_id(&event_id, "Event")?;
    s.read(|w| {
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        c.events
            .iter()
            .find(|e| e.id == event_id)
            .map(|e| Json(w.render_event(id, e)))
            .ok_or_else(|| Problem::not_found(format!("Event {event_id} was not found.")))
    })
}
