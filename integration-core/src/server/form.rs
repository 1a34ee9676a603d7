//! The panel's create form and the settings forms, parsed from what a browser sends
//! (`application/x-www-form-urlencoded` or `multipart/form-data`) into the engine's types,
//! with errors per form field in plain words.
//!
//! # Field names of the panel form
//!
//! | Field | Meaning |
//! |---|---|
//! | `csrf` | the session's CSRF token |
//! | `request_key` | one per rendered form (a random UUID-like value): a double submit creates one contract |
//! | `sale` | the Sale id |
//! | `name` | contract name (empty: the Sale heading cut to 130 characters) |
//! | `template` | `{workspace id}:{template id}` (templates are offered per workspace) |
//! | `p{n}.include` | participant row `n` takes part (a checkbox) |
//! | `p{n}.who` | `person:{id}` or `owner` |
//! | `p{n}.party` | `individual`, `company` or `owner` |
//! | `p{n}.role` | `signatory`, `influencer` or `viewer` |
//! | `p{n}.channel` | a delivery channel (`email`, `sms`, …; empty: none chosen) |
//! | `p{n}.sign` | a sign method (`standard_esign`, …; empty: the template's default) |
//! | `pdf` | a file for the "PDF document" section (multipart) |
//! | `attachments` | files for the "Attachments" section (multipart, several) |
//! | `kept{n}.name`, `kept{n}.type`, `kept{n}.kind`, `kept{n}.data` | a file uploaded before the preview, carried in the preview page (base64), so no server state is needed between preview and create |
//! | `delivery` | `draft` or `send` |
//! | `subject`, `message` | the invitation, when sending |

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use oneflow_client::models::draft::ParticipantRole;
use oneflow_client::models::{DeliveryChannel, SignMethod, TemplateId, WorkspaceId};

use crate::engine::Settings;
use crate::policy::contract_factory::{
    ChoiceField, ContractChoices, Delivery, FileChoice, FileKind, InvalidChoices,
    ParticipantChoice, ParticipantPart, ParticipantSource, PartyKind,
};
use crate::policy::stage_mapping::MultiContractRule;

/// The most file bytes one panel form may carry (all files together).
pub const MAX_FORM_FILE_BYTES: usize = 10 * 1024 * 1024;

/// The largest panel form body accepted: the files, plus the files carried through the
/// preview as base64 (a third larger), plus the text fields.
pub const MAX_FORM_BODY_BYTES: usize = MAX_FORM_FILE_BYTES * 2 + 1024 * 1024;

/// The form key of errors that belong to the form as a whole.
pub const FORM_KEY: &str = "form";

/// One value a browser sent for a field.
#[derive(Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// A text input.
    Text(String),
    /// A file input.
    File {
        /// The file name the browser gave.
        file_name: String,
        /// Its MIME type (`application/octet-stream` when the browser gave none).
        content_type: String,
        /// The bytes.
        bytes: Vec<u8>,
    },
}

impl fmt::Debug for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(text) => f.debug_tuple("Text").field(text).finish(),
            Self::File {
                file_name,
                content_type,
                bytes,
            } => f
                .debug_struct("File")
                .field("file_name", file_name)
                .field("content_type", content_type)
                .field("len", &bytes.len())
                .finish(),
        }
    }
}

/// Problems with a submitted form, by form field key (`name`, `template`, `p0`, `files`,
/// `subject`, `message`, [`FORM_KEY`], …), in plain words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// No problems.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a problem to a field.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems of one field.
    pub fn get(&self, field: &str) -> &[String] {
        self.0.get(field).map(Vec::as_slice).unwrap_or_default()
    }

    /// Whether a field has problems.
    pub fn has(&self, field: &str) -> bool {
        !self.get(field).is_empty()
    }

    /// Every (field, problems) pair, by field key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// How many problems in total.
    pub fn count(&self) -> usize {
        self.0.values().map(Vec::len).sum()
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (field, problems) in &self.0 {
            for problem in problems {
                if !first {
                    f.write_str("; ")?;
                }
                first = false;
                write!(f, "{field}: {problem}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}

/// A form body that could not be read at all (not a form, too large, broken multipart).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormError {
    /// The body is not what the content type says.
    #[error("the form could not be read: {0}")]
    Malformed(String),
    /// The files are larger than [`MAX_FORM_FILE_BYTES`] together.
    #[error("the files are larger than {} MiB together; choose smaller files", MAX_FORM_FILE_BYTES / (1024 * 1024))]
    TooLarge,
}

/// Which participant a row of the form names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// A SuperOffice person.
    Person(i32),
    /// The Sale's owner.
    Owner,
}

impl Who {
    /// The form value (`person:{id}` or `owner`).
    pub fn form_value(self) -> String {
        match self {
            Self::Person(id) => format!("person:{id}"),
            Self::Owner => "owner".into(),
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw == "owner" {
            return Some(Self::Owner);
        }
        raw.strip_prefix("person:")?
            .parse()
            .ok()
            .filter(|id| *id > 0)
            .map(Self::Person)
    }
}

/// One participant row of the panel form, as submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantRow {
    /// The row number in the form (`p{row}.…`).
    pub row: usize,
    /// Whether the row's checkbox was ticked.
    pub include: bool,
    /// Who (`None`: missing or unreadable).
    pub who: Option<Who>,
    /// The party (`None`: missing or unreadable).
    pub party: Option<PartyKind>,
    /// The role (`None`: missing or unreadable).
    pub role: Option<ParticipantRole>,
    /// The delivery channel (`None`: none chosen).
    pub channel: Option<DeliveryChannel>,
    /// The sign method (`None`: the template's default).
    pub sign: Option<SignMethod>,
}

/// A file submitted with the panel form.
#[derive(Clone, PartialEq, Eq)]
pub struct FormFile {
    /// File name.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// PDF section or attachment.
    pub kind: FileKind,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for FormFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormFile")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("kind", &self.kind)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl FormFile {
    /// The file as base64, to carry it in the preview page.
    pub fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.bytes)
    }
}

/// Draft or send, as the form says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeliveryMode {
    /// Keep it a draft.
    #[default]
    Draft,
    /// Send for signing now.
    Send,
}

/// The panel's create form as submitted (also what the form shows again after an error or
/// in the preview).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PanelForm {
    /// The CSRF token the form carried.
    pub csrf: String,
    /// The request key rendered into the form.
    pub request_key: String,
    /// The Sale (`None`: missing or unreadable).
    pub sale_id: Option<i64>,
    /// Contract name as typed (empty: the default).
    pub name: String,
    /// `(workspace id, template id)` (`None`: none chosen).
    pub template: Option<(i64, i64)>,
    /// The participant rows, by row number.
    pub rows: Vec<ParticipantRow>,
    /// Files (new uploads first, then files carried from the preview).
    pub files: Vec<FormFile>,
    /// Draft or send.
    pub delivery: DeliveryMode,
    /// Invitation subject.
    pub subject: String,
    /// Invitation message.
    pub message: String,
    /// Problems found while reading the fields (a number that is not one, …).
    pub errors: FieldErrors,
}

/// Reads `application/x-www-form-urlencoded` into fields, in order.
pub fn urlencoded_fields(body: &[u8]) -> Vec<(String, FieldValue)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), FieldValue::Text(v.into_owned())))
        .collect()
}

/// Reads `multipart/form-data` into fields, in order, refusing more than
/// [`MAX_FORM_FILE_BYTES`] of file content. An empty file input (no file chosen) is left out.
pub async fn multipart_fields(
    mut multipart: axum::extract::Multipart,
) -> Result<Vec<(String, FieldValue)>, FormError> {
    let mut fields = Vec::new();
    let mut file_bytes = 0usize;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| FormError::Malformed(e.body_text()))?
    {
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let content_type = field
                    .content_type()
                    .map(str::to_owned)
                    .unwrap_or_else(|| "application/octet-stream".into());
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| FormError::Malformed(e.body_text()))?;
                if file_name.is_empty() && bytes.is_empty() {
                    continue;
                }
                file_bytes += bytes.len();
                if file_bytes > MAX_FORM_FILE_BYTES {
                    return Err(FormError::TooLarge);
                }
                fields.push((
                    name,
                    FieldValue::File {
                        file_name,
                        content_type,
                        bytes: bytes.to_vec(),
                    },
                ));
            }
            None => {
                let text = field
                    .text()
                    .await
                    .map_err(|e| FormError::Malformed(e.body_text()))?;
                fields.push((name, FieldValue::Text(text)));
            }
        }
    }
    Ok(fields)
}

fn party_from(raw: &str) -> Option<PartyKind> {
    match raw.trim() {
        "individual" => Some(PartyKind::Individual),
        "company" => Some(PartyKind::Company),
        "owner" => Some(PartyKind::Owner),
        _ => None,
    }
}

/// The form value of a party kind.
pub fn party_value(party: PartyKind) -> &'static str {
    match party {
        PartyKind::Individual => "individual",
        PartyKind::Company => "company",
        PartyKind::Owner => "owner",
    }
}

fn role_from(raw: &str) -> Option<ParticipantRole> {
    match raw.trim() {
        "signatory" => Some(ParticipantRole::Signatory),
        "influencer" => Some(ParticipantRole::Influencer),
        "viewer" => Some(ParticipantRole::Viewer),
        _ => None,
    }
}

/// The form value of a role.
pub fn role_value(role: ParticipantRole) -> &'static str {
    match role {
        ParticipantRole::Signatory => "signatory",
        ParticipantRole::Influencer => "influencer",
        _ => "viewer",
    }
}

fn kind_from(raw: &str) -> Option<FileKind> {
    match raw.trim() {
        "pdf" => Some(FileKind::Pdf),
        "attachment" => Some(FileKind::Attachment),
        _ => None,
    }
}

/// The form value of a file kind.
pub fn kind_value(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Pdf => "pdf",
        FileKind::Attachment => "attachment",
    }
}

/// Splits `p3.party` into (3, "party").
fn row_field<'k>(key: &'k str, prefix: &str) -> Option<(usize, &'k str)> {
    let rest = key.strip_prefix(prefix)?;
    let (index, field) = rest.split_once('.')?;
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) || index.len() > 4 {
        return None;
    }
    Some((index.parse().ok()?, field))
}

impl PanelForm {
    /// Reads the form from its fields (see the [module documentation](self) for the names).
    /// Unknown fields are ignored; unreadable values are noted in [`PanelForm::errors`].
    pub fn from_fields(fields: Vec<(String, FieldValue)>) -> Self {
        let mut form = PanelForm::default();
        let mut rows: BTreeMap<usize, ParticipantRow> = BTreeMap::new();
        let mut kept: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
        let mut uploads = Vec::new();
        for (key, value) in fields {
            let text = match value {
                FieldValue::Text(text) => text,
                FieldValue::File {
                    file_name,
                    content_type,
                    bytes,
                } => {
                    let kind = match key.as_str() {
                        "pdf" => FileKind::Pdf,
                        "attachments" => FileKind::Attachment,
                        _ => continue,
                    };
                    uploads.push(FormFile {
                        name: file_name,
                        content_type,
                        kind,
                        bytes,
                    });
                    continue;
                }
            };
            match key.as_str() {
                "csrf" => form.csrf = text,
                "request_key" => form.request_key = text.trim().to_owned(),
                "sale" => match text.trim().parse::<i64>() {
                    Ok(id) if id > 0 => form.sale_id = Some(id),
                    _ => form.errors.add(
                        FORM_KEY,
                        "The Sale is missing; open the panel from a Sale again.",
                    ),
                },
                "name" => form.name = text,
                "template" => {
                    if text.trim().is_empty() {
                        continue;
                    }
                    let parsed = text
                        .trim()
                        .split_once(':')
                        .and_then(|(w, t)| Some((w.parse().ok()?, t.parse().ok()?)));
                    match parsed {
                        Some(pair) => form.template = Some(pair),
                        None => form
                            .errors
                            .add("template", "Choose a template from the list."),
                    }
                }
                "delivery" => {
                    form.delivery = if text.trim() == "send" {
                        DeliveryMode::Send
                    } else {
                        DeliveryMode::Draft
                    }
                }
                "subject" => form.subject = text,
                "message" => form.message = text,
                _ => {
                    if let Some((row, field)) = row_field(&key, "p") {
                        let entry = rows.entry(row).or_insert_with(|| ParticipantRow {
                            row,
                            include: false,
                            who: None,
                            party: None,
                            role: None,
                            channel: None,
                            sign: None,
                        });
                        let value = text.trim();
                        match field {
                            "include" => entry.include = !value.is_empty(),
                            "who" => entry.who = Who::parse(value),
                            "party" => entry.party = party_from(value),
                            "role" => entry.role = role_from(value),
                            "channel" if !value.is_empty() => {
                                entry.channel = Some(DeliveryChannel::from_wire(value))
                            }
                            "sign" if !value.is_empty() => {
                                entry.sign = Some(SignMethod::from_wire(value))
                            }
                            _ => {}
                        }
                    } else if let Some((index, field)) = row_field(&key, "kept") {
                        kept.entry(index)
                            .or_default()
                            .insert(field.to_owned(), text);
                    }
                }
            }
        }
        form.rows = rows.into_values().collect();
        form.files = uploads;
        for (_, parts) in kept {
            let get = |k: &str| parts.get(k).cloned().unwrap_or_default();
            let bytes = base64::engine::general_purpose::STANDARD.decode(get("data").trim());
            match (bytes, kind_from(&get("kind"))) {
                (Ok(bytes), Some(kind)) if !get("name").trim().is_empty() => {
                    form.files.push(FormFile {
                        name: get("name"),
                        content_type: get("type"),
                        kind,
                        bytes,
                    })
                }
                _ => form.errors.add(
                    "files",
                    "A file from the preview could not be read; choose it again.",
                ),
            }
        }
        let total: usize = form.files.iter().map(|f| f.bytes.len()).sum();
        if total > MAX_FORM_FILE_BYTES {
            form.errors.add("files", FormError::TooLarge.to_string());
        }
        form
    }

    /// Reads a url-encoded body.
    pub fn from_urlencoded(body: &[u8]) -> Self {
        Self::from_fields(urlencoded_fields(body))
    }

    /// Reads a multipart body (files included).
    pub async fn from_multipart(multipart: axum::extract::Multipart) -> Result<Self, FormError> {
        Ok(Self::from_fields(multipart_fields(multipart).await?))
    }

    /// The rows that take part, in form order.
    pub fn included_rows(&self) -> impl Iterator<Item = &ParticipantRow> {
        self.rows.iter().filter(|r| r.include)
    }

    /// The engine's choices and the file contents (in the order of
    /// [`ContractChoices::files`]), or every problem the form itself shows (the engine checks
    /// the rest). Also refuses a form whose reading found problems.
    pub fn to_choices(&self) -> Result<(ContractChoices, Vec<Vec<u8>>), FieldErrors> {
        let mut errors = self.errors.clone();
        if self.request_key.is_empty() {
            errors.add(
                FORM_KEY,
                "The form has expired; reload the panel and fill it in again.",
            );
        }
        let Some((workspace, template)) = self.template else {
            errors.add("template", "Choose a template.");
            return Err(errors);
        };
        let mut choices = ContractChoices::new(
            WorkspaceId::from(workspace),
            TemplateId::from(template),
            self.request_key.clone(),
        );
        let name = self.name.trim();
        choices.name = (!name.is_empty()).then(|| name.to_owned());
        for row in self.included_rows() {
            let key = format!("p{}", row.row);
            let (Some(who), Some(party), Some(role)) = (row.who, row.party, row.role) else {
                errors.add(key, "Choose who this is, their party and their role.");
                continue;
            };
            let source = match who {
                Who::Person(id) => ParticipantSource::Person(id),
                Who::Owner => ParticipantSource::SaleOwner,
            };
            let mut choice = ParticipantChoice::new(source, party, role);
            choice.delivery_channel = row.channel.clone();
            choice.sign_method = row.sign.clone();
            choices.participants.push(choice);
        }
        let mut contents = Vec::with_capacity(self.files.len());
        for file in &self.files {
            choices.files.push(FileChoice::new(
                file.name.clone(),
                file.content_type.clone(),
                file.bytes.len() as u64,
                file.kind,
            ));
            contents.push(file.bytes.clone());
        }
        choices.delivery = match self.delivery {
            DeliveryMode::Draft => Delivery::Draft,
            DeliveryMode::Send => Delivery::Send {
                subject: self.subject.trim().to_owned(),
                message: self.message.trim().to_owned(),
            },
        };
        if errors.is_empty() {
            Ok((choices, contents))
        } else {
            Err(errors)
        }
    }

    /// The engine's problems with the choices made by [`to_choices`](Self::to_choices), put on
    /// the form fields they belong to (participants on their row, files on `files`, …).
    pub fn errors_for(&self, invalid: &InvalidChoices) -> FieldErrors {
        let rows: Vec<usize> = self.included_rows().map(|r| r.row).collect();
        let mut errors = FieldErrors::new();
        for problem in invalid.problems() {
            let key = match problem.field() {
                ChoiceField::Name => "name".to_owned(),
                ChoiceField::Workspace | ChoiceField::Template => "template".to_owned(),
                ChoiceField::Participants => "participants".to_owned(),
                ChoiceField::Participant { index, part } => match rows.get(index) {
                    Some(row) => match part {
                        ParticipantPart::DeliveryChannel => format!("p{row}.channel"),
                        ParticipantPart::SignMethod => format!("p{row}.sign"),
                        ParticipantPart::Person | ParticipantPart::Party => format!("p{row}"),
                    },
                    None => "participants".to_owned(),
                },
                ChoiceField::File { .. } => "files".to_owned(),
                ChoiceField::Subject => "subject".to_owned(),
                ChoiceField::Message => "message".to_owned(),
                _ => FORM_KEY.to_owned(),
            };
            errors.add(key, problem.to_string());
        }
        errors
    }
}

/// A random request key shaped like a UUID (version 4 layout), rendered into each create
/// form so that a double submit creates one contract.
pub fn new_request_key() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The settings form as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SettingsForm {
    /// The CSRF token the form carried.
    pub csrf: String,
    /// The stage-mapping toggle (a checkbox: absent means off).
    pub stage_mapping_enabled: bool,
    /// The multi-contract rule (`None`: unreadable).
    pub multi_contract_rule: Option<MultiContractRule>,
    /// Won reason id (`None`: none).
    pub won_reason_id: Option<i32>,
    /// Lost reason id (`None`: none).
    pub lost_reason_id: Option<i32>,
    /// Archive signed PDFs (a checkbox).
    pub archive_signed_pdf: bool,
    /// The document template of archived PDFs (`None`: none).
    pub archive_document_template_id: Option<i32>,
    /// Problems found while reading.
    pub errors: FieldErrors,
}

/// The form value of a multi-contract rule.
pub fn rule_value(rule: MultiContractRule) -> &'static str {
    match rule {
        MultiContractRule::LatestContract => "latest_contract",
        MultiContractRule::AllMustSign => "all_must_sign",
        MultiContractRule::AnySigned => "any_signed",
    }
}

fn optional_id(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<i32> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i32>() {
        Ok(id) if id > 0 => Some(id),
        _ => {
            errors.add(field, "Enter a positive whole number, or leave it empty.");
            None
        }
    }
}

impl SettingsForm {
    /// Reads a url-encoded settings body (`csrf`, `stage_mapping_enabled`,
    /// `multi_contract_rule`, `won_reason_id`, `lost_reason_id`, `archive_signed_pdf`,
    /// `archive_document_template_id`).
    pub fn from_urlencoded(body: &[u8]) -> Self {
        let mut form = SettingsForm {
            multi_contract_rule: Some(MultiContractRule::default()),
            ..Default::default()
        };
        let mut errors = FieldErrors::new();
        for (key, value) in url::form_urlencoded::parse(body) {
            match key.as_ref() {
                "csrf" => form.csrf = value.into_owned(),
                "stage_mapping_enabled" => form.stage_mapping_enabled = !value.is_empty(),
                "archive_signed_pdf" => form.archive_signed_pdf = !value.is_empty(),
                "multi_contract_rule" => {
                    form.multi_contract_rule = match value.trim() {
                        "latest_contract" => Some(MultiContractRule::LatestContract),
                        "all_must_sign" => Some(MultiContractRule::AllMustSign),
                        "any_signed" => Some(MultiContractRule::AnySigned),
                        _ => {
                            errors.add("multi_contract_rule", "Choose one of the rules.");
                            None
                        }
                    }
                }
                "won_reason_id" => {
                    form.won_reason_id = optional_id(&mut errors, "won_reason_id", &value)
                }
                "lost_reason_id" => {
                    form.lost_reason_id = optional_id(&mut errors, "lost_reason_id", &value)
                }
                "archive_document_template_id" => {
                    form.archive_document_template_id =
                        optional_id(&mut errors, "archive_document_template_id", &value)
                }
                _ => {}
            }
        }
        form.errors = errors;
        form
    }

    /// The new settings: `current` with this form's fields applied (what the form does not
    /// show, such as field mappings and stages, stays as it is), or the problems.
    pub fn apply_to(&self, current: &Settings) -> Result<Settings, FieldErrors> {
        if !self.errors.is_empty() {
            return Err(self.errors.clone());
        }
        let mut settings = current.clone();
        settings.stage_mapping.stage_mapping_enabled = self.stage_mapping_enabled;
        if let Some(rule) = self.multi_contract_rule {
            settings.stage_mapping.multi_contract_rule = rule;
        }
        settings.stage_mapping.won_reason_id = self.won_reason_id;
        settings.stage_mapping.lost_reason_id = self.lost_reason_id;
        settings.archive_signed_pdf = self.archive_signed_pdf;
        settings.archive_document_template_id = self.archive_document_template_id;
        Ok(settings)
    }
}

/// The user groups ticked in the "hide the panel from" form (`hide` repeated), or the
/// problem.
pub fn hidden_groups(body: &[u8]) -> Result<Vec<i32>, FieldErrors> {
    let mut groups = Vec::new();
    let mut errors = FieldErrors::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        if key == "hide" {
            match value.trim().parse::<i32>() {
                Ok(id) if id > 0 => groups.push(id),
                _ => errors.add("hide", "A user group could not be read; reload the page."),
            }
        }
    }
    if errors.is_empty() {
        Ok(groups)
    } else {
        Err(errors)
    }
}

/// Reads one text field of a url-encoded body (e.g. `csrf` or the typed confirmation).
pub fn text_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Checks the typed confirmation of "Remove integration" (`confirm` must be the tenant id,
/// compared without regard to case and surrounding spaces).
pub fn confirm_removal(body: &[u8], tenant: &str) -> Result<(), FieldErrors> {
    let typed = text_field(body, "confirm").unwrap_or_default();
    if typed.trim().eq_ignore_ascii_case(tenant.trim()) && !tenant.trim().is_empty() {
        return Ok(());
    }
    let mut errors = FieldErrors::new();
    errors.add(
        "confirm",
        format!("Type the tenant id {tenant} to confirm; nothing was removed."),
    );
    Err(errors)
}
