//! Transport rules shared by all endpoints: the acting user, a caller-supplied HTTP client,
//! redirects, and raw calls through the escape hatches.

use crate::common;
use common::*;

use oneflow_client::models::*;
use oneflow_client::{Client, Error, InvalidInput, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn invalid_acting_user_is_refused_locally() {
    let server = server().await;
    let err = client(&server)
        .as_user("evil\r\nx-injected: 1")
        .ping()
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput(InvalidInput::InvalidHeaderValue { .. })
    ));
    let err = client(&server).as_user("").ping().await.unwrap_err();
    assert!(matches!(
        err.invalid_input(),
        Some(InvalidInput::InvalidHeaderValue { .. })
    ));
}

#[tokio::test]
async fn caller_supplied_reqwest_client_is_used() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/ping"))
        .and(wiremock::matchers::header("x-oneflow-api-token", TOKEN))
        .and(wiremock::matchers::header("user-agent", "crm-sync/2.0"))
        .respond_with(json(200, "{}"))
        .expect(1)
        .mount(&server)
        .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(base(&server))
        .api_token(TOKEN)
        .http_client(http)
        .user_agent("crm-sync/2.0")
        .build()
        .unwrap();
    client.ping().await.unwrap();
}

#[tokio::test]
async fn unexpected_redirect_on_an_api_call_is_an_error_not_followed() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "https://elsewhere.example/steal"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .contracts()
        .get(ContractId(3012345))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(302));
}

/// A caller-supplied reqwest client that follows redirects would carry the token to the
/// `Location` host; the client notices the changed final URL and refuses the answer.
#[tokio::test]
async fn a_redirect_following_http_client_is_refused() {
    let server = server().await;
    let other = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/landing", other.uri()).as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/landing"))
        .respond_with(json(200, CONTRACT))
        .expect(1)
        .mount(&other)
        .await;
    let following = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(base(&server))
        .api_token(TOKEN)
        .http_client(following)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client
        .contracts()
        .get(ContractId(3012345))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config(oneflow_client::ConfigError::RedirectingHttpClient)
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("Policy::none()"), "{err}");
    assert!(!err.is_retryable());
}

/// The escape hatches: `send` hands back status, headers and body of a call the crate does
/// not wrap; a non-2xx answer is still a typed error naming the path template.
#[tokio::test]
async fn raw_calls_keep_the_client_rules() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/comments"))
        .and(wiremock::matchers::header("x-oneflow-user-email", EMAIL))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "cmt-1")
                .set_body_raw(r#"{"count": 0, "data": []}"#, "application/json"),
        )
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/tags/12"))
        .respond_with(json(
            404,
            r#"{"error_code": 4040000, "status": 404, "title": "Not Found",
               "detail": "The requested resource does not exist."}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let comments = || {
        oneflow_client::ApiRequest::get(
            "contracts/{id}/comments",
            ["contracts", "3012345", "comments"],
        )
    };
    let raw = client.send(comments()).await.unwrap();
    assert_eq!(raw.status.as_u16(), 200);
    assert_eq!(raw.headers["x-request-id"], "cmt-1");
    assert_eq!(&raw.body[..], br#"{"count": 0, "data": []}"#);
    assert!(format!("{raw:?}").contains("body_len"));
    let decoded: serde_json::Value = client.execute(comments()).await.unwrap();
    assert_eq!(decoded["count"], 0);

    let err = client
        .execute_empty(oneflow_client::ApiRequest::delete(
            "tags/{id}",
            ["tags", "12"],
        ))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.api_error().unwrap().path_template(), "tags/{id}");

    // A dot segment would move the path: refused before anything is sent.
    let err = client
        .execute_empty(oneflow_client::ApiRequest::delete(
            "tags/{id}",
            ["tags", ".."],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
}
