//! An in-process, stateful fake of **SuperOffice CRM Online**: OIDC provider, tenant state API,
//! two data hosts, the REST Web API for the calls this SDK makes and a minimal web UI (the
//! Sale screen with its web panel tabs). It is a real HTTP server on
//! `127.0.0.1` speaking SuperOffice's wire format (PascalCase entities, `{"Error":true,…}`
//! bodies, OData archive rows), so the client, the examples and end-to-end tests run offline.
//!
//! It is its own crate and does not depend on `superoffice-client`: the client uses it as a
//! dev-dependency for its tests, and so do the workspace's examples and end-to-end tests. Point
//! the client at it with `Environment::custom(sandbox.base_url())` and sign users in with
//! [`SuperOfficeSandbox::sign_in`].
//!
//! # Start
//!
//! ```no_run
//! use superoffice_sandbox::{default_seed, SuperOfficeSandbox};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = SuperOfficeSandbox::start().await?;
//! println!("auth host (issuer): {}", sandbox.base_url());
//! println!("tenant API:         {}", sandbox.api_base(default_seed::MAIN_TENANT)?);
//! // Skip the browser flow in tests: a valid access token for a seeded user.
//! let token = sandbox.issue_access_token(default_seed::ADMIN_EMAIL)?;
//! # let _ = token;
//! # Ok(()) }
//! ```
//!
//! A custom seed: `SuperOfficeSandbox::builder()` (starts from the default seed) or
//! [`SandboxBuilder::empty`] plus [`TenantSeed`]s, then `.start().await`.
//!
//! # URL layout
//!
//! With `base` = [`SuperOfficeSandbox::base_url`] (the "auth host", like
//! `https://sod.superoffice.com`):
//!
//! | What | URL |
//! |---|---|
//! | Issuer | `{base}` |
//! | Discovery | `GET {base}/login/.well-known/openid-configuration` |
//! | JWKS | `GET {base}/login/.well-known/jwks` |
//! | Authorize | `GET {base}/login/common/oauth/authorize`, `GET {base}/login/{Cust}/oauth/authorize` (+ `POST` from the sign-in page) |
//! | Token | `POST {base}/login/common/oauth/tokens` |
//! | System user | `POST {base}/Login/api/PartnerSystemUser/Authenticate` |
//! | Tenant state | `GET {base}/api/state/{Cust}` |
//! | REST | `{host}/{Cust}/api/v1/…` (`webapi_url` = `{host}/{Cust}/api/`) |
//! | Cache flush | `GET {host}/{Cust}/default.aspx?flush` |
//! | Web UI sign-in | `GET/POST {ui}/login`, `POST {ui}/logout` (`ui` = [`SuperOfficeSandbox::ui_url`]) |
//! | Sale screen | `GET {ui}/{Cust}/default.aspx?sale.main?sale_id={id}` ([`SuperOfficeSandbox::sale_screen_url`]) |
//!
//! Four listeners run: the auth host (= `base`: sign-in and tenant state only, no tenant
//! REST), two data hosts, A (where every tenant starts) and B, and the web UI. The web UI
//! listens on 127.0.0.1 too but is addressed as **`http://localhost:{port}`**: browsers treat
//! `localhost` and `127.0.0.1` as different *sites*, so a service on `127.0.0.1` framed by the
//! Sale screen is a cross-site (third-party) iframe, as a partner's panel is under
//! SuperOffice Online; the UI session cookie is not sent to that service either.
//!
//! # Sale screen
//!
//! A browser signs in at `{ui}/login` (pick a seeded user; the page sends
//! `X-Frame-Options: DENY` and `frame-ancestors 'none'`) and gets a session cookie
//! (`SoSandboxUi`, `HttpOnly`, `SameSite=Lax`). The Sale screen then shows the Sale's heading,
//! company, person, amount, status, stage and probability and, below them, one tab per web
//! panel with `VisibleIn` `SaleArchive` ("Panel - Sale screen section tab") that is not
//! deleted, is available in the web client (`OnSalesMarketingWeb`) and is selected for the
//! user's group, by `Rank`. The selected tab (`&panel={WebPanelId}`, default the first) is an
//! `<iframe>` whose `src` is the panel's `Url` with SuperOffice's template variables
//! substituted and encoded per `UrlEncoding`: `<uctx>` tenant, `<usid>` the user's associate
//! id, `<user>`/`<usem>`/`<usfn>`/`<usln>` the user's name and e-mail, `<said>` sale id,
//! `<sati>`, `<saam>`, `<sacu>`, `<sanu>`, `<sapr>`, `<sast>`, `<satu>`, `<saty>`, `<cuid>`,
//! `<name>`, `<atid>`, `<attn>`; `<usec>` becomes empty (as in Online since 11.5); other
//! `<xxxx>` stay as written. The OIDC provider's interactive sign-in page refuses framing as
//! well, so panels sign users in through a pop-up.
//! [`SuperOfficeSandbox::move_tenant`] moves a tenant to the other host; the old host then answers
//! **421** `WrongSubdomain` and the state API points to the new one.
//!
//! # Default seed
//!
//! App: client id [`default_seed::CLIENT_ID`], secret [`default_seed::CLIENT_SECRET`], redirect
//! URIs `http://127.0.0.1:8080/superoffice/callback` and
//! `http://localhost:8080/superoffice/callback`, system user enabled (name "Oneflow Contracts").
//!
//! Tenant **`Cust12345`** "Nordic Trading AS" (currency NOK, e-mail domain `nordic.example`):
//!
//! | Associate | E-mail | Rights | Group |
//! |---|---|---|---|
//! | 5 Ada Admin | `admin@nordic.example` | `admin-all`, `admin-lists`, `admin-users` (General Administrator, `is_administrator` True) | 2 Management |
//! | 6 Sam Seller | `seller@nordic.example` | none | 1 Sales |
//! | 7 Lia Lister | `lists@nordic.example` | `admin-lists` | 1 Sales |
//!
//! Companies: 1 Nordic Trading AS (own company), 2 Fjord Shipping ASA (NO), 3 Baltic Components
//! AB (SE), 4 Helsinki Design Oy (FI). Persons: 10 Kari Nordmann and 11 Ola Hansen (company 2),
//! 12 Eva Svensson (3), 13 Mikko Virtanen (4), 20–22 the users (company 1).
//! Stages (`Rating`): 1 Lead 10 %, 2 Qualification 25 %, 3 Proposal 50 %, 4 Negotiation 75 %,
//! 5 Verbal agreement 90 %. Sale types: 1 New business (stages 1–5), 2 Renewal (3–5). Reasons
//! lost: 1 Price, 2 Lost to competitor, 3 No decision; reasons sold: 1 Price, 2 Relationship,
//! 3 Product fit. User groups: 1 Sales, 2 Management.
//!
//! | Sale | Heading | Company / person | Owner | State |
//! |---|---|---|---|---|
//! | 101 | Fleet tracking licence | 2 / 10 | 6 | Open, stage 3, 120 000 |
//! | 102 | Support agreement 2027 | 3 / 12 | 6 | Open, stage 2, type Renewal |
//! | 103 | Warehouse sensors | 4 / 13 | 5 | Sold (reason 3) |
//! | 104 | Pilot project | 2 / 11 | 6 | Lost (reason 2) |
//! | 105 | Partner's workshop | 4 / – | 6 | Open, stage 1 |
//!
//! Tenant **`Cust67890`** "Svea Konsult AB" (SEK, `svea.example`): associate 5
//! `admin@svea.example` (administrator), companies 1 and 2 "Göta Logistik AB", person 10 Linnea
//! Berg, sale 101 "Consulting retainer" — the same ids as the main tenant with other data, so a
//! leak between tenants shows.
//!
//! # Controls
//!
//! Tokens: [`issue_access_token`](SuperOfficeSandbox::issue_access_token),
//! [`expire_access_tokens`](SuperOfficeSandbox::expire_access_tokens),
//! [`revoke_refresh_tokens`](SuperOfficeSandbox::revoke_refresh_tokens). Tenants:
//! [`move_tenant`](SuperOfficeSandbox::move_tenant),
//! [`set_tenant_state`](SuperOfficeSandbox::set_tenant_state),
//! [`flush_count`](SuperOfficeSandbox::flush_count). Data:
//! [`sale`](SuperOfficeSandbox::sale),
//! [`set_sale_status`](SuperOfficeSandbox::set_sale_status) (fires webhooks like a user in the
//! CRM would), [`web_panels`](SuperOfficeSandbox::web_panels),
//! [`create_web_panel`](SuperOfficeSandbox::create_web_panel),
//! [`set_web_panel_user_groups`](SuperOfficeSandbox::set_web_panel_user_groups),
//! [`webhooks`](SuperOfficeSandbox::webhooks). Faults:
//! [`inject_fault`](SuperOfficeSandbox::inject_fault) ([`Fault`]: 500, HTML 502, HTML 503,
//! timeout, 429 with or without `Retry-After`, a connection dropped after the change was
//! committed), [`inject_fault_for`](SuperOfficeSandbox::inject_fault_for) for a
//! [`FaultScope`] (reads, writes, a method, a path prefix). Observation:
//! [`requests`](SuperOfficeSandbox::requests) ([`RequestRecord`]s; never contains tokens),
//! [`deliveries`](SuperOfficeSandbox::deliveries) ([`DeliveryRecord`]s),
//! [`wait_for_deliveries`](SuperOfficeSandbox::wait_for_deliveries) (never hangs: a 30 s
//! safety net). Sign-in without a browser: [`sign_in`](SuperOfficeSandbox::sign_in) turns the
//! client's authorize URL into the callback URL with `code` and `state`. Latency:
//! [`SandboxBuilder::latency`] / [`set_latency`](SuperOfficeSandbox::set_latency) delay every
//! request to a tenant data host by a fixed time (benchmarks use it to make a client
//! I/O-bound); [`SandboxBuilder::log_capacity`] sizes the request log.
//!
//! # Faithful vs simplified
//!
//! Faithful: endpoint paths and casing; discovery metadata; authorization code flow with exact
//! redirect-URI match, PKCE (`S256`/`plain`), 10-minute single-use codes, `state` echo,
//! `acr_values=tenant:Cust…` and the tenant-specific authorize path; token responses (refresh
//! returns **no** new refresh token); opaque access tokens `8A:Cust….<random>`; RS256 id_tokens
//! signed by a key generated at start (JWKS with `kid`), `iat` as a string, the
//! `http://schemes.superoffice.net/identity/` claims; client auth by `client_secret_post` or
//! Basic; OAuth error bodies. REST error body `{"Error":true,"ErrorType",…}`; 401 on
//! missing/expired/foreign-tenant tokens; 421 on the wrong host; tenant state API; flush needs
//! `admin-all`. `SaleEntity`/`ContactEntity`/`PersonEntity`/`SoPrincipalCarrier`/
//! `WebPanelEntity`/`Webhook` with SuperOffice's field names; carriers and list references
//! re-resolved from ids on save (send `{"Id":3}`, read back `{"Id":3,"Value":"Proposal",…}`);
//! JSON Patch (add/replace/remove/test, case-insensitive paths, leading `/` optional, `test`
//! failure → 409, move/copy → 400) and Merge Patch; OData `$select`/`$filter`/`$orderBy`/`$top`/
//! `$skip` with flat rows plus `PrimaryKey`/`EntityName`; webhooks that ping the target on create
//! (non-200 → 400), `WebhookPayload` deliveries with DB column names, `X-SuperOffice-*` headers
//! and `base64(HMAC-SHA256(secret, raw body))`, three attempts per event (delays configurable),
//! `TooManyErrors` after nine consecutive failures.
//!
//! Simplified (documented choices):
//! * Consent is implicit: any seeded, active user may sign in for the app; there is no consent
//!   record and no admin-only approval. A user belongs to exactly one tenant.
//! * Setting `Status` to `Sold`/`Lost` sets `Probability` to 100/0 and `Completed` to
//!   `"Completed"` unless the same request sets those fields itself; reasons are not mandatory.
//!   Every change also updates `UpdatedDate`/`UpdatedBy`.
//! * Contacts, persons, users and lists are read-only over REST (seeded only); only sales, web
//!   panels and webhooks change. OData supports comparison operators (`eq ne lt gt le ge`),
//!   `is`/`isNot`, `begins`/`notBegins`, `contains`/`notContains`, `and`/`or`/`not`, parentheses;
//!   string matching is case-insensitive; `odata.nextLink` is set when `$top` cut the page.
//! * `GetAppWebPanels` returns panels created with an `SO-AppToken` header (or by the system
//!   user); user-group visibility is stored and returned, not enforced on reads.
//!   `GetWebPanelByProgId` answers `null` for an unknown ProgId; ProgId and WindowName must be
//!   unique among panels that are not deleted.
//! * Webhooks: every app sees every webhook of the tenant, and reads return the `Secret` as
//!   stored. The create ping happens before the id is assigned (its delivery log entry has
//!   `webhook_id` 0).
//! * The system-user JWT (`iss` `SuperOffice AS`, `aud` `spn:{serial}`, claim `ticket`) is
//!   signed with the same key as id_tokens, published in the JWKS. Tickets do not expire.
//! * Sales honour `If-Modified-Since` (304) and `If-Unmodified-Since` (412) at one-second
//!   resolution against `UpdatedDate`.
//! * Access-token expiry uses the wall clock; id_tokens live 300 s. One RSA key per process is
//!   shared by all sandboxes in that process (generated on first start).
//! * 429s and 5xx only come from [`Fault`] knobs; there is no built-in rate limiter.
//! * The web UI is one listener for all tenants (SuperOffice serves it from the tenant's own
//!   host); sign-in is a user picker without password; a user has one (primary) user group;
//!   the Sale screen renders only the selected tab's iframe and no other Sale screen parts.

#![forbid(unsafe_code)]

mod entities;
mod faults;
mod jsonpatch;
mod keys;
pub mod odata;
mod oidc;
mod rest;
mod seed;
mod server;
mod state;
mod tenant_state;
mod ui;
mod webhooks;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::watch;
use url::Url;

pub use seed::{
    default_seed, AppRegistration, CompanySeed, ListItemSeed, PersonSeed, SaleSeed, SaleStageSeed,
    SaleStatus, SaleTypeSeed, SandboxBuilder, TenantSeed, UserSeed,
};

pub use faults::FaultScope;
use state::{AccessGrant, Grant, Shared, SharedRef, World};

/// Errors of the sandbox's Rust API (starting it and its controls).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// Binding or serving a listener failed.
    #[error("sandbox I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The seed is inconsistent (unknown references, bad tenant ids, …).
    #[error("invalid sandbox seed: {0}")]
    InvalidSeed(String),
    /// Key generation or signing failed.
    #[error("sandbox key error: {0}")]
    Key(String),
    /// No tenant with that context identifier.
    #[error("unknown tenant `{0}`")]
    UnknownTenant(String),
    /// No seeded user with that e-mail.
    #[error("unknown user `{0}`")]
    UnknownUser(String),
    /// A control call asked for a change the sandbox refuses (the REST API would answer 400/409).
    #[error("sandbox refused the change: {0}")]
    InvalidChange(String),
    /// [`wait_for_deliveries`](SuperOfficeSandbox::wait_for_deliveries) gave up: the
    /// predicate did not hold within this time.
    #[error("no matching webhook deliveries within {0:?}")]
    Timeout(Duration),
    /// [`sign_in`](SuperOfficeSandbox::sign_in) could not complete the authorize step (not this
    /// sandbox's authorize URL, or no redirect back to the application).
    #[error("sandbox sign-in failed: {0}")]
    SignIn(String),
    /// No sale with that id in the tenant.
    #[error("unknown sale {sale_id} in `{tenant}`")]
    UnknownSale {
        /// Tenant.
        tenant: String,
        /// Sale id.
        sale_id: i32,
    },
}

/// A fault the sandbox serves instead of the next request(s).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// `500` with a SuperOffice error body (`ErrorType` `SoServerException`).
    InternalServerError,
    /// `502` with an HTML body (like a load balancer).
    BadGatewayHtml,
    /// `503` with an HTML body.
    ServiceUnavailableHtml,
    /// Holds the request this long, then answers `504` (an HTML page): longer than the
    /// client's timeout, it is a client-side timeout.
    Timeout(Duration),
    /// `429` with SuperOffice's error body (`TooManyRequests`), with a `Retry-After` header in
    /// whole seconds when `retry_after` is set, without one otherwise.
    RateLimited {
        /// Value of `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// Handles the request (it takes effect: a Sale is updated, an entity created), then
    /// closes the connection without answering: the client sees a connection error although
    /// the change was committed. The request log records the status the handler produced,
    /// with `faulted` set.
    DropAfterCommit,
}

/// How a logged request authenticated (the credential itself is never recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthKind {
    /// No `Authorization` header.
    None,
    /// `Authorization: Bearer …`.
    Bearer,
    /// `Authorization: SOTicket …`.
    SoTicket,
    /// `Authorization: Basic …` (token endpoint client auth).
    Basic,
    /// Any other scheme.
    Other,
}

/// One request the sandbox served (the same name and core fields as the Oneflow sandbox's;
/// `auth` and `host` are SuperOffice extras).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Path as sent (percent-encoded).
    pub path: String,
    /// Query string with secret parameters (`code`, `client_secret`, `refresh_token`,
    /// `code_verifier`, `access_token`) redacted; `None` without a query.
    pub query: Option<String>,
    /// Status code answered.
    pub status: u16,
    /// Authorization scheme used.
    pub auth: AuthKind,
    /// Which listener served it: 0 = data host A, 1 = data host B, 2 = the auth host, 3 = the
    /// web UI.
    pub host: usize,
    /// Whether a [`Fault`] produced the answer.
    pub faulted: bool,
}

/// One webhook delivery attempt (HTTP POST to a webhook's `TargetUrl`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeliveryRecord {
    /// Tenant.
    pub tenant: String,
    /// `WebhookId`.
    pub webhook_id: i32,
    /// Event name (`sale.sold`, `test`, …).
    pub event: String,
    /// `EventId` (the same for all attempts of one event).
    pub event_id: String,
    /// Attempt number, 1-based.
    pub attempt: u32,
    /// Target URL.
    pub target_url: String,
    /// The exact body bytes sent (UTF-8 JSON).
    pub body: String,
    /// `X-SuperOffice-Signature` when the webhook has a secret.
    pub signature: Option<String>,
    /// HTTP status the target answered, if it answered.
    pub status: Option<u16>,
    /// Whether the attempt counted as a success (HTTP 200).
    pub success: bool,
}

/// How long [`SuperOfficeSandbox::wait_for_deliveries`] waits at most.
const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// The running sandbox. Dropping it stops the listeners; [`shutdown`](Self::shutdown) also
/// waits for them.
pub struct SuperOfficeSandbox {
    shared: SharedRef,
    base_url: Url,
    ui_url: Url,
    shutdown: watch::Sender<bool>,
    servers: Vec<tokio::task::JoinHandle<()>>,
    system_user_key_pem: Option<String>,
    system_user_key_xml: Option<String>,
}

impl fmt::Debug for SuperOfficeSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SuperOfficeSandbox")
            .field("base_url", &self.base_url.as_str())
            .field("host_a", &self.shared.hosts[0])
            .field("host_b", &self.shared.hosts[1])
            .field("ui", &self.ui_url.as_str())
            .field("client_id", &self.shared.app.client_id)
            .finish_non_exhaustive()
    }
}

impl Drop for SuperOfficeSandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

impl SuperOfficeSandbox {
    /// Starts a sandbox with the default seed (see the [crate docs](crate)).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), superoffice_sandbox::SandboxError> {
    /// let sandbox = superoffice_sandbox::SuperOfficeSandbox::start().await?;
    /// println!("{}", sandbox.base_url());
    /// # Ok(()) }
    /// ```
    pub async fn start() -> Result<Self, SandboxError> {
        SandboxBuilder::with_default_seed().start().await
    }

    /// A builder preloaded with the default seed; add tenants or change settings, then
    /// [`start`](SandboxBuilder::start). Use [`SandboxBuilder::empty`] for a seed of your own.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use superoffice_sandbox::{SuperOfficeSandbox, TenantSeed, UserSeed};
    ///
    /// # async fn demo() -> Result<(), superoffice_sandbox::SandboxError> {
    /// let sandbox = SuperOfficeSandbox::builder()
    ///     .access_token_lifetime(Duration::from_secs(5))
    ///     .tenant(
    ///         TenantSeed::new("Cust55555", "Extra AS")
    ///             .user(UserSeed::new(5, "admin@extra.example", "Eli Extra").administrator()),
    ///     )
    ///     .start()
    ///     .await?;
    /// # let _ = sandbox; Ok(()) }
    /// ```
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::with_default_seed()
    }

    pub(crate) async fn start_with(builder: SandboxBuilder) -> Result<Self, SandboxError> {
        let world = World::from_seed(builder.tenants, &builder.app)?;
        let signing = keys::process_key(0).await.map_err(SandboxError::Key)?;
        let (app_public, system_user_key_pem, system_user_key_xml) = if builder.app.system_user {
            let key = keys::process_key(1).await.map_err(SandboxError::Key)?;
            (
                Some(key.public.clone()),
                Some(key.private_pem.clone()),
                Some(key.private_xml.clone()),
            )
        } else {
            (None, None, None)
        };
        let listener_a = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let listener_b = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let listener_auth = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        // The web UI is addressed as `localhost`, another site than services on 127.0.0.1.
        let listener_ui = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let ui_base = format!("http://localhost:{}", listener_ui.local_addr()?.port());
        let hosts = [
            format!("http://{}", listener_a.local_addr()?),
            format!("http://{}", listener_b.local_addr()?),
            format!("http://{}", listener_auth.local_addr()?),
        ];
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| SandboxError::Io(std::io::Error::other(e)))?;
        let (deliveries_changed, _) = watch::channel(0usize);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            world: std::sync::Mutex::new(world),
            keys: keys::SigningKeys::new(&signing),
            app: builder.app,
            app_public_key: app_public,
            access_token_lifetime: builder.access_token_lifetime,
            auto_consent_user: builder.auto_consent_user,
            webhook_retry_delays: builder.webhook_retry_delays,
            hosts,
            ui_base,
            deliveries_changed,
            http,
            stopped: shutdown_rx.clone(),
            latency: std::sync::Mutex::new(builder.latency),
            log_capacity: builder.log_capacity,
        });
        let base_url = Url::parse(&shared.hosts[state::AUTH_HOST])
            .map_err(|e| SandboxError::Io(std::io::Error::other(e)))?;
        let ui_url = Url::parse(&format!("{}/", shared.ui_base))
            .map_err(|e| SandboxError::Io(std::io::Error::other(e)))?;
        let servers = vec![
            server::spawn(shared.clone(), listener_a, 0, shutdown_rx.clone()),
            server::spawn(shared.clone(), listener_b, 1, shutdown_rx.clone()),
            server::spawn(
                shared.clone(),
                listener_auth,
                state::AUTH_HOST,
                shutdown_rx.clone(),
            ),
            server::spawn(shared.clone(), listener_ui, state::UI_HOST, shutdown_rx),
        ];
        Ok(SuperOfficeSandbox {
            shared,
            base_url,
            ui_url,
            shutdown,
            servers,
            system_user_key_pem,
            system_user_key_xml,
        })
    }

    /// The auth host, e.g. `http://127.0.0.1:41234/` (as a URL, with the root path `/`; the
    /// issuer is the same without the slash, see [`issuer`](Self::issuer)). Use it as a custom
    /// environment base. Like SuperOffice's `sod.superoffice.com`, it serves sign-in and the
    /// tenant state API but no tenant REST or `default.aspx` (404 there): use
    /// [`api_base`](Self::api_base) or the `webapi_url` claim.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The OIDC issuer (`iss` of id_tokens): the auth host without a trailing slash, e.g.
    /// `http://127.0.0.1:41234`.
    pub fn issuer(&self) -> &str {
        &self.shared.hosts[state::AUTH_HOST]
    }

    /// Both data hosts: `[host A (where tenants start), host B]`; neither is the auth host.
    pub fn data_hosts(&self) -> [&str; 2] {
        [&self.shared.hosts[0], &self.shared.hosts[1]]
    }

    /// The web UI, e.g. `http://localhost:41236/`: a sign-in form at `login` and the Sale
    /// screen (see [`sale_screen_url`](Self::sale_screen_url)). It listens on 127.0.0.1 but is
    /// addressed as `localhost`, which browsers treat as another *site* than `127.0.0.1`: a
    /// service bound to `127.0.0.1` that the Sale screen frames is a cross-site iframe there,
    /// as a partner's panel is in SuperOffice Online. Its sign-in page refuses framing.
    pub fn ui_url(&self) -> &Url {
        &self.ui_url
    }

    /// The Sale screen of a sale, shaped like SuperOffice's page address:
    /// `{ui}/{Cust}/default.aspx?sale.main?sale_id={id}`. It shows the Sale's fields and, as
    /// tabs, the `SaleArchive` web panels visible to the signed-in user's group, each an
    /// iframe whose URL has its template variables (`<uctx>`, `<said>`, `<usid>`, …)
    /// substituted. Without a UI session it redirects to the sign-in form.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), superoffice_sandbox::SandboxError> {
    /// use superoffice_sandbox::{default_seed, SuperOfficeSandbox};
    ///
    /// let sandbox = SuperOfficeSandbox::start().await?;
    /// let url = sandbox.sale_screen_url(default_seed::MAIN_TENANT, default_seed::OPEN_SALE_ID)?;
    /// println!("open {url} and sign in as {}", default_seed::SELLER_EMAIL);
    /// # Ok(()) }
    /// ```
    pub fn sale_screen_url(&self, tenant: &str, sale_id: i32) -> Result<Url, SandboxError> {
        let world = self.shared.lock();
        let t = world
            .tenant(tenant)
            .ok_or_else(|| SandboxError::UnknownTenant(tenant.to_owned()))?;
        if !t.sales.contains_key(&sale_id) {
            return Err(SandboxError::UnknownSale {
                tenant: tenant.to_owned(),
                sale_id,
            });
        }
        let path = ui::sale_screen_path(&t.cust, sale_id);
        Url::parse(&format!("{}{path}", self.shared.ui_base))
            .map_err(|e| SandboxError::Io(std::io::Error::other(e)))
    }

    /// The tenant's current REST base (`webapi_url`), `{host}/{Cust}/api/`.
    pub fn api_base(&self, tenant: &str) -> Result<String, SandboxError> {
        let world = self.shared.lock();
        let t = world
            .tenant(tenant)
            .ok_or_else(|| SandboxError::UnknownTenant(tenant.to_owned()))?;
        Ok(format!("{}/{}/api/", self.shared.hosts[t.host], t.cust))
    }

    /// A human-readable summary for a standalone sandbox: URLs, the app's client id **and
    /// secret** (sandbox values), redirect URIs, and per tenant its API base and users. Meant
    /// to be printed on purpose; `Debug` never shows the secret.
    pub fn summary(&self) -> String {
        use std::fmt::Write as _;
        let base = self.issuer();
        let mut out = String::new();
        let _ = writeln!(out, "SuperOffice sandbox");
        let _ = writeln!(out, "  auth host / issuer : {base}");
        let _ = writeln!(
            out,
            "  data hosts         : {} , {}",
            self.shared.hosts[0], self.shared.hosts[1]
        );
        let _ = writeln!(
            out,
            "  discovery          : {base}/login/.well-known/openid-configuration"
        );
        let _ = writeln!(out, "  web UI (sign in)   : {}/login", self.shared.ui_base);
        let _ = writeln!(out, "  client_id          : {}", self.client_id());
        let _ = writeln!(out, "  client_secret      : {}", self.client_secret());
        for uri in self.redirect_uris() {
            let _ = writeln!(out, "  redirect_uri       : {uri}");
        }
        let world = self.shared.lock();
        for t in world.tenants.values() {
            let _ = writeln!(
                out,
                "  tenant {} ({}) webapi_url {}/{}/api/ state {}",
                t.cust, t.company_name, self.shared.hosts[t.host], t.cust, t.state
            );
            if let Some(sale_id) = t.sales.keys().next() {
                let _ = writeln!(
                    out,
                    "    sale screen {}{}",
                    self.shared.ui_base,
                    ui::sale_screen_path(&t.cust, *sale_id)
                );
            }
            for u in &t.users {
                let _ = writeln!(
                    out,
                    "    associate {:>3} {:<28} {}{}",
                    u.associate_id,
                    u.email,
                    u.full_name,
                    if u.function_rights.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", u.function_rights.join(", "))
                    }
                );
            }
        }
        out
    }

    /// Seeded tenant ids, sorted.
    pub fn tenants(&self) -> Vec<String> {
        self.shared
            .lock()
            .tenants
            .values()
            .map(|t| t.cust.clone())
            .collect()
    }

    /// The app's client id.
    pub fn client_id(&self) -> &str {
        &self.shared.app.client_id
    }

    /// The app's client secret (a sandbox value; also the `SO-AppToken`).
    pub fn client_secret(&self) -> &str {
        &self.shared.app.client_secret
    }

    /// Registered redirect URIs.
    pub fn redirect_uris(&self) -> &[String] {
        &self.shared.app.redirect_uris
    }

    /// The app's system-user private key (PKCS#1 PEM, `-----BEGIN RSA PRIVATE KEY-----`) when
    /// the app has the system user enabled. Sign `"<system_token>.<yyyyMMddHHmm>"` with it.
    pub fn system_user_private_key_pem(&self) -> Option<&str> {
        self.system_user_key_pem.as_deref()
    }

    /// The same key in .NET `<RSAKeyValue>` XML, the format the SuperOffice Developer Portal
    /// issues.
    pub fn system_user_private_key_xml(&self) -> Option<&str> {
        self.system_user_key_xml.as_deref()
    }

    /// The tenant's `system_token` (as in the id_token claim) when the system user is enabled.
    pub fn system_token(&self, tenant: &str) -> Result<Option<String>, SandboxError> {
        let world = self.shared.lock();
        let t = world
            .tenant(tenant)
            .ok_or_else(|| SandboxError::UnknownTenant(tenant.to_owned()))?;
        Ok(t.system_token.clone())
    }

    /// Issues a valid access token for a seeded user (in that user's tenant) without the
    /// browser flow, as the token endpoint would.
    pub fn issue_access_token(&self, email: &str) -> Result<String, SandboxError> {
        let mut world = self.shared.lock();
        let (tenant, associate_id) = world
            .find_user(email)
            .map(|(t, u)| (t.cust.clone(), u.associate_id))
            .ok_or_else(|| SandboxError::UnknownUser(email.to_owned()))?;
        let token = oidc::new_access_token(&tenant);
        world.access_tokens.insert(
            token.clone(),
            AccessGrant {
                grant: Grant {
                    tenant,
                    associate_id,
                    client_id: self.shared.app.client_id.clone(),
                },
                expires_at: Instant::now() + self.shared.access_token_lifetime,
            },
        );
        Ok(token)
    }

    /// Makes every access token issued so far expired (REST then answers 401; refresh works).
    pub fn expire_access_tokens(&self) {
        let now = Instant::now();
        for grant in self.shared.lock().access_tokens.values_mut() {
            grant.expires_at = now;
        }
    }

    /// Revokes all refresh tokens (like an uninstalled app): refresh then fails with
    /// `invalid_grant`.
    pub fn revoke_refresh_tokens(&self) {
        self.shared.lock().refresh_tokens.clear();
    }

    /// Moves the tenant to the other data host; returns the new `webapi_url`. The old host
    /// answers 421 from now on.
    pub fn move_tenant(&self, tenant: &str) -> Result<String, SandboxError> {
        let mut world = self.shared.lock();
        let t = world
            .tenant_mut(tenant)
            .ok_or_else(|| SandboxError::UnknownTenant(tenant.to_owned()))?;
        t.host = 1 - t.host;
        Ok(format!("{}/{}/api/", self.shared.hosts[t.host], t.cust))
    }

    /// Sets the tenant's `State` in the state API (`Running`, `Suspended`,
    /// `OnlineMaintenance`, `OfflineMaintenance`, …). REST answers 503 unless it is `Running`
    /// or `OnlineMaintenance`.
    pub fn set_tenant_state(&self, tenant: &str, state: &str) -> Result<(), SandboxError> {
        let mut world = self.shared.lock();
        let t = world
            .tenant_mut(tenant)
            .ok_or_else(|| SandboxError::UnknownTenant(tenant.to_owned()))?;
        t.state = state.to_owned();
        Ok(())
    }

    /// How often `default.aspx?flush` succeeded for the tenant.
    pub fn flush_count(&self, tenant: &str) -> Result<usize, SandboxError> {
        let world = self.shared.lock();
        world
            .tenant(tenant)
            .map(|t| t.flushes)
            .ok_or_else(|| SandboxError::UnknownTenant(tenant.to_owned()))
    }

    /// The current `SaleEntity` JSON.
    pub fn sale(&self, tenant: &str, sale_id: i32) -> Result<Value, SandboxError> {
        let world = self.shared.lock();
        let t = world
            .tenant(tenant)
            .ok_or_else(|| SandboxError::UnknownTenant(tenant.to_owned()))?;
        t.sales
            .get(&sale_id)
            .cloned()
            .ok_or(SandboxError::UnknownSale {
                tenant: tenant.to_owned(),
                sale_id,
            })
    }

    /// Changes a sale's status as a user in the CRM would (associate `changed_by`), with the
    /// same side effects as a REST update, and fires `sale.changed` plus `sale.sold` /
    /// `sale.lost` webhooks.
    pub fn set_sale_status(
        &self,
        tenant: &str,
        sale_id: i32,
        status: SaleStatus,
        changed_by: i32,
    ) -> Result<(), SandboxError> {
        let patch =
            serde_json::json!([{ "op": "replace", "path": "Status", "value": status.as_str() }]);
        rest::sale::apply_control_patch(&self.shared, tenant, sale_id, &patch, changed_by)
    }

    /// Makes the tenant require a reason when a Sale is closed (lost: `Reason`, sold:
    /// `ReasonSold`): closing without one is refused (400) and `POST /v1/Sale/Validate`
    /// reports the field.
    pub fn set_reasons_mandatory(&self, tenant: &str, mandatory: bool) -> Result<(), SandboxError> {
        let mut world = self.shared.lock();
        let t = world
            .tenant_mut(tenant)
            .ok_or_else(|| SandboxError::UnknownTenant(tenant.to_owned()))?;
        t.reasons_mandatory = mandatory;
        Ok(())
    }

    /// All document records (`DocumentEntity`) of the tenant, in id order.
    pub fn documents(&self, tenant: &str) -> Result<Vec<Value>, SandboxError> {
        let world = self.shared.lock();
        let t = world
            .tenant(tenant)
            .ok_or_else(|| SandboxError::UnknownTenant(tenant.to_owned()))?;
        Ok(t.documents.values().map(|d| d.entity.clone()).collect())
    }

    /// The uploaded content of a document (`None` before an upload or for an unknown id).
    pub fn document_content(
        &self,
        tenant: &str,
        document_id: i32,
    ) -> Result<Option<Vec<u8>>, SandboxError> {
        let world = self.shared.lock();
        let t = world
            .tenant(tenant)
            .ok_or_else(|| SandboxError::UnknownTenant(tenant.to_owned()))?;
        Ok(t.documents
            .get(&document_id)
            .and_then(|d| d.content.clone()))
    }

    /// All web panels (`WebPanelEntity`, including soft-deleted ones) of the tenant.
    pub fn web_panels(&self, tenant: &str) -> Result<Vec<Value>, SandboxError> {
        let world = self.shared.lock();
        let t = world
            .tenant(tenant)
            .ok_or_else(|| SandboxError::UnknownTenant(tenant.to_owned()))?;
        Ok(t.web_panels.values().map(|p| p.entity.clone()).collect())
    }

    /// Creates a web panel as the app would (`POST v1/List/WebPanel/Items` with the app
    /// token): `panel` is a `WebPanelEntity` (at least `Name`; e.g. `Url`, `VisibleIn`
    /// `"SaleArchive"`, `ProgId`), validated like the REST call. Like there, the new panel is
    /// visible for every user group. Returns the stored entity (with `WebPanelId`).
    ///
    /// ```no_run
    /// # fn demo(sandbox: &superoffice_sandbox::SuperOfficeSandbox) -> Result<(), superoffice_sandbox::SandboxError> {
    /// let panel = sandbox.create_web_panel(
    ///     "Cust12345",
    ///     &serde_json::json!({
    ///         "Name": "Oneflow Contract",
    ///         "VisibleIn": "SaleArchive",
    ///         "Url": "https://contracts.example.com/so/sale?ctx=<uctx>&sale=<said>&user=<usid>",
    ///     }),
    /// )?;
    /// # let _ = panel; Ok(()) }
    /// ```
    pub fn create_web_panel(&self, tenant: &str, panel: &Value) -> Result<Value, SandboxError> {
        let mut world = self.shared.lock();
        let t = world
            .tenant_mut(tenant)
            .ok_or_else(|| SandboxError::UnknownTenant(tenant.to_owned()))?;
        rest::lists::insert_panel(t, panel, true).map_err(SandboxError::InvalidChange)
    }

    /// Makes a web panel visible to exactly these user groups (what an admin does in
    /// Settings and maintenance, or `PUT …/WebPanel/Items/{id}/UserGroups`).
    pub fn set_web_panel_user_groups(
        &self,
        tenant: &str,
        panel_id: i32,
        groups: &[i32],
    ) -> Result<(), SandboxError> {
        let mut world = self.shared.lock();
        let t = world
            .tenant_mut(tenant)
            .ok_or_else(|| SandboxError::UnknownTenant(tenant.to_owned()))?;
        if let Some(unknown) = groups
            .iter()
            .find(|g| !t.user_groups.iter().any(|known| known.id == **g))
        {
            return Err(SandboxError::InvalidChange(format!(
                "unknown user group id {unknown} in {}",
                t.cust
            )));
        }
        let panel = t.web_panels.get_mut(&panel_id).ok_or_else(|| {
            SandboxError::InvalidChange(format!("no web panel {panel_id} in {tenant}"))
        })?;
        panel.user_groups = groups.to_vec();
        Ok(())
    }

    /// All webhooks (`Webhook`, secrets included) of the tenant.
    pub fn webhooks(&self, tenant: &str) -> Result<Vec<Value>, SandboxError> {
        let world = self.shared.lock();
        let t = world
            .tenant(tenant)
            .ok_or_else(|| SandboxError::UnknownTenant(tenant.to_owned()))?;
        Ok(t.webhooks.values().cloned().collect())
    }

    /// Serves `fault` instead of the next `count` requests (any endpoint, any host), after
    /// faults queued earlier.
    pub fn inject_fault(&self, fault: Fault, count: usize) {
        let mut world = self.shared.lock();
        for _ in 0..count {
            world.faults.push_back((FaultScope::any(), fault.clone()));
        }
    }

    /// Drops queued faults.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Requests served so far, oldest first (the most recent 10 000 at most, see
    /// [`SandboxBuilder::log_capacity`]).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().requests.clone()
    }

    /// Clears the request log.
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// Webhook delivery attempts so far (including create/test pings), oldest first.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.shared.lock().deliveries.clone()
    }

    /// Waits until `predicate` holds for the delivery log and returns the log. Never hangs:
    /// after 30 s it fails with [`SandboxError::Timeout`] (see
    /// [`wait_for_deliveries_within`](Self::wait_for_deliveries_within)).
    ///
    /// ```no_run
    /// # async fn demo(sandbox: superoffice_sandbox::SuperOfficeSandbox) -> Result<(), superoffice_sandbox::SandboxError> {
    /// let log = sandbox
    ///     .wait_for_deliveries(|log| log.iter().any(|d| d.event == "sale.sold" && d.success))
    ///     .await?;
    /// # let _ = log; Ok(()) }
    /// ```
    pub async fn wait_for_deliveries<F>(
        &self,
        predicate: F,
    ) -> Result<Vec<DeliveryRecord>, SandboxError>
    where
        F: FnMut(&[DeliveryRecord]) -> bool,
    {
        self.wait_for_deliveries_within(DEFAULT_WAIT, predicate)
            .await
    }

    /// [`wait_for_deliveries`](Self::wait_for_deliveries) with another safety-net timeout.
    pub async fn wait_for_deliveries_within<F>(
        &self,
        timeout: Duration,
        mut predicate: F,
    ) -> Result<Vec<DeliveryRecord>, SandboxError>
    where
        F: FnMut(&[DeliveryRecord]) -> bool,
    {
        let mut changes = self.shared.deliveries_changed.subscribe();
        let wait = async {
            loop {
                let snapshot = self.deliveries();
                if predicate(&snapshot) {
                    return snapshot;
                }
                if changes.changed().await.is_err() {
                    // The sandbox is gone: nothing will change any more.
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| SandboxError::Timeout(timeout))
    }

    /// Signs `email` in without a browser: performs the authorize request of `authorize_url`
    /// (the client's authorization URL, pointing at this sandbox) as if the user had picked
    /// that account on the sign-in page, without following the redirect, and returns the
    /// callback URL the browser would be sent to: the redirect URI with `code` and `state`
    /// (or with `error` when the sandbox refuses, e.g. a user outside the requested tenant).
    /// The application still exchanges the code, e.g. with `OidcClient::exchange_callback`.
    ///
    /// ```no_run
    /// # async fn demo(sandbox: superoffice_sandbox::SuperOfficeSandbox, authorize_url: url::Url) -> Result<(), superoffice_sandbox::SandboxError> {
    /// use superoffice_sandbox::default_seed;
    ///
    /// let callback = sandbox.sign_in(&authorize_url, default_seed::ADMIN_EMAIL).await?;
    /// assert!(callback.query_pairs().any(|(name, _)| name == "code"));
    /// # Ok(()) }
    /// ```
    pub async fn sign_in(&self, authorize_url: &Url, email: &str) -> Result<Url, SandboxError> {
        if authorize_url.origin() != self.base_url.origin() {
            return Err(SandboxError::SignIn(
                "the authorize URL does not point at this sandbox".to_owned(),
            ));
        }
        if self.shared.lock().find_user(email).is_none() {
            return Err(SandboxError::UnknownUser(email.to_owned()));
        }
        // What the sign-in page posts back: the picked account and the interaction.
        let mut url = authorize_url.clone();
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(name, _)| name != "email" && name != "consent")
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        url.query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair("email", email)
            .append_pair("consent", "allow");
        let response = self
            .shared
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| SandboxError::SignIn(format!("the authorize request failed: {e}")))?;
        let status = response.status();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .filter(|_| status.is_redirection())
            .ok_or_else(|| {
                SandboxError::SignIn(format!(
                    "the authorize endpoint answered {status} instead of redirecting back; check client_id and redirect_uri"
                ))
            })?;
        Url::parse(location)
            .map_err(|e| SandboxError::SignIn(format!("the redirect is not a URL: {e}")))
    }

    /// Stops the listeners and waits (at most 5 s) until they have stopped. Dropping the
    /// sandbox also stops them, without waiting.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for server in std::mem::take(&mut self.servers) {
            let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        }
    }

    /// Like [`inject_fault`](Self::inject_fault), but only requests in `scope` take these
    /// faults; other requests pass (and leave them queued). Each request takes the oldest
    /// queued fault whose scope matches it.
    ///
    /// ```no_run
    /// # fn demo(sandbox: &superoffice_sandbox::SuperOfficeSandbox) {
    /// use superoffice_sandbox::{Fault, FaultScope};
    ///
    /// // A burst of 429s (with `Retry-After: 1`) on writes only; reads pass.
    /// let limited = Fault::RateLimited { retry_after: Some(std::time::Duration::from_secs(1)) };
    /// sandbox.inject_fault_for(FaultScope::writes(), limited, 3);
    /// // The next Sale update takes effect, but its answer is lost.
    /// sandbox.inject_fault_for(FaultScope::method("PATCH"), Fault::DropAfterCommit, 1);
    /// # }
    /// ```
    pub fn inject_fault_for(&self, scope: FaultScope, fault: Fault, count: usize) {
        let mut world = self.shared.lock();
        for _ in 0..count {
            world.faults.push_back((scope.clone(), fault.clone()));
        }
    }

    /// Delays every request to a tenant data host by `latency` from now on
    /// (`Duration::ZERO` turns it off); see [`SandboxBuilder::latency`].
    pub fn set_latency(&self, latency: Duration) {
        *self
            .shared
            .latency
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = latency;
    }

    /// The per-request latency in force on the tenant data hosts.
    pub fn latency(&self) -> Duration {
        *self
            .shared
            .latency
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
