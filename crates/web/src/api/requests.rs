use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rapport_app::bulk::BulkOutcome;
use rapport_app::clocks::sla::RequestView;
use rapport_app::requests::RequestFilter;
use rapport_core::ids::{ClientId, EngagementId, RequestId};
use rapport_core::message::{Message, NewMessage};
use rapport_core::request::{
    AssignInput, BulkInput, Channel, Kind, NewRequest, QuickRequest, Request, RequestPatch, Status,
    TransitionInput,
};
use rapport_core::sla::ClockStatus;
use rapport_core::time_entry::TimeEntry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::members::PageQuery;
use super::{Errors, list_type};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// A request in a list, with the queue's view of its SLA clocks.
#[derive(Serialize, ToSchema)]
pub struct RequestItem {
    #[serde(flatten)]
    pub request: Request,
    /// The earliest due instant among its running SLA clocks (in the past when one breached and
    /// still runs); `null` when none runs.
    pub sla_due_at: Option<jiff::Timestamp>,
    /// The worst state among its clocks: `breached`, `at_risk`, `ok`, `met`, `idle` or
    /// `not_applicable`.
    pub sla_state: Option<String>,
}

impl From<rapport_app::requests::RequestWithSla> for RequestItem {
    fn from(r: rapport_app::requests::RequestWithSla) -> Self {
        RequestItem {
            request: r.request,
            sla_due_at: r.sla_due_at,
            sla_state: r.sla_state,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RequestList {
    pub items: Vec<RequestItem>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
list_type!(MessageList, Message);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestQuery {
    /// One or more statuses, comma-separated: `new,triaged`.
    pub status: Option<String>,
    pub client_id: Option<i64>,
    pub engagement_id: Option<i64>,
    /// `me`, `none` or a member id.
    pub assignee: Option<String>,
    pub kind: Option<Kind>,
    pub tag: Option<String>,
    /// `true`: open and past due; `false`: everything else.
    pub overdue: Option<bool>,
    pub quick: Option<bool>,
    /// `true`: only requests snoozed now; `false`: only those not snoozed (what the workspace's
    /// queue shows). Omitted: both, snoozed or not.
    pub snoozed: Option<bool>,
    /// Worst SLA clock state, comma-separated: `at_risk,breached`.
    pub sla_state: Option<String>,
    /// `-created` (default), `created`, `-updated`, `due`, `sla_due` (earliest SLA due instant
    /// first; requests with no running clock last).
    pub sort: Option<String>,
    pub cursor: Option<String>,
    /// 1-200, default 50.
    pub limit: Option<usize>,
}

pub(super) fn statuses(raw: Option<&str>) -> Result<Vec<Status>, ApiError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<Status>().map_err(|m| {
                ApiError(
                    Problem::new(
                        StatusCode::BAD_REQUEST,
                        format!("query parameter status: {m}"),
                    )
                    .with_type("bad-query")
                    .field("status", m),
                )
            })
        })
        .collect()
}

fn sla_states(raw: Option<&str>) -> Result<Vec<ClockStatus>, ApiError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ClockStatus>().map_err(|m| {
                ApiError(
                    Problem::new(
                        StatusCode::BAD_REQUEST,
                        format!("query parameter sla_state: {m}"),
                    )
                    .with_type("bad-query")
                    .field("sla_state", m),
                )
            })
        })
        .collect()
}

/// The book of work, filtered and paginated. Contacts see only their client's requests.
#[utoipa::path(get, operation_id = "listRequests", path = "/api/v1/requests", tag = "requests", params(RequestQuery),
    responses((status = 200, body = RequestList), Errors))]
async fn list(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<RequestQuery>,
) -> ApiResult<Json<RequestList>> {
    let filter = RequestFilter {
        statuses: statuses(q.status.as_deref())?,
        client: q.client_id.map(ClientId),
        engagement: q.engagement_id.map(EngagementId),
        assignee: q.assignee,
        kind: q.kind,
        tag: q.tag,
        overdue: q.overdue,
        quick: q.quick,
        snoozed: q.snoozed,
        sla_states: sla_states(q.sla_state.as_deref())?,
        sort: q.sort,
        cursor: q.cursor,
        limit: q.limit,
    };
    let listing = s.app.list_requests_with_sla(&auth.0, filter).await?;
    Ok(Json(RequestList {
        items: listing.items.into_iter().map(RequestItem::from).collect(),
        next_cursor: listing.next_cursor,
    }))
}

/// Log a request.
#[utoipa::path(post, operation_id = "createRequest", path = "/api/v1/requests", tag = "requests", request_body = NewRequest,
    responses((status = 201, body = Request), Errors))]
async fn create(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<NewRequest>,
) -> ApiResult<(StatusCode, Json<Request>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_request(&auth.0, input, Channel::Api).await?),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct QuickResult {
    pub request: Request,
    pub time_entry: TimeEntry,
    /// The message queued to the client, when a reply was given.
    pub message: Option<Message>,
}

/// The quick lane: log a small piece of finished work, record the time and tell the client, in
/// one step.
#[utoipa::path(post, operation_id = "createQuickRequest", path = "/api/v1/requests/quick", tag = "requests", request_body = QuickRequest,
    responses((status = 201, body = QuickResult), Errors))]
async fn quick(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<QuickRequest>,
) -> ApiResult<(StatusCode, Json<QuickResult>)> {
    let (request, time_entry, message) = s.app.quick_request(&auth.0, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(QuickResult {
            request,
            time_entry,
            message,
        }),
    ))
}

/// One request, with its SLA clocks (`sla`: state, target, elapsed business minutes, at-risk
/// and due instants of each clock) evaluated now in the client's business calendar. A request
/// merged into another answers 308 with `Location` naming the one it was merged into.
#[utoipa::path(get, operation_id = "getRequest", path = "/api/v1/requests/{id}", tag = "requests", params(("id" = i64, Path)),
    responses((status = 200, body = RequestView), (status = 308, description = "merged: see Location"), Errors))]
async fn get(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    if let Some(to) = s.app.request_redirect(&auth.0, RequestId(id)).await? {
        return Ok((
            StatusCode::PERMANENT_REDIRECT,
            [(
                axum::http::header::LOCATION,
                format!("/api/v1/requests/{to}"),
            )],
        )
            .into_response());
    }
    Ok(Json(s.app.request_with_sla(&auth.0, RequestId(id)).await?).into_response())
}

/// Change a request; omitted fields keep their value, `null` clears an optional one.
#[utoipa::path(patch, operation_id = "updateRequest", path = "/api/v1/requests/{id}", tag = "requests", params(("id" = i64, Path)),
    request_body = RequestPatch, responses((status = 200, body = Request), Errors))]
async fn update(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<RequestPatch>,
) -> ApiResult<Json<Request>> {
    Ok(Json(
        s.app.update_request(&auth.0, RequestId(id), patch).await?,
    ))
}

/// Move a request to another status; illegal moves answer 409.
#[utoipa::path(post, operation_id = "transitionRequest", path = "/api/v1/requests/{id}/transition", tag = "requests", params(("id" = i64, Path)),
    request_body = TransitionInput, responses((status = 200, body = Request), Errors))]
async fn transition(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<TransitionInput>,
) -> ApiResult<Json<Request>> {
    Ok(Json(
        s.app
            .transition_request(&auth.0, RequestId(id), input)
            .await?,
    ))
}

/// Assign (or unassign with `null`).
#[utoipa::path(post, operation_id = "assignRequest", path = "/api/v1/requests/{id}/assign", tag = "requests", params(("id" = i64, Path)),
    request_body = AssignInput, responses((status = 200, body = Request), Errors))]
async fn assign(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<AssignInput>,
) -> ApiResult<Json<Request>> {
    Ok(Json(
        s.app.assign_request(&auth.0, RequestId(id), input).await?,
    ))
}

/// The thread, oldest first. Contacts never see internal notes.
#[utoipa::path(get, operation_id = "listRequestMessages", path = "/api/v1/requests/{id}/messages", tag = "requests", params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = MessageList), Errors))]
async fn messages(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<MessageList>> {
    let limit = rapport_app::limit(q.limit)?;
    Ok(Json(
        s.app
            .list_messages(&auth.0, RequestId(id), q.cursor.as_deref(), limit)
            .await?
            .into(),
    ))
}

/// Add a note or a reply (members) or a message (contacts).
#[utoipa::path(post, operation_id = "addRequestMessage", path = "/api/v1/requests/{id}/messages", tag = "requests", params(("id" = i64, Path)),
    request_body = NewMessage, responses((status = 201, body = Message), Errors))]
async fn add_message(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<NewMessage>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.add_message(&auth.0, RequestId(id), input).await?),
    ))
}

/// Who else has a request open (collision detection).
#[derive(Serialize, ToSchema)]
pub struct RequestPresence {
    /// The other members who reported on it within `fresh_for_seconds`, by name; never the
    /// caller.
    pub others: Vec<rapport_core::presence::Presence>,
    /// How long a report counts: report at least this often to stay visible.
    pub fresh_for_seconds: i64,
}

impl From<Vec<rapport_core::presence::Presence>> for RequestPresence {
    fn from(others: Vec<rapport_core::presence::Presence>) -> Self {
        RequestPresence {
            others,
            fresh_for_seconds: rapport_core::presence::FRESH_FOR.as_secs(),
        }
    }
}

/// Who else (members) has the request open now, and who is writing a reply or note on it.
#[utoipa::path(get, operation_id = "getRequestPresence", path = "/api/v1/requests/{id}/presence", tag = "requests", params(("id" = i64, Path)),
    responses((status = 200, body = RequestPresence), Errors))]
async fn presence(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<RequestPresence>> {
    Ok(Json(
        s.app.request_presence(&auth.0, RequestId(id)).await?.into(),
    ))
}

/// Report what you are doing on the request (`viewing` or `composing`), every few seconds
/// while it is open; answers who else has it open. Members only.
#[utoipa::path(put, operation_id = "reportRequestPresence", path = "/api/v1/requests/{id}/presence", tag = "requests", params(("id" = i64, Path)),
    request_body = rapport_core::presence::PresenceReport, responses((status = 200, body = RequestPresence), Errors))]
async fn report_presence(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<rapport_core::presence::PresenceReport>,
) -> ApiResult<Json<RequestPresence>> {
    Ok(Json(
        s.app
            .report_presence(&auth.0, RequestId(id), input)
            .await?
            .into(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(quick))
        .routes(routes!(bulk))
        .routes(routes!(get, update))
        .routes(routes!(transition))
        .routes(routes!(assign))
        .routes(routes!(messages, add_message))
        .routes(routes!(presence, report_presence))
        .routes(routes!(snooze, put_snooze, delete_snooze))
}

/// A request's snooze, if it is snoozed now.
#[derive(Serialize, ToSchema)]
pub struct RequestSnooze {
    /// `null` when the request is not snoozed (never snoozed, un-snoozed, woken by the client,
    /// or its time has passed).
    pub snooze: Option<rapport_core::snooze::Snooze>,
}

/// Whether the request is snoozed now, and until when. Members only.
#[utoipa::path(get, operation_id = "getRequestSnooze", path = "/api/v1/requests/{id}/snooze", tag = "requests", params(("id" = i64, Path)),
    responses((status = 200, body = RequestSnooze), Errors))]
async fn snooze(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<RequestSnooze>> {
    Ok(Json(RequestSnooze {
        snooze: s.app.request_snooze(&auth.0, RequestId(id)).await?,
    }))
}

/// Snooze a request until a time (in the future, within a year), until the client writes, or
/// both, whichever comes first; a new snooze replaces the old. It leaves the workspace's queue
/// views (and `GET /requests?snoozed=false`) until then. SLA clocks and promises keep running.
/// A closed request cannot be snoozed (422). Members only.
#[utoipa::path(put, operation_id = "snoozeRequest", path = "/api/v1/requests/{id}/snooze", tag = "requests", params(("id" = i64, Path)),
    request_body = rapport_core::snooze::SnoozeInput, responses((status = 200, body = rapport_core::snooze::Snooze), Errors))]
async fn put_snooze(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<rapport_core::snooze::SnoozeInput>,
) -> ApiResult<Json<rapport_core::snooze::Snooze>> {
    Ok(Json(
        s.app.snooze_request(&auth.0, RequestId(id), input).await?,
    ))
}

/// Un-snooze a request by hand: it is back in the views at once. Answers the snooze that ended;
/// 404 when the request is not snoozed. Members only.
#[utoipa::path(delete, operation_id = "unsnoozeRequest", path = "/api/v1/requests/{id}/snooze", tag = "requests", params(("id" = i64, Path)),
    responses((status = 200, body = rapport_core::snooze::Snooze), Errors))]
async fn delete_snooze(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<rapport_core::snooze::Snooze>> {
    Ok(Json(s.app.unsnooze_request(&auth.0, RequestId(id)).await?))
}

/// Change many requests at once: assign, move to a status or add a tag. Each request changes
/// as it would alone (same checks, one audit row each); those that cannot are listed in
/// `failed` with the reason, and the others still change.
#[utoipa::path(post, operation_id = "bulkChangeRequests", path = "/api/v1/requests/bulk", tag = "requests",
    request_body = BulkInput, responses((status = 200, body = BulkOutcome), Errors))]
async fn bulk(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<BulkInput>,
) -> ApiResult<Json<BulkOutcome>> {
    Ok(Json(s.app.bulk_requests(&auth.0, input).await?))
}
