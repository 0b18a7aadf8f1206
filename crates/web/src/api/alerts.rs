use axum::Json;
use axum::extract::State;
use rapport_app::alerts::AlertFilter;
use rapport_core::alert::{Alert, AlertStatus};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Errors, list_type};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::ApiResult;
use crate::state::AppState;

list_type!(AlertList, Alert);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// `open`, `acknowledged` or `resolved`; default: open and acknowledged.
    pub status: Option<AlertStatus>,
    pub kind: Option<String>,
    pub subject_kind: Option<String>,
    pub subject_id: Option<i64>,
    /// Only alerts addressed to me (and to the whole team).
    pub mine: Option<bool>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// Alerts, newest first.
#[utoipa::path(get, operation_id = "listAlerts", path = "/api/v1/alerts", tag = "alerts", params(AlertQuery), responses((status = 200, body = AlertList), Errors))]
async fn list(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AlertQuery>,
) -> ApiResult<Json<AlertList>> {
    let statuses = match q.status {
        Some(st) => vec![st],
        None => vec![AlertStatus::Open, AlertStatus::Acknowledged],
    };
    let f = AlertFilter {
        statuses,
        kind: q.kind,
        subject_kind: q.subject_kind,
        subject_id: q.subject_id,
        mine: q.mine.unwrap_or(false),
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(s.app.list_alerts(&auth.0, f).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertUpdate {
    /// `acknowledged` or `resolved`.
    pub status: AlertStatus,
}

/// Acknowledge or resolve an alert.
#[utoipa::path(post, operation_id = "updateAlert", path = "/api/v1/alerts/{id}", tag = "alerts", params(("id" = i64, Path)), request_body = AlertUpdate,
    responses((status = 200, body = Alert), Errors))]
async fn update(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<AlertUpdate>,
) -> ApiResult<Json<Alert>> {
    Ok(Json(
        s.app.set_alert_status(&auth.0, id, input.status).await?,
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(update))
}
