//! Paged lists as streams: page walking, the end of a list, the offset ceiling and local
//! checks of the paging parameters.

use crate::common;
use common::*;

use futures::{StreamExt, TryStreamExt};
use oneflow_client::models::*;
use oneflow_client::{Error, InvalidInput, MAX_OFFSET};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

fn page_of(ids: &[i64], count: u64) -> String {
    let data: Vec<serde_json::Value> =
        ids.iter().map(|id| serde_json::json!({"id": id, "state": "signed", "_private": {"name": format!("C{id}")}})).collect();
    serde_json::json!({"count": count, "data": data, "_links": {"next": null}}).to_string()
}

#[tokio::test]
async fn stream_walks_three_pages() {
    let server = server().await;
    for (offset, ids) in [("0", vec![1, 2]), ("2", vec![3, 4]), ("4", vec![5])] {
        Mock::given(method("GET"))
            .and(path("/v1/contracts"))
            .and(query_param("limit", "2"))
            .and(query_param("offset", offset))
            .and(query_param("filter[states]", "signed"))
            .respond_with(json(200, &page_of(&ids, 5)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let ids: Vec<i64> = client(&server)
        .contracts()
        .list()
        .state(ContractState::Signed)
        .limit(2)
        .stream()
        .map_ok(|c| c.id.get())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn stream_stops_on_an_empty_page() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts"))
        .and(query_param("offset", "0"))
        .respond_with(json(200, &page_of(&[1, 2], 10)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts"))
        .and(query_param("offset", "2"))
        .respond_with(json(200, &page_of(&[], 10)))
        .expect(1)
        .mount(&server)
        .await;
    let items: Vec<Contract> = client(&server)
        .contracts()
        .list()
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 2);
}

#[tokio::test]
async fn offset_ceiling_is_a_typed_error_not_a_silent_truncation() {
    let server = server().await;
    for offset in [19_800_i64, 19_900] {
        // Each page holds other contracts (a page equal to the one before means the server
        // ignores `offset`, which ends the stream with `RepeatedPage` instead).
        let ids: Vec<i64> = (offset..offset + 100).collect();
        Mock::given(method("GET"))
            .and(path("/v1/contracts"))
            .and(query_param("limit", "100"))
            .and(query_param("offset", offset.to_string()))
            .respond_with(json(200, &page_of(&ids, 25_000)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let results: Vec<_> = client(&server)
        .contracts()
        .list()
        .offset(19_800)
        .stream()
        .collect()
        .await;
    assert_eq!(results.len(), 201);
    assert!(results[..200].iter().all(Result::is_ok));
    match &results[200] {
        Err(err @ Error::OffsetCeilingReached { total, max_offset }) => {
            assert_eq!((*total, *max_offset), (25_000, MAX_OFFSET));
            assert!(err.to_string().contains("narrow the filter"));
        }
        other => panic!("expected the ceiling error, got {other:?}"),
    }
}

#[tokio::test]
async fn paging_parameters_are_checked_locally() {
    let server = server().await; // the catch-all fails the test on any request
    let contracts = client(&server).contracts();
    for limit in [0, 101] {
        let err = contracts.list().limit(limit).send().await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput(InvalidInput::PageSize(l)) if l == limit));
    }
    let err = contracts.list().offset(19_901).send().await.unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput(InvalidInput::Offset(19_901))
    ));
    let first = contracts.list().limit(500).stream().next().await.unwrap();
    assert!(matches!(
        first,
        Err(Error::InvalidInput(InvalidInput::PageSize(500)))
    ));
}

/// A users page shaped as developer.oneflow.com's "Links" reference documents it: an absent
/// resource is `{"href": null}` (the first page's `previous`, the last page's `next`).
const LAST_PAGE_NULL_HREFS: &str = r#"{
  "_links": {
    "next": {"href": null},
    "previous": {"href": null},
    "self": {"href": "https://api.oneflow.com/v1/users?limit=2&offset=0"}
  },
  "data": [
    {"_links": {"self": {"href": "https://api.oneflow.com/v1/users/1"}}, "active": true,
     "email": "ann@ourco.example", "id": 1, "is_admin": false, "name": "Ann",
     "phone_number": null, "state": "registered", "title": null},
    {"_links": {"self": {"href": "https://api.oneflow.com/v1/users/2"}}, "active": true,
     "email": "bo@ourco.example", "id": 2, "is_admin": true, "name": "Bo",
     "phone_number": null, "state": "registered", "title": null}
  ]
}"#;

/// Regression (issue 7, the documented behaviour): this test failed before its fix.
#[test]
fn a_page_with_null_hrefs_decodes() {
    let page: oneflow_client::Page<User> = serde_json::from_str(LAST_PAGE_NULL_HREFS).unwrap();
    assert_eq!(page.data.len(), 2);
    assert!(!page.has_next());
    assert_eq!(page.links.next_href(), None);
    assert_eq!(page.links.previous_href(), None);
    assert_eq!(
        page.links.self_link.as_ref().and_then(Link::href),
        Some("https://api.oneflow.com/v1/users?limit=2&offset=0")
    );
}

/// Without a count, a full page whose `next` is `{"href": null}` is the last one: the stream
/// must not ask for another page (the catch-all mock fails the test if it does).
///
/// Regression (issue 7, the documented behaviour): this test failed before its fix.
#[tokio::test]
async fn paging_stops_on_a_null_next_href() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .and(query_param("offset", "0"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(LAST_PAGE_NULL_HREFS, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let users: Vec<_> = client(&server)
        .users()
        .list()
        .limit(2)
        .stream()
        .collect()
        .await;
    assert_eq!(users.len(), 2);
    assert!(users.iter().all(Result::is_ok));
}

/// Starting between two multiples of the page size must not end the stream early: offset
/// 19 900 is still allowed, so the items up to 19 999 are reachable.
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test]
async fn stream_reaches_the_last_items_below_the_ceiling_from_an_odd_offset() {
    let server = server().await;
    let page = |from: i64| {
        let data: Vec<serde_json::Value> = (from..from + 100)
            .map(|id| serde_json::json!({"id": id, "state": "signed"}))
            .collect();
        serde_json::json!({"count": 20_000, "data": data, "_links": {}}).to_string()
    };
    for offset in [19_850, 19_900] {
        Mock::given(method("GET"))
            .and(path("/v1/contracts"))
            .and(query_param("limit", "100"))
            .and(query_param("offset", offset.to_string()))
            .respond_with(json(200, &page(offset)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let results: Vec<_> = client(&server)
        .contracts()
        .list()
        .offset(19_850)
        .stream()
        .collect()
        .await;
    let ids: Vec<i64> = results
        .iter()
        .map(|r| r.as_ref().map(|c| c.id.get()).map_err(ToString::to_string))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, (19_850..20_000).collect::<Vec<_>>());
}

/// When more items match than the ceiling allows, the stream still ends with the typed
/// error (after the last reachable items, without duplicates).
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test]
async fn odd_offset_past_the_ceiling_still_ends_with_the_typed_error() {
    let server = server().await;
    let page = |from: i64| {
        let data: Vec<serde_json::Value> = (from..from + 100)
            .map(|id| serde_json::json!({"id": id, "state": "signed"}))
            .collect();
        serde_json::json!({"count": 30_000, "data": data, "_links": {}}).to_string()
    };
    for offset in [19_850, 19_900] {
        Mock::given(method("GET"))
            .and(path("/v1/contracts"))
            .and(query_param("offset", offset.to_string()))
            .respond_with(json(200, &page(offset)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let results: Vec<_> = client(&server)
        .contracts()
        .list()
        .offset(19_850)
        .stream()
        .collect()
        .await;
    assert_eq!(results.len(), 151);
    let ids: Vec<i64> = results[..150]
        .iter()
        .map(|r| r.as_ref().unwrap().id.get())
        .collect();
    assert_eq!(ids, (19_850..20_000).collect::<Vec<_>>());
    assert!(matches!(
        results[150],
        Err(Error::OffsetCeilingReached { total: 30_000, .. })
    ));
}
