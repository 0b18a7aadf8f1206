use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rapport_app::assignment::{AutoAssignInput, AutoAssignSetting};
use rapport_core::engagement::{Engagement, EngagementPatch, NewEngagement};
use rapport_core::ids::{ClientId, EngagementId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Errors, list_type};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::ApiResult;
use crate::state::AppState;

list_type!(EngagementList, Engagement);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EngagementQuery {
    pub client_id: Option<i64>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// Engagements, paginated.
#[utoipa::path(get, operation_id = "listEngagements", path = "/api/v1/engagements", tag = "engagements", params(EngagementQuery),
    responses((status = 200, body = EngagementList), Errors))]
async fn list(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<EngagementQuery>,
) -> ApiResult<Json<EngagementList>> {
    let limit = rapport_app::limit(q.limit)?;
    Ok(Json(
        s.app
            .list_engagements(
                &auth.0,
                q.client_id.map(ClientId),
                q.cursor.as_deref(),
                limit,
            )
            .await?
            .into(),
    ))
}

/// Start an engagement with its brief (managers and above).
#[utoipa::path(post, operation_id = "createEngagement", path = "/api/v1/engagements", tag = "engagements", request_body = NewEngagement,
    responses((status = 201, body = Engagement), Errors))]
async fn create(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<NewEngagement>,
) -> ApiResult<(StatusCode, Json<Engagement>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_engagement(&auth.0, input).await?),
    ))
}

/// One engagement, with its brief, SLA policy and calendar.
#[utoipa::path(get, operation_id = "getEngagement", path = "/api/v1/engagements/{id}", tag = "engagements", params(("id" = i64, Path)),
    responses((status = 200, body = Engagement), Errors))]
async fn get(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<Json<Engagement>> {
    Ok(Json(s.app.get_engagement(&auth.0, EngagementId(id)).await?))
}

/// Edit an engagement; a changed brief gets a new `brief_version`.
#[utoipa::path(patch, operation_id = "updateEngagement", path = "/api/v1/engagements/{id}", tag = "engagements", params(("id" = i64, Path)),
    request_body = EngagementPatch, responses((status = 200, body = Engagement), Errors))]
async fn update(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<EngagementPatch>,
) -> ApiResult<Json<Engagement>> {
    Ok(Json(
        s.app
            .update_engagement(&auth.0, EngagementId(id), patch)
            .await?,
    ))
}

/// Whether new requests on the engagement are assigned automatically: its own choice
/// (`auto_assign`, `null` to follow the organisation's default) and the outcome (`effective`).
#[utoipa::path(get, operation_id = "getEngagementAssignment", path = "/api/v1/engagements/{id}/assignment", tag = "engagements",
    params(("id" = i64, Path)), responses((status = 200, body = AutoAssignSetting), Errors))]
async fn get_assignment(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<AutoAssignSetting>> {
    Ok(Json(
        s.app
            .engagement_assignment(&auth.0, EngagementId(id))
            .await?,
    ))
}

/// Assign new requests on the engagement automatically (managers and above): to a member of
/// its team, nobody away or over capacity, those in their working hours now first, then the
/// most free capacity this week, round-robin among equals. Each choice is audited
/// (`request.auto_assign`, with its reason); a request nobody can take stays unassigned and
/// raises `assignment.nobody` to the engagement's manager.
#[utoipa::path(put, operation_id = "setEngagementAssignment", path = "/api/v1/engagements/{id}/assignment", tag = "engagements",
    params(("id" = i64, Path)), request_body = AutoAssignInput, responses((status = 200, body = AutoAssignSetting), Errors))]
async fn set_assignment(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<AutoAssignInput>,
) -> ApiResult<Json<AutoAssignSetting>> {
    Ok(Json(
        s.app
            .set_engagement_assignment(&auth.0, EngagementId(id), input)
            .await?,
    ))
}

/// The organisation's default for automatic assignment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoAssignDefault {
    pub auto_assign: bool,
}

/// The organisation's default: whether engagements without their own choice assign new
/// requests automatically.
#[utoipa::path(get, operation_id = "getAssignmentDefault", path = "/api/v1/assignment", tag = "engagements",
    responses((status = 200, body = AutoAssignDefault), Errors))]
async fn get_default(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<AutoAssignDefault>> {
    Ok(Json(AutoAssignDefault {
        auto_assign: s.app.assignment_default(&auth.0).await?,
    }))
}

/// Set the organisation's default (admins and owners).
#[utoipa::path(put, operation_id = "setAssignmentDefault", path = "/api/v1/assignment", tag = "engagements",
    request_body = AutoAssignDefault, responses((status = 200, body = AutoAssignDefault), Errors))]
async fn set_default(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<AutoAssignDefault>,
) -> ApiResult<Json<AutoAssignDefault>> {
    Ok(Json(AutoAssignDefault {
        auto_assign: s
            .app
            .set_assignment_default(&auth.0, input.auto_assign)
            .await?,
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(get_assignment, set_assignment))
        .routes(routes!(get_default, set_default))
}
