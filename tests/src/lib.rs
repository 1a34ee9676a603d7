//! End-to-end tests of the workspace live in this crate's `tests/` folder; this library holds
//! what they share: [`browser`], a headless Chromium over WebDriver.
#![forbid(unsafe_code)]

pub mod browser;
