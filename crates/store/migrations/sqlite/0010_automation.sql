-- Working fast: canned replies, rules, webhooks and their delivery log, merged-request
-- redirects and calendar-feed tokens.

-- Saved replies with {{variables}}; optional side effects when applied.
CREATE TABLE canned_replies (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    set_status TEXT,
    set_priority TEXT,
    add_tags TEXT NOT NULL,
    assignee_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, name),
    FOREIGN KEY (org_id) REFERENCES orgs (id),
    FOREIGN KEY (org_id, assignee_id) REFERENCES members (org_id, id)
);

-- "When <event> and <conditions> then <actions>". Conditions and actions are JSON.
CREATE TABLE rules (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    event TEXT NOT NULL,
    conditions TEXT NOT NULL,
    actions TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, name),
    FOREIGN KEY (org_id) REFERENCES orgs (id)
);
CREATE INDEX rules_event ON rules (org_id, event, id);

-- Subscriptions: events are a JSON list; the signing secret is sealed (RAPPORT_SECRET_KEY).
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id) REFERENCES orgs (id)
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    webhook_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    delivered_at INTEGER,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, webhook_id) REFERENCES webhooks (org_id, id)
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (org_id, webhook_id, id);

-- A request merged into another: its old id keeps answering with the surviving one.
CREATE TABLE request_redirects (
    org_id INTEGER NOT NULL,
    from_request_id INTEGER NOT NULL,
    to_request_id INTEGER NOT NULL,
    merged_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, from_request_id),
    FOREIGN KEY (org_id, from_request_id) REFERENCES requests (org_id, id),
    FOREIGN KEY (org_id, to_request_id) REFERENCES requests (org_id, id)
) WITHOUT ROWID;

-- Secret iCalendar feed URLs of a member or a client; only the token's SHA-256 is kept.
CREATE TABLE calendar_feeds (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('member', 'client')),
    subject_id INTEGER NOT NULL,
    token_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    UNIQUE (org_id, id),
    UNIQUE (org_id, token_hash),
    FOREIGN KEY (org_id) REFERENCES orgs (id)
);
