//! The Oneflow ↔ SuperOffice integration as a library a host application embeds.
//!
//! - [`engine`]: [`Integration`], what a host embeds: registering Oneflow accounts, setup
//!   (admin checks in both systems, tenant binding, web panel, link fields, both webhooks),
//!   templates and contracts from Sales, webhook intake, the worker that maps contract states
//!   onto Sales, reconciliation, enable/disable and uninstall;
//! - [`policy`]: the user-replaceable decisions, each a small synchronous trait with a
//!   documented default — [`policy::template_filter::TemplateFilter`] (which templates a user
//!   may pick), [`policy::contract_factory::ContractFactory`] (a Sale and the user's choices →
//!   a checked Oneflow create request) and [`policy::stage_mapping::StageMappingPolicy`] (what
//!   a signed or declined contract does to its Sale);
//! - [`store`]: the durable state behind one object-safe trait, [`store::Store`], with an
//!   embedded SQLite default ([`store::SqliteStore`]), a PostgreSQL store for several replicas
//!   (feature `postgres`) and an in-memory store for tests.
//!
//! # Features
//!
//! - `postgres`: `PostgresStore` (sqlx's PostgreSQL driver).
//! - `test-util`: test hooks only — `engine::crash` stops the engine at named points as if
//!   the process died there (for crash-safety tests); never enable it in production.
//! - `server`: [`server`]: the host service (axum, askama): webhooks, health and readiness,
//!   admin setup, the panel's sign-in, the "Oneflow Contract" panel and "Oneflow Settings".
#![forbid(unsafe_code)]

pub use engine::Integration;

pub mod engine;
pub mod policy;
#[cfg(feature = "server")]
pub mod server;
pub mod store;
