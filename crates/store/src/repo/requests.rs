//! The book of work.

use jiff::Timestamp;
use rapport_core::access::Actor;
use rapport_core::ids::{ClientId, ContactId, EngagementId, MemberId, OrgId, RequestId};
use rapport_core::request::{self as req, Kind, Request, ScopeRecord, Status};

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::repo::{Filter, Page};
use crate::value::{Json, Param, Row, Word};

pub(crate) const COLUMNS: &str = "id, org_id, client_id, engagement_id, contact_id, title, body, kind, priority, status, \
    assignee_id, estimate_minutes, spent_minutes, channel, tags, due_at, quick, scope, created_by_kind, \
    created_by_id, created_at, updated_at, first_response_at, last_inbound_at, last_outbound_at, delivered_at, closed_at";

pub(crate) fn from_row(r: &Row) -> Result<Request, StoreError> {
    let id: RequestId = r.get("id")?;
    let kind: String = r.get("created_by_kind")?;
    Ok(Request {
        id,
        org_id: r.get("org_id")?,
        reference: req::reference(id),
        client_id: r.get("client_id")?,
        engagement_id: r.get("engagement_id")?,
        contact_id: r.get("contact_id")?,
        title: r.get("title")?,
        body: r.get("body")?,
        kind: r.word("kind")?,
        priority: r.word("priority")?,
        status: r.word("status")?,
        assignee_id: r.get("assignee_id")?,
        estimate_minutes: r.get("estimate_minutes")?,
        spent_minutes: r.get("spent_minutes")?,
        channel: r.word("channel")?,
        tags: r.json("tags")?,
        due_at: r.get("due_at")?,
        quick: r.get("quick")?,
        scope: r.json_opt("scope")?,
        created_by: Actor::from_parts(&kind, r.get("created_by_id")?)
            .ok_or_else(|| StoreError::decode(format!("bad actor kind {kind}")))?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        first_response_at: r.get("first_response_at")?,
        last_inbound_at: r.get("last_inbound_at")?,
        last_outbound_at: r.get("last_outbound_at")?,
        delivered_at: r.get("delivered_at")?,
        closed_at: r.get("closed_at")?,
    })
}

fn scope_verdict(scope: &Option<ScopeRecord>) -> Option<&'static str> {
    scope.as_ref().map(|s| {
        let v = s.confirmed_verdict.unwrap_or(s.verdict);
        match v {
            rapport_core::scope::Verdict::In => "in",
            rapport_core::scope::Verdict::Out => "out",
            rapport_core::scope::Verdict::Unclear => "unclear",
        }
    })
}

/// Insert `r` (its `id` and `reference` are ignored) with its tags; returns the stored request.
pub fn insert(db: &mut Db<'_>, r: &Request) -> Result<Request, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO requests (org_id, client_id, engagement_id, contact_id, title, body, kind, priority, status,
             assignee_id, estimate_minutes, spent_minutes, channel, tags, due_at, quick, scope, scope_verdict,
             created_by_kind, created_by_id, created_at, updated_at, first_response_at, last_inbound_at,
             last_outbound_at, delivered_at, closed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                 $21, $22, $23, $24, $25, $26, $27)
         RETURNING id",
        params![
            r.org_id, r.client_id, r.engagement_id, r.contact_id, r.title, r.body, Word(r.kind.as_str()),
            Word(r.priority.as_str()), Word(r.status.as_str()), r.assignee_id, r.estimate_minutes, r.spent_minutes,
            Word(r.channel.as_str()), Json(&r.tags), r.due_at, r.quick, r.scope.as_ref().map(Json),
            scope_verdict(&r.scope), r.created_by.kind(), r.created_by.id(), r.created_at, r.updated_at,
            r.first_response_at, r.last_inbound_at, r.last_outbound_at, r.delivered_at, r.closed_at
        ],
    )?;
    let id = RequestId(id);
    insert_tags(db, r.org_id, id, &r.tags)?;
    let mut out = r.clone();
    out.id = id;
    out.reference = req::reference(id);
    Ok(out)
}

fn insert_tags(
    db: &mut Db<'_>,
    org: OrgId,
    id: RequestId,
    tags: &[String],
) -> Result<(), StoreError> {
    for t in tags {
        db.execute(
            "INSERT INTO request_tags (org_id, request_id, tag) VALUES ($1, $2, $3)",
            params![org, id, t],
        )?;
    }
    Ok(())
}

pub fn get(db: &mut Db<'_>, org: OrgId, id: RequestId) -> Result<Request, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM requests WHERE org_id = $1 AND id = $2");
    from_row(&db.query_one(&sql, params![org, id])?)
}

/// Load for update: on PostgreSQL the row stays locked until the transaction ends.
pub fn get_for_update(db: &mut Db<'_>, org: OrgId, id: RequestId) -> Result<Request, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM requests WHERE org_id = $1 AND id = $2{}",
        db.for_update()
    );
    from_row(&db.query_one(&sql, params![org, id])?)
}

/// Save the editable fields (title, body, kind, priority, tags, estimate, due date, links).
pub fn update_fields(db: &mut Db<'_>, before: &Request, r: &Request) -> Result<(), StoreError> {
    let text_changed = before.title != r.title || before.body != r.body || before.tags != r.tags;
    let n = if text_changed {
        db.execute(
            "UPDATE requests SET title = $3, body = $4, kind = $5, priority = $6, tags = $7, estimate_minutes = $8,
                 due_at = $9, engagement_id = $10, contact_id = $11, updated_at = $12
             WHERE org_id = $1 AND id = $2",
            params![
                r.org_id, r.id, r.title, r.body, Word(r.kind.as_str()), Word(r.priority.as_str()), Json(&r.tags),
                r.estimate_minutes, r.due_at, r.engagement_id, r.contact_id, r.updated_at
            ],
        )?
    } else {
        // Leave the text columns out of the statement so the search index is not rewritten.
        db.execute(
            "UPDATE requests SET kind = $3, priority = $4, estimate_minutes = $5, due_at = $6, engagement_id = $7,
                 contact_id = $8, updated_at = $9
             WHERE org_id = $1 AND id = $2",
            params![
                r.org_id, r.id, Word(r.kind.as_str()), Word(r.priority.as_str()), r.estimate_minutes, r.due_at,
                r.engagement_id, r.contact_id, r.updated_at
            ],
        )?
    };
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    if before.tags != r.tags {
        db.execute(
            "DELETE FROM request_tags WHERE org_id = $1 AND request_id = $2",
            params![r.org_id, r.id],
        )?;
        insert_tags(db, r.org_id, r.id, &r.tags)?;
    }
    Ok(())
}

/// Save status and the dates that go with it.
pub fn update_status(db: &mut Db<'_>, r: &Request) -> Result<(), StoreError> {
    db.execute(
        "UPDATE requests SET status = $3, delivered_at = $4, closed_at = $5, updated_at = $6 WHERE org_id = $1 AND id = $2",
        params![r.org_id, r.id, Word(r.status.as_str()), r.delivered_at, r.closed_at, r.updated_at],
    )?;
    Ok(())
}

pub fn update_assignee(
    db: &mut Db<'_>,
    org: OrgId,
    id: RequestId,
    assignee: Option<MemberId>,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE requests SET assignee_id = $3, updated_at = $4 WHERE org_id = $1 AND id = $2",
        params![org, id, assignee, now],
    )?;
    Ok(())
}

/// Give `id` to `assignee` only if nobody has it, in one statement (so two members taking it
/// at once cannot both win, whatever the isolation); whether it was taken.
pub fn take_if_unassigned(
    db: &mut Db<'_>,
    org: OrgId,
    id: RequestId,
    assignee: MemberId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = db.execute(
        "UPDATE requests SET assignee_id = $3, updated_at = $4
          WHERE org_id = $1 AND id = $2 AND assignee_id IS NULL",
        params![org, id, assignee, now],
    )?;
    Ok(n == 1)
}

pub fn add_spent(
    db: &mut Db<'_>,
    org: OrgId,
    id: RequestId,
    minutes: i64,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE requests SET spent_minutes = spent_minutes + $3 WHERE org_id = $1 AND id = $2",
        params![org, id, minutes],
    )?;
    Ok(())
}

/// Record that the client wrote.
pub fn touch_inbound(
    db: &mut Db<'_>,
    org: OrgId,
    id: RequestId,
    at: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE requests SET last_inbound_at = $3, updated_at = $3 WHERE org_id = $1 AND id = $2",
        params![org, id, at],
    )?;
    Ok(())
}

/// Record that our answer reached the client at `at`; the earliest is the first response. A
/// scheduled reply recorded late never moves either instant the wrong way.
pub fn touch_outbound(
    db: &mut Db<'_>,
    org: OrgId,
    id: RequestId,
    at: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE requests SET
             last_outbound_at = CASE WHEN last_outbound_at IS NULL OR last_outbound_at < $3
                 THEN $3 ELSE last_outbound_at END,
             first_response_at = CASE WHEN first_response_at IS NULL OR first_response_at > $3
                 THEN $3 ELSE first_response_at END,
             updated_at = CASE WHEN updated_at < $3 THEN $3 ELSE updated_at END
         WHERE org_id = $1 AND id = $2",
        params![org, id, at],
    )?;
    Ok(())
}

pub fn set_scope(
    db: &mut Db<'_>,
    org: OrgId,
    id: RequestId,
    scope: &ScopeRecord,
    now: Timestamp,
) -> Result<(), StoreError> {
    let some = Some(scope.clone());
    db.execute(
        "UPDATE requests SET scope = $3, scope_verdict = $4, updated_at = $5 WHERE org_id = $1 AND id = $2",
        params![org, id, Json(scope), scope_verdict(&some), now],
    )?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestSort {
    /// Newest first (default).
    #[default]
    Newest,
    Oldest,
    /// Most recently updated first.
    Updated,
    /// Earliest due date first; undated last.
    Due,
    /// Earliest SLA due instant first (breached clocks, due in the past, lead); requests with
    /// no running clock last.
    SlaDue,
}

impl RequestSort {
    fn key(self) -> (&'static str, &'static str) {
        // (sort key expression, direction)
        match self {
            RequestSort::Newest => ("id", "DESC"),
            RequestSort::Oldest => ("id", "ASC"),
            RequestSort::Updated => ("updated_at", "DESC"),
            RequestSort::Due => ("COALESCE(due_at, 9223372036854775807)", "ASC"),
            RequestSort::SlaDue => ("COALESCE(sla_due_at, 9223372036854775807)", "ASC"),
        }
    }

    fn key_of(self, r: &RequestWithSla) -> i64 {
        let due = |t: Option<Timestamp>| t.map_or(i64::MAX, |d| d.as_millisecond());
        match self {
            RequestSort::Newest | RequestSort::Oldest => r.request.id.0,
            RequestSort::Updated => r.request.updated_at.as_millisecond(),
            RequestSort::Due => due(r.request.due_at),
            RequestSort::SlaDue => due(r.sla_due_at),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Member(MemberId),
    Unassigned,
}

#[derive(Debug, Clone, Default)]
pub struct RequestQuery {
    pub statuses: Vec<Status>,
    pub client: Option<ClientId>,
    pub engagement: Option<EngagementId>,
    pub contact: Option<ContactId>,
    pub assignee: Option<AssigneeFilter>,
    pub kind: Option<Kind>,
    pub tag: Option<String>,
    /// `Some(true)`: only open work past its due date; `Some(false)`: everything else.
    pub overdue: Option<bool>,
    pub quick: Option<bool>,
    /// `Some(true)`: only requests snoozed at `now`; `Some(false)`: only those not snoozed.
    pub snoozed: Option<bool>,
    /// Only requests whose worst SLA clock is in one of these states (`at_risk`, `breached`, ...).
    pub sla_states: Vec<&'static str>,
    pub sort: RequestSort,
    pub after: Option<(i64, i64)>,
    pub limit: usize,
    /// The instant `overdue` and `snoozed` are judged at: the caller's clock, never the
    /// machine's (a filter that needs it without it is a misuse).
    pub now: Option<Timestamp>,
}

/// A request with the queue's view of its SLA clocks (see `repo::clocks`).
#[derive(Debug, Clone)]
pub struct RequestWithSla {
    pub request: Request,
    /// The earliest due instant among its running clocks.
    pub sla_due_at: Option<Timestamp>,
    /// The worst state among its clocks; `None` until first evaluated.
    pub sla_state: Option<String>,
}

pub fn list(db: &mut Db<'_>, org: OrgId, q: &RequestQuery) -> Result<Page<Request>, StoreError> {
    let page = list_with_sla(db, org, q)?;
    Ok(Page {
        items: page.items.into_iter().map(|r| r.request).collect(),
        next: page.next,
    })
}

/// Open statuses, spelled exactly as the partial index `requests_open_queue` (migration 0008)
/// spells them: a query carrying this term verbatim can use that index.
const OPEN_STATUSES: &str = "status IN ('new', 'triaged', 'in_progress', 'waiting_on_client')";

/// The SQL of a list and its parameters.
fn list_sql<'a>(org: OrgId, q: &'a RequestQuery) -> Result<(String, Filter<'a>), StoreError> {
    let mut f = Filter::new(org);
    if !q.statuses.is_empty() {
        let ps: Vec<String> = q
            .statuses
            .iter()
            .map(|s| f.bind(Param::Text(s.as_str().into())))
            .collect();
        f.and_raw(&format!("status IN ({})", ps.join(", ")));
        // The queue: open work by SLA due. Repeating the open statuses as literals (they add
        // nothing to a filter already within them) lets the engine read the partial index of
        // open work in due order instead of sorting every open request.
        if q.sort == RequestSort::SlaDue && q.statuses.iter().all(|s| s.is_open()) {
            f.and_raw(OPEN_STATUSES);
        }
    }
    if let Some(c) = q.client {
        f.and("client_id = {}", Param::Int(c.0));
    }
    if let Some(e) = q.engagement {
        f.and("engagement_id = {}", Param::Int(e.0));
    }
    if let Some(c) = q.contact {
        f.and("contact_id = {}", Param::Int(c.0));
    }
    match q.assignee {
        Some(AssigneeFilter::Member(m)) => f.and("assignee_id = {}", Param::Int(m.0)),
        Some(AssigneeFilter::Unassigned) => f.and_raw("assignee_id IS NULL"),
        None => {}
    }
    if let Some(k) = q.kind {
        f.and("kind = {}", Param::Text(k.as_str().into()));
    }
    if let Some(t) = &q.tag {
        f.and(
            "id IN (SELECT request_id FROM request_tags WHERE org_id = $1 AND tag = {})",
            Param::Text(t.clone().into()),
        );
    }
    let now = || {
        q.now
            .map(|t| Param::Int(t.as_millisecond()))
            .ok_or_else(|| {
                StoreError::Misuse(
                    "an overdue or snoozed filter needs `now`, the caller's clock".into(),
                )
            })
    };
    if let Some(o) = q.overdue {
        let now = now()?;
        if o {
            // Spelled with the sort expression of `due` (the same for a dated request) and
            // the open statuses verbatim, so the index of open work by due date serves it.
            f.and(
                "(COALESCE(due_at, 9223372036854775807) < {} AND status NOT IN ('delivered', 'closed'))",
                now,
            );
            f.and_raw(OPEN_STATUSES);
        } else {
            // Spelled out rather than NOT(...): NOT (NULL < x) is NULL, which would drop
            // undated requests from "not overdue".
            f.and(
                "(due_at IS NULL OR due_at >= {} OR status IN ('delivered', 'closed'))",
                now,
            );
        }
    }
    if let Some(quick) = q.quick {
        f.and("quick = {}", Param::Bool(quick));
    }
    if let Some(snoozed) = q.snoozed {
        let now = f.bind(now()?);
        let active = super::snoozes::active_condition(&now);
        f.and_raw(&if snoozed {
            active
        } else {
            format!("NOT {active}")
        });
    }
    if !q.sla_states.is_empty() {
        let ps: Vec<String> = q
            .sla_states
            .iter()
            .map(|s| f.bind(Param::Text((*s).into())))
            .collect();
        f.and_raw(&format!("sla_state IN ({})", ps.join(", ")));
    }
    let (key, dir) = q.sort.key();
    if let Some((k, id)) = q.after {
        let op = if dir == "DESC" { "<" } else { ">" };
        let pk = f.bind(Param::Int(k));
        let pi = f.bind(Param::Int(id));
        f.and_raw(&format!(
            "({key} {op} {pk} OR ({key} = {pk} AND id {op} {pi}))"
        ));
    }
    let limit = q.limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {COLUMNS}, sla_due_at, sla_state FROM requests WHERE {} ORDER BY {key} {dir}, id {dir} LIMIT {}",
        f.sql(),
        limit + 1
    );
    Ok((sql, f))
}

/// The engine's plan for [`list_with_sla`] with `q`: SQLite's `EXPLAIN QUERY PLAN` details, or
/// PostgreSQL's `EXPLAIN` lines. For tests that check list views are served by an index.
pub fn explain_list(
    db: &mut Db<'_>,
    org: OrgId,
    q: &RequestQuery,
) -> Result<Vec<String>, StoreError> {
    let (sql, f) = list_sql(org, q)?;
    match db.engine() {
        crate::Engine::Sqlite => {
            db.query_map(&format!("EXPLAIN QUERY PLAN {sql}"), &f.params(), |r| {
                r.get("detail")
            })
        }
        crate::Engine::Postgres => db.query_map(&format!("EXPLAIN {sql}"), &f.params(), |r| {
            r.get("QUERY PLAN")
        }),
    }
}

pub fn list_with_sla(
    db: &mut Db<'_>,
    org: OrgId,
    q: &RequestQuery,
) -> Result<Page<RequestWithSla>, StoreError> {
    let (sql, f) = list_sql(org, q)?;
    let limit = q.limit.clamp(1, super::MAX_PAGE);
    let rows = db.query_map(&sql, &f.params(), |r| {
        Ok(RequestWithSla {
            request: from_row(r)?,
            sla_due_at: r.get("sla_due_at")?,
            sla_state: r.get("sla_state")?,
        })
    })?;
    let sort = q.sort;
    Ok(Page::from_rows(rows, limit, |r| {
        (sort.key_of(r), r.request.id.0)
    }))
}

/// Count open requests per status (for navigation counts).
pub fn count_by_status(db: &mut Db<'_>, org: OrgId) -> Result<Vec<(Status, i64)>, StoreError> {
    db.query_map(
        "SELECT status, COUNT(*) AS n FROM requests WHERE org_id = $1 GROUP BY status ORDER BY status",
        params![org],
        |r| Ok((r.word("status")?, r.get("n")?)),
    )
}

/// Put a request in the quick lane (a rule's action).
pub fn set_quick(
    db: &mut Db<'_>,
    org: OrgId,
    id: RequestId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let n = db.execute(
        "UPDATE requests SET quick = $3, updated_at = $4 WHERE org_id = $1 AND id = $2",
        params![org, id, true, now],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
