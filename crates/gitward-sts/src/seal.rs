//! Sealing session claims into an opaque session token, and opening it again (DESIGN §4).
//!
//! Token = standard base64 (with padding, like AWS's) of:
//!
//! ```text
//! 0        format version (1)
//! 1..5     sealing key id, u32 big-endian          ┐
//! 5        n = length of the access key id (1..=128) │ header, in the clear,
//! 6..6+n   the access key id (ASCII, `ASIA…`)        ┘ bound as AEAD associated data
//! +12      AES-256-GCM nonce (given by the caller, random)
//! rest     AES-256-GCM ciphertext and 16-byte tag of the payload
//! ```
//!
//! Payload = `m` (1 byte), the `m`-byte secret access key, then the raw-deflated JSON of the
//! [`SessionClaims`] (whose serde form never holds the secret). The secret is kept out of the
//! compressor so nothing about it leaks through the token's length.
//!
//! Binding the header as associated data means a token cannot be re-labelled with another
//! key id or presented with another access key id: any change fails authentication.
//! Opening never touches storage and never reads the clock: [`open`] checks integrity and
//! binding, [`open_at`] also checks expiry against the `now` it is given.

use crate::claims::{CLAIMS_VERSION, SessionClaims};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use gitward_core::{AccountId, IdPrefix, Secret, mint_access_key_id};
use std::cell::RefCell;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The longest token text [`open`] looks at; longer input is refused before decoding.
pub const MAX_TOKEN_LEN: usize = 8192;
/// The token format version (first byte of the decoded token).
pub const TOKEN_FORMAT_VERSION: u8 = 1;
/// How many random bytes [`mint_session_credentials`] takes: 4 for the id, 40 for the secret.
pub const SESSION_CREDENTIAL_RANDOM_BYTES: usize = 44;

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const MAX_ACCESS_KEY_ID_LEN: usize = 128;
/// Upper bound on the inflated claims, so a payload can never balloon in memory.
const MAX_CLAIMS_JSON: u64 = 256 * 1024;

/// Why a token did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token of ours: too long, not base64, truncated, unknown format, bad payload.
    #[error("the security token is malformed")]
    Malformed,
    /// Sealed under a key id this keyring does not hold (another server, or a retired key).
    #[error("the security token was sealed with unknown key id {key_id}")]
    UnknownKey {
        /// The key id in the token's header.
        key_id: u32,
    },
    /// The token failed authentication: changed, or sealed with another key of the same id.
    #[error("the security token failed authentication")]
    Tampered,
    /// The token belongs to another access key id.
    #[error("the security token does not belong to this access key id")]
    AccessKeyMismatch,
    /// The session expired (only from [`open_at`]).
    #[error("the security token expired at {expired_at} (unix seconds)")]
    Expired {
        /// When it expired, unix seconds.
        expired_at: i64,
    },
}

/// Why claims could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The access key id is empty, longer than 128 bytes or not ASCII.
    #[error("access key id is not 1..=128 ASCII characters")]
    BadAccessKeyId,
    /// The secret access key is longer than 255 bytes.
    #[error("secret access key is longer than 255 bytes")]
    BadSecret,
    /// The claims carry a layout version this code does not write.
    #[error("claims version {0} is not the current version")]
    BadVersion(u32),
    /// The token would exceed [`MAX_TOKEN_LEN`] (validate sizes before sealing).
    #[error("the sealed token would be {len} characters, over the limit")]
    TooLarge {
        /// The token's length.
        len: usize,
    },
    /// Encryption failed (does not happen with valid keys).
    #[error("encryption failed")]
    Encrypt,
}

/// One 256-bit sealing key and the id written in the tokens it seals.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SealingKey {
    /// The key id, in the clear in every token.
    pub id: u32,
    /// The AES-256-GCM key.
    pub key: [u8; 32],
}

impl SealingKey {
    /// A key `id` with bytes `key`.
    pub fn new(id: u32, key: [u8; 32]) -> Self {
        Self { id, key }
    }
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealingKey({}, <redacted>)", self.id)
    }
}

/// The keys a server seals and opens tokens with: new tokens use `current`, tokens sealed
/// by any key in the ring open, so rotating keeps live sessions valid.
#[derive(Debug, Clone)]
pub struct SealingKeyring {
    /// The key new tokens are sealed with.
    pub current: SealingKey,
    /// Older keys, kept until every token they sealed has expired.
    pub previous: Vec<SealingKey>,
}

impl SealingKeyring {
    /// A ring holding only `current`.
    pub fn new(current: SealingKey) -> Self {
        Self {
            current,
            previous: Vec::new(),
        }
    }

    /// Makes `next` the current key, keeping the old current key for opening.
    pub fn rotate(&mut self, next: SealingKey) {
        let old = std::mem::replace(&mut self.current, next);
        self.previous.retain(|k| k.id != self.current.id);
        self.previous.insert(0, old);
    }

    /// The key with id `id`, if the ring holds it (the current key first).
    pub fn find(&self, id: u32) -> Option<&SealingKey> {
        std::iter::once(&self.current)
            .chain(self.previous.iter())
            .find(|k| k.id == id)
    }
}

/// Mints temporary credentials: an `ASIA…` access key id encoding `account`, and a
/// 40-character secret from the alphabet of AWS secret keys (as IAM's are made).
pub fn mint_session_credentials(
    account: &AccountId,
    random: [u8; SESSION_CREDENTIAL_RANDOM_BYTES],
) -> (String, Secret) {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let id_bytes = [random[0], random[1], random[2], random[3]];
    let id = mint_access_key_id(IdPrefix::Asia, account, id_bytes);
    let secret: String = random[4..]
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 63)]))
        .collect();
    (id, Secret::new(secret))
}

fn header(key_id: u32, access_key_id: &str) -> Vec<u8> {
    let mut h = Vec::with_capacity(6 + access_key_id.len());
    h.push(TOKEN_FORMAT_VERSION);
    h.extend_from_slice(&key_id.to_be_bytes());
    // Callers check the length is 1..=128 first.
    h.push(u8::try_from(access_key_id.len()).unwrap_or(u8::MAX));
    h.extend_from_slice(access_key_id.as_bytes());
    h
}

/// Seals `claims` with the keyring's current key and `nonce` (12 fresh random bytes: a
/// nonce must never repeat under one key), giving the session token text.
pub fn seal(
    claims: &SessionClaims,
    keyring: &SealingKeyring,
    nonce: [u8; NONCE_LEN],
) -> Result<String, SealError> {
    if claims.v != CLAIMS_VERSION {
        return Err(SealError::BadVersion(claims.v));
    }
    let akid = claims.access_key_id.as_str();
    if akid.is_empty() || akid.len() > MAX_ACCESS_KEY_ID_LEN || !akid.is_ascii() {
        return Err(SealError::BadAccessKeyId);
    }
    let secret = claims.secret_access_key.expose().as_bytes();
    let secret_len = u8::try_from(secret.len()).map_err(|_| SealError::BadSecret)?;

    let json = serde_json::to_vec(claims).map_err(|_| SealError::Encrypt)?;
    let mut plain = Vec::with_capacity(1 + secret.len() + json.len() / 2 + 64);
    plain.push(secret_len);
    plain.extend_from_slice(secret);
    if json.len() <= STORED_MAX {
        stored_block(&json, &mut plain);
    } else {
        deflate_into(&json, &mut plain).map_err(|()| SealError::Encrypt)?;
    }

    let key = &keyring.current;
    let mut out = header(key.id, akid);
    let cipher = Aes256Gcm::new((&key.key).into());
    let ct = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &plain,
                aad: &out,
            },
        )
        .map_err(|_| SealError::Encrypt)?;
    plain.zeroize();
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    let token = STANDARD.encode(&out);
    if token.len() > MAX_TOKEN_LEN {
        return Err(SealError::TooLarge { len: token.len() });
    }
    Ok(token)
}

/// Opens `token` presented with `access_key_id`: checks format, key id, binding and
/// integrity, and returns the claims (with their secret). Does not check expiry: see
/// [`open_at`].
pub fn open(
    token: &str,
    access_key_id: &str,
    keyring: &SealingKeyring,
) -> Result<SessionClaims, TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let bytes = STANDARD
        .decode(token.as_bytes())
        .map_err(|_| TokenError::Malformed)?;
    if bytes.len() < 6 || bytes[0] != TOKEN_FORMAT_VERSION {
        return Err(TokenError::Malformed);
    }
    let key_id = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
    let n = usize::from(bytes[5]);
    let header_len = 6 + n;
    if n == 0 || bytes.len() < header_len + NONCE_LEN + TAG_LEN + 1 {
        return Err(TokenError::Malformed);
    }
    let token_akid = &bytes[6..header_len];
    let same: bool = token_akid.ct_eq(access_key_id.as_bytes()).into();
    if !same {
        return Err(TokenError::AccessKeyMismatch);
    }
    let key = keyring
        .find(key_id)
        .ok_or(TokenError::UnknownKey { key_id })?;
    let cipher = Aes256Gcm::new((&key.key).into());
    let mut plain = cipher
        .decrypt(
            Nonce::from_slice(&bytes[header_len..header_len + NONCE_LEN]),
            Payload {
                msg: &bytes[header_len + NONCE_LEN..],
                aad: &bytes[..header_len],
            },
        )
        .map_err(|_| TokenError::Tampered)?;
    let claims = parse_payload(&plain, access_key_id);
    plain.zeroize();
    claims
}

fn parse_payload(plain: &[u8], access_key_id: &str) -> Result<SessionClaims, TokenError> {
    let (&m, rest) = plain.split_first().ok_or(TokenError::Malformed)?;
    let m = usize::from(m);
    if rest.len() < m {
        return Err(TokenError::Malformed);
    }
    let secret = std::str::from_utf8(&rest[..m]).map_err(|_| TokenError::Malformed)?;
    let json = inflate(&rest[m..])?;
    let mut claims: SessionClaims =
        serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)?;
    if claims.v != CLAIMS_VERSION {
        return Err(TokenError::Malformed);
    }
    let same: bool = claims
        .access_key_id
        .as_bytes()
        .ct_eq(access_key_id.as_bytes())
        .into();
    if !same {
        return Err(TokenError::AccessKeyMismatch);
    }
    claims.secret_access_key = Secret::new(secret);
    Ok(claims)
}

thread_local! {
    // A deflate state is a few hundred kilobytes; making one per token cost more than the
    // rest of sealing together, so each thread keeps one and resets it between tokens.
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::default(), false));
    static INFLATE: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

/// Claims whose JSON is at most this long are written as one deflate *stored* block rather
/// than compressed: still raw deflate, so every version opens them alike, but with no
/// compressor to reset (most of the cost of sealing a small session) for ~100 more bytes.
/// Larger claims (session policies, many tags) are compressed to stay under the size bound.
const STORED_MAX: usize = 640;

/// Appends `input` (at most 65,535 bytes) as one final deflate stored block (RFC 1951 §3.2.4).
fn stored_block(input: &[u8], out: &mut Vec<u8>) {
    let len = u16::try_from(input.len()).unwrap_or(u16::MAX);
    out.push(0x01); // BFINAL = 1, BTYPE = 00 (stored), then padding to the byte boundary
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(&input[..usize::from(len)]);
}

/// Appends the raw deflate of `input` to `out`.
fn deflate_into(input: &[u8], out: &mut Vec<u8>) -> Result<(), ()> {
    DEFLATE.with(|cell| {
        let mut c = cell.borrow_mut();
        c.reset();
        loop {
            let consumed = usize::try_from(c.total_in()).map_err(|_| ())?;
            out.reserve(input.len() / 2 + 64);
            match c.compress_vec(&input[consumed..], out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => return Ok(()),
                Ok(Status::Ok | Status::BufError) => {}
                Err(_) => return Err(()),
            }
        }
    })
}

/// The raw inflate of `input`, refused when it is corrupt, truncated, or would pass
/// [`MAX_CLAIMS_JSON`] bytes.
fn inflate(input: &[u8]) -> Result<Vec<u8>, TokenError> {
    INFLATE.with(|cell| {
        let mut d = cell.borrow_mut();
        d.reset(false);
        let mut out = Vec::with_capacity(input.len() * 4 + 64);
        loop {
            if out.len() as u64 > MAX_CLAIMS_JSON {
                return Err(TokenError::Malformed);
            }
            if out.len() == out.capacity() {
                out.reserve(out.len());
            }
            let (before_in, before_out) = (d.total_in(), d.total_out());
            let consumed = usize::try_from(before_in).map_err(|_| TokenError::Malformed)?;
            let status = d
                .decompress_vec(&input[consumed..], &mut out, FlushDecompress::Finish)
                .map_err(|_| TokenError::Malformed)?;
            if status == Status::StreamEnd {
                break;
            }
            if d.total_in() == before_in && d.total_out() == before_out {
                // No progress with room to write: the stream is truncated.
                return Err(TokenError::Malformed);
            }
        }
        if out.len() as u64 > MAX_CLAIMS_JSON {
            return Err(TokenError::Malformed);
        }
        Ok(out)
    })
}

/// [`open`], then refuses a session that has expired at `now`.
pub fn open_at(
    token: &str,
    access_key_id: &str,
    keyring: &SealingKeyring,
    now: OffsetDateTime,
) -> Result<SessionClaims, TokenError> {
    let claims = open(token, access_key_id, keyring)?;
    if claims.is_expired(now) {
        return Err(TokenError::Expired {
            expired_at: claims.expires_at,
        });
    }
    Ok(claims)
}

#[cfg(test)]
mod tests;
