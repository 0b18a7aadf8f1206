use jiff::Timestamp;
use rapport_core::ids::OrgId;
use rapport_core::org::{Org, OrgDraft};

use crate::db::Db;
use crate::error::{StoreError, UniqueKey};
use crate::params;
use crate::value::Row;

/// `slug UNIQUE`: an org is found by its slug.
pub const UNIQUE_SLUG: UniqueKey = UniqueKey {
    constraint: "orgs_slug_key",
    columns: "orgs.slug",
    field: "slug",
    message: "an org with this slug already exists",
};

const COLUMNS: &str = "id, slug, name, created_at";

fn from_row(r: &Row) -> Result<Org, StoreError> {
    Ok(Org {
        id: r.get("id")?,
        slug: r.get("slug")?,
        name: r.get("name")?,
        created_at: r.get("created_at")?,
    })
}

pub fn insert(db: &mut Db<'_>, d: &OrgDraft, now: Timestamp) -> Result<Org, StoreError> {
    let id: i64 = db
        .scalar(
            "INSERT INTO orgs (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id",
            params![d.slug, d.name, now],
        )
        .map_err(|e| e.on_unique(&[UNIQUE_SLUG]))?;
    Ok(Org {
        id: OrgId(id),
        slug: d.slug.clone(),
        name: d.name.clone(),
        created_at: now,
    })
}

pub fn get(db: &mut Db<'_>, id: OrgId) -> Result<Org, StoreError> {
    from_row(&db.query_one(
        &format!("SELECT {COLUMNS} FROM orgs WHERE id = $1"),
        params![id],
    )?)
}

pub fn by_slug(db: &mut Db<'_>, slug: &str) -> Result<Option<Org>, StoreError> {
    db.query_opt(
        &format!("SELECT {COLUMNS} FROM orgs WHERE slug = $1"),
        params![slug],
    )?
    .map(|r| from_row(&r))
    .transpose()
}

/// Every org (a small reference table: used to find the only org of a single-firm install).
pub fn list(db: &mut Db<'_>, limit: usize) -> Result<Vec<Org>, StoreError> {
    db.query_map(
        &format!("SELECT {COLUMNS} FROM orgs ORDER BY id LIMIT $1"),
        params![limit],
        from_row,
    )
}
