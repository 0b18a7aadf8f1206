//! Operations: liveness, readiness, metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_store::params;

use crate::state::AppState;

/// Liveness: the process answers.
pub async fn healthz(State(state): State<AppState>) -> Response {
    Json(serde_json::json!({"status": "ok", "version": state.config.version})).into_response()
}

/// Readiness: the database answers and its schema is this binary's.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let store = state.app.store.clone();
    let db = store
        .read(|db| db.scalar::<i64>("SELECT 1", params![]))
        .await
        .map_err(|e| e.to_string());
    let ready = match db {
        Ok(_) => store.check_schema().await.map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    let engine = store.engine().name();
    match ready {
        Ok(()) => Json(serde_json::json!({"status": "ready", "database": engine})).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "not ready", "database": engine, "problem": e})),
        )
            .into_response(),
    }
}

/// Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let rss = resident_bytes().unwrap_or(0) as f64;
    let body = state.metrics.render(&[(
        "rapport_process_resident_bytes",
        "Resident set size of the server.",
        rss,
    )]);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Resident memory from /proc (Linux); None elsewhere.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
