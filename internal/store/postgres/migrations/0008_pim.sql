-- Privileged Identity Management: role settings, schedule requests, what
-- PIM knows about role assignments (schedules), and the notification
-- outbox. Times are TIMESTAMPTZ.

-- A role's settings when an administrator changed them; a role without a
-- row has Entra's defaults.
CREATE TABLE pim_policies (
    role_definition_id TEXT PRIMARY KEY,
    rules              TEXT NOT NULL,
    modified_at        TIMESTAMPTZ NOT NULL,
    modified_by        TEXT NOT NULL
);

-- A schedule is a role_assignments row (same id) made through PIM. The row
-- stays when the assignment goes (removed_at), for renewal and history.
CREATE TABLE pim_schedules (
    id                 TEXT PRIMARY KEY,
    level              TEXT NOT NULL CHECK (level IN ('Eligibility', 'Assignment')),
    principal_id       TEXT NOT NULL,
    role_definition_id TEXT NOT NULL,
    start_at           TIMESTAMPTZ NOT NULL,
    end_at             TIMESTAMPTZ,
    activated          BOOLEAN NOT NULL,
    activated_using    TEXT NOT NULL,
    created_using      TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    modified_at        TIMESTAMPTZ NOT NULL,
    removed_at         TIMESTAMPTZ
);
CREATE INDEX pim_schedules_principal ON pim_schedules (principal_id, role_definition_id);
CREATE INDEX pim_schedules_activated_using ON pim_schedules (activated_using);

CREATE TABLE pim_requests (
    id                  TEXT PRIMARY KEY,
    level               TEXT NOT NULL CHECK (level IN ('Eligibility', 'Assignment')),
    action              TEXT NOT NULL,
    principal_id        TEXT NOT NULL,
    role_definition_id  TEXT NOT NULL,
    directory_scope_id  TEXT NOT NULL,
    status              TEXT NOT NULL,
    justification       TEXT NOT NULL,
    ticket_number       TEXT NOT NULL,
    ticket_system       TEXT NOT NULL,
    start_at            TIMESTAMPTZ,
    expiration_type     TEXT NOT NULL,
    expiration_end      TIMESTAMPTZ,
    expiration_duration BIGINT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    created_by          TEXT NOT NULL,
    created_by_type     TEXT NOT NULL CHECK (created_by_type IN ('user', 'app', 'system')),
    completed_at        TIMESTAMPTZ,
    target_schedule_id  TEXT NOT NULL,
    activated_using     TEXT NOT NULL,
    approval            TEXT,
    approval_deadline   TIMESTAMPTZ,
    reason              TEXT NOT NULL
);
CREATE INDEX pim_requests_principal ON pim_requests (principal_id, role_definition_id);
CREATE INDEX pim_requests_pending ON pim_requests (status, approval_deadline);
CREATE INDEX pim_requests_created ON pim_requests (created_at);

-- The expiry job finds ended assignments by their end.
CREATE INDEX role_assignments_end ON role_assignments (end_at);

-- Notifications written in the same transaction as the change they tell of,
-- delivered by the worker: claimed under a lease, marked delivered once the
-- server accepted them.
CREATE TABLE outbox (
    id           TEXT PRIMARY KEY,
    channel      TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    recipient    TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    available_at TIMESTAMPTZ NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    lease_until  TIMESTAMPTZ,
    delivered_at TIMESTAMPTZ,
    failed_at    TIMESTAMPTZ,
    last_error   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (available_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
