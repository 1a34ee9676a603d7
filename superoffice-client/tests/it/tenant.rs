//! Customer ids, environments, the tenant state API and the API base: parsing, status
//! tolerance, the `webapi_url` fallback, the 421 host rules, the cache, and the cache flush.

use crate::fixtures::fixture;
use crate::{auth_support as support, rest_support};
use rest_support::{client, BEARER_1};
use support::*;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use serde_json::json;
use superoffice_client::auth::{AuthorizeOptions, IdTokenValidator, JwtExpectations};
use superoffice_client::tenant::{
    flush_url, flush_url_from_base, ApiBaseResolver, CustomerId, TenantError, TenantLocator,
    TenantState, TenantStatus,
};
use superoffice_client::{AuthError, CustomerIdError, Environment, Error, ManualClock};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const RUNNING: &str = fixture!("auth/tenant_state_running.json");

const MOVED: &str = fixture!("auth/tenant_state_moved.json");

const SUSPENDED: &str = fixture!("auth/tenant_state_suspended.json");

#[test]
fn customer_ids_parse_and_normalise() {
    for (input, expected) in [
        ("Cust12345", "Cust12345"),
        ("cust12345", "Cust12345"),
        ("CUST7", "Cust7"),
        ("  Cust26759\n", "Cust26759"),
    ] {
        let id = CustomerId::parse(input).expect(input);
        assert_eq!(id.as_str(), expected);
        assert_eq!(id.to_string(), expected);
        let via_from_str: CustomerId = input.parse().expect(input);
        assert_eq!(via_from_str, id);
    }
    assert_eq!(cust().number(), "26759");
}

#[test]
fn bad_customer_ids_are_typed_errors() {
    for input in [
        "",
        "Cust",
        "Cust12a",
        "12345",
        "Customer12345",
        "Cust-12345",
        "Cust 12345",
        "Cust１２３",
        "https://online.superoffice.com/login/",
        "Cust1234567890123",
    ] {
        let err = CustomerId::parse(input).expect_err(input);
        assert!(
            matches!(err, CustomerIdError::InvalidCustomerId { .. }),
            "{input}: {err:?}"
        );
        assert!(err.to_string().contains("Cust12345"), "{err}");
    }
}

#[test]
fn customer_ids_come_out_of_superoffice_urls() {
    for url in [
        "https://online.superoffice.com/Cust12345/default.aspx",
        "https://sod2.superoffice.com/Cust12345/api/v1/Sale/4",
        "https://app.superoffice.com/cust12345/api/",
        "https://online2.superoffice.com/Cust12345/CS/scripts/customer.fcgi?action=safeParse",
        "https://sod.superoffice.com/login/Cust12345/oauth/authorize?client_id=x",
    ] {
        let id = CustomerId::from_url(url).expect(url);
        assert_eq!(id.as_str(), "Cust12345", "{url}");
    }
}

#[test]
fn urls_without_a_customer_id_are_typed_errors() {
    let err = CustomerId::from_url("https://online.superoffice.com/login/?token=secret-value")
        .expect_err("no id");
    match &err {
        CustomerIdError::NoCustomerIdInUrl { url } => {
            assert_eq!(url, "https://online.superoffice.com/login/")
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(!err.to_string().contains("secret-value"));
    assert!(matches!(
        CustomerId::from_url("Cust12345"),
        Err(CustomerIdError::InvalidUrl { .. })
    ));
    assert!(matches!(
        CustomerId::from_url("https://online.superoffice.com/Cust12x/default.aspx"),
        Err(CustomerIdError::NoCustomerIdInUrl { .. })
    ));
}

#[test]
fn customer_ids_serialise_as_strings() {
    let json = serde_json::to_string(&cust()).expect("serialise");
    assert_eq!(json, "\"Cust26759\"");
    let back: CustomerId = serde_json::from_str("\"cust26759\"").expect("deserialise");
    assert_eq!(back, cust());
    assert!(serde_json::from_str::<CustomerId>("\"26759\"").is_err());
}

#[test]
fn flush_urls() {
    let url = flush_url("online2.superoffice.com", &cust()).expect("url");
    assert_eq!(
        url.as_str(),
        "https://online2.superoffice.com/Cust26759/default.aspx?flush"
    );
    let from_webapi = flush_url_from_base(
        &url::Url::parse("https://sod2.superoffice.com/Cust26759/api/").expect("url"),
        &cust(),
    );
    assert_eq!(
        from_webapi.as_str(),
        "https://sod2.superoffice.com/Cust26759/default.aspx?flush"
    );
    let sandbox = flush_url_from_base(
        &url::Url::parse("http://127.0.0.1:41234/").expect("url"),
        &cust(),
    );
    assert_eq!(
        sandbox.as_str(),
        "http://127.0.0.1:41234/Cust26759/default.aspx?flush"
    );
    for bad in ["", "online.superoffice.com/Cust1", "user@host", "a b"] {
        assert!(
            matches!(
                flush_url(bad, &cust()),
                Err(TenantError::InvalidHost { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn environments_derive_their_endpoints() {
    let sod = Environment::Sod;
    assert_eq!(sod.issuer(), "https://sod.superoffice.com");
    assert_eq!(
        sod.discovery_url().as_str(),
        "https://sod.superoffice.com/login/.well-known/openid-configuration"
    );
    assert_eq!(
        sod.authorize_url(None).as_str(),
        "https://sod.superoffice.com/login/common/oauth/authorize"
    );
    assert_eq!(
        sod.authorize_url(Some(&cust())).as_str(),
        "https://sod.superoffice.com/login/Cust26759/oauth/authorize"
    );
    assert_eq!(
        sod.token_url().as_str(),
        "https://sod.superoffice.com/login/common/oauth/tokens"
    );
    assert_eq!(
        sod.jwks_url().as_str(),
        "https://sod.superoffice.com/login/.well-known/jwks"
    );
    assert_eq!(
        sod.system_user_url().as_str(),
        "https://sod.superoffice.com/Login/api/PartnerSystemUser/Authenticate"
    );
    assert_eq!(
        sod.tenant_state_url(&cust()).as_str(),
        "https://sod.superoffice.com/api/state/Cust26759"
    );
    assert_eq!(
        Environment::Stage.issuer(),
        "https://qaonline.superoffice.com"
    );
    assert_eq!(
        Environment::Production.issuer(),
        "https://online.superoffice.com"
    );

    let custom = Environment::custom("http://127.0.0.1:41234").expect("custom");
    assert_eq!(custom.issuer(), "http://127.0.0.1:41234");
    assert_eq!(
        custom.token_url().as_str(),
        "http://127.0.0.1:41234/login/common/oauth/tokens"
    );
    let prefixed = Environment::custom("http://127.0.0.1:41234/so").expect("custom");
    assert_eq!(prefixed.issuer(), "http://127.0.0.1:41234/so");
    assert_eq!(
        prefixed.jwks_url().as_str(),
        "http://127.0.0.1:41234/so/login/.well-known/jwks"
    );

    assert_eq!("sod".parse::<Environment>().expect("sod"), Environment::Sod);
    assert_eq!(
        "qaonline".parse::<Environment>().expect("stage"),
        Environment::Stage
    );
    assert_eq!(
        "Stage".parse::<Environment>().expect("stage"),
        Environment::Stage
    );
    assert_eq!(
        "online".parse::<Environment>().expect("prod"),
        Environment::Production
    );
    assert_eq!(
        "http://127.0.0.1:41234/"
            .parse::<Environment>()
            .expect("custom"),
        custom
    );
    for bad in [
        "moon",
        "ftp://x.example",
        "https://x.example/?a=1",
        "https://user:pw@x.example",
    ] {
        assert!(
            matches!(
                bad.parse::<Environment>(),
                Err(AuthError::InvalidEnvironment { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn tenant_state_decodes_including_unknown_values() {
    let status: TenantStatus = serde_json::from_str(RUNNING).expect("decodes");
    assert_eq!(status.context_identifier, cust());
    assert_eq!(status.state, TenantState::Running);
    assert!(status.is_running && status.is_usable());
    assert_eq!(
        status.valid_until,
        Utc.with_ymd_and_hms(2026, 11, 28, 20, 0, 0).single()
    );
    assert_eq!(
        status.endpoint.as_ref().map(|u| u.as_str()),
        Some("https://sod2.superoffice.com/Cust26759")
    );
    assert_eq!(status.version.as_deref(), Some("10.5.2.1234"));
    assert_eq!(
        status.api_base().map(|u| u.to_string()),
        Some("https://sod2.superoffice.com/Cust26759/api/".to_owned())
    );

    let moved: TenantStatus = serde_json::from_str(MOVED).expect("decodes");
    assert_eq!(moved.state, TenantState::OnlineMaintenance);
    assert!(moved.is_usable());
    // A ValidUntil without offset is taken as UTC.
    assert_eq!(
        moved.valid_until,
        Utc.with_ymd_and_hms(2026, 11, 28, 21, 0, 0).single()
    );

    let suspended: TenantStatus = serde_json::from_str(SUSPENDED).expect("decodes");
    assert_eq!(suspended.state, TenantState::Suspended);
    assert!(!suspended.is_usable());
    assert_eq!(suspended.api_base(), None);

    let mut raw: serde_json::Value = serde_json::from_str(RUNNING).expect("json");
    raw["State"] = "Hibernating".into();
    let unseen: TenantStatus = serde_json::from_value(raw.clone()).expect("decodes");
    assert_eq!(unseen.state, TenantState::Other("Hibernating".to_owned()));
    assert!(unseen.state.is_other() && !TenantState::Running.is_other());
    assert!(!unseen.is_usable());
    raw["State"] = 2.into();
    let numeric: TenantStatus = serde_json::from_value(raw.clone()).expect("decodes");
    assert_eq!(numeric.state, TenantState::Running);
    raw["State"] = 12.into();
    let numeric: TenantStatus = serde_json::from_value(raw).expect("decodes");
    assert_eq!(numeric.state, TenantState::MigrationPending);
    for (state, name) in [
        (TenantState::Unknown, "Unknown"),
        (TenantState::Provisioning, "Provisioning"),
        (TenantState::Deleted, "Deleted"),
        (TenantState::OfflineMaintenance, "OfflineMaintenance"),
        (TenantState::ProvisioningFailed, "ProvisioningFailed"),
        (TenantState::Deleting, "Deleting"),
        (TenantState::DeleteFailed, "DeleteFailed"),
    ] {
        assert_eq!(state.as_str(), name);
        let decoded: TenantState = serde_json::from_value(name.into()).expect("decodes");
        assert_eq!(decoded, state);
    }
}

/// Another port on the mock server's host: a second data host of the custom environment.
const MOVED_HOST: &str = "http://127.0.0.1:9";

/// A tenant-state fixture whose SuperOffice hosts are replaced by the mock server: a custom
/// environment accepts API bases on its own host only.
fn on_mock(fixture: &str, server: &MockServer) -> String {
    fixture
        .replace("https://sod2.superoffice.com", &server.uri())
        .replace("https://disasterrecovery.superoffice.com", &server.uri())
}

fn locator(server: &MockServer, clock: Arc<ManualClock>) -> TenantLocator {
    TenantLocator::new(
        Environment::custom(server.uri()).expect("env"),
        reqwest::Client::new(),
    )
    .with_clock(clock)
}

#[tokio::test]
async fn api_base_is_cached_until_valid_until() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .and(header("accept", "application/json"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(on_mock(RUNNING, &server), "application/json"),
        )
        .expect(2)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 28, 19, 0, 0)
            .single()
            .expect("time"),
    ));
    let locator = locator(&server, clock.clone());

    let first = locator.api_base(&cust()).await.expect("resolved");
    assert_eq!(first.as_str(), format!("{}/Cust26759/api/", server.uri()));
    // Before ValidUntil (20:00): from the cache, no request.
    clock.advance(chrono::Duration::minutes(59));
    assert_eq!(locator.api_base(&cust()).await.expect("cached"), first);
    // After ValidUntil: asked again (second and last expected request).
    clock.advance(chrono::Duration::minutes(2));
    assert_eq!(locator.api_base(&cust()).await.expect("fresh"), first);
}

#[tokio::test]
async fn resolve_api_base_ignores_the_cache() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(on_mock(RUNNING, &server), "application/json"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .respond_with(
            ResponseTemplate::new(200)
                // Moved to another data host of the same (loopback) environment.
                .set_body_raw(
                    MOVED.replace("https://disasterrecovery.superoffice.com", MOVED_HOST),
                    "application/json",
                ),
        )
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 28, 19, 0, 0)
            .single()
            .expect("time"),
    ));
    let locator = locator(&server, clock);
    let cached = locator.api_base(&cust()).await.expect("resolved");
    assert_eq!(cached.as_str(), format!("{}/Cust26759/api/", server.uri()));

    // After a 421 the REST client asks again through the trait object.
    let resolver: Arc<dyn ApiBaseResolver> = Arc::new(locator.clone());
    let moved = resolver
        .resolve_api_base(&cust())
        .await
        .expect("re-resolved");
    assert_eq!(moved.as_str(), format!("{MOVED_HOST}/Cust26759/api/"));
    // The fresh answer replaced the cache.
    assert_eq!(locator.api_base(&cust()).await.expect("cached"), moved);
}

#[tokio::test]
async fn an_unusable_tenant_is_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(SUSPENDED, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let locator = locator(&server, Arc::new(ManualClock::new(Utc::now())));
    let err = tenant_err(locator.api_base(&cust()).await.expect_err("suspended"));
    assert_eq!(
        err,
        TenantError::NotAvailable {
            customer: cust(),
            state: TenantState::Suspended
        }
    );
}

#[tokio::test]
async fn state_api_failures_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .respond_with(ResponseTemplate::new(404).set_body_raw("Not found", "text/plain"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/state/Cust1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"ContextIdentifier":"Cust1","State":"Running","ValidUntil":"soon"}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let locator = locator(&server, Arc::new(ManualClock::new(Utc::now())));
    match tenant_err(locator.status(&cust()).await.expect_err("404")) {
        TenantError::StateLookupFailed {
            status,
            body_snippet,
            ..
        } => {
            assert_eq!(status, 404);
            assert_eq!(body_snippet, "Not found");
        }
        other => panic!("unexpected {other:?}"),
    }
    let other = CustomerId::parse("Cust1").expect("id");
    match tenant_err(locator.status(&other).await.expect_err("bad date")) {
        TenantError::InvalidStateResponse { reason, .. } => {
            assert!(reason.contains("ValidUntil"), "{reason}")
        }
        other => panic!("unexpected {other:?}"),
    }
}

// ---------------------------------------------------------------- item 12: tenant status

/// A deleted or suspended tenant may come back with empty `Endpoint`/`Api`: a typed state,
/// not a decode error.
#[tokio::test]
async fn tenant_status_with_empty_endpoint_and_api_is_a_typed_state() {
    let body = r#"{"ContextIdentifier":"Cust26759","Endpoint":"","State":"Deleted","IsRunning":false,"ValidUntil":"2026-11-28T19:10:00Z","Api":"","Version":""}"#;
    let status: TenantStatus = serde_json::from_str(body).expect("empty URLs decode");
    assert_eq!(status.state, TenantState::Deleted);
    assert_eq!(status.endpoint, None);
    assert_eq!(status.api, None);
    assert_eq!(status.api_base(), None);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let locator = TenantLocator::new(environment(&server), reqwest::Client::new());
    let err = tenant_err(locator.api_base(&cust()).await.expect_err("deleted"));
    assert_eq!(
        err,
        TenantError::NotAvailable {
            customer: cust(),
            state: TenantState::Deleted
        }
    );
}

/// Without a `webapi_url` claim, `OidcClient::api_base` asks the tenant state API.
#[tokio::test]
async fn a_missing_webapi_url_falls_back_to_the_tenant_state_api() {
    let server = MockServer::start().await;
    let oidc = oidc(&server, clock());
    let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
    let mut claims = id_token_claims(&server, &secrets(&request.pending).1);
    claims
        .as_object_mut()
        .expect("object")
        .remove("http://schemes.superoffice.net/identity/webapi_url");
    let id_token = sign(&claims, KID_A, PROVIDER_KEY_A);
    mount_jwks(&server, JWKS, 1).await;
    Mock::given(method("POST"))
        .and(path("/login/common/oauth/tokens"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(with_id_token(TOKEN_RESPONSE, &id_token)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let state = json!({
        "ContextIdentifier": "Cust26759",
        "Endpoint": format!("{}/Cust26759", server.uri()),
        "State": "Running",
        "IsRunning": true,
        "ValidUntil": "2026-11-28T20:00:00Z",
        "Api": format!("{}/Cust26759/api", server.uri()),
    });
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .respond_with(ResponseTemplate::new(200).set_body_json(state))
        .expect(1)
        .mount(&server)
        .await;
    let session = oidc
        .exchange_code(&request.pending, request.pending.state(), "code-1")
        .await
        .expect("signed in");
    assert_eq!(session.api_base(), None);
    let base = oidc.api_base(&session).await.expect("from the state API");
    assert_eq!(base.as_str(), format!("{}/Cust26759/api/", server.uri()));
}

// ---------------------------------------------------------------- https only

#[test]
fn custom_environments_need_https_except_on_loopback() {
    for bad in [
        "http://sandbox.example.com",
        "http://10.0.0.5:8080",
        "http://sod.superoffice.com",
    ] {
        assert!(
            matches!(
                Environment::custom(bad),
                Err(AuthError::InvalidEnvironment { .. })
            ),
            "{bad}"
        );
    }
    for good in [
        "https://sandbox.example.com",
        "http://127.0.0.1:41234",
        "http://localhost:8080",
        "http://[::1]:9000",
    ] {
        Environment::custom(good).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
}

#[test]
fn the_environment_owns_only_its_own_domain() {
    let sod = Environment::Sod;
    let ok = |u: &str| sod.owns_host(&url::Url::parse(u).expect("url"));
    assert!(ok("https://sod2.superoffice.com/Cust1/api/"));
    assert!(ok("https://app.superoffice.com/Cust1/api/"));
    assert!(!ok("http://sod2.superoffice.com/Cust1/api/"));
    assert!(!ok("https://superoffice.com.evil.example/Cust1/api/"));
    assert!(!ok("https://evilsuperoffice.com/Cust1/api/"));
    assert!(!ok("https://sod2.superoffice.com:8443/Cust1/api/"));
    let custom = Environment::custom("http://127.0.0.1:4000").expect("env");
    let own = |u: &str| custom.owns_host(&url::Url::parse(u).expect("url"));
    assert!(own("http://127.0.0.1:4001/Cust1/api/"));
    assert!(!own("http://localhost:4001/Cust1/api/"));
    assert!(!own("https://sod2.superoffice.com/Cust1/api/"));
}

// ---------------------------------------------------------------- 421: new base checks

#[tokio::test]
async fn after_421_a_new_base_must_be_on_the_environment_name_the_tenant_and_match_the_context() {
    let cases = [
        (
            "https://sod2.evil.example/Cust26759/api",
            "Cust26759",
            "the host is not on the environment's own domain",
        ),
        (
            "{server}/Cust99999/api",
            "Cust26759",
            "the tenant's customer id is not in the path",
        ),
        (
            "{server}/Cust26759/api",
            "Cust99999",
            "the answer is about another ContextIdentifier",
        ),
    ];
    for (api, context, expected) in cases {
        let server = MockServer::start().await;
        let api = api.replace("{server}", &server.uri());
        Mock::given(method("GET"))
            .and(path("/api/state/Cust26759"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "ContextIdentifier": context,
                "Endpoint": api.trim_end_matches("/api"),
                "State": "Running",
                "IsRunning": true,
                "Api": api,
            })))
            .mount(&server)
            .await;
        let locator = TenantLocator::new(environment(&server), reqwest::Client::new());
        let resolver: Arc<dyn ApiBaseResolver> = Arc::new(locator.clone());
        match tenant_err(
            resolver
                .resolve_api_base(&cust())
                .await
                .expect_err("refused"),
        ) {
            TenantError::UntrustedApiBase { customer, reason } => {
                assert_eq!(customer, cust());
                assert_eq!(reason, expected);
            }
            other => panic!("{api}: unexpected {other:?}"),
        }
        // Nor is it handed out from the cache.
        assert!(locator.api_base(&cust()).await.is_err());
    }
}

// ---------------------------------------------------------------- size caps

#[tokio::test]
async fn jwks_and_tenant_state_bodies_are_capped() {
    let server = MockServer::start().await;
    let huge = format!(r#"{{"keys":[],"padding":"{}"}}"#, "x".repeat(300 * 1024));
    Mock::given(method("GET"))
        .and(path("/login/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(huge, "application/json"))
        .mount(&server)
        .await;
    let validator =
        IdTokenValidator::new(&environment(&server), reqwest::Client::new()).with_clock(clock());
    let expect = JwtExpectations::new(issuer(&server), Some(CLIENT_ID.to_owned()));
    let token = sign(&id_token_claims(&server, "n"), KID_A, PROVIDER_KEY_A);
    match auth_err(
        validator
            .validate(&token, &expect)
            .await
            .expect_err("too big"),
    ) {
        AuthError::Jwks { reason, .. } => assert!(reason.contains("larger than"), "{reason}"),
        other => panic!("unexpected {other:?}"),
    }

    let big_state = format!(
        r#"{{"ContextIdentifier":"Cust26759","State":"Running","Version":"{}"}}"#,
        "9".repeat(100 * 1024)
    );
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big_state, "application/json"))
        .mount(&server)
        .await;
    let locator = TenantLocator::new(environment(&server), reqwest::Client::new());
    let err = tenant_err(locator.status(&cust()).await.expect_err("too big"));
    assert!(
        matches!(err, TenantError::StateResponseTooLarge { .. }),
        "{err:?}"
    );
}

/// `status` of a tenant in offline maintenance must not leave its base in the cache, where
/// `api_base` would hand it out instead of reporting the tenant as not available.
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test]
async fn status_of_an_unusable_tenant_does_not_feed_the_api_base_cache() {
    use superoffice_client::tenant::{TenantError, TenantLocator};
    use superoffice_client::CustomerId;
    use superoffice_client::Environment;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/state/Cust26759"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ContextIdentifier": "Cust26759",
            "Endpoint": "https://sod2.superoffice.com/Cust26759",
            "State": "OfflineMaintenance",
            "IsRunning": false,
            "ValidUntil": "2026-11-28T20:00:00Z",
            "Api": "https://sod2.superoffice.com/Cust26759/api",
            "Version": "10.5.2.1234"
        })))
        .expect(2)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 28, 19, 0, 0).unwrap(),
    ));
    let locator = TenantLocator::new(
        Environment::custom(server.uri()).expect("env"),
        reqwest::Client::new(),
    )
    .with_clock(clock);
    let customer = CustomerId::parse("Cust26759").expect("id");
    let status = locator.status(&customer).await.expect("status");
    assert!(!status.is_usable());
    let err = locator
        .api_base(&customer)
        .await
        .expect_err("not available");
    assert!(
        matches!(
            err,
            Error::Auth(AuthError::Tenant(TenantError::NotAvailable { .. }))
        ),
        "{err:?}"
    );
}

// ---- item 14: the cache flush ------------------------------------------------------------

#[tokio::test]
async fn flush_caches_gets_default_aspx_on_the_tenant_host() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Cust12345/default.aspx"))
        .and(header("authorization", BEARER_1))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>flushed</html>", "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    client.flush_caches().await.unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received[0].url.query(), Some("flush"));
}

#[tokio::test]
async fn flush_caches_reports_a_refusal() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Cust12345/default.aspx"))
        .respond_with(ResponseTemplate::new(403).set_body_raw("<html>403</html>", "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let err = client.flush_caches().await.unwrap_err();
    assert_eq!(err.api_error().map(|e| e.status().as_u16()), Some(403));
}
