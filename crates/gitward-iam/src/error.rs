//! IAM errors, named after the IAM model's error codes.

use gitward_core::StoreError;

/// An IAM operation's failure. The variant names the AWS error code
/// (see [`IamError::code`]); `Display` is the message AWS gives.
#[derive(Debug, thiserror::Error)]
pub enum IamError {
    /// `NoSuchEntity` (404).
    #[error("{0}")]
    NoSuchEntity(String),
    /// `EntityAlreadyExists` (409).
    #[error("{0}")]
    EntityAlreadyExists(String),
    /// `DeleteConflict` (409).
    #[error("{0}")]
    DeleteConflict(String),
    /// `LimitExceeded` (409).
    #[error("{0}")]
    LimitExceeded(String),
    /// `MalformedPolicyDocument` (400).
    #[error("{0}")]
    MalformedPolicyDocument(String),
    /// `InvalidInput` (400).
    #[error("{0}")]
    InvalidInput(String),
    /// `PolicyNotAttachable` (400).
    #[error("{0}")]
    PolicyNotAttachable(String),
    /// `ServiceNotSupportedException` (404): service-specific credentials for another service.
    #[error("{0}")]
    ServiceNotSupported(String),
    /// `InvalidAuthenticationCode` (403): MFA codes that do not check out.
    #[error("{0}")]
    InvalidAuthenticationCode(String),
    /// `DuplicateSSHPublicKey` (400): the user already has this key.
    #[error("{0}")]
    DuplicateSshPublicKey(String),
    /// `InvalidPublicKey` (400): a malformed or too weak SSH public key.
    #[error("{0}")]
    InvalidPublicKey(String),
    /// `UnrecognizedPublicKeyEncoding` (400): neither the OpenSSH form nor PEM.
    #[error("{0}")]
    UnrecognizedPublicKeyEncoding(String),
    /// Storage failed; never shown to clients.
    #[error("storage failure")]
    Store(#[from] StoreError),
}

impl IamError {
    /// The IAM model's error code for this failure.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSuchEntity(_) => "NoSuchEntity",
            Self::EntityAlreadyExists(_) => "EntityAlreadyExists",
            Self::DeleteConflict(_) => "DeleteConflict",
            Self::LimitExceeded(_) => "LimitExceeded",
            Self::MalformedPolicyDocument(_) => "MalformedPolicyDocument",
            Self::InvalidInput(_) => "InvalidInput",
            Self::PolicyNotAttachable(_) => "PolicyNotAttachable",
            Self::ServiceNotSupported(_) => "NotSupportedService",
            Self::InvalidAuthenticationCode(_) => "InvalidAuthenticationCode",
            Self::DuplicateSshPublicKey(_) => "DuplicateSSHPublicKey",
            Self::InvalidPublicKey(_) => "InvalidPublicKey",
            Self::UnrecognizedPublicKeyEncoding(_) => "UnrecognizedPublicKeyEncoding",
            Self::Store(_) => "ServiceFailure",
        }
    }

    pub(crate) fn no_user(name: &str) -> Self {
        Self::NoSuchEntity(format!("The user with name {name} cannot be found."))
    }

    pub(crate) fn no_group(name: &str) -> Self {
        Self::NoSuchEntity(format!("The group with name {name} cannot be found."))
    }

    pub(crate) fn no_role(name: &str) -> Self {
        Self::NoSuchEntity(format!("The role with name {name} cannot be found."))
    }

    pub(crate) fn no_policy(arn: &str) -> Self {
        Self::NoSuchEntity(format!("Policy {arn} does not exist or is not attachable."))
    }
}
