-- Rapport schema v1 (SQLite).
-- Conventions: every table carries org_id and every index and unique key starts with it, so
-- the schema can later be distributed by org. Instants are INTEGER milliseconds (UTC), words
-- are TEXT, structured values are JSON TEXT. Composite foreign keys (org_id, x_id) make a
-- reference to another org's row impossible at the database level.

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'agent')),
    tz TEXT NOT NULL,
    working_hours TEXT NOT NULL,
    weekly_capacity_minutes INTEGER NOT NULL CHECK (weekly_capacity_minutes >= 0),
    active INTEGER NOT NULL DEFAULT 1,
    password_hash TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, email)
);

CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    name TEXT NOT NULL,
    locale TEXT NOT NULL,
    calendar TEXT NOT NULL,
    etiquette TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, name)
);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT,
    etiquette TEXT NOT NULL,
    portal_password_hash TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, client_id, id),
    UNIQUE (org_id, email),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id)
);

CREATE TABLE engagements (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'closed')),
    manager_id INTEGER,
    brief TEXT NOT NULL,
    brief_version INTEGER NOT NULL,
    currency TEXT NOT NULL,
    hourly_rate_minor INTEGER CHECK (hourly_rate_minor >= 0),
    budget_minutes INTEGER CHECK (budget_minutes >= 0),
    budget_fee_minor INTEGER CHECK (budget_fee_minor >= 0),
    starts_on TEXT,
    ends_on TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, client_id, id),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id),
    FOREIGN KEY (org_id, manager_id) REFERENCES members (org_id, id)
);

CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    engagement_id INTEGER,
    contact_id INTEGER,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('feature', 'data', 'bug', 'question', 'complaint', 'other')),
    priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status TEXT NOT NULL CHECK (status IN ('new', 'triaged', 'in_progress', 'waiting_on_client', 'delivered', 'closed')),
    assignee_id INTEGER,
    estimate_minutes INTEGER CHECK (estimate_minutes >= 0),
    spent_minutes INTEGER NOT NULL DEFAULT 0,
    channel TEXT NOT NULL,
    tags TEXT NOT NULL,
    due_at INTEGER,
    quick INTEGER NOT NULL DEFAULT 0,
    scope TEXT,
    scope_verdict TEXT,
    created_by_kind TEXT NOT NULL,
    created_by_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    first_response_at INTEGER,
    last_inbound_at INTEGER,
    last_outbound_at INTEGER,
    delivered_at INTEGER,
    closed_at INTEGER,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id),
    FOREIGN KEY (org_id, client_id, engagement_id) REFERENCES engagements (org_id, client_id, id),
    FOREIGN KEY (org_id, client_id, contact_id) REFERENCES contacts (org_id, client_id, id),
    FOREIGN KEY (org_id, assignee_id) REFERENCES members (org_id, id)
);
CREATE INDEX requests_status ON requests (org_id, status, id);
CREATE INDEX requests_client ON requests (org_id, client_id, id);
CREATE INDEX requests_engagement ON requests (org_id, engagement_id, id);
CREATE INDEX requests_assignee ON requests (org_id, assignee_id, status, id);
CREATE INDEX requests_kind ON requests (org_id, kind, id);
CREATE INDEX requests_due ON requests (org_id, due_at) WHERE due_at IS NOT NULL;

CREATE TABLE request_tags (
    org_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (org_id, tag, request_id),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX request_tags_request ON request_tags (org_id, request_id);

-- Full-text search over requests: external content, kept current by triggers in the same
-- transaction as the write.
CREATE VIRTUAL TABLE requests_fts USING fts5 (
    title, body, tags,
    content = 'requests', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER requests_fts_insert AFTER INSERT ON requests BEGIN
    INSERT INTO requests_fts (rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags);
END;
CREATE TRIGGER requests_fts_delete AFTER DELETE ON requests BEGIN
    INSERT INTO requests_fts (requests_fts, rowid, title, body, tags)
    VALUES ('delete', old.id, old.title, old.body, old.tags);
END;
CREATE TRIGGER requests_fts_update AFTER UPDATE OF title, body, tags ON requests BEGIN
    INSERT INTO requests_fts (requests_fts, rowid, title, body, tags)
    VALUES ('delete', old.id, old.title, old.body, old.tags);
    INSERT INTO requests_fts (rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags);
END;

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound', 'note')),
    author_kind TEXT NOT NULL,
    author_id INTEGER,
    body TEXT NOT NULL,
    body_html TEXT,
    subject TEXT,
    mail_message_id TEXT,
    send_status TEXT CHECK (send_status IN ('queued', 'scheduled', 'sent', 'failed')),
    scheduled_for INTEGER,
    sent_at INTEGER,
    sentiment REAL,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id)
);
CREATE INDEX messages_request ON messages (org_id, request_id, id);
CREATE UNIQUE INDEX messages_mail_id ON messages (org_id, mail_message_id) WHERE mail_message_id IS NOT NULL;

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    body,
    content = 'messages', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;

CREATE TABLE promises (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    request_id INTEGER,
    contact_id INTEGER,
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'proposal', 'delivery', 'call', 'other')),
    description TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    made_by INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'kept', 'broken', 'renegotiated')),
    kept_at INTEGER,
    broken_at INTEGER,
    margin_minutes INTEGER,
    renegotiations INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id),
    FOREIGN KEY (org_id, client_id, contact_id) REFERENCES contacts (org_id, client_id, id),
    FOREIGN KEY (org_id, made_by) REFERENCES members (org_id, id)
);
CREATE INDEX promises_status_due ON promises (org_id, status, due_at);
CREATE INDEX promises_client ON promises (org_id, client_id, id);
CREATE INDEX promises_request ON promises (org_id, request_id);
CREATE INDEX promises_member ON promises (org_id, made_by, id);

CREATE TABLE promise_changes (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    promise_id INTEGER NOT NULL,
    old_due_at INTEGER NOT NULL,
    new_due_at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    changed_by INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    FOREIGN KEY (org_id, promise_id) REFERENCES promises (org_id, id)
);
CREATE INDEX promise_changes_promise ON promise_changes (org_id, promise_id, id);

CREATE TABLE change_orders (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    engagement_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    estimate_minutes INTEGER NOT NULL CHECK (estimate_minutes >= 0),
    rate_minor INTEGER NOT NULL CHECK (rate_minor >= 0),
    price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'approved', 'declined', 'withdrawn')),
    created_by_kind TEXT NOT NULL,
    created_by_id INTEGER,
    sent_at INTEGER,
    decided_at INTEGER,
    decided_by INTEGER,
    decision_note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, client_id, engagement_id) REFERENCES engagements (org_id, client_id, id),
    FOREIGN KEY (org_id, client_id, decided_by) REFERENCES contacts (org_id, client_id, id)
);
CREATE INDEX change_orders_engagement ON change_orders (org_id, engagement_id, id);
CREATE INDEX change_orders_status ON change_orders (org_id, status, id);

CREATE TABLE change_order_requests (
    org_id INTEGER NOT NULL,
    change_order_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    PRIMARY KEY (org_id, change_order_id, request_id),
    FOREIGN KEY (org_id, change_order_id) REFERENCES change_orders (org_id, id),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id)
) WITHOUT ROWID;
CREATE INDEX change_order_requests_request ON change_order_requests (org_id, request_id);

CREATE TABLE ratings (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('client', 'team')),
    contact_id INTEGER,
    member_id INTEGER,
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id),
    FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id)
);
CREATE INDEX ratings_request ON ratings (org_id, request_id);
CREATE UNIQUE INDEX ratings_one_per_contact ON ratings (org_id, request_id, contact_id) WHERE source = 'client';
CREATE UNIQUE INDEX ratings_one_per_team ON ratings (org_id, request_id) WHERE source = 'team';

CREATE TABLE time_entries (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    client_id INTEGER,
    engagement_id INTEGER,
    request_id INTEGER,
    started_at INTEGER NOT NULL,
    minutes INTEGER NOT NULL CHECK (minutes > 0),
    billable INTEGER NOT NULL,
    note TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id),
    FOREIGN KEY (org_id, engagement_id) REFERENCES engagements (org_id, id),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id)
);
CREATE INDEX time_entries_member ON time_entries (org_id, member_id, started_at);
CREATE INDEX time_entries_request ON time_entries (org_id, request_id);
CREATE INDEX time_entries_engagement ON time_entries (org_id, engagement_id, started_at);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id INTEGER,
    action TEXT NOT NULL,
    target_kind TEXT,
    target_id INTEGER,
    ip TEXT,
    details TEXT NOT NULL,
    FOREIGN KEY (org_id) REFERENCES orgs (id)
);
CREATE INDEX audit_events_org ON audit_events (org_id, id);
CREATE INDEX audit_events_target ON audit_events (org_id, target_kind, target_id, id);
-- Append-only: the trail cannot be edited or deleted, whatever the caller.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    token_hash TEXT NOT NULL,
    member_id INTEGER,
    contact_id INTEGER,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip TEXT,
    UNIQUE (org_id, token_hash),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id),
    FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id),
    CHECK ((member_id IS NULL) <> (contact_id IS NULL))
);
CREATE INDEX sessions_member ON sessions (org_id, member_id);
CREATE INDEX sessions_contact ON sessions (org_id, contact_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER,
    UNIQUE (org_id, token_hash),
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id)
);
CREATE INDEX api_tokens_member ON api_tokens (org_id, member_id);
