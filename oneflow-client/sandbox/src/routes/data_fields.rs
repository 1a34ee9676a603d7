//! Contract data fields: list, bulk update, single update by id or custom id.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use chrono::Utc;
use serde_json::{json, Map, Value};

use super::input::{
    check_len, json_body, object, opt_array, opt_i64, opt_object, opt_str, path_id,
};
use super::parties::contract_not_found;
use super::{paginate, QueryParams};
use crate::errors::Problem;
use crate::state::{Actor, Contract, World};
use crate::Shared;

/// How a request names a data field.
enum FieldRef {
    Id(i64),
    CustomId(String),
}

impl FieldRef {
    fn find(&self, c: &Contract) -> Option<usize> {
        c.data_fields.iter().position(|f| match self {
            Self::Id(id) => f.id == *id,
            Self::CustomId(cid) => &f.def.custom_id == cid,
        })
    }

    fn describe(&self) -> String {
        match self {
            Self::Id(id) => format!("data field {id}"),
            Self::CustomId(cid) => format!("data field with custom id `{cid}`"),
        }
    }
}

/// A value change: `None` = leave unchanged; `Some("")` = clear.
fn parse_value(obj: &Map<String, Value>, path: &str) -> Result<Option<String>, Problem> {
    let key = if path.is_empty() {
        "value".to_owned()
    } else {
        format!("{path}.value")
    };
    match obj.get("value") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(String::new())),
        Some(Value::String(v)) => {
            check_len(v, 0, 1024, &key)?;
            Ok(Some(v.clone()))
        }
        Some(_) => Err(Problem::bad_param(&key, "must be a string or null")),
    }
}

fn editable(c: &Contract) -> Result<(), Problem> {
    if matches!(c.state.as_str(), "draft" | "pending") {
        Ok(())
    } else {
        Err(Problem::conflict(format!(
            "Data fields of a `{}` contract cannot be changed.",
            c.state
        )))
    }
}

/// Apply validated changes; system fields silently keep their value. Emits `data_field:update`.
fn apply(w: &mut World, id: i64, actor: &Actor, changes: Vec<(usize, String)>) {
    let now = Utc::now();
    let mut changed = Vec::new();
    if let Some(c) = w.contracts.get_mut(&id) {
        for (index, value) in changes {
            let f = &mut c.data_fields[index];
            if f.def.system || f.value == value {
                continue;
            }
            let from = std::mem::replace(&mut f.value, value.clone());
            f.updated = now;
            changed.push((f.id, from, value));
        }
        if !changed.is_empty() {
            c.touch();
        }
    }
    for (field_id, from, to) in changed {
        let ev_actor = w.event_actor(id, actor);
        w.emit(
            id,
            "data_field:update",
            Some(ev_actor),
            json!({
                "changes": [{ "attribute": "value", "from": from, "to": to }],
                "subject": { "data_field": { "id": field_id } },
            }),
        );
    }
}

pub(super) async fn list(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let q = QueryParams::parse(raw.as_deref())?;
    s.read(|w| render_list(w, id, &q))
}

fn render_list(w: &World, id: i64, q: &QueryParams) -> Result<Json<Value>, Problem> {
    let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
    let items = c
        .data_fields
        .iter()
        .map(|f| w.render_contract_field(id, f))
        .collect();
    paginate(&w.base, &format!("/contracts/{id}/data_fields"), q, items).map(Json)
}

pub(super) async fn bulk_update(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let q = QueryParams::parse(raw.as_deref())?;
    let body = json_body(&body)?;
    let items = match &body {
        Value::Array(items) => items.clone(),
        Value::Object(obj) => opt_array(obj, "data_fields", "")?
            .cloned()
            .ok_or_else(|| Problem::bad_param("data_fields", "is required"))?,
        _ => {
            return Err(Problem::bad_request(
                "The body must be an array of data fields.",
            ))
        }
    };
    s.mutate(|w| {
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        editable(c)?;
        let mut changes = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("data_fields[{i}]");
            let obj = object(item, &path)?;
            let by_id = opt_i64(obj, "id", &path)?;
            let by_custom = match opt_object(obj, "_private_ownerside", &path)? {
                Some(o) => opt_str(o, "custom_id", &format!("{path}._private_ownerside"))?,
                None => None,
            };
            let field = match (by_id, by_custom) {
                (Some(fid), _) => FieldRef::Id(fid),
                (None, Some(cid)) => FieldRef::CustomId(cid.to_owned()),
                (None, None) => {
                    return Err(Problem::bad_param(
                        &path,
                        "needs `id` or `_private_ownerside.custom_id`",
                    ))
                }
            };
            let index = field.find(c).ok_or_else(|| {
                Problem::bad_param(
                    &path,
                    format!("{} does not exist on this contract", field.describe()),
                )
            })?;
            if let Some(value) = parse_value(obj, &path)? {
                changes.push((index, value));
            }
        }
        apply(w, id, &actor, changes);
        render_list(w, id, &q)
    })
}

pub(super) async fn update(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path((id, field)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let field = match field.strip_prefix("c::") {
        Some(cid) => FieldRef::CustomId(cid.to_owned()),
        None => match field.parse::<i64>() {
            Ok(fid) => FieldRef::Id(fid),
            Err(_) => FieldRef::CustomId(field.clone()),
        },
    };
    let body = json_body(&body)?;
    let obj = object(&body, "")?;
    s.mutate(|w| {
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        let index = field.find(c).ok_or_else(|| {
            Problem::not_found(format!(
                "The {} was not found on contract {id}.",
                field.describe()
            ))
        })?;
        let current = &c.data_fields[index];
        if let Some(body_id) = opt_i64(obj, "id", "")? {
            if body_id != current.id {
                return Err(Problem::bad_param(
                    "id",
                    "does not match the data field in the path",
                ));
            }
        }
        if let Some(o) = opt_object(obj, "_private_ownerside", "")? {
            if let Some(cid) = opt_str(o, "custom_id", "_private_ownerside")? {
                if cid != current.def.custom_id {
                    return Err(Problem::bad_param(
                        "_private_ownerside.custom_id",
                        "does not match the data field in the path",
                    ));
                }
            }
        }
        let value = parse_value(obj, "")?;
        editable(c)?;
        if let Some(value) = value {
            apply(w, id, &actor, vec![(index, value)]);
        }
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        Ok(Json(w.render_contract_field(id, &c.data_fields[index])))
    })
}
