use jiff::Timestamp;
use rapport_core::alert::{Alert, AlertStatus, NewAlert};
use rapport_core::ids::{MemberId, OrgId};

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::repo::{Filter, Page};
use crate::value::{Param, Row, Word};

const COLUMNS: &str = "id, org_id, kind, severity, subject_kind, subject_id, message, details, recipient_id, status, \
    created_at, updated_at, acknowledged_by, resolved_at";

fn from_row(r: &Row) -> Result<Alert, StoreError> {
    Ok(Alert {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        kind: r.get("kind")?,
        severity: r.word("severity")?,
        subject_kind: r.get("subject_kind")?,
        subject_id: r.get("subject_id")?,
        message: r.get("message")?,
        details: r.json("details")?,
        recipient_id: r.get("recipient_id")?,
        status: r.word("status")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        acknowledged_by: r.get("acknowledged_by")?,
        resolved_at: r.get("resolved_at")?,
    })
}

/// Raise an alert unless one with the same dedupe key is still unresolved. Returns the new id.
pub fn raise(
    db: &mut Db<'_>,
    org: OrgId,
    a: &NewAlert,
    now: Timestamp,
) -> Result<Option<i64>, StoreError> {
    let details = if a.details.is_null() {
        "{}".to_string()
    } else {
        a.details.to_string()
    };
    let row = db.query_opt(
        "INSERT INTO alerts (org_id, kind, severity, subject_kind, subject_id, message, details, recipient_id, status,
             dedupe_key, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $10)
         ON CONFLICT DO NOTHING RETURNING id",
        params![org, a.kind, Word(a.severity.as_str()), a.subject_kind, a.subject_id, a.message, details, a.recipient_id, a.dedupe_key, now],
    )?;
    row.map(|r| r.get("id")).transpose()
}

/// Resolve the unresolved alert with this key (the condition cleared).
pub fn resolve_key(
    db: &mut Db<'_>,
    org: OrgId,
    dedupe_key: &str,
    now: Timestamp,
) -> Result<u64, StoreError> {
    db.execute(
        "UPDATE alerts SET status = 'resolved', resolved_at = $3, updated_at = $3
         WHERE org_id = $1 AND dedupe_key = $2 AND status <> 'resolved'",
        params![org, dedupe_key, now],
    )
}

pub fn get(db: &mut Db<'_>, org: OrgId, id: i64) -> Result<Alert, StoreError> {
    from_row(&db.query_one(
        &format!("SELECT {COLUMNS} FROM alerts WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

pub fn set_status(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    status: AlertStatus,
    by: Option<MemberId>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let resolved = (status == AlertStatus::Resolved).then_some(now);
    db.execute(
        "UPDATE alerts SET status = $3, acknowledged_by = COALESCE($4, acknowledged_by), resolved_at = $5, updated_at = $6
         WHERE org_id = $1 AND id = $2",
        params![org, id, Word(status.as_str()), by, resolved, now],
    )?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct AlertQuery {
    pub statuses: Vec<AlertStatus>,
    pub kind: Option<String>,
    pub subject_kind: Option<String>,
    pub subject_id: Option<i64>,
    pub recipient: Option<MemberId>,
    pub before_id: Option<i64>,
    pub limit: usize,
}

/// Newest first.
pub fn list(db: &mut Db<'_>, org: OrgId, q: &AlertQuery) -> Result<Page<Alert>, StoreError> {
    let mut f = Filter::new(org);
    if !q.statuses.is_empty() {
        let ps: Vec<String> = q
            .statuses
            .iter()
            .map(|s| f.bind(Param::Text(s.as_str().into())))
            .collect();
        f.and_raw(&format!("status IN ({})", ps.join(", ")));
    }
    if let Some(k) = &q.kind {
        f.and("kind = {}", Param::Text(k.clone().into()));
    }
    if let Some(k) = &q.subject_kind {
        f.and("subject_kind = {}", Param::Text(k.clone().into()));
    }
    if let Some(id) = q.subject_id {
        f.and("subject_id = {}", Param::Int(id));
    }
    if let Some(m) = q.recipient {
        f.and(
            "(recipient_id = {} OR recipient_id IS NULL)",
            Param::Int(m.0),
        );
    }
    if let Some(b) = q.before_id {
        f.and("id < {}", Param::Int(b));
    }
    let limit = q.limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {COLUMNS} FROM alerts WHERE {} ORDER BY id DESC LIMIT {}",
        f.sql(),
        limit + 1
    );
    let rows = db.query_map(&sql, &f.params(), from_row)?;
    Ok(Page::from_rows(rows, limit, |a| (a.id, a.id)))
}

/// When each alert of `kind` raised since `since` is dated (see [`dated`]), oldest first: the
/// dashboard buckets them by week. An alert is raised at or after the instant it is dated, so
/// those raised before `since` are dated before it too. Reads the org's alerts through an index
/// that starts with `org_id`; alerts are few beside requests, so no index of their own by kind.
pub fn dated_since(
    db: &mut Db<'_>,
    org: OrgId,
    kind: &str,
    since: Timestamp,
) -> Result<Vec<Timestamp>, StoreError> {
    let rows = db.query_map(
        "SELECT created_at, details FROM alerts WHERE org_id = $1 AND kind = $2 AND created_at >= $3",
        params![org, kind, since],
        |r| Ok((r.get::<Timestamp>("created_at")?, r.get::<String>("details")?)),
    )?;
    let mut out: Vec<Timestamp> = rows
        .into_iter()
        .map(|(raised, details)| dated(raised, &details))
        .collect();
    out.sort();
    Ok(out)
}

/// The instant an alert is about: the `due_at` in its details when it has one (an SLA breach
/// happened when its clock fell due, whenever a job noticed), else when it was raised.
pub fn dated(raised: Timestamp, details: &str) -> Timestamp {
    serde_json::from_str::<serde_json::Value>(details)
        .ok()
        .and_then(|d| d.get("due_at")?.as_str()?.parse::<Timestamp>().ok())
        .filter(|&due| due <= raised)
        .unwrap_or(raised)
}
