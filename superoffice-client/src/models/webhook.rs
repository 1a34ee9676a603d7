//! Webhook registrations (`/api/v1/Webhook`) and the payload SuperOffice POSTs to them.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::models::common::Associate;
use crate::models::date::SoDateTime;
use crate::models::ids::{AssociateId, WebhookId};

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
    /// True for the `test` ping SuperOffice sends when a webhook is created or tested.
    pub fn is_test(&self) -> bool {
        self.event.as_deref() == Some("test")
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
#[non_exhaustive]
pub struct Webhook {
    /// `WebhookId` (0 before creation).
    #[serde(
        rename = "WebhookId",
        default,
        deserialize_with = "crate::models::de::null_default"
    )]
    pub webhook_id: WebhookId,
    /// `Name`.
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Event names, e.g. `sale.changed` (`Events`).
    #[serde(
        rename = "Events",
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub events: Vec<String>,
    /// HTTPS endpoint that receives the events (`TargetUrl`).
    #[serde(rename = "TargetUrl", default, skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    /// Shared secret for `X-SuperOffice-Signature` (`Secret`).
    #[serde(
        rename = "Secret",
        default,
        deserialize_with = "empty_secret_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub secret: Option<WebhookSecret>,
    /// `State`.
    #[serde(rename = "State", default, skip_serializing_if = "Option::is_none")]
    pub state: Option<WebhookState>,
    /// `webhook` or `crmscript` (`Type`).
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub webhook_type: Option<String>,
    /// Extra HTTP headers sent with each call (`Headers`).
    #[serde(
        rename = "Headers",
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub headers: Map<String, Value>,
    /// Values injected into each payload (`Properties`).
    #[serde(
        rename = "Properties",
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub properties: Map<String, Value>,
    /// `Description`.
    #[serde(
        rename = "Description",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<String>,
    /// `Registered`.
    #[serde(
        rename = "Registered",
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub registered: Option<SoDateTime>,
    /// `RegisteredAssociate`.
    #[serde(
        rename = "RegisteredAssociate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub registered_associate: Option<Associate>,
    /// `Updated`.
    #[serde(
        rename = "Updated",
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated: Option<SoDateTime>,
    /// `UpdatedAssociate`.
    #[serde(
        rename = "UpdatedAssociate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_associate: Option<Associate>,
    /// `ErrorEmails`.
    #[serde(
        rename = "ErrorEmails",
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub error_emails: Vec<String>,
    /// `NotifyVia`.
    #[serde(rename = "NotifyVia", default, skip_serializing_if = "Option::is_none")]
    pub notify_via: Option<NotifyVia>,
    /// `NotifyWhen` (flags: `None`, `FirstFailure`, `Disabling`).
    #[serde(
        rename = "NotifyWhen",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub notify_when: Option<String>,
    /// `TotalCalls`.
    #[serde(
        rename = "TotalCalls",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub total_calls: Option<i32>,
    /// `TotalErrors`.
    #[serde(
        rename = "TotalErrors",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub total_errors: Option<i32>,
    /// `ConsecutiveErrors`.
    #[serde(
        rename = "ConsecutiveErrors",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub consecutive_errors: Option<i32>,
    /// `LastError`.
    #[serde(rename = "LastError", default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Answer of `POST /api/v1/Webhook/Test`: Swagger definition `WebhookResult`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookResult {
    /// `Success`.
    #[serde(
        rename = "Success",
        default,
        deserialize_with = "crate::models::de::null_default"
    )]
    pub success: bool,
    /// `Message`.
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body SuperOffice POSTs to a webhook target: `WebhookPayload`. `Changes` and `FieldValues` use database column names; fetch the entity for details.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookPayload {
    /// Unique per event; dedupe on it (`EventId`).
    #[serde(rename = "EventId", default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// `Timestamp`.
    #[serde(
        rename = "Timestamp",
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<SoDateTime>,
    /// Changed columns (`Changes`).
    #[serde(
        rename = "Changes",
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub changes: Vec<String>,
    /// Event name, e.g. `sale.changed` (`Event`).
    #[serde(rename = "Event", default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Id of the changed row (`PrimaryKey`).
    #[serde(
        rename = "PrimaryKey",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub primary_key: Option<i64>,
    /// Table, e.g. `sale` (`Entity`).
    #[serde(rename = "Entity", default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Tenant, e.g. `Cust12345` (`ContextIdentifier`).
    #[serde(
        rename = "ContextIdentifier",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub context_identifier: Option<String>,
    /// `ChangedByAssociateId`.
    #[serde(
        rename = "ChangedByAssociateId",
        default,
        deserialize_with = "crate::models::de::null_default"
    )]
    pub changed_by_associate_id: AssociateId,
    /// `WebhookName`.
    #[serde(
        rename = "WebhookName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub webhook_name: Option<String>,
    /// Column values (`FieldValues`).
    #[serde(
        rename = "FieldValues",
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub field_values: Map<String, Value>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
