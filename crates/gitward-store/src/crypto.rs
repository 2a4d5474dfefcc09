//! Sealing stored secrets with the data dir's master key.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use gitward_core::Secret;
use std::path::Path;

/// Errors about the master key or a sealed value.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    /// Reading or writing the key file failed.
    #[error("master key file {path}: {source}")]
    Io {
        /// The key file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The key file does not hold 32 bytes.
    #[error("master key file {0} is not 32 bytes")]
    BadLength(String),
    /// A sealed value did not open: wrong key or corrupted data.
    #[error("a stored secret could not be decrypted (wrong master key or corrupted database)")]
    Unseal,
    /// The operating system's random source failed.
    #[error("random source failed")]
    Random,
}

/// The 256-bit key that seals every secret stored in the database.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

const VERSION: u8 = 1;

impl MasterKey {
    /// A key from raw bytes (tests).
    pub fn from_bytes(b: [u8; 32]) -> Self {
        Self(b)
    }

    /// Loads the key from `path`, creating it (mode 0600) with fresh random bytes if absent.
    pub fn load_or_create(path: &Path) -> Result<Self, MasterKeyError> {
        load_or_create_key_file(path).map(Self)
    }

    /// Seals `secret`, binding it to `context` (e.g. the access key id) so a sealed value
    /// cannot be moved to another row.
    pub fn seal(&self, secret: &Secret, context: &str) -> Result<Vec<u8>, MasterKeyError> {
        let cipher = Aes256Gcm::new((&self.0).into());
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|_| MasterKeyError::Random)?;
        let ct = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret.expose().as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| MasterKeyError::Unseal)?;
        let mut out = Vec::with_capacity(1 + 12 + ct.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// A keyed hash of `secret` for values that are checked but never read back (Git
    /// credentials passwords): HMAC-SHA256 under a key derived from the master key for `purpose`.
    pub fn keyed_hash(&self, purpose: &str, secret: &Secret) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let derive = |key: &[u8], msg: &[u8]| {
            let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
                .expect("HMAC takes keys of any length");
            mac.update(msg);
            mac.finalize().into_bytes()
        };
        let subkey = derive(&self.0, purpose.as_bytes());
        derive(&subkey, secret.expose().as_bytes()).into()
    }

    /// Opens a value sealed by [`MasterKey::seal`] with the same `context`.
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Secret, MasterKeyError> {
        if sealed.len() < 13 || sealed[0] != VERSION {
            return Err(MasterKeyError::Unseal);
        }
        let cipher = Aes256Gcm::new((&self.0).into());
        let pt = cipher
            .decrypt(
                Nonce::from_slice(&sealed[1..13]),
                Payload {
                    msg: &sealed[13..],
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| MasterKeyError::Unseal)?;
        String::from_utf8(pt)
            .map(Secret::new)
            .map_err(|_| MasterKeyError::Unseal)
    }
}

/// Reads a 32-byte key file, creating it (mode 0600) with fresh random bytes if absent.
pub fn load_or_create_key_file(path: &Path) -> Result<[u8; 32], MasterKeyError> {
    let io = |source| MasterKeyError::Io {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read(path) {
        Ok(bytes) => bytes
            .try_into()
            .map_err(|_| MasterKeyError::BadLength(path.display().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut b = [0u8; 32];
            getrandom::fill(&mut b).map_err(|_| MasterKeyError::Random)?;
            write_private(path, &b).map_err(io)?;
            Ok(b)
        }
        Err(e) => Err(io(e)),
    }
}

/// Writes `bytes` to a new file readable only by its owner.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_roundtrips_and_binds_context() {
        let k = MasterKey::from_bytes([1; 32]);
        let s = Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        let sealed = k.seal(&s, "AKIAEXAMPLE").expect("seal");
        assert!(!sealed.windows(8).any(|w| w == b"wJalrXUt"));
        assert_eq!(k.open(&sealed, "AKIAEXAMPLE").expect("open"), s);
        assert!(k.open(&sealed, "AKIAOTHER").is_err());
        assert!(
            MasterKey::from_bytes([2; 32])
                .open(&sealed, "AKIAEXAMPLE")
                .is_err()
        );
    }

    #[test]
    fn key_file_is_created_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("keys/master.key");
        let k1 = MasterKey::load_or_create(&p).expect("create");
        let mode = std::fs::metadata(&p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let k2 = MasterKey::load_or_create(&p).expect("load");
        assert_eq!(k1.0, k2.0);
    }
}
