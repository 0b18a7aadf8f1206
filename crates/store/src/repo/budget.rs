//! What an engagement's budget burn is computed from.

use rapport_core::budget::BudgetFacts;
use rapport_core::engagement::Engagement;
use rapport_core::ids::{EngagementId, OrgId};

use crate::db::Db;
use crate::error::StoreError;
use crate::params;

/// Lock the engagement row until the transaction ends (PostgreSQL), so concurrent time entries
/// on one engagement see each other's minutes when they check its thresholds.
pub fn lock_engagement(
    db: &mut Db<'_>,
    org: OrgId,
    engagement: EngagementId,
) -> Result<bool, StoreError> {
    let sql = format!(
        "SELECT id FROM engagements WHERE org_id = $1 AND id = $2{}",
        db.for_update()
    );
    Ok(db.query_opt(&sql, params![org, engagement])?.is_some())
}

/// Time spent on the engagement and what its open requests still need.
pub fn facts(db: &mut Db<'_>, e: &Engagement) -> Result<BudgetFacts, StoreError> {
    let spent = db.query_one(
        "SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN billable THEN minutes ELSE 0 END), 0) AS BIGINT)
         FROM time_entries WHERE org_id = $1 AND engagement_id = $2",
        params![e.org_id, e.id],
    )?;
    let open = db.query_one(
        "SELECT COUNT(*),
                CAST(COALESCE(SUM(CASE WHEN estimate_minutes > spent_minutes
                    THEN estimate_minutes - spent_minutes ELSE 0 END), 0) AS BIGINT),
                COUNT(*) - COUNT(estimate_minutes)
         FROM requests WHERE org_id = $1 AND engagement_id = $2 AND status NOT IN ('delivered', 'closed')",
        params![e.org_id, e.id],
    )?;
    Ok(BudgetFacts {
        currency: e.currency.clone(),
        budget_minutes: e.budget_minutes,
        budget_fee_minor: e.budget_fee_minor,
        hourly_rate_minor: e.hourly_rate_minor,
        spent_minutes: spent.get(0)?,
        billable_minutes: spent.get(1)?,
        open_requests: open.get(0)?,
        remaining_estimate_minutes: open.get(1)?,
        unestimated_open_requests: open.get(2)?,
    })
}

/// Whether an alert with this dedupe key was ever raised about the engagement, whatever became
/// of it: a threshold crossing alerts once, even after the alert is resolved.
pub fn alerted(
    db: &mut Db<'_>,
    org: OrgId,
    engagement: EngagementId,
    dedupe_key: &str,
) -> Result<bool, StoreError> {
    let n: i64 = db.scalar(
        "SELECT COUNT(*) FROM alerts
         WHERE org_id = $1 AND subject_kind = 'engagement' AND subject_id = $2 AND dedupe_key = $3",
        params![org, engagement, dedupe_key],
    )?;
    Ok(n > 0)
}
