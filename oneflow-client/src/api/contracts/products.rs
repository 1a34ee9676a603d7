//! Product tables (product groups) and their products on a contract.
//!
//! Paths from developer.oneflow.com: docs "product" (`POST
//! /contracts/{contract_id}/product_groups/{product_group_id}/products`, `PUT
//! …/product_groups/{product_group_id}/products/{product_id}`) and Oneflow AB's Power
//! Automate connector (`GET /contracts/{id}/product_groups`, a paged list). The delete path
//! mirrors the update path (inferred). What the add and update calls answer is not shown
//! publicly, so they return the raw JSON.

use crate::client::Client;
use crate::error::{InvalidInput, Result};
use crate::models::{ContractId, Product, ProductGroup, ProductGroupId, ProductId};
use crate::request::ApiRequest;

/// Product endpoints of one contract; from
/// [`ContractsHandler::products`](super::ContractsHandler::products).
#[derive(Debug, Clone)]
#[must_use]
pub struct ProductsHandler {
    client: Client,
    contract: ContractId,
}

/// `custom_id` must be unique per contract; quantities of the choice types are 0 or 1; only
/// one kind of discount per price (docs "product").
fn validate_product(product: &Product) -> Result<()> {
    if let Some(q) = &product.quantity {
        let choice = matches!(
            q.quantity_type.as_str(),
            "single_choice" | "multiple_choice"
        );
        let amount = q.amount.as_f64().unwrap_or(-1.0);
        if choice && amount != 0.0 && amount != 1.0 {
            return Err(InvalidInput::Invalid {
                field: "product quantity",
                reason: "a single_choice or multiple_choice quantity must be 0 or 1",
            }
            .into());
        }
        if amount < 0.0 {
            return Err(InvalidInput::Invalid {
                field: "product quantity",
                reason: "must not be negative",
            }
            .into());
        }
    }
    for price in [&product.price_1, &product.price_2].into_iter().flatten() {
        let amount_set = price
            .discount_amount
            .as_ref()
            .is_some_and(|a| !is_zero(&a.amount));
        let percent_set = price
            .discount_percent
            .as_deref()
            .is_some_and(|s| !is_zero(s));
        if amount_set && percent_set {
            return Err(InvalidInput::Invalid {
                field: "product price",
                reason: "use either discount_amount or discount_percent, not both",
            }
            .into());
        }
    }
    Ok(())
}

fn is_zero(s: &str) -> bool {
    s.trim().parse::<f64>().is_ok_and(|v| v == 0.0)
}

impl ProductsHandler {
    pub(crate) fn new(client: Client, contract: ContractId) -> Self {
        ProductsHandler { client, contract }
    }

    /// All product tables of the contract with their products
    /// (`GET /contracts/{id}/product_groups`).
    pub async fn groups(&self) -> Result<Vec<ProductGroup>> {
        let c = self.contract;
        self.client
            .collect_all(ApiRequest::get(
                "contracts/{id}/product_groups",
                ["contracts", &c.to_string(), "product_groups"],
            ))
            .await
    }

    /// Adds a product to a product table (validated locally, never retried).
    pub async fn add(&self, group: ProductGroupId, product: &Product) -> Result<serde_json::Value> {
        validate_product(product)?;
        let c = self.contract;
        let req = ApiRequest::post(
            "contracts/{id}/product_groups/{product_group_id}/products",
            [
                "contracts",
                &c.to_string(),
                "product_groups",
                &group.to_string(),
                "products",
            ],
        )
        .json(product)?;
        self.client.execute(req).await
    }

    /// Updates a product in a product table; only the attributes set on `product` are sent
    /// (an empty product changes nothing).
    pub async fn update(
        &self,
        group: ProductGroupId,
        product_id: ProductId,
        product: &Product,
    ) -> Result<serde_json::Value> {
        validate_product(product)?;
        let c = self.contract;
        let req = ApiRequest::put(
            "contracts/{id}/product_groups/{product_group_id}/products/{product_id}",
            [
                "contracts",
                &c.to_string(),
                "product_groups",
                &group.to_string(),
                "products",
                &product_id.to_string(),
            ],
        )
        .json(product)?;
        self.client.execute(req).await
    }

    /// Removes a product from a product table.
    pub async fn remove(&self, group: ProductGroupId, product_id: ProductId) -> Result<()> {
        let c = self.contract;
        let req = ApiRequest::delete(
            "contracts/{id}/product_groups/{product_group_id}/products/{product_id}",
            [
                "contracts",
                &c.to_string(),
                "product_groups",
                &group.to_string(),
                "products",
                &product_id.to_string(),
            ],
        );
        self.client.execute_empty(req).await
    }
}
