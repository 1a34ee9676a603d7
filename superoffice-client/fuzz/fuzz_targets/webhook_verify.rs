#![no_main]
//! `cargo fuzz run webhook_verify`: see `superoffice_client_fuzz::webhook_verify`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| superoffice_client_fuzz::webhook_verify(data));
