//! Fair assignment's rows: the org's default, each engagement's choice, and the turns that
//! break ties among equals.

use jiff::Timestamp;
use rapport_core::ids::{EngagementId, MemberId, OrgId};

use crate::db::Db;
use crate::error::StoreError;
use crate::params;

/// The org's default (off when never set).
pub fn org_default(db: &mut Db<'_>, org: OrgId) -> Result<bool, StoreError> {
    let rows = db.query_map(
        "SELECT auto_assign FROM assign_defaults WHERE org_id = $1",
        params![org],
        |r| r.get::<bool>("auto_assign"),
    )?;
    Ok(rows.first().copied().unwrap_or(false))
}

pub fn set_org_default(
    db: &mut Db<'_>,
    org: OrgId,
    on: bool,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO assign_defaults (org_id, auto_assign, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (org_id) DO UPDATE SET auto_assign = excluded.auto_assign, updated_at = excluded.updated_at",
        params![org, on, now],
    )?;
    Ok(())
}

/// The engagement's own choice; `None`: it follows the org's default.
pub fn engagement(
    db: &mut Db<'_>,
    org: OrgId,
    id: EngagementId,
) -> Result<Option<bool>, StoreError> {
    let rows = db.query_map(
        "SELECT auto_assign FROM engagement_assign WHERE org_id = $1 AND engagement_id = $2",
        params![org, id],
        |r| r.get::<bool>("auto_assign"),
    )?;
    Ok(rows.first().copied())
}

/// Set (or, with `None`, clear) the engagement's own choice.
pub fn set_engagement(
    db: &mut Db<'_>,
    org: OrgId,
    id: EngagementId,
    on: Option<bool>,
    now: Timestamp,
) -> Result<(), StoreError> {
    match on {
        Some(on) => db.execute(
            "INSERT INTO engagement_assign (org_id, engagement_id, auto_assign, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (org_id, engagement_id) DO UPDATE SET auto_assign = excluded.auto_assign,
               updated_at = excluded.updated_at",
            params![org, id, on, now],
        )?,
        None => db.execute(
            "DELETE FROM engagement_assign WHERE org_id = $1 AND engagement_id = $2",
            params![org, id],
        )?,
    };
    Ok(())
}

/// The turn of each member's last automatic assignment (members never chosen are absent).
pub fn turns(db: &mut Db<'_>, org: OrgId) -> Result<Vec<(MemberId, i64)>, StoreError> {
    db.query_map(
        "SELECT member_id, turn FROM assign_turns WHERE org_id = $1 ORDER BY member_id",
        params![org],
        |r| Ok((r.get("member_id")?, r.get("turn")?)),
    )
}

/// Give `member` the org's next turn; returns it.
pub fn take_turn(db: &mut Db<'_>, org: OrgId, member: MemberId) -> Result<i64, StoreError> {
    let next: i64 = db.scalar(
        "SELECT COALESCE(MAX(turn), 0) + 1 AS next FROM assign_turns WHERE org_id = $1",
        params![org],
    )?;
    db.execute(
        "INSERT INTO assign_turns (org_id, member_id, turn) VALUES ($1, $2, $3)
         ON CONFLICT (org_id, member_id) DO UPDATE SET turn = excluded.turn",
        params![org, member, next],
    )?;
    Ok(next)
}
