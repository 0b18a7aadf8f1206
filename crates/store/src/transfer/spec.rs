//! What an export holds: every table of an org, in an order that satisfies the foreign keys,
//! with what each column is, so rows can move between engines and be given new ids.
//!
//! A table added to the schema must be added here (or to [`EXCLUDED`] with the reason): a test
//! compares this list with the live schema of both engines.

/// How a column refers to another row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    /// The column holds an id of this table.
    Table(&'static str),
    /// The column holds an id whose table is named by a kind column (`member`, `contact`, ...).
    Kind(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    pub name: &'static str,
    /// Every column, in export order. `org_id` is always one of them.
    pub columns: &'static [&'static str],
    /// Whether the table has its own `id` (an identity on PostgreSQL).
    pub has_id: bool,
    /// The columns that order the rows (and page through them).
    pub key: &'static [&'static str],
    /// Booleans: integers on SQLite, `BOOLEAN` on PostgreSQL; `true`/`false` in the export.
    pub booleans: &'static [&'static str],
    /// Columns holding ids of other rows (besides `org_id`).
    pub refs: &'static [(&'static str, Ref)],
    /// JSON text columns whose ids (keys named `<entity>_id`, and `{kind, id}` actors) are
    /// rewritten when ids are remapped.
    pub json_with_ids: &'static [&'static str],
}

/// Tables deliberately left out of an export, and why.
pub const EXCLUDED: &[(&str, &str)] = &[
    (
        "sessions",
        "sign-ins are ephemeral: people sign in again after a move",
    ),
    (
        "schema_migrations",
        "the target database has its own; the export records the version",
    ),
    ("orgs", "the org itself travels in the export's header line"),
    (
        "rate_limits",
        "sign-in counters for a window of minutes; some are per IP, not per org (org_id 0)",
    ),
    (
        "idempotency_keys",
        "answers kept for clients retrying a POST within hours; a retry after a move runs again",
    ),
    (
        "one_time_links",
        "password-reset, portal sign-in and portal invitation links: short-lived secrets, each naming the source \
         org's id in its token; people ask for a new link after a move",
    ),
    (
        "import_holds",
        "files a dry run checked, held a day for the member to apply: a moved org checks them again",
    ),
    (
        "request_presence",
        "who had a request open in the last half minute: stale by the time an export lands",
    ),
    (
        "outbox",
        "system mail (reset and sign-in links): sent mail is spent, and a queued one carries a \
         one-time link that stays behind, so sending it from the target would mail a dead link",
    ),
];

/// Columns whose names look like references (`*_id`, `*_by`) but hold text of another kind.
pub const NOT_IDS: &[&str] = &[
    "messages.mail_message_id",     // a mail header
    "jobs.locked_by",               // a worker's name
    "triage.mail_message_id",       // a mail header
    "attachments.content_id",       // a MIME Content-ID
    "mail_anchors.mail_message_id", // a mail header
];

/// Derived tables rebuilt by the target database from the rows: the full-text indexes, and the
/// kept aggregates (migration 0025), which its triggers count as the promises and ratings land.
pub const DERIVED: &[&str] = &[
    "requests_fts",
    "messages_fts",
    "promise_tallies",
    "promise_margins",
    "rating_pairs",
];

/// The kinds that polymorphic columns (`actor_kind`, `target_kind`, `author_kind`, ...) name,
/// and the table each one's id belongs to. `system` carries no id.
pub const KINDS: &[(&str, &str)] = &[
    ("org", "orgs"),
    ("member", "members"),
    ("client", "clients"),
    ("contact", "contacts"),
    ("engagement", "engagements"),
    ("request", "requests"),
    ("message", "messages"),
    ("promise", "promises"),
    ("change_order", "change_orders"),
    ("rating", "ratings"),
    ("time_entry", "time_entries"),
    ("token", "api_tokens"),
    ("api_token", "api_tokens"),
    ("job", "jobs"),
    ("alert", "alerts"),
    ("rating_invitation", "rating_invitations"),
    ("scope_override", "scope_overrides"),
    ("canned_reply", "canned_replies"),
    ("rule", "rules"),
    ("webhook", "webhooks"),
    ("webhook_delivery", "webhook_deliveries"),
    ("calendar_feed", "calendar_feeds"),
    ("mailbox", "mailboxes"),
    ("triage", "triage"),
    ("attachment", "attachments"),
    ("absence", "member_absences"),
    ("notification", "notifications"),
];

/// The table of a kind word, if it names rows of ours.
pub fn kind_table(kind: &str) -> Option<&'static str> {
    KINDS.iter().find(|(k, _)| *k == kind).map(|(_, t)| *t)
}

/// JSON keys that name ids (in audit details, job payloads, alert details): `request_id` and
/// friends, plus the roles a member plays.
pub fn json_key_table(key: &str) -> Option<&'static str> {
    match key {
        "assignee_id" | "manager_id" | "recipient_id" | "made_by" | "acknowledged_by"
        | "changed_by" | "confirmed_by" => Some("members"),
        // An engagement's team in its audit rows: the whole team, and who joined or left.
        "team" | "team_added" | "team_removed" => Some("members"),
        "decided_by" => Some("contacts"),
        "invitation_id" => Some("rating_invitations"),
        "override_id" => Some("scope_overrides"),
        // Lists: `request_ids`, `change_order_ids`, `message_ids`.
        _ => key
            .strip_suffix("_id")
            .or_else(|| key.strip_suffix("_ids"))
            .and_then(kind_table),
    }
}

use Ref::{Kind, Table};

/// Every exported table, parents before children.
#[rustfmt::skip]
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "members",
        columns: &[
            "id", "org_id", "email", "name", "role", "tz", "working_hours", "weekly_capacity_minutes", "active",
            "password_hash", "created_at", "updated_at", "totp_secret", "totp_enabled", "totp_last_step",
            "holidays", "holiday_countries", "signature",
        ],
        has_id: true,
        key: &["id"],
        // `totp_secret` is sealed with the server's RAPPORT_SECRET_KEY: it travels as it is and
        // opens only where the same key is set (elsewhere members with TOTP on cannot sign in).
        booleans: &["active", "totp_enabled"],
        refs: &[],
        json_with_ids: &[],
    },
    TableSpec {
        name: "member_absences",
        columns: &["id", "org_id", "member_id", "starts_on", "ends_on", "note", "created_by", "created_at"],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[("member_id", Table("members")), ("created_by", Table("members"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "mailboxes",
        columns: &[
            "id", "org_id", "name", "kind", "host", "port", "tls", "username", "password_sealed", "folder",
            "processed_action", "move_to", "poll_seconds", "active", "uidvalidity", "last_uid", "status",
            "last_error", "last_ok_at", "failing_since", "last_alert_at", "imported", "created_at", "updated_at",
        ],
        has_id: true,
        key: &["id"],
        // `password_sealed` is sealed with RAPPORT_SECRET_KEY: like TOTP secrets it travels as it
        // is and opens only where the same key is set.
        booleans: &["active"],
        refs: &[],
        json_with_ids: &[],
    },
    TableSpec {
        name: "clients",
        columns: &["id", "org_id", "name", "locale", "calendar", "etiquette", "notes", "created_at", "updated_at"],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[],
        json_with_ids: &[],
    },
    TableSpec {
        name: "contacts",
        columns: &[
            "id", "org_id", "client_id", "name", "email", "phone", "etiquette", "portal_password_hash", "created_at",
            "updated_at", "portal_enabled", "role",
        ],
        has_id: true,
        key: &["id"],
        booleans: &["portal_enabled"],
        refs: &[("client_id", Table("clients"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "engagements",
        columns: &[
            "id", "org_id", "client_id", "name", "status", "manager_id", "brief", "brief_version", "currency",
            "hourly_rate_minor", "budget_minutes", "budget_fee_minor", "starts_on", "ends_on", "created_at",
            "updated_at", "sla_policy", "silence_policy", "calendar",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[("client_id", Table("clients")), ("manager_id", Table("members"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "engagement_team",
        columns: &["org_id", "engagement_id", "member_id", "added_at"],
        has_id: false,
        key: &["engagement_id", "member_id"],
        booleans: &[],
        refs: &[("engagement_id", Table("engagements")), ("member_id", Table("members"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "assign_defaults",
        columns: &["org_id", "auto_assign", "updated_at"],
        has_id: false,
        key: &["org_id"],
        booleans: &["auto_assign"],
        refs: &[],
        json_with_ids: &[],
    },
    TableSpec {
        name: "engagement_assign",
        columns: &["org_id", "engagement_id", "auto_assign", "updated_at"],
        has_id: false,
        key: &["engagement_id"],
        booleans: &["auto_assign"],
        refs: &[("engagement_id", Table("engagements"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "assign_turns",
        columns: &["org_id", "member_id", "turn"],
        has_id: false,
        key: &["member_id"],
        booleans: &[],
        refs: &[("member_id", Table("members"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "requests",
        columns: &[
            "id", "org_id", "client_id", "engagement_id", "contact_id", "title", "body", "kind", "priority", "status",
            "assignee_id", "estimate_minutes", "spent_minutes", "channel", "tags", "due_at", "quick", "scope",
            "scope_verdict", "created_by_kind", "created_by_id", "created_at", "updated_at", "first_response_at",
            "last_inbound_at", "last_outbound_at", "delivered_at", "closed_at", "sla_due_at", "sla_state",
            "sla_alerted",
        ],
        has_id: true,
        key: &["id"],
        booleans: &["quick"],
        refs: &[
            ("client_id", Table("clients")),
            ("engagement_id", Table("engagements")),
            ("contact_id", Table("contacts")),
            ("assignee_id", Table("members")),
            ("created_by_id", Kind("created_by_kind")),
        ],
        json_with_ids: &["scope"],
    },
    TableSpec {
        name: "request_tags",
        columns: &["org_id", "request_id", "tag"],
        has_id: false,
        key: &["request_id", "tag"],
        booleans: &[],
        refs: &[("request_id", Table("requests"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "request_snoozes",
        columns: &[
            "org_id",
            "request_id",
            "until_at",
            "until_client_writes",
            "snoozed_by",
            "snoozed_at",
        ],
        has_id: false,
        key: &["request_id"],
        booleans: &["until_client_writes"],
        refs: &[
            ("request_id", Table("requests")),
            ("snoozed_by", Table("members")),
        ],
        json_with_ids: &[],
    },
    TableSpec {
        name: "request_status_log",
        columns: &["id", "org_id", "request_id", "at", "status"],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[("request_id", Table("requests"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "request_care",
        columns: &[
            "org_id", "request_id", "body_sentiment", "last_inbound_sentiment", "complaint", "complaint_reason",
            "complaint_at", "updated_at", "complaint_cues", "complaint_counted",
        ],
        has_id: false,
        key: &["request_id"],
        booleans: &["complaint", "complaint_counted"],
        refs: &[("request_id", Table("requests"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "scope_confirmations",
        columns: &[
            "org_id", "request_id", "client_id", "engagement_id", "check_verdict", "person_verdict",
            "brief_version", "confirmed_by", "reason", "confirmed_at",
        ],
        has_id: false,
        key: &["request_id"],
        booleans: &[],
        refs: &[
            ("request_id", Table("requests")),
            ("client_id", Table("clients")),
            ("engagement_id", Table("engagements")),
            ("confirmed_by", Table("members")),
        ],
        json_with_ids: &[],
    },
    TableSpec {
        name: "messages",
        columns: &[
            "id", "org_id", "request_id", "direction", "author_kind", "author_id", "body", "body_html", "subject",
            "mail_message_id", "send_status", "scheduled_for", "sent_at", "sentiment", "created_at",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[("request_id", Table("requests")), ("author_id", Kind("author_kind"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "mail_policies",
        columns: &["org_id", "require_authentication", "trusted_authserv", "updated_at"],
        has_id: false,
        key: &["org_id"],
        booleans: &["require_authentication"],
        refs: &[],
        json_with_ids: &[],
    },
    TableSpec {
        name: "mail_meta",
        columns: &[
            "org_id", "message_id", "source", "mailbox_id", "from_address", "in_reply_to", "mail_references",
            "auto_submitted", "auto_reason", "raw_html", "warnings", "send_attempts", "send_error",
            "auth_results",
        ],
        has_id: false,
        key: &["message_id"],
        booleans: &["auto_submitted"],
        refs: &[("message_id", Table("messages")), ("mailbox_id", Table("mailboxes"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "attachments",
        columns: &[
            "id", "org_id", "message_id", "filename", "content_type", "size", "sha256", "inline", "content_id",
            "data", "created_at",
        ],
        has_id: true,
        key: &["id"],
        booleans: &["inline"],
        refs: &[("message_id", Table("messages"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "triage",
        columns: &[
            "id", "org_id", "reason", "detail", "source", "mailbox_id", "mail_message_id", "from_address",
            "subject", "size", "raw", "raw_complete", "status", "received_at", "resolved_by", "resolved_at",
            "request_id",
        ],
        has_id: true,
        key: &["id"],
        booleans: &["raw_complete"],
        refs: &[
            ("mailbox_id", Table("mailboxes")),
            ("resolved_by", Table("members")),
            ("request_id", Table("requests")),
        ],
        json_with_ids: &[],
    },
    TableSpec {
        name: "promises",
        columns: &[
            "id", "org_id", "client_id", "request_id", "contact_id", "kind", "description", "due_at", "made_by",
            "status", "kept_at", "broken_at", "margin_minutes", "renegotiations", "created_at", "updated_at",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[
            ("client_id", Table("clients")),
            ("request_id", Table("requests")),
            ("contact_id", Table("contacts")),
            ("made_by", Table("members")),
        ],
        json_with_ids: &[],
    },
    TableSpec {
        name: "promise_changes",
        columns: &[
            "id", "org_id", "promise_id", "old_due_at", "new_due_at", "reason", "changed_by", "changed_at",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[("promise_id", Table("promises")), ("changed_by", Table("members"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "change_orders",
        columns: &[
            "id", "org_id", "engagement_id", "client_id", "title", "description", "estimate_minutes", "rate_minor",
            "price_minor", "currency", "status", "created_by_kind", "created_by_id", "sent_at", "decided_at",
            "decided_by", "decision_note", "created_at", "updated_at", "decided_by_name",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[
            ("engagement_id", Table("engagements")),
            ("client_id", Table("clients")),
            ("created_by_id", Kind("created_by_kind")),
            ("decided_by", Table("contacts")),
        ],
        json_with_ids: &[],
    },
    TableSpec {
        name: "change_order_requests",
        columns: &["org_id", "change_order_id", "request_id"],
        has_id: false,
        key: &["change_order_id", "request_id"],
        booleans: &[],
        refs: &[("change_order_id", Table("change_orders")), ("request_id", Table("requests"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "scope_overrides",
        columns: &[
            "id", "org_id", "request_id", "change_order_id", "client_id", "engagement_id", "member_id", "reason",
            "created_at",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[
            ("request_id", Table("requests")),
            ("change_order_id", Table("change_orders")),
            ("client_id", Table("clients")),
            ("engagement_id", Table("engagements")),
            ("member_id", Table("members")),
        ],
        json_with_ids: &[],
    },
    TableSpec {
        name: "ratings",
        columns: &[
            "id", "org_id", "request_id", "source", "contact_id", "member_id", "score", "comment", "created_at",
            "client_id",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[
            ("request_id", Table("requests")),
            ("contact_id", Table("contacts")),
            ("member_id", Table("members")),
            ("client_id", Table("clients")),
        ],
        json_with_ids: &[],
    },
    TableSpec {
        // Only the token's hash is kept; the link in the invitation's message names the source
        // org's id, so it works after a move only when the ids were kept.
        name: "rating_invitations",
        columns: &[
            "id", "org_id", "request_id", "contact_id", "token_hash", "message_id", "created_at", "expires_at",
            "used_at",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[
            ("request_id", Table("requests")),
            ("contact_id", Table("contacts")),
            ("message_id", Table("messages")),
        ],
        json_with_ids: &[],
    },
    TableSpec {
        name: "perception_flags",
        columns: &["org_id", "subject_kind", "subject_id", "flagged", "changed_at"],
        has_id: false,
        key: &["subject_kind", "subject_id"],
        booleans: &["flagged"],
        refs: &[("subject_id", Kind("subject_kind"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "client_health",
        columns: &["org_id", "client_id", "score", "reasons", "computed_at"],
        has_id: false,
        key: &["client_id"],
        booleans: &[],
        refs: &[("client_id", Table("clients"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "client_health_history",
        columns: &["org_id", "client_id", "date", "score", "reasons", "computed_at"],
        has_id: false,
        key: &["client_id", "date"],
        booleans: &[],
        refs: &[("client_id", Table("clients"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "time_entries",
        columns: &[
            "id", "org_id", "member_id", "client_id", "engagement_id", "request_id", "started_at", "minutes",
            "billable", "note", "created_at",
        ],
        has_id: true,
        key: &["id"],
        booleans: &["billable"],
        refs: &[
            ("member_id", Table("members")),
            ("client_id", Table("clients")),
            ("engagement_id", Table("engagements")),
            ("request_id", Table("requests")),
        ],
        json_with_ids: &[],
    },
    TableSpec {
        name: "canned_replies",
        columns: &[
            "id", "org_id", "name", "body", "set_status", "set_priority", "add_tags", "assignee_id", "created_at",
            "updated_at",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[("assignee_id", Table("members"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "webhooks",
        columns: &["id", "org_id", "url", "events", "secret_sealed", "enabled", "created_at", "updated_at"],
        has_id: true,
        key: &["id"],
        // `secret_sealed` is sealed with RAPPORT_SECRET_KEY, like members.totp_secret.
        booleans: &["enabled"],
        refs: &[],
        json_with_ids: &[],
    },
    TableSpec {
        name: "rules",
        columns: &["id", "org_id", "name", "event", "conditions", "actions", "enabled", "created_at", "updated_at"],
        has_id: true,
        key: &["id"],
        booleans: &["enabled"],
        refs: &[],
        // `client_id` in conditions; `assignee_id`, `canned_reply_id`, `webhook_id` in actions.
        json_with_ids: &["conditions", "actions"],
    },
    TableSpec {
        name: "webhook_deliveries",
        columns: &[
            "id", "org_id", "webhook_id", "event", "payload", "status", "attempts", "last_status_code", "last_error",
            "created_at", "updated_at", "delivered_at",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[("webhook_id", Table("webhooks"))],
        // The payload is what was sent, kept as sent.
        json_with_ids: &[],
    },
    TableSpec {
        name: "request_redirects",
        columns: &["org_id", "from_request_id", "to_request_id", "merged_at"],
        has_id: false,
        key: &["from_request_id"],
        booleans: &[],
        refs: &[("from_request_id", Table("requests")), ("to_request_id", Table("requests"))],
        json_with_ids: &[],
    },
    TableSpec {
        // Message-IDs named but not yet seen: after a move, the missing message still joins
        // the request that named it.
        name: "mail_anchors",
        columns: &["org_id", "mail_message_id", "request_id", "client_id", "created_at"],
        has_id: false,
        key: &["mail_message_id"],
        booleans: &[],
        refs: &[("request_id", Table("requests")), ("client_id", Table("clients"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "calendar_feeds",
        columns: &["id", "org_id", "subject_kind", "subject_id", "token_hash", "created_at", "revoked_at"],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[("subject_id", Kind("subject_kind"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "api_tokens",
        columns: &[
            "id", "org_id", "member_id", "name", "token_hash", "created_at", "last_used_at", "revoked_at",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[("member_id", Table("members"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "jobs",
        columns: &[
            "id", "org_id", "kind", "payload", "status", "run_at", "attempts", "max_attempts", "locked_by",
            "locked_until", "last_error", "dedupe_key", "created_at", "updated_at", "finished_at",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[],
        json_with_ids: &["payload"],
    },
    TableSpec {
        name: "alerts",
        columns: &[
            "id", "org_id", "kind", "severity", "subject_kind", "subject_id", "message", "details", "recipient_id",
            "status", "dedupe_key", "created_at", "updated_at", "acknowledged_by", "resolved_at",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[
            ("subject_id", Kind("subject_kind")),
            ("recipient_id", Table("members")),
            ("acknowledged_by", Table("members")),
        ],
        json_with_ids: &["details"],
    },
    TableSpec {
        name: "notifications",
        columns: &[
            "id", "org_id", "member_id", "kind", "request_id", "subject_kind", "subject_id", "message", "actor_id",
            "created_at", "read_at", "email", "emailed_at",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[
            ("member_id", Table("members")),
            ("request_id", Table("requests")),
            ("subject_id", Kind("subject_kind")),
            ("actor_id", Table("members")),
        ],
        json_with_ids: &[],
    },
    TableSpec {
        name: "notification_settings",
        columns: &["org_id", "member_id", "email", "updated_at"],
        has_id: false,
        key: &["member_id"],
        booleans: &[],
        refs: &[("member_id", Table("members"))],
        json_with_ids: &[],
    },
    TableSpec {
        name: "audit_events",
        columns: &[
            "id", "org_id", "at", "actor_kind", "actor_id", "action", "target_kind", "target_id", "ip", "details",
        ],
        has_id: true,
        key: &["id"],
        booleans: &[],
        refs: &[("actor_id", Kind("actor_kind")), ("target_id", Kind("target_kind"))],
        json_with_ids: &["details"],
    },
];

pub fn table(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_come_before_children() {
        for (i, t) in TABLES.iter().enumerate() {
            for (col, r) in t.refs {
                assert!(t.columns.contains(col), "{}.{col} is not a column", t.name);
                match r {
                    Ref::Table(parent) => {
                        let p = TABLES.iter().position(|x| x.name == *parent).unwrap();
                        assert!(p < i || *parent == t.name, "{} before {parent}", t.name);
                    }
                    Ref::Kind(kind_col) => {
                        assert!(t.columns.contains(kind_col), "{}.{kind_col}", t.name);
                    }
                }
            }
            for c in t.key.iter().chain(t.booleans).chain(t.json_with_ids) {
                assert!(t.columns.contains(c), "{}.{c} is not a column", t.name);
            }
            assert!(t.columns.contains(&"org_id"), "{} has org_id", t.name);
            assert_eq!(t.has_id, t.columns.contains(&"id"), "{}", t.name);
        }
        for (_, table) in KINDS {
            assert!(*table == "orgs" || super::table(table).is_some(), "{table}");
        }
    }
}
