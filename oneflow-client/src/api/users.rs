//! `GET /users` and looking users up by e-mail.

use futures::StreamExt;

use crate::client::Client;
use crate::error::{InvalidInput, Result};
use crate::models::User;
use crate::pagination::{list_methods, Paging};
use crate::request::ApiRequest;

/// User endpoints; from [`Client::users`].
#[derive(Debug, Clone)]
#[must_use]
pub struct UsersHandler {
    client: Client,
}

impl Client {
    /// User endpoints.
    pub fn users(&self) -> UsersHandler {
        UsersHandler {
            client: self.clone(),
        }
    }
}

impl UsersHandler {
    /// Lists the account's users (paginated).
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use futures::TryStreamExt;
    /// let users: Vec<_> = client.users().list().stream().try_collect().await?;
    /// # let _ = users; Ok(()) }
    /// ```
    pub fn list(&self) -> ListUsers {
        ListUsers {
            client: self.client.clone(),
            paging: Paging::default(),
        }
    }

    /// Finds the **active** user with this e-mail (case-insensitive) by paging through all
    /// users; Oneflow has no server-side e-mail filter. `Ok(None)` when there is none.
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// if let Some(user) = client.users().find_active_by_email("Ann@OurCo.example").await? {
    ///     let as_ann = client.as_user(user.email.as_deref().unwrap_or_default());
    ///     # let _ = as_ann;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn find_active_by_email(&self, email: &str) -> Result<Option<User>> {
        let wanted = email.trim().to_lowercase();
        if wanted.is_empty() {
            return Err(InvalidInput::Missing { field: "e-mail" }.into());
        }
        let mut users = self.list().stream();
        while let Some(user) = users.next().await {
            let user = user?;
            let matches = user
                .email
                .as_deref()
                .is_some_and(|e| e.trim().to_lowercase() == wanted);
            if user.active && matches {
                return Ok(Some(user));
            }
        }
        Ok(None)
    }
}

/// Builder for `GET /users`.
#[derive(Debug, Clone)]
#[must_use]
pub struct ListUsers {
    client: Client,
    paging: Paging,
}

impl ListUsers {
    fn base_request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::get("users", ["users"]))
    }
}

list_methods!(ListUsers, User);
