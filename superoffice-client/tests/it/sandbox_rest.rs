//! The sandbox's tenant REST API, tenant routing and fault knobs, and its side of the CRM
//! calls (auth host vs data hosts, the cache flush, PUT, `If-Unmodified-Since`,
//! `Sale/default`, `Sale/Validate`, stages, functional rights, app panels, documents), driven
//! with raw HTTP.

use crate::sandbox_support;
use crate::sandbox_support::{sandbox, OPEN};
use sandbox_support::*;

use std::time::Duration;

use serde_json::{json, Value};
use superoffice_client::credentials::{StaticToken, WithAppToken};
use superoffice_client::models::{
    ContactId, DocumentEntity, JsonPatch, ListRef, PersonId, SaleId, VisibleIn, WebPanelEntity,
};
use superoffice_client::{models, Credential, Error};
use superoffice_sandbox::{default_seed, AuthKind, Fault, SaleStatus, SuperOfficeSandbox};

async fn send(
    sb: &SuperOfficeSandbox,
    method: reqwest::Method,
    path: &str,
    token: &str,
    content_type: &str,
    body: &Value,
) -> reqwest::Response {
    let base = sb.api_base("Cust12345").unwrap();
    http()
        .request(method, format!("{base}v1/{path}"))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn sale_entity_has_superoffice_shape_and_resolved_references() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let token = sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap();
    let response = get(&sb, "Cust12345", "Sale/101", &token).await;
    assert_eq!(response.status(), 200);
    let sale: Value = response.json().await.unwrap();
    assert_eq!(sale["SaleId"], 101);
    assert_eq!(sale["Heading"], "Fleet tracking licence");
    assert_eq!(sale["Status"], "Open");
    assert_eq!(
        sale["Rating"],
        json!({"Id": 3, "Value": "Proposal", "Tooltip": "Proposal (50%)"})
    );
    assert_eq!(sale["Probability"], 50);
    assert_eq!(sale["Currency"]["Value"], "NOK");
    assert_eq!(sale["Contact"]["ContactId"], 2);
    assert_eq!(sale["Contact"]["Name"], "Fjord Shipping ASA");
    assert_eq!(sale["Person"]["PersonId"], 10);
    assert_eq!(
        sale["Person"]["Email"],
        "kari.nordmann@fjord-shipping.example"
    );
    assert_eq!(sale["Associate"]["AssociateId"], 6);
    assert_eq!(sale["Associate"]["FullName"], "Sam Seller");
    assert_eq!(sale["SaleType"]["Value"], "New business");
    assert_eq!(sale["Completed"], "NotStarted");

    let sold: Value = get(&sb, "Cust12345", "Sale/103", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sold["Status"], "Sold");
    assert_eq!(sold["ReasonSold"]["Value"], "Product fit");
    let lost: Value = get(&sb, "Cust12345", "Sale/104", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(lost["Status"], "Lost");
    assert_eq!(lost["Reason"]["Value"], "Lost to competitor");

    let missing = get(&sb, "Cust12345", "Sale/999", &token).await;
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["Error"], true);
    assert_eq!(body["ErrorType"], "SoNotFoundException");
    assert!(body["ErrorMessage"].as_str().unwrap().contains("999"));
}

#[tokio::test]
async fn json_patch_test_conflict_and_close_as_sold() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let token = sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap();
    let before = sb.sale("Cust12345", 101).unwrap();

    let conflict = send(
        &sb,
        reqwest::Method::PATCH,
        "Sale/101",
        &token,
        "application/json-patch+json",
        &json!([
            {"op": "test", "path": "Status", "value": "Lost"},
            {"op": "replace", "path": "Status", "value": "Sold"}
        ]),
    )
    .await;
    assert_eq!(conflict.status(), 409);
    let body: Value = conflict.json().await.unwrap();
    assert_eq!(body["Error"], true);
    assert_eq!(
        sb.sale("Cust12345", 101).unwrap()["Status"],
        "Open",
        "nothing applied"
    );

    let ok = send(
        &sb,
        reqwest::Method::PATCH,
        "Sale/101",
        &token,
        "application/json",
        &json!([
            {"op": "test", "path": "/status", "value": "Open"},
            {"op": "replace", "path": "status", "value": "Sold"},
            {"op": "replace", "path": "Saledate", "value": "2026-11-28T00:00:00"},
            {"op": "replace", "path": "ReasonSold/Id", "value": 2}
        ]),
    )
    .await;
    assert_eq!(ok.status(), 200);
    let sale: Value = ok.json().await.unwrap();
    assert_eq!(sale["Status"], "Sold");
    assert_eq!(sale["Probability"], 100);
    assert_eq!(sale["Completed"], "Completed");
    assert_eq!(
        sale["ReasonSold"],
        json!({"Id": 2, "Value": "Relationship", "Tooltip": ""})
    );
    assert_eq!(sale["Saledate"], "2026-11-28T00:00:00");
    assert_eq!(sale["UpdatedBy"]["AssociateId"], 6);
    assert!(sale["UpdatedDate"].as_str().unwrap() >= before["UpdatedDate"].as_str().unwrap());
    let stored: Value = get(&sb, "Cust12345", "Sale/101", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["Status"], "Sold");

    for (patch, what) in [
        (
            json!([{"op": "move", "from": "Heading", "path": "Postit"}]),
            "move",
        ),
        (
            json!([{"op": "copy", "from": "Heading", "path": "Postit"}]),
            "copy",
        ),
        (
            json!([{"op": "replace", "path": "Status", "value": "Won"}]),
            "bad status",
        ),
        (
            json!([{"op": "replace", "path": "NoSuchField", "value": 1}]),
            "unknown field",
        ),
        (
            json!([{"op": "replace", "path": "Rating/Id", "value": 77}]),
            "unknown stage",
        ),
    ] {
        let response = send(
            &sb,
            reqwest::Method::PATCH,
            "Sale/102",
            &token,
            "application/json-patch+json",
            &patch,
        )
        .await;
        assert_eq!(response.status(), 400, "{what}");
    }
}

#[tokio::test]
async fn merge_patch_and_put() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let token = sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap();
    let response = send(
        &sb,
        reqwest::Method::PATCH,
        "Sale/102",
        &token,
        "application/merge-patch+json",
        &json!({"rating": {"id": 4}, "Heading": "Support agreement 2027 (3 years)"}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let sale: Value = response.json().await.unwrap();
    assert_eq!(sale["Rating"]["Value"], "Negotiation");
    assert_eq!(sale["Probability"], 75, "probability follows the stage");
    assert_eq!(sale["Heading"], "Support agreement 2027 (3 years)");

    // An object body with application/json is a merge patch too.
    let response = send(
        &sb,
        reqwest::Method::PATCH,
        "Sale/102",
        &token,
        "application/json",
        &json!({"Status": "Lost", "Reason": {"Id": 1}}),
    )
    .await;
    let sale: Value = response.json().await.unwrap();
    assert_eq!(sale["Status"], "Lost");
    assert_eq!(sale["Probability"], 0);
    assert_eq!(sale["Reason"]["Value"], "Price");

    // PUT the whole entity back with changes.
    let mut entity: Value = get(&sb, "Cust12345", "Sale/105", &token)
        .await
        .json()
        .await
        .unwrap();
    entity["Amount"] = json!(12500.5);
    entity["Person"] = json!({"PersonId": 13});
    let response = send(
        &sb,
        reqwest::Method::PUT,
        "Sale/105",
        &token,
        "application/json",
        &entity,
    )
    .await;
    assert_eq!(response.status(), 200);
    let sale: Value = response.json().await.unwrap();
    assert_eq!(sale["Amount"], 12500.5);
    assert_eq!(sale["Person"]["FullName"], "Mikko Virtanen");
    // A person from another company is refused.
    entity["Person"] = json!({"PersonId": 10});
    let response = send(
        &sb,
        reqwest::Method::PUT,
        "Sale/105",
        &token,
        "application/json",
        &entity,
    )
    .await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn odata_sale_list_filter_select_paging() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let base = sb.api_base("Cust12345").unwrap();
    let query = |mut q: Vec<(&'static str, String)>| {
        let token = token.clone();
        let url = format!("{base}v1/Sale");
        // Typed values (`$output=Logical`); display mode is tested on its own.
        q.push(("$output", "Logical".into()));
        async move {
            let response = http()
                .get(url)
                .bearer_auth(token)
                .query(&q)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, page) = query(vec![
        ("$select", "saleId,heading,amount,saleStatus,stage".into()),
        ("$filter", "saleStatus equals 1 and amount ge 10000".into()),
        ("$orderBy", "amount desc".into()),
        ("$top", "1".into()),
    ])
    .await;
    assert_eq!(status, 200);
    let rows = page["value"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["saleId"], 101);
    assert_eq!(rows[0]["PrimaryKey"], 101);
    assert_eq!(rows[0]["EntityName"], "sale");
    assert_eq!(rows[0]["stage"], "Proposal");
    assert_eq!(
        rows[0].as_object().unwrap().len(),
        7,
        "5 selected + PrimaryKey + EntityName"
    );
    let next = page["odata.nextLink"].as_str().unwrap();
    assert!(
        next.contains("%24skip=1") || next.contains("$skip=1"),
        "{next}"
    );
    assert!(page.get("odata.metadata").is_some());

    let (_, page) = query(vec![
        ("$select", "saleId".into()),
        ("$filter", "saleStatus oneOf (1) and amount ge 10000".into()),
        ("$orderBy", "amount desc".into()),
        ("$top", "1".into()),
        ("$skip", "1".into()),
    ])
    .await;
    assert_eq!(page["value"][0]["saleId"], 102);
    assert!(page["odata.nextLink"].is_null());

    let (_, page) = query(vec![
        ("$select", "saleId,heading".into()),
        ("$filter", r"heading is 'Partner\'s workshop'".into()),
    ])
    .await;
    assert_eq!(page["value"].as_array().unwrap().len(), 1);
    assert_eq!(page["value"][0]["saleId"], 105);

    let (_, page) = query(vec![
        ("$select", "saleId".into()),
        (
            "$filter",
            "contactId eq 2 and (heading begins 'fleet' or heading contains 'PILOT')".into(),
        ),
        ("$orderBy", "saleId".into()),
    ])
    .await;
    let ids: Vec<i64> = page["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["saleId"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![101, 104]);

    let (status, body) = query(vec![("$filter", "heading frobnicates 'x'".into())]).await;
    assert_eq!(status, 400);
    assert_eq!(body["Error"], true);
    let (status, _) = query(vec![("$select", "noSuchColumn".into())]).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn odata_paging_edges_and_hostile_filters_answer_without_crashing() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let base = sb.api_base("Cust12345").unwrap();
    let query = |mut q: Vec<(&'static str, String)>| {
        let token = token.clone();
        let url = format!("{base}v1/Sale");
        // Typed values (`$output=Logical`); display mode is tested on its own.
        q.push(("$output", "Logical".into()));
        async move {
            let response = http()
                .get(url)
                .bearer_auth(token)
                .query(&q)
                .send()
                .await
                .expect("the sandbox answers");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    // `$top=0`: no rows and no next link (a link to the same page would loop forever).
    let (status, page) = query(vec![("$select", "saleId".into()), ("$top", "0".into())]).await;
    assert_eq!(status, 200);
    assert_eq!(page["value"].as_array().unwrap().len(), 0);
    assert!(page["odata.nextLink"].is_null(), "{page}");
    // `$skip + $top` beyond usize: no overflow.
    let (status, page) = query(vec![
        ("$select", "saleId".into()),
        ("$top", usize::MAX.to_string()),
        ("$skip", "1".into()),
    ])
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["value"].as_array().unwrap().len(), 4);
    assert!(page["odata.nextLink"].is_null());
    // A deeply nested filter is a 400, not a stack overflow.
    let deep = format!("{}saleId eq 101", "not ".repeat(12_000));
    let (status, body) = query(vec![("$select", "saleId".into()), ("$filter", deep)]).await;
    assert_eq!(status, 400);
    assert_eq!(body["Error"], true);
    // Moderate nesting still works.
    let nested = format!("{}saleId eq 101{}", "(".repeat(20), ")".repeat(20));
    let (status, page) = query(vec![("$select", "saleId".into()), ("$filter", nested)]).await;
    assert_eq!(status, 200);
    assert_eq!(page["value"][0]["saleId"], 101);
}

#[tokio::test]
async fn users_principal_contacts_persons_and_lists() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let base = sb.api_base("Cust12345").unwrap();
    let users: Value = http()
        .get(format!("{base}v1/User"))
        .bearer_auth(&token)
        .query(&[
            (
                "$select",
                "associateDbId,fullName,personEmail,userName,isActive,assocType",
            ),
            ("$filter", "personEmail is 'SELLER@nordic.example'"),
            ("$output", "Logical"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows = users["value"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["associateDbId"], 6);
    assert_eq!(rows[0]["fullName"], "Sam Seller");
    assert_eq!(rows[0]["isActive"], true);
    assert_eq!(rows[0]["assocType"], "InternalAssociate");

    let principal: Value = get(&sb, "Cust12345", "User/currentPrincipal", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(principal["AssociateId"], 5);
    assert_eq!(principal["EMailAddress"], default_seed::ADMIN_EMAIL);
    assert_eq!(principal["RoleType"], "Employee");
    assert!(principal["FunctionRights"]
        .as_array()
        .unwrap()
        .contains(&json!("admin-all")));
    assert_eq!(principal["DatabaseContextIdentifier"], "Cust12345");
    let associate: Value = get(&sb, "Cust12345", "User/currentAssociate", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(associate["AssociateId"], 5);
    assert_eq!(associate["Type"], "InternalAssociate");

    let contact: Value = get(&sb, "Cust12345", "Contact/2", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(contact["Name"], "Fjord Shipping ASA");
    assert_eq!(contact["OrgNr"], "NO 987 654 321 MVA");
    assert_eq!(contact["Country"]["TwoLetterISOCountry"], "NO");
    assert_eq!(
        contact["Emails"][0]["Value"],
        "contact@fjord-shipping.example"
    );
    assert_eq!(contact["Address"]["Postal"]["City"], "Bergen");
    assert_eq!(contact["Persons"].as_array().unwrap().len(), 2);

    let person: Value = get(&sb, "Cust12345", "Person/10", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(person["FullName"], "Kari Nordmann");
    assert_eq!(
        person["Emails"][0]["Value"],
        "kari.nordmann@fjord-shipping.example"
    );
    assert_eq!(person["MobilePhones"][0]["Value"], "+47 912 34 567");
    assert_eq!(person["Contact"]["ContactId"], 2);

    let persons: Value = get(
        &sb,
        "Cust12345",
        "Contact/2/Persons?$select=personId,fullName,email/emailAddress&$output=Logical",
        &token,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(persons["value"].as_array().unwrap().len(), 2);
    let persons: Value = get(
        &sb,
        "Cust12345",
        "Person?$select=personId&$filter=contactId%20eq%203&$output=Logical",
        &token,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(persons["value"][0]["personId"], 12);

    let (_, stages) = get_json(
        &sb,
        "List/Rating/Items",
        &token,
        &[("Accept-Language", "en")],
    )
    .await;
    assert_eq!(stages.as_array().unwrap().len(), 5);
    assert_eq!(
        stages[2],
        json!({"SaleStageId": 3, "Value": "Proposal", "Tooltip": "Proposal (50%)", "Probability": 50, "Deleted": false, "Rank": 3})
    );
    let types: Value = get(&sb, "Cust12345", "List/SaleType/Items", &token)
        .await
        .json()
        .await
        .unwrap();
    let renewal_stages: Vec<i64> = types[1]["Stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Selected"] == true)
        .map(|s| s["Id"].as_i64().unwrap())
        .collect();
    assert_eq!(renewal_stages, vec![3, 4, 5]);
    let (_, reasons) = get_json(
        &sb,
        "List/Reason/Items",
        &token,
        &[("Accept-Language", "en")],
    )
    .await;
    assert_eq!(reasons[1]["Name"], "Lost to competitor");
    let (_, sold) = get_json(
        &sb,
        "List/ReasonSold/Items",
        &token,
        &[("Accept-Language", "en")],
    )
    .await;
    assert_eq!(sold[2]["Name"], "Product fit");
}

#[tokio::test]
async fn tenants_are_isolated() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let nordic = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let svea = sb
        .issue_access_token(default_seed::SECOND_ADMIN_EMAIL)
        .unwrap();
    assert_eq!(
        get(&sb, "Cust67890", "Sale/101", &nordic).await.status(),
        401
    );
    assert_eq!(get(&sb, "Cust12345", "Sale/101", &svea).await.status(), 401);
    let theirs: Value = get(&sb, "Cust67890", "Sale/101", &svea)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["Heading"], "Consulting retainer");
    assert_eq!(theirs["Currency"]["Value"], "SEK");
    let ours: Value = get(&sb, "Cust12345", "Sale/101", &nordic)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ours["Heading"], "Fleet tracking licence");
    // Garbage and missing credentials.
    assert_eq!(
        get(&sb, "Cust12345", "Sale/101", "8A:Cust12345.forged")
            .await
            .status(),
        401
    );
    let base = sb.api_base("Cust12345").unwrap();
    let anonymous = http()
        .get(format!("{base}v1/Sale/101"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn moved_tenant_answers_421_and_state_api_points_to_new_host() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let token = sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap();
    let old_base = sb.api_base("Cust12345").unwrap();
    // Tenants start on data host A; the auth host (`base_url`) serves no tenant REST.
    assert!(old_base.starts_with(sb.data_hosts()[0]));
    let state: Value = http()
        .get(format!("{}/api/state/Cust12345", sb.issuer()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["ContextIdentifier"], "Cust12345");
    assert_eq!(state["State"], "Running");
    assert_eq!(state["IsRunning"], true);
    assert_eq!(
        state["Api"],
        format!("{}/Cust12345/api", sb.data_hosts()[0])
    );
    assert!(state["ValidUntil"].is_string());

    let new_base = sb.move_tenant("Cust12345").unwrap();
    assert_ne!(new_base, old_base);
    assert!(new_base.starts_with(sb.data_hosts()[1]));
    let wrong = http()
        .get(format!("{old_base}v1/Sale/101"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 421);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["Error"], true);
    assert_eq!(body["ErrorType"], "WrongSubdomain");
    assert_eq!(
        body["ErrorMessage"],
        "Wrong subdomain used to access tenant"
    );

    let state: Value = http()
        .get(format!("{}/api/state/Cust12345", sb.issuer()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        state["Endpoint"],
        format!("{}/Cust12345", sb.data_hosts()[1])
    );
    assert_eq!(format!("{}/", state["Api"].as_str().unwrap()), new_base);
    let right = http()
        .get(format!("{new_base}v1/Sale/101"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    // The other tenant did not move.
    assert!(sb
        .api_base("Cust67890")
        .unwrap()
        .starts_with(sb.data_hosts()[0]));

    sb.set_tenant_state("Cust12345", "Suspended").unwrap();
    let suspended = http()
        .get(format!("{new_base}v1/Sale/101"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(suspended.status(), 503);
    let unknown = http()
        .get(format!("{}/api/state/Cust99999", sb.issuer()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn flush_requires_general_administrator() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let flush = |token: String| {
        let url = format!("{}/Cust12345/default.aspx?flush", sb.data_hosts()[0]);
        async move {
            http()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        flush(sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap()).await,
        403
    );
    assert_eq!(
        flush(
            sb.issue_access_token(default_seed::LIST_ADMIN_EMAIL)
                .unwrap()
        )
        .await,
        403
    );
    assert_eq!(sb.flush_count("Cust12345").unwrap(), 0);
    assert_eq!(
        flush(sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap()).await,
        200
    );
    assert_eq!(sb.flush_count("Cust12345").unwrap(), 1);
    let anonymous = http()
        .get(format!(
            "{}/Cust12345/default.aspx?flush",
            sb.data_hosts()[0]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn web_panel_crud_progid_user_groups_and_rights() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let admin = sb
        .issue_access_token(default_seed::LIST_ADMIN_EMAIL)
        .unwrap();
    let seller = sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap();
    let base = sb.api_base("Cust12345").unwrap();
    let client = http();

    let default: Value = get(&sb, "Cust12345", "List/WebPanel/Items/Default", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(default["WebPanelId"], 0);
    let mut panel = default.clone();
    panel["Name"] = json!("Oneflow contracts");
    panel["Tooltip"] = json!("Contracts by Oneflow");
    panel["VisibleIn"] = json!("SaleArchive");
    panel["Url"] =
        json!("https://contracts.example.com/so/sale?ctx=<uctx>&sale=<said>&user=<usid>");
    panel["ProgId"] = json!("oneflow.sale-panel");
    panel["WindowName"] = json!("oneflow_sale");

    let denied = client
        .post(format!("{base}v1/List/WebPanel/Items"))
        .bearer_auth(&seller)
        .json(&panel)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);

    let created = client
        .post(format!("{base}v1/List/WebPanel/Items"))
        .bearer_auth(&admin)
        .header("SO-AppToken", default_seed::CLIENT_SECRET)
        .json(&panel)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let created: Value = created.json().await.unwrap();
    let id = created["WebPanelId"].as_i64().unwrap();
    assert!(id > 0);
    assert_eq!(created["VisibleIn"], "SaleArchive");

    let duplicate = client
        .post(format!("{base}v1/List/WebPanel/Items"))
        .bearer_auth(&admin)
        .json(&panel)
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), 400, "ProgId must be unique");
    let mut bad = panel.clone();
    bad["ProgId"] = json!("other");
    bad["WindowName"] = json!("other");
    bad["VisibleIn"] = json!("Nowhere");
    let bad = client
        .post(format!("{base}v1/List/WebPanel/Items"))
        .bearer_auth(&admin)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    let by_prog: Value = client
        .post(format!("{base}v1/Agents/List/GetWebPanelByProgId"))
        .bearer_auth(&seller)
        .json(&json!({"ProgId": "oneflow.sale-panel"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_prog["WebPanelId"], id);
    let none: Value = client
        .post(format!("{base}v1/Agents/List/GetWebPanelByProgId"))
        .bearer_auth(&seller)
        .json(&json!({"ProgId": "missing"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(none.is_null());

    // Visible for all user groups by default; restrict to Management.
    let groups: Value = get(
        &sb,
        "Cust12345",
        &format!("List/WebPanel/Items/{id}/UserGroups"),
        &admin,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(groups
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["Selected"] == true));
    let mut update = groups.clone();
    update[0]["Selected"] = json!(false);
    let response = client
        .put(format!("{base}v1/List/WebPanel/Items/{id}/UserGroups"))
        .bearer_auth(&admin)
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let groups: Value = get(
        &sb,
        "Cust12345",
        &format!("List/WebPanel/Items/{id}/UserGroups"),
        &admin,
    )
    .await
    .json()
    .await
    .unwrap();
    let selected: Vec<i64> = groups
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["Selected"] == true)
        .map(|g| g["Id"].as_i64().unwrap())
        .collect();
    assert_eq!(selected, vec![2]);

    // PUT update.
    let mut changed = created.clone();
    changed["Url"] = json!("https://contracts.example.com/v2?ctx=<uctx>&sale=<said>&user=<usid>");
    let response: Value = client
        .put(format!("{base}v1/List/WebPanel/Items/{id}"))
        .bearer_auth(&admin)
        .json(&changed)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(response["Url"].as_str().unwrap().contains("/v2"));

    // Panels created with SO-AppToken belong to the app.
    let app_panels: Value = client
        .post(format!("{base}v1/Agents/List/GetAppWebPanels"))
        .bearer_auth(&admin)
        .header("SO-AppToken", default_seed::CLIENT_SECRET)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(app_panels.as_array().unwrap().len(), 1);

    // Soft delete keeps it (Deleted = true), hard delete removes it.
    let response = client
        .delete(format!("{base}v1/List/WebPanel/Items/{id}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let soft: Value = get(
        &sb,
        "Cust12345",
        &format!("List/WebPanel/Items/{id}"),
        &admin,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(soft["Deleted"], true);
    let listed: Value = get(&sb, "Cust12345", "List/WebPanel/Items", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(listed.as_array().unwrap().is_empty());
    let response = client
        .post(format!("{base}v1/Agents/List/DeleteWebPanel"))
        .bearer_auth(&admin)
        .json(&json!({"Id": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        get(
            &sb,
            "Cust12345",
            &format!("List/WebPanel/Items/{id}"),
            &admin
        )
        .await
        .status(),
        404
    );
    assert!(sb.web_panels("Cust12345").unwrap().is_empty());
}

#[tokio::test]
async fn fault_knobs_and_request_log() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let token = sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap();
    sb.inject_fault(Fault::InternalServerError, 1);
    sb.inject_fault(Fault::BadGatewayHtml, 1);
    sb.inject_fault(
        Fault::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
        },
        1,
    );
    let first = get(&sb, "Cust12345", "Sale/101", &token).await;
    assert_eq!(first.status(), 500);
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["Error"], true);
    let second = get(&sb, "Cust12345", "Sale/101", &token).await;
    assert_eq!(second.status(), 502);
    assert!(second.text().await.unwrap().contains("<html>"));
    let third = get(&sb, "Cust12345", "Sale/101", &token).await;
    assert_eq!(third.status(), 429);
    assert_eq!(third.headers()["retry-after"], "7");
    sb.inject_fault(Fault::RateLimited { retry_after: None }, 1);
    sb.inject_fault(Fault::ServiceUnavailableHtml, 1);
    let bare = get(&sb, "Cust12345", "Sale/101", &token).await;
    assert_eq!(bare.status(), 429);
    assert!(bare.headers().get("retry-after").is_none());
    let unavailable = get(&sb, "Cust12345", "Sale/101", &token).await;
    assert_eq!(unavailable.status(), 503);
    assert_eq!(
        get(&sb, "Cust12345", "Sale/101", &token).await.status(),
        200
    );

    sb.inject_fault(Fault::Timeout(Duration::from_millis(300)), 1);
    let base = sb.api_base("Cust12345").unwrap();
    let timed_out = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap()
        .get(format!("{base}v1/Sale/101"))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(timed_out.unwrap_err().is_timeout());

    sb.inject_fault(Fault::InternalServerError, 3);
    sb.clear_faults();
    assert_eq!(
        get(&sb, "Cust12345", "Sale/101", &token).await.status(),
        200
    );

    let log = sb.requests();
    let statuses: Vec<u16> = log
        .iter()
        .filter(|r| r.path == "/Cust12345/api/v1/Sale/101")
        .map(|r| r.status)
        .collect();
    assert_eq!(&statuses[..6], &[500, 502, 429, 429, 503, 200]);
    assert!(log.iter().filter(|r| r.faulted).count() >= 3);
    assert!(log
        .iter()
        .all(|r| r.auth == AuthKind::Bearer && r.method == "GET"));
    assert!(!format!("{log:?}").contains(&token));
    sb.clear_requests();
    assert!(sb.requests().is_empty());
}

#[tokio::test]
async fn control_set_sale_status_and_errors() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    sb.set_sale_status("Cust12345", 102, SaleStatus::Lost, 5)
        .unwrap();
    let sale = sb.sale("Cust12345", 102).unwrap();
    assert_eq!(sale["Status"], "Lost");
    assert_eq!(sale["UpdatedBy"]["AssociateId"], 5);
    assert!(sb
        .set_sale_status("Cust12345", 999, SaleStatus::Sold, 5)
        .is_err());
    assert!(sb
        .set_sale_status("Cust00000", 101, SaleStatus::Sold, 5)
        .is_err());
    assert!(sb.api_base("Cust00000").is_err());
    assert!(sb.issue_access_token("nobody@nowhere.example").is_err());
    assert_eq!(
        sb.tenants(),
        vec!["Cust12345".to_owned(), "Cust67890".to_owned()]
    );
}

#[tokio::test]
async fn conditional_requests_on_sales() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let token = sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap();
    let base = sb.api_base("Cust12345").unwrap();
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc2822();
    // An hour before the seeded Sale's `UpdatedDate` (2026-06-01T08:00:00 UTC).
    let past = "Mon, 01 Jun 2026 07:00:00 +0000".to_owned();

    let not_modified = http()
        .get(format!("{base}v1/Sale/101"))
        .bearer_auth(&token)
        .header("If-Modified-Since", &future)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), 304);
    let modified = http()
        .get(format!("{base}v1/Sale/101"))
        .bearer_auth(&token)
        .header("If-Modified-Since", &past)
        .send()
        .await
        .unwrap();
    assert_eq!(modified.status(), 200);

    let patch = json!([{"op": "replace", "path": "Heading", "value": "Changed"}]).to_string();
    let stale = http()
        .patch(format!("{base}v1/Sale/101"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json-patch+json")
        .header("If-Unmodified-Since", &past)
        .body(patch.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    let fresh = http()
        .patch(format!("{base}v1/Sale/101"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json-patch+json")
        .header("If-Unmodified-Since", &future)
        .body(patch)
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), 200);
}

#[tokio::test]
async fn user_group_visibility_only_through_the_generic_list_route_and_stalled_reasons() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let admin = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let base = sb.api_base("Cust12345").unwrap();
    let panel: Value = http()
        .post(format!("{base}v1/List/WebPanel/Items"))
        .bearer_auth(&admin)
        .json(&json!({"Name": "Contracts", "VisibleIn": "SaleArchive", "ProgId": "p1", "Url": "https://x.example/?s=<said>"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = panel["WebPanelId"].clone();
    // List Swagger: `PUT /api/v1/List/{udListDefinitionName}/Items/{listItemId}/UserGroups`
    // with udListDefinitionName = WebPanel.
    let set: Value = http()
        .put(format!("{base}v1/List/WebPanel/Items/{id}/UserGroups"))
        .bearer_auth(&admin)
        .json(&json!([{"Id": 1, "Selected": true}, {"Id": 2, "Selected": false}]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(set[0]["Selected"], true);
    assert_eq!(set[1]["Selected"], false);
    let (status, got) = get_json(
        &sb,
        &format!("List/WebPanel/Items/{id}/UserGroups"),
        &admin,
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got, set);
    // The List agent's user-group methods are not the route the sandbox serves for panels.
    for method in [
        "SetVisibleForUserGroupsFromListName",
        "GetVisibleForUserGroupsFromListName",
    ] {
        let response = http()
            .post(format!("{base}v1/Agents/List/{method}"))
            .bearer_auth(&admin)
            .json(&json!({"UdListDefinitionName": "WebPanel", "ListItemId": id, "UserGroups": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{method}");
    }
    let (_, again) = get_json(
        &sb,
        &format!("List/WebPanel/Items/{id}/UserGroups"),
        &admin,
        &[],
    )
    .await;
    assert_eq!(again, set, "the refused agent call changed nothing");

    let (_, stalled) = get_json(
        &sb,
        "List/ReasonStalled/Items",
        &admin,
        &[("Accept-Language", "en")],
    )
    .await;
    assert_eq!(stalled[0]["Name"], "Budget freeze");
}

/// GET `v1/{path}` with optional extra headers; status and JSON body.
async fn get_json(
    sb: &SuperOfficeSandbox,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let base = sb.api_base("Cust12345").unwrap();
    let mut request = http().get(format!("{base}v1/{path}")).bearer_auth(token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn archives_expose_the_documented_columns_and_refuse_others() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    // Person archive: `email/emailAddress` (en/api/archive-providers/reference/person.md);
    // `email` is not a Person column.
    let (status, page) = get_json(
        &sb,
        "Person?$select=personId,email/emailAddress&$filter=personId%20eq%2010&$output=Logical",
        &token,
        &[],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page["value"][0]["email/emailAddress"],
        "kari.nordmann@fjord-shipping.example"
    );
    let (status, body) = get_json(&sb, "Person?$select=personId,email", &token, &[]).await;
    assert_eq!(status, 400);
    assert_eq!(body["Error"], true);
    // FindSale: the status column is `saleStatus`, a list column compared by id (1 = open).
    let (status, _) = get_json(&sb, "Sale?$filter=status%20is%20'Open'", &token, &[]).await;
    assert_eq!(status, 400);
    let (status, page) = get_json(
        &sb,
        "Sale?$select=saleId,saleStatus&$filter=saleStatus%20oneOf%20(1)&$orderBy=saleId&$output=Logical",
        &token,
        &[],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let rows = page["value"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["saleStatus"] == "Open"), "{page}");
    // The undocumented bare list and doubled quotes are refused.
    let (status, _) = get_json(&sb, "Sale?$filter=saleStatus%20oneOf%201,2", &token, &[]).await;
    assert_eq!(status, 400);
    let (status, _) = get_json(
        &sb,
        "Sale?$filter=heading%20is%20'Partner''s%20workshop'",
        &token,
        &[],
    )
    .await;
    assert_eq!(status, 400);
    // Unknown columns are refused even when no row would match.
    let (status, _) = get_json(
        &sb,
        "Sale?$select=noSuchColumn&$filter=saleId%20eq%20999999",
        &token,
        &[],
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn archive_rows_carry_display_values_unless_logical_output_is_asked_for() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let path =
        "User?$select=associateDbId,isActive&$filter=personEmail%20is%20'seller@nordic.example'";
    let (_, display) = get_json(&sb, path, &token, &[]).await;
    let row = &display["value"][0];
    assert_eq!(row["associateDbId"], "6", "{display}");
    assert!(!row["isActive"].is_boolean(), "{display}");
    let (_, logical) = get_json(&sb, &format!("{path}&$output=Logical"), &token, &[]).await;
    let row = &logical["value"][0];
    assert_eq!(row["associateDbId"], 6, "{logical}");
    assert_eq!(row["isActive"], true, "{logical}");
}

#[tokio::test]
async fn list_texts_stay_unresolved_without_a_language() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    // en/api/web-services/endpoints/http-headers.mdx: without Accept-Language multi-language
    // strings come back unchanged.
    let (_, raw) = get_json(&sb, "List/Rating/Items", &token, &[]).await;
    let first = raw[0]["Value"].as_str().unwrap();
    assert!(first.starts_with("US:\""), "{raw}");
    let (_, cancelled) = get_json(
        &sb,
        "List/Rating/Items",
        &token,
        &[("Accept-Language", "en"), ("SO-Language", "x")],
    )
    .await;
    assert!(cancelled[0]["Value"].as_str().unwrap().starts_with("US:\""));
    let (_, english) = get_json(
        &sb,
        "List/Rating/Items",
        &token,
        &[("Accept-Language", "en")],
    )
    .await;
    assert_eq!(english[0]["Value"], first[4..first.len() - 1]);
}

#[tokio::test]
async fn the_auth_host_serves_no_tenant_rest_and_no_flush() {
    let sb = sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    assert!(!sb.data_hosts().contains(&sb.issuer()));
    for url in [
        format!("{}/Cust12345/api/v1/Sale/101", sb.issuer()),
        format!("{}/Cust12345/default.aspx?flush", sb.issuer()),
    ] {
        let response = http().get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 404, "{url}");
    }
    assert_eq!(sb.flush_count("Cust12345").unwrap(), 0);
    // The auth host still serves the tenant state API, which points at a data host.
    let state: Value = http()
        .get(format!("{}/api/state/Cust12345", sb.issuer()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(state["Api"]
        .as_str()
        .unwrap()
        .starts_with(sb.data_hosts()[0]));
    // A typed client pointed at the auth host gets a 404, not tenant data.
    let wrong = superoffice_client::Client::builder()
        .api_base(format!("{}/Cust12345/api/", sb.issuer()))
        .token_provider(std::sync::Arc::new(StaticToken::new(Credential::bearer(
            token,
        ))))
        .build()
        .unwrap();
    assert!(matches!(
        wrong.sales().get(OPEN).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn flush_caches_on_the_data_host_needs_a_general_administrator() {
    let sb = sandbox().await;
    let admin = rest_client(
        &sb,
        &sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap(),
    );
    admin.flush_caches().await.unwrap();
    assert_eq!(sb.flush_count("Cust12345").unwrap(), 1);
    let seller = rest_client(
        &sb,
        &sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap(),
    );
    let err = seller.flush_caches().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403), "{err:?}");
    assert_eq!(sb.flush_count("Cust12345").unwrap(), 1);
}

#[tokio::test]
async fn put_replaces_the_whole_sale() {
    let sb = sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let before = sb.sale("Cust12345", OPEN.0).unwrap();
    assert_ne!(before["Amount"], json!(0.0));
    assert_ne!(before["Contact"]["ContactId"], json!(0));
    let base = sb.api_base("Cust12345").unwrap();
    let response = http()
        .put(format!("{base}v1/Sale/{}", OPEN.0))
        .bearer_auth(&token)
        .json(&json!({
            "SaleId": OPEN.0,
            "Heading": "Only the heading",
            "Rating": {"Id": before["Rating"]["Id"]},
            "Saledate": before["Saledate"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let after = sb.sale("Cust12345", OPEN.0).unwrap();
    assert_eq!(after["Heading"], "Only the heading");
    assert_eq!(after["Amount"].as_f64(), Some(0.0), "left out → default");
    assert_eq!(
        after["Contact"]["ContactId"].as_i64().unwrap_or(0),
        0,
        "left out → default"
    );
    assert_eq!(
        after["CreatedDate"], before["CreatedDate"],
        "kept by the server"
    );
}

#[tokio::test]
async fn if_unmodified_since_guards_sale_writes() {
    let sb = sandbox().await;
    let client = rest_client(
        &sb,
        &sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap(),
    );
    let sale = client.sales().get(OPEN).await.unwrap();
    // The seeded Sale was last updated 2026-06-01T08:00:00.
    let before_update = chrono::DateTime::parse_from_rfc3339("2026-05-01T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let err = client
        .sales()
        .put_if_unmodified_since(&sale, before_update)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PreconditionFailed(_)), "{err:?}");
    let patch = JsonPatch::new().replace("Heading", "Renamed");
    assert!(matches!(
        client
            .sales()
            .patch_if_unmodified_since(OPEN, &patch, before_update)
            .await,
        Err(Error::PreconditionFailed(_))
    ));
    let updated = client
        .sales()
        .patch_if_unmodified_since(OPEN, &patch, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(updated.heading.as_deref(), Some("Renamed"));
}

#[tokio::test]
async fn default_sale_and_validation_with_mandatory_reasons() {
    let sb = sandbox().await;
    let client = rest_client(
        &sb,
        &sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap(),
    );
    let fresh = client.sales().default_sale().await.unwrap();
    assert_eq!(fresh.sale_id, SaleId(0));
    assert_eq!(fresh.status, Some(models::SaleStatus::Open));
    assert_eq!(
        fresh.associate_id().map(|a| a.0),
        Some(default_seed::ADMIN_ASSOCIATE_ID)
    );

    let mut lost = client.sales().get(OPEN).await.unwrap();
    lost.status = Some(models::SaleStatus::Lost);
    assert!(client.sales().validate(&lost).await.unwrap().is_valid());

    sb.set_reasons_mandatory("Cust12345", true).unwrap();
    let problems = client.sales().validate(&lost).await.unwrap();
    assert!(problems.message("Reason").is_some(), "{problems:?}");
    let refused = client.sales().put(&lost).await.unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(sb.sale("Cust12345", OPEN.0).unwrap()["Status"], "Open");

    let reason = client.lists().reasons_lost().await.unwrap()[0].id;
    lost.reason = Some(ListRef::id(reason));
    assert!(client.sales().validate(&lost).await.unwrap().is_valid());
    let stored = client.sales().put(&lost).await.unwrap();
    assert_eq!(stored.status, Some(models::SaleStatus::Lost));
}

#[tokio::test]
async fn stages_per_sale_type_and_function_rights() {
    let sb = sandbox().await;
    let admin = rest_client(
        &sb,
        &sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap(),
    );
    let sale_type = admin.lists().sale_type(1).await.unwrap();
    let selected: Vec<i32> = sale_type.selected_stages().map(|s| s.id).collect();
    let stages = admin.lists().stages_for_sale_type(1).await.unwrap();
    assert!(!stages.is_empty());
    assert!(stages.iter().all(|s| selected.contains(&s.sale_stage_id)));
    assert!(matches!(
        admin.lists().sale_type(999).await,
        Err(Error::NotFound(_))
    ));

    assert!(admin.users().has_function_right("admin-all").await.unwrap());
    let seller = rest_client(
        &sb,
        &sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap(),
    );
    assert!(!seller
        .users()
        .has_function_right("admin-all")
        .await
        .unwrap());
    assert!(seller.users().function_rights().await.unwrap().is_empty());
}

#[tokio::test]
async fn app_panels_need_the_app_token() {
    let sb = sandbox().await;
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let app = superoffice_client::Client::builder()
        .api_base(sb.api_base("Cust12345").unwrap())
        .token_provider(std::sync::Arc::new(WithAppToken::new(
            std::sync::Arc::new(StaticToken::new(Credential::bearer(token.clone()))),
            sb.client_secret(),
        )))
        .build()
        .unwrap();
    let panel = WebPanelEntity::new(
        "Oneflow Contract",
        "https://contracts.example.com/panel?sale=<said>",
        VisibleIn::SaleCard,
        "oneflow-contract-app",
    );
    let created = app.web_panels().create(&panel).await.unwrap();
    let owned = app.web_panels().app_panels().await.unwrap();
    assert_eq!(owned.len(), 1);
    assert_eq!(owned[0].web_panel_id, created.web_panel_id);

    // Without the token SuperOffice sees no app: nothing is listed or deleted.
    let base = sb.api_base("Cust12345").unwrap();
    let listed: Value = http()
        .post(format!("{base}v1/Agents/List/GetAppWebPanels"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!([]));
    let deleted = http()
        .post(format!("{base}v1/Agents/List/DeleteAppWebPanels"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());
    assert_eq!(sb.web_panels("Cust12345").unwrap().len(), 1);

    app.web_panels().delete_app_panels().await.unwrap();
    assert!(sb.web_panels("Cust12345").unwrap().is_empty());
}

#[tokio::test]
async fn documents_archive_a_signed_pdf_on_a_sale() {
    let sb = sandbox().await;
    let client = rest_client(
        &sb,
        &sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap(),
    );
    let template = client.documents().default_document().await.unwrap();
    assert_eq!(template.document_id.0, 0);
    let record = DocumentEntity::new("Signed contract", "contract-101.pdf", 3).on_sale(
        OPEN,
        ContactId(default_seed::FJORD_CONTACT_ID),
        Some(PersonId(default_seed::KARI_PERSON_ID)),
    );
    let created = client.documents().create(&record).await.unwrap();
    assert!(created.document_id.0 > 0);
    assert_eq!(created.sale.as_ref().unwrap().sale_id, OPEN);
    let pdf = b"%PDF-1.7\n% signed by Oneflow\n".to_vec();
    assert_eq!(
        sb.document_content("Cust12345", created.document_id.0)
            .unwrap(),
        None
    );
    client
        .documents()
        .upload_content(created.document_id, pdf.clone())
        .await
        .unwrap();
    assert_eq!(
        sb.document_content("Cust12345", created.document_id.0)
            .unwrap()
            .as_deref(),
        Some(pdf.as_slice())
    );
    let read = client
        .documents()
        .content(created.document_id)
        .await
        .unwrap();
    assert_eq!(read.as_ref(), pdf.as_slice());

    // Documented errors: unknown template or sale, unknown document.
    let unknown_template = DocumentEntity::new("x", "x.pdf", 99);
    let err = client
        .documents()
        .create(&unknown_template)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    let unknown_sale =
        DocumentEntity::new("x", "x.pdf", 3).on_sale(SaleId(9999), ContactId(0), None);
    assert!(client.documents().create(&unknown_sale).await.is_err());
    assert!(matches!(
        client
            .documents()
            .upload_content(superoffice_client::models::DocumentId(9999), b"x".to_vec())
            .await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(sb.documents("Cust12345").unwrap().len(), 1);
}
