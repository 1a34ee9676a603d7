//! Lists: sale stages (`List/Rating`), sale types with their stages, reasons lost, sold and
//! stalled.

use crate::api::require_id;
use crate::client::Client;
use crate::error::Result;
use crate::models::{ListItemEntity, SaleStageEntity, SaleTypeEntity};
use crate::request::ApiRequest;

/// Handler for list items; see [`Client::lists`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ListsHandler {
    client: Client,
}

impl Client {
    /// List items (stages, sale types, reasons).
    pub fn lists(&self) -> ListsHandler {
        ListsHandler {
            client: self.clone(),
        }
    }
}

impl ListsHandler {
    /// Sale stages, `GET /api/v1/List/Rating/Items` (`includeDeleted=true` when asked).
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// for stage in client.lists().sale_stages(false).await? {
    ///     println!("{} {:?} {:?}%", stage.sale_stage_id, stage.value, stage.probability);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sale_stages(&self, include_deleted: bool) -> Result<Vec<SaleStageEntity>> {
        let mut request =
            ApiRequest::get("v1/List/Rating/Items", ["v1", "List", "Rating", "Items"]);
        if include_deleted {
            request = request.query("includeDeleted", "true");
        }
        self.client.execute(request).await
    }

    /// One sale stage, `GET /api/v1/List/Rating/Items/{id}`.
    pub async fn sale_stage(&self, id: i32) -> Result<SaleStageEntity> {
        let request = ApiRequest::get(
            "v1/List/Rating/Items/{id}",
            [
                "v1",
                "List",
                "Rating",
                "Items",
                &require_id("SaleStageId", id)?,
            ],
        );
        self.client.execute(request).await
    }

    /// Sale types with their stages, `GET /api/v1/List/SaleType/Items`.
    pub async fn sale_types(&self) -> Result<Vec<SaleTypeEntity>> {
        let request = ApiRequest::get(
            "v1/List/SaleType/Items",
            ["v1", "List", "SaleType", "Items"],
        );
        self.client.execute(request).await
    }

    /// One sale type with its stages, `GET /api/v1/List/SaleType/Items/{id}`.
    pub async fn sale_type(&self, id: i32) -> Result<SaleTypeEntity> {
        let request = ApiRequest::get(
            "v1/List/SaleType/Items/{id}",
            [
                "v1",
                "List",
                "SaleType",
                "Items",
                &require_id("SaleTypeId", id)?,
            ],
        );
        self.client.execute(request).await
    }

    /// The stages a Sale of type `sale_type_id` goes through, in rank order: the sale type's
    /// selected `Stages` (`GET /api/v1/List/SaleType/Items/{id}`) joined with the stage list
    /// (`GET /api/v1/List/Rating/Items`) for their probabilities. Deleted stages are left out.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// for stage in client.lists().stages_for_sale_type(1).await? {
    ///     println!("{:?} {:?}%", stage.value, stage.probability);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stages_for_sale_type(&self, sale_type_id: i32) -> Result<Vec<SaleStageEntity>> {
        let sale_type = self.sale_type(sale_type_id).await?;
        let selected: Vec<i32> = sale_type.selected_stages().map(|s| s.id).collect();
        let mut stages: Vec<SaleStageEntity> = self
            .sale_stages(false)
            .await?
            .into_iter()
            .filter(|s| selected.contains(&s.sale_stage_id) && !s.deleted)
            .collect();
        stages.sort_by_key(|s| {
            selected
                .iter()
                .position(|id| *id == s.sale_stage_id)
                .unwrap_or(usize::MAX)
        });
        Ok(stages)
    }

    /// Reasons for lost Sales, `GET /api/v1/List/Reason/Items`.
    pub async fn reasons_lost(&self) -> Result<Vec<ListItemEntity>> {
        self.items("v1/List/Reason/Items", "Reason").await
    }

    /// Reasons for won Sales, `GET /api/v1/List/ReasonSold/Items`.
    pub async fn reasons_sold(&self) -> Result<Vec<ListItemEntity>> {
        self.items("v1/List/ReasonSold/Items", "ReasonSold").await
    }

    /// Reasons for stalled Sales, `GET /api/v1/List/ReasonStalled/Items`.
    pub async fn reasons_stalled(&self) -> Result<Vec<ListItemEntity>> {
        self.items("v1/List/ReasonStalled/Items", "ReasonStalled")
            .await
    }

    async fn items(&self, template: &'static str, list: &str) -> Result<Vec<ListItemEntity>> {
        let request = ApiRequest::get(template, ["v1", "List", list, "Items"]);
        self.client.execute(request).await
    }
}
