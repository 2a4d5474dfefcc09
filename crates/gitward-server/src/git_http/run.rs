//! Git over HTTP's side of running git (`crate::git_process`): the request body (gzip
//! decoded on the fly) into `git upload-pack` / `git receive-pack --stateless-rpc`, git's
//! output back as the response body, both streamed.

use super::{Refusal, git_response, response};
use crate::api::App;
use crate::git_process::{Mode, collect_stderr, finish, git_command};
use axum::body::{Body, BodyDataStream};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt as _;
use gitward_git::pktline;
use gitward_git::{GitService, Scope};
use http::StatusCode;
use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::process::{ChildStdin, ChildStdout};

/// Compressed bytes decoded at a time: bounds what one step of a gzip body can expand to.
const GZIP_STEP: usize = 8 * 1024;
/// A request body that sends nothing for this long is abandoned.
const BODY_IDLE: Duration = Duration::from_secs(600);
/// The buffer git's stdout is read into (a pipe holds 64 KiB by default).
const READ_BUF: usize = 64 * 1024;
/// Below this much room left in it, a fresh buffer is taken for the next read.
const READ_MIN: usize = 16 * 1024;

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

/// `GET info/refs?service=…`: the `# service=` preamble (not in protocol v2) and git's
/// advertisement.
pub(super) async fn advertise(
    service: GitService,
    dir: &Path,
    protocol: Option<&str>,
) -> Result<Response, Refusal> {
    let mut cmd = git_command(service, dir, protocol, Mode::Advertise);
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
    let mut cmd = git_command(service, dir, protocol, Mode::StatelessRpc);
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
