//! The Oneflow ↔ SuperOffice integration: the policies a host may replace and the stores that
//! keep installations, secrets, links, webhook deliveries and jobs.
#![forbid(unsafe_code)]

pub mod policy;
pub mod store;
