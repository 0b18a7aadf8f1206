//! Change orders: out-of-scope requests priced, sent to the client (a queued message on each
//! request, delivered by the mail worker) and approved or declined by the client's contact in
//! the portal.

use rapport_core::access::{Actor, Permission, Principal};
use rapport_core::audit::AuditEntry;
use rapport_core::change_order::{
    ChangeOrder, ChangeOrderEdit, ChangeOrderStatus, DecisionInput, NewChangeOrder,
};
use rapport_core::ids::{ChangeOrderId, ClientId, EngagementId, OrgId};
use rapport_core::message::{Direction, Message, SendStatus};
use rapport_core::scope::Verdict;
use rapport_core::validate::Violations;
use rapport_store::Db;
use rapport_store::repo::change_orders::{self as store, ChangeOrderQuery};
use rapport_store::repo::{clients, engagements, messages, requests};

use crate::{App, AppError, AppResult, Ctx, Listing, cursor};

/// What contacts may see: never drafts, nor orders withdrawn (they may never have been sent).
const CLIENT_VISIBLE: [ChangeOrderStatus; 3] = [
    ChangeOrderStatus::Sent,
    ChangeOrderStatus::Approved,
    ChangeOrderStatus::Declined,
];

#[derive(Debug, Clone, Default)]
pub struct ChangeOrderFilter {
    pub client: Option<ClientId>,
    pub engagement: Option<EngagementId>,
    pub status: Option<ChangeOrderStatus>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// Load a change order the caller may see: another org's, another client's (for contacts) or a
/// draft (for contacts) does not exist for them.
fn visible(
    db: &mut Db<'_>,
    p: &Principal,
    id: ChangeOrderId,
    for_update: bool,
) -> AppResult<ChangeOrder> {
    let org = p.org_id();
    let c = if for_update {
        store::get_for_update(db, org, id)
    } else {
        store::get(db, org, id)
    }
    .map_err(|e| match e {
        rapport_store::StoreError::NotFound => AppError::NotFound("change order"),
        other => other.into(),
    })?;
    if let Some(own) = p.client_scope()
        && (c.client_id != own || !CLIENT_VISIBLE.contains(&c.status))
    {
        return Err(AppError::NotFound("change order"));
    }
    // A requester sees the change orders for their own requests, not their colleagues'.
    if p.own_requests_only().is_some()
        && !c
            .request_ids
            .iter()
            .any(|r| crate::access::visible_request(db, p, *r, false).is_ok())
    {
        return Err(AppError::NotFound("change order"));
    }
    Ok(c)
}

/// The refusal for a contact who may not decide a change order, naming who may.
fn approver_required(db: &mut Db<'_>, ctx: &Ctx, client: ClientId) -> AppResult<AppError> {
    let approvers = clients::approver_names(db, ctx.org(), client)?;
    let role = ctx.principal.contact_role().map_or("none", |r| r.as_str());
    let ask = if approvers.is_empty() {
        "your client has no approver yet: ask the team or your client admin to name one".to_string()
    } else {
        format!("ask {}", approvers.join(", "))
    };
    Ok(AppError::ApproverRequired {
        message: format!(
            "approving or declining a change order needs the contact role approver or \
             client_admin; yours is {role}: {ask}"
        ),
        approvers,
    })
}

/// The names of the client's approvers, for a contact who cannot decide (the portal shows
/// them instead of the buttons).
pub(crate) fn approvers_in(db: &mut Db<'_>, ctx: &Ctx) -> AppResult<Vec<String>> {
    match ctx.principal.client_scope() {
        Some(client) => Ok(clients::approver_names(db, ctx.org(), client)?),
        None => Ok(Vec::new()),
    }
}

fn illegal(c: &ChangeOrder, to: ChangeOrderStatus) -> AppError {
    let how = match to {
        ChangeOrderStatus::Sent => "only a draft can be sent",
        ChangeOrderStatus::Approved | ChangeOrderStatus::Declined => {
            "only a sent change order can be approved or declined"
        }
        _ => "only a draft or sent change order can be withdrawn",
    };
    AppError::conflict(
        "status",
        format!("change order {} is already {}; {how}", c.id, c.status),
    )
}

/// Check each request a new change order names: this engagement's, out of scope, and not
/// already covered by a live change order.
fn check_requests(
    db: &mut Db<'_>,
    org: OrgId,
    engagement: EngagementId,
    ids: &[rapport_core::ids::RequestId],
    editing: Option<ChangeOrderId>,
) -> AppResult<()> {
    // Lock the requests (in id order, so two drafts over the same requests cannot deadlock):
    // two managers cannot put one request on two live change orders at once.
    let mut sorted = ids.to_vec();
    sorted.sort();
    for &rid in &sorted {
        match requests::get_for_update(db, org, rid) {
            Ok(_) | Err(rapport_store::StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut invalid = Violations::new();
    let mut conflicts = Vec::new();
    for (i, &rid) in ids.iter().enumerate() {
        let field = format!("request_ids[{i}]");
        let r = match requests::get(db, org, rid) {
            Ok(r) => r,
            Err(rapport_store::StoreError::NotFound) => {
                invalid.add(field, format!("no request {rid}"));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if r.engagement_id != Some(engagement) {
            invalid.add(
                field,
                format!("request {rid} is not work of engagement {engagement}"),
            );
            continue;
        }
        let verdict = r.scope.as_ref().map(|s| s.effective());
        if verdict != Some(Verdict::Out) {
            let said = verdict.map_or("none", |v| v.as_str());
            invalid.add(
                field,
                format!(
                    "request {rid} is not out of scope (verdict: {said}); confirm it as out first \
                     (POST /api/v1/requests/{rid}/scope)"
                ),
            );
            continue;
        }
        if let Some((other, status, _)) =
            store::for_request(db, org, rid)?
                .into_iter()
                .find(|(o, s, _)| {
                    Some(*o) != editing
                        && !matches!(
                            s,
                            ChangeOrderStatus::Declined | ChangeOrderStatus::Withdrawn
                        )
                })
        {
            conflicts.push(rapport_core::validate::FieldError {
                field,
                message: format!(
                    "request {rid} is already covered by change order {other} ({status})"
                ),
            });
        }
    }
    if !invalid.is_empty() {
        return Err(invalid.into());
    }
    if let Some(first) = conflicts.first() {
        return Err(AppError::Conflict {
            message: first.message.clone(),
            errors: conflicts,
        });
    }
    Ok(())
}

/// [`App::list_change_orders`] inside the caller's snapshot.
pub(crate) fn list_change_orders_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    f: ChangeOrderFilter,
) -> AppResult<Listing<ChangeOrder>> {
    let mut q = ChangeOrderQuery {
        client: f.client,
        engagement: f.engagement,
        contact: None,
        statuses: f.status.into_iter().collect(),
        before_id: cursor::after_id(f.cursor.as_deref())?,
        limit: crate::limit(f.limit)?,
    };
    let Some(scope) = crate::access::work_scope(ctx, q.client)? else {
        return Ok(Listing::empty());
    };
    q.client = scope.client;
    q.contact = scope.requester;
    if scope.contact {
        // Drafts and withdrawn orders are the firm's own business.
        if f.status.is_some_and(|s| !CLIENT_VISIBLE.contains(&s)) {
            return Ok(Listing::empty());
        }
        if q.statuses.is_empty() {
            q.statuses = CLIENT_VISIBLE.to_vec();
        }
    }
    Ok(store::list(db, ctx.org(), &q)?.into())
}

impl App {
    /// Who at the caller's client may approve change orders, by name (empty for members).
    pub async fn client_approvers(&self, ctx: &Ctx) -> AppResult<Vec<String>> {
        let ctx = ctx.clone();
        self.store.read(move |db| approvers_in(db, &ctx)).await
    }

    /// Change orders, newest first. Contacts see their client's sent and decided ones.
    pub async fn list_change_orders(
        &self,
        ctx: &Ctx,
        f: ChangeOrderFilter,
    ) -> AppResult<Listing<ChangeOrder>> {
        let ctx = ctx.clone();
        self.store
            .read(move |db| list_change_orders_in(db, &ctx, f))
            .await
    }

    pub async fn get_change_order(&self, ctx: &Ctx, id: ChangeOrderId) -> AppResult<ChangeOrder> {
        if ctx.principal.is_member() {
            ctx.require(Permission::ReadOrgWork)?;
        }
        let p = ctx.principal;
        self.store.read(move |db| visible(db, &p, id, false)).await
    }

    /// Draft a change order from out-of-scope requests (managers and above).
    pub async fn create_change_order(
        &self,
        ctx: &Ctx,
        input: NewChangeOrder,
    ) -> AppResult<ChangeOrder> {
        ctx.require(Permission::ManageClients)?;
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<ChangeOrder> {
                let e = engagements::get(db, org, input.engagement_id).map_err(|_| {
                    AppError::invalid(
                        "engagement_id",
                        format!("no engagement {}", input.engagement_id),
                    )
                })?;
                let d = input.validate(e.hourly_rate_minor)?;
                check_requests(db, org, e.id, &d.request_ids, None)?;
                let c = store::insert(
                    db,
                    &ChangeOrder {
                        id: ChangeOrderId(0),
                        org_id: org,
                        engagement_id: e.id,
                        client_id: e.client_id,
                        title: d.title,
                        description: d.description,
                        request_ids: d.request_ids,
                        estimate_minutes: d.estimate_minutes,
                        rate_minor: d.rate_minor,
                        price_minor: d.price_minor,
                        currency: e.currency.clone(),
                        status: ChangeOrderStatus::Draft,
                        created_by: ctx.principal.actor(),
                        sent_at: None,
                        decided_at: None,
                        decided_by: None,
                        decided_by_name: None,
                        decision_note: None,
                        created_at: now,
                        updated_at: now,
                    },
                )?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "change_order.create")
                        .target("change_order", c.id.0)
                        .details(serde_json::json!({
                            "engagement_id": c.engagement_id, "request_ids": c.request_ids,
                            "estimate_minutes": c.estimate_minutes, "rate_minor": c.rate_minor,
                            "price_minor": c.price_minor, "currency": c.currency,
                        })),
                )?;
                Ok(c)
            })
            .await
    }

    /// Change a draft's requests, words, estimate or rate (managers and above): the same checks
    /// and pricing as a new one. Once sent, a change order is withdrawn, not edited.
    pub async fn edit_change_order(
        &self,
        ctx: &Ctx,
        id: ChangeOrderId,
        edit: ChangeOrderEdit,
    ) -> AppResult<ChangeOrder> {
        ctx.require(Permission::ManageClients)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<ChangeOrder> {
                let before = visible(db, &ctx.principal, id, true)?;
                if before.status != ChangeOrderStatus::Draft {
                    return Err(AppError::conflict(
                        "status",
                        format!(
                            "this change order is {}; only a draft can be edited (withdraw it and draft another)",
                            before.status
                        ),
                    ));
                }
                let org = ctx.org();
                let e = engagements::get(db, org, before.engagement_id)?;
                let d = edit.into_new(e.id).validate(e.hourly_rate_minor)?;
                check_requests(db, org, e.id, &d.request_ids, Some(id))?;
                let mut c = before.clone();
                c.request_ids = d.request_ids;
                c.title = d.title;
                c.description = d.description;
                c.estimate_minutes = d.estimate_minutes;
                c.rate_minor = d.rate_minor;
                c.price_minor = d.price_minor;
                c.updated_at = now;
                store::update_draft(db, &c)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "change_order.update")
                        .target("change_order", c.id.0)
                        .details(serde_json::json!({
                            "request_ids": c.request_ids, "estimate_minutes": c.estimate_minutes,
                            "rate_minor": c.rate_minor, "price_minor": c.price_minor,
                            "before": {"request_ids": before.request_ids, "price_minor": before.price_minor},
                        })),
                )?;
                Ok(c)
            })
            .await
    }

    /// Send a draft to the client: it becomes `sent`, and a message rendering it is queued on
    /// each request it covers for the mail worker to deliver.
    pub async fn send_change_order(
        &self,
        ctx: &Ctx,
        id: ChangeOrderId,
    ) -> AppResult<(ChangeOrder, Vec<Message>)> {
        ctx.require(Permission::ManageClients)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<(ChangeOrder, Vec<Message>)> {
                let mut c = visible(db, &ctx.principal, id, true)?;
                c.status
                    .can_become(ChangeOrderStatus::Sent)
                    .map_err(|_| illegal(&c, ChangeOrderStatus::Sent))?;
                let org = ctx.org();
                let e = engagements::get(db, org, c.engagement_id)?;
                let (subject, body) = c.client_message(&e.name);
                let mut sent = Vec::with_capacity(c.request_ids.len());
                for &rid in &c.request_ids {
                    let m = messages::insert(
                        db,
                        &Message {
                            id: Default::default(),
                            org_id: org,
                            request_id: rid,
                            direction: Direction::Outbound,
                            author: ctx.principal.actor(),
                            body: body.clone(),
                            body_html: None,
                            subject: Some(subject.clone()),
                            mail_message_id: None,
                            send_status: Some(SendStatus::Queued),
                            scheduled_for: None,
                            sent_at: None,
                            sentiment: None,
                            created_at: now,
                        },
                    )?;
                    requests::touch_outbound(db, org, rid, now)?;
                    sent.push(m);
                }
                c.status = ChangeOrderStatus::Sent;
                c.sent_at = Some(now);
                c.updated_at = now;
                store::update_status(db, &c)?;
                let ids: Vec<i64> = sent.iter().map(|m| m.id.0).collect();
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "change_order.send")
                        .target("change_order", c.id.0)
                        .details(serde_json::json!({"message_ids": ids, "price_minor": c.price_minor, "currency": c.currency})),
                )?;
                Ok((c, sent))
            })
            .await
    }

    /// Withdraw a draft or sent change order (managers and above).
    pub async fn withdraw_change_order(
        &self,
        ctx: &Ctx,
        id: ChangeOrderId,
        input: DecisionInput,
    ) -> AppResult<ChangeOrder> {
        ctx.require(Permission::ManageClients)?;
        let note = input.validate()?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<ChangeOrder> {
                let mut c = visible(db, &ctx.principal, id, true)?;
                c.status
                    .can_become(ChangeOrderStatus::Withdrawn)
                    .map_err(|_| illegal(&c, ChangeOrderStatus::Withdrawn))?;
                let from = c.status;
                c.status = ChangeOrderStatus::Withdrawn;
                c.updated_at = now;
                store::update_status(db, &c)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "change_order.withdraw")
                        .target("change_order", c.id.0)
                        .details(serde_json::json!({"from": from, "note": note})),
                )?;
                Ok(c)
            })
            .await
    }

    /// The client's contact approves (`approve`) or declines a sent change order in the portal.
    /// Only the approvers (and client admins) of the order's client may; their id, name and the
    /// time are recorded on the order and in the audit trail. Anyone else of the client who can
    /// see the order is refused with the names of those who may.
    pub async fn decide_change_order(
        &self,
        ctx: &Ctx,
        id: ChangeOrderId,
        approve: bool,
        input: DecisionInput,
    ) -> AppResult<ChangeOrder> {
        ctx.require(Permission::PortalAccess)?;
        let Principal::Contact { contact_id, .. } = ctx.principal else {
            return Err(AppError::forbidden("this is for client contacts"));
        };
        let note = input.validate()?;
        let to = if approve {
            ChangeOrderStatus::Approved
        } else {
            ChangeOrderStatus::Declined
        };
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<ChangeOrder> {
                let mut c = visible(db, &ctx.principal, id, true)?;
                if !ctx.principal.allows(Permission::ApproveForClient) {
                    return Err(approver_required(db, &ctx, c.client_id)?);
                }
                c.status.can_become(to).map_err(|_| illegal(&c, to))?;
                let contact = clients::get_contact(db, ctx.org(), contact_id)?;
                c.status = to;
                c.decided_at = Some(now);
                c.decided_by = Some(contact_id);
                c.decided_by_name = Some(contact.name.clone());
                c.decision_note = note.clone();
                c.updated_at = now;
                store::update_status(db, &c)?;
                // A declined change order is a scope dispute in the client's health; an
                // approval changes nothing there.
                if !approve {
                    crate::health::touch(db, ctx.org(), c.client_id, now)?;
                }
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(
                        Actor::Contact(contact_id),
                        if approve {
                            "change_order.approve"
                        } else {
                            "change_order.decline"
                        },
                    )
                    .target("change_order", c.id.0)
                    .details(serde_json::json!({
                        "contact_id": contact_id, "contact_name": contact.name, "at": now,
                        "note": note, "price_minor": c.price_minor, "currency": c.currency,
                    })),
                )?;
                Ok(c)
            })
            .await
    }
}
