//! Care: the etiquette lint of what we send, the sentiment of what clients write, and
//! complaints (flag, alert, list, first-reply draft). Other use cases call the hooks here from
//! inside their own write, so a message and its lint confirmation, or a request and its
//! complaint flag, commit together.

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::access::{Permission, Principal};
use rapport_core::alert::{NewAlert, Severity};
use rapport_core::audit::AuditEntry;
use rapport_core::calendar::Calendar;
use rapport_core::client::{Client, Contact, calendar_field};
use rapport_core::complaint::{self, ComplaintReason, ComplaintSummary, Reading};
use rapport_core::effective_etiquette::EffectiveEtiquette;
use rapport_core::etiquette::{
    ComplaintReply, Finding, LintOptions, Linter, Recipient, SendAt, draft_complaint_reply,
};
use rapport_core::ids::{ClientId, ContactId, MessageId, OrgId, RequestId};
use rapport_core::message::{Direction, MessageDraft};
use rapport_core::request::{Channel, Kind, Request, Status};
use rapport_core::validate::limits;
use rapport_store::Db;
use rapport_store::repo::care::{self as store, ComplaintQuery, Flagged};
use rapport_store::repo::{clients, members, promises};
use serde::Serialize;

use crate::access::visible_request;
use crate::{App, AppError, AppResult, Ctx, Listing, Settings, cursor};

/// Texts longer than this are scored off the async runtime (VADER takes about 100 ms a MB).
const INLINE_SCORE_BYTES: usize = 64 * 1024;
/// At most this many findings are copied into the audit trail of a confirmed send.
const AUDITED_FINDINGS: usize = 100;

/// Read client text (their own words, scored, and its complaint cues) without holding up the
/// async runtime on a long one.
pub async fn score(text: &str) -> AppResult<Reading> {
    if text.len() <= INLINE_SCORE_BYTES {
        return Ok(complaint::read(text));
    }
    let text = text.to_string();
    tokio::task::spawn_blocking(move || complaint::read(&text))
        .await
        .map_err(|e| AppError::internal("the sentiment analysis task", e))
}

/// The reading of a new request's text, when it has any.
pub async fn score_body(body: &str) -> AppResult<Option<Reading>> {
    if body.trim().is_empty() {
        return Ok(None);
    }
    score(body).await.map(Some)
}

/// The reading of a message, when it is the client's (inbound).
pub async fn score_inbound(draft: &MessageDraft) -> AppResult<Option<Reading>> {
    if draft.direction != Direction::Inbound {
        return Ok(None);
    }
    score(&draft.body).await.map(Some)
}

/// Who a message goes to and how they wish to be written to.
struct Addressing {
    client: Client,
    contact: Option<Contact>,
    calendar: Calendar,
}

fn addressing(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    contact: Option<ContactId>,
) -> AppResult<Addressing> {
    let client = clients::get(db, org, client).map_err(|_| AppError::NotFound("client"))?;
    let contact = match contact {
        Some(id) => Some(
            clients::get_contact(db, org, id)
                .ok()
                .filter(|c| c.client_id == client.id)
                .ok_or_else(|| {
                    AppError::invalid("contact_id", format!("no contact {id} at this client"))
                })?,
        ),
        None => None,
    };
    let calendar = client.calendar.compile().map_err(|e| {
        AppError::invalid(
            format!("calendar.{}", calendar_field(&e)).as_str(),
            format!("the client's calendar cannot be used: {e}"),
        )
    })?;
    Ok(Addressing {
        client,
        contact,
        calendar,
    })
}

impl Addressing {
    fn linter(&self) -> AppResult<Linter> {
        let recipient = self.contact.as_ref().map(|c| Recipient {
            name: &c.name,
            etiquette: &c.etiquette,
        });
        Linter::new(&self.client.etiquette, recipient.as_ref()).map_err(|e| {
            AppError::invalid(
                "etiquette",
                format!("the etiquette profile cannot be used: {e}"),
            )
        })
    }

    /// Lint `text`; the send time is checked against the client's calendar when given.
    fn lint(
        &self,
        text: &str,
        reply_to_complaint: bool,
        send_at: Option<Timestamp>,
    ) -> AppResult<(Vec<Finding>, Option<String>)> {
        let linter = self.linter()?;
        let options = LintOptions {
            reply_to_complaint,
            send_at: send_at.map(|at| SendAt {
                at,
                availability: &self.calendar,
            }),
        };
        let findings = linter.lint(text, &options);
        Ok((findings, linter.addressee_name().map(str::to_string)))
    }
}

fn is_complaint(db: &mut Db<'_>, r: &Request) -> AppResult<bool> {
    Ok(r.kind == Kind::Complaint || store::is_complaint(db, r.org_id, r.id)?)
}

fn summary(findings: &[Finding]) -> String {
    let n = findings.len();
    let first = findings.first().map(|f| f.message.as_str()).unwrap_or("");
    format!(
        "the message has {n} etiquette finding{} (first: {first}); fix {} or send again with \"confirm_findings\": true",
        if n == 1 { "" } else { "s" },
        if n == 1 { "it" } else { "them" },
    )
}

/// Hook for every outgoing message, inside its write: lint it against the addressee's
/// etiquette. With findings and no confirmation, refuse (409 listing them) so nothing is
/// written; with confirmation, return them for [`record_confirmation`]. `send_at` is checked
/// against the client's calendar when given; `field` names the text in errors.
pub(crate) fn check_outbound(
    db: &mut Db<'_>,
    r: &Request,
    text: &str,
    send_at: Option<Timestamp>,
    confirmed: bool,
    field: &str,
) -> AppResult<Vec<Finding>> {
    let a = addressing(db, r.org_id, r.client_id, r.contact_id)?;
    let complaint = is_complaint(db, r)?;
    let (findings, _) = a.lint(text, complaint, send_at)?;
    if findings.is_empty() || confirmed {
        return Ok(findings);
    }
    Err(AppError::Unconfirmed {
        field: field.to_string(),
        message: summary(&findings),
        findings: serde_json::to_value(&findings).unwrap_or_default(),
    })
}

/// Record that a message went out with findings someone confirmed (nothing when there were
/// none).
pub(crate) fn record_confirmation(
    db: &mut Db<'_>,
    ctx: &Ctx,
    request: RequestId,
    message: MessageId,
    findings: &[Finding],
    now: Timestamp,
) -> AppResult<()> {
    if findings.is_empty() {
        return Ok(());
    }
    let shown = &findings[..findings.len().min(AUDITED_FINDINGS)];
    ctx.audit(
        db,
        now,
        AuditEntry::new(ctx.principal.actor(), "message.confirm_findings")
            .target("message", message.0)
            .details(serde_json::json!({
                "request_id": request,
                "count": findings.len(),
                "findings": shown,
            })),
    )
}

/// Whether a request's own text is the client's words (they filed it, or it came by mail or
/// through the portal) rather than ours.
fn client_wrote(r: &Request, p: &Principal) -> bool {
    !p.is_member() || matches!(r.channel, Channel::Email | Channel::Portal)
}

/// Hook for a new request, inside its write: keep the sentiment of its text and flag it as a
/// complaint when its kind says so or the client's own words read as one.
pub(crate) fn on_request_created(
    db: &mut Db<'_>,
    ctx: &Ctx,
    r: &Request,
    body: Option<&Reading>,
    now: Timestamp,
) -> AppResult<()> {
    if let Some(b) = body {
        store::set_body_sentiment(db, r.org_id, r.id, b.sentiment.compound, now)?;
    }
    let client_text = body.filter(|_| client_wrote(r, &ctx.principal));
    if let Some(reason) = complaint::reason(r.kind, client_text) {
        flag(db, ctx, r, reason, client_text, now)?;
    }
    Ok(())
}

/// Hook for an edited request, inside its write: re-filed as a complaint, it is flagged, and
/// a complaint flagged from the client's words is confirmed by the person who re-filed it (it
/// now weighs on health).
pub(crate) fn on_request_updated(
    db: &mut Db<'_>,
    ctx: &Ctx,
    before: &Request,
    after: &Request,
    now: Timestamp,
) -> AppResult<()> {
    if after.kind == Kind::Complaint && before.kind != Kind::Complaint {
        flag(db, ctx, after, ComplaintReason::Kind, None, now)?;
    }
    Ok(())
}

/// Hook for a message from the client, inside its write (the message already carries its
/// score): remember how they sounded, and flag the request when their words read as a
/// complaint.
pub(crate) fn on_inbound(
    db: &mut Db<'_>,
    ctx: &Ctx,
    r: &Request,
    reading: &Reading,
    now: Timestamp,
) -> AppResult<()> {
    store::set_inbound_sentiment(db, r.org_id, r.id, reading.sentiment.compound, now)?;
    if let Some(reason) = complaint::reason(r.kind, Some(reading)) {
        flag(db, ctx, r, reason, Some(reading), now)?;
    }
    Ok(())
}

/// Hook for a status change, inside its write: delivered work asks the contact for a rating,
/// and a complaint that is delivered, closed or reopened changes the client's health.
pub(crate) fn on_status_changed(
    db: &mut Db<'_>,
    ip: Option<&str>,
    r: &Request,
    settings: &Settings,
    now: Timestamp,
) -> AppResult<()> {
    if r.status == Status::Delivered {
        crate::ratings::on_delivered(db, ip, r, settings, now)?;
    }
    if is_complaint(db, r)? {
        crate::health::touch(db, r.org_id, r.client_id, now)?;
    }
    Ok(())
}

/// Flag a complaint: the first time raises `complaint.new`; the first time it weighs on health
/// (flagged so, or confirmed or strengthened later) asks for the client's health again.
fn flag(
    db: &mut Db<'_>,
    ctx: &Ctx,
    r: &Request,
    reason: ComplaintReason,
    words: Option<&Reading>,
    now: Timestamp,
) -> AppResult<()> {
    let cues = words.map(|w| w.cues.as_slice()).unwrap_or(&[]);
    let counted = complaint::counts_in_health(reason, words);
    let compound = words.map(|w| w.sentiment.compound);
    let outcome = store::flag_complaint(db, r.org_id, r.id, reason, cues, counted, now)?;
    match outcome {
        Flagged::Unchanged => return Ok(()),
        Flagged::NowCounted => {
            ctx.audit(
                db,
                now,
                AuditEntry::new(ctx.principal.actor(), "request.complaint_counted")
                    .target("request", r.id.0)
                    .details(
                        serde_json::json!({"reason": reason, "sentiment": compound, "cues": cues}),
                    ),
            )?;
            return crate::health::touch(db, r.org_id, r.client_id, now);
        }
        Flagged::New => {}
    }
    ctx.audit(
        db,
        now,
        AuditEntry::new(ctx.principal.actor(), "request.complaint")
            .target("request", r.id.0)
            .details(serde_json::json!({"reason": reason, "sentiment": compound, "cues": cues, "counts_in_health": counted})),
    )?;
    crate::alerts::raise(
        db,
        r.org_id,
        &NewAlert {
            kind: "complaint.new".into(),
            severity: Severity::Warning,
            subject_kind: Some("request"),
            subject_id: Some(r.id.0),
            message: format!("Complaint on {}: {}", r.reference, r.title),
            details: serde_json::json!({"reason": reason, "sentiment": compound, "cues": cues,
                "counts_in_health": counted, "client_id": r.client_id}),
            recipient_id: r.assignee_id,
            dedupe_key: format!("complaint.new:{}", r.id),
        },
        now,
    )?;
    if counted {
        crate::health::touch(db, r.org_id, r.client_id, now)?;
    }
    Ok(())
}

/// What a message is linted for: a request (its client, contact, and whether it is a
/// complaint), or a client and optionally one of its contacts.
#[derive(Debug, Clone, Copy)]
pub enum LintTarget {
    Request(RequestId),
    Client {
        client: ClientId,
        contact: Option<ContactId>,
    },
}

/// The lint's answer for the composer.
#[derive(Debug, Clone, Serialize)]
pub struct LintOutcome {
    pub findings: Vec<Finding>,
    /// The name the addressee is to be greeted by.
    pub addressee: Option<String>,
    pub reply_to_complaint: bool,
    /// The send time checked against the client's calendar, if any.
    pub send_at: Option<Timestamp>,
}

/// A first reply to a complaint, ready to edit and send.
#[derive(Debug, Clone, Serialize)]
pub struct ComplaintDraft {
    pub request_id: RequestId,
    pub body: String,
    pub addressee: Option<String>,
    /// The date the draft promises the next step by, in the client's zone.
    pub promise_by: Date,
    /// Where that date came from: `promise` (the ledger), `due_date`, or `business_day`.
    pub promise_basis: &'static str,
    /// The draft's lint findings as a reply to a complaint: empty when it passes.
    pub findings: Vec<Finding>,
}

/// [`App::list_complaints`] at `now`, inside the caller's snapshot.
pub(crate) fn list_complaints_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    include_closed: bool,
    client: Option<ClientId>,
    after: Option<i64>,
    limit: Option<usize>,
    now: Timestamp,
) -> AppResult<Listing<ComplaintSummary>> {
    ctx.require(Permission::ReadOrgWork)?;
    let q = ComplaintQuery {
        open_only: !include_closed,
        client,
        after_id: after,
        limit: crate::limit(limit)?,
    };
    Ok(store::list(db, ctx.org(), &q, now)?.into())
}

impl App {
    /// Lint a message before it is sent (the composer). With no `send_at`, a message to a
    /// contact is checked as if sent now; `reply_to_complaint` defaults to whether the request
    /// is a complaint.
    pub async fn lint_message(
        &self,
        ctx: &Ctx,
        target: LintTarget,
        body: String,
        send_at: Option<Timestamp>,
        reply_to_complaint: Option<bool>,
    ) -> AppResult<LintOutcome> {
        ctx.require(Permission::DoWork)?;
        // Not trimmed: the findings' offsets must point into the text the composer holds.
        if body.trim().is_empty() {
            return Err(AppError::invalid("body", "must not be empty"));
        }
        let chars = body.chars().count();
        if chars > limits::BODY {
            return Err(AppError::invalid(
                "body",
                format!("must be at most {} characters (got {chars})", limits::BODY),
            ));
        }
        let now = self.now();
        let p = ctx.principal;
        self.store
            .read(move |db| -> AppResult<LintOutcome> {
                let (client, contact, complaint) = match target {
                    LintTarget::Request(id) => {
                        let r = visible_request(db, &p, id, false).map_err(|_| {
                            AppError::invalid("request_id", format!("no request {id}"))
                        })?;
                        let c = is_complaint(db, &r)?;
                        (r.client_id, r.contact_id, c)
                    }
                    LintTarget::Client { client, contact } => {
                        if !clients::exists(db, p.org_id(), client)? {
                            return Err(AppError::invalid(
                                "client_id",
                                format!("no client {client}"),
                            ));
                        }
                        (client, contact, false)
                    }
                };
                let a = addressing(db, p.org_id(), client, contact)?;
                let send_at = send_at.or(a.contact.as_ref().map(|_| now));
                let reply_to_complaint = reply_to_complaint.unwrap_or(complaint);
                let (findings, addressee) = a.lint(&body, reply_to_complaint, send_at)?;
                Ok(LintOutcome {
                    findings,
                    addressee,
                    reply_to_complaint,
                    send_at,
                })
            })
            .await
    }

    /// The effective etiquette for writing to a contact: theirs and their client's, with the
    /// name to use and whether they are in working hours now.
    pub async fn contact_etiquette(
        &self,
        ctx: &Ctx,
        id: ContactId,
    ) -> AppResult<EffectiveEtiquette> {
        ctx.require(Permission::ReadOrgWork)?;
        let org = ctx.org();
        let now = self.now();
        self.store
            .read(move |db| -> AppResult<EffectiveEtiquette> {
                let contact =
                    clients::get_contact(db, org, id).map_err(|_| AppError::NotFound("contact"))?;
                let a = addressing(db, org, contact.client_id, Some(contact.id))?;
                EffectiveEtiquette::new(&a.client, &contact, &a.calendar, now)
                    .map_err(|e| AppError::invalid("etiquette", e.to_string()))
            })
            .await
    }

    /// Complaints, oldest first: by default only those whose request is still open.
    pub async fn list_complaints(
        &self,
        ctx: &Ctx,
        include_closed: bool,
        client: Option<ClientId>,
        cursor: Option<&str>,
        limit: Option<usize>,
    ) -> AppResult<Listing<ComplaintSummary>> {
        let after = cursor::after_id(cursor)?;
        let ctx = ctx.clone();
        let now = self.now();
        self.store
            .read(move |db| list_complaints_in(db, &ctx, include_closed, client, after, limit, now))
            .await
    }

    /// Draft the first reply to a complaint: thanks, sorry for how they feel, why and examples,
    /// and the next step by a date, addressed per the contact's etiquette and in the client's
    /// words. The date is the earliest promise pending on the request, else its due date, else
    /// one business day of the client's calendar from now.
    pub async fn complaint_draft(&self, ctx: &Ctx, id: RequestId) -> AppResult<ComplaintDraft> {
        ctx.require(Permission::DoWork)?;
        let now = self.now();
        let p = ctx.principal;
        self.store
            .read(move |db| -> AppResult<ComplaintDraft> {
                let r = visible_request(db, &p, id, false)?;
                if !is_complaint(db, &r)? {
                    return Err(AppError::conflict(
                        "kind",
                        "this request is not a complaint (its kind is not complaint and the client's words were not strongly negative)",
                    ));
                }
                let a = addressing(db, r.org_id, r.client_id, r.contact_id)?;
                let pending: Vec<Timestamp> = promises::pending_for_request(db, r.org_id, r.id)?
                    .iter()
                    .map(|p| p.due_at)
                    .collect();
                let promise_by = complaint::next_step_date(now, &a.calendar, &pending, r.due_at);
                let promise_basis = if pending.iter().any(|&d| d > now) {
                    "promise"
                } else if r.due_at.is_some_and(|d| d > now) {
                    "due_date"
                } else {
                    "business_day"
                };
                let sender = match p.member_id() {
                    Some(m) => members::find(db, r.org_id, m)?.map(|m| m.name),
                    None => None,
                };
                let recipient = a.contact.as_ref().map(|c| Recipient {
                    name: &c.name,
                    etiquette: &c.etiquette,
                });
                let body = draft_complaint_reply(
                    &a.client.etiquette,
                    recipient.as_ref(),
                    &ComplaintReply {
                        salutation: "",
                        promise_by,
                        next_step: None,
                        sender: sender.as_deref(),
                    },
                )
                .map_err(|e| AppError::invalid("etiquette", e.to_string()))?;
                let (findings, addressee) = a.lint(&body, true, None)?;
                Ok(ComplaintDraft {
                    request_id: r.id,
                    body,
                    addressee,
                    promise_by,
                    promise_basis,
                    findings,
                })
            })
            .await
    }
}
