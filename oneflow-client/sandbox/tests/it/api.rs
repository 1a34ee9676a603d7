//! Behaviour of the Oneflow sandbox, driven with raw HTTP (reqwest).

use crate::support::*;
use oneflow_sandbox::{default_seed as seed, OneflowSandbox, SandboxError, SeedTemplate, SeedUser};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn ping_without_or_with_a_bad_token_is_401_with_oneflows_problem_body() {
    let api = Api::start().await;
    let response = api.http.get(api.url("/ping")).send().await.unwrap();
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let (status, body) = decode(response).await;
    assert_problem(status, &body, 401);
    assert_eq!(body["title"], "Unauthorized");
    assert_eq!(body["parameter_problems"], json!({}));

    let response = api
        .http
        .get(api.url("/ping"))
        .header("x-oneflow-api-token", "x".repeat(40))
        .send()
        .await
        .unwrap();
    let (status, body) = decode(response).await;
    assert_problem(status, &body, 401);

    let (status, body) = api.call(Method::GET, "/ping", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({}));
    assert_eq!(api.sandbox.api_token().len(), 40);
}

#[tokio::test]
async fn user_email_must_be_an_active_user_of_the_account() {
    let api = Api::start().await;
    let (status, body) = api
        .call(Method::GET, "/ping", Some(seed::INACTIVE_EMAIL), None)
        .await;
    assert_problem(status, &body, 401);
    let (status, body) = api
        .call(Method::GET, "/ping", Some("stranger@else.example"), None)
        .await;
    assert_problem(status, &body, 401);
    let (status, _) = api
        .call(Method::GET, "/ping", Some("SELLER@acme.example"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "e-mail match is case-insensitive");

    let (status, me) = api.get("/accounts/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["name"], seed::ACCOUNT_NAME);
    assert!(is_oneflow_time(me["created_time"].as_str().unwrap()));

    let (_, users) = api.get("/users").await;
    assert_eq!(users["count"], 3);
    let inactive = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == seed::INACTIVE_EMAIL)
        .unwrap();
    assert_eq!(inactive["active"], false);
    assert_eq!(inactive["state"], "registered");
}

#[tokio::test]
async fn the_request_log_records_calls_but_never_the_token() {
    let api = Api::start().await;
    api.call(Method::GET, "/templates?limit=1", Some(SELLER), None)
        .await;
    let log = api.sandbox.requests();
    let last = log.last().unwrap();
    assert_eq!(last.method, "GET");
    assert_eq!(last.path, "/v1/templates");
    assert_eq!(last.query.as_deref(), Some("limit=1"));
    assert_eq!(last.user_email.as_deref(), Some(SELLER));
    assert_eq!(last.status, 200);
    let token = api.sandbox.api_token().to_owned();
    assert!(!format!("{log:?}").contains(&token));
    assert!(!format!("{:?}", api.sandbox).contains(&token));
    assert!(!format!("{:?}", OneflowSandbox::builder()).contains(&token));
}

#[tokio::test]
async fn templates_default_to_active_and_filter_by_extension_type_and_activity() {
    let api = Api::start().await;
    let names = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let (_, all_active) = api.get("/templates").await;
    assert_eq!(all_active["count"], 6);
    assert!(!names(&all_active).contains(&seed::TEMPLATE_INACTIVE.to_owned()));

    let (_, so) = api.get("/templates?extension_type=superoffice").await;
    assert_eq!(so["count"], 4);
    for t in so["data"].as_array().unwrap() {
        assert_eq!(t["template_type"]["extension_type"], "superoffice");
        assert_eq!(t["template_type"]["name"], seed::SUPEROFFICE_TYPE);
    }

    let (_, inactive) = api
        .get("/templates?extension_type=superoffice&filter[active]=false")
        .await;
    assert_eq!(names(&inactive), vec![seed::TEMPLATE_INACTIVE.to_owned()]);
    let (_, both) = api.get("/templates?filter%5Bactive%5D=").await;
    assert_eq!(both["count"], 7);

    let (status, body) = api.get("/templates?extension_type=salesforce_v2").await;
    assert_problem(status, &body, 400);
    assert!(body["parameter_problems"]["extension_type"].is_array());

    let (_, sorted) = api.get("/templates?sort=name").await;
    let mut expected = names(&sorted);
    expected.sort();
    assert_eq!(names(&sorted), expected);

    // available_options reflects the sections; untyped templates have template_type null.
    let (_, pdf) = api
        .get(&format!("/templates/{}", api.template(seed::TEMPLATE_PDF)))
        .await;
    assert_eq!(pdf["available_options"]["can_receive_expanded_pdf"], true);
    assert_eq!(pdf["available_options"]["can_receive_attachments"], false);
    assert_eq!(
        pdf["available_options"]["delivery_channels"][0]["name"],
        "email"
    );
    assert_eq!(
        pdf["available_options"]["delivery_channels"][0]["preferred"],
        true
    );
    assert_eq!(
        pdf["available_options"]["delivery_channels"][1]["required_participant_attributes"],
        json!(["phone_number"])
    );
    let (_, att) = api
        .get(&format!(
            "/templates/{}",
            api.template(seed::TEMPLATE_ATTACHMENTS)
        ))
        .await;
    assert_eq!(att["available_options"]["can_receive_expanded_pdf"], false);
    assert_eq!(att["available_options"]["can_receive_attachments"], true);
    let (_, nda) = api
        .get(&format!(
            "/templates/{}",
            api.template(seed::TEMPLATE_UNTYPED)
        ))
        .await;
    assert_eq!(nda["template_type"], Value::Null);
    assert!(is_oneflow_time(nda["created_time"].as_str().unwrap()));

    let legal = api.workspace(seed::LEGAL_WORKSPACE);
    let (_, in_legal) = api
        .get(&format!("/templates?filter[workspace_ids]={legal}"))
        .await;
    assert_eq!(in_legal["count"], 2);
}

#[tokio::test]
async fn pagination_reports_count_links_and_rejects_out_of_range_bounds() {
    let api = Api::start().await;
    let (status, page) = api.get("/templates?limit=2&offset=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["count"], 6);
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    let next = page["_links"]["next"]["href"].as_str().unwrap();
    assert!(
        next.contains("limit=2") && next.contains("offset=4"),
        "{next}"
    );
    let previous = page["_links"]["previous"]["href"].as_str().unwrap();
    assert!(previous.contains("offset=0"), "{previous}");
    assert!(page["_links"]["self"]["href"]
        .as_str()
        .unwrap()
        .contains("offset=2"));

    let (_, last) = api.get("/templates?limit=2&offset=4").await;
    // The links reference: an absent page is `{"href": null}`, not a missing key.
    assert_eq!(last["_links"]["next"], json!({ "href": null }));
    let (_, first) = api.get("/templates").await;
    assert_eq!(first["_links"]["previous"], json!({ "href": null }));

    for bad in [
        "limit=0",
        "limit=101",
        "offset=-1",
        "offset=19901",
        "limit=ten",
    ] {
        let (status, body) = api.get(&format!("/templates?{bad}")).await;
        assert_problem(status, &body, 400);
        let key = bad.split('=').next().unwrap();
        assert!(body["parameter_problems"][key].is_array(), "{bad}: {body}");
    }
    let (status, edge) = api.get("/templates?offset=19900").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(edge["data"], json!([]));
    assert_eq!(edge["count"], 6);
}

#[tokio::test]
async fn contract_create_data_is_per_user_and_active_only() {
    let api = Api::start().await;
    let (_, admin) = api
        .get("/helpers/contract_create_data?extension_type=superoffice")
        .await;
    let workspaces: Vec<&str> = admin
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        workspaces,
        vec![seed::SALES_WORKSPACE, seed::LEGAL_WORKSPACE]
    );
    assert_eq!(admin[0]["templates"].as_array().unwrap().len(), 4);
    assert_eq!(admin[1]["templates"].as_array().unwrap().len(), 1);

    let (_, seller) = api
        .call(
            Method::GET,
            "/helpers/contract_create_data?extension_type=superoffice",
            Some(SELLER),
            None,
        )
        .await;
    assert_eq!(
        seller.as_array().unwrap().len(),
        1,
        "seller may only create in Sales"
    );
    assert_eq!(seller[0]["_permissions"]["contract:create"], true);

    let hr = api
        .sandbox
        .seeded()
        .template_type(seed::HR_TYPE)
        .unwrap()
        .id;
    let (_, by_type) = api
        .get(&format!(
            "/helpers/contract_create_data?template_type_id={hr}"
        ))
        .await;
    assert_eq!(by_type.as_array().unwrap().len(), 2);
    assert_eq!(by_type[0]["templates"][0]["name"], seed::TEMPLATE_HR);
}

#[tokio::test]
async fn create_returns_a_full_draft_contract() {
    let api = Api::start().await;
    let mut body = api.draft(seed::TEMPLATE_PDF);
    body["data_fields"] = json!([{ "custom_id": "superoffice_sale_id", "value": "4711" }]);
    body["parties"].as_array_mut().unwrap().push(json!({
        "type": "individual",
        "participant": { "name": "Ivan Private", "phone_number": "+46701234567", "delivery_channel": "sms",
                         "sign_method": "swedish_bankid", "signatory": true }
    }));
    let (status, c) = api
        .call(Method::POST, "/contracts/create", Some(SELLER), Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["id"], 7001);
    assert_eq!(c["state"], "draft");
    assert_eq!(c["_private"]["name"], "Offer 4711");
    assert_eq!(
        c["_private"]["workspace_id"],
        api.workspace(seed::SALES_WORKSPACE)
    );
    assert_eq!(
        c["_private_ownerside"]["template_id"],
        api.template(seed::TEMPLATE_PDF)
    );
    let so_type = api
        .sandbox
        .seeded()
        .template_type(seed::SUPEROFFICE_TYPE)
        .unwrap()
        .id;
    assert_eq!(c["_private_ownerside"]["template_type_id"], so_type);
    // The contract model has its creation time in `_private_ownerside`, not at the top.
    assert!(c.get("created_time").is_none(), "{c}");
    assert!(is_oneflow_time(
        c["_private_ownerside"]["created_time"].as_str().unwrap()
    ));
    for key in ["updated_time", "state_updated_time"] {
        assert!(
            is_oneflow_time(c[key].as_str().unwrap()),
            "{key}: {}",
            c[key]
        );
    }
    assert_eq!(c["available_options"]["can_receive_expanded_pdf"], true);

    let parties = c["parties"].as_array().unwrap();
    assert_eq!(parties.len(), 3);
    let mine = &parties[0];
    assert_eq!(mine["my_party"], true);
    assert_eq!(mine["type"], "company");
    assert_eq!(mine["participants"][0]["email"], SELLER);
    assert_eq!(mine["participants"][0]["organizer"], true);
    assert_eq!(mine["participants"][0]["my_participant"], true);
    let buyer = &parties[1];
    assert_eq!(buyer["name"], "Buyer AB");
    let ann = &buyer["participants"][0];
    assert!(ann["id"].as_i64().unwrap() > 0);
    assert_eq!(ann["sign_state"], "undecided");
    assert_eq!(ann["delivery_status"], "not_sent");
    assert_eq!(ann["two_step_authentication_method"], "none");
    assert_eq!(parties[2]["type"], "individual");
    assert_eq!(parties[2]["participant"]["sign_method"], "swedish_bankid");

    let fields = c["data_fields"].as_array().unwrap();
    assert_eq!(fields.len(), 4, "copied from the template type");
    let sale = fields
        .iter()
        .find(|f| f["_private_ownerside"]["custom_id"] == "superoffice_sale_id")
        .unwrap();
    assert_eq!(sale["value"], "4711");

    // `contract:create` is not a documented webhook/event type: creating emits nothing.
    let (_, events) = api.get("/contracts/7001/events").await;
    assert_eq!(events["count"], 0, "{events}");

    let (_, fetched) = api.get("/contracts/7001").await;
    assert_eq!(fetched["id"], 7001);
    // Create needs an acting user (the reference marks the header required).
    let (status, _) = api
        .call(
            Method::POST,
            "/contracts/create",
            None,
            Some(api.draft(seed::TEMPLATE_PLAIN)),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Changes a valid create body into an invalid one.
type Mutation = Box<dyn Fn(&mut Value)>;

#[tokio::test]
async fn create_rejects_invalid_drafts_with_parameter_problems() {
    let api = Api::start().await;
    let legal = api.workspace(seed::LEGAL_WORKSPACE);
    let cases: Vec<(&str, Mutation, &str)> = vec![
        (
            "missing template",
            Box::new(|b: &mut Value| {
                b.as_object_mut().unwrap().remove("template_id");
            }),
            "template_id",
        ),
        (
            "template not in workspace",
            Box::new(move |b: &mut Value| b["workspace_id"] = json!(legal)),
            "template_id",
        ),
        (
            "unknown workspace",
            Box::new(|b: &mut Value| b["workspace_id"] = json!(999)),
            "workspace_id",
        ),
        (
            "unknown data field",
            Box::new(|b: &mut Value| {
                b["data_fields"] = json!([{ "custom_id": "employee_number", "value": "1" }])
            }),
            "data_fields[0].custom_id",
        ),
        (
            "data field too long",
            Box::new(|b: &mut Value| {
                b["data_fields"] =
                    json!([{ "custom_id": "superoffice_sale_id", "value": "x".repeat(1025) }])
            }),
            "data_fields[0].value",
        ),
        (
            "company without participants",
            Box::new(|b: &mut Value| b["parties"][0]["participants"] = json!([])),
            "parties[0].participants",
        ),
        (
            "company without name",
            Box::new(|b: &mut Value| {
                b["parties"][0].as_object_mut().unwrap().remove("name");
            }),
            "parties[0].name",
        ),
        (
            "unknown party type",
            Box::new(|b: &mut Value| b["parties"][0]["type"] = json!("robot")),
            "parties[0].type",
        ),
        (
            "participant without name",
            Box::new(|b: &mut Value| {
                b["parties"][0]["participants"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("name");
            }),
            "parties[0].participants[0].name",
        ),
        (
            "name too long",
            Box::new(|b: &mut Value| {
                b["parties"][0]["participants"][0]["name"] = json!("n".repeat(101))
            }),
            "parties[0].participants[0].name",
        ),
        (
            "email channel without email",
            Box::new(|b: &mut Value| {
                b["parties"][0]["participants"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("email");
            }),
            "parties[0].participants[0].email",
        ),
        (
            "sms channel without phone",
            Box::new(|b: &mut Value| {
                b["parties"][0]["participants"][0]["delivery_channel"] = json!("sms")
            }),
            "parties[0].participants[0].phone_number",
        ),
        (
            "sms two-step without phone",
            Box::new(|b: &mut Value| {
                b["parties"][0]["participants"][0]["two_step_authentication_method"] = json!("sms")
            }),
            "parties[0].participants[0].phone_number",
        ),
        (
            "sign method not offered",
            Box::new(|b: &mut Value| {
                b["parties"][0]["participants"][0]["sign_method"] = json!("norwegian_bankid")
            }),
            "parties[0].participants[0].sign_method",
        ),
        (
            "channel not offered",
            Box::new(|b: &mut Value| {
                b["parties"][0]["participants"][0]["delivery_channel"] = json!("email_and_sms")
            }),
            "parties[0].participants[0].delivery_channel",
        ),
        (
            "individual without participant",
            Box::new(|b: &mut Value| b["parties"] = json!([{ "type": "individual" }])),
            "parties[0].participant",
        ),
        (
            "inactive owner participant",
            Box::new(|b: &mut Value| {
                b["my_party"] = json!({ "participants": [{ "email": seed::INACTIVE_EMAIL }] })
            }),
            "my_party.participants[0].email",
        ),
        (
            "41 parties",
            Box::new(|b: &mut Value| {
                let party = b["parties"][0].clone();
                let mut one = party.clone();
                one["participants"] = json!([party["participants"][0].clone()]);
                b["parties"] = Value::Array(vec![one; 40]);
            }),
            "parties",
        ),
        (
            "41 participants",
            Box::new(|b: &mut Value| {
                let p = b["parties"][0]["participants"][0].clone();
                b["parties"][0]["participants"] = Value::Array(vec![p; 40]);
            }),
            "parties",
        ),
    ];
    for (label, mutate, parameter) in cases {
        let mut body = api.draft(seed::TEMPLATE_PDF);
        mutate(&mut body);
        let (status, problem) = api.post("/contracts/create", body).await;
        assert_problem(status, &problem, 400);
        assert!(
            problem["parameter_problems"][parameter].is_array(),
            "{label}: expected a problem for `{parameter}`, got {problem}"
        );
    }
    // Inactive templates are refused.
    let mut body = api.draft(seed::TEMPLATE_PDF);
    body["template_id"] = json!(api.template(seed::TEMPLATE_INACTIVE));
    let (status, problem) = api.post("/contracts/create", body).await;
    assert_problem(status, &problem, 400);
    assert!(problem["detail"].as_str().unwrap().contains("not active"));
    // The seller may not create in Legal.
    let mut body = api.draft(seed::TEMPLATE_PDF_AND_ATTACHMENTS);
    body["workspace_id"] = json!(legal);
    let (status, problem) = api
        .call(Method::POST, "/contracts/create", Some(SELLER), Some(body))
        .await;
    assert_problem(status, &problem, 403);
    // Nothing was created by the failures.
    let (_, list) = api.get("/contracts").await;
    assert_eq!(list["count"], 0);
}

#[tokio::test]
async fn contracts_are_found_by_the_documented_filters_only() {
    let api = Api::start().await;
    let mut ids = Vec::new();
    for sale in ["4711", "A&B 1/2:x", "4712"] {
        let mut body = api.draft(seed::TEMPLATE_PLAIN);
        body["data_fields"] = json!([{ "custom_id": "superoffice_sale_id", "value": sale }]);
        ids.push(api.create(body).await["id"].as_i64().unwrap());
    }
    let (_, found) = api
        .get("/contracts?filter[data_field_match]=superoffice_sale_id:4711")
        .await;
    assert_eq!(found["count"], 1);
    assert_eq!(found["data"][0]["id"], ids[0]);

    let url = format!(
        "/contracts?filter%5Bdata_field_match%5D={}",
        percent_encode("superoffice_sale_id:A&B 1/2:x")
    );
    let (_, odd) = api.get(&url).await;
    assert_eq!(odd["count"], 1, "{odd}");
    assert_eq!(odd["data"][0]["id"], ids[1]);

    let (status, body) = api
        .get("/contracts?filter[data_field_match]=superoffice_sale_id")
        .await;
    assert_problem(status, &body, 400);

    api.publish(ids[2]).await;
    // developer.oneflow.com docs "filtering": `filter[states]=signed,pending`.
    let (_, pending) = api.get("/contracts?filter[states]=pending").await;
    assert_eq!(pending["count"], 1);
    let (_, some) = api.get("/contracts?filter[states]=draft,signed").await;
    assert_eq!(some["count"], 2);
    let (status, body) = api.get("/contracts?filter[states]=expired").await;
    assert_problem(status, &body, 400);
    // Names no public page shows are refused, never silently ignored.
    for undocumented in [
        "/contracts?filter[state]=pending",
        "/contracts?state=pending",
        "/contracts?filter[workspace_ids]=1",
        "/contracts?filter[ids]=1",
        "/contracts?filter[contract_ids]=1",
        "/contracts?filter[states]=pending&filter[states]=draft",
    ] {
        let (status, body) = api.get(undocumented).await;
        assert_problem(status, &body, 400);
        assert!(
            body["parameter_problems"].is_object(),
            "{undocumented}: {body}"
        );
    }
    // Published-time ranges (`<from>|<to>`, docs "filtering").
    let (_, published) = api
        .get("/contracts?filter[published_time]=2000-01-01T00:00:00%2B0000|")
        .await;
    assert_eq!(published["count"], 1, "{published}");
    assert_eq!(published["data"][0]["id"], ids[2]);
    let (_, before) = api
        .get("/contracts?filter[published_time]=|2021-07-19T11:32:40%2B00:00")
        .await;
    assert_eq!(before["count"], 0, "{before}");
    let (status, body) = api.get("/contracts?filter[published_time]=|").await;
    assert_problem(status, &body, 400);
    let (status, body) = api.get("/contracts?filter[published_time]=yesterday").await;
    assert_problem(status, &body, 400);
    let (_, by_state) = api.get("/contracts?sort=-state").await;
    assert_eq!(by_state["data"][0]["state"], "pending");
    let (_, paged) = api.get("/contracts?limit=1").await;
    assert_eq!(paged["count"], 3);
    assert!(paged["_links"]["next"]["href"]
        .as_str()
        .unwrap()
        .contains("offset=1"));
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn publish_moves_draft_to_pending_once_and_conflicts_afterwards() {
    let api = Api::start().await;
    let id = api.create(api.draft(seed::TEMPLATE_PLAIN)).await["id"]
        .as_i64()
        .unwrap();
    let (status, c) = api.publish(id).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["state"], "pending");
    assert!(is_oneflow_time(c["published_time"].as_str().unwrap()));
    assert_eq!(
        c["parties"][1]["participants"][0]["delivery_status"],
        "success"
    );
    let (status, problem) = api.publish(id).await;
    assert_problem(status, &problem, 409);
    assert_eq!(problem["error_code"], 4_090_000);

    // Drafts-only operations now conflict.
    let party = c["parties"][1]["id"].as_i64().unwrap();
    let (status, problem) = api
        .post(
            &format!("/contracts/{id}/parties/{party}/participants"),
            json!({ "name": "Late Comer", "email": "late@buyer.example", "delivery_channel": "email" }),
        )
        .await;
    assert_problem(status, &problem, 409);

    // A draft without any signatory cannot be published.
    let mut body = api.draft(seed::TEMPLATE_PLAIN);
    body["parties"][0]["participants"] =
        json!([{ "name": "Viewer", "email": "v@buyer.example", "delivery_channel": "email" }]);
    let id = api.create(body).await["id"].as_i64().unwrap();
    let (status, problem) = api.publish(id).await;
    assert_problem(status, &problem, 400);
}

#[tokio::test]
async fn signing_all_signatories_signs_the_contract_and_records_events() {
    let api = Api::start().await;
    let contract = api.create(api.draft(seed::TEMPLATE_PDF)).await;
    let id = contract["id"].as_i64().unwrap();
    let signatories = counterparty_signatories(&contract);
    assert_eq!(signatories.len(), 2);

    let err = api.sandbox.sign(id, signatories[0]).unwrap_err();
    assert!(
        matches!(err, SandboxError::InvalidState { ref state, .. } if state == "draft"),
        "{err}"
    );
    api.publish(id).await;

    api.sandbox.sign(id, signatories[0]).unwrap();
    assert_eq!(api.sandbox.contract_state(id).as_deref(), Some("pending"));
    assert!(matches!(
        api.sandbox.sign(id, signatories[0]),
        Err(SandboxError::AlreadyDecided { .. })
    ));
    let organizer = contract["parties"][0]["participants"][0]["id"]
        .as_i64()
        .unwrap();
    assert!(matches!(
        api.sandbox.sign(id, organizer),
        Err(SandboxError::NotASignatory { .. })
    ));
    assert!(matches!(
        api.sandbox.sign(id, 1),
        Err(SandboxError::ParticipantNotFound { .. })
    ));
    assert!(matches!(
        api.sandbox.sign(1, 1),
        Err(SandboxError::ContractNotFound(1))
    ));
    api.sandbox.sign(id, signatories[1]).unwrap();

    let (_, c) = api.get(&format!("/contracts/{id}")).await;
    assert_eq!(c["state"], "signed");
    let ann = &c["parties"][1]["participants"][0];
    assert_eq!(ann["sign_state"], "signed");
    assert!(is_oneflow_time(
        ann["sign_state_updated_time"].as_str().unwrap()
    ));

    let (_, events) = api.get(&format!("/contracts/{id}/events")).await;
    let types: Vec<&str> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec![
            "contract:publish",
            "participant:sign",
            "participant:sign",
            "contract:sign"
        ]
    );
    let sign_event = &events["data"][1];
    assert_eq!(sign_event["actor"]["id"], signatories[0]);
    assert_eq!(sign_event["actor"]["party"]["name"], "Buyer AB");
    assert!(matches!(
        api.sandbox.expire(id),
        Err(SandboxError::InvalidState { .. })
    ));

    // sign_all signs every undecided signatory, including owner-side ones.
    let mut body = api.draft(seed::TEMPLATE_PLAIN);
    body["my_party"] = json!({ "participants": [{ "email": SELLER, "signatory": true }] });
    let contract = api.create(body).await;
    let id = contract["id"].as_i64().unwrap();
    api.publish(id).await;
    let signed = api.sandbox.sign_all(id).unwrap();
    assert_eq!(signed.len(), 3);
    assert_eq!(api.sandbox.contract_state(id).as_deref(), Some("signed"));
    assert!(api.sandbox.sign_all(id).is_err());
}

#[tokio::test]
async fn one_decline_declines_and_expiry_makes_overdue() {
    let api = Api::start().await;
    let contract = api.create(api.draft(seed::TEMPLATE_PLAIN)).await;
    let id = contract["id"].as_i64().unwrap();
    api.publish(id).await;
    api.sandbox
        .decline(id, counterparty_signatories(&contract)[1])
        .unwrap();
    let (_, c) = api.get(&format!("/contracts/{id}")).await;
    assert_eq!(c["state"], "declined");
    assert_eq!(c["parties"][1]["participants"][1]["sign_state"], "declined");
    let (_, events) = api.get(&format!("/contracts/{id}/events")).await;
    let types: Vec<&str> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(&types[1..], ["participant:decline", "contract:decline"]);

    let id = api.create(api.draft(seed::TEMPLATE_PLAIN)).await["id"]
        .as_i64()
        .unwrap();
    api.publish(id).await;
    api.sandbox.expire(id).unwrap();
    let (_, c) = api.get(&format!("/contracts/{id}")).await;
    assert_eq!(c["state"], "overdue");
    let (_, events) = api.get(&format!("/contracts/{id}/events")).await;
    assert_eq!(events["data"][1]["type"], "contract:signing_period_expire");
    assert_eq!(events["data"][1]["actor"], Value::Null);
}

async fn upload(
    api: &Api,
    id: i64,
    upload_as: &str,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new()
        .text("upload_as", upload_as.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
        );
    let response = api
        .request(Method::POST, &format!("/contracts/{id}/files"), Some(ADMIN))
        .multipart(form)
        .send()
        .await
        .unwrap();
    decode(response).await
}

#[tokio::test]
async fn uploads_are_checked_against_the_template_sections_and_extensions() {
    let api = Api::start().await;
    let plain = api.create(api.draft(seed::TEMPLATE_PLAIN)).await["id"]
        .as_i64()
        .unwrap();
    let (status, problem) =
        upload(&api, plain, "expanded_pdf", "offer.pdf", b"%PDF-1.4 offer").await;
    assert_problem(status, &problem, 409);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("no PDF section"),
        "{problem}"
    );
    let (status, problem) = upload(&api, plain, "attachment", "terms.txt", b"terms").await;
    assert_problem(status, &problem, 409);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("no attachments section"));

    let full = api
        .create(api.draft(seed::TEMPLATE_PDF_AND_ATTACHMENTS))
        .await["id"]
        .as_i64()
        .unwrap();
    let (status, problem) = upload(&api, full, "attachment", "setup.exe", b"MZ").await;
    assert_problem(status, &problem, 400);
    assert!(problem["parameter_problems"]["file"].is_array());
    let (status, problem) = upload(&api, full, "expanded_pdf", "offer.docx", b"PK").await;
    assert_problem(status, &problem, 400);
    let (status, problem) = upload(&api, full, "inline", "offer.pdf", b"%PDF").await;
    assert_problem(status, &problem, 400);
    let response = api
        .request(
            Method::POST,
            &format!("/contracts/{full}/files"),
            Some(ADMIN),
        )
        .json(&json!({ "upload_as": "attachment" }))
        .send()
        .await
        .unwrap();
    let (status, problem) = decode(response).await;
    assert_problem(status, &problem, 400);

    let (status, first) = upload(&api, full, "expanded_pdf", "offer.pdf", b"%PDF-1.4 first").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["type"], "pdf");
    assert_eq!(first["extension"], "pdf");
    let (_, second) = upload(
        &api,
        full,
        "expanded_pdf",
        "offer-v2.pdf",
        b"%PDF-1.4 second",
    )
    .await;
    assert_eq!(
        second["id"], first["id"],
        "a second expanded PDF overwrites the first"
    );
    let (status, attachment) =
        upload(&api, full, "attachment", "Price list.XLSX", b"PK\x03\x04").await;
    assert_eq!(status, StatusCode::OK, "{attachment}");
    assert_eq!(attachment["type"], "attachment");

    let (_, files) = api.get(&format!("/contracts/{full}/files")).await;
    assert_eq!(files["count"], 3);
    assert_eq!(files["data"][0]["id"], 1);
    assert_eq!(files["data"][0]["type"], "contract");
    assert_eq!(files["data"][1]["name"], "offer-v2.pdf");

    // Download: 302 to a token-free URL that serves the bytes.
    let pdf_id = first["id"].as_i64().unwrap();
    let response = api
        .request(
            Method::GET,
            &format!("/contracts/{full}/files/{pdf_id}?download=true"),
            Some(ADMIN),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(
        api.sandbox
            .base_url()
            .origin()
            .ascii_serialization()
            .as_str()
    ));
    assert!(!location.contains(api.sandbox.api_token()));
    let bytes = reqwest::get(&location).await.unwrap();
    assert_eq!(bytes.headers()["content-type"], "application/pdf");
    assert_eq!(bytes.bytes().await.unwrap().as_ref(), b"%PDF-1.4 second");

    let (status, object) = api.get(&format!("/contracts/{full}/files/1")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(object["type"], "contract");
    let response = api
        .request(
            Method::GET,
            &format!("/contracts/{full}/files/1?download=true"),
            Some(ADMIN),
        )
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let contract_pdf = reqwest::get(&location)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(contract_pdf.starts_with(b"%PDF-"));

    // Uploads only on drafts.
    api.publish(full).await;
    let (status, problem) = upload(&api, full, "attachment", "late.pdf", b"%PDF").await;
    assert_problem(status, &problem, 409);
}

#[tokio::test]
async fn data_fields_update_by_id_custom_id_and_in_bulk() {
    let api = Api::start().await;
    let c = api.create(api.draft(seed::TEMPLATE_PLAIN)).await;
    let id = c["id"].as_i64().unwrap();
    let (status, f) = api
        .put(
            &format!("/contracts/{id}/data_fields/c::superoffice_sale_heading"),
            json!({ "value": "Big deal" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{f}");
    assert_eq!(f["value"], "Big deal");
    let field_id = f["id"].as_i64().unwrap();
    let (_, f) = api
        .put(
            &format!("/contracts/{id}/data_fields/{field_id}"),
            json!({ "value": "Bigger" }),
        )
        .await;
    assert_eq!(f["value"], "Bigger");
    let (status, problem) = api
        .put(
            &format!("/contracts/{id}/data_fields/{field_id}"),
            json!({ "value": "x".repeat(1025) }),
        )
        .await;
    assert_problem(status, &problem, 400);
    let (status, problem) = api
        .put(
            &format!("/contracts/{id}/data_fields/c::nope"),
            json!({ "value": "x" }),
        )
        .await;
    assert_problem(status, &problem, 404);
    let (status, problem) = api
        .put(
            &format!("/contracts/{id}/data_fields/{field_id}"),
            json!({ "value": "x", "_private_ownerside": { "custom_id": "superoffice_sale_id" } }),
        )
        .await;
    assert_problem(status, &problem, 400);

    let (status, list) = api
        .put(
            &format!("/contracts/{id}/data_fields"),
            json!({ "data_fields": [
                { "_private_ownerside": { "custom_id": "superoffice_sale_id" }, "value": "99" },
                { "id": field_id, "value": null }
            ] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let values: Vec<(&str, &str)> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["_private_ownerside"]["custom_id"].as_str().unwrap(),
                f["value"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(values.contains(&("superoffice_sale_id", "99")));
    assert!(values.contains(&("superoffice_sale_heading", "")));
    let (_, found) = api
        .get("/contracts?filter[data_field_match]=superoffice_sale_id:99")
        .await;
    assert_eq!(found["count"], 1);
}

#[tokio::test]
async fn parties_and_participants_can_be_edited_on_drafts() {
    let api = Api::start().await;
    let c = api.create(api.draft(seed::TEMPLATE_PLAIN)).await;
    let id = c["id"].as_i64().unwrap();
    let (status, party) = api
        .post(
            &format!("/contracts/{id}/parties"),
            json!({ "type": "company", "name": "Partner Oy", "country_code": "FI",
                    "participants": [{ "name": "Pia", "email": "pia@partner.example", "signatory": true,
                                       "delivery_channel": "email" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{party}");
    let party_id = party["id"].as_i64().unwrap();
    let (_, renamed) = api
        .put(
            &format!("/contracts/{id}/parties/{party_id}"),
            json!({ "name": "Partner Ab Oy" }),
        )
        .await;
    assert_eq!(renamed["name"], "Partner Ab Oy");
    let (status, added) = api
        .post(
            &format!("/contracts/{id}/parties/{party_id}/participants"),
            json!({ "name": "Per", "phone_number": "+358401234567", "delivery_channel": "sms" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    let per = added["id"].as_i64().unwrap();
    let (status, updated) = api
        .put(
            &format!("/contracts/{id}/parties/{party_id}/participants/{per}"),
            json!({ "title": "CFO", "signatory": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["title"], "CFO");
    let (status, problem) = api
        .put(
            &format!("/contracts/{id}/parties/{party_id}/participants/{per}"),
            json!({ "delivery_channel": "email" }),
        )
        .await;
    assert_problem(status, &problem, 400);
    let (status, _) = api
        .call(
            Method::DELETE,
            &format!("/contracts/{id}/parties/{party_id}/participants/{per}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, parties) = api.get(&format!("/contracts/{id}/parties")).await;
    assert_eq!(parties["count"], 3);
    let (status, all) = api.get(&format!("/contracts/{id}/parties?limit=all")).await;
    assert_eq!(status, StatusCode::OK, "child collections accept limit=all");
    assert_eq!(all["data"].as_array().unwrap().len(), 3);
    let (status, problem) = api.get("/contracts?limit=all").await;
    assert_problem(status, &problem, 400);
    assert_eq!(
        parties["data"][2]["participants"].as_array().unwrap().len(),
        1
    );
    let (status, body) = api
        .call(
            Method::DELETE,
            &format!("/contracts/{id}/parties/{party_id}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!((status, body), (StatusCode::OK, Value::Null));
    let (status, body) = api
        .call(
            Method::DELETE,
            &format!("/contracts/{id}/parties/123456"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, Value::Null),
        "deleting a missing party is 200"
    );
    let my_party = c["parties"][0]["id"].as_i64().unwrap();
    let (status, problem) = api
        .call(
            Method::DELETE,
            &format!("/contracts/{id}/parties/{my_party}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_problem(status, &problem, 400);
}

#[tokio::test]
async fn update_and_delete_follow_the_state_rules() {
    let api = Api::start().await;
    let c = api.create(api.draft(seed::TEMPLATE_PLAIN)).await;
    let id = c["id"].as_i64().unwrap();
    let ann = counterparty_signatories(&c)[0];
    let (status, updated) = api
        .put(
            &format!("/contracts/{id}"),
            json!({ "_private": { "name": "Renamed", "value": { "amount": "1500.00", "currency": "SEK" },
                                  "signing_period_expiration": { "type": "days_after_publish", "expire_days_after_publish": 30 } },
                    "sign_order": [{ "participant_id": ann, "order": 1 }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["_private"]["name"], "Renamed");
    assert_eq!(updated["_private"]["value"]["amount"], "1500.00");
    assert_eq!(updated["sign_order"][0]["participant_id"], ann);
    assert_eq!(
        updated["_private"]["signing_period_expiration"]["expire_days_after_publish"],
        30
    );
    let (status, problem) = api
        .put(
            &format!("/contracts/{id}"),
            json!({ "_private": { "signing_period_expiration": null } }),
        )
        .await;
    assert_problem(status, &problem, 400);
    // Undocumented key names (`days`, `date`) are refused, not silently accepted.
    for body in [
        json!({ "type": "days_after_publish", "days": 30 }),
        json!({ "type": "fixed_date", "date": "2027-01-31" }),
    ] {
        let (status, problem) = api
            .put(
                &format!("/contracts/{id}"),
                json!({ "_private": { "signing_period_expiration": body } }),
            )
            .await;
        assert_problem(status, &problem, 400);
    }
    let (status, updated) = api
        .put(
            &format!("/contracts/{id}"),
            json!({ "_private": { "signing_period_expiration":
                { "type": "fixed_date", "expire_date": "2027-01-31" } } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(
        updated["_private"]["signing_period_expiration"]["expire_date"],
        "2027-01-31"
    );
    let (_, published) = api.publish(id).await;
    assert!(is_oneflow_time(
        published["signing_period_expiry_time"].as_str().unwrap()
    ));
    let (status, problem) = api
        .put(
            &format!("/contracts/{id}"),
            json!({ "sign_order": [{ "participant_id": ann, "order": 2 }] }),
        )
        .await;
    assert_problem(status, &problem, 409);
    let (status, _) = api
        .put(
            &format!("/contracts/{id}"),
            json!({ "_private": { "name": "Still editable" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    for _ in 0..2 {
        let (status, body) = api
            .call(
                Method::DELETE,
                &format!("/contracts/{id}"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!((status, body), (StatusCode::OK, Value::Null));
    }
    let (status, problem) = api.get(&format!("/contracts/{id}")).await;
    assert_problem(status, &problem, 404);
}

#[tokio::test]
async fn template_types_and_their_data_fields_can_be_managed_by_admins() {
    let api = Api::start().await;
    let (status, created) = api
        .post(
            "/template_types",
            json!({ "name": "Partners", "description": "Partner deals",
                    "data_fields": [{ "custom_id": "partner_id", "name": "Partner" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["extension_type"], Value::Null);
    let id = created["id"].as_i64().unwrap();
    let (status, problem) = api
        .call(
            Method::POST,
            "/template_types",
            Some(SELLER),
            Some(json!({ "name": "Nope" })),
        )
        .await;
    assert_problem(status, &problem, 403);

    let (status, fields) = api
        .put(
            &format!("/template_types/{id}/data_fields"),
            json!({ "data_fields": [
                { "custom_id": "partner_tier", "name": "Tier", "value": "gold" },
                { "custom_id": "partner_region", "name": "Region" }
            ] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{fields}");
    let ids: Vec<&str> = fields["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["custom_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec!["partner_tier", "partner_region"],
        "the PUT replaces the whole set"
    );
    let (status, problem) = api
        .put(
            &format!("/template_types/{id}/data_fields"),
            json!([{ "custom_id": "dup", "name": "A" }, { "custom_id": "dup", "name": "B" }]),
        )
        .await;
    assert_problem(status, &problem, 400);
    let (_, listed) = api.get(&format!("/template_types/{id}/data_fields")).await;
    assert_eq!(listed["count"], 2);

    let (_, updated) = api
        .put(
            &format!("/template_types/{id}"),
            json!({ "name": "Partner deals" }),
        )
        .await;
    assert_eq!(updated["name"], "Partner deals");
    let (status, _) = api
        .call(
            Method::DELETE,
            &format!("/template_types/{id}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, problem) = api.get(&format!("/template_types/{id}")).await;
    assert_problem(status, &problem, 404);
    let (_, types) = api.get("/template_types").await;
    assert_eq!(types["count"], 2);
    assert_eq!(types["data"][0]["extension_type"], "superoffice");
}

#[tokio::test]
async fn the_builder_seeds_custom_content_deterministically() {
    let build = || {
        OneflowSandbox::builder()
            .user(SeedUser::new("Bo Buyer", "bo@acme.example").admin(true))
            .template(
                SeedTemplate::new("Quote")
                    .workspace(seed::SALES_WORKSPACE)
                    .template_type(seed::SUPEROFFICE_TYPE)
                    .attachments_section(true)
                    .delivery_channels(["none"])
                    .sign_methods(["handwritten_signature"]),
            )
            .start()
    };
    let first = build().await.unwrap();
    let summary = first.summary();
    assert!(summary.contains("bo@acme.example") && summary.contains("Quote"));
    let second = build().await.unwrap();
    assert_eq!(
        first.seeded().template_id("Quote"),
        second.seeded().template_id("Quote")
    );
    assert_eq!(first.seeded().user("bo@acme.example").unwrap().id, 2004);
    let api = Api::with(first).await;
    let (_, quote) = api
        .get(&format!("/templates/{}", api.template("Quote")))
        .await;
    assert_eq!(
        quote["available_options"]["delivery_channels"],
        json!([{ "name": "none", "preferred": true, "required_participant_attributes": [] }])
    );

    let err = OneflowSandbox::builder()
        .api_token("short")
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, SandboxError::InvalidSeed(_)));
    let err = OneflowSandbox::builder()
        .template(SeedTemplate::new("Lost").workspace("Nowhere"))
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Nowhere"));
    let empty = OneflowSandbox::builder()
        .without_default_seed()
        .start()
        .await
        .unwrap();
    let api = Api::with(empty).await;
    let (_, templates) = api.call(Method::GET, "/templates", None, None).await;
    assert_eq!(templates["count"], 0);
}

#[tokio::test]
async fn unknown_paths_and_methods_get_problem_bodies_and_trailing_slashes_work() {
    let api = Api::start().await;
    let (status, body) = api.get("/nothing/here").await;
    assert_problem(status, &body, 404);
    let (status, body) = api
        .call(Method::PATCH, "/contracts/7001", Some(ADMIN), None)
        .await;
    assert_problem(status, &body, 405);
    let (status, body) = api.get("/contracts/abc").await;
    assert_problem(status, &body, 404);
    let (status, _) = api.get("/templates/").await;
    assert_eq!(status, StatusCode::OK);
    let response = api
        .request(Method::POST, "/contracts/create", Some(ADMIN))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, body) = decode(response).await;
    assert_problem(status, &body, 400);
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let api = Api::start().await;
    assert_eq!(api.get("/ping").await.0, StatusCode::OK);
    let url = api.url("/ping");
    let Api { sandbox, http } = api;
    let started = std::time::Instant::now();
    sandbox.shutdown().await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "graceful shutdown was quick"
    );
    let fresh = reqwest::Client::new();
    assert!(
        fresh.get(&url).send().await.is_err(),
        "nothing listens any more"
    );
    drop(http);
}

#[test]
fn the_handle_and_its_records_can_cross_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<OneflowSandbox>();
    assert_send_sync::<oneflow_sandbox::RequestRecord>();
    assert_send_sync::<oneflow_sandbox::DeliveryRecord>();
    assert_send_sync::<SandboxError>();
}

#[tokio::test]
async fn access_links_open_a_signing_page_a_browser_can_use() {
    let api = Api::start().await;
    let mut body = api.draft(seed::TEMPLATE_PLAIN);
    body["parties"][0]["participants"] = json!([{ "name": "Ann <Buyer>", "email": "ann@buyer.example", "signatory": true,
                  "delivery_channel": "email" }]);
    let contract = api.create(body).await;
    let id = contract["id"].as_i64().unwrap();
    let ann = counterparty_signatories(&contract)[0];
    let link_path = format!("/contracts/{id}/participants/{ann}/access_link");
    let (status, problem) = api.post(&link_path, json!({})).await;
    assert_problem(status, &problem, 409);
    api.publish(id).await;
    let (status, link) = api.post(&link_path, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{link}");
    let url = link["access_link"].as_str().unwrap().to_owned();
    assert!(!url.contains(api.sandbox.api_token()));

    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Ann &lt;Buyer&gt;"),
        "names are escaped: {html}"
    );
    assert!(html.contains("/sign\"") && html.contains("/decline\""));
    let (_, c) = api.get(&format!("/contracts/{id}")).await;
    assert_eq!(
        c["parties"][1]["participants"][0]["_private_ownerside"]["visits"],
        1
    );

    let response = api.http.post(format!("{url}/sign")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(api.sandbox.contract_state(id).as_deref(), Some("signed"));
    let again = api.http.post(format!("{url}/sign")).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);

    let (_, events) = api.get(&format!("/contracts/{id}/events")).await;
    let types: Vec<&str> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        &types[1..],
        [
            "participant:first_visit",
            "participant:sign",
            "contract:sign"
        ]
    );
}

#[tokio::test]
async fn the_contract_pdf_keeps_the_contract_name_unless_it_has_no_ascii_letters() {
    let api = Api::start().await;
    for (name, expected) in [
        ("Buyer AB – Sale 4711", "Buyer AB – Sale 4711.pdf"),
        ("Åäö", "contract_1.pdf"),
    ] {
        let mut body = api.draft(seed::TEMPLATE_PLAIN);
        body["name"] = json!(name);
        let contract = api.create(body).await;
        let id = contract["id"].as_i64().unwrap();
        let (_, files) = api.get(&format!("/contracts/{id}/files")).await;
        assert_eq!(files["data"][0]["id"], 1);
        assert_eq!(files["data"][0]["name"], expected, "for {name:?}");
    }
}

#[tokio::test]
async fn a_colleague_joins_the_own_party_only_once() {
    let api = Api::start().await;
    let c = api.create(api.draft(seed::TEMPLATE_PLAIN)).await;
    let id = c["id"].as_i64().unwrap();
    let my_party = c["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["my_party"] == json!(true))
        .expect("own party");
    let party_id = my_party["id"].as_i64().unwrap();
    assert_eq!(my_party["participants"][0]["email"], ADMIN, "the creator");
    let path = format!("/contracts/{id}/parties/{party_id}/participants");

    let (status, added) = api.post(&path, json!({ "email": SELLER })).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    for email in [SELLER, ADMIN] {
        let (status, problem) = api.post(&path, json!({ "email": email })).await;
        assert_problem(status, &problem, 400);
        assert!(
            problem["parameter_problems"].get("email").is_some(),
            "{problem}"
        );
    }
    let (_, contract) = api.get(&format!("/contracts/{id}")).await;
    let own = contract["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["my_party"] == json!(true))
        .unwrap();
    assert_eq!(own["participants"].as_array().unwrap().len(), 2);
}

// ---- Issue 7: the sandbox follows Oneflow's documentation -------------------------------

/// Create-a-contract reference: the contract name is 0–130 characters (not 100, not 255);
/// party names stay ≤ 100.
#[tokio::test]
async fn contract_name_is_limited_to_130_characters() {
    let api = Api::start().await;
    let mut body = api.draft(seed::TEMPLATE_PLAIN);
    body["name"] = json!("n".repeat(130));
    let c = api.create(body.clone()).await;
    assert_eq!(c["_private"]["name"].as_str().unwrap().chars().count(), 130);
    body["name"] = json!("n".repeat(131));
    let (status, problem) = api.post("/contracts/create", body.clone()).await;
    assert_problem(status, &problem, 400);
    let id = c["id"].as_i64().unwrap();
    let (status, problem) = api
        .put(
            &format!("/contracts/{id}"),
            json!({ "_private": { "name": "n".repeat(131) } }),
        )
        .await;
    assert_problem(status, &problem, 400);
    body["name"] = json!("ok");
    body["parties"][0]["name"] = json!("p".repeat(101));
    let (status, problem) = api.post("/contracts/create", body).await;
    assert_problem(status, &problem, 400);
}

/// Writes whose reference marks `x-oneflow-user-email` required are refused without it
/// (the error shape is assumed: 400 naming the header) instead of acting as an admin.
#[tokio::test]
async fn writes_without_an_acting_user_are_refused() {
    let api = Api::start().await;
    let body = api.draft(seed::TEMPLATE_PLAIN);
    let (status, problem) = api
        .call(Method::POST, "/contracts/create", None, Some(body.clone()))
        .await;
    assert_problem(status, &problem, 400);
    assert!(problem["parameter_problems"]
        .get("x-oneflow-user-email")
        .is_some());
    let c = api.create(body).await;
    let id = c["id"].as_i64().unwrap();
    let party = c["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["my_party"] == false)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    for (method, path, body) in [
        (
            Method::PUT,
            format!("/contracts/{id}"),
            json!({ "_private": { "name": "x" } }),
        ),
        (
            Method::POST,
            format!("/contracts/{id}/parties/{party}/participants"),
            json!({ "name": "Cy", "email": "cy@buyer.example", "delivery_channel": "email" }),
        ),
        (
            Method::PUT,
            format!("/contracts/{id}/data_fields"),
            json!({ "data_fields": [] }),
        ),
    ] {
        let (status, problem) = api.call(method, &path, None, Some(body)).await;
        assert_problem(status, &problem, 400);
    }
    // Reads stay open to the anonymous admin.
    let (status, _) = api
        .call(Method::GET, &format!("/contracts/{id}"), None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

/// The create-a-contract and create-a-participant references mark `delivery_channel`
/// required on counterparty participants; owner-side participants may leave it out.
#[tokio::test]
async fn counterparty_participants_need_a_delivery_channel() {
    let api = Api::start().await;
    let mut body = api.draft(seed::TEMPLATE_PLAIN);
    body["parties"][0]["participants"][1]
        .as_object_mut()
        .unwrap()
        .remove("delivery_channel");
    let (status, problem) = api.post("/contracts/create", body).await;
    assert_problem(status, &problem, 400);
    assert!(
        problem["parameter_problems"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.ends_with("participants[1].delivery_channel")),
        "{problem}"
    );

    let mut body = api.draft(seed::TEMPLATE_PLAIN);
    body["my_party"] = json!({ "participants": [{ "email": SELLER }] });
    let c = api.create(body).await;
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
            json!({ "name": "Cy", "email": "cy@buyer.example" }),
        )
        .await;
    assert_problem(status, &problem, 400);
}

/// The sandbox's contract carries only attributes the contract model documents.
#[tokio::test]
async fn contracts_carry_only_documented_attributes() {
    let api = Api::start().await;
    let c = api.create(api.draft(seed::TEMPLATE_PLAIN)).await;
    // developer.oneflow.com data model "Contract" (and Oneflow's connector for the times).
    let documented = [
        "_links",
        "_private",
        "_private_ownerside",
        "_permissions",
        "attachment_file_groups",
        "available_options",
        "data_fields",
        "id",
        "lifecycle_state",
        "lifecycle_settings",
        "links",
        "parties",
        "pdf_file_groups",
        "product_groups",
        "published_time",
        "sign_order",
        "signing_period_expiry_time",
        "state",
        "state_updated_time",
        "tags",
        "updated_time",
    ];
    for key in c.as_object().unwrap().keys() {
        assert!(
            documented.contains(&key.as_str()),
            "undocumented attribute {key}"
        );
    }
    for key in c["_private_ownerside"].as_object().unwrap().keys() {
        assert!(
            ["created_time", "template_id", "template_type_id"].contains(&key.as_str()),
            "undocumented _private_ownerside attribute {key}"
        );
    }
}

/// The sandbox accepts a published token: it refuses a non-loopback bind address unless the
/// caller opts in.
#[tokio::test]
async fn a_non_loopback_bind_address_is_refused_without_opt_in() {
    let addr: std::net::SocketAddr = "0.0.0.0:0".parse().unwrap();
    let err = OneflowSandbox::builder()
        .bind_addr(addr)
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(err, SandboxError::NonLoopbackBind(a) if a == addr),
        "{err}"
    );
}

/// The request log is bounded: when full, the oldest entry is dropped.
#[tokio::test]
async fn the_request_log_keeps_only_the_newest_entries() {
    let api = Api::with(
        OneflowSandbox::builder()
            .log_capacity(3)
            .start()
            .await
            .unwrap(),
    )
    .await;
    for path in [
        "/ping",
        "/users",
        "/workspaces",
        "/templates",
        "/accounts/me",
    ] {
        let (status, _) = api.get(path).await;
        assert_eq!(status, StatusCode::OK);
    }
    let paths: Vec<String> = api.sandbox.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(paths[2].ends_with("/accounts/me"), "{paths:?}");
    assert!(paths[0].ends_with("/workspaces"), "{paths:?}");
}
