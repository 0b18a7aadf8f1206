//! Members' absences: ranges of days (`YYYY-MM-DD` text, inclusive, in the member's zone).
//! Text dates compare in calendar order, so range conditions are plain comparisons.

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::absence::{Absence, AbsenceDraft};
use rapport_core::ids::{EngagementId, MemberId, OrgId, PromiseId, RequestId};

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::value::Row;

const COLUMNS: &str = "id, member_id, starts_on, ends_on, note, created_by, created_at";

fn from_row(r: &Row) -> Result<Absence, StoreError> {
    Ok(Absence {
        id: r.get("id")?,
        member_id: r.get("member_id")?,
        starts_on: r.get("starts_on")?,
        ends_on: r.get("ends_on")?,
        note: r.get("note")?,
        created_by: r.get("created_by")?,
        created_at: r.get("created_at")?,
    })
}

pub fn insert(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    d: &AbsenceDraft,
    by: MemberId,
    now: Timestamp,
) -> Result<Absence, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO member_absences (org_id, member_id, starts_on, ends_on, note, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        params![org, member, d.starts_on, d.ends_on, d.note, by, now],
    )?;
    Ok(Absence {
        id,
        member_id: member,
        starts_on: d.starts_on,
        ends_on: d.ends_on,
        note: d.note.clone(),
        created_by: by,
        created_at: now,
    })
}

pub fn get(db: &mut Db<'_>, org: OrgId, id: i64) -> Result<Option<Absence>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM member_absences WHERE org_id = $1 AND id = $2");
    db.query_map(&sql, params![org, id], from_row)
        .map(|mut v| v.pop())
}

pub fn delete(db: &mut Db<'_>, org: OrgId, id: i64) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM member_absences WHERE org_id = $1 AND id = $2",
        params![org, id],
    )?;
    Ok(())
}

/// A member's absences ending on or after `from` (every one with `None`), by first day.
pub fn of_member(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    from: Option<Date>,
) -> Result<Vec<Absence>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM member_absences
          WHERE org_id = $1 AND member_id = $2 AND ends_on >= $3
          ORDER BY starts_on, id"
    );
    let from = from.map_or_else(|| "0000-00-00".to_string(), |d| d.to_string());
    db.query_map(&sql, params![org, member, from], from_row)
}

/// The member's absences sharing a day with `[starts_on, ends_on]`.
pub fn overlapping(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    starts_on: Date,
    ends_on: Date,
) -> Result<Vec<Absence>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM member_absences
          WHERE org_id = $1 AND member_id = $2 AND ends_on >= $3 AND starts_on <= $4
          ORDER BY starts_on, id"
    );
    db.query_map(&sql, params![org, member, starts_on, ends_on], from_row)
}

/// The firm's absences ending on or after `from`, by member and first day.
pub fn ending_from(db: &mut Db<'_>, org: OrgId, from: Date) -> Result<Vec<Absence>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM member_absences WHERE org_id = $1 AND ends_on >= $2
          ORDER BY member_id, starts_on, id"
    );
    db.query_map(&sql, params![org, from], from_row)
}

/// A pending promise on an open request assigned to a member.
#[derive(Debug, Clone)]
pub struct PromiseDue {
    pub promise_id: PromiseId,
    pub due_at: Timestamp,
    pub request_id: RequestId,
    pub title: String,
    pub engagement_id: Option<EngagementId>,
}

/// Pending promises due in `[from, to)` on the open requests assigned to `member`, by due time.
pub fn promises_due(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<PromiseDue>, StoreError> {
    db.query_map(
        "SELECT p.id AS promise_id, p.due_at, r.id AS request_id, r.title, r.engagement_id
           FROM promises p
           JOIN requests r ON r.org_id = p.org_id AND r.id = p.request_id
          WHERE p.org_id = $1 AND r.assignee_id = $2 AND p.status IN ('open', 'renegotiated')
            AND r.status IN ('new', 'triaged', 'in_progress', 'waiting_on_client')
            AND p.due_at >= $3 AND p.due_at < $4
          ORDER BY p.due_at, p.id",
        params![org, member, from, to],
        |r| {
            Ok(PromiseDue {
                promise_id: r.get("promise_id")?,
                due_at: r.get("due_at")?,
                request_id: r.get("request_id")?,
                title: r.get("title")?,
                engagement_id: r.get("engagement_id")?,
            })
        },
    )
}
