#![no_main]
//! `cargo fuzz run retry_after`: see `oneflow_client_fuzz::retry_after`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| oneflow_client_fuzz::retry_after(data));
