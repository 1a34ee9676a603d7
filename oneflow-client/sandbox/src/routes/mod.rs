//! The HTTP surface: router, middleware (request log, faults, auth) and pagination.

mod account;
mod contracts;
mod data_fields;
mod files;
pub(crate) mod input;
mod parties;
mod products;
mod signing;
mod templates;
mod webhooks;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use serde_json::{json, Value};
use tracing::Instrument;

use super::errors::Problem;
use super::faults::{fault_response, Fault};
use super::state::Actor;
use super::webhooks::lock;
use super::{RequestRecord, Shared};

pub(crate) const TOKEN_HEADER: &str = "x-oneflow-api-token";
pub(crate) const EMAIL_HEADER: &str = "x-oneflow-user-email";

/// Largest accepted request body (uploads included).
const BODY_LIMIT: usize = 30 * 1024 * 1024;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/ping", get(account::ping))
        .route("/accounts/me", get(account::me))
        .route("/users", get(account::users))
        .route("/users/{id}", get(account::user))
        .route("/workspaces", get(account::workspaces))
        .route("/workspaces/{id}", get(account::workspace))
        .route("/templates", get(templates::list))
        .route("/templates/{id}", get(templates::get_one))
        .route(
            "/template_types",
            get(templates::list_types).post(templates::create_type),
        )
        .route(
            "/template_types/{id}",
            get(templates::get_type)
                .put(templates::update_type)
                .delete(templates::delete_type),
        )
        .route(
            "/template_types/{id}/data_fields",
            get(templates::type_fields).put(templates::replace_type_fields),
        )
        .route(
            "/helpers/contract_create_data",
            get(templates::contract_create_data),
        )
        .route("/contracts", get(contracts::list))
        .route("/contracts/create", post(contracts::create))
        .route(
            "/contracts/{id}",
            get(contracts::get_one)
                .put(contracts::update)
                .delete(contracts::delete),
        )
        .route("/contracts/{id}/publish", post(contracts::publish))
        .route(
            "/contracts/{id}/participants/{participant_id}/access_link",
            post(signing::access_link),
        )
        .route("/contracts/{id}/events", get(contracts::events))
        .route("/contracts/{id}/events/{event_id}", get(contracts::event))
        .route(
            "/contracts/{id}/parties",
            get(parties::list).post(parties::create),
        )
        .route(
            "/contracts/{id}/parties/{party_id}",
            get(parties::get_one)
                .put(parties::update)
                .delete(parties::delete),
        )
        .route(
            "/contracts/{id}/parties/{party_id}/participants",
            post(parties::create_participant),
        )
        .route(
            "/contracts/{id}/parties/{party_id}/participants/{participant_id}",
            put(parties::update_participant).delete(parties::delete_participant),
        )
        .route("/contracts/{id}/product_groups", get(products::list_groups))
        .route(
            "/contracts/{id}/product_groups/{group_id}/products",
            post(products::add),
        )
        .route(
            "/contracts/{id}/product_groups/{group_id}/products/{product_id}",
            put(products::update).delete(products::delete),
        )
        .route(
            "/contracts/{id}/data_fields",
            get(data_fields::list).put(data_fields::bulk_update),
        )
        .route(
            "/contracts/{id}/data_fields/{field}",
            put(data_fields::update),
        )
        .route(
            "/contracts/{id}/files",
            get(files::list).post(files::upload),
        )
        .route("/contracts/{id}/files/{file_id}", get(files::get_one))
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/webhooks/{id}",
            get(webhooks::get_one)
                .put(webhooks::update)
                .delete(webhooks::delete),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(shared.clone(), authenticate))
        .layer(from_fn_with_state(shared.clone(), inject_faults))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    let inner = Router::new()
        .nest("/v1", api)
        .route("/_downloads/{key}", get(files::download))
        .route("/_sign/{key}", get(signing::page))
        .route("/_sign/{key}/{action}", post(signing::act))
        .fallback(not_found)
        .layer(from_fn_with_state(shared.clone(), link_account))
        .with_state(shared.clone());
    Router::new()
        .fallback_service(inner)
        .layer(from_fn_with_state(shared, front))
}

/// Scopes a token-free link (`/_downloads/{key}`, `/_sign/{key}…`) to the account that
/// issued its key; any other request to the primary account.
async fn link_account(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let mut segments = req.uri().path().trim_start_matches('/').split('/');
    let account = match (segments.next(), segments.next()) {
        (Some("_downloads"), Some(key)) => shared.account_where(|w| w.downloads.contains_key(key)),
        (Some("_sign"), Some(key)) => shared.account_where(|w| w.sign_links.contains_key(key)),
        _ => None,
    };
    let scoped = shared.clone();
    scoped.scoped(account.unwrap_or(0), next.run(req)).await
}

async fn not_found() -> Problem {
    Problem::not_found("The requested resource does not exist.")
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "The method is not allowed for this resource.",
    )
}

/// Collapse duplicate slashes and drop a trailing slash, then log the request and its status.
async fn front(State(shared): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    let original = req.uri().path().to_owned();
    let mut path = String::with_capacity(original.len());
    for segment in original.split('/').filter(|s| !s.is_empty()) {
        path.push('/');
        path.push_str(segment);
    }
    if path.is_empty() {
        path.push('/');
    }
    let query = req.uri().query().map(str::to_owned);
    if path != original {
        let rebuilt = match &query {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        if let Ok(uri) = rebuilt.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    let method = req.method().to_string();
    let user_email = req
        .headers()
        .get(EMAIL_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let span = tracing::info_span!(
        "oneflow_sandbox.request",
        %method,
        path = %path,
        status = tracing::field::Empty
    );
    let response = next.run(req).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let faulted = response.extensions().get::<Faulted>().is_some();
    let drop_connection = response.extensions().get::<DropConnection>().is_some();
    span.record("status", status);
    span.in_scope(|| tracing::debug!("handled"));
    let mut requests = lock(&shared.requests);
    while requests.len() >= shared.log_capacity {
        requests.pop_front();
    }
    requests.push_back(RequestRecord {
        method,
        path,
        query,
        user_email,
        status,
        faulted,
    });
    drop(requests);
    if drop_connection {
        // `Fault::DropAfterCommit`: the change is committed and logged; end this connection's
        // task without writing the answer. `resume_unwind` skips the panic hook (nothing is
        // printed); the server's task for this connection ends and its socket is closed, so
        // the client sees the connection close before a response.
        std::panic::resume_unwind(Box::new(DroppedConnection));
    }
    response
}

/// Marks a response that an injected fault produced (read by the request log).
#[derive(Debug, Clone, Copy)]
struct Faulted;

/// Marks a response that must not be sent: the connection is closed instead.
#[derive(Debug, Clone, Copy)]
struct DropConnection;

/// The unwind payload that ends a connection for [`Fault::DropAfterCommit`].
#[derive(Debug)]
struct DroppedConnection;

async fn inject_faults(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let latency = *lock(&shared.latency);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    // Nested below `/v1`, the request's path lacks the prefix the log (and scopes) show.
    let path = format!("/v1{}", req.uri().path());
    let fault = lock(&shared.faults).next(req.method().as_str(), &path);
    let faulted = fault.is_some();
    let mut response = match fault {
        None => next.run(req).await,
        Some(Fault::DropAfterCommit) => {
            // Handle the request to the end in its own task, then have `front` drop the
            // connection instead of answering.
            let mut handled = tokio::spawn(next.run(req)).await.unwrap_or_else(|_| {
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "The request failed.")
                    .into_response()
            });
            handled.extensions_mut().insert(DropConnection);
            handled
        }
        Some(Fault::Timeout(hold)) => {
            // Handle the request in its own task so it takes effect even when the client
            // gives up and disconnects, then hold the response back.
            let handled = tokio::spawn(next.run(req));
            tokio::time::sleep(hold).await;
            handled.await.unwrap_or_else(|_| {
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The held request failed.",
                )
                .into_response()
            })
        }
        Some(other) => match fault_response(&other) {
            Some(response) => response,
            None => next.run(req).await,
        },
    };
    if faulted {
        response.extensions_mut().insert(Faulted);
    }
    response
}

async fn authenticate(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let account = req
        .headers()
        .get(TOKEN_HEADER)
        .and_then(|v| shared.account_by_token(v.as_bytes()));
    let Some(account) = account else {
        return Problem::unauthorized("The API token is missing or invalid.").into_response();
    };
    // Everything below (handlers included) sees only this account.
    let scoped = shared.clone();
    scoped
        .scoped(account, authenticated(shared, req, next))
        .await
}

async fn authenticated(shared: Arc<Shared>, mut req: Request, next: Next) -> Response {
    let email = match req.headers().get(EMAIL_HEADER) {
        None => None,
        Some(v) => match v.to_str() {
            Ok(s) => Some(s.trim().to_owned()),
            Err(_) => {
                return Problem::unauthorized("The x-oneflow-user-email header is not valid.")
                    .into_response()
            }
        },
    };
    if email.is_none() {
        if let Some(call) = acting_user_required(req.method(), req.uri().path()) {
            // Assumed answer (Oneflow documents the header as required on these calls but
            // not the error): 400 naming the header in `parameter_problems`.
            return Problem::bad_param(
                EMAIL_HEADER,
                format!("is required for {call}; the anonymous admin may not do this"),
            )
            .into_response();
        }
    }
    let actor: Result<Actor, Problem> = shared.read(|w| match &email {
        None => Ok(w.anonymous_actor()),
        Some(email) => match w.user_by_email(email) {
            Some(u) if u.active => Ok(Actor {
                user_id: u.id,
                name: u.name.clone(),
                is_admin: u.is_admin,
            }),
            Some(_) => Err(Problem::unauthorized(
                "The user given in x-oneflow-user-email is not active in this account.",
            )),
            None => Err(Problem::unauthorized(
                "The user given in x-oneflow-user-email is not a user of this account.",
            )),
        },
    });
    match actor {
        Ok(actor) => {
            req.extensions_mut().insert(actor);
            next.run(req).await
        }
        Err(problem) => problem.into_response(),
    }
}

/// The calls whose Oneflow reference marks `x-oneflow-user-email` required (create and
/// update a contract, create and update a participant, update data fields), by method and
/// path below `/v1`; `None` for every other call.
fn acting_user_required(method: &axum::http::Method, path: &str) -> Option<&'static str> {
    use axum::http::Method;
    let path = path.strip_prefix("/v1").unwrap_or(path);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (&Method::POST, ["contracts", "create"]) => Some("create a contract"),
        (&Method::PUT, ["contracts", _]) => Some("update a contract"),
        (&Method::POST, ["contracts", _, "parties", _, "participants"]) => {
            Some("create a participant")
        }
        (&Method::PUT, ["contracts", _, "parties", _, "participants", _]) => {
            Some("update a participant")
        }
        (&Method::PUT, ["contracts", _, "data_fields"])
        | (&Method::PUT, ["contracts", _, "data_fields", _]) => Some("update data fields"),
        _ => None,
    }
}

/// Parsed query string (`serde_urlencoded` decodes percent-escapes and `+`).
pub(crate) struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    pub(crate) fn parse(raw: Option<&str>) -> Result<Self, Problem> {
        let pairs = match raw {
            None => Vec::new(),
            Some(q) => serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .map_err(|_| Problem::bad_request("The query string is malformed."))?,
        };
        Ok(Self { pairs })
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn int(&self, key: &str, default: i64, min: i64, max: i64) -> Result<i64, Problem> {
        let Some(raw) = self.get(key) else {
            return Ok(default);
        };
        let value: i64 = raw
            .parse()
            .map_err(|_| Problem::bad_param(key, "must be an integer"))?;
        if value < min || value > max {
            return Err(Problem::bad_param(
                key,
                format!("must be between {min} and {max}"),
            ));
        }
        Ok(value)
    }

    /// The parameter names in order (repeats included).
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(k, _)| k.as_str())
    }

    /// A comma-separated list of integers, e.g. `filter[workspace_ids]=1,2`.
    pub(crate) fn id_list(&self, key: &str) -> Result<Option<Vec<i64>>, Problem> {
        let Some(raw) = self.get(key) else {
            return Ok(None);
        };
        raw.split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.trim()
                    .parse()
                    .map_err(|_| Problem::bad_param(key, "must be a comma-separated list of ids"))
            })
            .collect::<Result<Vec<i64>, Problem>>()
            .map(Some)
    }

    /// `limit` (1–100, default 100) and `offset` (0–19900, default 0).
    pub(crate) fn paging(&self) -> Result<(usize, usize), Problem> {
        let limit = self.int("limit", 100, 1, 100)?;
        let offset = self.int("offset", 0, 0, 19_900)?;
        Ok((to_usize(limit), to_usize(offset)))
    }

    /// Query string for `limit=all` links: all other parameters, then `limit`.
    fn raw_without_paging(&self, limit: &str) -> String {
        let mut pairs: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != "limit" && k != "offset")
            .cloned()
            .collect();
        pairs.push(("limit".to_owned(), limit.to_owned()));
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }

    /// Query string for `_links`: all other parameters, then the given limit and offset.
    fn with_paging(&self, limit: usize, offset: usize) -> String {
        let mut pairs: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != "limit" && k != "offset")
            .cloned()
            .collect();
        pairs.push(("limit".to_owned(), limit.to_string()));
        pairs.push(("offset".to_owned(), offset.to_string()));
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}

fn to_usize(value: i64) -> usize {
    usize::try_from(value).unwrap_or(0)
}

/// Oneflow's list envelope: `{"count","data","_links":{"self","next","previous"}}`; as the
/// links reference documents, a missing page is `{"href": null}` (first page's `previous`,
/// last page's `next`).
pub(crate) fn paginate(
    base: &str,
    path: &str,
    query: &QueryParams,
    items: Vec<Value>,
) -> Result<Value, Problem> {
    // Child collections (`/contracts/{id}/parties`, …) also accept `limit=all`.
    let child = path.matches('/').count() >= 3;
    if child && query.get("limit") == Some("all") {
        let count = items.len();
        let href = json!({ "href": format!("{base}{path}?{}", query.raw_without_paging("all")) });
        let none = json!({ "href": null });
        return Ok(json!({ "count": count, "data": items,
            "_links": { "self": href, "next": none, "previous": none } }));
    }
    let (limit, offset) = query.paging()?;
    let count = items.len();
    let data: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    let href =
        |o: usize| json!({ "href": format!("{base}{path}?{}", query.with_paging(limit, o)) });
    let mut links = serde_json::Map::new();
    links.insert("self".to_owned(), href(offset));
    let none = json!({ "href": null });
    if offset + limit < count && offset + limit <= 19_900 {
        links.insert("next".to_owned(), href(offset + limit));
    } else {
        links.insert("next".to_owned(), none.clone());
    }
    if offset > 0 {
        links.insert("previous".to_owned(), href(offset.saturating_sub(limit)));
    } else {
        links.insert("previous".to_owned(), none);
    }
    Ok(json!({ "count": count, "data": data, "_links": links }))
}
