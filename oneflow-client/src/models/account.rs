//! The account that owns the API token.

use serde::{Deserialize, Serialize};

use super::{timestamp, AccountId, Links, Timestamp};

/// Account object (`GET /accounts/me`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// Account id.
    pub id: AccountId,
    /// Account (company) name.
    #[serde(default)]
    pub name: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default)]
    pub country_code: Option<String>,
    /// Company registration number.
    #[serde(default)]
    pub registration_number: Option<String>,
    /// Creation time.
    #[serde(default, with = "timestamp::option")]
    pub created_time: Option<Timestamp>,
    /// Last update time.
    #[serde(default, with = "timestamp::option")]
    pub updated_time: Option<Timestamp>,
    /// Links.
    #[serde(
        default,
        rename = "_links",
        deserialize_with = "super::common::null_as_default"
    )]
    pub links: Links,
}
