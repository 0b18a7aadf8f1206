use rapport_core::ids::{OrgId, RatingId, RequestId};
use rapport_core::rating::Rating;

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::value::{Row, Word};

const COLUMNS: &str =
    "id, org_id, request_id, source, contact_id, member_id, score, comment, created_at";

fn from_row(r: &Row) -> Result<Rating, StoreError> {
    Ok(Rating {
        id: r.get(0)?,
        org_id: r.get(1)?,
        request_id: r.get(2)?,
        source: r.word(3)?,
        contact_id: r.get(4)?,
        member_id: r.get(5)?,
        score: r.get(6)?,
        comment: r.get(7)?,
        created_at: r.get(8)?,
    })
}

pub fn insert(db: &mut Db<'_>, r: &Rating) -> Result<Rating, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO ratings (org_id, request_id, source, contact_id, member_id, score, comment, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        params![r.org_id, r.request_id, Word(r.source.as_str()), r.contact_id, r.member_id, r.score, r.comment, r.created_at],
    )?;
    let mut out = r.clone();
    out.id = RatingId(id);
    Ok(out)
}

pub fn for_request(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
) -> Result<Vec<Rating>, StoreError> {
    db.query_map(
        &format!("SELECT {COLUMNS} FROM ratings WHERE org_id = $1 AND request_id = $2 ORDER BY id"),
        params![org, request],
        from_row,
    )
}
