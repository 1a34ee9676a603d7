//! Webhooks: `/api/v1/Webhook` CRUD and `POST /api/v1/Webhook/Test`. Verify deliveries with
//! [`crate::webhook::verify`].

use http::Method;

use crate::api::require_id;
use crate::client::Client;
use crate::error::{InvalidInput, Result};
use crate::models::{Webhook, WebhookId, WebhookResult, WebhookState};
use crate::request::ApiRequest;

/// Handler for webhooks; see [`Client::webhooks`].
#[derive(Debug, Clone)]
#[must_use]
pub struct WebhooksHandler {
    client: Client,
}

impl Client {
    /// Webhook registrations (Online: only the calling app's own webhooks are visible).
    pub fn webhooks(&self) -> WebhooksHandler {
        WebhooksHandler {
            client: self.clone(),
        }
    }
}

impl WebhooksHandler {
    /// Register a webhook, `POST /api/v1/Webhook`. SuperOffice first POSTs a `test` event to
    /// `TargetUrl` and refuses the webhook unless it answers 200. Never retried automatically.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// use superoffice_client::models::{Webhook, WebhookSecret};
    ///
    /// let hook = Webhook::new(
    ///     "oneflow-sales",
    ///     "https://contracts.example.com/hooks/superoffice",
    ///     ["sale.changed", "sale.deleted"],
    ///     WebhookSecret::new("a long random secret"),
    /// );
    /// let created = client.webhooks().create(&hook).await?;
    /// println!("webhook {}", created.webhook_id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, webhook: &Webhook) -> Result<Webhook> {
        validate(webhook)?;
        if webhook.webhook_id.0 != 0 {
            return Err(InvalidInput::IdOnCreate { field: "WebhookId" }.into());
        }
        let request =
            ApiRequest::new(Method::POST, "v1/Webhook", ["v1", "Webhook"]).json(webhook)?;
        self.client.execute(request).await
    }

    /// Webhooks, optionally filtered; finish with [`ListWebhooks::send`].
    pub fn list(&self) -> ListWebhooks {
        ListWebhooks {
            client: self.client.clone(),
            name: None,
            event: None,
            status: None,
        }
    }

    /// `GET /api/v1/Webhook/{id}`.
    pub async fn get(&self, id: WebhookId) -> Result<Webhook> {
        self.client.execute(item_request(Method::GET, id)?).await
    }

    /// `GET /api/v1/Webhook/default`: a template for a new webhook.
    pub async fn default_webhook(&self) -> Result<Webhook> {
        let request = ApiRequest::get("v1/Webhook/default", ["v1", "Webhook", "default"]);
        self.client.execute(request).await
    }

    /// `PUT /api/v1/Webhook/{id}` (id from `webhook`), e.g. to set `State` back to `Active`.
    ///
    /// SuperOffice shows a webhook's secret only at creation (reads answer an empty
    /// `Secret`), and PUT replaces the whole webhook, so an update without the secret would
    /// leave it unsigned. The update therefore needs the secret you stored at creation: set
    /// it with [`Webhook::with_secret`]; without one this fails locally with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) and nothing is sent.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client, stored: String) -> superoffice_client::Result<()> {
    /// use superoffice_client::models::{WebhookId, WebhookSecret, WebhookState};
    ///
    /// let mut hook = client.webhooks().get(WebhookId(7)).await?;
    /// hook.state = Some(WebhookState::Active);
    /// let hook = hook.with_secret(WebhookSecret::new(stored));
    /// client.webhooks().update(&hook).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(&self, webhook: &Webhook) -> Result<Webhook> {
        self.client.execute(update_request(webhook)?).await
    }

    /// `DELETE /api/v1/Webhook/{id}` (permanent; 204).
    pub async fn delete(&self, id: WebhookId) -> Result<()> {
        self.client
            .execute_empty(item_request(Method::DELETE, id)?)
            .await
    }

    /// `POST /api/v1/Webhook/Test`: ping the target with a `test` event.
    pub async fn test(&self, webhook: &Webhook) -> Result<WebhookResult> {
        validate(webhook)?;
        let request = ApiRequest::new(Method::POST, "v1/Webhook/Test", ["v1", "Webhook", "Test"])
            .json(webhook)?;
        self.client.execute(request).await
    }
}

/// Builder for `GET /api/v1/Webhook?nameFilter=&eventFilter=&statusFilter=`.
#[derive(Debug)]
#[must_use]
pub struct ListWebhooks {
    client: Client,
    name: Option<String>,
    event: Option<String>,
    status: Option<WebhookState>,
}

impl ListWebhooks {
    /// Only webhooks with this name (`nameFilter`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Only webhooks for this event (`eventFilter`).
    pub fn event(mut self, event: impl Into<String>) -> Self {
        self.event = Some(event.into());
        self
    }

    /// Only webhooks in this state (`statusFilter`).
    pub fn status(mut self, state: WebhookState) -> Self {
        self.status = Some(state);
        self
    }

    /// The request this builder sends.
    pub fn to_request(&self) -> ApiRequest {
        let mut request = ApiRequest::get("v1/Webhook", ["v1", "Webhook"]);
        if let Some(name) = &self.name {
            request = request.query("nameFilter", name.as_str());
        }
        if let Some(event) = &self.event {
            request = request.query("eventFilter", event.as_str());
        }
        if let Some(status) = &self.status {
            request = request.query("statusFilter", status.as_str());
        }
        request
    }

    /// Fetch the webhooks.
    pub async fn send(self) -> Result<Vec<Webhook>> {
        let request = self.to_request();
        let hooks: Option<Vec<Webhook>> = self.client.execute(request).await?;
        Ok(hooks.unwrap_or_default())
    }
}

/// The request of [`WebhooksHandler::update`]; refuses a webhook without its secret.
pub fn update_request(webhook: &Webhook) -> Result<ApiRequest> {
    validate(webhook)?;
    if webhook.secret.is_none() {
        return Err(InvalidInput::WebhookSecretRequired.into());
    }
    item_request(Method::PUT, webhook.webhook_id)?.json(webhook)
}

fn item_request(method: Method, id: WebhookId) -> Result<ApiRequest> {
    Ok(ApiRequest::new(
        method,
        "v1/Webhook/{id}",
        ["v1", "Webhook", &require_id("WebhookId", id.0)?],
    ))
}

fn validate(webhook: &Webhook) -> Result<()> {
    if webhook.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(InvalidInput::BlankField { field: "Name" }.into());
    }
    if webhook.events.is_empty() || webhook.events.iter().any(|e| e.trim().is_empty()) {
        return Err(InvalidInput::WebhookEvents.into());
    }
    let target = webhook
        .target_url
        .as_deref()
        .ok_or(InvalidInput::BlankField { field: "TargetUrl" })?;
    let url = url::Url::parse(target).map_err(|e| InvalidInput::Url {
        field: "TargetUrl",
        reason: e.to_string(),
    })?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        return Err(InvalidInput::WebhookTargetNotHttps.into());
    }
    if let Some(secret) = &webhook.secret {
        if secret.expose().is_empty() {
            return Err(InvalidInput::EmptyWebhookSecret.into());
        }
    }
    Ok(())
}
