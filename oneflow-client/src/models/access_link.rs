//! Participant access links.

use std::fmt;

use serde::Deserialize;

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
