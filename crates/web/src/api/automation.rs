//! Working fast: canned replies, rules and webhooks.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rapport_app::automation::canned::{Applied, ApplyInput, Preview};
use rapport_app::automation::webhooks::CreatedWebhook;
use rapport_app::calendar_feeds::{CreatedFeed, FeedInfo, NewFeed};
use rapport_app::merge::{MergeInput, Merged, SplitInput};
use rapport_core::canned::{CannedReply, CannedReplyInput};
use rapport_core::ids::{CannedReplyId, MessageId, RequestId, RuleId, WebhookId};
use rapport_core::request::Request;
use rapport_core::rule::{Rule, RuleInput};
use rapport_core::webhook::{Delivery, Webhook, WebhookInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Errors, list_type};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::ApiResult;
use crate::state::AppState;

list_type!(CannedReplyList, CannedReply);
list_type!(DeliveryList, Delivery);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub cursor: Option<String>,
    /// 1-200, default 50.
    pub limit: Option<usize>,
}

/// Canned replies, oldest first.
#[utoipa::path(get, operation_id = "listCannedReplies", path = "/api/v1/canned-replies", tag = "automation", params(PageQuery),
    responses((status = 200, body = CannedReplyList), Errors))]
async fn list_canned(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<CannedReplyList>> {
    let limit = rapport_app::limit(q.limit)?;
    Ok(Json(
        s.app
            .list_canned_replies(&auth.0, q.cursor.as_deref(), limit)
            .await?
            .into(),
    ))
}

/// Save a canned reply (managers and above). Variables: `{{contact.name}}`,
/// `{{contact.preferred_name}}`, `{{contact.salutation}}`, `{{client.name}}`, `{{request.ref}}`,
/// `{{request.title}}`, `{{request.status}}`, `{{promise.due_local}}`, `{{agent.name}}`,
/// `{{org.name}}`. Any other, or an unclosed `{{`, is refused (422 naming it and where).
#[utoipa::path(post, operation_id = "createCannedReply", path = "/api/v1/canned-replies", tag = "automation", request_body = CannedReplyInput,
    responses((status = 201, body = CannedReply), Errors))]
async fn create_canned(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<CannedReplyInput>,
) -> ApiResult<(StatusCode, Json<CannedReply>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_canned_reply(&auth.0, input).await?),
    ))
}

/// One canned reply.
#[utoipa::path(get, operation_id = "getCannedReply", path = "/api/v1/canned-replies/{id}", tag = "automation", params(("id" = i64, Path)),
    responses((status = 200, body = CannedReply), Errors))]
async fn get_canned(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<CannedReply>> {
    Ok(Json(
        s.app.get_canned_reply(&auth.0, CannedReplyId(id)).await?,
    ))
}

/// Replace a canned reply (managers and above).
#[utoipa::path(put, operation_id = "replaceCannedReply", path = "/api/v1/canned-replies/{id}", tag = "automation", params(("id" = i64, Path)),
    request_body = CannedReplyInput, responses((status = 200, body = CannedReply), Errors))]
async fn put_canned(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<CannedReplyInput>,
) -> ApiResult<Json<CannedReply>> {
    Ok(Json(
        s.app
            .update_canned_reply(&auth.0, CannedReplyId(id), input)
            .await?,
    ))
}

/// Delete a canned reply.
#[utoipa::path(delete, operation_id = "deleteCannedReply", path = "/api/v1/canned-replies/{id}", tag = "automation", params(("id" = i64, Path)),
    responses((status = 204), Errors))]
async fn delete_canned(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.app
        .delete_canned_reply(&auth.0, CannedReplyId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PreviewQuery {
    pub request_id: i64,
}

/// What the reply would say on a request, rendered with the client's etiquette; nothing is sent.
#[utoipa::path(get, operation_id = "previewCannedReply", path = "/api/v1/canned-replies/{id}/preview", tag = "automation",
    params(("id" = i64, Path), PreviewQuery), responses((status = 200, body = Preview), Errors))]
async fn preview_canned(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<PreviewQuery>,
) -> ApiResult<Json<Preview>> {
    Ok(Json(
        s.app
            .preview_canned_reply(&auth.0, CannedReplyId(id), RequestId(q.request_id))
            .await?,
    ))
}

/// Apply a canned reply to a request: the rendered message is queued to the client (through the
/// etiquette lint: findings answer 409 unless `confirm_findings`) and its status, priority, tags
/// and assignee are applied, all or nothing.
#[utoipa::path(post, operation_id = "applyCannedReply", path = "/api/v1/canned-replies/{id}/apply", tag = "automation", params(("id" = i64, Path)),
    request_body = ApplyInput, responses((status = 200, body = Applied), Errors))]
async fn apply_canned(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ApplyInput>,
) -> ApiResult<Json<Applied>> {
    Ok(Json(
        s.app
            .apply_canned_reply(&auth.0, CannedReplyId(id), input)
            .await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct RuleList {
    pub items: Vec<Rule>,
}

/// Rules (admins).
#[utoipa::path(get, operation_id = "listRules", path = "/api/v1/rules", tag = "automation", responses((status = 200, body = RuleList), Errors))]
async fn list_rules(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<RuleList>> {
    Ok(Json(RuleList {
        items: s.app.list_rules(&auth.0).await?,
    }))
}

/// Save a rule (admins): "when `event` and `conditions` then `actions`". Applied by the job
/// queue after the event; a rule never retriggers itself (see the README).
#[utoipa::path(post, operation_id = "createRule", path = "/api/v1/rules", tag = "automation", request_body = RuleInput,
    responses((status = 201, body = Rule), Errors))]
async fn create_rule(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<RuleInput>,
) -> ApiResult<(StatusCode, Json<Rule>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_rule(&auth.0, input).await?),
    ))
}

/// One automation rule.
#[utoipa::path(get, operation_id = "getRule", path = "/api/v1/rules/{id}", tag = "automation", params(("id" = i64, Path)),
    responses((status = 200, body = Rule), Errors))]
async fn get_rule(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<Json<Rule>> {
    Ok(Json(s.app.get_rule(&auth.0, RuleId(id)).await?))
}

/// Replace an automation rule (name, event, conditions, actions, enabled).
#[utoipa::path(put, operation_id = "replaceRule", path = "/api/v1/rules/{id}", tag = "automation", params(("id" = i64, Path)),
    request_body = RuleInput, responses((status = 200, body = Rule), Errors))]
async fn put_rule(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<RuleInput>,
) -> ApiResult<Json<Rule>> {
    Ok(Json(s.app.update_rule(&auth.0, RuleId(id), input).await?))
}

/// Delete an automation rule.
#[utoipa::path(delete, operation_id = "deleteRule", path = "/api/v1/rules/{id}", tag = "automation", params(("id" = i64, Path)),
    responses((status = 204), Errors))]
async fn delete_rule(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<StatusCode> {
    s.app.delete_rule(&auth.0, RuleId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<Webhook>,
}

/// Webhook subscriptions (admins).
#[utoipa::path(get, operation_id = "listWebhooks", path = "/api/v1/webhooks", tag = "automation", responses((status = 200, body = WebhookList), Errors))]
async fn list_webhooks(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<WebhookList>> {
    Ok(Json(WebhookList {
        items: s.app.list_webhooks(&auth.0).await?,
    }))
}

/// Subscribe a URL to events (admins). Each delivery is signed:
/// `Rapport-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The secret is in
/// this answer only. Loopback and private targets are refused unless the server allows them.
#[utoipa::path(post, operation_id = "createWebhook", path = "/api/v1/webhooks", tag = "automation", request_body = WebhookInput,
    responses((status = 201, body = CreatedWebhook), Errors))]
async fn create_webhook(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<(StatusCode, Json<CreatedWebhook>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_webhook(&auth.0, input).await?),
    ))
}

/// One webhook.
#[utoipa::path(get, operation_id = "getWebhook", path = "/api/v1/webhooks/{id}", tag = "automation", params(("id" = i64, Path)),
    responses((status = 200, body = Webhook), Errors))]
async fn get_webhook(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<Webhook>> {
    Ok(Json(s.app.get_webhook(&auth.0, WebhookId(id)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    pub enabled: bool,
}

/// Pause or resume a subscription (admins).
#[utoipa::path(patch, operation_id = "updateWebhook", path = "/api/v1/webhooks/{id}", tag = "automation", params(("id" = i64, Path)),
    request_body = WebhookPatch, responses((status = 200, body = Webhook), Errors))]
async fn patch_webhook(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(p): ApiJson<WebhookPatch>,
) -> ApiResult<Json<Webhook>> {
    Ok(Json(
        s.app
            .set_webhook_enabled(&auth.0, WebhookId(id), p.enabled)
            .await?,
    ))
}

/// The delivery log of a webhook, newest first: status, attempts, last answer or error.
#[utoipa::path(get, operation_id = "listWebhookDeliveries", path = "/api/v1/webhooks/{id}/deliveries", tag = "automation",
    params(("id" = i64, Path), PageQuery), responses((status = 200, body = DeliveryList), Errors))]
async fn deliveries(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<DeliveryList>> {
    let limit = rapport_app::limit(q.limit)?;
    Ok(Json(
        s.app
            .list_deliveries(&auth.0, WebhookId(id), q.cursor.as_deref(), limit)
            .await?
            .into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Queued {
    /// The delivery queued.
    pub delivery_id: i64,
}

/// Queue a `ping` delivery to check the URL and the receiver's signature check.
#[utoipa::path(post, operation_id = "pingWebhook", path = "/api/v1/webhooks/{id}/ping", tag = "automation", params(("id" = i64, Path)),
    responses((status = 202, body = Queued), Errors))]
async fn ping(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<(StatusCode, Json<Queued>)> {
    let d = s.app.ping_webhook(&auth.0, WebhookId(id)).await?;
    Ok((StatusCode::ACCEPTED, Json(Queued { delivery_id: d.0 })))
}

/// Merge this request into another of the same client (members): its messages, promises and
/// time move to the other, its tags and minutes are added there, it is closed, and its id
/// answers 308 pointing at the other from then on. Mail replying to it threads into the other.
#[utoipa::path(post, operation_id = "mergeRequest", path = "/api/v1/requests/{id}/merge", tag = "requests", params(("id" = i64, Path)),
    request_body = MergeInput, responses((status = 200, body = Merged), Errors))]
async fn merge(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<MergeInput>,
) -> ApiResult<Json<Merged>> {
    Ok(Json(
        s.app.merge_requests(&auth.0, RequestId(id), input).await?,
    ))
}

/// Split a message off into a new request of the same client, contact and engagement (members).
#[utoipa::path(post, operation_id = "splitMessage", path = "/api/v1/messages/{id}/split", tag = "requests", params(("id" = i64, Path)),
    request_body = SplitInput, responses((status = 201, body = Request), Errors))]
async fn split(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<SplitInput>,
) -> ApiResult<(StatusCode, Json<Request>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.split_message(&auth.0, MessageId(id), input).await?),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct FeedList {
    pub items: Vec<FeedInfo>,
}

/// Make a secret iCalendar feed URL of promises and SLA deadlines: your own, another member's
/// or a client's (managers). The URL is shown once.
#[utoipa::path(post, operation_id = "createCalendarFeed", path = "/api/v1/calendar-feeds", tag = "automation", request_body = NewFeed,
    responses((status = 201, body = CreatedFeed), Errors))]
async fn create_feed(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<NewFeed>,
) -> ApiResult<(StatusCode, Json<CreatedFeed>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_feed(&auth.0, input).await?),
    ))
}

/// Calendar feeds: all of them for managers, your own otherwise.
#[utoipa::path(get, operation_id = "listCalendarFeeds", path = "/api/v1/calendar-feeds", tag = "automation", responses((status = 200, body = FeedList), Errors))]
async fn list_feeds(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<FeedList>> {
    Ok(Json(FeedList {
        items: s.app.list_feeds(&auth.0).await?,
    }))
}

/// Revoke a feed: its URL answers 404 from now on.
#[utoipa::path(post, operation_id = "revokeCalendarFeed", path = "/api/v1/calendar-feeds/{id}/revoke", tag = "automation", params(("id" = i64, Path)),
    responses((status = 200, body = FeedInfo), Errors))]
async fn revoke_feed(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<FeedInfo>> {
    Ok(Json(s.app.revoke_feed(&auth.0, id).await?))
}

/// The feed itself (`text/calendar`, RFC 5545), for calendar apps: no sign-in, the secret URL is
/// the credential.
#[utoipa::path(get, operation_id = "getCalendarFeed", path = "/api/v1/feeds/{token}", tag = "automation", params(("token" = String, Path)),
    security(()), responses((status = 200, content_type = "text/calendar", body = String), (status = 404)))]
async fn feed(
    State(s): State<AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let token = token.strip_suffix(".ics").unwrap_or(&token);
    let ics = s.app.feed_ics(token).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/calendar; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "private, max-age=300"),
        ],
        ics,
    )
        .into_response())
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_canned, create_canned))
        .routes(routes!(get_canned, put_canned, delete_canned))
        .routes(routes!(preview_canned))
        .routes(routes!(apply_canned))
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(get_rule, put_rule, delete_rule))
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(get_webhook, patch_webhook))
        .routes(routes!(deliveries))
        .routes(routes!(ping))
        .routes(routes!(merge))
        .routes(routes!(split))
        .routes(routes!(list_feeds, create_feed))
        .routes(routes!(revoke_feed))
        .routes(routes!(feed))
}
