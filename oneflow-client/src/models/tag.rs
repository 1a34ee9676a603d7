//! Tags on contracts, and participant access links.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::TagId;

/// A reference to an account tag, as sent in a contract's `tags` list.
///
/// The create and update references type `tags` as "array of objects" of tag ids; the
/// object's key `id` is inferred from how every other Oneflow object names its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TagRef {
    /// The tag's id.
    pub id: TagId,
}

impl From<TagId> for TagRef {
    fn from(id: TagId) -> Self {
        TagRef { id }
    }
}

/// A participant's access link (`{"access_link": "…"}`): whoever holds it can open the
/// contract as that participant, so `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct AccessLink {
    access_link: String,
}

impl AccessLink {
    /// The link itself; hand it only to the participant it was made for.
    pub fn expose_url(&self) -> &str {
        &self.access_link
    }
}

impl fmt::Debug for AccessLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessLink")
            .field("access_link", &"[redacted]")
            .finish()
    }
}
