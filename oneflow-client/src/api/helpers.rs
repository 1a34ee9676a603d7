//! `GET /helpers/contract_create_data`.

use crate::client::Client;
use crate::error::Result;
use crate::models::{ContractCreateWorkspace, TemplateTypeId};
use crate::request::ApiRequest;

/// Helper endpoints; from [`Client::helpers`].
#[derive(Debug, Clone)]
#[must_use]
pub struct HelpersHandler {
    client: Client,
}

impl Client {
    /// Helper endpoints.
    pub fn helpers(&self) -> HelpersHandler {
        HelpersHandler {
            client: self.clone(),
        }
    }
}

impl HelpersHandler {
    /// Everything a "create contract" UI needs for the acting user: the workspaces where the
    /// user may create contracts, each with its active templates. Not paginated. Results are
    /// per user, so set the acting user ([`Client::as_user`]).
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// let workspaces = client
    ///     .as_user("seller@ourco.example")
    ///     .helpers()
    ///     .contract_create_data()
    ///     .extension_type("superoffice")
    ///     .send()
    ///     .await?;
    /// for ws in workspaces {
    ///     println!("{}: {} templates", ws.id, ws.templates.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn contract_create_data(&self) -> ContractCreateData {
        ContractCreateData {
            client: self.client.clone(),
            extension_type: None,
            template_type_id: None,
        }
    }
}

/// Builder for `GET /helpers/contract_create_data`.
#[derive(Debug, Clone)]
#[must_use]
pub struct ContractCreateData {
    client: Client,
    extension_type: Option<String>,
    template_type_id: Option<TemplateTypeId>,
}

impl ContractCreateData {
    /// Only templates whose type has this extension alias.
    pub fn extension_type(mut self, extension_type: impl Into<String>) -> Self {
        self.extension_type = Some(extension_type.into());
        self
    }

    /// Only templates of this template type.
    pub fn template_type_id(mut self, id: TemplateTypeId) -> Self {
        self.template_type_id = Some(id);
        self
    }

    /// The request `send()` would make.
    pub fn to_request(&self) -> ApiRequest {
        let mut r = ApiRequest::get(
            "helpers/contract_create_data",
            ["helpers", "contract_create_data"],
        );
        if let Some(e) = &self.extension_type {
            r = r.query("extension_type", e.as_str());
        }
        if let Some(id) = self.template_type_id {
            r = r.query("template_type_id", id.to_string());
        }
        r
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Vec<ContractCreateWorkspace>> {
        self.client.execute(self.to_request()).await
    }
}
