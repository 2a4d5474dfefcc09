//! IAM operations with AWS's rules and errors.

use crate::error::IamError;
use crate::managed::aws_managed_policy;
use crate::model::{
    AccessKey, Account, Group, KeyStatus, LastUsed, ManagedPolicy, OwnerKind, PolicyVersion,
    ServiceCredential, Tag, User,
};
use crate::principal::{AppliedPolicy, PolicyOrigin, Principal, PrincipalPolicies};
use crate::store::IamStore;
use crate::validate;
use gitward_core::{
    AccountId, Clock, IdPrefix, Secret, StoreError, mint_access_key_id, mint_unique_id,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Access keys a user (or root) may have.
const ACCESS_KEYS_PER_USER: usize = 2;
/// Versions a managed policy may have.
const VERSIONS_PER_POLICY: usize = 5;
/// Managed policies attached to one user or group.
const ATTACHED_PER_ENTITY: usize = 10;
/// Service-specific credentials a user may have per service.
const SERVICE_CREDENTIALS_PER_USER: usize = 2;
/// Groups a user may be in.
const GROUPS_PER_USER: usize = 10;

/// A page of a listing: the items and, when more follow, the marker to ask for them.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// Present when the listing is truncated.
    pub marker: Option<String>,
}

impl<T> Page<T> {
    /// A page of `all` (already in listing order), as every IAM listing pages.
    pub fn of_items(
        all: Vec<T>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Self, IamError> {
        Self::of(all, marker, max_items)
    }

    /// Cuts `all` (sorted) at `marker` (an index from a previous page) and `max_items`
    /// (default 100, at most 1000).
    fn of(all: Vec<T>, marker: Option<&str>, max_items: Option<i64>) -> Result<Self, IamError> {
        let start = match marker {
            None => 0,
            Some(m) => m
                .parse::<usize>()
                .ok()
                .filter(|s| *s <= all.len())
                .ok_or_else(|| IamError::InvalidInput("Invalid Marker.".to_owned()))?,
        };
        let max = usize::try_from(max_items.unwrap_or(100).clamp(1, 1000)).unwrap_or(100);
        let end = start.saturating_add(max).min(all.len());
        let marker = (end < all.len()).then(|| end.to_string());
        Ok(Self {
            items: all.into_iter().skip(start).take(end - start).collect(),
            marker,
        })
    }
}

/// A newly created access key: the only time its secret is shown.
#[derive(Debug, Clone)]
pub struct NewAccessKey {
    /// The key's record.
    pub key: AccessKey,
    /// The secret access key.
    pub secret: Secret,
}

/// The IAM domain service.
#[derive(Debug)]
pub struct IamService {
    pub(crate) store: Arc<dyn IamStore>,
    pub(crate) clock: Arc<dyn Clock>,
    generation: AtomicU64,
    pub(crate) cache: crate::cache::LookupCache,
}

impl std::fmt::Debug for dyn IamStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IamStore")
    }
}

pub(crate) fn random<const N: usize>() -> Result<[u8; N], IamError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b)
        .map_err(|_| IamError::Store(StoreError::Backend("random source failed".into())))?;
    Ok(b)
}

/// 40 characters from the alphabet of AWS secret access keys.
fn new_secret() -> Result<Secret, IamError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: [u8; 40] = random()?;
    Ok(Secret::new(
        bytes
            .iter()
            .map(|b| ALPHABET[usize::from(b & 63)] as char)
            .collect::<String>(),
    ))
}

/// A Git credentials password: 44 characters of letters, digits and `+/=`, like AWS's.
fn new_git_password() -> Result<Secret, IamError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: [u8; 43] = random()?;
    let mut s: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b & 63)] as char)
        .collect();
    s.push('=');
    Ok(Secret::new(s))
}

pub(crate) fn conflict_or(e: StoreError, conflict: impl FnOnce() -> IamError) -> IamError {
    match e {
        StoreError::Conflict => conflict(),
        other => IamError::Store(other),
    }
}

impl IamService {
    /// A service over `store`, reading time from `clock`.
    pub fn new(store: Arc<dyn IamStore>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            generation: AtomicU64::new(0),
            cache: crate::cache::LookupCache::default(),
        }
    }

    /// A counter bumped by every change to IAM state: caches of compiled policies compare it.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    // ---- accounts -------------------------------------------------------------------

    /// Creates an account and its root user's access key.
    pub fn create_account(&self) -> Result<(Account, NewAccessKey), IamError> {
        let now = self.clock.now();
        let account = loop {
            let candidate = Account {
                id: AccountId::from_random(random()?),
                created: now,
            };
            match self.store.insert_account(&candidate) {
                Ok(()) => break candidate,
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        let key = self.insert_key(&account.id, None)?;
        self.changed();
        Ok((account, key))
    }

    /// Every account.
    pub fn list_accounts(&self) -> Result<Vec<Account>, IamError> {
        Ok(self.store.list_accounts()?)
    }

    // ---- authentication support -------------------------------------------------------

    /// The principal owning an access key, with the key and its secret, if the key exists.
    pub fn lookup_access_key(
        &self,
        id: &str,
    ) -> Result<Option<(Principal, AccessKey, Secret)>, IamError> {
        // The generation is read before the store: a change during the read makes the
        // entry stale at once.
        let generation = self.generation();
        if let Some(hit) = self.cache.key(id, generation) {
            return Ok(Some(hit));
        }
        let Some((key, secret)) = self.store.get_access_key(id)? else {
            return Ok(None);
        };
        let principal = match &key.user {
            None => Principal::Root {
                account: key.account.clone(),
            },
            Some(name) => match self.store.get_user(&key.account, name)? {
                Some(u) => Principal::User(u),
                None => return Ok(None),
            },
        };
        self.cache.put_key(
            id,
            generation,
            (principal.clone(), key.clone(), secret.clone()),
        );
        Ok(Some((principal, key, secret)))
    }

    /// Records that a key authenticated a request (for GetAccessKeyLastUsed).
    pub fn record_key_use(&self, id: &str, service: &str, region: &str) -> Result<(), IamError> {
        let recorded = self
            .store
            .record_access_key_use(id, self.clock.now(), service, region);
        // The cached key's last use is now old: the next lookup reads the new one.
        self.cache.forget_key(id);
        Ok(recorded?)
    }

    /// The identity-based policies and the boundary that apply to `principal`.
    pub fn identity_policies(&self, principal: &Principal) -> Result<PrincipalPolicies, IamError> {
        match principal {
            Principal::Root { .. } => Ok(PrincipalPolicies::default()),
            Principal::User(user) => self.user_policies(user),
            Principal::Role(role) => self.role_policies(role),
        }
    }

    /// The policies of an IAM user: its own and its groups', inline and attached.
    pub fn user_policies(&self, user: &User) -> Result<PrincipalPolicies, IamError> {
        let acct = &user.account;
        let mut identity = Vec::new();
        for (name, document) in self.store.list_inline(acct, OwnerKind::User, &user.name)? {
            let label = format!("inline policy {name} of user {}", user.name);
            identity.push(AppliedPolicy {
                label,
                name,
                origin: PolicyOrigin::UserInline,
                document,
            });
        }
        for arn in self
            .store
            .list_attached(acct, OwnerKind::User, &user.name)?
        {
            identity.extend(self.managed_applied(&arn)?);
        }
        for group in self.store.groups_for_user(acct, &user.name)? {
            identity.extend(self.group_policies(&group)?);
        }
        let boundary = match &user.boundary_arn {
            Some(arn) => self.managed_applied(arn)?,
            None => None,
        };
        Ok(PrincipalPolicies { identity, boundary })
    }

    /// The policies of a group, inline and attached.
    pub fn group_policies(&self, group: &Group) -> Result<Vec<AppliedPolicy>, IamError> {
        let acct = &group.account;
        let mut out = Vec::new();
        for (name, document) in self
            .store
            .list_inline(acct, OwnerKind::Group, &group.name)?
        {
            let label = format!("inline policy {name} of group {}", group.name);
            out.push(AppliedPolicy {
                label,
                name,
                origin: PolicyOrigin::GroupInline,
                document,
            });
        }
        for arn in self
            .store
            .list_attached(acct, OwnerKind::Group, &group.name)?
        {
            out.extend(self.managed_applied(&arn)?);
        }
        Ok(out)
    }

    pub(crate) fn managed_applied(&self, arn: &str) -> Result<Option<AppliedPolicy>, IamError> {
        let origin = if aws_managed_policy(arn).is_some() {
            PolicyOrigin::AwsManaged
        } else {
            PolicyOrigin::CustomerManaged
        };
        Ok(self.policy_document(arn)?.map(|document| AppliedPolicy {
            label: arn.to_owned(),
            name: arn.rsplit('/').next().unwrap_or(arn).to_owned(),
            origin,
            document,
        }))
    }

    /// The default version's document of a managed policy (AWS or customer).
    fn policy_document(&self, arn: &str) -> Result<Option<String>, IamError> {
        if let Some(p) = aws_managed_policy(arn) {
            return Ok(Some(p.document.to_owned()));
        }
        let Some(p) = self.store.get_policy(arn)? else {
            return Ok(None);
        };
        Ok(self
            .store
            .get_policy_version(arn, &p.default_version)?
            .map(|v| v.document))
    }

    // ---- users ----------------------------------------------------------------------

    /// CreateUser.
    pub fn create_user(
        &self,
        account: &AccountId,
        name: &str,
        path: Option<&str>,
        boundary: Option<&str>,
        tags: &[Tag],
    ) -> Result<User, IamError> {
        validate::name("userName", name, 64)?;
        let path = path.unwrap_or("/");
        validate::path(path)?;
        validate::tags(&[], tags)?;
        if let Some(arn) = boundary {
            self.require_attachable(account, arn)?;
        }
        let user = User {
            account: account.clone(),
            name: name.to_owned(),
            user_id: mint_unique_id(IdPrefix::Aida, random()?),
            path: path.to_owned(),
            created: self.clock.now(),
            boundary_arn: boundary.map(str::to_owned),
        };
        self.store.insert_user(&user).map_err(|e| {
            conflict_or(e, || {
                IamError::EntityAlreadyExists(format!("User with name {name} already exists."))
            })
        })?;
        if !tags.is_empty() {
            self.store.put_tags(account, OwnerKind::User, name, tags)?;
        }
        self.changed();
        Ok(user)
    }

    /// GetUser (by name).
    pub fn get_user(&self, account: &AccountId, name: &str) -> Result<User, IamError> {
        self.store
            .get_user(account, name)?
            .ok_or_else(|| IamError::no_user(name))
    }

    /// ListUsers.
    pub fn list_users(
        &self,
        account: &AccountId,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<User>, IamError> {
        let prefix = path_prefix.unwrap_or("/");
        let all = self
            .store
            .list_users(account)?
            .into_iter()
            .filter(|u| u.path.starts_with(prefix))
            .collect();
        Page::of(all, marker, max_items)
    }

    /// UpdateUser: rename and/or move.
    pub fn update_user(
        &self,
        account: &AccountId,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<(), IamError> {
        let user = self.get_user(account, name)?;
        let new_name = new_name.unwrap_or(&user.name);
        let new_path = new_path.unwrap_or(&user.path);
        validate::name("newUserName", new_name, 64)?;
        validate::path(new_path)?;
        self.store
            .update_user(account, name, new_name, new_path)
            .map_err(|e| {
                conflict_or(e, || {
                    IamError::EntityAlreadyExists(format!(
                        "User with name {new_name} already exists."
                    ))
                })
            })?;
        self.changed();
        Ok(())
    }

    /// DeleteUser: refused while anything still refers to the user.
    pub fn delete_user(&self, account: &AccountId, name: &str) -> Result<(), IamError> {
        let user = self.get_user(account, name)?;
        let conflict = |what: &str| {
            Err(IamError::DeleteConflict(format!(
                "Cannot delete entity, must {what} first."
            )))
        };
        if !self
            .store
            .list_access_keys(account, Some(&user.name))?
            .is_empty()
        {
            return conflict("delete access keys");
        }
        if !self
            .store
            .list_inline(account, OwnerKind::User, &user.name)?
            .is_empty()
        {
            return conflict("delete policies");
        }
        if !self
            .store
            .list_attached(account, OwnerKind::User, &user.name)?
            .is_empty()
        {
            return conflict("detach all policies");
        }
        if !self.store.groups_for_user(account, &user.name)?.is_empty() {
            return conflict("remove user from all groups");
        }
        if !self
            .store
            .list_service_credentials(account, &user.name)?
            .is_empty()
        {
            return conflict("delete service specific credentials");
        }
        if self.has_mfa_device(account, &user.name)? {
            return conflict("delete MFA device");
        }
        if !self
            .store
            .list_ssh_public_keys(account, &user.name)?
            .is_empty()
        {
            return conflict("delete SSH public keys");
        }
        self.store.delete_user(account, &user.name)?;
        self.changed();
        Ok(())
    }

    /// TagUser.
    pub fn tag_user(&self, account: &AccountId, name: &str, tags: &[Tag]) -> Result<(), IamError> {
        let user = self.get_user(account, name)?;
        let existing = self.store.get_tags(account, OwnerKind::User, &user.name)?;
        validate::tags(&existing, tags)?;
        self.store
            .put_tags(account, OwnerKind::User, &user.name, tags)?;
        self.changed();
        Ok(())
    }

    /// UntagUser.
    pub fn untag_user(
        &self,
        account: &AccountId,
        name: &str,
        keys: &[String],
    ) -> Result<(), IamError> {
        let user = self.get_user(account, name)?;
        self.store
            .remove_tags(account, OwnerKind::User, &user.name, keys)?;
        self.changed();
        Ok(())
    }

    /// ListUserTags (also used by GetUser).
    pub fn user_tags(&self, account: &AccountId, name: &str) -> Result<Vec<Tag>, IamError> {
        let user = self.get_user(account, name)?;
        Ok(self.store.get_tags(account, OwnerKind::User, &user.name)?)
    }

    // ---- groups ---------------------------------------------------------------------

    /// CreateGroup.
    pub fn create_group(
        &self,
        account: &AccountId,
        name: &str,
        path: Option<&str>,
    ) -> Result<Group, IamError> {
        validate::name("groupName", name, 128)?;
        let path = path.unwrap_or("/");
        validate::path(path)?;
        let group = Group {
            account: account.clone(),
            name: name.to_owned(),
            group_id: mint_unique_id(IdPrefix::Agpa, random()?),
            path: path.to_owned(),
            created: self.clock.now(),
        };
        self.store.insert_group(&group).map_err(|e| {
            conflict_or(e, || {
                IamError::EntityAlreadyExists(format!("Group with name {name} already exists."))
            })
        })?;
        self.changed();
        Ok(group)
    }

    /// GetGroup: the group and a page of its members.
    pub fn get_group(
        &self,
        account: &AccountId,
        name: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<(Group, Page<User>), IamError> {
        let group = self
            .store
            .get_group(account, name)?
            .ok_or_else(|| IamError::no_group(name))?;
        let members = self.store.group_members(account, &group.name)?;
        Ok((group, Page::of(members, marker, max_items)?))
    }

    /// ListGroups.
    pub fn list_groups(
        &self,
        account: &AccountId,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<Group>, IamError> {
        let prefix = path_prefix.unwrap_or("/");
        let all = self
            .store
            .list_groups(account)?
            .into_iter()
            .filter(|g| g.path.starts_with(prefix))
            .collect();
        Page::of(all, marker, max_items)
    }

    /// DeleteGroup: refused while it has members or policies.
    pub fn delete_group(&self, account: &AccountId, name: &str) -> Result<(), IamError> {
        let group = self
            .store
            .get_group(account, name)?
            .ok_or_else(|| IamError::no_group(name))?;
        if !self.store.group_members(account, &group.name)?.is_empty() {
            return Err(IamError::DeleteConflict(
                "Cannot delete entity, must remove users from group first.".into(),
            ));
        }
        if !self
            .store
            .list_inline(account, OwnerKind::Group, &group.name)?
            .is_empty()
        {
            return Err(IamError::DeleteConflict(
                "Cannot delete entity, must delete policies first.".into(),
            ));
        }
        if !self
            .store
            .list_attached(account, OwnerKind::Group, &group.name)?
            .is_empty()
        {
            return Err(IamError::DeleteConflict(
                "Cannot delete entity, must detach all policies first.".into(),
            ));
        }
        self.store.delete_group(account, &group.name)?;
        self.changed();
        Ok(())
    }

    /// AddUserToGroup.
    pub fn add_user_to_group(
        &self,
        account: &AccountId,
        group: &str,
        user: &str,
    ) -> Result<(), IamError> {
        let g = self
            .store
            .get_group(account, group)?
            .ok_or_else(|| IamError::no_group(group))?;
        let u = self.get_user(account, user)?;
        let groups = self.store.groups_for_user(account, &u.name)?;
        if !groups.iter().any(|x| x.name == g.name) && groups.len() >= GROUPS_PER_USER {
            return Err(IamError::LimitExceeded(format!(
                "Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}"
            )));
        }
        self.store.add_member(account, &g.name, &u.name)?;
        self.changed();
        Ok(())
    }

    /// RemoveUserFromGroup.
    pub fn remove_user_from_group(
        &self,
        account: &AccountId,
        group: &str,
        user: &str,
    ) -> Result<(), IamError> {
        let g = self
            .store
            .get_group(account, group)?
            .ok_or_else(|| IamError::no_group(group))?;
        let u = self.get_user(account, user)?;
        if !self.store.remove_member(account, &g.name, &u.name)? {
            return Err(IamError::NoSuchEntity(format!(
                "The user with name {} cannot be found in group {}.",
                u.name, g.name
            )));
        }
        self.changed();
        Ok(())
    }

    /// ListGroupsForUser.
    pub fn list_groups_for_user(
        &self,
        account: &AccountId,
        user: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<Group>, IamError> {
        let u = self.get_user(account, user)?;
        Page::of(
            self.store.groups_for_user(account, &u.name)?,
            marker,
            max_items,
        )
    }

    // ---- access keys ----------------------------------------------------------------

    fn insert_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<NewAccessKey, IamError> {
        let key = AccessKey {
            id: mint_access_key_id(IdPrefix::Akia, account, random()?),
            account: account.clone(),
            user: user.map(str::to_owned),
            status: KeyStatus::Active,
            created: self.clock.now(),
            last_used: None,
        };
        let secret = new_secret()?;
        self.store.insert_access_key(&key, &secret)?;
        Ok(NewAccessKey { key, secret })
    }

    /// Resolves the user an access-key call is about: the named one, else the caller
    /// (`None` = root). Returns the canonical user name.
    fn key_owner(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<Option<String>, IamError> {
        match user {
            None => Ok(None),
            Some(name) => Ok(Some(self.get_user(account, name)?.name)),
        }
    }

    /// CreateAccessKey for `user` (`None` = the root user).
    pub fn create_access_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<NewAccessKey, IamError> {
        let owner = self.key_owner(account, user)?;
        if self
            .store
            .list_access_keys(account, owner.as_deref())?
            .len()
            >= ACCESS_KEYS_PER_USER
        {
            return Err(IamError::LimitExceeded(format!(
                "Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}"
            )));
        }
        let key = self.insert_key(account, owner.as_deref())?;
        self.changed();
        Ok(key)
    }

    /// ListAccessKeys.
    pub fn list_access_keys(
        &self,
        account: &AccountId,
        user: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<AccessKey>, IamError> {
        let owner = self.key_owner(account, user)?;
        Page::of(
            self.store.list_access_keys(account, owner.as_deref())?,
            marker,
            max_items,
        )
    }

    fn owned_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        id: &str,
    ) -> Result<AccessKey, IamError> {
        let owner = self.key_owner(account, user)?;
        let not_found =
            || IamError::NoSuchEntity(format!("The Access Key with id {id} cannot be found."));
        let (key, _) = self.store.get_access_key(id)?.ok_or_else(not_found)?;
        let same_owner = match (&key.user, &owner) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        if key.account != *account || !same_owner {
            return Err(not_found());
        }
        Ok(key)
    }

    /// UpdateAccessKey (Active/Inactive).
    pub fn update_access_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        id: &str,
        status: KeyStatus,
    ) -> Result<(), IamError> {
        let key = self.owned_key(account, user, id)?;
        self.store.set_access_key_status(&key.id, status)?;
        self.changed();
        Ok(())
    }

    /// DeleteAccessKey.
    pub fn delete_access_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        id: &str,
    ) -> Result<(), IamError> {
        let key = self.owned_key(account, user, id)?;
        self.store.delete_access_key(&key.id)?;
        self.changed();
        Ok(())
    }

    /// GetAccessKeyLastUsed: the owner's user name (`None` = root) and last use.
    pub fn access_key_last_used(
        &self,
        account: &AccountId,
        id: &str,
    ) -> Result<(Option<String>, Option<LastUsed>), IamError> {
        match self.store.get_access_key(id)? {
            Some((key, _)) if key.account == *account => Ok((key.user, key.last_used)),
            _ => Err(IamError::NoSuchEntity(format!(
                "The Access Key with id {id} cannot be found."
            ))),
        }
    }

    // ---- service-specific credentials (Git credentials) ------------------------------

    fn credential_owner(&self, account: &AccountId, user: Option<&str>) -> Result<User, IamError> {
        match user {
            Some(name) => self.get_user(account, name),
            None => Err(IamError::NoSuchEntity(
                "The root user has no service-specific credentials: Git credentials belong to IAM users.".into(),
            )),
        }
    }

    fn owned_credential(
        &self,
        account: &AccountId,
        user: Option<&str>,
        id: &str,
    ) -> Result<(User, ServiceCredential), IamError> {
        let u = self.credential_owner(account, user)?;
        let cred = self
            .store
            .list_service_credentials(account, &u.name)?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| IamError::NoSuchEntity(format!("No such credential {id} exists")))?;
        Ok((u, cred))
    }

    /// CreateServiceSpecificCredential: Git credentials for CodeCommit, for an IAM user only.
    pub fn create_service_credential(
        &self,
        account: &AccountId,
        user: &str,
        service: &str,
    ) -> Result<(ServiceCredential, Secret), IamError> {
        if service != crate::model::CODECOMMIT_SERVICE {
            return Err(IamError::ServiceNotSupported(format!(
                "No such service {service} is supported for Service-Specific Credentials"
            )));
        }
        let u = self.get_user(account, user)?;
        if self.store.list_service_credentials(account, &u.name)?.len()
            >= SERVICE_CREDENTIALS_PER_USER
        {
            return Err(IamError::LimitExceeded(format!(
                "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: {SERVICE_CREDENTIALS_PER_USER}"
            )));
        }
        let cred = ServiceCredential {
            id: mint_unique_id(IdPrefix::Acca, random()?),
            account: account.clone(),
            user: u.name.clone(),
            service_name: service.to_owned(),
            service_user_name: format!("{}-at-{account}", u.name),
            status: KeyStatus::Active,
            created: self.clock.now(),
        };
        let password = new_git_password()?;
        self.store.insert_service_credential(&cred, &password)?;
        self.changed();
        Ok((cred, password))
    }

    /// ListServiceSpecificCredentials of a user (`None` = the caller, which must be an IAM user).
    pub fn list_service_credentials(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<Vec<ServiceCredential>, IamError> {
        match user {
            None => Ok(Vec::new()),
            Some(name) => {
                let u = self.get_user(account, name)?;
                Ok(self.store.list_service_credentials(account, &u.name)?)
            }
        }
    }

    /// UpdateServiceSpecificCredential (Active/Inactive).
    pub fn update_service_credential(
        &self,
        account: &AccountId,
        user: Option<&str>,
        id: &str,
        status: KeyStatus,
    ) -> Result<(), IamError> {
        let (_, cred) = self.owned_credential(account, user, id)?;
        self.store.set_service_credential_status(&cred.id, status)?;
        self.changed();
        Ok(())
    }

    /// ResetServiceSpecificCredential: a new password; the old one stops working at once.
    pub fn reset_service_credential(
        &self,
        account: &AccountId,
        user: Option<&str>,
        id: &str,
    ) -> Result<(ServiceCredential, Secret), IamError> {
        let (_, cred) = self.owned_credential(account, user, id)?;
        let password = new_git_password()?;
        self.store.reset_service_credential(&cred.id, &password)?;
        self.changed();
        Ok((cred, password))
    }

    /// DeleteServiceSpecificCredential.
    pub fn delete_service_credential(
        &self,
        account: &AccountId,
        user: Option<&str>,
        id: &str,
    ) -> Result<(), IamError> {
        let (_, cred) = self.owned_credential(account, user, id)?;
        self.store.delete_service_credential(&cred.id)?;
        self.changed();
        Ok(())
    }

    /// Authenticates Git credentials: `<user>-at-<account>` and the password. Returns the IAM
    /// user when an active credential of that user has this password; `None` otherwise (the
    /// caller does not learn which part was wrong).
    pub fn authenticate_git_credentials(
        &self,
        service_user_name: &str,
        password: &Secret,
    ) -> Result<Option<User>, IamError> {
        let Some((name, account)) = service_user_name.rsplit_once("-at-") else {
            return Ok(None);
        };
        let Ok(account) = AccountId::parse(account) else {
            return Ok(None);
        };
        let Some(user) = self.store.get_user(&account, name)? else {
            return Ok(None);
        };
        for cred in self.store.list_service_credentials(&account, &user.name)? {
            if cred.service_user_name == service_user_name
                && self
                    .store
                    .check_service_credential_password(&cred.id, password)?
                && cred.status == KeyStatus::Active
            {
                return Ok(Some(user));
            }
        }
        Ok(None)
    }

    // ---- managed policies -----------------------------------------------------------

    /// CreatePolicy.
    pub fn create_policy(
        &self,
        account: &AccountId,
        name: &str,
        path: Option<&str>,
        document: &str,
        description: Option<&str>,
    ) -> Result<ManagedPolicy, IamError> {
        validate::name("policyName", name, 128)?;
        let path = path.unwrap_or("/");
        validate::path(path)?;
        validate::policy_document(document, 6144, "PolicySize")?;
        let now = self.clock.now();
        let policy = ManagedPolicy {
            arn: format!("arn:aws:iam::{account}:policy{path}{name}"),
            account: account.clone(),
            name: name.to_owned(),
            policy_id: mint_unique_id(IdPrefix::Anpa, random()?),
            path: path.to_owned(),
            description: description.map(str::to_owned),
            default_version: "v1".to_owned(),
            next_version: 2,
            created: now,
            updated: now,
        };
        let first = PolicyVersion {
            version_id: "v1".into(),
            document: document.to_owned(),
            created: now,
        };
        self.store.insert_policy(&policy, &first).map_err(|e| {
            conflict_or(e, || {
                IamError::EntityAlreadyExists(format!(
                    "A policy called {name} already exists. Duplicate names are not allowed."
                ))
            })
        })?;
        self.changed();
        Ok(policy)
    }

    /// A customer managed policy of `account`.
    fn own_policy(&self, account: &AccountId, arn: &str) -> Result<ManagedPolicy, IamError> {
        match self.store.get_policy(arn)? {
            Some(p) if p.account == *account => Ok(p),
            _ => Err(IamError::NoSuchEntity(format!(
                "Policy {arn} was not found."
            ))),
        }
    }

    /// GetPolicy: a customer policy of the account or an AWS managed one.
    pub fn get_policy(&self, account: &AccountId, arn: &str) -> Result<PolicyView, IamError> {
        if let Some(p) = aws_managed_policy(arn) {
            return Ok(PolicyView::Aws(
                *p,
                self.store.attachment_count(account, arn)?,
            ));
        }
        let p = self.own_policy(account, arn)?;
        let count = self.store.attachment_count(account, arn)?;
        Ok(PolicyView::Customer(p, count))
    }

    /// GetPolicyVersion.
    pub fn get_policy_version(
        &self,
        account: &AccountId,
        arn: &str,
        version_id: &str,
    ) -> Result<(PolicyVersion, bool), IamError> {
        let missing = || {
            IamError::NoSuchEntity(format!(
                "Policy {arn} version {version_id} does not exist or is not attachable."
            ))
        };
        if let Some(p) = aws_managed_policy(arn) {
            if p.version_id != version_id {
                return Err(missing());
            }
            let created = time::macros::datetime!(2015-07-09 00:00 UTC);
            return Ok((
                PolicyVersion {
                    version_id: p.version_id.into(),
                    document: p.document.into(),
                    created,
                },
                true,
            ));
        }
        let p = self.own_policy(account, arn)?;
        let v = self
            .store
            .get_policy_version(arn, version_id)?
            .ok_or_else(missing)?;
        let is_default = v.version_id == p.default_version;
        Ok((v, is_default))
    }

    /// ListPolicies: scope `All`, `AWS` or `Local`; `only_attached` keeps attached ones.
    pub fn list_policies(
        &self,
        account: &AccountId,
        scope: Option<&str>,
        only_attached: bool,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<PolicyView>, IamError> {
        let scope = scope.unwrap_or("All");
        let mut all = Vec::new();
        if scope != "Local" {
            for p in crate::managed::aws_managed_policies() {
                all.push(PolicyView::Aws(
                    *p,
                    self.store.attachment_count(account, &p.arn())?,
                ));
            }
        }
        if scope != "AWS" {
            for p in self.store.list_policies(account)? {
                let n = self.store.attachment_count(account, &p.arn)?;
                all.push(PolicyView::Customer(p, n));
            }
        }
        let prefix = path_prefix.unwrap_or("/");
        all.retain(|p| {
            (!only_attached || p.attachment_count() > 0) && p.path().starts_with(prefix)
        });
        all.sort_by(|a, b| a.name().cmp(b.name()));
        Page::of(all, marker, max_items)
    }

    /// CreatePolicyVersion.
    pub fn create_policy_version(
        &self,
        account: &AccountId,
        arn: &str,
        document: &str,
        set_default: bool,
    ) -> Result<PolicyVersion, IamError> {
        let p = self.own_policy(account, arn)?;
        validate::policy_document(document, 6144, "PolicySize")?;
        if self.store.list_policy_versions(arn)?.len() >= VERSIONS_PER_POLICY {
            return Err(IamError::LimitExceeded(
                "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.".into(),
            ));
        }
        let now = self.clock.now();
        let v = PolicyVersion {
            version_id: format!("v{}", p.next_version),
            document: document.to_owned(),
            created: now,
        };
        self.store
            .insert_policy_version(arn, &v, set_default, now)?;
        self.changed();
        Ok(v)
    }

    /// ListPolicyVersions: newest first, with which one is the default.
    pub fn list_policy_versions(
        &self,
        account: &AccountId,
        arn: &str,
    ) -> Result<Vec<(PolicyVersion, bool)>, IamError> {
        if aws_managed_policy(arn).is_some() {
            let (v, d) = self.get_policy_version(
                account,
                arn,
                aws_managed_policy(arn).map_or("v1", |p| p.version_id),
            )?;
            return Ok(vec![(v, d)]);
        }
        let p = self.own_policy(account, arn)?;
        Ok(self
            .store
            .list_policy_versions(arn)?
            .into_iter()
            .map(|v| {
                let is_default = v.version_id == p.default_version;
                (v, is_default)
            })
            .collect())
    }

    /// SetDefaultPolicyVersion.
    pub fn set_default_policy_version(
        &self,
        account: &AccountId,
        arn: &str,
        version_id: &str,
    ) -> Result<(), IamError> {
        self.own_policy(account, arn)?;
        if self.store.get_policy_version(arn, version_id)?.is_none() {
            return Err(IamError::NoSuchEntity(format!(
                "Policy {arn} version {version_id} does not exist."
            )));
        }
        self.store
            .set_default_version(arn, version_id, self.clock.now())?;
        self.changed();
        Ok(())
    }

    /// DeletePolicyVersion: the default version cannot be deleted.
    pub fn delete_policy_version(
        &self,
        account: &AccountId,
        arn: &str,
        version_id: &str,
    ) -> Result<(), IamError> {
        let p = self.own_policy(account, arn)?;
        if self.store.get_policy_version(arn, version_id)?.is_none() {
            return Err(IamError::NoSuchEntity(format!(
                "Policy {arn} version {version_id} does not exist."
            )));
        }
        if p.default_version == version_id {
            return Err(IamError::DeleteConflict(
                "Cannot delete the default version of a policy.".into(),
            ));
        }
        self.store.delete_policy_version(arn, version_id)?;
        self.changed();
        Ok(())
    }

    /// ListEntitiesForPolicy: the users, groups and roles of the account it is attached to.
    pub fn list_entities_for_policy(
        &self,
        account: &AccountId,
        arn: &str,
    ) -> Result<PolicyEntities, IamError> {
        if aws_managed_policy(arn).is_none() {
            self.own_policy(account, arn)?;
        }
        let mut users = Vec::new();
        let mut groups = Vec::new();
        let mut roles = Vec::new();
        for (kind, name) in self.store.entities_for_policy(account, arn)? {
            match kind {
                OwnerKind::User => users.extend(self.store.get_user(account, &name)?),
                OwnerKind::Group => groups.extend(self.store.get_group(account, &name)?),
                OwnerKind::Role => roles.extend(self.store.get_role(account, &name)?),
            }
        }
        Ok(PolicyEntities {
            users,
            groups,
            roles,
        })
    }

    /// PutUserPermissionsBoundary / DeleteUserPermissionsBoundary (`None`).
    pub fn set_user_permissions_boundary(
        &self,
        account: &AccountId,
        user: &str,
        arn: Option<&str>,
    ) -> Result<(), IamError> {
        let u = self.get_user(account, user)?;
        if let Some(arn) = arn {
            self.require_attachable(account, arn)?;
        }
        self.store.set_user_boundary(account, &u.name, arn)?;
        self.changed();
        Ok(())
    }

    /// DeletePolicy: refused while attached or while it has non-default versions.
    pub fn delete_policy(&self, account: &AccountId, arn: &str) -> Result<(), IamError> {
        let p = self.own_policy(account, arn)?;
        if self.store.attachment_count(account, arn)? > 0 {
            return Err(IamError::DeleteConflict(
                "Cannot delete a policy attached to entities.".into(),
            ));
        }
        if self
            .store
            .list_policy_versions(arn)?
            .iter()
            .any(|v| v.version_id != p.default_version)
        {
            return Err(IamError::DeleteConflict(
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.".into(),
            ));
        }
        self.store.delete_policy(arn)?;
        self.changed();
        Ok(())
    }

    pub(crate) fn require_attachable(
        &self,
        account: &AccountId,
        arn: &str,
    ) -> Result<(), IamError> {
        if aws_managed_policy(arn).is_some() {
            return Ok(());
        }
        match self.store.get_policy(arn)? {
            Some(p) if p.account == *account => Ok(()),
            _ => Err(IamError::no_policy(arn)),
        }
    }

    fn owner_name(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        name: &str,
    ) -> Result<String, IamError> {
        match kind {
            OwnerKind::User => Ok(self.get_user(account, name)?.name),
            OwnerKind::Group => Ok(self
                .store
                .get_group(account, name)?
                .ok_or_else(|| IamError::no_group(name))?
                .name),
            OwnerKind::Role => Ok(self.get_role(account, name)?.name),
        }
    }

    /// AttachUserPolicy / AttachGroupPolicy.
    pub fn attach_policy(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        arn: &str,
    ) -> Result<(), IamError> {
        let owner = self.owner_name(account, kind, owner)?;
        self.require_attachable(account, arn)?;
        let attached = self.store.list_attached(account, kind, &owner)?;
        if !attached.iter().any(|a| a == arn) && attached.len() >= ATTACHED_PER_ENTITY {
            let what = match kind {
                OwnerKind::User => "PoliciesPerUser",
                OwnerKind::Group => "PoliciesPerGroup",
                OwnerKind::Role => "PoliciesPerRole",
            };
            return Err(IamError::LimitExceeded(format!(
                "Cannot exceed quota for {what}: {ATTACHED_PER_ENTITY}"
            )));
        }
        self.store
            .attach(account, kind, &owner, arn, self.clock.now())?;
        self.changed();
        Ok(())
    }

    /// DetachUserPolicy / DetachGroupPolicy.
    pub fn detach_policy(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        arn: &str,
    ) -> Result<(), IamError> {
        let owner = self.owner_name(account, kind, owner)?;
        if !self.store.detach(account, kind, &owner, arn)? {
            return Err(IamError::NoSuchEntity(format!(
                "Policy {arn} was not found."
            )));
        }
        self.changed();
        Ok(())
    }

    /// ListAttachedUserPolicies / ListAttachedGroupPolicies: (name, ARN) pairs.
    pub fn list_attached(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<(String, String)>, IamError> {
        let owner = self.owner_name(account, kind, owner)?;
        let all = self
            .store
            .list_attached(account, kind, &owner)?
            .into_iter()
            .map(|arn| (arn.rsplit('/').next().unwrap_or(&arn).to_owned(), arn))
            .collect();
        Page::of(all, marker, max_items)
    }

    // ---- inline policies ------------------------------------------------------------

    /// PutUserPolicy / PutGroupPolicy. The quota counts all of the entity's inline policies.
    pub fn put_inline(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        name: &str,
        document: &str,
    ) -> Result<(), IamError> {
        let owner = self.owner_name(account, kind, owner)?;
        validate::name("policyName", name, 128)?;
        let (quota, what) = match kind {
            OwnerKind::User => (2048, "UserPolicySize"),
            OwnerKind::Group => (5120, "GroupPolicySize"),
            OwnerKind::Role => (10240, "RolePolicySize"),
        };
        validate::policy_document(document, quota, what)?;
        let others: usize = self
            .store
            .list_inline(account, kind, &owner)?
            .iter()
            .filter(|(n, _)| n != name)
            .map(|(_, d)| gitward_policy::policy_size(d))
            .sum();
        if others + gitward_policy::policy_size(document) > quota {
            return Err(IamError::LimitExceeded(format!(
                "Maximum policy size of {quota} bytes exceeded for {} {owner}",
                kind.as_str()
            )));
        }
        self.store
            .put_inline(account, kind, &owner, name, document)?;
        self.changed();
        Ok(())
    }

    /// GetUserPolicy / GetGroupPolicy: (canonical owner name, document).
    pub fn get_inline(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        name: &str,
    ) -> Result<(String, String), IamError> {
        let owner = self.owner_name(account, kind, owner)?;
        let doc = self
            .store
            .get_inline(account, kind, &owner, name)?
            .ok_or_else(|| {
                IamError::NoSuchEntity(format!(
                    "The {} policy with name {name} cannot be found.",
                    kind.as_str()
                ))
            })?;
        Ok((owner, doc))
    }

    /// DeleteUserPolicy / DeleteGroupPolicy.
    pub fn delete_inline(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        name: &str,
    ) -> Result<(), IamError> {
        let owner = self.owner_name(account, kind, owner)?;
        if !self.store.delete_inline(account, kind, &owner, name)? {
            return Err(IamError::NoSuchEntity(format!(
                "The {} policy with name {name} cannot be found.",
                kind.as_str()
            )));
        }
        self.changed();
        Ok(())
    }

    /// ListUserPolicies / ListGroupPolicies: names.
    pub fn list_inline(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<String>, IamError> {
        let owner = self.owner_name(account, kind, owner)?;
        let names = self
            .store
            .list_inline(account, kind, &owner)?
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        Page::of(names, marker, max_items)
    }
}

/// The entities a managed policy is attached to (ListEntitiesForPolicy).
#[derive(Debug, Clone, Default)]
pub struct PolicyEntities {
    /// Users, by name.
    pub users: Vec<User>,
    /// Groups, by name.
    pub groups: Vec<Group>,
    /// Roles, by name.
    pub roles: Vec<crate::model::Role>,
}

/// A managed policy as GetPolicy/ListPolicies show it, with its attachment count.
#[derive(Debug, Clone)]
pub enum PolicyView {
    /// An AWS managed policy.
    Aws(crate::managed::AwsManagedPolicy, u32),
    /// A customer managed policy of the account.
    Customer(ManagedPolicy, u32),
}

impl PolicyView {
    /// Name.
    pub fn name(&self) -> &str {
        match self {
            Self::Aws(p, _) => p.name,
            Self::Customer(p, _) => &p.name,
        }
    }

    /// Path.
    pub fn path(&self) -> &str {
        match self {
            Self::Aws(..) => "/",
            Self::Customer(p, _) => &p.path,
        }
    }

    /// How many entities of the account have it attached.
    pub fn attachment_count(&self) -> u32 {
        match self {
            Self::Aws(_, n) | Self::Customer(_, n) => *n,
        }
    }
}
