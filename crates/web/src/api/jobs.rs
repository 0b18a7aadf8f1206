use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rapport_core::jobs::{Job, JobStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Errors, list_type};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::ApiResult;
use crate::state::AppState;

list_type!(JobList, Job);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    /// `queued`, `running`, `done` or `dead` (the dead-letter list).
    pub status: Option<JobStatus>,
    pub kind: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// The job queue (admins): what is waiting, running, done, and what gave up.
#[utoipa::path(get, operation_id = "listJobs", path = "/api/v1/jobs", tag = "jobs", params(JobQuery), responses((status = 200, body = JobList), Errors))]
async fn list(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<JobQuery>,
) -> ApiResult<Json<JobList>> {
    let limit = rapport_app::limit(q.limit)?;
    Ok(Json(
        s.app
            .list_jobs(&auth.0, q.status, q.kind, q.cursor.as_deref(), limit)
            .await?
            .into(),
    ))
}

/// One job of the queue.
#[utoipa::path(get, operation_id = "getJob", path = "/api/v1/jobs/{id}", tag = "jobs", params(("id" = i64, Path)), responses((status = 200, body = Job), Errors))]
async fn get(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<Json<Job>> {
    Ok(Json(s.app.get_job(&auth.0, id).await?))
}

/// Put a dead job back in the queue.
#[utoipa::path(post, operation_id = "retryJob", path = "/api/v1/jobs/{id}/retry", tag = "jobs", params(("id" = i64, Path)), responses((status = 200, body = Job), Errors))]
async fn retry(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<Json<Job>> {
    Ok(Json(s.app.retry_job(&auth.0, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeInput {
    /// 1-10000 jobs.
    pub count: usize,
    /// How long each job sleeps, 0-600000 ms.
    #[serde(default)]
    pub sleep_ms: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ProbeQueued {
    pub job_ids: Vec<i64>,
}

/// Queue probe jobs that only record that they ran: checks that workers are alive.
#[utoipa::path(post, operation_id = "probeJobs", path = "/api/v1/jobs/probe", tag = "jobs", request_body = ProbeInput, responses((status = 201, body = ProbeQueued), Errors))]
async fn probe(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<ProbeInput>,
) -> ApiResult<(StatusCode, Json<ProbeQueued>)> {
    let job_ids = s
        .app
        .probe_jobs(&auth.0, input.count, input.sleep_ms)
        .await?;
    Ok((StatusCode::CREATED, Json(ProbeQueued { job_ids })))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(probe))
        .routes(routes!(get))
        .routes(routes!(retry))
}
