//! Shared code of the example binaries.
//!
//! * [`story`]: the narrated end-to-end run behind `cargo run -p examples --bin demo`.
//! * [`service`]: both sandboxes and the host service (router + worker) in-process, and
//!   HTTP helpers acting as the admin and the sellers.
//! * [`recipes`]: what the small recipes in `examples/examples/` share (sandboxes or real
//!   services from the environment, a webhook inbox).
#![forbid(unsafe_code)]

pub mod recipes;
pub mod service;
pub mod story;
