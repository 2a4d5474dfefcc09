//! Git over SSH (DESIGN §3, §5; FACTS §2.5), on russh: public-key authentication only, the
//! SSH user name being the IAM SSH public key id (`APKA…`); exec of `git-upload-pack` /
//! `git-receive-pack '/v1/repos/NAME'`; protocol v2 through the `GIT_PROTOCOL` env request.
//!
//! ```text
//! auth:  key id + the offered key → IamService::authenticate_ssh_key (active key, this key,
//!        its user exists); failures slowed down, then locked out (crate::throttle)
//! exec:  parse (gitward_git::parse_ssh_command) → authorize GitPull/GitPush and locate
//!        (crate::git_access, the same as HTTP) → fetch: `git upload-pack` full duplex;
//!        push: the advertisement, the ref-update commands read and each ref authorized
//!        with codecommit:References, then `git receive-pack --stateless-rpc`
//! shell: the CodeCommit greeting, exit 0
//! ```
//! Refusals go to the client's stderr with the same text as over HTTP.

use crate::api::App;
use crate::audit::AuditEvent;
use crate::authn::Caller;
use crate::git_access::{self, GitRefusal};
use crate::git_http::auth::printable;
use crate::git_process::{Mode, collect_stderr, finish, git_command, safe_protocol};
use crate::listener::Peer;
use anyhow::Context as _;
use bytes::{Bytes, BytesMut};
use gitward_git::pktline::{CommandReader, PktError};
use gitward_git::{GitService, SshCommand, parse_ssh_command};
use gitward_iam::Principal;
use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{PrivateKey, PublicKey};
use russh::server::{
    Auth, ChannelOpenHandle, Config, Handler, Msg, PublicKeyOffer, Session, VerifiedPublicKey,
};
use russh::{Channel, ChannelId, ChannelMsg, MethodKind, MethodSet};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;

/// What an interactive login prints (CodeCommit's words, FACTS §2.5).
pub const GREETING: &str =
    "You have successfully authenticated over SSH. You can use Git to interact with CodeCommit.";
/// Most bytes of ref-update commands read before git sees a push.
const MAX_COMMAND_BYTES: usize = 16 * 1024 * 1024;
/// A client that sends nothing for this long is abandoned (also russh's inactivity limit).
const IDLE: Duration = Duration::from_secs(600);
/// Open session channels per connection.
const MAX_CHANNELS: usize = 4;
/// The exit status of a refused command (git's own for a fatal error).
const REFUSED: u32 = 128;

/// The host key in `path` (OpenSSH format), created (Ed25519, 0600) on first start.
pub fn load_or_create_host_key(path: &Path) -> anyhow::Result<PrivateKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => PrivateKey::from_openssh(text.as_bytes())
            .with_context(|| format!("reading the SSH host key {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = zeroize::Zeroizing::new([0u8; 32]);
            getrandom::fill(seed.as_mut())
                .map_err(|e| anyhow::anyhow!("random source failed: {e}"))?;
            let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
            let text = key
                .to_openssh(LineEnding::LF)
                .context("encoding the SSH host key")?;
            gitward_store::write_private(path, text.as_bytes())
                .with_context(|| format!("writing the SSH host key {}", path.display()))?;
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("reading the SSH host key {}", path.display())),
    }
}

/// The server configuration: this host key, public-key authentication only.
pub fn config(host_key: PrivateKey) -> Arc<Config> {
    let mut methods = MethodSet::empty();
    methods.push(MethodKind::PublicKey);
    Arc::new(Config {
        server_id: russh::SshId::Standard("SSH-2.0-gitward".into()),
        methods,
        // OpenSSH probes with "none" first: answer that at once. Refused keys wait a little
        // (on top of the throttle's growing delay), the same for every refusal.
        auth_rejection_time: Duration::from_millis(200),
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![host_key],
        max_auth_attempts: 6,
        inactivity_timeout: Some(IDLE),
        nodelay: true,
        ..Config::default()
    })
}

/// Accepts SSH connections on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    config: Arc<Config>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    while let Some((stream, addr)) = crate::listener::accept(&listener, &mut shutdown).await {
        let handler = Connection {
            app: app.clone(),
            addr,
            caller: None,
            key_id: String::new(),
            channels: HashMap::new(),
            counted: HashSet::new(),
        };
        let config = config.clone();
        tokio::spawn(async move {
            let ended = match russh::server::run_stream(config, stream, handler).await {
                Ok(session) => session.await,
                Err(e) => Err(e),
            };
            if let Err(e) = ended {
                tracing::debug!(peer = %addr, error = %e, "SSH connection ended with an error");
            }
        });
    }
}

/// A session channel before its exec or shell request.
#[derive(Debug, Default)]
struct Pending {
    channel: Option<Channel<Msg>>,
    /// `GIT_PROTOCOL` from an env request.
    protocol: Option<String>,
    /// A pseudo-terminal was asked for (lines end in CR LF).
    pty: bool,
}

/// One SSH connection.
struct Connection {
    app: Arc<App>,
    addr: SocketAddr,
    /// Set once a key has signed in.
    caller: Option<Caller>,
    /// The key id that signed in (for the log).
    key_id: String,
    /// Key ids whose refusal this connection already counted towards the throttle: an
    /// ssh-agent offering several keys is one failed sign-in, not one per key (a connection
    /// gets at most `max_auth_attempts` tries anyway).
    counted: HashSet<String>,
    channels: HashMap<ChannelId, Pending>,
}

impl Connection {
    fn peer(&self) -> Peer {
        Peer {
            addr: self.addr,
            secure: true,
        }
    }

    /// Whether key id `user` may sign in with `key`. Failures count towards the throttle.
    async fn check_key(&mut self, user: &str, key: &PublicKey, verified: bool) -> Auth {
        let addr = Some(self.addr.ip());
        let throttle = &self.app.auth_throttle;
        let now = self.app.clock.now();
        if let Err(wait) = throttle.check(user, addr, now) {
            tracing::info!(key_id = %printable(user), peer = %self.addr, retry_in_s = wait,
                "SSH sign-in refused: too many failed sign-ins");
            self.app.audit.record(&AuditEvent::sign_in_refused(
                now,
                user,
                "ssh",
                format!("locked out for {wait} s after repeated failures"),
                addr,
            ));
            return Auth::reject();
        }
        let Ok(blob) = key.to_bytes() else {
            return Auth::reject();
        };
        let (app, id) = (self.app.clone(), user.to_owned());
        let found =
            tokio::task::spawn_blocking(move || app.iam.authenticate_ssh_key(&id, &blob)).await;
        match found {
            Ok(Ok(Some(u))) => {
                if verified {
                    throttle.success(user);
                    tracing::info!(key_id = %user, user = %u.name, peer = %self.addr, "SSH sign-in");
                    self.key_id = user.to_owned();
                    self.caller = Some(Caller::long_term(Principal::User(u)));
                }
                Auth::Accept
            }
            Ok(Ok(None)) => {
                tracing::info!(key_id = %printable(user), peer = %self.addr,
                    "SSH sign-in refused: unknown or inactive key, or not this key id's key");
                if self.counted.insert(user.to_owned()) {
                    self.app.audit.record(&AuditEvent::sign_in_refused(
                        now,
                        user,
                        "ssh",
                        "unknown or inactive key, or not this key id's key".to_owned(),
                        addr,
                    ));
                    let delay = throttle.failure(user, addr, now);
                    tokio::time::sleep(delay).await;
                }
                Auth::reject()
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "SSH key lookup failed");
                Auth::reject()
            }
            Err(e) => {
                tracing::error!(error = %e, "SSH key lookup worker failed");
                Auth::reject()
            }
        }
    }
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(self.check_key(user, offer.public_key, false).await)
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(self.check_key(user, key.public_key, true).await)
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.caller.is_none() || self.channels.len() >= MAX_CHANNELS {
            // Dropping the handle refuses the channel.
            return Ok(());
        }
        self.channels.insert(
            channel.id(),
            Pending {
                channel: Some(channel),
                ..Pending::default()
            },
        );
        reply.accept().await;
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.remove(&channel);
        Ok(())
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        variable_name: &str,
        variable_value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Only GIT_PROTOCOL, of the form git sends; anything else is refused.
        let pending = self.channels.get_mut(&channel);
        match (pending, variable_name, safe_protocol(variable_value)) {
            (Some(p), "GIT_PROTOCOL", Some(v)) => {
                p.protocol = Some(v);
                session.channel_success(channel)
            }
            _ => session.channel_failure(channel),
        }
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        match self.channels.get_mut(&channel) {
            Some(p) => {
                p.pty = true;
                session.channel_success(channel)
            }
            None => session.channel_failure(channel),
        }
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(pending) = self.channels.remove(&channel) else {
            return session.channel_failure(channel);
        };
        session.channel_success(channel)?;
        let end = if pending.pty { "\r\n" } else { "\n" };
        session.data(channel, Bytes::from(format!("{GREETING}{end}")))?;
        session.exit_status_request(channel, 0)?;
        session.eof(channel)?;
        session.close(channel)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let peer = self.peer();
        let (Some(caller), Some(pending)) = (self.caller.clone(), self.channels.get_mut(&channel))
        else {
            return session.channel_failure(channel);
        };
        let Some(ch) = pending.channel.take() else {
            return session.channel_failure(channel);
        };
        session.channel_success(channel)?;
        let command = parse_ssh_command(data);
        tracing::debug!(key_id = %self.key_id, command = %printable(&String::from_utf8_lossy(data)), "SSH exec");
        let exec = Exec {
            app: self.app.clone(),
            caller,
            peer,
            protocol: pending.protocol.clone(),
            key_id: self.key_id.clone(),
        };
        tokio::spawn(async move {
            let mut ch = ch;
            let code = match command {
                Ok(command) => exec.run(&mut ch, command).await,
                Err(e) => Err(format!("gitward: {e}")),
            };
            let code = match code {
                Ok(code) => code,
                Err(message) => {
                    tracing::info!(key_id = %exec.key_id, reason = %message.lines().next().unwrap_or_default(), "SSH git command refused");
                    let text = format!("{message}\n");
                    let _ = ch.extended_data(1, text.as_bytes()).await;
                    REFUSED
                }
            };
            let _ = ch.exit_status(code).await;
            let _ = ch.eof().await;
            let _ = ch.close().await;
        });
        Ok(())
    }
}

/// One exec request of a signed-in caller.
struct Exec {
    app: Arc<App>,
    caller: Caller,
    peer: Peer,
    protocol: Option<String>,
    key_id: String,
}

impl Exec {
    /// Runs the git command; `Ok(exit status)`, or `Err(text for the client's stderr)`.
    async fn run(&self, ch: &mut Channel<Msg>, command: SshCommand) -> Result<u32, String> {
        let SshCommand {
            service,
            repository: name,
        } = command;
        let (scope, dir) = {
            let (app, caller, name, peer) = (
                self.app.clone(),
                self.caller.clone(),
                name.clone(),
                self.peer,
            );
            tokio::task::spawn_blocking(move || {
                git_access::admit(&app, &caller, service, &name, None, Some(peer))
            })
            .await
            .map_err(|_| internal())?
            .map_err(refusal_text)?
        };
        let protocol = self.protocol.as_deref();
        match service {
            GitService::UploadPack => {
                let code = duplex(
                    ch,
                    service,
                    &dir,
                    protocol,
                    Mode::FullDuplex,
                    Bytes::new(),
                    None,
                )
                .await?;
                Ok(code)
            }
            GitService::ReceivePack => {
                // The advertisement, then the commands, authorized ref by ref before git
                // sees them (as over HTTP).
                duplex(
                    ch,
                    service,
                    &dir,
                    protocol,
                    Mode::Advertise,
                    Bytes::new(),
                    None,
                )
                .await?;
                let (commands, consumed) = read_commands(ch).await?;
                if commands.updates.is_empty() {
                    return Ok(0);
                }
                let denied = {
                    let (app, caller, name, peer) = (
                        self.app.clone(),
                        self.caller.clone(),
                        name.clone(),
                        self.peer,
                    );
                    tokio::task::spawn_blocking(move || {
                        git_access::authorize_refs(
                            &app,
                            &caller,
                            &name,
                            &commands,
                            None,
                            Some(peer),
                        )
                    })
                    .await
                    .map_err(|_| internal())?
                    .map_err(refusal_text)?
                };
                if let Some(report) = denied {
                    let mut out = ch.make_writer();
                    out.write_all(&report).await.map_err(|_| internal())?;
                    out.flush().await.map_err(|_| internal())?;
                    // The client reads the report once it has sent its pack: read that away.
                    drain(ch).await;
                    return Ok(0);
                }
                let after = Some((self.app.clone(), (scope, name)));
                duplex(
                    ch,
                    service,
                    &dir,
                    protocol,
                    Mode::StatelessRpc,
                    consumed,
                    after,
                )
                .await
            }
        }
    }
}

fn internal() -> String {
    "gitward: internal server error".to_owned()
}

/// The client's text for a refusal: the same as Git over HTTP's.
fn refusal_text(r: GitRefusal) -> String {
    match r {
        GitRefusal::Denied(m) | GitRefusal::NotFound(m) => m,
        GitRefusal::Internal => internal(),
    }
}

/// Runs git with the channel as its stdin (after `first`) and stdout; returns its exit
/// status once its output has all been sent (and a push recorded, `after`).
async fn duplex(
    ch: &mut Channel<Msg>,
    service: GitService,
    dir: &Path,
    protocol: Option<&str>,
    mode: Mode,
    first: Bytes,
    after: Option<(Arc<App>, (gitward_git::Scope, String))>,
) -> Result<u32, String> {
    let mut cmd = git_command(service, dir, protocol, mode);
    let reads_input = mode != Mode::Advertise;
    cmd.stdin(if reads_input {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().map_err(|e| {
        tracing::error!(error = %e, "cannot run git");
        internal()
    })?;
    let mut stdin = child.stdin.take();
    let mut stdout = child.stdout.take().ok_or_else(internal)?;
    let stderr = child.stderr.take().map(collect_stderr);
    let mut out = ch.make_writer();
    let mut copy = tokio::spawn(async move {
        let copied = tokio::io::copy(&mut stdout, &mut out).await;
        let flushed = out.flush().await;
        copied.is_ok() && flushed.is_ok()
    });
    if let Some(input) = stdin.as_mut()
        && !first.is_empty()
        && input.write_all(&first).await.is_err()
    {
        stdin = None;
    }
    let sent = loop {
        tokio::select! {
            done = &mut copy => break done.unwrap_or(false),
            msg = tokio::time::timeout(IDLE, ch.wait()), if stdin.is_some() => match msg {
                Ok(Some(ChannelMsg::Data { data })) => {
                    if let Some(input) = stdin.as_mut()
                        && input.write_all(&data).await.is_err()
                    {
                        stdin = None;
                    }
                }
                // The client's EOF (or its going away) closes git's input.
                Ok(Some(ChannelMsg::Eof | ChannelMsg::Close) | None) | Err(_) => stdin = None,
                Ok(Some(_)) => {}
            },
        }
    };
    drop(stdin);
    let code = finish(child, stderr, None, after).await;
    if !sent {
        tracing::info!("the SSH client went away before git's answer was sent");
    }
    Ok(code.and_then(|c| u32::try_from(c).ok()).unwrap_or(REFUSED))
}

/// Reads the ref-update commands of a push; returns them and every byte read (for git).
async fn read_commands(
    ch: &mut Channel<Msg>,
) -> Result<(gitward_git::pktline::Commands, Bytes), String> {
    let mut reader = CommandReader::new(MAX_COMMAND_BYTES);
    let mut consumed = BytesMut::new();
    loop {
        match reader.advance(&consumed) {
            Ok(Some(commands)) => return Ok((commands, consumed.freeze())),
            Ok(None) => {}
            Err(e @ PktError::TooLarge { .. }) => return Err(format!("gitward: {e}")),
            Err(e) => return Err(format!("gitward: {e}")),
        }
        match tokio::time::timeout(IDLE, ch.wait()).await {
            Ok(Some(ChannelMsg::Data { data })) => consumed.extend_from_slice(&data),
            Ok(Some(ChannelMsg::Eof | ChannelMsg::Close) | None) | Err(_) => {
                // A client with nothing to push may just hang up.
                if consumed.is_empty() {
                    return Ok((gitward_git::pktline::Commands::default(), Bytes::new()));
                }
                return Err("gitward: the push ended before its ref update commands did".into());
            }
            Ok(Some(_)) => {}
        }
    }
}

/// Reads and discards what the client still sends, until its EOF.
async fn drain(ch: &mut Channel<Msg>) {
    while let Ok(Some(msg)) = tokio::time::timeout(IDLE, ch.wait()).await {
        if matches!(msg, ChannelMsg::Eof | ChannelMsg::Close) {
            break;
        }
    }
}
