//! The demo story: both sandboxes, both typed clients, one narrated run.
//!
//! [`run_story`] is what `cargo run -p examples --bin demo` executes; the end-to-end tests call
//! it too and check the [`StorySummary`] it returns, which is read back from the two systems
//! (not from what the story intended to do).

use std::collections::HashSet;
use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use futures::TryStreamExt;
use oneflow_client::api::files::FileUpload;
use oneflow_client::api::webhooks::WebhookDraft;
use oneflow_client::models::draft::{
    CompanyPartyDraft, ContractDraft, MyPartyDraft, ParticipantDraft, PublishMessage,
};
use oneflow_client::models::{
    ContractId, ContractState, DeliveryChannel, EventType, Template, WebhookFilter,
    WebhookFilterRule,
};
use oneflow_client::webhook::WebhookPayload;
use oneflow_sandbox::{DeliveryConfig, OneflowSandbox, SeedUser};
use superoffice_client::api::{PanelUrl, TemplateVariable};
use superoffice_client::auth::RefreshingTokenProvider;
use superoffice_client::auth::{AuthorizeOptions, OidcConfig, Session};
use superoffice_client::models::{
    ContactId, JsonPatch, PersonId, SaleEntity, SaleId, SaleStatus, VisibleIn, WebPanelEntity,
};
use superoffice_client::tenant::flush_url_from_base;
use superoffice_client::{CustomerId, Environment, OidcClient, TenantLocator};
use superoffice_sandbox::{default_seed as so_seed, SuperOfficeSandbox};
use tokio::sync::mpsc;

/// A boxed error: the demo reports any failure with its chain of causes.
pub type StoryError = Box<dyn std::error::Error + Send + Sync>;

/// The data field on the "SuperOffice" template type that links a contract to its Sale.
pub const SALE_ID_FIELD: &str = "superoffice_sale_id";
/// The `ProgId` of the web panel the integration provisions.
pub const PANEL_PROG_ID: &str = "oneflow.superoffice.contract-panel";
/// The extension type of Oneflow's "SuperOffice" template group.
pub const SUPEROFFICE_EXTENSION_TYPE: &str = "superoffice";
/// The webhook events the integration subscribes to.
pub const WEBHOOK_EVENTS: [EventType; 3] = [
    EventType::ContractPublish,
    EventType::ContractSign,
    EventType::ContractDecline,
];

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
    /// HTTP status of the cache flush URL.
    pub flush_status: u16,
    /// Contracts created and the Sale state afterwards.
    pub contracts: Vec<ContractOutcome>,
    /// Webhook deliveries accepted (distinct `callback_id`s).
    pub webhook_notifications: usize,
    /// Deliveries that repeated an already-seen `callback_id` (acknowledged, not processed).
    pub duplicate_deliveries: usize,
    /// Sale updates (PATCH requests) SuperOffice received.
    pub sale_updates: usize,
    /// Whether the panel and the webhook were gone after removal.
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
                "web panel and webhook deleted"
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

    // --- The two systems -------------------------------------------------------------------
    let superoffice = SuperOfficeSandbox::start().await?;
    // The same people in both systems: Oneflow knows the SuperOffice users by e-mail.
    let oneflow = OneflowSandbox::builder()
        .account_name("Nordic Trading AS")
        .user(SeedUser::new("Ada Admin", so_seed::ADMIN_EMAIL).admin(true))
        .user(SeedUser::new("Sam Seller", so_seed::SELLER_EMAIL))
        .delivery_config(DeliveryConfig::immediate().duplicate(options.duplicate_deliveries))
        .start()
        .await?;
    step(out, "Sandboxes")?;
    say(
        out,
        format!("SuperOffice (OIDC + tenants)  {}", superoffice.base_url()),
    )?;
    say(
        out,
        format!("Oneflow API                   {}", oneflow.base_url()),
    )?;

    // --- 1. The admin connects the Oneflow account to one SuperOffice tenant ----------------
    step(out, "1. Admin connects SuperOffice (OIDC, PKCE, nonce)")?;
    let oidc = OidcClient::new(OidcConfig::new(
        Environment::custom(superoffice.base_url())?,
        superoffice.client_id(),
        superoffice.client_secret(),
        so_seed::REDIRECT_URI,
    )?)?;
    let tenant = CustomerId::parse(so_seed::MAIN_TENANT)?;
    let session = sign_in(&superoffice, &oidc, &tenant, so_seed::ADMIN_EMAIL).await?;
    let admin_email = session
        .claims
        .email
        .clone()
        .ok_or("the id_token carries no e-mail")?;
    if session.claims.is_administrator != Some(true) {
        return Err("the SuperOffice user is not an administrator".into());
    }
    let of_admin = oneflow_client(&oneflow)?.as_user(&admin_email);
    let of_user = of_admin
        .users()
        .find_active_by_email(&admin_email)
        .await?
        .ok_or("no active Oneflow user with the admin's e-mail")?;
    if !of_user.is_admin {
        return Err("the Oneflow user is not an admin".into());
    }
    let account = of_admin.account().me().await?;
    say(
        out,
        format!(
            "{admin_email} is administrator in SuperOffice tenant {tenant} and in Oneflow account {:?}",
            account.name.as_deref().unwrap_or("?")
        ),
    )?;
    summary.tenant = tenant.to_string();
    summary.admin_email = admin_email.clone();

    // The `webapi_url` claim, or the tenant state API when the claim is missing.
    let api_base = oidc.api_base(&session).await?;
    let provider = RefreshingTokenProvider::new(Arc::new(oidc.clone()), session.tokens.clone());
    let so = superoffice_client::Client::builder()
        .api_base(api_base.clone())
        .token_provider(Arc::new(provider))
        .api_base_resolver(Arc::new(TenantLocator::new(
            Environment::custom(superoffice.base_url())?,
            superoffice_client::default_http_client()?,
        )))
        .build()?;
    let principal = so.users().current_principal().await?;
    say(
        out,
        format!(
            "REST base {api_base} (from the id_token), signed in as associate {}",
            principal.associate_id.0
        ),
    )?;

    // A local host service: receives Oneflow webhooks (and would serve the panel page).
    let sign_key = "demo-sign-key-5b1e0c7a";
    let (host_url, mut notifications, receiver_stats) = start_host(sign_key).await?;

    // --- 2. The web panel on the Sale screen -------------------------------------------------
    step(out, "2. Provision the \"Oneflow Contract\" web panel")?;
    let panel_url = PanelUrl::builder(&format!("{host_url}/superoffice/panel"))?
        .variable("ctx", TemplateVariable::ContextId)
        .variable("user", TemplateVariable::UserAssociateId)
        .variable("sale", TemplateVariable::SaleId)
        .variable("company", TemplateVariable::CompanyId)
        .variable("person", TemplateVariable::PersonId)
        .build()?;
    // `SaleArchive` is "Panel - Sale screen section tab" (visiblein MDO list id 29): the
    // Oneflow Contract tab at the bottom of the Sale screen, not the Sale card (9).
    let panel = match so.web_panels().get_by_prog_id(PANEL_PROG_ID).await? {
        Some(existing) if existing.visible_in == Some(VisibleIn::SaleArchive) => existing,
        Some(mut misplaced) => {
            misplaced.visible_in = Some(VisibleIn::SaleArchive);
            so.web_panels().update(&misplaced).await?
        }
        None => {
            let mut panel = WebPanelEntity::new(
                "Oneflow Contract",
                panel_url.as_str(),
                VisibleIn::SaleArchive,
                PANEL_PROG_ID,
            );
            panel.tooltip = Some("Oneflow contracts for this Sale (Oneflow integration)".into());
            panel.window_name = Some("oneflow_contract_panel".into());
            so.web_panels().create(&panel).await?
        }
    };
    let panel_id = panel.web_panel_id;
    so.web_panels().show_to_all_user_groups(panel_id).await?;
    say(
        out,
        format!(
            "panel {} \"Oneflow Contract\" on SaleArchive (Sale screen tab), visible to all user groups: {}",
            panel_id.0,
            panel_url.as_str()
        ),
    )?;
    // The flush page lives on the tenant's own host (its `webapi_url`), never on the auth host.
    let flush = flush_url_from_base(&so.api_base(), &tenant);
    let flush_status = match so.flush_caches().await {
        Ok(()) => 200,
        Err(error) => error.status().map_or(0, |s| s.as_u16()),
    };
    say(
        out,
        format!("panel not showing? open {flush} (as General Administrator): HTTP {flush_status}"),
    )?;
    summary.web_panel_id = Some(panel_id.0);
    summary.flush_status = flush_status;

    // --- 3. Oneflow webhook for the SuperOffice template group ------------------------------
    step(out, "3. Register the Oneflow webhook")?;
    let group = of_admin
        .template_types()
        .list()
        .stream()
        .try_filter(|t| {
            futures::future::ready(t.extension_type.as_deref() == Some(SUPEROFFICE_EXTENSION_TYPE))
        })
        .try_next()
        .await?
        .ok_or("no template type with extension type superoffice")?;
    let hook = of_admin
        .webhooks()
        .create(
            &WebhookDraft::new(format!("{host_url}/oneflow/webhook"))
                .sign_key(sign_key.to_owned())
                .template_group_id(group.id)
                .filter(WebhookFilter::new(vec![WebhookFilterRule::event_types(
                    WEBHOOK_EVENTS,
                )])),
        )
        .await?;
    say(
        out,
        format!(
            "webhook {} for template group {:?} ({}), events {}",
            hook.webhook_id.get(),
            group.name.as_deref().unwrap_or("?"),
            group.id.get(),
            WEBHOOK_EVENTS
                .iter()
                .map(EventType::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )?;

    // --- 4. Templates a seller may pick ------------------------------------------------------
    step(
        out,
        "4. Templates offered to the seller (active, group \"SuperOffice\")",
    )?;
    let seller = oneflow_client(&oneflow)?.as_user(so_seed::SELLER_EMAIL);
    let workspaces = seller
        .helpers()
        .contract_create_data()
        .extension_type(SUPEROFFICE_EXTENSION_TYPE)
        .send()
        .await?;
    let mut offered: Vec<(oneflow_client::models::WorkspaceId, Template)> = Vec::new();
    for ws in &workspaces {
        for template in &ws.templates {
            say(
                out,
                format!(
                    "{:<10} {:<40} pdf={} attachments={}",
                    ws.name.as_deref().unwrap_or("?"),
                    template.name.as_deref().unwrap_or("?"),
                    template.available_options.can_receive_expanded_pdf,
                    template.available_options.can_receive_attachments
                ),
            )?;
            summary
                .templates_offered
                .push(template.name.clone().unwrap_or_default());
            offered.push((ws.id, template.clone()));
        }
    }
    let (workspace_id, template) = offered
        .iter()
        .find(|(_, t)| t.available_options.can_receive_expanded_pdf)
        .cloned()
        .ok_or("no offered template has a PDF section")?;

    // --- 5. Contracts from two Sales ----------------------------------------------------------
    let sales = [
        (SaleId(so_seed::OPEN_SALE_ID), Decision::Sign),
        (SaleId(so_seed::SECOND_OPEN_SALE_ID), Decision::Decline),
    ];
    let mut created = Vec::new();
    for (sale_id, decision) in sales {
        step(
            out,
            format!(
                "5. Contract from Sale {} (then the buyer will {decision})",
                sale_id.0
            ),
        )?;
        let sale = so.sales().get(sale_id).await?;
        let draft = contract_from_sale(&so, &sale, workspace_id, &template).await?;
        let contract = seller.contracts().create(&draft).await?;
        say(
            out,
            format!(
                "contract {} {:?} created as {} with {} parties",
                contract.id.get(),
                contract.name().unwrap_or("?"),
                contract.state,
                contract.parties.len()
            ),
        )?;
        let pdf = FileUpload::expanded_pdf(
            "offer.pdf",
            format!(
                "%PDF-1.4\n% Offer for {}\n%%EOF\n",
                sale.heading.as_deref().unwrap_or("")
            )
            .into_bytes(),
        );
        let file = seller.files().upload(&contract, pdf).await?;
        say(
            out,
            format!(
                "uploaded {} as the contract's PDF",
                file.name.as_deref().unwrap_or("the file")
            ),
        )?;
        // Attachments need an Attachments section: checked locally, nothing is sent.
        if let Err(err) = seller
            .files()
            .upload(
                &contract,
                FileUpload::attachment("terms.docx", b"PK".to_vec()),
            )
            .await
        {
            say(out, format!("attachment refused locally: {err}"))?;
        }
        let sent = seller
            .contracts()
            .publish(
                contract.id,
                &PublishMessage::new(
                    format!("Contract: {}", sale.heading.as_deref().unwrap_or("")),
                    "Please review and sign.",
                ),
            )
            .await?;
        say(out, format!("sent for signing: state {}", sent.state))?;
        let notification =
            next_notification(&mut notifications, options.webhook_wait, sent.id).await?;
        say(
            out,
            format!(
                "webhook {} for contract {}: {}",
                &notification.callback_id[..8],
                notification.contract.id.get(),
                event_types(&notification)
            ),
        )?;
        created.push((sale_id, sent, decision));
    }

    // --- 6. Buyers act; webhooks drive stage mapping ----------------------------------------
    step(
        out,
        format!(
            "6. Buyers sign / decline; stage mapping is {}",
            if options.stage_mapping { "ON" } else { "OFF" }
        ),
    )?;
    for (sale_id, contract, decision) in &created {
        let signatory = contract
            .counterparties()
            .flat_map(|p| p.all_participants())
            .find(|p| p.signatory)
            .ok_or("the contract has no counterparty signatory")?
            .id
            .get();
        match decision {
            Decision::Sign => oneflow.sign_all(contract.id.get()).map(|_| ())?,
            Decision::Decline => oneflow.decline(contract.id.get(), signatory)?,
        }
        let notification =
            next_notification(&mut notifications, options.webhook_wait, contract.id).await?;
        say(
            out,
            format!(
                "webhook {} verified: {}",
                &notification.callback_id[..8],
                event_types(&notification)
            ),
        )?;
        // The signature does not cover the body: re-read the contract, the source of truth.
        let current = of_admin.contracts().get(notification.contract.id).await?;
        let linked = current
            .data_field_value(SALE_ID_FIELD)
            .and_then(|v| v.parse::<i32>().ok())
            .ok_or("the contract carries no Sale link")?;
        if linked != sale_id.0 {
            return Err(format!("contract links Sale {linked}, expected {}", sale_id.0).into());
        }
        let outcome = if options.stage_mapping {
            close_sale(&so, SaleId(linked), &current.state).await?
        } else {
            "stage mapping off: Sale left as it is".to_owned()
        };
        say(
            out,
            format!(
                "contract {} is {} → {outcome}",
                current.id.get(),
                current.state
            ),
        )?;
    }

    // --- 7. Read back --------------------------------------------------------------------------
    for (sale_id, contract, _) in &created {
        let sale = so.sales().get(*sale_id).await?;
        let current = of_admin.contracts().get(contract.id).await?;
        summary.contracts.push(ContractOutcome {
            sale_id: sale_id.0,
            sale_heading: sale.heading.clone().unwrap_or_default(),
            contract_id: current.id.get(),
            contract_state: current.state.to_string(),
            sale_status: sale
                .status
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default(),
        });
    }

    // --- 8. Removal --------------------------------------------------------------------------
    step(out, "7. Removal: delete the web panel and the webhook")?;
    so.web_panels().delete_permanently(panel_id).await?;
    of_admin.webhooks().delete(hook.webhook_id).await?;
    let panel_gone = so
        .web_panels()
        .get_by_prog_id(PANEL_PROG_ID)
        .await?
        .is_none();
    let hook_gone = of_admin
        .webhooks()
        .list()
        .await?
        .iter()
        .all(|h| h.webhook_id != hook.webhook_id);
    summary.removed_cleanly = panel_gone && hook_gone;
    say(
        out,
        format!("web panel gone: {panel_gone}, webhook gone: {hook_gone}"),
    )?;

    summary.sale_updates = superoffice
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/Sale/"))
        .count();
    // Let every delivery Oneflow still owes us land before counting (duplicates included).
    let accepted = receiver_stats
        .lock()
        .map_err(|_| "receiver poisoned")?
        .accepted;
    let copies = if options.duplicate_deliveries { 2 } else { 1 };
    oneflow
        .wait_for_deliveries_within(options.webhook_wait, |log| {
            log.iter().filter(|d| d.outcome.is_success()).count() >= accepted * copies
        })
        .await?;
    let stats = receiver_stats.lock().map_err(|_| "receiver poisoned")?;
    summary.webhook_notifications = stats.accepted;
    summary.duplicate_deliveries = stats.duplicates;
    Ok(summary)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Sign,
    Decline,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Sign => "sign",
            Decision::Decline => "decline",
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

fn oneflow_client(sandbox: &OneflowSandbox) -> Result<oneflow_client::Client, StoryError> {
    Ok(oneflow_client::Client::builder()
        .base_url(sandbox.base_url().as_str())
        .api_token(sandbox.api_token().to_owned())
        .timeout(Duration::from_secs(10))
        .build()?)
}

/// The browser part of the sign-in, done by the sandbox (`SuperOfficeSandbox::sign_in`): the
/// user picks their account, the sandbox redirects back with a code, and the client exchanges
/// it.
async fn sign_in(
    sandbox: &SuperOfficeSandbox,
    oidc: &OidcClient,
    tenant: &CustomerId,
    email: &str,
) -> Result<Session, StoryError> {
    let request = oidc.authorize_url(AuthorizeOptions::new().tenant(tenant.clone()))?;
    let callback = sandbox.sign_in(&request.url, email).await?;
    Ok(oidc
        .exchange_callback(&request.pending, callback.query().unwrap_or(""))
        .await?)
}

/// Builds the Oneflow contract draft from a Sale: the Sale's company as a company party with
/// the Sale's person as signatory, the Sale owner on our side, and the Sale link data field.
async fn contract_from_sale(
    so: &superoffice_client::Client,
    sale: &SaleEntity,
    workspace_id: oneflow_client::models::WorkspaceId,
    template: &Template,
) -> Result<ContractDraft, StoryError> {
    let contact_id: ContactId = sale.contact_id().ok_or("the Sale has no company")?;
    let company = so.contacts().get(contact_id).await?;
    let person_id: PersonId = sale.person_id().ok_or("the Sale has no person")?;
    let person = so.persons().get(person_id).await?;
    let buyer_email = person
        .primary_email()
        .ok_or("the Sale's person has no e-mail")?;
    let mut party = CompanyPartyDraft::new(company.name.clone().unwrap_or_default()).participant(
        ParticipantDraft::new(person.display_name())
            .email(buyer_email)
            .delivery_channel(DeliveryChannel::Email)
            .signatory(true),
    );
    if let Some(org_nr) = company.org_nr.as_deref().filter(|s| !s.is_empty()) {
        party = party.identification_number(org_nr);
    }
    if let Some(cc) = company.country_code() {
        party = party.country_code(cc);
    }
    let heading = sale.heading.clone().unwrap_or_default();
    let draft = ContractDraft::new(workspace_id, template.id)
        .name(
            heading
                .chars()
                .take(oneflow_client::models::draft::MAX_CONTRACT_NAME_LEN)
                .collect::<String>(),
        )
        .party(party)
        .my_party(MyPartyDraft::new().participant(ParticipantDraft::user(so_seed::SELLER_EMAIL)))
        .data_field(SALE_ID_FIELD, sale.sale_id.0.to_string())
        .data_field("superoffice_sale_heading", heading);
    // Checked locally before anything is sent.
    draft.validate()?;
    Ok(draft)
}

/// Stage mapping: signed → Sold, declined → Lost; only an open Sale moves (never override a
/// Sale someone closed by hand), and the `test` op makes the update safe against races.
async fn close_sale(
    so: &superoffice_client::Client,
    sale_id: SaleId,
    state: &ContractState,
) -> Result<String, StoryError> {
    let (status, probability) = match state {
        ContractState::Signed => ("Sold", 100),
        ContractState::Declined => ("Lost", 0),
        other => return Ok(format!("no Sale change for state {other}")),
    };
    let sale = so.sales().get(sale_id).await?;
    if sale.status != Some(SaleStatus::Open) {
        return Ok(format!(
            "Sale {} already {:?}: left alone",
            sale_id.0, sale.status
        ));
    }
    let patch = JsonPatch::new()
        .test("Status", "Open")
        .replace("Status", status)
        .replace("Probability", probability);
    let updated = so.sales().patch(sale_id, &patch).await?;
    Ok(format!(
        "Sale {} closed as {} (probability {}%)",
        sale_id.0,
        updated
            .status
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default(),
        updated.probability.unwrap_or_default()
    ))
}

fn event_types(payload: &WebhookPayload) -> String {
    payload
        .events
        .iter()
        .map(|e| e.event_type.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn next_notification(
    rx: &mut mpsc::UnboundedReceiver<WebhookPayload>,
    wait: Duration,
    contract: ContractId,
) -> Result<WebhookPayload, StoryError> {
    loop {
        let payload = tokio::time::timeout(wait, rx.recv())
            .await
            .map_err(|_| format!("no webhook for contract {} within {wait:?}", contract.get()))?
            .ok_or("the webhook receiver stopped")?;
        if payload.contract.id == contract {
            return Ok(payload);
        }
    }
}

#[derive(Debug, Default)]
struct ReceiverStats {
    accepted: usize,
    duplicates: usize,
}

#[derive(Clone)]
struct HostState {
    sign_key: String,
    seen: Arc<Mutex<HashSet<String>>>,
    stats: Arc<Mutex<ReceiverStats>>,
    tx: mpsc::UnboundedSender<WebhookPayload>,
}

/// Starts the local host service (webhook endpoint) on 127.0.0.1 and returns its base URL.
async fn start_host(
    sign_key: &str,
) -> Result<
    (
        String,
        mpsc::UnboundedReceiver<WebhookPayload>,
        Arc<Mutex<ReceiverStats>>,
    ),
    StoryError,
> {
    let (tx, rx) = mpsc::unbounded_channel();
    let stats = Arc::new(Mutex::new(ReceiverStats::default()));
    let state = HostState {
        sign_key: sign_key.to_owned(),
        seen: Arc::new(Mutex::new(HashSet::new())),
        stats: stats.clone(),
        tx,
    };
    let app = Router::new()
        .route("/oneflow/webhook", post(receive_oneflow_webhook))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://{addr}"), rx, stats))
}

/// Verify, dedupe on `callback_id`, hand over, answer 200 at once (Oneflow retries anything else).
async fn receive_oneflow_webhook(State(state): State<HostState>, body: Bytes) -> StatusCode {
    let payload = match oneflow_client::webhook::verify(&body, state.sign_key.as_str()) {
        Ok(payload) => payload,
        Err(_) => return StatusCode::UNAUTHORIZED,
    };
    let fresh = match state.seen.lock() {
        Ok(mut seen) => seen.insert(payload.callback_id.clone()),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR,
    };
    if let Ok(mut stats) = state.stats.lock() {
        if fresh {
            stats.accepted += 1;
        } else {
            stats.duplicates += 1;
        }
    }
    if fresh && state.tx.send(payload).is_err() {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    StatusCode::OK
}
