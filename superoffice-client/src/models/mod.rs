//! Serde models in SuperOffice's exact wire format (PascalCase field names).
//!
//! Conventions: ids are `i32` newtypes (0 = "none", as SuperOffice sends it); text and numbers
//! the server may omit are `Option`; lists default to empty; every server enum has an
//! `Other(String)` fallback that keeps unseen values; every entity keeps fields this crate does
//! not model in `extra`, so a GET → PUT round trip loses nothing. Dates use
//! [`SoDateTime`].

pub(crate) mod macros;

pub mod common;
pub mod contact;
pub mod date;
pub mod document;
pub mod ids;
pub mod json_patch;
pub mod list;
pub mod person;
pub mod sale;
pub mod user;
pub mod validation;
pub mod web_panel;
pub mod webhook;

pub use common::{
    Address, AddressType, Associate, AssociateType, Contact, Country, EntityElement, ListRef,
    Person, StructuredAddress,
};
pub use contact::ContactEntity;
pub use date::SoDateTime;
pub use document::{DocumentEntity, DocumentTemplateRef, SaleCarrier};
pub use ids::{
    AssociateId, ContactId, CountryId, DocumentId, PersonId, SaleId, WebPanelId, WebhookId,
};
pub use json_patch::{JsonPatch, PatchOp, PatchValue};
pub use list::{
    DurationUnit, ListItemEntity, SaleStageEntity, SaleTypeEntity, SelectableMdoListItem,
};
pub use person::PersonEntity;
pub use sale::{SaleCompleted, SaleEntity, SaleStatus};
pub use user::{Principal, RoleType};
pub use validation::ValidationErrors;
pub use web_panel::{UrlEncoding, VisibleIn, WebPanelEntity};
pub use webhook::{
    NotifyVia, SaleFieldValues, Webhook, WebhookPayload, WebhookResult, WebhookSecret, WebhookState,
};

/// Deserialisation helpers.
pub(crate) mod de {
    use serde::{Deserialize, Deserializer};

    /// `null` → `T::default()`.
    pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de> + Default,
    {
        Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every server enum keeps a value it has never seen, and writes it back unchanged.
    #[test]
    fn every_enum_decodes_an_unseen_value() {
        macro_rules! check {
            ($($enum:ty),+ $(,)?) => {$(
                let unseen: $enum = serde_json::from_str(r#""AddedIn2031""#).unwrap();
                assert!(unseen.is_other(), "{}", stringify!($enum));
                assert_eq!(unseen.as_str(), "AddedIn2031");
                assert_eq!(serde_json::to_string(&unseen).unwrap(), r#""AddedIn2031""#);
                assert_eq!(<$enum>::from("AddedIn2031"), unseen);
                for known in <$enum>::KNOWN {
                    assert!(!known.is_other());
                    assert_eq!(&<$enum>::from_wire(known.as_str()), known);
                    assert_eq!(known.to_string(), known.as_str());
                }
            )+};
        }
        check!(
            AddressType,
            AssociateType,
            DurationUnit,
            NotifyVia,
            RoleType,
            SaleCompleted,
            SaleStatus,
            UrlEncoding,
            VisibleIn,
            WebhookState,
        );
    }
}
