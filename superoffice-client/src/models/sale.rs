//! `SaleEntity`: a Sale (opportunity) as returned by `GET /api/v1/Sale/{id}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::models::common::{Associate, Contact, ListRef, Person};
use crate::models::date::SoDateTime;
use crate::models::ids::SaleId;

crate::models::macros::string_enum! {
    /// `SaleEntity.Status`: whether the Sale is open, won (`Sold`), lost or stalled.
    pub enum SaleStatus {
        /// `Unknown`.
        Unknown = "Unknown",
        /// `Open`: in progress.
        Open = "Open",
        /// `Sold`: won.
        Sold = "Sold",
        /// `Lost`: lost.
        Lost = "Lost",
        /// `Stalled`: on hold (see `ReasonStalled`, `ReopenDate`).
        Stalled = "Stalled",
        /// `SaintAll`: a search/filter value SuperOffice also uses for this enum.
        SaintAll = "SaintAll",
    }
}

crate::models::macros::string_enum! {
    /// `SaleEntity.Completed`: the "done" flag (only meaningful for Sold/Lost Sales).
    pub enum SaleCompleted {
        /// `Unknown`.
        Unknown = "Unknown",
        /// `NotStarted`.
        NotStarted = "NotStarted",
        /// `Started`.
        Started = "Started",
        /// `Completed`.
        Completed = "Completed",
    }
}

impl SaleEntity {
    /// True when the Sale is closed (Sold or Lost).
    pub fn is_closed(&self) -> bool {
        matches!(self.status, Some(SaleStatus::Sold) | Some(SaleStatus::Lost))
    }

    /// The company id, when the Sale has a company.
    pub fn contact_id(&self) -> Option<crate::models::ids::ContactId> {
        self.contact
            .as_ref()
            .map(|c| c.contact_id)
            .filter(|id| id.is_set())
    }

    /// The person id, when the Sale has a person.
    pub fn person_id(&self) -> Option<crate::models::ids::PersonId> {
        self.person
            .as_ref()
            .map(|p| p.person_id)
            .filter(|id| id.is_set())
    }

    /// The owner's associate id, when set.
    pub fn associate_id(&self) -> Option<crate::models::ids::AssociateId> {
        self.associate
            .as_ref()
            .map(|a| a.associate_id)
            .filter(|id| id.is_set())
    }

    /// The stage id (`Rating.Id`), when set.
    pub fn stage_id(&self) -> Option<i32> {
        self.rating.as_ref().map(|r| r.id).filter(|id| *id > 0)
    }
}

/// A Sale: Swagger definition `SaleEntity` (exact PascalCase on the wire).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct SaleEntity {
    /// `SaleId`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub sale_id: SaleId,
    /// Title (`Heading`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    /// `Amount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// `Earning`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earning: Option<f64>,
    /// `EarningPercent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earning_percent: Option<f64>,
    /// `Currency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<ListRef>,
    /// Expected, won or lost date (`Saledate`, lowercase `d`).
    #[serde(
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub saledate: Option<SoDateTime>,
    /// `Status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SaleStatus>,
    /// The sale stage (`Rating`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<ListRef>,
    /// Probability in percent (`Probability`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<i32>,
    /// `SaleType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_type: Option<ListRef>,
    /// Reason for a lost Sale (`Reason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ListRef>,
    /// Reason for a won Sale (`ReasonSold`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_sold: Option<ListRef>,
    /// Reason for a stalled Sale (`ReasonStalled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_stalled: Option<ListRef>,
    /// When a stalled Sale reopens (`ReopenDate`).
    #[serde(
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub reopen_date: Option<SoDateTime>,
    /// `Completed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<SaleCompleted>,
    /// The company (`Contact`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// The person (`Person`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
    /// The owner (`Associate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associate: Option<Associate>,
    /// `CreatedBy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Associate>,
    /// `UpdatedBy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<Associate>,
    /// Description text (`SaleText`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_text: Option<String>,
    /// Sticky note (`Postit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postit: Option<String>,
    /// Alphanumeric number (`Number`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// `Source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ListRef>,
    /// `Competitor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competitor: Option<ListRef>,
    /// `Credited`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credited: Option<ListRef>,
    /// Creation time, UTC (`CreatedDate`).
    #[serde(
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_date: Option<SoDateTime>,
    /// Last update, UTC (`UpdatedDate`).
    #[serde(
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_date: Option<SoDateTime>,
    /// `NextDueDate`.
    #[serde(
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_due_date: Option<SoDateTime>,
    /// Custom fields (`CustomFields`: `SuperOffice:1`, `x_field`, …).
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub custom_fields: Map<String, Value>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
