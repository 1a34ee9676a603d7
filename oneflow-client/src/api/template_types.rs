//! Template types ("template groups"): list/get/create/update/delete and their data fields.

use serde::Serialize;

use crate::client::Client;
use crate::error::{InvalidInput, Result};
use crate::models::{
    DataField, DataFieldDefinition, TemplateType, TemplateTypeId, TemplateTypeInput,
};
use crate::pagination::{decode_page, list_methods, Paging};
use crate::request::ApiRequest;

/// Template type endpoints; from [`Client::template_types`].
#[derive(Debug, Clone)]
#[must_use]
pub struct TemplateTypesHandler {
    client: Client,
}

impl Client {
    /// Template type endpoints.
    pub fn template_types(&self) -> TemplateTypesHandler {
        TemplateTypesHandler {
            client: self.clone(),
        }
    }
}

#[derive(Serialize)]
struct DataFieldsBody<'a> {
    data_fields: &'a [DataFieldDefinition],
}

impl TemplateTypesHandler {
    /// Lists template types (paginated).
    pub fn list(&self) -> ListTemplateTypes {
        ListTemplateTypes {
            client: self.client.clone(),
            paging: Paging::default(),
        }
    }

    /// One template type.
    pub async fn get(&self, id: TemplateTypeId) -> Result<TemplateType> {
        self.client
            .execute(ApiRequest::get(
                "template_types/{id}",
                ["template_types", &id.to_string()],
            ))
            .await
    }

    /// Creates a template type (`POST /template_types`; never retried).
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use oneflow_client::models::TemplateTypeInput;
    /// let tt = client.template_types().create(&TemplateTypeInput::named("SuperOffice")).await?;
    /// # let _ = tt; Ok(()) }
    /// ```
    pub async fn create(&self, input: &TemplateTypeInput) -> Result<TemplateType> {
        if input.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(InvalidInput::Missing {
                field: "template type name",
            }
            .into());
        }
        self.client
            .execute(ApiRequest::post("template_types", ["template_types"]).json(input)?)
            .await
    }

    /// Updates name/description (`PUT /template_types/{id}`).
    pub async fn update(
        &self,
        id: TemplateTypeId,
        input: &TemplateTypeInput,
    ) -> Result<TemplateType> {
        let req = ApiRequest::put("template_types/{id}", ["template_types", &id.to_string()])
            .json(input)?;
        self.client.execute(req).await
    }

    /// Deletes a template type.
    pub async fn delete(&self, id: TemplateTypeId) -> Result<()> {
        self.client
            .execute_empty(ApiRequest::delete(
                "template_types/{id}",
                ["template_types", &id.to_string()],
            ))
            .await
    }

    /// The data fields of a template type.
    pub async fn data_fields(&self, id: TemplateTypeId) -> Result<Vec<DataField>> {
        let req = ApiRequest::get(
            "template_types/{id}/data_fields",
            ["template_types", &id.to_string(), "data_fields"],
        );
        self.client.collect_all(req).await
    }

    /// **Replaces** the data fields of a template type (admin only): fields missing from
    /// `fields` are deleted from the type and from every template using it.
    pub async fn replace_data_fields(
        &self,
        id: TemplateTypeId,
        fields: &[DataFieldDefinition],
    ) -> Result<Vec<DataField>> {
        for f in fields {
            if f.custom_id.trim().is_empty() {
                return Err(InvalidInput::Missing {
                    field: "data field custom_id",
                }
                .into());
            }
            if f.name.trim().is_empty() {
                return Err(InvalidInput::Missing {
                    field: "data field name",
                }
                .into());
            }
        }
        let req = ApiRequest::put(
            "template_types/{id}/data_fields",
            ["template_types", &id.to_string(), "data_fields"],
        )
        .json(&DataFieldsBody {
            data_fields: fields,
        })?;
        let (status, body) = self.client.execute_bytes(&req).await?;
        Ok(decode_page(status, &body)?.data)
    }
}

/// Builder for `GET /template_types`.
#[derive(Debug, Clone)]
#[must_use]
pub struct ListTemplateTypes {
    client: Client,
    paging: Paging,
}

impl ListTemplateTypes {
    fn base_request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::get("template_types", ["template_types"]))
    }
}

list_methods!(ListTemplateTypes, TemplateType);
