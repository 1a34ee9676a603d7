//! Sales: `GET/PUT/PATCH /api/v1/Sale/{id}` and the OData list `GET /api/v1/Sale`.

use http::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::require_id;
use crate::client::Client;
use crate::error::{InvalidInput, Result};
use crate::models::{JsonPatch, SaleEntity, SaleId, ValidationErrors};
use crate::odata::{ODataList, ODataRow};
use crate::request::ApiRequest;

/// Handler for SalesHandler; see [`Client::sales`].
#[derive(Debug, Clone)]
#[must_use]
pub struct SalesHandler {
    client: Client,
}

impl Client {
    /// Sales (opportunities).
    pub fn sales(&self) -> SalesHandler {
        SalesHandler {
            client: self.clone(),
        }
    }
}

impl SalesHandler {
    /// `GET /api/v1/Sale/{id}`.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// use superoffice_client::models::SaleId;
    /// let sale = client.sales().get(SaleId(42)).await?;
    /// println!("{:?} at stage {:?}", sale.status, sale.rating.and_then(|r| r.value));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: SaleId) -> Result<SaleEntity> {
        self.client.execute(get_request(id)?).await
    }

    /// `PUT /api/v1/Sale/{id}`: replace the whole Sale with `sale` (send back what you got,
    /// changed). Returns the stored Sale.
    pub async fn put(&self, sale: &SaleEntity) -> Result<SaleEntity> {
        self.client.execute(put_request(sale)?).await
    }

    /// `PATCH /api/v1/Sale/{id}` with a JSON Patch. A failing `test` operation gives
    /// [`Error::Conflict`](crate::Error::Conflict) (HTTP 409) and changes nothing. Never retried automatically.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// use superoffice_client::models::{JsonPatch, ListRef, SaleId, SaleStatus};
    /// use superoffice_client::Error;
    ///
    /// let patch = JsonPatch::new()
    ///     .test("Status", SaleStatus::Open)
    ///     .replace("Status", SaleStatus::Sold)
    ///     .replace("ReasonSold", ListRef::id(3));
    /// match client.sales().patch(SaleId(42), &patch).await {
    ///     Ok(sale) => println!("now {:?}", sale.status),
    ///     Err(Error::Conflict(_)) => println!("someone closed it first"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn patch(&self, id: SaleId, patch: &JsonPatch) -> Result<SaleEntity> {
        self.client.execute(patch_request(id, patch)?).await
    }

    /// Like [`put`](Self::put), but only if the Sale did not change after `since` (e.g. its
    /// `UpdatedDate` when you read it): sends `If-Unmodified-Since`, and SuperOffice answers
    /// 412, [`Error::PreconditionFailed`](crate::Error::PreconditionFailed), when someone changed it in between (docs: HTTP
    /// headers, "If-Unmodified-Since").
    pub async fn put_if_unmodified_since(
        &self,
        sale: &SaleEntity,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<SaleEntity> {
        let request = put_request(sale)?.if_unmodified_since(since);
        self.client.execute(request).await
    }

    /// Like [`patch`](Self::patch), with `If-Unmodified-Since: since` (412 →
    /// [`Error::PreconditionFailed`](crate::Error::PreconditionFailed)).
    pub async fn patch_if_unmodified_since(
        &self,
        id: SaleId,
        patch: &JsonPatch,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<SaleEntity> {
        let request = patch_request(id, patch)?.if_unmodified_since(since);
        self.client.execute(request).await
    }

    /// `GET /api/v1/Sale/default`: a new Sale with the tenant's defaults filled in.
    pub async fn default_sale(&self) -> Result<SaleEntity> {
        let request = ApiRequest::get("v1/Sale/default", ["v1", "Sale", "default"]);
        self.client.execute(request).await
    }

    /// `POST /api/v1/Sale/Validate`: check that `sale` may be saved, e.g. before closing it
    /// (a tenant can make the reason mandatory). Returns error messages by field; nothing is
    /// stored.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// use superoffice_client::models::{SaleId, SaleStatus};
    ///
    /// let mut sale = client.sales().get(SaleId(42)).await?;
    /// sale.status = Some(SaleStatus::Lost);
    /// let problems = client.sales().validate(&sale).await?;
    /// if let Some(message) = problems.message("Reason") {
    ///     println!("cannot close yet: {message}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn validate(&self, sale: &SaleEntity) -> Result<ValidationErrors> {
        let errors: Option<ValidationErrors> = self.client.execute(validate_request(sale)?).await?;
        Ok(errors.unwrap_or_default())
    }

    /// `PATCH /api/v1/Sale/{id}` with a JSON Merge Patch object (`{"Status":"Sold"}`).
    pub async fn merge_patch(&self, id: SaleId, changes: &Value) -> Result<SaleEntity> {
        self.client.execute(merge_patch_request(id, changes)?).await
    }

    /// The OData list `GET /api/v1/Sale` (columns such as `saleId`, `heading`, `amount`,
    /// `stage`, `contactId`, `personId`, `associateId`, `updatedDate`).
    pub fn list(&self) -> ODataList<ODataRow> {
        self.list_as()
    }

    /// Like [`list`](Self::list), decoding rows into your own type.
    pub fn list_as<T: DeserializeOwned + Send + 'static>(&self) -> ODataList<T> {
        ODataList::new(
            self.client.clone(),
            "v1/Sale",
            vec!["v1".into(), "Sale".into()],
        )
    }
}

/// The request of [`SalesHandler::get`].
pub fn get_request(id: SaleId) -> Result<ApiRequest> {
    Ok(ApiRequest::get(
        "v1/Sale/{id}",
        ["v1", "Sale", &require_id("SaleId", id.0)?],
    ))
}

/// The request of [`SalesHandler::put`].
pub fn put_request(sale: &SaleEntity) -> Result<ApiRequest> {
    ApiRequest::new(
        Method::PUT,
        "v1/Sale/{id}",
        ["v1", "Sale", &require_id("SaleId", sale.sale_id.0)?],
    )
    .json(sale)
}

/// The request of [`SalesHandler::validate`].
pub fn validate_request(sale: &SaleEntity) -> Result<ApiRequest> {
    ApiRequest::new(Method::POST, "v1/Sale/Validate", ["v1", "Sale", "Validate"]).json(sale)
}

/// The request of [`SalesHandler::patch`]: the JSON Patch array as `Content-Type: application/json`,
/// as the sample request of the PATCH Sale reference (`v1SaleEntity_PatchSaleEntity`) sends it.
pub fn patch_request(id: SaleId, patch: &JsonPatch) -> Result<ApiRequest> {
    patch.validate()?;
    ApiRequest::new(
        Method::PATCH,
        "v1/Sale/{id}",
        ["v1", "Sale", &require_id("SaleId", id.0)?],
    )
    .json(patch)
}

/// The request of [`SalesHandler::merge_patch`]: the object as `Content-Type: application/json` (the
/// PATCH Sale reference tells the two formats apart by the body: an array or an object).
pub fn merge_patch_request(id: SaleId, changes: &Value) -> Result<ApiRequest> {
    match changes.as_object() {
        Some(map) if !map.is_empty() => {}
        _ => return Err(InvalidInput::MergePatchNotObject.into()),
    }
    ApiRequest::new(
        Method::PATCH,
        "v1/Sale/{id}",
        ["v1", "Sale", &require_id("SaleId", id.0)?],
    )
    .json(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::SaleStatus;

    #[test]
    fn requests_are_checked_locally() {
        assert!(get_request(SaleId(0)).is_err());
        assert!(patch_request(SaleId(1), &JsonPatch::new()).is_err());
        assert!(merge_patch_request(SaleId(1), &serde_json::json!([])).is_err());
        let req = patch_request(
            SaleId(7),
            &JsonPatch::new().replace("Status", SaleStatus::Lost),
        )
        .unwrap();
        assert_eq!(req.method(), Method::PATCH);
        assert_eq!(req.path(), "v1/Sale/7");
        let (content_type, body) = req.body().unwrap();
        // PATCH Sale reference sample: `Content-Type: application/json; charset=utf-8`.
        assert_eq!(content_type, "application/json");
        let merge = merge_patch_request(SaleId(7), &serde_json::json!({"Status": "Lost"})).unwrap();
        assert_eq!(merge.body().unwrap().0, "application/json");
        assert_eq!(
            body,
            br#"[{"op":"replace","path":"Status","value":"Lost"}]"#
        );
    }
}
