//! Typed async client for the **Oneflow** public API v1 (contracts and e-signing).
//!
//! * One [`Client`] (cheap to clone) built with [`Client::builder`]: base URL, API token,
//!   default acting user (`x-oneflow-user-email`, overridable per call with
//!   [`Client::as_user`]), timeouts, [`RetryPolicy`], user agent, optional own
//!   `reqwest::Client`.
//! * A handler per API area, in [`api`] (one module per area, with its helper types):
//!   [`Client::account`], [`Client::users`], [`Client::workspaces`],
//!   [`Client::templates`], [`Client::template_types`], [`Client::helpers`],
//!   [`Client::contracts`] (with parties, participants, data fields, events, products),
//!   [`Client::files`] and [`Client::webhooks`].
//! * Models in Oneflow's exact wire format ([`models`]), with Oneflow's timestamp format
//!   ([`models::timestamp`]), `i64` id newtypes and an `Other(String)` fallback on every
//!   server enum.
//! * Lists return a [`Page`] from `.send()` or stream all items with `.stream()` (an
//!   [`ItemStream`], `Send + Unpin`); Oneflow's offset ceiling (19 900) ends a stream with
//!   [`Error::OffsetCeilingReached`].
//! * Input Oneflow would reject (too many parties, party names over 100 or contract names
//!   over 130 characters, a counterparty participant without `delivery_channel`, a file the
//!   template cannot take, a write whose reference requires `x-oneflow-user-email` without an
//!   acting user, …) fails locally with [`Error::InvalidInput`] before anything is sent.
//! * GET/PUT/DELETE are retried on [`RETRYABLE_STATUSES`] and connect errors; creating POSTs
//!   never are. Each call is traced in an `oneflow.request` span. Oneflow
//!   limits 2 000 requests per 5 minutes and sends no `Retry-After`, so a 429 without one is
//!   returned at once as [`Error::RateLimited`] (see [`RetryPolicy::backoff_on_rate_limit`]).
//! * The base URL must be `https` (plain `http` only for loopback test hosts).
//! * `FIDELITY.md` (next to this crate's `Cargo.toml`) records, per endpoint, field, enum
//!   and sandbox behaviour, whether it is documented by Oneflow, inferred or assumed.
//! * [`webhook::verify`] checks deliveries (see its docs on what the signature does *not*
//!   cover).
//! * For tests and demos, the separate crate `oneflow-sandbox` (library `oneflow_sandbox`) serves
//!   a stateful fake of this API on loopback; add it as a dev-dependency. This crate does not
//!   depend on it.
//!
//! # Quick start
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use oneflow_client::models::draft::{CompanyPartyDraft, ContractDraft, ParticipantDraft, ParticipantRole};
//! use oneflow_client::models::{DeliveryChannel, TemplateId, WorkspaceId};
//! use oneflow_client::api::templates::ActiveFilter;
//! use oneflow_client::{Client, Error};
//!
//! # async fn run() -> Result<(), Error> {
//! // 1. Construct (the token is a secret: it never shows in Debug output or logs).
//! let client = Client::builder()
//!     .api_token(std::env::var("ONEFLOW_API_TOKEN").unwrap_or_default())
//!     .user_email("integration@ourco.example")
//!     .build()?;
//!
//! // 2. Call: act as the seller and create a contract from a template.
//! let seller = client.as_user("seller@ourco.example");
//! let draft = ContractDraft::new(WorkspaceId(130406), TemplateId(756510))
//!     .name("Acme AB – licence")
//!     .data_field("superoffice_sale_id", "4711")
//!     .party(CompanyPartyDraft::new("Acme AB").participant(
//!         ParticipantDraft::new("Ann Buyer")
//!             .email("ann@acme.example")
//!             .delivery_channel(DeliveryChannel::Email)
//!             .role(ParticipantRole::Signatory),
//!     ));
//! let contract = seller.contracts().create(&draft).await?;
//!
//! // 3. Paginate: stream every active SuperOffice template.
//! let mut templates = seller.templates().list().extension_type("superoffice").active(ActiveFilter::ActiveOnly).stream();
//! while let Some(template) = templates.try_next().await? {
//!     println!("{} {:?}", template.id, template.name);
//! }
//!
//! // 4. Handle errors.
//! match client.contracts().get(contract.id).await {
//!     Ok(c) => println!("contract {} is {}", c.id, c.state),
//!     Err(e) if e.is_not_found() => println!("gone"),
//!     Err(Error::RateLimited { retry_after, .. }) => println!("slow down: {retry_after:?}"),
//!     Err(Error::InvalidInput(reason)) => println!("fix the input: {reason}"),
//!     Err(e) => {
//!         if let Some(api) = e.api_error() {
//!             eprintln!("Oneflow said {} (request id {:?})", api.status(), api.request_id());
//!         }
//!         return Err(e);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Calls this crate does not wrap
//!
//! Comments, reminders, the tag and folder endpoints, contacts and the SCIM API are not
//! wrapped (contracts can still carry tag ids and a folder id). Describe such a call as an
//! [`ApiRequest`] and send it with [`Client::execute`] (JSON into any `T`),
//! [`Client::execute_empty`] or [`Client::send`] (a [`RawResponse`] with status, headers and
//! body). The token, the acting user, the redirect rule, retries of idempotent requests and
//! the span apply as for every wrapped call.
//!
//! # Features
//!
//! * `test-util`: helpers for testing code that uses this crate:
//!   `webhook::sign_for_test`, `webhook::signed_test_body` and `ApiError::for_test`.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
mod client;
mod error;
pub mod models;
mod pagination;
mod redact;
mod request;
mod retry;
mod stream;
pub mod webhook;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, TOKEN_HEADER, USER_EMAIL_HEADER};
pub use error::{ApiError, ConfigError, Error, InvalidInput, Result, TemplateSection, MAX_OFFSET};
pub use pagination::{Page, MAX_PAGE_SIZE};
pub use request::{ApiRequest, Idempotency, MultipartFile, RawResponse, RequestBody};
pub use retry::{parse_retry_after, RetryDecision, RetryPolicy, RETRYABLE_STATUSES};
pub use stream::ItemStream;
