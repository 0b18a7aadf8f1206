//! Received mail: parsed outside the transaction, then routed and recorded in one write with a
//! record of why (an audit event, and for triage the reason on the item). Idempotent by
//! Message-ID: a message delivered twice (Cc'd to two of our addresses, a retried LMTP
//! delivery, a re-polled folder) is recorded once, and the second delivery answers `duplicate`
//! naming the first.

use jiff::Timestamp;
use rapport_core::access::{Actor, Principal};
use rapport_core::audit::AuditEntry;
use rapport_core::ids::{ClientId, ContactId, MessageId, OrgId, RequestId};
use rapport_core::inbox::{
    self, Facts, MailSource, Pointer, Route, ThreadVia, TriageReason, TriageStatus,
};
use rapport_core::message::{Direction, Message};
use rapport_core::request::{Channel, NewRequest, Status};
use rapport_mail::{ParseError, ParseLimits, ParsedMessage};
use rapport_store::Db;
use rapport_store::repo::mail::{self as store, MailMeta, NewAttachment, NewTriage, ThreadHit};
use rapport_store::repo::{audit, clients, messages, requests};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{LOOP_HEADER, MailSettings, header_end, header_values};
use crate::{App, AppError, AppResult, Ctx};

/// How a message arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub source: MailSource,
    pub mailbox_id: Option<i64>,
    /// Bytes the sender sent (more than were kept when the message was cut).
    pub size: usize,
    /// Whether the bytes handed in are the whole message.
    pub complete: bool,
}

impl Received {
    /// A whole message of `size` bytes.
    pub fn whole(source: MailSource, size: usize) -> Self {
        Received {
            source,
            mailbox_id: None,
            size,
            complete: true,
        }
    }
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum IngestOutcome {
    NewRequest {
        request_id: RequestId,
        message_id: MessageId,
        attachments: usize,
    },
    Threaded {
        request_id: RequestId,
        message_id: MessageId,
        /// `headers` (In-Reply-To/References) or `token` (the subject's `[#ref]`).
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        via: &'static str,
        /// Written by a machine: on the thread, but not the client speaking.
        auto_submitted: bool,
        /// The status the request moved to, when the reply reopened it.
        reopened_to: Option<Status>,
        attachments: usize,
    },
    Triaged {
        triage_id: i64,
        reason: TriageReason,
        detail: String,
    },
    /// Already recorded (same Message-ID): nothing new was written.
    Duplicate {
        mail_message_id: String,
        message_id: Option<MessageId>,
        request_id: Option<RequestId>,
        triage_id: Option<i64>,
    },
}

impl IngestOutcome {
    /// The request the message is on now, if any.
    pub fn request_id(&self) -> Option<RequestId> {
        match self {
            IngestOutcome::NewRequest { request_id, .. }
            | IngestOutcome::Threaded { request_id, .. } => Some(*request_id),
            IngestOutcome::Duplicate { request_id, .. } => *request_id,
            IngestOutcome::Triaged { .. } => None,
        }
    }
}

/// Message-IDs longer than this are replaced by a digest (they are stored under a unique index).
const MAX_MAIL_ID: usize = 250;
/// The most of a header block kept for a message over the size limit.
const KEPT_HEADERS: usize = 64 * 1024;

/// A message parsed and checked, ready to be recorded.
pub(crate) struct Prepared {
    parsed: Option<ParsedMessage>,
    problem: Option<(TriageReason, String)>,
    mail_id: String,
    loop_marker: Option<String>,
    /// What triage keeps: the message, or its header block when too large.
    keep: Vec<u8>,
    complete: bool,
    size: usize,
    /// How the client's own words read (machines' mail is not read).
    sentiment: Option<rapport_core::complaint::Reading>,
}

/// How much of a message is scored: the new text comes first, quoted history after it.
const SCORED_CHARS: usize = 20_000;

fn synthetic_id(seed: &[u8]) -> String {
    format!(
        "{}@synthetic.rapport.invalid",
        &hex::encode(Sha256::digest(seed))[..40]
    )
}

pub(crate) fn prepare(settings: &MailSettings, raw: Vec<u8>, received: &Received) -> Prepared {
    let size = received.size.max(raw.len());
    let max = settings.max_message_bytes;
    let too_large = !received.complete || size > max;
    let limits = ParseLimits {
        max_message_bytes: if too_large { usize::MAX } else { max },
        ..ParseLimits::default()
    };
    let (keep, complete) = if too_large {
        let end = header_end(&raw).min(KEPT_HEADERS);
        (raw[..end.min(raw.len())].to_vec(), false)
    } else {
        (raw, true)
    };
    let (parsed, mut problem) = match rapport_mail::parse(&keep, &limits) {
        Ok(p) => (Some(p), None),
        Err(ParseError::TooLarge { size, limit }) => (
            None,
            Some((
                TriageReason::TooLarge,
                format!("message is {size} bytes, over the limit of {limit} bytes"),
            )),
        ),
        Err(e @ ParseError::NotAMessage(_)) => {
            (None, Some((TriageReason::NotAMessage, e.to_string())))
        }
    };
    if too_large {
        problem = Some((
            TriageReason::TooLarge,
            format!(
                "message is {size} bytes, over the limit of {max} bytes; only its header block is kept, \
                 and the sender's server was refused (LMTP) or the message left in its IMAP folder"
            ),
        ));
    }
    let mail_id = match parsed.as_ref().and_then(|p| p.message_id.clone()) {
        Some(id) if id.len() <= MAX_MAIL_ID => id,
        Some(id) => synthetic_id(id.as_bytes()),
        None => synthetic_id(&keep),
    };
    let loop_marker = header_values(&keep, LOOP_HEADER)
        .into_iter()
        .next()
        .map(|v| format!("{LOOP_HEADER}: {}", v.chars().take(80).collect::<String>()))
        .or_else(|| {
            (mail_id.starts_with("rapport.") && mail_id.ends_with(&format!("@{}", settings.domain)))
                .then(|| format!("its Message-ID <{mail_id}> is one we made"))
        });
    let sentiment = parsed
        .as_ref()
        .filter(|p| !p.auto_submitted && !p.text.trim().is_empty())
        .map(|p| {
            let text: String = p.text.chars().take(SCORED_CHARS).collect();
            rapport_core::complaint::read(&text)
        });
    Prepared {
        sentiment,
        parsed,
        problem,
        mail_id,
        loop_marker,
        keep,
        complete,
        size,
    }
}

/// The sender as the principal of what their mail does. Mail was routed to its request by its
/// own headers before this (a colleague copied on a thread replies onto it), so the role here
/// only has to see the client's requests; mail never approves anything.
fn mail_ctx(org: OrgId, contact: ContactId, client: ClientId) -> Ctx {
    Ctx::new(
        Principal::Contact {
            org_id: org,
            contact_id: contact,
            client_id: client,
            role: rapport_core::access::ContactRole::Viewer,
        },
        None,
    )
}

/// The receiving server's verdicts on a message, as one line: from the server the
/// organisation's policy names, else the topmost `Authentication-Results`.
fn authentication(db: &mut Db<'_>, org: OrgId, p: &ParsedMessage) -> AppResult<Option<String>> {
    if p.authentication_results.is_empty() {
        return Ok(None);
    }
    let policy = store::mail_policy(db, org)?;
    Ok(
        rapport_core::mail_auth::pick(&p.authentication_results, policy.authserv_id.as_deref())
            .map(|r| r.summary()),
    )
}

/// The ids a message names as its ancestors, newest first: In-Reply-To, then References from
/// the end. A hostile References list is long; the newest few name the thread.
fn named_ids(p: &ParsedMessage) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    ids.extend(p.in_reply_to.iter().cloned());
    ids.extend(p.references.iter().rev().cloned());
    ids.retain(|id| id.len() <= MAX_MAIL_ID);
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    ids.truncate(50);
    ids
}

/// The requests a message's thread leads to: by its own Message-ID (a reply to it arrived
/// first and anchored it), then by the ids it names. Anchors are ids other mail named, which
/// anyone can put in a header: mail that failed the sender checks follows only stored messages.
fn thread_hits(
    db: &mut Db<'_>,
    org: OrgId,
    own: &str,
    p: &ParsedMessage,
    verified: bool,
) -> AppResult<Vec<ThreadHit>> {
    let mut ids = vec![own.to_string()];
    ids.extend(named_ids(p));
    let mut hits = store::thread_hits(db, org, &ids)?;
    if !verified {
        hits.retain(|h| !h.anchored);
    }
    // A reply to a merged request lands on the request it was merged into.
    for h in &mut hits {
        if let Some(to) = rapport_store::repo::merge::redirect_of(db, org, h.request)? {
            h.request = to;
        }
    }
    let mut seen = std::collections::HashSet::new();
    hits.retain(|h| seen.insert(h.request));
    Ok(hits)
}

/// After a message is stored on `request`: the ids it names that Rapport has not seen become
/// anchors of that request, and the client's requests its thread led to through an anchor are
/// one thread with it, merged into the oldest (audited as Rapport's, never across clients).
/// Returns the request the message is on now.
#[allow(clippy::too_many_arguments)]
fn join_thread(
    db: &mut Db<'_>,
    ctx: &Ctx,
    request: RequestId,
    own: &str,
    parsed: &ParsedMessage,
    hits: &[ThreadHit],
    settings: &crate::Settings,
    now: Timestamp,
) -> AppResult<RequestId> {
    let org = ctx.org();
    let here = requests::get(db, org, request)?;
    store::drop_anchor(db, org, own)?;
    store::add_anchors(db, org, here.id, here.client_id, &named_ids(parsed), now)?;
    let same: Vec<&ThreadHit> = hits.iter().filter(|h| h.client == here.client_id).collect();
    // Requests that hold stored messages of one thread and were never joined were kept apart
    // by a person (a split): only an anchor (mail that arrived before what it answers) says two
    // requests are one thread by accident of arrival.
    if !same.iter().any(|h| h.anchored) {
        return Ok(here.id);
    }
    let mut ids: Vec<RequestId> = same
        .iter()
        .filter(|h| h.anchored)
        .chain(same.iter().find(|h| !h.anchored))
        .map(|h| h.request)
        .chain(std::iter::once(here.id))
        .collect();
    ids.sort();
    ids.dedup();
    let Some((&survivor, others)) = ids.split_first() else {
        return Ok(here.id);
    };
    // Lock in id order, as a person's merge does.
    let target = requests::get_for_update(db, org, survivor)?;
    for &other in others {
        let source = requests::get_for_update(db, org, other)?;
        crate::merge::merge_locked(
            db,
            ctx,
            Actor::System,
            &source,
            &target,
            Some("mail: one thread"),
            settings,
            now,
        )?;
    }
    Ok(survivor)
}

/// Record a prepared message. `retry`: a triage item being routed again by a person.
pub(crate) fn record(
    db: &mut Db<'_>,
    org: OrgId,
    p: &Prepared,
    received: &Received,
    now: Timestamp,
    retry: Option<i64>,
    settings: &crate::Settings,
) -> AppResult<IngestOutcome> {
    // Our own mail coming back has the Message-ID of the message we sent: it is a loop to
    // record, not a duplicate to ignore.
    if p.loop_marker.is_none()
        && let Some((message, request)) = store::message_by_mail_id(db, org, &p.mail_id)?
    {
        return Ok(IngestOutcome::Duplicate {
            mail_message_id: p.mail_id.clone(),
            message_id: Some(message),
            request_id: Some(request),
            triage_id: None,
        });
    }
    if retry.is_none()
        && let Some(t) = store::triage_by_mail_id(db, org, &p.mail_id)?
    {
        return Ok(IngestOutcome::Duplicate {
            mail_message_id: p.mail_id.clone(),
            message_id: None,
            request_id: t.request_id,
            triage_id: Some(t.id),
        });
    }
    let mut hits = Vec::new();
    let route = match (&p.problem, &p.parsed) {
        (Some((reason, detail)), _) => Route::Triage {
            reason: *reason,
            detail: detail.clone(),
        },
        (None, None) => Route::Triage {
            reason: TriageReason::NotAMessage,
            detail: "not a mail message".into(),
        },
        (None, Some(parsed)) => {
            let from = parsed
                .from
                .as_ref()
                .map(|m| m.address.trim().to_lowercase())
                .filter(|a| a.contains('@'));
            let sender = match &from {
                Some(a) => clients::contact_by_email(db, org, a)?.map(|(c, _)| (c.id, c.client_id)),
                None => None,
            };
            let token_id = parsed
                .subject
                .as_deref()
                .and_then(rapport_mail::reftoken::find);
            let (token, dangling) = match token_id.and_then(|t| i64::try_from(t).ok()) {
                Some(id) => match requests::get(db, org, RequestId(id)) {
                    Ok(r) => (
                        Some(Pointer {
                            request: r.id,
                            client: r.client_id,
                        }),
                        None,
                    ),
                    Err(rapport_store::StoreError::NotFound) => (None, token_id),
                    Err(e) => return Err(e.into()),
                },
                None => (None, token_id),
            };
            // A person routing a triaged message again has looked at it: they vouch for it.
            let unverified = match (&from, retry) {
                (Some(a), None) => {
                    store::mail_policy(db, org)?.refusal(&parsed.authentication_results, a)
                }
                _ => None,
            };
            hits = thread_hits(db, org, &p.mail_id, parsed, unverified.is_none())?;
            // The sender's own client's thread first. Another client's stored message is
            // refused; an id another client's mail merely named proves nothing either way.
            let thread = hits
                .iter()
                .find(|h| sender.is_some_and(|(_, c)| c == h.client))
                .or(hits.iter().find(|h| !h.anchored))
                .map(|h| Pointer {
                    request: h.request,
                    client: h.client,
                });
            let facts = Facts {
                loop_marker: p.loop_marker.clone(),
                from,
                sender,
                thread,
                token,
                dangling_token: dangling,
                auto: parsed.auto_submitted_reason.clone(),
                unverified,
            };
            inbox::route(&facts)
        }
    };
    match route {
        Route::Triage { reason, detail } => {
            triage(db, org, p, received, reason, detail, now, retry)
        }
        Route::Thread {
            request,
            contact,
            via,
            auto,
        } => {
            let parsed = p
                .parsed
                .as_ref()
                .ok_or_else(|| AppError::bug("prepared mail without its parsed message"))?;
            let mut outcome = thread(
                db, org, p, parsed, received, request, contact, via, auto, now,
            )?;
            if let IngestOutcome::Threaded { request_id, .. } = &mut outcome {
                let ctx = mail_ctx(org, contact, requests::get(db, org, *request_id)?.client_id);
                // A subject token names a request; only the thread headers say what is one thread.
                let hits: &[ThreadHit] = if via == ThreadVia::Headers {
                    &hits
                } else {
                    &[]
                };
                *request_id = join_thread(
                    db,
                    &ctx,
                    *request_id,
                    &p.mail_id,
                    parsed,
                    hits,
                    settings,
                    now,
                )?;
            }
            Ok(outcome)
        }
        Route::NewRequest { contact, client } => {
            let parsed = p
                .parsed
                .as_ref()
                .ok_or_else(|| AppError::bug("prepared mail without its parsed message"))?;
            let mut outcome = new_request(db, org, p, parsed, received, contact, client, now)?;
            if let IngestOutcome::NewRequest { request_id, .. } = &mut outcome {
                let ctx = mail_ctx(org, contact, client);
                *request_id = join_thread(
                    db,
                    &ctx,
                    *request_id,
                    &p.mail_id,
                    parsed,
                    &[],
                    settings,
                    now,
                )?;
            }
            Ok(outcome)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn triage(
    db: &mut Db<'_>,
    org: OrgId,
    p: &Prepared,
    received: &Received,
    reason: TriageReason,
    detail: String,
    now: Timestamp,
    retry: Option<i64>,
) -> AppResult<IngestOutcome> {
    let from = p
        .parsed
        .as_ref()
        .and_then(|m| m.from.as_ref())
        .map(|m| m.address.clone());
    let subject = p.parsed.as_ref().and_then(|m| m.subject.clone());
    let id = match retry {
        Some(id) => {
            store::set_triage_reason(db, org, id, reason, &detail)?;
            id
        }
        None => store::insert_triage(
            db,
            org,
            &NewTriage {
                reason,
                detail: &detail,
                source: received.source,
                mailbox_id: received.mailbox_id,
                mail_message_id: Some(&p.mail_id),
                from_address: from.as_deref(),
                subject: subject.as_deref(),
                size: p.size,
                raw: &p.keep,
                raw_complete: p.complete,
            },
            now,
        )?
        .ok_or_else(|| AppError::conflict("message_id", "already in triage"))?,
    };
    audit::record(
        db,
        org,
        now,
        None,
        &AuditEntry::new(Actor::System, "mail.triage")
            .target("triage", id)
            .details(serde_json::json!({
                "reason": reason, "detail": detail, "mail_message_id": p.mail_id,
                "source": received.source, "mailbox_id": received.mailbox_id, "from": from,
            })),
    )?;
    Ok(IngestOutcome::Triaged {
        triage_id: id,
        reason,
        detail,
    })
}

/// Store the message on a request's thread with its mail facts and attachments.
#[allow(clippy::too_many_arguments)]
fn store_message(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    contact: ContactId,
    p: &Prepared,
    parsed: &ParsedMessage,
    received: &Received,
    now: Timestamp,
) -> AppResult<(Message, usize)> {
    let mut body = inbox::body_from_text(&parsed.text);
    if body.is_empty() {
        body = "(no text)".into();
    }
    let m = messages::insert(
        db,
        &Message {
            id: MessageId(0),
            org_id: org,
            request_id: request,
            direction: Direction::Inbound,
            author: Actor::Contact(contact),
            body,
            body_html: parsed.html.clone(),
            subject: parsed
                .subject
                .as_ref()
                .map(|s| s.chars().take(1000).collect()),
            mail_message_id: Some(p.mail_id.clone()),
            send_status: None,
            scheduled_for: None,
            sent_at: None,
            sentiment: p.sentiment.as_ref().map(|s| s.sentiment.compound),
            created_at: now,
        },
    )?;
    let auth_results = authentication(db, org, parsed)?;
    store::insert_meta(
        db,
        org,
        &MailMeta {
            message_id: m.id,
            source: received.source,
            mailbox_id: received.mailbox_id,
            from_address: parsed.from.as_ref().map(|f| f.address.clone()),
            in_reply_to: parsed.in_reply_to.clone(),
            references: parsed.references.clone(),
            auto_submitted: parsed.auto_submitted,
            auto_reason: parsed.auto_submitted_reason.clone(),
            raw_html: parsed.raw_html.clone(),
            warnings: parsed.warnings.clone(),
            send_attempts: 0,
            send_error: None,
            auth_results,
        },
    )?;
    for a in &parsed.attachments {
        store::insert_attachment(
            db,
            org,
            m.id,
            &NewAttachment {
                filename: a.filename.as_deref(),
                content_type: &a.content_type,
                sha256: &a.sha256,
                inline: a.inline,
                content_id: a.content_id.as_deref(),
                data: &a.data,
            },
            now,
        )?;
    }
    Ok((m, parsed.attachments.len()))
}

#[allow(clippy::too_many_arguments)]
fn thread(
    db: &mut Db<'_>,
    org: OrgId,
    p: &Prepared,
    parsed: &ParsedMessage,
    received: &Received,
    request: RequestId,
    contact: ContactId,
    via: ThreadVia,
    auto: bool,
    now: Timestamp,
) -> AppResult<IngestOutcome> {
    // A reply to a merged request lands on the request it was merged into.
    let request = rapport_store::repo::merge::redirect_of(db, org, request)?.unwrap_or(request);
    let mut r = requests::get_for_update(db, org, request)?;
    let ctx = mail_ctx(org, contact, r.client_id);
    let (m, attachments) = store_message(db, org, r.id, contact, p, parsed, received, now)?;
    let mut reopened_to = None;
    // A machine's mail is kept on the thread but is not the client's word: it neither stops
    // SLA or silence clocks nor reopens work.
    if !auto {
        reopened_to = crate::thread::record_inbound(
            db,
            &ctx,
            &mut r,
            (m.id.0, &m.body),
            p.sentiment.as_ref(),
            "mail",
            now,
        )?;
    }
    ctx.audit(
        db,
        now,
        AuditEntry::new(ctx.principal.actor(), "mail.ingest")
            .target("message", m.id.0)
            .details(serde_json::json!({
                "outcome": "threaded", "request_id": r.id, "via": via.as_str(), "auto_submitted": auto,
                "auto_reason": parsed.auto_submitted_reason, "mail_message_id": p.mail_id,
                "source": received.source, "mailbox_id": received.mailbox_id, "warnings": parsed.warnings,
            })),
    )?;
    Ok(IngestOutcome::Threaded {
        request_id: r.id,
        message_id: m.id,
        via: via.as_str(),
        auto_submitted: auto,
        reopened_to,
        attachments,
    })
}

#[allow(clippy::too_many_arguments)]
fn new_request(
    db: &mut Db<'_>,
    org: OrgId,
    p: &Prepared,
    parsed: &ParsedMessage,
    received: &Received,
    contact: ContactId,
    client: ClientId,
    now: Timestamp,
) -> AppResult<IngestOutcome> {
    let ctx = mail_ctx(org, contact, client);
    let draft = NewRequest {
        client_id: Some(client),
        engagement_id: None,
        contact_id: Some(contact),
        title: inbox::title_from_subject(parsed.subject.as_deref()),
        body: Some(inbox::body_from_text(&parsed.text)),
        kind: None,
        priority: None,
        channel: Some(Channel::Email),
        tags: None,
        estimate_minutes: None,
        due_at: None,
        assignee_id: None,
    }
    .validate(Channel::Email)?;
    // No engagement is known for mail, so there is no brief to check the scope against yet.
    let r =
        crate::requests::insert_request(db, &ctx, client, draft, None, p.sentiment.as_ref(), now)?;
    let (m, attachments) = store_message(db, org, r.id, contact, p, parsed, received, now)?;
    ctx.audit(
        db,
        now,
        AuditEntry::new(ctx.principal.actor(), "mail.ingest")
            .target("message", m.id.0)
            .details(serde_json::json!({
                "outcome": "new_request", "request_id": r.id, "mail_message_id": p.mail_id,
                "source": received.source, "mailbox_id": received.mailbox_id, "warnings": parsed.warnings,
            })),
    )?;
    Ok(IngestOutcome::NewRequest {
        request_id: r.id,
        message_id: m.id,
        attachments,
    })
}

impl App {
    /// Take one received message for `org`: route it and record it, or recognise it as already
    /// recorded. Never loses a message: what cannot be routed goes to triage with its reason.
    pub async fn ingest_mail(
        &self,
        org: OrgId,
        raw: Vec<u8>,
        received: Received,
    ) -> AppResult<IngestOutcome> {
        let settings = self.settings.mail.clone();
        let app_settings = self.settings.clone();
        let prepared = tokio::task::spawn_blocking(move || prepare(&settings, raw, &received))
            .await
            .map_err(|e| AppError::internal("the mail parsing task", e))?;
        let now = self.now();
        let outcome = self
            .store
            .write(move |db| record(db, org, &prepared, &received, now, None, &app_settings))
            .await?;
        tracing::info!(org = org.0, source = %received.source, outcome = ?outcome, "mail ingested");
        Ok(outcome)
    }

    /// Route a triaged message again (after adding the sender as a contact, say). Resolves the
    /// item when it now joins or opens a request.
    pub async fn retry_triage(&self, ctx: &Ctx, id: i64) -> AppResult<IngestOutcome> {
        ctx.require(rapport_core::access::Permission::DoWork)?;
        let org = ctx.org();
        let (item, raw) = self
            .store
            .read(move |db| {
                store::triage_with_raw(db, org, id, false).map_err(|e| match e {
                    rapport_store::StoreError::NotFound => AppError::NotFound("triage item"),
                    other => other.into(),
                })
            })
            .await?;
        if item.status != TriageStatus::Open {
            return Err(AppError::conflict(
                "status",
                format!("the item is {}", item.status),
            ));
        }
        if !item.raw_complete {
            return Err(AppError::conflict(
                "raw_complete",
                "only the header block of this message was kept (it was over the size limit); ask the sender to send it again, smaller",
            ));
        }
        let received = Received {
            source: item.source,
            mailbox_id: item.mailbox_id,
            size: usize::try_from(item.size).unwrap_or(0),
            complete: true,
        };
        let settings = self.settings.mail.clone();
        let app_settings = self.settings.clone();
        let prepared = tokio::task::spawn_blocking(move || prepare(&settings, raw, &received))
            .await
            .map_err(|e| AppError::internal("the mail parsing task", e))?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<IngestOutcome> {
                let (item, _) = store::triage_with_raw(db, org, id, true)?;
                if item.status != TriageStatus::Open {
                    return Err(AppError::conflict(
                        "status",
                        format!("the item is {}", item.status),
                    ));
                }
                let outcome = record(db, org, &prepared, &received, now, Some(id), &app_settings)?;
                if let Some(request) = outcome.request_id() {
                    store::close_triage(
                        db,
                        org,
                        id,
                        TriageStatus::Resolved,
                        ctx.principal.member_id(),
                        Some(request),
                        now,
                    )?;
                }
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "triage.retry")
                        .target("triage", id)
                        .details(serde_json::to_value(&outcome).unwrap_or_default()),
                )?;
                Ok(outcome)
            })
            .await
    }
}
