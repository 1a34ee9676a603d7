//! SuperOffice's (.NET) RSA XML key format:
//! `<RSAKeyValue><Modulus>…</Modulus><Exponent>…</Exponent><P>…</P><Q>…</Q><DP>…</DP><DQ>…</DQ>
//! <InverseQ>…</InverseQ><D>…</D></RSAKeyValue>`, each value a base64 big-endian integer.

use base64::Engine as _;
use quick_xml::events::Event;
use quick_xml::Reader;
use rsa::{BoxedUint, PrivateKey};

use crate::error::AuthError;

fn invalid(reason: impl Into<String>) -> AuthError {
    AuthError::InvalidKey {
        reason: reason.into(),
    }
}

#[derive(Default)]
struct Parts {
    modulus: Option<String>,
    exponent: Option<String>,
    p: Option<String>,
    q: Option<String>,
    d: Option<String>,
}

/// Parses an RSA private key in SuperOffice's XML format.
pub(crate) fn parse_private_key(xml: &str) -> Result<PrivateKey, AuthError> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut parts = Parts::default();
    let mut current: Option<String> = None;
    let mut text = String::new();
    let mut saw_root = false;
    let mut closed_root = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                if name == "RSAKeyValue" {
                    saw_root = true;
                } else {
                    current = Some(name);
                    text.clear();
                }
            }
            Ok(Event::Text(t)) => {
                if current.is_some() {
                    let piece = t
                        .decode()
                        .map_err(|_| invalid("the XML key is not valid UTF-8"))?;
                    text.push_str(&piece);
                }
            }
            Ok(Event::CData(t)) => {
                if current.is_some() {
                    let piece = t
                        .decode()
                        .map_err(|_| invalid("the XML key is not valid UTF-8"))?;
                    text.push_str(&piece);
                }
            }
            Ok(Event::End(end)) => {
                let name = String::from_utf8_lossy(end.local_name().as_ref()).into_owned();
                if name == "RSAKeyValue" {
                    closed_root = true;
                }
                if current.as_deref() == Some(name.as_str()) {
                    let value = std::mem::take(&mut text);
                    let slot = match name.as_str() {
                        "Modulus" => Some(&mut parts.modulus),
                        "Exponent" => Some(&mut parts.exponent),
                        "P" => Some(&mut parts.p),
                        "Q" => Some(&mut parts.q),
                        "D" => Some(&mut parts.d),
                        // DP, DQ and InverseQ are recomputed from P, Q and D.
                        _ => None,
                    };
                    if let Some(slot) = slot {
                        *slot = Some(value);
                    }
                    current = None;
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(invalid(format!(
                    "not well-formed XML near byte {}: {}",
                    reader.error_position(),
                    error_kind(&e)
                )))
            }
        }
    }
    if !saw_root {
        return Err(invalid("no <RSAKeyValue> element"));
    }
    if !closed_root || current.is_some() {
        return Err(invalid("the XML key ends early (an element is not closed)"));
    }
    let modulus = decode(parts.modulus.as_deref(), "Modulus")?;
    let bits = u32::try_from(modulus.len() * 8).map_err(|_| invalid("the modulus is too large"))?;
    let n = to_uint(&modulus, bits, "Modulus")?;
    let exponent = decode(parts.exponent.as_deref(), "Exponent")?;
    let e_bits = u32::try_from(exponent.len().max(1) * 8).map_err(|_| invalid("bad exponent"))?;
    let e = to_uint(&exponent, e_bits, "Exponent")?;
    let d = to_uint(&decode(parts.d.as_deref(), "D")?, bits, "D")?;
    let p = to_uint(&decode(parts.p.as_deref(), "P")?, bits, "P")?;
    let q = to_uint(&decode(parts.q.as_deref(), "Q")?, bits, "Q")?;
    PrivateKey::from_components(n, e, d, vec![p, q])
        .map_err(|_| invalid("the key's components are inconsistent"))
}

fn error_kind(err: &quick_xml::Error) -> &'static str {
    match err {
        quick_xml::Error::Syntax(_) => "syntax error",
        quick_xml::Error::IllFormed(_) => "ill-formed document",
        quick_xml::Error::Encoding(_) => "encoding error",
        _ => "parse error",
    }
}

fn decode(value: Option<&str>, element: &'static str) -> Result<Vec<u8>, AuthError> {
    let raw = value.ok_or_else(|| invalid(format!("<{element}> is missing")))?;
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(invalid(format!("<{element}> is empty")));
    }
    let mut bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| invalid(format!("<{element}> is not base64")))?;
    let leading = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..leading);
    Ok(bytes)
}

fn to_uint(bytes: &[u8], bits: u32, element: &'static str) -> Result<BoxedUint, AuthError> {
    BoxedUint::from_be_slice(bytes, bits)
        .map_err(|_| invalid(format!("<{element}> is larger than the modulus")))
}
