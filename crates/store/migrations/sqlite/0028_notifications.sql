-- Each member's inbox: what happened to them (assigned, the client replied, a promise of theirs
-- due soon or broken, an @mention, an SLA at risk). `email` says whether it went out by mail:
-- `pending` until the hour or their working hours, then `sent`; `skipped` when their preference
-- was off. Their preference lives in `notification_settings` (no row: at once).
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    request_id INTEGER,
    subject_kind TEXT,
    subject_id INTEGER,
    message TEXT NOT NULL,
    actor_id INTEGER,
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    email TEXT NOT NULL CHECK (email IN ('pending', 'sent', 'skipped')),
    emailed_at INTEGER,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id) REFERENCES orgs (id),
    -- No foreign key on `request_id`: its check would take a share lock on the request row
    -- inside the clock jobs that notify (a promise check holding the promise), the reverse of
    -- the reply path's order (request, then its promises), and PostgreSQL would deadlock them.
    -- Requests are never deleted.
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id)
);
-- The inbox (unread first, newest first) and its unread count.
CREATE INDEX notifications_inbox ON notifications (org_id, member_id, read_at, id);
-- What a member's next mail carries.
CREATE INDEX notifications_mail ON notifications (org_id, member_id, email, id);

CREATE TABLE notification_settings (
    org_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    email TEXT NOT NULL CHECK (email IN ('immediate', 'hourly', 'off')),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, member_id),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id)
);
