//! Templates and template types.

use serde::{Deserialize, Serialize};

use super::{timestamp, AvailableOptions, DataField, Links, TemplateId, TemplateTypeId, Timestamp};

/// A template type as embedded in a template (`template_type`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TemplateTypeSummary {
    /// Template type id.
    pub id: TemplateTypeId,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Extension alias, e.g. `superoffice`.
    #[serde(default)]
    pub extension_type: Option<String>,
    /// Creation time.
    #[serde(default, with = "timestamp::option")]
    pub created_time: Option<Timestamp>,
    /// Last update time.
    #[serde(default, with = "timestamp::option")]
    pub updated_time: Option<Timestamp>,
}

/// Template object (`GET /templates`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Template {
    /// Template id.
    pub id: TemplateId,
    /// Name (may be null).
    #[serde(default)]
    pub name: Option<String>,
    /// What contracts made from this template accept.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub available_options: AvailableOptions,
    /// The template type, if any.
    #[serde(default)]
    pub template_type: Option<TemplateTypeSummary>,
    /// Parties defined in the template (kept as JSON).
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub parties: Vec<serde_json::Value>,
    /// Product tables defined in the template (kept as JSON).
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub product_groups: Vec<serde_json::Value>,
    /// Workspaces the template belongs to (kept as JSON, shape varies).
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub workspaces: Vec<serde_json::Value>,
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

/// Template type object (`GET /template_types`), "template group" in the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TemplateType {
    /// Template type id.
    pub id: TemplateTypeId,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Extension alias, e.g. `superoffice`; null for home-made types.
    #[serde(default)]
    pub extension_type: Option<String>,
    /// Whether the type is active.
    #[serde(default)]
    pub active: Option<bool>,
    /// Data fields templates of this type inherit.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub data_fields: Vec<DataField>,
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

/// Body for creating or updating a template type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct TemplateTypeInput {
    /// Name (required on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl TemplateTypeInput {
    /// A template type with a name.
    pub fn named(name: impl Into<String>) -> Self {
        TemplateTypeInput {
            name: Some(name.into()),
            description: None,
        }
    }

    /// Sets the description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }
}
