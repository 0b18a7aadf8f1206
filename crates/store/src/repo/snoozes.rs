//! Snoozed requests: one row per request out of the views. A row whose `until_at` has passed is
//! a request already back; readers compare with their clock, and the next snooze replaces it.

use jiff::Timestamp;
use rapport_core::ids::{OrgId, RequestId};
use rapport_core::snooze::Snooze;

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::value::Row;

const COLUMNS: &str = "request_id, until_at, until_client_writes, snoozed_by, snoozed_at";

fn from_row(r: &Row) -> Result<Snooze, StoreError> {
    Ok(Snooze {
        request_id: r.get("request_id")?,
        until: r.get("until_at")?,
        until_client_writes: r.get("until_client_writes")?,
        snoozed_by: r.get("snoozed_by")?,
        snoozed_at: r.get("snoozed_at")?,
    })
}

/// The SQL condition "request `id` (a column of `requests`) is snoozed at `now_param`": for
/// list filters, with `$1` the org.
pub(crate) fn active_condition(now_param: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM request_snoozes s WHERE s.org_id = $1 AND s.request_id = requests.id \
         AND (s.until_at IS NULL OR s.until_at > {now_param}))"
    )
}

/// Snooze (or re-snooze) a request: the row replaces any earlier one.
pub fn put(db: &mut Db<'_>, org: OrgId, s: &Snooze) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO request_snoozes (org_id, request_id, until_at, until_client_writes, snoozed_by, snoozed_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (org_id, request_id) DO UPDATE SET
           until_at = excluded.until_at, until_client_writes = excluded.until_client_writes,
           snoozed_by = excluded.snoozed_by, snoozed_at = excluded.snoozed_at",
        params![org, s.request_id, s.until, s.until_client_writes, s.snoozed_by, s.snoozed_at],
    )?;
    Ok(())
}

/// The snooze row of a request, active or already past.
pub fn get(db: &mut Db<'_>, org: OrgId, id: RequestId) -> Result<Option<Snooze>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM request_snoozes WHERE org_id = $1 AND request_id = $2");
    db.query_map(&sql, params![org, id], from_row)
        .map(|mut v| v.pop())
}

/// The snoozes of `ids` still active at `now` (for lists that say when each returns).
pub fn active_for(
    db: &mut Db<'_>,
    org: OrgId,
    ids: &[RequestId],
    now: Timestamp,
) -> Result<Vec<Snooze>, StoreError> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(s) = get(db, org, *id)?.filter(|s| s.is_active(now)) {
            out.push(s);
        }
    }
    Ok(out)
}

/// Remove a request's snooze row; the row as it was, if there was one.
pub fn delete(db: &mut Db<'_>, org: OrgId, id: RequestId) -> Result<Option<Snooze>, StoreError> {
    let before = get(db, org, id)?;
    if before.is_some() {
        db.execute(
            "DELETE FROM request_snoozes WHERE org_id = $1 AND request_id = $2",
            params![org, id],
        )?;
    }
    Ok(before)
}

/// Delete the snoozes whose time has passed at `now`, in every org; what went, with its org.
pub fn take_past(db: &mut Db<'_>, now: Timestamp) -> Result<Vec<(OrgId, Snooze)>, StoreError> {
    let sql = format!(
        "SELECT org_id, {COLUMNS} FROM request_snoozes WHERE until_at IS NOT NULL AND until_at <= $1
          ORDER BY org_id, request_id"
    );
    let past = db.query_map(&sql, params![now], |r| Ok((r.get("org_id")?, from_row(r)?)))?;
    db.execute(
        "DELETE FROM request_snoozes WHERE until_at IS NOT NULL AND until_at <= $1",
        params![now],
    )?;
    Ok(past)
}
