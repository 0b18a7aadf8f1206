//! Budget burn of an engagement, and the alerts at 80 % and 100 % of it.

use jiff::Timestamp;
use rapport_core::access::Permission;
use rapport_core::alert::{NewAlert, Severity};
use rapport_core::budget::Burn;
use rapport_core::engagement::Engagement;
use rapport_core::ids::{EngagementId, OrgId};
use rapport_store::Db;
use rapport_store::repo::{budget as store, engagements};

use crate::{App, AppError, AppResult, Ctx};

fn burn(db: &mut Db<'_>, e: &Engagement) -> AppResult<Burn> {
    Burn::compute(store::facts(db, e)?).map_err(|err| {
        AppError::conflict(
            "hourly_rate_minor",
            format!("the engagement's fee cannot be computed ({err}); check its hourly rate"),
        )
    })
}

/// After time was logged on `engagement` (inside that write): raise `budget.80` / `budget.100`
/// for each threshold its hours or fee have reached, once per engagement, threshold and budget.
pub(crate) fn after_time_logged(
    db: &mut Db<'_>,
    org: OrgId,
    engagement: Option<EngagementId>,
    now: Timestamp,
) -> AppResult<()> {
    let Some(id) = engagement else {
        return Ok(());
    };
    if !store::lock_engagement(db, org, id)? {
        return Ok(());
    }
    let e = engagements::get(db, org, id)?;
    if e.budget_minutes.is_none() && e.budget_fee_minor.is_none() {
        return Ok(());
    }
    let Ok(b) = burn(db, &e) else {
        // An absurd rate is the engagement's problem, shown on its budget; it must not stop
        // anyone logging time.
        tracing::warn!(engagement = id.0, "budget burn overflows; no budget alert");
        return Ok(());
    };
    for &t in &b.reached {
        let key = b.alert_key(id.0, t);
        if store::alerted(db, org, id, &key)? {
            continue;
        }
        crate::alerts::raise(
            db,
            org,
            &NewAlert {
                kind: format!("budget.{t}"),
                severity: if t >= 100 {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                subject_kind: Some("engagement"),
                subject_id: Some(id.0),
                message: format!("{}: {} (threshold {t} %)", e.name, b.describe()),
                details: serde_json::to_value(&b).unwrap_or_default(),
                recipient_id: e.manager_id,
                dedupe_key: key,
            },
            now,
        )?;
    }
    Ok(())
}

/// [`App::engagement_budget`] inside the caller's snapshot.
pub(crate) fn engagement_budget_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    id: EngagementId,
) -> AppResult<(Engagement, Burn)> {
    ctx.require(Permission::ReadOrgWork)?;
    let e = engagements::get(db, ctx.org(), id).map_err(|_| AppError::NotFound("engagement"))?;
    let b = burn(db, &e)?;
    Ok((e, b))
}

impl App {
    /// Hours and fee spent against the engagement's budget, and the forecast to completion.
    pub async fn engagement_budget(
        &self,
        ctx: &Ctx,
        id: EngagementId,
    ) -> AppResult<(Engagement, Burn)> {
        let ctx = ctx.clone();
        self.store
            .read(move |db| engagement_budget_in(db, &ctx, id))
            .await
    }
}
