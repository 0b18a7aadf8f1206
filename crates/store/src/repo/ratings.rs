//! Ratings of delivered work, the invitations that ask for them, and the perception-gap flags.

use jiff::Timestamp;
use rapport_core::ids::{ClientId, ContactId, EngagementId, MessageId, OrgId, RatingId, RequestId};
use rapport_core::rating::{Invitation, Rating};

use crate::db::Db;
use crate::error::{StoreError, UniqueKey};
use crate::params;
use crate::repo::Filter;
use crate::value::{Param, Row, Word};

/// `ratings_one_per_contact`: a contact rates a request once.
pub const UNIQUE_CLIENT_RATING: UniqueKey = UniqueKey {
    constraint: "ratings_one_per_contact",
    columns: "ratings.org_id, ratings.request_id, ratings.contact_id",
    field: "request_id",
    message: "this request has already been rated",
};

/// `ratings_one_per_team`: the team rates a request once.
pub const UNIQUE_TEAM_RATING: UniqueKey = UniqueKey {
    constraint: "ratings_one_per_team",
    columns: "ratings.org_id, ratings.request_id",
    field: "request_id",
    message: "this request has already been rated",
};

const COLUMNS: &str =
    "id, org_id, request_id, source, contact_id, member_id, score, comment, created_at";

fn from_row(r: &Row) -> Result<Rating, StoreError> {
    Ok(Rating {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        request_id: r.get("request_id")?,
        source: r.word("source")?,
        contact_id: r.get("contact_id")?,
        member_id: r.get("member_id")?,
        score: r.get("score")?,
        comment: r.get("comment")?,
        created_at: r.get("created_at")?,
    })
}

/// The row's `client_id` (its request's client) is filled by the trigger of migration 0023.
pub fn insert(db: &mut Db<'_>, r: &Rating) -> Result<Rating, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO ratings (org_id, request_id, source, contact_id, member_id, score, comment, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        params![r.org_id, r.request_id, Word(r.source.as_str()), r.contact_id, r.member_id, r.score, r.comment, r.created_at],
    ).map_err(|e| e.on_unique(&[UNIQUE_CLIENT_RATING, UNIQUE_TEAM_RATING]))?;
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

/// Which of `requests` the contact has rated, in one query.
pub fn rated_by_contact(
    db: &mut Db<'_>,
    org: OrgId,
    contact: ContactId,
    requests: &[RequestId],
) -> Result<Vec<RequestId>, StoreError> {
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    let mut f = Filter::new(org);
    let who = f.bind(Param::Int(contact.0));
    f.and_raw(&format!("contact_id = {who}"));
    let ps: Vec<String> = requests.iter().map(|r| f.bind(Param::Int(r.0))).collect();
    f.and_raw(&format!("request_id IN ({})", ps.join(", ")));
    let sql = format!(
        "SELECT DISTINCT request_id FROM ratings WHERE {} ORDER BY request_id",
        f.sql()
    );
    db.query_map(&sql, &f.params(), |r| r.get("request_id"))
}

/// Every rating of a client's work (both sides), oldest first.
pub fn for_client(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
) -> Result<Vec<Rating>, StoreError> {
    db.query_map(
        &format!(
            "SELECT {COLUMNS} FROM ratings WHERE org_id = $1 AND client_id = $2
             ORDER BY created_at, id"
        ),
        params![org, client],
        from_row,
    )
}

/// Every rating of an engagement's work (both sides), oldest first.
pub fn for_engagement(
    db: &mut Db<'_>,
    org: OrgId,
    engagement: EngagementId,
) -> Result<Vec<Rating>, StoreError> {
    db.query_map(
        &format!(
            "SELECT {COLUMNS} FROM ratings WHERE org_id = $1
               AND request_id IN (SELECT id FROM requests WHERE org_id = $1 AND engagement_id = $2)
             ORDER BY created_at, id"
        ),
        params![org, engagement],
        from_row,
    )
}

/// The client's own scores of its work, newest first.
pub fn client_scores(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    limit: usize,
    until: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    db.query_map(
        "SELECT score FROM ratings WHERE org_id = $1 AND client_id = $2 AND source = 'client'
           AND created_at <= $4
         ORDER BY created_at DESC, id DESC LIMIT $3",
        params![org, client, limit, until],
        |r| r.get("score"),
    )
}

const INVITATION_COLUMNS: &str =
    "id, org_id, request_id, contact_id, created_at, expires_at, used_at";

fn invitation_from_row(r: &Row) -> Result<Invitation, StoreError> {
    Ok(Invitation {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        request_id: r.get("request_id")?,
        contact_id: r.get("contact_id")?,
        created_at: r.get("created_at")?,
        expires_at: r.get("expires_at")?,
        used_at: r.get("used_at")?,
    })
}

pub fn insert_invitation(
    db: &mut Db<'_>,
    inv: &Invitation,
    token_hash: &str,
    message: Option<MessageId>,
) -> Result<Invitation, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO rating_invitations (org_id, request_id, contact_id, token_hash, message_id, created_at, expires_at, used_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        params![inv.org_id, inv.request_id, inv.contact_id, token_hash, message, inv.created_at, inv.expires_at, inv.used_at],
    )?;
    Ok(Invitation { id, ..inv.clone() })
}

/// The invitation whose token hashes to `token_hash`, with that hash (for a constant-time
/// comparison by the caller); locked until the transaction ends when `for_update` (in a write).
pub fn invitation_by_hash(
    db: &mut Db<'_>,
    org: OrgId,
    token_hash: &str,
    for_update: bool,
) -> Result<Option<(Invitation, String)>, StoreError> {
    let lock = if for_update { db.for_update() } else { "" };
    let sql = format!(
        "SELECT {INVITATION_COLUMNS}, token_hash FROM rating_invitations WHERE org_id = $1 AND token_hash = $2{lock}"
    );
    db.query_opt(&sql, params![org, token_hash])?
        .map(|r| Ok((invitation_from_row(&r)?, r.get("token_hash")?)))
        .transpose()
}

/// Whether the contact holds an invitation for the request that can still be used.
pub fn live_invitation(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    contact: ContactId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n: i64 = db.scalar(
        "SELECT COUNT(*) FROM rating_invitations
         WHERE org_id = $1 AND request_id = $2 AND contact_id = $3 AND used_at IS NULL AND expires_at > $4",
        params![org, request, contact, now],
    )?;
    Ok(n > 0)
}

/// Mark every unused invitation of the contact for the request used (they rated, one way or
/// another). Returns how many were.
pub fn use_invitations(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    contact: ContactId,
    now: Timestamp,
) -> Result<u64, StoreError> {
    db.execute(
        "UPDATE rating_invitations SET used_at = $4
         WHERE org_id = $1 AND request_id = $2 AND contact_id = $3 AND used_at IS NULL",
        params![org, request, contact, now],
    )
}

pub fn invitations_for_request(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
) -> Result<Vec<Invitation>, StoreError> {
    db.query_map(
        &format!(
            "SELECT {INVITATION_COLUMNS} FROM rating_invitations WHERE org_id = $1 AND request_id = $2 ORDER BY id"
        ),
        params![org, request],
        invitation_from_row,
    )
}

/// Record whether a client's or engagement's perception gap is flagged. Returns the previous
/// state (`false` when never recorded).
pub fn set_perception_flag(
    db: &mut Db<'_>,
    org: OrgId,
    subject_kind: &str,
    subject_id: i64,
    flagged: bool,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let sql = format!(
        "SELECT flagged FROM perception_flags WHERE org_id = $1 AND subject_kind = $2 AND subject_id = $3{}",
        db.for_update()
    );
    let before: bool = db
        .query_opt(&sql, params![org, subject_kind, subject_id])?
        .map(|r| r.get("flagged"))
        .transpose()?
        .unwrap_or(false);
    if before != flagged {
        db.execute(
            "INSERT INTO perception_flags (org_id, subject_kind, subject_id, flagged, changed_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (org_id, subject_kind, subject_id) DO UPDATE SET flagged = excluded.flagged,
                 changed_at = excluded.changed_at",
            params![org, subject_kind, subject_id, flagged, now],
        )?;
    }
    Ok(before)
}
