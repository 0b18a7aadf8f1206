-- Aggregates kept as the facts change (issue 20 item 1). The promise ledger and the perception
-- gap were recomputed from every promise and every rating on each read, so their cost grew
-- with the years. Triggers keep them in the same transaction as the row that moves them, on
-- every path that writes promises or ratings (the use cases, the checker, merges, imports,
-- the benchmark's seed), so none can forget to. `rapport aggregates rebuild` recomputes them
-- from the facts with the same definitions.

-- Promises per organisation (key 0), per member who made them and per client: how many are
-- kept, broken and pending (open or renegotiated), and how many kept ones carry a margin.
CREATE TABLE promise_tallies (
    org_id INTEGER NOT NULL,
    dim TEXT NOT NULL CHECK (dim IN ('org', 'member', 'client')),
    key INTEGER NOT NULL,
    kept INTEGER NOT NULL,
    broken INTEGER NOT NULL,
    pending INTEGER NOT NULL,
    margined INTEGER NOT NULL,
    PRIMARY KEY (org_id, dim, key)
) WITHOUT ROWID;

-- The margins of the kept promises as counts in nested buckets: level L holds
-- `margin_minutes >> (5 * L)`, so a bucket has at most 32 children one level down and level 0
-- is the exact margin. The median is found by walking one bucket's children per level: exact,
-- and at most 32 rows a level whatever the history (level 3 buckets are ~23 days of minutes).
CREATE TABLE promise_margins (
    org_id INTEGER NOT NULL,
    dim TEXT NOT NULL,
    key INTEGER NOT NULL,
    level INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (org_id, dim, key, level, bucket)
) WITHOUT ROWID;

CREATE TRIGGER promise_tallies_insert AFTER INSERT ON promises
BEGIN
    INSERT INTO promise_tallies (org_id, dim, key, kept, broken, pending, margined)
    SELECT NEW.org_id, d.dim, d.key, NEW.status = 'kept', NEW.status = 'broken',
           NEW.status IN ('open', 'renegotiated'),
           NEW.status = 'kept' AND NEW.margin_minutes IS NOT NULL
      FROM (SELECT 'org' AS dim, 0 AS key UNION ALL SELECT 'member', NEW.made_by
            UNION ALL SELECT 'client', NEW.client_id) d
     WHERE true
    ON CONFLICT (org_id, dim, key) DO UPDATE SET
        kept = kept + excluded.kept, broken = broken + excluded.broken,
        pending = pending + excluded.pending, margined = margined + excluded.margined;
    INSERT INTO promise_margins (org_id, dim, key, level, bucket, n)
    SELECT NEW.org_id, d.dim, d.key, l.level, NEW.margin_minutes >> (5 * l.level), 1
      FROM (SELECT 'org' AS dim, 0 AS key UNION ALL SELECT 'member', NEW.made_by
            UNION ALL SELECT 'client', NEW.client_id) d,
           (SELECT 0 AS level UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) l
     WHERE NEW.status = 'kept' AND NEW.margin_minutes IS NOT NULL
    ON CONFLICT (org_id, dim, key, level, bucket) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER promise_tallies_update AFTER UPDATE OF status, margin_minutes, client_id, made_by, org_id
ON promises
BEGIN
    -- Take the old row out...
    UPDATE promise_tallies
       SET kept = kept - (OLD.status = 'kept'), broken = broken - (OLD.status = 'broken'),
           pending = pending - (OLD.status IN ('open', 'renegotiated')),
           margined = margined - (OLD.status = 'kept' AND OLD.margin_minutes IS NOT NULL)
     WHERE org_id = OLD.org_id
       AND ((dim = 'org' AND key = 0) OR (dim = 'member' AND key = OLD.made_by)
            OR (dim = 'client' AND key = OLD.client_id));
    UPDATE promise_margins SET n = n - 1
     WHERE OLD.status = 'kept' AND OLD.margin_minutes IS NOT NULL AND org_id = OLD.org_id
       AND ((dim = 'org' AND key = 0) OR (dim = 'member' AND key = OLD.made_by)
            OR (dim = 'client' AND key = OLD.client_id))
       AND ((level = 0 AND bucket = OLD.margin_minutes)
            OR (level = 1 AND bucket = OLD.margin_minutes >> 5)
            OR (level = 2 AND bucket = OLD.margin_minutes >> 10)
            OR (level = 3 AND bucket = OLD.margin_minutes >> 15));
    DELETE FROM promise_margins WHERE n = 0 AND org_id = OLD.org_id
       AND ((dim = 'org' AND key = 0) OR (dim = 'member' AND key = OLD.made_by)
            OR (dim = 'client' AND key = OLD.client_id));
    -- ...and the new one in.
    INSERT INTO promise_tallies (org_id, dim, key, kept, broken, pending, margined)
    SELECT NEW.org_id, d.dim, d.key, NEW.status = 'kept', NEW.status = 'broken',
           NEW.status IN ('open', 'renegotiated'),
           NEW.status = 'kept' AND NEW.margin_minutes IS NOT NULL
      FROM (SELECT 'org' AS dim, 0 AS key UNION ALL SELECT 'member', NEW.made_by
            UNION ALL SELECT 'client', NEW.client_id) d
     WHERE true
    ON CONFLICT (org_id, dim, key) DO UPDATE SET
        kept = kept + excluded.kept, broken = broken + excluded.broken,
        pending = pending + excluded.pending, margined = margined + excluded.margined;
    INSERT INTO promise_margins (org_id, dim, key, level, bucket, n)
    SELECT NEW.org_id, d.dim, d.key, l.level, NEW.margin_minutes >> (5 * l.level), 1
      FROM (SELECT 'org' AS dim, 0 AS key UNION ALL SELECT 'member', NEW.made_by
            UNION ALL SELECT 'client', NEW.client_id) d,
           (SELECT 0 AS level UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) l
     WHERE NEW.status = 'kept' AND NEW.margin_minutes IS NOT NULL
    ON CONFLICT (org_id, dim, key, level, bucket) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER promise_tallies_delete AFTER DELETE ON promises
BEGIN
    UPDATE promise_tallies
       SET kept = kept - (OLD.status = 'kept'), broken = broken - (OLD.status = 'broken'),
           pending = pending - (OLD.status IN ('open', 'renegotiated')),
           margined = margined - (OLD.status = 'kept' AND OLD.margin_minutes IS NOT NULL)
     WHERE org_id = OLD.org_id
       AND ((dim = 'org' AND key = 0) OR (dim = 'member' AND key = OLD.made_by)
            OR (dim = 'client' AND key = OLD.client_id));
    UPDATE promise_margins SET n = n - 1
     WHERE OLD.status = 'kept' AND OLD.margin_minutes IS NOT NULL AND org_id = OLD.org_id
       AND ((dim = 'org' AND key = 0) OR (dim = 'member' AND key = OLD.made_by)
            OR (dim = 'client' AND key = OLD.client_id))
       AND ((level = 0 AND bucket = OLD.margin_minutes)
            OR (level = 1 AND bucket = OLD.margin_minutes >> 5)
            OR (level = 2 AND bucket = OLD.margin_minutes >> 10)
            OR (level = 3 AND bucket = OLD.margin_minutes >> 15));
    DELETE FROM promise_margins WHERE n = 0 AND org_id = OLD.org_id
       AND ((dim = 'org' AND key = 0) OR (dim = 'member' AND key = OLD.made_by)
            OR (dim = 'client' AND key = OLD.client_id));
END;

-- Each rated request: the team's score, the sum and count of its contacts' scores, and when
-- the last of them came (the perception gap's pair and its instant). Complete pairs are read
-- newest first through an index that starts with the client, so the last N cost N rows.
CREATE TABLE rating_pairs (
    org_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    team_score INTEGER,
    client_sum INTEGER NOT NULL,
    client_n INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (org_id, request_id)
) WITHOUT ROWID;

CREATE INDEX rating_pairs_client ON rating_pairs (org_id, client_id, at, request_id)
WHERE team_score IS NOT NULL AND client_n > 0;

-- A request has a handful of ratings (one per contact and one of the team), so the pair is
-- recounted from them rather than adjusted: the same statement as the rebuild's.
CREATE TRIGGER rating_pairs_insert AFTER INSERT ON ratings
BEGIN
    DELETE FROM rating_pairs WHERE org_id = NEW.org_id AND request_id = NEW.request_id;
    INSERT INTO rating_pairs (org_id, request_id, client_id, team_score, client_sum, client_n, at)
    SELECT x.org_id, x.request_id, q.client_id,
           MAX(CASE WHEN x.source = 'team' THEN x.score END),
           COALESCE(SUM(CASE WHEN x.source = 'client' THEN x.score END), 0),
           COUNT(CASE WHEN x.source = 'client' THEN 1 END), MAX(x.created_at)
      FROM ratings x JOIN requests q ON q.org_id = x.org_id AND q.id = x.request_id
     WHERE x.org_id = NEW.org_id AND x.request_id = NEW.request_id
     GROUP BY x.org_id, x.request_id, q.client_id;
END;

CREATE TRIGGER rating_pairs_delete AFTER DELETE ON ratings
BEGIN
    DELETE FROM rating_pairs WHERE org_id = OLD.org_id AND request_id = OLD.request_id;
    INSERT INTO rating_pairs (org_id, request_id, client_id, team_score, client_sum, client_n, at)
    SELECT x.org_id, x.request_id, q.client_id,
           MAX(CASE WHEN x.source = 'team' THEN x.score END),
           COALESCE(SUM(CASE WHEN x.source = 'client' THEN x.score END), 0),
           COUNT(CASE WHEN x.source = 'client' THEN 1 END), MAX(x.created_at)
      FROM ratings x JOIN requests q ON q.org_id = x.org_id AND q.id = x.request_id
     WHERE x.org_id = OLD.org_id AND x.request_id = OLD.request_id
     GROUP BY x.org_id, x.request_id, q.client_id;
END;

CREATE TRIGGER rating_pairs_update AFTER UPDATE OF request_id, source, score, created_at, org_id
ON ratings
BEGIN
    DELETE FROM rating_pairs
     WHERE (org_id = OLD.org_id AND request_id = OLD.request_id)
        OR (org_id = NEW.org_id AND request_id = NEW.request_id);
    INSERT INTO rating_pairs (org_id, request_id, client_id, team_score, client_sum, client_n, at)
    SELECT x.org_id, x.request_id, q.client_id,
           MAX(CASE WHEN x.source = 'team' THEN x.score END),
           COALESCE(SUM(CASE WHEN x.source = 'client' THEN x.score END), 0),
           COUNT(CASE WHEN x.source = 'client' THEN 1 END), MAX(x.created_at)
      FROM ratings x JOIN requests q ON q.org_id = x.org_id AND q.id = x.request_id
     WHERE (x.org_id = OLD.org_id AND x.request_id = OLD.request_id)
        OR (x.org_id = NEW.org_id AND x.request_id = NEW.request_id)
     GROUP BY x.org_id, x.request_id, q.client_id;
END;

-- The facts already there.
INSERT INTO promise_tallies (org_id, dim, key, kept, broken, pending, margined)
SELECT org_id, d.dim, CASE d.dim WHEN 'org' THEN 0 WHEN 'member' THEN made_by ELSE client_id END,
       SUM(status = 'kept'), SUM(status = 'broken'), SUM(status IN ('open', 'renegotiated')),
       SUM(status = 'kept' AND margin_minutes IS NOT NULL)
  FROM promises, (SELECT 'org' AS dim UNION ALL SELECT 'member' UNION ALL SELECT 'client') d
 GROUP BY 1, 2, 3;

INSERT INTO promise_margins (org_id, dim, key, level, bucket, n)
SELECT org_id, d.dim, CASE d.dim WHEN 'org' THEN 0 WHEN 'member' THEN made_by ELSE client_id END,
       l.level, margin_minutes >> (5 * l.level), COUNT(*)
  FROM promises, (SELECT 'org' AS dim UNION ALL SELECT 'member' UNION ALL SELECT 'client') d,
       (SELECT 0 AS level UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) l
 WHERE status = 'kept' AND margin_minutes IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5;

INSERT INTO rating_pairs (org_id, request_id, client_id, team_score, client_sum, client_n, at)
SELECT x.org_id, x.request_id, q.client_id,
       MAX(CASE WHEN x.source = 'team' THEN x.score END),
       COALESCE(SUM(CASE WHEN x.source = 'client' THEN x.score END), 0),
       COUNT(CASE WHEN x.source = 'client' THEN 1 END), MAX(x.created_at)
  FROM ratings x JOIN requests q ON q.org_id = x.org_id AND q.id = x.request_id
 GROUP BY x.org_id, x.request_id, q.client_id;
