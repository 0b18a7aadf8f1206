-- A client's health reads only what concerns that client, from indexes that start with the
-- client's key, so recomputing it costs the same over a long history as over a short one
-- (issue 20 item 2; crates/cli/tests/api/flat_cost.rs holds it).

-- The client's requests by when they were filed: the response-time sample of the last 90 days.
CREATE INDEX requests_client_created ON requests (org_id, client_id, created_at, id);

-- The client's requests by status: its open work (silences, open complaints) without reading
-- what was closed long ago.
CREATE INDEX requests_client_status ON requests (org_id, client_id, status, id);

-- The client's finished requests by when they were finished: the complaints still open at a
-- past moment (a past day scored again) without reading everything the client ever closed.
CREATE INDEX requests_client_finished ON requests (
    org_id, client_id, COALESCE(delivered_at, closed_at)
) WHERE status IN ('delivered', 'closed');

-- One member's open work in SLA-due order (the queue's "mine"): requests_open_queue holds the
-- whole firm's open work, which the member's page would otherwise walk to find fifty of theirs.
CREATE INDEX requests_open_queue_assignee ON requests (
    org_id, assignee_id, COALESCE(sla_due_at, 9223372036854775807), id, status
) WHERE status IN ('new', 'triaged', 'in_progress', 'waiting_on_client');

-- The client's promises still pending, by due date (overdue promises).
CREATE INDEX promises_client_pending ON promises (org_id, client_id, status, due_at);

-- The client's promises kept or broken, by when: broken in the window, and those kept or
-- broken only after the moment scored (a past day scored again).
CREATE INDEX promises_client_kept ON promises (org_id, client_id, kept_at) WHERE status = 'kept';
CREATE INDEX promises_client_broken ON promises (org_id, client_id, broken_at) WHERE status = 'broken';

-- Alerts of one kind by when they were raised (SLA breaches of the last 30 days).
CREATE INDEX alerts_kind_created ON alerts (org_id, kind, created_at);

-- A health recompute reads on a snapshot while it runs, so a change committed meanwhile must be
-- able to queue the next one: a running `health.recompute` no longer holds its dedupe key (every
-- other kind still does, queued or running). At most one is queued per client.
DROP INDEX jobs_dedupe;
CREATE UNIQUE INDEX jobs_dedupe ON jobs (org_id, dedupe_key)
    WHERE dedupe_key IS NOT NULL
      AND (status = 'queued' OR (status = 'running' AND kind <> 'health.recompute'));
