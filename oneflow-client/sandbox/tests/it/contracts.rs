//! Contracts in the sandbox beyond the basics: the documented create/update fields (`value`,
//! `folder_id`, `tags`), participant `organizer` and `_options`, product groups and single-party reads.

use crate::support::*;
use oneflow_sandbox::default_seed as seed;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn owner_participants(c: &Value) -> Vec<Value> {
    c["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["my_party"] == true)
        .unwrap()["participants"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn create_takes_the_documented_value_folder_and_tags() {
    let api = Api::start().await;
    let mut body = api.draft(seed::TEMPLATE_PLAIN);
    // developer.oneflow.com, docs "create-a-contract-with-a-contract-value":
    // `"value": {"amount": "500.10"}` at the top level, no currency.
    body["value"] = json!({ "amount": "500.10" });
    body["folder_id"] = json!(12);
    body["tags"] = json!([{ "id": 3 }, { "id": 5 }]);
    let c = api.create(body).await;
    assert_eq!(c["_private"]["value"], json!({ "amount": "500.10" }));
    assert_eq!(c["tags"], json!([{ "id": 3 }, { "id": 5 }]));

    for (key, bad) in [
        ("value", json!({ "amount": "5.123" })),
        ("value", json!({ "currency": "SEK" })),
        ("value", json!("500")),
        ("folder_id", json!("twelve")),
        ("folder_id", json!(0)),
        ("tags", json!([3])),
        ("tags", json!([{ "id": 3 }, { "id": 3 }])),
    ] {
        let mut body = api.draft(seed::TEMPLATE_PLAIN);
        body[key] = bad.clone();
        let (status, problem) = api.post("/contracts/create", body).await;
        assert_problem(status, &problem, 400);
        assert!(
            problem["parameter_problems"]
                .as_object()
                .unwrap()
                .keys()
                .any(|k| k.starts_with(key)),
            "{key}={bad}: {problem}"
        );
    }
}

#[tokio::test]
async fn update_can_only_keep_tags_the_contract_has() {
    let api = Api::start().await;
    let mut body = api.draft(seed::TEMPLATE_PLAIN);
    body["tags"] = json!([{ "id": 3 }, { "id": 5 }]);
    let id = api.create(body).await["id"].as_i64().unwrap();
    let (status, c) = api
        .put(
            &format!("/contracts/{id}"),
            json!({ "tags": [{ "id": 5 }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["tags"], json!([{ "id": 5 }]));
    let (status, problem) = api
        .put(
            &format!("/contracts/{id}"),
            json!({ "tags": [{ "id": 3 }] }),
        )
        .await;
    assert_problem(status, &problem, 400);
    let (_, c) = api.get(&format!("/contracts/{id}")).await;
    assert_eq!(
        c["tags"],
        json!([{ "id": 5 }]),
        "a refused update changes nothing"
    );
}

#[tokio::test]
async fn organizer_is_owner_side_only_and_options_are_echoed() {
    let api = Api::start().await;
    // create-a-participant reference: `organizer` "should be an owner-side participant".
    let mut body = api.draft(seed::TEMPLATE_PLAIN);
    body["parties"][0]["participants"][0]["organizer"] = json!(true);
    let (status, problem) = api.post("/contracts/create", body).await;
    assert_problem(status, &problem, 400);
    assert!(
        problem["parameter_problems"]
            .as_object()
            .unwrap()
            .contains_key("parties[0].participants[0].organizer"),
        "{problem}"
    );

    // A colleague marked organizer organizes instead of the creator.
    let mut body = api.draft(seed::TEMPLATE_PLAIN);
    body["my_party"] = json!({ "participants": [
        { "email": seed::ADMIN_EMAIL, "organizer": true }
    ] });
    body["parties"][0]["participants"][0]["_options"] = json!({ "invite": false });
    let (status, c) = api
        .call(Method::POST, "/contracts/create", Some(SELLER), Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let owners = owner_participants(&c);
    let organizers: Vec<&Value> = owners.iter().filter(|p| p["organizer"] == true).collect();
    assert_eq!(organizers.len(), 1, "{owners:?}");
    assert_eq!(organizers[0]["email"], seed::ADMIN_EMAIL);
    let ann = c["parties"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["participants"].as_array().unwrap().iter())
        .find(|p| p["name"] == "Ann Buyer")
        .unwrap();
    assert_eq!(ann["_options"], json!({ "invite": false }));

    // Same rule in create-a-participant.
    let id = c["id"].as_i64().unwrap();
    let party = c["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["my_party"] == false)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, problem) = api
        .post(
            &format!("/contracts/{id}/parties/{party}/participants"),
            json!({ "name": "Carl", "email": "carl@buyer.example", "delivery_channel": "email",
                    "organizer": true }),
        )
        .await;
    assert_problem(status, &problem, 400);
    let (status, problem) = api
        .post(
            &format!("/contracts/{id}/parties/{party}/participants"),
            json!({ "name": "Carl", "email": "carl@buyer.example", "delivery_channel": "email",
                    "_options": "invite" }),
        )
        .await;
    assert_problem(status, &problem, 400);
    // docs "participant": the only option is the boolean `invite`.
    for options in [json!({ "invite": "no" }), json!({ "remind": true })] {
        let (status, problem) = api
            .post(
                &format!("/contracts/{id}/parties/{party}/participants"),
                json!({ "name": "Carl", "email": "carl@buyer.example",
                        "delivery_channel": "email", "_options": options }),
            )
            .await;
        assert_problem(status, &problem, 400);
    }
}

async fn product_sandbox() -> Api {
    use oneflow_sandbox::{OneflowSandbox, SeedTemplate};
    let sandbox = OneflowSandbox::builder()
        .template(
            SeedTemplate::new("Priced offer")
                .workspace(seed::SALES_WORKSPACE)
                .product_table(true),
        )
        .start()
        .await
        .unwrap();
    Api::with(sandbox).await
}

#[tokio::test]
async fn product_groups_list_and_products_follow_the_product_docs() {
    let api = product_sandbox().await;
    let (_, t) = api
        .get(&format!("/templates/{}", api.template("Priced offer")))
        .await;
    assert_eq!(t["available_options"]["can_receive_products"], true);

    // Without a product table, `product_groups` on create fails (create reference).
    let mut body = api.draft(seed::TEMPLATE_PLAIN);
    body["product_groups"] = json!([{ "products": [{ "name": "Licence" }] }]);
    let (status, problem) = api.post("/contracts/create", body).await;
    assert_problem(status, &problem, 400);

    let mut body = api.draft("Priced offer");
    body["product_groups"] = json!([{ "products": [
        { "name": "Licence", "custom_id": "so-1",
          "price_1": { "base_amount": { "amount": "100.00" }, "discount_percent": "10.000" },
          "quantity": { "type": "quantity", "amount": 3 } }
    ] }]);
    let c = api.create(body).await;
    let id = c["id"].as_i64().unwrap();
    let (status, groups) = api.get(&format!("/contracts/{id}/product_groups")).await;
    assert_eq!(status, StatusCode::OK, "{groups}");
    assert_eq!(groups["count"], 1);
    let group = groups["data"][0]["id"].as_i64().unwrap();
    assert_eq!(groups["data"][0]["products"][0]["name"], "Licence");
    assert_eq!(c["product_groups"], groups["data"]);

    let products = format!("/contracts/{id}/product_groups/{group}/products");
    let (status, after_add) = api
        .post(
            &products,
            json!({ "name": "Support", "custom_id": "so-2",
                    "quantity": { "type": "single_choice", "amount": 1 } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{after_add}");
    let added = after_add["product_groups"][0]["products"][1].clone();
    assert_eq!(added["name"], "Support");
    let pid = added["id"].as_i64().unwrap();

    // Documented refusals: duplicate custom_id, a second chosen single_choice, choice
    // amounts other than 0/1, two kinds of discount, unknown attributes.
    for bad in [
        json!({ "name": "Again", "custom_id": "so-1" }),
        json!({ "name": "Other", "quantity": { "type": "single_choice", "amount": 1 } }),
        json!({ "name": "Many", "quantity": { "type": "multiple_choice", "amount": 2 } }),
        json!({ "name": "Cheap", "price_1": { "base_amount": { "amount": "5.00" },
                 "discount_amount": { "amount": "1.00" }, "discount_percent": "5.000" } }),
        json!({ "name": "Odd", "colour": "red" }),
    ] {
        let (status, problem) = api.post(&products, bad.clone()).await;
        assert_problem(status, &problem, 400);
    }
    let (_, unchanged) = api.get(&format!("/contracts/{id}/product_groups")).await;
    assert_eq!(
        unchanged["data"][0]["products"].as_array().unwrap().len(),
        2
    );

    // An empty PUT changes nothing; a PUT changes only what it names.
    let one = format!("{products}/{pid}");
    let (status, same) = api.put(&one, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(same["product_groups"][0]["products"][1], added);
    let (_, renamed) = api.put(&one, json!({ "description": "24/7" })).await;
    assert_eq!(
        renamed["product_groups"][0]["products"][1]["description"],
        "24/7"
    );
    assert_eq!(
        renamed["product_groups"][0]["products"][1]["name"],
        "Support"
    );
    let (status, problem) = api.put(&format!("{products}/999999"), json!({})).await;
    assert_problem(status, &problem, 404);

    let response = api
        .request(Method::DELETE, &one, Some(SELLER))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (_, after) = api.get(&format!("/contracts/{id}/product_groups")).await;
    assert_eq!(after["data"][0]["products"].as_array().unwrap().len(), 1);
    let (status, problem) = api
        .post(
            &format!("/contracts/{id}/product_groups/1/products"),
            json!({ "name": "X" }),
        )
        .await;
    assert_problem(status, &problem, 404);
}

#[tokio::test]
async fn a_single_party_can_be_read_by_id() {
    let api = Api::start().await;
    let c = api.create(api.draft(seed::TEMPLATE_PLAIN)).await;
    let id = c["id"].as_i64().unwrap();
    for party in c["parties"].as_array().unwrap() {
        let pid = party["id"].as_i64().unwrap();
        let (status, one) = api.get(&format!("/contracts/{id}/parties/{pid}")).await;
        assert_eq!(status, StatusCode::OK, "{one}");
        assert_eq!(&one, party);
    }
    let (status, problem) = api.get(&format!("/contracts/{id}/parties/1")).await;
    assert_problem(status, &problem, 404);
    let (status, problem) = api.get("/contracts/1/parties/1").await;
    assert_problem(status, &problem, 404);
}
