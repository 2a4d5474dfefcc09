//! The user name and signed password Git sends for CodeCommit (`FACTS.md` §2.1).

use gitward_core::Secret;
use time::OffsetDateTime;
use time::macros::format_description;

/// AWS credentials, as resolved for a profile.
#[derive(Debug, Clone)]
pub struct AwsCredentials {
    /// `AKIA…` or `ASIA…`.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// The session token of temporary credentials.
    pub session_token: Option<Secret>,
}

/// What Git sends as Basic auth.
#[derive(Debug, Clone)]
pub struct GitLogin {
    /// The access key id, followed by `%` and the session token for temporary credentials.
    pub username: String,
    /// `YYYYMMDDTHHMMSSZ` and the SigV4 signature of the repository path on `host`.
    pub password: Secret,
}

/// Signs a Git login for `path` (`/v1/repos/NAME`) on `host` (as the URL has it, with its
/// port) in `region`, at `now`.
pub fn git_login(
    creds: &AwsCredentials,
    region: &str,
    host: &str,
    path: &str,
    now: OffsetDateTime,
) -> GitLogin {
    let stamp = now
        .to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year][month][day]T[hour][minute][second]"
        ))
        .unwrap_or_default();
    let password =
        gitward_sigv4::git_password::compute(&creds.secret_access_key, &stamp, region, host, path);
    let username = match &creds.session_token {
        Some(token) => format!("{}%{}", creds.access_key_id, token.expose()),
        None => creds.access_key_id.clone(),
    };
    GitLogin {
        username,
        password: Secret::new(password),
    }
}

/// The region a CodeCommit host names (`git-codecommit.REGION.amazonaws.com[.cn]`), if any.
pub fn region_of_host(host: &str) -> Option<&str> {
    let host = host.split(':').next().unwrap_or(host);
    let rest = host.strip_prefix("git-codecommit.")?;
    let (region, domain) = rest.split_once('.')?;
    matches!(domain, "amazonaws.com" | "amazonaws.com.cn").then_some(region)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn creds(token: Option<&str>) -> AwsCredentials {
        AwsCredentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            session_token: token.map(Secret::new),
        }
    }

    /// The test vectors of FACTS §2.1, computed there with the real clients.
    #[test]
    fn facts_test_vectors() {
        let now = datetime!(2015-08-30 12:36:00 UTC);
        for (host, want) in [
            (
                "git-codecommit.us-east-1.amazonaws.com",
                "20150830T123600Z088fec8c788f892e6cb940f22a736b224a5a5de18925fa5f02413a1bb215c389",
            ),
            (
                "localhost",
                "20150830T123600Z073c6522052709de3318c956452075214fa44b2407e1b52f2525aac43cebd3e8",
            ),
            (
                "localhost:8443",
                "20150830T123600Z3e02f58b517124336db4a874522dae7fc5d67df8f2a798fdd69622be9de7603b",
            ),
        ] {
            let login = git_login(&creds(None), "us-east-1", host, "/v1/repos/MyDemoRepo", now);
            assert_eq!(login.password.expose(), want, "host {host}");
            assert_eq!(login.username, "AKIAIOSFODNN7EXAMPLE");
        }
    }

    #[test]
    fn session_token_joins_the_user_name() {
        let now = datetime!(2015-08-30 12:36:00 UTC);
        let login = git_login(
            &creds(Some("tok/en+=")),
            "us-east-1",
            "h",
            "/v1/repos/r",
            now,
        );
        assert_eq!(login.username, "AKIAIOSFODNN7EXAMPLE%tok/en+=");
    }

    #[test]
    fn region_from_codecommit_hosts_only() {
        assert_eq!(
            region_of_host("git-codecommit.eu-west-1.amazonaws.com"),
            Some("eu-west-1")
        );
        assert_eq!(
            region_of_host("git-codecommit.cn-north-1.amazonaws.com.cn:443"),
            Some("cn-north-1")
        );
        assert_eq!(region_of_host("127.0.0.1:8443"), None);
        assert_eq!(region_of_host("git-codecommit.evil.example.com"), None);
    }
}
