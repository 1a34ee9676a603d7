//! Redaction of text that came from a server before it is kept in an error: values of
//! secret-looking JSON fields, `Bearer`/`Basic` credentials and SuperOffice tickets
//! (`8A:…`, `7T:…`) become `***`; control characters become spaces; the length is bounded.

/// JSON field names whose string values are never kept (compared case-insensitively).
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "secret",
    "password",
    "token",
    "ticket",
    "authorization",
    "so-apptoken",
    "apptoken",
    "signature",
    "code",
];

/// SuperOffice credential prefixes (`8A:Cust12345.…` access tokens, `7T:…` tickets).
const TICKET_PREFIXES: &[&str] = &["8A:", "8C:", "7A:", "7C:", "7T:"];

const MASK: &str = "***";

/// `text` with secrets masked and control characters replaced, cut to `max_chars` characters
/// (an ellipsis marks a cut).
pub(crate) fn redact(text: &str, max_chars: usize) -> String {
    let masked = mask_credentials(&mask_json_secrets(text));
    let cleaned: String = masked
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out: String = cleaned.chars().take(max_chars).collect();
    if cleaned.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}

/// Masks the string value after `"<secret key>"\s*:\s*"`.
fn mask_json_secrets(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            if let Some(value_start) = secret_value_start(&lower, i) {
                out.push_str(&text[i..value_start]);
                out.push_str(MASK);
                // Skip the string value up to its closing quote (escapes honoured).
                let mut j = value_start;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                i = j.min(bytes.len());
                continue;
            }
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    out
}

/// When `lower[quote..]` starts with `"<secret key>"` `:` `"`, the byte offset of the value.
fn secret_value_start(lower: &str, quote: usize) -> Option<usize> {
    let rest = &lower[quote + 1..];
    let key = SECRET_KEYS
        .iter()
        .find(|k| rest.starts_with(*k) && rest[k.len()..].starts_with('"'))?;
    let mut j = quote + 1 + key.len() + 1;
    let b = lower.as_bytes();
    while j < b.len() && b[j].is_ascii_whitespace() {
        j += 1;
    }
    if b.get(j) != Some(&b':') {
        return None;
    }
    j += 1;
    while j < b.len() && b[j].is_ascii_whitespace() {
        j += 1;
    }
    (b.get(j) == Some(&b'"')).then_some(j + 1)
}

/// Masks the word after `Bearer `/`Basic ` and SuperOffice tickets.
fn mask_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let lower = rest.to_ascii_lowercase();
        let scheme = ["bearer ", "basic "]
            .iter()
            .filter_map(|s| lower.find(s).map(|at| (at, s.len())));
        let ticket = TICKET_PREFIXES
            .iter()
            .filter_map(|p| lower.find(&p.to_ascii_lowercase()).map(|at| (at, p.len())));
        let Some((at, len)) = scheme.chain(ticket).min_by_key(|(at, _)| *at) else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at + len]);
        let tail = &rest[at + len..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || "._~+/=:-".contains(c)))
            .unwrap_or(tail.len());
        if end > 0 {
            out.push_str(MASK);
        }
        rest = &tail[end..];
    }
}

/// Text from a callback or server answer for an error message: control characters removed,
/// surrounding whitespace trimmed, at most 200 characters (an ellipsis marks a cut).
pub(crate) fn clean_text(text: &str) -> String {
    const MAX: usize = 200;
    let cleaned: String = text.chars().filter(|c| !c.is_control()).collect();
    let trimmed = cleaned.trim();
    if trimmed.chars().count() <= MAX {
        trimmed.to_owned()
    } else {
        let mut s: String = trimmed.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

/// `input` cut to 120 characters (an ellipsis marks a cut), for echoing user input in errors.
pub(crate) fn shorten(input: &str) -> String {
    const MAX: usize = 120;
    if input.chars().count() <= MAX {
        input.to_owned()
    } else {
        let mut s: String = input.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secrets_and_bounds_the_text() {
        let body = r#"{"access_token":"eyJ.abc","token_type":"Bearer","Error":"x","client_secret" : "s\"3"}"#;
        let out = redact(body, 1000);
        assert!(!out.contains("eyJ.abc"), "{out}");
        assert!(!out.contains("s\\\"3"), "{out}");
        assert!(out.contains(r#""access_token":"***""#), "{out}");
        assert!(out.contains(r#""Error":"x""#), "{out}");
        let out = redact(
            "Invalid ticket 8A:Cust12345.AbC-123== for Bearer eyJhbGci.x.y end",
            1000,
        );
        assert_eq!(out, "Invalid ticket 8A:*** for Bearer *** end");
        assert_eq!(redact("a\u{1b}[31mb\nc", 100), "a [31mb c");
        assert_eq!(redact(&"é".repeat(10), 3), "ééé…");
    }
}
