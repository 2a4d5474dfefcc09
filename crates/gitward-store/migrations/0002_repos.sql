-- CodeCommit repositories: metadata and tags. The Git data itself lives on disk at
-- repos/<account_id>/<region>/<repository_id>.git (named by id, so a rename is one UPDATE).
-- Names are unique per account and region, case-sensitively (BINARY collation).
-- Every timestamp is unix seconds (INTEGER, UTC).

CREATE TABLE repositories (
    repository_id   TEXT PRIMARY KEY,          -- UUID v4
    account_id      TEXT NOT NULL,
    region          TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT,
    default_branch  TEXT,
    kms_key_id      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    modified_at     INTEGER NOT NULL,
    UNIQUE (account_id, region, name)
);

CREATE TABLE repository_tags (
    repository_id   TEXT NOT NULL REFERENCES repositories(repository_id) ON DELETE CASCADE,
    key             TEXT NOT NULL,             -- case-sensitive
    value           TEXT NOT NULL,
    PRIMARY KEY (repository_id, key)
);
