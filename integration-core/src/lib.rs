//! The integration engine. Filled by the integration-core issue.
