//! Workspaces (formerly "collections").

use serde::{Deserialize, Serialize};

use super::{timestamp, Links, Permissions, Template, Timestamp, WorkspaceId};

/// Workspace object (`GET /workspaces`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Workspace {
    /// Workspace id.
    pub id: WorkspaceId,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Company name shown on contracts.
    #[serde(default)]
    pub company_name: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default)]
    pub country_code: Option<String>,
    /// Company registration number.
    #[serde(default)]
    pub registration_number: Option<String>,
    /// Date format used in the workspace, e.g. `YYYY-MM-DD`.
    #[serde(default)]
    pub date_format: Option<String>,
    /// Creation time.
    #[serde(default, with = "timestamp::option")]
    pub created_time: Option<Timestamp>,
    /// Last update time.
    #[serde(default, with = "timestamp::option")]
    pub updated_time: Option<Timestamp>,
    /// Permissions of the acting user, e.g. `contract:create`.
    #[serde(
        default,
        rename = "_permissions",
        deserialize_with = "super::common::null_as_default"
    )]
    pub permissions: Permissions,
    /// Links.
    #[serde(
        default,
        rename = "_links",
        deserialize_with = "super::common::null_as_default"
    )]
    pub links: Links,
}

impl Workspace {
    /// Whether the acting user may create contracts here.
    pub fn can_create_contracts(&self) -> bool {
        self.permissions
            .get("contract:create")
            .copied()
            .unwrap_or(false)
    }
}

/// One workspace from `GET /helpers/contract_create_data`, with the active templates the
/// acting user may create contracts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContractCreateWorkspace {
    /// Workspace id.
    pub id: WorkspaceId,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Templates usable in this workspace.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub templates: Vec<Template>,
}
