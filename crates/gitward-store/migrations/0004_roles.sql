-- IAM roles. Their tags, attached and inline policies live in the shared tables with
-- kind = 'role'. Names are unique case-insensitively per account (name_lc).

CREATE TABLE roles (
    account_id           TEXT NOT NULL REFERENCES accounts(account_id),
    name_lc              TEXT NOT NULL,
    name                 TEXT NOT NULL,
    role_id              TEXT NOT NULL UNIQUE,
    path                 TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    trust_policy         TEXT NOT NULL,
    description          TEXT,
    max_session_duration INTEGER NOT NULL,
    boundary_arn         TEXT,
    last_used_at         INTEGER,
    last_used_region     TEXT,
    PRIMARY KEY (account_id, name_lc)
);
