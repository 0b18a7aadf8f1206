//! Time entries: the minutes members spend, feeding budgets and capacity.

use rapport_core::access::{Permission, Role};
use rapport_core::audit::AuditEntry;
use rapport_core::ids::{EngagementId, MemberId, RequestId, TimeEntryId};
use rapport_core::time_entry::{NewTimeEntry, TimeEntry, TimeEntryPatch};
use rapport_store::Db;
use rapport_store::repo::time_entries::{self as store, TimeQuery};
use rapport_store::repo::{engagements, requests};

use crate::access::check_member;
use crate::access::visible_request;
use crate::{App, AppError, AppResult, Ctx, Listing, cursor};

#[derive(Debug, Clone, Default)]
pub struct TimeFilter {
    pub member: Option<MemberId>,
    pub request: Option<RequestId>,
    pub engagement: Option<EngagementId>,
    pub from: Option<jiff::Timestamp>,
    pub to: Option<jiff::Timestamp>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// [`App::list_time`] inside the caller's snapshot.
pub(crate) fn list_time_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    f: TimeFilter,
) -> AppResult<Listing<TimeEntry>> {
    ctx.require(Permission::ReadOrgWork)?;
    let q = TimeQuery {
        member: f.member,
        request: f.request,
        engagement: f.engagement,
        from: f.from,
        to: f.to,
        after_id: cursor::after_id(f.cursor.as_deref())?,
        limit: crate::limit(f.limit)?,
    };
    Ok(store::list(db, ctx.org(), &q)?.into())
}

impl App {
    pub async fn list_time(&self, ctx: &Ctx, f: TimeFilter) -> AppResult<Listing<TimeEntry>> {
        let ctx = ctx.clone();
        self.store.read(move |db| list_time_in(db, &ctx, f)).await
    }

    pub async fn get_time(&self, ctx: &Ctx, id: TimeEntryId) -> AppResult<TimeEntry> {
        ctx.require(Permission::ReadOrgWork)?;
        let org = ctx.org();
        self.store
            .read(move |db| store::get(db, org, id).map_err(|_| AppError::NotFound("time entry")))
            .await
    }

    /// Log time. Members log their own; managers and above may log for others.
    pub async fn log_time(&self, ctx: &Ctx, input: NewTimeEntry) -> AppResult<TimeEntry> {
        ctx.require(Permission::DoWork)?;
        let caller = ctx.principal.member_id().unwrap_or_default();
        let now = self.now();
        let d = input.validate(now)?;
        let member = d.member_id.unwrap_or(caller);
        if member != caller
            && !ctx
                .principal
                .role()
                .is_some_and(|r| r.at_least(Role::Manager))
        {
            return Err(AppError::forbidden(
                "only managers log time for other members",
            ));
        }
        let org = ctx.org();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<TimeEntry> {
                if member != caller {
                    check_member(db, org, member, "member_id")?;
                }
                let (mut client, mut engagement) = (None, d.engagement_id);
                if let Some(rid) = d.request_id {
                    let r = visible_request(db, &ctx.principal, rid, true)
                        .map_err(|_| AppError::invalid("request_id", format!("no request {rid}")))?;
                    client = Some(r.client_id);
                    match (engagement, r.engagement_id) {
                        (Some(e), Some(re)) if e != re => {
                            return Err(AppError::invalid("engagement_id", "does not match the request's engagement"));
                        }
                        (None, re) => engagement = re,
                        _ => {}
                    }
                }
                if let Some(eid) = engagement {
                    let e = engagements::get(db, org, eid)
                        .map_err(|_| AppError::invalid("engagement_id", format!("no engagement {eid}")))?;
                    client = Some(e.client_id);
                }
                let t = store::insert(
                    db,
                    &TimeEntry {
                        id: Default::default(),
                        org_id: org,
                        member_id: member,
                        client_id: client,
                        engagement_id: engagement,
                        request_id: d.request_id,
                        started_at: d.started_at,
                        minutes: d.minutes,
                        billable: d.billable,
                        note: d.note,
                        created_at: now,
                    },
                )?;
                if let Some(rid) = d.request_id {
                    requests::add_spent(db, org, rid, d.minutes)?;
                }
                crate::budget::after_time_logged(db, org, engagement, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "time.log")
                        .target("time_entry", t.id.0)
                        .details(serde_json::json!({"member_id": member, "minutes": t.minutes, "request_id": t.request_id})),
                )?;
                Ok(t)
            })
            .await
    }

    /// Correct a logged entry. Members correct their own; managers and above anyone's. The
    /// request's spent minutes and the engagement's budget follow the change.
    pub async fn update_time(
        &self,
        ctx: &Ctx,
        id: TimeEntryId,
        patch: TimeEntryPatch,
    ) -> AppResult<TimeEntry> {
        ctx.require(Permission::DoWork)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<TimeEntry> {
                let before = own_entry(db, &ctx, id)?;
                let after = patch.apply(&before, now)?;
                store::update(db, &after)?;
                if let Some(rid) = after.request_id {
                    requests::add_spent(db, ctx.org(), rid, after.minutes - before.minutes)?;
                }
                crate::budget::after_time_logged(db, ctx.org(), after.engagement_id, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "time.update")
                        .target("time_entry", id.0)
                        .details(rapport_core::audit::diff(&before, &after)),
                )?;
                Ok(after)
            })
            .await
    }

    /// Delete a logged entry (logged by mistake, or twice), with the same rights as
    /// correcting it; the audit row keeps what it said.
    pub async fn delete_time(&self, ctx: &Ctx, id: TimeEntryId) -> AppResult<()> {
        ctx.require(Permission::DoWork)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<()> {
                let t = own_entry(db, &ctx, id)?;
                store::delete(db, ctx.org(), id)?;
                if let Some(rid) = t.request_id {
                    requests::add_spent(db, ctx.org(), rid, -t.minutes)?;
                }
                crate::budget::after_time_logged(db, ctx.org(), t.engagement_id, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "time.delete")
                        .target("time_entry", id.0)
                        .details(serde_json::json!({"member_id": t.member_id, "minutes": t.minutes, "request_id": t.request_id, "note": t.note, "billable": t.billable})),
                )?;
                Ok(())
            })
            .await
    }
}

/// An entry the caller may change: their own, or anyone's for managers and above.
fn own_entry(db: &mut rapport_store::Db<'_>, ctx: &Ctx, id: TimeEntryId) -> AppResult<TimeEntry> {
    let t = store::get(db, ctx.org(), id).map_err(|_| AppError::NotFound("time entry"))?;
    let manager = ctx
        .principal
        .role()
        .is_some_and(|r| r.at_least(Role::Manager));
    if Some(t.member_id) != ctx.principal.member_id() && !manager {
        return Err(AppError::forbidden(
            "only managers change time other members logged",
        ));
    }
    Ok(t)
}
