//! Users: the signed-in principal and associate, and the `User` OData list.

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{InvalidInput, Result};
use crate::models::{Associate, AssociateId, Principal};
use crate::odata::{Filter, ODataList, ODataRow};
use crate::request::ApiRequest;

/// Columns requested by [`UsersHandler::find_by_email`] and [`UsersHandler::list`].
pub const USER_COLUMNS: [&str; 6] = [
    "associateDbId",
    "fullName",
    "personEmail",
    "userName",
    "isActive",
    "assocType",
];

/// Handler for users; see [`Client::users`].
#[derive(Debug, Clone)]
#[must_use]
pub struct UsersHandler {
    client: Client,
}

impl Client {
    /// Users (associates) and the signed-in principal.
    pub fn users(&self) -> UsersHandler {
        UsersHandler {
            client: self.clone(),
        }
    }
}

/// A row of the `User` OData list with [`USER_COLUMNS`]. Values are read leniently (the
/// archive may send numbers and booleans as text).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "ODataRow", into = "ODataRow")]
#[non_exhaustive]
pub struct UserRow {
    /// `associateDbId`.
    pub associate_id: AssociateId,
    /// `fullName`.
    pub full_name: Option<String>,
    /// `personEmail`.
    pub email: Option<String>,
    /// `userName`.
    pub user_name: Option<String>,
    /// `isActive`.
    pub is_active: bool,
    /// `assocType` as sent (e.g. an associate type name).
    pub assoc_type: Option<String>,
    /// The whole row.
    pub row: ODataRow,
}

impl From<ODataRow> for UserRow {
    fn from(row: ODataRow) -> Self {
        let id = row
            .int("associateDbId")
            .or_else(|| row.primary_key())
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(0);
        UserRow {
            associate_id: AssociateId(id),
            full_name: row.text("fullName"),
            email: row.text("personEmail").filter(|e| !e.trim().is_empty()),
            user_name: row.text("userName"),
            is_active: row.bool("isActive").unwrap_or(false),
            assoc_type: row.text("assocType"),
            row,
        }
    }
}

impl From<UserRow> for ODataRow {
    fn from(user: UserRow) -> Self {
        user.row
    }
}

impl UsersHandler {
    /// `GET /api/v1/User/currentPrincipal`: who is signed in, with `FunctionRights`.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// let me = client.users().current_principal().await?;
    /// if me.is_administrator() {
    ///     println!("{:?} may configure the integration", me.full_name);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn current_principal(&self) -> Result<Principal> {
        let request = ApiRequest::get(
            "v1/User/currentPrincipal",
            ["v1", "User", "currentPrincipal"],
        );
        self.client.execute(request).await
    }

    /// Whether the signed-in user has the functional right `function_right` (e.g.
    /// `admin-all`), `POST /api/v1/Agents/Sentry/HasFunctionRight` `{"FunctionRight": …}`.
    /// Cheaper than [`current_principal`](Self::current_principal) when one right matters.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// if client.users().has_function_right("admin-all").await? {
    ///     println!("may switch stage mapping on");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn has_function_right(&self, function_right: &str) -> Result<bool> {
        self.client
            .execute(has_function_right_request(function_right)?)
            .await
    }

    /// All functional rights of the signed-in user's role,
    /// `POST /api/v1/Agents/Sentry/GetFunctionRights`.
    pub async fn function_rights(&self) -> Result<Vec<String>> {
        let request = ApiRequest::new(
            http::Method::POST,
            "v1/Agents/Sentry/GetFunctionRights",
            ["v1", "Agents", "Sentry", "GetFunctionRights"],
        );
        let rights: Option<Vec<String>> = self.client.execute(request).await?;
        Ok(rights.unwrap_or_default())
    }

    /// `GET /api/v1/User/currentAssociate`.
    pub async fn current_associate(&self) -> Result<Associate> {
        let request = ApiRequest::get(
            "v1/User/currentAssociate",
            ["v1", "User", "currentAssociate"],
        );
        self.client.execute(request).await
    }

    /// Users whose person e-mail is `email`:
    /// `GET /api/v1/User?$select=associateDbId,…&$filter=personEmail is '<email>'` (quoted).
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// let matches = client.users().find_by_email("jane.o'brien@example.com").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn find_by_email(&self, email: &str) -> Result<Vec<UserRow>> {
        let email = email.trim();
        if email.is_empty() || !email.contains('@') {
            return Err(InvalidInput::InvalidEmail.into());
        }
        let page = self
            .list()
            .filter(Filter::is("personEmail", email))
            .top(50)
            .send()
            .await?;
        Ok(page.value)
    }

    /// The `User` OData list with [`USER_COLUMNS`] selected; add filters, paging, or
    /// `.stream()` for all users.
    pub fn list(&self) -> ODataList<UserRow> {
        ODataList::new(
            self.client.clone(),
            "v1/User",
            vec!["v1".into(), "User".into()],
        )
        .select(USER_COLUMNS)
    }
}

/// The request of [`UsersHandler::has_function_right`]; the right's name must be a non-empty token
/// without whitespace.
pub fn has_function_right_request(function_right: &str) -> Result<ApiRequest> {
    let name = function_right.trim();
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        return Err(InvalidInput::FunctionRightName.into());
    }
    ApiRequest::new(
        http::Method::POST,
        "v1/Agents/Sentry/HasFunctionRight",
        ["v1", "Agents", "Sentry", "HasFunctionRight"],
    )
    .json(&serde_json::json!({ "FunctionRight": name }))
}
