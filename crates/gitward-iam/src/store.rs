//! What the IAM domain needs from storage. `gitward-store` implements it for SQLite.

use crate::model::{
    AccessKey, Account, Group, KeyStatus, ManagedPolicy, OwnerKind, PolicyVersion, Role,
    ServiceCredential, SshPublicKey, Tag, User,
};
use gitward_core::{AccountId, Secret, StoreError};
use time::OffsetDateTime;

/// Storage of IAM entities (virtual MFA devices: [`crate::MfaStore`]). Each method is atomic. Names passed in are matched
/// case-insensitively; getters return `None` when nothing matches.
pub trait IamStore: crate::mfa::MfaStore + Send + Sync {
    /// Adds an account; `Conflict` if the id exists.
    fn insert_account(&self, account: &Account) -> Result<(), StoreError>;
    /// All accounts, oldest first.
    fn list_accounts(&self) -> Result<Vec<Account>, StoreError>;
    /// One account.
    fn get_account(&self, id: &AccountId) -> Result<Option<Account>, StoreError>;

    /// Adds a user; `Conflict` if the name is taken.
    fn insert_user(&self, user: &User) -> Result<(), StoreError>;
    /// One user by name.
    fn get_user(&self, account: &AccountId, name: &str) -> Result<Option<User>, StoreError>;
    /// All users of the account, sorted by name.
    fn list_users(&self, account: &AccountId) -> Result<Vec<User>, StoreError>;
    /// Renames and/or moves a user, carrying along everything that refers to it;
    /// `Conflict` if the new name is taken.
    fn update_user(
        &self,
        account: &AccountId,
        name: &str,
        new_name: &str,
        new_path: &str,
    ) -> Result<(), StoreError>;
    /// Sets or clears a user's permissions boundary.
    fn set_user_boundary(
        &self,
        account: &AccountId,
        name: &str,
        boundary_arn: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Removes a user row and its tags (the service has checked for dependents).
    fn delete_user(&self, account: &AccountId, name: &str) -> Result<(), StoreError>;

    /// Tags of an entity, in insertion order.
    fn get_tags(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
    ) -> Result<Vec<Tag>, StoreError>;
    /// Adds or overwrites tags (keys compared case-insensitively).
    fn put_tags(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        tags: &[Tag],
    ) -> Result<(), StoreError>;
    /// Removes tags by key.
    fn remove_tags(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        keys: &[String],
    ) -> Result<(), StoreError>;

    /// Adds a group; `Conflict` if the name is taken.
    fn insert_group(&self, group: &Group) -> Result<(), StoreError>;
    /// One group by name.
    fn get_group(&self, account: &AccountId, name: &str) -> Result<Option<Group>, StoreError>;
    /// All groups, sorted by name.
    fn list_groups(&self, account: &AccountId) -> Result<Vec<Group>, StoreError>;
    /// Removes a group row.
    fn delete_group(&self, account: &AccountId, name: &str) -> Result<(), StoreError>;
    /// Adds a user to a group (no-op if already a member).
    fn add_member(&self, account: &AccountId, group: &str, user: &str) -> Result<(), StoreError>;
    /// Removes a user from a group; false if it was not a member.
    fn remove_member(
        &self,
        account: &AccountId,
        group: &str,
        user: &str,
    ) -> Result<bool, StoreError>;
    /// Members of a group, sorted by name.
    fn group_members(&self, account: &AccountId, group: &str) -> Result<Vec<User>, StoreError>;
    /// Groups a user belongs to, sorted by name.
    fn groups_for_user(&self, account: &AccountId, user: &str) -> Result<Vec<Group>, StoreError>;

    /// Adds a role; `Conflict` if the name is taken.
    fn insert_role(&self, role: &Role) -> Result<(), StoreError>;
    /// One role by name.
    fn get_role(&self, account: &AccountId, name: &str) -> Result<Option<Role>, StoreError>;
    /// All roles of the account, sorted by name.
    fn list_roles(&self, account: &AccountId) -> Result<Vec<Role>, StoreError>;
    /// Rewrites a role's changeable fields (trust policy, description, maximum session
    /// duration, boundary), found by account and name.
    fn update_role(&self, role: &Role) -> Result<(), StoreError>;
    /// Records that a session of the role made a request.
    fn record_role_use(
        &self,
        account: &AccountId,
        name: &str,
        at: OffsetDateTime,
        region: &str,
    ) -> Result<(), StoreError>;
    /// Removes a role row and its tags (the service has checked for dependents).
    fn delete_role(&self, account: &AccountId, name: &str) -> Result<(), StoreError>;

    /// Adds an access key with its secret (sealed at rest by the store).
    fn insert_access_key(&self, key: &AccessKey, secret: &Secret) -> Result<(), StoreError>;
    /// One key and its secret, by id, across all accounts.
    fn get_access_key(&self, id: &str) -> Result<Option<(AccessKey, Secret)>, StoreError>;
    /// Keys of a user (`None` = root), oldest first.
    fn list_access_keys(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<Vec<AccessKey>, StoreError>;
    /// Changes a key's status.
    fn set_access_key_status(&self, id: &str, status: KeyStatus) -> Result<(), StoreError>;
    /// Removes a key.
    fn delete_access_key(&self, id: &str) -> Result<(), StoreError>;
    /// Records a successful use of a key.
    fn record_access_key_use(
        &self,
        id: &str,
        at: OffsetDateTime,
        service: &str,
        region: &str,
    ) -> Result<(), StoreError>;

    /// Adds a customer managed policy with its first version; `Conflict` if the name is taken.
    fn insert_policy(
        &self,
        policy: &ManagedPolicy,
        first: &PolicyVersion,
    ) -> Result<(), StoreError>;
    /// One customer managed policy by ARN.
    fn get_policy(&self, arn: &str) -> Result<Option<ManagedPolicy>, StoreError>;
    /// All customer managed policies of the account, sorted by name.
    fn list_policies(&self, account: &AccountId) -> Result<Vec<ManagedPolicy>, StoreError>;
    /// Removes a policy and all its versions.
    fn delete_policy(&self, arn: &str) -> Result<(), StoreError>;
    /// Adds a version; when `set_default`, it becomes the default. Bumps `next_version`.
    fn insert_policy_version(
        &self,
        arn: &str,
        version: &PolicyVersion,
        set_default: bool,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// One version.
    fn get_policy_version(
        &self,
        arn: &str,
        version_id: &str,
    ) -> Result<Option<PolicyVersion>, StoreError>;
    /// All versions, newest first.
    fn list_policy_versions(&self, arn: &str) -> Result<Vec<PolicyVersion>, StoreError>;
    /// Makes `version_id` the default version.
    fn set_default_version(
        &self,
        arn: &str,
        version_id: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// Removes one (non-default) version.
    fn delete_policy_version(&self, arn: &str, version_id: &str) -> Result<(), StoreError>;

    /// Attaches a managed policy (no-op if attached).
    fn attach(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        policy_arn: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// Detaches; false if it was not attached.
    fn detach(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        policy_arn: &str,
    ) -> Result<bool, StoreError>;
    /// ARNs attached to an entity, in attachment order.
    fn list_attached(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
    ) -> Result<Vec<String>, StoreError>;
    /// The entities of `account` that have `policy_arn` attached, as (kind, canonical name).
    fn entities_for_policy(
        &self,
        account: &AccountId,
        policy_arn: &str,
    ) -> Result<Vec<(OwnerKind, String)>, StoreError>;
    /// How many entities of `account` have `policy_arn` attached.
    fn attachment_count(&self, account: &AccountId, policy_arn: &str) -> Result<u32, StoreError>;

    /// Creates or replaces an inline policy.
    fn put_inline(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        name: &str,
        document: &str,
    ) -> Result<(), StoreError>;
    /// One inline policy's document.
    fn get_inline(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        name: &str,
    ) -> Result<Option<String>, StoreError>;
    /// Removes one; false if absent.
    fn delete_inline(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        name: &str,
    ) -> Result<bool, StoreError>;
    /// All inline policies of an entity as (name, document), sorted by name.
    fn list_inline(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// Adds a service-specific credential; the store keeps only a keyed hash of `password`.
    fn insert_service_credential(
        &self,
        cred: &ServiceCredential,
        password: &Secret,
    ) -> Result<(), StoreError>;
    /// The service-specific credentials of a user, oldest first.
    fn list_service_credentials(
        &self,
        account: &AccountId,
        user: &str,
    ) -> Result<Vec<ServiceCredential>, StoreError>;
    /// Changes a credential's status.
    fn set_service_credential_status(&self, id: &str, status: KeyStatus) -> Result<(), StoreError>;
    /// Replaces a credential's password (the old one stops working at once).
    fn reset_service_credential(&self, id: &str, password: &Secret) -> Result<(), StoreError>;
    /// Removes a credential.
    fn delete_service_credential(&self, id: &str) -> Result<(), StoreError>;
    /// Whether `password` is the password of credential `id` (keyed hash, constant-time compare).
    fn check_service_credential_password(
        &self,
        id: &str,
        password: &Secret,
    ) -> Result<bool, StoreError>;

    /// Adds an SSH public key.
    fn insert_ssh_public_key(&self, key: &SshPublicKey) -> Result<(), StoreError>;
    /// The SSH public keys of a user, oldest first.
    fn list_ssh_public_keys(
        &self,
        account: &AccountId,
        user: &str,
    ) -> Result<Vec<SshPublicKey>, StoreError>;
    /// An SSH public key by id, in any account (ids are unique across accounts).
    fn ssh_public_key(&self, id: &str) -> Result<Option<SshPublicKey>, StoreError>;
    /// Changes an SSH public key's status.
    fn set_ssh_public_key_status(&self, id: &str, status: KeyStatus) -> Result<(), StoreError>;
    /// Removes an SSH public key.
    fn delete_ssh_public_key(&self, id: &str) -> Result<(), StoreError>;
}
