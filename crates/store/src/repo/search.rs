//! Full-text search over requests and their messages, with each engine's own index: FTS5 on
//! SQLite (`requests_fts`, `messages_fts`, kept by triggers), `tsvector` columns with GIN
//! indexes on PostgreSQL (generated columns). Both are written in the same transaction as the
//! row, so a search never misses a committed write.
//!
//! Every query starts from the index (`MATCH` / `@@`) and joins the request by id; filters are
//! applied to the joined request. At most [`CANDIDATES`] matches per index are ranked (the
//! newest), and snippets are computed only for the page returned.

use jiff::Timestamp;
use rapport_core::ids::{ClientId, ContactId, MessageId, OrgId, RequestId};
use rapport_core::request::{self as req, Kind, Status};
use rapport_core::search::{MATCH_END, MATCH_START, MatchedIn, SearchHit, SearchQuery};

use crate::db::{Db, Engine};
use crate::error::StoreError;
use crate::params;
use crate::value::{Param, ToParam};

/// What to look in, besides the query.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    pub client: Option<ClientId>,
    /// Only requests of this contact (a requester searching their own).
    pub contact: Option<ContactId>,
    pub statuses: Vec<Status>,
    pub kind: Option<Kind>,
    /// Requests created at or after this instant.
    pub from: Option<Timestamp>,
    /// Requests created before this instant.
    pub to: Option<Timestamp>,
    /// Whether internal notes may match (never for client contacts).
    pub include_notes: bool,
}

/// Matches ranked per index (requests, messages), newest first. A rare term is ranked over all
/// its matches; a term matching more than this many rows is ranked over its newest matches,
/// which bounds the cost of common words (ranking is linear in the rows ranked). Must exceed
/// the deepest page the API allows (offset 1000 + limit 100).
pub const CANDIDATES: usize = 2000;

/// Words of context around a match in a snippet.
const SNIPPET_TOKENS: i64 = 16;

/// A page of hits; `more` when another page follows.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    pub more: bool,
}

struct Ranked {
    request: RequestId,
    message: Option<MessageId>,
}

fn bind(params: &mut Vec<Param<'static>>, p: Param<'static>) -> String {
    params.push(p);
    format!("${}", params.len())
}

/// The conditions on the joined request `r`, their parameters appended to `params`.
fn request_conditions(f: &SearchFilter, params: &mut Vec<Param<'static>>) -> String {
    let mut sql = String::new();
    if let Some(c) = f.client {
        let p = bind(params, Param::Int(c.0));
        sql.push_str(&format!(" AND r.client_id = {p}"));
    }
    if let Some(c) = f.contact {
        let p = bind(params, Param::Int(c.0));
        sql.push_str(&format!(" AND r.contact_id = {p}"));
    }
    if !f.statuses.is_empty() {
        let ps: Vec<String> = f
            .statuses
            .iter()
            .map(|s| bind(params, Param::Text(s.as_str().into())))
            .collect();
        sql.push_str(&format!(" AND r.status IN ({})", ps.join(", ")));
    }
    if let Some(k) = f.kind {
        let p = bind(params, Param::Text(k.as_str().into()));
        sql.push_str(&format!(" AND r.kind = {p}"));
    }
    if let Some(t) = f.from {
        let p = bind(params, Param::Int(t.as_millisecond()));
        sql.push_str(&format!(" AND r.created_at >= {p}"));
    }
    if let Some(t) = f.to {
        let p = bind(params, Param::Int(t.as_millisecond()));
        sql.push_str(&format!(" AND r.created_at < {p}"));
    }
    sql
}

/// Requests matching `q` in `org`, best first, `limit` from `offset`.
pub fn search(
    db: &mut Db<'_>,
    org: OrgId,
    q: &SearchQuery,
    f: &SearchFilter,
    limit: usize,
    offset: usize,
) -> Result<SearchPage, StoreError> {
    let expr = match db.engine() {
        Engine::Sqlite => q.fts5(),
        Engine::Postgres => q.tsquery(),
    };
    let mut params: Vec<Param<'static>> = vec![Param::Int(org.0), Param::Text(expr.into())];
    let conds = request_conditions(f, &mut params);
    let notes = if f.include_notes {
        ""
    } else {
        " AND m.direction <> 'note'"
    };
    let sql = match db.engine() {
        // CROSS JOIN keeps the FTS table as the outer loop (SQLite would otherwise walk the
        // org's requests and probe the index for each). bm25: lower is better; column weights
        // title, body, tags. The bare `message_id` beside MIN() is SQLite's: it comes from the
        // row holding the minimum.
        Engine::Sqlite => format!(
            "WITH hits (request_id, message_id, score) AS (
                 SELECT * FROM (
                     SELECT r.id, NULL, bm25(requests_fts, 10.0, 1.0, 5.0)
                       FROM requests_fts CROSS JOIN requests r ON r.id = requests_fts.rowid
                      WHERE requests_fts MATCH $2 AND r.org_id = $1{conds}
                      ORDER BY requests_fts.rowid DESC LIMIT {CANDIDATES})
                 UNION ALL
                 SELECT * FROM (
                     SELECT m.request_id, m.id, bm25(messages_fts)
                       FROM messages_fts
                      CROSS JOIN messages m ON m.id = messages_fts.rowid
                      CROSS JOIN requests r ON r.org_id = m.org_id AND r.id = m.request_id
                      WHERE messages_fts MATCH $2 AND m.org_id = $1{notes}{conds}
                      ORDER BY messages_fts.rowid DESC LIMIT {CANDIDATES})
             )
             SELECT request_id, message_id, MIN(score) AS best FROM hits
              GROUP BY request_id
              ORDER BY best, request_id DESC
              LIMIT {} OFFSET {offset}",
            limit + 1
        ),
        // The GIN indexes (org_id, search) find the rows; ts_rank (higher is better) runs only
        // on the candidates. The request's own vector weighs title A, tags B, body C; messages
        // have the default weight D.
        Engine::Postgres => format!(
            "WITH hits AS (
                 SELECT c.id AS request_id, NULL::bigint AS message_id,
                        ts_rank(c.search, to_tsquery('english', $2)) AS score
                   FROM (SELECT r.id, r.search FROM requests r
                          WHERE r.org_id = $1 AND r.search @@ to_tsquery('english', $2){conds}
                          ORDER BY r.id DESC LIMIT {CANDIDATES}) c
                 UNION ALL
                 SELECT c.request_id, c.id, ts_rank(c.search, to_tsquery('english', $2))
                   FROM (SELECT m.request_id, m.id, m.search FROM messages m
                           JOIN requests r ON r.org_id = m.org_id AND r.id = m.request_id
                          WHERE m.org_id = $1 AND m.search @@ to_tsquery('english', $2){notes}{conds}
                          ORDER BY m.id DESC LIMIT {CANDIDATES}) c
             ), best AS (
                 SELECT DISTINCT ON (request_id) request_id, message_id, score FROM hits
                  ORDER BY request_id, score DESC, message_id NULLS FIRST
             )
             SELECT request_id, message_id, score FROM best
              ORDER BY score DESC, request_id DESC
              LIMIT {} OFFSET {offset}",
            limit + 1
        ),
    };
    let refs: Vec<&dyn ToParam> = params.iter().map(|p| p as &dyn ToParam).collect();
    let mut ranked = db.query_map(&sql, &refs, |r| {
        Ok(Ranked {
            request: r.get("request_id")?,
            message: r.get("message_id")?,
        })
    })?;
    let more = ranked.len() > limit;
    ranked.truncate(limit);
    let mut hits = Vec::with_capacity(ranked.len());
    for h in ranked {
        hits.push(hit(db, org, q, h)?);
    }
    Ok(SearchPage { hits, more })
}

/// The request's fields and a snippet for one ranked hit.
fn hit(db: &mut Db<'_>, org: OrgId, q: &SearchQuery, h: Ranked) -> Result<SearchHit, StoreError> {
    let r = db.query_one(
        "SELECT title, status, kind, client_id, created_at FROM requests WHERE org_id = $1 AND id = $2",
        params![org, h.request],
    )?;
    let start = MATCH_START.to_string();
    let end = MATCH_END.to_string();
    let snippet: Option<String> = match (db.engine(), h.message) {
        (Engine::Sqlite, None) => db.query_opt(
            &format!(
                "SELECT snippet(requests_fts, -1, $3, $4, '…', {SNIPPET_TOKENS}) AS snippet FROM requests_fts
                  WHERE requests_fts MATCH $2 AND rowid = $1"
            ),
            params![h.request, q.fts5(), start, end],
        )?,
        (Engine::Sqlite, Some(m)) => db.query_opt(
            &format!(
                "SELECT snippet(messages_fts, 0, $3, $4, '…', {SNIPPET_TOKENS}) AS snippet FROM messages_fts
                  WHERE messages_fts MATCH $2 AND rowid = $1"
            ),
            params![m, q.fts5(), start, end],
        )?,
        (Engine::Postgres, message) => {
            let options = format!(
                "StartSel={start}, StopSel={end}, MaxWords={}, MinWords={}, MaxFragments=2, \
                 FragmentDelimiter=\" … \"",
                SNIPPET_TOKENS + 8,
                SNIPPET_TOKENS / 2
            );
            match message {
                None => db.query_opt(
                    "SELECT ts_headline('english', title || E'\\n' || left(body, 200000),
                                        to_tsquery('english', $3), $4) AS snippet
                       FROM requests WHERE org_id = $1 AND id = $2",
                    params![org, h.request, q.tsquery(), options],
                )?,
                Some(m) => db.query_opt(
                    "SELECT ts_headline('english', left(body, 200000), to_tsquery('english', $3), $4) AS snippet
                       FROM messages WHERE org_id = $1 AND id = $2",
                    params![org, m, q.tsquery(), options],
                )?,
            }
        }
    }
    .map(|row| row.get("snippet"))
    .transpose()?;
    Ok(SearchHit {
        request_id: h.request,
        reference: req::reference(h.request),
        title: r.get("title")?,
        status: r.word("status")?,
        kind: r.word("kind")?,
        client_id: r.get("client_id")?,
        created_at: r.get("created_at")?,
        matched_in: if h.message.is_some() {
            MatchedIn::Message
        } else {
            MatchedIn::Request
        },
        message_id: h.message,
        snippet: snippet.unwrap_or_default(),
    })
}
