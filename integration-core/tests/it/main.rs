//! Integration tests of `integration-core`, one binary (link time dominates on small machines).

mod engine;
#[cfg(feature = "server")]
mod server;
mod store;
