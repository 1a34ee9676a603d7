#![no_main]
//! `cargo fuzz run model_decode`: see `superoffice_client_fuzz::model_decode`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| superoffice_client_fuzz::model_decode(data));
