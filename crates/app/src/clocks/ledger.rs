//! The promise ledger's figures: kept %, median margin (business minutes) and broken count, for
//! the whole org and per member, client or engagement.

use std::collections::HashMap;
use std::str::FromStr;

use jiff::Timestamp;
use rapport_core::access::Permission;
use rapport_core::ids::{ClientId, EngagementId, MemberId, OrgId};
use rapport_core::promise_stats::{self, PromiseStats};
use rapport_store::Db;
use rapport_store::repo::aggregates::{self, Dim, Tally};
use rapport_store::repo::clocks as store;
use rapport_store::repo::{clients, engagements, members};
use serde::Serialize;

use crate::{App, AppError, AppResult, Ctx};

/// What the figures are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The member who made the promise.
    Member,
    /// The client it was made to.
    Client,
    /// The engagement of its request (promises without one are left out of the groups).
    Engagement,
}

impl FromStr for GroupBy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "member" => Ok(GroupBy::Member),
            "client" => Ok(GroupBy::Client),
            "engagement" => Ok(GroupBy::Engagement),
            other => Err(format!(
                "{other:?} is not one of: member, client, engagement"
            )),
        }
    }
}

/// The figures of one group.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupStats {
    /// The member, client or engagement id.
    pub id: i64,
    pub name: String,
    #[serde(flatten)]
    pub stats: PromiseStats,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromiseLedger {
    pub group_by: Option<GroupBy>,
    /// Every promise of the org.
    pub overall: PromiseStats,
    /// Per group, by id; empty without `group_by`.
    pub groups: Vec<GroupStats>,
}

/// The figures of one kept tally at `now`: `ahead` of its pending promises are not yet due.
fn kept_stats(
    db: &mut Db<'_>,
    org: OrgId,
    dim: Dim,
    key: i64,
    t: Tally,
    ahead: u64,
) -> AppResult<PromiseStats> {
    let median = aggregates::median_margin(db, org, dim, key, t.margined)?;
    Ok(PromiseStats::from_counts(
        t.kept,
        t.broken,
        t.pending,
        t.pending.saturating_sub(ahead),
        median,
    ))
}

/// The ledger's figures for `org` at `now`, inside the caller's snapshot (the caller checks
/// who may read them). The organisation, its members and its clients are read from the kept
/// tallies (migration 0025), so the cost does not grow with the years of promises: the overdue
/// are the pending less those still ahead (few, whatever the history), and the median margin
/// is found through the nested margin buckets. Engagements are not tallied (a request can
/// move to another engagement), so that grouping still reads every promise.
pub(crate) fn promise_ledger_in(
    db: &mut Db<'_>,
    org: OrgId,
    group_by: Option<GroupBy>,
    now: Timestamp,
) -> AppResult<PromiseLedger> {
    let ahead = match group_by {
        Some(GroupBy::Member | GroupBy::Client) => Some(aggregates::pending_ahead(db, org, now)?),
        _ => None,
    };
    let org_ahead = match &ahead {
        Some(rows) => rows.len() as u64,
        None => aggregates::pending_ahead_count(db, org, now)?,
    };
    let tally = aggregates::org_tally(db, org)?;
    let overall = kept_stats(db, org, Dim::Org, 0, tally, org_ahead)?;
    let grouped: Vec<(i64, PromiseStats)> = match (group_by, ahead) {
        (None, _) => Vec::new(),
        (Some(GroupBy::Engagement), _) => engagement_stats(db, org, now)?,
        (Some(by), ahead) => {
            let dim = if by == GroupBy::Member {
                Dim::Member
            } else {
                Dim::Client
            };
            let mut ahead_of: HashMap<i64, u64> = HashMap::new();
            for (member, client) in ahead.unwrap_or_default() {
                *ahead_of
                    .entry(if dim == Dim::Member { member } else { client })
                    .or_default() += 1;
            }
            let mut out = Vec::new();
            for (key, t) in aggregates::tallies(db, org, dim)? {
                let ahead = ahead_of.get(&key).copied().unwrap_or(0);
                out.push((key, kept_stats(db, org, dim, key, t, ahead)?));
            }
            out
        }
    };
    let mut groups = Vec::with_capacity(grouped.len());
    for (id, stats) in grouped {
        let name = match group_by {
            Some(GroupBy::Member) => members::find(db, org, MemberId(id))?.map(|m| m.name),
            Some(GroupBy::Client) => clients::get(db, org, ClientId(id)).ok().map(|c| c.name),
            Some(GroupBy::Engagement) => engagements::get(db, org, EngagementId(id))
                .ok()
                .map(|e| e.name),
            None => None,
        }
        .unwrap_or_default();
        groups.push(GroupStats { id, name, stats });
    }
    Ok(PromiseLedger {
        group_by,
        overall,
        groups,
    })
}

/// Per engagement of each promise's request, counted from every promise of the org.
fn engagement_stats(
    db: &mut Db<'_>,
    org: OrgId,
    now: Timestamp,
) -> AppResult<Vec<(i64, PromiseStats)>> {
    let rows = store::promises_with_engagement(db, org)?;
    let (promises, engagement_of): (Vec<_>, HashMap<_, _>) = rows
        .into_iter()
        .map(|(p, e)| {
            let id = p.id;
            (p, (id, e))
        })
        .unzip();
    Ok(promise_stats::stats_by(&promises, now, |p| {
        engagement_of
            .get(&p.id)
            .copied()
            .flatten()
            .map(|e: EngagementId| e.0)
    })
    .into_iter()
    .collect())
}

impl App {
    /// The ledger's figures at this moment (members only).
    pub async fn promise_stats(
        &self,
        ctx: &Ctx,
        group_by: Option<GroupBy>,
    ) -> AppResult<PromiseLedger> {
        ctx.require(Permission::ReadOrgWork)?;
        self.org_promise_stats(ctx.org(), group_by).await
    }

    /// [`App::promise_stats`] for the operator (`rapport promises stats`).
    pub async fn org_promise_stats(
        &self,
        org: OrgId,
        group_by: Option<GroupBy>,
    ) -> AppResult<PromiseLedger> {
        let now = self.now();
        self.store
            .read(move |db| promise_ledger_in(db, org, group_by, now))
            .await
    }

    /// [`App::promise_stats`] with the grouping named as the API takes it.
    pub async fn promise_stats_by(
        &self,
        ctx: &Ctx,
        group_by: Option<&str>,
    ) -> AppResult<PromiseLedger> {
        let group_by = group_by
            .map(|g| g.trim().parse::<GroupBy>())
            .transpose()
            .map_err(|m| AppError::invalid("group_by", m))?;
        self.promise_stats(ctx, group_by).await
    }
}
