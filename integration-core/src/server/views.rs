//! View models of the panel and settings pages and their askama templates
//! (`integration-core/templates/pages/`, checked at compile time).
//!
//! A view model holds exactly what its page shows, already worded and with every `<select>`
//! option marked; building one from the engine's answers is the handlers' job, rendering is
//! [`render`].

use askama::Template;
use oneflow_client::models::draft::ParticipantRole;
use oneflow_client::models::{ContractState, DeliveryChannel, SignMethod};

use super::form::{
    kind_value, party_value, role_value, rule_value, DeliveryMode, FieldErrors, PanelForm, Who,
    FORM_KEY,
};
use crate::engine::{LinkedContract, PanelSale, Settings, TemplateOption};
use crate::policy::contract_factory::{ContractPlan, FileKind, PartyKind};
use crate::policy::stage_mapping::MultiContractRule;
use crate::store::{AuditEntry, InstallationState, Job};

/// The stylesheet every page links (`/static/pages.css`), served by the pages' routes.
pub const PAGES_CSS: &str = include_str!("../../templates/pages/pages.css");

/// One `<option>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    /// Its value.
    pub value: String,
    /// What the user reads.
    pub label: String,
    /// Whether it is selected.
    pub selected: bool,
}

impl Opt {
    fn new(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Self {
        Self {
            value: value.into(),
            label: label.into(),
            selected,
        }
    }
}

/// A contract in the panel's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractRow {
    /// Oneflow contract id.
    pub id: i64,
    /// Its name (or "Contract {id}").
    pub name: String,
    /// Its state in words.
    pub state: String,
    /// The state's wire value, for styling (`draft`, `signed`, …; `gone`).
    pub state_class: String,
    /// Where it opens in Oneflow.
    pub open_url: String,
}

/// The state of a contract in words.
pub fn state_label(state: Option<&ContractState>) -> String {
    match state {
        None => "Deleted in Oneflow".into(),
        Some(ContractState::Draft) => "Draft".into(),
        Some(ContractState::Pending) => "Sent, awaiting signatures".into(),
        Some(ContractState::Overdue) => "Overdue".into(),
        Some(ContractState::Signed) => "Signed".into(),
        Some(ContractState::Declined) => "Declined".into(),
        Some(other) => {
            let text = other.as_str().replace('_', " ");
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => "Unknown".into(),
            }
        }
    }
}

impl From<&LinkedContract> for ContractRow {
    fn from(contract: &LinkedContract) -> Self {
        Self {
            id: contract.contract_id,
            name: contract
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("Contract {}", contract.contract_id)),
            state: state_label(contract.state.as_ref()),
            state_class: contract
                .state
                .as_ref()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_else(|| "gone".into()),
            open_url: contract.open_url.to_string(),
        }
    }
}

/// The templates of one workspace, as an `<optgroup>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateGroup {
    /// The workspace's name.
    pub workspace: String,
    /// Its templates (`{workspace}:{template}` values).
    pub options: Vec<Opt>,
}

/// A participant row of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowView {
    /// Row number (`p{row}.…`).
    pub row: usize,
    /// `person:{id}` or `owner`.
    pub who: String,
    /// The person's name and what they are ("contact person on the Sale", …).
    pub label: String,
    /// E-mail, if known.
    pub email: String,
    /// Whether the row's checkbox is ticked.
    pub included: bool,
    /// Party options.
    pub parties: Vec<Opt>,
    /// Role options.
    pub roles: Vec<Opt>,
    /// Delivery channel options (with an empty "—").
    pub channels: Vec<Opt>,
    /// Sign method options (with an empty "template default").
    pub sign_methods: Vec<Opt>,
    /// Problems with the row as a whole.
    pub errors: Vec<String>,
    /// Problems with the delivery channel.
    pub channel_errors: Vec<String>,
    /// Problems with the sign method.
    pub sign_errors: Vec<String>,
}

/// A file carried from the preview (hidden inputs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptFile {
    /// Index (`kept{index}.…`).
    pub index: usize,
    /// File name.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// `pdf` or `attachment`.
    pub kind: String,
    /// Base64 bytes.
    pub data: String,
    /// Size in words.
    pub size: String,
}

/// A party in the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewParty {
    /// "Your side", "Company: …" or "Individual".
    pub label: String,
    /// Its participants in words.
    pub participants: Vec<String>,
}

/// The checked draft the preview shows before creating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewView {
    /// The contract name.
    pub name: String,
    /// The parties.
    pub parties: Vec<PreviewParty>,
    /// Files ("offer.pdf — PDF document").
    pub files: Vec<String>,
    /// Data fields (custom id, value).
    pub data_fields: Vec<(String, String)>,
    /// "Kept as a draft" or "Sent for signing: {subject}".
    pub delivery: String,
}

fn role_words(role: Option<bool>) -> &'static str {
    if role == Some(true) {
        "signs"
    } else {
        "does not sign"
    }
}

fn participant_words(p: &oneflow_client::models::draft::ParticipantDraft) -> String {
    let mut text = p.name.clone().unwrap_or_else(|| "(no name)".into());
    if let Some(email) = &p.email {
        text.push_str(&format!(" <{email}>"));
    }
    text.push_str(&format!(", {}", role_words(p.signatory)));
    if let Some(channel) = &p.delivery_channel {
        text.push_str(&format!(
            ", receives it by {}",
            channel.as_str().replace('_', " ")
        ));
    }
    if let Some(method) = &p.sign_method {
        text.push_str(&format!(
            ", signs with {}",
            method.as_str().replace('_', " ")
        ));
    }
    text
}

/// A file size in words.
pub fn size_words(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.0} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

fn kind_words(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Pdf => "PDF document",
        FileKind::Attachment => "attachment",
    }
}

impl PreviewView {
    /// The preview of a checked plan made from `form`.
    pub fn new(plan: &ContractPlan, form: &PanelForm) -> Self {
        use oneflow_client::models::draft::PartyDraft;
        let mut parties = Vec::new();
        if let Some(mine) = &plan.draft.my_party {
            parties.push(PreviewParty {
                label: "Your side".into(),
                participants: mine.participants.iter().map(participant_words).collect(),
            });
        }
        for party in &plan.draft.parties {
            match party {
                PartyDraft::Company(company) => parties.push(PreviewParty {
                    label: format!("Company: {}", company.name),
                    participants: company.participants.iter().map(participant_words).collect(),
                }),
                PartyDraft::Individual(individual) => parties.push(PreviewParty {
                    label: "Individual".into(),
                    participants: vec![participant_words(&individual.participant)],
                }),
                _ => {}
            }
        }
        Self {
            name: plan.draft.name.clone().unwrap_or_default(),
            parties,
            files: form
                .files
                .iter()
                .map(|f| {
                    format!(
                        "{} — {} ({})",
                        f.name,
                        kind_words(f.kind),
                        size_words(f.bytes.len())
                    )
                })
                .collect(),
            data_fields: plan
                .draft
                .data_fields
                .iter()
                .map(|d| (d.custom_id.clone(), d.value.clone()))
                .collect(),
            delivery: match &plan.publish {
                Some(message) => format!("Sent for signing now, subject “{}”", message.subject),
                None => "Kept as a draft in Oneflow (nothing is sent)".into(),
            },
        }
    }
}

/// Everything the panel page shows.
#[derive(Debug, Clone, PartialEq, Eq, Template)]
#[template(path = "pages/panel.html")]
pub struct PanelView {
    /// The session's CSRF token.
    pub csrf: String,
    /// The signed-in user's e-mail.
    pub user_email: String,
    /// The Sale.
    pub sale_id: i64,
    /// Its heading.
    pub heading: String,
    /// Its company.
    pub company: String,
    /// The linked contracts.
    pub contracts: Vec<ContractRow>,
    /// A problem reading the contracts (shown instead of the list).
    pub contracts_error: Option<String>,
    /// The templates by workspace.
    pub templates: Vec<TemplateGroup>,
    /// The request key of this rendering of the form.
    pub request_key: String,
    /// The contract name in the form.
    pub name: String,
    /// The participant rows.
    pub rows: Vec<RowView>,
    /// Files carried from the preview.
    pub kept_files: Vec<KeptFile>,
    /// Whether the contract is sent (else a draft).
    pub send: bool,
    /// Invitation subject.
    pub subject: String,
    /// Invitation message.
    pub message: String,
    /// Problems, by field key.
    pub errors: FieldErrors,
    /// The checked draft, after a preview.
    pub preview: Option<PreviewView>,
    /// A notice after an action ("Contract 12 created").
    pub notice: Option<String>,
    /// Where the preview is posted.
    pub preview_action: String,
    /// Where the contract is created.
    pub create_action: String,
    /// "Switch account": SuperOffice's account chooser again.
    pub switch_account_url: String,
    /// The settings page, shown only to SuperOffice administrators.
    pub settings_url: Option<String>,
}

/// Where the panel's forms go and who looks at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelLinks {
    /// `POST` target of the preview.
    pub preview_action: String,
    /// `POST` target of create.
    pub create_action: String,
    /// "Switch account".
    pub switch_account_url: String,
    /// The settings page (`None` for users who are not SuperOffice administrators).
    pub settings_url: Option<String>,
}

fn channel_label(channel: &DeliveryChannel) -> String {
    match channel {
        DeliveryChannel::Email => "E-mail".into(),
        DeliveryChannel::Sms => "Text message".into(),
        DeliveryChannel::SameDevice => "On this device".into(),
        DeliveryChannel::None => "Not delivered".into(),
        DeliveryChannel::EmailAndSms => "E-mail and text message".into(),
        other => other.as_str().replace('_', " "),
    }
}

fn sign_label(method: &SignMethod) -> String {
    match method {
        SignMethod::StandardEsign => "E-signature".into(),
        SignMethod::Sms => "SMS verification".into(),
        SignMethod::SwedishBankid => "Swedish BankID".into(),
        SignMethod::NorwegianBankid => "Norwegian BankID".into(),
        SignMethod::DanishNemid => "Danish NemID".into(),
        SignMethod::FinnishBankid => "Finnish BankID".into(),
        SignMethod::HandwrittenSignature => "Handwritten signature".into(),
        SignMethod::EidSign => "eID".into(),
        other => other.as_str().replace('_', " "),
    }
}

impl PanelView {
    /// The panel for `sale`, with the form filled from `form` (a first rendering passes
    /// `None`: every Sale person is offered, the Sale's person ticked as company signatory,
    /// the owner ticked on our side).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        csrf: String,
        user_email: String,
        sale: &PanelSale,
        contracts: Result<&[LinkedContract], String>,
        templates: &[TemplateOption],
        form: Option<&PanelForm>,
        errors: FieldErrors,
        links: PanelLinks,
    ) -> Self {
        let chosen = form.and_then(|f| f.template);
        let mut groups: Vec<TemplateGroup> = Vec::new();
        for option in templates {
            let workspace = option
                .workspace_name
                .clone()
                .unwrap_or_else(|| format!("Workspace {}", option.workspace_id));
            let value = format!("{}:{}", option.workspace_id, option.template.id);
            let mut label = option.template.name.clone();
            match (
                option.template.has_pdf_section,
                option.template.has_attachments_section,
            ) {
                (true, true) => label.push_str(" (PDF and attachments)"),
                (true, false) => label.push_str(" (PDF only)"),
                (false, true) => label.push_str(" (attachments only)"),
                (false, false) => label.push_str(" (no files)"),
            }
            let selected = chosen == Some((option.workspace_id, option.template.id));
            let opt = Opt::new(value, label, selected);
            match groups.iter_mut().find(|g| g.workspace == workspace) {
                Some(group) => group.options.push(opt),
                None => groups.push(TemplateGroup {
                    workspace,
                    options: vec![opt],
                }),
            }
        }
        // The channels and methods offered: the chosen template's, else any template's.
        let offered: Vec<&TemplateOption> = match chosen {
            Some((w, t)) => templates
                .iter()
                .filter(|o| o.workspace_id == w && o.template.id == t)
                .collect(),
            None => templates.iter().collect(),
        };
        let mut channels: Vec<DeliveryChannel> = Vec::new();
        let mut methods: Vec<SignMethod> = Vec::new();
        for option in &offered {
            for c in &option.delivery_channels {
                if !channels.contains(c) {
                    channels.push(c.clone());
                }
            }
            for m in &option.sign_methods {
                if !methods.contains(m) {
                    methods.push(m.clone());
                }
            }
        }
        if channels.is_empty() {
            channels = DeliveryChannel::KNOWN.to_vec();
        }
        if methods.is_empty() {
            methods = SignMethod::KNOWN.to_vec();
        }

        // Rows: the Sale's persons, then the owner.
        let mut candidates: Vec<(Who, String, String, PartyKind, bool)> = sale
            .persons
            .iter()
            .map(|p| {
                let what = if p.on_sale {
                    "contact person on the Sale"
                } else {
                    "at the Sale's company"
                };
                (
                    Who::Person(p.person_id),
                    format!("{} ({what})", p.name),
                    p.email.clone().unwrap_or_default(),
                    if sale.company_name.is_some() {
                        PartyKind::Company
                    } else {
                        PartyKind::Individual
                    },
                    p.on_sale,
                )
            })
            .collect();
        candidates.push((
            Who::Owner,
            if sale.owner_name.is_empty() {
                "The Sale owner (your side)".to_owned()
            } else {
                format!("{} (Sale owner, your side)", sale.owner_name)
            },
            String::new(),
            PartyKind::Owner,
            true,
        ));
        let rows =
            candidates
                .into_iter()
                .enumerate()
                .map(|(row, (who, label, email, default_party, default_in))| {
                    let submitted = form.and_then(|f| f.rows.iter().find(|r| r.row == row));
                    let party = submitted.and_then(|r| r.party).unwrap_or(default_party);
                    let role = submitted
                        .and_then(|r| r.role)
                        .unwrap_or(ParticipantRole::Signatory);
                    let channel = match submitted {
                        Some(r) => r.channel.clone(),
                        None if who != Who::Owner => Some(DeliveryChannel::Email),
                        None => None,
                    };
                    let sign = submitted.and_then(|r| r.sign.clone());
                    let included = match form {
                        Some(_) => submitted.is_some_and(|r| r.include),
                        None => default_in,
                    };
                    let mut channel_opts = vec![Opt::new("", "— choose —", channel.is_none())];
                    channel_opts.extend(channels.iter().map(|c| {
                        Opt::new(c.as_str(), channel_label(c), channel.as_ref() == Some(c))
                    }));
                    let mut sign_opts = vec![Opt::new("", "Template default", sign.is_none())];
                    sign_opts.extend(
                        methods
                            .iter()
                            .map(|m| Opt::new(m.as_str(), sign_label(m), sign.as_ref() == Some(m))),
                    );
                    RowView {
                        row,
                        who: who.form_value(),
                        label,
                        email,
                        included,
                        parties: [
                            (PartyKind::Company, "The Sale's company"),
                            (PartyKind::Individual, "An individual"),
                            (PartyKind::Owner, "Your side"),
                        ]
                        .into_iter()
                        .map(|(p, l)| Opt::new(party_value(p), l, p == party))
                        .collect(),
                        roles: [
                            (ParticipantRole::Signatory, "Signatory"),
                            (ParticipantRole::Influencer, "Influencer"),
                            (ParticipantRole::Viewer, "Viewer"),
                        ]
                        .into_iter()
                        .map(|(r, l)| Opt::new(role_value(r), l, r == role))
                        .collect(),
                        channels: channel_opts,
                        sign_methods: sign_opts,
                        errors: errors.get(&format!("p{row}")).to_vec(),
                        channel_errors: errors.get(&format!("p{row}.channel")).to_vec(),
                        sign_errors: errors.get(&format!("p{row}.sign")).to_vec(),
                    }
                })
                .collect();
        let (contracts, contracts_error) = match contracts {
            Ok(list) => (list.iter().map(ContractRow::from).collect(), None),
            Err(problem) => (Vec::new(), Some(problem)),
        };
        Self {
            csrf,
            user_email,
            sale_id: sale.sale_id,
            heading: sale.heading.clone(),
            company: sale.company_name.clone().unwrap_or_default(),
            contracts,
            contracts_error,
            templates: groups,
            request_key: form
                .map(|f| f.request_key.clone())
                .filter(|k| !k.is_empty())
                .unwrap_or_else(super::form::new_request_key),
            name: form
                .map(|f| f.name.clone())
                .unwrap_or_else(|| sale.default_contract_name.clone()),
            rows,
            kept_files: Vec::new(),
            send: form.is_some_and(|f| f.delivery == DeliveryMode::Send),
            subject: form.map(|f| f.subject.clone()).unwrap_or_default(),
            message: form.map(|f| f.message.clone()).unwrap_or_default(),
            errors,
            preview: None,
            notice: None,
            preview_action: links.preview_action,
            create_action: links.create_action,
            switch_account_url: links.switch_account_url,
            settings_url: links.settings_url,
        }
    }

    /// Adds the checked draft and carries the form's files into the page, so "Create"
    /// submits the same contract.
    pub fn with_preview(mut self, preview: PreviewView, form: &PanelForm) -> Self {
        self.preview = Some(preview);
        self.kept_files = form
            .files
            .iter()
            .enumerate()
            .map(|(index, f)| KeptFile {
                index,
                name: f.name.clone(),
                content_type: f.content_type.clone(),
                kind: kind_value(f.kind).to_owned(),
                data: f.base64(),
                size: size_words(f.bytes.len()),
            })
            .collect();
        self
    }

    /// Adds a notice shown at the top.
    pub fn with_notice(mut self, notice: impl Into<String>) -> Self {
        self.notice = Some(notice.into());
        self
    }

    /// Problems of one field (for the template).
    pub fn errors_of(&self, field: &str) -> Vec<String> {
        self.errors.get(field).to_vec()
    }

    /// Problems of the form as a whole, and of fields the page has no place for.
    pub fn general_errors(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter(|(k, _)| *k == FORM_KEY || *k == "participants")
            .flat_map(|(_, v)| v.iter().cloned())
            .collect()
    }
}

/// A row of the unmatched-users report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedRow {
    /// Name.
    pub name: String,
    /// E-mail (empty when SuperOffice has none).
    pub email: String,
}

/// A row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRow {
    /// When (UTC, `2026-12-02 13:05:00`).
    pub at: String,
    /// What kind of action.
    pub action: String,
    /// What happened.
    pub detail: String,
}

impl From<&AuditEntry> for DecisionRow {
    fn from(entry: &AuditEntry) -> Self {
        Self {
            at: entry.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            action: entry.action.clone(),
            detail: entry.detail.clone(),
        }
    }
}

/// A parked job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedRow {
    /// Job id.
    pub id: i64,
    /// `oneflow` or `superoffice`.
    pub source: String,
    /// Attempts made.
    pub attempts: i64,
    /// Why it was given up.
    pub reason: String,
}

impl From<&Job> for ParkedRow {
    fn from(job: &Job) -> Self {
        Self {
            id: job.id,
            source: job.source.as_str().to_owned(),
            attempts: job.attempts,
            reason: job.last_error.clone().unwrap_or_default(),
        }
    }
}

/// A user group in the "hide the panel from" form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    /// Id.
    pub id: i32,
    /// Name.
    pub name: String,
    /// Whether it is hidden from the panel now.
    pub hidden: bool,
}

/// Where the settings page's forms go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsLinks {
    /// Saves the settings.
    pub save_action: String,
    /// Hides the panel from groups.
    pub hide_action: String,
    /// Enables the integration.
    pub enable_action: String,
    /// Disables it.
    pub disable_action: String,
    /// Removes it (typed confirmation).
    pub remove_action: String,
}

/// Everything the settings page shows (SuperOffice administrators only).
#[derive(Debug, Clone, PartialEq, Eq, Template)]
#[template(path = "pages/settings.html")]
pub struct SettingsView {
    /// The session's CSRF token.
    pub csrf: String,
    /// The signed-in admin's e-mail.
    pub user_email: String,
    /// The SuperOffice tenant (typed to confirm removal).
    pub tenant: String,
    /// Whether the integration is enabled.
    pub enabled: bool,
    /// The stage-mapping toggle.
    pub stage_mapping_enabled: bool,
    /// Multi-contract rule options.
    pub rules: Vec<Opt>,
    /// Won reason options (first: none).
    pub won_reasons: Vec<Opt>,
    /// Lost reason options (first: none).
    pub lost_reasons: Vec<Opt>,
    /// Whether the reasons are number inputs (SuperOffice's lists could not be read).
    pub reasons_as_numbers: bool,
    /// Won reason id as text (number input).
    pub won_reason_text: String,
    /// Lost reason id as text (number input).
    pub lost_reason_text: String,
    /// Archive signed PDFs.
    pub archive_signed_pdf: bool,
    /// The document template id as text.
    pub archive_document_template_id: String,
    /// User groups and whether the panel is hidden from them.
    pub groups: Vec<GroupRow>,
    /// A problem reading the groups.
    pub groups_error: Option<String>,
    /// SuperOffice users without a Oneflow account.
    pub unmatched: Vec<UnmatchedRow>,
    /// A problem building the report.
    pub unmatched_error: Option<String>,
    /// Recent decisions (audit log).
    pub decisions: Vec<DecisionRow>,
    /// Parked jobs.
    pub parked: Vec<ParkedRow>,
    /// Problems, by field key.
    pub errors: FieldErrors,
    /// A notice after an action.
    pub notice: Option<String>,
    /// Where the forms go.
    pub links: SettingsLinks,
}

/// What the settings page is built from, besides the settings themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsFacts {
    /// The tenant.
    pub tenant: String,
    /// The installation's state.
    pub enabled: bool,
    /// Won and lost reasons (`None`: could not be read; number inputs instead).
    pub reasons: Option<crate::engine::SaleReasons>,
    /// Groups (`Err`: the problem in words).
    pub groups: Result<Vec<crate::engine::PanelGroup>, String>,
    /// Unmatched users (`Err`: the problem in words).
    pub unmatched: Result<Vec<UnmatchedRow>, String>,
    /// Recent decisions.
    pub decisions: Vec<AuditEntry>,
    /// Parked jobs.
    pub parked: Vec<Job>,
}

impl Default for SettingsLinks {
    fn default() -> Self {
        Self {
            save_action: "/superoffice/settings".into(),
            hide_action: "/superoffice/settings/hide".into(),
            enable_action: "/superoffice/settings/enable".into(),
            disable_action: "/superoffice/settings/disable".into(),
            remove_action: "/superoffice/settings/remove".into(),
        }
    }
}

fn reason_opts(items: &[crate::engine::ListChoice], chosen: Option<i32>) -> Vec<Opt> {
    let mut opts = vec![Opt::new("", "— none —", chosen.is_none())];
    opts.extend(
        items
            .iter()
            .map(|i| Opt::new(i.id.to_string(), i.name.clone(), Some(i.id) == chosen)),
    );
    if let Some(id) = chosen {
        if !items.iter().any(|i| i.id == id) {
            opts.push(Opt::new(
                id.to_string(),
                format!("Reason {id} (no longer listed)"),
                true,
            ));
        }
    }
    opts
}

impl SettingsView {
    /// The settings page.
    pub fn new(
        csrf: String,
        user_email: String,
        settings: &Settings,
        facts: SettingsFacts,
        errors: FieldErrors,
        links: SettingsLinks,
    ) -> Self {
        let mapping = &settings.stage_mapping;
        let rule = mapping.multi_contract_rule;
        let rules = [
            (
                MultiContractRule::LatestContract,
                "The most recent contract decides the Sale",
            ),
            (
                MultiContractRule::AllMustSign,
                "Won only when every contract is signed",
            ),
            (
                MultiContractRule::AnySigned,
                "Won as soon as any contract is signed",
            ),
        ]
        .into_iter()
        .map(|(r, label)| Opt::new(rule_value(r), label, r == rule))
        .collect();
        let (won_reasons, lost_reasons, reasons_as_numbers) = match &facts.reasons {
            Some(reasons) => (
                reason_opts(&reasons.won, mapping.won_reason_id),
                reason_opts(&reasons.lost, mapping.lost_reason_id),
                false,
            ),
            None => (Vec::new(), Vec::new(), true),
        };
        let (groups, groups_error) = match facts.groups {
            Ok(groups) => (
                groups
                    .into_iter()
                    .map(|g| GroupRow {
                        id: g.id,
                        name: g.name,
                        hidden: !g.sees_panel,
                    })
                    .collect(),
                None,
            ),
            Err(problem) => (Vec::new(), Some(problem)),
        };
        let (unmatched, unmatched_error) = match facts.unmatched {
            Ok(rows) => (rows, None),
            Err(problem) => (Vec::new(), Some(problem)),
        };
        let text = |id: Option<i32>| id.map(|i| i.to_string()).unwrap_or_default();
        Self {
            csrf,
            user_email,
            tenant: facts.tenant,
            enabled: facts.enabled,
            stage_mapping_enabled: mapping.stage_mapping_enabled,
            rules,
            won_reasons,
            lost_reasons,
            reasons_as_numbers,
            won_reason_text: text(mapping.won_reason_id),
            lost_reason_text: text(mapping.lost_reason_id),
            archive_signed_pdf: settings.archive_signed_pdf,
            archive_document_template_id: text(settings.archive_document_template_id),
            groups,
            groups_error,
            unmatched,
            unmatched_error,
            decisions: facts.decisions.iter().map(DecisionRow::from).collect(),
            parked: facts.parked.iter().map(ParkedRow::from).collect(),
            errors,
            notice: None,
            links,
        }
    }

    /// Adds a notice shown at the top.
    pub fn with_notice(mut self, notice: impl Into<String>) -> Self {
        self.notice = Some(notice.into());
        self
    }

    /// Problems of one field (for the template).
    pub fn errors_of(&self, field: &str) -> Vec<String> {
        self.errors.get(field).to_vec()
    }
}

/// Whether an installation state counts as enabled on the settings page.
pub fn is_enabled(state: InstallationState) -> bool {
    state == InstallationState::Active
}

/// A short page with a heading and a message (refusals, "removed", …).
#[derive(Debug, Clone, PartialEq, Eq, Template)]
#[template(path = "pages/message.html")]
pub struct MessageView {
    /// The page title and heading.
    pub title: String,
    /// What happened and what to do, in plain words.
    pub message: String,
    /// An optional link onwards (text, URL).
    pub link: Option<(String, String)>,
}

impl MessageView {
    /// A message page.
    pub fn new(title: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            message: message.into(),
            link: None,
        }
    }

    /// Adds a link onwards.
    pub fn link(mut self, text: impl Into<String>, url: impl Into<String>) -> Self {
        self.link = Some((text.into(), url.into()));
        self
    }
}

/// Renders a page to HTML.
pub fn render<T: Template>(view: &T) -> Result<String, askama::Error> {
    view.render()
}
