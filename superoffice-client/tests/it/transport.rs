//! Errors, 401 refresh, 421 re-resolution, retries and rate limiting of the REST client, and
//! request paths that must stay inside the API base.

use crate::fixtures::fixture;
use crate::rest_support;
use rest_support::{
    api_base, client, CountingTokens, FixedResolver, API, BEARER_1, BEARER_2, SALE,
};

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use superoffice_client::credentials::StaticToken;
use superoffice_client::models::{SaleId, Webhook, WebhookSecret};
use superoffice_client::{
    ApiRequest, Client, ConfigError, Credential, Error, RateLimit, RetryPolicy,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NOT_FOUND: &str = fixture!("rest/error_not_found.json");

const BAD_GATEWAY: &str = fixture!("rest/bad_gateway.html");

fn sale_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(SALE.as_bytes().to_vec(), "application/json")
}

fn sale_path() -> String {
    format!("{API}/v1/Sale/42")
}

#[tokio::test]
async fn unauthorized_refreshes_once_and_retries_with_the_new_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .and(header("Authorization", BEARER_1))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .and(header("Authorization", BEARER_2))
        .respond_with(sale_ok())
        .expect(2)
        .mount(&server)
        .await;
    let (client, tokens) = client(&server);
    let sale = client.sales().get(SaleId(42)).await.unwrap();
    assert_eq!(sale.sale_id, SaleId(42));
    assert_eq!(tokens.refreshes(), 1);
    // Later calls use the refreshed credential straight away.
    client.sales().get(SaleId(42)).await.unwrap();
    assert_eq!(tokens.refreshes(), 1);
}

#[tokio::test]
async fn second_unauthorized_is_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            r#"{"Error":true,"ErrorType":"SoAuthenticationException","ErrorMessage":"Invalid token","ErrorSource":"WebApi"}"#,
            "application/json",
        ))
        .expect(2)
        .mount(&server)
        .await;
    let (client, tokens) = client(&server);
    let err = client.sales().get(SaleId(42)).await.unwrap_err();
    match &err {
        Error::Unauthorized(api) => assert_eq!(api.error_type(), Some("SoAuthenticationException")),
        other => panic!("{other:?}"),
    }
    assert_eq!(tokens.refreshes(), 1);
    assert!(
        !err.to_string().contains("token-"),
        "no token in the message: {err}"
    );
}

#[tokio::test]
async fn static_token_401_surfaces_the_auth_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_base(api_base(&server))
        .token_provider(Arc::new(StaticToken::new(Credential::bearer(
            "static-secret",
        ))))
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap();
    let err = client.sales().get(SaleId(42)).await.unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
}

#[tokio::test]
async fn misdirected_request_re_resolves_the_base_once_and_keeps_it() {
    let old = MockServer::start().await;
    let new = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .respond_with(
            ResponseTemplate::new(421).set_body_string("Wrong subdomain used to access tenant"),
        )
        .expect(1)
        .mount(&old)
        .await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .and(header("Authorization", BEARER_1))
        .respond_with(sale_ok())
        .expect(2)
        .mount(&new)
        .await;
    let resolver = FixedResolver::new(api_base(&new));
    let client = Client::builder()
        .api_base(api_base(&old))
        .token_provider(CountingTokens::new())
        .api_base_resolver(resolver.clone())
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap();
    client.sales().get(SaleId(42)).await.unwrap();
    assert_eq!(resolver.calls(), 1);
    assert_eq!(client.api_base(), api_base(&new));
    // A clone shares the new base; no second resolution.
    client.clone().sales().get(SaleId(42)).await.unwrap();
    assert_eq!(resolver.calls(), 1);
}

#[tokio::test]
async fn second_misdirected_request_is_a_typed_error() {
    let old = MockServer::start().await;
    let also_wrong = MockServer::start().await;
    for server in [&old, &also_wrong] {
        Mock::given(method("GET"))
            .and(path(sale_path()))
            .respond_with(ResponseTemplate::new(421))
            .expect(1)
            .mount(server)
            .await;
    }
    let resolver = FixedResolver::new(api_base(&also_wrong));
    let client = Client::builder()
        .api_base(api_base(&old))
        .token_provider(CountingTokens::new())
        .api_base_resolver(resolver.clone())
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap();
    let err = client.sales().get(SaleId(42)).await.unwrap_err();
    assert!(matches!(err, Error::MisdirectedRequest(_)), "{err:?}");
    assert_eq!(resolver.calls(), 1);
}

#[tokio::test]
async fn misdirected_request_without_resolver_is_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .respond_with(ResponseTemplate::new(421))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let err = client.sales().get(SaleId(42)).await.unwrap_err();
    assert!(matches!(err, Error::MisdirectedRequest(_)));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(421));
}

#[tokio::test(start_paused = true)]
async fn rate_limited_get_waits_for_retry_after_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .respond_with(sale_ok())
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_base(api_base(&server))
        .token_provider(CountingTokens::new())
        .http_client(rest_support::timerless_http())
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    client.sales().get(SaleId(42)).await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(6),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn retries_give_up_after_the_attempt_cap() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_base(api_base(&server))
        .token_provider(CountingTokens::new())
        .http_client(rest_support::timerless_http())
        .retry_policy(RetryPolicy::default().max_attempts(3))
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap();
    let err = client.sales().get(SaleId(42)).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn post_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/v1/Webhook")))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let hook = Webhook::new(
        "hook",
        "https://contracts.example.com/hooks",
        ["sale.changed"],
        WebhookSecret::new("s"),
    );
    let err = client.webhooks().create(&hook).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
}

/// Idempotency is a property of the request, not of its method: a POST marked idempotent is
/// sent again after a 503, and an unmarked one is not.
#[tokio::test]
async fn a_post_marked_idempotent_is_retried() {
    let server = MockServer::start().await;
    let agent = format!("{API}/v1/Agents/List/GetAppWebPanels");
    Mock::given(method("POST"))
        .and(path(agent.as_str()))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(agent.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let request = || {
        ApiRequest::post(
            "v1/Agents/List/GetAppWebPanels",
            ["v1", "Agents", "List", "GetAppWebPanels"],
        )
    };
    assert!(!request().is_idempotent());
    let panels: Vec<serde_json::Value> = client.execute(request().idempotent(true)).await.unwrap();
    assert!(panels.is_empty());
}

/// NetServer reports its exceptions as 500 with an error document; repeating the request
/// would repeat the exception, so a 500 is returned after one attempt, also for a GET.
#[tokio::test]
async fn a_server_exception_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .respond_with(ResponseTemplate::new(500).set_body_raw(
            r#"{"Error":true,"ErrorType":"SoServerException","ErrorMessage":"Object reference not set to an instance of an object.","ErrorSource":"SuperOffice.Services"}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let err = client.sales().get(SaleId(42)).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(!err.is_retryable());
    assert_eq!(
        err.api_error().and_then(|e| e.error_type()),
        Some("SoServerException")
    );
}

#[tokio::test]
async fn html_bad_gateway_keeps_status_and_snippet() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .respond_with(
            ResponseTemplate::new(502).set_body_raw(BAD_GATEWAY.as_bytes().to_vec(), "text/html"),
        )
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let client_no_retry = {
        let _ = client;
        Client::builder()
            .api_base(api_base(&server))
            .token_provider(CountingTokens::new())
            .retry_policy(RetryPolicy::never())
            .rate_limit(RateLimit::unlimited())
            .build()
            .unwrap()
    };
    let err = client_no_retry.sales().get(SaleId(42)).await.unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(api.status().as_u16(), 502);
    assert_eq!(api.error_type(), None);
    assert!(api.body_snippet().contains("502 Bad Gateway"));
    assert!(api.raw_body().contains("nginx"));
    assert!(err.to_string().contains("502"));
}

#[tokio::test]
async fn not_found_error_body_is_decoded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale/999")))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_raw(NOT_FOUND.as_bytes().to_vec(), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let err = client.sales().get(SaleId(999)).await.unwrap_err();
    match err {
        Error::NotFound(api) => {
            assert_eq!(api.error_type(), Some("SoNotFoundException"));
            assert_eq!(api.message(), Some("Sale id 999 not found"));
            assert_eq!(
                api.error_source(),
                Some("SuperOffice.Services.Implementation")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn precondition_failed_is_typed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .respond_with(ResponseTemplate::new(412))
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let err = client.sales().get(SaleId(42)).await.unwrap_err();
    assert!(matches!(err, Error::PreconditionFailed(_)));
}

#[tokio::test]
async fn decode_errors_name_the_json_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"SaleId":42,"Status":"Open","Probability":"fifty"}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let err = client.sales().get(SaleId(42)).await.unwrap_err();
    match err {
        Error::Decode {
            path,
            snippet,
            endpoint,
            ..
        } => {
            assert!(path.contains("Probability"), "{path}");
            assert!(snippet.contains("fifty"));
            assert_eq!(endpoint, "v1/Sale/{id}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn client_side_rate_limit_spaces_requests() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .respond_with(sale_ok())
        .expect(12)
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_base(api_base(&server))
        .token_provider(CountingTokens::new())
        .http_client(rest_support::timerless_http())
        .build() // default: 10 requests per second
        .unwrap();
    let start = tokio::time::Instant::now();
    for _ in 0..10 {
        client.sales().get(SaleId(42)).await.unwrap();
    }
    assert!(start.elapsed() < Duration::from_millis(100));
    client.sales().get(SaleId(42)).await.unwrap();
    client.clone().sales().get(SaleId(42)).await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(200),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn secrets_are_absent_from_debug_output() {
    let server = MockServer::start().await;
    let client = Client::builder()
        .api_base(api_base(&server))
        .token_provider(Arc::new(StaticToken::new(Credential::bearer(
            "top-secret-token",
        ))))
        .build()
        .unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains("top-secret-token"), "{debug}");
    let hook = Webhook::new(
        "h",
        "https://x.example/h",
        ["sale.changed"],
        WebhookSecret::new("hook-secret-42"),
    );
    let debug = format!("{hook:?}");
    assert!(!debug.contains("hook-secret-42"), "{debug}");
    assert!(serde_json::to_string(&hook)
        .unwrap()
        .contains("hook-secret-42"));
}

#[tokio::test]
async fn builder_requires_base_and_tokens() {
    let missing = Client::builder().build().unwrap_err();
    assert!(
        matches!(missing, ConfigError::MissingApiBase),
        "{missing:?}"
    );
    assert!(missing.to_string().contains("webapi_url"), "{missing}");
    let no_tokens = Client::builder()
        .api_base("https://sod2.superoffice.com/Cust12345/api/")
        .build();
    assert!(matches!(no_tokens, Err(ConfigError::MissingTokenProvider)));
    let resolver = FixedResolver::new("https://x.example/api/".parse().unwrap());
    let no_customer = Client::builder()
        .api_base("https://x.example/api/")
        .token_provider(CountingTokens::new())
        .api_base_resolver(resolver)
        .build();
    assert!(matches!(
        no_customer,
        Err(ConfigError::ResolverNeedsCustomerId)
    ));
}

#[tokio::test]
async fn builder_settings_are_checked_with_typed_errors() {
    let base = |url: &str| {
        Client::builder()
            .api_base(url)
            .token_provider(CountingTokens::new())
            .build()
    };
    for url in [
        "http://sod2.superoffice.com/Cust12345/api/",
        "ftp://sod2.superoffice.com/Cust12345/api/",
        "sod2.superoffice.com/Cust12345/api/",
        "https://admin:hunter2@sod2.superoffice.com/Cust12345/api/",
        "https://sod2.superoffice.com/Cust12345/api/?lang=en",
    ] {
        let err = base(url).unwrap_err();
        assert!(
            matches!(err, ConfigError::InvalidBaseUrl { .. }),
            "{url}: {err:?}"
        );
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
    // Text and `Url` both work.
    let parsed: url::Url = "https://sod2.superoffice.com/Cust12345/api"
        .parse()
        .unwrap();
    let client = Client::builder()
        .api_base(parsed)
        .token_provider(CountingTokens::new())
        .build()
        .unwrap();
    assert_eq!(
        client.api_base().as_str(),
        "https://sod2.superoffice.com/Cust12345/api/"
    );
    assert!(base("http://127.0.0.1:9/Cust12345/api/").is_ok());
    let err = Client::builder()
        .api_base("https://sod2.superoffice.com/Cust12345/api/")
        .token_provider(CountingTokens::new())
        .time_zone("UTC\r\nX-Injected: 1")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::InvalidHeaderValue {
                setting: "time_zone"
            }
        ),
        "{err:?}"
    );
    // Inside `Error`, through `?`.
    let as_error: Error = err.into();
    assert!(matches!(
        as_error,
        Error::Config(ConfigError::InvalidHeaderValue { .. })
    ));
}

#[tokio::test]
async fn a_redirect_following_http_client_is_refused() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("Location", format!("{}/collect", elsewhere.uri()).as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/collect"))
        .respond_with(sale_ok())
        .expect(1)
        .mount(&elsewhere)
        .await;
    let following = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .unwrap();
    let redirecting = Client::builder()
        .api_base(api_base(&server))
        .token_provider(CountingTokens::new())
        .http_client(following)
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap();
    let err = redirecting.sales().get(SaleId(42)).await.unwrap_err();
    assert!(
        matches!(err, Error::Config(ConfigError::RedirectingHttpClient)),
        "{err:?}"
    );
    assert!(err.to_string().contains("redirect"), "{err}");
    // The built-in client does not follow: the 302 itself is the answer.
    let (builtin, _) = client(&server);
    let err = builtin.sales().get(SaleId(42)).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(302));
}

#[tokio::test]
async fn user_agent_and_timeout_apply_to_a_caller_supplied_client() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .and(header("User-Agent", "integration/1.0"))
        .respond_with(sale_ok())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale/43")))
        .respond_with(sale_ok().set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_base(api_base(&server))
        .token_provider(CountingTokens::new())
        .http_client(reqwest::Client::new())
        .user_agent("integration/1.0")
        .timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::never())
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap();
    client.sales().get(SaleId(42)).await.unwrap();
    let err = client.sales().get(SaleId(43)).await.unwrap_err();
    assert!(
        matches!(err, Error::Transport(ref e) if e.is_timeout()),
        "{err:?}"
    );
}

#[tokio::test]
async fn system_user_credentials_send_ticket_and_app_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(sale_path()))
        .and(header("Authorization", "SOTicket 7T:ticket-abc"))
        .and(header("SO-AppToken", "client-secret-xyz"))
        .respond_with(sale_ok())
        .expect(1)
        .mount(&server)
        .await;
    let credential = Credential::SystemUser {
        ticket: "7T:ticket-abc".to_owned().into(),
        app_token: "client-secret-xyz".to_owned().into(),
    };
    let client = Client::builder()
        .api_base(api_base(&server))
        .token_provider(Arc::new(StaticToken::new(credential)))
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap();
    client.sales().get(SaleId(42)).await.unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains("ticket-abc") && !debug.contains("client-secret-xyz"));
}

/// A request whose segments would climb out of the API base (`..`, or an empty first segment)
/// is refused locally.
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test]
async fn request_paths_cannot_leave_the_api_base() {
    let server = MockServer::start().await;
    let base = api_base(&server);
    let climbing = ApiRequest::get(
        "v1/List/{name}/Items",
        ["v1", "List", "..", "..", "..", "x"],
    );
    assert!(matches!(climbing.url(&base), Err(Error::InvalidInput(_))));
    let absolute = ApiRequest::get("v1/{x}", ["", "Cust99999", "api", "v1", "Sale"]);
    assert!(matches!(absolute.url(&base), Err(Error::InvalidInput(_))));
    let fine = ApiRequest::get("v1/Sale/{id}", ["v1", "Sale", "42"]);
    assert_eq!(
        fine.url(&base).expect("inside").path(),
        format!("{API}/v1/Sale/42")
    );

    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(0)
        .mount(&server)
        .await;
    let (client, _tokens) = client(&server);
    let err = client
        .execute::<serde_json::Value>(absolute)
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
}

/// A PATCH that meets 421 (re-resolve) and then 401 (refresh) is sent three times in all, each
/// time with the same JSON Patch body, and never more (no loop between the two recoveries).
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test]
async fn misdirected_then_unauthorized_patch_resends_the_same_body_once_each() {
    use rest_support::{CountingTokens, FixedResolver, BEARER_1, BEARER_2};
    use superoffice_client::models::{JsonPatch, SaleId, SaleStatus};
    use superoffice_client::Client;
    use superoffice_client::RateLimit;
    use wiremock::matchers::{body_string, header};

    let body = r#"[{"op":"test","path":"Status","value":"Open"},{"op":"replace","path":"Status","value":"Sold"}]"#;
    let sale = fixture!("rest/sale_sold.json");
    let old = MockServer::start().await;
    let new = MockServer::start().await;
    let sale_path = format!("{API}/v1/Sale/42");
    Mock::given(method("PATCH"))
        .and(path(sale_path.as_str()))
        .and(body_string(body))
        .respond_with(ResponseTemplate::new(421))
        .expect(1)
        .mount(&old)
        .await;
    Mock::given(method("PATCH"))
        .and(path(sale_path.as_str()))
        .and(header("Authorization", BEARER_1))
        .and(body_string(body))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&new)
        .await;
    Mock::given(method("PATCH"))
        .and(path(sale_path.as_str()))
        .and(header("Authorization", BEARER_2))
        .and(header("Content-Type", "application/json"))
        .and(body_string(body))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(sale.as_bytes().to_vec(), "application/json"),
        )
        .expect(1)
        .mount(&new)
        .await;
    let tokens = CountingTokens::new();
    let resolver = FixedResolver::new(api_base(&new));
    let client = Client::builder()
        .api_base(api_base(&old))
        .token_provider(tokens.clone())
        .api_base_resolver(resolver.clone())
        .rate_limit(RateLimit::unlimited())
        .build()
        .expect("client");
    let patch = JsonPatch::new()
        .test("Status", SaleStatus::Open)
        .replace("Status", SaleStatus::Sold);
    let updated = client
        .sales()
        .patch(SaleId(42), &patch)
        .await
        .expect("patched");
    assert_eq!(updated.status, Some(SaleStatus::Sold));
    assert_eq!(resolver.calls(), 1);
    assert_eq!(tokens.refreshes(), 1);
}
