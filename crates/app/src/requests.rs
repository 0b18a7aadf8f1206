//! The book of work: requests, their thread, and the quick lane.

use jiff::Timestamp;
use rapport_core::access::{Actor, Permission, Principal};
use rapport_core::audit::{self, AuditEntry};
use rapport_core::ids::{ClientId, ContactId, EngagementId, MemberId, OrgId, RequestId};
use rapport_core::message::{Direction, Message, NewMessage};
use rapport_core::promise::PromiseKind;
use rapport_core::request::{
    AssignInput, Channel, Kind, NewRequest, QuickRequest, Request, RequestDraft, RequestPatch,
    Status, TransitionInput,
};
use rapport_core::time_entry::TimeEntry;
use rapport_core::validate::{self, Violations, limits};
use rapport_store::Db;
pub use rapport_store::repo::requests::RequestWithSla;
use rapport_store::repo::requests::{AssigneeFilter, RequestQuery, RequestSort};
use rapport_store::repo::{clients, engagements, messages, requests, time_entries};

use crate::access::{check_member, visible_request};
use crate::clocks::sla::{Change, on_request_change};
use crate::thread::{Reply, Writer};
use crate::{App, AppError, AppResult, Ctx, Listing, cursor};

/// A new request checked and assessed, ready for its transaction.
pub(crate) type PreparedRequest = (
    RequestDraft,
    ClientId,
    Option<rapport_core::request::ScopeRecord>,
    Option<rapport_core::complaint::Reading>,
);

/// What a list of requests is filtered and sorted by, as adapters receive it.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub statuses: Vec<Status>,
    pub client: Option<ClientId>,
    pub engagement: Option<EngagementId>,
    /// `"me"`, `"none"` or a member id.
    pub assignee: Option<String>,
    pub kind: Option<Kind>,
    pub tag: Option<String>,
    pub overdue: Option<bool>,
    pub quick: Option<bool>,
    /// `Some(true)`: only requests snoozed now; `Some(false)`: only those not snoozed; `None`
    /// (the API's default): both. The workspace's views pass `Some(false)`.
    pub snoozed: Option<bool>,
    /// Only requests whose worst SLA clock is in one of these states.
    pub sla_states: Vec<rapport_core::sla::ClockStatus>,
    /// `-created` (default), `created`, `-updated`, `due`, `sla_due`.
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

fn parse_sort(s: Option<&str>) -> AppResult<RequestSort> {
    match s.unwrap_or("-created") {
        "-created" => Ok(RequestSort::Newest),
        "created" => Ok(RequestSort::Oldest),
        "-updated" => Ok(RequestSort::Updated),
        "due" => Ok(RequestSort::Due),
        "sla_due" => Ok(RequestSort::SlaDue),
        other => Err(AppError::invalid(
            "sort",
            format!("{other:?} is not one of: -created, created, -updated, due, sla_due"),
        )),
    }
}

/// The 409 for a take that lost: the request is someone's already, and says whose.
fn taken_by(db: &mut Db<'_>, ctx: &Ctx, holder: Option<MemberId>) -> AppError {
    let name = holder
        .and_then(|m| rapport_store::repo::members::get(db, ctx.org(), m).ok())
        .map(|m| m.name);
    AppError::conflict(
        "assignee_id",
        match name {
            Some(n) => format!("{n} has already taken this request"),
            None => "someone has already taken this request".to_string(),
        },
    )
}

/// Check that the engagement and contact of a request belong to its client.
fn check_links(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    engagement: Option<EngagementId>,
    contact: Option<ContactId>,
) -> AppResult<()> {
    let mut v = Violations::new();
    if let Some(e) = engagement {
        match engagements::get(db, org, e) {
            Ok(eng) if eng.client_id == client => {}
            Ok(_) => v.add(
                "engagement_id",
                format!("engagement {e} belongs to another client"),
            ),
            Err(_) => v.add("engagement_id", format!("no engagement {e}")),
        }
    }
    if let Some(c) = contact {
        match clients::get_contact(db, org, c) {
            Ok(ct) if ct.client_id == client => {}
            Ok(_) => v.add(
                "contact_id",
                format!("contact {c} belongs to another client"),
            ),
            Err(_) => v.add("contact_id", format!("no contact {c}")),
        }
    }
    v.finish(|| ()).map_err(AppError::from)
}

fn new_request(
    org: OrgId,
    client: ClientId,
    d: RequestDraft,
    by: Actor,
    now: Timestamp,
) -> Request {
    Request {
        id: RequestId(0),
        org_id: org,
        reference: String::new(),
        client_id: client,
        engagement_id: d.engagement_id,
        contact_id: d.contact_id,
        title: d.title,
        body: d.body,
        kind: d.kind,
        priority: d.priority,
        status: Status::New,
        assignee_id: d.assignee_id,
        estimate_minutes: d.estimate_minutes,
        spent_minutes: 0,
        channel: d.channel,
        tags: d.tags,
        due_at: d.due_at,
        quick: false,
        scope: None,
        created_by: by,
        created_at: now,
        updated_at: now,
        first_response_at: None,
        last_inbound_at: None,
        last_outbound_at: None,
        delivered_at: None,
        closed_at: None,
    }
}

/// Record a new request inside the caller's write, whatever brought it (the API, the portal,
/// mail, the quick lane, imports, a split): the checks, the row, what care and the SLA clocks
/// start on it, the audit event and the `request_created` event, so what happens to a new
/// request happens to all of them. The scope verdict and the body's sentiment are computed by
/// the caller outside the transaction (they cost CPU, and the SQLite writer is shared).
pub(crate) fn insert_request(
    db: &mut Db<'_>,
    ctx: &Ctx,
    client: ClientId,
    draft: RequestDraft,
    scope: Option<rapport_core::request::ScopeRecord>,
    body_sentiment: Option<&rapport_core::complaint::Reading>,
    now: Timestamp,
) -> AppResult<Request> {
    insert_request_shaped(db, ctx, client, draft, scope, body_sentiment, now, |_| {
        Ok(())
    })
}

/// [`insert_request`] for a request that is born in another state than `new` (the quick lane's,
/// already delivered): `shape` sets it on the row before it is written.
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_request_shaped(
    db: &mut Db<'_>,
    ctx: &Ctx,
    client: ClientId,
    draft: RequestDraft,
    scope: Option<rapport_core::request::ScopeRecord>,
    body_sentiment: Option<&rapport_core::complaint::Reading>,
    now: Timestamp,
    shape: impl FnOnce(&mut Request) -> AppResult<()>,
) -> AppResult<Request> {
    let org = ctx.org();
    if !clients::exists(db, org, client)? {
        return Err(AppError::invalid(
            "client_id",
            format!("no client {client}"),
        ));
    }
    check_links(db, org, client, draft.engagement_id, draft.contact_id)?;
    if let Some(a) = draft.assignee_id {
        check_member(db, org, a, "assignee_id")?;
    }
    let inbound = !ctx.principal.is_member();
    let mut r = new_request(org, client, draft, ctx.principal.actor(), now);
    r.scope = scope;
    if inbound {
        r.last_inbound_at = Some(now);
    }
    shape(&mut r)?;
    // Fair assignment, for every channel alike: only a request nobody was named for, on an
    // engagement that assigns automatically.
    let decision = match (r.assignee_id, r.engagement_id) {
        (None, Some(e)) if crate::assignment::enabled(db, org, e)? => {
            Some(crate::assignment::choose_in(db, org, e, now)?)
        }
        _ => None,
    };
    if let Some(d) = &decision {
        r.assignee_id = d.chosen;
    }
    let r = requests::insert(db, &r)?;
    crate::care::on_request_created(db, ctx, &r, body_sentiment, now)?;
    on_request_change(db, &r, Change::Created, now)?;
    ctx.audit(
        db,
        now,
        AuditEntry::new(ctx.principal.actor(), "request.create")
            .target("request", r.id.0)
            .details(serde_json::json!({"title": r.title, "client_id": r.client_id, "channel": r.channel})),
    )?;
    if let Some(d) = &decision {
        crate::assignment::record(db, ctx, &r, d, now)?;
    }
    // Whoever it went to, by a person naming them or by fair assignment, hears of it (not
    // a member who logged it for themselves).
    let by = if decision.is_some() {
        None
    } else {
        ctx.principal.member_id()
    };
    crate::notify::on_assigned(db, &r, r.assignee_id, by, now)?;
    crate::events::emit(
        db,
        &r,
        rapport_core::rule::Event::RequestCreated,
        &Default::default(),
        &[],
        now,
    )?;
    Ok(r)
}

/// Move a request to another status inside the caller's write: the checks, the clocks, the
/// audit, the promises it keeps, the care hooks, and the `status_changed` event.
pub(crate) fn transition_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    id: RequestId,
    input: &TransitionInput,
    reason: Option<String>,
    settings: &crate::Settings,
    now: Timestamp,
) -> AppResult<Request> {
    let mut r = visible_request(db, &ctx.principal, id, true)?;
    let from = r.status;
    r.transition(input.status, now)
        .map_err(|e| AppError::conflict("status", e.to_string()))?;
    crate::scope::guard_in_progress(db, ctx, &r, input, now)?;
    requests::update_status(db, &r)?;
    on_request_change(db, &r, Change::Status, now)?;
    ctx.audit(
        db,
        now,
        AuditEntry::new(ctx.principal.actor(), "request.status")
            .target("request", id.0)
            .details(serde_json::json!({"from": from, "to": r.status, "reason": reason})),
    )?;
    if r.status == Status::Delivered {
        crate::clocks::promises::keep_promises(
            db,
            ctx.org(),
            ctx.principal.actor(),
            ctx.ip.as_deref(),
            id,
            PromiseKind::Delivery,
            now,
            "request delivered",
        )?;
    }
    crate::care::on_status_changed(db, ctx.ip.as_deref(), &r, settings, now)?;
    crate::events::emit(
        db,
        &r,
        rapport_core::rule::Event::StatusChanged,
        &crate::events::Extra {
            from: Some(from.as_str()),
            ..Default::default()
        },
        &[],
        now,
    )?;
    Ok(r)
}

/// [`App::list_requests_with_sla`] inside the caller's snapshot.
pub(crate) fn list_requests_with_sla_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    f: RequestFilter,
    now: Timestamp,
) -> AppResult<Listing<RequestWithSla>> {
    let mut q = RequestQuery {
        statuses: f.statuses,
        client: f.client,
        engagement: f.engagement,
        kind: f.kind,
        tag: f.tag.map(|t| t.trim().to_lowercase()),
        overdue: f.overdue,
        quick: f.quick,
        snoozed: f.snoozed,
        sla_states: f.sla_states.iter().map(|s| s.as_str()).collect(),
        sort: parse_sort(f.sort.as_deref())?,
        after: f.cursor.as_deref().map(cursor::decode).transpose()?,
        limit: crate::limit(f.limit)?,
        now: Some(now),
        ..RequestQuery::default()
    };
    q.assignee = match f.assignee.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("none") => Some(AssigneeFilter::Unassigned),
        Some("me") => Some(AssigneeFilter::Member(
            ctx.principal
                .member_id()
                .ok_or_else(|| AppError::invalid("assignee", "\"me\" is for members"))?,
        )),
        Some(id) => Some(AssigneeFilter::Member(MemberId(id.parse().map_err(
            |_| AppError::invalid("assignee", "expected \"me\", \"none\" or a member id"),
        )?))),
    };
    let Some(scope) = crate::access::work_scope(ctx, q.client)? else {
        return Ok(Listing::empty());
    };
    q.client = scope.client;
    if let Some(me) = scope.requester {
        if q.contact.is_some_and(|c| c != me) {
            return Ok(Listing::empty());
        }
        q.contact = Some(me);
    }
    let mut page = requests::list_with_sla(db, ctx.org(), &q)?;
    // The scope verdict is the team's: contacts see change orders instead.
    if ctx.principal.client_scope().is_some() {
        page.items.iter_mut().for_each(|r| r.request.scope = None);
    }
    Ok(page.into())
}

/// A request's thread (contacts never see internal notes) inside the caller's snapshot.
pub(crate) fn messages_in(
    db: &mut Db<'_>,
    p: &Principal,
    id: RequestId,
    after: Option<i64>,
    limit: usize,
) -> AppResult<Listing<Message>> {
    visible_request(db, p, id, false)?;
    Ok(messages::list_for_request(db, p.org_id(), id, p.is_member(), after, limit)?.into())
}

impl App {
    pub async fn list_requests(&self, ctx: &Ctx, f: RequestFilter) -> AppResult<Listing<Request>> {
        let listing = self.list_requests_with_sla(ctx, f).await?;
        Ok(Listing {
            items: listing.items.into_iter().map(|r| r.request).collect(),
            next_cursor: listing.next_cursor,
        })
    }

    /// [`App::list_requests`], each request with the queue's view of its SLA clocks.
    pub async fn list_requests_with_sla(
        &self,
        ctx: &Ctx,
        f: RequestFilter,
    ) -> AppResult<Listing<RequestWithSla>> {
        let ctx = ctx.clone();
        let now = self.now();
        self.store
            .read(move |db| list_requests_with_sla_in(db, &ctx, f, now))
            .await
    }

    pub async fn get_request(&self, ctx: &Ctx, id: RequestId) -> AppResult<Request> {
        let p = ctx.principal;
        self.store
            .read(move |db| visible_request(db, &p, id, false))
            .await
    }

    pub async fn create_request(
        &self,
        ctx: &Ctx,
        input: NewRequest,
        channel: Channel,
    ) -> AppResult<Request> {
        let (draft, client, scope, body_sentiment) =
            self.prepare_request(ctx, input, channel).await?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| {
                insert_request(db, &ctx, client, draft, scope, body_sentiment.as_ref(), now)
            })
            .await
    }

    /// Everything a new request needs before its transaction: who may file it, the checked
    /// draft, its client, the scope verdict and the body's sentiment.
    pub(crate) async fn prepare_request(
        &self,
        ctx: &Ctx,
        input: NewRequest,
        channel: Channel,
    ) -> AppResult<PreparedRequest> {
        let mut input = input;
        let default_channel = match ctx.principal {
            Principal::Contact {
                client_id,
                contact_id,
                ..
            } => {
                let mut v = Violations::new();
                if input.client_id.is_some_and(|c| c != client_id) {
                    v.add("client_id", "contacts create requests for their own client");
                }
                if input.assignee_id.is_some() {
                    v.add("assignee_id", "contacts cannot assign work");
                }
                if input.estimate_minutes.is_some() {
                    v.add("estimate_minutes", "contacts cannot set estimates");
                }
                if input.engagement_id.is_some() {
                    v.add("engagement_id", "contacts cannot choose the engagement");
                }
                if input.channel.is_some() {
                    v.add("channel", "set by Rapport for contacts");
                }
                if !v.is_empty() {
                    return Err(v.into());
                }
                input.client_id = Some(client_id);
                input.contact_id = Some(contact_id);
                Channel::Portal
            }
            Principal::Member { .. } => {
                ctx.require(Permission::DoWork)?;
                channel
            }
        };
        let draft = input.validate(default_channel)?;
        let Some(client) = draft.client_id else {
            return Err(AppError::invalid("client_id", "required"));
        };
        let body_sentiment = crate::care::score_body(&draft.body).await?;
        let scope = self.scope_of(ctx.org(), &draft).await?;
        Ok((draft, client, scope, body_sentiment))
    }

    pub async fn update_request(
        &self,
        ctx: &Ctx,
        id: RequestId,
        patch: RequestPatch,
    ) -> AppResult<Request> {
        ctx.require(Permission::DoWork)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Request> {
                let before = visible_request(db, &ctx.principal, id, true)?;
                let after = patch.apply(&before, now)?;
                if after.engagement_id != before.engagement_id
                    || after.contact_id != before.contact_id
                {
                    check_links(
                        db,
                        ctx.org(),
                        after.client_id,
                        after
                            .engagement_id
                            .filter(|e| Some(*e) != before.engagement_id),
                        after.contact_id.filter(|c| Some(*c) != before.contact_id),
                    )?;
                }
                requests::update_fields(db, &before, &after)?;
                crate::care::on_request_updated(db, &ctx, &before, &after, now)?;
                on_request_change(db, &after, Change::Edited, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "request.update")
                        .target("request", id.0)
                        .details(audit::diff(&before, &after)),
                )?;
                Ok(after)
            })
            .await
    }

    pub async fn transition_request(
        &self,
        ctx: &Ctx,
        id: RequestId,
        input: TransitionInput,
    ) -> AppResult<Request> {
        ctx.require(Permission::DoWork)?;
        let reason = match input.reason.as_deref() {
            Some(r) => {
                Some(validate::text(r, limits::NOTE).map_err(|m| AppError::invalid("reason", m))?)
            }
            None => None,
        };
        let now = self.now();
        let ctx = ctx.clone();
        let settings = self.settings.clone();
        self.store
            .write(move |db| transition_in(db, &ctx, id, &input, reason, &settings, now))
            .await
    }

    pub async fn assign_request(
        &self,
        ctx: &Ctx,
        id: RequestId,
        input: AssignInput,
    ) -> AppResult<Request> {
        ctx.require(Permission::DoWork)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Request> {
                let mut r = visible_request(db, &ctx.principal, id, true)?;
                if let Some(a) = input.assignee_id {
                    check_member(db, ctx.org(), a, "assignee_id")?;
                }
                let from = r.assignee_id;
                match (input.if_unassigned.unwrap_or(false), input.assignee_id) {
                    (true, Some(to)) => {
                        // The request is locked, and the update is conditional too: a second
                        // taker sees the first one's name, never a silent overwrite.
                        // Taking what one has already is no loss (a retry of the winner).
                        let lost = match from {
                            Some(holder) => holder != to,
                            None => !requests::take_if_unassigned(db, ctx.org(), id, to, now)?,
                        };
                        if lost {
                            let holder = requests::get(db, ctx.org(), id)?.assignee_id;
                            return Err(taken_by(db, &ctx, holder));
                        }
                    }
                    (true, None) => {
                        return Err(AppError::invalid(
                            "if_unassigned",
                            "only when assigning someone",
                        ));
                    }
                    (false, to) => requests::update_assignee(db, ctx.org(), id, to, now)?,
                }
                r.assignee_id = input.assignee_id;
                r.updated_at = now;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "request.assign")
                        .target("request", id.0)
                        .details(serde_json::json!({"from": from, "to": r.assignee_id})),
                )?;
                crate::notify::on_assigned(
                    db,
                    &r,
                    r.assignee_id.filter(|to| Some(*to) != from),
                    ctx.principal.member_id(),
                    now,
                )?;
                Ok(r)
            })
            .await
    }

    /// The quick lane: create the request already delivered, record the time, and (when a
    /// reply is given) queue the message to the client, in one transaction.
    pub async fn quick_request(
        &self,
        ctx: &Ctx,
        input: QuickRequest,
    ) -> AppResult<(Request, TimeEntry, Option<Message>)> {
        ctx.require(Permission::DoWork)?;
        let member = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("the quick lane is for members"))?;
        let q = input.validate()?;
        let Some(client) = q.request.client_id else {
            return Err(AppError::invalid("client_id", "required"));
        };
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        let scope = self.scope_of(org, &q.request).await?;
        let mail = self.settings.mail.clone();
        self.store
            .write(move |db| -> AppResult<(Request, TimeEntry, Option<Message>)> {
                let engagement = q.request.engagement_id;
                let minutes = q.minutes;
                let r = insert_request_shaped(db, &ctx, client, q.request, scope, None, now, |r| {
                    r.quick = true;
                    r.assignee_id = Some(member);
                    r.spent_minutes = minutes;
                    r.transition(Status::Delivered, now)
                        .map_err(|e| AppError::conflict("status", e.to_string()))
                })?;
                let started = now
                    .checked_sub(jiff::SignedDuration::from_mins(q.minutes))
                    .map_err(|e| AppError::internal("when the quick-lane work started", e))?;
                let entry = time_entries::insert(
                    db,
                    &TimeEntry {
                        id: Default::default(),
                        org_id: org,
                        member_id: member,
                        client_id: Some(client),
                        engagement_id: engagement,
                        request_id: Some(r.id),
                        started_at: started,
                        minutes: q.minutes,
                        billable: q.billable,
                        note: "quick lane".into(),
                        created_at: now,
                    },
                )?;
                crate::budget::after_time_logged(db, org, engagement, now)?;
                let message = match q.reply {
                    Some(body) => Some(crate::thread::send_reply(
                        db,
                        Writer::Member(&ctx),
                        &r,
                        Reply {
                            body,
                            scheduled_for: None,
                            confirm_findings: q.confirm_findings,
                            field: "reply",
                            check_send_time: false,
                        },
                        &mail,
                        now,
                    )?),
                    None => None,
                };
                on_request_change(db, &r, Change::Status, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "request.quick")
                        .target("request", r.id.0)
                        .details(serde_json::json!({"title": r.title, "minutes": q.minutes, "told_client": message.is_some()})),
                )?;
                let r = requests::get(db, org, r.id)?;
                Ok((r, entry, message))
            })
            .await
    }

    /// The thread of a request. Contacts never see internal notes.
    pub async fn list_messages(
        &self,
        ctx: &Ctx,
        id: RequestId,
        after: Option<&str>,
        limit: usize,
    ) -> AppResult<Listing<Message>> {
        let p = ctx.principal;
        let after = cursor::after_id(after)?;
        self.store
            .read(move |db| messages_in(db, &p, id, after, limit))
            .await
    }

    pub async fn add_message(
        &self,
        ctx: &Ctx,
        id: RequestId,
        input: NewMessage,
    ) -> AppResult<Message> {
        if ctx.principal.is_member() {
            ctx.require(Permission::DoWork)?;
        }
        let now = self.now();
        let draft = input.validate(ctx.principal.is_member(), now)?;
        let inbound_sentiment = crate::care::score_inbound(&draft).await?;
        let ctx = ctx.clone();
        let mail = self.settings.mail.clone();
        self.store
            .write(move |db| -> AppResult<Message> {
                let r = visible_request(db, &ctx.principal, id, true)?;
                // Under the request's lock: a message arriving after this check waits for us.
                crate::thread::check_not_stale(db, &ctx.principal, &r, draft.last_seen)?;
                let org = ctx.org();
                let actor = ctx.principal.actor();
                let m = match draft.direction {
                    Direction::Outbound => {
                        let scheduled_for = if draft.client_hours {
                            crate::mail_out::client_hours_start(db, org, r.client_id, now)?
                        } else {
                            draft.scheduled_for
                        };
                        crate::thread::send_reply(
                            db,
                            Writer::Member(&ctx),
                            &r,
                            Reply {
                                body: draft.body,
                                scheduled_for,
                                confirm_findings: draft.confirm_findings,
                                field: "body",
                                check_send_time: true,
                            },
                            &mail,
                            now,
                        )?
                    }
                    direction => {
                        let m = messages::insert(
                            db,
                            &Message {
                                id: Default::default(),
                                org_id: org,
                                request_id: r.id,
                                direction,
                                author: actor,
                                body: draft.body,
                                body_html: None,
                                subject: None,
                                mail_message_id: None,
                                send_status: None,
                                scheduled_for: None,
                                sent_at: None,
                                sentiment: inbound_sentiment.as_ref().map(|s| s.sentiment.compound),
                                created_at: now,
                            },
                        )?;
                        if direction == Direction::Note {
                            crate::notify::on_note(
                                db,
                                &r,
                                ctx.principal.member_id(),
                                m.id.0,
                                &m.body,
                                now,
                            )?;
                        }
                        if direction == Direction::Inbound {
                            let mut r = r.clone();
                            // Members write notes and outbound messages only: the client's
                            // word through the API is the portal's.
                            let via = "the portal";
                            crate::thread::record_inbound(
                                db,
                                &ctx,
                                &mut r,
                                (m.id.0, &m.body),
                                inbound_sentiment.as_ref(),
                                via,
                                now,
                            )?;
                        }
                        m
                    }
                };
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(actor, "message.create")
                        .target("message", m.id.0)
                        .details(serde_json::json!({
                            "request_id": r.id,
                            "direction": m.direction,
                            "last_seen_message_id": draft.last_seen,
                        })),
                )?;
                Ok(m)
            })
            .await
    }
}
