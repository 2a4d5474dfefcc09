//! Who is making a request.

use crate::model::{Role, User};
use gitward_core::AccountId;

/// An authenticated identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The account's root user: may do anything in its own account.
    Root {
        /// The account.
        account: AccountId,
    },
    /// An IAM user.
    User(User),
    /// An IAM role, acting through one of its sessions (the session's claims say which;
    /// a role never signs requests itself).
    Role(Role),
}

impl Principal {
    /// The account the principal belongs to.
    pub fn account(&self) -> &AccountId {
        match self {
            Self::Root { account } => account,
            Self::User(u) => &u.account,
            Self::Role(r) => &r.account,
        }
    }

    /// The principal's ARN as AWS formats it.
    pub fn arn(&self) -> String {
        match self {
            Self::Root { account } => format!("arn:aws:iam::{account}:root"),
            Self::User(u) => u.arn(),
            Self::Role(r) => r.arn(),
        }
    }

    /// The value of `aws:userid` and GetCallerIdentity's `UserId`.
    pub fn user_id(&self) -> String {
        match self {
            Self::Root { account } => account.to_string(),
            Self::User(u) => u.user_id.clone(),
            Self::Role(r) => r.role_id.clone(),
        }
    }

    /// The value of `aws:PrincipalType`.
    pub fn principal_type(&self) -> &'static str {
        match self {
            Self::Root { .. } => "Account",
            Self::User(_) => "User",
            Self::Role(_) => "AssumedRole",
        }
    }

    /// The IAM user name (`aws:username`), for IAM users only.
    pub fn username(&self) -> Option<&str> {
        match self {
            Self::Root { .. } => None,
            Self::User(u) => Some(&u.name),
            Self::Role(_) => None,
        }
    }

    /// Whether this is the account's root user.
    pub fn is_root(&self) -> bool {
        matches!(self, Self::Root { .. })
    }
}

/// Where a policy that applies to a principal comes from (the simulator's `SourcePolicyType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyOrigin {
    /// Inline in the user.
    UserInline,
    /// Inline in one of the user's groups.
    GroupInline,
    /// Inline in a role.
    RoleInline,
    /// An AWS managed policy.
    AwsManaged,
    /// A customer managed policy.
    CustomerManaged,
}

impl PolicyOrigin {
    /// The IAM model's `PolicySourceType` word.
    pub fn source_type(self) -> &'static str {
        match self {
            Self::UserInline => "user",
            Self::GroupInline => "group",
            Self::RoleInline => "role",
            Self::AwsManaged => "aws-managed",
            Self::CustomerManaged => "user-managed",
        }
    }
}

/// One policy that applies to a principal.
#[derive(Debug, Clone)]
pub struct AppliedPolicy {
    /// How a denial names it: "inline policy X of user Y", or the managed policy's ARN.
    pub label: String,
    /// The policy's name (`SourcePolicyId` in the simulator).
    pub name: String,
    /// Where it comes from.
    pub origin: PolicyOrigin,
    /// The JSON document.
    pub document: String,
}

/// The policy documents that apply to a principal.
#[derive(Debug, Clone, Default)]
pub struct PrincipalPolicies {
    /// Identity-based policies: the user's and its groups' (or the role's), inline and attached.
    pub identity: Vec<AppliedPolicy>,
    /// The permissions boundary, if one is set.
    pub boundary: Option<AppliedPolicy>,
}
