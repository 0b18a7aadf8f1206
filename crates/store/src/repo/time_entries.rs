use jiff::Timestamp;
use rapport_core::ids::{EngagementId, MemberId, OrgId, RequestId, TimeEntryId};
use rapport_core::time_entry::TimeEntry;

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::repo::{Filter, Page};
use crate::value::{Param, Row};

const COLUMNS: &str = "id, org_id, member_id, client_id, engagement_id, request_id, started_at, minutes, billable, note, created_at";

fn from_row(r: &Row) -> Result<TimeEntry, StoreError> {
    Ok(TimeEntry {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        member_id: r.get("member_id")?,
        client_id: r.get("client_id")?,
        engagement_id: r.get("engagement_id")?,
        request_id: r.get("request_id")?,
        started_at: r.get("started_at")?,
        minutes: r.get("minutes")?,
        billable: r.get("billable")?,
        note: r.get("note")?,
        created_at: r.get("created_at")?,
    })
}

pub fn insert(db: &mut Db<'_>, t: &TimeEntry) -> Result<TimeEntry, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO time_entries (org_id, member_id, client_id, engagement_id, request_id, started_at, minutes, billable, note, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        params![t.org_id, t.member_id, t.client_id, t.engagement_id, t.request_id, t.started_at, t.minutes, t.billable, t.note, t.created_at],
    )?;
    let mut out = t.clone();
    out.id = TimeEntryId(id);
    Ok(out)
}

pub fn get(db: &mut Db<'_>, org: OrgId, id: TimeEntryId) -> Result<TimeEntry, StoreError> {
    from_row(&db.query_one(
        &format!("SELECT {COLUMNS} FROM time_entries WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

/// Save a corrected entry (minutes, billable, note, start).
pub fn update(db: &mut Db<'_>, t: &TimeEntry) -> Result<(), StoreError> {
    db.execute(
        "UPDATE time_entries SET minutes = $3, billable = $4, note = $5, started_at = $6 WHERE org_id = $1 AND id = $2",
        params![t.org_id, t.id, t.minutes, t.billable, t.note, t.started_at],
    )?;
    Ok(())
}

pub fn delete(db: &mut Db<'_>, org: OrgId, id: TimeEntryId) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM time_entries WHERE org_id = $1 AND id = $2",
        params![org, id],
    )?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct TimeQuery {
    pub member: Option<MemberId>,
    pub request: Option<RequestId>,
    pub engagement: Option<EngagementId>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub after_id: Option<i64>,
    pub limit: usize,
}

pub fn list(db: &mut Db<'_>, org: OrgId, q: &TimeQuery) -> Result<Page<TimeEntry>, StoreError> {
    let mut f = Filter::new(org);
    if let Some(m) = q.member {
        f.and("member_id = {}", Param::Int(m.0));
    }
    if let Some(r) = q.request {
        f.and("request_id = {}", Param::Int(r.0));
    }
    if let Some(e) = q.engagement {
        f.and("engagement_id = {}", Param::Int(e.0));
    }
    if let Some(t) = q.from {
        f.and("started_at >= {}", Param::Int(t.as_millisecond()));
    }
    if let Some(t) = q.to {
        f.and("started_at < {}", Param::Int(t.as_millisecond()));
    }
    if let Some(a) = q.after_id {
        f.and("id > {}", Param::Int(a));
    }
    let limit = q.limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {COLUMNS} FROM time_entries WHERE {} ORDER BY id LIMIT {}",
        f.sql(),
        limit + 1
    );
    let rows = db.query_map(&sql, &f.params(), from_row)?;
    Ok(Page::from_rows(rows, limit, |t| (t.id.0, t.id.0)))
}
