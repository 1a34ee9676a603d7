//! Shared code of the example binaries.
//!
//! * [`story`]: the narrated end-to-end run behind `cargo run -p examples --bin demo`.

pub mod story;
