//! What a Git client asks for over SSH and how it signs in over HTTP, parsed from untrusted
//! input (pure: no I/O).
//!
//! - [`parse_ssh_command`]: the command of an SSH `exec` request, as git sends it
//!   (`git-upload-pack '/v1/repos/NAME'`, or `'v1/repos/NAME'` for `host:v1/repos/NAME`).
//! - [`parse_basic_auth`]: the user and password of an HTTP `Authorization: Basic …` header.

use data_encoding::BASE64;

/// The two git services a client may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GitService {
    /// `git-upload-pack`: clone, fetch, pull (`codecommit:GitPull`).
    UploadPack,
    /// `git-receive-pack`: push (`codecommit:GitPush`).
    ReceivePack,
}

impl GitService {
    /// `git-upload-pack` / `git-receive-pack` (also as the HTTP `service=` value).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "git-upload-pack" => Some(Self::UploadPack),
            "git-receive-pack" => Some(Self::ReceivePack),
            _ => None,
        }
    }

    /// The git subcommand (`upload-pack`, `receive-pack`).
    pub fn command(self) -> &'static str {
        match self {
            Self::UploadPack => "upload-pack",
            Self::ReceivePack => "receive-pack",
        }
    }

    /// The IAM action that authorizes it.
    pub fn action(self) -> &'static str {
        match self {
            Self::UploadPack => "codecommit:GitPull",
            Self::ReceivePack => "codecommit:GitPush",
        }
    }
}

/// The longest SSH exec command accepted.
pub const MAX_SSH_COMMAND: usize = 4096;
/// The path prefix of a repository (`/v1/repos/NAME`).
const REPOS_PREFIX: &str = "v1/repos/";

/// A parsed SSH exec command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshCommand {
    /// Which service.
    pub service: GitService,
    /// The repository name (not yet checked against the naming rules).
    pub repository: String,
}

/// Why an SSH exec command was refused. The messages are shown to the user by git.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SshCommandError {
    /// Longer than [`MAX_SSH_COMMAND`].
    #[error("the command is too long")]
    TooLong,
    /// Not valid UTF-8 or has control characters.
    #[error("the command has invalid characters")]
    InvalidCharacters,
    /// Not `git-upload-pack` / `git-receive-pack`.
    #[error(
        "only git-upload-pack and git-receive-pack are served over SSH; interactive shells are not supported"
    )]
    UnsupportedCommand,
    /// The argument is missing, has an unbalanced quote or is more than one word.
    #[error("the command needs exactly one repository path argument, /v1/repos/NAME")]
    BadArgument,
    /// The path is not `/v1/repos/NAME`.
    #[error("repository paths look like /v1/repos/NAME")]
    BadPath,
}

/// Parses an SSH exec command: `git-upload-pack PATH`, `git-receive-pack PATH` (also
/// `git upload-pack PATH`), where PATH is one shell word (git quotes it with single
/// quotes, escaping `'` and `!` as `'\''` and `'\!'`) naming `/v1/repos/NAME` or
/// `v1/repos/NAME` (an optional trailing `/` is ignored).
pub fn parse_ssh_command(raw: &[u8]) -> Result<SshCommand, SshCommandError> {
    if raw.len() > MAX_SSH_COMMAND {
        return Err(SshCommandError::TooLong);
    }
    let text = std::str::from_utf8(raw).map_err(|_| SshCommandError::InvalidCharacters)?;
    if text.chars().any(|c| c.is_control()) {
        return Err(SshCommandError::InvalidCharacters);
    }
    let text = text.trim_matches(' ');
    let (service, rest) = if let Some(rest) = text.strip_prefix("git ") {
        let rest = rest.trim_start_matches(' ');
        let (sub, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        (format!("git-{sub}"), rest)
    } else {
        let (cmd, rest) = text.split_once(' ').unwrap_or((text, ""));
        (cmd.to_owned(), rest)
    };
    let service = GitService::parse(&service).ok_or(SshCommandError::UnsupportedCommand)?;
    let path = shell_word(rest.trim_matches(' '))?;
    let path = path.strip_prefix('/').unwrap_or(&path);
    let name = path
        .strip_prefix(REPOS_PREFIX)
        .ok_or(SshCommandError::BadPath)?;
    let name = name.strip_suffix('/').unwrap_or(name);
    if name.is_empty() || name.contains('/') {
        return Err(SshCommandError::BadPath);
    }
    Ok(SshCommand {
        service,
        repository: name.to_owned(),
    })
}

/// One POSIX shell word: single-quoted parts, backslash escapes and plain characters; no
/// unquoted whitespace, no shell metacharacters outside quotes.
fn shell_word(s: &str) -> Result<String, SshCommandError> {
    if s.is_empty() {
        return Err(SshCommandError::BadArgument);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(q) => out.push(q),
                    None => return Err(SshCommandError::BadArgument),
                }
            },
            '\\' => out.push(chars.next().ok_or(SshCommandError::BadArgument)?),
            c if c.is_whitespace()
                || matches!(
                    c,
                    '"' | '`'
                        | '$'
                        | ';'
                        | '&'
                        | '|'
                        | '<'
                        | '>'
                        | '('
                        | ')'
                        | '*'
                        | '?'
                        | '['
                        | ']'
                        | '{'
                        | '}'
                        | '~'
                        | '#'
                ) =>
            {
                return Err(SshCommandError::BadArgument);
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// The longest `Authorization` header value parsed.
pub const MAX_BASIC_HEADER: usize = 16 * 1024;

/// `(user, password)` of an HTTP `Authorization: Basic BASE64(user:password)` header value
/// (the scheme is case-insensitive). `None` for another scheme, bad base64 or UTF-8, no
/// `:` or an empty user. The password may contain `:`.
pub fn parse_basic_auth(value: &[u8]) -> Option<(String, String)> {
    if value.len() > MAX_BASIC_HEADER {
        return None;
    }
    let value = std::str::from_utf8(value).ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = BASE64.decode(encoded.trim().as_bytes()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    if user.is_empty() {
        return None;
    }
    Some((user.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> (GitService, String) {
        let c = parse_ssh_command(raw.as_bytes()).unwrap_or_else(|e| panic!("{raw}: {e}"));
        (c.service, c.repository)
    }

    #[test]
    fn commands_as_git_sends_them() {
        use GitService::*;
        assert_eq!(
            ok("git-upload-pack '/v1/repos/MyDemoRepo'"),
            (UploadPack, "MyDemoRepo".into())
        );
        assert_eq!(
            ok("git-receive-pack 'v1/repos/MyDemoRepo'"),
            (ReceivePack, "MyDemoRepo".into())
        );
        assert_eq!(
            ok("git-upload-pack /v1/repos/my.repo_1-x/"),
            (UploadPack, "my.repo_1-x".into())
        );
        assert_eq!(
            ok("git upload-pack '/v1/repos/r'"),
            (UploadPack, "r".into())
        );
        assert_eq!(
            ok("git-receive-pack '/v1/repos/it'\\''s'"),
            (ReceivePack, "it's".into())
        );
        assert_eq!(
            ok("git-upload-pack '/v1/repos/a'\\!'b'"),
            (UploadPack, "a!b".into())
        );
    }

    #[test]
    fn refusals() {
        use SshCommandError::*;
        for (raw, want) in [
            ("", UnsupportedCommand),
            ("bash", UnsupportedCommand),
            ("git-upload-archive '/v1/repos/r'", UnsupportedCommand),
            ("git-upload-pack", BadArgument),
            ("git-upload-pack '/v1/repos/r", BadArgument),
            ("git-upload-pack '/v1/repos/r' extra", BadArgument),
            ("git-upload-pack /v1/repos/r;id", BadArgument),
            ("git-upload-pack $(id)", BadArgument),
            ("git-upload-pack /v1/repos/", BadPath),
            ("git-upload-pack /v1/repos/a/b", BadPath),
            ("git-upload-pack /etc/passwd", BadPath),
            ("git-upload-pack '/v1/repos/r\n'", InvalidCharacters),
        ] {
            assert_eq!(parse_ssh_command(raw.as_bytes()), Err(want), "{raw:?}");
        }
        assert_eq!(
            parse_ssh_command(&[0xff, 0xfe]),
            Err(SshCommandError::InvalidCharacters)
        );
        let long = format!("git-upload-pack /v1/repos/{}", "a".repeat(MAX_SSH_COMMAND));
        assert_eq!(
            parse_ssh_command(long.as_bytes()),
            Err(SshCommandError::TooLong)
        );
    }

    #[test]
    fn basic_header() {
        assert_eq!(
            parse_basic_auth(b"Basic QUtJQTp4Onk="),
            Some(("AKIA".to_owned(), "x:y".to_owned()))
        );
        assert_eq!(
            parse_basic_auth(b"basic  QUtJQTp4Onk= "),
            Some(("AKIA".to_owned(), "x:y".to_owned()))
        );
        assert_eq!(parse_basic_auth(b"Bearer abc"), None);
        assert_eq!(parse_basic_auth(b"Basic !!!"), None);
        // ":pw" has no user; "user" has no colon.
        assert_eq!(parse_basic_auth(b"Basic OnB3"), None);
        assert_eq!(parse_basic_auth(b"Basic dXNlcg=="), None);
        assert_eq!(parse_basic_auth(&[0xff]), None);
    }
}
