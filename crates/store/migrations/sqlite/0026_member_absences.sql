-- Absences: leave a member records as a range of days (`YYYY-MM-DD`, inclusive, in the member's
-- own zone). The days count as days off in the member's calendar; text dates compare in order.
CREATE TABLE member_absences (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    CHECK (starts_on <= ends_on),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, created_by) REFERENCES members (org_id, id)
);
-- A member's absences that have not ended yet, in order: every calendar read and the checks.
CREATE INDEX member_absences_member ON member_absences (org_id, member_id, ends_on);
-- The firm's current and coming absences, for the periodic check.
CREATE INDEX member_absences_org_end ON member_absences (org_id, ends_on);
