//! The contract object.

use serde::{Deserialize, Serialize};

use super::{
    timestamp, AvailableOptions, ContractId, ContractState, DataField, LifecycleStateKind,
    LifecycleType, Links, Money, ParticipantId, Party, Permissions, ProductGroup, TemplateId,
    TemplateTypeId, Timestamp, WorkspaceId,
};

/// Private (owner-visible) contract attributes (`_private`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContractPrivate {
    /// Contract name.
    #[serde(default)]
    pub name: Option<String>,
    /// Contract value.
    #[serde(default)]
    pub value: Option<Money>,
    /// Workspace the contract lives in.
    #[serde(default)]
    pub workspace_id: Option<WorkspaceId>,
    /// Signing period settings (kept as JSON).
    #[serde(default)]
    pub signing_period_expiration: Option<serde_json::Value>,
}

/// Owner-side contract attributes (`_private_ownerside`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContractOwnerside {
    /// Creation time.
    #[serde(default, with = "timestamp::option")]
    pub created_time: Option<Timestamp>,
    /// Last update time.
    #[serde(default, with = "timestamp::option")]
    pub updated_time: Option<Timestamp>,
    /// The template the contract was made from.
    #[serde(default)]
    pub template_id: Option<TemplateId>,
    /// The template type (group) of that template.
    #[serde(default)]
    pub template_type_id: Option<TemplateTypeId>,
}

/// Lifecycle settings (`lifecycle_settings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LifecycleSettings {
    /// Kind of lifecycle.
    #[serde(default, rename = "type")]
    pub lifecycle_type: Option<LifecycleType>,
    /// Duration, e.g. `12m`.
    #[serde(default)]
    pub duration: Option<String>,
    /// Initial duration (two-period recurring).
    #[serde(default)]
    pub initial_duration: Option<String>,
    /// Notice period, e.g. `3m`.
    #[serde(default)]
    pub notice_period: Option<String>,
    /// Start date (`%Y-%m-%d`).
    #[serde(default)]
    pub start_date: Option<String>,
    /// End date (`%Y-%m-%d`).
    #[serde(default)]
    pub end_date: Option<String>,
}

/// Lifecycle state (`lifecycle_state`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LifecycleState {
    /// `awaiting`, `active` or `ended`.
    #[serde(default)]
    pub lifecycle_state: Option<LifecycleStateKind>,
    /// When the current lifecycle state started.
    #[serde(default, with = "timestamp::option")]
    pub lifecycle_state_updated_time: Option<Timestamp>,
    /// Contract start.
    #[serde(default, with = "timestamp::option")]
    pub contract_start_time: Option<Timestamp>,
    /// Contract end.
    #[serde(default, with = "timestamp::option")]
    pub contract_end_time: Option<Timestamp>,
    /// When the contract was canceled.
    #[serde(default, with = "timestamp::option")]
    pub cancel_time: Option<Timestamp>,
    /// Canceled while active.
    #[serde(default)]
    pub is_canceled: Option<bool>,
    /// Recurring contract.
    #[serde(default)]
    pub is_recurring: Option<bool>,
    /// Ended by termination.
    #[serde(default)]
    pub has_ended_by_termination: Option<bool>,
    /// Notice period start passed.
    #[serde(default)]
    pub has_passed_notice_period_start_time: Option<bool>,
    /// Start of the notice period.
    #[serde(default, with = "timestamp::option")]
    pub notice_period_start_time: Option<Timestamp>,
    /// Current period number.
    #[serde(default)]
    pub period: Option<i64>,
    /// Start of the current period.
    #[serde(default, with = "timestamp::option")]
    pub period_start_time: Option<Timestamp>,
    /// End of the current period.
    #[serde(default, with = "timestamp::option")]
    pub period_end_time: Option<Timestamp>,
}

/// One entry of the sign order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SignOrderEntry {
    /// The participant.
    pub participant_id: ParticipantId,
    /// Position (1 signs first; equal numbers sign in parallel).
    pub order: u32,
}

impl SignOrderEntry {
    /// Participant `participant_id` signs at position `order`.
    pub fn new(participant_id: ParticipantId, order: u32) -> Self {
        SignOrderEntry {
            participant_id,
            order,
        }
    }
}

/// A contract (`GET /contracts/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contract {
    /// Contract id.
    pub id: ContractId,
    /// Signing state.
    pub state: ContractState,
    /// When the state last changed.
    #[serde(default, with = "timestamp::option")]
    pub state_updated_time: Option<Timestamp>,
    /// When the contract was published.
    #[serde(default, with = "timestamp::option")]
    pub published_time: Option<Timestamp>,
    /// When the signing period expires.
    #[serde(default, with = "timestamp::option")]
    pub signing_period_expiry_time: Option<Timestamp>,
    /// Last update time.
    #[serde(default, with = "timestamp::option")]
    pub updated_time: Option<Timestamp>,
    /// Name, value, workspace.
    #[serde(
        default,
        rename = "_private",
        deserialize_with = "super::common::null_as_default"
    )]
    pub private: ContractPrivate,
    /// Template, template type and the creation time (`_private_ownerside.created_time`).
    #[serde(
        default,
        rename = "_private_ownerside",
        deserialize_with = "super::common::null_as_default"
    )]
    pub private_ownerside: ContractOwnerside,
    /// Permissions of the acting user, e.g. `contract:delete`.
    #[serde(
        default,
        rename = "_permissions",
        deserialize_with = "super::common::null_as_default"
    )]
    pub permissions: Permissions,
    /// What the contract (its template) accepts: files, products, channels.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub available_options: AvailableOptions,
    /// Data fields with their values.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub data_fields: Vec<DataField>,
    /// Parties (including the owner side, `my_party: true`).
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub parties: Vec<Party>,
    /// Product tables.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub product_groups: Vec<ProductGroup>,
    /// Lifecycle settings.
    #[serde(default)]
    pub lifecycle_settings: Option<LifecycleSettings>,
    /// Lifecycle state.
    #[serde(default)]
    pub lifecycle_state: Option<LifecycleState>,
    /// Sign order.
    #[serde(default)]
    pub sign_order: Option<Vec<SignOrderEntry>>,
    /// Tags (kept as JSON).
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub tags: Vec<serde_json::Value>,
    /// Attachments in the contract (`attachment_file_groups`; item shape not documented in
    /// what we saw, kept as JSON).
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub attachment_file_groups: Vec<serde_json::Value>,
    /// Expanded-PDF sections of the contract (`pdf_file_groups`; item shape kept as JSON).
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub pdf_file_groups: Vec<serde_json::Value>,
    /// Linked contracts (the contract model's `links` array; item shape kept as JSON).
    /// Not to be confused with [`resource_links`](Self::resource_links) (`_links`).
    #[serde(
        default,
        rename = "links",
        deserialize_with = "super::common::null_as_default"
    )]
    pub linked_contracts: Vec<serde_json::Value>,
    /// Links to this contract's endpoints (`_links`).
    #[serde(
        default,
        rename = "_links",
        deserialize_with = "super::common::null_as_default"
    )]
    pub resource_links: Links,
    /// Attributes this model does not name (Oneflow adds attributes over time), kept as
    /// JSON instead of being dropped.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Contract {
    /// The contract name (`_private.name`).
    pub fn name(&self) -> Option<&str> {
        self.private.name.as_deref()
    }

    /// The workspace (`_private.workspace_id`).
    pub fn workspace_id(&self) -> Option<WorkspaceId> {
        self.private.workspace_id
    }

    /// When the contract was created (`_private_ownerside.created_time`; the contract model
    /// has no top-level creation time).
    pub fn created_time(&self) -> Option<Timestamp> {
        self.private_ownerside.created_time
    }

    /// The template (`_private_ownerside.template_id`).
    pub fn template_id(&self) -> Option<TemplateId> {
        self.private_ownerside.template_id
    }

    /// The data field with this custom id.
    pub fn data_field(&self, custom_id: &str) -> Option<&DataField> {
        self.data_fields
            .iter()
            .find(|f| f.custom_id() == Some(custom_id))
    }

    /// The value of the data field with this custom id.
    pub fn data_field_value(&self, custom_id: &str) -> Option<&str> {
        self.data_field(custom_id).and_then(|f| f.value.as_deref())
    }

    /// The owner-side party.
    pub fn my_party(&self) -> Option<&Party> {
        self.parties.iter().find(|p| p.my_party)
    }

    /// Counterparties (all parties except the owner side).
    pub fn counterparties(&self) -> impl Iterator<Item = &Party> {
        self.parties.iter().filter(|p| !p.my_party)
    }
}
