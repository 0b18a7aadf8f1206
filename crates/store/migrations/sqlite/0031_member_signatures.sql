-- A member's signature under their email replies (issue 21 item 6); none until they set one.
ALTER TABLE members ADD COLUMN signature TEXT;
