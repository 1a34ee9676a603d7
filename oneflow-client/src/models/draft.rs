//! Request bodies: what you send to create or change things.
//!
//! Every draft is plain data with a small builder API. Drafts that Oneflow limits (parties,
//! participants, names, data field values) have a `validate()` method, which the client
//! calls before sending, so bad input fails locally with a typed
//! [`InvalidInput`] instead of a 400 from the server.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{
    DataFieldId, DeliveryChannel, Money, ProductGroup, SignMethod, SignOrderEntry, TemplateId,
    TwoStepAuthenticationMethod, WorkspaceId,
};
use super::{FolderId, TagId, TagRef};
use crate::error::InvalidInput;

/// An `amount` (type reference): a decimal string with at most two decimals.
fn check_amount(field: &'static str, amount: &str) -> Result<(), InvalidInput> {
    let (whole, frac) = amount.split_once('.').unwrap_or((amount, ""));
    let ok = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 2
        && frac.bytes().all(|b| b.is_ascii_digit())
        && amount.contains('.') != frac.is_empty();
    if ok {
        Ok(())
    } else {
        Err(InvalidInput::Invalid {
            field,
            reason: "must be a decimal string with at most two decimals, e.g. \"500.10\"",
        })
    }
}

/// Maximum parties on one contract.
pub const MAX_PARTIES: usize = 40;
/// Maximum participants across all parties of one contract.
pub const MAX_PARTICIPANTS: usize = 40;
/// Maximum owner-side participants.
pub const MAX_OWNER_PARTICIPANTS: usize = 29;
/// Maximum length of party and participant names and participant titles (characters).
pub const MAX_NAME_LEN: usize = 100;
/// Maximum length of a contract name (characters; the create-a-contract reference
/// documents 0–130).
pub const MAX_CONTRACT_NAME_LEN: usize = 130;
/// Maximum length of a data field value (characters).
pub const MAX_DATA_FIELD_VALUE_LEN: usize = 1024;
/// Maximum length of identification numbers.
pub const MAX_IDENTIFICATION_NUMBER_LEN: usize = 25;

fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), InvalidInput> {
    let length = value.chars().count();
    if length > max {
        return Err(InvalidInput::TooLong { field, length, max });
    }
    Ok(())
}

fn check_name(
    field: &'static str,
    value: &Option<String>,
    required: bool,
) -> Result<(), InvalidInput> {
    match value {
        Some(v) if !v.trim().is_empty() => check_len(field, v, MAX_NAME_LEN),
        _ if required => Err(InvalidInput::Missing { field }),
        _ => Ok(()),
    }
}

/// The three participant roles Oneflow's UI offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParticipantRole {
    /// Signs the contract and may edit it.
    Signatory,
    /// May edit but does not sign (formerly "influencer").
    Influencer,
    /// Only views.
    Viewer,
}

/// The `_private_ownerside` part of a participant draft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct ParticipantOwnersideDraft {
    /// A custom id (e.g. your CRM person id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
}

/// A participant to add (on create, via `POST …/participants`, or inside a party).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct ParticipantDraft {
    /// Full name (1–100 characters; required for counterparties).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail (required for the owner side, or when channel/2FA is e-mail).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number in E.164 (required when channel/2FA is SMS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Title (≤ 100 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Personal identification number (≤ 25 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identification_number: Option<String>,
    /// Whether the participant signs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signatory: Option<bool>,
    /// Delivery channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_channel: Option<DeliveryChannel>,
    /// Sign method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_method: Option<SignMethod>,
    /// Two-step authentication method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub two_step_authentication_method: Option<TwoStepAuthenticationMethod>,
    /// Permissions, e.g. `contract:update`.
    #[serde(rename = "_permissions", skip_serializing_if = "Option::is_none")]
    pub permissions: Option<BTreeMap<String, bool>>,
    /// Owner-side attributes.
    #[serde(rename = "_private_ownerside", skip_serializing_if = "Option::is_none")]
    pub private_ownerside: Option<ParticipantOwnersideDraft>,
    /// Whether this participant organizes the contract (owner side only; Oneflow's
    /// default is `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizer: Option<bool>,
    /// The participant's `_options` object, sent as given.
    #[serde(rename = "_options", skip_serializing_if = "Option::is_none")]
    pub options: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ParticipantDraft {
    /// A counterparty participant with a name.
    pub fn new(name: impl Into<String>) -> Self {
        ParticipantDraft {
            name: Some(name.into()),
            ..Self::default()
        }
    }

    /// An owner-side participant: an active Oneflow user, identified by e-mail.
    pub fn user(email: impl Into<String>) -> Self {
        ParticipantDraft {
            email: Some(email.into()),
            ..Self::default()
        }
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the e-mail.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Sets the phone number (E.164).
    pub fn phone_number(mut self, phone: impl Into<String>) -> Self {
        self.phone_number = Some(phone.into());
        self
    }

    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the identification number.
    pub fn identification_number(mut self, id: impl Into<String>) -> Self {
        self.identification_number = Some(id.into());
        self
    }

    /// Sets whether the participant signs.
    pub fn signatory(mut self, signatory: bool) -> Self {
        self.signatory = Some(signatory);
        self
    }

    /// Sets the role (signatory / influencer / viewer) as the matching flags.
    pub fn role(mut self, role: ParticipantRole) -> Self {
        let (sign, update) = match role {
            ParticipantRole::Signatory => (true, true),
            ParticipantRole::Influencer => (false, true),
            ParticipantRole::Viewer => (false, false),
        };
        self.signatory = Some(sign);
        self.permissions
            .get_or_insert_with(BTreeMap::new)
            .insert("contract:update".into(), update);
        self
    }

    /// Sets the delivery channel.
    pub fn delivery_channel(mut self, channel: DeliveryChannel) -> Self {
        self.delivery_channel = Some(channel);
        self
    }

    /// Sets the sign method.
    pub fn sign_method(mut self, method: SignMethod) -> Self {
        self.sign_method = Some(method);
        self
    }

    /// Sets the two-step authentication method.
    pub fn two_step_authentication(mut self, method: TwoStepAuthenticationMethod) -> Self {
        self.two_step_authentication_method = Some(method);
        self
    }

    /// Sets a custom id (e.g. the CRM person id).
    pub fn custom_id(mut self, id: impl Into<String>) -> Self {
        self.private_ownerside = Some(ParticipantOwnersideDraft {
            custom_id: Some(id.into()),
        });
        self
    }

    /// Makes this participant the organizer (`organizer`); only owner-side participants
    /// may organize, which [`validate`](Self::validate) checks.
    pub fn organizer(mut self, organizer: bool) -> Self {
        self.organizer = Some(organizer);
        self
    }

    /// Whether Oneflow sends this participant the invitation (`_options.invite`, docs
    /// "participant").
    pub fn invite(mut self, invite: bool) -> Self {
        self.options
            .get_or_insert_with(serde_json::Map::new)
            .insert("invite".to_owned(), serde_json::Value::Bool(invite));
        self
    }

    /// Sets the participant's `_options` object.
    pub fn options(mut self, options: serde_json::Map<String, serde_json::Value>) -> Self {
        self.options = Some(options);
        self
    }

    /// Checks the participant; `index` is used in error messages. `owner_side` makes the
    /// e-mail mandatory and the name optional; a counterparty participant (`owner_side ==
    /// false`) must have a `delivery_channel` and cannot be the organizer.
    pub fn validate(&self, index: usize, owner_side: bool) -> Result<(), InvalidInput> {
        check_name("participant name", &self.name, !owner_side)?;
        if !owner_side && self.delivery_channel.is_none() {
            return Err(InvalidInput::DeliveryChannelRequired { index });
        }
        if !owner_side && self.organizer == Some(true) {
            return Err(InvalidInput::Invalid {
                field: "participant organizer",
                reason: "only a participant of your own party can be the organizer",
            });
        }
        if let Some(t) = &self.title {
            check_len("participant title", t, MAX_NAME_LEN)?;
        }
        if let Some(n) = &self.identification_number {
            check_len(
                "participant identification number",
                n,
                MAX_IDENTIFICATION_NUMBER_LEN,
            )?;
        }
        let has = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        let channel_email = matches!(
            self.delivery_channel,
            Some(DeliveryChannel::Email) | Some(DeliveryChannel::EmailAndSms)
        );
        let channel_sms = matches!(
            self.delivery_channel,
            Some(DeliveryChannel::Sms) | Some(DeliveryChannel::EmailAndSms)
        );
        let tfa_email =
            self.two_step_authentication_method == Some(TwoStepAuthenticationMethod::Email);
        let tfa_sms = self.two_step_authentication_method == Some(TwoStepAuthenticationMethod::Sms);
        if (owner_side || channel_email || tfa_email) && !has(&self.email) {
            return Err(InvalidInput::EmailRequired { index });
        }
        if (channel_sms || tfa_sms) && !has(&self.phone_number) {
            return Err(InvalidInput::PhoneRequired { index });
        }
        Ok(())
    }
}

/// A company party with its participants.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct CompanyPartyDraft {
    /// Company name (required, 1–100 characters).
    pub name: String,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// Organisation number (≤ 25 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identification_number: Option<String>,
    /// Participants (at least one).
    pub participants: Vec<ParticipantDraft>,
}

impl CompanyPartyDraft {
    /// A company party with a name.
    pub fn new(name: impl Into<String>) -> Self {
        CompanyPartyDraft {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Sets the country code.
    pub fn country_code(mut self, cc: impl Into<String>) -> Self {
        self.country_code = Some(cc.into());
        self
    }

    /// Sets the organisation number.
    pub fn identification_number(mut self, id: impl Into<String>) -> Self {
        self.identification_number = Some(id.into());
        self
    }

    /// Adds a participant.
    pub fn participant(mut self, p: ParticipantDraft) -> Self {
        self.participants.push(p);
        self
    }

    /// Checks name, participants and their contact details.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        check_name("party name", &Some(self.name.clone()), true)?;
        if let Some(n) = &self.identification_number {
            check_len(
                "party identification number",
                n,
                MAX_IDENTIFICATION_NUMBER_LEN,
            )?;
        }
        if self.participants.is_empty() {
            return Err(InvalidInput::NoParticipants);
        }
        if self.participants.len() > MAX_PARTICIPANTS {
            return Err(InvalidInput::TooManyParticipants {
                count: self.participants.len(),
                max: MAX_PARTICIPANTS,
            });
        }
        for (i, p) in self.participants.iter().enumerate() {
            p.validate(i, false)?;
        }
        Ok(())
    }
}

/// A private person as a party; Oneflow models the person as the party's single participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct IndividualPartyDraft {
    /// The person.
    pub participant: ParticipantDraft,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
}

impl IndividualPartyDraft {
    /// An individual party for this person.
    pub fn new(participant: ParticipantDraft) -> Self {
        IndividualPartyDraft {
            participant,
            country_code: None,
        }
    }

    /// Sets the country code.
    pub fn country_code(mut self, cc: impl Into<String>) -> Self {
        self.country_code = Some(cc.into());
        self
    }

    /// Checks the person.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        self.participant.validate(0, false)
    }
}

/// A counterparty: a company or an individual. Serialized with `"type"`.
// A draft is built once and serialized; boxing the individual variant would only make the
// builder API clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
#[non_exhaustive]
pub enum PartyDraft {
    /// `"type": "company"`.
    Company(CompanyPartyDraft),
    /// `"type": "individual"`.
    Individual(IndividualPartyDraft),
}

impl PartyDraft {
    /// Number of participants this party brings.
    pub fn participant_count(&self) -> usize {
        match self {
            PartyDraft::Company(c) => c.participants.len(),
            PartyDraft::Individual(_) => 1,
        }
    }

    /// Checks the party.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        match self {
            PartyDraft::Company(c) => c.validate(),
            PartyDraft::Individual(i) => i.validate(),
        }
    }
}

impl From<CompanyPartyDraft> for PartyDraft {
    fn from(c: CompanyPartyDraft) -> Self {
        PartyDraft::Company(c)
    }
}

impl From<IndividualPartyDraft> for PartyDraft {
    fn from(i: IndividualPartyDraft) -> Self {
        PartyDraft::Individual(i)
    }
}

/// The owner side (`my_party`): participants must be active users of the account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct MyPartyDraft {
    /// Owner-side participants (≤ 29), each with an e-mail.
    pub participants: Vec<ParticipantDraft>,
    /// Take the creator's roles from the template and ignore role fields given for them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator_inherit_settings_from_template: Option<bool>,
}

impl MyPartyDraft {
    /// An empty owner side.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an owner-side participant (use [`ParticipantDraft::user`]).
    pub fn participant(mut self, p: ParticipantDraft) -> Self {
        self.participants.push(p);
        self
    }

    /// Sets `creator_inherit_settings_from_template`.
    pub fn creator_inherits_settings_from_template(mut self, inherit: bool) -> Self {
        self.creator_inherit_settings_from_template = Some(inherit);
        self
    }

    /// Checks count and e-mails.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        if self.participants.len() > MAX_OWNER_PARTICIPANTS {
            return Err(InvalidInput::TooManyOwnerParticipants {
                count: self.participants.len(),
                max: MAX_OWNER_PARTICIPANTS,
            });
        }
        for (i, p) in self.participants.iter().enumerate() {
            p.validate(i, true)?;
        }
        Ok(())
    }
}

/// A data field value set at create time, addressed by custom id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DataFieldValue {
    /// The field's custom id (must be defined on the template's type).
    pub custom_id: String,
    /// The value (≤ 1024 characters).
    pub value: String,
}

impl DataFieldValue {
    /// A value for the field `custom_id`.
    pub fn new(custom_id: impl Into<String>, value: impl Into<String>) -> Self {
        DataFieldValue {
            custom_id: custom_id.into(),
            value: value.into(),
        }
    }
}

/// Body of `POST /contracts/create`.
///
/// ```
/// use oneflow_client::models::draft::*;
/// use oneflow_client::models::{DeliveryChannel, TemplateId, WorkspaceId};
///
/// let draft = ContractDraft::new(WorkspaceId(130406), TemplateId(756510))
///     .name("Acme AB – licence 2026")
///     .data_field("superoffice_sale_id", "4711")
///     .party(
///         CompanyPartyDraft::new("Acme AB").country_code("SE").participant(
///             ParticipantDraft::new("Ann Buyer")
///                 .email("ann@acme.example")
///                 .delivery_channel(DeliveryChannel::Email)
///                 .role(ParticipantRole::Signatory),
///         ),
///     )
///     .my_party(MyPartyDraft::new().participant(ParticipantDraft::user("seller@ourco.example")));
/// assert!(draft.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct ContractDraft {
    /// Workspace to create the contract in (the template must belong to it).
    pub workspace_id: WorkspaceId,
    /// Template to copy.
    pub template_id: TemplateId,
    /// Contract name (≤ [`MAX_CONTRACT_NAME_LEN`] = 130 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Counterparties.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<PartyDraft>,
    /// Owner side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_party: Option<MyPartyDraft>,
    /// Data field values (by custom id).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data_fields: Vec<DataFieldValue>,
    /// Product tables (replace the template's).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub product_groups: Vec<ProductGroup>,
    /// Deal size (`value`, an amount of money).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Money>,
    /// Folder to file the contract in (`folder_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder_id: Option<FolderId>,
    /// Tags of the contract (`tags`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagRef>,
}

impl ContractDraft {
    /// A draft from a template in a workspace.
    pub fn new(workspace_id: WorkspaceId, template_id: TemplateId) -> Self {
        ContractDraft {
            workspace_id,
            template_id,
            name: None,
            parties: Vec::new(),
            my_party: None,
            data_fields: Vec::new(),
            product_groups: Vec::new(),
            value: None,
            folder_id: None,
            tags: Vec::new(),
        }
    }

    /// Sets the deal size (`value`).
    pub fn value(mut self, value: Money) -> Self {
        self.value = Some(value);
        self
    }

    /// Files the contract in a folder (`folder_id`).
    pub fn folder(mut self, folder: FolderId) -> Self {
        self.folder_id = Some(folder);
        self
    }

    /// Adds a tag (`tags: [{"id": …}]`).
    pub fn tag(mut self, tag: TagId) -> Self {
        self.tags.push(TagRef::from(tag));
        self
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Adds a counterparty.
    pub fn party(mut self, party: impl Into<PartyDraft>) -> Self {
        self.parties.push(party.into());
        self
    }

    /// Sets the owner side.
    pub fn my_party(mut self, my_party: MyPartyDraft) -> Self {
        self.my_party = Some(my_party);
        self
    }

    /// Sets a data field value by custom id.
    pub fn data_field(mut self, custom_id: impl Into<String>, value: impl Into<String>) -> Self {
        self.data_fields.push(DataFieldValue::new(custom_id, value));
        self
    }

    /// Adds a product table.
    pub fn product_group(mut self, group: ProductGroup) -> Self {
        self.product_groups.push(group);
        self
    }

    /// Checks Oneflow's documented limits (parties, participants, names, values, contact details).
    pub fn validate(&self) -> Result<(), InvalidInput> {
        if let Some(v) = &self.value {
            check_amount("contract value amount", &v.amount)?;
        }
        if let Some(n) = &self.name {
            check_len("contract name", n, MAX_CONTRACT_NAME_LEN)?;
        }
        let owner = self.my_party.as_ref().map_or(0, |m| m.participants.len());
        let parties = self.parties.len() + usize::from(self.my_party.is_some());
        if parties > MAX_PARTIES {
            return Err(InvalidInput::TooManyParties {
                count: parties,
                max: MAX_PARTIES,
            });
        }
        let participants: usize = self
            .parties
            .iter()
            .map(PartyDraft::participant_count)
            .sum::<usize>()
            + owner;
        if participants > MAX_PARTICIPANTS {
            return Err(InvalidInput::TooManyParticipants {
                count: participants,
                max: MAX_PARTICIPANTS,
            });
        }
        if let Some(m) = &self.my_party {
            m.validate()?;
        }
        for p in &self.parties {
            p.validate()?;
        }
        for f in &self.data_fields {
            if f.custom_id.trim().is_empty() {
                return Err(InvalidInput::Missing {
                    field: "data field custom_id",
                });
            }
            check_len("data field value", &f.value, MAX_DATA_FIELD_VALUE_LEN)?;
        }
        Ok(())
    }
}

/// How long a published contract can be signed (`_private.signing_period_expiration`).
///
/// Wire form: `{"type": "never"}`, `{"type": "days_after_publish",
/// "expire_days_after_publish": N}` or `{"type": "fixed_date", "expire_date": "YYYY-MM-DD"}`
/// (names from the update-a-contract-by-id reference and public callers; see FIDELITY.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SigningPeriod {
    /// Never expires.
    Never,
    /// Expires a number of days after publishing (only while in draft).
    DaysAfterPublish {
        /// Days (`expire_days_after_publish`).
        #[serde(rename = "expire_days_after_publish")]
        days: u32,
    },
    /// Expires on a date.
    FixedDate {
        /// The date (`expire_date`, `%Y-%m-%d`).
        #[serde(rename = "expire_date")]
        date: NaiveDate,
    },
}

/// The `_private` part of a contract update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct ContractPrivateUpdate {
    /// New name (`""` clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New value; `Some(None)` sends `null`, which clears it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Option<Money>>,
    /// Signing period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_period_expiration: Option<SigningPeriod>,
}

/// Body of `PUT /contracts/{id}`. Only what you set is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct ContractUpdate {
    /// Name, value, signing period.
    #[serde(rename = "_private")]
    pub private: ContractPrivateUpdate,
    /// Sign order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_order: Option<Vec<SignOrderEntry>>,
    /// The tags to leave on the contract (`tags`); tags not listed are removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagRef>>,
}

impl ContractUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Renames the contract.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.private.name = Some(name.into());
        self
    }

    /// Sets the contract value.
    pub fn value(mut self, value: Money) -> Self {
        self.private.value = Some(Some(value));
        self
    }

    /// Clears the contract value.
    pub fn clear_value(mut self) -> Self {
        self.private.value = Some(None);
        self
    }

    /// Sets the signing period.
    pub fn signing_period(mut self, period: SigningPeriod) -> Self {
        self.private.signing_period_expiration = Some(period);
        self
    }

    /// Sets the sign order.
    pub fn sign_order(mut self, order: Vec<SignOrderEntry>) -> Self {
        self.sign_order = Some(order);
        self
    }

    /// Keeps exactly these tags on the contract (`tags`); an empty list removes all.
    pub fn keep_tags<I: IntoIterator<Item = TagId>>(mut self, tags: I) -> Self {
        self.tags = Some(tags.into_iter().map(TagRef::from).collect());
        self
    }

    /// Checks the name length and the value's amount.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        if let Some(Some(v)) = &self.private.value {
            check_amount("contract value amount", &v.amount)?;
        }
        if let Some(n) = &self.private.name {
            check_len("contract name", n, MAX_CONTRACT_NAME_LEN)?;
        }
        Ok(())
    }
}

/// Body of `POST /contracts/{id}/publish`: the invitation every participant receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct PublishMessage {
    /// Subject line.
    pub subject: String,
    /// Message text.
    pub message: String,
}

impl PublishMessage {
    /// An invitation with subject and message.
    pub fn new(subject: impl Into<String>, message: impl Into<String>) -> Self {
        PublishMessage {
            subject: subject.into(),
            message: message.into(),
        }
    }
}

/// Body of `PUT /contracts/{id}/parties/{party_id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct PartyUpdate {
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// New organisation number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identification_number: Option<String>,
}

impl PartyUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the country code.
    pub fn country_code(mut self, cc: impl Into<String>) -> Self {
        self.country_code = Some(cc.into());
        self
    }

    /// Sets the organisation number.
    pub fn identification_number(mut self, id: impl Into<String>) -> Self {
        self.identification_number = Some(id.into());
        self
    }

    /// Checks lengths.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        if let Some(n) = &self.name {
            check_name("party name", &Some(n.clone()), true)?;
        }
        if let Some(n) = &self.identification_number {
            check_len(
                "party identification number",
                n,
                MAX_IDENTIFICATION_NUMBER_LEN,
            )?;
        }
        Ok(())
    }
}

/// Which data field to update: by numeric id or by custom id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataFieldKey {
    /// The numeric id.
    Id(DataFieldId),
    /// The custom id (sent as the path segment `c::{custom_id}`).
    CustomId(String),
}

impl From<DataFieldId> for DataFieldKey {
    fn from(id: DataFieldId) -> Self {
        DataFieldKey::Id(id)
    }
}

impl From<&str> for DataFieldKey {
    fn from(s: &str) -> Self {
        DataFieldKey::CustomId(s.to_owned())
    }
}

impl From<String> for DataFieldKey {
    fn from(s: String) -> Self {
        DataFieldKey::CustomId(s)
    }
}

/// One item of a bulk data field update (`PUT /contracts/{id}/data_fields`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct DataFieldUpdate {
    /// The numeric id, when addressing by id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<DataFieldId>,
    /// The custom id, when addressing by custom id.
    #[serde(rename = "_private_ownerside", skip_serializing_if = "Option::is_none")]
    pub private_ownerside: Option<ParticipantOwnersideDraft>,
    /// The new value (`None` sends `null`, which clears the field).
    pub value: Option<String>,
}

impl DataFieldUpdate {
    /// Sets the field `key` to `value`.
    pub fn new(key: impl Into<DataFieldKey>, value: impl Into<String>) -> Self {
        Self::with_value(key.into(), Some(value.into()))
    }

    /// Clears the field `key`.
    pub fn clear(key: impl Into<DataFieldKey>) -> Self {
        Self::with_value(key.into(), None)
    }

    fn with_value(key: DataFieldKey, value: Option<String>) -> Self {
        match key {
            DataFieldKey::Id(id) => DataFieldUpdate {
                id: Some(id),
                private_ownerside: None,
                value,
            },
            DataFieldKey::CustomId(c) => DataFieldUpdate {
                id: None,
                private_ownerside: Some(ParticipantOwnersideDraft { custom_id: Some(c) }),
                value,
            },
        }
    }

    /// Checks the custom id (non-blank) and the value length.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        let custom_id = self
            .private_ownerside
            .as_ref()
            .and_then(|p| p.custom_id.as_deref());
        if self.id.is_none() && custom_id.is_none_or(|c| c.trim().is_empty()) {
            return Err(InvalidInput::Missing {
                field: "data field custom_id",
            });
        }
        if let Some(v) = &self.value {
            check_len("data field value", v, MAX_DATA_FIELD_VALUE_LEN)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(i: usize) -> ParticipantDraft {
        ParticipantDraft::new(format!("Person {i}"))
            .email(format!("p{i}@example.com"))
            .delivery_channel(DeliveryChannel::Email)
    }

    fn draft() -> ContractDraft {
        ContractDraft::new(WorkspaceId(1), TemplateId(2))
    }

    #[test]
    fn limits_are_enforced() {
        let mut d = draft();
        for i in 0..41 {
            d = d.party(IndividualPartyDraft::new(signer(i)));
        }
        assert!(matches!(
            d.validate(),
            Err(InvalidInput::TooManyParties { count: 41, .. })
        ));

        let mut company = CompanyPartyDraft::new("Big AB");
        for i in 0..41 {
            company = company.participant(signer(i));
        }
        let d = draft().party(company);
        assert!(matches!(
            d.validate(),
            Err(InvalidInput::TooManyParticipants { count: 41, .. })
        ));

        let mut owner = MyPartyDraft::new();
        for i in 0..30 {
            owner = owner.participant(ParticipantDraft::user(format!("u{i}@ourco.example")));
        }
        let d = draft().my_party(owner);
        assert!(matches!(
            d.validate(),
            Err(InvalidInput::TooManyOwnerParticipants { count: 30, max: 29 })
        ));
    }

    #[test]
    fn names_values_and_contact_details() {
        let d = draft().name("x".repeat(131));
        assert!(matches!(
            d.validate(),
            Err(InvalidInput::TooLong {
                field: "contract name",
                ..
            })
        ));
        let d = draft().data_field("sale", "v".repeat(1025));
        assert!(matches!(
            d.validate(),
            Err(InvalidInput::TooLong {
                field: "data field value",
                ..
            })
        ));
        let d = draft().party(CompanyPartyDraft::new("Acme"));
        assert_eq!(d.validate(), Err(InvalidInput::NoParticipants));
        let d = draft().party(CompanyPartyDraft::new(" ").participant(signer(0)));
        assert_eq!(
            d.validate(),
            Err(InvalidInput::Missing {
                field: "party name"
            })
        );
        let p = ParticipantDraft::new("No Mail").delivery_channel(DeliveryChannel::Email);
        let d = draft().party(IndividualPartyDraft::new(p));
        assert_eq!(d.validate(), Err(InvalidInput::EmailRequired { index: 0 }));
        let p = ParticipantDraft::new("No Phone")
            .email("a@b.c")
            .delivery_channel(DeliveryChannel::Email)
            .two_step_authentication(TwoStepAuthenticationMethod::Sms);
        let d = draft().party(CompanyPartyDraft::new("Acme").participant(p));
        assert_eq!(d.validate(), Err(InvalidInput::PhoneRequired { index: 0 }));
        // Counterparty participants need a delivery channel; owner-side ones do not.
        let p = ParticipantDraft::new("No Channel").email("a@b.c");
        let d = draft().party(
            CompanyPartyDraft::new("Acme")
                .participant(signer(0))
                .participant(p),
        );
        assert_eq!(
            d.validate(),
            Err(InvalidInput::DeliveryChannelRequired { index: 1 })
        );
        let d = draft()
            .my_party(MyPartyDraft::new().participant(ParticipantDraft::user("me@ourco.example")));
        assert_eq!(d.validate(), Ok(()));
        let d = draft()
            .party(CompanyPartyDraft::new("Acme").participant(signer(0).name("n".repeat(101))));
        assert!(matches!(
            d.validate(),
            Err(InvalidInput::TooLong {
                field: "participant name",
                ..
            })
        ));
    }

    #[test]
    fn draft_serializes_in_wire_format() {
        let d = draft()
            .name("Deal")
            .data_field("superoffice_sale_id", "4711")
            .party(IndividualPartyDraft::new(signer(1)))
            .my_party(MyPartyDraft::new().participant(ParticipantDraft::user("me@ourco.example")));
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["parties"][0]["type"], "individual");
        assert_eq!(v["parties"][0]["participant"]["email"], "p1@example.com");
        assert_eq!(v["data_fields"][0]["custom_id"], "superoffice_sale_id");
        assert_eq!(
            v["my_party"]["participants"][0]["email"],
            "me@ourco.example"
        );
        assert!(v.get("product_groups").is_none());
    }

    #[test]
    fn update_serializes_tristate_value() {
        let v = serde_json::to_value(ContractUpdate::new().clear_value()).unwrap();
        assert_eq!(v, serde_json::json!({"_private": {"value": null}}));
        let v = serde_json::to_value(
            ContractUpdate::new().signing_period(SigningPeriod::DaysAfterPublish { days: 30 }),
        )
        .unwrap();
        assert_eq!(
            v["_private"]["signing_period_expiration"],
            serde_json::json!({"type": "days_after_publish", "expire_days_after_publish": 30})
        );
    }
}
