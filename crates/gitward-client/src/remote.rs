//! `codecommit://` remote URLs, as Git hands them to `git-remote-codecommit`.
//!
//! Git passes `codecommit://[profile@]repo` whole, and strips the `codecommit::` of
//! `codecommit::region://[profile@]repo`, leaving `region://[profile@]repo`.

use crate::ClientError;

/// A parsed remote: which profile, region and repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteUrl {
    /// The AWS profile before `@`; `None` uses the default chain (`AWS_PROFILE`, `default`).
    pub profile: Option<String>,
    /// The region of the `codecommit::region://` form.
    pub region: Option<String>,
    /// The repository name.
    pub repository: String,
}

impl RemoteUrl {
    /// Parses `codecommit://[profile@]repo` or `region://[profile@]repo`.
    pub fn parse(url: &str) -> Result<Self, ClientError> {
        let malformed = || ClientError::MalformedUrl(url.to_owned());
        let (scheme, rest) = url.split_once("://").ok_or_else(malformed)?;
        let region = match scheme {
            "codecommit" => None,
            s if is_region(s) => Some(s.to_owned()),
            _ => return Err(malformed()),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (profile, repository) = match rest.split_once('@') {
            Some((p, r)) if !p.is_empty() => (Some(p.to_owned()), r),
            Some(_) => return Err(malformed()),
            None => (None, rest),
        };
        if !is_repository_name(repository) {
            return Err(malformed());
        }
        Ok(Self {
            profile,
            region,
            repository: repository.to_owned(),
        })
    }

    /// The repository's path on the Git endpoint.
    pub fn path(&self) -> String {
        format!("/v1/repos/{}", self.repository)
    }
}

/// `xx-name-N` (`us-east-1`, `us-gov-west-1`, `cn-north-1`…).
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].len() == 1
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

/// CodeCommit repository names: 1–100 of letters, digits, `.`, `_`, `-` (not `.`/`..`).
fn is_repository_name(s: &str) -> bool {
    (1..=100).contains(&s.len())
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str) -> RemoteUrl {
        RemoteUrl::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    #[test]
    fn both_forms() {
        assert_eq!(
            ok("codecommit://CodeAccess@MyDemoRepo"),
            RemoteUrl {
                profile: Some("CodeAccess".into()),
                region: None,
                repository: "MyDemoRepo".into()
            }
        );
        assert_eq!(
            ok("us-east-1://demo-profile@MyDemoRepo"),
            RemoteUrl {
                profile: Some("demo-profile".into()),
                region: Some("us-east-1".into()),
                repository: "MyDemoRepo".into()
            }
        );
        assert_eq!(ok("codecommit://MyDemoRepo").profile, None);
        assert_eq!(
            ok("us-gov-west-1://r").region.as_deref(),
            Some("us-gov-west-1")
        );
        assert_eq!(
            ok("codecommit://p@repo.git_x-1/").path(),
            "/v1/repos/repo.git_x-1"
        );
    }

    #[test]
    fn refuses_what_is_not_a_codecommit_remote() {
        for url in [
            "",
            "MyDemoRepo",
            "https://p@r",
            "codecommit://",
            "codecommit://@repo",
            "codecommit://p@",
            "codecommit://p@../etc",
            "codecommit://p@a/b",
            "codecommit://p@a b",
            "useast1://r",
            "us-east-x://r",
        ] {
            assert!(RemoteUrl::parse(url).is_err(), "{url:?} accepted");
        }
    }
}
