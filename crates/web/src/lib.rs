//! Rapport over HTTP: the JSON API (/api/v1, OpenAPI at /api/openapi.json) and operations
//! endpoints. Handlers only translate between HTTP and `rapport-app`.

pub mod api;
pub mod cookies;
pub mod download;
pub mod extract;
pub mod guard;
pub mod metrics;
pub mod ops;
pub mod problem;
pub mod rate_limit;
pub mod redact;
pub mod server;
pub mod state;
pub mod ui;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use state::{AppState, WebConfig};

use crate::problem::Problem;

/// An unknown address: a page for the workspace and the portal (a person followed a link), a
/// problem document for everything else (a program called the API).
async fn not_found(uri: axum::http::Uri) -> Response {
    if ui::is_page_path(uri.path()) {
        ui::UiError::not_found().into_response()
    } else {
        Problem::new(StatusCode::NOT_FOUND, "no such endpoint")
            .with_type("not-found")
            .into_response()
    }
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "this endpoint does not accept that method",
    )
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "an internal error occurred; it has been logged",
    )
    .with_type("internal")
    .into_response()
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let (api, doc) = api::router().split_for_parts();
    let doc = Arc::new(api::document::render(&doc));
    let body_limit = state.config.body_limit;
    let metrics_here = !state.config.metrics_own_address;
    let router = Router::new()
        .merge(api)
        .merge(ui::router())
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = Arc::clone(&doc);
                async move {
                    let mut res = (*doc).clone().into_response();
                    res.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    );
                    res
                }
            }),
        )
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz));
    let router = if metrics_here {
        router.route("/metrics", get(ops::metrics))
    } else {
        router
    };
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::idempotency,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::record_denials,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::refuse_oversized,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::client_address,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::track,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                // As tower-http's default span, with credentials in the URI hidden.
                tracing::debug_span!(
                    "request",
                    method = %req.method(),
                    uri = %redact::uri(req.uri()),
                    version = ?req.version(),
                )
            }),
        )
        .with_state(state)
}

/// The router for `--metrics-addr`: `/metrics` alone, sharing `state` (and so the main
/// server's request counts). Not timed itself: scrapes are not the traffic being measured.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(ops::metrics_own_address))
        .fallback(not_found)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

/// Serve [`metrics_router`] until `shutdown` resolves.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = server::ServerLimits {
        max_connections: 16,
        ..state.config.limits.clone()
    };
    server::serve(listener, metrics_router(state), limits, shutdown).await
}

/// The OpenAPI document as JSON (for `rapport` to print, and tests to check).
pub fn openapi_json() -> String {
    let (_, doc) = api::router().split_for_parts();
    api::document::render(&doc)
}

/// Serve until `shutdown` resolves, then finish in-flight requests (bounded).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.config.limits.clone();
    server::serve(listener, router(state), limits, shutdown).await
}
