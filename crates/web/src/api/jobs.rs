use axum::Json;
use axum::extract::State;
use rapport_core::jobs::{Job, JobStatus};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Errors, list_type};
use crate::extract::{ApiQuery, Auth, Id};
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

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get))
        .routes(routes!(retry))
}
