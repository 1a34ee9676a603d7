//! Small carriers shared by several entities: list references, associates, contact and person
//! summaries, e-mail/phone elements, addresses and countries.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::models::ids::{AssociateId, ContactId, CountryId, PersonId};

crate::models::macros::string_enum! {
    /// The kind of an associate (user): `Associate.Type`, `SoPrincipalCarrier.UserType`.
    pub enum AssociateType {
        /// `Unknown`.
        Unknown = "Unknown",
        /// `InternalAssociate`: an ordinary user.
        InternalAssociate = "InternalAssociate",
        /// `ResourceAssociate`: a resource (room, projector).
        ResourceAssociate = "ResourceAssociate",
        /// `ExternalAssociate`: an external user.
        ExternalAssociate = "ExternalAssociate",
        /// `AnonymousAssociate`.
        AnonymousAssociate = "AnonymousAssociate",
        /// `SystemAssociate`: the system user.
        SystemAssociate = "SystemAssociate",
    }
}

crate::models::macros::string_enum! {
    /// The kind of a structured address (`StructuredAddress.AtypeIdx`).
    pub enum AddressType {
        /// `Unknown`.
        Unknown = "Unknown",
        /// `ContactPostalAddress`.
        ContactPostalAddress = "ContactPostalAddress",
        /// `ContactStreetAddress`.
        ContactStreetAddress = "ContactStreetAddress",
        /// `PersonPrivateAddress`.
        PersonPrivateAddress = "PersonPrivateAddress",
        /// `QuoteBillingAddress`.
        QuoteBillingAddress = "QuoteBillingAddress",
        /// `QuoteShippingAddress`.
        QuoteShippingAddress = "QuoteShippingAddress",
    }
}

impl ListRef {
    /// A reference by id only, as used in PATCH/PUT bodies (`{"Id": 3}`).
    pub fn id(id: i32) -> Self {
        ListRef {
            id,
            ..ListRef::default()
        }
    }
}

impl EntityElement {
    /// An element with just a value (e-mail address, phone number, URL).
    pub fn new(value: impl Into<String>) -> Self {
        EntityElement {
            value: Some(value.into()),
            ..EntityElement::default()
        }
    }
}

/// The first non-empty value of a list of elements (SuperOffice orders them by rank).
pub(crate) fn first_value(elements: &[EntityElement]) -> Option<&str> {
    elements
        .iter()
        .filter_map(|e| e.value.as_deref())
        .map(str::trim)
        .find(|v| !v.is_empty())
}

/// A reference to a list item, e.g. `SaleEntity.Rating` (the sale stage), `Currency`, `SaleType`, `Reason`, `ReasonSold`: `{Id, Value, Tooltip}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ListRef {
    /// Item id (0 = none).
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub id: i32,
    /// Display text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Tooltip text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An associate (user) carrier: `Associate` (also the answer of `User/currentAssociate`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Associate {
    /// `AssociateId`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub associate_id: AssociateId,
    /// Login name (`Name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The person behind the user.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub person_id: PersonId,
    /// `Rank`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<i32>,
    /// `Tooltip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// `Type`.
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub associate_type: Option<AssociateType>,
    /// Primary user group id (`GroupIdx`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_idx: Option<i32>,
    /// `FullName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// `FormalName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formal_name: Option<String>,
    /// `Deleted`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub deleted: bool,
    /// `EjUserId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ej_user_id: Option<i32>,
    /// `UserName` (SuperID in Online).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A company (contact) carrier, as embedded in a Sale or Person.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Contact {
    /// `ContactId` (0 = none).
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub contact_id: ContactId,
    /// `Name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `OrgNr` (VAT or organisation number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_nr: Option<String>,
    /// `Department`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// `URL`.
    #[serde(rename = "URL", default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `City`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// `DirectPhone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_phone: Option<String>,
    /// Owner (`AssociateId`).
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub associate_id: AssociateId,
    /// `CountryId`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub country_id: CountryId,
    /// `EmailAddress`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// `FullName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// `CountryName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_name: Option<String>,
    /// `Number1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number1: Option<String>,
    /// `Number2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number2: Option<String>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A person carrier, as embedded in a Sale or Contact.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Person {
    /// `PersonId` (0 = none).
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
    /// `Title`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `Position`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// Primary e-mail (`Email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `DirectPhone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_phone: Option<String>,
    /// `MobilePhone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    /// Company (`ContactId`).
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub contact_id: ContactId,
    /// `ContactName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    /// Our contact (`AssociateId`).
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub associate_id: AssociateId,
    /// `Retired` (0/1 in this carrier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired: Option<i32>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An e-mail address, phone number or URL: `EntityElement {Value, StrippedValue, Description}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct EntityElement {
    /// The value as entered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Normalised value (digits only for phones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripped_value: Option<String>,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One address block: `StructuredAddress`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct StructuredAddress {
    /// `AtypeIdx`.
    #[serde(rename = "AtypeIdx", default, skip_serializing_if = "Option::is_none")]
    pub address_type: Option<AddressType>,
    /// `Address1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    /// `Address2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    /// `Address3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address3: Option<String>,
    /// `City`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// `County`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    /// `State`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// `Zipcode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zipcode: Option<String>,
    /// `Formatted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Postal and street address: `Address`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Address {
    /// `Postal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal: Option<StructuredAddress>,
    /// `Street`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<StructuredAddress>,
    /// `Formatted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// `Wgs84Latitude`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wgs84_latitude: Option<f64>,
    /// `Wgs84Longitude`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wgs84_longitude: Option<f64>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A country: `Country`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Country {
    /// `CountryId`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub country_id: CountryId,
    /// `Name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `EnglishName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub english_name: Option<String>,
    /// ISO 3166 alpha-2 code (`TwoLetterISOCountry`).
    #[serde(
        rename = "TwoLetterISOCountry",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub two_letter_iso_country: Option<String>,
    /// ISO 3166 alpha-3 code (`ThreeLetterISOCountry`).
    #[serde(
        rename = "ThreeLetterISOCountry",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub three_letter_iso_country: Option<String>,
    /// `CurrencyId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_id: Option<i32>,
    /// Label of the organisation number in this country (`OrgNrText`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_nr_text: Option<String>,
    /// `Deleted`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub deleted: bool,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
