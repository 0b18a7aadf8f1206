//! Organisations and their first members: what an operator sets up from the command line.

use rapport_core::access::{Actor, Principal, Role};
use rapport_core::audit::AuditEntry;
use rapport_core::ids::OrgId;
use rapport_core::member::{Member, NewMember};
use rapport_core::org::{Org, OrgDraft};
use rapport_store::repo::{audit, members, orgs};

use crate::auth::hash_password_async;
use crate::{App, AppError, AppResult, Ctx};

impl App {
    /// Create an org (operator action, audited as the system).
    pub async fn create_org(&self, slug: &str, name: &str) -> AppResult<Org> {
        let draft = OrgDraft::parse(slug, name)?;
        let now = self.now();
        let first_check = now
            .checked_add(self.settings.clocks.silence_every)
            .map_err(|e| AppError::internal("the first silence check", e))?;
        self.store
            .write(move |db| -> AppResult<Org> {
                let org = orgs::insert(db, &draft, now)?;
                crate::clocks::silence::ensure_check(db, org.id, first_check, now)?;
                audit::record(
                    db,
                    org.id,
                    now,
                    None,
                    &AuditEntry::new(Actor::System, "org.create").target("org", org.id.0),
                )?;
                Ok(org)
            })
            .await
    }

    pub async fn org_by_slug(&self, slug: &str) -> AppResult<Option<Org>> {
        let slug = slug.to_string();
        Ok(self.store.read(move |db| orgs::by_slug(db, &slug)).await?)
    }

    pub async fn org(&self, id: OrgId) -> AppResult<Org> {
        self.store
            .read(move |db| orgs::get(db, id).map_err(|_| AppError::NotFound("org")))
            .await
    }

    pub async fn orgs(&self) -> AppResult<Vec<Org>> {
        Ok(self.store.read(|db| orgs::list(db, 10_000)).await?)
    }

    /// Add a member as the operator (no signed-in principal: `rapport user add`).
    pub async fn add_member_as_operator(&self, org: OrgId, input: NewMember) -> AppResult<Member> {
        let draft = input.validate()?;
        let hash = match &draft.password {
            Some(p) => Some(hash_password_async(p.clone()).await?),
            None => None,
        };
        let now = self.now();
        self.store
            .write(move |db| -> AppResult<Member> {
                let m = members::insert(db, org, &draft, hash.as_deref(), now)?;
                audit::record(
                    db,
                    org,
                    now,
                    None,
                    &AuditEntry::new(Actor::System, "member.create")
                        .target("member", m.id.0)
                        .details(serde_json::json!({"email": m.email, "role": m.role})),
                )?;
                Ok(m)
            })
            .await
    }

    /// A context acting as `member` (for operator commands that act on someone's behalf).
    pub async fn ctx_for_member(
        &self,
        org: OrgId,
        member: rapport_core::ids::MemberId,
    ) -> AppResult<Ctx> {
        let m = self
            .store
            .read(move |db| members::get(db, org, member).map_err(|_| AppError::NotFound("member")))
            .await?;
        Ok(Ctx::new(
            Principal::Member {
                org_id: org,
                member_id: m.id,
                role: m.role,
            },
            None,
        ))
    }

    /// The member with this email, for operator commands.
    pub async fn member_by_email(&self, org: OrgId, email: &str) -> AppResult<Option<Member>> {
        let email = email.trim().to_lowercase();
        Ok(self
            .store
            .read(move |db| members::by_email_with_hash(db, org, &email))
            .await?
            .map(|(m, _)| m))
    }
}

/// Whether a role exists among the members (used to refuse removing the last owner).
pub fn is_owner(role: Role) -> bool {
    role == Role::Owner
}

/// Filters for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// An action, or an entity with a trailing dot (`request.`) for all of its actions.
    pub action: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<i64>,
    pub actor: Option<rapport_core::access::Actor>,
    /// At or after.
    pub since: Option<jiff::Timestamp>,
    /// Before.
    pub until: Option<jiff::Timestamp>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

impl App {
    /// The audit trail, newest first (admins and owners).
    pub async fn list_audit(
        &self,
        ctx: &Ctx,
        f: AuditFilter,
    ) -> AppResult<crate::Listing<rapport_core::audit::AuditEvent>> {
        ctx.require(rapport_core::access::Permission::ReadAudit)?;
        if let (Some(since), Some(until)) = (f.since, f.until)
            && until <= since
        {
            return Err(AppError::invalid("until", "must be after since"));
        }
        if let Some(a) = &f.action
            && (a.is_empty() || a.len() > 100)
        {
            return Err(AppError::invalid("action", "1 to 100 characters"));
        }
        let q = audit::AuditQuery {
            action: f.action,
            target_kind: f.target_kind,
            target_id: f.target_id,
            actor: f.actor,
            since: f.since,
            until: f.until,
            before_id: crate::cursor::after_id(f.cursor.as_deref())?,
            limit: crate::limit(f.limit)?,
        };
        let org = ctx.org();
        Ok(self
            .store
            .read(move |db| audit::list(db, org, &q))
            .await?
            .into())
    }
}
