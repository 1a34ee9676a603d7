//! The sandbox's OIDC provider, driven with raw HTTP (reqwest + jsonwebtoken).

use crate::sandbox_support;

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sandbox_support::*;
use serde_json::Value;
use superoffice_sandbox::{default_seed, AppRegistration, AuthKind, SuperOfficeSandbox};

const CLAIM: &str = "http://schemes.superoffice.net/identity/";

#[tokio::test]
async fn discovery_document_and_jwks() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let base = sb.issuer();
    let doc: Value = http()
        .get(format!("{base}/login/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], base);
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{base}/login/common/oauth/authorize")
    );
    assert_eq!(
        doc["token_endpoint"],
        format!("{base}/login/common/oauth/tokens")
    );
    assert_eq!(doc["jwks_uri"], format!("{base}/login/.well-known/jwks"));
    assert_eq!(doc["scopes_supported"], serde_json::json!(["openid"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    let methods = doc["token_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap();
    assert!(methods.contains(&"client_secret_post".into()));
    assert!(methods.contains(&"client_secret_basic".into()));

    let jwks: Value = http()
        .get(format!("{base}/login/.well-known/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    assert!(key["kid"].as_str().is_some_and(|k| !k.is_empty()));
    assert_eq!(key["e"], "AQAB");
}

async fn decoding_key(sb: &SuperOfficeSandbox) -> (String, DecodingKey) {
    let jwks: Value = http()
        .get(format!("{}/login/.well-known/jwks", sb.issuer()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    (
        key["kid"].as_str().unwrap().to_owned(),
        DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
            .unwrap(),
    )
}

#[tokio::test]
async fn code_flow_with_pkce_yields_a_verifiable_id_token() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let response = authorize(&sb, &[("login_hint", default_seed::ADMIN_EMAIL)]).await;
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(default_seed::REDIRECT_URI),
        "{location}"
    );
    let pairs = location_params(&response);
    assert_eq!(param(&pairs, "state").as_deref(), Some("sale-101"));
    let code = param(&pairs, "code").unwrap();

    let response = exchange(&sb, &code, VERIFIER).await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert!(tokens["access_token"]
        .as_str()
        .unwrap()
        .starts_with("8A:Cust12345."));
    assert!(tokens["refresh_token"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));

    let id_token = tokens["id_token"].as_str().unwrap();
    let (kid, key) = decoding_key(&sb).await;
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some(kid.as_str()));
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[default_seed::CLIENT_ID]);
    validation.set_issuer(&[sb.issuer()]);
    let claims = jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["sub"], default_seed::ADMIN_EMAIL);
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert!(
        claims["iat"].is_string(),
        "iat is a string like SuperOffice's"
    );
    assert!(claims["exp"].is_number());
    let c = |name: &str| claims[format!("{CLAIM}{name}")].clone();
    assert_eq!(c("associateid"), "5");
    assert_eq!(c("ctx"), "Cust12345");
    assert_eq!(c("email"), default_seed::ADMIN_EMAIL);
    assert_eq!(c("is_administrator"), "True");
    assert_eq!(c("webapi_url"), sb.api_base("Cust12345").unwrap());
    assert_eq!(c("company_name"), "Nordic Trading AS");
    assert_eq!(c("initials"), "AA");
    assert!(c("system_token")
        .as_str()
        .unwrap()
        .starts_with("Oneflow Contracts-"));
    assert!(c("netserver_url")
        .as_str()
        .unwrap()
        .contains("/Cust12345/Remote/"));

    // A different key does not verify it.
    let other = DecodingKey::from_rsa_components("sXchJ6f3", "AQAB").unwrap();
    assert!(jsonwebtoken::decode::<Value>(id_token, &other, &validation).is_err());

    // The seller is not an administrator.
    let seller = tokens_for(&sb, default_seed::SELLER_EMAIL).await;
    let claims =
        jsonwebtoken::decode::<Value>(seller["id_token"].as_str().unwrap(), &key, &validation)
            .unwrap()
            .claims;
    assert_eq!(claims[format!("{CLAIM}is_administrator")], "False");
    assert_eq!(claims[format!("{CLAIM}associateid")], "6");
}

#[tokio::test]
async fn wrong_verifier_and_reused_code_are_invalid_grant() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let code = code_for(&sb, default_seed::ADMIN_EMAIL).await;
    let response = exchange(
        &sb,
        &code,
        "not-the-verifier-not-the-verifier-not-the-verifier",
    )
    .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    // The code was consumed by the failed attempt.
    let response = exchange(&sb, &code, VERIFIER).await;
    assert_eq!(response.status(), 400);

    let code = code_for(&sb, default_seed::ADMIN_EMAIL).await;
    assert_eq!(exchange(&sb, &code, VERIFIER).await.status(), 200);
    let reuse = exchange(&sb, &code, VERIFIER).await;
    assert_eq!(reuse.status(), 400);
    let body: Value = reuse.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn client_authentication_post_basic_and_failures() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let code = code_for(&sb, default_seed::ADMIN_EMAIL).await;
    // HTTP Basic instead of client_secret_post.
    let response = http()
        .post(format!("{}/login/common/oauth/tokens", sb.issuer()))
        .basic_auth(default_seed::CLIENT_ID, Some(default_seed::CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", default_seed::REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let response = http()
        .post(format!("{}/login/common/oauth/tokens", sb.issuer()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", default_seed::CLIENT_ID),
            ("client_secret", "wrong"),
            ("refresh_token", "whatever"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");

    let response = http()
        .post(format!("{}/login/common/oauth/tokens", sb.issuer()))
        .form(&[
            ("grant_type", "password"),
            ("client_id", default_seed::CLIENT_ID),
            ("client_secret", default_seed::CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");

    // redirect_uri must match the authorize request.
    let code = code_for(&sb, default_seed::ADMIN_EMAIL).await;
    let response = http()
        .post(format!("{}/login/common/oauth/tokens", sb.issuer()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", default_seed::CLIENT_ID),
            ("client_secret", default_seed::CLIENT_SECRET),
            ("code", code.as_str()),
            ("redirect_uri", "http://localhost:8080/superoffice/callback"),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn refresh_returns_a_new_access_token_and_no_refresh_token() {
    let sb = SuperOfficeSandbox::builder()
        .access_token_lifetime(Duration::from_secs(120))
        .start()
        .await
        .unwrap();
    let tokens = tokens_for(&sb, default_seed::SELLER_EMAIL).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(tokens["expires_in"], 120);
    assert_eq!(
        get(&sb, "Cust12345", "Sale/101", access).await.status(),
        200
    );

    sb.expire_access_tokens();
    let expired = get(&sb, "Cust12345", "Sale/101", access).await;
    assert_eq!(expired.status(), 401);
    let body: Value = expired.json().await.unwrap();
    assert_eq!(body["Error"], true);

    let response = http()
        .post(format!("{}/login/common/oauth/tokens", sb.issuer()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", default_seed::CLIENT_ID),
            ("client_secret", default_seed::CLIENT_SECRET),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let refreshed: Value = response.json().await.unwrap();
    assert!(refreshed.get("refresh_token").is_none(), "{refreshed}");
    assert!(refreshed["id_token"].is_string());
    let new_access = refreshed["access_token"].as_str().unwrap();
    assert_ne!(new_access, access);
    assert_eq!(
        get(&sb, "Cust12345", "Sale/101", new_access).await.status(),
        200
    );

    sb.revoke_refresh_tokens();
    let response = http()
        .post(format!("{}/login/common/oauth/tokens", sb.issuer()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", default_seed::CLIENT_ID),
            ("client_secret", default_seed::CLIENT_SECRET),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn authorize_validates_the_request() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    // Unregistered redirect URI: never redirected to.
    let response = authorize(&sb, &[("redirect_uri", "https://evil.example/cb")]).await;
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
    // Unknown client.
    let response = authorize(&sb, &[("client_id", "nope")]).await;
    assert_eq!(response.status(), 400);
    // Scope without openid: OAuth error redirect that echoes state.
    let response = authorize(
        &sb,
        &[
            ("scope", "profile"),
            ("login_hint", default_seed::ADMIN_EMAIL),
        ],
    )
    .await;
    assert_eq!(response.status(), 302);
    let pairs = location_params(&response);
    assert_eq!(param(&pairs, "error").as_deref(), Some("invalid_scope"));
    assert_eq!(param(&pairs, "state").as_deref(), Some("sale-101"));
    // response_type token is not supported.
    let response = authorize(
        &sb,
        &[
            ("response_type", "token"),
            ("login_hint", default_seed::ADMIN_EMAIL),
        ],
    )
    .await;
    let pairs = location_params(&response);
    assert_eq!(
        param(&pairs, "error").as_deref(),
        Some("unsupported_response_type")
    );
    // acr_values naming another tenant than the user's.
    let response = authorize(
        &sb,
        &[
            ("acr_values", "tenant:Cust67890"),
            ("login_hint", default_seed::ADMIN_EMAIL),
        ],
    )
    .await;
    let pairs = location_params(&response);
    assert_eq!(param(&pairs, "error").as_deref(), Some("access_denied"));
}

#[tokio::test]
async fn tenant_specific_authorize_path_and_sign_in_page() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let challenge = s256(VERIFIER);
    let query = [
        ("client_id", default_seed::CLIENT_ID),
        ("redirect_uri", default_seed::REDIRECT_URI),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "xyz"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let url = format!("{}/login/Cust67890/oauth/authorize", sb.issuer());
    // No login_hint and no default user: the sign-in page lists the tenant's users.
    let page = http().get(&url).query(&query).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("admin@svea.example"));
    assert!(
        !html.contains("admin@nordic.example"),
        "only the tenant's users"
    );
    assert!(html.contains("<form method=\"post\""));
    // Posting the form back (as a browser would) signs in and redirects with a code.
    let mut form: Vec<(&str, &str)> = query.to_vec();
    form.push(("email", "admin@svea.example"));
    form.push(("consent", "allow"));
    let response = http().post(&url).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 302);
    let pairs = location_params(&response);
    assert_eq!(param(&pairs, "state").as_deref(), Some("xyz"));
    let code = param(&pairs, "code").unwrap();
    let tokens: Value = exchange(&sb, &code, VERIFIER).await.json().await.unwrap();
    assert!(tokens["access_token"]
        .as_str()
        .unwrap()
        .starts_with("8A:Cust67890."));
}

#[tokio::test]
async fn auto_consent_user_skips_the_page() {
    let sb = SuperOfficeSandbox::builder()
        .auto_consent_user(default_seed::SELLER_EMAIL)
        .start()
        .await
        .unwrap();
    let response = authorize(&sb, &[]).await;
    assert_eq!(response.status(), 302);
    let code = param(&location_params(&response), "code").unwrap();
    let tokens: Value = exchange(&sb, &code, VERIFIER).await.json().await.unwrap();
    let principal: Value = get(
        &sb,
        "Cust12345",
        "User/currentPrincipal",
        tokens["access_token"].as_str().unwrap(),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(principal["AssociateId"], 6);
}

#[tokio::test]
async fn system_user_ticket_flow() {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use sha2::Digest as _;
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let pem = sb.system_user_private_key_pem().unwrap();
    let key = rsa::PrivateKey::from_pkcs1_pem(pem).unwrap();
    let system_token = sb.system_token("Cust12345").unwrap().unwrap();
    let data = format!("{system_token}.{}", chrono::Utc::now().format("%Y%m%d%H%M"));
    let signature = key
        .sign(
            rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            &sha2::Sha256::digest(data.as_bytes()),
        )
        .unwrap();
    use base64::Engine as _;
    let signed = format!(
        "{data}.{}",
        base64::engine::general_purpose::STANDARD.encode(signature)
    );
    let response = http()
        .post(format!(
            "{}/Login/api/PartnerSystemUser/Authenticate",
            sb.issuer()
        ))
        .json(&serde_json::json!({
            "SignedSystemToken": signed,
            "ApplicationToken": default_seed::CLIENT_SECRET,
            "ContextIdentifier": "Cust12345",
            "ReturnTokenType": "JWT",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["IsSuccessful"], true, "{body}");
    let (_, dkey) = decoding_key(&sb).await;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&["SuperOffice AS"]);
    validation.set_audience(&["spn:1000012345"]);
    let claims = jsonwebtoken::decode::<Value>(body["Token"].as_str().unwrap(), &dkey, &validation)
        .unwrap()
        .claims;
    let ticket = claims[format!("{CLAIM}ticket")]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(ticket.starts_with("7T:"));

    let base = sb.api_base("Cust12345").unwrap();
    let with_app_token = http()
        .get(format!("{base}v1/User/currentPrincipal"))
        .header("Authorization", format!("SOTicket {ticket}"))
        .header("SO-AppToken", default_seed::CLIENT_SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(with_app_token.status(), 200);
    let principal: Value = with_app_token.json().await.unwrap();
    assert_eq!(principal["RoleType"], "System");
    let without = http()
        .get(format!("{base}v1/Sale/101"))
        .header("Authorization", format!("SOTicket {ticket}"))
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 401);
    assert!(sb.requests().iter().any(|r| r.auth == AuthKind::SoTicket));

    // A wrong signature is refused.
    let bad = http()
        .post(format!(
            "{}/Login/api/PartnerSystemUser/Authenticate",
            sb.issuer()
        ))
        .json(&serde_json::json!({
            "SignedSystemToken": format!("{data}.AAAA"),
            "ApplicationToken": default_seed::CLIENT_SECRET,
            "ContextIdentifier": "Cust12345",
            "ReturnTokenType": "JWT",
        }))
        .send()
        .await
        .unwrap();
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["IsSuccessful"], false);
}

#[tokio::test]
async fn secrets_stay_out_of_debug_and_the_request_log() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let debug = format!("{sb:?} {:?}", AppRegistration::sandbox_default());
    assert!(!debug.contains(default_seed::CLIENT_SECRET), "{debug}");
    let code = code_for(&sb, default_seed::ADMIN_EMAIL).await;
    // Token parameters in the query string (as SuperOffice's docs show) are redacted in the log.
    let response = http()
        .post(format!("{}/login/common/oauth/tokens", sb.issuer()))
        .query(&[
            ("grant_type", "authorization_code"),
            ("client_id", default_seed::CLIENT_ID),
            ("client_secret", default_seed::CLIENT_SECRET),
            ("code", code.as_str()),
            ("redirect_uri", default_seed::REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    get(&sb, "Cust12345", "Sale/101", access).await;
    let log = format!("{:?}", sb.requests());
    for secret in [default_seed::CLIENT_SECRET, code.as_str(), access, VERIFIER] {
        assert!(!log.contains(secret), "request log leaks a secret: {log}");
    }
    let rest = sb
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/Sale/101"))
        .unwrap();
    assert_eq!(rest.auth, AuthKind::Bearer);
    assert_eq!(rest.status, 200);
}

#[tokio::test]
async fn a_user_of_several_tenants_signs_in_to_the_requested_one() {
    use superoffice_sandbox::{TenantSeed, UserSeed};
    // The admin's SuperID also has access to a second tenant (seeded after the main one).
    let sb = SuperOfficeSandbox::builder()
        .tenant(
            TenantSeed::new("Cust55555", "Extra AS")
                .user(UserSeed::new(9, default_seed::ADMIN_EMAIL, "Ada Admin").administrator()),
        )
        .start()
        .await
        .unwrap();
    for (tenant, associate) in [("Cust55555", "9"), ("Cust12345", "5")] {
        let acr = format!("tenant:{tenant}");
        let response = authorize(
            &sb,
            &[
                ("login_hint", default_seed::ADMIN_EMAIL),
                ("acr_values", acr.as_str()),
            ],
        )
        .await;
        assert_eq!(response.status(), 302);
        let pairs = location_params(&response);
        assert_eq!(param(&pairs, "error"), None, "{pairs:?}");
        let code = param(&pairs, "code").expect("code");
        let tokens: Value = exchange(&sb, &code, VERIFIER).await.json().await.unwrap();
        let access = tokens["access_token"].as_str().unwrap();
        assert!(access.starts_with(&format!("8A:{tenant}.")), "{access}");
        let id_token = tokens["id_token"].as_str().unwrap();
        let payload = id_token.split('.').nth(1).unwrap();
        let claims: Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims[format!("{CLAIM}ctx")], tenant);
        assert_eq!(claims[format!("{CLAIM}associateid")], associate);
    }
}
