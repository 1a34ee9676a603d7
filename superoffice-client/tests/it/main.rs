//! The integration tests of `superoffice-client`, one module per former test binary (a
//! single binary links once instead of once per file). `rest_tracing` stays a binary of
//! its own: tracing caches per-callsite interest globally.

mod auth_hardening;
mod auth_oidc;
mod auth_support;
mod auth_system_user;
mod conformance;
mod credentials_refresh;
mod hostile;
mod layout;
mod models_wire;
mod odata;
mod regressions;
mod rest_crm_calls;
mod rest_entities;
mod rest_resilience;
mod rest_sales;
mod rest_support;
mod rest_web_panels;
mod rest_webhooks;
mod sandbox_client;
mod sandbox_crm;
mod sandbox_oidc;
mod sandbox_rest;
mod sandbox_support;
mod sandbox_webhooks;
mod tenant;
