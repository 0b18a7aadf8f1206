-- Message-IDs a stored mail named in In-Reply-To or References that Rapport has never seen:
-- anchors of the request that named them. Mail arrives out of order (several mailboxes, a
-- retrying MTA); when the missing message, or another reply naming the same id, arrives, it
-- joins that request instead of opening one of its own.
CREATE TABLE mail_anchors (
    org_id INTEGER NOT NULL,
    mail_message_id TEXT NOT NULL,
    request_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, mail_message_id),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id)
) WITHOUT ROWID;
CREATE INDEX mail_anchors_request ON mail_anchors (org_id, request_id);
