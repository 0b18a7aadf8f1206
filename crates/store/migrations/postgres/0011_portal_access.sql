-- Portal access is a state of its own, granted by a manager's invitation and revoked by a
-- manager; a password alone no longer decides it. Contacts who hold a portal password today
-- were given access by staff, so they keep it.
ALTER TABLE contacts ADD COLUMN portal_enabled BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE contacts SET portal_enabled = TRUE WHERE portal_password_hash IS NOT NULL;

-- Invitations are one-time links too.
ALTER TABLE one_time_links DROP CONSTRAINT one_time_links_purpose_check;
ALTER TABLE one_time_links ADD CONSTRAINT one_time_links_purpose_check
    CHECK (purpose IN ('password_reset', 'portal_sign_in', 'portal_invite'));

-- The last TOTP time step a member signed in with: a code is accepted once.
ALTER TABLE members ADD COLUMN totp_last_step BIGINT;
