#![no_main]
//! `cargo fuzz run identifiers`: see `superoffice_client_fuzz::identifiers`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| superoffice_client_fuzz::identifiers(data));
