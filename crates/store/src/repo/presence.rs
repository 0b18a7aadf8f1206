//! Who has a request open (collision detection): one row per member and request, the latest
//! report winning. Reads ignore rows older than the caller's cut-off; housekeeping deletes them.

use jiff::Timestamp;
use rapport_core::ids::{MemberId, OrgId, RequestId};
use rapport_core::presence::{Presence, PresenceState};

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::value::Word;

/// `member` reports `state` on `request` at `now` (inserted, or their earlier report replaced).
pub fn report(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    member: MemberId,
    state: PresenceState,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO request_presence (org_id, request_id, member_id, state, seen_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (org_id, request_id, member_id) DO UPDATE SET
           state = excluded.state, seen_at = excluded.seen_at",
        params![org, request, member, Word(state.as_str()), now],
    )?;
    Ok(())
}

/// The members who reported on `request` since `since`, except `except` (the asker), by name.
/// Deactivated members are left out: they cannot have the page open any more.
pub fn on_request(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    except: MemberId,
    since: Timestamp,
) -> Result<Vec<Presence>, StoreError> {
    db.query_map(
        "SELECT p.request_id, p.member_id, m.name, p.state, p.seen_at
           FROM request_presence p
           JOIN members m ON m.org_id = p.org_id AND m.id = p.member_id
          WHERE p.org_id = $1 AND p.request_id = $2 AND p.seen_at >= $3
            AND p.member_id <> $4 AND m.active = TRUE
          ORDER BY m.name, p.member_id",
        params![org, request, since, except],
        |r| {
            Ok(Presence {
                request_id: r.get("request_id")?,
                member_id: r.get("member_id")?,
                name: r.get("name")?,
                state: r.word("state")?,
                seen_at: r.get("seen_at")?,
            })
        },
    )
}

/// Forget reports older than `before`, in every org (housekeeping); how many went.
pub fn purge_before(db: &mut Db<'_>, before: Timestamp) -> Result<u64, StoreError> {
    db.execute(
        "DELETE FROM request_presence WHERE seen_at < $1",
        params![before],
    )
}
