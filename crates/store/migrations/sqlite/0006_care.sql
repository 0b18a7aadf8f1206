-- Care: how clients feel. Sentiment and the complaint flag per request, rating invitations,
-- the perception-gap flag, and client health (current and one row per client per day).

-- One row per request that has been scored or flagged. The complaint flag is set when the
-- request is a complaint (by kind or by strongly negative client text) and never cleared by
-- Rapport.
CREATE TABLE request_care (
    org_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    body_sentiment REAL,
    last_inbound_sentiment REAL,
    complaint INTEGER NOT NULL DEFAULT 0,
    complaint_reason TEXT CHECK (complaint_reason IN ('kind', 'sentiment')),
    complaint_at INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, request_id),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id),
    CHECK ((complaint = 0) = (complaint_at IS NULL))
) WITHOUT ROWID;
CREATE INDEX request_care_complaints ON request_care (org_id, complaint, request_id);

-- One-time links asking a contact to rate delivered work. Only the token's SHA-256 is kept.
CREATE TABLE rating_invitations (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    contact_id INTEGER NOT NULL,
    token_hash TEXT NOT NULL,
    message_id INTEGER,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    UNIQUE (org_id, id),
    UNIQUE (org_id, token_hash),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id),
    FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id),
    FOREIGN KEY (org_id, message_id) REFERENCES messages (org_id, id)
);
CREATE INDEX rating_invitations_request ON rating_invitations (org_id, request_id, contact_id);

-- Whether the perception gap of a client or an engagement is over the threshold, so that an
-- alert is raised once per crossing.
CREATE TABLE perception_flags (
    org_id INTEGER NOT NULL,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('client', 'engagement')),
    subject_id INTEGER NOT NULL,
    flagged INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, subject_kind, subject_id),
    FOREIGN KEY (org_id) REFERENCES orgs (id)
) WITHOUT ROWID;

CREATE TABLE client_health (
    org_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    reasons TEXT NOT NULL,
    computed_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, client_id),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id)
) WITHOUT ROWID;
CREATE INDEX client_health_score ON client_health (org_id, score, client_id);

CREATE TABLE client_health_history (
    org_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    date TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    reasons TEXT NOT NULL,
    computed_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, client_id, date),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id)
) WITHOUT ROWID;
