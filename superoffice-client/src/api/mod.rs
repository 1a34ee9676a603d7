//! REST handlers, one per API area. Get them from the [`Client`](crate::Client):
//! `client.sales()`, `client.contacts()`, `client.persons()`, `client.users()`,
//! `client.lists()`, `client.web_panels()`, `client.webhooks()`, `client.documents()`.

pub mod contacts;
pub mod documents;
pub mod lists;
pub mod panel_url;
pub mod persons;
pub mod sales;
pub mod users;
pub mod web_panels;
pub mod webhooks;

pub use contacts::ContactsHandler;
pub use documents::DocumentsHandler;
pub use lists::ListsHandler;
pub use panel_url::{PanelUrl, PanelUrlBuilder, PanelUrlError, TemplateVariable};
pub use persons::PersonsHandler;
pub use sales::SalesHandler;
pub use users::{UserRow, UsersHandler};
pub use web_panels::WebPanelsHandler;
pub use webhooks::{ListWebhooks, WebhooksHandler};

use crate::error::InvalidInput;

/// Refuse ids that cannot exist (SuperOffice ids start at 1).
pub(crate) fn require_id(field: &'static str, id: i32) -> Result<String, InvalidInput> {
    if id <= 0 {
        return Err(InvalidInput::NonPositiveId { field, id });
    }
    Ok(id.to_string())
}
