//! Mail: mailboxes, mail facts of messages, attachments and the triage queue.

use jiff::Timestamp;
use rapport_core::ids::{ClientId, MemberId, MessageId, OrgId, RequestId};
use rapport_core::inbox::{
    AttachmentInfo, MailSource, Mailbox, MailboxDraft, TriageItem, TriageReason, TriageStatus,
};
use rapport_core::mail_auth::MailPolicy;
use rapport_core::message::SendStatus;

use crate::db::Db;
use crate::error::{StoreError, UniqueKey};
use crate::params;
use crate::repo::{Filter, Page};
use crate::value::{Json, Param, Row, Word};

/// `UNIQUE (org_id, name)` of mailboxes.
pub const UNIQUE_MAILBOX_NAME: UniqueKey = UniqueKey {
    constraint: "mailboxes_org_id_name_key",
    columns: "mailboxes.org_id, mailboxes.name",
    field: "name",
    message: "a mailbox with this name already exists",
};

const MAILBOX_COLUMNS: &str = "id, org_id, name, kind, host, port, tls, username, \
    CASE WHEN password_sealed IS NULL THEN FALSE ELSE TRUE END AS has_password, folder, processed_action, move_to, poll_seconds, \
    active, uidvalidity, last_uid, status, last_error, last_ok_at, failing_since, last_alert_at, imported, \
    created_at, updated_at";

fn mailbox_row(r: &Row) -> Result<Mailbox, StoreError> {
    Ok(Mailbox {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        name: r.get("name")?,
        kind: r.word("kind")?,
        host: r.get("host")?,
        port: r.get("port")?,
        tls: r.word("tls")?,
        username: r.get("username")?,
        has_password: r.get("has_password")?,
        folder: r.get("folder")?,
        processed_action: r.word("processed_action")?,
        move_to: r.get("move_to")?,
        poll_seconds: r.get("poll_seconds")?,
        active: r.get("active")?,
        uidvalidity: r.get("uidvalidity")?,
        last_uid: r.get("last_uid")?,
        status: r.word("status")?,
        last_error: r.get("last_error")?,
        last_ok_at: r.get("last_ok_at")?,
        failing_since: r.get("failing_since")?,
        last_alert_at: r.get("last_alert_at")?,
        imported: r.get("imported")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

pub fn insert_imap_mailbox(
    db: &mut Db<'_>,
    org: OrgId,
    d: &MailboxDraft,
    password_sealed: &str,
    now: Timestamp,
) -> Result<Mailbox, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO mailboxes (org_id, name, kind, host, port, tls, username, password_sealed, folder,
             processed_action, move_to, poll_seconds, status, created_at, updated_at)
         VALUES ($1, $2, 'imap', $3, $4, $5, $6, $7, $8, $9, $10, $11, 'new', $12, $12) RETURNING id",
        params![
            org, d.name, d.host, i64::from(d.port), Word(d.tls.as_str()), d.username, password_sealed,
            d.folder, Word(d.processed_action.as_str()), d.move_to, d.poll_seconds, now
        ],
    ).map_err(|e| e.on_unique(&[UNIQUE_MAILBOX_NAME]))?;
    get_mailbox(db, org, id)
}

pub fn get_mailbox(db: &mut Db<'_>, org: OrgId, id: i64) -> Result<Mailbox, StoreError> {
    mailbox_row(&db.query_one(
        &format!("SELECT {MAILBOX_COLUMNS} FROM mailboxes WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

/// The mailbox and its sealed password; `lock`: for update (inside a write).
pub fn mailbox_for_poll(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    lock: bool,
) -> Result<(Mailbox, Option<String>), StoreError> {
    let lock = if lock { db.for_update() } else { "" };
    let r = db.query_one(
        &format!(
            "SELECT {MAILBOX_COLUMNS}, password_sealed FROM mailboxes WHERE org_id = $1 AND id = $2{lock}"
        ),
        params![org, id],
    )?;
    Ok((mailbox_row(&r)?, r.get("password_sealed")?))
}

pub fn list_mailboxes(db: &mut Db<'_>, org: OrgId) -> Result<Vec<Mailbox>, StoreError> {
    db.query_map(
        &format!("SELECT {MAILBOX_COLUMNS} FROM mailboxes WHERE org_id = $1 ORDER BY id"),
        params![org],
        mailbox_row,
    )
}

/// Every active IMAP mailbox of every org, as (org, id): the poll jobs each one needs.
/// An operational scan at start-up, like the job queue's claim; never part of a request.
pub fn active_imap_mailboxes(db: &mut Db<'_>) -> Result<Vec<(OrgId, i64)>, StoreError> {
    db.query_map(
        "SELECT org_id, id FROM mailboxes WHERE kind = 'imap' AND active = TRUE ORDER BY org_id, id",
        params![],
        |r| Ok((r.get("org_id")?, r.get("id")?)),
    )
}

pub fn set_mailbox_active(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    active: bool,
    now: Timestamp,
) -> Result<u64, StoreError> {
    db.execute(
        "UPDATE mailboxes SET active = $3, updated_at = $4 WHERE org_id = $1 AND id = $2",
        params![org, id, active, now],
    )
}

/// A message up to `uid` was imported (in the same transaction as the import).
pub fn advance_uid(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    uidvalidity: i64,
    uid: i64,
    imported: bool,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE mailboxes SET uidvalidity = $3,
             last_uid = CASE WHEN uidvalidity IS NULL OR uidvalidity <> $3 THEN $4
                             WHEN last_uid < $4 THEN $4 ELSE last_uid END,
             imported = imported + $5, updated_at = $6
         WHERE org_id = $1 AND id = $2",
        params![org, id, uidvalidity, uid, i64::from(imported), now],
    )?;
    Ok(())
}

/// A new UIDVALIDITY: the server renumbered the folder, so start over (ingest is idempotent by
/// Message-ID, so nothing is imported twice).
pub fn reset_uidvalidity(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    uidvalidity: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE mailboxes SET uidvalidity = $3, last_uid = 0, updated_at = $4 WHERE org_id = $1 AND id = $2",
        params![org, id, uidvalidity, now],
    )?;
    Ok(())
}

pub fn mailbox_ok(db: &mut Db<'_>, org: OrgId, id: i64, now: Timestamp) -> Result<(), StoreError> {
    db.execute(
        "UPDATE mailboxes SET status = 'ok', last_error = NULL, last_ok_at = $3, failing_since = NULL,
             last_alert_at = NULL, updated_at = $3
         WHERE org_id = $1 AND id = $2",
        params![org, id, now],
    )?;
    Ok(())
}

pub fn mailbox_failed(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    error: &str,
    alerted: bool,
    now: Timestamp,
) -> Result<(), StoreError> {
    let error: String = error.chars().take(2000).collect();
    db.execute(
        "UPDATE mailboxes SET status = 'failing', last_error = $3, failing_since = COALESCE(failing_since, $4),
             last_alert_at = CASE WHEN $5 THEN $4 ELSE last_alert_at END, updated_at = $4
         WHERE org_id = $1 AND id = $2",
        params![org, id, error, now, alerted],
    )?;
    Ok(())
}

/// Resolve every open failure alert of a mailbox (it works again).
pub fn resolve_mailbox_alerts(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    now: Timestamp,
) -> Result<u64, StoreError> {
    db.execute(
        "UPDATE alerts SET status = 'resolved', resolved_at = $3, updated_at = $3
         WHERE org_id = $1 AND subject_kind = 'mailbox' AND subject_id = $2 AND kind = 'mailbox.failing'
           AND status <> 'resolved'",
        params![org, id, now],
    )
}

/// Mail facts of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailMeta {
    pub message_id: MessageId,
    pub source: MailSource,
    pub mailbox_id: Option<i64>,
    pub from_address: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub auto_submitted: bool,
    pub auto_reason: Option<String>,
    pub raw_html: Option<String>,
    pub warnings: Vec<String>,
    pub send_attempts: i64,
    pub send_error: Option<String>,
    /// The receiving server's SPF/DKIM/DMARC results, summarised.
    pub auth_results: Option<String>,
}

pub fn insert_meta(db: &mut Db<'_>, org: OrgId, m: &MailMeta) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO mail_meta (org_id, message_id, source, mailbox_id, from_address, in_reply_to, mail_references,
             auto_submitted, auto_reason, raw_html, warnings, send_attempts, send_error, auth_results)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        params![
            org, m.message_id, Word(m.source.as_str()), m.mailbox_id, m.from_address, m.in_reply_to,
            Json(&m.references), m.auto_submitted, m.auto_reason, m.raw_html, Json(&m.warnings),
            m.send_attempts, m.send_error, m.auth_results
        ],
    )?;
    Ok(())
}

pub fn get_meta(
    db: &mut Db<'_>,
    org: OrgId,
    message: MessageId,
) -> Result<Option<MailMeta>, StoreError> {
    db.query_opt(
        "SELECT message_id, source, mailbox_id, from_address, in_reply_to, mail_references, auto_submitted,
             auto_reason, raw_html, warnings, send_attempts, send_error, auth_results
         FROM mail_meta WHERE org_id = $1 AND message_id = $2",
        params![org, message],
    )?
    .map(|r| {
        Ok(MailMeta {
            message_id: r.get("message_id")?,
            source: r.word("source")?,
            mailbox_id: r.get("mailbox_id")?,
            from_address: r.get("from_address")?,
            in_reply_to: r.get("in_reply_to")?,
            references: r.json("mail_references")?,
            auto_submitted: r.get("auto_submitted")?,
            auto_reason: r.get("auto_reason")?,
            raw_html: r.get("raw_html")?,
            warnings: r.json("warnings")?,
            send_attempts: r.get("send_attempts")?,
            send_error: r.get("send_error")?,
            auth_results: r.get("auth_results")?,
        })
    })
    .transpose()
}

/// The organisation's policy for unverified senders (the default when none was set).
pub fn mail_policy(db: &mut Db<'_>, org: OrgId) -> Result<MailPolicy, StoreError> {
    Ok(db
        .query_opt(
            "SELECT require_authentication, trusted_authserv FROM mail_policies WHERE org_id = $1",
            params![org],
        )?
        .map(|r| -> Result<MailPolicy, StoreError> {
            Ok(MailPolicy {
                require_authentication: r.get("require_authentication")?,
                authserv_id: r.get("trusted_authserv")?,
            })
        })
        .transpose()?
        .unwrap_or_default())
}

pub fn set_mail_policy(
    db: &mut Db<'_>,
    org: OrgId,
    p: &MailPolicy,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO mail_policies (org_id, require_authentication, trusted_authserv, updated_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (org_id) DO UPDATE SET require_authentication = $2, trusted_authserv = $3, updated_at = $4",
        params![org, p.require_authentication, p.authserv_id, now],
    )?;
    Ok(())
}

/// The message (and its request) that has this Message-ID.
pub fn message_by_mail_id(
    db: &mut Db<'_>,
    org: OrgId,
    mail_id: &str,
) -> Result<Option<(MessageId, RequestId)>, StoreError> {
    db.query_opt(
        "SELECT id, request_id FROM messages WHERE org_id = $1 AND mail_message_id = $2",
        params![org, mail_id],
    )?
    .map(|r| Ok((r.get("id")?, r.get("request_id")?)))
    .transpose()
}

/// A request that a message's thread ids lead to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadHit {
    pub request: RequestId,
    pub client: ClientId,
    /// Found through an anchor (an id some stored mail named but Rapport never saw), not
    /// through a stored message.
    pub anchored: bool,
}

/// The requests `mail_ids` lead to, in the order of the ids (newest first: In-Reply-To, then
/// References from the end), each request once: by a stored message's Message-ID, else by an
/// anchor.
pub fn thread_hits(
    db: &mut Db<'_>,
    org: OrgId,
    mail_ids: &[String],
) -> Result<Vec<ThreadHit>, StoreError> {
    let mut hits: Vec<ThreadHit> = Vec::new();
    for id in mail_ids {
        let found = match db.query_opt(
            "SELECT r.id, r.client_id FROM messages m JOIN requests r ON r.org_id = m.org_id AND r.id = m.request_id
             WHERE m.org_id = $1 AND m.mail_message_id = $2",
            params![org, id],
        )? {
            Some(r) => Some((r.get("id")?, r.get("client_id")?, false)),
            None => db
                .query_opt(
                    "SELECT request_id, client_id FROM mail_anchors WHERE org_id = $1 AND mail_message_id = $2",
                    params![org, id],
                )?
                .map(|r| -> Result<_, StoreError> { Ok((r.get("request_id")?, r.get("client_id")?, true)) })
                .transpose()?,
        };
        if let Some((request, client, anchored)) = found
            && !hits.iter().any(|h| h.request == request)
        {
            hits.push(ThreadHit {
                request,
                client,
                anchored,
            });
        }
    }
    Ok(hits)
}

/// Keep the ids a message on `request` named but no stored message carries, as anchors of
/// that request; an id already anchored elsewhere keeps its first request.
pub fn add_anchors(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    client: ClientId,
    mail_ids: &[String],
    now: Timestamp,
) -> Result<u64, StoreError> {
    let mut added = 0;
    for id in mail_ids {
        let seen = db
            .query_opt(
                "SELECT 1 FROM messages WHERE org_id = $1 AND mail_message_id = $2",
                params![org, id],
            )?
            .is_some();
        if !seen {
            added += db.execute(
                "INSERT INTO mail_anchors (org_id, mail_message_id, request_id, client_id, created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                params![org, id, request, client, now],
            )?;
        }
    }
    Ok(added)
}

/// The anchored message itself arrived: it is a stored message now, not an anchor.
pub fn drop_anchor(db: &mut Db<'_>, org: OrgId, mail_id: &str) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM mail_anchors WHERE org_id = $1 AND mail_message_id = $2",
        params![org, mail_id],
    )?;
    Ok(())
}

/// The Message-ID and References of the newest mail on a request's thread with a Message-ID,
/// inbound or outbound: what a reply's In-Reply-To and References continue.
pub fn thread_tail(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
) -> Result<Option<(String, Vec<String>)>, StoreError> {
    let row = db.query_opt(
        "SELECT m.mail_message_id, mm.mail_references FROM messages m
         LEFT JOIN mail_meta mm ON mm.org_id = m.org_id AND mm.message_id = m.id
         WHERE m.org_id = $1 AND m.request_id = $2 AND m.mail_message_id IS NOT NULL
           AND (m.direction = 'inbound' OR m.send_status = 'sent')
         ORDER BY m.id DESC LIMIT 1",
        params![org, request],
    )?;
    row.map(|r| {
        let refs: Option<String> = r.get("mail_references")?;
        let refs: Vec<String> = refs
            .map(|s| serde_json::from_str(&s).unwrap_or_default())
            .unwrap_or_default();
        Ok((r.get("mail_message_id")?, refs))
    })
    .transpose()
}

pub fn set_mail_message_id(
    db: &mut Db<'_>,
    org: OrgId,
    message: MessageId,
    mail_id: &str,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE messages SET mail_message_id = $3 WHERE org_id = $1 AND id = $2",
        params![org, message, mail_id],
    )?;
    Ok(())
}

/// Record a send attempt's outcome. `status: None` keeps the current status (a retry follows).
pub fn record_send(
    db: &mut Db<'_>,
    org: OrgId,
    message: MessageId,
    status: Option<SendStatus>,
    error: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let error: Option<String> = error.map(|e| e.chars().take(2000).collect());
    db.execute(
        "UPDATE mail_meta SET send_attempts = send_attempts + 1, send_error = $3 WHERE org_id = $1 AND message_id = $2",
        params![org, message, error],
    )?;
    if let Some(s) = status {
        let sent_at = (s == SendStatus::Sent).then_some(now);
        db.execute(
            "UPDATE messages SET send_status = $3, sent_at = COALESCE($4, sent_at) WHERE org_id = $1 AND id = $2",
            params![org, message, Word(s.as_str()), sent_at],
        )?;
    }
    Ok(())
}

/// An attachment to store.
pub struct NewAttachment<'a> {
    pub filename: Option<&'a str>,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub inline: bool,
    pub content_id: Option<&'a str>,
    pub data: &'a [u8],
}

pub fn insert_attachment(
    db: &mut Db<'_>,
    org: OrgId,
    message: MessageId,
    a: &NewAttachment<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    db.scalar(
        "INSERT INTO attachments (org_id, message_id, filename, content_type, size, sha256, inline, content_id, data, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        params![org, message, a.filename, a.content_type, a.data.len(), a.sha256, a.inline, a.content_id, a.data, now],
    )
}

const ATTACHMENT_COLUMNS: &str =
    "id, message_id, filename, content_type, size, sha256, inline, content_id";

fn attachment_row(r: &Row) -> Result<AttachmentInfo, StoreError> {
    Ok(AttachmentInfo {
        id: r.get("id")?,
        message_id: r.get("message_id")?,
        filename: r.get("filename")?,
        content_type: r.get("content_type")?,
        size: r.get("size")?,
        sha256: r.get("sha256")?,
        inline: r.get("inline")?,
        content_id: r.get("content_id")?,
    })
}

pub fn attachments_of(
    db: &mut Db<'_>,
    org: OrgId,
    message: MessageId,
) -> Result<Vec<AttachmentInfo>, StoreError> {
    db.query_map(
        &format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE org_id = $1 AND message_id = $2 ORDER BY id"),
        params![org, message],
        attachment_row,
    )
}

/// The files of several messages (a thread's page) in one query, in `id` order; messages
/// without files are left out.
pub fn attachments_of_messages(
    db: &mut Db<'_>,
    org: OrgId,
    messages: &[MessageId],
) -> Result<Vec<AttachmentInfo>, StoreError> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let mut f = Filter::new(org);
    let ps: Vec<String> = messages.iter().map(|m| f.bind(Param::Int(m.0))).collect();
    f.and_raw(&format!("message_id IN ({})", ps.join(", ")));
    db.query_map(
        &format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE {} ORDER BY id",
            f.sql()
        ),
        &f.params(),
        attachment_row,
    )
}

/// An attachment with its bytes.
pub fn attachment(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
) -> Result<(AttachmentInfo, Vec<u8>), StoreError> {
    let r = db.query_one(
        &format!(
            "SELECT {ATTACHMENT_COLUMNS}, data FROM attachments WHERE org_id = $1 AND id = $2"
        ),
        params![org, id],
    )?;
    Ok((attachment_row(&r)?, r.get("data")?))
}

/// A message for the triage queue.
pub struct NewTriage<'a> {
    pub reason: TriageReason,
    pub detail: &'a str,
    pub source: MailSource,
    pub mailbox_id: Option<i64>,
    pub mail_message_id: Option<&'a str>,
    pub from_address: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub size: usize,
    pub raw: &'a [u8],
    pub raw_complete: bool,
}

/// Queue a message for a person. `None` when a message with this Message-ID is already there.
pub fn insert_triage(
    db: &mut Db<'_>,
    org: OrgId,
    t: &NewTriage<'_>,
    now: Timestamp,
) -> Result<Option<i64>, StoreError> {
    let subject: Option<String> = t.subject.map(|s| s.chars().take(1000).collect());
    let from: Option<String> = t.from_address.map(|s| s.chars().take(320).collect());
    db.query_opt(
        "INSERT INTO triage (org_id, reason, detail, source, mailbox_id, mail_message_id, from_address, subject, size,
             raw, raw_complete, status, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open', $12)
         ON CONFLICT DO NOTHING RETURNING id",
        params![
            org, Word(t.reason.as_str()), t.detail, Word(t.source.as_str()), t.mailbox_id, t.mail_message_id, from,
            subject, t.size, t.raw, t.raw_complete, now
        ],
    )?
    .map(|r| r.get("id"))
    .transpose()
}

const TRIAGE_COLUMNS: &str = "id, org_id, reason, detail, source, mailbox_id, mail_message_id, from_address, subject, \
    size, raw_complete, status, received_at, resolved_by, resolved_at, request_id";

fn triage_row(r: &Row) -> Result<TriageItem, StoreError> {
    Ok(TriageItem {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        reason: r.word("reason")?,
        detail: r.get("detail")?,
        source: r.word("source")?,
        mailbox_id: r.get("mailbox_id")?,
        mail_message_id: r.get("mail_message_id")?,
        from_address: r.get("from_address")?,
        subject: r.get("subject")?,
        size: r.get("size")?,
        raw_complete: r.get("raw_complete")?,
        status: r.word("status")?,
        received_at: r.get("received_at")?,
        resolved_by: r.get("resolved_by")?,
        resolved_at: r.get("resolved_at")?,
        request_id: r.get("request_id")?,
    })
}

pub fn triage_by_mail_id(
    db: &mut Db<'_>,
    org: OrgId,
    mail_id: &str,
) -> Result<Option<TriageItem>, StoreError> {
    db.query_opt(
        &format!("SELECT {TRIAGE_COLUMNS} FROM triage WHERE org_id = $1 AND mail_message_id = $2"),
        params![org, mail_id],
    )?
    .map(|r| triage_row(&r))
    .transpose()
}

/// A triage item and its raw bytes; `lock`: for update (inside a write).
pub fn triage_with_raw(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    lock: bool,
) -> Result<(TriageItem, Vec<u8>), StoreError> {
    let lock = if lock { db.for_update() } else { "" };
    let r = db.query_one(
        &format!("SELECT {TRIAGE_COLUMNS}, raw FROM triage WHERE org_id = $1 AND id = $2{lock}"),
        params![org, id],
    )?;
    Ok((triage_row(&r)?, r.get("raw")?))
}

pub fn get_triage(db: &mut Db<'_>, org: OrgId, id: i64) -> Result<TriageItem, StoreError> {
    triage_row(&db.query_one(
        &format!("SELECT {TRIAGE_COLUMNS} FROM triage WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

pub fn list_triage(
    db: &mut Db<'_>,
    org: OrgId,
    status: Option<TriageStatus>,
    after_id: Option<i64>,
    limit: usize,
) -> Result<Page<TriageItem>, StoreError> {
    let mut f = Filter::new(org);
    if let Some(s) = status {
        f.and("status = {}", Param::Text(s.as_str().into()));
    }
    if let Some(a) = after_id {
        f.and("id > {}", Param::Int(a));
    }
    let limit = limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {TRIAGE_COLUMNS} FROM triage WHERE {} ORDER BY id LIMIT {}",
        f.sql(),
        limit + 1
    );
    let rows = db.query_map(&sql, &f.params(), triage_row)?;
    Ok(Page::from_rows(rows, limit, |t| (t.id, t.id)))
}

pub fn close_triage(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    status: TriageStatus,
    by: Option<MemberId>,
    request: Option<RequestId>,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE triage SET status = $3, resolved_by = $4, resolved_at = $5, request_id = $6 WHERE org_id = $1 AND id = $2",
        params![org, id, Word(status.as_str()), by, now, request],
    )?;
    Ok(())
}

/// Re-record why an item is still waiting (a retry that routed it to triage again).
pub fn set_triage_reason(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    reason: TriageReason,
    detail: &str,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE triage SET reason = $3, detail = $4 WHERE org_id = $1 AND id = $2",
        params![org, id, Word(reason.as_str()), detail],
    )?;
    Ok(())
}

/// The threading headers an outbound message went out with.
pub fn set_threading(
    db: &mut Db<'_>,
    org: OrgId,
    message: MessageId,
    in_reply_to: Option<&str>,
    references: &[String],
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE mail_meta SET in_reply_to = $3, mail_references = $4 WHERE org_id = $1 AND message_id = $2",
        params![org, message, in_reply_to, Json(references)],
    )?;
    Ok(())
}
