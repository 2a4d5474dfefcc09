//! Running git: the request body (gzip decoded on the fly) into `git upload-pack` /
//! `git receive-pack --stateless-rpc`, git's output back as the response body, both streamed.

use super::{GitService, Refusal, git_response, response};
use crate::api::App;
use axum::body::{Body, BodyDataStream};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt as _;
use gitward_git::Scope;
use gitward_git::pktline;
use http::StatusCode;
use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::process::{ChildStdin, ChildStdout, Command};

/// Compressed bytes decoded at a time: bounds what one step of a gzip body can expand to.
const GZIP_STEP: usize = 8 * 1024;
/// A request body that sends nothing for this long is abandoned.
const BODY_IDLE: Duration = Duration::from_secs(600);
/// The buffer git's stdout is read into (a pipe holds 64 KiB by default).
const READ_BUF: usize = 64 * 1024;
/// Below this much room left in it, a fresh buffer is taken for the next read.
const READ_MIN: usize = 16 * 1024;
/// Bytes of git's stderr kept for the log.
const STDERR_KEPT: usize = 16 * 1024;

/// The request body, decoded from gzip if it came so, read chunk by chunk.
pub(super) struct RequestBody {
    stream: BodyDataStream,
    gzip: Option<flate2::write::GzDecoder<Vec<u8>>>,
    pending: Bytes,
    ended: bool,
}

impl RequestBody {
    pub(super) fn new(stream: BodyDataStream, gzip: bool) -> Self {
        Self {
            stream,
            gzip: gzip.then(|| flate2::write::GzDecoder::new(Vec::new())),
            pending: Bytes::new(),
            ended: false,
        }
    }

    /// The next piece of the (decoded) body; `None` at its end.
    pub(super) async fn next(&mut self) -> Result<Option<Bytes>, Refusal> {
        let bad_gzip = |e: std::io::Error| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                format!("the gzip request body is invalid: {e}"),
            )
        };
        loop {
            if let Some(decoder) = self.gzip.as_mut()
                && !self.pending.is_empty()
            {
                let step = self.pending.split_to(self.pending.len().min(GZIP_STEP));
                decoder.write_all(&step).map_err(bad_gzip)?;
                let out = std::mem::take(decoder.get_mut());
                if !out.is_empty() {
                    return Ok(Some(Bytes::from(out)));
                }
                continue;
            }
            if self.ended {
                return Ok(None);
            }
            let next = tokio::time::timeout(BODY_IDLE, self.stream.next())
                .await
                .map_err(|_| Refusal::new(StatusCode::REQUEST_TIMEOUT, "request body timed out"))?;
            match next {
                None => {
                    self.ended = true;
                    if let Some(decoder) = self.gzip.take() {
                        let out = decoder.finish().map_err(bad_gzip)?;
                        if !out.is_empty() {
                            return Ok(Some(Bytes::from(out)));
                        }
                    }
                    return Ok(None);
                }
                Some(Err(e)) => {
                    return Err(Refusal::new(
                        StatusCode::BAD_REQUEST,
                        format!("reading the request body failed: {e}"),
                    ));
                }
                Some(Ok(chunk)) if self.gzip.is_some() => self.pending = chunk,
                Some(Ok(chunk)) => return Ok(Some(chunk)),
            }
        }
    }

    /// Reads and discards the rest of the body (so the client, still sending, reads the
    /// answer), without decoding it.
    pub(super) async fn drain(mut self) {
        if self.ended {
            return;
        }
        while let Ok(Some(Ok(_))) = tokio::time::timeout(BODY_IDLE, self.stream.next()).await {}
    }
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

/// `git <service> --stateless-rpc` on `dir` with a cleared environment, no hooks, objects
/// checked on receive and every write flushed before a push is acknowledged.
fn git_command(
    service: GitService,
    dir: &Path,
    protocol: Option<&str>,
    advertise: bool,
) -> Command {
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
    cmd.arg(service.command()).arg("--stateless-rpc");
    if advertise {
        cmd.arg("--advertise-refs");
    }
    cmd.arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A fetch whose client went away is stopped; a push is left to finish or fail on
        // its own (killing it could leave ref locks behind).
        .kill_on_drop(service == GitService::UploadPack);
    cmd
}

/// `GET info/refs?service=…`: the `# service=` preamble (not in protocol v2) and git's
/// advertisement.
pub(super) async fn advertise(
    service: GitService,
    dir: &Path,
    protocol: Option<&str>,
) -> Result<Response, Refusal> {
    let mut cmd = git_command(service, dir, protocol, true);
    cmd.stdin(Stdio::null());
    let mut child = cmd.spawn().map_err(spawn_failed)?;
    let stdout = child.stdout.take().ok_or_else(Refusal::internal)?;
    let v2 = protocol.is_some_and(|p| p.split(':').any(|i| i == "version=2"));
    let mut preamble = Vec::new();
    if !(v2 && service == GitService::UploadPack) {
        preamble = pktline::encode(format!("# service=git-{}\n", service.command()).as_bytes());
        preamble.extend_from_slice(pktline::FLUSH);
    }
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let stderr = child.stderr.take().map(collect_stderr);
    tokio::spawn(async move {
        finish(child, stderr, None, None).await;
        let _ = done_tx.send(());
    });
    let body = stream_stdout(stdout, Bytes::from(preamble), done_rx);
    Ok(response(
        body,
        &format!("application/x-git-{}-advertisement", service.command()),
    ))
}

/// `POST git-upload-pack` / `git-receive-pack`: `consumed` (bytes already read), then the
/// rest of `body` into git; git's output back. After a successful push, `push` names the
/// repository whose metadata is updated (`after_push`) before the client sees the end of
/// the answer.
pub(super) fn run_rpc(
    app: Arc<App>,
    service: GitService,
    dir: &Path,
    protocol: Option<&str>,
    consumed: Bytes,
    body: RequestBody,
    push: Option<(Scope, String)>,
) -> Result<Response, Refusal> {
    let mut cmd = git_command(service, dir, protocol, false);
    cmd.stdin(Stdio::piped());
    let mut child = cmd.spawn().map_err(spawn_failed)?;
    let stdin = child.stdin.take().ok_or_else(Refusal::internal)?;
    let stdout = child.stdout.take().ok_or_else(Refusal::internal)?;
    let stderr = child.stderr.take().map(collect_stderr);
    let feeder = tokio::spawn(feed(stdin, consumed, body));
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let after = push.map(|p| (app, p));
        finish(child, stderr, Some(feeder), after).await;
        let _ = done_tx.send(());
    });
    Ok(git_response(
        service,
        stream_stdout(stdout, Bytes::new(), done_rx),
    ))
}

fn spawn_failed(e: std::io::Error) -> Refusal {
    tracing::error!(error = %e, "cannot run git");
    Refusal::internal()
}

/// Writes the request into git's stdin; closing it ends git's input.
async fn feed(mut stdin: ChildStdin, consumed: Bytes, mut body: RequestBody) -> Result<(), String> {
    stdin
        .write_all(&consumed)
        .await
        .map_err(|e| format!("writing to git: {e}"))?;
    while let Some(chunk) = body.next().await.map_err(|r| r.message)? {
        stdin
            .write_all(&chunk)
            .await
            .map_err(|e| format!("writing to git: {e}"))?;
    }
    stdin
        .shutdown()
        .await
        .map_err(|e| format!("closing git's input: {e}"))
}

fn collect_stderr(mut stderr: tokio::process::ChildStderr) -> tokio::task::JoinHandle<Vec<u8>> {
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

/// Waits for git (and the task feeding it); after a successful push records it.
async fn finish(
    mut child: tokio::process::Child,
    stderr: Option<tokio::task::JoinHandle<Vec<u8>>>,
    feeder: Option<tokio::task::JoinHandle<Result<(), String>>>,
    after: Option<(Arc<App>, (Scope, String))>,
) {
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
}

/// git's stdout as a response body, after `first`. The last chunk is held back until git
/// has exited and the push is recorded, so a client that saw the whole answer sees the
/// repository's metadata updated too.
fn stream_stdout(
    stdout: ChildStdout,
    first: Bytes,
    done: tokio::sync::oneshot::Receiver<()>,
) -> Body {
    struct State {
        stdout: ChildStdout,
        /// Reads land here; each chunk is split off it, so a short read (git often writes
        /// a 5-byte sideband header alone) does not pin a whole buffer while hyper holds it.
        buf: BytesMut,
        held: Option<Bytes>,
        done: Option<tokio::sync::oneshot::Receiver<()>>,
    }
    let state = State {
        stdout,
        buf: BytesMut::new(),
        held: (!first.is_empty()).then_some(first),
        done: Some(done),
    };
    let stream = futures_util::stream::unfold(Some(state), |state| async move {
        let mut st = state?;
        loop {
            if st.buf.capacity() - st.buf.len() < READ_MIN {
                st.buf.reserve(READ_BUF);
            }
            match st.stdout.read_buf(&mut st.buf).await {
                Ok(0) => {
                    if let Some(done) = st.done.take() {
                        let _ = done.await;
                    }
                    return st.held.take().map(|h| (Ok::<_, std::io::Error>(h), None));
                }
                Ok(_) => {
                    let chunk = st.buf.split().freeze();
                    if let Some(prev) = st.held.replace(chunk) {
                        return Some((Ok(prev), Some(st)));
                    }
                }
                Err(e) => return Some((Err(e), None)),
            }
        }
    });
    Body::from_stream(stream)
}
