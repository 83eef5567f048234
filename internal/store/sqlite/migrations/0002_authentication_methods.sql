-- Temporary Access Passes: at most one per user.
CREATE TABLE temporary_access_passes (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    pass_hash        BLOB NOT NULL,
    created_at       TEXT NOT NULL,
    start_at         TEXT NOT NULL,
    lifetime_minutes INTEGER NOT NULL,
    usable_once      BOOLEAN NOT NULL,
    used_at          TEXT
);

-- The authentication methods policy: one JSON document per method
-- configuration (TemporaryAccessPass, Fido2, SoftwareOath); absent means
-- the default.
CREATE TABLE method_configurations (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    modified_at TEXT NOT NULL
);
