//! List items: sale stages (`List/Rating`), sale types, reasons, user groups.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::models::date::SoDateTime;

crate::models::macros::string_enum! {
    /// `SaleTypeEntity.DurationUnit`.
    pub enum DurationUnit {
        /// `Unknown`.
        Unknown = "Unknown",
        /// `Second`.
        Second = "Second",
        /// `Minute`.
        Minute = "Minute",
        /// `Hour`.
        Hour = "Hour",
        /// `Day`.
        Day = "Day",
        /// `Week`.
        Week = "Week",
        /// `Month`.
        Month = "Month",
        /// `Quarter`.
        Quarter = "Quarter",
        /// `HalfYear`.
        HalfYear = "HalfYear",
        /// `Year`.
        Year = "Year",
        /// `Decade`.
        Decade = "Decade",
        /// `Century`.
        Century = "Century",
        /// `Millenium` (sic).
        Millenium = "Millenium",
    }
}

impl SaleTypeEntity {
    /// The stages that belong to this sale type (`Stages` items with `Selected = true`).
    pub fn selected_stages(&self) -> impl Iterator<Item = &SelectableMdoListItem> {
        self.stages.iter().filter(|s| s.selected)
    }
}

impl SelectableMdoListItem {
    /// An item by id with the given selection state, as sent when setting user-group
    /// visibility.
    pub fn selected(id: i32, selected: bool) -> Self {
        SelectableMdoListItem {
            id,
            selected,
            ..SelectableMdoListItem::default()
        }
    }
}

/// A sale stage (item of list `Rating`): Swagger definition `SaleStageEntity`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct SaleStageEntity {
    /// `SaleStageId` (the value of `SaleEntity.Rating.Id`).
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub sale_stage_id: i32,
    /// Stage name (`Value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `Tooltip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// Default probability in percent (`Probability`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<i32>,
    /// `Deleted`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub deleted: bool,
    /// `Rank`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<i32>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A sale type with its stages: Swagger definition `SaleTypeEntity`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct SaleTypeEntity {
    /// `SaleTypeId`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub sale_type_id: i32,
    /// `Name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Tooltip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// `Rank`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<i32>,
    /// `DurationUnit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_unit: Option<DurationUnit>,
    /// `SaleDuration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_duration: Option<i32>,
    /// `Deleted`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub deleted: bool,
    /// `HasGuide`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub has_guide: bool,
    /// `HasStakeholders`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub has_stakeholders: bool,
    /// `IsAutoAdvance`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub is_auto_advance: bool,
    /// All stages; the selected ones belong to this type (`Stages`).
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub stages: Vec<SelectableMdoListItem>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A plain list item (reasons lost/sold/stalled, …): Swagger definition `ListItemEntity`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ListItemEntity {
    /// `Id`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub id: i32,
    /// `Name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Tooltip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// `Deleted`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub deleted: bool,
    /// `UdListDefinitionId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ud_list_definition_id: Option<i32>,
    /// `Rank`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<i32>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An item of a selectable list (stages of a sale type, user groups): Swagger definition `SelectableMDOListItem`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct SelectableMdoListItem {
    /// `Id`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub id: i32,
    /// `Name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `ToolTip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_tip: Option<String>,
    /// `Deleted`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub deleted: bool,
    /// `Rank`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<i32>,
    /// `Type`.
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub item_type: Option<String>,
    /// `Selected`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub selected: bool,
    /// `ExtraInfo` (e.g. `IsDeleted=False&Probability=20&`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_info: Option<String>,
    /// `FullName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// `Hidden`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub hidden: bool,
    /// `LastChanged`.
    #[serde(
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_changed: Option<SoDateTime>,
    /// `ChildItems`.
    #[serde(
        default,
        deserialize_with = "crate::models::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub child_items: Vec<SelectableMdoListItem>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
