#![no_main]
//! `cargo fuzz run retry_after`: see `superoffice_client_fuzz::retry_after`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| superoffice_client_fuzz::retry_after(data));
