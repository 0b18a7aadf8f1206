-- Members are invited by an emailed link where they choose their own password. SQLite cannot
-- alter a CHECK, so the table is rebuilt as in 0011.
CREATE TABLE one_time_links_new (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('password_reset', 'portal_sign_in', 'portal_invite', 'member_invite')),
    token_hash TEXT NOT NULL,
    member_id INTEGER,
    contact_id INTEGER,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    UNIQUE (org_id, id),
    UNIQUE (org_id, token_hash),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id),
    FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id),
    CHECK ((member_id IS NULL) <> (contact_id IS NULL))
);
INSERT INTO one_time_links_new SELECT id, org_id, purpose, token_hash, member_id, contact_id,
    created_at, expires_at, used_at FROM one_time_links;
DROP TABLE one_time_links;
ALTER TABLE one_time_links_new RENAME TO one_time_links;
