-- SSH public keys of IAM users (UploadSSHPublicKey). Public material: stored in clear, in
-- the canonical SSH wire form the client presents when it signs in. Key ids are unique
-- across accounts (Git over SSH looks a key up by id alone).

CREATE TABLE ssh_public_keys (
    key_id       TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(account_id),
    user_lc      TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    key_blob     BLOB NOT NULL,
    status       TEXT NOT NULL,
    uploaded_at  INTEGER NOT NULL
);
CREATE INDEX ssh_public_keys_owner ON ssh_public_keys(account_id, user_lc);
