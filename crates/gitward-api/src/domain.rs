//! The one mapping from domain and authentication failures to AWS wire errors.
//!
//! Handlers and the pipeline never pick codes or statuses themselves: they convert here, and
//! the encoders spell the result for the protocol.

use crate::{ApiError, Protocol, Service};
use gitward_git::RepoError;
use gitward_iam::IamError;
use gitward_sigv4::SigV4Error;

impl From<IamError> for ApiError {
    fn from(e: IamError) -> Self {
        if let IamError::Store(inner) = &e {
            tracing::error!(error = %inner, "IAM storage failure");
            return ApiError::internal_for(Service::Iam);
        }
        ApiError::modeled(Service::Iam, e.code(), e.to_string())
    }
}

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        if e.is_internal() {
            tracing::error!(error = %e, "repository service failure");
            return ApiError::internal_for(Service::CodeCommit);
        }
        ApiError::modeled(Service::CodeCommit, e.shape(), e.to_string())
    }
}

/// A SigV4 failure as `svc` reports it (FACTS §1): query services use the codes as AWS's
/// query APIs spell them, JSON services their `…Exception` names.
pub fn auth_error(svc: Service, err: &SigV4Error) -> ApiError {
    match svc.protocol() {
        Protocol::Query => ApiError::new(err.code(), err.to_string(), err.http_status()),
        Protocol::Json => {
            let status = match err {
                SigV4Error::MissingAuthenticationToken => 403,
                _ => 400,
            };
            ApiError::new(err.json_code(), err.to_string(), status)
        }
    }
}

/// An access key (or session token) that does not exist or may not be used.
pub fn unknown_access_key(svc: Service) -> ApiError {
    const MESSAGE: &str = "The security token included in the request is invalid.";
    match svc.protocol() {
        Protocol::Query => ApiError::new("InvalidClientTokenId", MESSAGE, 403),
        Protocol::Json => ApiError::new("UnrecognizedClientException", MESSAGE, 400),
    }
}

/// Temporary credentials past their expiry (FACTS §1.3): query `ExpiredToken` (403), JSON
/// `ExpiredTokenException` (400).
pub fn expired_token(svc: Service) -> ApiError {
    const MESSAGE: &str = "The security token included in the request is expired";
    match svc.protocol() {
        Protocol::Query => ApiError::new("ExpiredToken", MESSAGE, 403),
        Protocol::Json => ApiError::new("ExpiredTokenException", MESSAGE, 400),
    }
}

/// A request that policy evaluation denied; `message` is AWS's "User: … is not authorized
/// to perform: …" sentence.
pub fn access_denied(svc: Service, message: String) -> ApiError {
    match svc.protocol() {
        Protocol::Query => ApiError::new("AccessDenied", message, 403),
        Protocol::Json => ApiError::new("AccessDeniedException", message, 400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_errors_take_the_model_status() {
        let e: ApiError =
            IamError::NoSuchEntity("The user with name x cannot be found.".into()).into();
        assert_eq!((e.code.as_str(), e.status), ("NoSuchEntity", 404));
        let e: ApiError = IamError::DeleteConflict("x".into()).into();
        assert_eq!((e.code.as_str(), e.status), ("DeleteConflict", 409));
        let e: ApiError = IamError::LimitExceeded("x".into()).into();
        assert_eq!((e.code.as_str(), e.status), ("LimitExceeded", 409));
    }

    #[test]
    fn repository_errors_are_model_exceptions() {
        let e: ApiError = RepoError::RepositoryDoesNotExist("r".into()).into();
        assert_eq!(
            (e.code.as_str(), e.status),
            ("RepositoryDoesNotExistException", 400)
        );
    }

    #[test]
    fn auth_errors_per_protocol() {
        let e = auth_error(Service::Iam, &SigV4Error::MissingAuthenticationToken);
        assert_eq!(
            (e.code.as_str(), e.status),
            ("MissingAuthenticationToken", 403)
        );
        let e = auth_error(Service::CodeCommit, &SigV4Error::MissingAuthenticationToken);
        assert_eq!(
            (e.code.as_str(), e.status),
            ("MissingAuthenticationTokenException", 403)
        );
        assert_eq!(
            unknown_access_key(Service::Sts).code,
            "InvalidClientTokenId"
        );
        assert_eq!(
            unknown_access_key(Service::CodeCommit).code,
            "UnrecognizedClientException"
        );
        assert_eq!(
            access_denied(Service::CodeCommit, "m".into()).code,
            "AccessDeniedException"
        );
        assert_eq!(access_denied(Service::Iam, "m".into()).status, 403);
    }
}
