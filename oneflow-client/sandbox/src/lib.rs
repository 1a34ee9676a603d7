//! A faithful, stateful, in-process fake of the Oneflow public API v1, for tests and demos.
//!
//! [`OneflowSandbox`] is a real HTTP server (axum) on `127.0.0.1:<random port>` that keeps an
//! account in memory and speaks Oneflow's wire format: the same paths under `/v1`, the same
//! field names, the list envelope `{count, data, _links}`, timestamps like
//! `2020-06-30T07:15:23+0000`, the problem body for every failure, and webhook deliveries in
//! the "Current" format signed with `sha1(callback_id + sign_key)`.
//!
//! This crate does not depend on `oneflow-client`: it speaks HTTP only, so any client (ours
//! as a dev-dependency in its tests, `curl`, a browser) can be pointed at it. It is meant for
//! tests and demos, never for production traffic.
//!
//! # Starting
//!
//! ```no_run
//! # async fn demo() -> Result<(), oneflow_sandbox::SandboxError> {
//! use oneflow_sandbox::{default_seed, OneflowSandbox};
//!
//! let sandbox = OneflowSandbox::start().await?;
//! println!("base URL {}", sandbox.base_url()); // http://127.0.0.1:PORT/v1/
//! let token = sandbox.api_token(); // send as `x-oneflow-api-token`
//! let template = sandbox.seeded().template_id(default_seed::TEMPLATE_PDF);
//! # let _ = (token, template);
//! # Ok(()) }
//! ```
//!
//! The server runs on the current tokio runtime and stops when the handle is dropped (or on
//! [`OneflowSandbox::shutdown`]). [`OneflowSandbox::builder`] starts from the default seed and
//! adds users, workspaces, template types and templates, or replaces the seed entirely with
//! [`SandboxBuilder::without_default_seed`]. For a standalone server on a fixed port use
//! [`SandboxBuilder::bind_addr`].
//!
//! # The default seed
//!
//! Ids are deterministic: account 1001, users from 2001, workspaces from 3001, template types
//! from 4001, templates from 5001, type data fields from 6001; contracts are numbered from
//! 7001, parties from 20001, participants from 30001, events from 50001, webhooks from 801.
//! Names are in [`default_seed`].
//!
//! | Entity | Content |
//! |---|---|
//! | API token | [`default_seed::API_TOKEN`] (40 characters) |
//! | Account | "Acme Sales AB" |
//! | Users | Ada Admin `admin@acme.example` (admin), Sam Seller `seller@acme.example`, Ivy Inactive `inactive@acme.example` (inactive) |
//! | Workspaces | "Sales" (everyone), "Legal" (administrators only) |
//! | Template types | "SuperOffice" (`extension_type: "superoffice"`; data fields `superoffice_sale_id`, `superoffice_company_id`, `superoffice_sale_heading`, `superoffice_contact_id`), "HR" (no extension type; `employee_number`) |
//! | Templates | SuperOffice: PDF section only; attachments section only; both (also in Legal); neither; an inactive one. "HR - Employment contract" (HR, PDF). "Mutual NDA" (no template type). |
//!
//! Templates offer the delivery channels `email`, `sms`, `same_device`, `none`, the sign
//! methods `standard_esign`, `sms`, `swedish_bankid` and the two-step methods `none`, `email`,
//! `sms` (the first of each is `preferred`), unless the seed says otherwise.
//!
//! # Controls
//!
//! * Signing: [`sign`](OneflowSandbox::sign), [`sign_all`](OneflowSandbox::sign_all),
//!   [`decline`](OneflowSandbox::decline), [`expire`](OneflowSandbox::expire) move a
//!   `pending` contract as its participants would;
//!   [`contract_state`](OneflowSandbox::contract_state) reads the state back. Over HTTP,
//!   `POST /contracts/{id}/participants/{participant_id}/access_link` returns a token-free
//!   link to a minimal HTML page with "Sign" and "Decline" buttons (same effect as the
//!   controls; the first visit emits `participant:first_visit`), so a browser can walk the
//!   flow in a demo.
//! * Faults: [`inject_fault`](OneflowSandbox::inject_fault) with a [`Fault`] (500, HTML 502
//!   or 503, slow answer, 429 with `error_code` 4290000 and by default no `Retry-After`, a
//!   connection dropped after the change was committed);
//!   [`inject_fault_for`](OneflowSandbox::inject_fault_for) limits them to a [`FaultScope`]
//!   (reads, writes, a method, a path prefix).
//! * Logs: [`requests`](OneflowSandbox::requests) (method, path, query, acting e-mail,
//!   status; never the token) and [`deliveries`](OneflowSandbox::deliveries) (every webhook
//!   attempt), plus [`wait_for_deliveries`](OneflowSandbox::wait_for_deliveries) to await
//!   progress without sleeping. Both logs keep at most [`LOG_CAPACITY`] entries (or
//!   [`SandboxBuilder::log_capacity`]) and drop the oldest when full.
//! * Binding: loopback only; a non-loopback [`SandboxBuilder::bind_addr`] is refused unless
//!   [`SandboxBuilder::allow_non_loopback_bind`] is set.
//! * Webhook delivery: [`DeliveryConfig`] (retry gaps, attempts, timeout, duplicate and
//!   reorder switches), settable on the builder or at run time.
//! * Latency: [`SandboxBuilder::latency`] / [`set_latency`](OneflowSandbox::set_latency)
//!   delay every API request by a fixed time, as the network to the real service would
//!   (benchmarks use it to make a client I/O-bound).
//! * Accounts: [`SandboxBuilder::account`] adds further accounts, each with its own API token,
//!   users, contracts and webhooks, served from the same host as Oneflow serves all accounts;
//!   [`accounts`](OneflowSandbox::accounts) lists their seeded ids.
//!
//! # Faithful vs simplified
//!
//! Faithful to the reference notes: paths and methods; the `x-oneflow-api-token` check and
//! `x-oneflow-user-email` (must be an active user; absent = anonymous admin, except on the
//! writes whose reference marks it required — create/update contract, create/update
//! participant, data-field updates — which answer 400); the problem
//! body with seven-digit `error_code`s; pagination bounds (`limit` 1–100, `offset` 0–19 900)
//! and `_links` (a missing page is `{"href": null}`); template filters (`extension_type` that matches no template type is a 400,
//! `filter[active]` omitted = active only, `true`/`false`, empty = both); contract creation
//! rules (workspace/template pairing, active template, parties and participants, options
//! offered by the template, e-mail/phone requirements, data-field custom ids of the template
//! type, 40 parties / 40 participants / 29 owner-side participants); state rules (publish
//! only from `draft`, 409 otherwise; parties, participants and files only on drafts); DELETE
//! of contracts, parties and participants answers 200 with an empty body even when missing;
//! file upload checks against the template's PDF/attachments sections and the extension list;
//! downloads answer 302 to a token-free URL; webhooks only count HTTP 200 as success, retry up
//! to 10 attempts with the same `callback_id`, and sign with `sha1(callback_id + sign_key)`.
//!
//! Simplified: the signing page behind access links is the sandbox's own (no e-ID, no real
//! signature); no PDF rendering (file 1 is a small generated PDF listing the parties), no
//! e-mail or SMS is sent (publishing marks every participant `delivery_status: success`), no
//! comments, folders (`folder_id` is only type-checked) or lifecycle; tags are ids without an
//! account tag list; a template has at most one product table
//! ([`SeedTemplate::product_table`]) and products are stored as sent; permissions are reduced to "admins may
//! manage template types and webhooks" and "workspaces may restrict who creates contracts";
//! every user can read every contract. Error codes are the generic `<status>0000` ones.
//! Rate limiting only happens through [`inject_fault`](OneflowSandbox::inject_fault) with
//! [`Fault::RateLimited`].
//! `callback_url`s may be plain `http` (loopback receivers). `sign_key` is write-only: it is
//! never echoed by the webhook endpoints. A hook without sign key is signed with an empty key.
//! Each notification carries exactly one event. Timestamps of the seed are fixed
//! (`2024-01-15T09:00:00+0000`); everything created later uses the wall clock. Unknown
//! details of the real API were decided as follows: `delivery_channel`, `sign_method` and the
//! two-step method default to the template's preferred option (`none` for two-step); individual
//! parties take their person in `participant`; `signing_period_expiration` is
//! `{"type": "never"}`, `{"type": "days_after_publish", "expire_days_after_publish": N}`
//! or `{"type": "fixed_date", "expire_date": "YYYY-MM-DD"}` (other keys such as `days` are
//! refused); an upload to a template without the needed
//! section is a 409; a file larger than 25 MiB is a 413. `GET /contracts` accepts
//! `limit`, `offset`, `sort`, `filter[states]`, `filter[published_time]`,
//! `filter[data_field_match]` and `filter[query]` (a case-insensitive match on the name),
//! each at most once; any other parameter is a 400 naming it. The
//! request log only records requests whose response was sent (a client that gave up during
//! a [`Fault::Timeout`] leaves no entry, although the request took effect).
#![forbid(unsafe_code)]

/// Default number of entries the request log and the delivery log each keep; when a log is
/// full its oldest entry is dropped (see [`SandboxBuilder::log_capacity`]).
pub const LOG_CAPACITY: usize = 10_000;

mod errors;
mod faults;
mod routes;
mod seed;
mod state;
mod webhooks;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use url::Url;

pub use errors::SandboxError;
pub use faults::{Fault, FaultScope};
pub use seed::{
    default_seed, SandboxBuilder, SeedAccount, SeedDataField, SeedTemplate, SeedTemplateType,
    SeedUser, SeedWorkspace, Seeded, SeededEntity, SeededTemplateType, SeededUser,
};
pub use webhooks::{DeliveryConfig, DeliveryOutcome, DeliveryRecord};

use faults::FaultQueue;
use state::{EventActor, World};
use webhooks::{lock, Deliverer, Notification};

/// How long `wait_for_*` waits before giving up (a safety net, not a synchronisation tool).
const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// One request the sandbox answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestRecord {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Path after normalisation (no trailing slash), e.g. `/v1/contracts/7001`.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The `x-oneflow-user-email` header, if sent.
    pub user_email: Option<String>,
    /// The status answered.
    pub status: u16,
    /// Whether an injected [`Fault`] produced the answer (the request was not handled).
    pub faulted: bool,
}

/// State shared by the HTTP handlers and the control API.
pub(crate) struct Shared {
    /// One world per account (index 0 is the primary account), with its API token.
    worlds: Vec<(String, Mutex<World>)>,
    faults: Mutex<FaultQueue>,
    requests: Mutex<std::collections::VecDeque<RequestRecord>>,
    log_capacity: usize,
    deliverer: Arc<Deliverer>,
    outbox: mpsc::UnboundedSender<Vec<Notification>>,
    nonce: u64,
    seq: Mutex<u64>,
    /// Added before every API request is handled.
    latency: Mutex<Duration>,
}

tokio::task_local! {
    /// The account (index into `Shared::worlds`) the current request or control acts on.
    static ACCOUNT: usize;
}

impl Shared {
    /// The world of the account in scope (the primary one outside any scope).
    fn world(&self) -> &Mutex<World> {
        let index = ACCOUNT.try_with(|i| *i).unwrap_or(0);
        &self.worlds[index.min(self.worlds.len() - 1)].1
    }

    /// The index of the account whose API token is `token`, compared in constant time.
    pub(crate) fn account_by_token(&self, token: &[u8]) -> Option<usize> {
        use subtle::ConstantTimeEq;
        let mut found = None;
        for (i, (t, _)) in self.worlds.iter().enumerate() {
            if bool::from(token.ct_eq(t.as_bytes())) {
                found = Some(i);
            }
        }
        found
    }

    /// The index of the first account for which `holds` is true.
    pub(crate) fn account_where(&self, holds: impl Fn(&World) -> bool) -> Option<usize> {
        self.worlds.iter().position(|(_, w)| holds(&lock(w)))
    }

    /// Runs `f` on the account holding `contract_id` (the primary one when none does).
    fn in_account_of<R>(&self, contract_id: i64, f: impl FnOnce() -> R) -> R {
        let index = self
            .account_where(|w| w.contracts.contains_key(&contract_id))
            .unwrap_or(0);
        ACCOUNT.sync_scope(index, f)
    }

    /// Runs `fut` on account `index` (requests are scoped by the authentication middleware).
    pub(crate) async fn scoped<F: std::future::Future>(&self, index: usize, fut: F) -> F::Output {
        ACCOUNT.scope(index, fut).await
    }

    pub(crate) fn read<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        f(&lock(self.world()))
    }

    /// Run a change; events it emitted become one batch of webhook notifications.
    pub(crate) fn mutate<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let mut world = lock(self.world());
        let out = f(&mut world);
        if !world.emitted.is_empty() {
            let mut seq = lock(&self.seq);
            let batch = webhooks::notifications(&mut world, self.nonce, &mut seq);
            if !batch.is_empty() {
                // The worker only stops when the sandbox is dropped; nothing to deliver then.
                let _ = self.outbox.send(batch);
            }
        }
        out
    }

    pub(crate) fn decide(
        &self,
        contract_id: i64,
        participant_id: i64,
        sign: bool,
    ) -> Result<(), SandboxError> {
        let action = if sign { "sign" } else { "decline" };
        self.mutate(|w| {
            let c = w
                .contracts
                .get_mut(&contract_id)
                .ok_or(SandboxError::ContractNotFound(contract_id))?;
            if c.state != "pending" {
                return Err(SandboxError::InvalidState {
                    contract_id,
                    state: c.state.clone(),
                    action,
                });
            }
            let now = Utc::now();
            let (p, party_id, party_name) =
                c.participant_mut(participant_id)
                    .ok_or(SandboxError::ParticipantNotFound {
                        contract_id,
                        participant_id,
                    })?;
            if !p.signatory {
                return Err(SandboxError::NotASignatory {
                    contract_id,
                    participant_id,
                });
            }
            if p.sign_state != "undecided" {
                return Err(SandboxError::AlreadyDecided {
                    contract_id,
                    participant_id,
                });
            }
            p.sign_state = if sign { "signed" } else { "declined" }.to_owned();
            p.sign_state_updated = Some(now);
            p.updated = now;
            let name = p.name.clone();
            let all_signed = c
                .parties
                .iter()
                .flat_map(|party| party.participants.iter())
                .filter(|x| x.signatory)
                .all(|x| x.sign_state == "signed");
            let contract_done = !sign || all_signed;
            if contract_done {
                c.set_state(if sign { "signed" } else { "declined" });
            } else {
                c.touch();
            }
            let actor = || EventActor {
                id: participant_id,
                name: name.clone(),
                party: Some((party_id, party_name.clone())),
            };
            let subject =
                json!({ "subject": { "participant": { "id": participant_id, "name": name } } });
            w.emit(
                contract_id,
                &format!("participant:{action}"),
                Some(actor()),
                subject,
            );
            if contract_done {
                let subject = json!({ "subject": { "contract": { "id": contract_id } } });
                w.emit(
                    contract_id,
                    &format!("contract:{action}"),
                    Some(actor()),
                    subject,
                );
            }
            Ok(())
        })
    }
}

/// A running Oneflow sandbox. Dropping it stops the server and the webhook worker.
pub struct OneflowSandbox {
    shared: Arc<Shared>,
    seeded: Seeded,
    /// Every account's seed ids, the primary one first.
    accounts: Vec<Seeded>,
    base_url: Url,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    worker: JoinHandle<()>,
}

impl fmt::Debug for OneflowSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneflowSandbox")
            .field("base_url", &self.base_url.as_str())
            .field("api_token", &"[redacted]")
            .field("account_id", &self.seeded.account_id)
            .finish_non_exhaustive()
    }
}

impl OneflowSandbox {
    /// Start a sandbox with the default seed on the current tokio runtime.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), oneflow_sandbox::SandboxError> {
    /// let sandbox = oneflow_sandbox::OneflowSandbox::start().await?;
    /// assert!(sandbox.base_url().as_str().ends_with("/v1/"));
    /// # Ok(()) }
    /// ```
    pub async fn start() -> Result<Self, SandboxError> {
        Self::start_with(SandboxBuilder::default()).await
    }

    /// A builder that starts from the default seed.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), oneflow_sandbox::SandboxError> {
    /// use oneflow_sandbox::{DeliveryConfig, OneflowSandbox, SeedTemplate, SeedUser};
    ///
    /// let sandbox = OneflowSandbox::builder()
    ///     .user(SeedUser::new("Bo Buyer", "bo@acme.example"))
    ///     .template(SeedTemplate::new("Quote").workspace("Sales").template_type("SuperOffice"))
    ///     .delivery_config(DeliveryConfig::immediate())
    ///     .start()
    ///     .await?;
    /// # let _ = sandbox;
    /// # Ok(()) }
    /// ```
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    pub(crate) async fn start_with(builder: SandboxBuilder) -> Result<Self, SandboxError> {
        if !builder.bind.ip().is_loopback() && !builder.allow_non_loopback {
            return Err(SandboxError::NonLoopbackBind(builder.bind));
        }
        let listener = tokio::net::TcpListener::bind(builder.bind)
            .await
            .map_err(SandboxError::Bind)?;
        let addr = listener.local_addr().map_err(SandboxError::Bind)?;
        let base = format!("http://{addr}/v1");
        let (world, seeded) = World::from_seed(&builder, base.clone(), 0)?;
        let mut worlds = vec![(builder.api_token.clone(), Mutex::new(world))];
        let mut accounts = vec![seeded.clone()];
        for (i, extra) in builder.extra_accounts.iter().enumerate() {
            if worlds.iter().any(|(t, _)| *t == extra.api_token) {
                return Err(SandboxError::InvalidSeed(format!(
                    "account {} reuses another account's API token",
                    extra.name
                )));
            }
            let mut seed = builder.clone();
            seed.api_token = extra.api_token.clone();
            seed.account_name = extra.name.clone();
            seed.users = extra.users.clone();
            for workspace in &mut seed.workspaces {
                if let Some(members) = &mut workspace.members {
                    members.retain(|m| extra.users.iter().any(|u| u.email.eq_ignore_ascii_case(m)));
                }
            }
            let (world, seeded) = World::from_seed(&seed, base.clone(), i + 1)?;
            worlds.push((extra.api_token.clone(), Mutex::new(world)));
            accounts.push(seeded);
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(SandboxError::HttpClient)?;
        let deliverer = Arc::new(Deliverer::new(
            builder.delivery.clone(),
            http,
            builder.log_capacity,
        ));
        let (outbox, inbox) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            worlds,
            faults: Mutex::new(FaultQueue::default()),
            requests: Mutex::new(std::collections::VecDeque::new()),
            log_capacity: builder.log_capacity,
            deliverer: deliverer.clone(),
            outbox,
            nonce: rand::random(),
            seq: Mutex::new(0),
            latency: Mutex::new(builder.latency),
        });
        let worker = tokio::spawn(webhooks::run_worker(deliverer, inbox));
        let app = routes::router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(err) = serve.await {
                tracing::warn!(error = %err, "oneflow sandbox server stopped with an error");
            }
        });
        let base_url = Url::parse(&format!("{base}/"))
            .map_err(|_| SandboxError::InvalidSeed("could not form the base URL".to_owned()))?;
        tracing::debug!(%base_url, "oneflow sandbox started");
        Ok(Self {
            shared,
            seeded,
            accounts,
            base_url,
            stop: Some(stop),
            server: Some(server),
            worker,
        })
    }

    /// The API base URL, `http://127.0.0.1:PORT/v1/` (with a trailing slash, so
    /// `base_url().join("contracts")` works).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The seeded API token (the `x-oneflow-api-token` value).
    pub fn api_token(&self) -> &str {
        &self.shared.worlds[0].0
    }

    /// Ids and names of everything the seed created.
    pub fn seeded(&self) -> &Seeded {
        &self.seeded
    }

    /// A printable overview for humans: base URL, token, users, workspaces, templates.
    /// (The token is a sandbox credential; print it only where that is intended.)
    pub fn summary(&self) -> String {
        use std::fmt::Write as _;
        let seeded = &self.seeded;
        let mut out = String::new();
        let _ = writeln!(out, "Oneflow sandbox  {}", self.base_url);
        let _ = writeln!(out, "  x-oneflow-api-token: {}", self.api_token());
        let _ = writeln!(out, "  account {}", seeded.account_id);
        for u in &seeded.users {
            let role = if u.is_admin { "admin" } else { "user" };
            let state = if u.active { "active" } else { "inactive" };
            let _ = writeln!(
                out,
                "  user {:>5}  {} <{}> ({role}, {state})",
                u.id, u.name, u.email
            );
        }
        for w in &seeded.workspaces {
            let _ = writeln!(out, "  workspace {:>5}  {}", w.id, w.name);
        }
        for t in &seeded.template_types {
            let ext = t.extension_type.as_deref().unwrap_or("-");
            let _ = writeln!(
                out,
                "  template type {:>5}  {} (extension_type {ext})",
                t.id, t.name
            );
        }
        for t in &seeded.templates {
            let _ = writeln!(out, "  template {:>5}  {}", t.id, t.name);
        }
        out
    }

    /// Let a signatory of a `pending` contract sign. When every signatory has signed, the
    /// contract becomes `signed`. Emits `participant:sign` (and `contract:sign`).
    ///
    /// ```no_run
    /// # fn demo(sandbox: &oneflow_sandbox::OneflowSandbox) -> Result<(), oneflow_sandbox::SandboxError> {
    /// sandbox.sign(7001, 30002)?;
    /// # Ok(()) }
    /// ```
    pub fn sign(&self, contract_id: i64, participant_id: i64) -> Result<(), SandboxError> {
        self.shared.in_account_of(contract_id, || {
            self.shared.decide(contract_id, participant_id, true)
        })
    }

    /// Let a signatory of a `pending` contract decline: the contract becomes `declined`.
    /// Emits `participant:decline` and `contract:decline`.
    pub fn decline(&self, contract_id: i64, participant_id: i64) -> Result<(), SandboxError> {
        self.shared.in_account_of(contract_id, || {
            self.shared.decide(contract_id, participant_id, false)
        })
    }

    /// Let every signatory who has not decided yet sign, in party order (the contract ends
    /// `signed`). Returns the participant ids that signed.
    ///
    /// ```no_run
    /// # fn demo(sandbox: &oneflow_sandbox::OneflowSandbox) -> Result<(), oneflow_sandbox::SandboxError> {
    /// let signed = sandbox.sign_all(7001)?;
    /// assert!(!signed.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn sign_all(&self, contract_id: i64) -> Result<Vec<i64>, SandboxError> {
        let pending: Vec<i64> = self.shared.in_account_of(contract_id, || {
            self.shared.read(|w| {
                let c = w
                    .contracts
                    .get(&contract_id)
                    .ok_or(SandboxError::ContractNotFound(contract_id))?;
                if c.state != "pending" {
                    return Err(SandboxError::InvalidState {
                        contract_id,
                        state: c.state.clone(),
                        action: "sign",
                    });
                }
                Ok(c.parties
                    .iter()
                    .flat_map(|p| p.participants.iter())
                    .filter(|p| p.signatory && p.sign_state == "undecided")
                    .map(|p| p.id)
                    .collect())
            })
        })?;
        for participant_id in &pending {
            self.sign(contract_id, *participant_id)?;
        }
        Ok(pending)
    }

    /// Let the signing period of a `pending` contract run out: the contract becomes `overdue`.
    /// Emits `contract:signing_period_expire`.
    pub fn expire(&self, contract_id: i64) -> Result<(), SandboxError> {
        self.shared
            .in_account_of(contract_id, || self.expire_in_scope(contract_id))
    }

    fn expire_in_scope(&self, contract_id: i64) -> Result<(), SandboxError> {
        self.shared.mutate(|w| {
            let c = w
                .contracts
                .get_mut(&contract_id)
                .ok_or(SandboxError::ContractNotFound(contract_id))?;
            if c.state != "pending" {
                return Err(SandboxError::InvalidState {
                    contract_id,
                    state: c.state.clone(),
                    action: "expire",
                });
            }
            c.set_state("overdue");
            c.signing_period_expiry_time = Some(Utc::now());
            let subject = json!({ "subject": { "contract": { "id": contract_id } } });
            w.emit(contract_id, "contract:signing_period_expire", None, subject);
            Ok(())
        })
    }

    /// The current `state` of a contract (`draft`, `pending`, `signed`, …), if it exists.
    pub fn contract_state(&self, contract_id: i64) -> Option<String> {
        self.shared.in_account_of(contract_id, || {
            self.shared
                .read(|w| w.contracts.get(&contract_id).map(|c| c.state.clone()))
        })
    }

    /// Answer the next `times` API requests (under `/v1`) with `fault` instead of handling
    /// them (a [`Fault::Timeout`] handles the request, then holds the answer back). Faults
    /// queue up in call order; [`clear_faults`](Self::clear_faults) drops them.
    ///
    /// ```no_run
    /// # async fn demo(sandbox: &oneflow_sandbox::OneflowSandbox) {
    /// use oneflow_sandbox::Fault;
    ///
    /// // Oneflow's 429 carries no `Retry-After`.
    /// sandbox.inject_fault(Fault::RateLimited { retry_after: None }, 1);
    /// sandbox.inject_fault(Fault::ServiceUnavailableHtml, 2);
    /// # }
    /// ```
    pub fn inject_fault(&self, fault: Fault, times: usize) {
        lock(&self.shared.faults).push(FaultScope::any(), fault, times);
    }

    /// Drop all queued faults.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// The requests answered so far, oldest first (at most the log capacity, see
    /// [`SandboxBuilder::log_capacity`]; older entries are dropped).
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.requests).iter().cloned().collect()
    }

    /// Forget the request log.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// The webhook delivery attempts so far, in the order they finished (at most the log
    /// capacity; older entries are dropped).
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.shared.deliverer.log.snapshot()
    }

    /// Wait until `predicate` holds for the delivery log and return the log.
    ///
    /// Wakes on every new attempt (no polling). Fails with [`SandboxError::Timeout`] after
    /// 30 s as a safety net. Do not combine with `tokio::time::pause()`: paused time would
    /// jump to the timeout while real sockets are busy.
    ///
    /// ```no_run
    /// # async fn demo(sandbox: &oneflow_sandbox::OneflowSandbox) -> Result<(), oneflow_sandbox::SandboxError> {
    /// let log = sandbox
    ///     .wait_for_deliveries(|log| log.iter().any(|d| d.outcome.is_success()))
    ///     .await?;
    /// # let _ = log;
    /// # Ok(()) }
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

    /// [`wait_for_deliveries`](Self::wait_for_deliveries) with a custom safety-net timeout.
    pub async fn wait_for_deliveries_within<F>(
        &self,
        timeout: Duration,
        mut predicate: F,
    ) -> Result<Vec<DeliveryRecord>, SandboxError>
    where
        F: FnMut(&[DeliveryRecord]) -> bool,
    {
        let log = &self.shared.deliverer.log;
        let mut changes = log.subscribe();
        let wait = async {
            loop {
                let snapshot = log.snapshot();
                if predicate(&snapshot) {
                    return snapshot;
                }
                if changes.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| SandboxError::Timeout(timeout))
    }

    /// The current webhook delivery settings.
    pub fn delivery_config(&self) -> DeliveryConfig {
        lock(&self.shared.deliverer.config).clone()
    }

    /// Replace the webhook delivery settings (applies to notifications emitted afterwards).
    pub fn set_delivery_config(&self, config: DeliveryConfig) {
        *lock(&self.shared.deliverer.config) = config;
    }

    /// Send every notification twice (same `callback_id`).
    pub fn set_duplicate_delivery(&self, on: bool) {
        lock(&self.shared.deliverer.config).duplicate = on;
    }

    /// Deliver the notifications of one action in reverse order.
    pub fn set_reorder_delivery(&self, on: bool) {
        lock(&self.shared.deliverer.config).reorder = on;
    }

    /// Stop the server gracefully (waits up to 5 s for open requests) and the webhook worker.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut server) = self.server.take() {
            if tokio::time::timeout(Duration::from_secs(5), &mut server)
                .await
                .is_err()
            {
                server.abort();
            }
        }
        self.worker.abort();
    }

    /// Like [`inject_fault`](Self::inject_fault), but only requests in `scope` take these
    /// faults; other requests pass (and leave them queued). Each request takes the oldest
    /// queued fault whose scope matches it.
    ///
    /// ```no_run
    /// # async fn demo(sandbox: &oneflow_sandbox::OneflowSandbox) {
    /// use oneflow_sandbox::{Fault, FaultScope};
    ///
    /// // A burst of 429s on reads only; writes pass.
    /// sandbox.inject_fault_for(FaultScope::reads(), Fault::RateLimited { retry_after: None }, 3);
    /// // The next contract create takes effect, but its answer is lost.
    /// sandbox.inject_fault_for(
    ///     FaultScope::method("POST").path_prefix("/v1/contracts/create"),
    ///     Fault::DropAfterCommit,
    ///     1,
    /// );
    /// # }
    /// ```
    pub fn inject_fault_for(&self, scope: FaultScope, fault: Fault, times: usize) {
        lock(&self.shared.faults).push(scope, fault, times);
    }

    /// Every account's seeded ids, the primary account first, then the extra accounts of
    /// [`SandboxBuilder::account`] in the order they were added.
    pub fn accounts(&self) -> &[Seeded] {
        &self.accounts
    }

    /// Delay every API request (under `/v1`) by `latency` before it is handled, from now on
    /// (`Duration::ZERO` turns it off); see [`SandboxBuilder::latency`].
    ///
    /// ```no_run
    /// # fn demo(sandbox: &oneflow_sandbox::OneflowSandbox) {
    /// sandbox.set_latency(std::time::Duration::from_millis(5));
    /// # }
    /// ```
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.shared.latency) = latency;
    }

    /// The per-request latency in force.
    pub fn latency(&self) -> Duration {
        *lock(&self.shared.latency)
    }
}

impl Drop for OneflowSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.worker.abort();
    }
}
