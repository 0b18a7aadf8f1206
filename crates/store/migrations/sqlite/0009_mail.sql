-- Mail in and out: the mailboxes Rapport polls, mail facts about messages (threading ids,
-- auto-submitted, send attempts), attachments (in the database, so every app server sees them)
-- and the triage queue, where mail that cannot be routed waits for a person: nothing is dropped.

CREATE TABLE mailboxes (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('imap', 'lmtp', 'pipe')),
    host TEXT,
    port INTEGER,
    tls TEXT NOT NULL CHECK (tls IN ('none', 'starttls', 'tls')),
    username TEXT,
    -- Sealed with RAPPORT_SECRET_KEY; never stored in the clear.
    password_sealed TEXT,
    folder TEXT NOT NULL,
    processed_action TEXT NOT NULL CHECK (processed_action IN ('flag', 'move')),
    move_to TEXT,
    poll_seconds INTEGER NOT NULL CHECK (poll_seconds > 0),
    active INTEGER NOT NULL DEFAULT 1,
    -- Every UID up to last_uid (under this UIDVALIDITY) has been imported: a message deleted in
    -- Rapport is never imported again, whatever its flags say.
    uidvalidity INTEGER,
    last_uid INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('new', 'ok', 'failing')),
    last_error TEXT,
    last_ok_at INTEGER,
    failing_since INTEGER,
    last_alert_at INTEGER,
    imported INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, name)
);

CREATE TABLE mail_meta (
    org_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('imap', 'lmtp', 'pipe', 'api', 'smtp')),
    mailbox_id INTEGER,
    from_address TEXT,
    in_reply_to TEXT,
    mail_references TEXT NOT NULL,
    -- A machine wrote it (auto-reply, bounce): kept on the thread, never the client's word.
    auto_submitted INTEGER NOT NULL DEFAULT 0,
    auto_reason TEXT,
    -- The HTML as sent; only ever shown after sanitising.
    raw_html TEXT,
    warnings TEXT NOT NULL,
    send_attempts INTEGER NOT NULL DEFAULT 0,
    send_error TEXT,
    PRIMARY KEY (org_id, message_id),
    FOREIGN KEY (org_id, message_id) REFERENCES messages (org_id, id)
);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    filename TEXT,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size >= 0),
    sha256 TEXT NOT NULL,
    inline INTEGER NOT NULL,
    content_id TEXT,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, message_id) REFERENCES messages (org_id, id)
);
CREATE INDEX attachments_message ON attachments (org_id, message_id, id);

CREATE TABLE triage (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    reason TEXT NOT NULL CHECK (reason IN ('unknown_sender', 'forged_ref', 'loop', 'too_large',
        'missing_from', 'auto_reply', 'not_a_message')),
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
CREATE INDEX triage_status ON triage (org_id, status, id);
CREATE UNIQUE INDEX triage_mail_id ON triage (org_id, mail_message_id) WHERE mail_message_id IS NOT NULL;
