//! Sessions and API tokens. Only hashes of secrets are stored; lookups are by (org, hash), so a
//! token carries its org and never needs a cross-org search.

use jiff::Timestamp;
use rapport_core::access::{Principal, Role};
use rapport_core::ids::{ClientId, ContactId, MemberId, OrgId, TokenId};
use serde::Serialize;

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::value::Row;

#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub id: i64,
    pub csrf_token: String,
    pub expires_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// `None` when the member was deactivated since, or the contact's portal access was
    /// revoked (their sessions are deleted then too; this holds if one slipped through).
    pub principal: Option<Principal>,
}

pub enum SessionOwner {
    Member(MemberId),
    Contact(ContactId),
}

#[allow(clippy::too_many_arguments)]
pub fn create_session(
    db: &mut Db<'_>,
    org: OrgId,
    token_hash: &str,
    owner: SessionOwner,
    csrf_token: &str,
    now: Timestamp,
    expires_at: Timestamp,
    ip: Option<&str>,
) -> Result<i64, StoreError> {
    let (member, contact) = match owner {
        SessionOwner::Member(m) => (Some(m), None),
        SessionOwner::Contact(c) => (None, Some(c)),
    };
    db.scalar(
        "INSERT INTO sessions (org_id, token_hash, member_id, contact_id, csrf_token, created_at, expires_at, last_seen_at, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $8) RETURNING id",
        params![org, token_hash, member, contact, csrf_token, now, expires_at, ip],
    )
}

/// Who a session belongs to, from its row's `member_id`, `role`, `active`, `contact_id`,
/// `client_id`, `portal_enabled` and `contact_role`.
fn principal(org: OrgId, r: &Row) -> Result<Option<Principal>, StoreError> {
    if let Some(member_id) = r.get::<Option<MemberId>>("member_id")? {
        let active: bool = r.get("active")?;
        let role: Role = r.word("role")?;
        return Ok(active.then_some(Principal::Member {
            org_id: org,
            member_id,
            role,
        }));
    }
    if let Some(contact_id) = r.get::<Option<ContactId>>("contact_id")? {
        let client_id: ClientId = r.get("client_id")?;
        let enabled: bool = r.get("portal_enabled")?;
        let role = r.word("contact_role")?;
        return Ok(enabled.then_some(Principal::Contact {
            org_id: org,
            contact_id,
            client_id,
            role,
        }));
    }
    Ok(None)
}

pub fn session(
    db: &mut Db<'_>,
    org: OrgId,
    token_hash: &str,
) -> Result<Option<SessionInfo>, StoreError> {
    let row = db.query_opt(
        "SELECT s.id, s.csrf_token, s.expires_at, s.last_seen_at,
                m.id AS member_id, m.role, m.active, c.id AS contact_id, c.client_id, c.portal_enabled,
                c.role AS contact_role
         FROM sessions s
         LEFT JOIN members m ON m.org_id = s.org_id AND m.id = s.member_id
         LEFT JOIN contacts c ON c.org_id = s.org_id AND c.id = s.contact_id
         WHERE s.org_id = $1 AND s.token_hash = $2",
        params![org, token_hash],
    )?;
    row.map(|r| {
        Ok(SessionInfo {
            id: r.get("id")?,
            csrf_token: r.get("csrf_token")?,
            expires_at: r.get("expires_at")?,
            last_seen_at: r.get("last_seen_at")?,
            principal: principal(org, &r)?,
        })
    })
    .transpose()
}

pub fn touch_session(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE sessions SET last_seen_at = $3, expires_at = $4 WHERE org_id = $1 AND id = $2",
        params![org, id, now, expires_at],
    )?;
    Ok(())
}

pub fn delete_session(db: &mut Db<'_>, org: OrgId, token_hash: &str) -> Result<u64, StoreError> {
    db.execute(
        "DELETE FROM sessions WHERE org_id = $1 AND token_hash = $2",
        params![org, token_hash],
    )
}

/// Sign out everywhere: every session of a member.
pub fn delete_member_sessions(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
) -> Result<u64, StoreError> {
    db.execute(
        "DELETE FROM sessions WHERE org_id = $1 AND member_id = $2",
        params![org, member],
    )
}

pub fn delete_contact_sessions(
    db: &mut Db<'_>,
    org: OrgId,
    contact: ContactId,
) -> Result<u64, StoreError> {
    db.execute(
        "DELETE FROM sessions WHERE org_id = $1 AND contact_id = $2",
        params![org, contact],
    )
}

/// Delete every organisation's expired sessions (housekeeping).
pub fn delete_all_expired_sessions(db: &mut Db<'_>, now: Timestamp) -> Result<u64, StoreError> {
    db.execute("DELETE FROM sessions WHERE expires_at <= $1", params![now])
}

pub fn delete_expired_sessions(
    db: &mut Db<'_>,
    org: OrgId,
    now: Timestamp,
) -> Result<u64, StoreError> {
    db.execute(
        "DELETE FROM sessions WHERE org_id = $1 AND expires_at < $2",
        params![org, now],
    )
}

/// An API token as listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct TokenInfo {
    pub id: TokenId,
    pub member_id: MemberId,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

const TOKEN_COLUMNS: &str = "id, member_id, name, created_at, last_used_at, revoked_at";

fn token_row(r: &Row) -> Result<TokenInfo, StoreError> {
    Ok(TokenInfo {
        id: r.get("id")?,
        member_id: r.get("member_id")?,
        name: r.get("name")?,
        created_at: r.get("created_at")?,
        last_used_at: r.get("last_used_at")?,
        revoked_at: r.get("revoked_at")?,
    })
}

pub fn create_token(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    name: &str,
    token_hash: &str,
    now: Timestamp,
) -> Result<TokenInfo, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO api_tokens (org_id, member_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        params![org, member, name, token_hash, now],
    )?;
    Ok(TokenInfo {
        id: TokenId(id),
        member_id: member,
        name: name.to_string(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    })
}

/// The principal behind a token, if the token is live and its member active.
/// Also returns the stored hash, for a constant-time comparison by the caller.
#[allow(clippy::type_complexity)]
pub fn token(
    db: &mut Db<'_>,
    org: OrgId,
    token_hash: &str,
) -> Result<Option<(TokenInfo, Option<Principal>, String)>, StoreError> {
    let row = db.query_opt(
        "SELECT t.id, t.member_id, t.name, t.created_at, t.last_used_at, t.revoked_at, m.role, m.active, t.token_hash
         FROM api_tokens t JOIN members m ON m.org_id = t.org_id AND m.id = t.member_id
         WHERE t.org_id = $1 AND t.token_hash = $2",
        params![org, token_hash],
    )?;
    row.map(|r| {
        let info = token_row(&r)?;
        let active: bool = r.get("active")?;
        let principal = (active && info.revoked_at.is_none()).then_some(Principal::Member {
            org_id: org,
            member_id: info.member_id,
            role: r.word("role")?,
        });
        Ok((info, principal, r.get("token_hash")?))
    })
    .transpose()
}

pub fn touch_token(
    db: &mut Db<'_>,
    org: OrgId,
    id: TokenId,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE api_tokens SET last_used_at = $3 WHERE org_id = $1 AND id = $2",
        params![org, id, now],
    )?;
    Ok(())
}

pub fn list_tokens(
    db: &mut Db<'_>,
    org: OrgId,
    member: Option<MemberId>,
) -> Result<Vec<TokenInfo>, StoreError> {
    match member {
        Some(m) => db.query_map(
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE org_id = $1 AND member_id = $2 ORDER BY id"),
            params![org, m],
            token_row,
        ),
        None => db.query_map(
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE org_id = $1 ORDER BY id"),
            params![org],
            token_row,
        ),
    }
}

pub fn get_token(db: &mut Db<'_>, org: OrgId, id: TokenId) -> Result<TokenInfo, StoreError> {
    token_row(&db.query_one(
        &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

pub fn revoke_token(
    db: &mut Db<'_>,
    org: OrgId,
    id: TokenId,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE api_tokens SET revoked_at = $3 WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL",
        params![org, id, now],
    )?;
    Ok(())
}
