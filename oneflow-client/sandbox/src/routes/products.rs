//! Product tables (product groups) and products of a contract.
//!
//! developer.oneflow.com docs "product": products are added with `POST
//! …/product_groups/{product_group_id}/products` and updated with `PUT
//! …/products/{product_id}` using the attributes `custom_id` (unique per contract),
//! `counterparty_lock`, `description`, `name`, `price_1`, `price_2` and `quantity`; an empty
//! PUT body changes nothing; choice quantities are 0 or 1 and only one `single_choice`
//! product per group may be 1; a price takes one kind of discount. The create reference
//! limits a contract to 150 products and needs a product table in the template. Assumed:
//! products change only on drafts (409 otherwise), add and update answer the contract, and
//! delete answers 200 with an empty body even when the product is gone.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{Map, Value};

use super::input::{join, json_body, object, path_id};
use super::parties::{contract_not_found, draft_mut};
use super::{paginate, QueryParams};
use crate::errors::Problem;
use crate::state::{render_product_group, Actor, Contract, ProductGroup};
use crate::Shared;

/// Products per contract (create-a-contract reference, default limit).
pub(super) const MAX_PRODUCTS: usize = 150;

const QUANTITY_TYPES: [&str; 3] = ["quantity", "single_choice", "multiple_choice"];

fn decimal(v: &Value, path: &str) -> Result<f64, Problem> {
    let bad = || Problem::bad_param(path, "must be a decimal string");
    let s = v.as_str().ok_or_else(bad)?;
    s.trim().parse::<f64>().map_err(|_| bad())
}

/// A price: `base_amount`, `discount_amount` (objects with `amount`), `discount_percent`.
fn check_price(v: &Value, path: &str) -> Result<(), Problem> {
    let obj = object(v, path)?;
    let mut discounts = 0;
    for key in ["base_amount", "discount_amount", "amount"] {
        if let Some(a) = obj.get(key).filter(|a| !a.is_null()) {
            let inner = object(a, &join(path, key))?;
            let value = inner.get("amount").ok_or_else(|| {
                Problem::bad_param(&join(&join(path, key), "amount"), "is required")
            })?;
            let n = decimal(value, &join(&join(path, key), "amount"))?;
            if key == "discount_amount" && n != 0.0 {
                discounts += 1;
            }
        }
    }
    if let Some(p) = obj.get("discount_percent").filter(|p| !p.is_null()) {
        let n = decimal(p, &join(path, "discount_percent"))?;
        if !(0.0..=100.0).contains(&n) {
            return Err(Problem::bad_param(
                &join(path, "discount_percent"),
                "must be between 0 and 100",
            ));
        }
        if n != 0.0 {
            discounts += 1;
        }
    }
    if discounts > 1 {
        return Err(Problem::bad_param(
            path,
            "use either discount_amount or discount_percent, not both",
        ));
    }
    Ok(())
}

/// The documented product attributes; anything else is refused.
fn parse_product(v: &Value, path: &str) -> Result<Map<String, Value>, Problem> {
    let obj = object(v, path)?;
    let mut out = Map::new();
    for (key, value) in obj {
        let p = join(path, key);
        match key.as_str() {
            "custom_id" | "name" | "description" => {
                if !(value.is_string() || value.is_null()) {
                    return Err(Problem::bad_param(&p, "must be a string"));
                }
            }
            "counterparty_lock" => {
                if !value.is_boolean() {
                    return Err(Problem::bad_param(&p, "must be a boolean"));
                }
            }
            "price_1" | "price_2" => check_price(value, &p)?,
            "quantity" => {
                let q = object(value, &p)?;
                let kind = q.get("type").and_then(Value::as_str).unwrap_or("quantity");
                if !QUANTITY_TYPES.contains(&kind) {
                    return Err(Problem::bad_param(
                        &join(&p, "type"),
                        "must be quantity, single_choice or multiple_choice",
                    ));
                }
                let amount = q
                    .get("amount")
                    .and_then(Value::as_f64)
                    .ok_or_else(|| Problem::bad_param(&join(&p, "amount"), "must be a number"))?;
                if amount < 0.0 || (kind != "quantity" && amount != 0.0 && amount != 1.0) {
                    return Err(Problem::bad_param(
                        &join(&p, "amount"),
                        "must be 0 or 1 for choice quantities and never negative",
                    ));
                }
            }
            _ => return Err(Problem::bad_param(&p, "is not a product attribute")),
        }
        out.insert(key.clone(), value.clone());
    }
    Ok(out)
}

fn quantity_is_chosen_single(p: &Map<String, Value>) -> bool {
    p.get("quantity").is_some_and(|q| {
        q.get("type").and_then(Value::as_str) == Some("single_choice")
            && q.get("amount").and_then(Value::as_f64) == Some(1.0)
    })
}

/// Group and contract rules after a change: unique `custom_id`s, one chosen
/// `single_choice` per group, at most 150 products.
pub(super) fn check_contract_products(c: &Contract) -> Result<(), Problem> {
    check_groups(&c.product_groups)
}

pub(super) fn check_groups(groups: &[ProductGroup]) -> Result<(), Problem> {
    let mut custom_ids: Vec<&str> = Vec::new();
    let mut total = 0;
    for g in groups {
        if g.products
            .iter()
            .filter(|p| quantity_is_chosen_single(p))
            .count()
            > 1
        {
            return Err(Problem::bad_request(format!(
                "Only one single_choice product of product group {} can have the amount 1.",
                g.id
            )));
        }
        for p in &g.products {
            total += 1;
            if let Some(cid) = p.get("custom_id").and_then(Value::as_str) {
                if custom_ids.contains(&cid) {
                    return Err(Problem::bad_param(
                        "custom_id",
                        format!("`{cid}` is already used by another product of the contract"),
                    ));
                }
                custom_ids.push(cid);
            }
        }
    }
    if total > MAX_PRODUCTS {
        return Err(Problem::bad_request(format!(
            "A contract can have at most {MAX_PRODUCTS} products."
        )));
    }
    Ok(())
}

/// `product_groups` on create: each item names a group by `id` (optional when the template
/// has one table) and lists `products`, which replace the table's products.
pub(super) fn fill_on_create(
    groups: &mut [ProductGroup],
    body: &Value,
    next_product: &mut dyn FnMut() -> i64,
) -> Result<(), Problem> {
    let list = body
        .as_array()
        .ok_or_else(|| Problem::bad_param("product_groups", "must be an array"))?;
    if groups.is_empty() && !list.is_empty() {
        return Err(Problem::bad_param(
            "product_groups",
            "the template has no product table",
        ));
    }
    for (i, item) in list.iter().enumerate() {
        let path = format!("product_groups[{i}]");
        let obj = object(item, &path)?;
        let index = match obj.get("id") {
            None | Some(Value::Null) if groups.len() == 1 => 0,
            None | Some(Value::Null) => {
                return Err(Problem::bad_param(
                    &join(&path, "id"),
                    "is required when the template has several product tables",
                ))
            }
            Some(v) => {
                let id = v
                    .as_i64()
                    .ok_or_else(|| Problem::bad_param(&join(&path, "id"), "must be an integer"))?;
                groups.iter().position(|g| g.id == id).ok_or_else(|| {
                    Problem::bad_param(&join(&path, "id"), "is not a product table of the template")
                })?
            }
        };
        let mut products = Vec::new();
        if let Some(list) = obj.get("products") {
            let list = list
                .as_array()
                .ok_or_else(|| Problem::bad_param(&join(&path, "products"), "must be an array"))?;
            for (j, p) in list.iter().enumerate() {
                let mut product = parse_product(p, &format!("{path}.products[{j}]"))?;
                product.insert("id".to_owned(), Value::from(next_product()));
                products.push(product);
            }
        }
        groups[index].products = products;
    }
    Ok(())
}

fn group_index(c: &Contract, group_id: i64) -> Result<usize, Problem> {
    c.product_groups
        .iter()
        .position(|g| g.id == group_id)
        .ok_or_else(|| Problem::not_found(format!("Product group {group_id} was not found.")))
}

/// `GET /contracts/{id}/product_groups`: a paged list.
pub(super) async fn list_groups(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let q = QueryParams::parse(raw.as_deref())?;
    s.read(|w| {
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        let items = c.product_groups.iter().map(render_product_group).collect();
        paginate(
            &w.base,
            &format!("/contracts/{id}/product_groups"),
            &q,
            items,
        )
        .map(Json)
    })
}

/// `POST /contracts/{id}/product_groups/{group_id}/products`.
pub(super) async fn add(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path((id, group_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let group_id = path_id(&group_id, "Product group")?;
    let body = json_body(&body)?;
    let mut product = parse_product(&body, "")?;
    s.mutate(|w| {
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        let index = group_index(c, group_id)?;
        let product_id = w.ids.product();
        product.insert("id".to_owned(), Value::from(product_id));
        let c = draft_mut(w, id)?;
        c.product_groups[index].products.push(product);
        if let Err(e) = check_contract_products(c) {
            c.product_groups[index].products.pop();
            return Err(e);
        }
        c.touch();
        let c = &w.contracts[&id];
        Ok(Json(w.render_contract(c, &actor)))
    })
}

/// `PUT /contracts/{id}/product_groups/{group_id}/products/{product_id}`.
pub(super) async fn update(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path((id, group_id, product_id)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let group_id = path_id(&group_id, "Product group")?;
    let product_id = path_id(&product_id, "Product")?;
    let body = json_body(&body)?;
    let patch = parse_product(&body, "")?;
    s.mutate(|w| {
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        let index = group_index(c, group_id)?;
        let Some(pos) = c.product_groups[index]
            .products
            .iter()
            .position(|p| p.get("id").and_then(Value::as_i64) == Some(product_id))
        else {
            return Err(Problem::not_found(format!(
                "Product {product_id} was not found."
            )));
        };
        if !patch.is_empty() {
            let c = draft_mut(w, id)?;
            let before = c.product_groups[index].products[pos].clone();
            for (k, v) in patch {
                c.product_groups[index].products[pos].insert(k, v);
            }
            if let Err(e) = check_contract_products(c) {
                c.product_groups[index].products[pos] = before;
                return Err(e);
            }
            c.touch();
        }
        let c = &w.contracts[&id];
        Ok(Json(w.render_contract(c, &actor)))
    })
}

/// `DELETE /contracts/{id}/product_groups/{group_id}/products/{product_id}`.
pub(super) async fn delete(
    State(s): State<Arc<Shared>>,
    Path((id, group_id, product_id)): Path<(String, String, String)>,
) -> Result<Response, Problem> {
    let id = path_id(&id, "Contract")?;
    let group_id = path_id(&group_id, "Product group")?;
    let product_id = path_id(&product_id, "Product")?;
    s.mutate(|w| {
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        let index = group_index(c, group_id)?;
        let present = c.product_groups[index]
            .products
            .iter()
            .any(|p| p.get("id").and_then(Value::as_i64) == Some(product_id));
        if present {
            let c = draft_mut(w, id)?;
            c.product_groups[index]
                .products
                .retain(|p| p.get("id").and_then(Value::as_i64) != Some(product_id));
            c.touch();
        }
        Ok(StatusCode::OK.into_response())
    })
}
