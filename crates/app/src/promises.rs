//! The promise ledger: make, keep, renegotiate, break.

use rapport_core::access::Permission;
use rapport_core::audit::AuditEntry;
use rapport_core::capacity::PromiseWarning;
use rapport_core::ids::{ClientId, MemberId, PromiseId, RequestId};
use rapport_core::promise::{
    NewPromise, Promise, PromiseChange, PromiseKind, PromiseStatus, RenegotiateInput, SettleInput,
};
use rapport_core::validate::{self, limits};
use rapport_store::Db;
use rapport_store::repo::promises::{self as store, PromiseQuery};
use rapport_store::repo::{clients, requests as store_requests};

use crate::access::check_member;
use crate::access::visible_request;
use crate::clocks::{capacity, promises as clock_promises};
use crate::{App, AppError, AppResult, Ctx, Listing, cursor};

#[derive(Debug, Clone, Default)]
pub struct PromiseFilter {
    pub statuses: Vec<PromiseStatus>,
    pub client: Option<ClientId>,
    pub request: Option<RequestId>,
    pub made_by: Option<MemberId>,
    pub overdue: bool,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// A promise just made, with the warnings it comes with.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MadePromise {
    #[serde(flatten)]
    pub promise: Promise,
    /// Made anyway, but the assignee's queue cannot carry it: a delivery promise due before the
    /// earliest realistic date gets one warning naming that date. Empty when the date is
    /// realistic.
    pub warnings: Vec<PromiseWarning>,
}

/// A promise with its renegotiation history.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PromiseDetail {
    #[serde(flatten)]
    pub promise: Promise,
    pub history: Vec<PromiseChange>,
}

/// [`App::list_promises`] inside the caller's snapshot.
pub(crate) fn list_promises_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    f: PromiseFilter,
    now: jiff::Timestamp,
) -> AppResult<Listing<Promise>> {
    let mut q = PromiseQuery {
        statuses: f.statuses,
        client: f.client,
        request: f.request,
        made_by: f.made_by,
        contact: None,
        overdue_at: f.overdue.then_some(now),
        after_id: cursor::after_id(f.cursor.as_deref())?,
        limit: crate::limit(f.limit)?,
    };
    // Contacts see what was promised to their client: "what you were promised, and when".
    let Some(scope) = crate::access::work_scope(ctx, q.client)? else {
        return Ok(Listing::empty());
    };
    q.client = scope.client;
    q.contact = scope.requester;
    Ok(store::list(db, ctx.org(), &q)?.into())
}

impl App {
    pub async fn list_promises(&self, ctx: &Ctx, f: PromiseFilter) -> AppResult<Listing<Promise>> {
        let ctx = ctx.clone();
        let now = self.now();
        self.store
            .read(move |db| list_promises_in(db, &ctx, f, now))
            .await
    }

    pub async fn get_promise(&self, ctx: &Ctx, id: PromiseId) -> AppResult<PromiseDetail> {
        let org = ctx.org();
        let scope = ctx.principal.client_scope();
        if scope.is_none() {
            ctx.require(Permission::ReadOrgWork)?;
        }
        let p = ctx.principal;
        self.store
            .read(move |db| -> AppResult<PromiseDetail> {
                let promise = store::get(db, org, id).map_err(|_| AppError::NotFound("promise"))?;
                if scope.is_some_and(|c| c != promise.client_id) {
                    return Err(AppError::NotFound("promise"));
                }
                // A requester's promises are those on their own requests.
                if p.own_requests_only().is_some()
                    && promise
                        .request_id
                        .is_none_or(|r| visible_request(db, &p, r, false).is_err())
                {
                    return Err(AppError::NotFound("promise"));
                }
                let history = store::changes(db, org, id)?;
                Ok(PromiseDetail { promise, history })
            })
            .await
    }

    /// Make a promise. A delivery promise on a request that is due before the assignee can
    /// deliver is still made, with a warning naming the earliest realistic date.
    pub async fn make_promise(&self, ctx: &Ctx, input: NewPromise) -> AppResult<MadePromise> {
        ctx.require(Permission::DoWork)?;
        let caller = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("promises are made by members"))?;
        let now = self.now();
        let d = input.validate(now)?;
        let org = ctx.org();
        let ctx = ctx.clone();
        let settings = self.settings.clocks.clone();
        self.store
            .write(move |db| -> AppResult<MadePromise> {
                let mut request = None;
                let client = match d.request_id {
                    Some(rid) => {
                        let r = visible_request(db, &ctx.principal, rid, false)
                            .map_err(|_| AppError::invalid("request_id", format!("no request {rid}")))?;
                        if d.client_id.is_some_and(|c| c != r.client_id) {
                            return Err(AppError::invalid("client_id", "does not match the request's client"));
                        }
                        let client = r.client_id;
                        request = Some(r);
                        client
                    }
                    None => {
                        let c = d.client_id.unwrap_or_default();
                        if !clients::exists(db, org, c)? {
                            return Err(AppError::invalid("client_id", format!("no client {c}")));
                        }
                        c
                    }
                };
                if let Some(contact) = d.contact_id {
                    match clients::get_contact(db, org, contact) {
                        Ok(c) if c.client_id == client => {}
                        _ => return Err(AppError::invalid("contact_id", format!("no contact {contact} at this client"))),
                    }
                }
                let made_by = d.made_by.unwrap_or(caller);
                if made_by != caller {
                    check_member(db, org, made_by, "made_by")?;
                }
                let p = store::insert(
                    db,
                    &Promise {
                        id: Default::default(),
                        org_id: org,
                        client_id: client,
                        request_id: d.request_id,
                        contact_id: d.contact_id,
                        kind: d.kind,
                        description: d.description,
                        due_at: d.due_at,
                        made_by,
                        status: PromiseStatus::Open,
                        kept_at: None,
                        broken_at: None,
                        margin_minutes: None,
                        renegotiations: 0,
                        created_at: now,
                        updated_at: now,
                    },
                )?;
                let warnings: Vec<PromiseWarning> = match &request {
                    Some(r) if p.kind == PromiseKind::Delivery => {
                        capacity::promise_warning(db, r, made_by, p.due_at, &settings, now)?.into_iter().collect()
                    }
                    _ => Vec::new(),
                };
                clock_promises::schedule_check(db, &p, settings.promise_due_soon, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "promise.make")
                        .target("promise", p.id.0)
                        .details(serde_json::json!({"kind": p.kind, "due_at": p.due_at, "client_id": p.client_id,
                            "warnings": warnings.iter().map(|w| &w.message).collect::<Vec<_>>()})),
                )?;
                Ok(MadePromise { promise: p, warnings })
            })
            .await
    }

    /// Keep or break a promise by hand.
    pub async fn settle_promise(
        &self,
        ctx: &Ctx,
        id: PromiseId,
        keep: bool,
        input: SettleInput,
    ) -> AppResult<Promise> {
        ctx.require(Permission::DoWork)?;
        let now = self.now();
        let at = input.at.unwrap_or(now);
        if at > now {
            return Err(AppError::invalid(
                "at",
                "cannot settle a promise in the future",
            ));
        }
        let reason = match input.reason.as_deref() {
            Some(r) => {
                Some(validate::text(r, limits::NOTE).map_err(|m| AppError::invalid("reason", m))?)
            }
            None => None,
        };
        let org = ctx.org();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Promise> {
                let mut p = store::get_for_update(db, org, id).map_err(|_| AppError::NotFound("promise"))?;
                let calendar = clock_promises::calendar_of(db, &p)?;
                let result = if keep { p.keep_in(&calendar, at) } else { p.break_in(&calendar, at) };
                result.map_err(|e| match e {
                    rapport_core::promise::PromiseError::BeforeMade { .. } => {
                        AppError::invalid("at", e.to_string())
                    }
                    e => AppError::conflict("status", e.to_string()),
                })?;
                p.updated_at = now;
                store::update(db, &p)?;
                crate::health::touch(db, org, p.client_id, now)?;
                clock_promises::settled(db, &p, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), if keep { "promise.keep" } else { "promise.break" })
                        .target("promise", id.0)
                        .details(serde_json::json!({"at": at, "margin_minutes": p.margin_minutes, "reason": reason})),
                )?;
                Ok(p)
            })
            .await
    }

    pub async fn renegotiate_promise(
        &self,
        ctx: &Ctx,
        id: PromiseId,
        input: RenegotiateInput,
    ) -> AppResult<PromiseDetail> {
        ctx.require(Permission::DoWork)?;
        let member = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("promises are renegotiated by members"))?;
        let reason = validate::text(&input.reason, limits::NOTE)
            .map_err(|m| AppError::invalid("reason", m))?;
        let now = self.now();
        if input.due_at <= now {
            return Err(AppError::invalid(
                "due_at",
                "the new date must be in the future",
            ));
        }
        let org = ctx.org();
        let ctx = ctx.clone();
        let due_soon = self.settings.clocks.promise_due_soon;
        self.store
            .write(move |db| -> AppResult<PromiseDetail> {
                let mut p = store::get_for_update(db, org, id)
                    .map_err(|_| AppError::NotFound("promise"))?;
                let old = p
                    .renegotiate(input.due_at, now)
                    .map_err(|e| AppError::conflict("due_at", e.to_string()))?;
                store::update(db, &p)?;
                clock_promises::rescheduled(db, &p, due_soon, now)?;
                store::insert_change(
                    db,
                    org,
                    &PromiseChange {
                        promise_id: id,
                        old_due_at: old,
                        new_due_at: p.due_at,
                        reason: reason.clone(),
                        changed_by: member,
                        changed_at: now,
                    },
                )?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "promise.renegotiate")
                        .target("promise", id.0)
                        .details(
                            serde_json::json!({"from": old, "to": p.due_at, "reason": reason}),
                        ),
                )?;
                let history = store::changes(db, org, id)?;
                Ok(PromiseDetail {
                    promise: p,
                    history,
                })
            })
            .await
    }
}

/// The client a request belongs to (used by callers that only hold a request id).
pub async fn request_client(app: &App, ctx: &Ctx, id: RequestId) -> AppResult<ClientId> {
    let org = ctx.org();
    app.store
        .read(move |db| {
            store_requests::get(db, org, id)
                .map(|r| r.client_id)
                .map_err(|_| AppError::NotFound("request"))
        })
        .await
}
