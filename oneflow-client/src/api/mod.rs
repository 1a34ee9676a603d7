//! One handler per Oneflow API area, each in its own module, with the helper types that
//! belong to it (`api::templates::ActiveFilter`, `api::webhooks::WebhookDraft`,
//! `api::files::FileUpload`, …).
//!
//! Handlers come from accessors on [`Client`](crate::Client): `client.contracts()` returns a
//! [`ContractsHandler`], `client.files()` a [`FilesHandler`], and so on. Handlers are cheap
//! (a clone of the client) and are meant to be used right away.

pub mod account;
pub mod contracts;
pub mod files;
pub mod helpers;
pub mod template_types;
pub mod templates;
pub mod users;
pub mod webhooks;
pub mod workspaces;

pub use account::AccountHandler;
pub use contracts::{
    ContractsHandler, DataFieldsHandler, EventsHandler, ListContracts, ListEvents,
    ParticipantsHandler, PartiesHandler, ProductsHandler,
};
pub use files::FilesHandler;
pub use helpers::HelpersHandler;
pub use template_types::{ListTemplateTypes, TemplateTypesHandler};
pub use templates::{ListTemplates, TemplatesHandler};
pub use users::{ListUsers, UsersHandler};
pub use webhooks::WebhooksHandler;
pub use workspaces::{ListWorkspaces, WorkspacesHandler};
