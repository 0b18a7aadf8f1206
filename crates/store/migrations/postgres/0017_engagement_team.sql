-- The members who work on an engagement (its manager is on `engagements`). Keyed by
-- engagement first; the member index answers "which engagements is this member on".
CREATE TABLE engagement_team (
    org_id BIGINT NOT NULL,
    engagement_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, engagement_id, member_id),
    FOREIGN KEY (org_id, engagement_id) REFERENCES engagements (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id)
);
CREATE INDEX engagement_team_member ON engagement_team (org_id, member_id);
