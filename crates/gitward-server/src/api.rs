//! The API pipeline (DESIGN §3): route → parse operation → authenticate → authorize →
//! handle → render. Each step is one function below; `process` strings them together.

use crate::authn;
use crate::authz::Authorizer;
use crate::listener::Peer;
use crate::{handlers, ops};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use gitward_api::{ApiError, Protocol as WireProtocol, Service};
use gitward_core::Clock;
use gitward_git::RepoService;
use gitward_iam::IamService;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The largest API request body accepted (AWS's query APIs cap requests well below this).
pub const MAX_BODY: usize = 10 * 1024 * 1024;

/// Everything a request handler may use.
#[derive(Debug)]
pub struct App {
    pub iam: IamService,
    pub repos: RepoService,
    pub clock: Arc<dyn Clock>,
    pub region: String,
    pub authorizer: Authorizer,
    /// Sealing keys of temporary credentials.
    pub sessions: crate::sessions::Sessions,
    /// Failed Git sign-ins, for slowing down and locking out guessing.
    pub auth_throttle: crate::throttle::AuthThrottle,
    /// Where authorization decisions and refused sign-ins are recorded.
    pub audit: crate::audit::AuditLog,
}

impl App {
    /// An app over an in-memory database and a fixed clock, for unit tests.
    #[cfg(test)]
    pub fn for_tests(repos_root: &std::path::Path) -> Self {
        let db = Arc::new(
            gitward_store::Db::open_in_memory(gitward_store::MasterKey::from_bytes([0; 32]))
                .expect("an in-memory database opens"),
        );
        let clock: Arc<dyn Clock> = Arc::new(gitward_core::FixedClock::new(
            time::macros::datetime!(2026-11-22 00:00 UTC),
        ));
        Self {
            iam: IamService::new(db.clone(), clock.clone()),
            repos: RepoService::new(
                db,
                repos_root.to_path_buf(),
                clock.clone(),
                gitward_git::PublicUrls {
                    http_base: "https://h".into(),
                    ssh_base: "ssh://h".into(),
                },
            ),
            clock,
            region: "us-east-1".into(),
            authorizer: Authorizer::default(),
            auth_throttle: crate::throttle::AuthThrottle::default(),
            audit: crate::audit::AuditLog::default(),
            sessions: crate::sessions::Sessions::for_tests(),
        }
    }
}

/// The HTTP routes of the server.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok\n" }))
        .route(
            "/v1/repos/{*rest}",
            axum::routing::any(crate::git_http::handle),
        )
        .fallback(handle)
        .with_state(app)
}

/// A request routed to an operation, with its raw parameters.
#[derive(Debug)]
pub struct Routed {
    pub service: Service,
    pub operation: String,
    /// Form pairs (query protocol) — the JSON body is decoded from the raw body instead.
    pub pairs: Vec<(String, String)>,
}

async fn handle(State(app): State<Arc<App>>, req: Request) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let peer = req.extensions().get::<Peer>().copied();
    let (parts, body) = req.into_parts();
    let fallback = if parts.headers.contains_key("x-amz-target") {
        Service::CodeCommit
    } else {
        Service::Iam
    };
    let body = match http_body_util::Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let err = ApiError::new(
                "RequestEntityTooLarge",
                format!("Request body is larger than the limit of {MAX_BODY} bytes"),
                413,
            );
            return render_error(fallback, &err, &request_id, &app);
        }
    };
    let routed = route(&parts, &body);
    let inline = match &routed {
        Ok(r) => runs_inline(r.service),
        Err(_) => true,
    };
    // A panic becomes InternalFailure either way, as a failed blocking task does.
    let outcome = if inline {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            process(&app, &parts, &body, peer, routed)
        }))
        .map_err(|_| "request processing panicked".to_owned())
    } else {
        let worker = app.clone();
        tokio::task::spawn_blocking(move || process(&worker, &parts, &body, peer, routed))
            .await
            .map_err(|e| e.to_string())
    };
    match outcome {
        Ok(Ok((service, operation, output))) => {
            render_ok(service, &operation, &output, &request_id, &app)
        }
        Ok(Err((service, err))) => {
            render_error(service.unwrap_or(fallback), &err, &request_id, &app)
        }
        Err(why) => {
            tracing::error!(error = %why, "request worker failed");
            render_error(
                fallback,
                &ApiError::internal_for(fallback),
                &request_id,
                &app,
            )
        }
    }
}

/// An error, with the service whose protocol should render it once routing knew it.
type Failure = (Option<Service>, ApiError);

/// Whether a routed request is processed on the runtime thread that read it rather than
/// on a blocking thread. STS calls are a few tens of microseconds of computation over
/// metadata reads (SQLite in the page cache, behind one mutex): the two thread hand-offs of
/// `spawn_blocking` cost more than the work. Their only writes are the last-used records,
/// at most once a minute per key or role. IAM and CodeCommit calls (repository creation
/// runs git, writes fsync) stay on blocking threads.
fn runs_inline(service: Service) -> bool {
    service == Service::Sts
}

/// The whole pipeline for one routed API request (synchronous: the stores are). Runs on a
/// blocking thread, or inline for [`runs_inline`] requests.
fn process(
    app: &App,
    parts: &http::request::Parts,
    body: &[u8],
    peer: Option<Peer>,
    routed: Result<Routed, Failure>,
) -> Result<(Service, String, serde_json::Value), Failure> {
    let routed = routed?;
    let service = routed.service;
    let fail = |e: ApiError| (Some(service), e);
    let payload_hash = hex::encode(Sha256::digest(body));
    let caller = match authn::authenticate(app, parts, &payload_hash, service) {
        Ok(caller) => caller,
        Err(e) => {
            app.audit.record(&crate::audit::AuditEvent::sign_in_refused(
                app.clock.now(),
                &offered_key_id(parts).unwrap_or_default(),
                "sigv4",
                e.code.clone(),
                peer.map(|p| p.addr.ip()),
            ));
            return Err(fail(e));
        }
    };
    session_limits(&caller, service, &routed.operation).map_err(fail)?;
    let input = decode(&routed, body).map_err(fail)?;
    let request = ops::OperationRequest {
        service,
        operation: &routed.operation,
        input: &input,
        caller: &caller,
        region: &app.region,
        transport: Some((parts, peer)),
    };
    let checks = ops::authorization_checks(app, &request).map_err(fail)?;
    for check in &checks {
        app.authorizer
            .authorize(app, &caller, check, Some(parts), peer)
            .map_err(|e| fail(e.into_api(service)))?;
    }
    let output = handlers::dispatch(app, &request).map_err(fail)?;
    Ok((service, routed.operation, output))
}

/// The access key id a refused request offered (`Credential=AKID/…` in the Authorization
/// header or `X-Amz-Credential` in the query), for the audit log; never the secret.
fn offered_key_id(parts: &http::request::Parts) -> Option<String> {
    let from_header = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once("Credential=").map(|(_, rest)| rest.to_owned()));
    let from_query = || {
        form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .find(|(k, _)| k == "X-Amz-Credential")
            .map(|(_, v)| v.into_owned())
    };
    let credential = from_header.or_else(from_query)?;
    let id: String = credential
        .split(['/', ',', ' '])
        .next()?
        .chars()
        .take(128)
        .collect();
    (!id.is_empty()).then_some(id)
}

/// What temporary credentials may not do at all, whatever the policies say (FACTS §3.1):
/// GetSessionToken credentials call IAM only with MFA, and of STS only AssumeRole and
/// GetCallerIdentity; federated users call no IAM and of STS only GetCallerIdentity; role
/// sessions cannot ask for GetSessionToken or GetFederationToken.
fn session_limits(
    caller: &authn::Caller,
    service: Service,
    operation: &str,
) -> Result<(), ApiError> {
    let Some(session) = &caller.session else {
        return Ok(());
    };
    let refuse = |why: &str| {
        Err(gitward_api::access_denied(
            service,
            format!(
                "User: {} is not authorized to perform: {}:{operation} because {why}",
                session.principal_arn(),
                service.signing_name()
            ),
        ))
    };
    use gitward_sts::SessionSource as S;
    match (session.source, service) {
        (S::GetSessionToken, Service::Iam) if !session.mfa_authenticated => {
            refuse("credentials from GetSessionToken without MFA cannot call the IAM API")
        }
        (S::GetSessionToken, Service::Sts)
            if !matches!(operation, "GetCallerIdentity" | "AssumeRole") =>
        {
            refuse(
                "credentials from GetSessionToken can only call sts:AssumeRole and sts:GetCallerIdentity",
            )
        }
        (S::GetFederationToken, Service::Iam) => refuse("federated users cannot call the IAM API"),
        (S::GetFederationToken, Service::Sts) if operation != "GetCallerIdentity" => {
            refuse("federated users can only call sts:GetCallerIdentity")
        }
        (S::AssumeRole | S::AssumeRoleWithSaml | S::AssumeRoleWithWebIdentity, Service::Sts)
            if matches!(operation, "GetSessionToken" | "GetFederationToken") =>
        {
            refuse("role sessions cannot call GetSessionToken or GetFederationToken")
        }
        _ => Ok(()),
    }
}

/// Step 1: which service and operation, from `X-Amz-Target` or `Action` + `Version`.
fn route(parts: &http::request::Parts, body: &[u8]) -> Result<Routed, Failure> {
    if let Some(target) = parts.headers.get("x-amz-target") {
        let target = target.to_str().unwrap_or_default();
        return match Service::from_target(target) {
            Some((service, op)) if handlers::is_supported(service, op) => Ok(Routed {
                service,
                operation: op.to_owned(),
                pairs: Vec::new(),
            }),
            _ => Err((
                Some(Service::CodeCommit),
                ApiError::unknown_operation(Service::CodeCommit, target),
            )),
        };
    }
    let mut pairs: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        pairs.extend(form_urlencoded::parse(body).into_owned());
    }
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let version = get("Version");
    let service = version
        .as_deref()
        .and_then(Service::from_query_version)
        .unwrap_or(Service::Iam);
    let Some(action) = get("Action") else {
        return Err((
            Some(service),
            ApiError::new("MissingAction", "Missing Action", 400),
        ));
    };
    let known = version.is_some() && gitward_api::model(service).operation(&action).is_some();
    if !known || !handlers::is_supported(service, &action) {
        let v = version.unwrap_or_default();
        let message = format!("Could not find operation {action} for version {v}");
        return Err((Some(service), ApiError::new("InvalidAction", message, 400)));
    }
    pairs.retain(|(k, _)| k != "Action" && k != "Version" && !k.starts_with("X-Amz-"));
    Ok(Routed {
        service,
        operation: action,
        pairs,
    })
}

/// Step 2: the operation's input as the model names it.
///
/// IAM and STS answer constraint violations with `ValidationError` (checked here against the
/// model); CodeCommit checks its own inputs and answers with the model's specific exceptions
/// (`InvalidRepositoryNameException`…), as AWS does.
fn decode(routed: &Routed, body: &[u8]) -> Result<serde_json::Value, ApiError> {
    let service = routed.service;
    match service.protocol() {
        WireProtocol::Query => {
            let mut input =
                gitward_api::query::decode_input(service, &routed.operation, &routed.pairs)?;
            // STS checks DurationSeconds itself: its lower bound is a server setting
            // (`--sts-min-duration-seconds`), and its messages are STS's own.
            let duration = match (service, input.as_object_mut()) {
                (Service::Sts, Some(m)) => m.remove("DurationSeconds"),
                _ => None,
            };
            gitward_api::validate(service, &routed.operation, &input)?;
            if let (Some(d), Some(m)) = (duration, input.as_object_mut()) {
                m.insert("DurationSeconds".to_owned(), d);
            }
            Ok(input)
        }
        WireProtocol::Json => gitward_api::json::decode_input(service, &routed.operation, body),
    }
}

fn common_headers(headers: &mut HeaderMap, request_id: &str, app: &App) {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    // SDKs correct clock skew from the Date header, so send it on every response.
    if let Ok(v) = HeaderValue::from_str(&httpdate(app.clock.now())) {
        headers.insert(header::DATE, v);
    }
}

fn httpdate(t: time::OffsetDateTime) -> String {
    const FMT: &[time::format_description::FormatItem<'_>] = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.format(FMT).unwrap_or_default()
}

fn render_ok(
    service: Service,
    op: &str,
    output: &serde_json::Value,
    request_id: &str,
    app: &App,
) -> Response {
    let encoded = match service.protocol() {
        WireProtocol::Query => gitward_api::query::encode_output(service, op, output, request_id)
            .map(|xml| (xml.into_bytes(), gitward_api::query::CONTENT_TYPE)),
        WireProtocol::Json => gitward_api::json::encode_output(service, op, output)
            .map(|b| (b, gitward_api::json::CONTENT_TYPE)),
    };
    match encoded {
        Ok((bytes, content_type)) => {
            let mut resp = (StatusCode::OK, Body::from(bytes)).into_response();
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            common_headers(resp.headers_mut(), request_id, app);
            resp
        }
        Err(e) => {
            tracing::error!(operation = op, error = %e.message, "response does not fit the model");
            render_error(service, &ApiError::internal_for(service), request_id, app)
        }
    }
}

/// The one place an error becomes bytes on the wire.
pub fn render_error(service: Service, err: &ApiError, request_id: &str, app: &App) -> Response {
    let (bytes, content_type) = match service.protocol() {
        WireProtocol::Query => (
            gitward_api::query::encode_error(service, err, request_id).into_bytes(),
            gitward_api::query::CONTENT_TYPE,
        ),
        WireProtocol::Json => (
            gitward_api::json::encode_error(err),
            gitward_api::json::CONTENT_TYPE,
        ),
    };
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut resp = (status, Body::from(bytes)).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if service.protocol() == WireProtocol::Json
        && let Ok(v) = HeaderValue::from_str(&err.code)
    {
        resp.headers_mut().insert("x-amzn-errortype", v);
    }
    common_headers(resp.headers_mut(), request_id, app);
    resp
}
