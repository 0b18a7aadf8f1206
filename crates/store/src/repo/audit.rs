use jiff::Timestamp;
use rapport_core::access::Actor;
use rapport_core::audit::{AuditEntry, AuditEvent};
use rapport_core::ids::{AuditEventId, OrgId};

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::repo::{Filter, Page};
use crate::value::{Param, Row, ToParam};

/// Append one event. Call inside the same write as the change it records.
pub fn record(
    db: &mut Db<'_>,
    org: OrgId,
    at: Timestamp,
    ip: Option<&str>,
    e: &AuditEntry,
) -> Result<AuditEventId, StoreError> {
    let details = if e.details.is_null() {
        "{}".to_string()
    } else {
        e.details.to_string()
    };
    let row = db.query_one(
        "INSERT INTO audit_events (org_id, at, actor_kind, actor_id, action, target_kind, target_id, ip, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        params![org, at, e.actor.kind(), e.actor.id(), e.action, e.target_kind, e.target_id, ip, details],
    )?;
    row.get("id").map(AuditEventId)
}

/// Record many entries of one moment and address, a statement per 500 (an import of
/// thousands).
pub fn record_many(
    db: &mut Db<'_>,
    org: OrgId,
    at: Timestamp,
    ip: Option<&str>,
    entries: &[AuditEntry],
) -> Result<(), StoreError> {
    for chunk in entries.chunks(500) {
        let parts: Vec<_> = chunk
            .iter()
            .map(|e| {
                let details = if e.details.is_null() {
                    "{}".to_string()
                } else {
                    e.details.to_string()
                };
                (e.actor.kind(), e.actor.id(), details)
            })
            .collect();
        let mut params: Vec<&dyn ToParam> = vec![&org, &at, &ip];
        let mut values = Vec::with_capacity(chunk.len());
        for (e, (kind, id, details)) in chunk.iter().zip(&parts) {
            let n = params.len();
            values.push(format!(
                "($1, $2, ${}, ${}, ${}, ${}, ${}, $3, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6
            ));
            params.extend([
                kind as &dyn ToParam,
                id,
                &e.action,
                &e.target_kind,
                &e.target_id,
                details,
            ]);
        }
        db.execute(
            &format!(
                "INSERT INTO audit_events (org_id, at, actor_kind, actor_id, action, target_kind, target_id, ip, details)
                 VALUES {}",
                values.join(", ")
            ),
            &params,
        )?;
    }
    Ok(())
}

const COLUMNS: &str =
    "id, org_id, at, actor_kind, actor_id, action, target_kind, target_id, ip, details";

fn from_row(r: &Row) -> Result<AuditEvent, StoreError> {
    let kind: String = r.get("actor_kind")?;
    let actor = Actor::from_parts(&kind, r.get("actor_id")?)
        .ok_or_else(|| StoreError::decode(format!("bad actor {kind}")))?;
    Ok(AuditEvent {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        at: r.get("at")?,
        actor,
        action: r.get("action")?,
        target_kind: r.get("target_kind")?,
        target_id: r.get("target_id")?,
        ip: r.get("ip")?,
        details: r.json("details")?,
    })
}

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// An action (`request.status`), or an entity with a trailing dot (`request.`) for all of
    /// that entity's actions.
    pub action: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<i64>,
    pub actor: Option<Actor>,
    /// At or after this instant.
    pub since: Option<Timestamp>,
    /// Before this instant.
    pub until: Option<Timestamp>,
    pub before_id: Option<i64>,
    pub limit: usize,
}

/// Newest first.
pub fn list(db: &mut Db<'_>, org: OrgId, q: &AuditQuery) -> Result<Page<AuditEvent>, StoreError> {
    let mut f = Filter::new(org);
    match &q.action {
        // substr rather than LIKE: action names hold `_`, a LIKE wildcard, on both engines.
        Some(a) if a.ends_with('.') => f.and(
            &format!("substr(action, 1, {}) = {{}}", a.chars().count()),
            Param::Text(a.clone().into()),
        ),
        Some(a) => f.and("action = {}", Param::Text(a.clone().into())),
        None => {}
    }
    if let Some(t) = q.since {
        f.and("at >= {}", Param::Int(t.as_millisecond()));
    }
    if let Some(t) = q.until {
        f.and("at < {}", Param::Int(t.as_millisecond()));
    }
    if let Some(k) = &q.target_kind {
        f.and("target_kind = {}", Param::Text(k.clone().into()));
    }
    if let Some(t) = q.target_id {
        f.and("target_id = {}", Param::Int(t));
    }
    if let Some(a) = q.actor {
        f.and("actor_kind = {}", Param::Text(a.kind().into()));
        if let Some(id) = a.id() {
            f.and("actor_id = {}", Param::Int(id));
        }
    }
    if let Some(b) = q.before_id {
        f.and("id < {}", Param::Int(b));
    }
    let limit = q.limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_events WHERE {} ORDER BY id DESC LIMIT {}",
        f.sql(),
        limit + 1
    );
    let rows = db.query_map(&sql, &f.params(), from_row)?;
    Ok(Page::from_rows(rows, limit, |e| (e.id.0, e.id.0)))
}
