//! Account ids and AWS-style unique identifiers.
//!
//! Access key ids encode their account the way AWS's do (FACTS §3.2): after the four-letter
//! prefix, base32 characters whose first six decoded bytes hold `account << 7` in their
//! low bits. `GetAccessKeyInfo` still answers from the database; the encoding only keeps
//! third-party tooling that decodes key ids truthful.

use data_encoding::BASE32_NOPAD;
use std::fmt;

/// Errors from parsing identifiers.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    /// The text is not a 12-digit account id.
    #[error("account id must be 12 digits, got {0:?}")]
    BadAccountId(String),
    /// The access key id is not decodable.
    #[error("access key id is not in the AWS format")]
    BadAccessKeyId,
}

/// A 12-digit AWS account id.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    /// Parses a 12-digit account id.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::BadAccountId(s.to_owned()))
        }
    }

    /// Makes an account id from random bytes (the first digit is never 0).
    pub fn from_random(bytes: [u8; 8]) -> Self {
        let n = u64::from_be_bytes(bytes) % 900_000_000_000 + 100_000_000_000;
        Self(n.to_string())
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn as_u64(&self) -> u64 {
        self.0
            .parse()
            .expect("an AccountId is 12 ASCII digits by construction")
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", self.0)
    }
}

/// The four-letter prefixes of AWS unique identifiers (IAM-UG `reference_identifiers.html`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdPrefix {
    /// Long-term access key.
    Akia,
    /// Temporary (STS) access key.
    Asia,
    /// IAM user.
    Aida,
    /// Role.
    Aroa,
    /// Group.
    Agpa,
    /// Managed policy.
    Anpa,
    /// SSH public key.
    Apka,
    /// Context-specific credential (service-specific credentials).
    Acca,
}

impl IdPrefix {
    /// The four letters.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Akia => "AKIA",
            Self::Asia => "ASIA",
            Self::Aida => "AIDA",
            Self::Aroa => "AROA",
            Self::Agpa => "AGPA",
            Self::Anpa => "ANPA",
            Self::Apka => "APKA",
            Self::Acca => "ACCA",
        }
    }
}

/// Mints a 20-character access key id (`AKIA…`/`ASIA…`) that encodes `account`.
pub fn mint_access_key_id(prefix: IdPrefix, account: &AccountId, random: [u8; 4]) -> String {
    // 10 bytes → 16 base32 characters: 6 bytes holding (account << 7 | random bits), 4 random.
    let x = (account.as_u64() << 7) | u64::from(random[0] & 0x7f);
    let mut bytes = [0u8; 10];
    bytes[..6].copy_from_slice(&x.to_be_bytes()[2..]);
    bytes[6..].copy_from_slice(&random);
    format!("{}{}", prefix.as_str(), BASE32_NOPAD.encode(&bytes))
}

/// Decodes the account id encoded in an AWS-format access key id.
pub fn account_of_access_key_id(akid: &str) -> Result<AccountId, IdError> {
    let body = akid.get(4..20).ok_or(IdError::BadAccessKeyId)?;
    let bytes = BASE32_NOPAD
        .decode(body.as_bytes())
        .map_err(|_| IdError::BadAccessKeyId)?;
    let mut six = [0u8; 8];
    six[2..].copy_from_slice(&bytes[..6]);
    let account = (u64::from_be_bytes(six) & 0x7fff_ffff_ff80) >> 7;
    AccountId::parse(&format!("{account:012}"))
}

/// Mints a 21-character unique id (`AIDA…`, `AGPA…`, `ANPA…`) from 11 random bytes.
pub fn mint_unique_id(prefix: IdPrefix, random: [u8; 11]) -> String {
    format!("{}{}", prefix.as_str(), &BASE32_NOPAD.encode(&random)[..17])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_key_ids_encode_their_account() {
        let acct = AccountId::parse("123456789012").expect("valid");
        let id = mint_access_key_id(IdPrefix::Akia, &acct, [1, 2, 3, 4]);
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("AKIA"));
        assert_eq!(account_of_access_key_id(&id), Ok(acct));
    }

    #[test]
    fn decodes_the_community_documented_example() {
        // ASIAQNZGKIQY56JQ7WML → 029608264753 (the example used by the public decoders).
        assert_eq!(
            account_of_access_key_id("ASIAQNZGKIQY56JQ7WML").map(|a| a.to_string()),
            Ok("029608264753".to_owned())
        );
    }

    #[test]
    fn unique_ids_are_21_characters() {
        let id = mint_unique_id(IdPrefix::Aida, [0xff; 11]);
        assert_eq!(id.len(), 21);
        assert!(id.starts_with("AIDA"));
    }

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(AccountId::parse("12345678901").is_err());
        assert!(AccountId::parse("12345678901a").is_err());
        let a = AccountId::from_random([255; 8]);
        assert_eq!(a.as_str().len(), 12);
    }
}
