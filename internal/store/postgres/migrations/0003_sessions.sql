-- Browser sessions, sign-in log, sign-in throttling, used WebAuthn challenges.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  BYTEA NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    proofs      TEXT NOT NULL,
    contexts    TEXT NOT NULL,
    complete    BOOLEAN NOT NULL,
    persistent  BOOLEAN NOT NULL,
    client_ip   TEXT NOT NULL,
    user_agent  TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE sign_ins (
    id              TEXT PRIMARY KEY,
    created_at      TIMESTAMPTZ NOT NULL,
    user_id         TEXT NOT NULL,
    user_principal_name TEXT NOT NULL,
    app_id          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('success', 'failure', 'interrupted')),
    correlation_id  TEXT NOT NULL,
    body            TEXT NOT NULL
);
CREATE INDEX sign_ins_created ON sign_ins (created_at);
CREATE INDEX sign_ins_user ON sign_ins (user_id, created_at);

CREATE TABLE signin_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ
);

CREATE TABLE used_challenges (
    challenge_hash BYTEA PRIMARY KEY,
    expires_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX used_challenges_expires ON used_challenges (expires_at);
