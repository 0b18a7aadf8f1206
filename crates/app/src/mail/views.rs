//! Mail as people see it: mailboxes (admins), the triage queue, a message's attachments, its
//! sanitised HTML and its mail facts.

use std::collections::HashMap;

use rapport_core::access::Permission;
use rapport_core::audit::AuditEntry;
use rapport_core::ids::MessageId;
use rapport_core::inbox::{
    AttachmentInfo, MailView, Mailbox, NewMailbox, TriageItem, TriageStatus,
};
use rapport_core::message::{Direction, Message};
use rapport_store::Db;
use rapport_store::repo::mail as store;
use rapport_store::repo::messages;

use super::poll::schedule_poll;
use crate::access::visible_request;
use crate::secrets::Secret;
use crate::{App, AppError, AppResult, Ctx, Listing, cursor};

/// A message the caller may see: contacts see only their client's, and never notes.
fn visible_message(db: &mut Db<'_>, ctx: &Ctx, id: MessageId) -> AppResult<Message> {
    let m = messages::get(db, ctx.org(), id).map_err(|e| match e {
        rapport_store::StoreError::NotFound => AppError::NotFound("message"),
        other => other.into(),
    })?;
    if !ctx.principal.is_member() && m.direction == Direction::Note {
        return Err(AppError::NotFound("message"));
    }
    visible_request(db, &ctx.principal, m.request_id, false)
        .map_err(|_| AppError::NotFound("message"))?;
    Ok(m)
}

fn not_found(what: &'static str) -> impl Fn(rapport_store::StoreError) -> AppError {
    move |e| match e {
        rapport_store::StoreError::NotFound => AppError::NotFound(what),
        other => other.into(),
    }
}

/// [`App::list_mailboxes`] inside the caller's snapshot.
pub(crate) fn list_mailboxes_in(db: &mut Db<'_>, ctx: &Ctx) -> AppResult<Vec<Mailbox>> {
    ctx.require(Permission::ManageMembers)?;
    Ok(store::list_mailboxes(db, ctx.org())?)
}

/// [`App::list_triage`] inside the caller's snapshot.
pub(crate) fn list_triage_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    status: Option<TriageStatus>,
    after: Option<i64>,
    limit: usize,
) -> AppResult<Listing<TriageItem>> {
    ctx.require(Permission::ReadOrgWork)?;
    Ok(store::list_triage(db, ctx.org(), status, after, limit)?.into())
}

/// [`App::list_attachments`] inside the caller's snapshot.
pub(crate) fn attachments_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    message: MessageId,
) -> AppResult<Vec<AttachmentInfo>> {
    visible_message(db, ctx, message)?;
    Ok(store::attachments_of(db, ctx.org(), message)?)
}

/// The files of a page of `messages` the caller was shown (a listing that already applied
/// their access, such as [`crate::requests::messages_in`]), in one query: by message id.
pub(crate) fn attachments_of_listed_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    messages: &[Message],
) -> AppResult<HashMap<i64, Vec<AttachmentInfo>>> {
    let ids: Vec<MessageId> = messages.iter().map(|m| m.id).collect();
    let mut out: HashMap<i64, Vec<AttachmentInfo>> = HashMap::new();
    for a in store::attachments_of_messages(db, ctx.org(), &ids)? {
        out.entry(a.message_id.0).or_default().push(a);
    }
    Ok(out)
}

impl App {
    /// Add an IMAP mailbox (admins). The password is sealed; the first poll is queued now.
    pub async fn create_mailbox(&self, ctx: &Ctx, input: NewMailbox) -> AppResult<Mailbox> {
        ctx.require(Permission::ManageMembers)?;
        let draft = input.validate()?;
        super::poll::check_address(&self.settings.mail, &draft.host, draft.port)
            .map_err(|(field, why)| AppError::invalid(field, why))?;
        let sealed = self
            .settings
            .secrets
            .seal(&Secret::new(draft.password.clone()))?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Mailbox> {
                let mb = store::insert_imap_mailbox(db, ctx.org(), &draft, &sealed, now)?;
                schedule_poll(db, ctx.org(), mb.id, now, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "mailbox.create")
                        .target("mailbox", mb.id)
                        .details(serde_json::json!({"name": mb.name, "host": mb.host, "username": mb.username})),
                )?;
                Ok(mb)
            })
            .await
    }

    pub async fn list_mailboxes(&self, ctx: &Ctx) -> AppResult<Vec<Mailbox>> {
        let ctx = ctx.clone();
        self.store.read(move |db| list_mailboxes_in(db, &ctx)).await
    }

    pub async fn get_mailbox(&self, ctx: &Ctx, id: i64) -> AppResult<Mailbox> {
        ctx.require(Permission::ManageMembers)?;
        let org = ctx.org();
        self.store
            .read(move |db| store::get_mailbox(db, org, id).map_err(not_found("mailbox")))
            .await
    }

    /// Stop polling a mailbox (it is kept, with its watermark, so turning it on again never
    /// re-imports old mail).
    pub async fn set_mailbox_active(&self, ctx: &Ctx, id: i64, active: bool) -> AppResult<Mailbox> {
        ctx.require(Permission::ManageMembers)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Mailbox> {
                let org = ctx.org();
                store::get_mailbox(db, org, id).map_err(not_found("mailbox"))?;
                store::set_mailbox_active(db, org, id, active, now)?;
                if active {
                    schedule_poll(db, org, id, now, now)?;
                } else {
                    store::resolve_mailbox_alerts(db, org, id, now)?;
                }
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "mailbox.update")
                        .target("mailbox", id)
                        .details(serde_json::json!({"active": active})),
                )?;
                Ok(store::get_mailbox(db, org, id)?)
            })
            .await
    }

    pub async fn list_triage(
        &self,
        ctx: &Ctx,
        status: Option<TriageStatus>,
        after: Option<&str>,
        limit: usize,
    ) -> AppResult<Listing<TriageItem>> {
        let after = cursor::after_id(after)?;
        let ctx = ctx.clone();
        self.store
            .read(move |db| list_triage_in(db, &ctx, status, after, limit))
            .await
    }

    pub async fn get_triage(&self, ctx: &Ctx, id: i64) -> AppResult<TriageItem> {
        ctx.require(Permission::ReadOrgWork)?;
        let org = ctx.org();
        self.store
            .read(move |db| store::get_triage(db, org, id).map_err(not_found("triage item")))
            .await
    }

    /// The message as received (members; for a person deciding what it is).
    pub async fn triage_raw(&self, ctx: &Ctx, id: i64) -> AppResult<Vec<u8>> {
        ctx.require(Permission::ReadOrgWork)?;
        let org = ctx.org();
        self.store
            .read(move |db| {
                store::triage_with_raw(db, org, id, false)
                    .map(|(_, raw)| raw)
                    .map_err(not_found("triage item"))
            })
            .await
    }

    /// A person looked and decided the message needs nothing.
    pub async fn dismiss_triage(&self, ctx: &Ctx, id: i64) -> AppResult<TriageItem> {
        ctx.require(Permission::DoWork)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<TriageItem> {
                let org = ctx.org();
                let (item, _) =
                    store::triage_with_raw(db, org, id, true).map_err(not_found("triage item"))?;
                if item.status != TriageStatus::Open {
                    return Err(AppError::conflict(
                        "status",
                        format!("the item is {}", item.status),
                    ));
                }
                store::close_triage(
                    db,
                    org,
                    id,
                    TriageStatus::Dismissed,
                    ctx.principal.member_id(),
                    None,
                    now,
                )?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "triage.dismiss").target("triage", id),
                )?;
                Ok(store::get_triage(db, org, id)?)
            })
            .await
    }

    pub async fn list_attachments(
        &self,
        ctx: &Ctx,
        message: MessageId,
    ) -> AppResult<Vec<AttachmentInfo>> {
        let ctx = ctx.clone();
        self.store
            .read(move |db| attachments_in(db, &ctx, message))
            .await
    }

    /// An attachment and its bytes, for download.
    pub async fn get_attachment(&self, ctx: &Ctx, id: i64) -> AppResult<(AttachmentInfo, Vec<u8>)> {
        let ctx = ctx.clone();
        self.store
            .read(move |db| -> AppResult<(AttachmentInfo, Vec<u8>)> {
                let (info, data) =
                    store::attachment(db, ctx.org(), id).map_err(not_found("attachment"))?;
                visible_message(db, &ctx, info.message_id)
                    .map_err(|_| AppError::NotFound("attachment"))?;
                Ok((info, data))
            })
            .await
    }

    /// A message's HTML, sanitised; remote images only when the reader allows them.
    pub async fn message_html(
        &self,
        ctx: &Ctx,
        message: MessageId,
        remote_images: bool,
    ) -> AppResult<String> {
        let ctx = ctx.clone();
        let (stored, raw) = self
            .store
            .read(move |db| -> AppResult<(Option<String>, Option<String>)> {
                let m = visible_message(db, &ctx, message)?;
                let raw = store::get_meta(db, ctx.org(), message)?.and_then(|mm| mm.raw_html);
                Ok((m.body_html, raw))
            })
            .await?;
        match (remote_images, raw, stored) {
            (true, Some(raw), _) => {
                Ok(
                    tokio::task::spawn_blocking(move || rapport_mail::html::sanitise(&raw, true))
                        .await
                        .map_err(|e| AppError::internal("the mail HTML sanitiser task", e))?,
                )
            }
            (_, _, Some(html)) => Ok(html),
            (_, Some(raw), None) => Ok(rapport_mail::html::sanitise(&raw, false)),
            (_, None, None) => Err(AppError::NotFound("HTML body")),
        }
    }

    /// A message's mail facts (members).
    pub async fn message_mail(&self, ctx: &Ctx, message: MessageId) -> AppResult<MailView> {
        ctx.require(Permission::ReadOrgWork)?;
        let ctx = ctx.clone();
        self.store
            .read(move |db| -> AppResult<MailView> {
                let m = visible_message(db, &ctx, message)?;
                let meta = store::get_meta(db, ctx.org(), message)?
                    .ok_or(AppError::NotFound("mail facts"))?;
                Ok(MailView {
                    message_id: m.id,
                    source: meta.source,
                    mailbox_id: meta.mailbox_id,
                    mail_message_id: m.mail_message_id,
                    from_address: meta.from_address,
                    in_reply_to: meta.in_reply_to,
                    references: meta.references,
                    auto_submitted: meta.auto_submitted,
                    auto_reason: meta.auto_reason,
                    warnings: meta.warnings,
                    authentication: meta.auth_results,
                    send_status: m.send_status,
                    send_attempts: meta.send_attempts,
                    send_error: meta.send_error,
                    attachments: store::attachments_of(db, ctx.org(), message)?,
                })
            })
            .await
    }
}
