//! Integer ID newtypes, one per kind of object, so a contract id cannot be passed where a
//! template id is expected.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident;)*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The raw integer.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(v: i64) -> Self {
                Self(v)
            }
        }

        impl From<$name> for i64 {
            fn from(v: $name) -> i64 {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    )*};
}

id_type! {
    /// Id of a contract.
    ContractId;
    /// Id of a template.
    TemplateId;
    /// Id of a template type ("template group" in the UI).
    TemplateTypeId;
    /// Id of a workspace (formerly "collection").
    WorkspaceId;
    /// Id of a party on a contract.
    PartyId;
    /// Id of a participant on a contract.
    ParticipantId;
    /// Id of a data field.
    DataFieldId;
    /// Id of a contract event.
    EventId;
    /// Id of a contract file (the whole contract PDF is always id 1).
    FileId;
    /// Id of a user.
    UserId;
    /// Id of a webhook.
    WebhookId;
    /// Id of an account.
    AccountId;
    /// Id of a product group (product table) on a contract.
    ProductGroupId;
    /// Id of a product.
    ProductId;
    /// Id of a folder inside a workspace.
    FolderId;
    /// Id of an account tag.
    TagId;
}
