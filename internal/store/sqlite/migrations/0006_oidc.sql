-- OpenID Connect provider: applications that sign users in (redirect URIs,
-- logout URL), authorization requests and codes, refresh-token families,
-- and the short list of revoked access tokens.
ALTER TABLE applications ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN web_redirect_uris TEXT NOT NULL DEFAULT '[]';
ALTER TABLE applications ADD COLUMN public_redirect_uris TEXT NOT NULL DEFAULT '[]';
ALTER TABLE applications ADD COLUMN logout_url TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN built_in BOOLEAN NOT NULL DEFAULT FALSE;

-- An authorization request from its arrival at /oauth2/authorize until its
-- code is redeemed (and, kept a while longer, so that a reused code can
-- revoke what it issued).
CREATE TABLE oidc_auth_requests (
    id               TEXT PRIMARY KEY,
    client_id        TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    params           TEXT NOT NULL,
    interactions     INTEGER NOT NULL DEFAULT 0,
    done             BOOLEAN NOT NULL DEFAULT FALSE,
    session_id       TEXT,
    authentication   TEXT,
    code_hash        BLOB UNIQUE,
    code_expires_at  TEXT,
    code_used_at     TEXT,
    family_id        TEXT,
    access_token_id  TEXT,
    access_expires_at TEXT
);
CREATE INDEX oidc_auth_requests_expires ON oidc_auth_requests (expires_at);
CREATE INDEX oidc_auth_requests_session ON oidc_auth_requests (session_id);

-- Refresh tokens: opaque, stored as keyed hashes, rotated on every use; a
-- family is every token descended from one code. They die with their
-- browser session.
CREATE TABLE oidc_refresh_tokens (
    id                TEXT PRIMARY KEY,
    token_hash        BLOB NOT NULL UNIQUE,
    family_id         TEXT NOT NULL,
    client_id         TEXT NOT NULL,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id        TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    scopes            TEXT NOT NULL,
    audience          TEXT NOT NULL,
    authentication    TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    expires_at        TEXT NOT NULL,
    access_token_id   TEXT NOT NULL,
    access_expires_at TEXT NOT NULL,
    rotated_at        TEXT,
    revoked_at        TEXT
);
CREATE INDEX oidc_refresh_tokens_family ON oidc_refresh_tokens (family_id);
CREATE INDEX oidc_refresh_tokens_session ON oidc_refresh_tokens (session_id);
CREATE INDEX oidc_refresh_tokens_expires ON oidc_refresh_tokens (expires_at);

-- Access tokens revoked before their expiry (RFC 7009), by token id, until
-- they would have expired anyway.
CREATE TABLE oidc_revoked_tokens (
    token_id   TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
CREATE INDEX oidc_revoked_tokens_expires ON oidc_revoked_tokens (expires_at);
