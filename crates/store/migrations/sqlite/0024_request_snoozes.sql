-- Snoozed requests: out of the queue's views until `until_at` passes or (when
-- `until_client_writes`) the client writes, whichever comes first. One row per snoozed request;
-- a row whose time has passed is a request already back (reads compare with the app clock, so
-- no job is needed for it to return). Un-snoozing by hand or a client's message deletes the row.
CREATE TABLE request_snoozes (
    org_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    until_at INTEGER,
    until_client_writes INTEGER NOT NULL,
    snoozed_by INTEGER NOT NULL,
    snoozed_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, request_id),
    CHECK (until_at IS NOT NULL OR until_client_writes <> 0),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, snoozed_by) REFERENCES members (org_id, id)
);
