//! From a SuperOffice Sale and the user's choices to a checked Oneflow create request.
//!
//! The engine gathers what it knows about the Sale into a [`SaleContext`] (the Sale, its
//! company and persons, the Sale owner, the acting user, the e-mails of the account's active
//! Oneflow users and the installation's [`FieldMappings`]), what it knows about the chosen
//! template into [`TemplateFacts`], and what the user picked in the panel into
//! [`ContractChoices`]. A [`ContractFactory`] turns the three into a [`ContractPlan`]: the
//! [`ContractDraft`] to send to `POST /contracts/create`, the files to upload afterwards and the
//! publish step. Nothing is sent by the factory; it is pure and synchronous.
//!
//! Every problem is found before any call: [`ContractFactory::plan`] returns **all** of them at
//! once in an [`InvalidChoices`] error, each [`ChoiceProblem`] naming the form field it belongs
//! to ([`ChoiceProblem::field`]) and saying in plain words what to do.
//!
//! # The default rules ([`DefaultContractFactory`])
//!
//! - **Name**: the user's name, or else the Sale heading cut to
//!   [`MAX_CONTRACT_NAME_LEN`] (130) characters on a character boundary
//!   ([`default_contract_name`]). A name the user typed is never cut: longer than 130
//!   characters is a problem.
//! - **Template and workspace**: the chosen template must be the one the facts describe, and the
//!   workspace one of those where the user may create contracts from it.
//! - **Acting user**: must be an active Oneflow user (Oneflow creates the contract as that user).
//! - **Parties**: participants whose party is [`PartyKind::Company`] form one company party made
//!   from the Sale's company (name, organisation number, country code); each
//!   [`PartyKind::Individual`] participant is an individual party of its own;
//!   [`PartyKind::Owner`] participants go to the owner side (`my_party`) and must be active
//!   Oneflow users — the Sale owner or a person whose e-mail matches one (compared without
//!   regard to case; the e-mail is sent as Oneflow spells it). The Sale owner can only be on the
//!   owner side. Nobody appears twice (the same person, or two listings that are the same
//!   Oneflow user). A counterparty's e-mail must look like an address.
//! - **Delivery and signing**: a counterparty participant needs a delivery channel; the channel
//!   and the sign method must be among the template's `available_options` (an empty list in
//!   [`TemplateFacts`] means the template states no restriction). The e-mail channels need an
//!   e-mail; the SMS channels and the SMS sign method need a mobile number that reads as
//!   E.164 (`+46 70-123 45 67` and `0046701234567` are read as `+46701234567`; the person's
//!   mobile is preferred over the phone).
//! - **Data fields**: always the link fields ([`LinkFields`]: tenant, Sale id, request key),
//!   which the template type must define; then each [`FieldMapping`] whose source has a value on
//!   this Sale (a source without a value leaves the template's default). A mapping to a data
//!   field the template type lacks is a problem by default, or skipped and reported in
//!   [`ContractPlan::skipped_mappings`] under [`MissingDataField::Skip`].
//! - **Contract value**: the Sale amount with two decimals and the Sale currency, when the
//!   amount is a finite, non-negative number.
//! - **Files**: a PDF needs the template's "PDF document" section and a `.pdf` name (at most one
//!   PDF: a second would replace the first); an attachment needs the "Attachments" section and
//!   an extension Oneflow accepts ([`ATTACHMENT_EXTENSIONS`]); no empty files.
//! - **Send**: a subject and a message; a draft publishes nothing.
//! - Finally, when nothing else is wrong, the client's own [`ContractDraft::validate`] (Oneflow's
//!   documented limits) runs on the built draft; its complaint becomes
//!   [`ChoiceProblem::Draft`].
//!
//! # Sources
//!
//! The limits and wire shapes are Oneflow's create-a-contract reference as the client records
//! them in `oneflow-client/FIDELITY.md` (130-character names, a delivery channel on every
//! counterparty, owner-side participants as active users, data fields by `custom_id`,
//! `available_options`, the two file sections). Inferred, not documented: that the SMS sign
//! method needs a phone number like the SMS channel does, and that Oneflow wants the owner-side
//! e-mail as the user's account spells it (matching is case-insensitive here either way).
//!
//! # Example
//!
//! ```
//! use std::collections::BTreeSet;
//! use integration_core::policy::contract_factory::*;
//! use oneflow_client::models::draft::ParticipantRole;
//! use oneflow_client::models::{DeliveryChannel, SignMethod, TemplateId, WorkspaceId};
//!
//! let sale = SaleContext {
//!     tenant: "Cust26759".into(),
//!     sale: SaleFacts {
//!         id: 4711,
//!         heading: "Acme AB – licence 2026".into(),
//!         amount: Some(25000.0),
//!         currency: Some("SEK".into()),
//!         person_id: Some(17),
//!     },
//!     company: Some(CompanyFacts {
//!         name: "Acme AB".into(),
//!         org_number: Some("556000-1234".into()),
//!         country_code: Some("SE".into()),
//!     }),
//!     persons: vec![PersonFacts {
//!         id: 17,
//!         first_name: "Ann".into(),
//!         last_name: "Buyer".into(),
//!         full_name: None,
//!         email: Some("ann@acme.example".into()),
//!         mobile: None,
//!         phone: None,
//!         title: Some("CEO".into()),
//!     }],
//!     owner: OwnerFacts {
//!         associate_id: 5,
//!         name: "Sam Seller".into(),
//!         email: Some("sam@ourco.example".into()),
//!     },
//!     acting_user_email: "sam@ourco.example".into(),
//!     active_oneflow_users: BTreeSet::from(["sam@ourco.example".to_owned()]),
//!     field_mappings: FieldMappings::default(),
//!     link_fields: LinkFields::default(),
//! };
//! let template = TemplateFacts {
//!     template_id: TemplateId(756510),
//!     workspace_ids: BTreeSet::from([WorkspaceId(130406)]),
//!     delivery_channels: vec![DeliveryChannel::Email],
//!     sign_methods: vec![SignMethod::StandardEsign],
//!     has_pdf_section: false,
//!     has_attachments_section: true,
//!     data_field_custom_ids: LinkFields::default().custom_ids().map(str::to_owned).collect(),
//! };
//! let mut choices = ContractChoices::new(WorkspaceId(130406), TemplateId(756510), "req-1");
//! choices.participants = vec![
//!     ParticipantChoice::new(ParticipantSource::Person(17), PartyKind::Company, ParticipantRole::Signatory)
//!         .delivery_channel(DeliveryChannel::Email),
//!     ParticipantChoice::new(ParticipantSource::SaleOwner, PartyKind::Owner, ParticipantRole::Signatory),
//! ];
//!
//! let plan = DefaultContractFactory.plan(&sale, &template, &choices).unwrap();
//! assert_eq!(plan.draft.name.as_deref(), Some("Acme AB – licence 2026"));
//! assert!(plan.publish.is_none()); // a draft
//!
//! // The same choices on a template without an Attachments section, with a file:
//! choices.files.push(FileChoice::new("terms.docx", "application/msword", 2048, FileKind::Attachment));
//! let no_sections = TemplateFacts { has_attachments_section: false, ..template };
//! let err = DefaultContractFactory.plan(&sale, &no_sections, &choices).unwrap_err();
//! assert_eq!(err.problems()[0].field().to_string(), "files[0]");
//! ```

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use oneflow_client::models::draft::{
    CompanyPartyDraft, ContractDraft, IndividualPartyDraft, MyPartyDraft, ParticipantDraft,
    ParticipantRole, PublishMessage, MAX_CONTRACT_NAME_LEN,
};
use oneflow_client::models::{
    AvailableOptions, DeliveryChannel, Money, SignMethod, TemplateId, UploadKind, WorkspaceId,
    ATTACHMENT_EXTENSIONS,
};
use serde::{Deserialize, Serialize};

mod problem;

pub use problem::{ChoiceField, ChoiceProblem, InvalidChoices, ParticipantPart};

/// Builds the Oneflow create request for a Sale. Pure and synchronous: no I/O, no clock.
///
/// Replace it to change how contracts are put together; [`DefaultContractFactory`] documents
/// the defaults (see the [module documentation](self)).
pub trait ContractFactory: Send + Sync + fmt::Debug {
    /// The checked plan for one contract, or every problem with the choices at once.
    fn plan(
        &self,
        sale: &SaleContext,
        template: &TemplateFacts,
        choices: &ContractChoices,
    ) -> Result<ContractPlan, InvalidChoices>;
}

// ---------------------------------------------------------------------------------------------
// Input: the Sale side
// ---------------------------------------------------------------------------------------------

/// Everything the factory knows about the Sale and the people around it, filled by the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct SaleContext {
    /// The SuperOffice tenant (`Cust12345`), written to the tenant link field.
    pub tenant: String,
    /// The Sale.
    pub sale: SaleFacts,
    /// The Sale's company, if it has one.
    pub company: Option<CompanyFacts>,
    /// The persons the user may pick as participants (the company's persons and the Sale's
    /// person).
    pub persons: Vec<PersonFacts>,
    /// The Sale's owner (a SuperOffice associate).
    pub owner: OwnerFacts,
    /// The e-mail of the user creating the contract (Oneflow's `x-oneflow-user-email`).
    pub acting_user_email: String,
    /// E-mails of the account's **active** Oneflow users (any case).
    pub active_oneflow_users: BTreeSet<String>,
    /// Which Sale, company and person values go to which data fields.
    pub field_mappings: FieldMappings,
    /// The custom ids of the link data fields.
    pub link_fields: LinkFields,
}

/// The Sale itself.
#[derive(Debug, Clone, PartialEq)]
pub struct SaleFacts {
    /// SuperOffice Sale id.
    pub id: i32,
    /// The Sale's heading (the default contract name).
    pub heading: String,
    /// The Sale's amount, if set.
    pub amount: Option<f64>,
    /// The Sale's currency code (ISO 4217, e.g. `SEK`), if known.
    pub currency: Option<String>,
    /// The Sale's own contact person, if any ([`PersonSlot::SalePerson`]).
    pub person_id: Option<i32>,
}

/// The Sale's company (a SuperOffice contact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyFacts {
    /// Company name.
    pub name: String,
    /// Organisation number, if registered.
    pub org_number: Option<String>,
    /// ISO 3166-1 alpha-2 country code (e.g. `SE`), if known.
    pub country_code: Option<String>,
}

/// A SuperOffice person who may become a participant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFacts {
    /// SuperOffice person id.
    pub id: i32,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Full name as SuperOffice formats it; used instead of first and last name when given.
    pub full_name: Option<String>,
    /// Primary e-mail.
    pub email: Option<String>,
    /// Mobile number (preferred for SMS).
    pub mobile: Option<String>,
    /// Other phone number.
    pub phone: Option<String>,
    /// Title, e.g. "CEO".
    pub title: Option<String>,
}

impl PersonFacts {
    /// The name shown on the contract: the full name, or else first and last name.
    pub fn display_name(&self) -> String {
        match non_blank(&self.full_name) {
            Some(full) => full.to_owned(),
            None => format!("{} {}", self.first_name.trim(), self.last_name.trim())
                .trim()
                .to_owned(),
        }
    }
}

/// The Sale's owner (a SuperOffice associate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerFacts {
    /// SuperOffice associate id.
    pub associate_id: i32,
    /// Name.
    pub name: String,
    /// E-mail, if known.
    pub email: Option<String>,
}

/// A Sale, company or person value that can fill a data field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SourceField {
    /// The Sale id.
    SaleId,
    /// The Sale heading.
    SaleHeading,
    /// The Sale amount, with two decimals.
    SaleAmount,
    /// The Sale currency.
    SaleCurrency,
    /// The Sale owner's name.
    SaleOwnerName,
    /// The Sale owner's e-mail.
    SaleOwnerEmail,
    /// The company name.
    CompanyName,
    /// The company's organisation number.
    CompanyOrgNumber,
    /// The company's country code.
    CompanyCountryCode,
    /// A person's name.
    PersonName(PersonSlot),
    /// A person's e-mail.
    PersonEmail(PersonSlot),
    /// A person's mobile (or else other) phone number, as SuperOffice holds it.
    PersonPhone(PersonSlot),
    /// A person's title.
    PersonTitle(PersonSlot),
}

impl fmt::Display for SourceField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SaleId => f.write_str("the Sale id"),
            Self::SaleHeading => f.write_str("the Sale heading"),
            Self::SaleAmount => f.write_str("the Sale amount"),
            Self::SaleCurrency => f.write_str("the Sale currency"),
            Self::SaleOwnerName => f.write_str("the Sale owner's name"),
            Self::SaleOwnerEmail => f.write_str("the Sale owner's e-mail"),
            Self::CompanyName => f.write_str("the company name"),
            Self::CompanyOrgNumber => f.write_str("the company's organisation number"),
            Self::CompanyCountryCode => f.write_str("the company's country code"),
            Self::PersonName(slot) => write!(f, "the name of {slot}"),
            Self::PersonEmail(slot) => write!(f, "the e-mail of {slot}"),
            Self::PersonPhone(slot) => write!(f, "the phone number of {slot}"),
            Self::PersonTitle(slot) => write!(f, "the title of {slot}"),
        }
    }
}

/// Which person a person field is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PersonSlot {
    /// The Sale's own contact person ([`SaleFacts::person_id`]).
    SalePerson,
    /// The first counterparty signatory the user picked.
    FirstSignatory,
}

impl fmt::Display for PersonSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SalePerson => "the Sale's person",
            Self::FirstSignatory => "the first signatory",
        })
    }
}

/// One mapping: a source value → a data field of the template type (by custom id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMapping {
    /// Where the value comes from.
    pub source: SourceField,
    /// The data field's custom id.
    pub data_field: String,
}

/// What to do with a mapping whose data field the template type does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingDataField {
    /// Report a [`ChoiceProblem::MappedFieldNotOnTemplateType`] (the default: a typo in the
    /// settings shows at once instead of silently losing data).
    #[default]
    Refuse,
    /// Leave the mapping out and list it in [`ContractPlan::skipped_mappings`].
    Skip,
}

/// The installation's data field mappings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FieldMappings {
    /// The mappings, applied in order.
    pub mappings: Vec<FieldMapping>,
    /// What a mapping to a data field the template type lacks does.
    pub missing_data_field: MissingDataField,
}

impl FieldMappings {
    /// No mappings; a missing data field is refused.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a mapping.
    #[must_use]
    pub fn map(mut self, source: SourceField, data_field: impl Into<String>) -> Self {
        self.mappings.push(FieldMapping {
            source,
            data_field: data_field.into(),
        });
        self
    }
}

/// Custom id of the tenant link field, by default.
pub const DEFAULT_TENANT_FIELD: &str = "superoffice_tenant";
/// Custom id of the Sale id link field, by default.
pub const DEFAULT_SALE_ID_FIELD: &str = "superoffice_sale_id";
/// Custom id of the request key link field, by default.
pub const DEFAULT_REQUEST_KEY_FIELD: &str = "superoffice_request_key";

/// The custom ids of the data fields that link a contract to its Sale. Always written.
///
/// Defaults: [`DEFAULT_TENANT_FIELD`] (`superoffice_tenant`), [`DEFAULT_SALE_ID_FIELD`]
/// (`superoffice_sale_id`) and [`DEFAULT_REQUEST_KEY_FIELD`] (`superoffice_request_key`). Setup
/// adds them to the "SuperOffice" template type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkFields {
    /// Holds the tenant (`Cust12345`).
    pub tenant: String,
    /// Holds the Sale id.
    pub sale_id: String,
    /// Holds the request key that makes creation idempotent.
    pub request_key: String,
}

impl Default for LinkFields {
    fn default() -> Self {
        Self {
            tenant: DEFAULT_TENANT_FIELD.to_owned(),
            sale_id: DEFAULT_SALE_ID_FIELD.to_owned(),
            request_key: DEFAULT_REQUEST_KEY_FIELD.to_owned(),
        }
    }
}

impl LinkFields {
    /// The three custom ids: tenant, Sale id, request key.
    pub fn custom_ids(&self) -> impl Iterator<Item = &str> {
        [
            self.tenant.as_str(),
            self.sale_id.as_str(),
            self.request_key.as_str(),
        ]
        .into_iter()
    }
}

// ---------------------------------------------------------------------------------------------
// Input: the template
// ---------------------------------------------------------------------------------------------

/// What the factory needs to know about the chosen template, filled by the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateFacts {
    /// Oneflow template id.
    pub template_id: TemplateId,
    /// Workspaces where the acting user may create contracts from this template
    /// (from `contract_create_data`).
    pub workspace_ids: BTreeSet<WorkspaceId>,
    /// Delivery channels the template offers (empty: no restriction stated).
    pub delivery_channels: Vec<DeliveryChannel>,
    /// Sign methods the template offers (empty: no restriction stated).
    pub sign_methods: Vec<SignMethod>,
    /// The template has a "PDF document" section.
    pub has_pdf_section: bool,
    /// The template has an "Attachments" section.
    pub has_attachments_section: bool,
    /// Custom ids of the data fields the template's type defines.
    pub data_field_custom_ids: BTreeSet<String>,
}

impl TemplateFacts {
    /// Facts from a template's `available_options`; workspaces and data fields still to fill.
    pub fn from_available_options(template_id: TemplateId, options: &AvailableOptions) -> Self {
        Self {
            template_id,
            workspace_ids: BTreeSet::new(),
            delivery_channels: options
                .delivery_channels
                .iter()
                .map(|o| o.name.clone())
                .collect(),
            sign_methods: options
                .sign_methods
                .iter()
                .map(|o| o.name.clone())
                .collect(),
            has_pdf_section: options.can_receive_expanded_pdf,
            has_attachments_section: options.can_receive_attachments,
            data_field_custom_ids: BTreeSet::new(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Input: the user's choices
// ---------------------------------------------------------------------------------------------

/// Who a participant is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParticipantSource {
    /// A person from [`SaleContext::persons`], by SuperOffice person id.
    Person(i32),
    /// The Sale's owner.
    SaleOwner,
}

/// Which party a participant belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartyKind {
    /// The Sale's company (one company party for all such participants).
    Company,
    /// A private person: a party of their own.
    Individual,
    /// The owner side (`my_party`): an active Oneflow user of the account.
    Owner,
}

/// One participant as the user picked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantChoice {
    /// Who.
    pub source: ParticipantSource,
    /// Which party.
    pub party: PartyKind,
    /// Signatory, influencer or viewer.
    pub role: ParticipantRole,
    /// How the participant receives the contract (required for counterparties).
    pub delivery_channel: Option<DeliveryChannel>,
    /// How the participant signs (`None`: the template's default).
    pub sign_method: Option<SignMethod>,
}

impl ParticipantChoice {
    /// A participant without delivery channel or sign method yet.
    pub fn new(source: ParticipantSource, party: PartyKind, role: ParticipantRole) -> Self {
        Self {
            source,
            party,
            role,
            delivery_channel: None,
            sign_method: None,
        }
    }

    /// Sets the delivery channel.
    #[must_use]
    pub fn delivery_channel(mut self, channel: DeliveryChannel) -> Self {
        self.delivery_channel = Some(channel);
        self
    }

    /// Sets the sign method.
    #[must_use]
    pub fn sign_method(mut self, method: SignMethod) -> Self {
        self.sign_method = Some(method);
        self
    }
}

/// Where a file goes on the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// Shown inline as the "PDF document" section.
    Pdf,
    /// Listed in the "Attachments" section.
    Attachment,
}

impl FileKind {
    /// The matching Oneflow upload kind.
    pub fn upload_kind(self) -> UploadKind {
        match self {
            Self::Pdf => UploadKind::ExpandedPdf,
            Self::Attachment => UploadKind::Attachment,
        }
    }
}

/// A file the user wants on the contract (the engine holds the bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChoice {
    /// File name, with its extension.
    pub name: String,
    /// MIME type, e.g. `application/pdf`.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// PDF section or attachment.
    pub kind: FileKind,
}

impl FileChoice {
    /// A file.
    pub fn new(
        name: impl Into<String>,
        content_type: impl Into<String>,
        size: u64,
        kind: FileKind,
    ) -> Self {
        Self {
            name: name.into(),
            content_type: content_type.into(),
            size,
            kind,
        }
    }
}

/// Keep the contract as a draft, or send it for signing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Create the contract as a draft; nothing is sent to participants.
    #[default]
    Draft,
    /// Publish the contract with this invitation.
    Send {
        /// Subject line of the invitation.
        subject: String,
        /// Message text of the invitation.
        message: String,
    },
}

/// What the user chose in the panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractChoices {
    /// Contract name (`None`: the Sale heading, cut to 130 characters).
    pub name: Option<String>,
    /// Workspace to create the contract in.
    pub workspace_id: WorkspaceId,
    /// Template to create it from.
    pub template_id: TemplateId,
    /// Participants, in the order the user listed them.
    pub participants: Vec<ParticipantChoice>,
    /// Files to upload after creating.
    pub files: Vec<FileChoice>,
    /// Draft or send.
    pub delivery: Delivery,
    /// The key that makes a retried or double-submitted request create one contract.
    pub request_key: String,
}

impl ContractChoices {
    /// Choices with the default name, no participants, no files, as a draft.
    pub fn new(
        workspace_id: WorkspaceId,
        template_id: TemplateId,
        request_key: impl Into<String>,
    ) -> Self {
        Self {
            name: None,
            workspace_id,
            template_id,
            participants: Vec::new(),
            files: Vec::new(),
            delivery: Delivery::Draft,
            request_key: request_key.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/// A file upload to do after the contract exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedUpload {
    /// Index of the file in [`ContractChoices::files`].
    pub file_index: usize,
    /// File name.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// How Oneflow shows it (`upload_as`).
    pub upload_as: UploadKind,
}

/// Why a mapping was left out of the draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedMapping {
    /// The mapping.
    pub mapping: FieldMapping,
    /// Why.
    pub reason: SkipReason,
}

/// Why a mapping was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// The template type does not define the data field (under [`MissingDataField::Skip`]).
    NotOnTemplateType,
    /// The source has no value on this Sale; the template's default stays.
    NoValue,
}

/// The checked result: what the engine sends, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractPlan {
    /// The body of `POST /contracts/create`.
    pub draft: ContractDraft,
    /// The Oneflow user the contract is created as (`x-oneflow-user-email`), spelt as Oneflow
    /// has it.
    pub act_as: String,
    /// The uploads, in the user's order.
    pub uploads: Vec<PlannedUpload>,
    /// The publish step; `None` keeps the contract as a draft.
    pub publish: Option<PublishMessage>,
    /// Mappings that did not reach the draft, and why.
    pub skipped_mappings: Vec<SkippedMapping>,
}

// ---------------------------------------------------------------------------------------------
// The default
// ---------------------------------------------------------------------------------------------

/// The Sale heading as a contract name: trimmed and cut to [`MAX_CONTRACT_NAME_LEN`] (130)
/// characters, never inside a character.
///
/// ```
/// # use integration_core::policy::contract_factory::default_contract_name;
/// let heading = "Å".repeat(200);
/// assert_eq!(default_contract_name(&heading).chars().count(), 130);
/// ```
pub fn default_contract_name(heading: &str) -> String {
    let cut: String = heading.trim().chars().take(MAX_CONTRACT_NAME_LEN).collect();
    cut.trim_end().to_owned()
}

/// The documented default rules (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultContractFactory;

fn non_blank(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A phone number as E.164 (`+` and 8–15 digits), read leniently: a trunk prefix written
/// `(0)` is dropped, so are spaces, dashes, dots, slashes and brackets, and a leading `00`
/// becomes `+`.
fn e164(raw: &str) -> Option<String> {
    let kept: String = raw
        .replace("(0)", "")
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}'))
        .collect();
    let digits = if let Some(rest) = kept.strip_prefix('+') {
        rest
    } else {
        kept.strip_prefix("00")?
    };
    let ok = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then(|| format!("+{digits}"))
}

fn amount_text(amount: Option<f64>) -> Option<String> {
    amount
        .filter(|a| a.is_finite() && *a >= 0.0)
        .map(|a| format!("{a:.2}"))
}

fn needs_email(channel: Option<&DeliveryChannel>) -> bool {
    matches!(
        channel,
        Some(DeliveryChannel::Email | DeliveryChannel::EmailAndSms)
    )
}

fn needs_phone(channel: Option<&DeliveryChannel>) -> bool {
    matches!(
        channel,
        Some(DeliveryChannel::Sms | DeliveryChannel::EmailAndSms)
    )
}

/// A participant's contact details, resolved from the Sale.
struct Contact {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    title: Option<String>,
    person_id: Option<i32>,
}

impl Contact {
    fn person(person: &PersonFacts) -> Self {
        let name = person.display_name();
        Self {
            name: (!name.is_empty()).then_some(name),
            email: non_blank(&person.email).map(str::to_owned),
            phone: [&person.mobile, &person.phone]
                .into_iter()
                .find_map(|p| non_blank(p).and_then(e164)),
            title: non_blank(&person.title).map(str::to_owned),
            person_id: Some(person.id),
        }
    }

    fn owner(owner: &OwnerFacts) -> Self {
        Self {
            name: Some(owner.name.trim().to_owned()).filter(|n| !n.is_empty()),
            email: non_blank(&owner.email).map(str::to_owned),
            phone: None,
            title: None,
            person_id: None,
        }
    }

    fn draft(&self, choice: &ParticipantChoice) -> ParticipantDraft {
        let mut draft = ParticipantDraft::default().role(choice.role);
        if let Some(name) = &self.name {
            draft = draft.name(name);
        }
        if let Some(email) = &self.email {
            draft = draft.email(email);
        }
        if let Some(phone) = &self.phone {
            draft = draft.phone_number(phone);
        }
        if let Some(title) = &self.title {
            draft = draft.title(title);
        }
        if let Some(channel) = &choice.delivery_channel {
            draft = draft.delivery_channel(channel.clone());
        }
        if let Some(method) = &choice.sign_method {
            draft = draft.sign_method(method.clone());
        }
        if let Some(id) = self.person_id {
            draft = draft.custom_id(id.to_string());
        }
        draft
    }
}

/// Who a participant is, for spotting the same one listed twice.
#[derive(PartialEq)]
enum Identity {
    Source(ParticipantSource),
    /// An owner-side Oneflow user, by lower-case e-mail.
    OneflowUser(String),
}

/// The index where `identity` was first listed, or `None` after recording it at `index`.
fn first_listing(
    seen: &mut Vec<(Identity, usize)>,
    identity: Identity,
    index: usize,
) -> Option<usize> {
    match seen.iter().find(|(known, _)| *known == identity) {
        Some(&(_, first)) => Some(first),
        None => {
            seen.push((identity, index));
            None
        }
    }
}

/// One `@` with something on both sides, a dot in the domain, no spaces: enough to catch a
/// phone number or a note typed into SuperOffice's e-mail field.
fn plausible_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn active_user<'a>(users: &'a BTreeSet<String>, email: &str) -> Option<&'a str> {
    let email = email.trim();
    users
        .iter()
        .map(|u| u.trim())
        .find(|u| u.eq_ignore_ascii_case(email))
}

/// Builds the draft while collecting problems.
struct Builder<'a> {
    sale: &'a SaleContext,
    template: &'a TemplateFacts,
    choices: &'a ContractChoices,
    problems: Vec<ChoiceProblem>,
}

impl Builder<'_> {
    fn name(&mut self) -> String {
        let name = match &self.choices.name {
            Some(name) => name.trim().to_owned(),
            None => default_contract_name(&self.sale.sale.heading),
        };
        let length = name.chars().count();
        if name.is_empty() {
            self.problems.push(ChoiceProblem::NameEmpty);
        } else if length > MAX_CONTRACT_NAME_LEN {
            self.problems.push(ChoiceProblem::NameTooLong {
                length,
                max: MAX_CONTRACT_NAME_LEN,
            });
        }
        name
    }

    fn template_and_workspace(&mut self) {
        if self.choices.template_id != self.template.template_id {
            self.problems.push(ChoiceProblem::TemplateMismatch {
                chosen: self.choices.template_id,
                described: self.template.template_id,
            });
        }
        if !self
            .template
            .workspace_ids
            .contains(&self.choices.workspace_id)
        {
            self.problems.push(ChoiceProblem::WorkspaceNotAllowed {
                workspace_id: self.choices.workspace_id,
            });
        }
    }

    fn act_as(&mut self) -> String {
        let email = &self.sale.acting_user_email;
        match active_user(&self.sale.active_oneflow_users, email) {
            Some(user) => user.to_owned(),
            None => {
                self.problems.push(ChoiceProblem::ActingUserNotOneflowUser {
                    email: email.trim().to_owned(),
                });
                email.trim().to_owned()
            }
        }
    }

    fn offered<T: PartialEq>(offered: &[T], value: &T) -> bool {
        offered.is_empty() || offered.contains(value)
    }

    /// Checks one participant; `Some` with its draft when it can be built.
    fn participant(
        &mut self,
        index: usize,
        choice: &ParticipantChoice,
        seen: &mut Vec<(Identity, usize)>,
    ) -> Option<ParticipantDraft> {
        use ChoiceProblem as P;
        let before = self.problems.len();
        let mut contact = match choice.source {
            ParticipantSource::SaleOwner => Contact::owner(&self.sale.owner),
            ParticipantSource::Person(person_id) => {
                match self.sale.persons.iter().find(|p| p.id == person_id) {
                    Some(person) => Contact::person(person),
                    None => {
                        self.problems.push(P::UnknownPerson { index, person_id });
                        return None;
                    }
                }
            }
        };
        let mut repeat_of = first_listing(seen, Identity::Source(choice.source), index);

        let channel = choice.delivery_channel.as_ref();
        match choice.party {
            PartyKind::Owner => {
                let user = contact
                    .email
                    .as_deref()
                    .and_then(|e| active_user(&self.sale.active_oneflow_users, e));
                match user {
                    Some(user) => {
                        // Two listings can be one Oneflow user (the owner is also a person).
                        let key = Identity::OneflowUser(user.to_lowercase());
                        repeat_of = repeat_of.or(first_listing(seen, key, index));
                        // Sent as Oneflow spells it.
                        contact.email = Some(user.to_owned());
                    }
                    None => self.problems.push(P::NotAnActiveOneflowUser {
                        index,
                        email: contact.email.clone(),
                    }),
                }
            }
            PartyKind::Company | PartyKind::Individual => {
                if choice.source == ParticipantSource::SaleOwner {
                    self.problems.push(P::OwnerNotOnOwnerSide { index });
                }
                if choice.party == PartyKind::Company && self.sale.company.is_none() {
                    self.problems.push(P::NoCompanyOnSale { index });
                }
                if contact.name.is_none() {
                    self.problems.push(P::NameMissing { index });
                }
                if contact
                    .email
                    .as_deref()
                    .is_some_and(|e| !plausible_email(e))
                {
                    self.problems.push(P::EmailInvalid {
                        index,
                        email: contact.email.clone().unwrap_or_default(),
                    });
                }
                if channel.is_none() {
                    self.problems.push(P::DeliveryChannelMissing { index });
                }
            }
        }
        if let Some(first_index) = repeat_of {
            self.problems
                .push(P::DuplicateParticipant { index, first_index });
        }
        if let Some(channel) = channel {
            if !Self::offered(&self.template.delivery_channels, channel) {
                self.problems.push(P::DeliveryChannelNotOffered {
                    index,
                    channel: channel.clone(),
                });
            }
        }
        if let Some(method) = &choice.sign_method {
            if !Self::offered(&self.template.sign_methods, method) {
                self.problems.push(P::SignMethodNotOffered {
                    index,
                    method: method.clone(),
                });
            }
        }
        // The owner side's e-mail is covered by the active-user check.
        if choice.party != PartyKind::Owner && needs_email(channel) && contact.email.is_none() {
            self.problems.push(P::EmailMissing { index });
        }
        if contact.phone.is_none() {
            if needs_phone(channel) {
                self.problems.push(P::PhoneMissing {
                    index,
                    for_sign_method: false,
                });
            } else if choice.sign_method == Some(SignMethod::Sms) {
                self.problems.push(P::PhoneMissing {
                    index,
                    for_sign_method: true,
                });
            }
        }
        (self.problems.len() == before).then(|| contact.draft(choice))
    }

    fn files(&mut self) -> Vec<PlannedUpload> {
        use ChoiceProblem as P;
        let mut uploads = Vec::new();
        let mut pdf_seen = false;
        for (index, file) in self.choices.files.iter().enumerate() {
            let before = self.problems.len();
            let extension = match file.name.trim().rsplit_once('.') {
                Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
                _ => String::new(),
            };
            match file.kind {
                FileKind::Pdf => {
                    if !self.template.has_pdf_section {
                        self.problems.push(P::NoPdfSection { index });
                    } else if pdf_seen {
                        self.problems.push(P::SecondPdf { index });
                    }
                    pdf_seen = true;
                    if extension != "pdf" {
                        self.problems
                            .push(P::FileExtensionNotAccepted { index, extension });
                    }
                }
                FileKind::Attachment => {
                    if !self.template.has_attachments_section {
                        self.problems.push(P::NoAttachmentsSection { index });
                    }
                    if !ATTACHMENT_EXTENSIONS.contains(&extension.as_str()) {
                        self.problems
                            .push(P::FileExtensionNotAccepted { index, extension });
                    }
                }
            }
            if file.size == 0 {
                self.problems.push(P::FileEmpty { index });
            }
            if self.problems.len() == before {
                uploads.push(PlannedUpload {
                    file_index: index,
                    name: file.name.trim().to_owned(),
                    content_type: file.content_type.clone(),
                    upload_as: file.kind.upload_kind(),
                });
            }
        }
        uploads
    }

    fn publish(&mut self) -> Option<PublishMessage> {
        match &self.choices.delivery {
            Delivery::Draft => None,
            Delivery::Send { subject, message } => {
                if subject.trim().is_empty() {
                    self.problems.push(ChoiceProblem::SubjectEmpty);
                }
                if message.trim().is_empty() {
                    self.problems.push(ChoiceProblem::MessageEmpty);
                }
                Some(PublishMessage::new(subject.trim(), message.trim()))
            }
        }
    }

    fn person_in(&self, slot: PersonSlot) -> Option<&PersonFacts> {
        let id = match slot {
            PersonSlot::SalePerson => self.sale.sale.person_id?,
            PersonSlot::FirstSignatory => {
                self.choices.participants.iter().find_map(|p| {
                    match (p.source, p.party, p.role) {
                        (
                            ParticipantSource::Person(id),
                            PartyKind::Company | PartyKind::Individual,
                            ParticipantRole::Signatory,
                        ) => Some(id),
                        _ => None,
                    }
                })?
            }
        };
        self.sale.persons.iter().find(|p| p.id == id)
    }

    fn source_value(&self, source: SourceField) -> Option<String> {
        let sale = &self.sale.sale;
        let company = self.sale.company.as_ref();
        let text = |v: &Option<String>| non_blank(v).map(str::to_owned);
        let value = match source {
            SourceField::SaleId => Some(sale.id.to_string()),
            SourceField::SaleHeading => Some(sale.heading.trim().to_owned()),
            SourceField::SaleAmount => amount_text(sale.amount),
            SourceField::SaleCurrency => text(&sale.currency),
            SourceField::SaleOwnerName => Some(self.sale.owner.name.trim().to_owned()),
            SourceField::SaleOwnerEmail => text(&self.sale.owner.email),
            SourceField::CompanyName => company.map(|c| c.name.trim().to_owned()),
            SourceField::CompanyOrgNumber => company.and_then(|c| text(&c.org_number)),
            SourceField::CompanyCountryCode => company.and_then(|c| text(&c.country_code)),
            SourceField::PersonName(slot) => self.person_in(slot).map(PersonFacts::display_name),
            SourceField::PersonEmail(slot) => self.person_in(slot).and_then(|p| text(&p.email)),
            SourceField::PersonPhone(slot) => self
                .person_in(slot)
                .and_then(|p| text(&p.mobile).or_else(|| text(&p.phone))),
            SourceField::PersonTitle(slot) => self.person_in(slot).and_then(|p| text(&p.title)),
        };
        value.filter(|v| !v.is_empty())
    }

    /// The link fields first, then the mappings.
    fn data_fields(&mut self) -> (Vec<(String, String)>, Vec<SkippedMapping>) {
        use ChoiceProblem as P;
        let links = &self.sale.link_fields;
        let defined = &self.template.data_field_custom_ids;
        let mut fields = vec![
            (links.tenant.clone(), self.sale.tenant.trim().to_owned()),
            (links.sale_id.clone(), self.sale.sale.id.to_string()),
            (
                links.request_key.clone(),
                self.choices.request_key.trim().to_owned(),
            ),
        ];
        if self.choices.request_key.trim().is_empty() {
            self.problems.push(P::RequestKeyMissing);
        }
        for (custom_id, _) in &fields {
            if !defined.contains(custom_id) {
                self.problems.push(P::LinkFieldNotOnTemplateType {
                    data_field: custom_id.clone(),
                });
            }
        }
        let mut filled: HashSet<String> = fields.iter().map(|(id, _)| id.clone()).collect();
        let mut skipped = Vec::new();
        for mapping in &self.sale.field_mappings.mappings {
            let data_field = mapping.data_field.trim();
            if !filled.insert(data_field.to_owned()) {
                self.problems.push(P::MappingConflict {
                    data_field: data_field.to_owned(),
                });
                continue;
            }
            if !defined.contains(data_field) {
                match self.sale.field_mappings.missing_data_field {
                    MissingDataField::Refuse => {
                        self.problems.push(P::MappedFieldNotOnTemplateType {
                            data_field: data_field.to_owned(),
                        })
                    }
                    MissingDataField::Skip => skipped.push(SkippedMapping {
                        mapping: mapping.clone(),
                        reason: SkipReason::NotOnTemplateType,
                    }),
                }
                continue;
            }
            match self.source_value(mapping.source) {
                Some(value) => fields.push((data_field.to_owned(), value)),
                None => skipped.push(SkippedMapping {
                    mapping: mapping.clone(),
                    reason: SkipReason::NoValue,
                }),
            }
        }
        (fields, skipped)
    }
}

impl ContractFactory for DefaultContractFactory {
    fn plan(
        &self,
        sale: &SaleContext,
        template: &TemplateFacts,
        choices: &ContractChoices,
    ) -> Result<ContractPlan, InvalidChoices> {
        let mut b = Builder {
            sale,
            template,
            choices,
            problems: Vec::new(),
        };
        let name = b.name();
        b.template_and_workspace();
        let act_as = b.act_as();

        if choices.participants.is_empty() {
            b.problems.push(ChoiceProblem::NoParticipants);
        }
        let mut seen = Vec::new();
        let mut company_participants = Vec::new();
        let mut individuals = Vec::new();
        let mut owner_side = Vec::new();
        for (index, choice) in choices.participants.iter().enumerate() {
            if let Some(draft) = b.participant(index, choice, &mut seen) {
                match choice.party {
                    PartyKind::Company => company_participants.push(draft),
                    PartyKind::Individual => individuals.push(draft),
                    PartyKind::Owner => owner_side.push(draft),
                }
            }
        }
        let uploads = b.files();
        let publish = b.publish();
        let (data_fields, skipped_mappings) = b.data_fields();
        if !b.problems.is_empty() {
            return Err(InvalidChoices::new(b.problems));
        }

        let mut draft = ContractDraft::new(choices.workspace_id, template.template_id).name(name);
        if let Some(amount) = amount_text(sale.sale.amount) {
            draft = draft.value(match non_blank(&sale.sale.currency) {
                Some(currency) => Money::new(amount, currency.to_ascii_uppercase()),
                None => Money::amount(amount),
            });
        }
        if let (Some(company), false) = (&sale.company, company_participants.is_empty()) {
            let mut party = CompanyPartyDraft::new(company.name.trim());
            if let Some(org) = non_blank(&company.org_number) {
                party = party.identification_number(org);
            }
            if let Some(cc) = non_blank(&company.country_code) {
                party = party.country_code(cc.to_ascii_uppercase());
            }
            for participant in company_participants {
                party = party.participant(participant);
            }
            draft = draft.party(party);
        }
        for participant in individuals {
            draft = draft.party(IndividualPartyDraft::new(participant));
        }
        if !owner_side.is_empty() {
            let mut mine = MyPartyDraft::new();
            for participant in owner_side {
                mine = mine.participant(participant);
            }
            draft = draft.my_party(mine);
        }
        for (custom_id, value) in data_fields {
            draft = draft.data_field(custom_id, value);
        }
        if let Err(invalid) = draft.validate() {
            return Err(InvalidChoices::new(vec![ChoiceProblem::Draft(invalid)]));
        }
        Ok(ContractPlan {
            draft,
            act_as,
            uploads,
            publish,
            skipped_mappings,
        })
    }
}

#[cfg(test)]
mod tests;
