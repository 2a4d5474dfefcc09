//! The CodeCommit "SigV4 password" git sends over HTTPS Basic auth (`FACTS.md` §2).
//!
//! `aws codecommit credential-helper` and git-remote-codecommit sign a fixed canonical
//! request, `GIT\n<path>\n\nhost:<host>\n\nhost\n` (empty payload-hash line), with service
//! `codecommit` and a request time *without* the trailing `Z`; the password is
//! `<YYYYMMDDTHHMMSS>Z<64 hex>` (80 characters).

use gitward_core::Secret;
use subtle::{Choice, ConstantTimeEq};
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::timefmt::parse_amz_date;
use crate::verify::{signature, signing_key};
use crate::{ALGORITHM, SCOPE_TERMINATOR};

/// The service name git passwords are scoped to.
pub const SERVICE: &str = "codecommit";

/// Length of a git password: 16 characters of time, 64 of signature.
pub const PASSWORD_LEN: usize = 80;

/// How far the password's time may be from the server's clock (`FACTS.md` §2.4).
pub const MAX_AGE: Duration = Duration::minutes(15);

/// Why a git password was refused; every message is safe to show to the git user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitPasswordError {
    /// Not of the form `YYYYMMDDTHHMMSSZ` + 64 lower-case hex digits.
    #[error(
        "the password is not a CodeCommit signed password (expected 80 characters: a UTC time YYYYMMDDTHHMMSSZ followed by a 64-digit hex signature)"
    )]
    Malformed,
    /// Signed more than 15 minutes before the server's time.
    #[error(
        "the password expired: it was signed at {signed}, more than 15 minutes before the server time {now}; ask the credential helper for a new one"
    )]
    Expired {
        /// When the password was signed (ISO 8601).
        signed: String,
        /// The server's time (ISO 8601).
        now: String,
    },
    /// Signed more than 15 minutes after the server's time.
    #[error(
        "the password is not valid yet: it was signed at {signed}, more than 15 minutes after the server time {now}; check the client's clock"
    )]
    NotYetValid {
        /// When the password was signed (ISO 8601).
        signed: String,
        /// The server's time (ISO 8601).
        now: String,
    },
    /// No candidate host gives the signature in the password.
    #[error(
        "the password's signature does not match: wrong secret access key, or signed for another region, host or repository path"
    )]
    SignatureMismatch,
}

/// Computes the password the clients produce for `path` on `host`.
///
/// `timestamp` is `YYYYMMDDTHHMMSS` (no `Z`), `host` exactly as the client signs it (with
/// or without a port), `path` the repository base path, e.g. `/v1/repos/MyDemoRepo`.
pub fn compute(secret: &Secret, timestamp: &str, region: &str, host: &str, path: &str) -> String {
    format!(
        "{timestamp}Z{}",
        signature_for(secret, timestamp, region, host, path)
    )
}

/// The string to sign of a git password (its time has no `Z`).
pub fn string_to_sign(timestamp: &str, region: &str, host: &str, path: &str) -> String {
    let date = timestamp.get(..8).unwrap_or(timestamp);
    let canonical = format!("GIT\n{path}\n\nhost:{host}\n\nhost\n");
    format!(
        "{ALGORITHM}\n{timestamp}\n{date}/{region}/{SERVICE}/{SCOPE_TERMINATOR}\n{}",
        crate::sha256_hex(canonical.as_bytes())
    )
}

fn signature_for(secret: &Secret, timestamp: &str, region: &str, host: &str, path: &str) -> String {
    let date = timestamp.get(..8).unwrap_or(timestamp);
    let key = signing_key(secret, date, region, SERVICE);
    signature(&key, &string_to_sign(timestamp, region, host, path))
}

/// Splits a password into (signing time, `YYYYMMDDTHHMMSS` without `Z`, hex signature).
///
/// `None` unless it is exactly 80 characters: a valid UTC time `YYYYMMDDTHHMMSSZ` followed
/// by 64 lower-case hex digits.
pub fn parse(password: &str) -> Option<(OffsetDateTime, String, String)> {
    if password.len() != PASSWORD_LEN {
        return None;
    }
    let time = parse_amz_date(password.get(..16)?)?;
    let timestamp = password.get(..15)?;
    let sig = password.get(16..)?;
    if !sig.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    Some((time, timestamp.to_owned(), sig.to_owned()))
}

/// Verifies a git password for `path` at time `now`.
///
/// The time must be within 15 minutes of `now` either way. Every candidate in `hosts`
/// (e.g. the host without its port, as the awscli helper signs it, then `host:port`, as
/// git-remote-codecommit signs it) is tried, each compared in constant time, all of them
/// always computed. `region` is the server's configured region: the password does not
/// carry one.
pub fn verify(
    password: &str,
    secret: &Secret,
    region: &str,
    hosts: &[&str],
    path: &str,
    now: OffsetDateTime,
) -> Result<(), GitPasswordError> {
    let (signed_at, timestamp, provided) = parse(password).ok_or(GitPasswordError::Malformed)?;
    let now = now.to_offset(UtcOffset::UTC);
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let times = || (gitward_core::iso8601(signed_at), gitward_core::iso8601(now));
    if now
        .checked_sub(MAX_AGE)
        .is_some_and(|earliest| signed_at < earliest)
    {
        let (signed, now) = times();
        return Err(GitPasswordError::Expired { signed, now });
    }
    if now
        .checked_add(MAX_AGE)
        .is_some_and(|latest| signed_at > latest)
    {
        let (signed, now) = times();
        return Err(GitPasswordError::NotYetValid { signed, now });
    }
    let mut ok = Choice::from(0);
    for host in hosts {
        let computed = signature_for(secret, &timestamp, region, host, path);
        ok |= computed.as_bytes().ct_eq(provided.as_bytes());
    }
    if bool::from(ok) {
        Ok(())
    } else {
        Err(GitPasswordError::SignatureMismatch)
    }
}
