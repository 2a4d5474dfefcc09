//! Authentication of API requests: SigV4 → the principal who signed.

use crate::api::App;
use gitward_api::{ApiError, Service};
use gitward_iam::{KeyStatus, Principal};
use gitward_sigv4::HttpRequest;

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who signed.
    pub principal: Principal,
    /// The session, when the request was signed with temporary credentials.
    pub session: Option<std::sync::Arc<gitward_sts::SessionClaims>>,
}

impl Caller {
    /// A caller with long-term credentials.
    pub fn long_term(principal: Principal) -> Self {
        Self {
            principal,
            session: None,
        }
    }

    /// The caller's ARN as AWS shows it in errors and GetCallerIdentity: the session's
    /// (`…:assumed-role/ROLE/SESSION`, `…:federated-user/NAME`) or the long-term identity's.
    pub fn arn(&self) -> String {
        match &self.session {
            Some(s) => s.principal_arn(),
            None => self.principal.arn(),
        }
    }
}

/// Verifies the request's signature and returns who made it.
pub fn authenticate(
    app: &App,
    parts: &http::request::Parts,
    payload_sha256_hex: &str,
    service: Service,
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
    let parsed = gitward_sigv4::parse(&req).map_err(|e| gitward_api::auth_error(service, &e))?;
    // CodeCommit is regional: the scope must name this server's region. IAM and STS accept
    // any region (botocore signs IAM with the client's region when an endpoint is set).
    let region = (service == Service::CodeCommit).then_some(app.region.as_str());
    gitward_sigv4::check_scope(&parsed, service.signing_name(), region)
        .map_err(|e| gitward_api::auth_error(service, &e))?;

    if parsed.access_key_id.starts_with("ASIA") {
        return authenticate_session(app, &req, &parsed, service);
    }
    let found = app
        .iam
        .lookup_access_key(&parsed.access_key_id)
        .map_err(|e| {
            tracing::error!(error = %e, "access key lookup failed");
            ApiError::internal_for(service)
        })?;
    let Some((principal, key, secret)) = found else {
        return Err(gitward_api::unknown_access_key(service));
    };
    if key.status != KeyStatus::Active || parsed.security_token.is_some() {
        // Long-term keys carry no session token; a token here means a forged or confused request.
        return Err(gitward_api::unknown_access_key(service));
    }
    gitward_sigv4::verify(&req, &parsed, &secret, app.clock.now())
        .map_err(|e| gitward_api::auth_error(service, &e))?;

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
    Ok(Caller::long_term(principal))
}

/// Temporary credentials: open the sealed token, check the signature with the session's
/// secret, and act as the session's principal if it still exists.
fn authenticate_session(
    app: &App,
    req: &HttpRequest<'_>,
    parsed: &gitward_sigv4::ParsedAuth,
    service: Service,
) -> Result<Caller, ApiError> {
    let Some(token) = parsed.security_token.as_deref() else {
        return Err(gitward_api::unknown_access_key(service));
    };
    let now = app.clock.now();
    let claims = match app.sessions.open(token, &parsed.access_key_id, now) {
        Ok(c) => c,
        Err(gitward_sts::TokenError::Expired { .. }) => {
            return Err(gitward_api::expired_token(service));
        }
        Err(_) => return Err(gitward_api::unknown_access_key(service)),
    };
    gitward_sigv4::verify(req, parsed, &claims.secret_access_key, now)
        .map_err(|e| gitward_api::auth_error(service, &e))?;
    let principal = crate::sessions::principal_of(app, &claims)
        .ok_or_else(|| gitward_api::unknown_access_key(service))?;
    crate::sessions::note_role_use(app, &principal, &parsed.scope.region);
    Ok(Caller {
        principal,
        session: Some(std::sync::Arc::new(claims)),
    })
}
