//! `GET /workspaces`, `GET /workspaces/{id}`.

use crate::client::Client;
use crate::error::Result;
use crate::models::{Workspace, WorkspaceId};
use crate::pagination::{list_methods, Paging};
use crate::request::ApiRequest;

/// Workspace endpoints; from [`Client::workspaces`].
#[derive(Debug, Clone)]
#[must_use]
pub struct WorkspacesHandler {
    client: Client,
}

impl Client {
    /// Workspace endpoints.
    pub fn workspaces(&self) -> WorkspacesHandler {
        WorkspacesHandler {
            client: self.clone(),
        }
    }
}

impl WorkspacesHandler {
    /// Lists workspaces visible to the acting user (paginated).
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// let page = client.workspaces().list().limit(50).send().await?;
    /// for ws in &page.data {
    ///     println!("{} {:?} can create: {}", ws.id, ws.name, ws.can_create_contracts());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListWorkspaces {
        ListWorkspaces {
            client: self.client.clone(),
            paging: Paging::default(),
        }
    }

    /// One workspace.
    pub async fn get(&self, id: WorkspaceId) -> Result<Workspace> {
        self.client
            .execute(ApiRequest::get(
                "workspaces/{id}",
                ["workspaces", &id.to_string()],
            ))
            .await
    }
}

/// Builder for `GET /workspaces`.
#[derive(Debug, Clone)]
#[must_use]
pub struct ListWorkspaces {
    client: Client,
    paging: Paging,
}

impl ListWorkspaces {
    fn base_request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::get("workspaces", ["workspaces"]))
    }
}

list_methods!(ListWorkspaces, Workspace);
