//! `WebPanelEntity`: an item of the "GUI - Web panel" list (`/api/v1/List/WebPanel/Items`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::models::ids::WebPanelId;

crate::models::macros::string_enum! {
    /// `WebPanelEntity.UrlEncoding`: how SuperOffice encodes substituted template variables.
    pub enum UrlEncoding {
        /// `Unknown`.
        Unknown = "Unknown",
        /// `None`: no encoding.
        None = "None",
        /// `ANSI`.
        Ansi = "ANSI",
        /// `Unicode` (UTF-8 percent-encoding).
        Unicode = "Unicode",
    }
}

crate::models::macros::string_enum! {
    /// `WebPanelEntity.VisibleIn`: where the panel appears. All values documented in the List
    /// Swagger are listed, in its order (the position is the id of the `visiblein` MDO list,
    /// en/api/mdo-providers/reference/visiblein.md): `SaleCard` (9) is "Panel - Sale card",
    /// `SaleArchive` (29) is "Panel - Sale screen section tab", the tab at the bottom of the
    /// Sale screen where the Oneflow Contract panel belongs.
    pub enum VisibleIn {
        /// `Invisible`.
        Invisible = "Invisible",
        /// `ToolboxMenu`.
        ToolboxMenu = "ToolboxMenu",
        /// `NavigatorButton`.
        NavigatorButton = "NavigatorButton",
        /// `ViewMenu`.
        ViewMenu = "ViewMenu",
        /// `SelectionTaskCard`.
        SelectionTaskCard = "SelectionTaskCard",
        /// `ContactCard`.
        ContactCard = "ContactCard",
        /// `ContactArchive`.
        ContactArchive = "ContactArchive",
        /// `ProjectCard`.
        ProjectCard = "ProjectCard",
        /// `ProjectArchive`.
        ProjectArchive = "ProjectArchive",
        /// `SaleCard` (9): "Panel - Sale card".
        SaleCard = "SaleCard",
        /// `PersonCard`.
        PersonCard = "PersonCard",
        /// `ActivityDialog`.
        ActivityDialog = "ActivityDialog",
        /// `DocumentDialog`.
        DocumentDialog = "DocumentDialog",
        /// `BrowserPanel`.
        BrowserPanel = "BrowserPanel",
        /// `ContSelectionTask`.
        ContSelectionTask = "ContSelectionTask",
        /// `AppntSelectionTask`.
        AppntSelectionTask = "AppntSelectionTask",
        /// `SaleSelectionTask`.
        SaleSelectionTask = "SaleSelectionTask",
        /// `DocSelectionTask`.
        DocSelectionTask = "DocSelectionTask",
        /// `ProjSelectionTask`.
        ProjSelectionTask = "ProjSelectionTask",
        /// `CompanyMinicard`.
        CompanyMinicard = "CompanyMinicard",
        /// `ProjectMinicard`.
        ProjectMinicard = "ProjectMinicard",
        /// `DiaryMinicard`.
        DiaryMinicard = "DiaryMinicard",
        /// `SelectionMinicard`.
        SelectionMinicard = "SelectionMinicard",
        /// `ButtonPanelTask`.
        ButtonPanelTask = "ButtonPanelTask",
        /// `AppointmentDialogTask`.
        AppointmentDialogTask = "AppointmentDialogTask",
        /// `SaleDialogTask`.
        SaleDialogTask = "SaleDialogTask",
        /// `DocumentDialogTask`.
        DocumentDialogTask = "DocumentDialogTask",
        /// `PersonDialogTask`.
        PersonDialogTask = "PersonDialogTask",
        /// `SaleMinicard`.
        SaleMinicard = "SaleMinicard",
        /// `SaleArchive` (29): "Panel - Sale screen section tab".
        SaleArchive = "SaleArchive",
        /// `AppntSelectionShadowTask`.
        AppntSelectionShadowTask = "AppntSelectionShadowTask",
        /// `SaleSelectionShadowTask`.
        SaleSelectionShadowTask = "SaleSelectionShadowTask",
        /// `DocSelectionShadowTask`.
        DocSelectionShadowTask = "DocSelectionShadowTask",
        /// `ProjSelectionShadowTask`.
        ProjSelectionShadowTask = "ProjSelectionShadowTask",
        /// `DiaryArchive`.
        DiaryArchive = "DiaryArchive",
        /// `SelectionContactArchive`.
        SelectionContactArchive = "SelectionContactArchive",
        /// `SelectionProjectArchive`.
        SelectionProjectArchive = "SelectionProjectArchive",
        /// `SelectionSaleArchive`.
        SelectionSaleArchive = "SelectionSaleArchive",
        /// `SelectionAppointmentArchive`.
        SelectionAppointmentArchive = "SelectionAppointmentArchive",
        /// `SelectionDocumentArchive`.
        SelectionDocumentArchive = "SelectionDocumentArchive",
        /// `ContSelectionCustomTask`.
        ContSelectionCustomTask = "ContSelectionCustomTask",
        /// `AppntSelectionCustomTask`.
        AppntSelectionCustomTask = "AppntSelectionCustomTask",
        /// `SaleSelectionCustomTask`.
        SaleSelectionCustomTask = "SaleSelectionCustomTask",
        /// `DocSelectionCustomTask`.
        DocSelectionCustomTask = "DocSelectionCustomTask",
        /// `ProjSelectionCustomTask`.
        ProjSelectionCustomTask = "ProjSelectionCustomTask",
        /// `CustomArchiveMiniCard`.
        CustomArchiveMiniCard = "CustomArchiveMiniCard",
        /// `SelectionCard`.
        SelectionCard = "SelectionCard",
        /// `ReportMinicard`.
        ReportMinicard = "ReportMinicard",
        /// `QuoteDialog`.
        QuoteDialog = "QuoteDialog",
        /// `QuoteDialogTask`.
        QuoteDialogTask = "QuoteDialogTask",
        /// `QuoteDialogArchive`.
        QuoteDialogArchive = "QuoteDialogArchive",
        /// `QuoteLineDialogTask`.
        QuoteLineDialogTask = "QuoteLineDialogTask",
        /// `QuoteLineDialog`.
        QuoteLineDialog = "QuoteLineDialog",
        /// `QuoteLineSelectionMainTask`.
        QuoteLineSelectionMainTask = "QuoteLineSelectionMainTask",
        /// `QuoteLineSelectionShadowTask`.
        QuoteLineSelectionShadowTask = "QuoteLineSelectionShadowTask",
        /// `SelectionQuoteLineArchive`.
        SelectionQuoteLineArchive = "SelectionQuoteLineArchive",
        /// `QuoteLineSelectionCustomTask`.
        QuoteLineSelectionCustomTask = "QuoteLineSelectionCustomTask",
        /// `FindSystem`.
        FindSystem = "FindSystem",
        /// `MailingSelectionTask`.
        MailingSelectionTask = "MailingSelectionTask",
        /// `ContactSelectionMailingsTask`.
        ContactSelectionMailingsTask = "ContactSelectionMailingsTask",
        /// `AppointmentSelectionMailingsTask`.
        AppointmentSelectionMailingsTask = "AppointmentSelectionMailingsTask",
        /// `SaleSelectionMailingsTask`.
        SaleSelectionMailingsTask = "SaleSelectionMailingsTask",
        /// `DocumentSelectionMailingsTask`.
        DocumentSelectionMailingsTask = "DocumentSelectionMailingsTask",
        /// `ProjectSelectionMailingsTask`.
        ProjectSelectionMailingsTask = "ProjectSelectionMailingsTask",
        /// `QuoteLineSelectionMailingsTask`.
        QuoteLineSelectionMailingsTask = "QuoteLineSelectionMailingsTask",
        /// `TopPanelNewMenu`.
        TopPanelNewMenu = "TopPanelNewMenu",
        /// `Dashboard`.
        Dashboard = "Dashboard",
        /// `PersonArchive`.
        PersonArchive = "PersonArchive",
        /// `PersonMinicard`.
        PersonMinicard = "PersonMinicard",
        /// `CompanyCardTask`.
        CompanyCardTask = "CompanyCardTask",
        /// `ProjectCardTask`.
        ProjectCardTask = "ProjectCardTask",
        /// `TicketCard`.
        TicketCard = "TicketCard",
        /// `TicketMinicard`.
        TicketMinicard = "TicketMinicard",
        /// `CustomObjectCard`.
        CustomObjectCard = "CustomObjectCard",
        /// `CustomObjectArchive`.
        CustomObjectArchive = "CustomObjectArchive",
    }
}

impl WebPanelEntity {
    /// A new panel (no id yet) with a name, URL, location and stable `ProgId`; available in
    /// the web client (`OnSalesMarketingWeb`) and reloaded when shown. Adjust fields before
    /// creating it.
    pub fn new(
        name: impl Into<String>,
        url: impl Into<String>,
        visible_in: VisibleIn,
        prog_id: impl Into<String>,
    ) -> Self {
        WebPanelEntity {
            name: Some(name.into()),
            url: Some(url.into()),
            visible_in: Some(visible_in),
            prog_id: Some(prog_id.into()),
            url_encoding: Some(UrlEncoding::Unicode),
            on_central: true,
            on_sales_marketing_web: true,
            always_reload_on_show: true,
            ..WebPanelEntity::default()
        }
    }
}

/// A web panel: Swagger definition `WebPanelEntity`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct WebPanelEntity {
    /// `WebPanelId` (0 before creation).
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub web_panel_id: WebPanelId,
    /// Label shown in SuperOffice (`Name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description; put the app or company name here (`Tooltip`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// `Deleted` (soft-deleted).
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub deleted: bool,
    /// `Rank`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<i32>,
    /// `UrlEncoding`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_encoding: Option<UrlEncoding>,
    /// `VisibleIn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_in: Option<VisibleIn>,
    /// `OnCentral`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub on_central: bool,
    /// `OnSatellite`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub on_satellite: bool,
    /// `OnTravel`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub on_travel: bool,
    /// Available in the web client (`OnSalesMarketingWeb`).
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub on_sales_marketing_web: bool,
    /// `OnSalesMarketingPocket`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub on_sales_marketing_pocket: bool,
    /// `ShowInMenuBar`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub show_in_menu_bar: bool,
    /// `ShowInToolBar`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub show_in_tool_bar: bool,
    /// `ShowInAddressBar`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub show_in_address_bar: bool,
    /// `ShowInStatusBar`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub show_in_status_bar: bool,
    /// Target window id; must be unique, so prefix it (`WindowName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_name: Option<String>,
    /// URL with template variables such as `<said>` (`Url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Stable key for partners (`ProgId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prog_id: Option<String>,
    /// `Icon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<i32>,
    /// `AlwaysReloadOnShow`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub always_reload_on_show: bool,
    /// `NeverReloadOnCurrentChange`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub never_reload_on_current_change: bool,
    /// `CustomObjectEntity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_object_entity: Option<String>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
