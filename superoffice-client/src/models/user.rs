//! The signed-in user: `SoPrincipalCarrier` (`GET /api/v1/User/currentPrincipal`) and rows of
//! the `User` OData list.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::models::common::AssociateType;
use crate::models::ids::{AssociateId, ContactId, PersonId};

/// The functional right of a General Administrator.
pub const ADMIN_ALL: &str = "admin-all";

crate::models::macros::string_enum! {
    /// `SoPrincipalCarrier.RoleType`.
    pub enum RoleType {
        /// `Employee`.
        Employee = "Employee",
        /// `ExternalUser`.
        ExternalUser = "ExternalUser",
        /// `Anonymous`.
        Anonymous = "Anonymous",
        /// `System`.
        System = "System",
    }
}

impl Principal {
    /// True when the user has the functional right `admin-all` (General Administrator).
    pub fn is_administrator(&self) -> bool {
        self.has_function_right(ADMIN_ALL)
    }

    /// True when `FunctionRights` contains `right` (case-insensitive).
    pub fn has_function_right(&self, right: &str) -> bool {
        self.function_rights
            .iter()
            .any(|r| r.eq_ignore_ascii_case(right))
    }
}

/// The current user as SuperOffice sees it: Swagger definition `SoPrincipalCarrier`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Principal {
    /// `UserType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<AssociateType>,
    /// Login name (`Associate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associate: Option<String>,
    /// `AssociateId`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub associate_id: AssociateId,
    /// `IsPerson`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub is_person: bool,
    /// `PersonId`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub person_id: PersonId,
    /// The user's own company (`ContactId`).
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub contact_id: ContactId,
    /// `CountryId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_id: Option<i32>,
    /// `HomeCountryId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_country_id: Option<i32>,
    /// Primary user group (`GroupId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i32>,
    /// `SecondaryGroups`.
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub secondary_groups: Vec<i32>,
    /// `RoleId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<i32>,
    /// `RoleName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    /// `RoleDescription`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_description: Option<String>,
    /// `RoleType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_type: Option<RoleType>,
    /// `FullName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// E-mail (`EMailAddress`).
    #[serde(
        rename = "EMailAddress",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub email_address: Option<String>,
    /// Functional rights, e.g. `admin-all` (`FunctionRights`).
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub function_rights: Vec<String>,
    /// `UserName` (SuperID in Online).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Tenant id, e.g. `Cust12345` (`DatabaseContextIdentifier`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_context_identifier: Option<String>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
