//! Webhook subscriptions (management API).

use std::fmt;

use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};

use super::{EventType, TemplateTypeId, WebhookFilterRuleType, WebhookId, WorkspaceId};

/// One filter rule: event types or workspace ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookFilterRule {
    /// `EVENT_TYPE` or `WORKSPACE`.
    #[serde(rename = "type")]
    pub rule_type: WebhookFilterRuleType,
    /// Event type strings or workspace ids (1–50).
    pub values: Vec<serde_json::Value>,
}

impl WebhookFilterRule {
    /// Only these event types.
    pub fn event_types<I: IntoIterator<Item = EventType>>(types: I) -> Self {
        WebhookFilterRule {
            rule_type: WebhookFilterRuleType::EventType,
            values: types
                .into_iter()
                .map(|t| serde_json::Value::String(t.as_str().to_owned()))
                .collect(),
        }
    }

    /// Only these workspaces.
    pub fn workspaces<I: IntoIterator<Item = WorkspaceId>>(ids: I) -> Self {
        WebhookFilterRule {
            rule_type: WebhookFilterRuleType::Workspace,
            values: ids
                .into_iter()
                .map(|id| serde_json::Value::from(id.get()))
                .collect(),
        }
    }
}

/// A filter: all of its rules (1–2) must match.
///
/// Reading accepts both forms seen in public sources: the documented object
/// `{"filter_rules": [...]}` and a plain event-type string such as `"contract:sign"`
/// (Oneflow's own connector), which reads as one `EVENT_TYPE` rule with that value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct WebhookFilter {
    /// The rules.
    pub filter_rules: Vec<WebhookFilterRule>,
}

impl<'de> Deserialize<'de> for WebhookFilter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Object {
            #[serde(default, deserialize_with = "null_as_empty")]
            filter_rules: Vec<WebhookFilterRule>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            EventType(String),
            Object(Object),
        }
        Ok(match Form::deserialize(d)? {
            Form::EventType(event) => WebhookFilter {
                filter_rules: vec![WebhookFilterRule {
                    rule_type: WebhookFilterRuleType::EventType,
                    values: vec![serde_json::Value::String(event)],
                }],
            },
            Form::Object(o) => WebhookFilter {
                filter_rules: o.filter_rules,
            },
        })
    }
}

impl WebhookFilter {
    /// A filter from rules.
    pub fn new(rules: Vec<WebhookFilterRule>) -> Self {
        WebhookFilter {
            filter_rules: rules,
        }
    }
}

/// A webhook subscription (`GET /webhooks`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "WebhookRepr")]
#[non_exhaustive]
pub struct Webhook {
    /// Webhook id (`webhook_id`, or `id` in older shapes).
    pub webhook_id: WebhookId,
    /// Where events are posted.
    #[serde(default)]
    pub callback_url: Option<String>,
    /// Only contracts of this template type (group).
    #[serde(default)]
    pub template_group_id: Option<TemplateTypeId>,
    /// Filters.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub filters: Vec<WebhookFilter>,
    /// Integration instance (kept as JSON).
    #[serde(default)]
    pub integration_instance: Option<serde_json::Value>,
    /// Whether the hook uses the legacy payload format.
    #[serde(default)]
    pub legacy_webhook: Option<bool>,
    /// The sign key, if the server echoes it (never printed by `Debug`).
    #[serde(default, skip_serializing, deserialize_with = "secret_opt")]
    pub sign_key: Option<SecretString>,
}

/// Wire shape: the id comes as `webhook_id` (documented) or `id` (older shape), or both.
#[derive(Deserialize)]
struct WebhookRepr {
    #[serde(default)]
    webhook_id: Option<WebhookId>,
    #[serde(default)]
    id: Option<WebhookId>,
    #[serde(default)]
    callback_url: Option<String>,
    #[serde(default)]
    template_group_id: Option<TemplateTypeId>,
    #[serde(default, deserialize_with = "null_as_empty")]
    filters: Vec<WebhookFilter>,
    #[serde(default)]
    integration_instance: Option<serde_json::Value>,
    #[serde(default)]
    legacy_webhook: Option<bool>,
    #[serde(default, deserialize_with = "secret_opt")]
    sign_key: Option<SecretString>,
}

impl TryFrom<WebhookRepr> for Webhook {
    type Error = &'static str;

    fn try_from(r: WebhookRepr) -> Result<Self, Self::Error> {
        Ok(Webhook {
            webhook_id: r
                .webhook_id
                .or(r.id)
                .ok_or("webhook has neither `webhook_id` nor `id`")?,
            callback_url: r.callback_url,
            template_group_id: r.template_group_id,
            filters: r.filters,
            integration_instance: r.integration_instance,
            legacy_webhook: r.legacy_webhook,
            sign_key: r.sign_key,
        })
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("webhook_id", &self.webhook_id)
            .field("callback_url", &self.callback_url)
            .field("template_group_id", &self.template_group_id)
            .field("filters", &self.filters)
            .field("legacy_webhook", &self.legacy_webhook)
            .field("sign_key", &self.sign_key.as_ref().map(|_| "[REDACTED]"))
            .finish_non_exhaustive()
    }
}

fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn secret_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .filter(|s| !s.is_empty())
        .map(SecretString::from))
}
