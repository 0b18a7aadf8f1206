//! Members' absences: recorded by the member or a manager, listed on the member's page and in
//! the API. What an absence changes elsewhere (capacity, suggested dates, SLA routing, the alert
//! for promises due while away) lives with the clocks (`clocks::absence`).

use rapport_core::absence::{Absence, NewAbsence};
use rapport_core::access::{Permission, Role};
use rapport_core::audit::AuditEntry;
use rapport_core::ids::MemberId;
use rapport_core::member::Member;
use rapport_store::Db;
use rapport_store::repo::{absences as store, clocks as store_clocks, members};

use crate::clocks::Lookup;
use crate::clocks::absence::{WORK_DUE, check_absence};
use crate::{App, AppError, AppResult, Ctx};

/// A member records their own absences; managers and above record anyone's.
fn may_record(ctx: &Ctx, member: MemberId) -> AppResult<()> {
    let own = ctx.principal.member_id() == Some(member);
    let manager = ctx
        .principal
        .role()
        .is_some_and(|r| r.at_least(Role::Manager));
    if !ctx.principal.is_member() || !(own || manager) {
        return Err(AppError::forbidden(
            "you may record only your own absences (managers record anyone's)",
        ));
    }
    Ok(())
}

fn member_in(db: &mut Db<'_>, ctx: &Ctx, id: MemberId) -> AppResult<Member> {
    members::find(db, ctx.org(), id)?.ok_or(AppError::NotFound("member"))
}

/// [`App::list_absences`] inside the caller's snapshot.
pub(crate) fn list_absences_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    member: MemberId,
) -> AppResult<Vec<Absence>> {
    ctx.require(Permission::ReadOrgWork)?;
    member_in(db, ctx, member)?;
    Ok(store::of_member(db, ctx.org(), member, None)?)
}

impl App {
    /// A member's absences, earliest first.
    pub async fn list_absences(&self, ctx: &Ctx, member: MemberId) -> AppResult<Vec<Absence>> {
        let ctx = ctx.clone();
        self.store
            .read(move |db| list_absences_in(db, &ctx, member))
            .await
    }

    /// Record an absence. Days already covered by another absence of the member are refused
    /// (409 naming `starts_on`): one absence per day keeps removing one unambiguous. Promises
    /// due while the member is away are told to their engagements' managers at once.
    pub async fn add_absence(
        &self,
        ctx: &Ctx,
        member: MemberId,
        input: NewAbsence,
    ) -> AppResult<Absence> {
        ctx.require(Permission::DoWork)?;
        may_record(ctx, member)?;
        let draft = input.validate()?;
        let by = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("only members record absences"))?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Absence> {
                let org = ctx.org();
                let m = member_in(db, &ctx, member)?;
                if !m.active {
                    return Err(AppError::conflict(
                        "member_id",
                        format!("member {member} is deactivated"),
                    ));
                }
                if let Some(other) =
                    store::overlapping(db, org, member, draft.starts_on, draft.ends_on)?.first()
                {
                    return Err(AppError::conflict(
                        "starts_on",
                        format!(
                            "{} is already away from {} to {} (absence {})",
                            m.name, other.starts_on, other.ends_on, other.id
                        ),
                    ));
                }
                let a = store::insert(db, org, member, &draft, by, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "member.absence.add")
                        .target("absence", a.id)
                        .details(serde_json::json!({
                            "member_id": member,
                            "starts_on": a.starts_on,
                            "ends_on": a.ends_on,
                            "note": a.note,
                        })),
                )?;
                check_absence(db, &m, &a, &mut Lookup::default(), now)?;
                Ok(a)
            })
            .await
    }

    /// Remove an absence (the member's own, or anyone's as a manager); its open alerts are
    /// resolved, since the member is there after all.
    pub async fn remove_absence(&self, ctx: &Ctx, id: i64) -> AppResult<Absence> {
        ctx.require(Permission::DoWork)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Absence> {
                let org = ctx.org();
                let a = store::get(db, org, id)?.ok_or(AppError::NotFound("absence"))?;
                may_record(&ctx, a.member_id)?;
                store::delete(db, org, id)?;
                store_clocks::resolve_alerts_about(db, org, WORK_DUE, "absence", id, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "member.absence.remove")
                        .target("absence", id)
                        .details(serde_json::json!({
                            "member_id": a.member_id,
                            "starts_on": a.starts_on,
                            "ends_on": a.ends_on,
                        })),
                )?;
                Ok(a)
            })
            .await
    }
}
