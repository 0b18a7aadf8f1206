-- Sender verification: the receiving server's SPF/DKIM/DMARC results on each received message,
-- an organisation's policy for unverified senders, and a triage reason for what it holds back.
ALTER TABLE mail_meta ADD COLUMN auth_results TEXT;

CREATE TABLE mail_policies (
    org_id INTEGER PRIMARY KEY REFERENCES orgs (id),
    require_authentication INTEGER NOT NULL DEFAULT 0,
    -- The authserv-id of the receiving server whose verdicts count.
    trusted_authserv TEXT,
    updated_at INTEGER NOT NULL
);

-- SQLite cannot alter a CHECK: the triage table is rebuilt with the new reason.
CREATE TABLE triage_new (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    reason TEXT NOT NULL CHECK (reason IN ('unknown_sender', 'forged_ref', 'loop', 'too_large',
        'missing_from', 'auto_reply', 'not_a_message', 'unauthenticated')),
    detail TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('imap', 'lmtp', 'pipe', 'api')),
    mailbox_id INTEGER,
    mail_message_id TEXT,
    from_address TEXT,
    subject TEXT,
    size INTEGER NOT NULL,
    -- The message as received; for a message over the size limit, its header block only.
    raw BLOB NOT NULL,
    raw_complete INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved', 'dismissed')),
    received_at INTEGER NOT NULL,
    resolved_by INTEGER,
    resolved_at INTEGER,
    request_id INTEGER,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, resolved_by) REFERENCES members (org_id, id),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id)
);
INSERT INTO triage_new (id, org_id, reason, detail, source, mailbox_id, mail_message_id, from_address,
    subject, size, raw, raw_complete, status, received_at, resolved_by, resolved_at, request_id)
SELECT id, org_id, reason, detail, source, mailbox_id, mail_message_id, from_address,
    subject, size, raw, raw_complete, status, received_at, resolved_by, resolved_at, request_id
FROM triage;
DROP TABLE triage;
ALTER TABLE triage_new RENAME TO triage;
CREATE INDEX triage_status ON triage (org_id, status, id);
CREATE UNIQUE INDEX triage_mail_id ON triage (org_id, mail_message_id) WHERE mail_message_id IS NOT NULL;
