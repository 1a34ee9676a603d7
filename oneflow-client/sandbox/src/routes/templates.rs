//! Templates, template types with their data fields, and `/helpers/contract_create_data`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use serde_json::{Map, Value};

use super::input::{check_len, json_body, object, opt_array, opt_str, path_id};
use super::{paginate, QueryParams};
use crate::errors::Problem;
use crate::state::{Actor, DataFieldDef, Template, TemplateType, World};
use crate::Shared;

/// Filters shared by `/templates` and `/helpers/contract_create_data`.
struct TemplateFilter {
    extension_type_ids: Option<Vec<i64>>,
    template_type_id: Option<i64>,
}

impl TemplateFilter {
    fn parse(w: &World, q: &QueryParams) -> Result<Self, Problem> {
        let extension_type_ids = match q.get("extension_type") {
            None => None,
            Some(ext) => {
                let ids: Vec<i64> = w
                    .template_types
                    .values()
                    .filter(|t| t.extension_type.as_deref() == Some(ext))
                    .map(|t| t.id)
                    .collect();
                if ids.is_empty() {
                    return Err(Problem::bad_param(
                        "extension_type",
                        format!(
                            "no template type with extension type `{ext}` exists in this account"
                        ),
                    ));
                }
                Some(ids)
            }
        };
        let template_type_id = match q.get("template_type_id") {
            None => None,
            Some(raw) => Some(
                raw.parse()
                    .map_err(|_| Problem::bad_param("template_type_id", "must be an integer"))?,
            ),
        };
        Ok(Self {
            extension_type_ids,
            template_type_id,
        })
    }

    fn matches(&self, t: &Template) -> bool {
        let ext_ok = self
            .extension_type_ids
            .as_ref()
            .is_none_or(|ids| t.template_type_id.is_some_and(|id| ids.contains(&id)));
        let type_ok = self
            .template_type_id
            .is_none_or(|id| t.template_type_id == Some(id));
        ext_ok && type_ok
    }
}

pub(super) async fn list(
    State(s): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, Problem> {
    let q = QueryParams::parse(raw.as_deref())?;
    s.read(|w| {
        let filter = TemplateFilter::parse(w, &q)?;
        let workspace_ids = q.id_list("filter[workspace_ids]")?;
        // Omitted → active only; `true` → active; `false` → inactive; empty → both.
        let active: Option<bool> = match q.get("filter[active]") {
            None => Some(true),
            Some("") => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                return Err(Problem::bad_param(
                    "filter[active]",
                    "must be `true`, `false` or empty",
                ))
            }
        };
        let mut templates: Vec<&Template> = w
            .templates
            .iter()
            .filter(|t| filter.matches(t))
            .filter(|t| active.is_none_or(|a| t.active == a))
            .filter(|t| {
                workspace_ids
                    .as_ref()
                    .is_none_or(|ids| t.workspace_ids.iter().any(|id| ids.contains(id)))
            })
            .collect();
        match q.get("sort") {
            None | Some("") => {}
            Some("name") => templates.sort_by(|a, b| a.name.cmp(&b.name)),
            Some("-name") => templates.sort_by(|a, b| b.name.cmp(&a.name)),
            Some(_) => {
                return Err(Problem::bad_param(
                    "sort",
                    "templates can be sorted by `name` only",
                ))
            }
        }
        let items = templates.iter().map(|t| w.render_template(t)).collect();
        paginate(&w.base, "/templates", &q, items).map(Json)
    })
}

pub(super) async fn get_one(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Template")?;
    s.read(|w| {
        w.template(id)
            .map(|t| Json(w.render_template(t)))
            .ok_or_else(|| Problem::not_found(format!("Template {id} was not found.")))
    })
}

pub(super) async fn contract_create_data(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, Problem> {
    let q = QueryParams::parse(raw.as_deref())?;
    s.read(|w| {
        let filter = TemplateFilter::parse(w, &q)?;
        let mut out = Vec::new();
        for ws in &w.workspaces {
            if !w.can_create_in(&actor, ws) {
                continue;
            }
            let templates: Vec<Value> = w
                .templates
                .iter()
                .filter(|t| t.active && t.workspace_ids.contains(&ws.id) && filter.matches(t))
                .map(|t| w.render_template(t))
                .collect();
            if templates.is_empty() {
                continue;
            }
            let mut entry = w.render_workspace(ws, &actor);
            if let Some(obj) = entry.as_object_mut() {
                obj.insert("templates".to_owned(), Value::Array(templates));
            }
            out.push(entry);
        }
        Ok(Json(Value::Array(out)))
    })
}

fn require_admin(actor: &Actor) -> Result<(), Problem> {
    if actor.is_admin {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "Only administrators may change template types and webhooks.",
        ))
    }
}

pub(super) async fn list_types(
    State(s): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, Problem> {
    let q = QueryParams::parse(raw.as_deref())?;
    s.read(|w| {
        let items = w
            .template_types
            .values()
            .map(|t| w.render_template_type(t))
            .collect();
        paginate(&w.base, "/template_types", &q, items).map(Json)
    })
}

pub(super) async fn get_type(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Template type")?;
    s.read(|w| {
        w.template_types
            .get(&id)
            .map(|t| Json(w.render_template_type(t)))
            .ok_or_else(|| type_not_found(id))
    })
}

fn type_not_found(id: i64) -> Problem {
    Problem::not_found(format!("Template type {id} was not found."))
}

pub(super) async fn create_type(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    require_admin(&actor)?;
    let body = json_body(&body)?;
    let obj = object(&body, "")?;
    let name =
        opt_str(obj, "name", "")?.ok_or_else(|| Problem::bad_param("name", "is required"))?;
    check_len(name, 1, 100, "name")?;
    let description = opt_str(obj, "description", "")?.unwrap_or_default();
    if opt_str(obj, "extension_type", "")?.is_some() {
        return Err(Problem::bad_param(
            "extension_type",
            "is set by Oneflow integration extensions and cannot be set through the API",
        ));
    }
    let field_items = opt_array(obj, "data_fields", "")?
        .cloned()
        .unwrap_or_default();
    s.mutate(|w| {
        let now = Utc::now();
        let id = w.ids.template_type();
        let fields = merge_fields(w, &[], &field_items)?;
        let t = TemplateType {
            id,
            name: name.to_owned(),
            description: description.to_owned(),
            extension_type: None,
            data_fields: fields,
            created: now,
            updated: now,
        };
        let rendered = w.render_template_type(&t);
        w.template_types.insert(id, t);
        Ok(Json(rendered))
    })
}

pub(super) async fn update_type(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    require_admin(&actor)?;
    let id = path_id(&id, "Template type")?;
    let body = json_body(&body)?;
    let obj = object(&body, "")?;
    let name = opt_str(obj, "name", "")?;
    if let Some(name) = name {
        check_len(name, 1, 100, "name")?;
    }
    let description = opt_str(obj, "description", "")?;
    s.mutate(|w| {
        let t = w
            .template_types
            .get_mut(&id)
            .ok_or_else(|| type_not_found(id))?;
        if let Some(name) = name {
            t.name = name.to_owned();
        }
        if let Some(description) = description {
            t.description = description.to_owned();
        }
        t.updated = Utc::now();
        let t = &w.template_types[&id];
        Ok(Json(w.render_template_type(t)))
    })
}

pub(super) async fn delete_type(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    require_admin(&actor)?;
    let id = path_id(&id, "Template type")?;
    s.mutate(|w| {
        w.template_types
            .remove(&id)
            .ok_or_else(|| type_not_found(id))?;
        for t in &mut w.templates {
            if t.template_type_id == Some(id) {
                t.template_type_id = None;
            }
        }
        Ok(axum::http::StatusCode::OK.into_response())
    })
}

pub(super) async fn type_fields(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Template type")?;
    let q = QueryParams::parse(raw.as_deref())?;
    s.read(|w| {
        let t = w
            .template_types
            .get(&id)
            .ok_or_else(|| type_not_found(id))?;
        let items = t
            .data_fields
            .iter()
            .map(|f| w.render_data_field_def(id, f))
            .collect();
        paginate(
            &w.base,
            &format!("/template_types/{id}/data_fields"),
            &q,
            items,
        )
        .map(Json)
    })
}

/// `PUT /template_types/{id}/data_fields`: the body's set replaces the type's set.
pub(super) async fn replace_type_fields(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    require_admin(&actor)?;
    let id = path_id(&id, "Template type")?;
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
        let existing = w
            .template_types
            .get(&id)
            .ok_or_else(|| type_not_found(id))?
            .data_fields
            .clone();
        let fields = merge_fields(w, &existing, &items)?;
        let t = w
            .template_types
            .get_mut(&id)
            .ok_or_else(|| type_not_found(id))?;
        t.data_fields = fields;
        t.updated = Utc::now();
        let t = &w.template_types[&id];
        let items = t
            .data_fields
            .iter()
            .map(|f| w.render_data_field_def(id, f))
            .collect();
        paginate(
            &w.base,
            &format!("/template_types/{id}/data_fields"),
            &q,
            items,
        )
        .map(Json)
    })
}

/// Build the new field set: items matched by `id` or `custom_id` update, others are created,
/// existing fields missing from the items are dropped.
fn merge_fields(
    w: &mut World,
    existing: &[DataFieldDef],
    items: &[Value],
) -> Result<Vec<DataFieldDef>, Problem> {
    let mut out: Vec<DataFieldDef> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("data_fields[{i}]");
        let obj: &Map<String, Value> = object(item, &path)?;
        let id = super::input::opt_i64(obj, "id", &path)?;
        let custom_id = opt_str(obj, "custom_id", &path)?;
        let base = match (id, custom_id) {
            (Some(id), _) => Some(existing.iter().find(|f| f.id == id).cloned().ok_or_else(
                || {
                    Problem::bad_param(
                        &format!("{path}.id"),
                        "no such data field on this template type",
                    )
                },
            )?),
            (None, Some(cid)) => existing.iter().find(|f| f.custom_id == cid).cloned(),
            (None, None) => {
                return Err(Problem::bad_param(
                    &format!("{path}.custom_id"),
                    "is required for new data fields",
                ))
            }
        };
        let name = opt_str(obj, "name", &path)?;
        let mut field = match base {
            Some(f) => f,
            None => {
                let name = name.ok_or_else(|| {
                    Problem::bad_param(&format!("{path}.name"), "is required for new data fields")
                })?;
                DataFieldDef {
                    id: 0,
                    custom_id: String::new(),
                    name: name.to_owned(),
                    description: String::new(),
                    placeholder: String::new(),
                    value: String::new(),
                    system: false,
                }
            }
        };
        if let Some(cid) = custom_id {
            check_len(cid, 1, 100, &format!("{path}.custom_id"))?;
            field.custom_id = cid.to_owned();
        }
        if let Some(name) = name {
            check_len(name, 1, 100, &format!("{path}.name"))?;
            field.name = name.to_owned();
        }
        if let Some(d) = opt_str(obj, "description", &path)? {
            field.description = d.to_owned();
        }
        if let Some(p) = opt_str(obj, "placeholder", &path)? {
            field.placeholder = p.to_owned();
        }
        if let Some(v) = opt_str(obj, "value", &path)? {
            check_len(v, 0, 1024, &format!("{path}.value"))?;
            field.value = v.to_owned();
        }
        if out.iter().any(|f| f.custom_id == field.custom_id) {
            return Err(Problem::bad_param(
                &format!("{path}.custom_id"),
                "must be unique within the template type",
            ));
        }
        out.push(field);
    }
    for f in &mut out {
        if f.id == 0 {
            f.id = w.ids.data_field();
        }
    }
    Ok(out)
}
