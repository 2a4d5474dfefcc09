//! Encoded authorization failure messages: what a denial was about (the decision, the
//! matched statements, the request context), sealed so that only
//! `sts:DecodeAuthorizationMessage` in the same account can read it, as on AWS.
//!
//! Text = standard base64 of:
//!
//! ```text
//! 0        format byte b'M' (never the first byte of a session token)
//! 1..5     sealing key id, u32 big-endian       ┐ header, bound as AEAD associated data
//! 5..17    account id (12 ASCII digits)          ┘ together with a domain label
//! +12      AES-256-GCM nonce (random, given by the caller)
//! rest     AES-256-GCM ciphertext and tag of the raw-deflated message JSON
//! ```
//!
//! The domain label in the associated data keeps a message from ever opening as anything
//! else sealed under the same keyring, and the reverse.

use crate::seal::SealingKeyring;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gitward_core::AccountId;
use std::io::{Read as _, Write as _};

/// The first byte of a decoded message.
pub const MESSAGE_FORMAT: u8 = b'M';
/// The longest encoded message [`open_message`] looks at (the model's 10,240 characters).
pub const MAX_MESSAGE_LEN: usize = 10_240;
/// Upper bound on the inflated JSON.
const MAX_JSON: u64 = 64 * 1024;
const DOMAIN: &[u8] = b"gitward authorization message v1";
const NONCE_LEN: usize = 12;
const HEADER_LEN: usize = 1 + 4 + 12;

/// Why a message could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// Not a message of this format, or damaged.
    #[error("the message is malformed")]
    Malformed,
    /// Sealed under a key this keyring does not hold.
    #[error("the message was sealed under an unknown key")]
    UnknownKey,
    /// Altered, or sealed by someone else.
    #[error("the message failed authentication")]
    Tampered,
    /// Sealed for another account than the one asking.
    #[error("the message belongs to another account")]
    OtherAccount,
    /// Too large to be sealed within [`MAX_MESSAGE_LEN`].
    #[error("the message is too large")]
    TooLarge,
}

fn aad(header: &[u8]) -> Vec<u8> {
    let mut a = DOMAIN.to_vec();
    a.extend_from_slice(header);
    a
}

/// Seals `json` (the decoded form) for `account` under the keyring's current key.
pub fn seal_message(
    json: &str,
    account: &AccountId,
    keyring: &SealingKeyring,
    nonce: [u8; NONCE_LEN],
) -> Result<String, MessageError> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(json.as_bytes())
        .map_err(|_| MessageError::Malformed)?;
    let plain = enc.finish().map_err(|_| MessageError::Malformed)?;
    let key = &keyring.current;
    let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + plain.len() + 16);
    out.push(MESSAGE_FORMAT);
    out.extend_from_slice(&key.id.to_be_bytes());
    out.extend_from_slice(account.as_str().as_bytes());
    let cipher = Aes256Gcm::new((&key.key).into());
    let ct = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &plain,
                aad: &aad(&out),
            },
        )
        .map_err(|_| MessageError::Malformed)?;
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    let text = STANDARD.encode(&out);
    if text.len() > MAX_MESSAGE_LEN {
        return Err(MessageError::TooLarge);
    }
    Ok(text)
}

/// Opens an encoded message for a caller of `account`; gives back the JSON.
pub fn open_message(
    text: &str,
    account: &AccountId,
    keyring: &SealingKeyring,
) -> Result<String, MessageError> {
    if text.len() > MAX_MESSAGE_LEN {
        return Err(MessageError::Malformed);
    }
    let bytes = STANDARD
        .decode(text.trim().as_bytes())
        .map_err(|_| MessageError::Malformed)?;
    if bytes.len() < HEADER_LEN + NONCE_LEN + 16 || bytes[0] != MESSAGE_FORMAT {
        return Err(MessageError::Malformed);
    }
    let key_id = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
    let key = keyring.find(key_id).ok_or(MessageError::UnknownKey)?;
    let header = &bytes[..HEADER_LEN];
    let cipher = Aes256Gcm::new((&key.key).into());
    let plain = cipher
        .decrypt(
            Nonce::from_slice(&bytes[HEADER_LEN..HEADER_LEN + NONCE_LEN]),
            Payload {
                msg: &bytes[HEADER_LEN + NONCE_LEN..],
                aad: &aad(header),
            },
        )
        .map_err(|_| MessageError::Tampered)?;
    // Authentic: now the account in the header can be trusted.
    if &bytes[5..HEADER_LEN] != account.as_str().as_bytes() {
        return Err(MessageError::OtherAccount);
    }
    let mut json = String::new();
    flate2::read::DeflateDecoder::new(plain.as_slice())
        .take(MAX_JSON + 1)
        .read_to_string(&mut json)
        .map_err(|_| MessageError::Malformed)?;
    if json.len() as u64 > MAX_JSON {
        return Err(MessageError::Malformed);
    }
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::SealingKey;

    fn acct(s: &str) -> AccountId {
        AccountId::parse(s).expect("account")
    }

    fn ring(id: u32, byte: u8) -> SealingKeyring {
        SealingKeyring::new(SealingKey::new(id, [byte; 32]))
    }

    #[test]
    fn round_trip_in_the_same_account_only() {
        let k = ring(1, 7);
        let a = acct("123456789012");
        let text = seal_message(r#"{"allowed":false}"#, &a, &k, [3; 12]).expect("seal");
        assert_eq!(
            open_message(&text, &a, &k).expect("open"),
            r#"{"allowed":false}"#
        );
        assert_eq!(
            open_message(&text, &acct("210987654321"), &k),
            Err(MessageError::OtherAccount)
        );
    }

    #[test]
    fn tampering_other_keys_and_session_tokens_are_refused() {
        let k = ring(1, 7);
        let a = acct("123456789012");
        let text = seal_message("{}", &a, &k, [3; 12]).expect("seal");
        let mut raw = STANDARD.decode(&text).expect("b64");
        for i in [5, HEADER_LEN + 2, raw.len() - 1] {
            raw[i] ^= 1;
            let flipped = STANDARD.encode(&raw);
            assert!(open_message(&flipped, &a, &k).is_err(), "byte {i}");
            raw[i] ^= 1;
        }
        assert_eq!(
            open_message(&text, &a, &ring(1, 8)),
            Err(MessageError::Tampered)
        );
        assert_eq!(
            open_message(&text, &a, &ring(2, 7)),
            Err(MessageError::UnknownKey)
        );
        assert_eq!(
            open_message("not base64!", &a, &k),
            Err(MessageError::Malformed)
        );
        assert_eq!(
            open_message(&"A".repeat(MAX_MESSAGE_LEN + 1), &a, &k),
            Err(MessageError::Malformed)
        );
    }
}
