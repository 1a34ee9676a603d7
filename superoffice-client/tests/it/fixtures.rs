//! The `fixture!` macro shared by the test modules: fixtures stay in `tests/fixtures/`, in
//! the vendor's wire format.

/// The text of a file under `tests/fixtures/`, embedded at compile time.
macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $path
        ))
    };
}
pub(crate) use fixture;
