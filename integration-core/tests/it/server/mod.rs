//! The host service's router (feature `server`), driven in-process with `oneshot` against
//! the sandboxes.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use integration_core::engine::{Integration, IntegrationConfig};
use integration_core::server::{router, ServerConfig};
use integration_core::store::Store;
use superoffice_client::Environment;
use tower::ServiceExt;

use crate::engine::world::World;

mod basics;
mod pages;
mod panel;
mod setup;
mod webhooks;

/// The host's cookie key in these tests.
pub(crate) const COOKIE_KEY: [u8; 32] = [9; 32];

/// A world on the in-memory store.
pub(crate) async fn world() -> World {
    let harness = crate::store::harness::memory().await.unwrap();
    World::start(harness).await
}

/// The service over the world's engine, with the default configuration.
pub(crate) fn app(world: &World) -> Router {
    app_with(
        world,
        ServerConfig::builder(COOKIE_KEY).build().expect("config"),
    )
}

pub(crate) fn app_with(world: &World, config: ServerConfig) -> Router {
    router(Arc::new(world.engine.clone()), config)
}

/// An engine over `store` that talks to no vendor (for transport-only tests).
pub(crate) fn offline_engine(store: Arc<dyn Store>) -> Integration {
    let config = IntegrationConfig::new(
        Environment::Production,
        "client-id",
        "client-secret",
        "https://host.example/superoffice/callback".parse().unwrap(),
        "https://host.example/".parse().unwrap(),
    );
    Integration::builder(config, store).build().expect("engine")
}

/// A response, read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
}

pub(crate) async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

pub(crate) async fn get(app: &Router, uri: &str) -> Answer {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

pub(crate) async fn post(
    app: &Router,
    uri: &str,
    body: impl Into<Body>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = Request::post(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(app, request.body(body.into()).unwrap()).await
}
