//! Client health: the current score per client, one history row per client per day, and the
//! counts the score is computed from.

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::health::{AtRisk, Health, HealthPoint, Reason};
use rapport_core::ids::{ClientId, OrgId};

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::value::Json;

/// Save a client's score as current and as the day's history row (the last score of a day
/// stands for it).
pub fn save(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    health: &Health,
    date: Date,
    now: Timestamp,
) -> Result<(), StoreError> {
    let score = i64::from(health.score);
    db.execute(
        "INSERT INTO client_health (org_id, client_id, score, reasons, computed_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (org_id, client_id) DO UPDATE SET score = excluded.score, reasons = excluded.reasons,
             computed_at = excluded.computed_at",
        params![org, client, score, Json(&health.reasons), now],
    )?;
    db.execute(
        "INSERT INTO client_health_history (org_id, client_id, date, score, reasons, computed_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (org_id, client_id, date) DO UPDATE SET score = excluded.score, reasons = excluded.reasons,
             computed_at = excluded.computed_at",
        params![org, client, date, score, Json(&health.reasons), now],
    )?;
    Ok(())
}

/// When the client's current score was computed, if it has one.
pub fn computed_at(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
) -> Result<Option<Timestamp>, StoreError> {
    db.query_opt(
        "SELECT computed_at FROM client_health WHERE org_id = $1 AND client_id = $2",
        params![org, client],
    )?
    .map(|r| r.get("computed_at"))
    .transpose()
}

/// Daily scores from `from` on, oldest first.
pub fn history(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    from: Date,
) -> Result<Vec<HealthPoint>, StoreError> {
    db.query_map(
        "SELECT date, score FROM client_health_history WHERE org_id = $1 AND client_id = $2 AND date >= $3
         ORDER BY date",
        params![org, client, from],
        |r| {
            let score: i64 = r.get("score")?;
            Ok(HealthPoint {
                date: r.get("date")?,
                score: u8::try_from(score).map_err(StoreError::decode)?,
            })
        },
    )
}

/// Clients scoring below `below`, worst first, with their top `reasons` reasons.
pub fn at_risk(
    db: &mut Db<'_>,
    org: OrgId,
    below: i64,
    reasons: usize,
    limit: usize,
) -> Result<Vec<AtRisk>, StoreError> {
    db.query_map(
        "SELECT h.client_id, c.name, h.score, h.reasons, h.computed_at
         FROM client_health h JOIN clients c ON c.org_id = h.org_id AND c.id = h.client_id
         WHERE h.org_id = $1 AND h.score < $2
         ORDER BY h.score, h.client_id LIMIT $3",
        params![org, below, limit.clamp(1, super::MAX_PAGE)],
        |r| {
            let score: i64 = r.get("score")?;
            let mut rs: Vec<Reason> = r.json("reasons")?;
            rs.truncate(reasons);
            Ok(AtRisk {
                client_id: r.get("client_id")?,
                client_name: r.get("name")?,
                score: u8::try_from(score).map_err(StoreError::decode)?,
                reasons: rs,
                computed_at: r.get("computed_at")?,
            })
        },
    )
}

/// Every client id of the org, for the daily snapshot.
pub fn client_ids(db: &mut Db<'_>, org: OrgId) -> Result<Vec<ClientId>, StoreError> {
    db.query_map(
        "SELECT id FROM clients WHERE org_id = $1 ORDER BY id",
        params![org],
        |r| r.get("id"),
    )
}

/// Promises to the client broken from `since` to `now`, and those still pending past their
/// date at `now` (kept or broken only later, they were pending then).
pub fn promise_counts(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    since: Timestamp,
    now: Timestamp,
) -> Result<(i64, i64), StoreError> {
    let broken = db.scalar(
        "SELECT COUNT(*) FROM promises WHERE org_id = $1 AND client_id = $2 AND status = 'broken'
           AND broken_at >= $3 AND broken_at <= $4",
        params![org, client, since, now],
    )?;
    // Pending now, or kept or broken only after `now`: three counts, each read from an index
    // of the client's promises in that state (a promise is kept or broken once, so the three
    // never count one twice), never the client's whole ledger.
    let overdue = db.scalar(
        "SELECT (SELECT COUNT(*) FROM promises WHERE org_id = $1 AND client_id = $2
                   AND status IN ('open', 'renegotiated') AND due_at < $3 AND created_at <= $3)
              + (SELECT COUNT(*) FROM promises WHERE org_id = $1 AND client_id = $2
                   AND status = 'kept' AND kept_at > $3 AND due_at < $3 AND created_at <= $3)
              + (SELECT COUNT(*) FROM promises WHERE org_id = $1 AND client_id = $2
                   AND status = 'broken' AND broken_at > $3 AND due_at < $3 AND created_at <= $3)
              AS n",
        params![org, client, now],
    )?;
    Ok((broken, overdue))
}

/// Disagreements about scope since `since`: change orders the client declined, and
/// out-of-scope work a manager started anyway while its change order waited (absorbed after
/// pushback). Asking for more work is not one; neither is an approved change order.
pub fn scope_disputes(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    since: Timestamp,
    now: Timestamp,
) -> Result<i64, StoreError> {
    db.scalar(
        "SELECT (SELECT COUNT(*) FROM change_orders
                  WHERE org_id = $1 AND client_id = $2 AND status = 'declined'
                    AND decided_at >= $3 AND decided_at <= $4)
              + (SELECT COUNT(*) FROM scope_overrides
                  WHERE org_id = $1 AND client_id = $2 AND created_at >= $3 AND created_at <= $4)",
        params![org, client, since, now],
    )
}

/// (filed, first response) of the client's most recent requests filed since `since`, as of
/// `now`: those answered by then, and those unanswered then and still open (no first response:
/// the client was still waiting). Read newest first from `requests_client_created`, so only the
/// window is read however long the client's history.
pub fn first_responses(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    since: Timestamp,
    now: Timestamp,
    limit: usize,
) -> Result<Vec<(Timestamp, Option<Timestamp>)>, StoreError> {
    db.query_map(
        "SELECT created_at, CASE WHEN first_response_at <= $5 THEN first_response_at END AS answered_at
         FROM requests
         WHERE org_id = $1 AND client_id = $2 AND created_at >= $3 AND created_at <= $5
           AND quick = FALSE
           AND (first_response_at <= $5
                OR ((first_response_at IS NULL OR first_response_at > $5)
                    AND (status IN ('new', 'triaged', 'in_progress')
                         OR COALESCE(delivered_at, closed_at) > $5)))
         ORDER BY created_at DESC, id DESC LIMIT $4",
        params![org, client, since, limit, now],
        |r| Ok((r.get("created_at")?, r.get("answered_at")?)),
    )
}

/// When each alert of `kind` about the client (or its requests or promises) raised since
/// `since` is dated: the `due_at` in its details when it has one (an SLA breach happened when
/// its clock fell due, whenever a job noticed), else when it was raised.
pub fn alerts_dated_since(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    kind: &str,
    since: Timestamp,
) -> Result<Vec<Timestamp>, StoreError> {
    let rows = db.query_map(
        "SELECT a.created_at, a.details FROM alerts a
         WHERE a.org_id = $1 AND a.kind = $2 AND a.created_at >= $4
           AND ((a.subject_kind = 'client' AND a.subject_id = $3)
                OR (a.subject_kind = 'request' AND EXISTS
                       (SELECT 1 FROM requests r
                         WHERE r.org_id = $1 AND r.id = a.subject_id AND r.client_id = $3))
                OR (a.subject_kind = 'promise' AND EXISTS
                       (SELECT 1 FROM promises p
                         WHERE p.org_id = $1 AND p.id = a.subject_id AND p.client_id = $3)))",
        params![org, kind, client, since],
        |r| {
            Ok((
                r.get::<Timestamp>("created_at")?,
                r.get::<String>("details")?,
            ))
        },
    )?;
    Ok(rows
        .into_iter()
        .map(|(raised, details)| super::alerts::dated(raised, &details))
        .collect())
}
