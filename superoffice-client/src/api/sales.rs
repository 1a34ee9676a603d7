//! Sales: `GET/PUT/PATCH /api/v1/Sale/{id}` and the OData list `GET /api/v1/Sale`.

use http::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::require_id;
use crate::client::{Client, Request};
use crate::error::{Error, Result};
use crate::models::{JsonPatch, SaleEntity, SaleId};
use crate::odata::{ODataList, ODataRow};

/// Handler for Sales; see [`Client::sales`].
#[derive(Debug, Clone)]
pub struct Sales {
    client: Client,
}

impl Client {
    /// Sales (opportunities).
    pub fn sales(&self) -> Sales {
        Sales {
            client: self.clone(),
        }
    }
}

impl Sales {
    /// `GET /api/v1/Sale/{id}`.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::client::Client) -> superoffice_client::Result<()> {
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
    /// [`Error::Conflict`] (HTTP 409) and changes nothing. Never retried automatically.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::client::Client) -> superoffice_client::Result<()> {
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

/// The request of [`Sales::get`].
pub fn get_request(id: SaleId) -> Result<Request> {
    Ok(Request::get(
        "v1/Sale/{id}",
        ["v1", "Sale", &require_id("SaleId", id.0)?],
    ))
}

/// The request of [`Sales::put`].
pub fn put_request(sale: &SaleEntity) -> Result<Request> {
    Request::new(
        Method::PUT,
        "v1/Sale/{id}",
        ["v1", "Sale", &require_id("SaleId", sale.sale_id.0)?],
    )
    .json(sale)
}

/// The request of [`Sales::patch`]: the JSON Patch array as `Content-Type: application/json`,
/// as the sample request of the PATCH Sale reference (`v1SaleEntity_PatchSaleEntity`) sends it.
pub fn patch_request(id: SaleId, patch: &JsonPatch) -> Result<Request> {
    patch.validate()?;
    Request::new(
        Method::PATCH,
        "v1/Sale/{id}",
        ["v1", "Sale", &require_id("SaleId", id.0)?],
    )
    .json(patch)
}

/// The request of [`Sales::merge_patch`]: the object as `Content-Type: application/json` (the
/// PATCH Sale reference tells the two formats apart by the body: an array or an object).
pub fn merge_patch_request(id: SaleId, changes: &Value) -> Result<Request> {
    match changes.as_object() {
        Some(map) if !map.is_empty() => {}
        _ => {
            return Err(Error::invalid_input(
                "a merge patch must be a non-empty JSON object",
            ))
        }
    }
    Request::new(
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
