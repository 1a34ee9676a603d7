//! Integration tests of `superoffice-sandbox` over raw HTTP (the client crate's tests cover
//! the API surface the client uses; these cover what only a browser meets: the web UI).

mod latency;
mod sale_screen;
