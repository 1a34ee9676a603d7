#![no_main]
//! `cargo fuzz run odata_filter`: see `superoffice_client_fuzz::odata_filter`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| superoffice_client_fuzz::odata_filter(data));
