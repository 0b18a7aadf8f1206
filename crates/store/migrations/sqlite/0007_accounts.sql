-- Accounts and abuse limits: system mail (password resets, sign-in links), sign-in rate-limit
-- counters (in the database, so every app server sees the same count), idempotency keys for
-- retried POSTs, one-time password-reset and sign-in links, and optional TOTP for members.

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    UNIQUE (org_id, id),
    CHECK (status <> 'sent' OR sent_at IS NOT NULL)
);
CREATE INDEX outbox_status ON outbox (org_id, status, id);

-- Fixed-window counters. org_id 0 holds counters not tied to one org (per IP).
CREATE TABLE rate_limits (
    org_id INTEGER NOT NULL,
    bucket TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (org_id, bucket)
);

CREATE TABLE idempotency_keys (
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    key_hash TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER,
    response TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, key_hash)
);

CREATE TABLE one_time_links (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('password_reset', 'portal_sign_in')),
    token_hash TEXT NOT NULL,
    member_id INTEGER,
    contact_id INTEGER,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    UNIQUE (org_id, id),
    UNIQUE (org_id, token_hash),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id),
    FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id),
    CHECK ((member_id IS NULL) <> (contact_id IS NULL))
);

ALTER TABLE members ADD COLUMN totp_secret TEXT;
ALTER TABLE members ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
