//! Git smart HTTP at `/v1/repos/NAME` (DESIGN §3, §5; FACTS §2, §7.1):
//! route → authenticate (Basic with the CodeCommit SigV4 password; `401` challenge first)
//! → authorize `codecommit:GitPull` / `codecommit:GitPush` (a push: then each ref, with
//! `codecommit:References`) → locate the repository → run the real `git upload-pack` /
//! `git receive-pack --stateless-rpc` → stream both ways.
//!
//! Denied → 403, allowed but missing → 404 (authorization comes first, so a 404 is never an
//! existence oracle). Refusals are short plain text, which git shows as `remote: …`.

mod auth;
mod run;

use crate::api::App;
use crate::authn::Caller;
use crate::listener::Peer;
use crate::ops::Check;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use gitward_git::Scope;
use gitward_git::pktline::{self, CommandReader, Commands, PktError};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use run::RequestBody;
use std::path::PathBuf;
use std::sync::Arc;

/// Most ref updates in one push (CodeCommit's quota, FACTS §7.1).
pub const MAX_REF_UPDATES: usize = 4000;
/// Most bytes of ref-update commands read before git sees the push.
const MAX_COMMAND_BYTES: usize = 16 * 1024 * 1024;
const REPOS_PREFIX: &str = "/v1/repos/";
const CHALLENGE: &str = "Basic realm=\"gitward\"";

/// The two git services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GitService {
    UploadPack,
    ReceivePack,
}

impl GitService {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "git-upload-pack" => Some(Self::UploadPack),
            "git-receive-pack" => Some(Self::ReceivePack),
            _ => None,
        }
    }

    /// The git subcommand.
    fn command(self) -> &'static str {
        match self {
            Self::UploadPack => "upload-pack",
            Self::ReceivePack => "receive-pack",
        }
    }

    fn action(self) -> &'static str {
        match self {
            Self::UploadPack => "codecommit:GitPull",
            Self::ReceivePack => "codecommit:GitPush",
        }
    }
}

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
        let denied = authorize_refs(&app, &parts, &caller, &target, &commands, peer).await?;
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

/// The `Git-Protocol` header if it is of the safe form git sends (`version=2`, items
/// separated by `:`), for `GIT_PROTOCOL`.
fn git_protocol(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("git-protocol")?.to_str().ok()?;
    let safe = !v.is_empty()
        && v.len() <= 256
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b':' | b'.' | b'_' | b'-'));
    safe.then(|| v.to_owned())
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
    authorize(
        app,
        parts,
        &caller,
        &check(app, &caller, target, None),
        peer,
    )?;
    let scope =
        Scope::new(caller.principal.account().clone(), app.region.clone()).map_err(|e| {
            tracing::error!(error = %e, "server region is not a valid scope");
            Refusal::internal()
        })?;
    match app.repos.locate(&scope, &target.name) {
        Ok(Some((_, dir))) => Ok((caller, scope, dir)),
        Ok(None) => Err(Refusal::new(
            StatusCode::NOT_FOUND,
            format!("repository not found: {}", target.name),
        )),
        Err(e) => {
            tracing::error!(error = %e, "repository lookup failed");
            Err(Refusal::internal())
        }
    }
}

/// The authorization question for `target`, for one ref or for none.
fn check(app: &App, caller: &Caller, target: &Target, reference: Option<&str>) -> Check {
    let mut check = Check {
        action: target.service.action().to_owned(),
        resource: format!(
            "arn:aws:codecommit:{}:{}:{}",
            app.region,
            caller.principal.account(),
            target.name
        ),
        context: reference
            .map(|r| vec![("codecommit:References".to_owned(), vec![r.to_owned()])])
            .unwrap_or_default(),
    };
    crate::ops::add_resource_tags(app, caller, &app.region, std::slice::from_mut(&mut check));
    check
}

fn authorize(
    app: &App,
    parts: &http::request::Parts,
    caller: &Caller,
    check: &Check,
    peer: Option<Peer>,
) -> Result<(), Refusal> {
    app.authorizer
        .authorize_explained(app, caller, check, parts, peer)
        .map_err(|e| match e {
            crate::authz::AuthzError::Denied(m) => Refusal::forbidden(m),
            crate::authz::AuthzError::Internal => Refusal::internal(),
        })
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

/// Authorizes every ref of a push with `codecommit:References`. `Ok(Some(report))`: the push
/// is refused as a whole with this receive-pack report.
async fn authorize_refs(
    app: &Arc<App>,
    parts: &Arc<http::request::Parts>,
    caller: &Caller,
    target: &Target,
    commands: &Commands,
    peer: Option<Peer>,
) -> Result<Option<Vec<u8>>, Refusal> {
    let updates = &commands.updates;
    if updates.len() > MAX_REF_UPDATES {
        let reason = format!(
            "Too many reference update commands: a push may update at most {MAX_REF_UPDATES} references"
        );
        let rejected: Vec<(&str, &str)> = updates
            .iter()
            .map(|u| (u.name.as_str(), reason.as_str()))
            .collect();
        let report = pktline::rejection_report(
            commands,
            &rejected,
            &format!("gitward: {reason}; nothing was changed"),
        );
        return Ok(Some(report));
    }
    let names: Vec<String> = updates.iter().map(|u| u.name.clone()).collect();
    let denials = {
        let (app, parts, caller, target) =
            (app.clone(), parts.clone(), caller.clone(), target.clone());
        tokio::task::spawn_blocking(move || -> Result<Vec<Option<String>>, Refusal> {
            names
                .iter()
                .map(|name| {
                    let check = check(&app, &caller, &target, Some(name));
                    match authorize(&app, &parts, &caller, &check, peer) {
                        Ok(()) => Ok(None),
                        Err(r) if r.status == StatusCode::FORBIDDEN => Ok(Some(r.message)),
                        Err(r) => Err(r),
                    }
                })
                .collect()
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "git authorization worker failed");
            Refusal::internal()
        })??
    };
    if denials.iter().all(Option::is_none) {
        return Ok(None);
    }
    // The encoded authorization messages go to the side band, one line per denied ref; the
    // per-ref report keeps the readable reason only.
    let mut encoded = Vec::new();
    let reasons: Vec<String> = updates
        .iter()
        .zip(&denials)
        .map(|(u, d)| match d {
            Some(why) => {
                let (why, blob) = why.split_once('\n').unwrap_or((why.as_str(), ""));
                if !blob.is_empty() {
                    encoded.push(format!("gitward: {}: {blob}", u.name));
                }
                format!("{} denied by IAM policy: {why}", u.name)
            }
            None => "rejected because another ref was denied".to_owned(),
        })
        .collect();
    let rejected: Vec<(&str, &str)> = updates
        .iter()
        .zip(&reasons)
        .map(|(u, r)| (u.name.as_str(), r.as_str()))
        .collect();
    let denied: Vec<&str> = updates
        .iter()
        .zip(&denials)
        .filter(|(_, d)| d.is_some())
        .map(|(u, _)| u.name.as_str())
        .collect();
    tracing::info!(repository = %target.name, refs = ?denied, "push refused by IAM policy");
    let mut message = format!(
        "gitward: push refused: IAM policy denies {} on {}; nothing was changed",
        target.service.action(),
        denied.join(", ")
    );
    for line in encoded {
        message.push('\n');
        message.push_str(&line);
    }
    Ok(Some(pktline::rejection_report(
        commands, &rejected, &message,
    )))
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

    #[test]
    fn protocol_header() {
        let mut h = HeaderMap::new();
        assert_eq!(git_protocol(&h), None);
        h.insert("git-protocol", HeaderValue::from_static("version=2"));
        assert_eq!(git_protocol(&h).as_deref(), Some("version=2"));
        h.insert(
            "git-protocol",
            HeaderValue::from_static("version=2 ; rm -rf"),
        );
        assert_eq!(git_protocol(&h), None);
    }
}
