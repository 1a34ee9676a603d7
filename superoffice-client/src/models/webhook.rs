//! Webhook registrations (`/api/v1/Webhook`) and the payload SuperOffice POSTs to them.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::models::common::Associate;
use crate::models::date::SoDateTime;
use crate::models::ids::{AssociateId, ContactId, PersonId, WebhookId};
use crate::models::sale::SaleStatus;

crate::models::macros::string_enum! {
    /// `Webhook.State`.
    pub enum WebhookState {
        /// `Unknown` (as a list filter: all).
        Unknown = "Unknown",
        /// `Active`: events are delivered.
        Active = "Active",
        /// `Stopped`: paused by its owner.
        Stopped = "Stopped",
        /// `TooManyErrors`: stopped by SuperOffice after repeated failures; set back to
        /// `Active` to resume.
        TooManyErrors = "TooManyErrors",
    }
}

crate::models::macros::string_enum! {
    /// `Webhook.NotifyVia`.
    pub enum NotifyVia {
        /// `None`.
        None = "None",
        /// `Email`.
        Email = "Email",
        /// `InApp`.
        InApp = "InApp",
    }
}

/// The shared secret of a webhook: sent when creating it, used to verify
/// `X-SuperOffice-Signature`. `Debug` shows `[redacted]`; serialisation writes the value.
#[derive(Clone)]
pub struct WebhookSecret(SecretString);

impl WebhookSecret {
    /// Wrap a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        WebhookSecret(SecretString::from(secret.into()))
    }

    /// The secret itself (for signing/verification only).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

impl PartialEq for WebhookSecret {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        bool::from(self.expose().as_bytes().ct_eq(other.expose().as_bytes()))
    }
}

impl Serialize for WebhookSecret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for WebhookSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(WebhookSecret::new)
    }
}

/// SuperOffice answers `"Secret": ""` on reads; keep that as `None` so a read → update round
/// trip does not send an empty secret.
fn empty_secret_as_none<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<WebhookSecret>, D::Error> {
    let raw = Option::<String>::deserialize(deserializer)?;
    Ok(raw.filter(|s| !s.is_empty()).map(WebhookSecret::new))
}

impl Webhook {
    /// A new, active webhook of type `webhook` for `events`, posting to `target_url` and signed
    /// with `secret`.
    pub fn new(
        name: impl Into<String>,
        target_url: impl Into<String>,
        events: impl IntoIterator<Item = impl Into<String>>,
        secret: WebhookSecret,
    ) -> Self {
        Webhook {
            name: Some(name.into()),
            target_url: Some(target_url.into()),
            events: events.into_iter().map(Into::into).collect(),
            secret: Some(secret),
            state: Some(WebhookState::Active),
            webhook_type: Some("webhook".to_owned()),
            ..Webhook::default()
        }
    }
}

impl Webhook {
    /// This webhook with `secret` (e.g. the one stored at creation, before an update).
    pub fn with_secret(mut self, secret: WebhookSecret) -> Self {
        self.secret = Some(secret);
        self
    }
}

impl WebhookPayload {
    /// True for the `test` ping SuperOffice sends when a webhook is created or tested
    /// (webhooks reference "Test event": `Event` and `Entity` are `test`).
    pub fn is_test(&self) -> bool {
        self.event.as_deref() == Some("test") || self.entity.as_deref() == Some("test")
    }

    /// `FieldValues` of a `sale.*` event, typed (`None` for other entities). Values that do
    /// not have the documented type are left out (`None`) rather than failing.
    pub fn sale_fields(&self) -> Option<SaleFieldValues> {
        if !self
            .entity
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("sale"))
        {
            return None;
        }
        let int = |column: &str| self.field_i64(column).and_then(|n| i32::try_from(n).ok());
        let text = |column: &str| {
            self.field_values
                .get(column)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Some(SaleFieldValues {
            status: self
                .field_i64("status")
                .map(SaleFieldValues::status_from_code),
            done: self.field_i64("done").and_then(|d| match d {
                2 => Some(true),
                1 => Some(false),
                _ => None,
            }),
            stage_id: int("probability_idx"),
            sale_type_id: int("saleType_id"),
            sale_type_category_id: int("saleTypeCat_id"),
            contact_id: int("contact_id").map(ContactId),
            person_id: int("person_id").map(PersonId),
            associate_id: int("associate_id").map(AssociateId),
            reason_lost_id: int("reason_id"),
            reason_sold_id: int("reasonSold_id"),
            reason_stalled_id: int("reasonStalled_id"),
            currency_id: int("currency_id"),
            saledate: text("saledate"),
            registered: text("registered"),
            updated: text("updated"),
            updated_associate_id: int("updated_associate_id").map(AssociateId),
        })
    }

    /// An integer from `FieldValues` (database column names, e.g. `status`, `probability_idx`).
    pub fn field_i64(&self, column: &str) -> Option<i64> {
        match self.field_values.get(column)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// A webhook registration: Swagger definition `Webhook`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Webhook {
    /// `WebhookId` (0 before creation).
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub webhook_id: WebhookId,
    /// `Name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Event names, e.g. `sale.changed` (`Events`).
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub events: Vec<String>,
    /// HTTPS endpoint that receives the events (`TargetUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    /// Shared secret for `X-SuperOffice-Signature` (`Secret`).
    #[serde(
        default,
        deserialize_with = "empty_secret_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub secret: Option<WebhookSecret>,
    /// `State`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<WebhookState>,
    /// `webhook` or `crmscript` (`Type`).
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub webhook_type: Option<String>,
    /// Extra HTTP headers sent with each call (`Headers`).
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub headers: Map<String, Value>,
    /// Values injected into each payload (`Properties`).
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub properties: Map<String, Value>,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Registered`.
    #[serde(
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub registered: Option<SoDateTime>,
    /// `RegisteredAssociate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_associate: Option<Associate>,
    /// `Updated`.
    #[serde(
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated: Option<SoDateTime>,
    /// `UpdatedAssociate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_associate: Option<Associate>,
    /// `ErrorEmails`.
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub error_emails: Vec<String>,
    /// `NotifyVia`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_via: Option<NotifyVia>,
    /// `NotifyWhen` (flags: `None`, `FirstFailure`, `Disabling`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_when: Option<String>,
    /// `TotalCalls`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_calls: Option<i32>,
    /// `TotalErrors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_errors: Option<i32>,
    /// `ConsecutiveErrors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_errors: Option<i32>,
    /// `LastError`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Answer of `POST /api/v1/Webhook/Test`: Swagger definition `WebhookResult`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct WebhookResult {
    /// `Success`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub success: bool,
    /// `Message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body SuperOffice POSTs to a webhook target: `WebhookPayload`. `Changes` and `FieldValues` use database column names; fetch the entity for details.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct WebhookPayload {
    /// Unique per event; dedupe on it (`EventId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// `Timestamp`.
    #[serde(
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<SoDateTime>,
    /// Changed columns (`Changes`).
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub changes: Vec<String>,
    /// Event name, e.g. `sale.changed` (`Event`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Id of the changed row (`PrimaryKey`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<i64>,
    /// Table, e.g. `sale` (`Entity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Tenant, e.g. `Cust12345` (`ContextIdentifier`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_identifier: Option<String>,
    /// `ChangedByAssociateId`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub changed_by_associate_id: AssociateId,
    /// `WebhookName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_name: Option<String>,
    /// Column values (`FieldValues`).
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub field_values: Map<String, Value>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `FieldValues` of a `sale.*` webhook event, typed: database columns of the `sale` table
/// as listed on the webhooks reference page "Sale webhook events" (0 means "none" for ids).
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct SaleFieldValues {
    /// `status`: 1 open, 2 sold, 3 lost, 4 stalled (database table `sale`).
    pub status: Option<SaleStatus>,
    /// `done`: 2 = yes, 1 = no (0 "don't know" → `None`).
    pub done: Option<bool>,
    /// `probability_idx`: the sale stage (`Rating`) id.
    pub stage_id: Option<i32>,
    /// `saleType_id`.
    pub sale_type_id: Option<i32>,
    /// `saleTypeCat_id`.
    pub sale_type_category_id: Option<i32>,
    /// `contact_id`.
    pub contact_id: Option<ContactId>,
    /// `person_id`.
    pub person_id: Option<PersonId>,
    /// `associate_id` (owner).
    pub associate_id: Option<AssociateId>,
    /// `reason_id` (reason lost).
    pub reason_lost_id: Option<i32>,
    /// `reasonSold_id`.
    pub reason_sold_id: Option<i32>,
    /// `reasonStalled_id`.
    pub reason_stalled_id: Option<i32>,
    /// `currency_id`.
    pub currency_id: Option<i32>,
    /// `saledate` as sent (local time, no offset).
    pub saledate: Option<String>,
    /// `registered` as sent.
    pub registered: Option<String>,
    /// `updated` as sent.
    pub updated: Option<String>,
    /// `updated_associate_id`.
    pub updated_associate_id: Option<AssociateId>,
}

impl SaleFieldValues {
    /// The `sale.status` column value as a [`SaleStatus`] (unknown codes kept as `Other`).
    pub fn status_from_code(code: i64) -> SaleStatus {
        match code {
            0 => SaleStatus::Unknown,
            1 => SaleStatus::Open,
            2 => SaleStatus::Sold,
            3 => SaleStatus::Lost,
            4 => SaleStatus::Stalled,
            other => SaleStatus::Other(other.to_string()),
        }
    }
}
