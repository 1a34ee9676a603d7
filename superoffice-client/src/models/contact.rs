//! `ContactEntity`: a company, as returned by `GET /api/v1/Contact/{id}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::models::common::{
    first_value, Address, Associate, Country, EntityElement, ListRef, Person,
};
use crate::models::date::SoDateTime;
use crate::models::ids::ContactId;

impl ContactEntity {
    /// The first e-mail address.
    pub fn primary_email(&self) -> Option<&str> {
        first_value(&self.emails)
    }

    /// The first phone number.
    pub fn primary_phone(&self) -> Option<&str> {
        first_value(&self.phones)
    }

    /// The first web address.
    pub fn primary_url(&self) -> Option<&str> {
        first_value(&self.urls)
    }

    /// ISO 3166 alpha-2 code of the company's country.
    pub fn country_code(&self) -> Option<&str> {
        self.country
            .as_ref()
            .and_then(|c| c.two_letter_iso_country.as_deref())
            .filter(|c| !c.is_empty())
    }
}

/// A company: Swagger definition `ContactEntity`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ContactEntity {
    /// `ContactId`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub contact_id: ContactId,
    /// `Name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Department`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// VAT or organisation number (`OrgNr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_nr: Option<String>,
    /// `Number1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number1: Option<String>,
    /// `Number2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number2: Option<String>,
    /// E-mail addresses (`Emails`).
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub emails: Vec<EntityElement>,
    /// Phone numbers (`Phones`).
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub phones: Vec<EntityElement>,
    /// `Faxes`.
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub faxes: Vec<EntityElement>,
    /// Web addresses (`Urls`).
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub urls: Vec<EntityElement>,
    /// `Address` (postal and street).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// `Country`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    /// Owner (`Associate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associate: Option<Associate>,
    /// `Category`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<ListRef>,
    /// `Business`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<ListRef>,
    /// Persons of the company (`Persons`).
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub persons: Vec<Person>,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Deleted` (non-zero when soft-deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<i32>,
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
