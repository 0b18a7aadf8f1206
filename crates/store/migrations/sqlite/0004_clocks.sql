-- Clocks: SLA and silence policies and a calendar override per engagement; the SLA columns the
-- queue sorts and filters by; the status history the SLA clocks are computed from.

-- NULL: the default policy / the client's calendar. JSON of rapport_core's SlaPolicy,
-- SilencePolicy and CalendarSpec.
ALTER TABLE engagements ADD COLUMN sla_policy TEXT;
ALTER TABLE engagements ADD COLUMN silence_policy TEXT;
ALTER TABLE engagements ADD COLUMN calendar TEXT;

-- Kept current in the transaction that changes a request's clocks (creation, status change,
-- message) and by the sla.check job. sla_due_at: the earliest due instant among the running
-- clocks (NULL when none runs); sla_state: the worst clock state word; sla_alerted: the SlaState
-- (JSON) the job last raised alerts for, so each transition is alerted once.
ALTER TABLE requests ADD COLUMN sla_due_at INTEGER;
ALTER TABLE requests ADD COLUMN sla_state TEXT;
ALTER TABLE requests ADD COLUMN sla_alerted TEXT;
CREATE INDEX requests_sla_due ON requests (org_id, status, sla_due_at);
CREATE INDEX requests_sla_state ON requests (org_id, sla_state, sla_due_at);

-- Every status a request moved to, when: what pauses and stops its SLA clocks. Written in the
-- same transaction as the status change; messages are read from the messages table.
CREATE TABLE request_status_log (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('new', 'triaged', 'in_progress', 'waiting_on_client', 'delivered', 'closed')),
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id)
);
CREATE INDEX request_status_log_request ON request_status_log (org_id, request_id, id);

-- The history so far, from the audit trail (status changes) and the quick lane (created
-- delivered).
INSERT INTO request_status_log (org_id, request_id, at, status)
SELECT a.org_id, a.target_id, a.at, json_extract(a.details, '$.to')
FROM audit_events a
WHERE a.action = 'request.status' AND a.target_kind = 'request'
  AND json_extract(a.details, '$.to') IN ('new', 'triaged', 'in_progress', 'waiting_on_client', 'delivered', 'closed')
  AND EXISTS (SELECT 1 FROM requests r WHERE r.org_id = a.org_id AND r.id = a.target_id)
ORDER BY a.id;
INSERT INTO request_status_log (org_id, request_id, at, status)
SELECT org_id, id, created_at, 'delivered' FROM requests WHERE quick = 1 ORDER BY id;
