-- The scope check reads the firm's latest decisions as precedents: the engagement's own, newest
-- first, then the organisation's. Both reads walk an index in that order and stop at their cap.
-- The new engagement index starts with the old one's columns, so it replaces it.
DROP INDEX scope_confirmations_engagement;
CREATE INDEX scope_confirmations_engagement_recent
    ON scope_confirmations (org_id, engagement_id, confirmed_at);
CREATE INDEX scope_confirmations_recent ON scope_confirmations (org_id, confirmed_at);

-- Bumped by every confirmation or override: a process keeps the precedents it read while the
-- count is unchanged (a point read of the org's row instead of hundreds of decisions).
ALTER TABLE orgs ADD COLUMN scope_decisions INTEGER NOT NULL DEFAULT 0;
