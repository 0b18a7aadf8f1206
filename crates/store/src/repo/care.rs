//! Sentiment and the complaint flag of requests (`request_care`), and the complaint list.

use jiff::Timestamp;
use rapport_core::complaint::{ComplaintReason, ComplaintSummary, Cue};
use rapport_core::ids::{ClientId, OrgId, RequestId};
use rapport_core::request::reference;

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::repo::Page;
use crate::value::{Json, Param, ToParam, Word};

/// What is stored about a request's mood.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestCare {
    pub body_sentiment: Option<f64>,
    pub last_inbound_sentiment: Option<f64>,
    pub complaint: Option<(ComplaintReason, Timestamp)>,
    /// Whether the complaint weighs on the client's health.
    pub counted: bool,
}

pub fn get(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
) -> Result<Option<RequestCare>, StoreError> {
    let row = db.query_opt(
        "SELECT body_sentiment, last_inbound_sentiment, complaint_reason, complaint_at, complaint_counted
         FROM request_care WHERE org_id = $1 AND request_id = $2",
        params![org, request],
    )?;
    row.map(|r| {
        let reason: Option<ComplaintReason> = r.word_opt("complaint_reason")?;
        let at: Option<Timestamp> = r.get("complaint_at")?;
        Ok(RequestCare {
            body_sentiment: r.get("body_sentiment")?,
            last_inbound_sentiment: r.get("last_inbound_sentiment")?,
            complaint: reason.zip(at),
            counted: r.get("complaint_counted")?,
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

/// What flagging did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flagged {
    /// Flagged for the first time.
    New,
    /// Flagged before without weighing on health; now it does (confirmed, or a strong signal).
    NowCounted,
    /// Nothing changed.
    Unchanged,
}

/// Flag the request as a complaint, with the cues found and whether it weighs on health. A
/// flag is never lowered: the first reason stays (unless a person re-files it as a complaint),
/// cues add up, and once counted it stays counted.
pub fn flag_complaint(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    reason: ComplaintReason,
    cues: &[Cue],
    counted: bool,
    now: Timestamp,
) -> Result<Flagged, StoreError> {
    let row = db.query_opt(
        "SELECT complaint, complaint_counted, complaint_cues FROM request_care
         WHERE org_id = $1 AND request_id = $2",
        params![org, request],
    )?;
    let (was_flagged, was_counted, mut all_cues) = match row {
        Some(r) => (
            r.get::<bool>("complaint")?,
            r.get::<bool>("complaint_counted")?,
            r.json_opt::<Vec<Cue>>("complaint_cues")?
                .unwrap_or_default(),
        ),
        None => (false, false, Vec::new()),
    };
    let before = all_cues.len();
    all_cues.extend_from_slice(cues);
    all_cues.sort();
    all_cues.dedup();
    let outcome = if !was_flagged {
        Flagged::New
    } else if counted && !was_counted {
        Flagged::NowCounted
    } else {
        Flagged::Unchanged
    };
    if outcome == Flagged::Unchanged && all_cues.len() == before {
        return Ok(outcome);
    }
    let cues_json = (!all_cues.is_empty()).then_some(Json(&all_cues));
    db.execute(
        "INSERT INTO request_care (org_id, request_id, complaint, complaint_reason, complaint_at,
             complaint_cues, complaint_counted, updated_at)
         VALUES ($1, $2, TRUE, $3, $4, $5, $6, $4)
         ON CONFLICT (org_id, request_id) DO UPDATE SET complaint = TRUE,
             complaint_reason = CASE WHEN excluded.complaint_reason = 'kind' THEN 'kind'
                 ELSE COALESCE(request_care.complaint_reason, excluded.complaint_reason) END,
             complaint_at = COALESCE(request_care.complaint_at, excluded.complaint_at),
             complaint_cues = excluded.complaint_cues,
             complaint_counted = CASE WHEN request_care.complaint THEN
                 (request_care.complaint_counted OR excluded.complaint_counted)
                 ELSE excluded.complaint_counted END,
             updated_at = excluded.updated_at",
        params![org, request, Word(reason.as_str()), now, cues_json, counted],
    )?;
    Ok(outcome)
}

/// Complaints that weigh on health and whose request is still open, for one client.
pub fn open_complaints(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    at: Timestamp,
) -> Result<i64, StoreError> {
    // As of `at`: flagged by then, and not yet delivered or closed then (for `at` = now, the
    // request's status says so).
    // Starts from the client's requests open now (`requests_client_status`), then those
    // delivered or closed only after `at`, not from every complaint of the firm: what it reads
    // is the client's open work, however long its history.
    db.scalar(
        "SELECT (SELECT COUNT(*) FROM requests r
                  JOIN request_care c ON c.org_id = r.org_id AND c.request_id = r.id
                  WHERE r.org_id = $1 AND r.client_id = $2
                    AND r.status IN ('new', 'triaged', 'in_progress', 'waiting_on_client')
                    AND c.complaint = TRUE AND c.complaint_counted = TRUE AND c.complaint_at <= $3)
              + (SELECT COUNT(*) FROM requests r
                  JOIN request_care c ON c.org_id = r.org_id AND c.request_id = r.id
                  WHERE r.org_id = $1 AND r.client_id = $2
                    AND r.status IN ('delivered', 'closed')
                    AND COALESCE(r.delivered_at, r.closed_at) > $3
                    AND c.complaint = TRUE AND c.complaint_counted = TRUE AND c.complaint_at <= $3)
              AS n",
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
                c.body_sentiment, r.last_inbound_at, c.last_inbound_sentiment, c.complaint_cues,
                c.complaint_counted
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
        let id: RequestId = r.get("request_id")?;
        let flagged_at: Timestamp = r.get("complaint_at")?;
        Ok(ComplaintSummary {
            request_id: id,
            reference: reference(id),
            title: r.get("title")?,
            client_id: r.get("client_id")?,
            contact_id: r.get("contact_id")?,
            status: r.word("status")?,
            reason: r.word("complaint_reason")?,
            cues: r.json_opt("complaint_cues")?.unwrap_or_default(),
            counts_in_health: r.get("complaint_counted")?,
            flagged_at,
            age_minutes: now.duration_since(flagged_at).as_mins().max(0),
            body_sentiment: r.get("body_sentiment")?,
            last_inbound_at: r.get("last_inbound_at")?,
            last_inbound_sentiment: r.get("last_inbound_sentiment")?,
        })
    })?;
    Ok(Page::from_rows(rows, limit, |c| {
        (c.request_id.0, c.request_id.0)
    }))
}
