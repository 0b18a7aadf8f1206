-- Sender verification: the receiving server's SPF/DKIM/DMARC results on each received message,
-- an organisation's policy for unverified senders, and a triage reason for what it holds back.
ALTER TABLE mail_meta ADD COLUMN auth_results TEXT;

CREATE TABLE mail_policies (
    org_id BIGINT PRIMARY KEY REFERENCES orgs (id),
    require_authentication BOOLEAN NOT NULL DEFAULT FALSE,
    -- The authserv-id of the receiving server whose verdicts count.
    trusted_authserv TEXT,
    updated_at BIGINT NOT NULL
);

ALTER TABLE triage DROP CONSTRAINT triage_reason_check;
ALTER TABLE triage ADD CONSTRAINT triage_reason_check CHECK (reason IN ('unknown_sender', 'forged_ref',
    'loop', 'too_large', 'missing_from', 'auto_reply', 'not_a_message', 'unauthenticated'));
