//! Notifications: each member's inbox, filled inside the write of the event that concerns them
//! (assignment, the client writing back, a promise of theirs due soon or broken, an @mention in
//! an internal note, an SLA clock at risk on their request), whichever channel carried it, and
//! the mail that tells them, by their own preference (at once, an hourly digest, or off) and
//! never outside their own working hours: a `notify.mail` job is queued for the moment the mail
//! is due and, when it runs, puts every pending notification of that member into one system
//! mail through the outbox.
//!
//! Nobody is told of their own doing, and a notification only ever goes to a member of the
//! organisation the event happened in (every lookup is scoped by it).

use jiff::Timestamp;
use rapport_core::access::Permission;
use rapport_core::audit::AuditEntry;
use rapport_core::ids::{MemberId, OrgId};
use rapport_core::jobs::Job;
use rapport_core::member::Member;
use rapport_core::notification::{
    self as rule, MailState, NewNotification, Notification, NotificationKind, NotificationSettings,
};
use rapport_core::promise::Promise;
use rapport_core::request::Request;
use rapport_store::Db;
use rapport_store::repo::members;
use rapport_store::repo::notifications::{self as store, InboxQuery};
use serde::{Deserialize, Serialize};

use crate::jobs::{self, JobFailure, JobKind};
use crate::{App, AppError, AppResult, Ctx, Listing, cursor};

/// Mail a member their pending notifications.
pub(crate) struct MailJob;

impl JobKind for MailJob {
    const KIND: &'static str = "notify.mail";
    type Payload = MailPayload;
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct MailPayload {
    member_id: MemberId,
}

/// The member's zone, for saying times on their clock.
fn zone(m: &Member) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(&m.tz).unwrap_or(jiff::tz::TimeZone::UTC)
}

/// `Tue 3 Mar 17:00` on `m`'s clock.
fn on_clock(m: &Member, at: Timestamp) -> String {
    at.to_zoned_datetime(zone(m))
        .strftime("%a %-d %b %H:%M")
        .to_string()
}

fn about(r: &Request) -> String {
    format!("#{} \"{}\"", r.id, r.title)
}

/// Queue the `notify.mail` job for when `m`'s mail is due (none when their preference is off).
/// The key carries the moment, so notifications due at the same hour share one job (the
/// digest) and one due now never waits behind a job already running.
fn schedule_mail(
    db: &mut Db<'_>,
    org: OrgId,
    m: &Member,
    s: NotificationSettings,
    now: Timestamp,
) -> AppResult<()> {
    let calendar = m
        .calendar_spec()
        .compile()
        .map_err(|e| AppError::internal(format!("member {}'s working hours", m.id), e))?;
    let Some(at) = rule::mail_due(s.email, &calendar, &zone(m), now) else {
        return Ok(());
    };
    let key = format!("{}:{}:{}", MailJob::KIND, m.id, at.as_millisecond());
    jobs::queue::<MailJob>(
        db,
        org,
        &MailPayload { member_id: m.id },
        at,
        Some(&key),
        now,
    )?;
    Ok(())
}

/// Put `n` in its member's inbox, in the caller's write, and queue its mail. Nothing when the
/// member caused it themselves, or is not an active member of `org`.
pub(crate) fn notify(
    db: &mut Db<'_>,
    org: OrgId,
    n: NewNotification,
    now: Timestamp,
) -> AppResult<()> {
    if n.actor_id == Some(n.member_id) {
        return Ok(());
    }
    let Some(m) = members::find(db, org, n.member_id)?.filter(|m| m.active) else {
        return Ok(());
    };
    let s = store::settings(db, org, m.id)?;
    let state = match s.email {
        rule::EmailDelivery::Off => MailState::Skipped,
        _ => MailState::Pending,
    };
    store::insert(db, org, &n, state, now)?;
    if state == MailState::Pending {
        schedule_mail(db, org, &m, s, now)?;
    }
    Ok(())
}

fn name_of(db: &mut Db<'_>, org: OrgId, id: Option<MemberId>) -> AppResult<Option<String>> {
    Ok(match id {
        Some(id) => members::find(db, org, id)?.map(|m| m.name),
        None => None,
    })
}

/// `r` was assigned to `to` by `by` (`None`: a rule or Rapport).
pub(crate) fn on_assigned(
    db: &mut Db<'_>,
    r: &Request,
    to: Option<MemberId>,
    by: Option<MemberId>,
    now: Timestamp,
) -> AppResult<()> {
    let Some(to) = to else { return Ok(()) };
    let message = match name_of(db, r.org_id, by)? {
        Some(who) => format!("{who} assigned you {}", about(r)),
        None => format!("{} was assigned to you", about(r)),
    };
    notify(
        db,
        r.org_id,
        NewNotification {
            member_id: to,
            kind: NotificationKind::Assigned,
            request_id: Some(r.id),
            subject_kind: None,
            subject_id: None,
            message,
            actor_id: by,
        },
        now,
    )
}

/// The client wrote on `r` (message `message_id`): its assignee hears of it.
pub(crate) fn on_client_replied(
    db: &mut Db<'_>,
    r: &Request,
    message_id: i64,
    now: Timestamp,
) -> AppResult<()> {
    let Some(to) = r.assignee_id else {
        return Ok(());
    };
    notify(
        db,
        r.org_id,
        NewNotification {
            member_id: to,
            kind: NotificationKind::ClientReplied,
            request_id: Some(r.id),
            subject_kind: Some("message"),
            subject_id: Some(message_id),
            message: format!("The client wrote on {}", about(r)),
            actor_id: None,
        },
        now,
    )
}

/// Every member of `org`, active or not (the matcher skips the inactive).
fn all_members(db: &mut Db<'_>, org: OrgId) -> AppResult<Vec<Member>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = members::list(db, org, after, rapport_store::repo::MAX_PAGE)?;
        out.extend(page.items);
        match page.next {
            Some((_, id)) => after = Some(id),
            None => return Ok(out),
        }
    }
}

/// A member wrote internal note `message_id` on `r`: each member it names with @name (of the
/// same organisation) hears of it.
pub(crate) fn on_note(
    db: &mut Db<'_>,
    r: &Request,
    by: Option<MemberId>,
    message_id: i64,
    body: &str,
    now: Timestamp,
) -> AppResult<()> {
    if rule::handles(body).is_empty() {
        return Ok(());
    }
    let team = all_members(db, r.org_id)?;
    let named = rule::mentioned(body, &team);
    if named.is_empty() {
        return Ok(());
    }
    let who = by
        .and_then(|b| team.iter().find(|m| m.id == b))
        .map_or_else(|| "Someone".to_string(), |m| m.name.clone());
    let excerpt: String = body.chars().take(140).collect();
    let more = if body.chars().count() > 140 {
        "…"
    } else {
        ""
    };
    for to in named {
        notify(
            db,
            r.org_id,
            NewNotification {
                member_id: to,
                kind: NotificationKind::Mentioned,
                request_id: Some(r.id),
                subject_kind: Some("message"),
                subject_id: Some(message_id),
                message: format!(
                    "{who} mentioned you on {}: \"{}{more}\"",
                    about(r),
                    excerpt.trim()
                ),
                actor_id: by,
            },
            now,
        )?;
    }
    Ok(())
}

/// A promise `p` made is due soon (`broken` false) or broke: the member who made it hears.
pub(crate) fn on_promise(
    db: &mut Db<'_>,
    p: &Promise,
    broken: bool,
    now: Timestamp,
) -> AppResult<()> {
    let Some(m) = members::find(db, p.org_id, p.made_by)? else {
        return Ok(());
    };
    let on = match p.request_id {
        Some(rid) => format!(
            " on {}",
            about(&rapport_store::repo::requests::get(db, p.org_id, rid)?)
        ),
        None => String::new(),
    };
    let due = on_clock(&m, p.due_at);
    let (kind, message) = if broken {
        (
            NotificationKind::PromiseBroken,
            format!("Your promise{on} ({}) was due {due} and broke", p.kind),
        )
    } else {
        (
            NotificationKind::PromiseDueSoon,
            format!("Your promise{on} ({}) is due {due}", p.kind),
        )
    };
    notify(
        db,
        p.org_id,
        NewNotification {
            member_id: p.made_by,
            kind,
            request_id: p.request_id,
            subject_kind: Some("promise"),
            subject_id: Some(p.id.0),
            message,
            actor_id: None,
        },
        now,
    )
}

/// An SLA clock on `r` went at risk (`what`: which clock, in words): its assignee hears.
pub(crate) fn on_sla_at_risk(
    db: &mut Db<'_>,
    r: &Request,
    what: &str,
    due: Option<Timestamp>,
    now: Timestamp,
) -> AppResult<()> {
    let Some(to) = r.assignee_id else {
        return Ok(());
    };
    let Some(m) = members::find(db, r.org_id, to)? else {
        return Ok(());
    };
    let due = due
        .map(|d| format!(", due {}", on_clock(&m, d)))
        .unwrap_or_default();
    notify(
        db,
        r.org_id,
        NewNotification {
            member_id: to,
            kind: NotificationKind::SlaAtRisk,
            request_id: Some(r.id),
            subject_kind: None,
            subject_id: None,
            message: format!("The {what} clock is at risk on {}{due}", about(r)),
            actor_id: None,
        },
        now,
    )
}

/// The `notify.mail` work for one member, in the job's own write: their pending notifications
/// in one mail through the outbox, unless their preference is now off (then none ever goes) or
/// their hours changed and it is no longer a working moment (then it waits for the next one).
fn deliver(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    base_url: &str,
    now: Timestamp,
) -> AppResult<()> {
    let pending = store::pending_mail(db, org, member, now)?;
    if pending.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = pending.iter().map(|n| n.id).collect();
    let m = members::find(db, org, member)?.filter(|m| m.active);
    let s = store::settings(db, org, member)?;
    let Some(m) = m.filter(|_| s.email != rule::EmailDelivery::Off) else {
        store::set_mailed(db, org, member, &ids, MailState::Skipped, now)?;
        return Ok(());
    };
    let calendar = m
        .calendar_spec()
        .compile()
        .map_err(|e| AppError::internal(format!("member {}'s working hours", m.id), e))?;
    if let Some(next) = calendar.next_open(now).filter(|&t| t > now) {
        let key = format!("{}:{}:{}", MailJob::KIND, m.id, next.as_millisecond());
        jobs::queue::<MailJob>(
            db,
            org,
            &MailPayload { member_id: m.id },
            next,
            Some(&key),
            now,
        )?;
        return Ok(());
    }
    let Some(text) = rule::compose_mail(&pending, base_url, &zone(&m)) else {
        return Ok(());
    };
    crate::mail_out::queue_system_mail(
        db,
        org,
        "notification",
        &m.email,
        &text.subject,
        &text.body,
        now,
    )?;
    store::set_mailed(db, org, member, &ids, MailState::Sent, now)?;
    Ok(())
}

/// Notifications are a member's own: a client's contact has none.
fn me(ctx: &Ctx) -> AppResult<MemberId> {
    ctx.principal
        .member_id()
        .ok_or_else(|| AppError::forbidden("notifications are for members"))
}

#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    /// Only the unread ones.
    pub unread_only: bool,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// The caller's unread count, inside their snapshot (the navigation's badge).
pub(crate) fn unread_in(db: &mut Db<'_>, ctx: &Ctx) -> AppResult<i64> {
    match ctx.principal.member_id() {
        Some(m) => Ok(store::unread_count(db, ctx.org(), m)?),
        None => Ok(0),
    }
}

impl App {
    pub(crate) async fn run_notify_mail(&self, job: &Job, worker: &str) -> Result<(), JobFailure> {
        let p = MailJob::decode(job)?;
        let (org, member) = (job.org_id, p.member_id);
        let base = self.settings.public_url.clone();
        self.finish_job(job, worker, move |db, now| {
            deliver(db, org, member, &base, now)
        })
        .await
    }

    /// The caller's inbox: unread first, then newest first.
    pub async fn list_notifications(
        &self,
        ctx: &Ctx,
        f: NotificationFilter,
    ) -> AppResult<Listing<Notification>> {
        let member = me(ctx)?;
        let q = InboxQuery {
            unread_only: f.unread_only,
            after: f.cursor.as_deref().map(cursor::decode).transpose()?,
            limit: crate::limit(f.limit)?,
        };
        let org = ctx.org();
        self.store
            .read(move |db| -> AppResult<Listing<Notification>> {
                Ok(store::list(db, org, member, &q)?.into())
            })
            .await
    }

    /// How many of the caller's notifications are unread.
    pub async fn unread_notifications(&self, ctx: &Ctx) -> AppResult<i64> {
        let member = me(ctx)?;
        let org = ctx.org();
        self.store
            .read(move |db| -> AppResult<i64> { Ok(store::unread_count(db, org, member)?) })
            .await
    }

    /// Mark one of the caller's notifications read (again is no change); 404 for anyone else's.
    pub async fn mark_notification_read(&self, ctx: &Ctx, id: i64) -> AppResult<Notification> {
        let member = me(ctx)?;
        ctx.require(Permission::ReadOrgWork)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Notification> {
                let org = ctx.org();
                if store::get(db, org, member, id)?.is_none() {
                    return Err(AppError::NotFound("notification"));
                }
                if store::mark_read(db, org, member, id, now)? {
                    ctx.audit(
                        db,
                        now,
                        AuditEntry::new(ctx.principal.actor(), "notification.read")
                            .target("notification", id),
                    )?;
                }
                store::get(db, org, member, id)?.ok_or(AppError::NotFound("notification"))
            })
            .await
    }

    /// Mark all the caller's notifications read; how many were unread.
    pub async fn mark_all_notifications_read(&self, ctx: &Ctx) -> AppResult<u64> {
        let member = me(ctx)?;
        ctx.require(Permission::ReadOrgWork)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<u64> {
                let n = store::mark_all_read(db, ctx.org(), member, now)?;
                if n > 0 {
                    ctx.audit(
                        db,
                        now,
                        AuditEntry::new(ctx.principal.actor(), "notification.read_all")
                            .target("member", member.0)
                            .details(serde_json::json!({"count": n})),
                    )?;
                }
                Ok(n)
            })
            .await
    }

    /// The caller's mail preference.
    pub async fn notification_settings(&self, ctx: &Ctx) -> AppResult<NotificationSettings> {
        let member = me(ctx)?;
        let org = ctx.org();
        self.store
            .read(move |db| -> AppResult<NotificationSettings> {
                Ok(store::settings(db, org, member)?)
            })
            .await
    }

    /// Set the caller's mail preference. Pending mail follows it: turned off, nothing pending
    /// goes out; turned on, it is scheduled by the new choice.
    pub async fn set_notification_settings(
        &self,
        ctx: &Ctx,
        s: NotificationSettings,
    ) -> AppResult<NotificationSettings> {
        let member = me(ctx)?;
        ctx.require(Permission::ReadOrgWork)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<NotificationSettings> {
                let org = ctx.org();
                let before = store::settings(db, org, member)?;
                store::put_settings(db, org, member, &s, now)?;
                let pending = store::pending_mail(db, org, member, now)?;
                if !pending.is_empty() {
                    if s.email == rule::EmailDelivery::Off {
                        let ids: Vec<i64> = pending.iter().map(|n| n.id).collect();
                        store::set_mailed(db, org, member, &ids, MailState::Skipped, now)?;
                    } else {
                        let m = members::get(db, org, member)?;
                        schedule_mail(db, org, &m, s, now)?;
                    }
                }
                if before != s {
                    ctx.audit(
                        db,
                        now,
                        AuditEntry::new(ctx.principal.actor(), "notification_settings.update")
                            .target("member", member.0)
                            .details(serde_json::json!({"from": before.email, "to": s.email})),
                    )?;
                }
                Ok(s)
            })
            .await
    }
}
