//! The real client against the sandbox: OIDC sign-in, REST reads, JSON Patch, tenant moves,
//! token refresh, the system user, and (in `sign_in_choices`) the account chooser, `prompt`
//! values, revocation and suspended tenants.

use std::sync::Arc;

use superoffice_client::auth::RefreshingTokenProvider;
use superoffice_client::auth::{
    AuthorizeOptions, OidcConfig, SystemUserConfig, SystemUserKey, SystemUserTokenProvider,
};
use superoffice_client::credentials::StaticToken;
use superoffice_client::models::{JsonPatch, SaleId, SaleStatus};
use superoffice_client::Client;
use superoffice_client::{CustomerId, Environment, OidcClient, TenantLocator};
use superoffice_sandbox::{default_seed, SuperOfficeSandbox};

fn oidc(sb: &SuperOfficeSandbox) -> OidcClient {
    let env = Environment::custom(sb.base_url()).unwrap();
    let config = OidcConfig::new(
        env,
        sb.client_id(),
        sb.client_secret(),
        default_seed::REDIRECT_URI,
    )
    .unwrap();
    OidcClient::new(config).unwrap()
}

/// The browser part through the sandbox's `sign_in` (the user picks their account, the
/// sandbox redirects back), then the client's code exchange.
async fn sign_in(
    sb: &SuperOfficeSandbox,
    oidc: &OidcClient,
    email: &str,
) -> superoffice_client::auth::Session {
    let request = oidc.authorize_url(AuthorizeOptions::new()).unwrap();
    let callback = sb.sign_in(&request.url, email).await.unwrap();
    assert!(callback.as_str().starts_with(default_seed::REDIRECT_URI));
    oidc.exchange_callback(&request.pending, callback.query().unwrap_or(""))
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_in_read_and_close_a_sale_as_sold() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let oidc = oidc(&sb);
    let session = sign_in(&sb, &oidc, default_seed::ADMIN_EMAIL).await;
    assert_eq!(
        session.customer_id().map(CustomerId::as_str),
        Some("Cust12345")
    );
    let api_base = session.api_base().unwrap();
    assert_eq!(api_base.as_str(), sb.api_base("Cust12345").unwrap());

    let client = Client::builder()
        .api_base(api_base)
        .token_provider(Arc::new(StaticToken::new(session.tokens.credential())))
        .build()
        .unwrap();
    let principal = client.users().current_principal().await.unwrap();
    assert!(principal.is_administrator());
    assert_eq!(principal.associate_id.0, default_seed::ADMIN_ASSOCIATE_ID);
    assert_eq!(
        principal.email_address.as_deref(),
        Some(default_seed::ADMIN_EMAIL)
    );

    let sale = client.sales().get(SaleId(101)).await.unwrap();
    assert_eq!(sale.heading.as_deref(), Some("Fleet tracking licence"));
    assert_eq!(sale.status, Some(SaleStatus::Open));
    assert_eq!(sale.stage_id(), Some(3));

    // A stale `test` is a conflict.
    let stale = JsonPatch::new()
        .test("Status", "Lost")
        .replace("Status", "Sold");
    let err = client.sales().patch(SaleId(101), &stale).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409), "{err:?}");

    let close = JsonPatch::new()
        .test("Status", "Open")
        .replace("Status", "Sold")
        .replace("ReasonSold/Id", 3);
    let sold = client.sales().patch(SaleId(101), &close).await.unwrap();
    assert_eq!(sold.status, Some(SaleStatus::Sold));
    assert_eq!(sold.probability, Some(100));
    assert_eq!(sb.sale("Cust12345", 101).unwrap()["Status"], "Sold");
    assert_eq!(
        sb.sale("Cust12345", 101).unwrap()["ReasonSold"]["Value"],
        "Product fit"
    );
}

#[tokio::test]
async fn client_re_resolves_the_tenant_after_a_move() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let token = sb.issue_access_token(default_seed::SELLER_EMAIL).unwrap();
    let env = Environment::custom(sb.base_url()).unwrap();
    let locator = TenantLocator::new(env, reqwest::Client::new());
    let client = Client::builder()
        .api_base(sb.api_base("Cust12345").unwrap())
        .token_provider(Arc::new(StaticToken::new(
            superoffice_client::Credential::bearer(token),
        )))
        .api_base_resolver(Arc::new(locator))
        .build()
        .unwrap();
    assert!(client.sales().get(SaleId(101)).await.is_ok());

    let new_base = sb.move_tenant("Cust12345").unwrap();
    let sale = client.sales().get(SaleId(102)).await.unwrap();
    assert_eq!(sale.heading.as_deref(), Some("Support agreement 2027"));
    assert_eq!(client.api_base().as_str(), new_base);
    let statuses: Vec<u16> = sb
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/Sale/102"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![421, 200]);
}

#[tokio::test]
async fn expired_access_token_is_refreshed_transparently() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let oidc = oidc(&sb);
    let session = sign_in(&sb, &oidc, default_seed::SELLER_EMAIL).await;
    let provider = RefreshingTokenProvider::new(Arc::new(oidc), session.tokens.clone());
    let client = Client::builder()
        .api_base(session.api_base().unwrap())
        .token_provider(Arc::new(provider))
        .build()
        .unwrap();
    assert!(client.sales().get(SaleId(101)).await.is_ok());
    sb.expire_access_tokens();
    let sale = client.sales().get(SaleId(101)).await.unwrap();
    assert_eq!(sale.sale_id, SaleId(101));
    let refreshes = sb
        .requests()
        .iter()
        .filter(|r| r.path == "/login/common/oauth/tokens")
        .count();
    assert_eq!(refreshes, 2, "code exchange + one refresh");
}

#[tokio::test]
async fn system_user_ticket_with_the_portal_xml_key() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let env = Environment::custom(sb.base_url()).unwrap();
    let key = SystemUserKey::from_xml(sb.system_user_private_key_xml().unwrap()).unwrap();
    let config = SystemUserConfig::new(
        env,
        CustomerId::parse("Cust12345").unwrap(),
        sb.system_token("Cust12345").unwrap().unwrap(),
        sb.client_secret(),
        key,
    )
    .serial("1000012345");
    let provider = SystemUserTokenProvider::new(config).unwrap();
    let client = Client::builder()
        .api_base(sb.api_base("Cust12345").unwrap())
        .token_provider(Arc::new(provider))
        .build()
        .unwrap();
    let sale = client.sales().get(SaleId(103)).await.unwrap();
    assert_eq!(sale.status, Some(SaleStatus::Sold));
    assert!(sb
        .requests()
        .iter()
        .any(|r| r.auth == superoffice_sandbox::AuthKind::SoTicket && r.status == 200));
}

#[tokio::test]
async fn client_endpoints_decode_sandbox_responses() {
    use futures::TryStreamExt as _;
    use superoffice_client::models::{
        ContactId, PersonId, VisibleIn, WebPanelEntity, Webhook, WebhookSecret,
    };
    use superoffice_client::odata::Filter;

    let sb = SuperOfficeSandbox::builder()
        .webhook_retry_delays([std::time::Duration::ZERO; 2])
        .start()
        .await
        .unwrap();
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let client = Client::builder()
        .api_base(sb.api_base("Cust12345").unwrap())
        .token_provider(Arc::new(StaticToken::new(
            superoffice_client::Credential::bearer(token),
        )))
        .build()
        .unwrap();

    let contact = client.contacts().get(ContactId(2)).await.unwrap();
    assert_eq!(contact.name.as_deref(), Some("Fjord Shipping ASA"));
    let person = client.persons().get(PersonId(10)).await.unwrap();
    assert_eq!(person.firstname.as_deref(), Some("Kari"));
    let persons = client
        .contacts()
        .persons(ContactId(2))
        .select(["personId", "fullName"])
        .send()
        .await
        .unwrap();
    assert_eq!(persons.value.len(), 2);

    let stages = client.lists().sale_stages(false).await.unwrap();
    assert_eq!(stages.len(), 5);
    // The client sends Accept-Language by default, so list texts come back resolved.
    assert!(stages
        .iter()
        .all(|s| !s.value.as_deref().unwrap_or("").starts_with("US:")));
    assert_eq!(client.lists().sale_types().await.unwrap().len(), 2);
    assert_eq!(client.lists().reasons_lost().await.unwrap().len(), 3);
    assert_eq!(client.lists().reasons_sold().await.unwrap().len(), 3);
    assert_eq!(client.lists().reasons_stalled().await.unwrap().len(), 2);

    let users = client
        .users()
        .find_by_email(default_seed::SELLER_EMAIL)
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].associate_id.0, default_seed::SELLER_ASSOCIATE_ID);
    assert!(users[0].is_active);

    // Streaming an OData list pages through `$top`/`$skip`.
    let open: Vec<_> = client
        .sales()
        .list()
        .select(["saleId", "heading", "stage"])
        .filter(Filter::equals("saleStatus", 1).and(Filter::one_of("stage", &[1, 2, 3])))
        .top(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<i64> = open.iter().filter_map(|r| r.int("saleId")).collect();
    assert_eq!(ids, vec![101, 102, 105]);
    assert!(
        sb.requests()
            .iter()
            .filter(|r| r.path.ends_with("/api/v1/Sale"))
            .count()
            == 2,
        "two pages, the second through odata.nextLink"
    );

    // Web panel lifecycle.
    let panel = WebPanelEntity::new(
        "Oneflow",
        "https://contracts.example.com/so?ctx=<uctx>&sale=<said>&user=<usid>",
        VisibleIn::SaleArchive,
        "oneflow.sale",
    );
    let created = client.web_panels().create(&panel).await.unwrap();
    assert!(created.web_panel_id.0 > 0);
    let found = client
        .web_panels()
        .get_by_prog_id("oneflow.sale")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.web_panel_id, created.web_panel_id);
    assert!(client
        .web_panels()
        .get_by_prog_id("missing")
        .await
        .unwrap()
        .is_none());
    let groups = client
        .web_panels()
        .show_to_all_user_groups(created.web_panel_id)
        .await
        .unwrap();
    assert!(groups.iter().all(|g| g.selected));
    let stored = client
        .web_panels()
        .user_groups(created.web_panel_id)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|g| g.selected));
    client
        .web_panels()
        .delete_permanently(created.web_panel_id)
        .await
        .unwrap();
    assert!(sb.web_panels("Cust12345").unwrap().is_empty());

    // Webhook lifecycle against a local receiver.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let app = axum::Router::new().fallback(|| async { "ok" });
        axum::serve(listener, app).await.unwrap();
    });
    let hook = Webhook::new(
        "oneflow",
        target,
        ["sale.sold"],
        WebhookSecret::new("whsec-client-test"),
    );
    let created = client.webhooks().create(&hook).await.unwrap();
    assert!(created.webhook_id.0 > 0);
    let listed = client.webhooks().list().send().await.unwrap();
    assert_eq!(listed.len(), 1);
    let result = client.webhooks().test(&created).await.unwrap();
    assert!(result.success, "{result:?}");
    client.webhooks().delete(created.webhook_id).await.unwrap();
    assert!(sb.webhooks("Cust12345").unwrap().is_empty());
}

#[tokio::test]
async fn sandbox_deliveries_verify_with_the_client_webhook_verifier() {
    use superoffice_sandbox::SaleStatus as SeedStatus;
    let sb = SuperOfficeSandbox::builder()
        .webhook_retry_delays([std::time::Duration::ZERO; 2])
        .start()
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let app = axum::Router::new().fallback(|| async { "ok" });
        axum::serve(listener, app).await.unwrap();
    });
    let token = sb.issue_access_token(default_seed::ADMIN_EMAIL).unwrap();
    let client = Client::builder()
        .api_base(sb.api_base("Cust12345").unwrap())
        .token_provider(Arc::new(StaticToken::new(
            superoffice_client::Credential::bearer(token),
        )))
        .build()
        .unwrap();
    let hook = superoffice_client::models::Webhook::new(
        "oneflow",
        target,
        ["sale.sold"],
        superoffice_client::models::WebhookSecret::new("whsec-verify"),
    );
    client.webhooks().create(&hook).await.unwrap();
    sb.set_sale_status("Cust12345", 102, SeedStatus::Sold, 5)
        .unwrap();
    let log = sb
        .wait_for_deliveries_within(std::time::Duration::from_secs(10), |log| log.len() >= 2)
        .await
        .unwrap();
    let sold = log.iter().find(|d| d.event == "sale.sold").unwrap();
    let payload = superoffice_client::webhook::verify(
        sold.body.as_bytes(),
        "whsec-verify",
        sold.signature.as_deref().unwrap(),
    )
    .unwrap();
    assert_eq!(payload.primary_key, Some(102));
    assert!(superoffice_client::webhook::verify(
        sold.body.as_bytes(),
        "wrong-secret",
        sold.signature.as_deref().unwrap()
    )
    .is_err());
}

/// `sign_in` works for any authorize URL of this sandbox: a tenant-specific one, a forced
/// account chooser, and it refuses URLs of other hosts and unknown users.
#[tokio::test]
async fn sandbox_sign_in_returns_the_callback_with_code_and_state() {
    let sb = SuperOfficeSandbox::start().await.unwrap();
    let oidc = oidc(&sb);
    let request = oidc
        .authorize_url(
            AuthorizeOptions::new()
                .tenant(CustomerId::parse(default_seed::MAIN_TENANT).unwrap())
                .prompt(superoffice_client::auth::Prompt::SelectAccount),
        )
        .unwrap();
    let callback = sb
        .sign_in(&request.url, default_seed::SELLER_EMAIL)
        .await
        .unwrap();
    let pairs: Vec<(String, String)> = callback.query_pairs().into_owned().collect();
    assert!(pairs.iter().any(|(k, _)| k == "code"), "{pairs:?}");
    assert!(pairs
        .iter()
        .any(|(k, v)| k == "state" && v == request.pending.state()));
    let session = oidc
        .exchange_callback(&request.pending, callback.query().unwrap_or(""))
        .await
        .unwrap();
    assert_eq!(
        session.claims.email.as_deref(),
        Some(default_seed::SELLER_EMAIL)
    );

    let unknown = sb.sign_in(&request.url, "nobody@nowhere.example").await;
    assert!(matches!(
        unknown,
        Err(superoffice_sandbox::SandboxError::UnknownUser(_))
    ));
    let mut elsewhere = request.url.clone();
    elsewhere.set_port(Some(9)).unwrap();
    assert!(matches!(
        sb.sign_in(&elsewhere, default_seed::SELLER_EMAIL).await,
        Err(superoffice_sandbox::SandboxError::SignIn(_))
    ));
}

/// The sandbox's account chooser, `prompt` values, revocation and suspended tenants, seen
/// through the client's sign-in.
mod sign_in_choices {
    use super::*;
    use crate::auth_support::{auth_err, tenant_err};
    use superoffice_client::auth::{OidcClient, OidcConfig, Session};
    use superoffice_client::auth::{PendingAuthorization, Prompt};
    use superoffice_client::tenant::{TenantError, TenantState};
    use superoffice_client::AuthError;
    use superoffice_sandbox::{default_seed, SuperOfficeSandbox};

    fn browser() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    fn oidc(sb: &SuperOfficeSandbox) -> OidcClient {
        let env = Environment::custom(sb.base_url()).expect("env");
        OidcClient::new(
            OidcConfig::new(
                env,
                sb.client_id(),
                sb.client_secret(),
                default_seed::REDIRECT_URI,
            )
            .expect("config"),
        )
        .expect("client")
    }

    async fn finish(
        oidc: &OidcClient,
        pending: &PendingAuthorization,
        redirect: reqwest::Response,
    ) -> Session {
        assert_eq!(
            redirect.status().as_u16(),
            302,
            "expected a redirect to the callback"
        );
        let location = redirect.headers()["location"]
            .to_str()
            .expect("ascii")
            .to_owned();
        let callback = url::Url::parse(&location).expect("url");
        oidc.exchange_callback(pending, callback.query().unwrap_or_default())
            .await
            .expect("signed in")
    }

    async fn sign_in(sb: &SuperOfficeSandbox) -> (OidcClient, Session) {
        let oidc = oidc(sb);
        let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
        let callback = sb
            .sign_in(&request.url, default_seed::ADMIN_EMAIL)
            .await
            .expect("sandbox sign-in");
        let session = oidc
            .exchange_callback(&request.pending, callback.query().unwrap_or_default())
            .await
            .expect("signed in");
        (oidc, session)
    }

    /// "Switch account": with `prompt=select_account` the sandbox shows its account chooser
    /// although the login hint names a user it could sign in silently.
    #[tokio::test]
    async fn select_account_shows_the_account_chooser_despite_the_login_hint() {
        let sb = SuperOfficeSandbox::start().await.expect("sandbox");
        let oidc = oidc(&sb);
        let silent = oidc
            .authorize_url(AuthorizeOptions::new().login_hint(default_seed::ADMIN_EMAIL))
            .expect("url");
        let response = browser()
            .get(silent.url.clone())
            .send()
            .await
            .expect("authorize");
        assert_eq!(response.status().as_u16(), 302, "silent without prompt");

        let request = oidc
            .authorize_url(
                AuthorizeOptions::new()
                    .login_hint(default_seed::ADMIN_EMAIL)
                    .prompt(Prompt::SelectAccount),
            )
            .expect("url");
        let page = browser()
            .get(request.url.clone())
            .send()
            .await
            .expect("authorize");
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.expect("html");
        assert!(
            html.contains(default_seed::SELLER_EMAIL),
            "lists the accounts"
        );
        assert!(
            html.contains("name=\"prompt\""),
            "keeps the prompt in the form"
        );

        // The user picks the seller on the chooser.
        let chosen = browser()
            .post(request.url.clone())
            .form(&[("email", default_seed::SELLER_EMAIL), ("consent", "allow")])
            .send()
            .await
            .expect("post");
        let session = finish(&oidc, &request.pending, chosen).await;
        assert_eq!(
            session.claims.associate_id,
            Some(default_seed::SELLER_ASSOCIATE_ID)
        );
    }

    #[tokio::test]
    async fn the_sandbox_refuses_unknown_prompt_values_and_prompt_none_without_a_user() {
        let sb = SuperOfficeSandbox::start().await.expect("sandbox");
        let oidc = oidc(&sb);
        let request = oidc.authorize_url(AuthorizeOptions::new()).expect("url");
        let redirect_error = |response: &reqwest::Response| {
            let location = response.headers()["location"]
                .to_str()
                .expect("ascii")
                .to_owned();
            url::Url::parse(&location)
                .expect("url")
                .query_pairs()
                .find(|(k, _)| k == "error")
                .map(|(_, v)| v.into_owned())
        };
        for (prompt, expected) in [
            ("sometimes", "invalid_request"),
            ("none login", "invalid_request"),
            ("none", "login_required"),
        ] {
            let mut url = request.url.clone();
            url.query_pairs_mut().append_pair("prompt", prompt);
            let response = browser().get(url).send().await.expect("authorize");
            assert_eq!(response.status().as_u16(), 302, "{prompt}");
            assert_eq!(
                redirect_error(&response).as_deref(),
                Some(expected),
                "{prompt}"
            );
        }
    }

    /// Disconnect: the revoked refresh token then fails with `invalid_grant`.
    #[tokio::test]
    async fn a_revoked_refresh_token_fails_with_invalid_grant() {
        let sb = SuperOfficeSandbox::start().await.expect("sandbox");
        let (oidc, session) = sign_in(&sb).await;
        let refresh = session.tokens.refresh_token.clone().expect("refresh token");
        oidc.refresh(&refresh).await.expect("usable before");
        assert_eq!(
            oidc.revocation_url().await.expect("discovered").path(),
            "/login/common/oauth/revoke"
        );
        oidc.revoke_refresh_token(&refresh).await.expect("revoked");
        let err = oidc.refresh(&refresh).await.expect_err("revoked");
        let err = auth_err(err);
        assert!(err.requires_sign_in(), "{err:?}");
        assert!(
            matches!(err, AuthError::TokenEndpoint { ref error, .. } if error == "invalid_grant")
        );
        // Revoking an unknown (already revoked) token is not an error (RFC 7009).
        oidc.revoke_refresh_token(&refresh)
            .await
            .expect("idempotent");

        // Wrong client credentials are refused.
        let env = Environment::custom(sb.base_url()).expect("env");
        let wrong = OidcClient::new(
            OidcConfig::new(
                env,
                sb.client_id(),
                "wrong-secret",
                default_seed::REDIRECT_URI,
            )
            .expect("config"),
        )
        .expect("client");
        let err = wrong
            .revoke_refresh_token(&refresh)
            .await
            .expect_err("bad client");
        assert!(matches!(
            auth_err(err),
            AuthError::TokenEndpoint { status: Some(401), ref error, .. } if error == "invalid_client"
        ));
    }

    /// The sandbox's state API returns empty `Endpoint`/`Api` for a suspended tenant; the
    /// client reads it as a typed state.
    #[tokio::test]
    async fn a_suspended_sandbox_tenant_has_no_location() {
        let sb = SuperOfficeSandbox::start().await.expect("sandbox");
        sb.set_tenant_state(default_seed::MAIN_TENANT, "Suspended")
            .expect("state");
        let locator = TenantLocator::new(
            Environment::custom(sb.base_url()).expect("env"),
            superoffice_client::default_http_client().expect("http"),
        );
        let tenant = CustomerId::parse(default_seed::MAIN_TENANT).expect("id");
        let status = locator.status(&tenant).await.expect("typed state");
        assert_eq!(status.state, TenantState::Suspended);
        assert_eq!(status.endpoint, None);
        assert_eq!(status.api, None);
        let err = tenant_err(locator.api_base(&tenant).await.expect_err("suspended"));
        assert!(matches!(err, TenantError::NotAvailable { .. }), "{err:?}");
    }
}
