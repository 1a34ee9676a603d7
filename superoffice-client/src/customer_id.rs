//! [`CustomerId`], a SuperOffice tenant id (`Cust12345`), and why a text is not one
//! ([`CustomerIdError`]). A leaf module: it imports only the crate's redaction helpers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

use crate::redact::shorten;

/// Why a text or URL does not name a tenant (see [`CustomerId::parse`] and
/// [`CustomerId::from_url`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CustomerIdError {
    /// The text is not a customer id (`Cust` followed by digits, e.g. `Cust12345`).
    #[error("`{input}` is not a SuperOffice customer id ({reason}); expected e.g. `Cust12345`")]
    InvalidCustomerId {
        /// The rejected text (truncated when long).
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The text is not an absolute URL.
    #[error("`{input}` is not a URL: {reason}")]
    InvalidUrl {
        /// The rejected text (truncated when long; query and fragment removed).
        input: String,
        /// Why it could not be parsed.
        reason: String,
    },
    /// The URL is valid but none of its path segments is a customer id; pass the tenant's
    /// `webapi_url` or a URL below it.
    #[error("no customer id (`Cust12345`) in the path of `{url}`")]
    NoCustomerIdInUrl {
        /// The URL without query and fragment.
        url: String,
    },
}

/// A SuperOffice Online tenant id (“context identifier”, customer id): `Cust` followed by
/// digits, e.g. `Cust12345`.
///
/// The prefix is matched case-insensitively and normalised to `Cust` (`cust12345` in a URL
/// becomes `Cust12345`). Serialised as the plain string.
///
/// ```
/// use superoffice_client::CustomerId;
///
/// let id: CustomerId = "Cust12345".parse()?;
/// assert_eq!(id.as_str(), "Cust12345");
///
/// let from_url = CustomerId::from_url("https://sod2.superoffice.com/cust12345/api/v1/Sale/4")?;
/// assert_eq!(from_url, id);
/// # Ok::<(), superoffice_client::CustomerIdError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomerId(String);

impl CustomerId {
    /// The longest run of digits accepted after `Cust`.
    const MAX_DIGITS: usize = 12;

    /// Parses `Cust12345` (prefix in any case, surrounding whitespace ignored).
    pub fn parse(input: &str) -> Result<Self, CustomerIdError> {
        let trimmed = input.trim();
        let invalid = |reason| CustomerIdError::InvalidCustomerId {
            input: shorten(trimmed),
            reason,
        };
        if trimmed.is_empty() {
            return Err(invalid("it is empty"));
        }
        let prefix = trimmed.get(..4).filter(|p| p.eq_ignore_ascii_case("cust"));
        let Some(_) = prefix else {
            return Err(invalid("it does not start with `Cust`"));
        };
        let digits = &trimmed[4..];
        if digits.is_empty() {
            return Err(invalid("the digits after `Cust` are missing"));
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("only digits may follow `Cust`"));
        }
        if digits.len() > Self::MAX_DIGITS {
            return Err(invalid("too many digits"));
        }
        Ok(CustomerId(format!("Cust{digits}")))
    }

    /// Extracts the customer id from any SuperOffice URL whose path contains it, e.g.
    /// `https://online.superoffice.com/Cust12345/default.aspx`,
    /// `https://sod2.superoffice.com/Cust12345/api/v1/Sale/4` or
    /// `https://app.superoffice.com/cust12345/api/`.
    pub fn from_url(input: &str) -> Result<Self, CustomerIdError> {
        let url = Url::parse(input.trim()).map_err(|e| CustomerIdError::InvalidUrl {
            input: shorten(strip_query(input.trim())),
            reason: e.to_string(),
        })?;
        Self::from_parsed_url(&url)
    }

    /// Like [`from_url`](Self::from_url) for an already parsed URL.
    pub fn from_parsed_url(url: &Url) -> Result<Self, CustomerIdError> {
        url.path_segments()
            .into_iter()
            .flatten()
            .find_map(|segment| CustomerId::parse(segment).ok())
            .ok_or_else(|| {
                let mut bare = url.clone();
                bare.set_query(None);
                bare.set_fragment(None);
                CustomerIdError::NoCustomerIdInUrl {
                    url: shorten(bare.as_str()),
                }
            })
    }

    /// The id as text (`Cust12345`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The numeric part (`12345` for `Cust12345`).
    pub fn number(&self) -> &str {
        &self.0[4..]
    }
}

fn strip_query(input: &str) -> &str {
    input.split(['?', '#']).next().unwrap_or(input)
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomerId({})", self.0)
    }
}

impl FromStr for CustomerId {
    type Err = CustomerIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CustomerId::parse(s)
    }
}

impl AsRef<str> for CustomerId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for CustomerId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CustomerId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        CustomerId::parse(&raw).map_err(serde::de::Error::custom)
    }
}
