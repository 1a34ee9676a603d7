//! Data fields: named values on a template type, template or contract.

use serde::{Deserialize, Serialize};

use super::{timestamp, DataFieldId, DataFieldSource, Links, Timestamp};

/// Owner-side attributes of a data field inside a contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DataFieldOwnerside {
    /// The field's custom id (its "external key").
    #[serde(default)]
    pub custom_id: Option<String>,
    /// Creation time.
    #[serde(
        default,
        with = "timestamp::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_time: Option<Timestamp>,
    /// Last update time.
    #[serde(
        default,
        with = "timestamp::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_time: Option<Timestamp>,
}

/// A data field (on a contract, a template type, or a template).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DataField {
    /// Field id.
    pub id: DataFieldId,
    /// Custom id, as sent at top level on template types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Placeholder text.
    #[serde(default)]
    pub placeholder: Option<String>,
    /// Current value (≤ 1024 characters; checkboxes use `"0"`/`"1"`).
    #[serde(default)]
    pub value: Option<String>,
    /// Whether the field is active.
    #[serde(default)]
    pub active: Option<bool>,
    /// `user` or `system` (system fields ignore updates).
    #[serde(default)]
    pub source: Option<DataFieldSource>,
    /// Owner-side attributes (contracts carry the custom id here).
    #[serde(
        default,
        rename = "_private_ownerside",
        skip_serializing_if = "Option::is_none"
    )]
    pub private_ownerside: Option<DataFieldOwnerside>,
    /// Links.
    #[serde(
        default,
        rename = "_links",
        deserialize_with = "super::common::null_as_default"
    )]
    pub links: Links,
}

impl DataField {
    /// The custom id, wherever the server put it (top level or `_private_ownerside`).
    pub fn custom_id(&self) -> Option<&str> {
        self.custom_id.as_deref().or_else(|| {
            self.private_ownerside
                .as_ref()
                .and_then(|p| p.custom_id.as_deref())
        })
    }
}

/// A data field definition for `PUT /template_types/{id}/data_fields` (replaces the whole set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct DataFieldDefinition {
    /// Existing field id (omit to create a new field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<DataFieldId>,
    /// Custom id (external key), unique within the type.
    pub custom_id: String,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Placeholder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// Default value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl DataFieldDefinition {
    /// A new field with a custom id and a display name.
    pub fn new(custom_id: impl Into<String>, name: impl Into<String>) -> Self {
        DataFieldDefinition {
            id: None,
            custom_id: custom_id.into(),
            name: name.into(),
            description: None,
            placeholder: None,
            value: None,
        }
    }

    /// Targets an existing field by id.
    pub fn id(mut self, id: DataFieldId) -> Self {
        self.id = Some(id);
        self
    }

    /// Sets the description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    /// Sets the placeholder.
    pub fn placeholder(mut self, p: impl Into<String>) -> Self {
        self.placeholder = Some(p.into());
        self
    }

    /// Sets the default value.
    pub fn value(mut self, v: impl Into<String>) -> Self {
        self.value = Some(v.into());
        self
    }
}
