-- Ratings carry their request's client, so a client's last ratings (health) and all its
-- ratings (the perception gap) are read from an index that starts with the client's key
-- instead of through every request the client ever filed (issue 20 items 1 and 2). A request
-- never changes client, and merges join one client's requests only, so the copy stays true.
-- The trigger fills it on every insert that does not (the live paths, and imports of exports
-- written before this column existed).
ALTER TABLE ratings ADD COLUMN client_id BIGINT;

UPDATE ratings SET client_id = r.client_id
FROM requests r WHERE r.org_id = ratings.org_id AND r.id = ratings.request_id;

CREATE INDEX ratings_client ON ratings (org_id, client_id, source, created_at, id);

CREATE FUNCTION ratings_client_of_request() RETURNS trigger AS $$
BEGIN
    IF NEW.client_id IS NULL THEN
        SELECT r.client_id INTO NEW.client_id FROM requests r
         WHERE r.org_id = NEW.org_id AND r.id = NEW.request_id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ratings_client_of_request BEFORE INSERT ON ratings
FOR EACH ROW EXECUTE FUNCTION ratings_client_of_request();
