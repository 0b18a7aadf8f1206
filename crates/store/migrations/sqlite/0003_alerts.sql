-- Alerts a person must see. An alert is raised once per occurrence: the dedupe key is unique
-- among alerts that are not yet resolved.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    subject_kind TEXT,
    subject_id INTEGER,
    message TEXT NOT NULL,
    details TEXT NOT NULL,
    recipient_id INTEGER,
    status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    dedupe_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    acknowledged_by INTEGER,
    resolved_at INTEGER,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id) REFERENCES orgs (id),
    FOREIGN KEY (org_id, recipient_id) REFERENCES members (org_id, id),
    FOREIGN KEY (org_id, acknowledged_by) REFERENCES members (org_id, id)
);
CREATE INDEX alerts_open ON alerts (org_id, status, id);
CREATE INDEX alerts_subject ON alerts (org_id, subject_kind, subject_id);
CREATE UNIQUE INDEX alerts_dedupe ON alerts (org_id, dedupe_key) WHERE status <> 'resolved';
