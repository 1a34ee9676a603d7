//! Shared helpers for the sandbox tests: a raw OAuth client and a webhook receiver.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;
use sha2::Digest as _;
use superoffice_client::models::SaleId;
use superoffice_sandbox::{default_seed, SuperOfficeSandbox};
use tokio::sync::mpsc;

/// A reqwest client that does not follow redirects.
pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-sandbox-verifier";

pub(crate) fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// Runs the authorize step with auto-consent for `email`; returns the `Location` query pairs.
pub(crate) async fn authorize(
    sb: &SuperOfficeSandbox,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let challenge = s256(VERIFIER);
    let mut query: Vec<(&str, &str)> = vec![
        ("client_id", default_seed::CLIENT_ID),
        ("redirect_uri", default_seed::REDIRECT_URI),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "sale-101"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        query.retain(|(q, _)| q != k);
        query.push((k, v));
    }
    http()
        .get(format!("{}/login/common/oauth/authorize", sb.issuer()))
        .query(&query)
        .send()
        .await
        .expect("authorize")
}

/// The query pairs of a redirect's `Location`.
pub(crate) fn location_params(response: &reqwest::Response) -> Vec<(String, String)> {
    let location = response
        .headers()
        .get("location")
        .expect("location header")
        .to_str()
        .expect("ascii");
    let url = url::Url::parse(location).expect("absolute location");
    url.query_pairs().into_owned().collect()
}

pub(crate) fn param(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// An authorization code for `email` (PKCE S256 with [`VERIFIER`]), through the sandbox's
/// browser-less [`SuperOfficeSandbox::sign_in`].
pub(crate) async fn code_for(sb: &SuperOfficeSandbox, email: &str) -> String {
    let challenge = s256(VERIFIER);
    let mut url = sb
        .base_url()
        .join("login/common/oauth/authorize")
        .expect("url");
    url.query_pairs_mut().extend_pairs([
        ("client_id", default_seed::CLIENT_ID),
        ("redirect_uri", default_seed::REDIRECT_URI),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "sale-101"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ]);
    let callback = sb.sign_in(&url, email).await.expect("sign-in");
    let pairs: Vec<(String, String)> = callback.query_pairs().into_owned().collect();
    assert_eq!(param(&pairs, "state").as_deref(), Some("sale-101"));
    param(&pairs, "code").expect("code")
}

pub(crate) async fn exchange(
    sb: &SuperOfficeSandbox,
    code: &str,
    verifier: &str,
) -> reqwest::Response {
    http()
        .post(format!("{}/login/common/oauth/tokens", sb.issuer()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", default_seed::CLIENT_ID),
            ("client_secret", default_seed::CLIENT_SECRET),
            ("code", code),
            ("redirect_uri", default_seed::REDIRECT_URI),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .expect("token request")
}

/// Full code flow for `email`; returns the token response JSON.
pub(crate) async fn tokens_for(sb: &SuperOfficeSandbox, email: &str) -> Value {
    let code = code_for(sb, email).await;
    let response = exchange(sb, &code, VERIFIER).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("token json")
}

/// A GET against the tenant REST API with a bearer token.
pub(crate) async fn get(
    sb: &SuperOfficeSandbox,
    tenant: &str,
    path: &str,
    token: &str,
) -> reqwest::Response {
    let base = sb.api_base(tenant).expect("tenant");
    http()
        .get(format!("{base}v1/{path}"))
        .bearer_auth(token)
        .header("Accept", "application/json")
        .send()
        .await
        .expect("GET")
}

/// One request the webhook receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("json body")
    }
}

type ReceiverState = (Arc<Mutex<VecDeque<u16>>>, mpsc::UnboundedSender<Received>);

/// A webhook target on 127.0.0.1 that answers queued status codes (then 200).
pub(crate) struct Receiver {
    pub url: String,
    pub rx: mpsc::UnboundedReceiver<Received>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    pub(crate) async fn start() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let statuses = Arc::new(Mutex::new(VecDeque::new()));
        let state: ReceiverState = (statuses.clone(), tx);
        async fn hook(
            State((statuses, tx)): State<ReceiverState>,
            headers: HeaderMap,
            body: Bytes,
        ) -> StatusCode {
            let _ = tx.send(Received { headers, body });
            let code = statuses.lock().unwrap().pop_front().unwrap_or(200);
            StatusCode::from_u16(code).unwrap()
        }
        let app = axum::Router::new().fallback(hook).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/superoffice/webhook",
            listener.local_addr().unwrap()
        );
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { url, rx, statuses }
    }

    /// Answers the next requests with these status codes.
    pub(crate) fn respond_with(&self, codes: &[u16]) {
        self.statuses.lock().unwrap().extend(codes.iter().copied());
    }

    pub(crate) async fn next(&mut self) -> Received {
        tokio::time::timeout(std::time::Duration::from_secs(10), self.rx.recv())
            .await
            .expect("webhook delivery within 10 s")
            .expect("receiver open")
    }
}

/// A typed REST client on the tenant `Cust12345` of `sb`, signed in with `token`.
pub(crate) fn rest_client(sb: &SuperOfficeSandbox, token: &str) -> superoffice_client::Client {
    rest_client_with(sb, superoffice_client::Credential::bearer(token))
}

/// A typed REST client on the tenant `Cust12345` of `sb` with `credential`.
pub(crate) fn rest_client_with(
    sb: &SuperOfficeSandbox,
    credential: superoffice_client::Credential,
) -> superoffice_client::Client {
    superoffice_client::Client::builder()
        .api_base(sb.api_base("Cust12345").unwrap())
        .token_provider(Arc::new(superoffice_client::credentials::StaticToken::new(
            credential,
        )))
        .build()
        .unwrap()
}

/// The seed's open sale, as the client's id type.
pub(crate) const OPEN: SaleId = SaleId(default_seed::OPEN_SALE_ID);

/// A sandbox with the default seed.
pub(crate) async fn sandbox() -> SuperOfficeSandbox {
    SuperOfficeSandbox::start().await.unwrap()
}
