//! Tags on contracts.

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
