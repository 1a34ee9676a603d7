//! Webhook subscriptions: create, list, get, update, delete. (Verifying deliveries is in
//! [`crate::webhook`].)

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::client::Client;
use crate::error::{InvalidInput, Result};
use crate::models::{TemplateTypeId, Webhook, WebhookFilter, WebhookId};
use crate::request::ApiRequest;

/// Maximum length of a webhook callback URL.
pub const MAX_CALLBACK_URL_LEN: usize = 1000;

/// Webhook endpoints; from [`Client::webhooks`].
#[derive(Debug, Clone)]
#[must_use]
pub struct WebhooksHandler {
    client: Client,
}

impl Client {
    /// Webhook endpoints.
    pub fn webhooks(&self) -> WebhooksHandler {
        WebhooksHandler {
            client: self.clone(),
        }
    }
}

/// Body for creating or updating a webhook. The sign key is a secret: it is sent to Oneflow
/// but never shown by `Debug`.
#[derive(Clone)]
#[must_use]
pub struct WebhookDraft {
    callback_url: String,
    sign_key: Option<SecretString>,
    template_group_id: Option<TemplateTypeId>,
    filters: Vec<WebhookFilter>,
}

impl fmt::Debug for WebhookDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookDraft")
            .field("callback_url", &self.callback_url)
            .field("sign_key", &self.sign_key.as_ref().map(|_| "[REDACTED]"))
            .field("template_group_id", &self.template_group_id)
            .field("filters", &self.filters)
            .finish()
    }
}

impl Serialize for WebhookDraft {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("WebhookDraft", 4)?;
        st.serialize_field("callback_url", &self.callback_url)?;
        st.serialize_field(
            "sign_key",
            &self.sign_key.as_ref().map(|k| k.expose_secret()),
        )?;
        st.serialize_field("template_group_id", &self.template_group_id)?;
        if self.filters.is_empty() {
            st.serialize_field("filters", &Option::<()>::None)?;
        } else {
            st.serialize_field("filters", &self.filters)?;
        }
        st.end()
    }
}

impl WebhookDraft {
    /// A webhook posting to `callback_url` (https, or http on a loopback host for tests;
    /// 1–1000 characters). A sign key is required before sending.
    pub fn new(callback_url: impl Into<String>) -> Self {
        WebhookDraft {
            callback_url: callback_url.into(),
            sign_key: None,
            template_group_id: None,
            filters: Vec::new(),
        }
    }

    /// The key Oneflow signs deliveries with (see [`crate::webhook::verify`]); required and
    /// non-empty. [`random_sign_key`](Self::random_sign_key) makes a strong one.
    pub fn sign_key(mut self, key: impl Into<SecretString>) -> Self {
        self.sign_key = Some(key.into());
        self
    }

    /// A strong random sign key: 32 bytes from `rand`'s OS-seeded CSPRNG, as 64
    /// lower-case hex characters. Store it (it is needed to verify deliveries) and pass it to
    /// [`sign_key`](Self::sign_key).
    ///
    /// ```
    /// use secrecy::ExposeSecret;
    /// let key = oneflow_client::api::webhooks::WebhookDraft::random_sign_key();
    /// assert_eq!(key.expose_secret().len(), 64);
    /// ```
    pub fn random_sign_key() -> SecretString {
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        SecretString::from(hex::encode(bytes))
    }

    /// Only contracts of this template type ("template group").
    pub fn template_group_id(mut self, id: TemplateTypeId) -> Self {
        self.template_group_id = Some(id);
        self
    }

    /// Adds a filter (its rules must all match).
    pub fn filter(mut self, filter: WebhookFilter) -> Self {
        self.filters.push(filter);
        self
    }

    /// Checks the URL and the filters locally.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        let url = self.callback_url.trim();
        if url.is_empty() {
            return Err(InvalidInput::Missing {
                field: "callback_url",
            });
        }
        let length = url.chars().count();
        if length > MAX_CALLBACK_URL_LEN {
            return Err(InvalidInput::TooLong {
                field: "callback_url",
                length,
                max: MAX_CALLBACK_URL_LEN,
            });
        }
        let Ok(parsed) = url::Url::parse(url) else {
            return Err(InvalidInput::Invalid {
                field: "callback_url",
                reason: "not an absolute URL",
            });
        };
        let https = parsed.scheme() == "https";
        let loopback_http = parsed.scheme() == "http" && crate::client::is_loopback(&parsed);
        if !(https || loopback_http) {
            return Err(InvalidInput::Invalid {
                field: "callback_url",
                reason: "must be https (plain http only for loopback hosts)",
            });
        }
        // Deliveries are only trustworthy when signed: a sign key is required.
        if self
            .sign_key
            .as_ref()
            .is_none_or(|k| k.expose_secret().trim().is_empty())
        {
            return Err(InvalidInput::Missing { field: "sign_key" });
        }
        for f in &self.filters {
            if f.filter_rules.is_empty() || f.filter_rules.len() > 2 {
                return Err(InvalidInput::Invalid {
                    field: "webhook filter",
                    reason: "needs 1 or 2 rules",
                });
            }
            if f.filter_rules
                .iter()
                .any(|r| r.values.is_empty() || r.values.len() > 50)
            {
                return Err(InvalidInput::Invalid {
                    field: "webhook filter rule",
                    reason: "needs 1 to 50 values",
                });
            }
        }
        Ok(())
    }
}

pub(crate) fn create_request(draft: &WebhookDraft) -> Result<ApiRequest> {
    draft.validate()?;
    ApiRequest::post("webhooks", ["webhooks"]).json(draft)
}

impl WebhooksHandler {
    /// Registers a webhook (`POST /webhooks`; never retried automatically).
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use oneflow_client::models::{EventType, TemplateTypeId, WebhookFilter, WebhookFilterRule};
    /// use oneflow_client::api::webhooks::WebhookDraft;
    ///
    /// let draft = WebhookDraft::new("https://crm.ourco.example/oneflow/hook")
    ///     .sign_key(std::env::var("ONEFLOW_SIGN_KEY").unwrap_or_default())
    ///     .template_group_id(TemplateTypeId(12345))
    ///     .filter(WebhookFilter::new(vec![WebhookFilterRule::event_types([
    ///         EventType::ContractSign,
    ///         EventType::ContractDecline,
    ///     ])]));
    /// let hook = client.webhooks().create(&draft).await?;
    /// println!("webhook {}", hook.webhook_id);
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, draft: &WebhookDraft) -> Result<Webhook> {
        self.client.execute(create_request(draft)?).await
    }

    /// All webhooks (accepts both a `{count, data, _links}` page and a bare array).
    pub async fn list(&self) -> Result<Vec<Webhook>> {
        self.client
            .collect_all(ApiRequest::get("webhooks", ["webhooks"]))
            .await
    }

    /// One webhook.
    pub async fn get(&self, id: WebhookId) -> Result<Webhook> {
        self.client
            .execute(ApiRequest::get(
                "webhooks/{id}",
                ["webhooks", &id.to_string()],
            ))
            .await
    }

    /// Replaces a webhook's settings (`PUT /webhooks/{id}`).
    pub async fn update(&self, id: WebhookId, draft: &WebhookDraft) -> Result<Webhook> {
        draft.validate()?;
        self.client
            .execute(ApiRequest::put("webhooks/{id}", ["webhooks", &id.to_string()]).json(draft)?)
            .await
    }

    /// Deletes a webhook.
    pub async fn delete(&self, id: WebhookId) -> Result<()> {
        self.client
            .execute_empty(ApiRequest::delete(
                "webhooks/{id}",
                ["webhooks", &id.to_string()],
            ))
            .await
    }
}
