//! The demo story: both sandboxes, the integration engine a host embeds, one narrated run.
//!
//! [`run_story`] is what `cargo run -p examples --bin demo` executes; the end-to-end tests call
//! it too and check the [`StorySummary`] it returns, which is read back from the two systems
//! (not from what the story intended to do).
//!
//! Everything the integration does goes through [`Integration`]: registering the Oneflow
//! account, setup (admin checks, tenant binding, panel, link fields, webhooks), templates,
//! contracts from Sales, webhook intake and the worker that maps contract states onto Sales,
//! and removal. The story only plays the people (the admin signing in, buyers signing or
//! declining) and the host (a small HTTP server that hands webhook deliveries to the engine).

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use integration_core::engine::{Ack, EngineError, IntegrationConfig};
use integration_core::policy::contract_factory::{
    ContractChoices, Delivery, FileChoice, FileKind, ParticipantChoice, ParticipantSource,
    PartyKind,
};
use integration_core::store::{InstallationId, SecretKey, SqliteStore, Store};
use integration_core::Integration;
use oneflow_client::models::draft::ParticipantRole;
use oneflow_client::models::DeliveryChannel;
use oneflow_sandbox::{DeliveryConfig, OneflowSandbox, SeedUser};
use secrecy::SecretString;
use superoffice_client::Environment;
use superoffice_sandbox::{default_seed as so_seed, SuperOfficeSandbox};

/// A boxed error: the demo reports any failure with its chain of causes.
pub type StoryError = Box<dyn std::error::Error + Send + Sync>;

/// Settings of one run.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoryOptions {
    /// Stage mapping (the admin toggle): signed → Sold, declined → Lost.
    pub stage_mapping: bool,
    /// How long to wait for one webhook delivery before giving up.
    pub webhook_wait: Duration,
    /// Let the Oneflow sandbox deliver every notification twice (exercises deduplication).
    pub duplicate_deliveries: bool,
}

impl Default for StoryOptions {
    fn default() -> Self {
        StoryOptions {
            stage_mapping: true,
            webhook_wait: Duration::from_secs(20),
            duplicate_deliveries: false,
        }
    }
}

/// One contract created from a Sale, and where the Sale ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractOutcome {
    /// The SuperOffice Sale.
    pub sale_id: i32,
    /// Its heading.
    pub sale_heading: String,
    /// The Oneflow contract created from it.
    pub contract_id: i64,
    /// The contract state read back from Oneflow at the end.
    pub contract_state: String,
    /// The Sale status read back from SuperOffice at the end.
    pub sale_status: String,
}

/// What the run observed, read back from both systems.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct StorySummary {
    /// The tenant the Oneflow account was connected to.
    pub tenant: String,
    /// The admin's e-mail (the same in both systems).
    pub admin_email: String,
    /// Templates offered (active, group "SuperOffice").
    pub templates_offered: Vec<String>,
    /// The web panel's id while installed.
    pub web_panel_id: Option<i32>,
    /// HTTP status of the cache flush.
    pub flush_status: u16,
    /// Contracts created and the Sale state afterwards.
    pub contracts: Vec<ContractOutcome>,
    /// Oneflow webhook deliveries accepted (distinct notifications).
    pub webhook_notifications: usize,
    /// Deliveries that repeated an already-seen notification (acknowledged, not processed).
    pub duplicate_deliveries: usize,
    /// Sale updates (PATCH requests) SuperOffice received.
    pub sale_updates: usize,
    /// Whether the panel and the webhooks were gone after removal.
    pub removed_cleanly: bool,
}

impl StorySummary {
    /// True when the story ended as designed: one Sale Sold, one Lost, clean removal.
    pub fn all_expected(&self) -> bool {
        let statuses: Vec<&str> = self
            .contracts
            .iter()
            .map(|c| c.sale_status.as_str())
            .collect();
        statuses == ["Sold", "Lost"] && self.removed_cleanly && self.flush_status == 200
    }
}

impl fmt::Display for StorySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Summary")?;
        writeln!(f, "  tenant            {}", self.tenant)?;
        writeln!(f, "  admin             {}", self.admin_email)?;
        writeln!(
            f,
            "  templates         {}",
            self.templates_offered.join(", ")
        )?;
        writeln!(f, "  cache flush       HTTP {}", self.flush_status)?;
        for c in &self.contracts {
            writeln!(
                f,
                "  Sale {:<4} {:<28} contract {:<6} {:<9} → Sale {}",
                c.sale_id, c.sale_heading, c.contract_id, c.contract_state, c.sale_status
            )?;
        }
        writeln!(
            f,
            "  webhooks          {} notifications processed, {} duplicates ignored",
            self.webhook_notifications, self.duplicate_deliveries
        )?;
        writeln!(f, "  Sale updates      {}", self.sale_updates)?;
        write!(
            f,
            "  removal           {}",
            if self.removed_cleanly {
                "web panel and webhooks deleted"
            } else {
                "INCOMPLETE"
            }
        )
    }
}

/// Runs the whole story, narrating to `out`, and returns what it observed.
pub async fn run_story(
    options: StoryOptions,
    out: &mut (dyn Write + Send),
) -> Result<StorySummary, StoryError> {
    let mut summary = StorySummary::default();

    // --- The two systems and the host ------------------------------------------------------
    let superoffice = SuperOfficeSandbox::start().await?;
    // The same people in both systems: Oneflow knows the SuperOffice users by e-mail.
    let oneflow = OneflowSandbox::builder()
        .account_name("Nordic Trading AS")
        .user(SeedUser::new("Ada Admin", so_seed::ADMIN_EMAIL).admin(true))
        .user(SeedUser::new("Sam Seller", so_seed::SELLER_EMAIL))
        .delivery_config(DeliveryConfig::immediate().duplicate(options.duplicate_deliveries))
        .start()
        .await?;
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(dir.path().join("integration.db"), SecretKey::generate()).await?,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let host = format!("http://{}", listener.local_addr()?);
    let config = IntegrationConfig::new(
        Environment::custom(superoffice.base_url())?,
        superoffice.client_id(),
        superoffice.client_secret(),
        so_seed::REDIRECT_URI.parse()?,
        host.parse()?,
    )
    .oneflow_base_url(oneflow.base_url().as_str());
    let engine = Integration::builder(config, store).build()?;
    let stats = Arc::new(Mutex::new(DeliveryStats::default()));
    serve_host(listener, engine.clone(), stats.clone());
    step(out, "Sandboxes and host")?;
    say(
        out,
        format!("SuperOffice (OIDC + tenants)  {}", superoffice.base_url()),
    )?;
    say(
        out,
        format!("Oneflow API                   {}", oneflow.base_url()),
    )?;
    say(out, format!("host (webhooks, SQLite store) {host}"))?;

    // --- 1. The admin connects the Oneflow account to one SuperOffice tenant ----------------
    step(out, "1. Admin connects Oneflow and SuperOffice")?;
    let installation = engine.register_oneflow_account(oneflow.api_token()).await?;
    let id = installation.id;
    say(
        out,
        format!("Oneflow account {id} registered with its API token"),
    )?;
    let sign_in = engine.begin_setup(id, so_seed::ADMIN_EMAIL).await?;
    // The browser part: the admin signs in at SuperOffice and is sent back with a code.
    let callback = superoffice.sign_in(&sign_in, so_seed::ADMIN_EMAIL).await?;
    let report = engine.complete_setup(callback.as_str()).await?;
    say(
        out,
        format!(
            "{} is administrator in SuperOffice tenant {} and in the Oneflow account; tenant bound",
            report.admin_email, report.tenant
        ),
    )?;
    summary.tenant = report.tenant.clone();
    summary.admin_email = report.admin_email.clone();
    summary.web_panel_id = Some(report.panel_id);

    // --- 2. What setup provisioned ------------------------------------------------------------
    step(out, "2. Setup provisioned panel, link fields and webhooks")?;
    say(
        out,
        format!(
            "panel {} \"Oneflow Contract\" on SaleArchive (Sale screen tab), visible to all user groups",
            report.panel_id
        ),
    )?;
    say(
        out,
        format!(
            "link data fields added to the \"SuperOffice\" template type: {}",
            list(&report.data_fields_added)
        ),
    )?;
    say(
        out,
        format!(
            "Oneflow webhook {} and SuperOffice webhook {} point at the host",
            report.oneflow_webhook_id, report.superoffice_webhook_id
        ),
    )?;
    summary.flush_status = match engine.flush_caches(id).await {
        Ok(()) => 200,
        Err(EngineError::SuperOffice(error)) => error.status().map_or(0, |s| s.as_u16()),
        Err(error) => return Err(error.into()),
    };
    say(
        out,
        format!(
            "panel not showing? open {} (as General Administrator): HTTP {}",
            report.flush_url, summary.flush_status
        ),
    )?;
    if !options.stage_mapping {
        let mut settings = engine.settings(id).await?;
        settings.stage_mapping.stage_mapping_enabled = false;
        let admin = SecretString::from(superoffice.issue_access_token(so_seed::ADMIN_EMAIL)?);
        engine.update_settings(id, &admin, settings).await?;
        say(out, "the admin switched stage mapping off")?;
    }

    // --- 3. Templates a seller may pick ------------------------------------------------------
    step(
        out,
        "3. Templates offered to the seller (active, group \"SuperOffice\")",
    )?;
    let templates = engine.templates_for(id, so_seed::SELLER_EMAIL).await?;
    for option in &templates {
        say(
            out,
            format!(
                "{:<10} {:<40} pdf={} attachments={}",
                option.workspace_name.as_deref().unwrap_or("?"),
                option.template.name,
                option.template.has_pdf_section,
                option.template.has_attachments_section
            ),
        )?;
        summary.templates_offered.push(option.template.name.clone());
    }
    let template = templates
        .iter()
        .find(|t| t.template.has_pdf_section && !t.template.has_attachments_section)
        .ok_or("no offered template has only a PDF section")?;

    // --- 4. Contracts from two Sales ----------------------------------------------------------
    let sales = [
        (so_seed::OPEN_SALE_ID, Buyer::Signs),
        (so_seed::SECOND_OPEN_SALE_ID, Buyer::Declines),
    ];
    let mut created = Vec::new();
    for (sale_id, buyer) in sales {
        step(
            out,
            format!("4. Contract from Sale {sale_id} (then the buyer {buyer})"),
        )?;
        let person = superoffice.sale(so_seed::MAIN_TENANT, sale_id)?["Person"]["PersonId"]
            .as_i64()
            .and_then(|p| i32::try_from(p).ok())
            .ok_or("the Sale has no person")?;
        let mut choices = ContractChoices::new(
            template.workspace_id.into(),
            template.template.id.into(),
            format!("demo-{sale_id}"),
        );
        choices.participants = vec![
            ParticipantChoice::new(
                ParticipantSource::Person(person),
                PartyKind::Company,
                ParticipantRole::Signatory,
            )
            .delivery_channel(DeliveryChannel::Email),
            ParticipantChoice::new(
                ParticipantSource::SaleOwner,
                PartyKind::Owner,
                ParticipantRole::Signatory,
            ),
        ];
        // Attachments need an Attachments section: refused before anything is sent.
        let mut with_attachment = choices.clone();
        with_attachment.files = vec![FileChoice::new(
            "terms.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            2,
            FileKind::Attachment,
        )];
        if let Err(error) = engine
            .create_contract_from_sale(
                id,
                so_seed::SELLER_EMAIL,
                sale_id.into(),
                &with_attachment,
                vec![b"PK".to_vec()],
            )
            .await
        {
            say(out, format!("attachment refused locally: {error}"))?;
        }
        let pdf = format!("%PDF-1.4\n% Offer for Sale {sale_id}\n%%EOF\n").into_bytes();
        choices.files = vec![FileChoice::new(
            "offer.pdf",
            "application/pdf",
            pdf.len() as u64,
            FileKind::Pdf,
        )];
        choices.delivery = Delivery::Send {
            subject: "Your contract".into(),
            message: "Please review and sign.".into(),
        };
        let contract = engine
            .create_contract_from_sale(
                id,
                so_seed::SELLER_EMAIL,
                sale_id.into(),
                &choices,
                vec![pdf],
            )
            .await?;
        say(
            out,
            format!(
                "contract {} created with the PDF and sent for signing (request key {})",
                contract.contract_id, choices.request_key
            ),
        )?;
        wait_for(
            &oneflow,
            options.webhook_wait,
            contract.contract_id,
            "contract:publish",
        )
        .await?;
        let report = drain(&engine).await?;
        say(
            out,
            format!(
                "webhook contract:publish verified, recorded, processed ({} job)",
                report
            ),
        )?;
        created.push((sale_id, contract.contract_id, buyer));
    }

    // --- 5. Buyers act; webhooks drive stage mapping ----------------------------------------
    step(
        out,
        format!(
            "5. Buyers sign / decline; stage mapping is {}",
            if options.stage_mapping { "ON" } else { "OFF" }
        ),
    )?;
    for (sale_id, contract_id, buyer) in &created {
        let event = match buyer {
            Buyer::Signs => {
                oneflow.sign_all(*contract_id)?;
                "contract:sign"
            }
            Buyer::Declines => {
                let signatory = counterparty_signatory(&oneflow, *contract_id).await?;
                oneflow.decline(*contract_id, signatory)?;
                "contract:decline"
            }
        };
        wait_for(&oneflow, options.webhook_wait, *contract_id, event).await?;
        drain(&engine).await?;
        let decision = engine
            .store()
            .recent_audit(id, 20)
            .await?
            .into_iter()
            .find(|e| {
                e.action == "stage_mapping"
                    && e.detail.starts_with(&format!("contract {contract_id}"))
            })
            .map(|e| e.detail)
            .unwrap_or_else(|| "no decision recorded".into());
        let status = superoffice.sale(so_seed::MAIN_TENANT, *sale_id)?["Status"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let outcome = if status == "Sold" || status == "Lost" {
            format!("Sale {sale_id} closed as {status}")
        } else {
            format!("Sale {sale_id} left {status}")
        };
        say(out, format!("{event}: {outcome} ({decision})"))?;
    }

    // --- 6. Read back --------------------------------------------------------------------------
    for (sale_id, contract_id, _) in &created {
        let sale = superoffice.sale(so_seed::MAIN_TENANT, *sale_id)?;
        summary.contracts.push(ContractOutcome {
            sale_id: *sale_id,
            sale_heading: sale["Heading"].as_str().unwrap_or_default().to_owned(),
            contract_id: *contract_id,
            contract_state: oneflow.contract_state(*contract_id).unwrap_or_default(),
            sale_status: sale["Status"].as_str().unwrap_or_default().to_owned(),
        });
    }

    // Let every delivery Oneflow still owes us land before counting (duplicates included),
    // then process what they queued.
    let copies = if options.duplicate_deliveries { 2 } else { 1 };
    let notifications = created.len() * 2;
    oneflow
        .wait_for_deliveries_within(options.webhook_wait, |log| {
            log.iter().filter(|d| d.outcome.is_success()).count() >= notifications * copies
        })
        .await?;
    drain(&engine).await?;

    // --- 7. Removal --------------------------------------------------------------------------
    step(out, "6. Removal: uninstall")?;
    engine.uninstall(id).await?;
    let panel_gone = superoffice
        .web_panels(so_seed::MAIN_TENANT)?
        .iter()
        .all(|p| p["ProgId"] != "oneflow.superoffice.contract-panel");
    let hooks_gone = superoffice.webhooks(so_seed::MAIN_TENANT)?.is_empty()
        && oneflow_admin(&oneflow)?.webhooks().list().await?.is_empty();
    summary.removed_cleanly = panel_gone && hooks_gone;
    say(
        out,
        format!(
            "web panel gone: {panel_gone}, webhooks gone: {hooks_gone} (Oneflow and SuperOffice), tokens revoked, secrets forgotten"
        ),
    )?;

    summary.sale_updates = superoffice
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/Sale/"))
        .count();
    let stats = stats.lock().map_err(|_| "delivery counter poisoned")?;
    summary.webhook_notifications = stats.accepted;
    summary.duplicate_deliveries = stats.duplicates;
    Ok(summary)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Buyer {
    Signs,
    Declines,
}

impl fmt::Display for Buyer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Buyer::Signs => "signs",
            Buyer::Declines => "declines",
        })
    }
}

fn step(out: &mut (dyn Write + Send), title: impl fmt::Display) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "== {title}")
}

fn say(out: &mut (dyn Write + Send), line: impl fmt::Display) -> std::io::Result<()> {
    writeln!(out, "   {line}")
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none needed".into()
    } else {
        items.join(", ")
    }
}

/// Runs the worker until the queue is empty; returns how many jobs it finished.
async fn drain(engine: &Integration) -> Result<usize, EngineError> {
    let mut completed = 0;
    loop {
        let report = engine.process_next_batch().await?;
        if report.leased == 0 {
            return Ok(completed);
        }
        completed += report.completed;
    }
}

async fn wait_for(
    oneflow: &OneflowSandbox,
    wait: Duration,
    contract: i64,
    event: &str,
) -> Result<(), StoryError> {
    oneflow
        .wait_for_deliveries_within(wait, |log| {
            log.iter().any(|d| {
                d.contract_id == contract
                    && d.outcome.is_success()
                    && d.event_types.iter().any(|t| t == event)
            })
        })
        .await?;
    Ok(())
}

/// A Oneflow client on the account, to look at what the engine did.
fn oneflow_admin(oneflow: &OneflowSandbox) -> Result<oneflow_client::Client, StoryError> {
    Ok(oneflow_client::Client::builder()
        .base_url(oneflow.base_url().as_str())
        .api_token(oneflow.api_token().to_owned())
        .build()?)
}

/// The counterparty signatory of a contract, as the sandbox's signing page would show it.
async fn counterparty_signatory(
    oneflow: &OneflowSandbox,
    contract: i64,
) -> Result<i64, StoryError> {
    let contract = oneflow_admin(oneflow)?
        .contracts()
        .get(contract.into())
        .await?;
    let signatory = contract
        .counterparties()
        .flat_map(|p| p.all_participants())
        .find(|p| p.signatory)
        .ok_or("the contract has no counterparty signatory")?
        .id
        .get();
    Ok(signatory)
}

#[derive(Debug, Default)]
struct DeliveryStats {
    accepted: usize,
    duplicates: usize,
}

#[derive(Clone)]
struct Host {
    engine: Integration,
    stats: Arc<Mutex<DeliveryStats>>,
}

/// The host's webhook endpoints: hand the raw bytes to the engine, answer at once.
fn serve_host(
    listener: tokio::net::TcpListener,
    engine: Integration,
    stats: Arc<Mutex<DeliveryStats>>,
) {
    let app = Router::new()
        .route("/webhooks/oneflow/{installation}", post(oneflow_webhook))
        .route(
            "/webhooks/superoffice/{installation}",
            post(superoffice_webhook),
        )
        .with_state(Host { engine, stats });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
}

async fn oneflow_webhook(
    State(host): State<Host>,
    Path(installation): Path<i64>,
    body: Bytes,
) -> StatusCode {
    let result = host
        .engine
        .ingest_oneflow_webhook(InstallationId::new(installation), &body)
        .await;
    if let Ok(mut stats) = host.stats.lock() {
        match &result {
            Ok(Ack::Duplicate) => stats.duplicates += 1,
            Ok(_) => stats.accepted += 1,
            Err(_) => {}
        }
    }
    status(result)
}

async fn superoffice_webhook(
    State(host): State<Host>,
    Path(installation): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let signature = headers
        .get(superoffice_client::webhook::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    status(
        host.engine
            .ingest_superoffice_webhook(InstallationId::new(installation), &body, signature)
            .await,
    )
}

/// 200 for everything recorded (duplicates included), 401 for a bad signature.
fn status(result: Result<Ack, EngineError>) -> StatusCode {
    match result {
        Ok(_) => StatusCode::OK,
        Err(EngineError::BadSignature { .. }) => StatusCode::UNAUTHORIZED,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}
