//! Change orders: drafted by managers from out-of-scope requests, sent to the client (a queued
//! message on each request), approved or declined by the client's contact in the portal.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rapport_app::change_orders::ChangeOrderFilter;
use rapport_core::change_order::{
    ChangeOrder, ChangeOrderEdit, ChangeOrderStatus, DecisionInput, NewChangeOrder,
};
use rapport_core::ids::{ChangeOrderId, ClientId, EngagementId};
use rapport_core::message::Message;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Errors, list_type};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::ApiResult;
use crate::state::AppState;

list_type!(ChangeOrderList, ChangeOrder);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChangeOrderQuery {
    pub client_id: Option<i64>,
    pub engagement_id: Option<i64>,
    pub status: Option<ChangeOrderStatus>,
    pub cursor: Option<String>,
    /// 1-200, default 50.
    pub limit: Option<usize>,
}

/// Change orders, newest first. Contacts see their client's sent, approved and declined ones.
#[utoipa::path(get, operation_id = "listChangeOrders", path = "/api/v1/change-orders", tag = "change-orders", params(ChangeOrderQuery),
    responses((status = 200, body = ChangeOrderList), Errors))]
async fn list(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ChangeOrderQuery>,
) -> ApiResult<Json<ChangeOrderList>> {
    let f = ChangeOrderFilter {
        client: q.client_id.map(ClientId),
        engagement: q.engagement_id.map(EngagementId),
        status: q.status,
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(s.app.list_change_orders(&auth.0, f).await?.into()))
}

/// Draft a change order from out-of-scope requests (managers and above): estimate x rate =
/// price, in integer minor units of the engagement's currency.
#[utoipa::path(post, operation_id = "createChangeOrder", path = "/api/v1/change-orders", tag = "change-orders", request_body = NewChangeOrder,
    responses((status = 201, body = ChangeOrder), Errors))]
async fn create(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<NewChangeOrder>,
) -> ApiResult<(StatusCode, Json<ChangeOrder>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_change_order(&auth.0, input).await?),
    ))
}

/// One change order.
#[utoipa::path(get, operation_id = "getChangeOrder", path = "/api/v1/change-orders/{id}", tag = "change-orders", params(("id" = i64, Path)),
    responses((status = 200, body = ChangeOrder), Errors))]
async fn get(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<Json<ChangeOrder>> {
    Ok(Json(
        s.app.get_change_order(&auth.0, ChangeOrderId(id)).await?,
    ))
}

/// Change a draft's requests, title, description, estimate or rate; it is priced again as a
/// new one would be. 409 once it has been sent (withdraw it and draft another).
#[utoipa::path(put, operation_id = "updateChangeOrder", path = "/api/v1/change-orders/{id}", tag = "change-orders", params(("id" = i64, Path)),
    request_body = ChangeOrderEdit, responses((status = 200, body = ChangeOrder), Errors))]
async fn update(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ChangeOrderEdit>,
) -> ApiResult<Json<ChangeOrder>> {
    Ok(Json(
        s.app
            .edit_change_order(&auth.0, ChangeOrderId(id), input)
            .await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SentChangeOrder {
    pub change_order: ChangeOrder,
    /// The messages queued to the client, one per request.
    pub messages: Vec<Message>,
}

/// Send a draft to the client: a message rendering it is queued on each request it covers.
#[utoipa::path(post, operation_id = "sendChangeOrder", path = "/api/v1/change-orders/{id}/send", tag = "change-orders", params(("id" = i64, Path)),
    responses((status = 200, body = SentChangeOrder), Errors))]
async fn send(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<SentChangeOrder>> {
    let (change_order, messages) = s.app.send_change_order(&auth.0, ChangeOrderId(id)).await?;
    Ok(Json(SentChangeOrder {
        change_order,
        messages,
    }))
}

/// Withdraw a draft or sent change order (managers and above).
#[utoipa::path(post, operation_id = "withdrawChangeOrder", path = "/api/v1/change-orders/{id}/withdraw", tag = "change-orders", params(("id" = i64, Path)),
    request_body = DecisionInput, responses((status = 200, body = ChangeOrder), Errors))]
async fn withdraw(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<Json<ChangeOrder>> {
    Ok(Json(
        s.app
            .withdraw_change_order(&auth.0, ChangeOrderId(id), input)
            .await?,
    ))
}

/// The client's contact approves a sent change order (portal session; contacts of that client
/// only). Their id, name and the time are recorded.
#[utoipa::path(post, operation_id = "approveChangeOrder", path = "/api/v1/change-orders/{id}/approve", tag = "change-orders", params(("id" = i64, Path)),
    request_body = DecisionInput, responses((status = 200, body = ChangeOrder), Errors))]
async fn approve(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<Json<ChangeOrder>> {
    Ok(Json(
        s.app
            .decide_change_order(&auth.0, ChangeOrderId(id), true, input)
            .await?,
    ))
}

/// The client's contact declines a sent change order (portal session; contacts of that client
/// only).
#[utoipa::path(post, operation_id = "declineChangeOrder", path = "/api/v1/change-orders/{id}/decline", tag = "change-orders", params(("id" = i64, Path)),
    request_body = DecisionInput, responses((status = 200, body = ChangeOrder), Errors))]
async fn decline(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<Json<ChangeOrder>> {
    Ok(Json(
        s.app
            .decide_change_order(&auth.0, ChangeOrderId(id), false, input)
            .await?,
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(send))
        .routes(routes!(withdraw))
        .routes(routes!(approve))
        .routes(routes!(decline))
}
