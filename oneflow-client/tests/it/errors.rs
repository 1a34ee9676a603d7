//! Error answers: problem bodies, HTML gateways, empty bodies, conflicts and decode errors
//! that name the JSON path.

use crate::common;
use common::*;

use oneflow_client::models::draft::ContractDraft;
use oneflow_client::models::*;
use oneflow_client::Error;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn problem_body_becomes_a_typed_api_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/1"))
        // Shape of the problem-body example on developer.oneflow.com ("Handling errors").
        .respond_with(json(404, fixture!("problem_404.json")))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .contracts()
        .get(ContractId(1))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert!(!err.is_retryable());
    let api = err.api_error().unwrap();
    assert_eq!(api.error_code(), Some(4_040_000));
    assert!(api.is_generic());
    assert_eq!(api.title(), Some("Not Found"));
    assert_eq!(api.request_id(), Some("Bp1JmXq3RzKdT6eYcZ2lBw=="));
    assert_eq!(
        api.problem_type(),
        Some("https://api.oneflow.com/v1/error_codes/4040000")
    );
    let shown = err.to_string();
    assert!(
        shown.contains("404") && shown.contains("4040000") && shown.contains("Not Found"),
        "{shown}"
    );
    assert!(shown.contains("does not exist"));
    assert!(!shown.contains(TOKEN) && !format!("{err:?}").contains(TOKEN));
}

#[tokio::test]
async fn parameter_problems_are_kept() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/contracts/create"))
        .respond_with(json(400, fixture!("problem_400_parameters.json")))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .contracts()
        .create(&ContractDraft::new(WorkspaceId(1), TemplateId(2)))
        .await
        .unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(api.error_code(), Some(4_000_012));
    assert!(!api.is_generic());
    assert_eq!(
        api.parameter_problems().unwrap()["parties[0].participants[0].email"][0],
        "Not a valid email address."
    );
}

#[tokio::test]
async fn html_502_keeps_status_and_snippet() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/workspaces"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(
            fixture!("bad_gateway.html").as_bytes().to_vec(),
            "text/html",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .workspaces()
        .list()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert!(err.is_retryable());
    let api = err.api_error().unwrap();
    assert_eq!(api.error_code(), None);
    assert!(api
        .body_snippet()
        .contains("<title>502 Bad Gateway</title>"));
    assert!(err.to_string().contains("502"));
}

#[tokio::test]
async fn empty_error_body_is_fine() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/ping"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).ping().await.unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(api.status().as_u16(), 401);
    assert_eq!(api.raw_body(), "");
    assert_eq!(err.to_string(), "Oneflow API error: HTTP 401");
}

#[tokio::test]
async fn decode_errors_name_the_json_path() {
    let server = server().await;
    let broken = CONTRACT.replace("\"id\": 5502", "\"id\": \"not-a-number\"");
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345"))
        .respond_with(json(200, &broken))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .contracts()
        .get(ContractId(3012345))
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            status,
            path,
            snippet,
            ..
        } => {
            assert_eq!(*status, 200);
            assert_eq!(path, "parties[1].id");
            assert!(snippet.starts_with('{'));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn conflicts_are_recognised_and_name_the_path_template() {
    let server = server().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/contracts/3012345"))
        .respond_with(json(
            409,
            r#"{"error_code": 4090000, "status": 409, "title": "Conflict",
               "detail": "The contract is in a state that does not allow this operation",
               "type": "https://api.oneflow.com/v1/error_codes/4090000",
               "request_id": "Vh3qPm0Xc1LbR8sYdT5eNw=="}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .contracts()
        .delete(ContractId(3012345))
        .await
        .unwrap_err();
    assert!(err.is_conflict() && !err.is_not_found());
    let api = err.api_error().expect("an API error");
    assert_eq!(api.path_template(), "contracts/{id}");
    assert!(!format!("{api:?}").contains("3012345"));
}
