//! The caller's own inbox of notifications and how they reach them by mail. Members only.

use axum::Json;
use axum::extract::State;
use rapport_app::notify::NotificationFilter;
use rapport_core::notification::{Notification, NotificationSettings};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Errors, list_type};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::ApiResult;
use crate::state::AppState;

list_type!(NotificationList, Notification);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    /// `true`: only the unread ones.
    pub unread: Option<bool>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// My notifications: unread first, then newest first (assigned to me, the client replied on my
/// request, my promise due soon or broken, an @mention of me in an internal note, an SLA at
/// risk on my request).
#[utoipa::path(get, operation_id = "listNotifications", path = "/api/v1/notifications", tag = "notifications",
    params(NotificationQuery), responses((status = 200, body = NotificationList), Errors))]
async fn list(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> ApiResult<Json<NotificationList>> {
    let f = NotificationFilter {
        unread_only: q.unread.unwrap_or(false),
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(s.app.list_notifications(&auth.0, f).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    /// How many of my notifications are unread.
    pub unread: i64,
}

/// How many of my notifications are unread (the workspace's badge).
#[utoipa::path(get, operation_id = "countUnreadNotifications", path = "/api/v1/notifications/unread-count", tag = "notifications",
    responses((status = 200, body = UnreadCount), Errors))]
async fn unread_count(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<UnreadCount>> {
    Ok(Json(UnreadCount {
        unread: s.app.unread_notifications(&auth.0).await?,
    }))
}

/// Mark one of my notifications read (again is no change); 404 for anyone else's.
#[utoipa::path(post, operation_id = "readNotification", path = "/api/v1/notifications/{id}/read", tag = "notifications",
    params(("id" = i64, Path)), responses((status = 200, body = Notification), Errors))]
async fn read(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<Json<Notification>> {
    Ok(Json(s.app.mark_notification_read(&auth.0, id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    /// How many were unread and are read now.
    pub marked: u64,
}

/// Mark all my notifications read.
#[utoipa::path(post, operation_id = "readAllNotifications", path = "/api/v1/notifications/read-all", tag = "notifications",
    responses((status = 200, body = MarkedRead), Errors))]
async fn read_all(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<MarkedRead>> {
    Ok(Json(MarkedRead {
        marked: s.app.mark_all_notifications_read(&auth.0).await?,
    }))
}

/// How my notifications reach me by mail.
#[utoipa::path(get, operation_id = "getNotificationSettings", path = "/api/v1/notifications/settings", tag = "notifications",
    responses((status = 200, body = NotificationSettings), Errors))]
async fn settings(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<NotificationSettings>> {
    Ok(Json(s.app.notification_settings(&auth.0).await?))
}

/// Choose how my notifications reach me by mail: `immediate` (one mail each, as it happens),
/// `hourly` (one digest at the hour) or `off`. Either way mail waits outside my own working
/// hours until the next one.
#[utoipa::path(put, operation_id = "putNotificationSettings", path = "/api/v1/notifications/settings", tag = "notifications",
    request_body = NotificationSettings, responses((status = 200, body = NotificationSettings), Errors))]
async fn put_settings(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<NotificationSettings>,
) -> ApiResult<Json<NotificationSettings>> {
    Ok(Json(s.app.set_notification_settings(&auth.0, input).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(unread_count))
        .routes(routes!(read))
        .routes(routes!(read_all))
        .routes(routes!(settings, put_settings))
}
