//! The answer of the `…/Validate` calls (e.g. `POST /api/v1/Sale/Validate`): "error
//! messages by field", a JSON object of field name → message; empty when the entity may be
//! saved.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Error messages by field name, as `POST /api/v1/Sale/Validate` returns them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ValidationErrors(pub BTreeMap<String, String>);

impl ValidationErrors {
    /// True when SuperOffice reported no problem.
    pub fn is_valid(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for `field` (case-insensitive), if any.
    pub fn message(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(field))
            .map(|(_, v)| v.as_str())
    }

    /// Field names with a message.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}
