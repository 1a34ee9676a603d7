//! Which requests an injected [`Fault`](crate::Fault) applies to.

/// Which requests a fault applies to: a method set and a path prefix (both optional).
///
/// Paths are matched as logged in [`RequestRecord::path`](crate::RequestRecord::path) (as
/// sent, e.g. `/Cust12345/api/v1/Sale/101`), methods case-insensitively. The same type as
/// the Oneflow sandbox's.
///
/// ```
/// use superoffice_sandbox::FaultScope;
///
/// let sale_writes = FaultScope::method("PATCH").path_prefix("/Cust12345/api/v1/Sale/");
/// assert!(sale_writes.matches("patch", "/Cust12345/api/v1/Sale/101"));
/// assert!(!sale_writes.matches("GET", "/Cust12345/api/v1/Sale/101"));
/// assert!(FaultScope::reads().matches("GET", "/Cust12345/api/v1/Sale/101"));
/// assert!(!FaultScope::writes().matches("GET", "/Cust12345/api/v1/Sale/101"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct FaultScope {
    /// Upper-case methods; empty: any method.
    methods: Vec<String>,
    path_prefix: Option<String>,
}

impl FaultScope {
    /// Every request.
    pub fn any() -> Self {
        Self::default()
    }

    /// Reads: `GET` and `HEAD`.
    pub fn reads() -> Self {
        Self {
            methods: vec!["GET".into(), "HEAD".into()],
            path_prefix: None,
        }
    }

    /// Writes: `POST`, `PUT`, `PATCH` and `DELETE`.
    pub fn writes() -> Self {
        Self {
            methods: ["POST", "PUT", "PATCH", "DELETE"]
                .map(String::from)
                .to_vec(),
            path_prefix: None,
        }
    }

    /// Requests with this method only.
    pub fn method(method: impl Into<String>) -> Self {
        Self {
            methods: vec![method.into().to_ascii_uppercase()],
            path_prefix: None,
        }
    }

    /// Only requests whose path starts with `prefix` (e.g. `/Cust12345/api/v1/Sale`).
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Whether a request with this method and path is in scope.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok =
            self.methods.is_empty() || self.methods.iter().any(|m| m.eq_ignore_ascii_case(method));
        let path_ok = self
            .path_prefix
            .as_deref()
            .is_none_or(|prefix| path.starts_with(prefix));
        method_ok && path_ok
    }
}
