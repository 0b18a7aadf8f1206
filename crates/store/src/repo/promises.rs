use jiff::Timestamp;
use rapport_core::ids::{ClientId, ContactId, MemberId, OrgId, PromiseId, RequestId};
use rapport_core::promise::{Promise, PromiseChange, PromiseStatus};

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::repo::{Filter, Page};
use crate::value::{Param, Row, Word};

pub(crate) const COLUMNS: &str = "id, org_id, client_id, request_id, contact_id, kind, description, due_at, made_by, status, \
    kept_at, broken_at, margin_minutes, renegotiations, created_at, updated_at";

pub(crate) fn from_row(r: &Row) -> Result<Promise, StoreError> {
    Ok(Promise {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        client_id: r.get("client_id")?,
        request_id: r.get("request_id")?,
        contact_id: r.get("contact_id")?,
        kind: r.word("kind")?,
        description: r.get("description")?,
        due_at: r.get("due_at")?,
        made_by: r.get("made_by")?,
        status: r.word("status")?,
        kept_at: r.get("kept_at")?,
        broken_at: r.get("broken_at")?,
        margin_minutes: r.get("margin_minutes")?,
        renegotiations: r.get("renegotiations")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

pub fn insert(db: &mut Db<'_>, p: &Promise) -> Result<Promise, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO promises (org_id, client_id, request_id, contact_id, kind, description, due_at, made_by, status,
             kept_at, broken_at, margin_minutes, renegotiations, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        params![
            p.org_id, p.client_id, p.request_id, p.contact_id, Word(p.kind.as_str()), p.description, p.due_at,
            p.made_by, Word(p.status.as_str()), p.kept_at, p.broken_at, p.margin_minutes, p.renegotiations,
            p.created_at, p.updated_at
        ],
    )?;
    let mut out = p.clone();
    out.id = PromiseId(id);
    Ok(out)
}

pub fn get(db: &mut Db<'_>, org: OrgId, id: PromiseId) -> Result<Promise, StoreError> {
    from_row(&db.query_one(
        &format!("SELECT {COLUMNS} FROM promises WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

pub fn get_for_update(db: &mut Db<'_>, org: OrgId, id: PromiseId) -> Result<Promise, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM promises WHERE org_id = $1 AND id = $2{}",
        db.for_update()
    );
    from_row(&db.query_one(&sql, params![org, id])?)
}

/// Save the settled or renegotiated state.
pub fn update(db: &mut Db<'_>, p: &Promise) -> Result<(), StoreError> {
    db.execute(
        "UPDATE promises SET due_at = $3, status = $4, kept_at = $5, broken_at = $6, margin_minutes = $7,
             renegotiations = $8, updated_at = $9
         WHERE org_id = $1 AND id = $2",
        params![p.org_id, p.id, p.due_at, Word(p.status.as_str()), p.kept_at, p.broken_at, p.margin_minutes, p.renegotiations, p.updated_at],
    )?;
    Ok(())
}

pub fn insert_change(db: &mut Db<'_>, org: OrgId, c: &PromiseChange) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO promise_changes (org_id, promise_id, old_due_at, new_due_at, reason, changed_by, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![org, c.promise_id, c.old_due_at, c.new_due_at, c.reason, c.changed_by, c.changed_at],
    )?;
    Ok(())
}

pub fn changes(
    db: &mut Db<'_>,
    org: OrgId,
    promise: PromiseId,
) -> Result<Vec<PromiseChange>, StoreError> {
    db.query_map(
        "SELECT promise_id, old_due_at, new_due_at, reason, changed_by, changed_at FROM promise_changes
         WHERE org_id = $1 AND promise_id = $2 ORDER BY id",
        params![org, promise],
        |r| {
            Ok(PromiseChange {
                promise_id: r.get("promise_id")?,
                old_due_at: r.get("old_due_at")?,
                new_due_at: r.get("new_due_at")?,
                reason: r.get("reason")?,
                changed_by: r.get("changed_by")?,
                changed_at: r.get("changed_at")?,
            })
        },
    )
}

#[derive(Debug, Clone, Default)]
pub struct PromiseQuery {
    pub statuses: Vec<PromiseStatus>,
    pub client: Option<ClientId>,
    pub request: Option<RequestId>,
    pub made_by: Option<MemberId>,
    /// Only promises on the requests of this contact (a requester's own).
    pub contact: Option<ContactId>,
    /// Only pending promises past due at this instant.
    pub overdue_at: Option<Timestamp>,
    pub after_id: Option<i64>,
    pub limit: usize,
}

/// Promises by id, oldest first.
pub fn list(db: &mut Db<'_>, org: OrgId, q: &PromiseQuery) -> Result<Page<Promise>, StoreError> {
    let mut f = Filter::new(org);
    if !q.statuses.is_empty() {
        let ps: Vec<String> = q
            .statuses
            .iter()
            .map(|s| f.bind(Param::Text(s.as_str().into())))
            .collect();
        f.and_raw(&format!("status IN ({})", ps.join(", ")));
    }
    if let Some(c) = q.client {
        f.and("client_id = {}", Param::Int(c.0));
    }
    if let Some(r) = q.request {
        f.and("request_id = {}", Param::Int(r.0));
    }
    if let Some(m) = q.made_by {
        f.and("made_by = {}", Param::Int(m.0));
    }
    if let Some(c) = q.contact {
        f.and(
            "request_id IN (SELECT r.id FROM requests r WHERE r.org_id = promises.org_id AND r.contact_id = {})",
            Param::Int(c.0),
        );
    }
    if let Some(at) = q.overdue_at {
        f.and(
            "(status IN ('open', 'renegotiated') AND due_at < {})",
            Param::Int(at.as_millisecond()),
        );
    }
    if let Some(a) = q.after_id {
        f.and("id > {}", Param::Int(a));
    }
    let limit = q.limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {COLUMNS} FROM promises WHERE {} ORDER BY id LIMIT {}",
        f.sql(),
        limit + 1
    );
    let rows = db.query_map(&sql, &f.params(), from_row)?;
    Ok(Page::from_rows(rows, limit, |p| (p.id.0, p.id.0)))
}

/// Pending promises attached to a request, for keeping them automatically.
pub fn pending_for_request(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
) -> Result<Vec<Promise>, StoreError> {
    db.query_map(
        &format!(
            "SELECT {COLUMNS} FROM promises WHERE org_id = $1 AND request_id = $2 AND status IN ('open', 'renegotiated') ORDER BY id"
        ),
        params![org, request],
        from_row,
    )
}

/// Promises kept or broken since `since`: whether kept, and when it was settled.
pub fn settled_since(
    db: &mut Db<'_>,
    org: OrgId,
    since: Timestamp,
) -> Result<Vec<(bool, Timestamp)>, StoreError> {
    db.query_map(
        "SELECT status, COALESCE(kept_at, broken_at) AS settled_at FROM promises
         WHERE org_id = $1 AND ((status = 'kept' AND kept_at >= $2) OR (status = 'broken' AND broken_at >= $2))",
        params![org, since],
        |r| Ok((r.get::<String>("status")? == "kept", r.get("settled_at")?)),
    )
}

/// The member's open requests whose delivery is promised to the client (a delivery promise
/// still pending): work already committed, which new work may not push back.
pub fn promised_deliveries(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
) -> Result<Vec<RequestId>, StoreError> {
    db.query_map(
        "SELECT DISTINCT p.request_id FROM promises p
           JOIN requests r ON r.org_id = p.org_id AND r.id = p.request_id
          WHERE p.org_id = $1 AND r.assignee_id = $2 AND p.kind = 'delivery'
            AND p.status IN ('open', 'renegotiated')
          ORDER BY p.request_id",
        params![org, member],
        |r| r.get("request_id"),
    )
}
