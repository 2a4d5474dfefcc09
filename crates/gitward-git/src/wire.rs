//! Inputs and outputs of the repository operations, with the CodeCommit model's member
//! names (awsJson1.1 bodies). Inputs deserialize leniently: a missing required string is
//! read as empty so the service answers the model's `…RequiredException`, not a parse error.

use crate::error::RepoError;
use crate::model::{BranchInfo, Order, RepositoryMetadata, RepositoryNameIdPair, SortBy};
use crate::store::Tags;
use serde::{Deserialize, Serialize};

/// `CreateRepositoryInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateRepositoryInput {
    /// `repositoryName` (required).
    pub repository_name: String,
    /// `repositoryDescription`.
    pub repository_description: Option<String>,
    /// `tags`.
    pub tags: Option<Tags>,
    /// `kmsKeyId`.
    pub kms_key_id: Option<String>,
}

/// `GetRepositoryInput` and `DeleteRepositoryInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RepositoryNameInput {
    /// `repositoryName` (required).
    pub repository_name: String,
}

/// `BatchGetRepositoriesInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BatchGetRepositoriesInput {
    /// `repositoryNames` (required; may be empty).
    pub repository_names: Option<Vec<String>>,
}

/// `ListRepositoriesInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListRepositoriesInput {
    /// `nextToken`.
    pub next_token: Option<String>,
    /// `sortBy`: `repositoryName` | `lastModifiedDate`.
    pub sort_by: Option<String>,
    /// `order`: `ascending` | `descending`.
    pub order: Option<String>,
}

impl ListRepositoriesInput {
    /// The sort key (default `repositoryName`), or `InvalidSortByException`.
    pub fn sort_by(&self) -> Result<SortBy, RepoError> {
        self.sort_by
            .as_deref()
            .map_or(Ok(SortBy::default()), str::parse)
    }

    /// The order (default `ascending`), or `InvalidOrderException`.
    pub fn order(&self) -> Result<Order, RepoError> {
        self.order
            .as_deref()
            .map_or(Ok(Order::default()), str::parse)
    }
}

/// `UpdateRepositoryNameInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UpdateRepositoryNameInput {
    /// `oldName` (required).
    pub old_name: String,
    /// `newName` (required).
    pub new_name: String,
}

/// `UpdateRepositoryDescriptionInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UpdateRepositoryDescriptionInput {
    /// `repositoryName` (required).
    pub repository_name: String,
    /// `repositoryDescription` (absent clears the description).
    pub repository_description: Option<String>,
}

/// `UpdateDefaultBranchInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UpdateDefaultBranchInput {
    /// `repositoryName` (required).
    pub repository_name: String,
    /// `defaultBranchName` (required).
    pub default_branch_name: String,
}

/// `ListBranchesInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListBranchesInput {
    /// `repositoryName` (required).
    pub repository_name: String,
    /// `nextToken`.
    pub next_token: Option<String>,
}

/// `GetBranchInput` and `DeleteBranchInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BranchInput {
    /// `repositoryName` (required).
    pub repository_name: String,
    /// `branchName` (required).
    pub branch_name: String,
}

/// `CreateBranchInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateBranchInput {
    /// `repositoryName` (required).
    pub repository_name: String,
    /// `branchName` (required).
    pub branch_name: String,
    /// `commitId` (required).
    pub commit_id: String,
}

/// `TagResourceInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TagResourceInput {
    /// `resourceArn` (required).
    pub resource_arn: String,
    /// `tags` (required, non-empty).
    pub tags: Tags,
}

/// `UntagResourceInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UntagResourceInput {
    /// `resourceArn` (required).
    pub resource_arn: String,
    /// `tagKeys` (required, non-empty).
    pub tag_keys: Vec<String>,
}

/// `ListTagsForResourceInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListTagsForResourceInput {
    /// `resourceArn` (required).
    pub resource_arn: String,
    /// `nextToken` (ignored: a repository has at most 50 tags, one page).
    pub next_token: Option<String>,
}

/// `CreateRepositoryOutput` and `GetRepositoryOutput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryMetadataOutput {
    /// `repositoryMetadata`.
    pub repository_metadata: RepositoryMetadata,
}

/// `BatchGetRepositoriesError`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchGetRepositoriesError {
    /// `repositoryName`.
    pub repository_name: String,
    /// `errorCode` (`RepositoryDoesNotExistException`).
    pub error_code: String,
    /// `errorMessage`.
    pub error_message: String,
}

/// `BatchGetRepositoriesOutput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchGetRepositoriesOutput {
    /// `repositories`: the ones found, in request order.
    pub repositories: Vec<RepositoryMetadata>,
    /// `repositoriesNotFound`.
    pub repositories_not_found: Vec<String>,
    /// `errors`: one `RepositoryDoesNotExistException` entry per name not found.
    pub errors: Vec<BatchGetRepositoriesError>,
}

/// `ListRepositoriesOutput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRepositoriesOutput {
    /// `repositories`.
    pub repositories: Vec<RepositoryNameIdPair>,
    /// `nextToken`, if more pages follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `DeleteRepositoryOutput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteRepositoryOutput {
    /// `repositoryId`, absent if there was no such repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository_id: Option<String>,
}

/// `ListBranchesOutput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListBranchesOutput {
    /// `branches`: names, sorted bytewise.
    pub branches: Vec<String>,
    /// `nextToken`, if more pages follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `GetBranchOutput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetBranchOutput {
    /// `branch`.
    pub branch: BranchInfo,
}

/// `DeleteBranchOutput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteBranchOutput {
    /// `deletedBranch`, absent if there was no such branch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_branch: Option<BranchInfo>,
}

/// `ListTagsForResourceOutput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTagsForResourceOutput {
    /// `tags`.
    pub tags: Tags,
    /// `nextToken` (never set: one page holds every tag).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_required_members_read_as_empty() {
        let i: CreateBranchInput = serde_json::from_str("{}").expect("parse");
        assert_eq!(i.repository_name, "");
        let i: CreateRepositoryInput = serde_json::from_str(
            r#"{"repositoryName":"r","repositoryDescription":"d","tags":{"k":"v"},"extra":1}"#,
        )
        .expect("parse");
        assert_eq!(i.repository_name, "r");
        assert_eq!(i.tags.map(|t| t.len()), Some(1));
        let i: ListRepositoriesInput =
            serde_json::from_str(r#"{"sortBy":"lastModifiedDate","order":"up"}"#).expect("parse");
        assert_eq!(i.sort_by().ok(), Some(SortBy::LastModifiedDate));
        assert!(matches!(i.order(), Err(RepoError::InvalidOrder)));
        let i: BatchGetRepositoriesInput = serde_json::from_str("{}").expect("parse");
        assert!(i.repository_names.is_none());
    }

    #[test]
    fn outputs_use_model_member_names() {
        let out = DeleteBranchOutput {
            deleted_branch: Some(BranchInfo {
                branch_name: "b".into(),
                commit_id: "c".into(),
            }),
        };
        assert_eq!(
            serde_json::to_string(&out).expect("json"),
            r#"{"deletedBranch":{"branchName":"b","commitId":"c"}}"#
        );
        let out = DeleteRepositoryOutput {
            repository_id: None,
        };
        assert_eq!(serde_json::to_string(&out).expect("json"), "{}");
    }
}
