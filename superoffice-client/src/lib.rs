//! Typed async client for **SuperOffice CRM Online**: OIDC sign-in, credentials that stay valid,
//! tenant routing, and the REST Web API (`https://<host>/<Cust>/api/v1/…`). An in-process
//! sandbox of the whole service lives in the separate crate `superoffice-sandbox`.
//!
//! What it covers:
//!
//! * **Sign-in** with the authorization code flow (PKCE S256, `state`, `nonce`), straight into
//!   one tenant when you know it, and RS256 validation of the id_token against the
//!   environment's JWKS. The result is a [`Session`](auth::Session): tokens plus SuperOffice's
//!   typed claims (tenant, administrator flag, `webapi_url`, `system_token`, …).
//! * **Credentials**: a [`TokenProvider`] hands the REST client a credential for every request.
//!   [`RefreshingTokenProvider`](auth::RefreshingTokenProvider) renews a user's access
//!   token before it runs out (and once after a 401), and
//!   [`SystemUserTokenProvider`](auth::SystemUserTokenProvider) issues back-channel
//!   `SOTicket` credentials for the "system user".
//! * **Tenants**: [`CustomerId`] (`Cust12345`), the tenant state API ([`TenantLocator`]) and
//!   transparent recovery when a tenant has moved to another host (HTTP 421).
//! * **REST**: one handler per area – Sales, Contacts, Persons, Users, Lists, Web panels,
//!   Webhooks – with SuperOffice's wire format modelled in [`models`], JSON Patch with `test`
//!   operations for optimistic concurrency, and OData lists with safe quoting and streaming.
//! * **Webhooks**: signature verification of incoming deliveries over the raw body.
//! * **Operations**: one [`Error`] type, retries of idempotent requests, a client-side rate
//!   limit, `tracing` spans per request, and secrets kept out of `Debug`, logs and errors.
//!
//! # Modules
//!
//! | Module | What is in it |
//! |---|---|
//! | [`auth`] | environments, [`OidcClient`] (authorize URL, code exchange, refresh), id_token validation and claims, the system user |
//! | [`credentials`] | [`Credential`], the [`TokenProvider`] trait, static and refreshing providers, [`TokenSink`](auth::TokenSink) for persisting tokens |
//! | [`tenant`] | [`CustomerId`], [`TenantLocator`] (tenant state API), [`ApiBaseResolver`], cache-flush URLs |
//! | [`api`] | the handlers (`client.sales()`, `.contacts()`, `.persons()`, `.users()`, `.lists()`, `.web_panels()`, `.webhooks()`) and the web panel URL builder |
//! | [`models`] | entities in SuperOffice's PascalCase format, id newtypes, list references, [`JsonPatch`](models::JsonPatch) |
//! | [`odata`] | [`Filter`](odata::Filter), [`quote`](odata::quote), one page or a stream of rows |
//! | [`webhook`] | [`verify`](webhook::verify) a delivery, the `X-SuperOffice-*` header names, [`sign_for_test`](webhook::sign_for_test) |
//!
//! The plumbing lives in private modules; its public types are at the crate root: the REST
//! [`Client`] and [`ClientBuilder`], [`ApiRequest`] and [`RawResponse`] for endpoints without a
//! typed method, [`Error`], [`ApiError`] (SuperOffice's error document), [`AuthError`],
//! [`TenantError`], [`RetryPolicy`] (which failures are sent again, and when), [`RateLimit`] and
//! the shared [`RateLimiter`], [`Clock`], [`CustomerId`], [`Environment`] and
//! [`default_http_client`].
//!
//! # Calls this crate does not wrap
//!
//! Build an [`ApiRequest`] and send it with [`Client::execute`] (JSON answer),
//! [`Client::execute_empty`] (no body) or [`Client::send`] (a [`RawResponse`], e.g. document
//! content). Credentials, the redirect check, the rate limit, retries and the request span
//! apply exactly as for the typed calls, and an error status still becomes an [`Error`].
//!
//! # Quick start
//!
//! ## 1. Sign an administrator in
//!
//! Register the application in the SuperOffice Developer Portal, then build an [`OidcClient`]
//! for the environment it lives in. [`authorize_url`](OidcClient::authorize_url) gives the URL
//! to send the browser to and a [`PendingAuthorization`](auth::PendingAuthorization) to keep
//! (server side) until SuperOffice redirects back. With a tenant in the options the user lands
//! directly in that tenant, without the tenant picker.
//!
//! ```no_run
//! use superoffice_client::auth::{AuthorizeOptions, OidcClient, OidcConfig};
//! use superoffice_client::Environment;
//! use superoffice_client::CustomerId;
//!
//! # async fn sign_in(callback_query: &str) -> superoffice_client::Result<()> {
//! let oidc = OidcClient::new(OidcConfig::new(
//!     Environment::Production,
//!     "my-client-id",
//!     "my-client-secret",
//!     "https://app.example.com/superoffice/callback",
//! )?)?;
//!
//! // Step 1: redirect the browser to `request.url`; keep `request.pending` in the user's
//! // (server-side) session, e.g. keyed by `request.pending.state()`.
//! let tenant = CustomerId::parse("Cust12345")?;
//! let request = oidc.authorize_url(AuthorizeOptions::new().tenant(tenant))?;
//!
//! // Step 2: SuperOffice redirects to the callback with `?state=…&code=…`. The state is
//! // checked, the code exchanged and the id_token validated (signature, issuer, audience,
//! // expiry, nonce). `exchange_code` does the same from the two values.
//! let session = oidc.exchange_callback(&request.pending, callback_query).await?;
//!
//! // Step 3: read the claims.
//! if session.claims.is_administrator != Some(true) {
//!     println!("only a SuperOffice administrator can connect the tenant");
//!     return Ok(());
//! }
//! println!("tenant:     {:?}", session.claims.customer_id); // Some(Cust12345)
//! println!("webapi_url: {:?}", session.claims.webapi_url); // https://online3.superoffice.com/Cust12345/api/
//! # Ok(()) }
//! ```
//!
//! ## 2. A REST client for the tenant
//!
//! The [`Client`] talks to one tenant. Give it the tenant's API base (the `webapi_url` claim),
//! a [`TokenProvider`], and optionally an [`ApiBaseResolver`] to recover from tenant moves.
//! The refreshing provider calls its [`TokenSink`](auth::TokenSink) – any
//! `Fn(&TokenSet)` closure – after every refresh, so the new tokens can be stored.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use superoffice_client::auth::{OidcClient, Session};
//! use superoffice_client::{default_http_client, Environment};
//! use superoffice_client::auth::{RefreshingTokenProvider, TokenSet};
//! use superoffice_client::{Client, TenantLocator};
//!
//! # async fn connect(oidc: OidcClient, session: Session) -> superoffice_client::Result<Client> {
//! // The `webapi_url` claim, or the tenant state API when the claim is missing.
//! let api_base = oidc.api_base(&session).await?;
//!
//! let tokens = RefreshingTokenProvider::new(Arc::new(oidc), session.tokens).with_sink(Arc::new(
//!     |fresh: &TokenSet| {
//!         // Persist fresh.access_token, fresh.refresh_token and fresh.expires_at
//!         // (encrypted); restore them later with `TokenSet::new`.
//!         let _ = fresh;
//!     },
//! ));
//! let locator = TenantLocator::new(Environment::Production, default_http_client()?);
//!
//! let client = Client::builder()
//!     .api_base(api_base) // the tenant id is read from the URL
//!     .token_provider(Arc::new(tokens))
//!     .api_base_resolver(Arc::new(locator))
//!     .language("en")
//!     .build()?;
//! # Ok(client) }
//! ```
//!
//! ## 3. Close a Sale as Sold
//!
//! A JSON Patch that starts with a `test` operation is applied only if the Sale still has the
//! status you saw; otherwise SuperOffice answers 409 and nothing changes. Patches are never
//! retried automatically.
//!
//! ```no_run
//! use superoffice_client::models::{JsonPatch, ListRef, SaleId, SaleStatus};
//! use superoffice_client::{Client, Error};
//!
//! # async fn close(client: Client) -> superoffice_client::Result<()> {
//! let sale = client.sales().get(SaleId(101)).await?;
//! println!("{:?}: {:?}, stage {:?}", sale.heading, sale.status, sale.stage_id());
//!
//! let close = JsonPatch::new()
//!     .test("Status", SaleStatus::Open)
//!     .replace("Status", SaleStatus::Sold)
//!     .replace("ReasonSold", ListRef::id(3));
//! match client.sales().patch(sale.sale_id, &close).await {
//!     Ok(sold) => println!("closed: {:?}, probability {:?}", sold.status, sold.probability),
//!     Err(Error::Conflict(details)) => {
//!         // Someone changed the status first: read the Sale again and decide.
//!         println!("not closed: {details}");
//!     }
//!     Err(other) => return Err(other),
//! }
//! # Ok(()) }
//! ```
//!
//! ## 4. Stream an OData list
//!
//! List endpoints return a builder: [`send`](odata::ODataList::send) fetches one page,
//! [`stream`](odata::ODataList::stream) yields every row, following `odata.nextLink` (or
//! `$skip`). Text from users goes into a [`Filter`](odata::Filter) constructor (or
//! [`quote`](odata::quote)), which quotes it as a SuperOffice filter literal: `O'Brien` → `'O\'Brien'`.
//!
//! ```no_run
//! use futures::TryStreamExt as _;
//! use superoffice_client::odata::{Filter, Order};
//!
//! # async fn list(client: superoffice_client::Client, typed_by_user: &str) -> superoffice_client::Result<()> {
//! let mut rows = client
//!     .contacts()
//!     .list()
//!     .select(["contactId", "name"])
//!     .filter(Filter::begins("name", typed_by_user)) // e.g. "O'Brien"
//!     .order_by("name", Order::Asc)
//!     .top(100) // page size
//!     .stream(); // an ItemStream: Send + Unpin, no pinning needed
//! while let Some(row) = rows.try_next().await? {
//!     println!("{:?} {:?}", row.int("contactId"), row.text("name"));
//! }
//! # Ok(()) }
//! ```
//!
//! ## 5. Verify a webhook delivery
//!
//! Check the `X-SuperOffice-Signature` header over the **raw** request body before parsing
//! anything. The payload only says that something changed: dedupe on `EventId`, then read the
//! entity through the REST API.
//!
//! ```
//! use superoffice_client::webhook::{self, WebhookError, SIGNATURE_HEADER};
//!
//! fn on_delivery(headers: &http::HeaderMap, raw_body: &[u8], secret: &str) -> Result<(), WebhookError> {
//!     let signature = headers
//!         .get(SIGNATURE_HEADER)
//!         .and_then(|value| value.to_str().ok())
//!         .unwrap_or_default();
//!     let payload = webhook::verify(raw_body, secret, signature)?;
//!     if payload.event.as_deref() == Some("sale.changed") {
//!         println!("event {:?}: Sale {:?} changed", payload.event_id, payload.primary_key);
//!     }
//!     Ok(())
//! }
//!
//! // What SuperOffice would send:
//! let body = br#"{"EventId":"6d9a0c1e","Event":"sale.changed","PrimaryKey":101,"Entity":"sale"}"#;
//! let mut headers = http::HeaderMap::new();
//! headers.insert(SIGNATURE_HEADER, webhook::sign_for_test(body, "whsec").parse().unwrap());
//! assert!(on_delivery(&headers, body, "whsec").is_ok());
//! assert_eq!(on_delivery(&headers, body, "other"), Err(WebhookError::InvalidSignature));
//! ```
//!
//! ## 6. The system user
//!
//! For work without a signed-in user (webhook handlers, background jobs) the application signs
//! the tenant's `system_token` with its RSA private key and gets an `SOTicket`. The
//! `system_token` claim is in an administrator's id_token when the app is set up for the
//! system user; store it with the tenant id and `serial`, and build the configuration later
//! with [`SystemUserConfig::new`](auth::SystemUserConfig::new).
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use superoffice_client::auth::{Session, SystemUserConfig, SystemUserKey, SystemUserTokenProvider};
//! use superoffice_client::Environment;
//! use superoffice_client::{Client, ConfigError, Error};
//!
//! # async fn system_user(session: Session, private_key: &str) -> superoffice_client::Result<()> {
//! let key = SystemUserKey::parse(private_key)?; // PEM, or the portal's <RSAKeyValue> XML
//! let config = SystemUserConfig::from_claims(Environment::Production, &session.claims, "my-client-secret", key)?;
//! let api_base = session
//!     .api_base()
//!     .ok_or(Error::Config(ConfigError::MissingApiBase))?; // no webapi_url claim
//! let client = Client::builder()
//!     .api_base(api_base)
//!     .token_provider(Arc::new(SystemUserTokenProvider::new(config)?))
//!     .build()?;
//! let me = client.users().current_principal().await?;
//! # let _ = me; Ok(()) }
//! ```
//!
//! ## 7. Against the sandbox
//!
//! The crate `superoffice-sandbox` (a dev-dependency of this crate, not a feature) provides
//! `superoffice_sandbox::SuperOfficeSandbox`, a stateful fake of
//! SuperOffice Online on loopback: an OIDC provider with a seeded application, the tenant
//! state API, two data hosts and the REST API, seeded with two tenants (`Cust12345`,
//! `Cust67890`) and their users, companies and Sales (see that crate's docs). The
//! client code is the same as against SuperOffice; only the environment is
//! [`Environment::custom`] with the sandbox's URL. This example runs offline:
//!
//! ```no_run
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//!
//! use futures::TryStreamExt as _;
//! use superoffice_client::auth::{AuthorizeOptions, OidcConfig};
//! use superoffice_client::default_http_client;
//! use superoffice_client::auth::RefreshingTokenProvider;
//! use superoffice_client::models::{JsonPatch, ListRef, SaleId, SaleStatus};
//! use superoffice_client::odata::Filter;
//! use superoffice_client::{Client, Environment, OidcClient, TenantLocator};
//! use superoffice_sandbox::{default_seed, SuperOfficeSandbox};
//!
//! let sandbox = SuperOfficeSandbox::start().await?;
//! let env = Environment::custom(sandbox.base_url())?;
//! let oidc = OidcClient::new(OidcConfig::new(
//!     env.clone(),
//!     sandbox.client_id(),
//!     sandbox.client_secret(),
//!     default_seed::REDIRECT_URI,
//! )?)?;
//!
//! // The browser step, done by the sandbox: the user picks their account and the sandbox
//! // answers with the callback URL (`code` and `state`); the client exchanges the code.
//! let request = oidc.authorize_url(AuthorizeOptions::new())?;
//! let callback = sandbox.sign_in(&request.url, default_seed::ADMIN_EMAIL).await?;
//! let session = oidc
//!     .exchange_callback(&request.pending, callback.query().unwrap_or_default())
//!     .await?;
//! assert_eq!(session.claims.is_administrator, Some(true));
//!
//! let client = Client::builder()
//!     .api_base(session.api_base().ok_or("no webapi_url")?)
//!     .token_provider(Arc::new(RefreshingTokenProvider::new(Arc::new(oidc), session.tokens)))
//!     .api_base_resolver(Arc::new(TenantLocator::new(env, default_http_client()?)))
//!     .build()?;
//!
//! // Close the seeded open Sale 101 as Sold.
//! let id = SaleId(default_seed::OPEN_SALE_ID);
//! let close = JsonPatch::new()
//!     .test("Status", SaleStatus::Open)
//!     .replace("Status", SaleStatus::Sold)
//!     .replace("ReasonSold", ListRef::id(3));
//! let sold = client.sales().patch(id, &close).await?;
//! assert_eq!(sold.status, Some(SaleStatus::Sold));
//! // The same patch again: the `test` fails now.
//! let again = client.sales().patch(id, &close).await.unwrap_err();
//! assert!(matches!(again, superoffice_client::Error::Conflict(_)));
//!
//! // Move the tenant to the other host: the next call gets 421, asks the tenant state API
//! // where the tenant lives now and succeeds there.
//! sandbox.move_tenant(default_seed::MAIN_TENANT)?;
//! let open: Vec<_> = client
//!     .sales()
//!     .list()
//!     .select(["saleId", "heading"])
//!     .filter(Filter::equals("saleStatus", 1))
//!     .stream()
//!     .try_collect()
//!     .await?;
//! println!("{} open Sales, API now at {}", open.len(), client.api_base());
//! # Ok(()) }
//! ```
//!
//! In tests, `SuperOfficeSandbox::issue_access_token` skips the browser step: wrap the token in
//! a [`StaticToken`](credentials::StaticToken). The sandbox also moves tenants, expires and
//! revokes tokens, injects faults (500, HTML 502/503, timeouts, 429 with or without `Retry-After`), records
//! requests and delivers webhooks – see its crate docs and `tests/it/against_sandbox.rs`.
//!
//! # Errors
//!
//! Every fallible call returns [`Result<T>`](Result) with the one [`Error`] enum
//! (`#[non_exhaustive]`):
//!
//! * HTTP statuses with their own variant: [`Unauthorized`](Error::Unauthorized) (401, also
//!   after one refresh), [`NotFound`](Error::NotFound) (404), [`Conflict`](Error::Conflict)
//!   (409, a failed patch `test`), [`PreconditionFailed`](Error::PreconditionFailed) (412),
//!   [`MisdirectedRequest`](Error::MisdirectedRequest) (421 after re-resolving once),
//!   [`RateLimited`](Error::RateLimited) (429); every other status is [`Api`](Error::Api).
//!   All carry an [`ApiError`]: status, endpoint template (`v1/Sale/{id}`),
//!   SuperOffice's `ErrorType`/`ErrorMessage`/`ErrorSource` when the body was an error document,
//!   and the raw body (also an HTML page from a proxy). [`Error::status`] and
//!   [`Error::api_error`] reach them from any variant; [`Error::is_not_found`] and
//!   [`Error::is_conflict`] (409 or 412: someone changed the entity first) ask without a
//!   `match`.
//! * [`Auth`](Error::Auth): sign-in, token, id_token, system-user and tenant lookup failures
//!   ([`AuthError`]); [`AuthError::requires_sign_in`] says when the user has to sign in again
//!   (refresh token refused or missing).
//! * [`Transport`](Error::Transport) (no HTTP response), [`Decode`](Error::Decode) (a 2xx body
//!   of the wrong shape, with the JSON path and the start of the body),
//!   [`Protocol`](Error::Protocol) (e.g. a next-page link to another host),
//!   [`InvalidInput`](Error::InvalidInput) (refused locally, nothing was sent) and
//!   [`Config`](Error::Config) (a [`ConfigError`]; [`ClientBuilder::build`] returns one
//!   directly).
//!
//! [`Error::is_retryable`] is true for 429, 502, 503, 504 and connect or timeout errors;
//! [`Error::retry_after`] is the server's `Retry-After`, when it sent one. Webhook
//! verification has its own small [`WebhookError`](webhook::WebhookError).
//!
//! # Retries and rate limit
//!
//! Only idempotent requests are sent again ([`ApiRequest::is_idempotent`]: `GET`, `HEAD`,
//! `PUT`, `DELETE`, `OPTIONS`; a `POST` only when marked with [`ApiRequest::idempotent`];
//! `PATCH` never, even behind a `test` operation), and only for the statuses in
//! [`RETRYABLE_STATUSES`] (429, 502, 503, 504; not 500, which NetServer uses for its
//! deterministic exceptions) and connect or timeout errors. The default [`RetryPolicy`] makes
//! at most 4 attempts, waits 500 ms doubling up to 8 s (with jitter) unless the server's
//! `Retry-After` (seconds or any HTTP date form, see [`parse_retry_after`]) says otherwise,
//! never waits longer than 8 s at once, and gives up when 30 s would be exceeded;
//! [`RetryPolicy::never`] turns it off.
//! Independently, a 401 leads to one credential refresh and one resend.
//!
//! Every attempt first takes a slot from a token bucket shared by all clones of a client:
//! 10 requests per second by default (SuperOffice's guidance), set with
//! [`ClientBuilder::rate_limit`] or shared between clients with
//! [`ClientBuilder::rate_limiter`]. The built-in HTTP client does not follow redirects and
//! times out after 30 s (connect 10 s).
//!
//! # Tenants and HTTP 421
//!
//! Users sign in on the environment's un-numbered host (`online.superoffice.com`), but a
//! tenant's data lives on a numbered one (`online3…`, `sod2…`) that can change. The API base
//! comes from the `webapi_url` claim or from [`TenantLocator::api_base`] (the tenant state API,
//! cached until its `ValidUntil`). When SuperOffice answers **421** (wrong host for the tenant),
//! a client with an [`ApiBaseResolver`] asks it once for the current base, switches to it
//! (see [`Client::api_base`]) and resends the request; without a resolver, or if the second
//! host answers 421 too, the call fails with [`Error::MisdirectedRequest`]. A tenant that is
//! suspended or in maintenance gives a [`TenantError::NotAvailable`].
//!
//! # Secrets
//!
//! Access, refresh and id tokens, the client secret, the PKCE verifier and nonce, the
//! `system_token`, system-user tickets, RSA private keys and webhook secrets are held as
//! `secrecy::SecretString` or behind a hand-written `Debug` that prints `[redacted]`
//! ([`Credential`], [`TokenSet`](auth::TokenSet), [`OidcConfig`](auth::OidcConfig),
//! [`PendingAuthorization`](auth::PendingAuthorization), [`SuperOfficeClaims`],
//! [`SystemUserConfig`](auth::SystemUserConfig), [`SystemUserKey`](auth::SystemUserKey),
//! [`WebhookSecret`](models::WebhookSecret), the providers). `Authorization` and `SO-AppToken`
//! headers are marked sensitive, and credentials are only sent to the client's API host (a
//! next-page link to another host is refused). No error message or log line contains a token
//! or secret; REST errors and request spans name the endpoint template (`v1/Sale/{id}`) rather
//! than the concrete URL, query or body; webhook errors never contain the expected signature.
//!
//! # Features
//!
//! * default: the client, authentication, tenants and webhooks (reqwest with rustls; no
//!   OpenSSL).
//! * `test-util`: helpers for tests of code that uses this crate: `ManualClock`,
//!   `webhook::sign_for_test` and `ApiError::for_test`. This crate's own tests enable it
//!   through a dev-dependency on itself.
//!
//! The former `sandbox` feature is gone: the sandbox is the separate crate
//! `superoffice-sandbox` (`superoffice_sandbox::SuperOfficeSandbox`), which does not depend on
//! this client.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
pub mod auth;
mod client;
mod clock;
pub mod credentials;
mod customer_id;
mod environment;
mod error;
mod http;
pub mod models;
pub mod odata;
mod rate_limit;
mod redact;
mod request;
mod retry;
mod stream;
pub mod tenant;
pub mod webhook;

pub use auth::{OidcClient, SuperOfficeClaims};
pub use client::{Client, ClientBuilder, DEFAULT_LANGUAGE};
#[cfg(any(test, feature = "test-util"))]
pub use clock::ManualClock;
pub use clock::{Clock, SystemClock};
pub use credentials::{Credential, TokenProvider};
pub use customer_id::{CustomerId, CustomerIdError};
pub use environment::Environment;
pub use error::{ApiError, AuthError, ConfigError, Error, IdTokenProblem, Result, TenantError};
pub use http::default_http_client;
pub use rate_limit::{RateLimit, RateLimiter};
pub use request::{ApiRequest, RawResponse, JSON_PATCH, MERGE_PATCH};
pub use retry::{parse_retry_after, RetryDecision, RetryPolicy, RETRYABLE_STATUSES};
pub use stream::ItemStream;
pub use tenant::{ApiBaseResolver, TenantLocator};
