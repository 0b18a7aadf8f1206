-- Snoozed requests: out of the queue's views until `until_at` passes or (when
-- `until_client_writes`) the client writes, whichever comes first. One row per snoozed request;
-- a row whose time has passed is a request already back (reads compare with the app clock, so
-- no job is needed for it to return). Un-snoozing by hand or a client's message deletes the row.
CREATE TABLE request_snoozes (
    org_id BIGINT NOT NULL,
    request_id BIGINT NOT NULL,
    until_at BIGINT,
    until_client_writes BOOLEAN NOT NULL,
    snoozed_by BIGINT NOT NULL,
    snoozed_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, request_id),
    CHECK (until_at IS NOT NULL OR until_client_writes),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, snoozed_by) REFERENCES members (org_id, id)
);
