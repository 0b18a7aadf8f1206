//! Fair assignment: a new request on an engagement that assigns automatically (its own choice,
//! else the org's default) goes to a member of the engagement's team chosen by
//! `rapport_core::assign::choose`: nobody away or over capacity, those working now first, then
//! the most free capacity this week, round-robin among equals. It runs inside the one function
//! that opens requests (`requests::insert_request_shaped`), so mail, the portal, the API and
//! the pages all get it. Every choice is audited with its reason; a request nobody can take
//! stays unassigned and raises `assignment.nobody` to the engagement's manager.

use jiff::Timestamp;
use rapport_core::access::{Actor, Permission};
use rapport_core::alert::{NewAlert, Severity};
use rapport_core::assign::{self, Candidate, Decision};
use rapport_core::audit::AuditEntry;
use rapport_core::ids::{EngagementId, OrgId};
use rapport_core::request::Request;
use rapport_store::Db;
use rapport_store::repo::{assign as store, engagements, members};
use serde::{Deserialize, Serialize};

use crate::clocks::ClockSettings;
use crate::clocks::absence::away_now;
use crate::clocks::{capacity, member_calendar};
use crate::{App, AppError, AppResult, Ctx};

/// The alert for a request nobody could take.
pub const NOBODY: &str = "assignment.nobody";

/// An engagement's setting as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AutoAssignSetting {
    /// The engagement's own choice; `null`: it follows the organisation's default.
    pub auto_assign: Option<bool>,
    /// The organisation's default.
    pub org_default: bool,
    /// Whether new requests on it are assigned automatically.
    pub effective: bool,
}

/// A change to an engagement's setting (`null` follows the organisation's default).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AutoAssignInput {
    pub auto_assign: Option<bool>,
}

/// Whether new requests on `engagement` are assigned automatically.
pub(crate) fn enabled(db: &mut Db<'_>, org: OrgId, engagement: EngagementId) -> AppResult<bool> {
    Ok(match store::engagement(db, org, engagement)? {
        Some(on) => on,
        None => store::org_default(db, org)?,
    })
}

/// Who of the engagement's team takes a request arriving at `now`, and why.
pub(crate) fn choose_in(
    db: &mut Db<'_>,
    org: OrgId,
    engagement: EngagementId,
    now: Timestamp,
) -> AppResult<Decision> {
    let settings = ClockSettings::default();
    let turns = store::turns(db, org)?;
    let mut team = Vec::new();
    for id in engagements::team(db, org, engagement)? {
        let Some(m) = members::find(db, org, id)? else {
            continue;
        };
        let last_turn = turns
            .iter()
            .find(|(who, _)| *who == id)
            .map_or(0, |(_, t)| *t);
        if !m.active {
            team.push(Candidate {
                member_id: id,
                active: false,
                absent: false,
                working_now: false,
                free_minutes: 0,
                last_turn,
            });
            continue;
        }
        let calendar = member_calendar(db, &m)?;
        let week = capacity::load(db, &m, 1, None, &settings, now)?;
        let free = week
            .weeks
            .first()
            .map_or(0, |w| w.capacity_minutes - w.committed_minutes);
        team.push(Candidate {
            member_id: id,
            active: true,
            absent: away_now(db, org, id, now)?.is_some(),
            working_now: calendar.is_open(now),
            free_minutes: free,
            last_turn,
        });
    }
    Ok(assign::choose(&team))
}

/// Record the outcome for a request just opened: the turn taken and the audit row, or, with
/// nobody chosen, the alert to the engagement's manager.
pub(crate) fn record(
    db: &mut Db<'_>,
    ctx: &Ctx,
    r: &Request,
    d: &Decision,
    now: Timestamp,
) -> AppResult<()> {
    let org = r.org_id;
    if let Some(m) = d.chosen {
        store::take_turn(db, org, m)?;
    } else {
        let manager = match r.engagement_id {
            Some(e) => engagements::get(db, org, e).ok().and_then(|e| e.manager_id),
            None => None,
        };
        crate::alerts::raise(
            db,
            org,
            &NewAlert {
                kind: NOBODY.to_string(),
                severity: Severity::Warning,
                subject_kind: Some("request"),
                subject_id: Some(r.id.0),
                message: format!(
                    "Request #{} \"{}\" is unassigned: {}",
                    r.id, r.title, d.reason
                ),
                details: serde_json::json!({
                    "request_id": r.id,
                    "engagement_id": r.engagement_id,
                    "skipped": d.skipped,
                }),
                recipient_id: manager,
                dedupe_key: format!("{NOBODY}:{}", r.id.0),
            },
            now,
        )?;
    }
    ctx.audit(
        db,
        now,
        AuditEntry::new(Actor::System, "request.auto_assign")
            .target("request", r.id.0)
            .details(serde_json::json!({
                "assignee_id": d.chosen,
                "reason": d.reason,
                "free_minutes": d.free_minutes,
                "working_now": d.working_now,
                "skipped": d.skipped,
            })),
    )
}

/// [`App::engagement_assignment`] inside the caller's snapshot.
pub(crate) fn setting_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    id: EngagementId,
) -> AppResult<AutoAssignSetting> {
    ctx.require(Permission::ReadOrgWork)?;
    let org = ctx.org();
    engagements::get(db, org, id).map_err(|_| AppError::NotFound("engagement"))?;
    let own = store::engagement(db, org, id)?;
    let org_default = store::org_default(db, org)?;
    Ok(AutoAssignSetting {
        auto_assign: own,
        org_default,
        effective: own.unwrap_or(org_default),
    })
}

impl App {
    /// An engagement's automatic assignment setting.
    pub async fn engagement_assignment(
        &self,
        ctx: &Ctx,
        id: EngagementId,
    ) -> AppResult<AutoAssignSetting> {
        let ctx = ctx.clone();
        self.store.read(move |db| setting_in(db, &ctx, id)).await
    }

    /// Set an engagement's automatic assignment (managers and above).
    pub async fn set_engagement_assignment(
        &self,
        ctx: &Ctx,
        id: EngagementId,
        input: AutoAssignInput,
    ) -> AppResult<AutoAssignSetting> {
        ctx.require(Permission::ManageClients)?;
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<AutoAssignSetting> {
                engagements::get(db, org, id).map_err(|_| AppError::NotFound("engagement"))?;
                let before = store::engagement(db, org, id)?;
                store::set_engagement(db, org, id, input.auto_assign, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "engagement.auto_assign")
                        .target("engagement", id.0)
                        .details(serde_json::json!({"from": before, "to": input.auto_assign})),
                )?;
                let org_default = store::org_default(db, org)?;
                Ok(AutoAssignSetting {
                    auto_assign: input.auto_assign,
                    org_default,
                    effective: input.auto_assign.unwrap_or(org_default),
                })
            })
            .await
    }

    /// The organisation's default for engagements without their own choice.
    pub async fn assignment_default(&self, ctx: &Ctx) -> AppResult<bool> {
        ctx.require(Permission::ReadOrgWork)?;
        let org = ctx.org();
        self.store
            .read(move |db| -> AppResult<bool> { Ok(store::org_default(db, org)?) })
            .await
    }

    /// Set the organisation's default (admins and owners).
    pub async fn set_assignment_default(&self, ctx: &Ctx, on: bool) -> AppResult<bool> {
        ctx.require(Permission::ManageMembers)?;
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<bool> {
                let before = store::org_default(db, org)?;
                store::set_org_default(db, org, on, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "org.auto_assign")
                        .details(serde_json::json!({"from": before, "to": on})),
                )?;
                Ok(on)
            })
            .await
    }
}
