//! Operations: liveness, readiness, metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use sha2::Digest;

use crate::problem::Problem;
use crate::state::AppState;

/// Liveness: the process answers.
pub async fn healthz(State(state): State<AppState>) -> Response {
    Json(serde_json::json!({"status": "ok", "version": state.config.version})).into_response()
}

/// Readiness: the database answers and its schema is this binary's.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let ready = state.app.readiness().await;
    match ready.problem {
        None => {
            Json(serde_json::json!({"status": "ready", "database": ready.engine})).into_response()
        }
        Some(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                serde_json::json!({"status": "not ready", "database": ready.engine, "problem": e}),
            ),
        )
            .into_response(),
    }
}

/// Prometheus text exposition on the main address, for a scraper holding the operator's metrics
/// token (request counts per route, queue depths and memory use are the operator's business,
/// not the internet's). Not routed at all when metrics have their own address.
pub async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return Problem::new(
            StatusCode::NOT_FOUND,
            "metrics are off; the operator turns them on with --metrics-token or --metrics-addr",
        )
        .with_type("not-found")
        .into_response();
    };
    if let Some(refused) = refuse_without(expected, &headers) {
        return refused;
    }
    exposition(&state).await
}

/// `/metrics` on the address given to `--metrics-addr`: that address is the protection (one
/// the firewall keeps to the scraper), and a token, when set too, is asked for as well.
pub async fn metrics_own_address(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Response {
    if let Some(expected) = state.config.metrics_token.as_deref()
        && let Some(refused) = refuse_without(expected, &headers)
    {
        return refused;
    }
    exposition(&state).await
}

/// The 401 for a request without the bearer token `expected`; `None` when it has it.
fn refuse_without(expected: &str, headers: &axum::http::HeaderMap) -> Option<Response> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .unwrap_or("");
    // Compare digests, so the time taken does not depend on where the strings differ.
    let digest = |s: &str| hex::encode(sha2::Sha256::digest(s.as_bytes()));
    if crate::extract::constant_eq(&digest(given), &digest(expected)) {
        None
    } else {
        Some(Problem::unauthorized("send Authorization: Bearer <metrics token>").into_response())
    }
}

async fn exposition(state: &AppState) -> Response {
    let ops = state.app.ops_snapshot().await;
    if let Err(e) = &ops.jobs {
        // Still served: the counters in memory are what the operator needs while it is down.
        tracing::warn!(error = %e, "metrics: the job queue could not be read");
    }
    let body = state.metrics.render(Some(&ops), resident_bytes());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Resident memory from /proc (Linux); None elsewhere.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Middleware: time every request and count it by route template (not raw path, so ids do
/// not explode the series).
pub async fn track(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let start = std::time::Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let res = next.run(req).await;
    state
        .metrics
        .observe(&method, &route, res.status().as_u16(), start.elapsed());
    res
}
