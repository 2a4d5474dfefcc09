//! Errors of the client tools; each message says what to fix.

/// Why a client tool could not produce credentials for Git.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The remote URL is not `codecommit://[profile@]repo` or `codecommit::region://[profile@]repo`.
    #[error(
        "the following URL is malformed: {0}. A URL must be in one of the two following formats: codecommit://<profile>@<repository> or codecommit::<region>://<profile>@<repository>"
    )]
    MalformedUrl(String),
    /// No region in the URL, the host, the profile or the environment.
    #[error(
        "no AWS Region for profile {profile}: set `region` in the profile, AWS_REGION, or use codecommit::<region>://…"
    )]
    NoRegion {
        /// The profile that was used.
        profile: String,
    },
    /// aws-config found no usable credentials.
    #[error("no AWS credentials for profile {profile}: {reason}")]
    NoCredentials {
        /// The profile that was used.
        profile: String,
        /// aws-config's explanation.
        reason: String,
    },
    /// `AWS_CA_BUNDLE` names a file that cannot be read or holds no certificate.
    #[error("AWS_CA_BUNDLE {path}: {reason}")]
    CaBundle {
        /// The file named.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// Git asked without a repository path; the password is signed for one path.
    #[error(
        "git did not send the repository path: set `git config --global credential.UseHttpPath true`"
    )]
    MissingPath,
    /// Reading Git's request or writing the answer failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}
