//! Typed async client for **SuperOffice CRM Online**: OIDC authentication, tenant routing and the
//! REST Web API (`…/api/v1/…`).
//!
//! (Crate-level guide, quick start and examples are filled in as the modules land.)
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod credentials;
pub mod error;
pub mod tenant;

#[cfg(feature = "sandbox")]
pub mod sandbox;

pub use credentials::{Credential, TokenProvider};
pub use error::{Error, Result};
