-- The durable job queue: everything that happens later (sending mail, SLA and promise checks,
-- alerts, polling mailboxes). Workers lease a job (locked_until); a worker that dies leaves a
-- lease that expires, and another worker takes the job again.
--
-- The claim index deliberately does not start with org_id: workers serve every org, and the
-- queue is an operational table kept on one node (a Citus "local" table), not distributed.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'dead')),
    run_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    locked_by TEXT,
    locked_until INTEGER,
    last_error TEXT,
    dedupe_key TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER,
    UNIQUE (org_id, id)
);
CREATE INDEX jobs_claim ON jobs (run_at) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_org_status ON jobs (org_id, status, id);
-- At most one live job per dedupe key (e.g. one pending SLA check per request).
CREATE UNIQUE INDEX jobs_dedupe ON jobs (org_id, dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running');
