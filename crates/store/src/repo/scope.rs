//! Scope in use: briefs read for the check, people's verdicts, overrides, and the facts of the
//! scope report.

use std::collections::HashSet;

use jiff::Timestamp;
use rapport_core::calendar::CalendarSpec;
use rapport_core::ids::{ChangeOrderId, ClientId, EngagementId, MemberId, OrgId, RequestId};
use rapport_core::money::Currency;
use rapport_core::scope::Verdict;
use rapport_core::scope::report::{ApprovedFact, EngagementInfo, ReportFacts, TimeFact};
use rapport_core::scope::{Brief, Usage};

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::value::{Param, ToParam, Word};

/// The brief version of an engagement (`None`: no such engagement in this org).
pub fn brief_version(
    db: &mut Db<'_>,
    org: OrgId,
    engagement: EngagementId,
) -> Result<Option<i64>, StoreError> {
    db.query_opt(
        "SELECT brief_version FROM engagements WHERE org_id = $1 AND id = $2",
        params![org, engagement],
    )?
    .map(|r| r.get("brief_version"))
    .transpose()
}

/// The brief of an engagement with its version.
pub fn brief(
    db: &mut Db<'_>,
    org: OrgId,
    engagement: EngagementId,
) -> Result<Option<(Brief, i64)>, StoreError> {
    db.query_opt(
        "SELECT brief, brief_version FROM engagements WHERE org_id = $1 AND id = $2",
        params![org, engagement],
    )?
    .map(|r| Ok((r.json("brief")?, r.get("brief_version")?)))
    .transpose()
}

/// The time zone of the engagement's client (its calendar's), which cuts a limit's periods.
pub fn client_zone(
    db: &mut Db<'_>,
    org: OrgId,
    engagement: EngagementId,
) -> Result<Option<String>, StoreError> {
    db.query_opt(
        "SELECT c.calendar FROM engagements e
         JOIN clients c ON c.org_id = e.org_id AND c.id = e.client_id
         WHERE e.org_id = $1 AND e.id = $2",
        params![org, engagement],
    )?
    .map(|r| Ok(r.json::<CalendarSpec>("calendar")?.tz))
    .transpose()
}

/// Which use of a limit to count.
#[derive(Debug, Clone, Copy)]
pub struct UsageQuery<'q> {
    pub engagement: EngagementId,
    /// The item whose limit is counted (`ScopeRecord::counts_against`).
    pub item: &'q str,
    /// The current period of a renewing limit: requests created in it or, for an hours cap,
    /// time logged in it.
    pub window: Option<(Timestamp, Timestamp)>,
    /// Count the minutes logged rather than the requests.
    pub hours: bool,
    /// Count only requests before this one (a request checked again).
    pub before: Option<RequestId>,
}

/// What an engagement used of a limit: its requests whose verdict is `in` (a person's when
/// given) and that count against the item, oldest first, with the minutes logged on them in
/// the period for an hours cap. One query, bounded by the engagement (index on engagement) and
/// the period.
pub fn limit_usage(db: &mut Db<'_>, org: OrgId, q: &UsageQuery<'_>) -> Result<Usage, StoreError> {
    let item = match db.engine() {
        crate::Engine::Sqlite => "json_extract(r.scope, '$.counts_against')",
        crate::Engine::Postgres => "(r.scope::jsonb ->> 'counts_against')",
    };
    let from = if q.hours {
        "SELECT r.id, CAST(SUM(t.minutes) AS BIGINT) AS minutes FROM requests r
         JOIN time_entries t ON t.org_id = r.org_id AND t.request_id = r.id"
    } else {
        "SELECT r.id, CAST(0 AS BIGINT) AS minutes FROM requests r"
    };
    let mut query = Query::new(
        &format!(
            "{from} WHERE r.org_id = $1 AND r.scope_verdict = 'in' AND r.engagement_id = $2 \
             AND {item} = $3"
        ),
        org,
    );
    query.params.push(Param::Int(q.engagement.0));
    query.params.push(Param::Text(q.item.into()));
    if let Some((start, end)) = q.window {
        let column = if q.hours {
            "t.started_at"
        } else {
            "r.created_at"
        };
        query.and_range(column, start, end);
    }
    if let Some(before) = q.before {
        let p = query.bind(Param::Int(before.0));
        query.push(&format!(" AND r.id < {p}"));
    }
    query.push(if q.hours {
        " GROUP BY r.id ORDER BY r.id"
    } else {
        " ORDER BY r.id"
    });
    let rows: Vec<(i64, i64)> = query.run(db, |r| Ok((r.get("id")?, r.get("minutes")?)))?;
    Ok(Usage {
        minutes: rows.iter().map(|(_, m)| m).sum(),
        requests: rows.into_iter().map(|(id, _)| id).collect(),
    })
}

/// A person's verdict on a request, against the check's.
#[derive(Debug, Clone)]
pub struct Confirmation {
    pub request_id: RequestId,
    pub client_id: ClientId,
    pub engagement_id: Option<EngagementId>,
    pub check_verdict: Verdict,
    pub person_verdict: Verdict,
    pub brief_version: i64,
    pub confirmed_by: MemberId,
    pub reason: String,
    pub at: Timestamp,
}

/// Record the latest person's verdict on a request (replacing an earlier one).
pub fn upsert_confirmation(
    db: &mut Db<'_>,
    org: OrgId,
    c: &Confirmation,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO scope_confirmations (org_id, request_id, client_id, engagement_id, check_verdict, person_verdict,
             brief_version, confirmed_by, reason, confirmed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (org_id, request_id) DO UPDATE SET client_id = excluded.client_id,
             engagement_id = excluded.engagement_id, check_verdict = excluded.check_verdict,
             person_verdict = excluded.person_verdict, brief_version = excluded.brief_version,
             confirmed_by = excluded.confirmed_by, reason = excluded.reason, confirmed_at = excluded.confirmed_at",
        params![
            org, c.request_id, c.client_id, c.engagement_id, Word(c.check_verdict.as_str()),
            Word(c.person_verdict.as_str()), c.brief_version, c.confirmed_by, c.reason, c.at
        ],
    )?;
    Ok(())
}

/// The engagement's brief version and the organisation's count of scope decisions (the version
/// of its precedents), in one read (`None`: no such engagement in this org).
pub fn scope_versions(
    db: &mut Db<'_>,
    org: OrgId,
    engagement: EngagementId,
) -> Result<Option<(i64, i64)>, StoreError> {
    db.query_opt(
        "SELECT e.brief_version, o.scope_decisions FROM engagements e
         JOIN orgs o ON o.id = e.org_id WHERE e.org_id = $1 AND e.id = $2",
        params![org, engagement],
    )?
    .map(|r| Ok((r.get("brief_version")?, r.get("scope_decisions")?)))
    .transpose()
}

/// A decision was recorded: precedents read before are out of date.
pub fn bump_decisions_version(db: &mut Db<'_>, org: OrgId) -> Result<(), StoreError> {
    db.execute(
        "UPDATE orgs SET scope_decisions = scope_decisions + 1 WHERE id = $1",
        params![org],
    )?;
    Ok(())
}

/// A person's decision on a request, with the request's words: a precedent for later checks.
#[derive(Debug, Clone)]
pub struct DecisionRow {
    pub request_id: RequestId,
    pub engagement_id: Option<EngagementId>,
    pub title: String,
    /// The body's first `MAX_PRECEDENT_BODY_BYTES` characters at most.
    pub body: String,
    pub verdict: Verdict,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: Timestamp,
    /// The request's stored check found it beyond a limit of its brief.
    pub counted: bool,
}

/// The latest decisions a scope check weighs: at most `own` of engagement `e`, newest first,
/// then at most `others` of the organisation's other requests, newest first, never request
/// `except` (the one being checked again). Each read walks an index in `confirmed_at` order and
/// stops at its cap (migration 0018).
pub fn recent_decisions(
    db: &mut Db<'_>,
    org: OrgId,
    e: EngagementId,
    except: Option<RequestId>,
    own: i64,
    others: i64,
) -> Result<Vec<DecisionRow>, StoreError> {
    let except = except.map_or(0, |r| r.0);
    let mut out = Vec::new();
    for (sql, cap) in decisions_sql(db.engine()).into_iter().zip([own, others]) {
        if cap <= 0 {
            continue;
        }
        out.extend(db.query_map(&sql, params![org, e, except, cap], |r| {
            Ok(DecisionRow {
                request_id: r.get("request_id")?,
                engagement_id: r.get("engagement_id")?,
                title: r.get("title")?,
                body: r.get("body")?,
                verdict: r.word("person_verdict")?,
                reason: r.get("reason")?,
                decided_by: r.get("decided_by")?,
                decided_at: r.get("confirmed_at")?,
                counted: r.get("counted")?,
            })
        })?);
    }
    Ok(out)
}

/// The two reads of `recent_decisions`: the engagement's own decisions, then the
/// organisation's other ones ($1 org, $2 engagement, $3 request left out, $4 cap).
fn decisions_sql(engine: crate::Engine) -> [String; 2] {
    let counted = match engine {
        crate::Engine::Sqlite => "json_extract(r.scope, '$.excess') IS NOT NULL",
        crate::Engine::Postgres => "(r.scope::jsonb -> 'excess') IS NOT NULL",
    };
    let body_chars = rapport_core::scope::MAX_PRECEDENT_BODY_BYTES;
    [
        "c.engagement_id = $2",
        "(c.engagement_id IS NULL OR c.engagement_id <> $2)",
    ]
    .map(|which| {
        format!(
            "SELECT c.request_id, c.engagement_id, r.title, substr(r.body, 1, {body_chars}) AS body,
                    c.person_verdict, c.reason, m.name AS decided_by, c.confirmed_at,
                    {counted} AS counted
             FROM scope_confirmations c
             JOIN requests r ON r.org_id = c.org_id AND r.id = c.request_id
             JOIN members m ON m.org_id = c.org_id AND m.id = c.confirmed_by
             WHERE c.org_id = $1 AND {which} AND c.request_id <> $3
             ORDER BY c.confirmed_at DESC, c.request_id DESC LIMIT $4"
        )
    })
}

/// The plans of the two reads of `recent_decisions` (SQLite's `EXPLAIN QUERY PLAN` detail
/// lines, PostgreSQL's `EXPLAIN` lines), for the query-plan tests.
pub fn explain_recent_decisions(
    db: &mut Db<'_>,
    org: OrgId,
    e: EngagementId,
) -> Result<[Vec<String>; 2], StoreError> {
    let [own, others] = decisions_sql(db.engine());
    let mut plan = |sql: &str| match db.engine() {
        crate::Engine::Sqlite => db.query_map(
            &format!("EXPLAIN QUERY PLAN {sql}"),
            params![org, e, 0_i64, 200_i64],
            |r| r.get("detail"),
        ),
        crate::Engine::Postgres => db.query_map(
            &format!("EXPLAIN {sql}"),
            params![org, e, 0_i64, 200_i64],
            |r| r.get("QUERY PLAN"),
        ),
    };
    Ok([plan(&own)?, plan(&others)?])
}

/// `(check verdict, person verdict, count)` over the confirmations, optionally of one client or
/// engagement.
pub fn confirmation_counts(
    db: &mut Db<'_>,
    org: OrgId,
    client: Option<ClientId>,
    engagement: Option<EngagementId>,
) -> Result<Vec<(Verdict, Verdict, i64)>, StoreError> {
    let mut q = Query::new(
        "SELECT check_verdict, person_verdict, COUNT(*) AS n FROM scope_confirmations WHERE org_id = $1",
        org,
    );
    q.and_eq("client_id", client.map(|c| c.0));
    q.and_eq("engagement_id", engagement.map(|e| e.0));
    q.push(" GROUP BY check_verdict, person_verdict");
    q.run(db, |r| {
        Ok((
            r.word("check_verdict")?,
            r.word("person_verdict")?,
            r.get("n")?,
        ))
    })
}

/// A manager's override of a pending change order.
#[derive(Debug, Clone)]
pub struct Override {
    pub request_id: RequestId,
    pub change_order_id: ChangeOrderId,
    pub client_id: ClientId,
    pub engagement_id: EngagementId,
    pub member_id: MemberId,
    pub reason: String,
    pub at: Timestamp,
}

pub fn insert_override(db: &mut Db<'_>, org: OrgId, o: &Override) -> Result<i64, StoreError> {
    db.scalar(
        "INSERT INTO scope_overrides (org_id, request_id, change_order_id, client_id, engagement_id, member_id, reason,
             created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        params![
            org, o.request_id, o.change_order_id, o.client_id, o.engagement_id, o.member_id, o.reason, o.at
        ],
    )
}

/// The change orders a manager already went ahead without, on this request.
pub fn overridden(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
) -> Result<Vec<ChangeOrderId>, StoreError> {
    db.query_map(
        "SELECT change_order_id FROM scope_overrides WHERE org_id = $1 AND request_id = $2",
        params![org, request],
        |r| r.get("change_order_id"),
    )
}

/// A query with optional equality filters, numbering placeholders as it goes. Column names
/// are written by callers (never input), values are bound.
struct Query<'a> {
    sql: String,
    params: Vec<Param<'a>>,
}

impl<'a> Query<'a> {
    fn new(sql: &str, org: OrgId) -> Self {
        Query {
            sql: sql.to_string(),
            params: vec![Param::Int(org.0)],
        }
    }

    fn bind(&mut self, p: Param<'a>) -> String {
        self.params.push(p);
        format!("${}", self.params.len())
    }

    fn and_eq(&mut self, column: &str, value: Option<i64>) {
        if let Some(v) = value {
            let p = self.bind(Param::Int(v));
            self.sql.push_str(&format!(" AND {column} = {p}"));
        }
    }

    fn and_range(&mut self, column: &str, from: Timestamp, to: Timestamp) {
        let a = self.bind(Param::Int(from.as_millisecond()));
        let b = self.bind(Param::Int(to.as_millisecond()));
        self.sql
            .push_str(&format!(" AND {column} >= {a} AND {column} < {b}"));
    }

    fn push(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    fn run<T>(
        &self,
        db: &mut Db<'_>,
        f: impl FnMut(&crate::value::Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let ps: Vec<&dyn ToParam> = self.params.iter().map(|p| p as &dyn ToParam).collect();
        db.query_map(&self.sql, &ps, f)
    }
}

/// What the scope report is limited to.
#[derive(Debug, Clone, Copy)]
pub struct ReportScope {
    pub client: Option<ClientId>,
    pub engagement: Option<EngagementId>,
    pub from: Timestamp,
    pub to: Timestamp,
}

/// Every fact the scope report needs, read in one snapshot. Each query is bounded by the org,
/// the filters and the time range (or, for the two request sets, by the requests in `time`).
pub fn report_facts(
    db: &mut Db<'_>,
    org: OrgId,
    s: &ReportScope,
) -> Result<ReportFacts, StoreError> {
    let (client, engagement) = (s.client.map(|c| c.0), s.engagement.map(|e| e.0));

    let mut q = Query::new(
        "SELECT e.id, e.name, e.client_id, c.name AS client_name, e.currency, e.hourly_rate_minor FROM engagements e
         JOIN clients c ON c.org_id = e.org_id AND c.id = e.client_id WHERE e.org_id = $1",
        org,
    );
    q.and_eq("e.client_id", client);
    q.and_eq("e.id", engagement);
    let engagements = q.run(db, |r| {
        let currency: String = r.get("currency")?;
        Ok(EngagementInfo {
            id: r.get("id")?,
            name: r.get("name")?,
            client_id: r.get("client_id")?,
            client_name: r.get("client_name")?,
            currency: Currency::parse(&currency).map_err(StoreError::decode)?,
            hourly_rate_minor: r.get("hourly_rate_minor")?,
        })
    })?;

    let mut q = Query::new(
        "SELECT engagement_id, created_at FROM requests
         WHERE org_id = $1 AND scope_verdict = 'out' AND engagement_id IS NOT NULL",
        org,
    );
    q.and_range("created_at", s.from, s.to);
    q.and_eq("client_id", client);
    q.and_eq("engagement_id", engagement);
    let out_requests = q.run(db, |r| Ok((r.get("engagement_id")?, r.get("created_at")?)))?;

    // Time on out-of-scope requests, then on overridden ones the verdict no longer calls `out`.
    let time_sql = |which: &str| {
        format!(
            "SELECT t.request_id, r.engagement_id, t.started_at, t.minutes FROM requests r
             JOIN time_entries t ON t.org_id = r.org_id AND t.request_id = r.id
             WHERE r.org_id = $1 AND r.engagement_id IS NOT NULL AND {which}"
        )
    };
    let mut time = Vec::new();
    for which in [
        "r.scope_verdict = 'out'",
        "(r.scope_verdict IS NULL OR r.scope_verdict <> 'out')
         AND r.id IN (SELECT o.request_id FROM scope_overrides o WHERE o.org_id = $1)",
    ] {
        let mut q = Query::new(&time_sql(which), org);
        q.and_range("t.started_at", s.from, s.to);
        q.and_eq("r.client_id", client);
        q.and_eq("r.engagement_id", engagement);
        time.extend(q.run(db, |r| {
            Ok(TimeFact {
                request_id: r.get("request_id")?,
                engagement_id: r.get("engagement_id")?,
                started_at: r.get("started_at")?,
                minutes: r.get("minutes")?,
            })
        })?);
    }

    let mut q = Query::new(
        "SELECT engagement_id, decided_at, estimate_minutes, price_minor FROM change_orders
         WHERE org_id = $1 AND status = 'approved'",
        org,
    );
    q.and_range("decided_at", s.from, s.to);
    q.and_eq("client_id", client);
    q.and_eq("engagement_id", engagement);
    let approved = q.run(db, |r| {
        Ok(ApprovedFact {
            engagement_id: r.get("engagement_id")?,
            decided_at: r.get("decided_at")?,
            estimate_minutes: r.get("estimate_minutes")?,
            price_minor: r.get("price_minor")?,
        })
    })?;

    let mut q = Query::new(
        "SELECT engagement_id, created_at FROM scope_overrides WHERE org_id = $1",
        org,
    );
    q.and_range("created_at", s.from, s.to);
    q.and_eq("client_id", client);
    q.and_eq("engagement_id", engagement);
    let overrides = q.run(db, |r| Ok((r.get("engagement_id")?, r.get("created_at")?)))?;

    let requests: HashSet<RequestId> = time.iter().map(|t| t.request_id).collect();
    let mut billed_requests = HashSet::new();
    let mut overridden_requests = HashSet::new();
    if !requests.is_empty() {
        let mut q = Query::new(
            "SELECT l.request_id FROM change_order_requests l
             JOIN change_orders c ON c.org_id = l.org_id AND c.id = l.change_order_id
             WHERE l.org_id = $1 AND c.status = 'approved'",
            org,
        );
        q.and_eq("c.client_id", client);
        q.and_eq("c.engagement_id", engagement);
        let ids: Vec<RequestId> = q.run(db, |r| r.get("request_id"))?;
        billed_requests.extend(ids.into_iter().filter(|r| requests.contains(r)));
        let mut q = Query::new(
            "SELECT request_id FROM scope_overrides WHERE org_id = $1",
            org,
        );
        q.and_eq("client_id", client);
        q.and_eq("engagement_id", engagement);
        let ids: Vec<RequestId> = q.run(db, |r| r.get("request_id"))?;
        overridden_requests.extend(ids.into_iter().filter(|r| requests.contains(r)));
    }
    Ok(ReportFacts {
        engagements,
        out_requests,
        time,
        approved,
        overrides,
        billed_requests,
        overridden_requests,
    })
}
