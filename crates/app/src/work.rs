//! Engagements: the briefs the book of work is held against.

use rapport_core::access::Permission;
use rapport_core::audit::{self, AuditEntry};
use rapport_core::engagement::{Engagement, EngagementPatch, NewEngagement};
use rapport_core::ids::{ClientId, EngagementId};
use rapport_store::repo::{clients, engagements};

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
        ctx.require(Permission::ReadOrgWork)?;
        let org = ctx.org();
        let after = cursor::after_id(after)?;
        Ok(self
            .store
            .read(move |db| engagements::list(db, org, client, after, limit))
            .await?
            .into())
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
                let e = engagements::insert(db, org, &draft, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "engagement.create")
                        .target("engagement", e.id.0)
                        .details(serde_json::json!({"client_id": e.client_id, "name": e.name})),
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
                after.updated_at = now;
                engagements::update(db, &after)?;
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
                        .details(audit::diff(&before, &after)),
                )?;
                Ok(after)
            })
            .await
    }
}
