//! Data fields of a contract.

use serde::Serialize;

use crate::client::Client;
use crate::error::{InvalidInput, Result};
use crate::models::draft::{DataFieldKey, DataFieldUpdate, MAX_DATA_FIELD_VALUE_LEN};
use crate::models::{ContractId, DataField};
use crate::pagination::decode_page;
use crate::request::ApiRequest;

/// Data field endpoints of one contract; from
/// [`ContractsHandler::data_fields`](super::ContractsHandler::data_fields).
#[derive(Debug, Clone)]
#[must_use]
pub struct DataFieldsHandler {
    client: Client,
    contract: ContractId,
}

#[derive(Serialize)]
struct BulkBody<'a> {
    data_fields: &'a [DataFieldUpdate],
}

#[derive(Serialize)]
struct ValueBody<'a> {
    value: Option<&'a str>,
}

/// The path segment for one data field: the numeric id or `c::<custom id>` (the request
/// percent-encodes it).
pub(crate) fn key_segment(key: &DataFieldKey) -> Result<String> {
    match key {
        DataFieldKey::Id(id) => Ok(id.to_string()),
        DataFieldKey::CustomId(c) if c.trim().is_empty() => Err(InvalidInput::Missing {
            field: "data field custom_id",
        }
        .into()),
        DataFieldKey::CustomId(c) => Ok(format!("c::{c}")),
    }
}

pub(crate) fn update_one_request(
    contract: ContractId,
    key: &DataFieldKey,
    value: Option<&str>,
) -> Result<ApiRequest> {
    if let Some(v) = value {
        let length = v.chars().count();
        if length > MAX_DATA_FIELD_VALUE_LEN {
            return Err(InvalidInput::TooLong {
                field: "data field value",
                length,
                max: MAX_DATA_FIELD_VALUE_LEN,
            }
            .into());
        }
    }
    let segment = key_segment(key)?;
    ApiRequest::put(
        "contracts/{id}/data_fields/{data_field}",
        ["contracts", &contract.to_string(), "data_fields", &segment],
    )
    .json(&ValueBody { value })
    .map(ApiRequest::requires_acting_user)
}

impl DataFieldsHandler {
    pub(crate) fn new(client: Client, contract: ContractId) -> Self {
        DataFieldsHandler { client, contract }
    }

    /// All data fields of the contract with their values.
    pub async fn list(&self) -> Result<Vec<DataField>> {
        let c = self.contract;
        self.client
            .collect_all(ApiRequest::get(
                "contracts/{id}/data_fields",
                ["contracts", &c.to_string(), "data_fields"],
            ))
            .await
    }

    /// Updates several values at once (`PUT /contracts/{id}/data_fields`, body
    /// `{"data_fields": [...]}`).
    pub async fn update_all(&self, updates: &[DataFieldUpdate]) -> Result<Vec<DataField>> {
        for u in updates {
            u.validate()?;
        }
        let c = self.contract;
        let req = ApiRequest::put(
            "contracts/{id}/data_fields",
            ["contracts", &c.to_string(), "data_fields"],
        )
        .json(&BulkBody {
            data_fields: updates,
        })?
        .requires_acting_user();
        let (status, body) = self.client.execute_bytes(&req).await?;
        Ok(decode_page(status, &body)?.data)
    }

    /// Sets one value, addressed by numeric id or custom id (`None` clears it). System
    /// fields of extensions silently ignore updates.
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use oneflow_client::models::ContractId;
    /// client.contracts().data_fields(ContractId(101)).update("superoffice_sale_id", Some("4711")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update(
        &self,
        key: impl Into<DataFieldKey>,
        value: Option<&str>,
    ) -> Result<DataField> {
        self.client
            .execute(update_one_request(self.contract, &key.into(), value)?)
            .await
    }
}
