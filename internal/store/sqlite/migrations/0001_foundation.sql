-- Foundation: tenant, directory, applications, signing keys, audit log.
-- Times are fixed-width UTC text (2006-01-02T15:04:05.000000Z) so that text
-- order is time order.

CREATE TABLE tenant (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    tenant_id   TEXT NOT NULL,
    key_check   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    upn                TEXT NOT NULL,
    upn_key            TEXT NOT NULL UNIQUE,
    display_name       TEXT NOT NULL,
    mail               TEXT NOT NULL DEFAULT '',
    account_enabled    BOOLEAN NOT NULL,
    user_type          TEXT NOT NULL CHECK (user_type IN ('Member', 'Guest')),
    created_at         TEXT NOT NULL,
    tokens_valid_after TEXT NOT NULL
);
CREATE INDEX users_display_name ON users (display_name);
CREATE INDEX users_mail ON users (mail);

CREATE TABLE groups (
    id                    TEXT PRIMARY KEY,
    display_name          TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    mail_nickname         TEXT NOT NULL,
    security_enabled      BOOLEAN NOT NULL,
    mail_enabled          BOOLEAN NOT NULL,
    is_assignable_to_role BOOLEAN NOT NULL,
    created_at            TEXT NOT NULL
);
CREATE INDEX groups_display_name ON groups (display_name);

CREATE TABLE group_members (
    group_id    TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    member_id   TEXT NOT NULL,
    member_type TEXT NOT NULL CHECK (member_type IN ('user', 'group')),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_members_member ON group_members (member_id);

CREATE TABLE role_assignments (
    id                 TEXT PRIMARY KEY,
    role_definition_id TEXT NOT NULL,
    principal_id       TEXT NOT NULL,
    principal_type     TEXT NOT NULL CHECK (principal_type IN ('user', 'group')),
    directory_scope_id TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('active', 'eligible')),
    start_at           TEXT,
    end_at             TEXT,
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL
);
CREATE INDEX role_assignments_principal ON role_assignments (principal_id);
CREATE INDEX role_assignments_role ON role_assignments (role_definition_id);

CREATE TABLE applications (
    id           TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE application_passwords (
    key_id         TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    display_name   TEXT NOT NULL,
    hint           TEXT NOT NULL,
    secret_hash    BLOB NOT NULL,
    start_at       TEXT NOT NULL,
    end_at         TEXT NOT NULL
);
CREATE INDEX application_passwords_app ON application_passwords (application_id);

CREATE TABLE application_permissions (
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    permission     TEXT NOT NULL,
    PRIMARY KEY (application_id, permission)
);

CREATE TABLE signing_keys (
    id          TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    private_key BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    not_before  TEXT NOT NULL,
    not_after   TEXT,
    expires_at  TEXT
);

CREATE TABLE audit_events (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    activity_time  TEXT NOT NULL,
    category       TEXT NOT NULL,
    activity       TEXT NOT NULL,
    initiator_id   TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    result         TEXT NOT NULL,
    body           TEXT NOT NULL,
    prev_hash      BLOB NOT NULL,
    hash           BLOB NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (activity_time);
CREATE INDEX audit_events_correlation ON audit_events (correlation_id);

CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));
