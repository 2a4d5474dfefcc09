//! IAM roles: CRUD, trust policies, tags, boundaries, and the policies a role session uses.
//! Attached and inline role policies go through the generic [`OwnerKind::Role`] paths of
//! [`IamService`].

use crate::error::IamError;
use crate::model::{OwnerKind, Role, Tag};
use crate::principal::{AppliedPolicy, PolicyOrigin, PrincipalPolicies};
use crate::service::{IamService, Page, conflict_or, random};
use crate::validate;
use gitward_core::{AccountId, IdPrefix, mint_unique_id};

/// Trust policies are limited to 2,048 characters (whitespace not counted), AWS's default
/// `ACLSizePerRole` quota.
const TRUST_POLICY_QUOTA: usize = 2048;
/// `MaxSessionDuration` bounds and default, seconds.
const MIN_SESSION: i64 = 3600;
const MAX_SESSION: i64 = 43200;
/// Description length limit (IAM model `roleDescriptionType`).
const DESCRIPTION_MAX: usize = 1000;

/// CreateRole's parameters.
#[derive(Debug, Clone, Default)]
pub struct NewRole<'a> {
    /// `RoleName`.
    pub name: &'a str,
    /// `Path`, `/` when absent.
    pub path: Option<&'a str>,
    /// `AssumeRolePolicyDocument`.
    pub trust_policy: &'a str,
    /// `Description`.
    pub description: Option<&'a str>,
    /// `MaxSessionDuration`, 3600 when absent.
    pub max_session_duration: Option<i64>,
    /// `PermissionsBoundary`.
    pub boundary: Option<&'a str>,
    /// `Tags`.
    pub tags: &'a [Tag],
}

/// UpdateRole's parameters: each `Some` replaces the current value.
#[derive(Debug, Clone, Copy, Default)]
pub struct RoleUpdate<'a> {
    /// New `Description`.
    pub description: Option<&'a str>,
    /// New `MaxSessionDuration`.
    pub max_session_duration: Option<i64>,
}

fn check_trust_policy(document: &str) -> Result<(), IamError> {
    gitward_policy::PolicyDocument::parse_trust(document)
        .map_err(|e| IamError::MalformedPolicyDocument(e.to_string()))?;
    if gitward_policy::policy_size(document) > TRUST_POLICY_QUOTA {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_QUOTA}"
        )));
    }
    Ok(())
}

fn check_max_session(seconds: i64) -> Result<(), IamError> {
    if !(MIN_SESSION..=MAX_SESSION).contains(&seconds) {
        return Err(IamError::InvalidInput(format!(
            "The requested MaxSessionDuration {seconds} is invalid. It must be between {MIN_SESSION} and {MAX_SESSION} seconds."
        )));
    }
    Ok(())
}

fn check_description(d: &str) -> Result<(), IamError> {
    if d.chars().count() > DESCRIPTION_MAX {
        return Err(IamError::InvalidInput(format!(
            "The description must be at most {DESCRIPTION_MAX} characters long."
        )));
    }
    Ok(())
}

impl IamService {
    /// CreateRole.
    pub fn create_role(&self, account: &AccountId, new: &NewRole<'_>) -> Result<Role, IamError> {
        validate::name("roleName", new.name, 64)?;
        let path = new.path.unwrap_or("/");
        validate::path(path)?;
        validate::tags(&[], new.tags)?;
        check_trust_policy(new.trust_policy)?;
        let max_session_duration = new.max_session_duration.unwrap_or(MIN_SESSION);
        check_max_session(max_session_duration)?;
        if let Some(d) = new.description {
            check_description(d)?;
        }
        if let Some(arn) = new.boundary {
            self.require_attachable(account, arn)?;
        }
        let role = Role {
            account: account.clone(),
            name: new.name.to_owned(),
            role_id: mint_unique_id(IdPrefix::Aroa, random()?),
            path: path.to_owned(),
            created: self.clock.now(),
            trust_policy: new.trust_policy.to_owned(),
            description: new.description.map(str::to_owned),
            max_session_duration,
            boundary_arn: new.boundary.map(str::to_owned),
            last_used: None,
        };
        self.store.insert_role(&role).map_err(|e| {
            conflict_or(e, || {
                IamError::EntityAlreadyExists(format!(
                    "Role with name {} already exists.",
                    new.name
                ))
            })
        })?;
        if !new.tags.is_empty() {
            self.store
                .put_tags(account, OwnerKind::Role, new.name, new.tags)?;
        }
        self.changed();
        Ok(role)
    }

    /// GetRole (by name).
    pub fn get_role(&self, account: &AccountId, name: &str) -> Result<Role, IamError> {
        self.store
            .get_role(account, name)?
            .ok_or_else(|| IamError::no_role(name))
    }

    /// The role an ARN (`arn:aws:iam::ACCT:role/PATH/NAME`) names, if it exists exactly so
    /// (same account, path and name): what STS assumes.
    pub fn role_by_arn(&self, arn: &str) -> Result<Option<Role>, IamError> {
        let Some(rest) = arn.strip_prefix("arn:aws:iam::") else {
            return Ok(None);
        };
        let Some((account, resource)) = rest.split_once(':') else {
            return Ok(None);
        };
        let (Ok(account), Some(path_and_name)) =
            (AccountId::parse(account), resource.strip_prefix("role"))
        else {
            return Ok(None);
        };
        let name = path_and_name.rsplit('/').next().unwrap_or_default();
        if name.is_empty() {
            return Ok(None);
        }
        let generation = self.generation();
        if let Some(role) = self.cache.role(arn, generation) {
            return Ok(Some(role));
        }
        let role = self
            .store
            .get_role(&account, name)?
            .filter(|r| r.arn() == arn);
        if let Some(r) = &role {
            self.cache.put_role(arn, generation, r.clone());
        }
        Ok(role)
    }

    /// ListRoles.
    pub fn list_roles(
        &self,
        account: &AccountId,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<Role>, IamError> {
        let prefix = path_prefix.unwrap_or("/");
        let all = self
            .store
            .list_roles(account)?
            .into_iter()
            .filter(|r| r.path.starts_with(prefix))
            .collect();
        Page::of_items(all, marker, max_items)
    }

    /// UpdateRole / UpdateRoleDescription.
    pub fn update_role(
        &self,
        account: &AccountId,
        name: &str,
        update: RoleUpdate<'_>,
    ) -> Result<Role, IamError> {
        let mut role = self.get_role(account, name)?;
        if let Some(d) = update.description {
            check_description(d)?;
            role.description = Some(d.to_owned());
        }
        if let Some(m) = update.max_session_duration {
            check_max_session(m)?;
            role.max_session_duration = m;
        }
        self.store.update_role(&role)?;
        self.changed();
        Ok(role)
    }

    /// UpdateAssumeRolePolicy.
    pub fn update_trust_policy(
        &self,
        account: &AccountId,
        name: &str,
        document: &str,
    ) -> Result<(), IamError> {
        let mut role = self.get_role(account, name)?;
        check_trust_policy(document)?;
        role.trust_policy = document.to_owned();
        self.store.update_role(&role)?;
        self.changed();
        Ok(())
    }

    /// PutRolePermissionsBoundary / DeleteRolePermissionsBoundary (`None`).
    pub fn set_role_permissions_boundary(
        &self,
        account: &AccountId,
        name: &str,
        arn: Option<&str>,
    ) -> Result<(), IamError> {
        let mut role = self.get_role(account, name)?;
        if let Some(arn) = arn {
            self.require_attachable(account, arn)?;
        }
        role.boundary_arn = arn.map(str::to_owned);
        self.store.update_role(&role)?;
        self.changed();
        Ok(())
    }

    /// DeleteRole: refused while policies are attached or embedded, as AWS does.
    pub fn delete_role(&self, account: &AccountId, name: &str) -> Result<(), IamError> {
        let role = self.get_role(account, name)?;
        if !self
            .store
            .list_attached(account, OwnerKind::Role, &role.name)?
            .is_empty()
        {
            return Err(IamError::DeleteConflict(
                "Cannot delete entity, must detach all policies first.".to_owned(),
            ));
        }
        if !self
            .store
            .list_inline(account, OwnerKind::Role, &role.name)?
            .is_empty()
        {
            return Err(IamError::DeleteConflict(
                "Cannot delete entity, must delete policies first.".to_owned(),
            ));
        }
        self.store.delete_role(account, &role.name)?;
        self.changed();
        Ok(())
    }

    /// TagRole.
    pub fn tag_role(&self, account: &AccountId, name: &str, tags: &[Tag]) -> Result<(), IamError> {
        let role = self.get_role(account, name)?;
        let existing = self.store.get_tags(account, OwnerKind::Role, &role.name)?;
        validate::tags(&existing, tags)?;
        self.store
            .put_tags(account, OwnerKind::Role, &role.name, tags)?;
        self.changed();
        Ok(())
    }

    /// UntagRole.
    pub fn untag_role(
        &self,
        account: &AccountId,
        name: &str,
        keys: &[String],
    ) -> Result<(), IamError> {
        let role = self.get_role(account, name)?;
        self.store
            .remove_tags(account, OwnerKind::Role, &role.name, keys)?;
        self.changed();
        Ok(())
    }

    /// ListRoleTags (also used by GetRole and for `aws:PrincipalTag` of role sessions).
    pub fn role_tags(&self, account: &AccountId, name: &str) -> Result<Vec<Tag>, IamError> {
        let generation = self.generation();
        let key = crate::cache::role_key(account.as_str(), name);
        if let Some(tags) = self.cache.role_tags(&key, generation) {
            return Ok(tags);
        }
        let role = self.get_role(account, name)?;
        let tags = self.store.get_tags(account, OwnerKind::Role, &role.name)?;
        self.cache.put_role_tags(key, generation, tags.clone());
        Ok(tags)
    }

    /// Records that a session of the role made a request (GetRole's `RoleLastUsed`).
    pub fn record_role_use(&self, role: &Role, region: &str) -> Result<(), IamError> {
        let recorded =
            self.store
                .record_role_use(&role.account, &role.name, self.clock.now(), region);
        // The cached role's last use is now old: the next lookup reads the new one.
        self.cache.forget_role(&role.arn());
        Ok(recorded?)
    }

    /// The policies of a role session: the role's inline and attached policies and its
    /// boundary. A role deleted (or deleted and re-created under the same name: a new role
    /// id) since the session began has no policies, so its sessions can do nothing.
    pub fn role_policies(&self, role: &Role) -> Result<PrincipalPolicies, IamError> {
        let acct = &role.account;
        let Some(current) = self
            .store
            .get_role(acct, &role.name)?
            .filter(|r| r.role_id == role.role_id)
        else {
            return Ok(PrincipalPolicies::default());
        };
        let mut identity = Vec::new();
        for (name, document) in self
            .store
            .list_inline(acct, OwnerKind::Role, &current.name)?
        {
            identity.push(AppliedPolicy {
                label: format!("inline policy {name} of role {}", current.name),
                name,
                origin: PolicyOrigin::RoleInline,
                document,
            });
        }
        for arn in self
            .store
            .list_attached(acct, OwnerKind::Role, &current.name)?
        {
            identity.extend(self.managed_applied(&arn)?);
        }
        let boundary = match &current.boundary_arn {
            Some(arn) => self.managed_applied(arn)?,
            None => None,
        };
        Ok(PrincipalPolicies { identity, boundary })
    }

    /// The documents of managed policies named as session policies (`PolicyArns`), in order;
    /// an ARN that no longer exists contributes nothing.
    pub fn session_policy_documents(
        &self,
        arns: &[String],
    ) -> Result<Vec<AppliedPolicy>, IamError> {
        let mut out = Vec::new();
        for arn in arns {
            out.extend(self.managed_applied(arn)?);
        }
        Ok(out)
    }

    /// Whether a managed policy ARN exists and may be used by `account` (for `PolicyArns`).
    pub fn managed_policy_exists(&self, account: &AccountId, arn: &str) -> Result<bool, IamError> {
        match self.require_attachable(account, arn) {
            Ok(()) => Ok(true),
            Err(IamError::NoSuchEntity(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
