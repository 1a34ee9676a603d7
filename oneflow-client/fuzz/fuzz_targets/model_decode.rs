#![no_main]
//! `cargo fuzz run model_decode`: see `oneflow_client_fuzz::model_decode`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| oneflow_client_fuzz::model_decode(data));
