-- Service-specific credentials (Git credentials for CodeCommit). The password is stored only
-- as HMAC-SHA256 under a key derived from the master key, never in a recoverable form.

CREATE TABLE service_credentials (
    credential_id     TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts(account_id),
    user_lc           TEXT NOT NULL,
    service_name      TEXT NOT NULL,
    service_user_name TEXT NOT NULL,
    status            TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    password_hash     BLOB NOT NULL
);
CREATE INDEX service_credentials_owner ON service_credentials(account_id, user_lc);
