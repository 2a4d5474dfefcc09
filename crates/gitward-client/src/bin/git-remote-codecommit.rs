//! `git-remote-codecommit`: a Git remote helper for `codecommit://[profile@]repo` and
//! `codecommit::region://[profile@]repo`, compatible with AWS's. It resolves the profile's
//! credentials with aws-config, signs a Git password for the repository, and hands over to
//! `git remote-https` with a one-shot credential helper, so the password travels through
//! Git's credential protocol, never through argv or a URL. `CODE_COMMIT_ENDPOINT`
//! (`host[:port]`) points it at gitward instead of `git-codecommit.<region>.amazonaws.com`.

use std::process::{Command, ExitCode};

use gitward_client::ClientError;
use gitward_client::login::git_login;
use gitward_client::remote::RemoteUrl;
use gitward_client::resolve::resolve;
use gitward_core::clock::{Clock, SystemClock};

/// Answers `get` with the login Git was handed in the environment; ignores store/erase.
const HELPER: &str = "!f() { test \"$1\" = get && printf 'username=%s\\npassword=%s\\n' \"$GITWARD_CODECOMMIT_USERNAME\" \"$GITWARD_CODECOMMIT_PASSWORD\"; }; f";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [remote, url] = args.as_slice() else {
        eprintln!(
            "git-remote-codecommit: Git runs this helper as `git-remote-codecommit <remote> <url>` (see `git help remote-helpers`)"
        );
        return ExitCode::FAILURE;
    };
    match run(remote, url) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("git-remote-codecommit: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(remote: &str, url: &str) -> Result<ExitCode, ClientError> {
    let target = RemoteUrl::parse(url)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let resolved = runtime.block_on(resolve(target.profile.as_deref()))?;
    let region =
        target
            .region
            .clone()
            .or(resolved.region)
            .ok_or_else(|| ClientError::NoRegion {
                profile: target.profile.clone().unwrap_or_else(|| "default".into()),
            })?;
    let host = std::env::var("CODE_COMMIT_ENDPOINT")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| format!("git-codecommit.{region}.amazonaws.com"));
    let path = target.path();
    let login = git_login(
        &resolved.credentials,
        &region,
        &host,
        &path,
        SystemClock.now(),
    );

    // Config from the environment comes last, so the empty helper clears any helper the user
    // configured (nothing stores these short-lived passwords), then ours answers.
    let base: usize = std::env::var("GIT_CONFIG_COUNT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut git = Command::new("git");
    git.args(["remote-https", remote, &format!("https://{host}{path}")])
        .env("GIT_CONFIG_COUNT", (base + 2).to_string())
        .env(format!("GIT_CONFIG_KEY_{base}"), "credential.helper")
        .env(format!("GIT_CONFIG_VALUE_{base}"), "")
        .env(format!("GIT_CONFIG_KEY_{}", base + 1), "credential.helper")
        .env(format!("GIT_CONFIG_VALUE_{}", base + 1), HELPER)
        .env("GITWARD_CODECOMMIT_USERNAME", &login.username)
        .env("GITWARD_CODECOMMIT_PASSWORD", login.password.expose());
    exec(git)
}

#[cfg(unix)]
fn exec(mut git: Command) -> Result<ExitCode, ClientError> {
    use std::os::unix::process::CommandExt;
    // Only returns on failure.
    Err(git.exec().into())
}

#[cfg(not(unix))]
fn exec(mut git: Command) -> Result<ExitCode, ClientError> {
    let status = git.status()?;
    Ok(ExitCode::from(
        u8::try_from(status.code().unwrap_or(1)).unwrap_or(1),
    ))
}
