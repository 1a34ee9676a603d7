#![no_main]
//! `cargo fuzz run request_path`: see `oneflow_client_fuzz::request_path`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| oneflow_client_fuzz::request_path(data));
