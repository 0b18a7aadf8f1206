use axum::Json;
use axum::extract::State;
use rapport_app::org::AuditFilter;
use rapport_core::audit::AuditEvent;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Errors, list_type};
use crate::extract::{ApiQuery, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

list_type!(AuditList, AuditEvent);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// e.g. `request.status`, `auth.sign_in_failed`; or an entity with a trailing dot
    /// (`request.`) for all of its actions.
    pub action: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<i64>,
    /// Only what this member did.
    pub actor_member_id: Option<i64>,
    /// At or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub since: Option<jiff::Timestamp>,
    /// Before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub until: Option<jiff::Timestamp>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// The audit trail, newest first (admins and owners). Append-only: nothing deletes it.
#[utoipa::path(get, operation_id = "listAuditEvents", path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditList), Errors))]
async fn list(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditList>> {
    let f = AuditFilter {
        action: q.action,
        target_kind: q.target_kind,
        target_id: q.target_id,
        actor: q
            .actor_member_id
            .map(|id| rapport_core::access::Actor::Member(rapport_core::ids::MemberId(id))),
        since: q.since,
        until: q.until,
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(s.app.list_audit(&auth.0, f).await?.into()))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}
