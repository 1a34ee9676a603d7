//! Sales: request shape and decoding of get/put/patch/merge-patch and the OData list,
//! `If-Unmodified-Since`, `Sale/default`, `Sale/Validate` and the stages of a sale type.

use crate::fixtures::fixture;
use crate::rest_support;
use rest_support::{api_base, client, json_body, API, BEARER_1, SALE};

use futures::{StreamExt, TryStreamExt};
use serde_json::{json, Value};
use superoffice_client::models::{
    AssociateType, JsonPatch, ListRef, SaleCompleted, SaleEntity, SaleId, SaleStatus, SoDateTime,
};
use superoffice_client::odata::{Filter, Order};
use superoffice_client::{Client, Error, RateLimit};
use wiremock::matchers::{body_json, body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SALE_SOLD: &str = fixture!("rest/sale_sold.json");

const SALE_UNKNOWN: &str = fixture!("rest/sale_unknown_enums.json");

const PATCH_FAILED: &str = fixture!("rest/error_patch_test_failed.json");

const PAGE1: &str = fixture!("rest/sales_page1.json");

const PAGE2: &str = fixture!("rest/sales_page2.json");

#[tokio::test]
async fn get_sends_headers_and_decodes_the_sale() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale/42")))
        .and(header("Authorization", BEARER_1))
        .and(header("Accept", "application/json"))
        .and(header("Accept-Language", "en"))
        .and(header("SO-TimeZone", "UTC"))
        .respond_with(json_body(SALE))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_base(format!("{}{API}", server.uri())) // no trailing slash
        .token_provider(rest_support::CountingTokens::new())
        .language("en")
        .time_zone("UTC")
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap();
    assert_eq!(client.customer_id().unwrap().as_str(), "Cust12345");

    let sale = client.sales().get(SaleId(42)).await.unwrap();
    assert_eq!(sale.sale_id, SaleId(42));
    assert_eq!(sale.heading.as_deref(), Some("Timber framework 2027"));
    assert_eq!(sale.status, Some(SaleStatus::Open));
    assert_eq!(sale.completed, Some(SaleCompleted::NotStarted));
    assert_eq!(sale.stage_id(), Some(3));
    assert_eq!(
        sale.rating.as_ref().unwrap().value.as_deref(),
        Some("Proposal")
    );
    assert_eq!(sale.probability, Some(50));
    assert_eq!(sale.amount, Some(125000.5));
    assert_eq!(
        sale.currency.as_ref().unwrap().value.as_deref(),
        Some("NOK")
    );
    assert_eq!(sale.contact_id().map(|c| c.0), Some(7));
    assert_eq!(
        sale.contact.as_ref().unwrap().org_nr.as_deref(),
        Some("NO912345678MVA")
    );
    assert_eq!(sale.person_id().map(|p| p.0), Some(8));
    assert_eq!(sale.associate_id().map(|a| a.0), Some(5));
    assert_eq!(
        sale.associate.as_ref().unwrap().associate_type,
        Some(AssociateType::InternalAssociate)
    );
    assert_eq!(sale.saledate, SoDateTime::parse("2026-09-30T00:00:00"));
    assert_eq!(sale.next_due_date, None, "0001-01-01 reads as no date");
    assert_eq!(
        sale.updated_date.unwrap().to_string(),
        "2026-07-20T13:45:10.123"
    );
    assert_eq!(sale.custom_fields["SuperOffice:1"], "Framework");
    assert!(sale.extra.contains_key("_Links"));
    assert!(sale.extra.contains_key("TableRight"));
    assert!(!sale.is_closed());
}

#[tokio::test]
async fn unknown_enum_values_decode() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale/42")))
        .respond_with(json_body(SALE_UNKNOWN))
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let sale = client.sales().get(SaleId(42)).await.unwrap();
    assert_eq!(sale.status, Some(SaleStatus::Other("Negotiating".into())));
    assert_eq!(sale.status.as_ref().unwrap().as_str(), "Negotiating");
    assert_eq!(
        sale.completed,
        Some(SaleCompleted::Other("PartlyDone".into()))
    );
    assert_eq!(
        sale.associate.unwrap().associate_type,
        Some(AssociateType::Other("RobotAssociate".into()))
    );
}

#[tokio::test]
async fn get_then_put_round_trips_unknown_fields() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale/42")))
        .respond_with(json_body(SALE))
        .mount(&server)
        .await;
    let mut expected: Value = serde_json::from_str(SALE).unwrap();
    expected["Heading"] = json!("Timber framework 2027 (revised)");
    let (client, _) = client(&server);
    let mut sale = client.sales().get(SaleId(42)).await.unwrap();
    sale.heading = Some("Timber framework 2027 (revised)".into());

    // What the client sends keeps every field the crate does not model.
    let sent: Value = serde_json::to_value(&sale).unwrap();
    for key in [
        "_Links",
        "TableRight",
        "Earning",
        "UserDefinedFields",
        "VisibleFor",
        "PublishTo",
    ] {
        assert!(sent.get(key).is_some(), "{key} lost");
    }
    assert_eq!(sent["Heading"], expected["Heading"]);
    assert_eq!(sent["Contact"]["URL"], expected["Contact"]["URL"]);
    assert_eq!(sent["Contact"]["Kananame"], expected["Contact"]["Kananame"]);
    assert_eq!(sent["Saledate"], "2026-09-30T00:00:00");

    Mock::given(method("PUT"))
        .and(path(format!("{API}/v1/Sale/42")))
        .and(header("Content-Type", "application/json"))
        .and(body_json(&sent))
        .respond_with(json_body(SALE))
        .expect(1)
        .mount(&server)
        .await;
    client.sales().put(&sale).await.unwrap();
}

#[tokio::test]
async fn patch_sends_exact_json_patch_and_decodes_the_result() {
    let server = MockServer::start().await;
    // The PATCH Sale reference (v1SaleEntity_PatchSaleEntity) sample sends the JSON Patch
    // array as `Content-Type: application/json; charset=utf-8`.
    Mock::given(method("PATCH"))
        .and(path(format!("{API}/v1/Sale/42")))
        .and(header("Content-Type", "application/json"))
        .and(header("Authorization", BEARER_1))
        .and(body_string(
            r#"[{"op":"test","path":"Status","value":"Open"},{"op":"replace","path":"Status","value":"Sold"},{"op":"replace","path":"ReasonSold","value":{"Id":3}},{"op":"replace","path":"Saledate","value":"2026-07-24T00:00:00"}]"#,
        ))
        .respond_with(json_body(SALE_SOLD))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let patch = JsonPatch::new()
        .test("Status", SaleStatus::Open)
        .replace("Status", SaleStatus::Sold)
        .replace("ReasonSold", ListRef::id(3))
        .replace(
            "Saledate",
            SoDateTime::parse("2026-07-24T00:00:00").unwrap(),
        );
    let sale = client.sales().patch(SaleId(42), &patch).await.unwrap();
    assert_eq!(sale.status, Some(SaleStatus::Sold));
    assert_eq!(sale.reason_sold.unwrap().id, 3);
    assert!(sale.completed == Some(SaleCompleted::Completed));
}

#[tokio::test]
async fn failed_test_op_is_a_conflict_and_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(format!("{API}/v1/Sale/42")))
        .respond_with(
            ResponseTemplate::new(409)
                .set_body_raw(PATCH_FAILED.as_bytes().to_vec(), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let patch = JsonPatch::new()
        .test("Status", SaleStatus::Open)
        .replace("Status", SaleStatus::Lost);
    let err = client.sales().patch(SaleId(42), &patch).await.unwrap_err();
    match &err {
        Error::Conflict(api) => {
            assert_eq!(api.status().as_u16(), 409);
            assert_eq!(api.error_type(), Some("JsonPatchTestFailedException"));
            assert!(api.message().unwrap().contains("Status"));
            assert_eq!(api.path_template(), "v1/Sale/{id}");
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn invalid_patches_are_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let sales = client.sales();
    assert!(matches!(
        sales.patch(SaleId(42), &JsonPatch::new()).await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        sales
            .patch(
                SaleId(0),
                &JsonPatch::new().replace("Status", SaleStatus::Sold)
            )
            .await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        sales.merge_patch(SaleId(42), &json!("Sold")).await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        sales.put(&SaleEntity::default()).await,
        Err(Error::InvalidInput(_))
    ));
}

#[tokio::test]
async fn merge_patch_is_sent_as_application_json() {
    let server = MockServer::start().await;
    // The reference tells JSON Patch and Merge Patch apart by the body (array or object).
    Mock::given(method("PATCH"))
        .and(path(format!("{API}/v1/Sale/42")))
        .and(header("Content-Type", "application/json"))
        .and(body_json(json!({"Status": "Sold", "Probability": 100})))
        .respond_with(json_body(SALE_SOLD))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let sale = client
        .sales()
        .merge_patch(SaleId(42), &json!({"Status": "Sold", "Probability": 100}))
        .await
        .unwrap();
    assert_eq!(sale.probability, Some(100));
}

#[tokio::test]
async fn odata_list_quotes_user_text_in_the_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale")))
        .and(query_param("$select", "saleId,heading"))
        .and(query_param(
            "$filter",
            r"(heading begins 'O\'Brien\'s') and (contactId eq 7)",
        ))
        .and(query_param("$orderBy", "saleId desc"))
        .and(query_param("$top", "10"))
        .and(query_param("$skip", "20"))
        .respond_with(json_body(PAGE2))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let page = client
        .sales()
        .list()
        .select(["saleId", "heading"])
        .filter(Filter::begins("heading", "O'Brien's"))
        .filter(Filter::eq("contactId", 7))
        .order_by("saleId", Order::Desc)
        .top(10)
        .skip(20)
        .send()
        .await
        .unwrap();
    assert_eq!(page.value.len(), 1);
    assert_eq!(page.value[0].int("saleId"), Some(43));
    assert_eq!(page.next_link, None);
}

#[tokio::test]
async fn stream_follows_next_link() {
    let server = MockServer::start().await;
    let page1 = PAGE1.replace("https://sod2.superoffice.com", &server.uri());
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale")))
        .and(query_param("$skip", "2"))
        .respond_with(json_body(PAGE2))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale")))
        .and(query_param("$top", "2"))
        .and(wiremock::matchers::query_param_is_missing("$skip"))
        .respond_with(json_body(&page1))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let rows: Vec<_> = client
        .sales()
        .list()
        .select(["saleId", "heading"])
        .top(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = rows.iter().map(|r| r.int("saleId").unwrap()).collect();
    assert_eq!(ids, [41, 42, 43]);
}

#[tokio::test]
async fn stream_pages_with_skip_and_stops_on_a_short_page() {
    let server = MockServer::start().await;
    let rows = |ids: &[i64]| json!({"odata.metadata": "x", "value": ids.iter().map(|i| json!({"saleId": i})).collect::<Vec<_>>()});
    for (skip, ids) in [
        (None, vec![1, 2]),
        (Some("2"), vec![3, 4]),
        (Some("4"), vec![5]),
    ] {
        let mut mock = Mock::given(method("GET"))
            .and(path(format!("{API}/v1/Sale")))
            .and(query_param("$top", "2"));
        mock = match skip {
            Some(s) => mock.and(query_param("$skip", s)),
            None => mock.and(wiremock::matchers::query_param_is_missing("$skip")),
        };
        mock.respond_with(ResponseTemplate::new(200).set_body_json(rows(&ids)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let (client, _) = client(&server);
    let got: Vec<_> = client
        .sales()
        .list()
        .top(2)
        .stream()
        .map_ok(|r| r.int("saleId").unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn stream_stops_on_a_repeated_link_and_refuses_foreign_links() {
    let server = MockServer::start().await;
    let same = format!("{}{API}/v1/Sale?$top=1&$skip=1", server.uri());
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale")))
        .and(query_param("$skip", "1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"odata.nextLink": same, "value": [{"saleId": 2}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"odata.nextLink": same, "value": [{"saleId": 1}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let got: Vec<_> = client
        .sales()
        .list()
        .top(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        got.len(),
        2,
        "first page + the linked page, then the repeated link stops"
    );

    let foreign = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "odata.nextLink": "https://evil.example/Cust12345/api/v1/Sale?$skip=1",
            "value": [{"saleId": 1}]
        })))
        .expect(1)
        .mount(&foreign)
        .await;
    let tokens = rest_support::CountingTokens::new();
    let client = Client::builder()
        .api_base(api_base(&foreign))
        .token_provider(tokens)
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap();
    let result: Result<Vec<_>, _> = client.sales().list().top(1).stream().try_collect().await;
    assert!(matches!(result, Err(Error::Protocol(_))), "{result:?}");
}

#[tokio::test]
async fn stream_continues_with_skip_after_a_followed_link_without_repeating_rows() {
    let server = MockServer::start().await;
    let link = format!("{}{API}/v1/Sale?$top=1&$skip=1", server.uri());
    let pages = [
        (
            None,
            json!({"odata.nextLink": link, "value": [{"saleId": 1}]}),
        ),
        // A full page reached through the link, without a further link: paging goes on by `$skip`.
        (Some("1"), json!({"value": [{"saleId": 2}]})),
        (Some("2"), json!({"value": []})),
    ];
    for (skip, body) in pages {
        let mut mock = Mock::given(method("GET")).and(path(format!("{API}/v1/Sale")));
        mock = match skip {
            Some(s) => mock.and(query_param("$skip", s)),
            None => mock.and(wiremock::matchers::query_param_is_missing("$skip")),
        };
        mock.respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    let (client, _) = client(&server);
    let got: Vec<_> = client
        .sales()
        .list()
        .top(1)
        .stream()
        .map_ok(|r| r.int("saleId").unwrap())
        .try_collect()
        .await
        .unwrap_or_else(|e| {
            let seen = futures::executor::block_on(server.received_requests()).unwrap();
            panic!(
                "{e}: {:?}",
                seen.iter().map(|r| r.url.to_string()).collect::<Vec<_>>()
            )
        });
    assert_eq!(got, [1, 2]);
}

#[tokio::test]
async fn stream_resolves_a_relative_next_link_against_the_request_url() {
    let server = MockServer::start().await;
    // `Sale?…` relative to `…/api/v1/Sale?…` is `…/api/v1/Sale?…` (RFC 3986), not `…/api/Sale`.
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale")))
        .and(query_param("$skip", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"saleId": 3}]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "odata.nextLink": "Sale?$top=2&$skip=2",
            "value": [{"saleId": 1}, {"saleId": 2}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let got: Vec<i64> = client
        .sales()
        .list()
        .top(2)
        .stream()
        .map_ok(|r| r.int("saleId").unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got, [1, 2, 3]);
}

/// Answers every `v1/Sale` page with one row numbered after `$skip`: an endless list.
struct EndlessPages;

impl wiremock::Respond for EndlessPages {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let skip: i64 = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "$skip")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        ResponseTemplate::new(200).set_body_json(json!({"value": [{"saleId": skip + 1}]}))
    }
}

#[tokio::test]
async fn stream_stops_with_an_error_after_the_page_or_row_cap() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale")))
        .respond_with(EndlessPages)
        .expect(3 + 3)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let rows: Vec<_> = client
        .sales()
        .list()
        .top(1)
        .max_pages(3)
        .stream()
        .collect()
        .await;
    assert_eq!(rows.len(), 4, "three rows, then the error");
    assert!(rows[..3].iter().all(Result::is_ok));
    assert!(
        matches!(&rows[3], Err(Error::Protocol(m)) if m.contains("3 pages")),
        "{:?}",
        rows[3]
    );

    let rows: Vec<_> = client
        .sales()
        .list()
        .top(1)
        .max_rows(2)
        .stream()
        .collect()
        .await;
    assert_eq!(rows.len(), 3, "two rows, then the error");
    assert!(
        matches!(&rows[2], Err(Error::Protocol(m)) if m.contains("2 rows")),
        "{:?}",
        rows[2]
    );
}

#[tokio::test]
async fn stream_stops_with_an_error_when_the_server_repeats_a_page() {
    let server = MockServer::start().await;
    // A server that ignores `$skip` (and sends no next link) repeats the first page.
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"value": [{"saleId": 1}, {"saleId": 2}]})),
        )
        .expect(2)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let rows: Vec<_> = client.sales().list().top(2).stream().collect().await;
    assert_eq!(rows.len(), 3);
    assert!(
        matches!(&rows[2], Err(Error::Protocol(m)) if m.contains("repeated a page")),
        "{:?}",
        rows[2]
    );
}

#[tokio::test]
async fn accept_language_is_sent_by_default_and_can_be_turned_off() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale/42")))
        .and(header("Accept-Language", "en"))
        .respond_with(json_body(SALE))
        .expect(1)
        .mount(&server)
        .await;
    let builder = || {
        Client::builder()
            .api_base(api_base(&server))
            .token_provider(rest_support::CountingTokens::new())
            .rate_limit(RateLimit::unlimited())
    };
    builder()
        .build()
        .unwrap()
        .sales()
        .get(SaleId(42))
        .await
        .unwrap();
    server.verify().await;
    server.reset().await;

    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale/42")))
        .respond_with(json_body(SALE))
        .expect(1)
        .mount(&server)
        .await;
    builder()
        .without_language()
        .build()
        .unwrap()
        .sales()
        .get(SaleId(42))
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("accept-language").is_none());
}

#[tokio::test]
async fn odata_requests_ask_for_logical_output() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/User")))
        .and(query_param("$output", "Logical"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [
            {"PrimaryKey": 6, "associateDbId": 6, "isActive": true}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let page = client.users().list().send().await.unwrap();
    assert!(page.value[0].is_active);
}

const SALE_TYPE_1: &str = fixture!("rest/sale_type_1.json");

const SALE_STAGES: &str = fixture!("rest/sale_stages.json");

const VALIDATE_ERRORS: &str = fixture!("rest/sale_validate_errors.json");

// ---- item 15: Sale writes with If-Unmodified-Since, default, validation ------------------

/// Matches the whole `If-Unmodified-Since` value (wiremock's `header` splits on commas).
fn unmodified_since(expected: &'static str) -> impl Fn(&Request) -> bool {
    move |request: &Request| {
        request
            .headers
            .get("if-unmodified-since")
            .is_some_and(|v| v.as_bytes() == expected.as_bytes())
    }
}

#[tokio::test]
async fn sale_writes_send_if_unmodified_since_and_map_412() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("{API}/v1/Sale/42")))
        .and(unmodified_since("Fri, 24 Jul 2026 08:00:00 GMT"))
        .respond_with(ResponseTemplate::new(412).set_body_json(json!({
            "Error": true, "ErrorType": "SoPreconditionFailedException",
            "ErrorMessage": "modified", "ErrorSource": "SuperOffice.Services.Implementation"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{API}/v1/Sale/42")))
        .and(unmodified_since("Fri, 24 Jul 2026 08:00:00 GMT"))
        .respond_with(json_body(SALE))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let sale: SaleEntity = serde_json::from_str(SALE).unwrap();
    let since = chrono::DateTime::parse_from_rfc3339("2026-07-24T08:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let err = client
        .sales()
        .put_if_unmodified_since(&sale, since)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PreconditionFailed(_)), "{err:?}");
    let patch = JsonPatch::new().replace("Status", SaleStatus::Sold);
    client
        .sales()
        .patch_if_unmodified_since(SaleId(42), &patch, since)
        .await
        .unwrap();
}

#[tokio::test]
async fn default_sale_and_validate() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale/default")))
        .respond_with(json_body(SALE))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Sale/Validate")))
        .and(wiremock::matchers::body_partial_json(
            json!({"SaleId": 42, "Status": "Lost"}),
        ))
        .respond_with(json_body(VALIDATE_ERRORS))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Sale/Validate")))
        .and(wiremock::matchers::body_partial_json(
            json!({"Status": "Open"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let mut sale = client.sales().default_sale().await.unwrap();
    assert_eq!(sale.sale_id, SaleId(42));
    sale.status = Some(SaleStatus::Lost);
    let problems = client.sales().validate(&sale).await.unwrap();
    assert!(!problems.is_valid());
    assert_eq!(
        problems.message("reason"),
        Some("Reason is mandatory when a Sale is closed as lost")
    );
    sale.status = Some(SaleStatus::Open);
    assert!(client.sales().validate(&sale).await.unwrap().is_valid());
}

#[tokio::test]
async fn stages_for_a_sale_type_are_its_selected_live_stages() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/List/SaleType/Items/1")))
        .respond_with(json_body(SALE_TYPE_1))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/List/Rating/Items")))
        .respond_with(json_body(SALE_STAGES))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let stages = client.lists().stages_for_sale_type(1).await.unwrap();
    let ids: Vec<i32> = stages.iter().map(|s| s.sale_stage_id).collect();
    assert_eq!(ids, [1, 3], "selected stages only, in the type's order");
    assert!(matches!(
        client.lists().sale_type(0).await,
        Err(Error::InvalidInput(_))
    ));
}
