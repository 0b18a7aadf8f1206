-- Members keep holidays of their own: explicit dates (YYYY-MM-DD) and countries whose public
-- holidays they take, both JSON lists. Suggested dates and capacity skip them.
ALTER TABLE members ADD COLUMN holidays TEXT NOT NULL DEFAULT '[]';
ALTER TABLE members ADD COLUMN holiday_countries TEXT NOT NULL DEFAULT '[]';
