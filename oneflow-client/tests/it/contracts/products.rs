//! Product groups and products of a contract.

use crate::common;
use common::*;

use oneflow_client::models::*;
use oneflow_client::{Error, InvalidInput};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn product_groups_are_listed_and_products_added_updated_and_removed() {
    let server = server().await;
    // Field names from the product and product-group data model and docs "product".
    Mock::given(method("GET"))
        .and(path("/v1/contracts/101/product_groups"))
        .respond_with(json(200, fixture!("product_groups_page.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/contracts/101/product_groups/61/products"))
        .and(body_json(json!({
            "custom_id": "so-product-2", "name": "Support",
            "price_1": {"base_amount": {"amount": "5000.00"}},
            "quantity": {"type": "quantity", "amount": 2}
        })))
        .respond_with(json(200, CONTRACT))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/contracts/101/product_groups/61/products/7101"))
        .and(body_json(json!({"description": "24 months"})))
        .respond_with(json(200, CONTRACT))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/contracts/101/product_groups/61/products/7101"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let products = client(&server).contracts().products(ContractId(101));
    let groups = products.groups().await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].id, Some(ProductGroupId(61)));
    let licence = &groups[0].products[0];
    assert_eq!(licence.id, Some(ProductId(7101)));
    assert_eq!(licence.counterparty_lock, Some(true));
    assert_eq!(
        licence
            .price_1
            .as_ref()
            .unwrap()
            .discount_percent
            .as_deref(),
        Some("10.000")
    );
    assert_eq!(
        groups[0].configuration.as_ref().unwrap()["price_precision"],
        2
    );

    let support = Product::named("Support")
        .custom_id("so-product-2")
        .price(Price::base("5000.00"))
        .quantity(Quantity::count(2));
    let answer = products.add(ProductGroupId(61), &support).await.unwrap();
    assert_eq!(answer["id"], 3012345, "the raw answer is returned as sent");
    let mut patch = Product::default();
    patch.description = Some("24 months".to_owned());
    products
        .update(ProductGroupId(61), ProductId(7101), &patch)
        .await
        .unwrap();
    products
        .remove(ProductGroupId(61), ProductId(7101))
        .await
        .unwrap();
}

#[tokio::test]
async fn products_oneflow_would_refuse_are_refused_locally() {
    let server = server().await;
    Mock::given(method("POST"))
        .respond_with(json(200, CONTRACT))
        .expect(0)
        .mount(&server)
        .await;
    let products = client(&server).contracts().products(ContractId(101));
    let mut choice = Quantity::count(2);
    choice.quantity_type = "single_choice".to_owned();
    let err = products
        .add(ProductGroupId(61), &Product::named("X").quantity(choice))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput(InvalidInput::Invalid {
                field: "product quantity",
                ..
            })
        ),
        "{err:?}"
    );
    let mut price = Price::base("10.00");
    price.discount_amount = Some(Amount::new("1.00"));
    price.discount_percent = Some("5.000".to_owned());
    let err = products
        .add(ProductGroupId(61), &Product::named("Y").price(price))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput(InvalidInput::Invalid {
                field: "product price",
                ..
            })
        ),
        "{err:?}"
    );
}
