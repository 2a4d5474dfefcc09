//! The one error type of the wire layer: an error as AWS puts it on the wire.

use crate::{Protocol, Service, model};

/// An error as AWS puts it on the wire: code, message, HTTP status, and whether the caller
/// is at fault (query protocol `<Type>Sender</Type>` vs `Receiver`).
///
/// Two codes are protocol-neutral so that code without a [`Service`] at hand can raise them:
/// [`ApiError::validation`] (`ValidationError`) and [`ApiError::internal`]
/// (`InternalFailure`). The encoders spell them for the protocol: JSON writes
/// `ValidationException`; IAM writes `ServiceFailure` (its modeled 500 error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} ({status}): {message}")]
pub struct ApiError {
    /// The wire code, e.g. `NoSuchEntity` or `RepositoryDoesNotExistException`.
    pub code: String,
    /// The human-readable message sent to the client.
    pub message: String,
    /// The HTTP status.
    pub status: u16,
    /// Whether the caller is at fault (`Sender`) rather than the server (`Receiver`).
    pub sender_fault: bool,
}

/// The message of every internal error: details are logged, never returned.
pub const INTERNAL_MESSAGE: &str = "We encountered an internal error. Please try again.";

impl ApiError {
    /// An error with an explicit code and status; sender fault iff `status < 500`.
    pub fn new(code: impl Into<String>, message: impl Into<String>, status: u16) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            status,
            sender_fault: status < 500,
        }
    }

    /// A parameter-validation failure, 400. Code `ValidationError` (query spelling); the
    /// JSON encoder writes it as `ValidationException`. Prefer [`ApiError::validation_for`]
    /// when the service is known.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationError", message, 400)
    }

    /// A parameter-validation failure spelled for `svc`: query `ValidationError`, JSON
    /// `ValidationException`, both 400.
    pub fn validation_for(svc: Service, message: impl Into<String>) -> Self {
        let code = match svc.protocol() {
            Protocol::Query => "ValidationError",
            Protocol::Json => "ValidationException",
        };
        Self::new(code, message, 400)
    }

    /// An internal failure, 500, with a generic message. Code `InternalFailure`; the IAM
    /// encoder writes it as `ServiceFailure`. Log the cause before returning this.
    pub fn internal() -> Self {
        Self::new("InternalFailure", INTERNAL_MESSAGE, 500)
    }

    /// An internal failure spelled for `svc`: IAM `ServiceFailure`, others `InternalFailure`.
    pub fn internal_for(svc: Service) -> Self {
        Self::new(wire_code(svc, "InternalFailure"), INTERNAL_MESSAGE, 500)
    }

    /// A modeled error of `svc`, by shape name (`NoSuchEntityException`) or wire code
    /// (`NoSuchEntity`): code, status and fault come from the model. An unknown name is a
    /// handler bug: it panics in debug builds and falls back to `name`/400 otherwise.
    pub fn modeled(svc: Service, name: &str, message: impl Into<String>) -> Self {
        match model(svc).error_shape(name) {
            Some(e) => Self {
                code: e.code.clone(),
                message: message.into(),
                status: e.status,
                sender_fault: e.sender_fault,
            },
            None => {
                debug_assert!(false, "{svc:?} has no modeled error {name}");
                Self::new(name, message, 400)
            }
        }
    }

    /// The operation is not one the service has. Query: `InvalidAction` (as AWS answers an
    /// unknown `Action`); JSON: `UnknownOperationException`. Both 400.
    pub fn unknown_operation(svc: Service, op: &str) -> Self {
        match svc.protocol() {
            Protocol::Query => Self::new(
                "InvalidAction",
                format!(
                    "Could not find operation {op} for version {}",
                    svc.version()
                ),
                400,
            ),
            Protocol::Json => Self::new("UnknownOperationException", "", 400),
        }
    }

    /// The request body is not valid for the protocol (JSON: `SerializationException`, 400).
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new("SerializationException", message, 400)
    }
}

/// The HTTP status of the error `code` of `svc`, from the model: `code` may be the wire code
/// (`NoSuchEntity`) or the shape name (`NoSuchEntityException`). `None` if not modeled.
pub fn error_code_status(svc: Service, code: &str) -> Option<u16> {
    model(svc).error_shape(code).map(|e| e.status)
}

/// Spells a protocol-neutral code for `svc` (see [`ApiError`]); other codes pass through.
pub(crate) fn wire_code(svc: Service, code: &str) -> &str {
    match (svc, code) {
        (Service::CodeCommit, "ValidationError") => "ValidationException",
        (Service::Iam | Service::Sts, "ValidationException") => "ValidationError",
        (Service::Iam, "InternalFailure") => "ServiceFailure",
        _ => code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modeled_errors_take_code_and_status_from_the_model() {
        let e = ApiError::modeled(
            Service::Iam,
            "NoSuchEntityException",
            "The user x cannot be found.",
        );
        assert_eq!(
            (e.code.as_str(), e.status, e.sender_fault),
            ("NoSuchEntity", 404, true)
        );
        let e = ApiError::modeled(Service::Iam, "EntityAlreadyExists", "m");
        assert_eq!((e.code.as_str(), e.status), ("EntityAlreadyExists", 409));
        let e = ApiError::modeled(Service::Iam, "ServiceFailureException", "m");
        assert_eq!(
            (e.code.as_str(), e.status, e.sender_fault),
            ("ServiceFailure", 500, false)
        );
        let e = ApiError::modeled(Service::Sts, "IDPRejectedClaimException", "m");
        assert_eq!((e.code.as_str(), e.status), ("IDPRejectedClaim", 403));
        let e = ApiError::modeled(Service::CodeCommit, "RepositoryNameExistsException", "m");
        assert_eq!(
            (e.code.as_str(), e.status),
            ("RepositoryNameExistsException", 400)
        );
    }

    #[test]
    fn status_lookup_by_code_or_shape() {
        assert_eq!(error_code_status(Service::Iam, "NoSuchEntity"), Some(404));
        assert_eq!(
            error_code_status(Service::Iam, "NoSuchEntityException"),
            Some(404)
        );
        assert_eq!(error_code_status(Service::Iam, "LimitExceeded"), Some(409));
        assert_eq!(error_code_status(Service::Iam, "ReportExpired"), Some(410));
        assert_eq!(
            error_code_status(Service::Sts, "RegionDisabledException"),
            Some(403)
        );
        assert_eq!(
            error_code_status(Service::Sts, "PackedPolicyTooLarge"),
            Some(400)
        );
        assert_eq!(
            error_code_status(Service::CodeCommit, "RepositoryDoesNotExistException"),
            Some(400)
        );
        assert_eq!(error_code_status(Service::Iam, "Nope"), None);
    }

    #[test]
    fn generic_errors_per_service() {
        assert_eq!(ApiError::validation("m").code, "ValidationError");
        assert_eq!(
            ApiError::validation_for(Service::CodeCommit, "m").code,
            "ValidationException"
        );
        assert_eq!(
            ApiError::validation_for(Service::Sts, "m").code,
            "ValidationError"
        );
        let i = ApiError::internal();
        assert_eq!((i.status, i.sender_fault), (500, false));
        assert_eq!(ApiError::internal_for(Service::Iam).code, "ServiceFailure");
        assert_eq!(ApiError::internal_for(Service::Sts).code, "InternalFailure");
        assert_eq!(
            ApiError::unknown_operation(Service::Iam, "Nope").code,
            "InvalidAction"
        );
        assert_eq!(
            wire_code(Service::CodeCommit, "ValidationError"),
            "ValidationException"
        );
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "has no modeled error")]
    fn unknown_modeled_error_panics_in_debug() {
        let _ = ApiError::modeled(Service::Iam, "NoSuchThingException", "m");
    }
}
