//! Files an import's dry run accepted, held for the member who checked them until they apply.

use jiff::Timestamp;
use rapport_core::ids::{MemberId, OrgId};

use crate::db::Db;
use crate::error::StoreError;
use crate::params;

/// A held file: what it holds (`clients`, `contacts`, `requests` or `zendesk`), the zone for new
/// clients, and its bytes as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub source: String,
    pub tz: String,
    pub data: Vec<u8>,
}

/// Hold `held` for `member`; its id.
pub fn hold(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    held: &Held,
    sha256: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    db.scalar(
        "INSERT INTO import_holds (org_id, member_id, source, tz, sha256, data, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        params![org, member, held.source, held.tz, sha256, held.data, now],
    )
}

/// Take the hold `id` of `member` (it is gone afterwards, so a file is applied once); `None`
/// when it was taken already, expired, or is someone else's.
pub fn take(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    id: i64,
) -> Result<Option<Held>, StoreError> {
    db.query_opt(
        "DELETE FROM import_holds WHERE org_id = $1 AND id = $2 AND member_id = $3
         RETURNING source, tz, data",
        params![org, id, member],
    )?
    .map(|r| {
        Ok(Held {
            source: r.get("source")?,
            tz: r.get("tz")?,
            data: r.get("data")?,
        })
    })
    .transpose()
}

/// Forget holds made before `before`, in every org (housekeeping); how many went.
pub fn purge_before(db: &mut Db<'_>, before: Timestamp) -> Result<u64, StoreError> {
    db.execute(
        "DELETE FROM import_holds WHERE created_at < $1",
        params![before],
    )
}
