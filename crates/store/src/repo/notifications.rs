//! Each member's inbox of notifications, and their mail preference. Every read is the member's
//! own: the org and the member are in every condition.

use jiff::Timestamp;
use rapport_core::ids::{MemberId, OrgId};
use rapport_core::notification::{
    EmailDelivery, MailState, NewNotification, Notification, NotificationSettings,
};

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::repo::{Filter, Page};
use crate::value::{Param, Row, Word};

const COLUMNS: &str = "id, member_id, kind, request_id, subject_kind, subject_id, message, actor_id, \
    created_at, read_at, email, emailed_at";

fn from_row(r: &Row) -> Result<Notification, StoreError> {
    Ok(Notification {
        id: r.get("id")?,
        member_id: r.get("member_id")?,
        kind: r.word("kind")?,
        request_id: r.get("request_id")?,
        subject_kind: r.get("subject_kind")?,
        subject_id: r.get("subject_id")?,
        message: r.get("message")?,
        actor_id: r.get("actor_id")?,
        created_at: r.get("created_at")?,
        read_at: r.get("read_at")?,
        email: r.word("email")?,
        emailed_at: r.get("emailed_at")?,
    })
}

/// Record a notification; `email` is `pending` or (preference off) `skipped`. Returns its id.
pub fn insert(
    db: &mut Db<'_>,
    org: OrgId,
    n: &NewNotification,
    email: MailState,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let row = db.query_one(
        "INSERT INTO notifications (org_id, member_id, kind, request_id, subject_kind, subject_id, message,
             actor_id, created_at, email)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        params![
            org,
            n.member_id,
            Word(n.kind.as_str()),
            n.request_id,
            n.subject_kind,
            n.subject_id,
            n.message,
            n.actor_id,
            now,
            Word(email.as_str())
        ],
    )?;
    row.get("id")
}

pub fn get(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    id: i64,
) -> Result<Option<Notification>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM notifications WHERE org_id = $1 AND member_id = $2 AND id = $3"
    );
    db.query_map(&sql, params![org, member, id], from_row)
        .map(|mut v| v.pop())
}

#[derive(Debug, Clone, Default)]
pub struct InboxQuery {
    /// Only the unread ones.
    pub unread_only: bool,
    /// Continue after this `(unread 1|0, id)`.
    pub after: Option<(i64, i64)>,
    pub limit: usize,
}

/// A member's inbox: unread first, then newest first. The page key is `(1 unread | 0 read, id)`.
pub fn list(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    q: &InboxQuery,
) -> Result<Page<Notification>, StoreError> {
    let mut f = Filter::new(org);
    f.and("member_id = {}", Param::Int(member.0));
    if q.unread_only {
        f.and_raw("read_at IS NULL");
    }
    if let Some((unread, id)) = q.after {
        // Unread (1) come before read (0); within each, higher ids first.
        if unread == 1 {
            let p = f.bind(Param::Int(id));
            f.and_raw(&format!("(read_at IS NOT NULL OR id < {p})"));
        } else {
            f.and("(read_at IS NOT NULL AND id < {})", Param::Int(id));
        }
    }
    let limit = q.limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {COLUMNS} FROM notifications WHERE {}
         ORDER BY CASE WHEN read_at IS NULL THEN 0 ELSE 1 END, id DESC LIMIT {}",
        f.sql(),
        limit + 1
    );
    let rows = db.query_map(&sql, &f.params(), from_row)?;
    Ok(Page::from_rows(rows, limit, |n| {
        (i64::from(n.read_at.is_none()), n.id)
    }))
}

/// How many of a member's notifications are unread.
pub fn unread_count(db: &mut Db<'_>, org: OrgId, member: MemberId) -> Result<i64, StoreError> {
    db.scalar(
        "SELECT COUNT(*) AS n FROM notifications WHERE org_id = $1 AND member_id = $2 AND read_at IS NULL",
        params![org, member],
    )
}

/// Mark one read; whether it was unread.
pub fn mark_read(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    id: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = db.execute(
        "UPDATE notifications SET read_at = $4
         WHERE org_id = $1 AND member_id = $2 AND id = $3 AND read_at IS NULL",
        params![org, member, id, now],
    )?;
    Ok(n > 0)
}

/// Mark every unread one read; how many there were.
pub fn mark_all_read(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    now: Timestamp,
) -> Result<u64, StoreError> {
    db.execute(
        "UPDATE notifications SET read_at = $3
         WHERE org_id = $1 AND member_id = $2 AND read_at IS NULL",
        params![org, member, now],
    )
}

/// A member's notifications not mailed yet, recorded at or before `until`, oldest first.
pub fn pending_mail(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    until: Timestamp,
) -> Result<Vec<Notification>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM notifications
         WHERE org_id = $1 AND member_id = $2 AND email = 'pending' AND created_at <= $3
         ORDER BY id LIMIT {}",
        super::MAX_PAGE
    );
    db.query_map(&sql, params![org, member, until], from_row)
}

/// Record what became of the mail of `ids` (`sent` or `skipped`).
pub fn set_mailed(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    ids: &[i64],
    state: MailState,
    now: Timestamp,
) -> Result<(), StoreError> {
    for id in ids {
        db.execute(
            "UPDATE notifications SET email = $4, emailed_at = $5
             WHERE org_id = $1 AND member_id = $2 AND id = $3 AND email = 'pending'",
            params![org, member, *id, Word(state.as_str()), now],
        )?;
    }
    Ok(())
}

/// A member's mail preference (the default when they never chose).
pub fn settings(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
) -> Result<NotificationSettings, StoreError> {
    let rows = db.query_map(
        "SELECT email FROM notification_settings WHERE org_id = $1 AND member_id = $2",
        params![org, member],
        |r| r.word::<EmailDelivery>("email"),
    )?;
    Ok(rows
        .into_iter()
        .next()
        .map(|email| NotificationSettings { email })
        .unwrap_or_default())
}

pub fn put_settings(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    s: &NotificationSettings,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO notification_settings (org_id, member_id, email, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (org_id, member_id) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at",
        params![org, member, Word(s.email.as_str()), now],
    )?;
    Ok(())
}
