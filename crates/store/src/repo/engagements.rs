use std::collections::HashMap;

use jiff::Timestamp;
use rapport_core::engagement::{Engagement, EngagementDraft, EngagementStatus};
use rapport_core::ids::{ClientId, EngagementId, MemberId, OrgId};
use rapport_core::money::Currency;

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::repo::{Filter, Page};
use crate::value::{Json, Param, Row, Word};

const COLUMNS: &str = "id, org_id, client_id, name, status, manager_id, brief, brief_version, currency, \
    hourly_rate_minor, budget_minutes, budget_fee_minor, starts_on, ends_on, created_at, updated_at, sla_policy, \
    silence_policy, calendar";

fn from_row(r: &Row) -> Result<Engagement, StoreError> {
    let currency: String = r.get("currency")?;
    Ok(Engagement {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        client_id: r.get("client_id")?,
        name: r.get("name")?,
        status: r.word("status")?,
        manager_id: r.get("manager_id")?,
        team: Vec::new(),
        brief: r.json("brief")?,
        brief_version: r.get("brief_version")?,
        currency: Currency::parse(&currency).map_err(StoreError::decode)?,
        hourly_rate_minor: r.get("hourly_rate_minor")?,
        budget_minutes: r.get("budget_minutes")?,
        budget_fee_minor: r.get("budget_fee_minor")?,
        starts_on: r.get("starts_on")?,
        ends_on: r.get("ends_on")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        sla_policy: r.json_opt("sla_policy")?,
        silence_policy: r.json_opt("silence_policy")?,
        calendar: r.json_opt("calendar")?,
    })
}

pub fn insert(
    db: &mut Db<'_>,
    org: OrgId,
    d: &EngagementDraft,
    now: Timestamp,
) -> Result<Engagement, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO engagements (org_id, client_id, name, status, manager_id, brief, brief_version, currency,
             hourly_rate_minor, budget_minutes, budget_fee_minor, starts_on, ends_on, created_at, updated_at,
             sla_policy, silence_policy, calendar)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16) RETURNING id",
        params![
            org, d.client_id, d.name, Word(EngagementStatus::Active.as_str()), d.manager_id, Json(&d.brief),
            d.currency.code(), d.hourly_rate_minor, d.budget_minutes, d.budget_fee_minor, d.starts_on, d.ends_on, now,
            d.sla_policy.as_ref().map(Json), d.silence_policy.as_ref().map(Json), d.calendar.as_ref().map(Json)
        ],
    )?;
    set_team(db, org, EngagementId(id), &d.team, now)?;
    get(db, org, EngagementId(id))
}

pub fn get(db: &mut Db<'_>, org: OrgId, id: EngagementId) -> Result<Engagement, StoreError> {
    let mut e = from_row(&db.query_one(
        &format!("SELECT {COLUMNS} FROM engagements WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)?;
    e.team = team(db, org, id)?;
    Ok(e)
}

/// The members on an engagement's team, ascending.
pub fn team(db: &mut Db<'_>, org: OrgId, id: EngagementId) -> Result<Vec<MemberId>, StoreError> {
    db.query_map(
        "SELECT member_id FROM engagement_team WHERE org_id = $1 AND engagement_id = $2 ORDER BY member_id",
        params![org, id],
        |r| r.get("member_id"),
    )
}

/// The teams of several engagements in one query (a listing's page), each ascending.
fn teams(
    db: &mut Db<'_>,
    org: OrgId,
    ids: &[EngagementId],
) -> Result<HashMap<EngagementId, Vec<MemberId>>, StoreError> {
    let mut out: HashMap<EngagementId, Vec<MemberId>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut f = Filter::new(org);
    let ps: Vec<String> = ids.iter().map(|e| f.bind(Param::Int(e.0))).collect();
    f.and_raw(&format!("engagement_id IN ({})", ps.join(", ")));
    let sql = format!(
        "SELECT engagement_id, member_id FROM engagement_team WHERE {} ORDER BY engagement_id, member_id",
        f.sql()
    );
    let pairs: Vec<(EngagementId, MemberId)> = db.query_map(&sql, &f.params(), |r| {
        Ok((r.get("engagement_id")?, r.get("member_id")?))
    })?;
    for (e, m) in pairs {
        out.entry(e).or_default().push(m);
    }
    Ok(out)
}

/// Make the team exactly `members`: those already on it keep the date they joined.
pub fn set_team(
    db: &mut Db<'_>,
    org: OrgId,
    id: EngagementId,
    members: &[MemberId],
    now: Timestamp,
) -> Result<(), StoreError> {
    let before = team(db, org, id)?;
    for m in before.iter().filter(|m| !members.contains(m)) {
        db.execute(
            "DELETE FROM engagement_team WHERE org_id = $1 AND engagement_id = $2 AND member_id = $3",
            params![org, id, *m],
        )?;
    }
    for m in members.iter().filter(|m| !before.contains(m)) {
        db.execute(
            "INSERT INTO engagement_team (org_id, engagement_id, member_id, added_at) VALUES ($1, $2, $3, $4)",
            params![org, id, *m, now],
        )?;
    }
    Ok(())
}

pub fn list(
    db: &mut Db<'_>,
    org: OrgId,
    client: Option<ClientId>,
    after_id: Option<i64>,
    limit: usize,
) -> Result<Page<Engagement>, StoreError> {
    let mut f = Filter::new(org);
    if let Some(c) = client {
        f.and("client_id = {}", Param::Int(c.0));
    }
    if let Some(a) = after_id {
        f.and("id > {}", Param::Int(a));
    }
    let limit = limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {COLUMNS} FROM engagements WHERE {} ORDER BY id LIMIT {}",
        f.sql(),
        limit + 1
    );
    let mut rows = db.query_map(&sql, &f.params(), from_row)?;
    let mut teams = teams(db, org, &rows.iter().map(|e| e.id).collect::<Vec<_>>())?;
    for e in &mut rows {
        e.team = teams.remove(&e.id).unwrap_or_default();
    }
    Ok(Page::from_rows(rows, limit, |e| (e.id.0, e.id.0)))
}

pub fn update(db: &mut Db<'_>, e: &Engagement) -> Result<(), StoreError> {
    let n = db.execute(
        "UPDATE engagements SET name = $3, status = $4, manager_id = $5, brief = $6, brief_version = $7, currency = $8,
             hourly_rate_minor = $9, budget_minutes = $10, budget_fee_minor = $11, starts_on = $12, ends_on = $13, updated_at = $14,
             sla_policy = $15, silence_policy = $16, calendar = $17
         WHERE org_id = $1 AND id = $2",
        params![
            e.org_id, e.id, e.name, Word(e.status.as_str()), e.manager_id, Json(&e.brief), e.brief_version,
            e.currency.code(), e.hourly_rate_minor, e.budget_minutes, e.budget_fee_minor, e.starts_on, e.ends_on, e.updated_at,
            e.sla_policy.as_ref().map(Json), e.silence_policy.as_ref().map(Json), e.calendar.as_ref().map(Json)
        ],
    )?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
