//! The OIDC provider: discovery, JWKS, authorize (auto-consent or sign-in page), token endpoint
//! and the system-user authentication.

use std::time::{Duration, Instant};

use axum::http::{header, Method, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Map, Value};
use sha2::Digest as _;

use super::keys::random_token;
use super::server::{escape_html, html, json_response, ok_json, redirect, Req};
use super::state::{AccessGrant, AuthCode, Grant, SharedRef, Tenant};

const CLAIM: &str = "http://schemes.superoffice.net/identity/";
const CODE_LIFETIME: Duration = Duration::from_secs(600);
const ID_TOKEN_LIFETIME: i64 = 300;

/// A new opaque access token for a tenant, `8A:Cust12345.<random>`.
pub(crate) fn new_access_token(tenant: &str) -> String {
    format!("8A:{tenant}.{}", random_token(32))
}

pub(crate) fn well_known(shared: &SharedRef, req: &Req) -> Response {
    let base = shared.auth_base();
    match req.seg(2).as_deref() {
        Some("openid-configuration") => ok_json(&json!({
            "issuer": base,
            "authorization_endpoint": format!("{base}/login/common/oauth/authorize"),
            "token_endpoint": format!("{base}/login/common/oauth/tokens"),
            "jwks_uri": format!("{base}/login/.well-known/jwks"),
            "end_session_endpoint": format!("{base}/login/common/oauth/logout"),
            "revocation_endpoint": format!("{base}/login/common/oauth/revoke"),
            "scopes_supported": ["openid"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
            "response_modes_supported": ["form_post", "fragment", "query"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "grant_types_supported": ["implicit", "authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "nonce"],
        })),
        Some("jwks") => ok_json(&shared.keys.jwks()),
        _ => super::server::not_found_html(),
    }
}

/// `/login/{common|Cust…}/oauth/{authorize|tokens}`.
pub(crate) fn oauth(shared: &SharedRef, req: &Req) -> Response {
    let scope = req.segments.get(1).cloned().unwrap_or_default();
    if req.seg(2).as_deref() != Some("oauth") {
        return super::server::not_found_html();
    }
    let path_tenant = (!scope.eq_ignore_ascii_case("common")).then_some(scope);
    match (req.seg(3).as_deref(), &req.method) {
        (Some("authorize"), &Method::GET) => {
            let params = req.query.clone();
            authorize(shared, path_tenant, &params)
        }
        (Some("authorize"), &Method::POST) => {
            let mut params: Vec<(String, String)> =
                serde_urlencoded::from_bytes(&req.body).unwrap_or_default();
            params.extend(req.query.iter().cloned());
            authorize(shared, path_tenant, &params)
        }
        (Some("tokens"), &Method::POST) => token(shared, req),
        (Some("revoke"), &Method::POST) => revoke(shared, req),
        (Some("tokens" | "authorize" | "revoke"), _) => oauth_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "method not allowed",
        ),
        _ => super::server::not_found_html(),
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = json_response(
        status,
        &json!({ "error": error, "error_description": description }),
    );
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Basic realm=\"superoffice\""),
        );
    }
    response
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    redirect(&format!("{redirect_uri}{sep}{query}"))
}

fn authorize(
    shared: &SharedRef,
    path_tenant: Option<String>,
    params: &[(String, String)],
) -> Response {
    let app = &shared.app;
    let client_id = param(params, "client_id").unwrap_or("");
    if client_id != app.client_id {
        return html(
            StatusCode::BAD_REQUEST,
            "<html><body><h1>Invalid request</h1><p>Unknown client_id.</p></body></html>",
        );
    }
    let redirect_uri = param(params, "redirect_uri").unwrap_or("");
    if !app.redirect_uris.iter().any(|u| u == redirect_uri) {
        return html(
            StatusCode::BAD_REQUEST,
            "<html><body><h1>Invalid request</h1><p>The redirect_uri is not registered for this application.</p></body></html>",
        );
    }
    let state = param(params, "state").unwrap_or("");
    let error = |code: &str, description: &str| {
        let mut pairs = vec![("error", code), ("error_description", description)];
        if !state.is_empty() {
            pairs.push(("state", state));
        }
        redirect_with(redirect_uri, &pairs)
    };
    if param(params, "response_type") != Some("code") {
        return error(
            "unsupported_response_type",
            "only response_type=code is supported by the sandbox",
        );
    }
    let scopes = param(params, "scope").unwrap_or("");
    if !scopes.split_whitespace().any(|s| s == "openid") {
        return error("invalid_scope", "scope must contain openid");
    }
    let challenge = match param(params, "code_challenge") {
        Some(c) => {
            let method = param(params, "code_challenge_method").unwrap_or("plain");
            if method != "S256" && method != "plain" {
                return error(
                    "invalid_request",
                    "code_challenge_method must be S256 or plain",
                );
            }
            Some((c.to_owned(), method.to_owned()))
        }
        None => None,
    };
    // OIDC Core `prompt` (space-delimited). The sign-in page re-posts it with `consent=allow`,
    // which is the interaction it asked for.
    let prompts: Vec<&str> = param(params, "prompt")
        .map(|p| p.split_whitespace().collect())
        .unwrap_or_default();
    if let Some(bad) = prompts
        .iter()
        .find(|p| !matches!(**p, "none" | "login" | "consent" | "select_account"))
    {
        return error(
            "invalid_request",
            &format!("unsupported prompt value `{bad}`"),
        );
    }
    let prompt_none = prompts.contains(&"none");
    if prompt_none && prompts.len() > 1 {
        return error(
            "invalid_request",
            "prompt=none cannot be combined with other values",
        );
    }
    let interacted = param(params, "consent") == Some("allow");
    let must_interact = !prompt_none && !prompts.is_empty() && !interacted;
    let acr_tenant = param(params, "acr_values").and_then(|acr| {
        acr.split_whitespace()
            .find_map(|v| v.strip_prefix("tenant:"))
            .map(str::to_owned)
    });
    let wanted_tenant = path_tenant.or(acr_tenant);
    // The account picked on the sign-in page wins over the hint it was opened with.
    let picked = param(params, "email").filter(|_| interacted);
    let login = picked
        .or_else(|| param(params, "login_hint"))
        .or_else(|| param(params, "email"))
        .map(str::to_owned)
        .or_else(|| shared.auto_consent_user.clone());

    let mut world = shared.lock();
    if let Some(t) = &wanted_tenant {
        if world.tenant(t).is_none() {
            return error("access_denied", "unknown tenant");
        }
    }
    let user = login.as_deref().and_then(|email| {
        // A SuperID user may belong to several tenants: look in the requested one first.
        let in_wanted = wanted_tenant
            .as_deref()
            .and_then(|t| world.tenant(t))
            .and_then(|t| t.user_by_email(email).map(|u| (t, u)));
        in_wanted
            .or_else(|| world.find_user(email))
            .filter(|(_, u)| u.active)
            .map(|(t, u)| (t.cust.clone(), u.associate_id))
    });
    if must_interact {
        // `prompt=login|select_account|consent`: show the account chooser even when the user
        // could be signed in silently (login hint, session).
        return sign_in_page(&world.tenants, wanted_tenant.as_deref(), params);
    }
    let Some((tenant, associate_id)) = user else {
        if prompt_none {
            return error("login_required", "the user is not signed in");
        }
        return sign_in_page(&world.tenants, wanted_tenant.as_deref(), params);
    };
    if let Some(t) = &wanted_tenant {
        if !t.eq_ignore_ascii_case(&tenant) {
            return error(
                "access_denied",
                "the user has no access to the requested tenant",
            );
        }
    }
    let code = random_token(24);
    world.codes.insert(
        code.clone(),
        AuthCode {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            code_challenge: challenge,
            nonce: param(params, "nonce").map(str::to_owned),
            tenant,
            associate_id,
            expires_at: Instant::now() + CODE_LIFETIME,
        },
    );
    drop(world);
    let mut pairs = vec![("code", code.as_str())];
    if !state.is_empty() {
        pairs.push(("state", state));
    }
    redirect_with(redirect_uri, &pairs)
}

fn sign_in_page(
    tenants: &std::collections::BTreeMap<String, Tenant>,
    wanted_tenant: Option<&str>,
    params: &[(String, String)],
) -> Response {
    let mut options = String::new();
    for t in tenants.values() {
        if wanted_tenant.is_some_and(|w| !w.eq_ignore_ascii_case(&t.cust)) {
            continue;
        }
        for u in t.users.iter().filter(|u| u.active) {
            options.push_str(&format!(
                "<option value=\"{}\">{} &lt;{}&gt; ({})</option>",
                escape_html(&u.email),
                escape_html(&u.full_name),
                escape_html(&u.email),
                escape_html(&t.cust)
            ));
        }
    }
    let mut hidden = String::new();
    for (k, v) in params {
        if k == "login_hint" || k == "email" {
            continue;
        }
        hidden.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape_html(k),
            escape_html(v)
        ));
    }
    let page = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>SuperOffice sandbox – sign in</title></head>\
<body><h1>Sign in to SuperOffice (sandbox)</h1>\
<p>The application requests access to your SuperOffice CRM data.</p>\
<form method=\"post\">{hidden}<label>User <select name=\"email\">{options}</select></label> \
<button type=\"submit\" name=\"consent\" value=\"allow\">Allow</button></form></body></html>"
    );
    // Identity providers' sign-in pages refuse to be framed (clickjacking defence), which is
    // why panels sign in through a pop-up (en/api/authentication/online/troubleshooting/iframe-idp-auth.mdx).
    super::ui::deny_framing(html(StatusCode::OK, &page))
}

fn client_auth(req: &Req, form: &[(String, String)]) -> Option<(String, String)> {
    if let Some(value) = req.header("authorization") {
        let mut parts = value.splitn(2, ' ');
        if parts
            .next()
            .is_some_and(|s| s.eq_ignore_ascii_case("basic"))
        {
            let decoded = STANDARD.decode(parts.next().unwrap_or("").trim()).ok()?;
            let text = String::from_utf8(decoded).ok()?;
            let (id, secret) = text.split_once(':')?;
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            return Some((decode(id), decode(secret)));
        }
    }
    Some((
        param(form, "client_id")?.to_owned(),
        param(form, "client_secret")?.to_owned(),
    ))
}

fn token(shared: &SharedRef, req: &Req) -> Response {
    let mut form: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&req.body).unwrap_or_default();
    form.extend(req.query.iter().cloned());
    let Some((client_id, client_secret)) = client_auth(req, &form) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication is required",
        );
    };
    let app = &shared.app;
    let id_ok = client_id == app.client_id;
    let secret_ok: bool = {
        use subtle::ConstantTimeEq as _;
        client_secret
            .as_bytes()
            .ct_eq(app.client_secret.as_bytes())
            .into()
    };
    if !(id_ok && secret_ok) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    match param(&form, "grant_type") {
        Some("authorization_code") => code_grant(shared, &form, &client_id),
        Some("refresh_token") => refresh_grant(shared, &form, &client_id),
        Some(_) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        ),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is required",
        ),
    }
}

fn code_grant(shared: &SharedRef, form: &[(String, String)], client_id: &str) -> Response {
    let Some(code) = param(form, "code") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code is required",
        );
    };
    let mut world = shared.lock();
    // Single use: removed whether or not the exchange succeeds.
    let Some(stored) = world.codes.remove(code) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the authorization code is invalid, expired or already used",
        );
    };
    if stored.expires_at <= Instant::now() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the authorization code has expired",
        );
    }
    if stored.client_id != client_id {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the authorization code was issued to another client",
        );
    }
    if param(form, "redirect_uri") != Some(stored.redirect_uri.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "redirect_uri does not match the authorization request",
        );
    }
    if let Some((challenge, method)) = &stored.code_challenge {
        let Some(verifier) = param(form, "code_verifier") else {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "code_verifier is required",
            );
        };
        let computed = if method == "S256" {
            URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
        } else {
            verifier.to_owned()
        };
        if &computed != challenge {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "PKCE verification failed",
            );
        }
    }
    let grant = Grant {
        tenant: stored.tenant.clone(),
        associate_id: stored.associate_id,
        client_id: client_id.to_owned(),
    };
    let refresh = random_token(32);
    world.refresh_tokens.insert(refresh.clone(), grant.clone());
    let access = issue_access(shared, &mut world, &grant);
    let id_token = match id_token(shared, &world, &grant, stored.nonce.as_deref()) {
        Ok(t) => t,
        Err(e) => return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e),
    };
    ok_json(&json!({
        "token_type": "Bearer",
        "access_token": access,
        "expires_in": shared.access_token_lifetime.as_secs(),
        "refresh_token": refresh,
        "id_token": id_token,
    }))
}

fn refresh_grant(shared: &SharedRef, form: &[(String, String)], client_id: &str) -> Response {
    let Some(refresh) = param(form, "refresh_token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "refresh_token is required",
        );
    };
    let mut world = shared.lock();
    let Some(grant) = world.refresh_tokens.get(refresh).cloned() else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the refresh token is invalid or revoked",
        );
    };
    if grant.client_id != client_id {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the refresh token was issued to another client",
        );
    }
    let access = issue_access(shared, &mut world, &grant);
    let id_token = match id_token(shared, &world, &grant, None) {
        Ok(t) => t,
        Err(e) => return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e),
    };
    ok_json(&json!({
        "token_type": "Bearer",
        "access_token": access,
        "expires_in": shared.access_token_lifetime.as_secs(),
        "id_token": id_token,
    }))
}

/// `POST /login/common/oauth/revoke` (RFC 7009): client authentication, then `token`; an
/// unknown token is not an error. A revoked refresh token then fails with `invalid_grant`.
fn revoke(shared: &SharedRef, req: &Req) -> Response {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&req.body).unwrap_or_default();
    let Some((client_id, client_secret)) = client_auth(req, &form) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication is required",
        );
    };
    let app = &shared.app;
    let secret_ok: bool = {
        use subtle::ConstantTimeEq as _;
        client_secret
            .as_bytes()
            .ct_eq(app.client_secret.as_bytes())
            .into()
    };
    if client_id != app.client_id || !secret_ok {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    let Some(token) = param(&form, "token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    let mut world = shared.lock();
    let owner = world
        .refresh_tokens
        .get(token)
        .map(|g| g.client_id.clone())
        .or_else(|| {
            world
                .access_tokens
                .get(token)
                .map(|a| a.grant.client_id.clone())
        });
    if owner.as_deref().is_some_and(|owner| owner != client_id) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the token was issued to another client",
        );
    }
    world.refresh_tokens.remove(token);
    world.access_tokens.remove(token);
    drop(world);
    ok_json(&json!({}))
}

fn issue_access(shared: &SharedRef, world: &mut super::state::World, grant: &Grant) -> String {
    let token = new_access_token(&grant.tenant);
    world.access_tokens.insert(
        token.clone(),
        AccessGrant {
            grant: grant.clone(),
            expires_at: Instant::now() + shared.access_token_lifetime,
        },
    );
    token
}

fn id_token(
    shared: &SharedRef,
    world: &super::state::World,
    grant: &Grant,
    nonce: Option<&str>,
) -> Result<String, String> {
    let tenant = world
        .tenant(&grant.tenant)
        .ok_or_else(|| "tenant vanished".to_owned())?;
    let user = tenant
        .user(grant.associate_id)
        .ok_or_else(|| "user vanished".to_owned())?;
    let now = chrono::Utc::now().timestamp();
    let host = &shared.hosts[tenant.host];
    let mut claims = Map::new();
    let mut put = |k: &str, v: Value| {
        claims.insert(k.to_owned(), v);
    };
    put("sub", json!(user.email));
    put("iss", json!(shared.auth_base()));
    put("aud", json!(grant.client_id));
    put("exp", json!(now + ID_TOKEN_LIFETIME));
    put("iat", json!(now.to_string()));
    put("nbf", json!(now));
    if let Some(n) = nonce {
        put("nonce", json!(n));
    }
    let c = |name: &str| format!("{CLAIM}{name}");
    put(&c("associateid"), json!(user.associate_id.to_string()));
    put(&c("ctx"), json!(tenant.cust));
    put(&c("email"), json!(user.email));
    put(&c("so_primary_email_address"), json!(user.email));
    put(&c("upn"), json!(user.email));
    put(
        &c("is_administrator"),
        json!(if user.administrator { "True" } else { "False" }),
    );
    put(
        &c("webapi_url"),
        json!(format!("{host}/{}/api/", tenant.cust)),
    );
    put(
        &c("netserver_url"),
        json!(format!("{host}/{}/Remote/Services88/", tenant.cust)),
    );
    put(&c("serial"), json!(tenant.serial));
    put(&c("company_name"), json!(tenant.company_name));
    put(&c("identityprovider"), json!(shared.auth_base()));
    put(
        &c("initials"),
        json!(super::entities::initials(&user.full_name)),
    );
    if let Some(token) = &tenant.system_token {
        put(&c("system_token"), json!(token));
    }
    shared.keys.sign(&Value::Object(claims))
}

/// `POST /Login/api/PartnerSystemUser/Authenticate`.
pub(crate) fn system_user(shared: &SharedRef, req: &Req) -> Response {
    if req.seg(2).as_deref() != Some("partnersystemuser")
        || req.seg(3).as_deref() != Some("authenticate")
    {
        return super::server::not_found_html();
    }
    if req.method != Method::POST {
        return super::server::not_found_html();
    }
    let fail = |status: StatusCode, message: &str| {
        json_response(
            status,
            &json!({ "IsSuccessful": false, "Token": Value::Null, "ErrorMessage": message }),
        )
    };
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return fail(StatusCode::BAD_REQUEST, "The request body must be JSON");
    };
    let field = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or("");
    let (Some(public_key), true) = (shared.app_public_key.as_ref(), shared.app.system_user) else {
        return fail(
            StatusCode::OK,
            "The application is not allowed to use the system user",
        );
    };
    if field("ApplicationToken") != shared.app.client_secret {
        return fail(StatusCode::OK, "Invalid application token");
    }
    let signed = field("SignedSystemToken");
    let mut parts = signed.rsplitn(3, '.');
    let (Some(signature), Some(stamp), Some(system_token)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return fail(StatusCode::OK, "Malformed SignedSystemToken");
    };
    let data = format!("{system_token}.{stamp}");
    if !super::keys::verify_pkcs1_sha256(public_key, data.as_bytes(), signature) {
        return fail(StatusCode::OK, "The SignedSystemToken signature is invalid");
    }
    let fresh = chrono::NaiveDateTime::parse_from_str(&format!("{stamp}00"), "%Y%m%d%H%M%S")
        .map(|t| (chrono::Utc::now().naive_utc() - t).num_minutes().abs() <= 15)
        .unwrap_or(false);
    if !fresh {
        return fail(StatusCode::OK, "The SignedSystemToken timestamp is too old");
    }
    let mut world = shared.lock();
    let cust = field("ContextIdentifier");
    let Some(tenant) = world.tenant(cust) else {
        return fail(StatusCode::OK, "Unknown context identifier");
    };
    if tenant.system_token.as_deref() != Some(system_token) {
        return fail(StatusCode::OK, "Unknown system token for this tenant");
    }
    let ticket = format!("7T:{}", random_token(32));
    let serial = tenant.serial.clone();
    let tenant_cust = tenant.cust.clone();
    world.tickets.insert(
        ticket.clone(),
        Grant {
            tenant: tenant_cust.clone(),
            associate_id: SYSTEM_ASSOCIATE_ID,
            client_id: shared.app.client_id.clone(),
        },
    );
    drop(world);
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": "SuperOffice AS",
        "aud": format!("spn:{serial}"),
        "exp": now + 6 * 3600,
        "nbf": now,
        "iat": now.to_string(),
        "sub": format!("system@{tenant_cust}"),
        format!("{CLAIM}ticket"): ticket,
        format!("{CLAIM}ctx"): tenant_cust,
        format!("{CLAIM}serial"): serial,
    });
    match shared.keys.sign(&claims) {
        Ok(token) => ok_json(&json!({ "IsSuccessful": true, "Token": token, "ErrorMessage": "" })),
        Err(e) => fail(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

/// Associate id the sandbox uses for the system user.
pub(crate) const SYSTEM_ASSOCIATE_ID: i32 = 1;
