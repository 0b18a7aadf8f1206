-- Who has a request open right now, and whether they are writing on it: each open request page
-- (or API client) reports itself every few seconds, so a row older than half a minute is a page
-- that was closed. It lives in the database so every app server sees every member's presence.
-- One row per member and request: their latest report wins. Housekeeping deletes stale rows.
CREATE TABLE request_presence (
    org_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('viewing', 'composing')),
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, request_id, member_id),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id)
);
CREATE INDEX request_presence_seen ON request_presence (seen_at);
