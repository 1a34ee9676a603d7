//! Regression tests for bugs found in review: each test failed before its fix.

use crate::common;

use std::error::Error as _;
use std::time::Duration;

use common::*;
use futures::StreamExt;
use oneflow_client::api::files::FileUpload;
use oneflow_client::api::webhooks::WebhookDraft;
use oneflow_client::models::*;
use oneflow_client::ApiRequest;
use oneflow_client::{Client, Error, InvalidInput, RetryPolicy};
use wiremock::matchers::{header_regex, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

const CONTRACT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/contract.json"
));

/// The whole error as a log line would show it: `Display`, every source, and `Debug`.
fn everything_shown(err: &Error) -> String {
    let mut text = format!("{err} / {err:?}");
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(&format!(" / {s} / {s:?}"));
        source = s.source();
    }
    text
}

/// A file download asks for binary content, not JSON (Oneflow's own connector sends
/// `Accept: binary/octet-stream`); a strict server answers `Accept: application/json` with 406.
#[tokio::test]
async fn download_does_not_ask_for_json() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/files/1"))
        .and(query_param("download", "true"))
        .and(header_regex("accept", "octet-stream"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(b"%PDF-1.7".to_vec(), "application/pdf"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let download = client(&server)
        .files()
        .download(ContractId(3012345), FileId(1))
        .await
        .unwrap();
    assert_eq!(&download.bytes().await.unwrap()[..], b"%PDF-1.7");
}

/// The `Location` of a file redirect is a pre-signed storage URL (a bearer credential for the
/// file); a transport error on that hop must not carry it into `Debug` or the error chain.
#[tokio::test]
async fn presigned_redirect_url_stays_out_of_transport_errors() {
    let api = server().await;
    // A port nothing listens on: the storage hop fails to connect.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let location = format!("http://127.0.0.1:{port}/files/x.pdf?X-Amz-Signature=SECRETSIG42");
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/files/3101"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", location.as_str()))
        .expect(1)
        .mount(&api)
        .await;
    let err = client(&api)
        .files()
        .download(ContractId(3012345), FileId(3101))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    let shown = everything_shown(&err);
    assert!(!shown.contains("SECRETSIG42"), "signed URL leaked: {shown}");
}

/// `ApiRequest` is public and `Debug`; a webhook body carries the sign key.
#[test]
fn request_debug_hides_the_sign_key() {
    let draft = WebhookDraft::new("https://crm.ourco.example/hook").sign_key("s3cret-sign-key");
    let req = ApiRequest::post("webhooks", ["webhooks"])
        .json(&draft)
        .unwrap();
    let shown = format!("{req:?} {:?}", req.body());
    assert!(!shown.contains("s3cret-sign-key"), "{shown}");
    assert!(shown.contains("callback_url"), "{shown}");
    // The body itself still carries the key (it has to be sent).
    assert_eq!(req.json_body().unwrap()["sign_key"], "s3cret-sign-key");
}

/// Starting between two multiples of the page size must not end the stream early: offset
/// 19 900 is still allowed, so the items up to 19 999 are reachable.
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

/// A caller-supplied MIME type is input like any other: refused locally, not a transport
/// error at send time.
#[tokio::test]
async fn invalid_content_type_override_is_refused_before_sending() {
    let server = server().await; // the catch-all fails the test on any request
    let contract: Contract = serde_json::from_str(CONTRACT).unwrap();
    let upload = FileUpload::attachment("terms.pdf", &b"%PDF"[..]).content_type("not a mime type");
    let err = client(&server)
        .files()
        .upload(&contract, upload)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput(InvalidInput::Invalid { .. })),
        "{err:?}"
    );
}

/// `backoff` and `decide` are public; a NaN unit must not panic.
#[test]
fn backoff_with_nan_unit_does_not_panic() {
    let p = RetryPolicy::default().initial_backoff(Duration::from_millis(100));
    let d = p.backoff(2, f64::NAN);
    assert!(d <= Duration::from_millis(200));
}

/// The builder's `Debug` shows the base URL before it is validated; credentials in it
/// must not be printed.
#[test]
fn builder_debug_hides_credentials_in_the_base_url() {
    let builder = Client::builder()
        .base_url("https://integration:hunter2-pw@api.oneflow.com/v1?api_token=tok-in-query")
        .api_token(TOKEN);
    let shown = format!("{builder:?}");
    assert!(!shown.contains("hunter2-pw"), "{shown}");
    assert!(!shown.contains("tok-in-query"), "{shown}");
    assert!(shown.contains("api.oneflow.com"), "{shown}");
}

/// A blank custom id is refused for a single update (`c::` path segment) and must be
/// refused the same way in a bulk update, before anything is sent.
#[tokio::test]
async fn bulk_data_field_update_refuses_a_blank_custom_id_locally() {
    use oneflow_client::models::draft::DataFieldUpdate;
    let server = server().await; // the catch-all fails the test on any request
    let err = client(&server)
        .contracts()
        .data_fields(ContractId(3012345))
        .update_all(&[DataFieldUpdate::new(" ", "4711")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput(InvalidInput::Missing { .. })),
        "{err:?}"
    );
}

/// Oneflow may send `null` where a list, object or flag is expected (the models promise
/// "`Option` for anything omitted or null"); `null` must decode like an absent field instead
/// of failing the whole contract or page.
#[test]
fn nulls_decode_like_absent_fields() {
    let mut v: serde_json::Value = serde_json::from_str(CONTRACT).unwrap();
    for key in [
        "_permissions",
        "available_options",
        "data_fields",
        "product_groups",
        "tags",
        "_links",
    ] {
        v[key] = serde_json::Value::Null;
    }
    v["parties"][1]["participants"][0]["signatory"] = serde_json::Value::Null;
    v["parties"][1]["participants"][0]["_permissions"] = serde_json::Value::Null;
    v["parties"][1]["my_party"] = serde_json::Value::Null;
    v["parties"][2]["participants"] = serde_json::Value::Null;
    let contract: Contract = serde_json::from_value(v).unwrap();
    assert!(contract.data_fields.is_empty());
    assert!(!contract.available_options.can_receive_attachments);
    assert!(!contract.parties[1].participants[0].signatory);
    assert!(contract.parties[2].participants.is_empty());
    assert!(contract.parties[2].participant.is_some());

    let page = serde_json::json!({"count": null, "data": null, "_links": null});
    let page: oneflow_client::Page<Contract> = serde_json::from_value(page).unwrap();
    assert!(page.data.is_empty());
    let user: User = serde_json::from_value(
        serde_json::json!({"id": 1, "active": null, "is_admin": null, "_links": null}),
    )
    .unwrap();
    assert!(!user.active);
}
