//! Why a policy document was refused.
//!
//! Every variant is one IAM `MalformedPolicyDocument` (HTTP 400) case. `Display` gives the
//! message exactly as AWS words it (FACTS §6.1, moto `policy_validation.py`), so the API layer
//! can return `to_string()` unchanged. Where AWS's words are vague ("Syntax errors in policy."),
//! the variant carries a `detail` for logs and the console: [`PolicyError::detail`].

/// A policy document that IAM would reject with `MalformedPolicyDocument`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Not JSON, wrong JSON types, unknown elements, bad `Effect`, both `Action` and
    /// `NotAction`, unknown condition operator, …
    #[error("Syntax errors in policy.")]
    Syntax {
        /// What exactly is wrong (names the element), for logs; not part of the AWS message.
        detail: String,
    },
    /// `Version` is missing or `2008-10-17` where `2012-10-17` is required (managed policies).
    #[error("Policy document must be version 2012-10-17 or greater.")]
    VersionTooOld,
    /// Case-sensitive `Effect`, a bad date in a `Date…` condition, or an unparseable ARN.
    #[error("The policy failed legacy parsing")]
    LegacyParsing {
        /// What failed, for logs.
        detail: String,
    },
    /// Two statements share a `Sid`.
    #[error("Statement IDs (SID) in a single policy must be unique.")]
    DuplicateSid {
        /// The repeated `Sid`.
        sid: String,
    },
    /// A `Sid` with characters outside `[0-9A-Za-z]`.
    #[error(
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
    )]
    SidNotAlphanumeric {
        /// The offending `Sid`.
        sid: String,
    },
    /// A statement without `Action`/`NotAction`, or with an empty list.
    #[error("Policy statement must contain actions.")]
    MissingActions,
    /// An identity-policy statement without `Resource`/`NotResource`, or with an empty list.
    #[error("Policy statement must contain resources.")]
    MissingResources,
    /// An action or condition key without a `vendor:` prefix.
    #[error("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")]
    MissingVendor {
        /// The action or condition key.
        value: String,
    },
    /// An action with more than one colon.
    #[error("Actions/Condition can contain only one colon.")]
    TooManyColons {
        /// The action.
        value: String,
    },
    /// An action whose vendor has characters outside `[A-Za-z0-9.-]`.
    #[error("Vendor {vendor} is not valid")]
    InvalidVendor {
        /// The vendor part as written.
        vendor: String,
    },
    /// A resource that is neither `*` nor an ARN.
    #[error("Resource {resource} must be in ARN format or \"*\".")]
    ResourceNotArn {
        /// The resource as written.
        resource: String,
    },
    /// An ARN whose partition is not `aws` (or `*`).
    #[error("Partition \"{partition}\" is not valid for resource \"{normalized}\".")]
    InvalidPartition {
        /// The partition as written.
        partition: String,
        /// The resource with missing parts filled with `*`, as AWS prints it.
        normalized: String,
    },
    /// An ARN whose service part is missing or contains wildcards.
    #[error("Resource vendor must be fully qualified and cannot contain regexes.")]
    ResourceVendor {
        /// The resource as written.
        resource: String,
    },
    /// An `arn:aws:iam:<region>:…` resource.
    #[error("IAM resource {resource} cannot contain region information.")]
    IamRegion {
        /// The resource as written.
        resource: String,
    },
    /// An `arn:aws:s3:<region>:…` resource.
    #[error("Resource {resource} can not contain region information.")]
    S3Region {
        /// The resource as written.
        resource: String,
    },
    /// An IAM resource whose path does not start with a known resource type.
    #[error(
        "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/."
    )]
    IamResourcePath {
        /// The resource as written.
        resource: String,
    },
    /// `Principal`/`NotPrincipal` in an identity (or session) policy.
    #[error("Policy document should not specify a principal.")]
    PrincipalNotAllowed,
    /// A trust-policy statement without `Principal`.
    #[error(
        "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!"
    )]
    MissingPrincipal,
    /// A principal value IAM does not accept (partial wildcard, not an ARN, bare `"*"` in a
    /// role trust policy, …). The IAM layer uses the same variant for ARNs that name no
    /// existing user or role.
    #[error("Invalid principal in policy: {shown}")]
    InvalidPrincipal {
        /// The principal as AWS shows it, e.g. `"AWS":"arn:aws:iam::123456789012:role/x"`.
        shown: String,
    },
}

impl PolicyError {
    /// The AWS error code every variant maps to (HTTP 400).
    pub const AWS_CODE: &'static str = "MalformedPolicyDocument";

    /// A longer explanation for logs and the console: the AWS message, plus what exactly
    /// was wrong where AWS's own message does not say.
    pub fn detail(&self) -> String {
        let message = self.to_string();
        match self {
            Self::Syntax { detail } | Self::LegacyParsing { detail } => {
                format!("{message} ({detail})")
            }
            Self::DuplicateSid { sid } | Self::SidNotAlphanumeric { sid } => {
                format!("{message} (Sid \"{sid}\")")
            }
            Self::MissingVendor { value } | Self::TooManyColons { value } => {
                format!("{message} (\"{value}\")")
            }
            Self::ResourceVendor { resource } => format!("{message} (\"{resource}\")"),
            _ => message,
        }
    }

    pub(crate) fn syntax(detail: impl Into<String>) -> Self {
        Self::Syntax {
            detail: detail.into(),
        }
    }

    pub(crate) fn legacy(detail: impl Into<String>) -> Self {
        Self::LegacyParsing {
            detail: detail.into(),
        }
    }
}
