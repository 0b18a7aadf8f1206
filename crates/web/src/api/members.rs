use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rapport_core::absence::{Absence, NewAbsence};
use rapport_core::access::Role;
use rapport_core::ids::MemberId;
use rapport_core::member::{Member, MemberPatch, NewMember};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{NewPassword, SignedInOutput, signed_in_response};
use super::{Errors, list_type};
use crate::extract::{ApiJson, ApiQuery, Auth, Id, SESSION_COOKIE, client_ip_from};
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

/// Who to invite: everything of a new member but the password, which they choose themselves.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInvitation {
    /// Where the invitation goes; unique within the firm. At most 254 characters.
    pub email: String,
    /// 1-200 characters.
    pub name: String,
    pub role: Role,
    /// IANA zone, e.g. `Europe/London`.
    pub tz: String,
    /// Weekly working hours in `tz`; default `["mon-fri 09:00-17:00"]`.
    #[serde(default)]
    pub working_hours: Option<Vec<String>>,
    /// 0 to 10080 (7 x 24 h); default 2400 (40 h).
    #[serde(default)]
    pub weekly_capacity_minutes: Option<i64>,
}

impl From<MemberInvitation> for NewMember {
    fn from(i: MemberInvitation) -> Self {
        NewMember {
            email: i.email,
            name: i.name,
            role: i.role,
            tz: i.tz,
            working_hours: i.working_hours,
            weekly_capacity_minutes: i.weekly_capacity_minutes,
            password: None,
        }
    }
}

/// Invite someone to join as a member (admins and owners, within the roles they may grant).
/// The member exists from now but cannot sign in until they open the emailed link (valid for a
/// week, at `/app/invite`) and choose their own password.
#[utoipa::path(post, operation_id = "inviteMember", path = "/api/v1/members/invite", tag = "members", request_body = MemberInvitation,
    responses((status = 201, body = Member), Errors))]
async fn invite(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<MemberInvitation>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.invite_member(&auth.0, input.into()).await?),
    ))
}

/// Mail a new invitation to a member who has not chosen a password yet; their older unused
/// invitations stop working. 409 when they already have a password or are deactivated.
#[utoipa::path(post, operation_id = "reinviteMember", path = "/api/v1/members/{id}/invite", tag = "members", params(("id" = i64, Path)),
    responses((status = 202), Errors))]
async fn reinvite(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.app.reinvite_member(&auth.0, MemberId(id)).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Accept a member's invitation: choose a password (10-1024 characters) and sign in. Sets the
/// session cookie. The link works once.
#[utoipa::path(post, operation_id = "acceptMemberInvitation", path = "/api/v1/members/invite/accept", tag = "members", request_body = NewPassword, security(()),
    responses((status = 200, body = SignedInOutput), Errors))]
async fn accept(
    State(state): State<AppState>,
    headers: HeaderMap,
    parts: axum::extract::ConnectInfo<std::net::SocketAddr>,
    ApiJson(input): ApiJson<NewPassword>,
) -> ApiResult<Response> {
    let previous = crate::extract::cookie_in(&headers, SESSION_COOKIE).map(str::to_string);
    let signed = state
        .app
        .accept_member_invite(
            &input.token,
            &input.password,
            client_ip_from(&parts),
            previous,
        )
        .await?;
    Ok(signed_in_response(&state, signed))
}

/// A member's absences, earliest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AbsenceList {
    pub items: Vec<Absence>,
}

/// A member's absences (leave, as ranges of days in their zone), earliest first. Absent days
/// are days off: capacity, suggested dates and SLA alerts (which go to the manager while the
/// assignee is away) follow them.
#[utoipa::path(get, operation_id = "listAbsences", path = "/api/v1/members/{id}/absences", tag = "members", params(("id" = i64, Path)),
    responses((status = 200, body = AbsenceList), Errors))]
async fn absences(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<AbsenceList>> {
    Ok(Json(AbsenceList {
        items: s.app.list_absences(&auth.0, MemberId(id)).await?,
    }))
}

/// Record an absence: your own, or anyone's as a manager, admin or owner. 409 when it shares a
/// day with another absence of the member. Promises due on the member's requests while they are
/// away raise an `absence.work_due` alert to each engagement's manager.
#[utoipa::path(post, operation_id = "addAbsence", path = "/api/v1/members/{id}/absences", tag = "members", params(("id" = i64, Path)),
    request_body = NewAbsence, responses((status = 201, body = Absence), Errors))]
async fn add_absence(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<NewAbsence>,
) -> ApiResult<(StatusCode, Json<Absence>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.add_absence(&auth.0, MemberId(id), input).await?),
    ))
}

/// Remove an absence (your own, or anyone's as a manager); its open alerts are resolved.
#[utoipa::path(delete, operation_id = "removeAbsence", path = "/api/v1/absences/{id}", tag = "members", params(("id" = i64, Path)),
    responses((status = 200, body = Absence), Errors))]
async fn remove_absence(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<Absence>> {
    Ok(Json(s.app.remove_absence(&auth.0, id).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(invite))
        .routes(routes!(accept))
        .routes(routes!(get, update))
        .routes(routes!(reinvite))
        .routes(routes!(absences, add_absence))
        .routes(routes!(remove_absence))
}
