//! JSON Patch (RFC 6902) documents for `PATCH /api/v1/{Entity}/{id}`.
//!
//! SuperOffice supports the operations `test`, `replace`, `add` and `remove` (not `move` or
//! `copy`); paths are field names (`Status`, `Rating/Id`, `CustomFields`), case-insensitive,
//! with or without a leading `/`. A failing `test` makes the whole patch fail with HTTP 409
//! ([`Error::Conflict`](crate::Error::Conflict)), which gives optimistic concurrency.

use serde::Serialize;
use serde_json::Value;

use crate::error::{InvalidInput, Result};

/// One operation. Serialises as `{"op":"replace","path":"Status","value":"Sold"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
#[non_exhaustive]
pub enum PatchOp {
    /// Fail the whole patch unless `path` currently equals `value`.
    Test {
        /// Field path.
        path: String,
        /// Expected value.
        value: Value,
    },
    /// Set `path` to `value`.
    Replace {
        /// Field path.
        path: String,
        /// New value.
        value: Value,
    },
    /// Add `value` at `path` (append to arrays with `…/-`).
    Add {
        /// Field path.
        path: String,
        /// Value to add.
        value: Value,
    },
    /// Remove `path`.
    Remove {
        /// Field path.
        path: String,
    },
}

impl PatchOp {
    /// The operation's path.
    pub fn path(&self) -> &str {
        match self {
            PatchOp::Test { path, .. }
            | PatchOp::Replace { path, .. }
            | PatchOp::Add { path, .. }
            | PatchOp::Remove { path } => path,
        }
    }
}

/// A JSON Patch document built operation by operation.
///
/// ```
/// use superoffice_client::models::{JsonPatch, ListRef, SaleStatus};
///
/// let patch = JsonPatch::new()
///     .test("Status", SaleStatus::Open)
///     .replace("Status", SaleStatus::Sold)
///     .replace("ReasonSold", ListRef::id(3));
/// assert_eq!(
///     serde_json::to_string(&patch).unwrap(),
///     r#"[{"op":"test","path":"Status","value":"Open"},{"op":"replace","path":"Status","value":"Sold"},{"op":"replace","path":"ReasonSold","value":{"Id":3}}]"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
#[must_use]
pub struct JsonPatch(Vec<PatchOp>);

impl JsonPatch {
    /// An empty patch.
    pub fn new() -> Self {
        JsonPatch(Vec::new())
    }

    /// Append a `test` operation.
    pub fn test(mut self, path: impl Into<String>, value: impl Into<PatchValue>) -> Self {
        self.0.push(PatchOp::Test {
            path: path.into(),
            value: value.into().0,
        });
        self
    }

    /// Append a `replace` operation.
    pub fn replace(mut self, path: impl Into<String>, value: impl Into<PatchValue>) -> Self {
        self.0.push(PatchOp::Replace {
            path: path.into(),
            value: value.into().0,
        });
        self
    }

    /// Append an `add` operation.
    pub fn add(mut self, path: impl Into<String>, value: impl Into<PatchValue>) -> Self {
        self.0.push(PatchOp::Add {
            path: path.into(),
            value: value.into().0,
        });
        self
    }

    /// Append a `remove` operation.
    pub fn remove(mut self, path: impl Into<String>) -> Self {
        self.0.push(PatchOp::Remove { path: path.into() });
        self
    }

    /// The operations in order.
    pub fn ops(&self) -> &[PatchOp] {
        &self.0
    }

    /// True when there are no operations.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Check the patch before sending: at least one operation, no empty paths, and at least
    /// one operation that changes something (a patch of only `test`s is refused).
    pub fn validate(&self) -> Result<()> {
        if self.0.is_empty() {
            return Err(InvalidInput::JsonPatchEmpty.into());
        }
        if let Some(index) = self
            .0
            .iter()
            .position(|op| op.path().trim_start_matches('/').trim().is_empty())
        {
            return Err(InvalidInput::JsonPatchEmptyPath { index }.into());
        }
        if self.0.iter().all(|op| matches!(op, PatchOp::Test { .. })) {
            return Err(InvalidInput::JsonPatchOnlyTests.into());
        }
        Ok(())
    }
}

impl FromIterator<PatchOp> for JsonPatch {
    fn from_iter<I: IntoIterator<Item = PatchOp>>(iter: I) -> Self {
        JsonPatch(iter.into_iter().collect())
    }
}

/// A value for a patch operation; built from strings, numbers, booleans, JSON values and the
/// crate's model types (enums as their wire string, [`ListRef`](crate::models::ListRef) as
/// `{"Id":…}`, dates in SuperOffice's format).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchValue(Value);

impl PatchValue {
    /// Any serialisable value (`null` when it cannot be represented as JSON).
    pub fn from_serialize<T: Serialize>(value: &T) -> Self {
        PatchValue(serde_json::to_value(value).unwrap_or(Value::Null))
    }
}

macro_rules! patch_value_from {
    ($($t:ty),*) => {$(
        impl From<$t> for PatchValue {
            fn from(v: $t) -> Self {
                PatchValue(Value::from(v))
            }
        }
    )*};
}
patch_value_from!(&str, String, bool, i32, i64, u32, f64, Value);

macro_rules! patch_value_serialize {
    ($($t:ty),*) => {$(
        impl From<$t> for PatchValue {
            fn from(v: $t) -> Self {
                PatchValue::from_serialize(&v)
            }
        }
    )*};
}
patch_value_serialize!(
    crate::models::SaleStatus,
    crate::models::SaleCompleted,
    crate::models::SoDateTime,
    crate::models::ListRef,
    crate::models::WebhookState,
    crate::models::VisibleIn,
    crate::models::UrlEncoding,
    crate::models::SaleId,
    crate::models::ContactId,
    crate::models::PersonId,
    crate::models::AssociateId
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{SaleStatus, SoDateTime};

    #[test]
    fn serialises_in_rfc6902_shape() {
        let date = SoDateTime::parse("2026-07-24T00:00:00").unwrap();
        let patch = JsonPatch::new()
            .test("Status", SaleStatus::Open)
            .replace("Saledate", date)
            .add("Emails/-", serde_json::json!({"Value": "a@b.no"}))
            .remove("Postit");
        assert_eq!(
            serde_json::to_value(&patch).unwrap(),
            serde_json::json!([
                {"op":"test","path":"Status","value":"Open"},
                {"op":"replace","path":"Saledate","value":"2026-07-24T00:00:00"},
                {"op":"add","path":"Emails/-","value":{"Value":"a@b.no"}},
                {"op":"remove","path":"Postit"}
            ])
        );
        assert!(patch.validate().is_ok());
    }

    #[test]
    fn validation_rejects_useless_patches() {
        let reason = |patch: JsonPatch| patch.validate().unwrap_err().invalid_input().cloned();
        assert_eq!(reason(JsonPatch::new()), Some(InvalidInput::JsonPatchEmpty));
        assert_eq!(
            reason(JsonPatch::new().replace("Heading", "x").replace("/", 1)),
            Some(InvalidInput::JsonPatchEmptyPath { index: 1 })
        );
        assert_eq!(
            reason(JsonPatch::new().test("Status", SaleStatus::Open)),
            Some(InvalidInput::JsonPatchOnlyTests)
        );
    }
}
