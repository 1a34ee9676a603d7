//! `GET /accounts/me`.

use crate::client::Client;
use crate::error::Result;
use crate::models::Account;
use crate::request::ApiRequest;

/// Account endpoints; from [`Client::account`].
#[derive(Debug, Clone)]
#[must_use]
pub struct AccountHandler {
    client: Client,
}

impl Client {
    /// Account endpoints.
    pub fn account(&self) -> AccountHandler {
        AccountHandler {
            client: self.clone(),
        }
    }
}

impl AccountHandler {
    /// The account the API token belongs to (`GET /accounts/me`).
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// let account = client.account().me().await?;
    /// println!("{} ({})", account.name.as_deref().unwrap_or("?"), account.id);
    /// # Ok(()) }
    /// ```
    pub async fn me(&self) -> Result<Account> {
        self.client
            .execute(ApiRequest::get("accounts/me", ["accounts", "me"]))
            .await
    }
}
