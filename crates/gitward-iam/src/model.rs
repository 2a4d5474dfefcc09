//! IAM entities as stored.

use gitward_core::AccountId;
use time::OffsetDateTime;

/// An account: the unit of isolation. Its root user is implicit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The 12-digit id.
    pub id: AccountId,
    /// When it was created.
    pub created: OffsetDateTime,
}

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Owning account.
    pub account: AccountId,
    /// Name as created (unique case-insensitively in the account).
    pub name: String,
    /// Unique id, `AIDA…`.
    pub user_id: String,
    /// Path, `/` by default.
    pub path: String,
    /// Creation time.
    pub created: OffsetDateTime,
    /// ARN of the managed policy used as permissions boundary, if any.
    pub boundary_arn: Option<String>,
}

impl User {
    /// `arn:aws:iam::ACCOUNT:user/PATH/NAME`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:user{}{}",
            self.account, self.path, self.name
        )
    }
}

/// An IAM group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Owning account.
    pub account: AccountId,
    /// Name as created.
    pub name: String,
    /// Unique id, `AGPA…`.
    pub group_id: String,
    /// Path.
    pub path: String,
    /// Creation time.
    pub created: OffsetDateTime,
}

impl Group {
    /// `arn:aws:iam::ACCOUNT:group/PATH/NAME`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:group{}{}",
            self.account, self.path, self.name
        )
    }
}

/// An IAM role: an identity without long-term credentials, assumed through STS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Owning account.
    pub account: AccountId,
    /// Name as created (unique case-insensitively in the account).
    pub name: String,
    /// Unique id, `AROA…`.
    pub role_id: String,
    /// Path, `/` by default.
    pub path: String,
    /// Creation time.
    pub created: OffsetDateTime,
    /// The trust policy (`AssumeRolePolicyDocument`), as given.
    pub trust_policy: String,
    /// Description, if any.
    pub description: Option<String>,
    /// Longest session AssumeRole may grant, 3600..=43200 seconds.
    pub max_session_duration: i64,
    /// ARN of the managed policy used as permissions boundary, if any.
    pub boundary_arn: Option<String>,
    /// When a session of the role last made a request, and in which region.
    pub last_used: Option<(OffsetDateTime, String)>,
}

impl Role {
    /// `arn:aws:iam::ACCOUNT:role/PATH/NAME`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:role{}{}",
            self.account, self.path, self.name
        )
    }
}

/// A tag on an IAM entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Key (case-insensitively unique per entity).
    pub key: String,
    /// Value.
    pub value: String,
}

/// Whether an access key may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Usable.
    Active,
    /// Refused at authentication.
    Inactive,
}

impl KeyStatus {
    /// The wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
        }
    }

    /// Parses the wire word.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Active" => Some(Self::Active),
            "Inactive" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// When and where an access key was last used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastUsed {
    /// Time of the last authenticated request.
    pub at: OffsetDateTime,
    /// Signing name of the service called (`iam`, `codecommit`…).
    pub service: String,
    /// Region of the request.
    pub region: String,
}

/// A long-term access key (its secret is kept apart, sealed, by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    /// `AKIA…`.
    pub id: String,
    /// Owning account.
    pub account: AccountId,
    /// Owning user; `None` for the root user.
    pub user: Option<String>,
    /// Active or inactive.
    pub status: KeyStatus,
    /// Creation time.
    pub created: OffsetDateTime,
    /// Last use, if any.
    pub last_used: Option<LastUsed>,
}

/// A customer managed policy (AWS managed ones are [`crate::AwsManagedPolicy`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicy {
    /// `arn:aws:iam::ACCOUNT:policy/PATH/NAME`.
    pub arn: String,
    /// Owning account.
    pub account: AccountId,
    /// Name.
    pub name: String,
    /// Unique id, `ANPA…`.
    pub policy_id: String,
    /// Path.
    pub path: String,
    /// Description given at creation.
    pub description: Option<String>,
    /// The version in force, `v1`, `v2`…
    pub default_version: String,
    /// Number the next version gets.
    pub next_version: u32,
    /// Creation time.
    pub created: OffsetDateTime,
    /// Last change (new version or default switch).
    pub updated: OffsetDateTime,
}

/// One version of a managed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    /// `v1`, `v2`…
    pub version_id: String,
    /// The JSON document as given.
    pub document: String,
    /// Creation time.
    pub created: OffsetDateTime,
}

/// The kind of entity a policy is attached to or embedded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerKind {
    /// An IAM user.
    User,
    /// An IAM group.
    Group,
    /// An IAM role.
    Role,
}

impl OwnerKind {
    /// The word stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::Role => "role",
        }
    }
}

/// The only service gitward issues service-specific credentials for.
pub const CODECOMMIT_SERVICE: &str = "codecommit.amazonaws.com";

/// A service-specific credential (Git credentials for CodeCommit). Its password is kept only
/// as a keyed hash by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCredential {
    /// `ACCA…`.
    pub id: String,
    /// Owning account.
    pub account: AccountId,
    /// Owning IAM user (canonical name).
    pub user: String,
    /// Always [`CODECOMMIT_SERVICE`] today.
    pub service_name: String,
    /// `<user>-at-<account>`: the user name Git sends.
    pub service_user_name: String,
    /// Active or inactive.
    pub status: KeyStatus,
    /// Creation time.
    pub created: OffsetDateTime,
}

/// An SSH public key of an IAM user (UploadSSHPublicKey). Public material: stored in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshPublicKey {
    /// `APKA…` (20 characters): the SSH user name of Git over SSH.
    pub id: String,
    /// Owning account.
    pub account: AccountId,
    /// Owning IAM user (canonical name).
    pub user: String,
    /// The canonical SSH wire form of the key.
    pub blob: Vec<u8>,
    /// MD5 colon hex, as IAM shows it.
    pub fingerprint: String,
    /// Active or inactive (inactive keys cannot sign in).
    pub status: KeyStatus,
    /// Upload time.
    pub uploaded: OffsetDateTime,
}
