//! Issue 7, part 2 (sandbox side): create/update fields `value`, `folder_id`, `tags`,
//! participant `organizer` and `_options`, product groups and single-party reads.
#![cfg(feature = "sandbox")]

mod sandbox_support;

use oneflow_client::sandbox::default_seed as seed;
use reqwest::{Method, StatusCode};
use sandbox_support::*;
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
        .put(&format!("/contracts/{id}"), json!({ "tags": [{ "id": 5 }] }))
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["tags"], json!([{ "id": 5 }]));
    let (status, problem) = api
        .put(&format!("/contracts/{id}"), json!({ "tags": [{ "id": 3 }] }))
        .await;
    assert_problem(status, &problem, 400);
    let (_, c) = api.get(&format!("/contracts/{id}")).await;
    assert_eq!(c["tags"], json!([{ "id": 5 }]), "a refused update changes nothing");
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
}
