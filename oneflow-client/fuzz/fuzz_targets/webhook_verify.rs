#![no_main]
//! `cargo fuzz run webhook_verify`: see `oneflow_client_fuzz::webhook_verify`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| oneflow_client_fuzz::webhook_verify(data));
