-- Accounts and the IAM core: users, groups, access keys, managed and inline policies.
-- Names are unique case-insensitively per account (name_lc); the original case is kept.
-- Every timestamp is unix seconds (INTEGER, UTC).

CREATE TABLE accounts (
    account_id  TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    account_id   TEXT NOT NULL REFERENCES accounts(account_id),
    name_lc      TEXT NOT NULL,
    name         TEXT NOT NULL,
    user_id      TEXT NOT NULL UNIQUE,
    path         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    boundary_arn TEXT,
    PRIMARY KEY (account_id, name_lc)
);

CREATE TABLE groups (
    account_id  TEXT NOT NULL REFERENCES accounts(account_id),
    name_lc     TEXT NOT NULL,
    name        TEXT NOT NULL,
    group_id    TEXT NOT NULL UNIQUE,
    path        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, name_lc)
);

CREATE TABLE group_members (
    account_id  TEXT NOT NULL,
    group_lc    TEXT NOT NULL,
    user_lc     TEXT NOT NULL,
    PRIMARY KEY (account_id, group_lc, user_lc)
);

-- Tags of users (and later roles): kind = 'user' | 'role'.
CREATE TABLE tags (
    account_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    owner_lc    TEXT NOT NULL,
    key_lc      TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind, owner_lc, key_lc)
);

-- user_lc NULL = the account's root user. secret_sealed = AES-256-GCM under the master key.
CREATE TABLE access_keys (
    access_key_id     TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts(account_id),
    user_lc           TEXT,
    status            TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    secret_sealed     BLOB NOT NULL,
    last_used_at      INTEGER,
    last_used_service TEXT,
    last_used_region  TEXT
);
CREATE INDEX access_keys_owner ON access_keys(account_id, user_lc);

-- Customer managed policies (AWS managed ones are built into the binary).
CREATE TABLE policies (
    arn             TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts(account_id),
    name_lc         TEXT NOT NULL,
    name            TEXT NOT NULL,
    policy_id       TEXT NOT NULL UNIQUE,
    path            TEXT NOT NULL,
    description     TEXT,
    default_version TEXT NOT NULL,
    next_version    INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (account_id, name_lc)
);

CREATE TABLE policy_versions (
    arn         TEXT NOT NULL REFERENCES policies(arn) ON DELETE CASCADE,
    version_id  TEXT NOT NULL,
    document    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (arn, version_id)
);

-- kind = 'user' | 'group' | 'role'
CREATE TABLE attachments (
    account_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    owner_lc    TEXT NOT NULL,
    policy_arn  TEXT NOT NULL,
    attached_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind, owner_lc, policy_arn)
);
CREATE INDEX attachments_by_policy ON attachments(policy_arn);

CREATE TABLE inline_policies (
    account_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    owner_lc    TEXT NOT NULL,
    name        TEXT NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (account_id, kind, owner_lc, name)
);
