use jiff::Timestamp;
use rapport_core::ids::{MemberId, OrgId};
use rapport_core::member::{Member, MemberDraft};

use crate::db::Db;
use crate::error::{StoreError, UniqueKey};
use crate::params;
use crate::repo::{Filter, Page};
use crate::value::{Json, Param, Row, Word};

/// `UNIQUE (org_id, email)`: a member signs in by address.
pub const UNIQUE_EMAIL: UniqueKey = UniqueKey {
    constraint: "members_org_id_email_key",
    columns: "members.org_id, members.email",
    field: "email",
    message: "a member with this email already exists",
};

const COLUMNS: &str = "id, org_id, email, name, role, tz, working_hours, weekly_capacity_minutes, active, created_at, updated_at, holidays, holiday_countries, signature";

fn from_row(r: &Row) -> Result<Member, StoreError> {
    Ok(Member {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        email: r.get("email")?,
        name: r.get("name")?,
        role: r.word("role")?,
        tz: r.get("tz")?,
        working_hours: r.json("working_hours")?,
        weekly_capacity_minutes: r.get("weekly_capacity_minutes")?,
        active: r.get("active")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        holidays: r.json("holidays")?,
        holiday_countries: r.json("holiday_countries")?,
        signature: r.get("signature")?,
    })
}

pub fn insert(
    db: &mut Db<'_>,
    org: OrgId,
    d: &MemberDraft,
    password_hash: Option<&str>,
    now: Timestamp,
) -> Result<Member, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO members (org_id, email, name, role, tz, working_hours, weekly_capacity_minutes, active, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        params![org, d.email, d.name, Word(d.role.as_str()), d.tz, Json(&d.working_hours), d.weekly_capacity_minutes, true, password_hash, now],
    ).map_err(|e| e.on_unique(&[UNIQUE_EMAIL]))?;
    get(db, org, MemberId(id))
}

pub fn get(db: &mut Db<'_>, org: OrgId, id: MemberId) -> Result<Member, StoreError> {
    from_row(&db.query_one(
        &format!("SELECT {COLUMNS} FROM members WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

pub fn find(db: &mut Db<'_>, org: OrgId, id: MemberId) -> Result<Option<Member>, StoreError> {
    match get(db, org, id) {
        Ok(m) => Ok(Some(m)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The member with this email and their password hash, for signing in.
pub fn by_email_with_hash(
    db: &mut Db<'_>,
    org: OrgId,
    email: &str,
) -> Result<Option<(Member, Option<String>)>, StoreError> {
    db.query_opt(
        &format!("SELECT {COLUMNS}, password_hash FROM members WHERE org_id = $1 AND email = $2"),
        params![org, email],
    )?
    .map(|r| Ok((from_row(&r)?, r.get("password_hash")?)))
    .transpose()
}

pub fn list(
    db: &mut Db<'_>,
    org: OrgId,
    after_id: Option<i64>,
    limit: usize,
) -> Result<Page<Member>, StoreError> {
    let mut f = Filter::new(org);
    if let Some(a) = after_id {
        f.and("id > {}", Param::Int(a));
    }
    let limit = limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {COLUMNS} FROM members WHERE {} ORDER BY id LIMIT {}",
        f.sql(),
        limit + 1
    );
    let rows = db.query_map(&sql, &f.params(), from_row)?;
    Ok(Page::from_rows(rows, limit, |m| (m.id.0, m.id.0)))
}

pub fn update(db: &mut Db<'_>, m: &Member) -> Result<(), StoreError> {
    let n = db.execute(
        "UPDATE members SET name = $3, role = $4, tz = $5, working_hours = $6, weekly_capacity_minutes = $7, active = $8, updated_at = $9,
                holidays = $10, holiday_countries = $11, signature = $12
         WHERE org_id = $1 AND id = $2",
        params![m.org_id, m.id, m.name, Word(m.role.as_str()), m.tz, Json(&m.working_hours), m.weekly_capacity_minutes, m.active, m.updated_at,
                Json(&m.holidays), Json(&m.holiday_countries), m.signature],
    )?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub fn set_password_hash(
    db: &mut Db<'_>,
    org: OrgId,
    id: MemberId,
    hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let n = db.execute(
        "UPDATE members SET password_hash = $3, updated_at = $4 WHERE org_id = $1 AND id = $2",
        params![org, id, hash, now],
    )?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Active members with the owner role: an org must keep at least one.
pub fn count_active_owners(db: &mut Db<'_>, org: OrgId) -> Result<i64, StoreError> {
    db.scalar(
        "SELECT COUNT(*) FROM members WHERE org_id = $1 AND role = 'owner' AND active = TRUE",
        params![org],
    )
}
