//! Running the real `git upload-pack` / `git receive-pack` for Git over HTTP and over SSH:
//! a cleared environment, no hooks, objects checked on receive, every write flushed before a
//! push is acknowledged; git's stderr kept for the log (never shown to clients: it names
//! server paths); after a successful push the repository's metadata is updated.

use crate::api::App;
use gitward_git::{GitService, Scope};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, OnceLock};
use tokio::io::AsyncReadExt as _;
use tokio::process::Command;

/// Bytes of git's stderr kept for the log.
const STDERR_KEPT: usize = 16 * 1024;

/// How git talks to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `--stateless-rpc --advertise-refs`: the ref advertisement only.
    Advertise,
    /// `--stateless-rpc`: one request in, one answer out (HTTP; a push over SSH after its
    /// advertisement and ref authorization).
    StatelessRpc,
    /// A whole conversation on stdin/stdout (a fetch over SSH, protocol v0 and v2).
    FullDuplex,
}

/// An empty directory for git's `HOME` (nothing in it is ever read: global and system
/// config are off).
fn empty_home() -> &'static Path {
    static HOME: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();
    HOME.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("gitward-git-home-")
            .tempdir()
            .map_err(|e| tracing::warn!(error = %e, "cannot create an empty HOME for git"))
            .ok()
    })
    .as_ref()
    .map_or(Path::new("/nonexistent"), |d| d.path())
}

/// The command line of `git <service>` on `dir`, stdout and stderr piped (stdin is the
/// caller's choice). `protocol` is a validated `GIT_PROTOCOL` value.
pub fn git_command(service: GitService, dir: &Path, protocol: Option<&str>, mode: Mode) -> Command {
    let mut cmd = Command::new("git");
    cmd.env_clear()
        .env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into()),
        )
        .env("HOME", empty_home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C");
    if let Some(p) = protocol {
        cmd.env("GIT_PROTOCOL", p);
    }
    for setting in [
        "core.hooksPath=/dev/null",
        "receive.fsckObjects=true",
        "core.fsync=all",
        "core.fsyncMethod=fsync",
    ] {
        cmd.arg("-c").arg(setting);
    }
    cmd.arg(service.command());
    match mode {
        Mode::Advertise => {
            cmd.arg("--stateless-rpc").arg("--advertise-refs");
        }
        Mode::StatelessRpc => {
            cmd.arg("--stateless-rpc");
        }
        Mode::FullDuplex => {}
    }
    cmd.arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A fetch whose client went away is stopped; a push is left to finish or fail on
        // its own (killing it could leave ref locks behind).
        .kill_on_drop(service == GitService::UploadPack);
    cmd
}

/// `GIT_PROTOCOL` as a client asked for it (HTTP `Git-Protocol` header, SSH `env` request)
/// if it is of the safe form git sends (`version=2`, items separated by `:`).
pub fn safe_protocol(v: &str) -> Option<String> {
    let safe = !v.is_empty()
        && v.len() <= 256
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b':' | b'.' | b'_' | b'-'));
    safe.then(|| v.to_owned())
}

/// Keeps the first [`STDERR_KEPT`] bytes of git's stderr (and reads the rest away).
pub fn collect_stderr(mut stderr: tokio::process::ChildStderr) -> tokio::task::JoinHandle<Vec<u8>> {
    tokio::spawn(async move {
        let mut kept = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut buf).await {
            if n == 0 {
                break;
            }
            let room = STDERR_KEPT.saturating_sub(kept.len());
            kept.extend_from_slice(&buf[..n.min(room)]);
        }
        kept
    })
}

/// Waits for git (and the task feeding it); after a successful push records it
/// (`after`: the repository's scope and name). Returns git's exit code (`None` when it
/// could not be waited for or was killed by a signal).
pub async fn finish(
    mut child: tokio::process::Child,
    stderr: Option<tokio::task::JoinHandle<Vec<u8>>>,
    feeder: Option<tokio::task::JoinHandle<Result<(), String>>>,
    after: Option<(Arc<App>, (Scope, String))>,
) -> Option<i32> {
    let status = child.wait().await;
    let fed = match feeder {
        Some(f) => f.await.unwrap_or_else(|e| Err(e.to_string())),
        None => Ok(()),
    };
    let stderr = match stderr {
        Some(s) => s.await.unwrap_or_default(),
        None => Vec::new(),
    };
    let ok = matches!(&status, Ok(s) if s.success());
    if !ok || fed.is_err() {
        tracing::warn!(
            status = ?status,
            input = ?fed.err(),
            stderr = %String::from_utf8_lossy(&stderr).trim(),
            "git ended with an error"
        );
    } else if !stderr.is_empty() {
        tracing::debug!(stderr = %String::from_utf8_lossy(&stderr).trim(), "git said");
    }
    if ok && let Some((app, (scope, name))) = after {
        let done = tokio::task::spawn_blocking(move || app.repos.after_push(&scope, &name)).await;
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "recording the push failed"),
            Err(e) => tracing::error!(error = %e, "recording the push failed"),
        }
    }
    status.ok().and_then(|s| s.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_values() {
        assert_eq!(safe_protocol("version=2").as_deref(), Some("version=2"));
        assert_eq!(
            safe_protocol("version=2:object-format=sha1").as_deref(),
            Some("version=2:object-format=sha1")
        );
        assert_eq!(safe_protocol("version=2 ; rm -rf"), None);
        assert_eq!(safe_protocol(""), None);
    }
}
