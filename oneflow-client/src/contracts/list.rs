//! `GET /contracts` with filters.

use crate::client::Client;
use crate::error::{InvalidInput, Result};
use crate::models::{Contract, ContractId, ContractState, WorkspaceId};
use crate::pagination::{list_methods, Paging};
use crate::request::ApiRequest;
use crate::templates::join_ids;

/// Builder for `GET /contracts`.
///
/// `filter[data_field_match]` is documented by Oneflow; the names used for the state,
/// workspace and id filters (`filter[state]`, `filter[workspace_ids]`, `filter[ids]`)
/// follow the same convention but are not confirmed by the public docs. [`filter`](Self::filter)
/// sends any other `filter[...]` parameter.
#[derive(Debug, Clone)]
pub struct ListContracts {
    client: Client,
    paging: Paging,
    data_field_match: Option<(String, String)>,
    states: Vec<ContractState>,
    workspace_ids: Vec<WorkspaceId>,
    ids: Vec<ContractId>,
    extra: Vec<(String, String)>,
    sort: Option<String>,
}

impl ListContracts {
    pub(crate) fn new(client: Client, paging: Paging) -> Self {
        ListContracts {
            client,
            paging,
            data_field_match: None,
            states: Vec::new(),
            workspace_ids: Vec::new(),
            ids: Vec::new(),
            extra: Vec::new(),
            sort: None,
        }
    }

    /// Contracts whose data field `custom_id` has exactly `value`
    /// (`filter[data_field_match]=<custom_id>:<value>`). Both must be non-empty.
    pub fn data_field_match(
        mut self,
        custom_id: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.data_field_match = Some((custom_id.into(), value.into()));
        self
    }

    /// Contracts in any of these states (`filter[state]`, comma-separated).
    pub fn state(mut self, state: ContractState) -> Self {
        self.states.push(state);
        self
    }

    /// Contracts in these workspaces (`filter[workspace_ids]`).
    pub fn workspace_ids<I: IntoIterator<Item = WorkspaceId>>(mut self, ids: I) -> Self {
        self.workspace_ids.extend(ids);
        self
    }

    /// Only these contracts (`filter[ids]`).
    pub fn ids<I: IntoIterator<Item = ContractId>>(mut self, ids: I) -> Self {
        self.ids.extend(ids);
        self
    }

    /// Any other filter: sends `filter[<name>]=<value>`.
    pub fn filter(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// Sort order: comma-separated columns (`name`, `state`, `state_updated_time`,
    /// `published_time`).
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.sort = Some(sort.into());
        self
    }

    fn base_request(&self) -> Result<ApiRequest> {
        let mut r = ApiRequest::get("contracts", "contracts");
        if let Some((custom_id, value)) = &self.data_field_match {
            if custom_id.trim().is_empty() || custom_id.contains(':') {
                return Err(InvalidInput::Invalid {
                    field: "data_field_match custom_id",
                    reason: "must be non-empty and contain no ':'",
                }
                .into());
            }
            if value.is_empty() {
                return Err(InvalidInput::Missing {
                    field: "data_field_match value",
                }
                .into());
            }
            r = r.query("filter[data_field_match]", format!("{custom_id}:{value}"));
        }
        if !self.states.is_empty() {
            let states: Vec<&str> = self.states.iter().map(ContractState::as_str).collect();
            r = r.query("filter[state]", states.join(","));
        }
        if !self.workspace_ids.is_empty() {
            r = r.query("filter[workspace_ids]", join_ids(&self.workspace_ids));
        }
        if !self.ids.is_empty() {
            r = r.query("filter[ids]", join_ids(&self.ids));
        }
        for (name, value) in &self.extra {
            r = r.query(format!("filter[{name}]"), value.as_str());
        }
        if let Some(s) = &self.sort {
            r = r.query("sort", s.as_str());
        }
        Ok(r)
    }
}

list_methods!(ListContracts, Contract);
