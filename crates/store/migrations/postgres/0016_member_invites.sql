-- Members are invited by an emailed link where they choose their own password.
ALTER TABLE one_time_links DROP CONSTRAINT one_time_links_purpose_check;
ALTER TABLE one_time_links ADD CONSTRAINT one_time_links_purpose_check
    CHECK (purpose IN ('password_reset', 'portal_sign_in', 'portal_invite', 'member_invite'));
