//! Typed async client for **SuperOffice CRM Online**: OIDC authentication, tenant routing and the
//! REST Web API (`…/api/v1/…`).
//!
//! (Crate-level guide, quick start and examples are filled in as the modules land.)
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
pub mod auth;
pub mod client;
pub mod credentials;
pub mod error;
pub mod models;
pub mod odata;
pub mod rate_limit;
pub mod retry;
pub mod tenant;
pub mod webhook;

#[cfg(feature = "sandbox")]
pub mod sandbox;

pub use auth::{AuthError, Environment, OidcClient, SuperOfficeClaims};
pub use client::{Client, ClientBuilder};
pub use credentials::{Credential, TokenProvider};
pub use error::{Error, Result};
pub use tenant::{ApiBaseResolver, CustomerId, TenantLocator};
