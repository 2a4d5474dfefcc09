//! The one error type of the repositories service.
//!
//! Every client-facing variant is named after an exception shape of the CodeCommit model and
//! displays the message AWS sends (where known, else the model's documentation text), so the
//! API layer renders `{"__type": err.shape(), "message": err.to_string()}`. The two internal
//! variants ([`RepoError::Store`], [`RepoError::Git`]) carry details for logs: check
//! [`RepoError::is_internal`] and never send their text to a client.

use gitward_core::StoreError;

/// The exact text AWS returns for an invalid repository name (trailing space included).
pub const INVALID_REPOSITORY_NAME_MESSAGE: &str = "The repository name is not valid. Repository \
names can be any valid combination of letters, numbers, periods, underscores, and dashes between \
1 and 100 characters in length. Names are case sensitive. For more information, see Limits in \
the AWS CodeCommit User Guide. ";

/// A failed repositories-service call.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// A repository with this name exists in the caller's account and region.
    #[error("Repository named {0} already exists")]
    RepositoryNameExists(String),
    /// The repository name is empty or missing.
    #[error("A repository name is required, but was not specified.")]
    RepositoryNameRequired,
    /// The repository name breaks the naming rules.
    #[error("{}", INVALID_REPOSITORY_NAME_MESSAGE)]
    InvalidRepositoryName,
    /// No repository with this name in the caller's account and region.
    #[error("{0} does not exist")]
    RepositoryDoesNotExist(String),
    /// The description is longer than 1,000 characters.
    #[error(
        "The repository description is not valid. Repository descriptions can be up to 1000 characters in length."
    )]
    InvalidRepositoryDescription,
    /// The account already holds the maximum number of repositories in this region.
    #[error(
        "The maximum number of repositories ({0}) for this account in this Region has been reached."
    )]
    RepositoryLimitExceeded(usize),
    /// `repositoryNames` was not given.
    #[error("At least one repository name object is required, but was not specified.")]
    RepositoryNamesRequired,
    /// More names in one BatchGetRepositories call than allowed.
    #[error("The maximum number of allowed repository names ({0}) was exceeded.")]
    MaximumRepositoryNamesExceeded(usize),
    /// `sortBy` is not `repositoryName` or `lastModifiedDate`.
    #[error("The specified sort by value is not valid.")]
    InvalidSortBy,
    /// `order` is not `ascending` or `descending`.
    #[error("The specified sort order is not valid.")]
    InvalidOrder,
    /// The `nextToken` was not issued for this request.
    #[error("The specified continuation token is not valid.")]
    InvalidContinuationToken,
    /// The branch name is empty or missing.
    #[error("A branch name is required, but was not specified.")]
    BranchNameRequired,
    /// The branch name is not a valid Git branch name.
    #[error("The specified reference name is not valid.")]
    InvalidBranchName,
    /// The branch does not exist in the repository.
    #[error("Branch {0} does not exist")]
    BranchDoesNotExist(String),
    /// A branch with this name exists already.
    #[error("Branch named {0} already exists")]
    BranchNameExists(String),
    /// The branch to delete is the repository's default branch.
    #[error(
        "The specified branch is the default branch for the repository, and cannot be deleted. To delete this branch, you must first set another branch as the default branch."
    )]
    DefaultBranchCannotBeDeleted,
    /// The commit id is empty or missing.
    #[error("A commit ID was not specified.")]
    CommitIdRequired,
    /// The commit id is not a full hexadecimal object id.
    #[error("The specified commit ID is not valid.")]
    InvalidCommitId,
    /// No commit with this id in the repository.
    #[error("Commit {0} does not exist")]
    CommitDoesNotExist(String),
    /// The resource ARN is empty or missing.
    #[error(
        "A valid Amazon Resource Name (ARN) for an CodeCommit resource is required. For a list of valid resources in CodeCommit, see CodeCommit Resources and Operations in the CodeCommit User Guide."
    )]
    ResourceArnRequired,
    /// The resource ARN is not the ARN of a repository in the caller's region.
    #[error(
        "The value for the resource ARN is not valid. For more information about resources in CodeCommit, see CodeCommit Resources and Operations in the CodeCommit User Guide."
    )]
    InvalidResourceArn,
    /// The tags map is missing or empty.
    #[error("A map of tags is required.")]
    TagsMapRequired,
    /// A tag key or value breaks the length rules.
    #[error("The map of tags is not valid.")]
    InvalidTagsMap,
    /// The resource would carry more than 50 tags.
    #[error("The maximum number of tags for an CodeCommit resource has been exceeded.")]
    TooManyTags,
    /// The tag keys list is missing or empty.
    #[error("A list of tag keys is required. The list cannot be empty or null.")]
    TagKeysListRequired,
    /// A tag key in the list breaks the length rules.
    #[error("The list of tags is not valid.")]
    InvalidTagKeysList,
    /// A tag key starts with the reserved `aws:` prefix.
    #[error("The specified tag is not valid. Key names cannot be prefixed with aws:.")]
    InvalidSystemTagUsage,
    /// The KMS key id does not have the form of a key id, ARN or alias.
    #[error("The Key Management Service encryption key is not valid.")]
    EncryptionKeyInvalidId,
    /// The metadata store failed (internal: log it, do not return its text).
    #[error("repository store: {0}")]
    Store(#[from] StoreError),
    /// Git or the file system failed (internal: log it, do not return its text).
    #[error("git: {0}")]
    Git(String),
}

impl RepoError {
    /// The CodeCommit model's exception shape name, the `__type` of the JSON error.
    /// Internal failures answer `InternalFailure` (not a model shape: the API layer maps it
    /// to HTTP 500).
    pub fn shape(&self) -> &'static str {
        match self {
            Self::RepositoryNameExists(_) => "RepositoryNameExistsException",
            Self::RepositoryNameRequired => "RepositoryNameRequiredException",
            Self::InvalidRepositoryName => "InvalidRepositoryNameException",
            Self::RepositoryDoesNotExist(_) => "RepositoryDoesNotExistException",
            Self::InvalidRepositoryDescription => "InvalidRepositoryDescriptionException",
            Self::RepositoryLimitExceeded(_) => "RepositoryLimitExceededException",
            Self::RepositoryNamesRequired => "RepositoryNamesRequiredException",
            Self::MaximumRepositoryNamesExceeded(_) => "MaximumRepositoryNamesExceededException",
            Self::InvalidSortBy => "InvalidSortByException",
            Self::InvalidOrder => "InvalidOrderException",
            Self::InvalidContinuationToken => "InvalidContinuationTokenException",
            Self::BranchNameRequired => "BranchNameRequiredException",
            Self::InvalidBranchName => "InvalidBranchNameException",
            Self::BranchDoesNotExist(_) => "BranchDoesNotExistException",
            Self::BranchNameExists(_) => "BranchNameExistsException",
            Self::DefaultBranchCannotBeDeleted => "DefaultBranchCannotBeDeletedException",
            Self::CommitIdRequired => "CommitIdRequiredException",
            Self::InvalidCommitId => "InvalidCommitIdException",
            Self::CommitDoesNotExist(_) => "CommitDoesNotExistException",
            Self::ResourceArnRequired => "ResourceArnRequiredException",
            Self::InvalidResourceArn => "InvalidResourceArnException",
            Self::TagsMapRequired => "TagsMapRequiredException",
            Self::InvalidTagsMap => "InvalidTagsMapException",
            Self::TooManyTags => "TooManyTagsException",
            Self::TagKeysListRequired => "TagKeysListRequiredException",
            Self::InvalidTagKeysList => "InvalidTagKeysListException",
            Self::InvalidSystemTagUsage => "InvalidSystemTagUsageException",
            Self::EncryptionKeyInvalidId => "EncryptionKeyInvalidIdException",
            Self::Store(_) | Self::Git(_) => "InternalFailure",
        }
    }

    /// True for failures of the server itself (HTTP 500; the message is for logs only).
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Store(_) | Self::Git(_))
    }

    pub(crate) fn git(context: &str, e: impl std::fmt::Display) -> Self {
        Self::Git(format!("{context}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_aws() {
        assert_eq!(
            RepoError::RepositoryNameExists("r".into()).to_string(),
            "Repository named r already exists"
        );
        assert_eq!(
            RepoError::RepositoryDoesNotExist("r".into()).to_string(),
            "r does not exist"
        );
        assert_eq!(
            RepoError::InvalidRepositoryName.to_string(),
            concat!(
                "The repository name is not valid. Repository names can be any valid ",
                "combination of letters, numbers, periods, underscores, and dashes between 1 ",
                "and 100 characters in length. Names are case sensitive. For more information, ",
                "see Limits in the AWS CodeCommit User Guide. "
            )
        );
    }

    #[test]
    fn shapes_are_model_exception_names() {
        assert_eq!(RepoError::TooManyTags.shape(), "TooManyTagsException");
        assert_eq!(RepoError::Git("x".into()).shape(), "InternalFailure");
        assert!(RepoError::Git("x".into()).is_internal());
        assert!(!RepoError::InvalidOrder.is_internal());
    }
}
