//! Merging requests (the thread, promises and time move; the old id redirects) and splitting a
//! message off into a new request.

use jiff::Timestamp;
use rapport_core::ids::{MessageId, OrgId, RequestId};

use crate::db::Db;
use crate::error::StoreError;
use crate::params;

/// What moved from one request to another.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Moved {
    pub messages: u64,
    pub promises: u64,
    pub time_entries: u64,
}

/// Move the thread, promises and time entries of `from` to `to`.
pub fn move_work(
    db: &mut Db<'_>,
    org: OrgId,
    from: RequestId,
    to: RequestId,
) -> Result<Moved, StoreError> {
    let messages = db.execute(
        "UPDATE messages SET request_id = $3 WHERE org_id = $1 AND request_id = $2",
        params![org, from, to],
    )?;
    let promises = db.execute(
        "UPDATE promises SET request_id = $3 WHERE org_id = $1 AND request_id = $2",
        params![org, from, to],
    )?;
    let time_entries = db.execute(
        "UPDATE time_entries SET request_id = $3 WHERE org_id = $1 AND request_id = $2",
        params![org, from, to],
    )?;
    // Mail still missing from the merged thread belongs to the surviving request when it comes.
    db.execute(
        "UPDATE mail_anchors SET request_id = $3 WHERE org_id = $1 AND request_id = $2",
        params![org, from, to],
    )?;
    Ok(Moved {
        messages,
        promises,
        time_entries,
    })
}

/// Move one message to another request.
pub fn move_message(
    db: &mut Db<'_>,
    org: OrgId,
    message: MessageId,
    to: RequestId,
) -> Result<(), StoreError> {
    let n = db.execute(
        "UPDATE messages SET request_id = $3 WHERE org_id = $1 AND id = $2",
        params![org, message, to],
    )?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Add minutes spent (merging carries the time over).
pub fn set_spent(
    db: &mut Db<'_>,
    org: OrgId,
    id: RequestId,
    minutes: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE requests SET spent_minutes = $3, updated_at = $4 WHERE org_id = $1 AND id = $2",
        params![org, id, minutes, now],
    )?;
    Ok(())
}

pub fn add_redirect(
    db: &mut Db<'_>,
    org: OrgId,
    from: RequestId,
    to: RequestId,
    now: Timestamp,
) -> Result<(), StoreError> {
    // Requests merged earlier into `from` now point at `to` too: one hop always suffices.
    db.execute(
        "UPDATE request_redirects SET to_request_id = $3 WHERE org_id = $1 AND to_request_id = $2",
        params![org, from, to],
    )?;
    db.execute(
        "INSERT INTO request_redirects (org_id, from_request_id, to_request_id, merged_at) VALUES ($1, $2, $3, $4)",
        params![org, from, to, now],
    )?;
    Ok(())
}

/// Where a merged request now lives.
pub fn redirect_of(
    db: &mut Db<'_>,
    org: OrgId,
    id: RequestId,
) -> Result<Option<RequestId>, StoreError> {
    db.query_opt(
        "SELECT to_request_id FROM request_redirects WHERE org_id = $1 AND from_request_id = $2",
        params![org, id],
    )?
    .map(|r| r.get("to_request_id"))
    .transpose()
}
