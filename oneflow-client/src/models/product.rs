//! Product tables (product groups) and products.

use serde::{Deserialize, Serialize};

use super::{Amount, ProductGroupId, ProductId};

/// A price column of a product.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Price {
    /// Price before discount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_amount: Option<Amount>,
    /// Absolute discount (use this or `discount_percent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<Amount>,
    /// Discount in percent, `"0.000"`–`"100.000"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_percent: Option<String>,
    /// Resulting amount (computed by Oneflow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
}

impl Price {
    /// A price with a base amount (decimal string).
    pub fn base(amount: impl Into<String>) -> Self {
        Price {
            base_amount: Some(Amount::new(amount)),
            ..Price::default()
        }
    }
}

/// Quantity of a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Quantity {
    /// `quantity`, `single_choice` or `multiple_choice`.
    #[serde(rename = "type")]
    pub quantity_type: String,
    /// The amount (choice types: 0 or 1).
    pub amount: serde_json::Number,
}

impl Quantity {
    /// A plain quantity.
    pub fn count(amount: u32) -> Self {
        Quantity {
            quantity_type: "quantity".into(),
            amount: amount.into(),
        }
    }
}

/// A product in a product table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Product {
    /// Product id (absent when creating).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ProductId>,
    /// Custom id, unique per contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the counterparty may not edit it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty_lock: Option<bool>,
    /// First price column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_1: Option<Price>,
    /// Second price column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_2: Option<Price>,
    /// Quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
}

impl Product {
    /// A product with a name.
    pub fn named(name: impl Into<String>) -> Self {
        Product {
            name: Some(name.into()),
            ..Product::default()
        }
    }

    /// Sets the custom id.
    pub fn custom_id(mut self, id: impl Into<String>) -> Self {
        self.custom_id = Some(id.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    /// Sets the first price column.
    pub fn price(mut self, price: Price) -> Self {
        self.price_1 = Some(price);
        self
    }

    /// Sets the quantity.
    pub fn quantity(mut self, q: Quantity) -> Self {
        self.quantity = Some(q);
        self
    }
}

/// A product table on a contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProductGroup {
    /// Product group id (on create: the template's table to replace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ProductGroupId>,
    /// Products.
    #[serde(default)]
    pub products: Vec<Product>,
    /// Table configuration (kept as JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<serde_json::Value>,
}

impl ProductGroup {
    /// A product table replacing the template's table `id`.
    pub fn new(id: ProductGroupId, products: Vec<Product>) -> Self {
        ProductGroup {
            id: Some(id),
            products,
            configuration: None,
        }
    }
}
