//! The time rules over HTTP: a client's office hours now, requests in silence, capacity per
//! member and week, suggested due dates and the promise ledger's figures.

use axum::Json;
use axum::extract::State;
use rapport_app::clocks::capacity::{MemberCapacity, SuggestQuery, SuggestedDate};
use rapport_app::clocks::ledger::PromiseLedger;
use rapport_app::clocks::office::ClientNow;
use rapport_app::clocks::silence::SilentRequest;
use rapport_core::ids::{ClientId, EngagementId, MemberId, RequestId};
use rapport_core::request::Priority;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Errors;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::ApiResult;
use crate::state::AppState;

/// Weeks shown when `weeks` is not given.
const DEFAULT_WEEKS: u32 = 4;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NowQuery {
    /// Use this engagement's calendar when it has its own.
    pub engagement_id: Option<i64>,
}

/// The client's local time, whether they are in the office now (within their hours, not on a
/// holiday) and when their business time next runs.
#[utoipa::path(get, operation_id = "getClientNow", path = "/api/v1/clients/{id}/now", tag = "clients", params(("id" = i64, Path), NowQuery),
    responses((status = 200, body = ClientNow), Errors))]
async fn client_now(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<NowQuery>,
) -> ApiResult<Json<ClientNow>> {
    Ok(Json(
        s.app
            .client_now(&auth.0, ClientId(id), q.engagement_id.map(EngagementId))
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SilenceQuery {
    /// 1-200, default 50.
    pub limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct SilenceList {
    /// Longest wait (in business minutes) first.
    pub items: Vec<SilentRequest>,
}

/// Open requests whose client has waited longer than their engagement's silence policy allows
/// (default 16 business hours) for word from us, longest wait first.
#[utoipa::path(get, operation_id = "listSilence", path = "/api/v1/silence", tag = "clocks", params(SilenceQuery),
    responses((status = 200, body = SilenceList), Errors))]
async fn silence(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<SilenceQuery>,
) -> ApiResult<Json<SilenceList>> {
    Ok(Json(SilenceList {
        items: s.app.list_silence(&auth.0, q.limit).await?,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CapacityQuery {
    /// 1-265 weeks, default 4.
    pub weeks: Option<u32>,
    /// A date in the first week to show (`YYYY-MM-DD`); default: this week.
    pub from: Option<jiff::civil::Date>,
}

/// A member's weeks: capacity (less the share of working time lost to their holidays), committed
/// open work (spread up to each due date), overcommitment, time logged and the part of it outside
/// their own working hours.
#[utoipa::path(get, operation_id = "getMemberCapacity", path = "/api/v1/members/{id}/capacity", tag = "clocks", params(("id" = i64, Path), CapacityQuery),
    responses((status = 200, body = MemberCapacity), Errors))]
async fn member_capacity(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<CapacityQuery>,
) -> ApiResult<Json<MemberCapacity>> {
    Ok(Json(
        s.app
            .member_capacity(
                &auth.0,
                MemberId(id),
                q.weeks.unwrap_or(DEFAULT_WEEKS),
                q.from,
            )
            .await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct CapacityList {
    /// Every active member, by id.
    pub items: Vec<MemberCapacity>,
}

/// The weeks of every active member (see `GET /api/v1/members/{id}/capacity`).
#[utoipa::path(get, operation_id = "getTeamCapacity", path = "/api/v1/capacity", tag = "clocks", params(CapacityQuery),
    responses((status = 200, body = CapacityList), Errors))]
async fn team_capacity(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CapacityQuery>,
) -> ApiResult<Json<CapacityList>> {
    Ok(Json(CapacityList {
        items: s
            .app
            .team_capacity(&auth.0, q.weeks.unwrap_or(DEFAULT_WEEKS), q.from)
            .await?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestInput {
    /// The request the date is for: its assignee, what is left of its estimate and its priority
    /// are used unless given below.
    #[serde(default)]
    pub request_id: Option<i64>,
    /// Required without `request_id` (or when the request has no assignee).
    #[serde(default)]
    pub assignee_id: Option<i64>,
    /// 0-30000; required without `request_id`.
    #[serde(default)]
    pub estimate_minutes: Option<i64>,
    /// Default: the request's, or `normal`.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Safety margin added to the work, 0-500; default 20.
    #[serde(default)]
    pub margin_percent: Option<u16>,
}

/// A due date the assignee can keep: their open work at this priority or above, and every
/// delivery they have already promised, goes first, at their weekly capacity spread over their
/// working hours (less their holidays), plus the safety margin. For a request the date is a
/// working hour of both the assignee and the client (else the client's next opening after the
/// work is done). `earliest` is the soonest it can be done if every estimate holds.
#[utoipa::path(post, operation_id = "suggestPromiseDate", path = "/api/v1/promises/suggest", tag = "promises", request_body = SuggestInput,
    responses((status = 200, body = SuggestedDate), Errors))]
async fn suggest(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<SuggestInput>,
) -> ApiResult<Json<SuggestedDate>> {
    Ok(Json(
        s.app
            .suggest_due(
                &auth.0,
                SuggestQuery {
                    request_id: input.request_id.map(RequestId),
                    assignee_id: input.assignee_id.map(MemberId),
                    estimate_minutes: input.estimate_minutes,
                    priority: input.priority,
                    margin_percent: input.margin_percent,
                },
            )
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// `member`, `client` or `engagement`; without it only the overall figures.
    pub group_by: Option<String>,
}

/// The promise ledger's figures: kept % (of those settled), median margin of kept promises in
/// business minutes of each client's calendar (positive: early), broken, pending and overdue
/// counts, for the org and per group.
#[utoipa::path(get, operation_id = "getPromiseStats", path = "/api/v1/promises/stats", tag = "promises", params(StatsQuery),
    responses((status = 200, body = PromiseLedger), Errors))]
async fn promise_stats(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<Json<PromiseLedger>> {
    Ok(Json(
        s.app
            .promise_stats_by(&auth.0, q.group_by.as_deref())
            .await?,
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(client_now))
        .routes(routes!(silence))
        .routes(routes!(member_capacity))
        .routes(routes!(team_capacity))
        .routes(routes!(suggest))
        .routes(routes!(promise_stats))
}
