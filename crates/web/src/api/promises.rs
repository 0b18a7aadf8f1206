use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rapport_app::promises::{MadePromise, PromiseDetail, PromiseFilter};
use rapport_core::ids::{ClientId, MemberId, PromiseId, RequestId};
use rapport_core::promise::{
    NewPromise, Promise, PromiseChange, PromiseStatus, RenegotiateInput, SettleInput,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Errors, list_type};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

list_type!(PromiseList, Promise);

#[derive(Serialize, ToSchema)]
pub struct PromiseWithHistory {
    #[serde(flatten)]
    pub promise: Promise,
    /// Every renegotiation, oldest first.
    pub history: Vec<PromiseChange>,
}

impl From<PromiseDetail> for PromiseWithHistory {
    fn from(d: PromiseDetail) -> Self {
        PromiseWithHistory {
            promise: d.promise,
            history: d.history,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PromiseQuery {
    /// Comma-separated: `open,renegotiated`.
    pub status: Option<String>,
    pub client_id: Option<i64>,
    pub request_id: Option<i64>,
    pub made_by: Option<i64>,
    /// Only pending promises past due.
    pub overdue: Option<bool>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// Promises made to clients. Contacts see what was promised to their client.
#[utoipa::path(get, operation_id = "listPromises", path = "/api/v1/promises", tag = "promises", params(PromiseQuery),
    responses((status = 200, body = PromiseList), Errors))]
async fn list(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PromiseQuery>,
) -> ApiResult<Json<PromiseList>> {
    let statuses = match q.status.as_deref() {
        None => Vec::new(),
        Some(raw) => raw
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(|x| {
                x.parse::<PromiseStatus>().map_err(|m| {
                    ApiError(
                        Problem::new(
                            StatusCode::BAD_REQUEST,
                            format!("query parameter status: {m}"),
                        )
                        .field("status", m),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let f = PromiseFilter {
        statuses,
        client: q.client_id.map(ClientId),
        request: q.request_id.map(RequestId),
        made_by: q.made_by.map(MemberId),
        overdue: q.overdue.unwrap_or(false),
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(s.app.list_promises(&auth.0, f).await?.into()))
}

/// Make a promise to a client. A `delivery` promise on a request that is due before the
/// assignee can realistically deliver (their open work ahead of it at their weekly capacity, see
/// `POST /api/v1/promises/suggest`) is still made: the answer is 201 with a warning in `warnings`
/// naming the earliest realistic date. Otherwise `warnings` is empty.
#[utoipa::path(post, operation_id = "createPromise", path = "/api/v1/promises", tag = "promises", request_body = NewPromise,
    responses((status = 201, body = MadePromise), Errors))]
async fn create(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<NewPromise>,
) -> ApiResult<(StatusCode, Json<MadePromise>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.make_promise(&auth.0, input).await?),
    ))
}

/// One promise.
#[utoipa::path(get, operation_id = "getPromise", path = "/api/v1/promises/{id}", tag = "promises", params(("id" = i64, Path)),
    responses((status = 200, body = PromiseWithHistory), Errors))]
async fn get(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<PromiseWithHistory>> {
    Ok(Json(
        s.app.get_promise(&auth.0, PromiseId(id)).await?.into(),
    ))
}

/// Mark a promise kept (now, or at `at`).
#[utoipa::path(post, operation_id = "keepPromise", path = "/api/v1/promises/{id}/keep", tag = "promises", params(("id" = i64, Path)),
    request_body = SettleInput, responses((status = 200, body = Promise), Errors))]
async fn keep(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<SettleInput>,
) -> ApiResult<Json<Promise>> {
    Ok(Json(
        s.app
            .settle_promise(&auth.0, PromiseId(id), true, input)
            .await?,
    ))
}

/// Mark a promise broken.
#[utoipa::path(post, operation_id = "breakPromise", path = "/api/v1/promises/{id}/break", tag = "promises", params(("id" = i64, Path)),
    request_body = SettleInput, responses((status = 200, body = Promise), Errors))]
async fn break_(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<SettleInput>,
) -> ApiResult<Json<Promise>> {
    Ok(Json(
        s.app
            .settle_promise(&auth.0, PromiseId(id), false, input)
            .await?,
    ))
}

/// Agree a new date with the client; the old one stays in the history.
#[utoipa::path(post, operation_id = "renegotiatePromise", path = "/api/v1/promises/{id}/renegotiate", tag = "promises", params(("id" = i64, Path)),
    request_body = RenegotiateInput, responses((status = 200, body = PromiseWithHistory), Errors))]
async fn renegotiate(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<RenegotiateInput>,
) -> ApiResult<Json<PromiseWithHistory>> {
    Ok(Json(
        s.app
            .renegotiate_promise(&auth.0, PromiseId(id), input)
            .await?
            .into(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(keep))
        .routes(routes!(break_))
        .routes(routes!(renegotiate))
}
