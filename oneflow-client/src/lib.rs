//! Typed async client for the **Oneflow** public API v1 (contracts and e-signing).
//!
//! (Crate-level guide, quick start and examples are filled in as the modules land.)
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "sandbox")]
pub mod sandbox;
