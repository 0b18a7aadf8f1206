use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use rapport_app::time::TimeFilter;
use rapport_core::ids::{EngagementId, MemberId, RequestId, TimeEntryId};
use rapport_core::time_entry::{NewTimeEntry, TimeEntry, TimeEntryPatch};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Errors, list_type};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::ApiResult;
use crate::state::AppState;

list_type!(TimeEntryList, TimeEntry);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TimeQuery {
    pub member_id: Option<i64>,
    pub request_id: Option<i64>,
    pub engagement_id: Option<i64>,
    /// Entries starting at or after this instant (RFC 3339).
    #[param(value_type = Option<String>)]
    pub from: Option<Timestamp>,
    /// Entries starting before this instant.
    #[param(value_type = Option<String>)]
    pub to: Option<Timestamp>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// Time entries, paginated.
#[utoipa::path(get, operation_id = "listTimeEntries", path = "/api/v1/time-entries", tag = "time", params(TimeQuery),
    responses((status = 200, body = TimeEntryList), Errors))]
async fn list(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<TimeQuery>,
) -> ApiResult<Json<TimeEntryList>> {
    let f = TimeFilter {
        member: q.member_id.map(MemberId),
        request: q.request_id.map(RequestId),
        engagement: q.engagement_id.map(EngagementId),
        from: q.from,
        to: q.to,
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(s.app.list_time(&auth.0, f).await?.into()))
}

/// Log time (your own; managers may log for others).
#[utoipa::path(post, operation_id = "createTimeEntry", path = "/api/v1/time-entries", tag = "time", request_body = NewTimeEntry,
    responses((status = 201, body = TimeEntry), Errors))]
async fn create(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<NewTimeEntry>,
) -> ApiResult<(StatusCode, Json<TimeEntry>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.log_time(&auth.0, input).await?),
    ))
}

/// One time entry.
#[utoipa::path(get, operation_id = "getTimeEntry", path = "/api/v1/time-entries/{id}", tag = "time", params(("id" = i64, Path)),
    responses((status = 200, body = TimeEntry), Errors))]
async fn get(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<Json<TimeEntry>> {
    Ok(Json(s.app.get_time(&auth.0, TimeEntryId(id)).await?))
}

/// Correct a time entry (your own; managers may correct anyone's). The request's spent minutes
/// follow; the audit row keeps before and after.
#[utoipa::path(patch, operation_id = "updateTimeEntry", path = "/api/v1/time-entries/{id}", tag = "time", params(("id" = i64, Path)),
    request_body = TimeEntryPatch, responses((status = 200, body = TimeEntry), Errors))]
async fn update(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<TimeEntryPatch>,
) -> ApiResult<Json<TimeEntry>> {
    Ok(Json(
        s.app.update_time(&auth.0, TimeEntryId(id), patch).await?,
    ))
}

/// Delete a time entry logged by mistake (same rights as correcting it); the audit row keeps
/// what it said.
#[utoipa::path(delete, operation_id = "deleteTimeEntry", path = "/api/v1/time-entries/{id}", tag = "time", params(("id" = i64, Path)),
    responses((status = 204), Errors))]
async fn delete(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.app.delete_time(&auth.0, TimeEntryId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update, delete))
}
