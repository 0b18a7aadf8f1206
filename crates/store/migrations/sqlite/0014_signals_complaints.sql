-- Complaints read from the client's words: the cues found in them (a JSON array of words, e.g.
-- ["repeated_failure","other_vendors"]), and whether the complaint weighs on the client's health
-- (a person filed or re-filed it as a complaint, or the signal was strong). Complaints flagged
-- before this counted, and still do.
ALTER TABLE request_care ADD COLUMN complaint_cues TEXT;
ALTER TABLE request_care ADD COLUMN complaint_counted INTEGER NOT NULL DEFAULT 1;
