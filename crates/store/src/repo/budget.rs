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

/// SQL for the approved change order (lowest id) that pays for the work on the request
/// `{alias}.{request_column}` of org `{alias}.org_id`, or NULL. Work a change order pays for is
/// billed on it, never against the base budget; the budget and the billing export share this so
/// they cannot disagree.
pub(crate) fn paying_change_order(alias: &str, request_column: &str) -> String {
    format!(
        "(SELECT MIN(o.id) FROM change_order_requests cr
           JOIN change_orders o ON o.org_id = cr.org_id AND o.id = cr.change_order_id
          WHERE cr.org_id = {alias}.org_id AND cr.request_id = {alias}.{request_column}
            AND o.status = 'approved')"
    )
}

/// Time spent on the engagement and what its open requests still need.
pub fn facts(db: &mut Db<'_>, e: &Engagement) -> Result<BudgetFacts, StoreError> {
    let spent = db.query_one(
        &format!(
            "SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) AS spent,
                    CAST(COALESCE(SUM(CASE WHEN billable THEN minutes ELSE 0 END), 0) AS BIGINT) AS billable,
                    CAST(COALESCE(SUM(CASE WHEN paid IS NOT NULL THEN minutes ELSE 0 END), 0) AS BIGINT) AS paid,
                    CAST(COALESCE(SUM(CASE WHEN billable AND paid IS NULL THEN minutes ELSE 0 END), 0) AS BIGINT)
                        AS base_billable
             FROM (SELECT t.minutes, t.billable, {} AS paid
                   FROM time_entries t WHERE t.org_id = $1 AND t.engagement_id = $2) x",
            paying_change_order("t", "request_id")
        ),
        params![e.org_id, e.id],
    )?;
    let open = db.query_one(
        &format!(
            "SELECT COUNT(*) AS open,
                    CAST(COALESCE(SUM(CASE WHEN estimate_minutes > spent_minutes
                        THEN estimate_minutes - spent_minutes ELSE 0 END), 0) AS BIGINT) AS remaining,
                    COUNT(*) - COUNT(estimate_minutes) AS unestimated
             FROM requests r WHERE r.org_id = $1 AND r.engagement_id = $2
               AND r.status NOT IN ('delivered', 'closed') AND {} IS NULL",
            paying_change_order("r", "id")
        ),
        params![e.org_id, e.id],
    )?;
    Ok(BudgetFacts {
        currency: e.currency.clone(),
        budget_minutes: e.budget_minutes,
        budget_fee_minor: e.budget_fee_minor,
        hourly_rate_minor: e.hourly_rate_minor,
        spent_minutes: spent.get("spent")?,
        billable_minutes: spent.get("billable")?,
        change_order_minutes: spent.get("paid")?,
        base_billable_minutes: spent.get("base_billable")?,
        open_requests: open.get("open")?,
        remaining_estimate_minutes: open.get("remaining")?,
        unestimated_open_requests: open.get("unestimated")?,
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
