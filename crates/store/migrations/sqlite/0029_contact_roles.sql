-- What a client's contact may do in the portal (issue 22): requester, viewer, approver or
-- client_admin. Every contact so far saw all of their client's requests and could decide its
-- change orders, which is the approver role: existing contacts keep exactly that.
ALTER TABLE contacts ADD COLUMN role TEXT NOT NULL DEFAULT 'approver'
    CHECK (role IN ('requester', 'viewer', 'approver', 'client_admin'));
-- The portal names a client's approvers to a requester, and a client admin lists the contacts.
CREATE INDEX contacts_client_role ON contacts (org_id, client_id, role);
