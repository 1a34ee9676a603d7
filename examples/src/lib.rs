//! Shared code of the example binaries.
//!
//! * [`story`]: the narrated end-to-end run behind `cargo run -p examples --bin demo`.
#![forbid(unsafe_code)]

pub mod story;
