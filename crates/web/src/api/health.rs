//! Client health: a score with its reasons and trend, and the clients most at risk.

use axum::Json;
use axum::extract::State;
use jiff::Timestamp;
use rapport_app::health::ClientHealth;
use rapport_core::health::{AtRisk, HealthPoint, Reason};
use rapport_core::ids::ClientId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Errors;
use crate::extract::{ApiQuery, Auth, Id};
use crate::problem::ApiResult;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientHealthOutput {
    pub client_id: ClientId,
    /// 0 (worst) to 100.
    pub score: u8,
    /// What took points off, largest first.
    pub reasons: Vec<Reason>,
    pub computed_at: Timestamp,
    /// One score per day (client's zone), oldest first, over the last 90 days.
    pub trend: Vec<HealthPoint>,
}

impl From<ClientHealth> for ClientHealthOutput {
    fn from(h: ClientHealth) -> Self {
        ClientHealthOutput {
            client_id: h.client_id,
            score: h.score,
            reasons: h.reasons,
            computed_at: h.computed_at,
            trend: h.trend,
        }
    }
}

/// A client's health, computed now from ratings, complaints, promises, silence, SLA breaches,
/// scope disputes and response times, with its daily history.
#[utoipa::path(get, operation_id = "getClientHealth", path = "/api/v1/clients/{id}/health", tag = "health", params(("id" = i64, Path)),
    responses((status = 200, body = ClientHealthOutput), Errors))]
async fn client_health(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<ClientHealthOutput>> {
    Ok(Json(
        s.app.client_health(&auth.0, ClientId(id)).await?.into(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AtRiskQuery {
    /// Only clients scoring below this: 1-100, default 100 (anything wrong at all).
    pub below: Option<i64>,
    /// 1-200, default 50.
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AtRiskList {
    /// Worst first, each with its top three reasons.
    pub items: Vec<AtRisk>,
}

/// Clients at risk, worst score first, as last recomputed (on every change and daily).
#[utoipa::path(get, operation_id = "listAtRiskClients", path = "/api/v1/health/at-risk", tag = "health", params(AtRiskQuery),
    responses((status = 200, body = AtRiskList), Errors))]
async fn at_risk(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AtRiskQuery>,
) -> ApiResult<Json<AtRiskList>> {
    Ok(Json(AtRiskList {
        items: s.app.at_risk(&auth.0, q.below, q.limit).await?,
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(client_health))
        .routes(routes!(at_risk))
}
