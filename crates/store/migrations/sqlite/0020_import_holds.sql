-- A file an import's dry run accepted, held for the member who checked it until they apply it
-- (taken, so it is applied once) or for a day. Apply names the hold instead of sending the file
-- back in the form, so any file the dry run could read can be applied.
CREATE TABLE import_holds (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    source TEXT NOT NULL,
    tz TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id)
);
CREATE INDEX import_holds_created ON import_holds (created_at);
