-- Fair assignment. Whether new requests are assigned automatically: the organisation's default
-- (one row per org, none: off) and each engagement's choice (none: the default).
CREATE TABLE assign_defaults (
    org_id INTEGER PRIMARY KEY,
    auto_assign INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    FOREIGN KEY (org_id) REFERENCES orgs (id)
);
CREATE TABLE engagement_assign (
    org_id INTEGER NOT NULL,
    engagement_id INTEGER NOT NULL,
    auto_assign INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, engagement_id),
    FOREIGN KEY (org_id, engagement_id) REFERENCES engagements (org_id, id) ON DELETE CASCADE
);
-- The round-robin among equals: each automatic assignment takes the org's next turn number
-- and stores it on the member chosen; among members otherwise equal, the lowest turn (longest
-- since their last) goes first, then the lowest id, on every server alike.
CREATE TABLE assign_turns (
    org_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    turn INTEGER NOT NULL,
    PRIMARY KEY (org_id, member_id),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id) ON DELETE CASCADE
);
