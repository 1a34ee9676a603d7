//! The demo story: both sandboxes and the host service in-process, one narrated run.
//!
//! [`run_story`] is what `cargo run -p examples --bin demo` executes; the end-to-end tests call
//! it too and check the [`StorySummary`] it returns, which is read back from the two systems
//! (not from what the story intended to do).
//!
//! The story plays the people, over HTTP against the service's own routes
//! ([`integration_core::server::router`], see [`crate::service`]): the admin sets the
//! integration up (`/setup`, the SuperOffice sign-in, `/superoffice/callback`), a seller signs
//! in to the "Oneflow Contract" panel (pop-up sign-in, one-time code, session cookie) and
//! creates contracts in its form, buyers sign or decline in Oneflow (whose webhooks reach the
//! service), the admin switches stage mapping off and finally removes the integration on the
//! "Oneflow Settings" page. This module only narrates; the service does the work.

use std::fmt;
use std::io::Write;
use std::time::Duration;

use integration_core::store::InstallationId;
use superoffice_sandbox::default_seed as so_seed;

use crate::service::TEMPLATE_WITH_ATTACHMENTS;
use crate::service::{DemoService, Page, PanelUser, ServiceOptions, THIRD_SALE_ID};

/// A boxed error: the demo reports any failure with its chain of causes.
pub type StoryError = Box<dyn std::error::Error + Send + Sync>;

/// The PDF-only template the second contract uses (and the attachment is refused on).
const TEMPLATE_PDF_ONLY: &str = oneflow_sandbox::default_seed::TEMPLATE_PDF;

/// Settings of one run.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoryOptions {
    /// How long to wait for one webhook's effect (a decision in the audit log).
    pub webhook_wait: Duration,
    /// Let the Oneflow sandbox deliver every notification twice (exercises deduplication).
    pub duplicate_deliveries: bool,
}

impl Default for StoryOptions {
    fn default() -> Self {
        StoryOptions {
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
    /// Whether stage mapping was on when the buyer acted.
    pub stage_mapping: bool,
}

/// What the run observed, read back from both systems.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct StorySummary {
    /// The tenant the Oneflow account was connected to.
    pub tenant: String,
    /// The admin's e-mail (the same in both systems).
    pub admin_email: String,
    /// Templates the panel offered the seller.
    pub templates_offered: Vec<String>,
    /// HTTP status of the cache flush.
    pub flush_status: u16,
    /// The flush URL shown on the setup report page.
    pub flush_url: String,
    /// The error the panel form showed for an attachment on a PDF-only template.
    pub attachment_refusal: Option<String>,
    /// Contracts created through the panel and the Sale state afterwards.
    pub contracts: Vec<ContractOutcome>,
    /// Oneflow notifications the service acknowledged (distinct callback ids).
    pub webhook_notifications: usize,
    /// Copies of already-seen notifications the service acknowledged without effect.
    pub duplicate_deliveries: usize,
    /// Whether a replayed (duplicate) webhook changed nothing.
    pub duplicate_ignored: bool,
    /// Sale updates (PATCH requests) SuperOffice received.
    pub sale_updates: usize,
    /// Whether the panel and the webhooks were gone after removal, in both sandboxes.
    pub removed_cleanly: bool,
}

impl StorySummary {
    /// True when the story ended as designed: Sale A Sold, Sale B Lost, the third Sale
    /// (stage mapping off) unchanged, the duplicate ignored, the attachment refused, a clean
    /// removal.
    pub fn all_expected(&self) -> bool {
        let statuses: Vec<&str> = self
            .contracts
            .iter()
            .map(|c| c.sale_status.as_str())
            .collect();
        statuses == ["Sold", "Lost", "Open"]
            && self.duplicate_ignored
            && self.attachment_refusal.is_some()
            && self.removed_cleanly
            && self.flush_status == 200
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
        writeln!(
            f,
            "  attachment check  {}",
            self.attachment_refusal.as_deref().unwrap_or("NOT REFUSED")
        )?;
        for c in &self.contracts {
            writeln!(
                f,
                "  Sale {:<4} {:<24} contract {:<6} {:<9} mapping {:<3} → Sale {}",
                c.sale_id,
                c.sale_heading,
                c.contract_id,
                c.contract_state,
                if c.stage_mapping { "on" } else { "off" },
                c.sale_status
            )?;
        }
        writeln!(
            f,
            "  webhooks          {} notifications acknowledged, {} duplicate copies ignored; replayed delivery {}",
            self.webhook_notifications,
            self.duplicate_deliveries,
            if self.duplicate_ignored { "ignored" } else { "NOT IGNORED" }
        )?;
        writeln!(f, "  Sale updates      {}", self.sale_updates)?;
        write!(
            f,
            "  removal           {}",
            if self.removed_cleanly {
                "web panel and both webhooks deleted"
            } else {
                "INCOMPLETE"
            }
        )
    }
}

/// The panel's address for a Sale, with the hints SuperOffice substitutes.
fn panel_path(sale_id: i32) -> String {
    format!(
        "/superoffice/panel?sale={sale_id}&ctx={}&user={}",
        so_seed::MAIN_TENANT,
        so_seed::SELLER_ASSOCIATE_ID
    )
}

/// Runs the whole story, narrating to `out`, and returns what it observed.
pub async fn run_story(
    options: StoryOptions,
    out: &mut (dyn Write + Send),
) -> Result<StorySummary, StoryError> {
    let mut summary = StorySummary::default();
    let service_options =
        ServiceOptions::default().with_duplicate_deliveries(options.duplicate_deliveries);
    let service = DemoService::start(service_options).await?;
    step(out, "Sandboxes and the service")?;
    say(
        out,
        format!(
            "SuperOffice (OIDC, tenants)    {}",
            service.superoffice.base_url()
        ),
    )?;
    say(
        out,
        format!(
            "SuperOffice web UI (Sale screen) {}",
            service.superoffice.ui_url()
        ),
    )?;
    say(
        out,
        format!(
            "Oneflow API                    {}",
            service.oneflow.base_url()
        ),
    )?;
    say(
        out,
        format!(
            "service (router + worker, SQLite in a temp dir) {}",
            service.url()
        ),
    )?;

    // --- 1. Admin setup through the service's routes ---------------------------------------
    step(
        out,
        "1. The admin connects Oneflow and SuperOffice (GET/POST /setup)",
    )?;
    let report = service
        .connect(so_seed::ADMIN_EMAIL, so_seed::ADMIN_EMAIL)
        .await?;
    if report.status != 200 {
        return Err(format!("setup failed ({}): {}", report.status, report.text()).into());
    }
    let installation = InstallationId::new(
        report
            .text_of("installation")
            .and_then(|t| t.parse().ok())
            .ok_or("the setup report names no installation")?,
    );
    summary.flush_url = report
        .text_of("flush-url")
        .ok_or("the setup report has no flush URL")?;
    summary.tenant = so_seed::MAIN_TENANT.to_owned();
    summary.admin_email = so_seed::ADMIN_EMAIL.to_owned();
    say(
        out,
        "POST /setup (API token, admin e-mail) → 303 to SuperOffice → signed in as the admin → GET /superoffice/callback",
    )?;
    say(
        out,
        format!(
            "report: \"{}\"; installation {installation}",
            first_heading(&report)
        ),
    )?;
    summary.flush_status = match service.engine.flush_caches(installation).await {
        Ok(()) => 200,
        Err(integration_core::engine::EngineError::SuperOffice(error)) => {
            error.status().map_or(0, |s| s.as_u16())
        }
        Err(error) => return Err(error.into()),
    };
    say(
        out,
        format!(
            "flush URL on the report: {} (opened: HTTP {})",
            summary.flush_url, summary.flush_status
        ),
    )?;
    let panels = service.superoffice.web_panels(so_seed::MAIN_TENANT)?;
    let panel = panels
        .iter()
        .find(|p| p["Name"] == "Oneflow Contract")
        .ok_or("setup created no \"Oneflow Contract\" panel")?;
    say(
        out,
        format!(
            "SuperOffice: panel \"Oneflow Contract\" on {} → {}",
            panel["VisibleIn"].as_str().unwrap_or("?"),
            panel["Url"].as_str().unwrap_or("?")
        ),
    )?;
    say(
        out,
        format!(
            "webhooks: {} in SuperOffice, {} in Oneflow, pointing at the service",
            service.superoffice.webhooks(so_seed::MAIN_TENANT)?.len(),
            oneflow_admin(&service)?.webhooks().list().await?.len()
        ),
    )?;

    // --- 2. The seller opens the panel ------------------------------------------------------
    step(
        out,
        "2. Sam Seller opens the \"Oneflow Contract\" tab on Sale 101",
    )?;
    let anonymous = service.get(&panel_path(so_seed::OPEN_SALE_ID)).await?;
    say(
        out,
        format!(
            "without a session: HTTP {} with a \"Sign in with SuperOffice\" button (pop-up)",
            anonymous.status
        ),
    )?;
    let seller = service
        .panel_sign_in(so_seed::MAIN_TENANT, so_seed::SELLER_EMAIL)
        .await?;
    say(
        out,
        "pop-up: /superoffice/panel/sign-in → SuperOffice → callback with a one-time code → POST /superoffice/panel/session → partitioned session cookie",
    )?;
    let page = seller.get(&panel_path(so_seed::OPEN_SALE_ID)).await?;
    expect_ok(&page, "the panel")?;
    summary.templates_offered = page
        .options_of("template")
        .into_iter()
        .filter(|(value, _)| !value.is_empty())
        .map(|(_, label)| label)
        .collect();
    say(
        out,
        format!(
            "templates offered: {}",
            summary.templates_offered.join("; ")
        ),
    )?;

    // --- 3. Contracts through the panel's form -----------------------------------------------
    step(out, "3. Contracts from the panel's form")?;
    let pdf = |sale: i32| format!("%PDF-1.4\n% Offer for Sale {sale}\n%%EOF\n").into_bytes();
    let terms = b"PK\x03\x04 general terms".to_vec();
    // An attachment on a PDF-only template: refused in the form, nothing created.
    let refused = submit_contract(
        &seller,
        so_seed::SECOND_OPEN_SALE_ID,
        TEMPLATE_PDF_ONLY,
        &[
            ("pdf", "offer.pdf", "application/pdf", pdf(102)),
            ("attachments", "terms.docx", DOCX, terms.clone()),
        ],
    )
    .await?;
    match refused {
        Submitted::Refused(problems) => {
            say(
                out,
                format!("Sale 102, \"{TEMPLATE_PDF_ONLY}\" + attachment → form shows: {problems}"),
            )?;
            summary.attachment_refusal = Some(problems);
        }
        Submitted::Created(id) => {
            say(
                out,
                format!("UNEXPECTED: contract {id} created with an attachment"),
            )?;
        }
    }
    let contract_a = created(
        submit_contract(
            &seller,
            so_seed::OPEN_SALE_ID,
            TEMPLATE_WITH_ATTACHMENTS,
            &[
                ("pdf", "offer.pdf", "application/pdf", pdf(101)),
                ("attachments", "terms.docx", DOCX, terms.clone()),
            ],
        )
        .await?,
    )?;
    let listed = seller.get(&panel_path(so_seed::OPEN_SALE_ID)).await?;
    say(
        out,
        format!(
            "Sale 101, \"{TEMPLATE_WITH_ATTACHMENTS}\" + offer.pdf + terms.docx, sent → contract {contract_a}, listed as {}",
            listed_state(&listed, contract_a)
        ),
    )?;
    let contract_b = created(
        submit_contract(
            &seller,
            so_seed::SECOND_OPEN_SALE_ID,
            TEMPLATE_PDF_ONLY,
            &[("pdf", "offer.pdf", "application/pdf", pdf(102))],
        )
        .await?,
    )?;
    say(
        out,
        format!("Sale 102, \"{TEMPLATE_PDF_ONLY}\" + offer.pdf, sent → contract {contract_b}"),
    )?;

    // --- 4. Buyers act; the service's webhooks and worker map the states -------------------
    step(
        out,
        "4. The buyers act in Oneflow; webhooks reach the service",
    )?;
    service.oneflow.sign_all(contract_a)?;
    let decision =
        wait_for_decision(&service, installation, contract_a, "signed", &options).await?;
    say(out, format!("Sale 101's buyer signs → {decision}"))?;

    // A duplicate: the exact delivery of the signature, posted again.
    let updates_before = sale_updates(&service);
    let sign_delivery = service
        .oneflow
        .deliveries()
        .into_iter()
        .find(|d| {
            d.contract_id == contract_a
                && d.outcome.is_success()
                && d.event_types.iter().any(|t| t == "contract:sign")
        })
        .ok_or("no delivery of the signature")?;
    let replay = service
        .http()
        .post(&sign_delivery.callback_url)
        .header("content-type", "application/json")
        .body(sign_delivery.body.clone())
        .send()
        .await?
        .status()
        .as_u16();

    let signatory = counterparty_signatory(&service, contract_b).await?;
    service.oneflow.decline(contract_b, signatory)?;
    let decision =
        wait_for_decision(&service, installation, contract_b, "declined", &options).await?;
    say(out, format!("Sale 102's buyer declines → {decision}"))?;
    // The worker takes jobs in order: the decline was processed, so a replay that had been
    // taken for new would have been too.
    let signed_decisions = decisions(&service, installation, contract_a, "signed")
        .await?
        .len();
    summary.duplicate_ignored =
        replay == 200 && signed_decisions == 1 && sale_updates(&service) == updates_before + 1;
    say(
        out,
        format!(
            "the signature's webhook replayed: HTTP {replay}, {} (decisions for contract {contract_a}: {signed_decisions})",
            if summary.duplicate_ignored { "ignored" } else { "NOT ignored" }
        ),
    )?;

    // --- 5. The admin switches stage mapping off on the settings page -----------------------
    step(
        out,
        "5. The admin switches stage mapping off (Oneflow Settings)",
    )?;
    let settings_path = format!("/superoffice/settings?ctx={}", so_seed::MAIN_TENANT);
    let forbidden = seller.get(&settings_path).await?;
    say(
        out,
        format!("as the seller: HTTP {} (admins only)", forbidden.status),
    )?;
    let admin = service
        .panel_sign_in(so_seed::MAIN_TENANT, so_seed::ADMIN_EMAIL)
        .await?;
    let settings = admin.get(&settings_path).await?;
    expect_ok(&settings, "the settings page")?;
    let mut form = settings
        .form("stage_mapping_enabled")
        .ok_or("the settings page has no stage-mapping form")?;
    form.remove("stage_mapping_enabled");
    // Archiving signed PDFs needs a SuperOffice document template, which this tenant has
    // none of: the admin turns archiving off in the same save.
    form.remove("archive_signed_pdf");
    let saved = admin.post_form(&form.action, &form.pairs()).await?;
    let after = if saved.status == 303 {
        admin
            .get(saved.location().unwrap_or(&settings_path))
            .await?
    } else {
        saved.clone()
    };
    let still_on = after
        .form("stage_mapping_enabled")
        .is_some_and(|f| f.get("stage_mapping_enabled").is_some());
    say(
        out,
        format!(
            "POST {} (with its CSRF token; archiving signed PDFs off too) → HTTP {}; stage mapping is now {}",
            form.action,
            saved.status,
            if still_on { "ON" } else { "OFF" }
        ),
    )?;
    if still_on {
        return Err(format!("the toggle was not saved: {}", after.text()).into());
    }
    let contract_c = created(
        submit_contract(
            &seller,
            THIRD_SALE_ID,
            TEMPLATE_PDF_ONLY,
            &[("pdf", "offer.pdf", "application/pdf", pdf(THIRD_SALE_ID))],
        )
        .await?,
    )?;
    service.oneflow.sign_all(contract_c)?;
    let decision =
        wait_for_decision(&service, installation, contract_c, "signed", &options).await?;
    say(
        out,
        format!("Sale {THIRD_SALE_ID}: contract {contract_c} sent and signed → {decision}"),
    )?;

    // --- 6. Read back ----------------------------------------------------------------------
    for (sale_id, contract_id, mapping) in [
        (so_seed::OPEN_SALE_ID, contract_a, true),
        (so_seed::SECOND_OPEN_SALE_ID, contract_b, true),
        (THIRD_SALE_ID, contract_c, false),
    ] {
        let sale = service.superoffice.sale(so_seed::MAIN_TENANT, sale_id)?;
        summary.contracts.push(ContractOutcome {
            sale_id,
            sale_heading: sale["Heading"].as_str().unwrap_or_default().to_owned(),
            contract_id,
            contract_state: service
                .oneflow
                .contract_state(contract_id)
                .unwrap_or_default(),
            sale_status: sale["Status"].as_str().unwrap_or_default().to_owned(),
            stage_mapping: mapping,
        });
    }
    let deliveries = service.oneflow.deliveries();
    let mut notifications: Vec<&str> = deliveries
        .iter()
        .filter(|d| d.outcome.is_success())
        .map(|d| d.callback_id.as_str())
        .collect();
    let copies = notifications.len();
    notifications.sort_unstable();
    notifications.dedup();
    summary.webhook_notifications = notifications.len();
    summary.duplicate_deliveries = copies - notifications.len();

    // --- 7. Removal ------------------------------------------------------------------------
    step(
        out,
        "6. The admin removes the integration (Oneflow Settings)",
    )?;
    let settings = admin.get(&settings_path).await?;
    let mut form = settings
        .form("name=\"confirm\"")
        .ok_or("the settings page has no removal form")?;
    // The confirmation: the tenant id, typed.
    let confirm = so_seed::MAIN_TENANT;
    form.set("confirm", confirm);
    let removed = admin.post_form(&form.action, &form.pairs()).await?;
    say(
        out,
        format!(
            "POST {} (typed \"{confirm}\") → HTTP {}",
            form.action, removed.status
        ),
    )?;
    let panel_gone = service
        .superoffice
        .web_panels(so_seed::MAIN_TENANT)?
        .iter()
        .all(|p| p["Name"] != "Oneflow Contract");
    let hooks_gone = service
        .superoffice
        .webhooks(so_seed::MAIN_TENANT)?
        .is_empty()
        && oneflow_admin(&service)?.webhooks().list().await?.is_empty();
    let panel_after = seller.get(&panel_path(so_seed::OPEN_SALE_ID)).await?;
    summary.removed_cleanly = panel_gone && hooks_gone && panel_after.status != 200;
    say(
        out,
        format!(
            "SuperOffice: web panel gone: {panel_gone}; webhooks gone in SuperOffice and Oneflow: {hooks_gone}; the panel URL now answers HTTP {}",
            panel_after.status
        ),
    )?;
    summary.sale_updates = sale_updates(&service);
    service.shutdown().await;
    Ok(summary)
}

/// `--serve`: starts everything, connects the integration through `/setup`, prints where to
/// look and keeps running until `stop` resolves.
pub async fn serve(
    port: u16,
    out: &mut (dyn Write + Send),
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), StoryError> {
    let options = ServiceOptions::default().with_port(port);
    let service = DemoService::start(options).await?;
    let report = service
        .connect(so_seed::ADMIN_EMAIL, so_seed::ADMIN_EMAIL)
        .await?;
    if report.status != 200 {
        return Err(format!("setup failed ({}): {}", report.status, report.text()).into());
    }
    let sale = service
        .superoffice
        .sale_screen_url(so_seed::MAIN_TENANT, so_seed::OPEN_SALE_ID)?;
    step(out, "Serving (Ctrl-C stops)")?;
    say(out, format!("service          {}", service.url()))?;
    say(out, format!("setup report     {}", first_heading(&report)))?;
    say(out, format!("Sale screen      {sale}"))?;
    say(
        out,
        format!(
            "sign in as       {} (seller) or {} (admin: also \"Oneflow Settings\")",
            so_seed::SELLER_EMAIL,
            so_seed::ADMIN_EMAIL
        ),
    )?;
    say(
        out,
        format!("Oneflow sandbox  {}", service.oneflow.base_url()),
    )?;
    out.flush()?;
    stop.await;
    service.shutdown().await;
    Ok(())
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// What the panel's form did with a submission.
enum Submitted {
    Created(i64),
    Refused(String),
}

fn created(submitted: Submitted) -> Result<i64, StoryError> {
    match submitted {
        Submitted::Created(id) => Ok(id),
        Submitted::Refused(problems) => Err(format!("the panel refused: {problems}").into()),
    }
}

/// Fills the panel's form for `sale_id` as a seller would (template by name, the offered
/// participants, files, "send"), previews it, then creates it.
async fn submit_contract(
    seller: &PanelUser,
    sale_id: i32,
    template: &str,
    files: &[(&str, &str, &str, Vec<u8>)],
) -> Result<Submitted, StoryError> {
    let page = seller.get(&panel_path(sale_id)).await?;
    expect_ok(&page, "the panel")?;
    let template_value = page
        .options_of("template")
        .into_iter()
        .find(|(_, label)| label.contains(template))
        .map(|(value, _)| value)
        .ok_or_else(|| format!("the panel does not offer \"{template}\""))?;
    let mut form = page
        .form("request_key")
        .ok_or("the panel has no contract form")?;
    form.set("template", template_value);
    form.set("delivery", "send");
    form.set("subject", "Your contract");
    form.set("message", "Please review and sign.");
    let preview = seller
        .post_multipart(&form.action, form.multipart(files)?)
        .await?;
    if let Some(problems) = problems(&preview) {
        return Ok(Submitted::Refused(problems));
    }
    expect_ok(&preview, "the preview")?;
    let create_action = preview
        .attribute("formaction")
        .ok_or("the preview offers no \"Create contract\"")?;
    let confirmed = preview
        .form("request_key")
        .ok_or("the preview has no form")?;
    let answer = seller
        .post_multipart(&create_action, confirmed.multipart(&[])?)
        .await?;
    if let Some(problems) = problems(&answer) {
        return Ok(Submitted::Refused(problems));
    }
    let page = if answer.status == 303 {
        seller
            .get(answer.location().ok_or("a redirect without Location")?)
            .await?
    } else {
        answer
    };
    expect_ok(&page, "the panel after creating")?;
    // The newest contract of this Sale: the highest id listed.
    let id = contract_ids(&page)
        .into_iter()
        .max()
        .ok_or_else(|| format!("no contract listed after creating: {}", page.text()))?;
    Ok(Submitted::Created(id))
}

/// The form's error summary, if it shows one.
fn problems(page: &Page) -> Option<String> {
    page.text_of("problems").map(|text| {
        text.trim_start_matches("The contract was not created.")
            .trim()
            .to_owned()
    })
}

/// Contract ids listed on the panel ("(contract N)").
fn contract_ids(page: &Page) -> Vec<i64> {
    page.text()
        .split("(contract ")
        .skip(1)
        .filter_map(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|d| d.parse().ok())
        })
        .collect()
}

/// The state shown next to a contract in the panel's list.
fn listed_state(page: &Page, contract: i64) -> String {
    let body = &page.body;
    body.find(&format!("(contract {contract})"))
        .and_then(|at| body[..at].rfind("<td class=\"state-"))
        .and_then(|cell| {
            let open = cell + body[cell..].find('>')? + 1;
            let close = open + body[open..].find("</td>")?;
            Some(body[open..close].trim().to_owned())
        })
        .unwrap_or_else(|| "?".to_owned())
}

fn expect_ok(page: &Page, what: &str) -> Result<(), StoryError> {
    if page.status == 200 {
        Ok(())
    } else {
        Err(format!("{what} answered {}: {}", page.status, page.text()).into())
    }
}

fn first_heading(page: &Page) -> String {
    page.body
        .split("<h1>")
        .nth(1)
        .and_then(|rest| rest.split("</h1>").next())
        .unwrap_or_default()
        .to_owned()
}

fn step(out: &mut (dyn Write + Send), title: impl fmt::Display) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "== {title}")
}

fn say(out: &mut (dyn Write + Send), line: impl fmt::Display) -> std::io::Result<()> {
    writeln!(out, "   {line}")
}

fn sale_updates(service: &DemoService) -> usize {
    service
        .superoffice
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/Sale/"))
        .count()
}

/// The worker's stage-mapping decisions about `contract` in `state`.
async fn decisions(
    service: &DemoService,
    installation: InstallationId,
    contract: i64,
    state: &str,
) -> Result<Vec<String>, StoryError> {
    let prefix = format!("contract {contract} ({state})");
    Ok(service
        .engine
        .store()
        .recent_audit(installation, 200)
        .await?
        .into_iter()
        .filter(|e| e.action == "stage_mapping" && e.detail.starts_with(&prefix))
        .map(|e| e.detail)
        .collect())
}

/// Polls the audit log (deadline `webhook_wait`) until the worker decided about `contract`
/// in `state`; returns the decision.
async fn wait_for_decision(
    service: &DemoService,
    installation: InstallationId,
    contract: i64,
    state: &str,
    options: &StoryOptions,
) -> Result<String, StoryError> {
    let deadline = tokio::time::Instant::now() + options.webhook_wait;
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    loop {
        tick.tick().await;
        if let Some(decision) = decisions(service, installation, contract, state)
            .await?
            .into_iter()
            .next()
        {
            let detail = decision
                .split_once("), ")
                .map_or(decision.as_str(), |(_, d)| d)
                .to_owned();
            return Ok(detail);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!(
                "no decision about contract {contract} ({state}) within {:?}",
                options.webhook_wait
            )
            .into());
        }
    }
}

/// A Oneflow client on the account, to look at what the service did.
fn oneflow_admin(service: &DemoService) -> Result<oneflow_client::Client, StoryError> {
    Ok(oneflow_client::Client::builder()
        .base_url(service.oneflow.base_url().as_str())
        .api_token(service.oneflow.api_token().to_owned())
        .build()?)
}

/// The counterparty signatory of a contract, as the sandbox's signing page would show it.
async fn counterparty_signatory(service: &DemoService, contract: i64) -> Result<i64, StoryError> {
    let contract = oneflow_admin(service)?
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
