//! Serde models in Oneflow's exact wire format.
//!
//! Responses are `#[non_exhaustive]` structs with `Option` for anything the API may omit or
//! null; enums from the server keep unseen values in `Other(String)`. Timestamps use the
//! [`timestamp`] module. Request bodies live in [`draft`].

mod access_link;
mod account;
mod available_options;
mod common;
mod contract;
mod data_field;
pub mod draft;
mod enums;
mod event;
mod file;
mod ids;
mod party;
mod product;
mod tag;
mod template;
pub mod timestamp;
mod user;
mod webhook;
mod workspace;

pub use access_link::AccessLink;
pub use account::Account;
pub use available_options::{AvailableOptions, OfferedOption};
pub(crate) use common::null_as_default;
pub use common::{Amount, Link, Links, Money, Permissions};
pub use contract::{
    Contract, ContractOwnerside, ContractPrivate, LifecycleSettings, LifecycleState, SignOrderEntry,
};
pub use data_field::{DataField, DataFieldDefinition, DataFieldOwnerside};
pub use enums::{
    ContractState, DataFieldSource, DeliveryChannel, DeliveryStatus, EventType, FileType,
    LifecycleStateKind, LifecycleType, PartyType, SignMethod, SignState,
    TwoStepAuthenticationMethod, UserState, WebhookFilterRuleType,
};
pub use event::{Actor, ActorParty, ContractEvent};
pub use file::{ContractFile, UploadKind, ATTACHMENT_EXTENSIONS};
pub use ids::{
    AccountId, ContractId, DataFieldId, EventId, FileId, ParticipantId, PartyId, ProductGroupId,
    ProductId, TemplateId, TemplateTypeId, UserId, WebhookId, WorkspaceId,
};
pub use ids::{FolderId, TagId};
pub use party::{Participant, ParticipantOwnerside, Party, PartyOwnerside};
pub use product::{Price, Product, ProductGroup, Quantity};
pub use tag::TagRef;
pub use template::{Template, TemplateType, TemplateTypeInput, TemplateTypeSummary};
pub use timestamp::Timestamp;
pub use user::User;
pub use webhook::{Webhook, WebhookFilter, WebhookFilterRule};
pub use workspace::{ContractCreateWorkspace, Workspace};
