-- Scope in use: who confirmed or changed the check's verdicts, the overrides that started work
-- on a request still waiting for its change order, and the contact's name on a decided order.

-- The contact's name as it was when they approved or declined (names change; the decision stands).
ALTER TABLE change_orders ADD COLUMN decided_by_name TEXT;
CREATE INDEX change_orders_client ON change_orders (org_id, client_id, id);

-- The latest person's verdict per request against the check's: the check's accuracy in use.
-- History lives in the audit trail (request.scope_confirm).
CREATE TABLE scope_confirmations (
    org_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    engagement_id INTEGER,
    check_verdict TEXT NOT NULL CHECK (check_verdict IN ('in', 'out', 'unclear')),
    person_verdict TEXT NOT NULL CHECK (person_verdict IN ('in', 'out', 'unclear')),
    brief_version INTEGER NOT NULL,
    confirmed_by INTEGER NOT NULL,
    reason TEXT NOT NULL,
    confirmed_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, request_id),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id),
    FOREIGN KEY (org_id, engagement_id) REFERENCES engagements (org_id, id),
    FOREIGN KEY (org_id, confirmed_by) REFERENCES members (org_id, id)
) WITHOUT ROWID;
CREATE INDEX scope_confirmations_client ON scope_confirmations (org_id, client_id);
CREATE INDEX scope_confirmations_engagement ON scope_confirmations (org_id, engagement_id);

-- A manager started work on a request whose change order was not approved: out-of-scope work
-- absorbed (goodwill). The minutes logged on the request are the hours absorbed.
CREATE TABLE scope_overrides (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    change_order_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    engagement_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, request_id) REFERENCES requests (org_id, id),
    FOREIGN KEY (org_id, change_order_id) REFERENCES change_orders (org_id, id),
    FOREIGN KEY (org_id, client_id, engagement_id) REFERENCES engagements (org_id, client_id, id),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id)
);
CREATE INDEX scope_overrides_request ON scope_overrides (org_id, request_id);
CREATE INDEX scope_overrides_created ON scope_overrides (org_id, created_at);

-- The scope report finds out-of-scope requests by verdict and time.
CREATE INDEX requests_scope ON requests (org_id, scope_verdict, created_at);
