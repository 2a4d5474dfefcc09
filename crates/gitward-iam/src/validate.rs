//! Name, path and tag rules from the IAM model.

use crate::error::IamError;
use crate::model::Tag;

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// Users and roles: 1..64 of `[\w+=,.@-]`; groups and policies: 1..128.
pub fn name(kind: &str, value: &str, max: usize) -> Result<(), IamError> {
    if value.is_empty() || value.chars().count() > max || !value.chars().all(is_name_char) {
        return Err(IamError::InvalidInput(format!(
            "The specified value for {kind} is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-"
        )));
    }
    Ok(())
}

/// A path is `/` or `/…/` of printable ASCII, at most 512 characters.
pub fn path(value: &str) -> Result<(), IamError> {
    let ok = value == "/"
        || (value.len() >= 2
            && value.len() <= 512
            && value.starts_with('/')
            && value.ends_with('/')
            && value.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    if ok {
        Ok(())
    } else {
        Err(IamError::InvalidInput(
            "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."
                .to_owned(),
        ))
    }
}

/// At most 50 tags, keys 1..128, values ≤ 256, no key twice (case-insensitively).
pub fn tags(existing: &[Tag], new: &[Tag]) -> Result<(), IamError> {
    let mut keys: Vec<String> = existing.iter().map(|t| t.key.to_lowercase()).collect();
    for (i, t) in new.iter().enumerate() {
        if t.key.is_empty() || t.key.chars().count() > 128 || t.value.chars().count() > 256 {
            return Err(IamError::InvalidInput(format!(
                "The specified tag at index {i} is invalid."
            )));
        }
        if new[..i].iter().any(|o| o.key.eq_ignore_ascii_case(&t.key)) {
            return Err(IamError::InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
                    .to_owned(),
            ));
        }
        let lc = t.key.to_lowercase();
        if !keys.contains(&lc) {
            keys.push(lc);
        }
    }
    if keys.len() > 50 {
        return Err(IamError::LimitExceeded(
            "The number of tags has reached the maximum limit.".to_owned(),
        ));
    }
    Ok(())
}

/// Parses a policy document and checks its size quota (whitespace not counted).
pub fn policy_document(doc: &str, quota: usize, what: &str) -> Result<(), IamError> {
    gitward_policy::PolicyDocument::parse(doc)
        .map_err(|e| IamError::MalformedPolicyDocument(e.to_string()))?;
    let size = gitward_policy::policy_size(doc);
    if size > quota {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for {what}: {quota}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_model_pattern() {
        assert!(name("userName", "Mary.Major+ops@x", 64).is_ok());
        assert!(name("userName", "", 64).is_err());
        assert!(name("userName", "a b", 64).is_err());
        assert!(name("userName", &"a".repeat(65), 64).is_err());
    }

    #[test]
    fn paths() {
        assert!(path("/").is_ok());
        assert!(path("/division_abc/subdivision_xyz/").is_ok());
        assert!(path("x").is_err());
        assert!(path("/x").is_err());
    }
}
