-- Aggregates kept as the facts change (issue 20 item 1). The promise ledger and the perception
-- gap were recomputed from every promise and every rating on each read, so their cost grew
-- with the years. Triggers keep them in the same transaction as the row that moves them, on
-- every path that writes promises or ratings (the use cases, the checker, merges, imports,
-- the benchmark's seed), so none can forget to. `rapport aggregates rebuild` recomputes them
-- from the facts with the same definitions.

-- Promises per organisation (key 0), per member who made them and per client: how many are
-- kept, broken and pending (open or renegotiated), and how many kept ones carry a margin.
CREATE TABLE promise_tallies (
    org_id BIGINT NOT NULL,
    dim TEXT NOT NULL CHECK (dim IN ('org', 'member', 'client')),
    key BIGINT NOT NULL,
    kept BIGINT NOT NULL,
    broken BIGINT NOT NULL,
    pending BIGINT NOT NULL,
    margined BIGINT NOT NULL,
    PRIMARY KEY (org_id, dim, key)
) WITH (fillfactor = 50);

-- The margins of the kept promises as counts in nested buckets: level L holds
-- `margin_minutes >> (5 * L)`, so a bucket has at most 32 children one level down and level 0
-- is the exact margin. The median is found by walking one bucket's children per level: exact,
-- and at most 32 rows a level whatever the history (level 3 buckets are ~23 days of minutes).
CREATE TABLE promise_margins (
    org_id BIGINT NOT NULL,
    dim TEXT NOT NULL,
    key BIGINT NOT NULL,
    level BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, dim, key, level, bucket)
) WITH (fillfactor = 50);

-- Their rows are updated in place with every promise kept, so pages are left half empty: the
-- updates stay heap-only (HOT, `n` and the counts are not indexed) instead of leaving a dead
-- index entry each, which every read of a bucket would step over until the next vacuum.

-- One promise row counted in (sign 1) or out (sign -1).
CREATE FUNCTION promise_tallies_count(p promises, sign BIGINT) RETURNS void AS $$
BEGIN
    INSERT INTO promise_tallies AS t (org_id, dim, key, kept, broken, pending, margined)
    SELECT p.org_id, d.dim, d.key,
           sign * (p.status = 'kept')::int, sign * (p.status = 'broken')::int,
           sign * (p.status IN ('open', 'renegotiated'))::int,
           sign * (p.status = 'kept' AND p.margin_minutes IS NOT NULL)::int
      FROM (VALUES ('org', 0::bigint), ('member', p.made_by), ('client', p.client_id)) d (dim, key)
    ON CONFLICT (org_id, dim, key) DO UPDATE SET
        kept = t.kept + EXCLUDED.kept, broken = t.broken + EXCLUDED.broken,
        pending = t.pending + EXCLUDED.pending, margined = t.margined + EXCLUDED.margined;
    IF p.status = 'kept' AND p.margin_minutes IS NOT NULL THEN
        INSERT INTO promise_margins AS m (org_id, dim, key, level, bucket, n)
        SELECT p.org_id, d.dim, d.key, l.level, p.margin_minutes >> (5 * l.level)::int, sign
          FROM (VALUES ('org', 0::bigint), ('member', p.made_by), ('client', p.client_id)) d (dim, key),
               (VALUES (0::bigint), (1), (2), (3)) l (level)
        ON CONFLICT (org_id, dim, key, level, bucket) DO UPDATE SET n = m.n + EXCLUDED.n;
        IF sign < 0 THEN
            DELETE FROM promise_margins
             WHERE n = 0 AND org_id = p.org_id
               AND ((dim = 'org' AND key = 0) OR (dim = 'member' AND key = p.made_by)
                    OR (dim = 'client' AND key = p.client_id));
        END IF;
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION promise_tallies_kept() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM promise_tallies_count(OLD, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM promise_tallies_count(NEW, 1);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER promise_tallies_insert AFTER INSERT OR DELETE ON promises
FOR EACH ROW EXECUTE FUNCTION promise_tallies_kept();

CREATE TRIGGER promise_tallies_update AFTER UPDATE ON promises
FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status
      OR OLD.margin_minutes IS DISTINCT FROM NEW.margin_minutes
      OR OLD.client_id IS DISTINCT FROM NEW.client_id
      OR OLD.made_by IS DISTINCT FROM NEW.made_by
      OR OLD.org_id IS DISTINCT FROM NEW.org_id)
EXECUTE FUNCTION promise_tallies_kept();

-- Each rated request: the team's score, the sum and count of its contacts' scores, and when
-- the last of them came (the perception gap's pair and its instant). Complete pairs are read
-- newest first through an index that starts with the client, so the last N cost N rows.
CREATE TABLE rating_pairs (
    org_id BIGINT NOT NULL,
    request_id BIGINT NOT NULL,
    client_id BIGINT NOT NULL,
    team_score BIGINT,
    client_sum BIGINT NOT NULL,
    client_n BIGINT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (org_id, request_id)
);

CREATE INDEX rating_pairs_client ON rating_pairs (org_id, client_id, at, request_id)
WHERE team_score IS NOT NULL AND client_n > 0;

-- A request has a handful of ratings (one per contact and one of the team), so the pair is
-- recounted from them rather than adjusted: the same statement as the rebuild's.
CREATE FUNCTION rating_pairs_recount(org BIGINT, request BIGINT) RETURNS void AS $$
BEGIN
    DELETE FROM rating_pairs WHERE org_id = org AND request_id = request;
    INSERT INTO rating_pairs (org_id, request_id, client_id, team_score, client_sum, client_n, at)
    SELECT x.org_id, x.request_id, q.client_id,
           MAX(CASE WHEN x.source = 'team' THEN x.score END),
           COALESCE(SUM(CASE WHEN x.source = 'client' THEN x.score END), 0),
           COUNT(CASE WHEN x.source = 'client' THEN 1 END), MAX(x.created_at)
      FROM ratings x JOIN requests q ON q.org_id = x.org_id AND q.id = x.request_id
     WHERE x.org_id = org AND x.request_id = request
     GROUP BY x.org_id, x.request_id, q.client_id;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION rating_pairs_kept() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM rating_pairs_recount(OLD.org_id, OLD.request_id);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM rating_pairs_recount(NEW.org_id, NEW.request_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER rating_pairs_kept AFTER INSERT OR DELETE ON ratings
FOR EACH ROW EXECUTE FUNCTION rating_pairs_kept();

CREATE TRIGGER rating_pairs_update AFTER UPDATE OF request_id, source, score, created_at, org_id
ON ratings FOR EACH ROW EXECUTE FUNCTION rating_pairs_kept();

-- The facts already there.
INSERT INTO promise_tallies (org_id, dim, key, kept, broken, pending, margined)
SELECT org_id, d.dim, CASE d.dim WHEN 'org' THEN 0 WHEN 'member' THEN made_by ELSE client_id END,
       COUNT(*) FILTER (WHERE status = 'kept'), COUNT(*) FILTER (WHERE status = 'broken'),
       COUNT(*) FILTER (WHERE status IN ('open', 'renegotiated')),
       COUNT(*) FILTER (WHERE status = 'kept' AND margin_minutes IS NOT NULL)
  FROM promises, (VALUES ('org'), ('member'), ('client')) d (dim)
 GROUP BY 1, 2, 3;

INSERT INTO promise_margins (org_id, dim, key, level, bucket, n)
SELECT org_id, d.dim, CASE d.dim WHEN 'org' THEN 0 WHEN 'member' THEN made_by ELSE client_id END,
       l.level, margin_minutes >> (5 * l.level)::int, COUNT(*)
  FROM promises, (VALUES ('org'), ('member'), ('client')) d (dim),
       (VALUES (0::bigint), (1), (2), (3)) l (level)
 WHERE status = 'kept' AND margin_minutes IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5;

INSERT INTO rating_pairs (org_id, request_id, client_id, team_score, client_sum, client_n, at)
SELECT x.org_id, x.request_id, q.client_id,
       MAX(CASE WHEN x.source = 'team' THEN x.score END),
       COALESCE(SUM(CASE WHEN x.source = 'client' THEN x.score END), 0),
       COUNT(CASE WHEN x.source = 'client' THEN 1 END), MAX(x.created_at)
  FROM ratings x JOIN requests q ON q.org_id = x.org_id AND q.id = x.request_id
 GROUP BY x.org_id, x.request_id, q.client_id;
