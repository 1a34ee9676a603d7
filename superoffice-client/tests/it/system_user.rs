//! The system user: signing vector, key formats, the authenticate call, ticket caching and
//! re-issue on 401.

use crate::auth_support as support;
use crate::fixtures::fixture;

use std::sync::Arc;

use base64::Engine as _;
use chrono::{Duration, TimeZone, Utc};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use sha2::Sha256;
use superoffice_client::auth::{
    sign_system_token, system_token_data, SystemUserConfig, SystemUserKey, SystemUserTokenProvider,
};
use superoffice_client::tenant::CustomerId;
use superoffice_client::{AuthError, Clock, Environment, ManualClock};
use superoffice_client::{Credential, Error, TokenProvider};
use support::*;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const APP_KEY_PKCS8: &str = fixture!("auth/app_key.pkcs8.pem");
const APP_KEY_PKCS1: &str = fixture!("auth/app_key.pkcs1.pem");
const APP_KEY_XML: &str = fixture!("auth/app_key.xml");
const SYSTEM_USER_CLAIMS: &str = fixture!("auth/system_user_claims.json");
const SUCCESS: &str = fixture!("auth/system_user_success.json");
const REJECTED: &str = fixture!("auth/system_user_rejected.json");

const SYSTEM_TOKEN: &str = "SuperOffice DevNet Node OIDC-8k8Q7DmBgo";
const SERIAL: &str = "1203786442";

/// Computed independently (Python `cryptography`, PKCS#1 v1.5 / SHA-256) over
/// `"SuperOffice DevNet Node OIDC-8k8Q7DmBgo.202611280905"` with `app_key.pkcs8.pem`.
const EXPECTED_SIGNED: &str = "SuperOffice DevNet Node OIDC-8k8Q7DmBgo.202611280905.u0ls4+eHzWgPHYkI0e6eM9zLrWBtEKgAo/bhyYBsEUZefMPs5Wc+BxL9wFkXnEBf2IrCKknVzMABYG6oyXFbJWLzgbf5EU/KUIs2RcnRqnG+FauiM5en0Vq6n56eDetKUQgeBWah8DDhen1n9uP+bPXxZR9DE8ozRPSgNhoLKQULQPVg3mXEJmDlYJOSp/uoNF11K5T7z3ISjHSVjEBvHqC2Kyr4wFRuhHtANWM2QUpAl1dMG6INd/eAgZFng1zyGDIlE9NxeDW/6Z+T7g/iOBJFygmVcQlzyDHuqYkD8Rd+IB5e5I+LK+NQPZgImd0n9biRuufzA9sjyVA3GCkM6Q==";

fn signing_time() -> chrono::DateTime<Utc> {
    // Seconds are dropped by the yyyyMMddHHmm format.
    Utc.with_ymd_and_hms(2026, 11, 28, 9, 5, 42)
        .single()
        .expect("valid time")
}

fn ticket() -> String {
    let claims: Value = serde_json::from_str(SYSTEM_USER_CLAIMS).expect("fixture");
    claims["http://schemes.superoffice.net/identity/ticket"]
        .as_str()
        .expect("ticket")
        .to_owned()
}

fn customer() -> CustomerId {
    CustomerId::parse("Cust26759").expect("id")
}

/// A system-user JWT issued at the clock's current time.
fn system_user_jwt(clock: &ManualClock, edit: impl FnOnce(&mut Value)) -> String {
    let mut claims: Value = serde_json::from_str(SYSTEM_USER_CLAIMS).expect("fixture");
    let now = clock.now().timestamp();
    claims["iat"] = now.into();
    claims["nbf"] = now.into();
    claims["exp"] = (now + 300).into();
    edit(&mut claims);
    sign(&claims, KID_A, PROVIDER_KEY_A)
}

fn success_body(jwt: &str) -> Value {
    let mut body: Value = serde_json::from_str(SUCCESS).expect("fixture");
    body["Token"] = Value::String(jwt.to_owned());
    body
}

fn provider(server: &MockServer, clock: Arc<ManualClock>) -> SystemUserTokenProvider {
    let key = SystemUserKey::parse(APP_KEY_XML).expect("key");
    let config = SystemUserConfig::new(
        environment(server),
        customer(),
        SYSTEM_TOKEN,
        CLIENT_SECRET,
        key,
    )
    .serial(SERIAL);
    SystemUserTokenProvider::new(config)
        .expect("provider")
        .with_clock(clock)
}

fn ticket_of(credential: &Credential) -> String {
    match credential {
        Credential::SystemUser { ticket, app_token } => {
            assert_eq!(app_token.expose_secret(), CLIENT_SECRET);
            ticket.expose_secret().to_owned()
        }
        other => panic!("expected a system-user credential, got {other:?}"),
    }
}

#[test]
fn the_signed_data_has_the_exact_timestamp_format() {
    assert_eq!(
        system_token_data(SYSTEM_TOKEN, signing_time()),
        "SuperOffice DevNet Node OIDC-8k8Q7DmBgo.202611280905"
    );
}

#[test]
fn signing_matches_the_known_vector_and_verifies() {
    let key = SystemUserKey::from_pem(APP_KEY_PKCS8).expect("pkcs8");
    let signed = sign_system_token(SYSTEM_TOKEN, &key, signing_time()).expect("signs");
    assert_eq!(signed.expose_secret(), EXPECTED_SIGNED);

    let (data, signature_b64) = EXPECTED_SIGNED.rsplit_once('.').expect("three parts");
    let signature_bytes = base64::engine::general_purpose::STANDARD
        .decode(signature_b64)
        .expect("base64");
    let signature = Signature::try_from(signature_bytes.as_slice()).expect("signature");
    let verifier = VerifyingKey::<Sha256>::new(key.public_key());
    verifier
        .verify(data.as_bytes(), &signature)
        .expect("the signature verifies with the public key");
    assert!(verifier.verify(b"tampered", &signature).is_err());
}

#[test]
fn xml_pkcs1_and_pkcs8_keys_are_the_same_key() {
    let pkcs8 = SystemUserKey::from_pem(APP_KEY_PKCS8).expect("pkcs8");
    let pkcs1 = SystemUserKey::from_pem(APP_KEY_PKCS1).expect("pkcs1");
    let xml = SystemUserKey::from_xml(APP_KEY_XML).expect("xml");
    let auto = SystemUserKey::parse(&format!("\n  {APP_KEY_XML}")).expect("auto-detected xml");
    assert_eq!(pkcs8.public_key(), xml.public_key());
    assert_eq!(pkcs1.public_key(), xml.public_key());
    assert_eq!(auto.public_key(), xml.public_key());
    assert_eq!(xml.bits(), 2048);
    let data = system_token_data(SYSTEM_TOKEN, signing_time());
    assert_eq!(
        xml.sign(&data).expect("xml signs"),
        pkcs1.sign(&data).expect("pem signs")
    );
    assert_eq!(
        sign_system_token(SYSTEM_TOKEN, &xml, signing_time())
            .expect("signs")
            .expose_secret(),
        EXPECTED_SIGNED
    );
}

#[test]
fn bad_keys_are_typed_errors_without_key_material() {
    for (input, needle) in [
        ("not a key", "PEM"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
            "PKCS#1",
        ),
        (
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
            "encrypted",
        ),
        (
            "<RSAKeyValue><Modulus>AQAB</Modulus></RSAKeyValue>",
            "<Exponent>",
        ),
        ("<Other/>", "RSAKeyValue"),
        ("<RSAKeyValue><Modulus>", "XML"),
    ] {
        let err = SystemUserKey::parse(input).expect_err(input);
        assert!(matches!(err, AuthError::InvalidKey { .. }), "{err:?}");
        assert!(err.to_string().contains(needle), "{input}: {err}");
    }
    // An XML key whose D does not belong to the modulus.
    let d_start = APP_KEY_XML.find("<D>").expect("D") + 3;
    let broken = format!(
        "{}BBBB{}",
        &APP_KEY_XML[..d_start],
        &APP_KEY_XML[d_start + 4..]
    );
    let err = SystemUserKey::from_xml(&broken).expect_err("inconsistent");
    assert!(matches!(err, AuthError::InvalidKey { .. }));
    let d = APP_KEY_XML
        .split("<D>")
        .nth(1)
        .and_then(|rest| rest.split("</D>").next())
        .expect("D");
    assert!(!err.to_string().contains(d));

    let key = SystemUserKey::parse(APP_KEY_PKCS8).expect("key");
    let debug = format!("{key:?}");
    assert_eq!(debug, "SystemUserKey([redacted], 2048 bits)");
}

#[tokio::test]
async fn authenticate_request_shape_and_ticket_extraction() {
    let server = MockServer::start().await;
    let clock = Arc::new(ManualClock::new(signing_time()));
    mount_jwks(&server, JWKS, 1).await;
    Mock::given(method("POST"))
        .and(path("/Login/api/PartnerSystemUser/Authenticate"))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_json(json!({
            "SignedSystemToken": EXPECTED_SIGNED,
            "ApplicationToken": CLIENT_SECRET,
            "ContextIdentifier": "Cust26759",
            "ReturnTokenType": "JWT"
        })))
        .respond_with(json_response(&success_body(&system_user_jwt(
            &clock,
            |_| {},
        ))))
        .expect(1)
        .mount(&server)
        .await;
    let provider = provider(&server, clock.clone());

    let credential = provider.credential().await.expect("ticket");
    assert_eq!(ticket_of(&credential), ticket());
    assert_eq!(
        credential.authorization_header().to_str().expect("ascii"),
        format!("SOTicket {}", ticket())
    );
    assert!(credential.authorization_header().is_sensitive());
    assert_eq!(
        credential
            .app_token_header()
            .expect("SO-AppToken")
            .to_str()
            .expect("ascii"),
        CLIENT_SECRET
    );

    // Cached: the next calls (within the sliding lifetime) send nothing.
    clock.advance(Duration::hours(2));
    provider.credential().await.expect("cached");
    clock.advance(Duration::hours(5));
    provider
        .credential()
        .await
        .expect("still cached: the lifetime slides on use");
}

#[tokio::test]
async fn an_idle_ticket_is_reissued_after_its_lifetime() {
    let server = MockServer::start().await;
    let clock = Arc::new(ManualClock::new(signing_time()));
    mount_jwks(&server, JWKS, 1).await;
    let first = system_user_jwt(&clock, |_| {});
    let later = ManualClock::new(signing_time() + Duration::hours(6));
    let second = system_user_jwt(&later, |c| {
        c["http://schemes.superoffice.net/identity/ticket"] = "7T:second-ticket".into();
    });
    Mock::given(method("POST"))
        .and(path("/Login/api/PartnerSystemUser/Authenticate"))
        .respond_with(json_response(&success_body(&first)))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/Login/api/PartnerSystemUser/Authenticate"))
        .respond_with(json_response(&success_body(&second)))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let provider = provider(&server, clock.clone());
    assert_eq!(
        ticket_of(&provider.credential().await.expect("first")),
        ticket()
    );
    clock.advance(Duration::hours(6));
    assert_eq!(
        ticket_of(&provider.credential().await.expect("second")),
        "7T:second-ticket"
    );
}

#[tokio::test]
async fn rejection_is_typed_with_the_message() {
    let server = MockServer::start().await;
    mount_jwks(&server, JWKS, 0).await;
    Mock::given(method("POST"))
        .and(path("/Login/api/PartnerSystemUser/Authenticate"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(REJECTED, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let provider = provider(&server, Arc::new(ManualClock::new(signing_time())));
    let err = provider.credential().await.expect_err("rejected");
    match err {
        Error::Auth(AuthError::SystemUserRejected { message }) => {
            assert_eq!(message, "Signed system token is expired or invalid")
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn a_non_json_answer_is_typed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Login/api/PartnerSystemUser/Authenticate"))
        .respond_with(ResponseTemplate::new(503).set_body_raw("Service Unavailable", "text/plain"))
        .expect(1)
        .mount(&server)
        .await;
    let provider = provider(&server, Arc::new(ManualClock::new(signing_time())));
    let err = provider.credential().await.expect_err("503");
    assert!(matches!(
        err,
        Error::Auth(AuthError::SystemUserResponse {
            status: Some(503),
            ..
        })
    ));
}

/// Issue 8 hardening: a PartnerSystemUser answer may carry a ticket, so an unreadable one is
/// never echoed; and a followed redirect is refused.
#[tokio::test]
async fn system_user_answers_are_never_echoed_and_redirects_are_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Login/api/PartnerSystemUser/Authenticate"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "IsSuccessful=true;Token=7T:leaked-ticket-value",
            "text/plain",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let provider = provider(&server, Arc::new(ManualClock::new(signing_time())));
    let err = provider.credential().await.expect_err("unreadable");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("leaked-ticket-value"), "{text}");
    assert!(
        matches!(
            err,
            Error::Auth(AuthError::SystemUserResponse {
                status: Some(200),
                ..
            })
        ),
        "{text}"
    );

    let moved = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Login/api/PartnerSystemUser/Authenticate"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/elsewhere", moved.uri())),
        )
        .mount(&moved)
        .await;
    Mock::given(method("POST"))
        .and(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
        .mount(&moved)
        .await;
    let key = SystemUserKey::parse(APP_KEY_XML).expect("key");
    let config = SystemUserConfig::new(
        environment(&moved),
        customer(),
        SYSTEM_TOKEN,
        CLIENT_SECRET,
        key,
    )
    .serial(SERIAL);
    let provider = SystemUserTokenProvider::new(config)
        .expect("provider")
        .with_http_client(reqwest::Client::new())
        .with_clock(Arc::new(ManualClock::new(signing_time())));
    let err = provider.credential().await.expect_err("redirected");
    assert!(
        matches!(
            err,
            Error::Auth(AuthError::RedirectFollowed {
                endpoint: "system user"
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_returned_jwt_is_validated() {
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        ("wrong audience", Box::new(|c| c["aud"] = "spn:999".into())),
        (
            "wrong issuer",
            Box::new(|c| c["iss"] = "Somebody Else".into()),
        ),
        (
            "no ticket",
            Box::new(|c| {
                c.as_object_mut()
                    .map(|m| m.remove("http://schemes.superoffice.net/identity/ticket"));
            }),
        ),
        (
            "other tenant",
            Box::new(|c| c["http://schemes.superoffice.net/identity/ctx"] = "Cust1".into()),
        ),
    ];
    for (name, edit) in cases {
        let server = MockServer::start().await;
        let clock = Arc::new(ManualClock::new(signing_time()));
        mount_jwks(&server, JWKS, 1).await;
        let jwt = system_user_jwt(&clock, |c| edit(c));
        Mock::given(method("POST"))
            .and(path("/Login/api/PartnerSystemUser/Authenticate"))
            .respond_with(json_response(&success_body(&jwt)))
            .expect(1)
            .mount(&server)
            .await;
        let err = provider(&server, clock).credential().await.expect_err(name);
        let ok = match (name, &err) {
            ("wrong audience", Error::Auth(AuthError::WrongAudience { expected, .. })) => {
                expected == "spn:1203786442"
            }
            ("wrong issuer", Error::Auth(AuthError::WrongIssuer { .. })) => true,
            ("no ticket", Error::Auth(AuthError::IdTokenInvalid { .. })) => true,
            ("other tenant", Error::Auth(AuthError::IdTokenInvalid { .. })) => true,
            _ => false,
        };
        assert!(ok, "{name}: {err:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_401_reissues_once_for_many_callers() {
    let server = MockServer::start().await;
    let clock = Arc::new(ManualClock::new(signing_time()));
    mount_jwks(&server, JWKS, 1).await;
    let first = system_user_jwt(&clock, |_| {});
    let second = system_user_jwt(&clock, |c| {
        c["http://schemes.superoffice.net/identity/ticket"] = "7T:reissued".into();
    });
    Mock::given(method("POST"))
        .and(path("/Login/api/PartnerSystemUser/Authenticate"))
        .respond_with(json_response(&success_body(&first)))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/Login/api/PartnerSystemUser/Authenticate"))
        .respond_with(json_response(&success_body(&second)))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let provider = Arc::new(provider(&server, clock));
    let rejected = provider.credential().await.expect("first ticket");

    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let provider = provider.clone();
            let rejected = rejected.clone();
            tokio::spawn(async move { provider.refresh_after_unauthorized(&rejected).await })
        })
        .collect();
    for result in futures::future::join_all(tasks).await {
        let credential = result.expect("task").expect("credential");
        assert_eq!(ticket_of(&credential), "7T:reissued");
    }
}

#[tokio::test]
async fn config_checks_and_debug_redaction() {
    let server = MockServer::start().await;
    let key = SystemUserKey::parse(APP_KEY_PKCS8).expect("key");
    let empty = SystemUserConfig::new(
        environment(&server),
        customer(),
        " ",
        CLIENT_SECRET,
        key.clone(),
    );
    assert!(matches!(
        SystemUserTokenProvider::new(empty),
        Err(Error::Auth(AuthError::InvalidConfig { .. }))
    ));
    let provider = provider(&server, Arc::new(ManualClock::new(signing_time())));
    let signed = provider.signed_system_token().expect("signs");
    assert_eq!(signed.expose_secret(), EXPECTED_SIGNED);
    let debug = format!("{provider:?} {:?} {signed:?}", provider.config());
    assert!(!debug.contains(SYSTEM_TOKEN), "{debug}");
    assert!(!debug.contains(CLIENT_SECRET), "{debug}");
    assert!(!debug.contains("u0ls4"), "{debug}");
    let credential = Credential::SystemUser {
        ticket: ticket().into(),
        app_token: CLIENT_SECRET.to_owned().into(),
    };
    let debug = format!("{credential:?}");
    assert!(!debug.contains(&ticket()) && !debug.contains(CLIENT_SECRET));
}

#[test]
fn config_from_an_administrators_claims() {
    let mut raw: Value = serde_json::from_str(ID_TOKEN_CLAIMS).expect("fixture");
    let claims =
        superoffice_client::auth::SuperOfficeClaims::from_json(raw.as_object().expect("object"))
            .expect("claims");
    let key = SystemUserKey::parse(APP_KEY_PKCS1).expect("key");
    let config =
        SystemUserConfig::from_claims(Environment::Sod, &claims, CLIENT_SECRET, key.clone())
            .expect("config");
    assert_eq!(config.customer, customer());
    assert_eq!(config.system_token.expose_secret(), SYSTEM_TOKEN);
    assert_eq!(config.expected_audience.as_deref(), Some("spn:1203786442"));
    assert_eq!(config.expected_issuer, "SuperOffice AS");
    assert_eq!(config.ticket_lifetime, Duration::hours(6));

    raw.as_object_mut()
        .map(|m| m.remove("http://schemes.superoffice.net/identity/system_token"));
    let without =
        superoffice_client::auth::SuperOfficeClaims::from_json(raw.as_object().expect("object"))
            .expect("claims");
    let err = SystemUserConfig::from_claims(Environment::Sod, &without, CLIENT_SECRET, key)
        .expect_err("no system token");
    assert!(matches!(err, AuthError::InvalidConfig { .. }));
}
