use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rapport_core::ids::MemberId;
use rapport_core::member::{Member, MemberPatch, NewMember};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Errors, list_type};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::ApiResult;
use crate::state::AppState;

list_type!(MemberList, Member);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    /// 1-200, default 50.
    pub limit: Option<usize>,
}

/// Members of the firm.
#[utoipa::path(get, operation_id = "listMembers", path = "/api/v1/members", tag = "members", params(PageQuery),
    responses((status = 200, body = MemberList), Errors))]
async fn list(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<MemberList>> {
    let limit = rapport_app::limit(q.limit)?;
    Ok(Json(
        s.app
            .list_members(&auth.0, q.cursor.as_deref(), limit)
            .await?
            .into(),
    ))
}

/// Add a member (admins and owners).
#[utoipa::path(post, operation_id = "createMember", path = "/api/v1/members", tag = "members", request_body = NewMember,
    responses((status = 201, body = Member), Errors))]
async fn create(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<NewMember>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_member(&auth.0, input).await?),
    ))
}

/// One member of the firm.
#[utoipa::path(get, operation_id = "getMember", path = "/api/v1/members/{id}", tag = "members", params(("id" = i64, Path)),
    responses((status = 200, body = Member), Errors))]
async fn get(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<Json<Member>> {
    Ok(Json(s.app.get_member(&auth.0, MemberId(id)).await?))
}

/// Edit a member: yourself (name, zone, hours, capacity, holidays), or anyone as an admin.
/// Holidays (`holidays` dates, `holiday_countries` public holidays) take working time away from
/// suggested dates and from capacity.
#[utoipa::path(patch, operation_id = "updateMember", path = "/api/v1/members/{id}", tag = "members", params(("id" = i64, Path)),
    request_body = MemberPatch, responses((status = 200, body = Member), Errors))]
async fn update(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<MemberPatch>,
) -> ApiResult<Json<Member>> {
    Ok(Json(
        s.app.update_member(&auth.0, MemberId(id), patch).await?,
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
}
