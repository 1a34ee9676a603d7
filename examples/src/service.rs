//! The host service as the demo runs it: both sandboxes and `integration_core::server`
//! (router + worker) in-process on loopback, with an embedded SQLite store in a temporary
//! directory, and HTTP helpers that act as the people using it (the admin setting it up, a
//! seller signing in to the panel).
//!
//! The SuperOffice sandbox's web UI is addressed as `localhost`, the service as `127.0.0.1`:
//! two sites, so the Sale screen frames the panel cross-site as SuperOffice Online does.
//!
//! ```no_run
//! # async fn demo() -> Result<(), examples::story::StoryError> {
//! use examples::service::{DemoService, ServiceOptions};
//! use superoffice_sandbox::default_seed;
//!
//! let service = DemoService::start(ServiceOptions::default()).await?;
//! let setup = service
//!     .connect(default_seed::ADMIN_EMAIL, default_seed::ADMIN_EMAIL)
//!     .await?;
//! assert_eq!(setup.status, 200);
//! let seller = service
//!     .panel_sign_in(default_seed::MAIN_TENANT, default_seed::SELLER_EMAIL)
//!     .await?;
//! let panel = seller.get("/superoffice/panel?ctx=Cust12345&sale=101").await?;
//! println!("{}", panel.body);
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::time::Duration;

use integration_core::engine::{IntegrationConfig, WorkerConfig};
use integration_core::server::{router, ServerConfig};
use integration_core::store::{InstallationId, SecretKey, SqliteStore, Store};
use integration_core::Integration;
use oneflow_sandbox::{DeliveryConfig, OneflowSandbox, SeedTemplate, SeedUser};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use superoffice_client::Environment;
use superoffice_sandbox::{
    default_seed as so_seed, AppRegistration, SaleSeed, SandboxBuilder, SuperOfficeSandbox,
};
use tokio::sync::watch;
use url::Url;

use crate::story::StoryError;

/// The template seeded for the demo: PDF and attachments sections, in the "Sales" workspace
/// the seller may use.
pub const TEMPLATE_WITH_ATTACHMENTS: &str = "SuperOffice - Agreement with terms";

/// A third open Sale (Kari Nordmann at Fjord Shipping, owned by the seller), for the contract
/// signed after the admin switched stage mapping off.
pub const THIRD_SALE_ID: i32 = 106;

/// How long one HTTP request of the helpers may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Settings of [`DemoService::start`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ServiceOptions {
    /// Let the Oneflow sandbox deliver every notification twice.
    pub duplicate_deliveries: bool,
    /// Bind the service to this loopback port (`0`: any free port).
    pub port: u16,
}

impl ServiceOptions {
    /// Sets [`duplicate_deliveries`](Self::duplicate_deliveries).
    #[must_use]
    pub fn with_duplicate_deliveries(mut self, on: bool) -> Self {
        self.duplicate_deliveries = on;
        self
    }

    /// Sets [`port`](Self::port).
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
}

/// Both sandboxes and the service, running until dropped (or [`DemoService::shutdown`]).
pub struct DemoService {
    /// The SuperOffice sandbox (OIDC, tenants, REST, the Sale screen UI).
    pub superoffice: SuperOfficeSandbox,
    /// The Oneflow sandbox (API, webhooks).
    pub oneflow: OneflowSandbox,
    /// The engine the service runs (for reading its store; the demo acts over HTTP).
    pub engine: Integration,
    url: Url,
    http: reqwest::Client,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for DemoService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoService")
            .field("url", &self.url.as_str())
            .field("superoffice", &self.superoffice.base_url().as_str())
            .field("oneflow", &self.oneflow.base_url().as_str())
            .finish_non_exhaustive()
    }
}

impl DemoService {
    /// Starts both sandboxes, the SQLite store in a temporary directory, the service's router
    /// on `127.0.0.1` and its worker.
    pub async fn start(options: ServiceOptions) -> Result<Self, StoryError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
        let url: Url = format!("http://{}/", listener.local_addr()?).parse()?;
        let callback = url.join("superoffice/callback")?;
        let main = so_seed::main_tenant().sale(
            SaleSeed::new(THIRD_SALE_ID, "Service extension 2027")
                .contact(so_seed::FJORD_CONTACT_ID, Some(so_seed::KARI_PERSON_ID))
                .owner(so_seed::SELLER_ASSOCIATE_ID)
                .amount(18_000.0)
                .stage(1),
        );
        let superoffice = SandboxBuilder::empty()
            .app(AppRegistration::sandbox_default().redirect_uri(callback.as_str()))
            .tenant(main)
            .tenant(so_seed::second_tenant())
            .webhook_retry_delays([Duration::ZERO; 2])
            .start()
            .await?;
        // The same people in both systems: Oneflow knows the SuperOffice users by e-mail.
        let oneflow = OneflowSandbox::builder()
            .account_name("Nordic Trading AS")
            .user(SeedUser::new("Ada Admin", so_seed::ADMIN_EMAIL).admin(true))
            .user(SeedUser::new("Sam Seller", so_seed::SELLER_EMAIL))
            // Also administrator of the second SuperOffice tenant (Cust67890): connecting this
            // account there as well is refused while it is bound to Cust12345.
            .user(SeedUser::new("Sven Svea", so_seed::SECOND_ADMIN_EMAIL).admin(true))
            .template(
                SeedTemplate::new(TEMPLATE_WITH_ATTACHMENTS)
                    .workspace(oneflow_sandbox::default_seed::SALES_WORKSPACE)
                    .template_type(oneflow_sandbox::default_seed::SUPEROFFICE_TYPE)
                    .pdf_section(true)
                    .attachments_section(true),
            )
            .delivery_config(DeliveryConfig::immediate().duplicate(options.duplicate_deliveries))
            .start()
            .await?;
        let dir = tempfile::tempdir()?;
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(dir.path().join("integration.db"), SecretKey::generate()).await?,
        );
        let config = IntegrationConfig::new(
            Environment::custom(superoffice.base_url())?,
            superoffice.client_id(),
            superoffice.client_secret(),
            callback,
            url.clone(),
        )
        .oneflow_base_url(oneflow.base_url().as_str())
        .worker(worker_config());
        let engine = Integration::builder(config, store).build()?;
        // The Sale screen (on `localhost`) frames the panel; SuperOffice hosts would in
        // production.
        let ui = superoffice.ui_url().origin().ascii_serialization();
        let server_config = ServerConfig::builder(random_key())
            .frame_ancestor(ui)
            .build()?;
        let app = router(Arc::new(engine.clone()), server_config);
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        let mut serve_stop = stopped.clone();
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = serve_stop.wait_for(|s| *s).await;
                })
                .await;
        }));
        let worker_engine = engine.clone();
        let mut worker_stop = stopped;
        tasks.push(tokio::spawn(async move {
            worker_engine
                .run_worker(async move {
                    let _ = worker_stop.wait_for(|s| *s).await;
                })
                .await;
        }));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        Ok(DemoService {
            superoffice,
            oneflow,
            engine,
            url,
            http,
            stop,
            tasks,
            _dir: dir,
        })
    }

    /// The service's base URL, e.g. `http://127.0.0.1:41234/`.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// A URL of the service.
    pub fn at(&self, path: &str) -> Result<Url, StoryError> {
        Ok(self.url.join(path.trim_start_matches('/'))?)
    }

    /// A plain HTTP client (no redirects followed, no cookies).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `GET` without cookies.
    pub async fn get(&self, path: &str) -> Result<Page, StoryError> {
        Page::read(self.http.get(self.at(path)?).send().await?).await
    }

    /// Admin setup through the service's own routes: `GET /setup` (form and its pre-session
    /// cookie), `POST /setup` with the Oneflow account's API token and `admin_email`, the
    /// SuperOffice sign-in as `signer`, and `GET /superoffice/callback`. Returns the callback
    /// page (the setup report, or the page saying what to fix).
    pub async fn connect(&self, admin_email: &str, signer: &str) -> Result<Page, StoryError> {
        let form = self.get("/setup").await?;
        if form.status != 200 {
            return Err(format!("GET /setup answered {}", form.status).into());
        }
        let cookie = form.cookie().ok_or("GET /setup set no cookie")?;
        let csrf = form.value_of("csrf").ok_or("the setup form has no csrf")?;
        let started = Page::read(
            self.http
                .post(self.at("/setup")?)
                .header(COOKIE, cookie)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("api_token", self.oneflow.api_token()),
                    ("admin_email", admin_email),
                ])
                .send()
                .await?,
        )
        .await?;
        if started.status != 303 {
            return Ok(started);
        }
        let authorize: Url = started.location().ok_or("no Location")?.parse()?;
        let callback = self.superoffice.sign_in(&authorize, signer).await?;
        self.get_callback(&callback).await
    }

    /// `GET /superoffice/callback` with the query SuperOffice redirected the browser with.
    pub async fn get_callback(&self, callback: &Url) -> Result<Page, StoryError> {
        self.get(&format!(
            "/superoffice/callback?{}",
            callback.query().unwrap_or_default()
        ))
        .await
    }

    /// The panel's sign-in as a browser runs it, over HTTP: the pop-up's
    /// `GET /superoffice/panel/sign-in?ctx=…` (303 to SuperOffice), the SuperOffice sign-in as
    /// `email`, the callback (the hand-off page with the one-time code), and the frame's
    /// `POST /superoffice/panel/session` with the code, which sets the session cookie.
    pub async fn panel_sign_in(&self, tenant: &str, email: &str) -> Result<PanelUser, StoryError> {
        let handoff = self.panel_handoff(tenant, email).await?;
        let code = handoff
            .attribute("data-code")
            .ok_or_else(|| format!("no hand-off code: {} {}", handoff.status, handoff.body))?;
        let taken = self.take_session(&code).await?;
        if taken.status != 204 {
            return Err(format!(
                "POST /superoffice/panel/session answered {}: {}",
                taken.status, taken.body
            )
            .into());
        }
        let cookie = taken.cookie().ok_or("the session answer set no cookie")?;
        Ok(PanelUser {
            http: self.http.clone(),
            base: self.url.clone(),
            cookie,
            email: email.to_owned(),
        })
    }

    /// The pop-up part of [`panel_sign_in`](Self::panel_sign_in): the hand-off page.
    pub async fn panel_handoff(&self, tenant: &str, email: &str) -> Result<Page, StoryError> {
        let start = self
            .get(&format!("/superoffice/panel/sign-in?ctx={tenant}"))
            .await?;
        let authorize: Url = start
            .location()
            .ok_or_else(|| format!("the sign-in did not redirect: {}", start.status))?
            .parse()?;
        let callback = self.superoffice.sign_in(&authorize, email).await?;
        self.get_callback(&callback).await
    }

    /// `POST /superoffice/panel/session` with a one-time code.
    pub async fn take_session(&self, code: &str) -> Result<Page, StoryError> {
        Page::read(
            self.http
                .post(self.at("/superoffice/panel/session")?)
                .form(&[("code", code)])
                .send()
                .await?,
        )
        .await
    }

    /// The installation connected to `tenant`.
    pub async fn installation(&self, tenant: &str) -> Result<InstallationId, StoryError> {
        Ok(self
            .engine
            .store()
            .installation_by_tenant(tenant)
            .await?
            .ok_or_else(|| format!("no installation is connected to {tenant}"))?
            .id)
    }

    /// Stops the service, its worker and both sandboxes.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        self.superoffice.shutdown().await;
        self.oneflow.shutdown().await;
    }
}

/// The worker polls its queue every 25 ms when idle (the default is 2 s).
fn worker_config() -> WorkerConfig {
    let mut worker = WorkerConfig::default();
    worker.idle_wait = Duration::from_millis(25);
    worker
}

/// A random 32-byte cookie key for this run.
fn random_key() -> [u8; 32] {
    rand::random()
}

/// A user signed in to the panel: requests carry the session cookie.
#[derive(Clone)]
pub struct PanelUser {
    http: reqwest::Client,
    base: Url,
    cookie: String,
    /// The e-mail the user signed in with.
    pub email: String,
}

impl std::fmt::Debug for PanelUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The cookie is the session: never printed.
        f.debug_struct("PanelUser")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

impl PanelUser {
    /// The session cookie as a `Cookie` header value (`name=value`).
    pub fn cookie(&self) -> &str {
        &self.cookie
    }

    /// `GET` with the session cookie.
    pub async fn get(&self, path: &str) -> Result<Page, StoryError> {
        let url = self.base.join(path.trim_start_matches('/'))?;
        Page::read(
            self.http
                .get(url)
                .header(COOKIE, &self.cookie)
                .send()
                .await?,
        )
        .await
    }

    /// `POST` of an url-encoded form with the session cookie.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Result<Page, StoryError> {
        let url = self.base.join(path.trim_start_matches('/'))?;
        Page::read(
            self.http
                .post(url)
                .header(COOKIE, &self.cookie)
                .form(fields)
                .send()
                .await?,
        )
        .await
    }

    /// `POST` of a `multipart/form-data` form with the session cookie.
    pub async fn post_multipart(
        &self,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> Result<Page, StoryError> {
        let url = self.base.join(path.trim_start_matches('/'))?;
        Page::read(
            self.http
                .post(url)
                .header(COOKIE, &self.cookie)
                .multipart(form)
                .send()
                .await?,
        )
        .await
    }
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Page {
    /// HTTP status.
    pub status: u16,
    /// The `Location` header, if any.
    location: Option<String>,
    /// `Set-Cookie` headers.
    set_cookies: Vec<String>,
    /// The body as text.
    pub body: String,
}

impl Page {
    async fn read(response: reqwest::Response) -> Result<Page, StoryError> {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let set_cookies = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect();
        let body = response.text().await?;
        Ok(Page {
            status,
            location,
            set_cookies,
            body,
        })
    }

    /// The `Location` header.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// The first cookie set, as `name=value`.
    pub fn cookie(&self) -> Option<String> {
        self.set_cookies
            .first()
            .and_then(|c| c.split(';').next())
            .map(str::to_owned)
    }

    /// The `Set-Cookie` headers, whole.
    pub fn set_cookies(&self) -> &[String] {
        &self.set_cookies
    }

    /// The `value` of the first `<input name="{name}" …>`.
    pub fn value_of(&self, name: &str) -> Option<String> {
        let at = self.body.find(&format!("name=\"{name}\""))?;
        let tag_start = self.body[..at].rfind('<')?;
        let tag_end = at + self.body[at..].find('>')?;
        attribute_in(&self.body[tag_start..tag_end], "value")
    }

    /// The first value of attribute `name` in the page.
    pub fn attribute(&self, name: &str) -> Option<String> {
        attribute_in(&self.body, name)
    }

    /// The text of the element with `id="{id}"` (tags stripped, whitespace collapsed).
    pub fn text_of(&self, id: &str) -> Option<String> {
        let at = self.body.find(&format!("id=\"{id}\""))?;
        let open_end = at + self.body[at..].find('>')? + 1;
        let tag_start = self.body[..at].rfind('<')?;
        let tag: String = self.body[tag_start + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let close = self.body[open_end..].find(&format!("</{tag}>"))? + open_end;
        Some(strip_tags(&self.body[open_end..close]))
    }

    /// `(value, label)` of each `<option>` of `<select name="{name}">`.
    pub fn options_of(&self, name: &str) -> Vec<(String, String)> {
        let Some(at) = self
            .body
            .find(&format!("<select id=\"{name}\" name=\"{name}\""))
            .or_else(|| self.body.find(&format!("name=\"{name}\"")))
        else {
            return Vec::new();
        };
        let end = self.body[at..]
            .find("</select>")
            .map_or(self.body.len(), |e| at + e);
        self.body[at..end]
            .split("<option")
            .skip(1)
            .filter_map(|option| {
                let value = attribute_in(option, "value")?;
                let label_start = option.find('>')? + 1;
                let label_end = option.find("</option>").unwrap_or(option.len());
                Some((value, strip_tags(&option[label_start..label_end])))
            })
            .collect()
    }

    /// The fields the first `<form>` whose markup contains `marker` would submit, in
    /// order: hidden, text and number inputs, checked checkboxes and radio buttons, each
    /// select's selected option (else its first) and textareas; file inputs are left out.
    /// Also returns the form's `action`.
    pub fn form(&self, marker: &str) -> Option<Form> {
        let mut from = 0;
        let (start, end) = loop {
            let start = from + self.body[from..].find("<form")?;
            let end = start + self.body[start..].find("</form>")?;
            if self.body[start..end].contains(marker) {
                break (start, end);
            }
            from = end;
        };
        let html = &self.body[start..end];
        let action = attribute_in(&html[..html.find('>')?], "action").unwrap_or_default();
        let mut fields = Vec::new();
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            rest = &rest[open..];
            let tag_end = rest.find('>').unwrap_or(rest.len());
            let tag = &rest[..tag_end];
            let kind: String = tag[1..]
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            let name = attribute_in(tag, "name");
            match (kind.as_str(), name) {
                ("input", Some(name)) => {
                    let ty = attribute_in(tag, "type").unwrap_or_else(|| "text".into());
                    let value = attribute_in(tag, "value").unwrap_or_default();
                    match ty.as_str() {
                        "checkbox" | "radio" => {
                            if tag.contains(" checked") {
                                fields.push((name, value));
                            }
                        }
                        "file" | "submit" | "button" => {}
                        _ => fields.push((name, value)),
                    }
                }
                ("select", Some(name)) => {
                    let close = rest.find("</select>").unwrap_or(rest.len());
                    let options: Vec<&str> = rest[..close].split("<option").skip(1).collect();
                    let chosen = options
                        .iter()
                        .find(|o| o[..o.find('>').unwrap_or(o.len())].contains(" selected"))
                        .or(options.first());
                    if let Some(value) = chosen.and_then(|o| attribute_in(o, "value")) {
                        fields.push((name, value));
                    }
                }
                ("textarea", Some(name)) => {
                    let close = rest.find("</textarea>").unwrap_or(rest.len());
                    let text = rest.get(tag_end + 1..close).unwrap_or_default();
                    fields.push((name, unescape(text)));
                }
                _ => {}
            }
            rest = &rest[tag_end.min(rest.len())..];
            if rest.is_empty() {
                break;
            }
            rest = &rest[1..];
        }
        Some(Form { action, fields })
    }

    /// The page as text (tags stripped).
    pub fn text(&self) -> String {
        strip_tags(&self.body)
    }
}

/// A form as a browser would submit it (see [`Page::form`]).
#[derive(Debug, Clone, Default)]
pub struct Form {
    /// The form's `action`.
    pub action: String,
    /// `(name, value)` pairs in document order.
    pub fields: Vec<(String, String)>,
}

impl Form {
    /// The value of the first field `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets field `name` (replacing every value it had).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.remove(name);
        self.fields.push((name.to_owned(), value.into()));
    }

    /// Drops field `name` (e.g. unticks a checkbox).
    pub fn remove(&mut self, name: &str) {
        self.fields.retain(|(n, _)| n != name);
    }

    /// The fields as `&str` pairs (for `reqwest`'s `form`).
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    /// The fields as a multipart body, plus `files` as `(field, file name, content type,
    /// bytes)`.
    pub fn multipart(
        &self,
        files: &[(&str, &str, &str, Vec<u8>)],
    ) -> Result<reqwest::multipart::Form, StoryError> {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in &self.fields {
            form = form.text(name.clone(), value.clone());
        }
        for (field, file_name, content_type, bytes) in files {
            let part = reqwest::multipart::Part::bytes(bytes.clone())
                .file_name((*file_name).to_owned())
                .mime_str(content_type)?;
            form = form.part((*field).to_owned(), part);
        }
        Ok(form)
    }
}

fn attribute_in(html: &str, name: &str) -> Option<String> {
    let marker = format!("{name}=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(unescape(&html[start..end]))
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out.split_whitespace().collect::<Vec<_>>().join(" "))
}
