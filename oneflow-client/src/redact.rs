//! Keeping secrets and personal data out of `Debug` output, logs and errors.
//!
//! A leaf module: it imports nothing from the crate, so `client`, `request` and `error` can
//! all use it without depending on each other.

use url::Url;

/// Maximum number of characters kept from a response body in errors.
pub(crate) const SNIPPET_LEN: usize = 512;

/// Keys whose values are replaced in decode-error snippets.
const SECRET_KEYS: &[&str] = &[
    "sign_key",
    "api_token",
    "token",
    "access_token",
    "refresh_token",
];

/// Replaces the values of secret-looking keys (`sign_key`, tokens) in a JSON document.
pub(crate) fn redact_secrets(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if SECRET_KEYS.contains(&k.as_str()) && !val.is_null() {
                    *val = serde_json::Value::String("[REDACTED]".into());
                } else {
                    redact_secrets(val);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_secrets),
        _ => {}
    }
}

/// The start of a body for error reports, with secret-looking JSON values redacted.
pub(crate) fn redacted_snippet(body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut v) => {
            redact_secrets(&mut v);
            snippet(&v.to_string())
        }
        Err(_) => snippet(&String::from_utf8_lossy(body)),
    }
}

/// A not yet validated base URL for `Debug`: without credentials, query or fragment.
pub(crate) fn base_url_for_debug(s: &str) -> String {
    match Url::parse(s.trim()) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => "[not a URL]".to_owned(),
    }
}

/// The start of a body (at most [`SNIPPET_LEN`] characters, then `…`), for errors and logs.
pub(crate) fn snippet(body: &str) -> String {
    let mut s: String = body.chars().take(SNIPPET_LEN).collect();
    if body.chars().count() > SNIPPET_LEN {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_bounded() {
        let long = "x".repeat(2000);
        assert_eq!(snippet(&long).chars().count(), SNIPPET_LEN + 1);
        assert_eq!(snippet("short"), "short");
    }

    #[test]
    fn secrets_are_replaced_at_any_depth() {
        let mut v = serde_json::json!({"sign_key": "s", "a": [{"token": "t"}], "token": null});
        redact_secrets(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"sign_key": "[REDACTED]", "a": [{"token": "[REDACTED]"}], "token": null})
        );
    }

    #[test]
    fn base_url_for_debug_drops_credentials_and_query() {
        assert_eq!(
            base_url_for_debug("https://user:pw@api.example/v1?k=secret#f"),
            "https://api.example/v1"
        );
        assert_eq!(base_url_for_debug("not a url"), "[not a URL]");
    }
}
