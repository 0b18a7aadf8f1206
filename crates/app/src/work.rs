//! Engagements: the briefs the book of work is held against.

use rapport_core::access::Permission;
use rapport_core::audit::{self, AuditEntry};
use rapport_core::engagement::{Engagement, EngagementPatch, NewEngagement, team_change};
use rapport_core::ids::{ClientId, EngagementId, MemberId};
use rapport_core::member::Member;
use rapport_store::Db;
use rapport_store::repo::{clients, engagements, members};

use crate::access::check_member;
use crate::{App, AppError, AppResult, Ctx, Listing, cursor};

impl App {
    pub async fn list_engagements(
        &self,
        ctx: &Ctx,
        client: Option<ClientId>,
        after: Option<&str>,
        limit: usize,
    ) -> AppResult<Listing<Engagement>> {
        let after = cursor::after_id(after)?;
        let ctx = ctx.clone();
        self.store
            .read(move |db| list_engagements_in(db, &ctx, client, after, limit))
            .await
    }

    pub async fn get_engagement(&self, ctx: &Ctx, id: EngagementId) -> AppResult<Engagement> {
        ctx.require(Permission::ReadOrgWork)?;
        let org = ctx.org();
        self.store
            .read(move |db| {
                engagements::get(db, org, id).map_err(|_| AppError::NotFound("engagement"))
            })
            .await
    }

    pub async fn create_engagement(
        &self,
        ctx: &Ctx,
        input: NewEngagement,
    ) -> AppResult<Engagement> {
        ctx.require(Permission::ManageClients)?;
        let draft = input.validate()?;
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Engagement> {
                if !clients::exists(db, org, draft.client_id)? {
                    return Err(AppError::invalid("client_id", "no such client"));
                }
                if let Some(m) = draft.manager_id {
                    check_member(db, org, m, "manager_id")?;
                }
                for m in &draft.team {
                    check_member(db, org, *m, "team_member_ids")?;
                }
                let e = engagements::insert(db, org, &draft, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "engagement.create")
                        .target("engagement", e.id.0)
                        .details(serde_json::json!({
                            "client_id": e.client_id, "name": e.name, "team": e.team,
                        })),
                )?;
                Ok(e)
            })
            .await
    }

    pub async fn update_engagement(
        &self,
        ctx: &Ctx,
        id: EngagementId,
        patch: EngagementPatch,
    ) -> AppResult<Engagement> {
        ctx.require(Permission::ManageClients)?;
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Engagement> {
                let before =
                    engagements::get(db, org, id).map_err(|_| AppError::NotFound("engagement"))?;
                let mut after = patch.apply(&before)?;
                if let Some(m) = after.manager_id
                    && before.manager_id != Some(m)
                {
                    check_member(db, org, m, "manager_id")?;
                }
                // Only those joining must be active: a member deactivated while on the team
                // does not block other edits.
                let (joined, left) = team_change(&before.team, &after.team);
                for m in &joined {
                    check_member(db, org, *m, "team_member_ids")?;
                }
                after.updated_at = now;
                engagements::update(db, &after)?;
                if !joined.is_empty() || !left.is_empty() {
                    engagements::set_team(db, org, id, &after.team, now)?;
                }
                if (after.sla_policy, after.silence_policy, &after.calendar)
                    != (before.sla_policy, before.silence_policy, &before.calendar)
                {
                    crate::clocks::sla::recheck_engagement(db, org, id, now)?;
                }
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "engagement.update")
                        .target("engagement", id.0)
                        .details(with_team_change(
                            audit::diff(&before, &after),
                            &joined,
                            &left,
                        )),
                )?;
                Ok(after)
            })
            .await
    }
}

/// The audit details of an edit, naming who joined and who left the team.
fn with_team_change(
    mut details: serde_json::Value,
    joined: &[MemberId],
    left: &[MemberId],
) -> serde_json::Value {
    if let Some(map) = details.as_object_mut() {
        if !joined.is_empty() {
            map.insert("team_added".into(), serde_json::json!(joined));
        }
        if !left.is_empty() {
            map.insert("team_removed".into(), serde_json::json!(left));
        }
    }
    details
}

/// The members on an engagement's team, in the caller's transaction (deactivated ones too:
/// callers that hand out work skip those with `active` false).
pub(crate) fn team_of(
    db: &mut Db<'_>,
    org: rapport_core::ids::OrgId,
    id: EngagementId,
) -> AppResult<Vec<Member>> {
    let mut out = Vec::new();
    for m in engagements::team(db, org, id)? {
        if let Some(member) = members::find(db, org, m)? {
            out.push(member);
        }
    }
    Ok(out)
}

/// [`App::list_engagements`] inside the caller's snapshot.
pub(crate) fn list_engagements_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    client: Option<ClientId>,
    after: Option<i64>,
    limit: usize,
) -> AppResult<Listing<Engagement>> {
    ctx.require(Permission::ReadOrgWork)?;
    Ok(engagements::list(db, ctx.org(), client, after, limit)?.into())
}

/// [`App::engagement_team`] inside the caller's snapshot.
pub(crate) fn engagement_team_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    id: EngagementId,
) -> AppResult<Vec<Member>> {
    ctx.require(Permission::ReadOrgWork)?;
    let org = ctx.org();
    engagements::get(db, org, id).map_err(|_| AppError::NotFound("engagement"))?;
    let mut team = team_of(db, org, id)?;
    team.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(team)
}

impl App {
    /// The members on an engagement's team, by name.
    pub async fn engagement_team(&self, ctx: &Ctx, id: EngagementId) -> AppResult<Vec<Member>> {
        let ctx = ctx.clone();
        self.store
            .read(move |db| engagement_team_in(db, &ctx, id))
            .await
    }
}
