-- The queue view at a million requests: open work of an org in SLA-due order, read from an
-- index of open work only (a few percent of the book) instead of sorting every open request.
-- The key repeats the sort expression of the query exactly (COALESCE puts requests without a
-- running clock last); status and assignee are in the index so filters on them are checked
-- without reading the row. Queries name the open statuses verbatim to use it (see
-- repo/requests.rs, OPEN_STATUSES).
CREATE INDEX requests_open_queue ON requests (
    org_id, COALESCE(sla_due_at, 9223372036854775807), id, status, assignee_id
) WHERE status IN ('new', 'triaged', 'in_progress', 'waiting_on_client');

-- Overdue work, soonest due first (the dashboard's list): the same idea over the agreed due date.
CREATE INDEX requests_open_due ON requests (
    org_id, COALESCE(due_at, 9223372036854775807), id, status
) WHERE status IN ('new', 'triaged', 'in_progress', 'waiting_on_client');

-- The promise ledger's median margin, read in order from the kept promises alone (the dashboard
-- asks for it on every load; counting the rest is served by promises_status_due).
CREATE INDEX promises_kept_margin ON promises (org_id, margin_minutes) WHERE status = 'kept';
