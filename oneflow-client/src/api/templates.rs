//! `GET /templates`, `GET /templates/{id}`.

use crate::client::Client;
use crate::error::Result;
use crate::models::{Template, TemplateId, TemplateTypeId, WorkspaceId};
use crate::pagination::{list_methods, Paging};
use crate::request::ApiRequest;

/// Template endpoints; from [`Client::templates`].
#[derive(Debug, Clone)]
#[must_use]
pub struct TemplatesHandler {
    client: Client,
}

impl Client {
    /// Template endpoints.
    pub fn templates(&self) -> TemplatesHandler {
        TemplatesHandler {
            client: self.clone(),
        }
    }
}

impl TemplatesHandler {
    /// Lists templates available to the acting user (paginated, filterable).
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use futures::TryStreamExt;
    /// use oneflow_client::api::templates::ActiveFilter;
    ///
    /// let templates: Vec<_> = client
    ///     .as_user("seller@ourco.example")
    ///     .templates()
    ///     .list()
    ///     .extension_type("superoffice")
    ///     .active(ActiveFilter::ActiveOnly)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # let _ = templates; Ok(()) }
    /// ```
    pub fn list(&self) -> ListTemplates {
        ListTemplates {
            client: self.client.clone(),
            paging: Paging::default(),
            extension_type: None,
            template_type_id: None,
            workspace_ids: Vec::new(),
            active: None,
            sort: None,
        }
    }

    /// One template.
    pub async fn get(&self, id: TemplateId) -> Result<Template> {
        self.client
            .execute(ApiRequest::get(
                "templates/{id}",
                ["templates", &id.to_string()],
            ))
            .await
    }
}

/// The `filter[active]` choice. Oneflow returns only active templates when it is omitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActiveFilter {
    /// `filter[active]=true`.
    ActiveOnly,
    /// `filter[active]=false`.
    InactiveOnly,
    /// `filter[active]=` (both).
    Both,
}

/// Builder for `GET /templates`.
#[derive(Debug, Clone)]
#[must_use]
pub struct ListTemplates {
    client: Client,
    paging: Paging,
    extension_type: Option<String>,
    template_type_id: Option<TemplateTypeId>,
    workspace_ids: Vec<WorkspaceId>,
    active: Option<ActiveFilter>,
    sort: Option<String>,
}

impl ListTemplates {
    /// Only templates whose type has this extension alias (e.g. `superoffice`). Oneflow
    /// answers with an error if no template type has it.
    pub fn extension_type(mut self, extension_type: impl Into<String>) -> Self {
        self.extension_type = Some(extension_type.into());
        self
    }

    /// Only templates of this template type.
    pub fn template_type_id(mut self, id: TemplateTypeId) -> Self {
        self.template_type_id = Some(id);
        self
    }

    /// Only templates in these workspaces (`filter[workspace_ids]`).
    pub fn workspace_ids<I: IntoIterator<Item = WorkspaceId>>(mut self, ids: I) -> Self {
        self.workspace_ids.extend(ids);
        self
    }

    /// Active/inactive filter (`filter[active]`).
    pub fn active(mut self, filter: ActiveFilter) -> Self {
        self.active = Some(filter);
        self
    }

    /// Sort order (`sort`, e.g. `name`).
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.sort = Some(sort.into());
        self
    }

    fn base_request(&self) -> Result<ApiRequest> {
        let mut r = ApiRequest::get("templates", ["templates"]);
        if let Some(e) = &self.extension_type {
            r = r.query("extension_type", e.as_str());
        }
        if let Some(id) = self.template_type_id {
            r = r.query("template_type_id", id.to_string());
        }
        if !self.workspace_ids.is_empty() {
            r = r.query("filter[workspace_ids]", join_ids(&self.workspace_ids));
        }
        if let Some(a) = self.active {
            let v = match a {
                ActiveFilter::ActiveOnly => "true",
                ActiveFilter::InactiveOnly => "false",
                ActiveFilter::Both => "",
            };
            r = r.query("filter[active]", v);
        }
        if let Some(s) = &self.sort {
            r = r.query("sort", s.as_str());
        }
        Ok(r)
    }
}

list_methods!(ListTemplates, Template);

pub(crate) fn join_ids<T: std::fmt::Display>(ids: &[T]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
