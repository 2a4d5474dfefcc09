//! Authentication of API requests: SigV4 → the principal who signed.

use crate::api::{App, Protocol};
use gitward_api::{ApiError, Service};
use gitward_iam::{KeyStatus, Principal};
use gitward_sigv4::{HttpRequest, SigV4Error};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who signed.
    pub principal: Principal,
}

const INVALID_TOKEN: &str = "The security token included in the request is invalid.";

/// The wire error for an authentication failure: the query protocol's codes for IAM/STS,
/// the JSON services' names for CodeCommit (FACTS §1).
fn auth_error(protocol: Protocol, err: &SigV4Error) -> ApiError {
    let code = err.code();
    match protocol {
        Protocol::Query(_) => {
            let status =
                if code == "IncompleteSignature" || code == "AuthorizationQueryParametersError" {
                    400
                } else {
                    403
                };
            ApiError::new(code, err.to_string(), status)
        }
        Protocol::Json(_) => {
            let (code, status) = match code {
                "SignatureDoesNotMatch" => ("InvalidSignatureException", 400),
                "MissingAuthenticationToken" => ("MissingAuthenticationTokenException", 403),
                "IncompleteSignature" => ("IncompleteSignatureException", 400),
                other => (other, 400),
            };
            ApiError::new(code, err.to_string(), status)
        }
    }
}

fn unknown_key(protocol: Protocol) -> ApiError {
    match protocol {
        Protocol::Query(_) => ApiError::new("InvalidClientTokenId", INVALID_TOKEN.to_owned(), 403),
        Protocol::Json(_) => {
            ApiError::new("UnrecognizedClientException", INVALID_TOKEN.to_owned(), 400)
        }
    }
}

/// Verifies the request's signature and returns who made it.
pub fn authenticate(
    app: &App,
    parts: &http::request::Parts,
    payload_sha256_hex: &str,
    protocol: Protocol,
) -> Result<Caller, ApiError> {
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let req = HttpRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &headers,
        payload_sha256_hex,
    };
    let parsed = gitward_sigv4::parse(&req).map_err(|e| auth_error(protocol, &e))?;
    let service = protocol.service();
    // CodeCommit is regional: the scope must name this server's region. IAM and STS accept
    // any region (botocore signs IAM with the client's region when an endpoint is set).
    let region = (service == Service::CodeCommit).then_some(app.region.as_str());
    gitward_sigv4::check_scope(&parsed, service.signing_name(), region)
        .map_err(|e| auth_error(protocol, &e))?;

    let found = app
        .iam
        .lookup_access_key(&parsed.access_key_id)
        .map_err(|e| {
            tracing::error!(error = %e, "access key lookup failed");
            ApiError::internal()
        })?;
    let Some((principal, key, secret)) = found else {
        return Err(unknown_key(protocol));
    };
    if key.status != KeyStatus::Active || parsed.security_token.is_some() {
        // Long-term keys carry no session token; a token here means a forged or confused request.
        return Err(unknown_key(protocol));
    }
    gitward_sigv4::verify(&req, &parsed, &secret, app.clock.now())
        .map_err(|e| auth_error(protocol, &e))?;

    let stale = key
        .last_used
        .as_ref()
        .is_none_or(|u| app.clock.now() - u.at > time::Duration::minutes(1));
    if stale
        && let Err(e) =
            app.iam
                .record_key_use(&key.id, service.signing_name(), &parsed.scope.region)
    {
        tracing::warn!(error = %e, "could not record access key use");
    }
    Ok(Caller { principal })
}
