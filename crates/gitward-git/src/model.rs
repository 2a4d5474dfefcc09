//! The values the service hands out, serialised with the CodeCommit model's member names.
//!
//! Timestamps serialise as epoch seconds (a JSON number): that is the awsJson1.1 protocol's
//! default timestamp format, the form AWS sends and the only one the AWS SDKs for Rust and
//! Go accept (botocore accepts either).

use crate::error::RepoError;
use crate::validate;
use gitward_core::AccountId;
use serde::{Serialize, Serializer};
use std::str::FromStr;
use time::OffsetDateTime;

/// The caller's account and region: every call of the service is confined to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    account: AccountId,
    region: String,
}

/// The region of a [`Scope`] is not a plain region name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid region name {0:?}")]
pub struct InvalidRegion(pub String);

impl Scope {
    /// A scope; `region` must look like a region name (`us-east-1`: lowercase letters,
    /// digits, inner dashes) because it names a directory of the repositories root.
    pub fn new(account: AccountId, region: impl Into<String>) -> Result<Self, InvalidRegion> {
        let region = region.into();
        if validate::region(&region) {
            Ok(Self { account, region })
        } else {
            Err(InvalidRegion(region))
        }
    }

    /// The account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The ARN of repository `name` in this scope.
    pub fn repository_arn(&self, name: &str) -> String {
        format!(
            "arn:{}:codecommit:{}:{}:{name}",
            gitward_core::PARTITION,
            self.region,
            self.account
        )
    }
}

/// Where clients reach this server, for the clone URLs in repository metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrls {
    /// Base of HTTPS clone URLs, e.g. `https://127.0.0.1:8443` (no trailing slash needed).
    pub http_base: String,
    /// Base of SSH clone URLs, e.g. `ssh://127.0.0.1:2222`.
    pub ssh_base: String,
}

/// The KMS key id reported for repositories created without one.
pub const DEFAULT_KMS_KEY_ID: &str = "alias/aws/codecommit";

/// `RepositoryMetadata` of the CodeCommit model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryMetadata {
    /// Owning account.
    pub account_id: String,
    /// Repository id (a UUID), stable across renames.
    pub repository_id: String,
    /// Name, unique per account and region.
    pub repository_name: String,
    /// Description, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository_description: Option<String>,
    /// Default branch; none until the first branch exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<String>,
    /// Last change of the metadata (name, description, default branch) or of its refs
    /// through a push.
    #[serde(serialize_with = "epoch_seconds")]
    pub last_modified_date: OffsetDateTime,
    /// Creation time.
    #[serde(serialize_with = "epoch_seconds")]
    pub creation_date: OffsetDateTime,
    /// `{http_base}/v1/repos/{name}`.
    pub clone_url_http: String,
    /// `{ssh_base}/v1/repos/{name}`.
    pub clone_url_ssh: String,
    /// `arn:aws:codecommit:{region}:{account}:{name}`.
    #[serde(rename = "Arn")]
    pub arn: String,
    /// The KMS key id given at creation, or [`DEFAULT_KMS_KEY_ID`]. gitward keeps it as a
    /// label only: repositories are not KMS-encrypted.
    pub kms_key_id: String,
}

/// `RepositoryNameIdPair` of the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryNameIdPair {
    /// Name.
    pub repository_name: String,
    /// Id.
    pub repository_id: String,
}

/// `BranchInfo` of the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BranchInfo {
    /// Branch name (without `refs/heads/`).
    pub branch_name: String,
    /// The commit the branch points to (40 lowercase hex digits).
    pub commit_id: String,
}

/// `SortByEnum` of ListRepositories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// `repositoryName` (the default).
    #[default]
    RepositoryName,
    /// `lastModifiedDate`.
    LastModifiedDate,
}

impl SortBy {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RepositoryName => "repositoryName",
            Self::LastModifiedDate => "lastModifiedDate",
        }
    }
}

impl FromStr for SortBy {
    type Err = RepoError;
    fn from_str(s: &str) -> Result<Self, RepoError> {
        match s {
            "repositoryName" => Ok(Self::RepositoryName),
            "lastModifiedDate" => Ok(Self::LastModifiedDate),
            _ => Err(RepoError::InvalidSortBy),
        }
    }
}

/// `OrderEnum` of ListRepositories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// `ascending` (the default).
    #[default]
    Ascending,
    /// `descending`.
    Descending,
}

impl Order {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ascending => "ascending",
            Self::Descending => "descending",
        }
    }
}

impl FromStr for Order {
    type Err = RepoError;
    fn from_str(s: &str) -> Result<Self, RepoError> {
        match s {
            "ascending" => Ok(Self::Ascending),
            "descending" => Ok(Self::Descending),
            _ => Err(RepoError::InvalidOrder),
        }
    }
}

/// Serialises a timestamp as awsJson epoch seconds.
pub fn epoch_seconds<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(t.unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_refuses_path_like_regions() {
        let acct = AccountId::parse("123456789012").expect("valid");
        assert!(Scope::new(acct.clone(), "us-east-1").is_ok());
        assert!(Scope::new(acct.clone(), "..").is_err());
        assert!(Scope::new(acct, "us/east").is_err());
    }

    #[test]
    fn sort_and_order_parse_wire_values() {
        assert_eq!(
            "lastModifiedDate".parse::<SortBy>().ok(),
            Some(SortBy::LastModifiedDate)
        );
        assert!(matches!(
            "name".parse::<SortBy>(),
            Err(RepoError::InvalidSortBy)
        ));
        assert_eq!("descending".parse::<Order>().ok(), Some(Order::Descending));
        assert!(matches!(
            "down".parse::<Order>(),
            Err(RepoError::InvalidOrder)
        ));
    }
}
