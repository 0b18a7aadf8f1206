//! Canned replies, rules, webhooks and the webhook delivery log.

use jiff::Timestamp;
use rapport_core::canned::{CannedReply, CannedReplyInput};
use rapport_core::ids::{CannedReplyId, OrgId, RuleId, WebhookDeliveryId, WebhookId};
use rapport_core::rule::{Event, Rule, RuleInput};
use rapport_core::webhook::{Delivery, DeliveryStatus, Webhook};

use crate::db::Db;
use crate::error::{StoreError, UniqueKey};
use crate::params;
use crate::repo::{Filter, Page};
use crate::value::{Json, Param, Row, Word};

// ---- canned replies ----

/// `UNIQUE (org_id, name)` of canned replies: picked by name in the composer.
pub const UNIQUE_CANNED_NAME: UniqueKey = UniqueKey {
    constraint: "canned_replies_org_id_name_key",
    columns: "canned_replies.org_id, canned_replies.name",
    field: "name",
    message: "a canned reply with this name already exists",
};

/// `UNIQUE (org_id, name)` of rules: named in the audit log and the rules list.
pub const UNIQUE_RULE_NAME: UniqueKey = UniqueKey {
    constraint: "rules_org_id_name_key",
    columns: "rules.org_id, rules.name",
    field: "name",
    message: "a rule with this name already exists",
};

const CANNED: &str = "id, org_id, name, body, set_status, set_priority, add_tags, assignee_id, created_at, updated_at";

fn canned_row(r: &Row) -> Result<CannedReply, StoreError> {
    Ok(CannedReply {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        name: r.get("name")?,
        body: r.get("body")?,
        set_status: r.word_opt("set_status")?,
        set_priority: r.word_opt("set_priority")?,
        add_tags: r.json("add_tags")?,
        assignee_id: r.get("assignee_id")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

pub fn insert_canned(
    db: &mut Db<'_>,
    org: OrgId,
    c: &CannedReplyInput,
    now: Timestamp,
) -> Result<CannedReply, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO canned_replies (org_id, name, body, set_status, set_priority, add_tags, assignee_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        params![
            org, c.name, c.body, c.set_status.map(|s| Word(s.as_str())), c.set_priority.map(|p| Word(p.as_str())),
            Json(&c.add_tags), c.assignee_id, now
        ],
    ).map_err(|e| e.on_unique(&[UNIQUE_CANNED_NAME]))?;
    get_canned(db, org, CannedReplyId(id))
}

pub fn update_canned(
    db: &mut Db<'_>,
    org: OrgId,
    id: CannedReplyId,
    c: &CannedReplyInput,
    now: Timestamp,
) -> Result<CannedReply, StoreError> {
    let n = db.execute(
        "UPDATE canned_replies SET name = $3, body = $4, set_status = $5, set_priority = $6, add_tags = $7,
             assignee_id = $8, updated_at = $9
         WHERE org_id = $1 AND id = $2",
        params![
            org, id, c.name, c.body, c.set_status.map(|s| Word(s.as_str())), c.set_priority.map(|p| Word(p.as_str())),
            Json(&c.add_tags), c.assignee_id, now
        ],
    ).map_err(|e| e.on_unique(&[UNIQUE_CANNED_NAME]))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    get_canned(db, org, id)
}

pub fn get_canned(
    db: &mut Db<'_>,
    org: OrgId,
    id: CannedReplyId,
) -> Result<CannedReply, StoreError> {
    canned_row(&db.query_one(
        &format!("SELECT {CANNED} FROM canned_replies WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

pub fn delete_canned(db: &mut Db<'_>, org: OrgId, id: CannedReplyId) -> Result<(), StoreError> {
    let n = db.execute(
        "DELETE FROM canned_replies WHERE org_id = $1 AND id = $2",
        params![org, id],
    )?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub fn list_canned(
    db: &mut Db<'_>,
    org: OrgId,
    after_id: Option<i64>,
    limit: usize,
) -> Result<Page<CannedReply>, StoreError> {
    let mut f = Filter::new(org);
    if let Some(a) = after_id {
        f.and("id > {}", Param::Int(a));
    }
    let limit = limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {CANNED} FROM canned_replies WHERE {} ORDER BY id LIMIT {}",
        f.sql(),
        limit + 1
    );
    let rows = db.query_map(&sql, &f.params(), canned_row)?;
    Ok(Page::from_rows(rows, limit, |c| (c.id.0, c.id.0)))
}

// ---- rules ----

const RULES: &str = "id, org_id, name, event, conditions, actions, enabled, created_at, updated_at";

fn rule_row(r: &Row) -> Result<Rule, StoreError> {
    Ok(Rule {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        name: r.get("name")?,
        event: r.word("event")?,
        conditions: r.json("conditions")?,
        actions: r.json("actions")?,
        enabled: r.get("enabled")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

pub fn insert_rule(
    db: &mut Db<'_>,
    org: OrgId,
    r: &RuleInput,
    now: Timestamp,
) -> Result<Rule, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO rules (org_id, name, event, conditions, actions, enabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        params![org, r.name, Word(r.event.as_str()), Json(&r.conditions), Json(&r.actions), r.enabled, now],
    ).map_err(|e| e.on_unique(&[UNIQUE_RULE_NAME]))?;
    get_rule(db, org, RuleId(id))
}

pub fn update_rule(
    db: &mut Db<'_>,
    org: OrgId,
    id: RuleId,
    r: &RuleInput,
    now: Timestamp,
) -> Result<Rule, StoreError> {
    let n = db.execute(
        "UPDATE rules SET name = $3, event = $4, conditions = $5, actions = $6, enabled = $7, updated_at = $8
         WHERE org_id = $1 AND id = $2",
        params![org, id, r.name, Word(r.event.as_str()), Json(&r.conditions), Json(&r.actions), r.enabled, now],
    ).map_err(|e| e.on_unique(&[UNIQUE_RULE_NAME]))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    get_rule(db, org, id)
}

pub fn get_rule(db: &mut Db<'_>, org: OrgId, id: RuleId) -> Result<Rule, StoreError> {
    rule_row(&db.query_one(
        &format!("SELECT {RULES} FROM rules WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

pub fn delete_rule(db: &mut Db<'_>, org: OrgId, id: RuleId) -> Result<(), StoreError> {
    let n = db.execute(
        "DELETE FROM rules WHERE org_id = $1 AND id = $2",
        params![org, id],
    )?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub fn list_rules(db: &mut Db<'_>, org: OrgId) -> Result<Vec<Rule>, StoreError> {
    db.query_map(
        &format!("SELECT {RULES} FROM rules WHERE org_id = $1 ORDER BY id"),
        params![org],
        rule_row,
    )
}

/// The enabled rules of one event.
pub fn rules_for(db: &mut Db<'_>, org: OrgId, event: Event) -> Result<Vec<Rule>, StoreError> {
    db.query_map(
        &format!("SELECT {RULES} FROM rules WHERE org_id = $1 AND event = $2 ORDER BY id"),
        params![org, Word(event.as_str())],
        rule_row,
    )
    .map(|rs| rs.into_iter().filter(|r: &Rule| r.enabled).collect())
}

/// Whether anything listens to events of this org (rules or webhooks): when nothing does, an
/// event costs one read.
pub fn anything_listens(db: &mut Db<'_>, org: OrgId) -> Result<bool, StoreError> {
    Ok(db
        .query_opt(
            "SELECT 1 FROM rules WHERE org_id = $1 UNION ALL SELECT 1 FROM webhooks WHERE org_id = $1 LIMIT 1",
            params![org],
        )?
        .is_some())
}

// ---- webhooks ----

const HOOKS: &str = "id, org_id, url, events, enabled, created_at, updated_at";

fn hook_row(r: &Row) -> Result<Webhook, StoreError> {
    Ok(Webhook {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        url: r.get("url")?,
        events: r.json("events")?,
        enabled: r.get("enabled")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

pub fn insert_webhook(
    db: &mut Db<'_>,
    org: OrgId,
    url: &str,
    events: &[Event],
    secret_sealed: &str,
    enabled: bool,
    now: Timestamp,
) -> Result<Webhook, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO webhooks (org_id, url, events, secret_sealed, enabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        params![org, url, Json(events), secret_sealed, enabled, now],
    )?;
    get_webhook(db, org, WebhookId(id))
}

pub fn get_webhook(db: &mut Db<'_>, org: OrgId, id: WebhookId) -> Result<Webhook, StoreError> {
    hook_row(&db.query_one(
        &format!("SELECT {HOOKS} FROM webhooks WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

/// The sealed signing secret of a webhook.
pub fn webhook_secret(db: &mut Db<'_>, org: OrgId, id: WebhookId) -> Result<String, StoreError> {
    db.scalar(
        "SELECT secret_sealed FROM webhooks WHERE org_id = $1 AND id = $2",
        params![org, id],
    )
}

pub fn set_webhook_enabled(
    db: &mut Db<'_>,
    org: OrgId,
    id: WebhookId,
    enabled: bool,
    now: Timestamp,
) -> Result<Webhook, StoreError> {
    let n = db.execute(
        "UPDATE webhooks SET enabled = $3, updated_at = $4 WHERE org_id = $1 AND id = $2",
        params![org, id, enabled, now],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    get_webhook(db, org, id)
}

pub fn list_webhooks(db: &mut Db<'_>, org: OrgId) -> Result<Vec<Webhook>, StoreError> {
    db.query_map(
        &format!("SELECT {HOOKS} FROM webhooks WHERE org_id = $1 ORDER BY id"),
        params![org],
        hook_row,
    )
}

// ---- deliveries ----

const DELIVERIES: &str = "id, org_id, webhook_id, event, payload, status, attempts, last_status_code, last_error, \
    created_at, updated_at, delivered_at";

fn delivery_row(r: &Row) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        webhook_id: r.get("webhook_id")?,
        event: r.get("event")?,
        payload: r.get("payload")?,
        status: r.word("status")?,
        attempts: r.get("attempts")?,
        last_status_code: r.get("last_status_code")?,
        last_error: r.get("last_error")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        delivered_at: r.get("delivered_at")?,
    })
}

pub fn insert_delivery(
    db: &mut Db<'_>,
    org: OrgId,
    webhook: WebhookId,
    event: &str,
    payload: &str,
    now: Timestamp,
) -> Result<WebhookDeliveryId, StoreError> {
    let id: i64 = db.scalar(
        "INSERT INTO webhook_deliveries (org_id, webhook_id, event, payload, status, attempts, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5) RETURNING id",
        params![org, webhook, event, payload, now],
    )?;
    Ok(WebhookDeliveryId(id))
}

pub fn get_delivery(
    db: &mut Db<'_>,
    org: OrgId,
    id: WebhookDeliveryId,
) -> Result<Delivery, StoreError> {
    delivery_row(&db.query_one(
        &format!("SELECT {DELIVERIES} FROM webhook_deliveries WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

/// Record one attempt: its HTTP status (if an answer came) or error, and the new status.
pub fn record_attempt(
    db: &mut Db<'_>,
    org: OrgId,
    id: WebhookDeliveryId,
    status: DeliveryStatus,
    code: Option<i64>,
    error: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let delivered = (status == DeliveryStatus::Delivered).then_some(now);
    db.execute(
        "UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, last_status_code = $4, last_error = $5,
             updated_at = $6, delivered_at = COALESCE(delivered_at, $7)
         WHERE org_id = $1 AND id = $2",
        params![org, id, Word(status.as_str()), code, error, now, delivered],
    )?;
    Ok(())
}

/// A webhook's deliveries, newest first.
pub fn list_deliveries(
    db: &mut Db<'_>,
    org: OrgId,
    webhook: WebhookId,
    before_id: Option<i64>,
    limit: usize,
) -> Result<Page<Delivery>, StoreError> {
    let mut f = Filter::new(org);
    f.and("webhook_id = {}", Param::Int(webhook.0));
    if let Some(b) = before_id {
        f.and("id < {}", Param::Int(b));
    }
    let limit = limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {DELIVERIES} FROM webhook_deliveries WHERE {} ORDER BY id DESC LIMIT {}",
        f.sql(),
        limit + 1
    );
    let rows = db.query_map(&sql, &f.params(), delivery_row)?;
    Ok(Page::from_rows(rows, limit, |d| (d.id.0, d.id.0)))
}

// ---- calendar feeds ----

/// A feed's id, subject and when it was made and revoked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Feed {
    pub id: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

fn feed_row(r: &Row) -> Result<Feed, StoreError> {
    Ok(Feed {
        id: r.get("id")?,
        subject_kind: r.get("subject_kind")?,
        subject_id: r.get("subject_id")?,
        created_at: r.get("created_at")?,
        revoked_at: r.get("revoked_at")?,
    })
}

pub fn insert_feed(
    db: &mut Db<'_>,
    org: OrgId,
    kind: &str,
    subject: i64,
    token_hash: &str,
    now: Timestamp,
) -> Result<Feed, StoreError> {
    let row = db.query_one(
        "INSERT INTO calendar_feeds (org_id, subject_kind, subject_id, token_hash, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id, subject_kind, subject_id, created_at, revoked_at",
        params![org, kind, subject, token_hash, now],
    )?;
    feed_row(&row)
}

pub fn list_feeds(db: &mut Db<'_>, org: OrgId) -> Result<Vec<Feed>, StoreError> {
    db.query_map(
        "SELECT id, subject_kind, subject_id, created_at, revoked_at FROM calendar_feeds WHERE org_id = $1 ORDER BY id",
        params![org],
        feed_row,
    )
}

pub fn get_feed(db: &mut Db<'_>, org: OrgId, id: i64) -> Result<Feed, StoreError> {
    feed_row(&db.query_one(
        "SELECT id, subject_kind, subject_id, created_at, revoked_at FROM calendar_feeds WHERE org_id = $1 AND id = $2",
        params![org, id],
    )?)
}

pub fn revoke_feed(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    Ok(db.execute(
        "UPDATE calendar_feeds SET revoked_at = $3 WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL",
        params![org, id, now],
    )? > 0)
}

/// The live feed with this token hash.
pub fn feed_by_token(
    db: &mut Db<'_>,
    org: OrgId,
    token_hash: &str,
) -> Result<Option<Feed>, StoreError> {
    db.query_opt(
        "SELECT id, subject_kind, subject_id, created_at, revoked_at FROM calendar_feeds
         WHERE org_id = $1 AND token_hash = $2 AND revoked_at IS NULL",
        params![org, token_hash],
    )?
    .map(|r| feed_row(&r))
    .transpose()
}

/// A deadline for a feed: (kind, id, due, title, client name, extra).
pub type Deadline = (String, i64, Timestamp, String, String, String);

/// Open promises and SLA deadlines of open requests: of a member (promises they made, requests
/// assigned to them) or of a client.
pub fn deadlines(
    db: &mut Db<'_>,
    org: OrgId,
    kind: &str,
    subject: i64,
) -> Result<Vec<Deadline>, StoreError> {
    let (p_col, r_col) = if kind == "member" {
        ("p.made_by", "r.assignee_id")
    } else {
        ("p.client_id", "r.client_id")
    };
    let mut out = db.query_map(
        &format!(
            "SELECT p.id, p.due_at, p.kind, p.description, c.name FROM promises p
             JOIN clients c ON c.org_id = p.org_id AND c.id = p.client_id
             WHERE p.org_id = $1 AND {p_col} = $2 AND p.status IN ('open', 'renegotiated') ORDER BY p.due_at, p.id"
        ),
        params![org, subject],
        |r| Ok(("promise".to_string(), r.get("id")?, r.get("due_at")?, r.get::<String>("kind")?, r.get("name")?, r.get("description")?)),
    )?;
    out.extend(db.query_map(
        &format!(
            "SELECT r.id, r.sla_due_at, r.title, c.name FROM requests r
             JOIN clients c ON c.org_id = r.org_id AND c.id = r.client_id
             WHERE r.org_id = $1 AND {r_col} = $2 AND r.sla_due_at IS NOT NULL
               AND r.status NOT IN ('delivered', 'closed') ORDER BY r.sla_due_at, r.id"
        ),
        params![org, subject],
        |r| {
            Ok((
                "sla".to_string(),
                r.get("id")?,
                r.get("sla_due_at")?,
                r.get::<String>("title")?,
                r.get("name")?,
                String::new(),
            ))
        },
    )?);
    Ok(out)
}
