//! All integration tests of `oneflow-client`, in one test binary (one link instead of one per
//! file). Each module is one former `tests/*.rs` file; fixtures stay in `tests/fixtures/`.
//! `tests/logging.rs` stays its own binary: it installs a global tracing subscriber.

mod common;

mod catalog;
mod conformance;
mod contract_extras;
mod contracts;
mod fidelity;
mod files;
mod hostile;
mod layout;
mod regressions;
mod sandbox_client;
mod transport;
mod webhooks;
