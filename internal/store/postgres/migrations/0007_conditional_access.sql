-- Conditional Access: authentication strengths, authentication contexts,
-- named locations and policies, each stored as its Graph JSON document
-- with the columns that queries and constraints need. ca_version is one
-- row bumped in the same transaction as every change to any of them, so
-- that every node can tell cheaply whether its compiled policies are stale;
-- updating it first also serialises Conditional Access writes, which keeps
-- the tenant limits (195 policies, 15 custom strengths, 195 locations)
-- exact under concurrency.
CREATE TABLE ca_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO ca_version (id, version) VALUES (1, 0);

CREATE TABLE authentication_strengths (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    modified_at  TIMESTAMPTZ NOT NULL,
    body         TEXT NOT NULL
);

CREATE TABLE authentication_contexts (
    id           TEXT PRIMARY KEY CHECK (id ~ '^c[1-9][0-9]?$'),
    display_name TEXT NOT NULL,
    is_available BOOLEAN NOT NULL,
    body         TEXT NOT NULL
);

CREATE TABLE named_locations (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('ip', 'country')),
    display_name TEXT NOT NULL,
    is_trusted   BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    modified_at  TIMESTAMPTZ NOT NULL,
    body         TEXT NOT NULL
);

CREATE TABLE ca_policies (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    state        TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    modified_at  TIMESTAMPTZ NOT NULL,
    body         TEXT NOT NULL
);
CREATE INDEX ca_policies_created ON ca_policies (created_at, id);
