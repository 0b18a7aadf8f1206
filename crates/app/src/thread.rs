//! What happens on a request's thread, whichever channel carried it. The client writing back
//! is one domain event: the portal, the API and mail intake all record it here, so the clocks,
//! care, the reopening of finished work and the rules see the same thing from each.

use jiff::Timestamp;
use rapport_core::access::{Actor, Principal};
use rapport_core::audit::AuditEntry;
use rapport_core::complaint::Reading;
use rapport_core::ids::{MessageId, OrgId, RequestId};
use rapport_core::inbox;
use rapport_core::jobs::Job;
use rapport_core::message::{Direction, Message, SendStatus};
use rapport_core::promise::PromiseKind;
use rapport_core::request::{Request, Status};
use rapport_store::Db;
use rapport_store::repo::{members, messages, requests};
use serde::{Deserialize, Serialize};

use crate::clocks::sla::{Change, on_request_change};
use crate::jobs::{self, JobFailure, JobKind};
use crate::mail_settings::MailSettings;
use crate::{App, AppError, AppResult, Ctx};

/// The client's word arrived on `r` (locked by the caller) as message `message` (id and text),
/// by `via` ("portal", "mail", ...). Stops the waiting-on-us clocks, keeps the care signals,
/// moves finished or waiting work back to the team, and fires `message_in` (and
/// `status_changed` when it moved). Returns the status the request moved to, if it moved.
pub(crate) fn record_inbound(
    db: &mut Db<'_>,
    ctx: &Ctx,
    r: &mut Request,
    message: (i64, &str),
    sentiment: Option<&Reading>,
    via: &str,
    now: Timestamp,
) -> AppResult<Option<Status>> {
    let org = r.org_id;
    requests::touch_inbound(db, org, r.id, now)?;
    r.last_inbound_at = Some(now);
    crate::snooze::wake_on_client_message(db, ctx, r, now)?;
    on_request_change(db, r, Change::Inbound, now)?;
    if let Some(s) = sentiment {
        crate::care::on_inbound(db, ctx, r, s, now)?;
    }
    let reopened = reopen(db, ctx, r, via, now)?;
    crate::notify::on_client_replied(db, r, message.0, now)?;
    crate::events::emit(
        db,
        r,
        rapport_core::rule::Event::MessageIn,
        &crate::events::Extra {
            message: Some((message.0, message.1.to_string())),
            ..Default::default()
        },
        &[],
        now,
    )?;
    Ok(reopened)
}

/// The ball is back in our court: waiting work returns to triage, delivered work goes back
/// into progress, closed work is reopened into triage. Delivered work that waits for the
/// client's decision on a change order stays delivered (starting it again would do the extra
/// work before it is agreed, unless a manager already absorbed it); the message still stops
/// the clocks and shows on the thread.
fn reopen(
    db: &mut Db<'_>,
    ctx: &Ctx,
    r: &mut Request,
    via: &str,
    now: Timestamp,
) -> AppResult<Option<Status>> {
    let Some(to) = inbox::status_after_client_reply(r.status) else {
        return Ok(None);
    };
    if to == Status::InProgress && !crate::scope::pending_change_orders(db, r.org_id, r)?.is_empty()
    {
        return Ok(None);
    }
    let from = r.status;
    r.transition(to, now)
        .map_err(|e| AppError::conflict("status", e.to_string()))?;
    requests::update_status(db, r)?;
    on_request_change(db, r, Change::Status, now)?;
    ctx.audit(
        db,
        now,
        AuditEntry::new(ctx.principal.actor(), "request.status")
            .target("request", r.id.0)
            .details(serde_json::json!({
                "from": from, "to": to, "reason": format!("the client replied by {via}"),
            })),
    )?;
    crate::events::emit(
        db,
        r,
        rapport_core::rule::Event::StatusChanged,
        &crate::events::Extra {
            from: Some(from.as_str()),
            ..Default::default()
        },
        &[],
        now,
    )?;
    Ok(Some(to))
}

/// A reply or note is written against the thread as its writer last saw it: `last_seen`, the
/// newest message they had (`MessageId(0)`: none; `None`: they do not say, and nothing is
/// checked). When a message they may see arrived since (the client wrote, a colleague replied),
/// it is held: the caller writes nothing, and the error lists the new messages so the writer
/// reads them before sending again.
pub(crate) fn check_not_stale(
    db: &mut Db<'_>,
    p: &Principal,
    r: &Request,
    last_seen: Option<MessageId>,
) -> AppResult<()> {
    let Some(seen) = last_seen else {
        return Ok(());
    };
    let org = r.org_id;
    if seen.0 > 0 {
        let known = match messages::get(db, org, seen) {
            Ok(m) => m.request_id == r.id && (p.is_member() || m.direction != Direction::Note),
            Err(rapport_store::StoreError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if !known {
            return Err(AppError::invalid(
                "last_seen_message_id",
                "is not a message of this request's thread",
            ));
        }
    }
    let newer = messages::list_for_request(
        db,
        org,
        r.id,
        p.is_member(),
        Some(seen.0),
        rapport_store::repo::MAX_PAGE,
    )?
    .items;
    let Some(newest) = newer.last() else {
        return Ok(());
    };
    let n = newer.len();
    Err(AppError::StaleThread {
        message: format!(
            "{n} new message{s} arrived on the thread since the newest one you saw; nothing was \
             sent: read {them}, then send again with last_seen_message_id {newest} (or without \
             it) to send anyway",
            s = if n == 1 { "" } else { "s" },
            them = if n == 1 { "it" } else { "them" },
            newest = newest.id.0,
        ),
        messages: newer,
    })
}

/// Who wrote a reply.
#[derive(Clone, Copy)]
pub(crate) enum Writer<'a> {
    /// A member: findings they confirmed are recorded, and the reply answers the client.
    Member(&'a Ctx),
    /// A rule (automation) writing for nobody in particular: lint findings stop it (nobody is
    /// there to confirm them). It keeps reply promises, but a machine's acknowledgement is no
    /// answer: it meets no SLA clock and does not end a silence.
    Rule,
}

impl Writer<'_> {
    fn actor(&self) -> Actor {
        match self {
            Writer::Member(ctx) => ctx.principal.actor(),
            Writer::Rule => Actor::System,
        }
    }

    fn ip(&self) -> Option<&str> {
        match self {
            Writer::Member(ctx) => ctx.ip.as_deref(),
            Writer::Rule => None,
        }
    }
}

/// A reply to send.
pub(crate) struct Reply {
    pub body: String,
    /// Held until then (the client's hours, or a chosen time); `None`: it goes now.
    pub scheduled_for: Option<Timestamp>,
    /// Send although the etiquette lint has findings.
    pub confirm_findings: bool,
    /// The name of the text in errors (`body`, `reply`).
    pub field: &'static str,
    /// Lint the time it reaches the contact against the client's calendar (the quick lane's
    /// replies are checked for their content only).
    pub check_send_time: bool,
}

/// The job that records a scheduled reply reaching the client at its time.
pub(crate) struct Reached;

impl JobKind for Reached {
    const KIND: &'static str = "reply.reached";
    type Payload = ReachedPayload;
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ReachedPayload {
    message_id: MessageId,
}

/// We reply on `r` (locked by the caller), whichever path wrote it (the API and portal thread,
/// the quick lane, a canned reply applied by a person or a rule): the etiquette lint, the
/// message, its mail, and what the reply does once it reaches the client, now or at its
/// scheduled time (see [`reached`]). Returns the message.
pub(crate) fn send_reply(
    db: &mut Db<'_>,
    writer: Writer<'_>,
    r: &Request,
    reply: Reply,
    mail: &MailSettings,
    now: Timestamp,
) -> AppResult<Message> {
    let org = r.org_id;
    // The time it reaches them is checked only when it reaches someone.
    let send_at = reply
        .scheduled_for
        .or(r.contact_id.map(|_| now))
        .filter(|_| reply.check_send_time);
    let confirm = matches!(writer, Writer::Member(_)) && reply.confirm_findings;
    // The signature is part of what the contact reads, so it is linted and kept with the body
    // (the thread shows what was sent).
    let body = match writer {
        Writer::Member(ctx) => signed(db, ctx, reply.body)?,
        Writer::Rule => reply.body,
    };
    let findings = crate::care::check_outbound(db, r, &body, send_at, confirm, reply.field)?;
    let m = messages::insert(
        db,
        &outbound(org, r.id, writer.actor(), body, reply.scheduled_for, now),
    )?;
    if let Writer::Member(ctx) = writer {
        crate::care::record_confirmation(db, ctx, r.id, m.id, &findings, now)?;
    }
    let m = crate::mail_out::queue_outbound(db, mail, m, now)?;
    match reply.scheduled_for.filter(|&at| at > now) {
        None => reached(db, writer.actor(), writer.ip(), r, now, now)?,
        Some(at) => {
            let key = format!("{}:{}", Reached::KIND, m.id);
            let payload = ReachedPayload { message_id: m.id };
            jobs::queue::<Reached>(db, org, &payload, at, Some(&key), now)?;
        }
    }
    Ok(m)
}

/// `body` with the writing member's signature under it (after the usual `-- ` line), if they
/// have one.
fn signed(db: &mut Db<'_>, ctx: &Ctx, body: String) -> AppResult<String> {
    let Some(id) = ctx.principal.member_id() else {
        return Ok(body);
    };
    let sig = members::find(db, ctx.org(), id)?.and_then(|m| m.signature);
    Ok(match sig {
        Some(sig) => format!("{}\n\n-- \n{sig}", body.trim_end()),
        None => body,
    })
}

/// A reply by `by` reached the client at `at`: it keeps the request's reply promises (when in
/// time), and a person's reply answers the client: the first response, the last word, the
/// silence over, the SLA clocks re-read. A machine's acknowledgement answers nothing.
fn reached(
    db: &mut Db<'_>,
    by: Actor,
    ip: Option<&str>,
    r: &Request,
    at: Timestamp,
    now: Timestamp,
) -> AppResult<()> {
    let org = r.org_id;
    crate::clocks::promises::keep_promises(
        db,
        org,
        by,
        ip,
        r.id,
        PromiseKind::Reply,
        at,
        "reply sent",
    )?;
    if by == Actor::System {
        return Ok(());
    }
    requests::touch_outbound(db, org, r.id, at)?;
    on_request_change(db, r, Change::Outbound, now)
}

impl App {
    /// A scheduled reply's time came: it reaches the client now (unless it was removed or
    /// failed for good before).
    pub(crate) async fn run_reply_reached(
        &self,
        job: &Job,
        worker: &str,
    ) -> Result<(), JobFailure> {
        let p = Reached::decode(job)?;
        let org = job.org_id;
        self.finish_job(job, worker, move |db, now| {
            let m = match messages::get(db, org, p.message_id) {
                Ok(m) => m,
                Err(rapport_store::StoreError::NotFound) => return Ok(()),
                Err(e) => return Err(e.into()),
            };
            if m.direction != Direction::Outbound || m.send_status == Some(SendStatus::Failed) {
                return Ok(());
            }
            let r = requests::get_for_update(db, org, m.request_id)?;
            // Dated when it reached them, whatever the queue's lag.
            let at = m.scheduled_for.unwrap_or(m.created_at);
            reached(db, m.author, None, &r, at, now)
        })
        .await
    }
}

/// A new outbound message from `author`, queued (or held until `scheduled_for`).
pub(crate) fn outbound(
    org: OrgId,
    request: RequestId,
    author: Actor,
    body: String,
    scheduled_for: Option<Timestamp>,
    now: Timestamp,
) -> Message {
    Message {
        id: Default::default(),
        org_id: org,
        request_id: request,
        direction: Direction::Outbound,
        author,
        body,
        body_html: None,
        subject: None,
        mail_message_id: None,
        send_status: Some(if scheduled_for.is_some() {
            SendStatus::Scheduled
        } else {
            SendStatus::Queued
        }),
        scheduled_for,
        sent_at: None,
        sentiment: None,
        created_at: now,
    }
}
