//! Git smart HTTP at `/v1/repos/NAME` (DESIGN §3, §5; FACTS §2, §7.1):
//! route → authenticate (Basic with the CodeCommit SigV4 password; `401` challenge first)
//! → authorize `codecommit:GitPull` / `codecommit:GitPush` (a push: then each ref, with
//! `codecommit:References`) → locate the repository → run the real `git upload-pack` /
//! `git receive-pack --stateless-rpc` → stream both ways.
//!
//! Denied → 403, allowed but missing → 404 (authorization comes first, so a 404 is never an
//! existence oracle). Refusals are short plain text, which git shows as `remote: …`.

pub(crate) mod auth;
mod run;

use crate::api::App;
use crate::authn::Caller;
use crate::git_access::{self, GitRefusal};
use crate::listener::Peer;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use gitward_git::pktline::{CommandReader, Commands, PktError};
use gitward_git::{GitService, Scope};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use run::RequestBody;
use std::path::PathBuf;
use std::sync::Arc;

/// Most bytes of ref-update commands read before git sees the push.
const MAX_COMMAND_BYTES: usize = 16 * 1024 * 1024;
const REPOS_PREFIX: &str = "/v1/repos/";
const CHALLENGE: &str = "Basic realm=\"gitward\"";

/// What a request asks for.
#[derive(Debug, Clone)]
struct Target {
    /// The repository name, percent-decoded.
    name: String,
    service: GitService,
    /// `GET info/refs` (the advertisement) rather than the `POST` of the service.
    advertise: bool,
}

/// A refusal: status and a short message git shows the user.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    message: String,
    /// How long to hold the answer back (failed sign-ins are slowed down).
    delay: std::time::Duration,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            delay: std::time::Duration::ZERO,
        }
    }

    fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
    }
}

impl From<GitRefusal> for Refusal {
    fn from(r: GitRefusal) -> Self {
        match r {
            GitRefusal::Denied(m) => Self::forbidden(m),
            GitRefusal::NotFound(m) => Self::new(StatusCode::NOT_FOUND, m),
            GitRefusal::Internal => Self::internal(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Body::from(format!("{}\n", self.message))).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        no_cache(headers);
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(CHALLENGE),
            );
        }
        resp
    }
}

/// The headers git's http-backend sends so nothing caches a Git answer.
fn no_cache(headers: &mut HeaderMap) {
    headers.insert(
        header::EXPIRES,
        HeaderValue::from_static("Fri, 01 Jan 1980 00:00:00 GMT"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, max-age=0, must-revalidate"),
    );
}

/// The handler of every request under `/v1/repos/`.
pub async fn handle(State(app): State<Arc<App>>, req: Request) -> Response {
    let peer = req.extensions().get::<Peer>().copied();
    let (parts, body) = req.into_parts();
    let parts = Arc::new(parts);
    match serve(app, parts.clone(), body, peer).await {
        Ok(resp) => resp,
        // git's first request never has credentials: the 401 is routine.
        Err(refusal) if refusal.status == StatusCode::UNAUTHORIZED => {
            tracing::debug!(path = parts.uri.path(), "git request challenged");
            refusal.into_response()
        }
        Err(refusal) => {
            tracing::info!(
                method = %parts.method,
                path = parts.uri.path(),
                status = refusal.status.as_u16(),
                reason = %refusal.message,
                "git request refused"
            );
            if !refusal.delay.is_zero() {
                tokio::time::sleep(refusal.delay).await;
            }
            refusal.into_response()
        }
    }
}

async fn serve(
    app: Arc<App>,
    parts: Arc<http::request::Parts>,
    body: Body,
    peer: Option<Peer>,
) -> Result<Response, Refusal> {
    let target = route(&parts)?;
    if !target.advertise {
        let expected = format!("application/x-git-{}-request", target.service.command());
        let ct = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if ct != Some(expected.as_str()) {
            return Err(Refusal::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("expected Content-Type: {expected}"),
            ));
        }
    }
    let protocol = git_protocol(&parts.headers);
    let (caller, scope, dir) = {
        let (app, parts, target) = (app.clone(), parts.clone(), target.clone());
        tokio::task::spawn_blocking(move || admit(&app, &parts, &target, peer))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "git request worker failed");
                Refusal::internal()
            })??
    };
    if target.advertise {
        return run::advertise(target.service, &dir, protocol.as_deref()).await;
    }
    let mut body = RequestBody::new(body.into_data_stream(), is_gzip(&parts.headers)?);
    let mut consumed = BytesMut::new();
    let mut push = None;
    if target.service == GitService::ReceivePack {
        let commands = read_commands(&mut body, &mut consumed).await?;
        let denied = authorize_refs(&app, &parts, &caller, &target, commands, peer).await?;
        if let Some(report) = denied {
            // Nothing reaches git. Read what the client still sends so it sees the answer.
            body.drain().await;
            return Ok(git_response(GitService::ReceivePack, Body::from(report)));
        }
        push = Some((scope, target.name.clone()));
    } else if let Some(first) = body.next().await? {
        // A body that is not valid gzip is refused before git runs.
        consumed.extend_from_slice(&first);
    }
    run::run_rpc(
        app,
        target.service,
        &dir,
        protocol.as_deref(),
        consumed.freeze(),
        body,
        push,
    )
}

/// Step 1: the repository name and the service, from the path, method and query.
fn route(parts: &http::request::Parts) -> Result<Target, Refusal> {
    let not_found = || Refusal::new(StatusCode::NOT_FOUND, "not found");
    let rest = parts
        .uri
        .path()
        .strip_prefix(REPOS_PREFIX)
        .ok_or_else(not_found)?;
    let (raw_name, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let name = percent_encoding::percent_decode_str(raw_name)
        .decode_utf8()
        .map_err(|_| not_found())?
        .into_owned();
    if name.is_empty() {
        return Err(not_found());
    }
    // A URL ending in a slash after the name gives `NAME//info/refs`.
    let tail = tail.trim_start_matches('/');
    let (service, advertise, method) = if tail == "info/refs" {
        let service = parts
            .uri
            .query()
            .and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "service")
                    .map(|(_, v)| v.into_owned())
            })
            .ok_or_else(|| {
                Refusal::new(
                    StatusCode::FORBIDDEN,
                    "only the smart HTTP protocol is served: use a git client (service=git-upload-pack or git-receive-pack)",
                )
            })?;
        let service = GitService::parse(&service)
            .ok_or_else(|| Refusal::forbidden(format!("unsupported service {service:?}")))?;
        (service, true, Method::GET)
    } else if let Some(service) = GitService::parse(tail) {
        (service, false, Method::POST)
    } else {
        return Err(not_found());
    };
    if parts.method != method {
        return Err(Refusal::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("method not allowed: use {method}"),
        ));
    }
    Ok(Target {
        name,
        service,
        advertise,
    })
}

/// The `Git-Protocol` header if it is of the safe form git sends, for `GIT_PROTOCOL`.
fn git_protocol(headers: &HeaderMap) -> Option<String> {
    crate::git_process::safe_protocol(headers.get("git-protocol")?.to_str().ok()?)
}

fn is_gzip(headers: &HeaderMap) -> Result<bool, Refusal> {
    match headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("identity") => Ok(false),
        Some("gzip" | "x-gzip") => Ok(true),
        Some(other) => Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("unsupported Content-Encoding {other:?}"),
        )),
    }
}

/// Steps 2–4 (on a blocking thread): authenticate, authorize the service without
/// `codecommit:References`, then locate the repository.
fn admit(
    app: &App,
    parts: &http::request::Parts,
    target: &Target,
    peer: Option<Peer>,
) -> Result<(Caller, Scope, PathBuf), Refusal> {
    let caller = auth::authenticate(app, parts, &target.name, peer)?;
    let (scope, dir) = git_access::admit(
        app,
        &caller,
        target.service,
        &target.name,
        Some(parts),
        peer,
    )?;
    Ok((caller, scope, dir))
}

/// Reads the ref-update commands of a push into `consumed` (which keeps every byte read,
/// for git).
async fn read_commands(
    body: &mut RequestBody,
    consumed: &mut BytesMut,
) -> Result<Commands, Refusal> {
    let mut reader = CommandReader::new(MAX_COMMAND_BYTES);
    loop {
        match reader.advance(consumed) {
            Ok(Some(commands)) => return Ok(commands),
            Ok(None) => {}
            Err(e @ PktError::TooLarge { .. }) => {
                return Err(Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, e.to_string()));
            }
            Err(e) => return Err(Refusal::new(StatusCode::BAD_REQUEST, e.to_string())),
        }
        match body.next().await? {
            Some(chunk) => consumed.extend_from_slice(&chunk),
            None => {
                return Err(Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "the request ended before its ref update commands did",
                ));
            }
        }
    }
}

/// Authorizes every ref of a push with `codecommit:References` (on a blocking thread).
/// `Ok(Some(report))`: the push is refused as a whole with this receive-pack report.
async fn authorize_refs(
    app: &Arc<App>,
    parts: &Arc<http::request::Parts>,
    caller: &Caller,
    target: &Target,
    commands: Commands,
    peer: Option<Peer>,
) -> Result<Option<Vec<u8>>, Refusal> {
    let (app, parts, caller, name) = (
        app.clone(),
        parts.clone(),
        caller.clone(),
        target.name.clone(),
    );
    tokio::task::spawn_blocking(move || {
        git_access::authorize_refs(&app, &caller, &name, &commands, Some(&parts), peer)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "git authorization worker failed");
        Refusal::internal()
    })?
    .map_err(Refusal::from)
}

/// A `200` answer of `service` with the content type and cache headers http-backend sends.
fn git_response(service: GitService, body: Body) -> Response {
    response(
        body,
        &format!("application/x-git-{}-result", service.command()),
    )
}

fn response(body: Body, content_type: &str) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    no_cache(headers);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, uri: &str) -> http::request::Parts {
        http::Request::builder()
            .method(method)
            .uri(uri)
            .body(())
            .expect("request")
            .into_parts()
            .0
    }

    #[test]
    fn routes() {
        let t = route(&parts(
            "GET",
            "/v1/repos/My.Repo/info/refs?service=git-upload-pack",
        ))
        .expect("route");
        assert_eq!(
            (t.name.as_str(), t.service, t.advertise),
            ("My.Repo", GitService::UploadPack, true)
        );
        let t = route(&parts("POST", "/v1/repos/r//git-receive-pack")).expect("trailing slash");
        assert_eq!(
            (t.name.as_str(), t.service, t.advertise),
            ("r", GitService::ReceivePack, false)
        );
        let t = route(&parts(
            "GET",
            "/v1/repos/My%20Repo/info/refs?service=git-receive-pack",
        ))
        .expect("route");
        assert_eq!(t.name, "My Repo");
        for (m, u, status) in [
            ("GET", "/v1/repos/r/info/refs", 403),
            ("GET", "/v1/repos/r/info/refs?service=git-foo", 403),
            ("POST", "/v1/repos/r/info/refs?service=git-upload-pack", 405),
            ("GET", "/v1/repos/r/git-upload-pack", 405),
            ("GET", "/v1/repos/r/HEAD", 404),
            ("GET", "/v1/repos/r", 404),
            ("GET", "/v1/repos//info/refs?service=git-upload-pack", 404),
        ] {
            let got = route(&parts(m, u))
                .map(|_| ())
                .map_err(|r| r.status.as_u16());
            assert_eq!(got, Err(status), "{m} {u}");
        }
    }
}
