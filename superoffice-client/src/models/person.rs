//! `PersonEntity`: a person, as returned by `GET /api/v1/Person/{id}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::models::common::{
    first_value, Address, Associate, Contact, Country, EntityElement, ListRef,
};
use crate::models::date::SoDateTime;
use crate::models::ids::PersonId;

impl PersonEntity {
    /// The first e-mail address.
    pub fn primary_email(&self) -> Option<&str> {
        first_value(&self.emails)
    }

    /// The first office phone, else the first mobile phone.
    pub fn primary_phone(&self) -> Option<&str> {
        first_value(&self.office_phones).or_else(|| first_value(&self.mobile_phones))
    }

    /// The first mobile phone.
    pub fn mobile_phone(&self) -> Option<&str> {
        first_value(&self.mobile_phones)
    }

    /// `FullName`, or first/middle/last name joined when the server left it empty.
    pub fn display_name(&self) -> String {
        if let Some(full) = self.full_name.as_deref().filter(|n| !n.trim().is_empty()) {
            return full.trim().to_owned();
        }
        [&self.firstname, &self.middle_name, &self.lastname]
            .iter()
            .filter_map(|p| p.as_deref())
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A person: Swagger definition `PersonEntity`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct PersonEntity {
    /// `PersonId`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub person_id: PersonId,
    /// `Firstname`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firstname: Option<String>,
    /// `MiddleName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// `Lastname`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lastname: Option<String>,
    /// `FullName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// `FormalName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formal_name: Option<String>,
    /// Job title (`Title`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `Mrmrs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrmrs: Option<String>,
    /// `Salutation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salutation: Option<String>,
    /// Position list item (`Position`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<ListRef>,
    /// `Emails`.
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub emails: Vec<EntityElement>,
    /// `OfficePhones`.
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub office_phones: Vec<EntityElement>,
    /// `MobilePhones`.
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub mobile_phones: Vec<EntityElement>,
    /// `PrivatePhones`.
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub private_phones: Vec<EntityElement>,
    /// `OtherPhones`.
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub other_phones: Vec<EntityElement>,
    /// `Faxes`.
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub faxes: Vec<EntityElement>,
    /// `Urls`.
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub urls: Vec<EntityElement>,
    /// The company (`Contact`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// `Country`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    /// `Address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// `UsePersonAddress`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub use_person_address: bool,
    /// Our contact (`Associate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associate: Option<Associate>,
    /// True when the person is a user (`IsAssociate`).
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub is_associate: bool,
    /// `Retired`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub retired: bool,
    /// `BirthDate`.
    #[serde(
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub birth_date: Option<SoDateTime>,
    /// `CreatedDate`.
    #[serde(
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_date: Option<SoDateTime>,
    /// `UpdatedDate`.
    #[serde(
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_date: Option<SoDateTime>,
    /// `CustomFields`.
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub custom_fields: Map<String, Value>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
