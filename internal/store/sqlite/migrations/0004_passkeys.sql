-- Passkeys and security keys (FIDO2 / WebAuthn credentials).
CREATE TABLE passkeys (
    id                  TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id       BLOB NOT NULL UNIQUE,
    public_key          BLOB NOT NULL,
    aaguid              TEXT NOT NULL,
    sign_count          INTEGER NOT NULL,
    transports          TEXT NOT NULL,
    user_verified       BOOLEAN NOT NULL,
    backup_eligible     BOOLEAN NOT NULL,
    backup_state        BOOLEAN NOT NULL,
    attestation_format  TEXT NOT NULL,
    attestation_trusted BOOLEAN NOT NULL,
    -- SHA-1 thumbprints (hex) of the attestation certificates, a JSON array.
    attestation_certificates TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    model               TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    last_used_at        TEXT
);
CREATE INDEX passkeys_user ON passkeys (user_id);
