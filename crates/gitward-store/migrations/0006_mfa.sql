-- Virtual MFA devices (IAM CreateVirtualMFADevice / EnableMFADevice). Names are unique
-- case-insensitively per account; serial = arn:aws:iam::ACCOUNT:mfa/PATH/NAME.
-- seed_sealed = the Base32 seed, AES-256-GCM under the master key (context: the serial).
-- user_lc NULL = unassigned. last_step = the last TOTP step a code was accepted for (each
-- code works once); drift_steps = how far the device's clock runs from ours (resync).
-- failed_attempts / last_failure_at: wrong codes in a row, for the lockout that stops a
-- caller from guessing codes.
-- tags = JSON array of {"Key","Value"} given at creation.

CREATE TABLE mfa_devices (
    account_id   TEXT NOT NULL REFERENCES accounts(account_id),
    name_lc      TEXT NOT NULL,
    name         TEXT NOT NULL,
    path         TEXT NOT NULL,
    serial       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    seed_sealed  BLOB NOT NULL,
    user_lc      TEXT,
    enabled_at   INTEGER,
    last_step    INTEGER,
    drift_steps  INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    last_failure_at INTEGER,
    tags         TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (account_id, name_lc),
    UNIQUE (account_id, serial)
);
CREATE INDEX mfa_devices_user ON mfa_devices(account_id, user_lc);
