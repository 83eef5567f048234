-- Passwords (argon2id, PHC string) and TOTP (softwareOath) methods.
CREATE TABLE passwords (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hash       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE totp_methods (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret         BLOB NOT NULL,
    display_name   TEXT NOT NULL,
    confirmed      BOOLEAN NOT NULL,
    last_used_step INTEGER NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX totp_methods_user ON totp_methods (user_id);
