//! Input rules of the CodeCommit model and user guide (FACTS §7.4), as pure functions.

use crate::error::RepoError;
use std::collections::BTreeMap;

/// Longest repository name.
pub const MAX_NAME_LEN: usize = 100;
/// Longest repository description.
pub const MAX_DESCRIPTION_LEN: usize = 1000;
/// Longest branch name.
pub const MAX_BRANCH_LEN: usize = 256;
/// Most tags on one repository.
pub const MAX_TAGS: usize = 50;
/// Longest tag key.
pub const MAX_TAG_KEY_LEN: usize = 128;
/// Longest tag value.
pub const MAX_TAG_VALUE_LEN: usize = 256;

/// Checks a repository name: 1..100 of ASCII letters, digits, `_`, `.`, `-` (the model's
/// `[\w\.-]+`, Java's ASCII `\w`), not ending in `.git`. gitward also refuses `.` and `..`,
/// which would not survive URL path normalisation in `/v1/repos/{name}`.
pub fn repository_name(name: &str) -> Result<(), RepoError> {
    if name.is_empty() {
        return Err(RepoError::RepositoryNameRequired);
    }
    let chars_ok = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if !chars_ok
        || name.len() > MAX_NAME_LEN
        || name.ends_with(".git")
        || name == "."
        || name == ".."
    {
        return Err(RepoError::InvalidRepositoryName);
    }
    Ok(())
}

/// Checks a description: at most 1,000 characters.
pub fn description(desc: &str) -> Result<(), RepoError> {
    if desc.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(RepoError::InvalidRepositoryDescription);
    }
    Ok(())
}

/// Checks a branch name: 1..256 characters, and `refs/heads/<name>` a valid Git reference
/// name (git check-ref-format); like `git branch`, `HEAD` and names starting with `-` are
/// refused too.
pub fn branch_name(name: &str) -> Result<(), RepoError> {
    if name.is_empty() {
        return Err(RepoError::BranchNameRequired);
    }
    // A NUL would make git2 panic building its C string; it is never valid anyway.
    if name.chars().count() > MAX_BRANCH_LEN
        || name.contains('\0')
        || name == "HEAD"
        || name.starts_with('-')
        || !git2::Reference::is_valid_name(&format!("refs/heads/{name}"))
    {
        return Err(RepoError::InvalidBranchName);
    }
    Ok(())
}

/// Parses a full commit id (40 hexadecimal digits, either case) into its lowercase form.
pub fn commit_id(id: &str) -> Result<git2::Oid, RepoError> {
    if id.is_empty() {
        return Err(RepoError::CommitIdRequired);
    }
    if id.len() != 40 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(RepoError::InvalidCommitId);
    }
    git2::Oid::from_str(id).map_err(|_| RepoError::InvalidCommitId)
}

/// Checks a tags map for CreateRepository/TagResource: keys 1..128 characters not starting
/// with `aws:`, values at most 256 characters, at most 50 tags.
pub fn tags(tags: &BTreeMap<String, String>) -> Result<(), RepoError> {
    for (k, v) in tags {
        let klen = k.chars().count();
        if klen == 0 || klen > MAX_TAG_KEY_LEN || v.chars().count() > MAX_TAG_VALUE_LEN {
            return Err(RepoError::InvalidTagsMap);
        }
        if is_system_key(k) {
            return Err(RepoError::InvalidSystemTagUsage);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(RepoError::TooManyTags);
    }
    Ok(())
}

/// Checks the key list of UntagResource.
pub fn tag_keys(keys: &[String]) -> Result<(), RepoError> {
    if keys.is_empty() {
        return Err(RepoError::TagKeysListRequired);
    }
    for k in keys {
        let klen = k.chars().count();
        if klen == 0 || klen > MAX_TAG_KEY_LEN {
            return Err(RepoError::InvalidTagKeysList);
        }
        if is_system_key(k) {
            return Err(RepoError::InvalidSystemTagUsage);
        }
    }
    Ok(())
}

fn is_system_key(k: &str) -> bool {
    k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
}

/// Checks a KMS key id against the model's pattern `^[a-zA-Z0-9:/_-]+$` (1..2048).
pub fn kms_key_id(id: &str) -> Result<(), RepoError> {
    let ok = !id.is_empty()
        && id.len() <= 2048
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'/' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(RepoError::EncryptionKeyInvalidId)
    }
}

/// Checks the region of a [`crate::Scope`]: it becomes a directory name, so only
/// lowercase letters, digits and inner dashes, 1..32 characters (`us-east-1`).
pub fn region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 32
        && !region.starts_with('-')
        && !region.ends_with('-')
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The parts of a repository ARN `arn:aws:codecommit:{region}:{account}:{name}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryArn<'a> {
    /// The region field.
    pub region: &'a str,
    /// The account field (12 digits).
    pub account: &'a str,
    /// The repository name (checked with [`repository_name`]).
    pub name: &'a str,
}

/// Parses a CodeCommit repository ARN.
pub fn repository_arn(arn: &str) -> Result<RepositoryArn<'_>, RepoError> {
    if arn.is_empty() {
        return Err(RepoError::ResourceArnRequired);
    }
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("codecommit"), Some(region), Some(account), Some(name)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(RepoError::InvalidResourceArn);
    };
    if partition != gitward_core::PARTITION
        || !self::region(region)
        || account.len() != 12
        || !account.bytes().all(|b| b.is_ascii_digit())
        || name.is_empty()
    {
        return Err(RepoError::InvalidResourceArn);
    }
    repository_name(name)?;
    Ok(RepositoryArn {
        region,
        account,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names() {
        for ok in [
            "a",
            "my-repo",
            "My.Repo_2",
            "a.gi",
            "git",
            ".x",
            &"a".repeat(100),
        ] {
            assert!(repository_name(ok).is_ok(), "{ok}");
        }
        assert!(matches!(
            repository_name(""),
            Err(RepoError::RepositoryNameRequired)
        ));
        for bad in [
            "../x",
            "a.git",
            "a/b",
            "a b",
            "é",
            "a:b",
            ".",
            "..",
            "a\0",
            &"a".repeat(101),
        ] {
            assert!(
                matches!(repository_name(bad), Err(RepoError::InvalidRepositoryName)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn branch_names() {
        for ok in ["main", "feature/x", "release-1.0", &"b".repeat(256)] {
            assert!(branch_name(ok).is_ok(), "{ok}");
        }
        assert!(matches!(
            branch_name(""),
            Err(RepoError::BranchNameRequired)
        ));
        for bad in [
            "a..b",
            "a b",
            "a~1",
            "x.lock",
            "/x",
            "x/",
            "a//b",
            "HEAD",
            "-x",
            "a\0b",
            "@{x",
            &"b".repeat(257),
        ] {
            assert!(
                matches!(branch_name(bad), Err(RepoError::InvalidBranchName)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn commit_ids() {
        let id = "0123456789abcdef0123456789ABCDEF01234567";
        assert_eq!(
            commit_id(id).map(|o| o.to_string()).ok().as_deref(),
            Some("0123456789abcdef0123456789abcdef01234567")
        );
        assert!(matches!(commit_id(""), Err(RepoError::CommitIdRequired)));
        assert!(matches!(
            commit_id("0123abc"),
            Err(RepoError::InvalidCommitId)
        ));
        assert!(matches!(
            commit_id(&"g".repeat(40)),
            Err(RepoError::InvalidCommitId)
        ));
    }

    #[test]
    fn tag_rules() {
        let mut t = BTreeMap::new();
        t.insert("k".to_owned(), "v".to_owned());
        assert!(tags(&t).is_ok());
        t.insert("AWS:x".to_owned(), String::new());
        assert!(matches!(tags(&t), Err(RepoError::InvalidSystemTagUsage)));
        let mut t = BTreeMap::new();
        t.insert("k".repeat(129), String::new());
        assert!(matches!(tags(&t), Err(RepoError::InvalidTagsMap)));
        let t: BTreeMap<_, _> = (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(matches!(tags(&t), Err(RepoError::TooManyTags)));
        assert!(matches!(tag_keys(&[]), Err(RepoError::TagKeysListRequired)));
        assert!(matches!(
            tag_keys(&[String::new()]),
            Err(RepoError::InvalidTagKeysList)
        ));
        assert!(matches!(
            tag_keys(&["aws:k".into()]),
            Err(RepoError::InvalidSystemTagUsage)
        ));
    }

    #[test]
    fn arns() {
        let a = repository_arn("arn:aws:codecommit:us-east-1:123456789012:my-repo");
        assert_eq!(
            a.ok(),
            Some(RepositoryArn {
                region: "us-east-1",
                account: "123456789012",
                name: "my-repo"
            })
        );
        assert!(matches!(
            repository_arn(""),
            Err(RepoError::ResourceArnRequired)
        ));
        for bad in [
            "arn:aws:s3:::bucket",
            "arn:aws-cn:codecommit:us-east-1:123456789012:r",
            "arn:aws:codecommit:us-east-1:12345:r",
            "arn:aws:codecommit:US:123456789012:r",
            "arn:aws:codecommit:us-east-1:123456789012:",
            "not an arn",
        ] {
            assert!(
                matches!(repository_arn(bad), Err(RepoError::InvalidResourceArn)),
                "{bad}"
            );
        }
        assert!(matches!(
            repository_arn("arn:aws:codecommit:us-east-1:123456789012:a:b"),
            Err(RepoError::InvalidRepositoryName)
        ));
    }

    #[test]
    fn regions_and_kms() {
        assert!(region("us-east-1"));
        assert!(!region("../x"));
        assert!(!region(""));
        assert!(kms_key_id("alias/aws/codecommit").is_ok());
        assert!(kms_key_id("arn:aws:kms:us-east-1:123456789012:key/abc-1").is_ok());
        assert!(kms_key_id("bad key").is_err());
    }
}
