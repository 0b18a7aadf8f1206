//! Account safety: sign-in counters, one-time links, TOTP seeds, idempotency keys, system mail.

use jiff::Timestamp;
use rapport_core::ids::{ContactId, MemberId, OrgId};
use serde::Serialize;

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::value::Row;

/// Count a hit in a fixed window of `window_ms` and return (count in this window, window start).
pub fn hit(
    db: &mut Db<'_>,
    org: i64,
    bucket: &str,
    now: Timestamp,
    window_ms: i64,
) -> Result<(i64, i64), StoreError> {
    let now_ms = now.as_millisecond();
    let cutoff = now_ms - window_ms;
    let row = db.query_one(
        "INSERT INTO rate_limits (org_id, bucket, window_start, count) VALUES ($1, $2, $3, 1)
         ON CONFLICT (org_id, bucket) DO UPDATE SET
             count = CASE WHEN rate_limits.window_start <= $4 THEN 1 ELSE rate_limits.count + 1 END,
             window_start = CASE WHEN rate_limits.window_start <= $4 THEN $3 ELSE rate_limits.window_start END
         RETURNING count, window_start",
        params![org, bucket, now_ms, cutoff],
    )?;
    Ok((row.get("count")?, row.get("window_start")?))
}

/// Count a failure in `bucket`: the count goes back to 1 when the last failure is more than
/// `forget_ms` old. Returns the count; the bucket remembers when the last failure was.
pub fn fail(
    db: &mut Db<'_>,
    org: i64,
    bucket: &str,
    now: Timestamp,
    forget_ms: i64,
) -> Result<i64, StoreError> {
    let now_ms = now.as_millisecond();
    let row = db.query_one(
        "INSERT INTO rate_limits (org_id, bucket, window_start, count) VALUES ($1, $2, $3, 1)
         ON CONFLICT (org_id, bucket) DO UPDATE SET
             count = CASE WHEN rate_limits.window_start <= $4 THEN 1 ELSE rate_limits.count + 1 END,
             window_start = $3
         RETURNING count",
        params![org, bucket, now_ms, now_ms - forget_ms],
    )?;
    row.get("count")
}

/// The failures counted in `bucket` and when the last was (unix ms), unless forgotten.
pub fn failures(
    db: &mut Db<'_>,
    org: i64,
    bucket: &str,
    now: Timestamp,
    forget_ms: i64,
) -> Result<Option<(i64, i64)>, StoreError> {
    let row = db.query_opt(
        "SELECT count, window_start FROM rate_limits
         WHERE org_id = $1 AND bucket = $2 AND window_start > $3",
        params![org, bucket, now.as_millisecond() - forget_ms],
    )?;
    row.map(|r| Ok((r.get("count")?, r.get("window_start")?)))
        .transpose()
}

pub fn clear(db: &mut Db<'_>, org: i64, bucket: &str) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM rate_limits WHERE org_id = $1 AND bucket = $2",
        params![org, bucket],
    )?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOwner {
    Member(MemberId),
    Contact(ContactId),
}

pub fn create_link(
    db: &mut Db<'_>,
    org: OrgId,
    purpose: &str,
    token_hash: &str,
    owner: LinkOwner,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    let (m, c) = match owner {
        LinkOwner::Member(m) => (Some(m), None),
        LinkOwner::Contact(c) => (None, Some(c)),
    };
    db.execute(
        "INSERT INTO one_time_links (org_id, purpose, token_hash, member_id, contact_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![org, purpose, token_hash, m, c, now, expires_at],
    )?;
    Ok(())
}

/// Use up every outstanding link of `member` for `purpose` (a reset makes older reset links
/// worthless). Returns how many there were.
pub fn use_up_member_links(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    purpose: &str,
    now: Timestamp,
) -> Result<u64, StoreError> {
    db.execute(
        "UPDATE one_time_links SET used_at = $4
         WHERE org_id = $1 AND member_id = $2 AND purpose = $3 AND used_at IS NULL",
        params![org, member, purpose, now],
    )
}

/// Delete links that expired before `before` (housekeeping).
pub fn purge_expired_links(db: &mut Db<'_>, before: Timestamp) -> Result<u64, StoreError> {
    db.execute(
        "DELETE FROM one_time_links WHERE expires_at < $1",
        params![before],
    )
}

/// Why a one-time link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    Unknown,
    Used,
    Expired,
}

/// Use a link once: marks it used and returns its owner.
pub fn consume_link(
    db: &mut Db<'_>,
    org: OrgId,
    purpose: &str,
    token_hash: &str,
    now: Timestamp,
) -> Result<Result<LinkOwner, LinkProblem>, StoreError> {
    let row = db.query_opt(
        &format!(
            "SELECT id, member_id, contact_id, expires_at, used_at FROM one_time_links
             WHERE org_id = $1 AND token_hash = $2 AND purpose = $3{}",
            db.for_update()
        ),
        params![org, token_hash, purpose],
    )?;
    let Some(r) = row else {
        return Ok(Err(LinkProblem::Unknown));
    };
    if r.get::<Option<i64>>("used_at")?.is_some() {
        return Ok(Err(LinkProblem::Used));
    }
    if r.get::<Timestamp>("expires_at")? <= now {
        return Ok(Err(LinkProblem::Expired));
    }
    let id: i64 = r.get("id")?;
    db.execute(
        "UPDATE one_time_links SET used_at = $3 WHERE org_id = $1 AND id = $2",
        params![org, id, now],
    )?;
    let owner = match (
        r.get::<Option<MemberId>>("member_id")?,
        r.get::<Option<ContactId>>("contact_id")?,
    ) {
        (Some(m), _) => LinkOwner::Member(m),
        (None, Some(c)) => LinkOwner::Contact(c),
        _ => return Err(StoreError::decode("one-time link without owner")),
    };
    Ok(Ok(owner))
}

/// Cancel a contact's links not yet used (their access was revoked or their address changed).
pub fn cancel_contact_links(
    db: &mut Db<'_>,
    org: OrgId,
    contact: ContactId,
) -> Result<u64, StoreError> {
    db.execute(
        "DELETE FROM one_time_links WHERE org_id = $1 AND contact_id = $2 AND used_at IS NULL",
        params![org, contact],
    )
}

/// (sealed secret, enabled) of a member's TOTP.
pub fn totp(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
) -> Result<(Option<String>, bool), StoreError> {
    let r = db.query_one(
        "SELECT totp_secret, totp_enabled FROM members WHERE org_id = $1 AND id = $2",
        params![org, member],
    )?;
    Ok((r.get("totp_secret")?, r.get("totp_enabled")?))
}

/// The TOTP step the member last signed in (or confirmed a change) with.
pub fn totp_last_step(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
) -> Result<Option<i64>, StoreError> {
    db.scalar(
        "SELECT totp_last_step FROM members WHERE org_id = $1 AND id = $2",
        params![org, member],
    )
}

/// Spend a TOTP step: true when it is later than the last one spent (so two requests racing
/// with the same code cannot both win).
pub fn spend_totp_step(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    step: i64,
) -> Result<bool, StoreError> {
    let n = db.execute(
        "UPDATE members SET totp_last_step = $3
         WHERE org_id = $1 AND id = $2 AND (totp_last_step IS NULL OR totp_last_step < $3)",
        params![org, member, step],
    )?;
    Ok(n == 1)
}

/// The member's password hash (to confirm a sensitive change with the password).
pub fn member_password_hash(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
) -> Result<Option<String>, StoreError> {
    db.scalar(
        "SELECT password_hash FROM members WHERE org_id = $1 AND id = $2",
        params![org, member],
    )
}

pub fn set_totp(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    sealed: Option<&str>,
    enabled: bool,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE members SET totp_secret = $3, totp_enabled = $4 WHERE org_id = $1 AND id = $2",
        params![org, member, sealed, enabled],
    )?;
    Ok(())
}

/// A stored answer to an idempotent request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotent {
    /// First time: the caller runs the request and stores the answer.
    New,
    /// Same key, same request, still running.
    InProgress,
    /// Same key, same request: here is the answer.
    Done { status: u16, body: String },
    /// Same key, different request.
    Mismatch,
}

pub fn begin_idempotent(
    db: &mut Db<'_>,
    org: OrgId,
    key_hash: &str,
    request_hash: &str,
    now: Timestamp,
) -> Result<Idempotent, StoreError> {
    let inserted = db.execute(
        "INSERT INTO idempotency_keys (org_id, key_hash, request_hash, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
        params![org, key_hash, request_hash, now],
    )?;
    if inserted == 1 {
        return Ok(Idempotent::New);
    }
    let r = db.query_one(
        "SELECT request_hash, status_code, response FROM idempotency_keys WHERE org_id = $1 AND key_hash = $2",
        params![org, key_hash],
    )?;
    let stored: String = r.get("request_hash")?;
    if stored != request_hash {
        return Ok(Idempotent::Mismatch);
    }
    Ok(
        match (
            r.get::<Option<i64>>("status_code")?,
            r.get::<Option<String>>("response")?,
        ) {
            (Some(status), Some(body)) => Idempotent::Done {
                status: status as u16,
                body,
            },
            _ => Idempotent::InProgress,
        },
    )
}

pub fn finish_idempotent(
    db: &mut Db<'_>,
    org: OrgId,
    key_hash: &str,
    status: u16,
    body: &str,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE idempotency_keys SET status_code = $3, response = $4 WHERE org_id = $1 AND key_hash = $2",
        params![org, key_hash, i64::from(status), body],
    )?;
    Ok(())
}

/// Forget a key whose request failed before answering (so a retry can run).
pub fn abandon_idempotent(db: &mut Db<'_>, org: OrgId, key_hash: &str) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM idempotency_keys WHERE org_id = $1 AND key_hash = $2 AND status_code IS NULL",
        params![org, key_hash],
    )?;
    Ok(())
}

pub fn purge_idempotency(db: &mut Db<'_>, before: Timestamp) -> Result<u64, StoreError> {
    db.execute(
        "DELETE FROM idempotency_keys WHERE created_at < $1",
        params![before],
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMail {
    pub id: i64,
    pub org_id: OrgId,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

fn mail_row(r: &Row) -> Result<OutboxMail, StoreError> {
    Ok(OutboxMail {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        kind: r.get("kind")?,
        to_address: r.get("to_address")?,
        subject: r.get("subject")?,
        body: r.get("body")?,
        status: r.get("status")?,
        attempts: r.get("attempts")?,
        last_error: r.get("last_error")?,
        created_at: r.get("created_at")?,
        sent_at: r.get("sent_at")?,
    })
}

const MAIL_COLUMNS: &str = "id, org_id, kind, to_address, subject, body, status, attempts, last_error, created_at, sent_at";

/// Add a system mail (not part of a request's thread) to the outbox. Returns its id. The app
/// queues the job that sends it in the same write.
pub fn queue_mail(
    db: &mut Db<'_>,
    org: OrgId,
    kind: &str,
    to: &str,
    subject: &str,
    body: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO outbox (org_id, kind, to_address, subject, body, status, created_at)
         VALUES ($1, $2, $3, $4, $5, 'queued', $6) RETURNING id",
        params![org, kind, to, subject, body, now],
    )?;
    Ok(id)
}

pub fn get_mail(db: &mut Db<'_>, org: OrgId, id: i64) -> Result<OutboxMail, StoreError> {
    mail_row(&db.query_one(
        &format!("SELECT {MAIL_COLUMNS} FROM outbox WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

pub fn mark_mail(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    sent: bool,
    error: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    if sent {
        db.execute(
            "UPDATE outbox SET status = 'sent', sent_at = $3, attempts = attempts + 1 WHERE org_id = $1 AND id = $2",
            params![org, id, now],
        )?;
    } else {
        db.execute(
            "UPDATE outbox SET status = 'failed', last_error = $3, attempts = attempts + 1 WHERE org_id = $1 AND id = $2",
            params![org, id, error],
        )?;
    }
    Ok(())
}

/// Most recent system mails to an address (operators and tests look here).
pub fn mails_to(db: &mut Db<'_>, org: OrgId, to: &str) -> Result<Vec<OutboxMail>, StoreError> {
    db.query_map(
        &format!("SELECT {MAIL_COLUMNS} FROM outbox WHERE org_id = $1 AND to_address = $2 ORDER BY id DESC"),
        params![org, to],
        mail_row,
    )
}
