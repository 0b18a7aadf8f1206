//! Snooze: a member puts a request out of the queue's views until a time or until the client
//! writes (whichever first). Lists compare the snooze with the app clock, so a request returns
//! by itself when its time passes; housekeeping later deletes the spent row and audits the
//! return. A client's message wakes it at once ([`wake_on_client_message`], called by
//! `thread::record_inbound`). Snooze hides work; it does not pause SLA clocks or promises.

use jiff::Timestamp;
use rapport_core::access::{Actor, Permission};
use rapport_core::audit::AuditEntry;
use rapport_core::ids::{MemberId, RequestId};
use rapport_core::request::Request;
use rapport_core::snooze::{Snooze, SnoozeInput, Wake};
use rapport_store::Db;
use rapport_store::repo::snoozes;

use crate::access::visible_request;
use crate::{App, AppError, AppResult, Ctx};

/// Snoozing is the team's: a client's contact can neither snooze nor see a snooze.
fn member_of(ctx: &Ctx) -> AppResult<MemberId> {
    ctx.principal
        .member_id()
        .ok_or_else(|| AppError::forbidden("snoozing a request is for members"))
}

fn unsnoozed(actor: Actor, id: RequestId, was: &Snooze, why: Wake) -> AuditEntry {
    AuditEntry::new(actor, "request.unsnoozed")
        .target("request", id.0)
        .details(serde_json::json!({
            "why": why,
            "until": was.until,
            "until_client_writes": was.until_client_writes,
        }))
}

/// The client wrote on `r`: a snooze still hiding it ends now (audited with why). One that
/// waits only for its time ends too: the client's word always brings the request back.
pub(crate) fn wake_on_client_message(
    db: &mut Db<'_>,
    ctx: &Ctx,
    r: &Request,
    now: Timestamp,
) -> AppResult<()> {
    let Some(was) = snoozes::delete(db, r.org_id, r.id)? else {
        return Ok(());
    };
    let why = if was.is_active(now) {
        Wake::ClientWrote
    } else {
        Wake::Time
    };
    ctx.audit(db, now, unsnoozed(ctx.principal.actor(), r.id, &was, why))?;
    Ok(())
}

/// The active snooze of a request the caller may see, inside the caller's snapshot.
pub(crate) fn snooze_of_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    id: RequestId,
    now: Timestamp,
) -> AppResult<Option<Snooze>> {
    member_of(ctx)?;
    ctx.require(Permission::ReadOrgWork)?;
    visible_request(db, &ctx.principal, id, false)?;
    Ok(snoozes::get(db, ctx.org(), id)?.filter(|s| s.is_active(now)))
}

/// The active snoozes of `ids` (for lists that say when each returns).
pub(crate) fn snoozes_of_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    ids: &[RequestId],
    now: Timestamp,
) -> AppResult<Vec<Snooze>> {
    if !ctx.principal.is_member() {
        return Ok(Vec::new());
    }
    Ok(snoozes::active_for(db, ctx.org(), ids, now)?)
}

impl App {
    /// The request's snooze, when it is snoozed now.
    pub async fn request_snooze(&self, ctx: &Ctx, id: RequestId) -> AppResult<Option<Snooze>> {
        let ctx = ctx.clone();
        let now = self.now();
        self.store
            .read(move |db| snooze_of_in(db, &ctx, id, now))
            .await
    }

    /// Snooze (or re-snooze) request `id`.
    pub async fn snooze_request(
        &self,
        ctx: &Ctx,
        id: RequestId,
        input: SnoozeInput,
    ) -> AppResult<Snooze> {
        let me = member_of(ctx)?;
        ctx.require(Permission::DoWork)?;
        let ctx = ctx.clone();
        let now = self.now();
        self.store
            .write(move |db| -> AppResult<Snooze> {
                let r = visible_request(db, &ctx.principal, id, true)?;
                input.validate(r.status, now)?;
                let s = Snooze {
                    request_id: id,
                    until: input.until,
                    until_client_writes: input.until_client_writes,
                    snoozed_by: me,
                    snoozed_at: now,
                };
                snoozes::put(db, ctx.org(), &s)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "request.snoozed")
                        .target("request", id.0)
                        .details(serde_json::json!({
                            "until": s.until,
                            "until_client_writes": s.until_client_writes,
                        })),
                )?;
                Ok(s)
            })
            .await
    }

    /// Bring request `id` back by hand; 404 (problem `snooze`) when it is not snoozed.
    pub async fn unsnooze_request(&self, ctx: &Ctx, id: RequestId) -> AppResult<Snooze> {
        member_of(ctx)?;
        ctx.require(Permission::DoWork)?;
        let ctx = ctx.clone();
        let now = self.now();
        self.store
            .write(move |db| -> AppResult<Snooze> {
                visible_request(db, &ctx.principal, id, true)?;
                match snoozes::get(db, ctx.org(), id)? {
                    Some(s) if s.is_active(now) => {
                        snoozes::delete(db, ctx.org(), id)?;
                        ctx.audit(
                            db,
                            now,
                            unsnoozed(ctx.principal.actor(), id, &s, Wake::ByHand),
                        )?;
                        Ok(s)
                    }
                    _ => Err(AppError::NotFound("snooze")),
                }
            })
            .await
    }
}

/// Housekeeping: delete snoozes whose time has passed, in every org, auditing each return
/// (`request.unsnoozed`, why `time`, by the system, at the time it came back). How many went.
pub(crate) fn sweep_past(db: &mut Db<'_>, now: Timestamp) -> AppResult<u64> {
    let past = snoozes::take_past(db, now)?;
    for (org, s) in &past {
        let at = s.until.unwrap_or(now);
        rapport_store::repo::audit::record(
            db,
            *org,
            at,
            None,
            &unsnoozed(Actor::System, s.request_id, s, Wake::Time),
        )?;
    }
    Ok(past.len() as u64)
}
