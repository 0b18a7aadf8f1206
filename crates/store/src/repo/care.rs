//! Sentiment and the complaint flag of requests (`request_care`), and the complaint list.

use jiff::Timestamp;
use rapport_core::complaint::{ComplaintReason, ComplaintSummary};
use rapport_core::ids::{ClientId, OrgId, RequestId};
use rapport_core::request::reference;

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::repo::Page;
use crate::value::{Param, ToParam, Word};

/// What is stored about a request's mood.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestCare {
    pub body_sentiment: Option<f64>,
    pub last_inbound_sentiment: Option<f64>,
    pub complaint: Option<(ComplaintReason, Timestamp)>,
}

pub fn get(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
) -> Result<Option<RequestCare>, StoreError> {
    let row = db.query_opt(
        "SELECT body_sentiment, last_inbound_sentiment, complaint_reason, complaint_at
         FROM request_care WHERE org_id = $1 AND request_id = $2",
        params![org, request],
    )?;
    row.map(|r| {
        let reason: Option<ComplaintReason> = r.word_opt(2)?;
        let at: Option<Timestamp> = r.get(3)?;
        Ok(RequestCare {
            body_sentiment: r.get(0)?,
            last_inbound_sentiment: r.get(1)?,
            complaint: reason.zip(at),
        })
    })
    .transpose()
}

/// Whether the request is flagged as a complaint.
pub fn is_complaint(db: &mut Db<'_>, org: OrgId, request: RequestId) -> Result<bool, StoreError> {
    Ok(get(db, org, request)?.is_some_and(|c| c.complaint.is_some()))
}

/// Record the sentiment of the request's own text (at creation).
pub fn set_body_sentiment(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    compound: f64,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO request_care (org_id, request_id, body_sentiment, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (org_id, request_id) DO UPDATE SET body_sentiment = excluded.body_sentiment,
             updated_at = excluded.updated_at",
        params![org, request, compound, now],
    )?;
    Ok(())
}

/// Record the sentiment of the client's latest message.
pub fn set_inbound_sentiment(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    compound: f64,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO request_care (org_id, request_id, last_inbound_sentiment, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (org_id, request_id) DO UPDATE SET last_inbound_sentiment = excluded.last_inbound_sentiment,
             updated_at = excluded.updated_at",
        params![org, request, compound, now],
    )?;
    Ok(())
}

/// Flag the request as a complaint. Returns `true` only when it was not flagged before, so the
/// caller raises its alert once.
pub fn flag_complaint(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    reason: ComplaintReason,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let row = db.query_opt(
        "INSERT INTO request_care (org_id, request_id, complaint, complaint_reason, complaint_at, updated_at)
         VALUES ($1, $2, TRUE, $3, $4, $4)
         ON CONFLICT (org_id, request_id) DO UPDATE SET complaint = TRUE,
             complaint_reason = excluded.complaint_reason, complaint_at = excluded.complaint_at,
             updated_at = excluded.updated_at
         WHERE request_care.complaint = FALSE
         RETURNING request_id",
        params![org, request, Word(reason.as_str()), now],
    )?;
    Ok(row.is_some())
}

/// Complaints whose request is still open, for one client (health).
pub fn open_complaints(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    at: Timestamp,
) -> Result<i64, StoreError> {
    // As of `at`: flagged by then, and not yet delivered or closed then (for `at` = now, the
    // request's status says so).
    db.scalar(
        "SELECT COUNT(*) FROM request_care c
         JOIN requests r ON r.org_id = c.org_id AND r.id = c.request_id
         WHERE c.org_id = $1 AND c.complaint = TRUE AND r.client_id = $2 AND c.complaint_at <= $3
           AND (r.status NOT IN ('delivered', 'closed') OR COALESCE(r.delivered_at, r.closed_at) > $3)",
        params![org, client, at],
    )
}

#[derive(Debug, Clone, Default)]
pub struct ComplaintQuery {
    /// Only complaints whose request is not yet delivered or closed.
    pub open_only: bool,
    pub client: Option<ClientId>,
    pub after_id: Option<i64>,
    pub limit: usize,
}

/// Flagged requests, oldest request first.
pub fn list(
    db: &mut Db<'_>,
    org: OrgId,
    q: &ComplaintQuery,
    now: Timestamp,
) -> Result<Page<ComplaintSummary>, StoreError> {
    let mut sql = String::from(
        "SELECT c.request_id, r.title, r.client_id, r.contact_id, r.status, c.complaint_reason, c.complaint_at,
                c.body_sentiment, r.last_inbound_at, c.last_inbound_sentiment
         FROM request_care c JOIN requests r ON r.org_id = c.org_id AND r.id = c.request_id
         WHERE c.org_id = $1 AND c.complaint = TRUE",
    );
    let mut ps: Vec<Param<'_>> = vec![Param::Int(org.0)];
    if q.open_only {
        sql.push_str(" AND r.status NOT IN ('delivered', 'closed')");
    }
    if let Some(c) = q.client {
        ps.push(Param::Int(c.0));
        sql.push_str(&format!(" AND r.client_id = ${}", ps.len()));
    }
    if let Some(a) = q.after_id {
        ps.push(Param::Int(a));
        sql.push_str(&format!(" AND c.request_id > ${}", ps.len()));
    }
    let limit = q.limit.clamp(1, super::MAX_PAGE);
    sql.push_str(&format!(" ORDER BY c.request_id LIMIT {}", limit + 1));
    let refs: Vec<&dyn ToParam> = ps.iter().map(|p| p as &dyn ToParam).collect();
    let rows = db.query_map(&sql, &refs, |r| {
        let id: RequestId = r.get(0)?;
        let flagged_at: Timestamp = r.get(6)?;
        Ok(ComplaintSummary {
            request_id: id,
            reference: reference(id),
            title: r.get(1)?,
            client_id: r.get(2)?,
            contact_id: r.get(3)?,
            status: r.word(4)?,
            reason: r.word(5)?,
            flagged_at,
            age_minutes: now.duration_since(flagged_at).as_mins().max(0),
            body_sentiment: r.get(7)?,
            last_inbound_at: r.get(8)?,
            last_inbound_sentiment: r.get(9)?,
        })
    })?;
    Ok(Page::from_rows(rows, limit, |c| {
        (c.request_id.0, c.request_id.0)
    }))
}
