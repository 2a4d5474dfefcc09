//! The IAM domain of gitward.
//!
//! [`IamService`] holds the business rules of IAM (names, quotas, conflicts, the AWS error
//! for each case) over an [`IamStore`], which `gitward-store` implements. It also answers
//! the two questions the request pipeline asks: "whose key is this?" ([`IamService::lookup_access_key`])
//! and "which policies apply to this principal?" ([`IamService::identity_policies`]).

mod cache;
mod error;
mod managed;
mod mfa;
mod model;
mod principal;
mod roles;
mod service;
mod ssh;
pub mod sshkey;
mod store;
mod validate;

pub use error::IamError;
pub use managed::{AwsManagedPolicy, aws_managed_policies, aws_managed_policy};
pub use mfa::{
    MFA_DEVICES_PER_USER, MFA_LOCKOUT_SECONDS, MFA_MAX_FAILURES, MfaDevice, MfaRefusal, MfaStore,
    NewVirtualMfaDevice, RESYNC_WINDOW_STEPS,
};
pub use model::{
    AccessKey, Account, CODECOMMIT_SERVICE, Group, KeyStatus, LastUsed, ManagedPolicy, OwnerKind,
    PolicyVersion, Role, ServiceCredential, SshPublicKey, Tag, User,
};
pub use principal::{AppliedPolicy, PolicyOrigin, Principal, PrincipalPolicies};
pub use roles::{NewRole, RoleUpdate};
pub use service::{IamService, NewAccessKey, Page, PolicyEntities, PolicyView};
pub use ssh::MAX_SSH_PUBLIC_KEYS_PER_USER;
pub use store::IamStore;
