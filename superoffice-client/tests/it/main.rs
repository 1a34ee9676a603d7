//! The integration tests of `superoffice-client`, one module per topic (a single
//! binary links once instead of once per file); shared helpers are in the `*_support` modules. `rest_tracing` stays a binary of
//! its own: tracing caches per-callsite interest globally.

mod against_sandbox;
mod auth_support;
mod conformance;
mod credentials;
mod entities;
mod fixtures;
mod hostile;
mod id_token;
mod layout;
mod models_wire;
mod odata;
mod oidc;
mod refresh_storm;
mod rest_support;
mod sales;
mod sandbox_oidc;
mod sandbox_rest;
mod sandbox_support;
mod sandbox_webhooks;
mod system_user;
mod tenant;
mod transport;
mod web_panels;
mod webhooks;
