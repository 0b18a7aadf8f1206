//! Mail: IMAP mailboxes (admins), the triage queue, attachments and sanitised HTML of messages.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_core::ids::MessageId;
use rapport_core::inbox::{
    AttachmentInfo, MailView, Mailbox, NewMailbox, TriageItem, TriageStatus,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Errors, list_type};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::ApiResult;
use crate::state::AppState;

list_type!(TriageList, TriageItem);

#[derive(Serialize, ToSchema)]
pub struct MailboxList {
    pub items: Vec<Mailbox>,
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentList {
    pub items: Vec<AttachmentInfo>,
}

/// Add an IMAP mailbox to poll (admins). The password is stored sealed and never shown again;
/// the first poll runs at once. Needs RAPPORT_SECRET_KEY on the server.
#[utoipa::path(post, operation_id = "createMailbox", path = "/api/v1/mailboxes", tag = "mail", request_body = NewMailbox,
    responses((status = 201, body = Mailbox), Errors))]
async fn create_mailbox(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<NewMailbox>,
) -> ApiResult<(StatusCode, Json<Mailbox>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_mailbox(&auth.0, input).await?),
    ))
}

/// The mailboxes, with their status and last error (admins).
#[utoipa::path(get, operation_id = "listMailboxes", path = "/api/v1/mailboxes", tag = "mail", responses((status = 200, body = MailboxList), Errors))]
async fn list_mailboxes(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<MailboxList>> {
    Ok(Json(MailboxList {
        items: s.app.list_mailboxes(&auth.0).await?,
    }))
}

/// One mailbox.
#[utoipa::path(get, operation_id = "getMailbox", path = "/api/v1/mailboxes/{id}", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = Mailbox), Errors))]
async fn get_mailbox(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<Mailbox>> {
    Ok(Json(s.app.get_mailbox(&auth.0, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxPatch {
    /// `false` stops polling (the mailbox and its watermark are kept).
    pub active: bool,
}

/// Pause or resume polling a mailbox (admins).
#[utoipa::path(patch, operation_id = "updateMailbox", path = "/api/v1/mailboxes/{id}", tag = "mail", params(("id" = i64, Path)),
    request_body = MailboxPatch, responses((status = 200, body = Mailbox), Errors))]
async fn update_mailbox(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<MailboxPatch>,
) -> ApiResult<Json<Mailbox>> {
    Ok(Json(
        s.app.set_mailbox_active(&auth.0, id, input.active).await?,
    ))
}

/// Test a mailbox's connection (admins): sign in and open its folder, importing nothing.
/// Answers 200 either way; `ok` says whether it worked and `message` what failed.
#[utoipa::path(post, operation_id = "testMailbox", path = "/api/v1/mailboxes/{id}/test", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = rapport_app::mail::MailboxTest), Errors))]
async fn test_mailbox(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<rapport_app::mail::MailboxTest>> {
    Ok(Json(s.app.test_mailbox(&auth.0, id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TriageQuery {
    /// `open` (default), `resolved` or `dismissed`.
    pub status: Option<TriageStatus>,
    pub cursor: Option<String>,
    /// 1-200, default 50.
    pub limit: Option<usize>,
}

/// Mail that could not be routed, oldest first, each with the reason.
#[utoipa::path(get, operation_id = "listTriage", path = "/api/v1/triage", tag = "mail", params(TriageQuery),
    responses((status = 200, body = TriageList), Errors))]
async fn list_triage(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<TriageQuery>,
) -> ApiResult<Json<TriageList>> {
    let limit = rapport_app::limit(q.limit)?;
    Ok(Json(
        s.app
            .list_triage(
                &auth.0,
                Some(q.status.unwrap_or(TriageStatus::Open)),
                q.cursor.as_deref(),
                limit,
            )
            .await?
            .into(),
    ))
}

/// One unrouted message waiting for triage.
#[utoipa::path(get, operation_id = "getTriageItem", path = "/api/v1/triage/{id}", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = TriageItem), Errors))]
async fn get_triage(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<TriageItem>> {
    Ok(Json(s.app.get_triage(&auth.0, id).await?))
}

/// The message as received, as a download (`message/rfc822`).
#[utoipa::path(get, operation_id = "getTriageRaw", path = "/api/v1/triage/{id}/raw", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, content_type = "message/rfc822", description = "the message"), Errors))]
async fn triage_raw(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<Response> {
    let raw = s.app.triage_raw(&auth.0, id).await?;
    Ok(crate::download::attachment(
        raw,
        "message/rfc822",
        &format!("triage-{id}.eml"),
    ))
}

/// Route a triaged message again (e.g. after adding its sender as a contact). Answers the
/// outcome: `new_request`, `threaded`, `duplicate` (the item is then resolved) or `triaged`
/// again with the current reason.
#[utoipa::path(post, operation_id = "retryTriageItem", path = "/api/v1/triage/{id}/retry", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, description = "the outcome", body = rapport_app::mail::IngestOutcome), Errors))]
async fn retry_triage(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<serde_json::Value>> {
    let outcome = s.app.retry_triage(&auth.0, id).await?;
    Ok(Json(serde_json::to_value(outcome).unwrap_or_default()))
}

/// Close a triage item: it needs nothing.
#[utoipa::path(post, operation_id = "dismissTriageItem", path = "/api/v1/triage/{id}/dismiss", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = TriageItem), Errors))]
async fn dismiss_triage(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<TriageItem>> {
    Ok(Json(s.app.dismiss_triage(&auth.0, id).await?))
}

/// A message's attachments (contacts: their client's messages only).
#[utoipa::path(get, operation_id = "listMessageAttachments", path = "/api/v1/messages/{id}/attachments", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = AttachmentList), Errors))]
async fn list_attachments(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<AttachmentList>> {
    Ok(Json(AttachmentList {
        items: s.app.list_attachments(&auth.0, MessageId(id)).await?,
    }))
}

/// Download an attachment: always `Content-Disposition: attachment`, with the stored type.
#[utoipa::path(get, operation_id = "getAttachment", path = "/api/v1/attachments/{id}", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", description = "the file"), Errors))]
async fn get_attachment(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<Response> {
    let (info, data) = s.app.get_attachment(&auth.0, id).await?;
    let name = info
        .filename
        .clone()
        .unwrap_or_else(|| format!("attachment-{id}"));
    Ok(crate::download::attachment(data, &info.content_type, &name))
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RemoteImages {
    Allow,
    Block,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HtmlQuery {
    /// `block` (default) or `allow`: load the images the sender linked from elsewhere.
    #[param(inline)]
    pub remote_images: Option<RemoteImages>,
}

#[derive(Serialize, ToSchema)]
pub struct MessageHtml {
    /// Sanitised: no scripts, styles that could escape, forms or event handlers.
    pub html: String,
    pub remote_images: RemoteImagesWord,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RemoteImagesWord {
    Allowed,
    Blocked,
}

/// A message's HTML body, sanitised; remote images blocked unless asked for.
#[utoipa::path(get, operation_id = "getMessageHtml", path = "/api/v1/messages/{id}/html", tag = "mail", params(("id" = i64, Path), HtmlQuery),
    responses((status = 200, body = MessageHtml), Errors))]
async fn message_html(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<HtmlQuery>,
) -> ApiResult<Response> {
    let allow = q.remote_images == Some(RemoteImages::Allow);
    let html = s.app.message_html(&auth.0, MessageId(id), allow).await?;
    // The sender's HTML, sanitised; should anything ever render this answer, it runs nothing.
    Ok((
        [(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(crate::download::SANDBOX_CSP),
        )],
        Json(MessageHtml {
            html,
            remote_images: if allow {
                RemoteImagesWord::Allowed
            } else {
                RemoteImagesWord::Blocked
            },
        }),
    )
        .into_response())
}

/// A message's mail facts: where it came from, threading ids, whether a machine wrote it,
/// parse warnings, send attempts and the last send error (members).
#[utoipa::path(get, operation_id = "getMessageMail", path = "/api/v1/messages/{id}/mail", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = MailView), Errors))]
async fn message_mail(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<MailView>> {
    Ok(Json(s.app.message_mail(&auth.0, MessageId(id)).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_mailbox, list_mailboxes))
        .routes(routes!(get_mailbox, update_mailbox))
        .routes(routes!(test_mailbox))
        .routes(routes!(list_triage))
        .routes(routes!(get_triage))
        .routes(routes!(triage_raw))
        .routes(routes!(retry_triage))
        .routes(routes!(dismiss_triage))
        .routes(routes!(list_attachments))
        .routes(routes!(get_attachment))
        .routes(routes!(message_html))
        .routes(routes!(message_mail))
}
