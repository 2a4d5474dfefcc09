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
use gitward_api::{ApiError, Service};
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
}

/// The HTTP routes of the server.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok\n" }))
        .fallback(handle)
        .with_state(app)
}

/// How the request is encoded, which decides how errors are rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// awsQuery: IAM and STS.
    Query(Service),
    /// awsJson1.1: CodeCommit.
    Json(Service),
}

impl Protocol {
    pub fn service(self) -> Service {
        match self {
            Self::Query(s) | Self::Json(s) => s,
        }
    }
}

/// A request routed to an operation, with its raw parameters.
#[derive(Debug)]
pub struct Routed {
    pub protocol: Protocol,
    pub operation: String,
    /// Form pairs (query protocol) — the JSON body is decoded from the raw body instead.
    pub pairs: Vec<(String, String)>,
}

async fn handle(State(app): State<Arc<App>>, req: Request) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let peer = req.extensions().get::<Peer>().copied();
    let (parts, body) = req.into_parts();
    let fallback = if parts.headers.contains_key("x-amz-target") {
        Protocol::Json(Service::CodeCommit)
    } else {
        Protocol::Query(Service::Iam)
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
    let worker = app.clone();
    let outcome = tokio::task::spawn_blocking(move || process(&worker, &parts, &body, peer)).await;
    match outcome {
        Ok(Ok((protocol, operation, output))) => {
            render_ok(protocol, &operation, &output, &request_id, &app)
        }
        Ok(Err((protocol, err))) => {
            render_error(protocol.unwrap_or(fallback), &err, &request_id, &app)
        }
        Err(join) => {
            tracing::error!(error = %join, "request worker failed");
            render_error(fallback, &ApiError::internal(), &request_id, &app)
        }
    }
}

type Failure = (Option<Protocol>, ApiError);

/// The whole pipeline for one API request, on a blocking thread (the stores are synchronous).
fn process(
    app: &App,
    parts: &http::request::Parts,
    body: &[u8],
    peer: Option<Peer>,
) -> Result<(Protocol, String, serde_json::Value), Failure> {
    let routed = route(parts, body)?;
    let protocol = routed.protocol;
    let fail = |e: ApiError| (Some(protocol), e);
    let payload_hash = hex::encode(Sha256::digest(body));
    let caller = authn::authenticate(app, parts, &payload_hash, protocol).map_err(fail)?;
    let input = decode(protocol, &routed, body).map_err(fail)?;
    let request = ops::OperationRequest {
        service: protocol.service(),
        operation: &routed.operation,
        input: &input,
        caller: &caller,
        region: &app.region,
    };
    let checks = ops::authorization_checks(app, &request).map_err(fail)?;
    for check in &checks {
        app.authorizer
            .authorize(app, &caller, check, parts, peer)
            .map_err(|e| fail(e.into_api(protocol)))?;
    }
    let output = handlers::dispatch(app, &request).map_err(fail)?;
    Ok((protocol, routed.operation, output))
}

/// Step 1: which service and operation, from `X-Amz-Target` or `Action` + `Version`.
fn route(
    parts: &http::request::Parts,
    body: &[u8],
) -> Result<Routed, (Option<Protocol>, ApiError)> {
    if let Some(target) = parts.headers.get("x-amz-target") {
        let protocol = Protocol::Json(Service::CodeCommit);
        let target = target.to_str().unwrap_or_default();
        let op = target
            .strip_prefix("CodeCommit_20150413.")
            .filter(|op| {
                gitward_api::model(Service::CodeCommit)
                    .operation(op)
                    .is_some()
            })
            .ok_or_else(|| {
                (
                    Some(protocol),
                    ApiError::new(
                        "UnknownOperationException",
                        "Unknown operation".to_owned(),
                        400,
                    ),
                )
            })?;
        return Ok(Routed {
            protocol,
            operation: op.to_owned(),
            pairs: Vec::new(),
        });
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
    let service = match version.as_deref() {
        Some("2010-05-08") => Service::Iam,
        Some("2011-06-15") => Service::Sts,
        _ => Service::Iam,
    };
    let protocol = Protocol::Query(service);
    let Some(action) = get("Action") else {
        return Err((
            Some(protocol),
            ApiError::new("MissingAction", "Missing Action".to_owned(), 400),
        ));
    };
    let known = version.is_some() && gitward_api::model(service).operation(&action).is_some();
    if !known || !handlers::is_supported(service, &action) {
        let v = version.unwrap_or_default();
        return Err((
            Some(protocol),
            ApiError::new(
                "InvalidAction",
                format!("Could not find operation {action} for version {v}"),
                400,
            ),
        ));
    }
    pairs.retain(|(k, _)| k != "Action" && k != "Version" && !k.starts_with("X-Amz-"));
    Ok(Routed {
        protocol,
        operation: action,
        pairs,
    })
}

/// Step 2: the operation's input as the model names it, validated against the model.
fn decode(protocol: Protocol, routed: &Routed, body: &[u8]) -> Result<serde_json::Value, ApiError> {
    let (service, input) = match protocol {
        Protocol::Query(s) => (
            s,
            gitward_api::query::decode_input(s, &routed.operation, &routed.pairs)?,
        ),
        Protocol::Json(s) => {
            if !handlers::is_supported(s, &routed.operation) {
                return Err(ApiError::new(
                    "UnknownOperationException",
                    format!(
                        "The operation {} is not supported by gitward yet",
                        routed.operation
                    ),
                    400,
                ));
            }
            (
                s,
                gitward_api::json::decode_input(s, &routed.operation, body)?,
            )
        }
    };
    // IAM and STS answer constraint violations with `ValidationError`; CodeCommit checks its
    // own inputs and answers with the model's specific exceptions (InvalidRepositoryName…).
    if matches!(protocol, Protocol::Query(_)) {
        gitward_api::validate(service, &routed.operation, &input)?;
    }
    Ok(input)
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
    protocol: Protocol,
    op: &str,
    output: &serde_json::Value,
    request_id: &str,
    app: &App,
) -> Response {
    let encoded = match protocol {
        Protocol::Query(s) => gitward_api::query::encode_output(s, op, output, request_id)
            .map(|xml| (xml.into_bytes(), "text/xml")),
        Protocol::Json(s) => gitward_api::json::encode_output(s, op, output)
            .map(|b| (b, "application/x-amz-json-1.1")),
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
            render_error(protocol, &ApiError::internal(), request_id, app)
        }
    }
}

/// The one place an error becomes bytes on the wire.
pub fn render_error(protocol: Protocol, err: &ApiError, request_id: &str, app: &App) -> Response {
    let (bytes, content_type) = match protocol {
        Protocol::Query(s) => (
            gitward_api::query::encode_error(s, err, request_id).into_bytes(),
            "text/xml",
        ),
        Protocol::Json(_) => (
            gitward_api::json::encode_error(err),
            "application/x-amz-json-1.1",
        ),
    };
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut resp = (status, Body::from(bytes)).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Protocol::Json(_) = protocol
        && let Ok(v) = HeaderValue::from_str(&err.code)
    {
        resp.headers_mut().insert("x-amzn-errortype", v);
    }
    common_headers(resp.headers_mut(), request_id, app);
    resp
}
