//! All integration tests of `oneflow-client`, in one test binary (one link instead of one per
//! file). One module per topic; fixtures stay in `tests/fixtures/`.
//! `tests/logging.rs` stays its own binary: it installs a global tracing subscriber.

mod against_sandbox;
mod catalog;
mod common;
mod conformance;
mod contracts;
mod errors;
mod files;
mod layout;
mod models;
mod pagination;
mod retry;
mod secrets;
mod transport;
mod webhooks;
