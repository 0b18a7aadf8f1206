//! Aggregates kept as the facts change (issue 20 item 1): the promise ledger's counts and
//! margins per organisation, member and client, and each rated request's pair of ratings.
//! Triggers (migration 0025) keep them in the writing transaction on both engines; this module
//! reads them, and rebuilds them from the facts with the same definitions.

use jiff::Timestamp;
use rapport_core::ids::{ClientId, OrgId, RequestId};
use rapport_core::rating::gap::Pair;

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::value::Row;

/// What a tally counts promises by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    /// The whole organisation (key 0).
    Org,
    /// The member who made the promise.
    Member,
    /// The client it was made to.
    Client,
}

impl Dim {
    pub fn as_str(self) -> &'static str {
        match self {
            Dim::Org => "org",
            Dim::Member => "member",
            Dim::Client => "client",
        }
    }
}

/// The kept counts of one organisation, member or client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub kept: u64,
    pub broken: u64,
    /// Open or renegotiated.
    pub pending: u64,
    /// Kept with a recorded margin (those the median is taken over).
    pub margined: u64,
}

fn count(r: &Row, col: &str) -> Result<u64, StoreError> {
    Ok(u64::try_from(r.get::<i64>(col)?).unwrap_or(0))
}

fn tally_of(r: &Row) -> Result<Tally, StoreError> {
    Ok(Tally {
        kept: count(r, "kept")?,
        broken: count(r, "broken")?,
        pending: count(r, "pending")?,
        margined: count(r, "margined")?,
    })
}

/// The tally of the whole organisation (zero before its first promise).
pub fn org_tally(db: &mut Db<'_>, org: OrgId) -> Result<Tally, StoreError> {
    Ok(db
        .query_opt(
            "SELECT kept, broken, pending, margined FROM promise_tallies
              WHERE org_id = $1 AND dim = 'org' AND key = 0",
            params![org],
        )?
        .map(|r| tally_of(&r))
        .transpose()?
        .unwrap_or_default())
}

/// The tallies of every member or client with a promise, by id.
pub fn tallies(db: &mut Db<'_>, org: OrgId, dim: Dim) -> Result<Vec<(i64, Tally)>, StoreError> {
    db.query_map(
        "SELECT key, kept, broken, pending, margined FROM promise_tallies
          WHERE org_id = $1 AND dim = $2 AND kept + broken + pending > 0 ORDER BY key",
        params![org, dim.as_str()],
        |r| Ok((r.get("key")?, tally_of(r)?)),
    )
}

/// Pending promises not yet past due at `now`, as (member, client): few whatever the history,
/// since they lie ahead; the overdue are the pending ones less these.
pub fn pending_ahead(
    db: &mut Db<'_>,
    org: OrgId,
    now: Timestamp,
) -> Result<Vec<(i64, i64)>, StoreError> {
    db.query_map(
        "SELECT made_by, client_id FROM promises
          WHERE org_id = $1 AND status IN ('open', 'renegotiated') AND due_at >= $2",
        params![org, now],
        |r| Ok((r.get("made_by")?, r.get("client_id")?)),
    )
}

/// [`pending_ahead`], counted by the database.
pub fn pending_ahead_count(db: &mut Db<'_>, org: OrgId, now: Timestamp) -> Result<u64, StoreError> {
    let n: i64 = db.scalar(
        "SELECT COUNT(*) FROM promises
          WHERE org_id = $1 AND status IN ('open', 'renegotiated') AND due_at >= $2",
        params![org, now],
    )?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The `rank`-th smallest kept margin (from 0) of one tally, and the next one when it lies
/// in the same smallest bucket's neighbourhood (the walk already read it), walking the nested
/// buckets from the widest: one bucket's children (at most 32 rows) a level. `None` past the
/// last one.
fn margins_at(
    db: &mut Db<'_>,
    org: OrgId,
    dim: Dim,
    key: i64,
    mut rank: u64,
) -> Result<Option<(i64, Option<i64>)>, StoreError> {
    let (mut lo, mut hi) = (i64::MIN, i64::MAX);
    for level in (0..=3i64).rev() {
        let buckets: Vec<(i64, u64)> = db.query_map(
            "SELECT bucket, n FROM promise_margins
              WHERE org_id = $1 AND dim = $2 AND key = $3 AND level = $4
                AND bucket >= $5 AND bucket <= $6
              ORDER BY bucket",
            params![org, dim.as_str(), key, level, lo, hi],
            |r| {
                Ok((
                    r.get("bucket")?,
                    u64::try_from(r.get::<i64>("n")?).unwrap_or(0),
                ))
            },
        )?;
        let Some(i) = buckets.iter().position(|&(_, n)| {
            let here = rank < n;
            if !here {
                rank -= n;
            }
            here
        }) else {
            return Ok(None);
        };
        let (bucket, n) = buckets[i];
        if level == 0 {
            // The next margin: this one again, or the next bucket read beside it.
            let next = if rank + 1 < n {
                Some(bucket)
            } else {
                buckets[i + 1..]
                    .iter()
                    .find(|&&(_, n)| n > 0)
                    .map(|&(b, _)| b)
            };
            return Ok(Some((bucket, next)));
        }
        lo = bucket << 5;
        hi = lo + 31;
    }
    Ok(None)
}

/// The median kept margin of a tally: the middle one, or the mean of the middle two rounded
/// down (as `promise_stats::stats` defines it). One walk down the buckets, two only when the
/// middle two lie in different 32-minute buckets.
pub fn median_margin(
    db: &mut Db<'_>,
    org: OrgId,
    dim: Dim,
    key: i64,
    margined: u64,
) -> Result<Option<i64>, StoreError> {
    if margined == 0 {
        return Ok(None);
    }
    let rank = (margined - 1) / 2;
    let Some((a, next)) = margins_at(db, org, dim, key, rank)? else {
        return Ok(None);
    };
    if margined % 2 == 1 {
        return Ok(Some(a));
    }
    let b = match next {
        Some(b) => Some(b),
        None => margins_at(db, org, dim, key, rank + 1)?.map(|(b, _)| b),
    };
    Ok(b.map(|b| (a + b).div_euclid(2)))
}

fn pair_of(r: &Row) -> Result<Pair, StoreError> {
    let team: i64 = r.get("team_score")?;
    let sum: i64 = r.get("client_sum")?;
    let n: i64 = r.get("client_n")?;
    Ok(Pair {
        request_id: r.get::<RequestId>("request_id")?,
        team: team as f64,
        client: sum as f64 / n as f64,
        at: r.get("at")?,
    })
}

/// The client's last `last` pairs (rated by the team and at least one contact), oldest first.
pub fn last_pairs(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    last: usize,
) -> Result<Vec<Pair>, StoreError> {
    let mut pairs = db.query_map(
        "SELECT request_id, team_score, client_sum, client_n, at FROM rating_pairs
          WHERE org_id = $1 AND client_id = $2 AND team_score IS NOT NULL AND client_n > 0
          ORDER BY at DESC, request_id DESC LIMIT $3",
        params![org, client, last],
        pair_of,
    )?;
    pairs.reverse();
    Ok(pairs)
}

/// The client's pairs completed at or after `since`, oldest first.
pub fn pairs_since(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    since: Timestamp,
) -> Result<Vec<Pair>, StoreError> {
    db.query_map(
        "SELECT request_id, team_score, client_sum, client_n, at FROM rating_pairs
          WHERE org_id = $1 AND client_id = $2 AND team_score IS NOT NULL AND client_n > 0
            AND at >= $3
          ORDER BY at, request_id",
        params![org, client, since],
        pair_of,
    )
}

/// Every kept value of an organisation as rows of text, in a fixed order: what the property
/// test compares with the rebuilt values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub tallies: Vec<(String, i64, Tally)>,
    pub margins: Vec<(String, i64, i64, i64, i64)>,
    pub pairs: Vec<(i64, i64, Option<i64>, i64, i64, i64)>,
}

pub fn snapshot(db: &mut Db<'_>, org: OrgId) -> Result<Snapshot, StoreError> {
    let tallies = db.query_map(
        "SELECT dim, key, kept, broken, pending, margined FROM promise_tallies
          WHERE org_id = $1 AND kept + broken + pending > 0 ORDER BY dim, key",
        params![org],
        |r| Ok((r.get("dim")?, r.get("key")?, tally_of(r)?)),
    )?;
    let margins = db.query_map(
        "SELECT dim, key, level, bucket, n FROM promise_margins
          WHERE org_id = $1 AND n <> 0 ORDER BY dim, key, level, bucket",
        params![org],
        |r| {
            Ok((
                r.get("dim")?,
                r.get("key")?,
                r.get("level")?,
                r.get("bucket")?,
                r.get("n")?,
            ))
        },
    )?;
    let pairs = db.query_map(
        "SELECT request_id, client_id, team_score, client_sum, client_n, at FROM rating_pairs
          WHERE org_id = $1 ORDER BY request_id",
        params![org],
        |r| {
            Ok((
                r.get("request_id")?,
                r.get("client_id")?,
                r.get("team_score")?,
                r.get("client_sum")?,
                r.get("client_n")?,
                r.get("at")?,
            ))
        },
    )?;
    Ok(Snapshot {
        tallies,
        margins,
        pairs,
    })
}

/// What a rebuild wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rebuilt {
    pub tallies: u64,
    pub margins: u64,
    pub pairs: u64,
}

const DIMS: &str = "(SELECT 'org' AS dim UNION ALL SELECT 'member' UNION ALL SELECT 'client') d";
const LEVELS: &str =
    "(SELECT 0 AS level UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) l";
const DIM_KEY: &str =
    "CASE d.dim WHEN 'org' THEN 0 WHEN 'member' THEN p.made_by ELSE p.client_id END";

/// Recompute the kept values of one organisation (or all) from the facts, replacing what is
/// there: running it twice writes the same rows. The caller gives the transaction.
pub fn rebuild(db: &mut Db<'_>, org: Option<OrgId>) -> Result<Rebuilt, StoreError> {
    // The same definitions as the triggers of migration 0025.
    let (only, only_p, only_x) = match org {
        Some(_) => (
            " WHERE org_id = $1",
            " AND p.org_id = $1",
            " WHERE x.org_id = $1",
        ),
        None => ("", "", ""),
    };
    let id = org.map(|o| o.0);
    let with = |sql: &str| -> (String, bool) { (sql.to_string(), id.is_some()) };
    let run = |db: &mut Db<'_>, (sql, bound): (String, bool)| -> Result<u64, StoreError> {
        if bound {
            db.execute(&sql, params![id])
        } else {
            db.execute(&sql, params![])
        }
    };
    for table in ["promise_tallies", "promise_margins", "rating_pairs"] {
        run(db, with(&format!("DELETE FROM {table}{only}")))?;
    }
    let tallies = run(
        db,
        with(&format!(
            "INSERT INTO promise_tallies (org_id, dim, key, kept, broken, pending, margined)
             SELECT p.org_id, d.dim, {DIM_KEY},
                    SUM(CASE WHEN p.status = 'kept' THEN 1 ELSE 0 END),
                    SUM(CASE WHEN p.status = 'broken' THEN 1 ELSE 0 END),
                    SUM(CASE WHEN p.status IN ('open', 'renegotiated') THEN 1 ELSE 0 END),
                    SUM(CASE WHEN p.status = 'kept' AND p.margin_minutes IS NOT NULL
                             THEN 1 ELSE 0 END)
               FROM promises p, {DIMS}
              WHERE 1 = 1{only_p}
              GROUP BY p.org_id, d.dim, {DIM_KEY}"
        )),
    )?;
    let margins = run(
        db,
        with(&format!(
            "INSERT INTO promise_margins (org_id, dim, key, level, bucket, n)
             SELECT p.org_id, d.dim, {DIM_KEY}, l.level, p.margin_minutes >> (5 * l.level),
                    COUNT(*)
               FROM promises p, {DIMS}, {LEVELS}
              WHERE p.status = 'kept' AND p.margin_minutes IS NOT NULL{only_p}
              GROUP BY p.org_id, d.dim, {DIM_KEY}, l.level, p.margin_minutes >> (5 * l.level)"
        )),
    )?;
    let pairs = run(
        db,
        with(&format!(
            "INSERT INTO rating_pairs (org_id, request_id, client_id, team_score, client_sum,
                                       client_n, at)
             SELECT x.org_id, x.request_id, q.client_id,
                    MAX(CASE WHEN x.source = 'team' THEN x.score END),
                    COALESCE(SUM(CASE WHEN x.source = 'client' THEN x.score END), 0),
                    COUNT(CASE WHEN x.source = 'client' THEN 1 END), MAX(x.created_at)
               FROM ratings x JOIN requests q ON q.org_id = x.org_id AND q.id = x.request_id
              {only_x}
              GROUP BY x.org_id, x.request_id, q.client_id"
        )),
    )?;
    Ok(Rebuilt {
        tallies,
        margins,
        pairs,
    })
}
