use rapport_core::access::Actor;
use rapport_core::ids::{MessageId, OrgId, RequestId};
use rapport_core::message::Message;

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::repo::{Filter, Page};
use crate::value::{Param, Row, Word};

const COLUMNS: &str = "id, org_id, request_id, direction, author_kind, author_id, body, body_html, subject, \
    mail_message_id, send_status, scheduled_for, sent_at, sentiment, created_at";

fn from_row(r: &Row) -> Result<Message, StoreError> {
    let kind: String = r.get("author_kind")?;
    Ok(Message {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        request_id: r.get("request_id")?,
        direction: r.word("direction")?,
        author: Actor::from_parts(&kind, r.get("author_id")?)
            .ok_or_else(|| StoreError::decode(format!("bad author kind {kind}")))?,
        body: r.get("body")?,
        body_html: r.get("body_html")?,
        subject: r.get("subject")?,
        mail_message_id: r.get("mail_message_id")?,
        send_status: r.word_opt("send_status")?,
        scheduled_for: r.get("scheduled_for")?,
        sent_at: r.get("sent_at")?,
        sentiment: r.get("sentiment")?,
        created_at: r.get("created_at")?,
    })
}

/// Insert `m` (its `id` is ignored); returns it with the stored id.
pub fn insert(db: &mut Db<'_>, m: &Message) -> Result<Message, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO messages (org_id, request_id, direction, author_kind, author_id, body, body_html, subject,
             mail_message_id, send_status, scheduled_for, sent_at, sentiment, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        params![
            m.org_id, m.request_id, Word(m.direction.as_str()), m.author.kind(), m.author.id(), m.body, m.body_html,
            m.subject, m.mail_message_id, m.send_status.map(|s| Word(s.as_str())), m.scheduled_for, m.sent_at,
            m.sentiment, m.created_at
        ],
    )?;
    let mut out = m.clone();
    out.id = MessageId(id);
    Ok(out)
}

pub fn get(db: &mut Db<'_>, org: OrgId, id: MessageId) -> Result<Message, StoreError> {
    from_row(&db.query_one(
        &format!("SELECT {COLUMNS} FROM messages WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

/// The thread of a request, oldest first. `include_notes: false` for client-facing views.
pub fn list_for_request(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    include_notes: bool,
    after_id: Option<i64>,
    limit: usize,
) -> Result<Page<Message>, StoreError> {
    let mut f = Filter::new(org);
    f.and("request_id = {}", Param::Int(request.0));
    if !include_notes {
        f.and_raw("direction <> 'note'");
    }
    if let Some(a) = after_id {
        f.and("id > {}", Param::Int(a));
    }
    let limit = limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {COLUMNS} FROM messages WHERE {} ORDER BY id LIMIT {}",
        f.sql(),
        limit + 1
    );
    let rows = db.query_map(&sql, &f.params(), from_row)?;
    Ok(Page::from_rows(rows, limit, |m| (m.id.0, m.id.0)))
}

/// The newest message of a request's thread (`include_notes: false` for client-facing views),
/// `None` when it has none: what a composer was written against.
pub fn last_id(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    include_notes: bool,
) -> Result<Option<MessageId>, StoreError> {
    let notes = if include_notes {
        ""
    } else {
        " AND direction <> 'note'"
    };
    let id: Option<i64> = db.scalar(
        &format!(
            "SELECT MAX(id) AS last_id FROM messages WHERE org_id = $1 AND request_id = $2{notes}"
        ),
        params![org, request],
    )?;
    Ok(id.map(MessageId))
}
