//! The host service (feature `server`): an `axum` router a host mounts over the engine.
//!
//! - [`form`]: the panel's create form and the settings forms, parsed from what a browser
//!   sends into the engine's types, with errors per field in plain words;
//! - [`views`]: the view models and askama templates of the "Oneflow Contract" panel and the
//!   "Oneflow Settings" page.

pub mod form;
pub mod views;

#[cfg(test)]
mod pages_tests;
