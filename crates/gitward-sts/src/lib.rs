//! The pure core of gitward's STS (issue 5, DESIGN §4).
//!
//! Temporary credentials are sealed, not stored: a session token is the AEAD-sealed
//! [`SessionClaims`] of the session, opened by any server holding the sealing key. This crate
//! holds the parts that need no I/O, no clock and no randomness of their own (time arrives
//! as `now`, random bytes as parameters):
//!
//! - [`claims`]: what a session carries, its principal ARN and `aws:userid`;
//! - [`mod@seal`]: sealing and opening tokens with a rotatable keyring, minting `ASIA…` credentials;
//! - [`packed`]: session policy checks and the packed policy size (`PackedPolicySize`);
//! - [`totp`]: RFC 6238 codes for virtual MFA devices, their seed, URI and QR code;
//! - [`names`]: STS parameter validation with AWS's messages;
//! - [`message`]: encoded authorization failure messages (DecodeAuthorizationMessage).

#![warn(missing_docs)]

pub mod claims;
pub mod message;
pub mod names;
pub mod packed;
pub mod seal;
pub mod totp;

pub use claims::{
    CLAIMS_VERSION, SessionClaims, SessionKind, SessionSource, SessionTag, SessionTokenPrincipal,
    tag_keys_equal,
};
pub use names::ValidationError;
pub use packed::{PackedPolicyTooLarge, check_packed_policy_size, packed_policy_size_percent};
pub use seal::{
    SealError, SealingKey, SealingKeyring, TokenError, mint_session_credentials, open, open_at,
    seal,
};
pub use totp::TotpError;
