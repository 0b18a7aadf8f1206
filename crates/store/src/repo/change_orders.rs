//! Change orders and the requests each covers.

use std::collections::HashMap;

use rapport_core::access::Actor;
use rapport_core::change_order::{ChangeOrder, ChangeOrderStatus};
use rapport_core::ids::{ChangeOrderId, ClientId, ContactId, EngagementId, OrgId, RequestId};
use rapport_core::money::Currency;

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::repo::{Filter, Page};
use crate::value::{Param, Row, Word};

const COLUMNS: &str = "id, org_id, engagement_id, client_id, title, description, estimate_minutes, rate_minor, \
    price_minor, currency, status, created_by_kind, created_by_id, sent_at, decided_at, decided_by, decided_by_name, \
    decision_note, created_at, updated_at";

fn from_row(r: &Row) -> Result<ChangeOrder, StoreError> {
    let currency: String = r.get("currency")?;
    let kind: String = r.get("created_by_kind")?;
    Ok(ChangeOrder {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        engagement_id: r.get("engagement_id")?,
        client_id: r.get("client_id")?,
        title: r.get("title")?,
        description: r.get("description")?,
        request_ids: Vec::new(),
        estimate_minutes: r.get("estimate_minutes")?,
        rate_minor: r.get("rate_minor")?,
        price_minor: r.get("price_minor")?,
        currency: Currency::parse(&currency).map_err(StoreError::decode)?,
        status: r.word("status")?,
        created_by: Actor::from_parts(&kind, r.get("created_by_id")?)
            .ok_or_else(|| StoreError::decode(format!("bad actor kind {kind}")))?,
        sent_at: r.get("sent_at")?,
        decided_at: r.get("decided_at")?,
        decided_by: r.get("decided_by")?,
        decided_by_name: r.get("decided_by_name")?,
        decision_note: r.get("decision_note")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

/// Fill in the request ids of `orders` with one query.
fn with_requests(
    db: &mut Db<'_>,
    org: OrgId,
    mut orders: Vec<ChangeOrder>,
) -> Result<Vec<ChangeOrder>, StoreError> {
    if orders.is_empty() {
        return Ok(orders);
    }
    let mut f = Filter::new(org);
    let ps: Vec<String> = orders.iter().map(|o| f.bind(Param::Int(o.id.0))).collect();
    f.and_raw(&format!("change_order_id IN ({})", ps.join(", ")));
    let sql = format!(
        "SELECT change_order_id, request_id FROM change_order_requests WHERE {} ORDER BY change_order_id, request_id",
        f.sql()
    );
    let links: Vec<(ChangeOrderId, RequestId)> = db.query_map(&sql, &f.params(), |r| {
        Ok((r.get("change_order_id")?, r.get("request_id")?))
    })?;
    let mut by_order: HashMap<ChangeOrderId, Vec<RequestId>> = HashMap::new();
    for (o, r) in links {
        by_order.entry(o).or_default().push(r);
    }
    for o in &mut orders {
        o.request_ids = by_order.remove(&o.id).unwrap_or_default();
    }
    Ok(orders)
}

/// Insert `c` (its `id` is ignored) with its requests; returns it with the stored id.
pub fn insert(db: &mut Db<'_>, c: &ChangeOrder) -> Result<ChangeOrder, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO change_orders (org_id, engagement_id, client_id, title, description, estimate_minutes, rate_minor,
             price_minor, currency, status, created_by_kind, created_by_id, sent_at, decided_at, decided_by,
             decided_by_name, decision_note, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         RETURNING id",
        params![
            c.org_id, c.engagement_id, c.client_id, c.title, c.description, c.estimate_minutes, c.rate_minor,
            c.price_minor, c.currency.code(), Word(c.status.as_str()), c.created_by.kind(), c.created_by.id(),
            c.sent_at, c.decided_at, c.decided_by, c.decided_by_name, c.decision_note, c.created_at, c.updated_at
        ],
    )?;
    let id = ChangeOrderId(id);
    for r in &c.request_ids {
        db.execute(
            "INSERT INTO change_order_requests (org_id, change_order_id, request_id) VALUES ($1, $2, $3)",
            params![c.org_id, id, r],
        )?;
    }
    let mut out = c.clone();
    out.id = id;
    Ok(out)
}

pub fn get(db: &mut Db<'_>, org: OrgId, id: ChangeOrderId) -> Result<ChangeOrder, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM change_orders WHERE org_id = $1 AND id = $2");
    let c = from_row(&db.query_one(&sql, params![org, id])?)?;
    Ok(with_requests(db, org, vec![c])?.remove(0))
}

/// Load for update: on PostgreSQL the row stays locked until the transaction ends, so two
/// answers to one order are decided one after the other.
pub fn get_for_update(
    db: &mut Db<'_>,
    org: OrgId,
    id: ChangeOrderId,
) -> Result<ChangeOrder, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM change_orders WHERE org_id = $1 AND id = $2{}",
        db.for_update()
    );
    let c = from_row(&db.query_one(&sql, params![org, id])?)?;
    Ok(with_requests(db, org, vec![c])?.remove(0))
}

/// Save the status and what goes with it (sent, decided, by whom, the note).
pub fn update_status(db: &mut Db<'_>, c: &ChangeOrder) -> Result<(), StoreError> {
    let n = db.execute(
        "UPDATE change_orders SET status = $3, sent_at = $4, decided_at = $5, decided_by = $6, decided_by_name = $7,
             decision_note = $8, updated_at = $9
         WHERE org_id = $1 AND id = $2",
        params![
            c.org_id, c.id, Word(c.status.as_str()), c.sent_at, c.decided_at, c.decided_by, c.decided_by_name,
            c.decision_note, c.updated_at
        ],
    )?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Save a draft's new terms and the requests it now covers.
pub fn update_draft(db: &mut Db<'_>, c: &ChangeOrder) -> Result<(), StoreError> {
    let n = db.execute(
        "UPDATE change_orders SET title = $3, description = $4, estimate_minutes = $5, rate_minor = $6,
             price_minor = $7, updated_at = $8
         WHERE org_id = $1 AND id = $2",
        params![
            c.org_id, c.id, c.title, c.description, c.estimate_minutes, c.rate_minor, c.price_minor,
            c.updated_at
        ],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    db.execute(
        "DELETE FROM change_order_requests WHERE org_id = $1 AND change_order_id = $2",
        params![c.org_id, c.id],
    )?;
    for r in &c.request_ids {
        db.execute(
            "INSERT INTO change_order_requests (org_id, change_order_id, request_id) VALUES ($1, $2, $3)",
            params![c.org_id, c.id, r],
        )?;
    }
    Ok(())
}

/// The change orders that cover a request, oldest first, with their status and engagement.
pub fn for_request(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
) -> Result<Vec<(ChangeOrderId, ChangeOrderStatus, EngagementId)>, StoreError> {
    db.query_map(
        "SELECT c.id, c.status, c.engagement_id FROM change_order_requests l
         JOIN change_orders c ON c.org_id = l.org_id AND c.id = l.change_order_id
         WHERE l.org_id = $1 AND l.request_id = $2 ORDER BY c.id",
        params![org, request],
        |r| Ok((r.get("id")?, r.word("status")?, r.get("engagement_id")?)),
    )
}

#[derive(Debug, Clone, Default)]
pub struct ChangeOrderQuery {
    pub client: Option<ClientId>,
    pub engagement: Option<EngagementId>,
    /// Only change orders covering a request of this contact (a requester's own).
    pub contact: Option<ContactId>,
    /// Empty: any status.
    pub statuses: Vec<ChangeOrderStatus>,
    pub before_id: Option<i64>,
    pub limit: usize,
}

/// Newest first.
pub fn list(
    db: &mut Db<'_>,
    org: OrgId,
    q: &ChangeOrderQuery,
) -> Result<Page<ChangeOrder>, StoreError> {
    let mut f = Filter::new(org);
    if let Some(c) = q.client {
        f.and("client_id = {}", Param::Int(c.0));
    }
    if let Some(e) = q.engagement {
        f.and("engagement_id = {}", Param::Int(e.0));
    }
    if let Some(c) = q.contact {
        f.and(
            "id IN (SELECT l.change_order_id FROM change_order_requests l
                    JOIN requests r ON r.org_id = l.org_id AND r.id = l.request_id
                    WHERE l.org_id = change_orders.org_id AND r.contact_id = {})",
            Param::Int(c.0),
        );
    }
    if !q.statuses.is_empty() {
        let ps: Vec<String> = q
            .statuses
            .iter()
            .map(|s| f.bind(Param::Text(s.as_str().into())))
            .collect();
        f.and_raw(&format!("status IN ({})", ps.join(", ")));
    }
    if let Some(b) = q.before_id {
        f.and("id < {}", Param::Int(b));
    }
    let limit = q.limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {COLUMNS} FROM change_orders WHERE {} ORDER BY id DESC LIMIT {}",
        f.sql(),
        limit + 1
    );
    let rows = db.query_map(&sql, &f.params(), from_row)?;
    let page = Page::from_rows(rows, limit, |c| (c.id.0, c.id.0));
    Ok(Page {
        items: with_requests(db, org, page.items)?,
        next: page.next,
    })
}
