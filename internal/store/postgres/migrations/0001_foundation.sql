-- Foundation: tenant, directory, applications, signing keys, audit log.

CREATE TABLE tenant (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    tenant_id   TEXT NOT NULL,
    key_check   TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    upn                TEXT NOT NULL,
    upn_key            TEXT NOT NULL UNIQUE,
    display_name       TEXT NOT NULL,
    mail               TEXT NOT NULL DEFAULT '',
    account_enabled    BOOLEAN NOT NULL,
    user_type          TEXT NOT NULL CHECK (user_type IN ('Member', 'Guest')),
    created_at         TIMESTAMPTZ NOT NULL,
    tokens_valid_after TIMESTAMPTZ NOT NULL
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
    created_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX groups_display_name ON groups (display_name);

CREATE TABLE group_members (
    group_id    TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    member_id   TEXT NOT NULL,
    member_type TEXT NOT NULL CHECK (member_type IN ('user', 'group')),
    created_at  TIMESTAMPTZ NOT NULL,
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
    start_at           TIMESTAMPTZ,
    end_at             TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    created_by         TEXT NOT NULL
);
CREATE INDEX role_assignments_principal ON role_assignments (principal_id);
CREATE INDEX role_assignments_role ON role_assignments (role_definition_id);

CREATE TABLE applications (
    id           TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE application_passwords (
    key_id         TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    display_name   TEXT NOT NULL,
    hint           TEXT NOT NULL,
    secret_hash    BYTEA NOT NULL,
    start_at       TIMESTAMPTZ NOT NULL,
    end_at         TIMESTAMPTZ NOT NULL
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
    private_key BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    not_before  TIMESTAMPTZ NOT NULL,
    not_after   TIMESTAMPTZ,
    expires_at  TIMESTAMPTZ
);

CREATE TABLE audit_events (
    seq            BIGINT PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    activity_time  TIMESTAMPTZ NOT NULL,
    category       TEXT NOT NULL,
    activity       TEXT NOT NULL,
    initiator_id   TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    result         TEXT NOT NULL,
    body           TEXT NOT NULL,
    prev_hash      BYTEA NOT NULL,
    hash           BYTEA NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (activity_time);
CREATE INDEX audit_events_correlation ON audit_events (correlation_id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_append_only_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
