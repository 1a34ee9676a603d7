//! Users of the Oneflow account.

use serde::{Deserialize, Serialize};

use super::{Links, UserId, UserState};

/// User object (`GET /users`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// User id.
    pub id: UserId,
    /// E-mail address (the value for `x-oneflow-user-email`).
    #[serde(default)]
    pub email: Option<String>,
    /// Full name.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether the user is active (only active users can act via the API).
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub active: bool,
    /// Whether the user is an account administrator.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub is_admin: bool,
    /// Phone number (E.164).
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Account state.
    #[serde(default)]
    pub state: Option<UserState>,
    /// Links.
    #[serde(
        default,
        rename = "_links",
        deserialize_with = "super::common::null_as_default"
    )]
    pub links: Links,
}
