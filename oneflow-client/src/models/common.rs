//! Small shapes shared by several objects.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// Deserializes `null` like a missing field: as the type's default (empty list, `false`, …).
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A hyperlink (`{"href": "..."}`).
///
/// Oneflow's links reference documents an absent resource as `{"href": null}` (the first
/// page's `previous`, the last page's `next`), so `href` is optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Link {
    /// The target URL; `None` when Oneflow sends `{"href": null}` (no such resource).
    #[serde(default)]
    pub href: Option<String>,
}

impl Link {
    /// A link to `href`.
    pub fn new(href: impl Into<String>) -> Self {
        Link {
            href: Some(href.into()),
        }
    }

    /// The target URL, if there is one.
    pub fn href(&self) -> Option<&str> {
        self.href.as_deref()
    }
}

/// The `_links` object of a resource or a page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Links {
    /// Link to this resource or page.
    #[serde(default, rename = "self", skip_serializing_if = "Option::is_none")]
    pub self_link: Option<Link>,
    /// Next page, absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Link>,
    /// Previous page, absent on the first one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Link>,
    /// Any other links (e.g. `template_type` on a data field).
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

impl Links {
    /// The next page's URL; `None` when `next` is absent, `null` or `{"href": null}`.
    pub fn next_href(&self) -> Option<&str> {
        self.next.as_ref().and_then(Link::href)
    }

    /// The previous page's URL; `None` when `previous` is absent, `null` or
    /// `{"href": null}`.
    pub fn previous_href(&self) -> Option<&str> {
        self.previous.as_ref().and_then(Link::href)
    }

    /// Whether `next` is the documented end marker `{"href": null}`.
    pub(crate) fn next_is_null(&self) -> bool {
        self.next.as_ref().is_some_and(|l| l.href.is_none())
    }
}

/// Permissions object (`_permissions`), e.g. `{"contract:update": true}`.
pub type Permissions = BTreeMap<String, bool>;

/// An amount as Oneflow sends it: a decimal **string** with at most two decimals
/// (`"1500.00"`), never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Amount {
    /// The decimal string.
    pub amount: String,
}

impl Amount {
    /// Wraps a decimal string such as `"1500.00"`.
    pub fn new(amount: impl Into<String>) -> Self {
        Amount {
            amount: amount.into(),
        }
    }
}

/// A monetary value with currency (contract value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Money {
    /// Decimal string, e.g. `"25000.00"`.
    pub amount: String,
    /// ISO 4217 currency code, e.g. `SEK`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

impl Money {
    /// A value in the given currency.
    pub fn new(amount: impl Into<String>, currency: impl Into<String>) -> Self {
        Money {
            amount: amount.into(),
            currency: Some(currency.into()),
        }
    }

    /// An amount without currency, as in the create-a-contract-with-a-contract-value
    /// tutorial (`{"amount": "500.10"}`).
    pub fn amount(amount: impl Into<String>) -> Self {
        Money {
            amount: amount.into(),
            currency: None,
        }
    }
}
