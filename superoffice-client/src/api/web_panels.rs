//! Web panels: the "GUI - Web panel" list (`/api/v1/List/WebPanel/Items`), the List agent's
//! web panel calls, and user-group visibility.
//!
//! SuperOffice has no web-panel-specific visibility route; user groups are set with the List
//! Swagger's generic `GET/PUT /api/v1/List/{udListDefinitionName}/Items/{listItemId}/UserGroups`
//! with `udListDefinitionName = WebPanel` (the list name the List Swagger uses for
//! `/api/v1/List/WebPanel/Items`).

use http::Method;
use serde::Serialize;
use serde_json::Value;

use crate::api::require_id;
use crate::client::{decode_json, Client};
use crate::error::{Error, InvalidInput, PanelUrlError, Result};
use crate::models::{SelectableMdoListItem, WebPanelEntity, WebPanelId};
use crate::request::ApiRequest;

/// List name of web panels, as used by the generic list and agent calls.
pub const WEB_PANEL_LIST: &str = "WebPanel";

/// Handler for web panels; see [`Client::web_panels`].
#[derive(Debug, Clone)]
#[must_use]
pub struct WebPanelsHandler {
    client: Client,
}

impl Client {
    /// Web panels (tabs and menu entries that show a web page inside SuperOffice).
    pub fn web_panels(&self) -> WebPanelsHandler {
        WebPanelsHandler {
            client: self.clone(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ProgIdRequest<'a> {
    prog_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct IdRequest {
    id: i32,
}

impl WebPanelsHandler {
    /// All panels, `GET /api/v1/List/WebPanel/Items`.
    pub async fn list(&self) -> Result<Vec<WebPanelEntity>> {
        let request = ApiRequest::get(
            "v1/List/WebPanel/Items",
            ["v1", "List", "WebPanel", "Items"],
        );
        self.client.execute(request).await
    }

    /// One panel, `GET /api/v1/List/WebPanel/Items/{id}`.
    pub async fn get(&self, id: WebPanelId) -> Result<WebPanelEntity> {
        self.client.execute(item_request(Method::GET, id)?).await
    }

    /// Defaults for a new panel, `GET /api/v1/List/WebPanel/Items/Default`.
    pub async fn default_panel(&self) -> Result<WebPanelEntity> {
        let request = ApiRequest::get(
            "v1/List/WebPanel/Items/Default",
            ["v1", "List", "WebPanel", "Items", "Default"],
        );
        self.client.execute(request).await
    }

    /// Create a panel, `POST /api/v1/List/WebPanel/Items`. Checked first: name, URL and
    /// `VisibleIn` are required and the id must be 0. Never retried automatically.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// use superoffice_client::api::{PanelUrl, TemplateVariable};
    /// use superoffice_client::models::{VisibleIn, WebPanelEntity};
    ///
    /// let url = PanelUrl::builder("https://contracts.example.com/so/sale")?
    ///     .variable("ctx", TemplateVariable::ContextId)
    ///     .variable("sale", TemplateVariable::SaleId)
    ///     .variable("user", TemplateVariable::UserAssociateId)
    ///     .build()?;
    /// let mut panel = WebPanelEntity::new("Oneflow Contract", url.as_str(), VisibleIn::SaleArchive, "oneflow-sale");
    /// panel.tooltip = Some("Oneflow".into());
    /// panel.window_name = Some("oneflow_contract".into());
    /// let created = client.web_panels().create(&panel).await?;
    /// println!("panel {}", created.web_panel_id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, panel: &WebPanelEntity) -> Result<WebPanelEntity> {
        validate_panel(panel)?;
        if panel.web_panel_id.0 != 0 {
            return Err(InvalidInput::IdOnCreate {
                field: "WebPanelId",
            }
            .into());
        }
        let request = ApiRequest::new(
            Method::POST,
            "v1/List/WebPanel/Items",
            ["v1", "List", "WebPanel", "Items"],
        )
        .json(panel)?;
        self.client.execute(request).await
    }

    /// Update a panel, `PUT /api/v1/List/WebPanel/Items/{id}` (id from `panel`).
    pub async fn update(&self, panel: &WebPanelEntity) -> Result<WebPanelEntity> {
        validate_panel(panel)?;
        let request = item_request(Method::PUT, panel.web_panel_id)?.json(panel)?;
        self.client.execute(request).await
    }

    /// Mark a panel as deleted, `DELETE /api/v1/List/WebPanel/Items/{id}` (soft delete; see
    /// [`delete_permanently`](Self::delete_permanently)).
    pub async fn delete(&self, id: WebPanelId) -> Result<()> {
        self.client
            .execute_empty(item_request(Method::DELETE, id)?)
            .await
    }

    /// Find a panel by its `ProgId`, `POST /api/v1/Agents/List/GetWebPanelByProgId`.
    /// `None` when no panel has it.
    pub async fn get_by_prog_id(&self, prog_id: &str) -> Result<Option<WebPanelEntity>> {
        if prog_id.trim().is_empty() {
            return Err(InvalidInput::BlankField { field: "ProgId" }.into());
        }
        let request = agent_request("GetWebPanelByProgId").json(&ProgIdRequest { prog_id })?;
        let template = request.path_template().to_owned();
        let response = match self.client.send(request).await {
            Ok(response) => response,
            Err(Error::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let value: Value = if response.body.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            decode_json(&template, &response.body)?
        };
        if value.is_null() {
            return Ok(None);
        }
        let panel: WebPanelEntity = decode_json(&template, &response.body)?;
        Ok((panel.web_panel_id.0 > 0).then_some(panel))
    }

    /// Delete a panel for good, `POST /api/v1/Agents/List/DeleteWebPanel` `{"Id": id}`.
    pub async fn delete_permanently(&self, id: WebPanelId) -> Result<()> {
        require_id("WebPanelId", id.0)?;
        let request = agent_request("DeleteWebPanel").json(&IdRequest { id: id.0 })?;
        self.client.execute_empty(request).await
    }

    /// Panels owned by the calling app, `POST /api/v1/Agents/List/GetAppWebPanels`. The List
    /// agent reference: "works in Online only, for registered Apps that send a valid
    /// ApplicationToken", so the credential must carry the app token
    /// ([`crate::Credential::with_app_token`]); without one this
    /// fails locally with [`Error::InvalidInput`].
    pub async fn app_panels(&self) -> Result<Vec<WebPanelEntity>> {
        let request = agent_request("GetAppWebPanels").require_app_token();
        let panels: Option<Vec<WebPanelEntity>> = self.client.execute(request).await?;
        Ok(panels.unwrap_or_default())
    }

    /// Delete every panel owned by the calling app (e.g. on uninstall),
    /// `POST /api/v1/Agents/List/DeleteAppWebPanels`. Like [`app_panels`](Self::app_panels) it
    /// needs the app token (SuperOffice otherwise does nothing); without one this fails
    /// locally.
    pub async fn delete_app_panels(&self) -> Result<()> {
        let request = agent_request("DeleteAppWebPanels").require_app_token();
        self.client.execute_empty(request).await
    }

    /// The user groups and whether the panel is visible to each,
    /// `GET /api/v1/List/WebPanel/Items/{id}/UserGroups` (the generic
    /// `List/{udListDefinitionName}/Items/{listItemId}/UserGroups` route).
    pub async fn user_groups(&self, id: WebPanelId) -> Result<Vec<SelectableMdoListItem>> {
        self.client
            .execute(user_groups_request(Method::GET, id)?)
            .await
    }

    /// Set the user groups that see the panel (items with `Selected = true`),
    /// `PUT /api/v1/List/WebPanel/Items/{id}/UserGroups`. Returns the stored state.
    pub async fn set_user_groups(
        &self,
        id: WebPanelId,
        groups: &[SelectableMdoListItem],
    ) -> Result<Vec<SelectableMdoListItem>> {
        let request = user_groups_request(Method::PUT, id)?.json(groups)?;
        self.client.execute(request).await
    }

    /// Make the panel visible to every user group (fetches the groups, selects all, stores).
    pub async fn show_to_all_user_groups(
        &self,
        id: WebPanelId,
    ) -> Result<Vec<SelectableMdoListItem>> {
        let mut groups = self.user_groups(id).await?;
        for group in &mut groups {
            group.selected = true;
        }
        self.set_user_groups(id, &groups).await
    }
}

fn item_request(method: Method, id: WebPanelId) -> Result<ApiRequest> {
    Ok(ApiRequest::new(
        method,
        "v1/List/WebPanel/Items/{id}",
        [
            "v1",
            "List",
            "WebPanel",
            "Items",
            &require_id("WebPanelId", id.0)?,
        ],
    ))
}

fn user_groups_request(method: Method, id: WebPanelId) -> Result<ApiRequest> {
    Ok(ApiRequest::new(
        method,
        "v1/List/WebPanel/Items/{id}/UserGroups",
        [
            "v1",
            "List",
            "WebPanel",
            "Items",
            &require_id("WebPanelId", id.0)?,
            "UserGroups",
        ],
    ))
}

fn agent_request(method: &'static str) -> ApiRequest {
    let template = match method {
        "GetWebPanelByProgId" => "v1/Agents/List/GetWebPanelByProgId",
        "DeleteWebPanel" => "v1/Agents/List/DeleteWebPanel",
        "GetAppWebPanels" => "v1/Agents/List/GetAppWebPanels",
        "DeleteAppWebPanels" => "v1/Agents/List/DeleteAppWebPanels",
        _ => "v1/Agents/List/{method}",
    };
    ApiRequest::new(Method::POST, template, ["v1", "Agents", "List", method])
}

fn validate_panel(panel: &WebPanelEntity) -> Result<()> {
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    if blank(&panel.name) {
        return Err(InvalidInput::BlankField { field: "Name" }.into());
    }
    if blank(&panel.url) {
        return Err(InvalidInput::BlankField { field: "Url" }.into());
    }
    if panel.visible_in.is_none() {
        return Err(InvalidInput::BlankField { field: "VisibleIn" }.into());
    }
    if let Some(url) = panel.url.as_deref() {
        if url.to_ascii_lowercase().contains("<usec>") {
            return Err(InvalidInput::PanelUrl(PanelUrlError::ForbiddenVariable).into());
        }
    }
    Ok(())
}
