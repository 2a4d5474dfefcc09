//! SSH public keys of IAM users (UploadSSHPublicKey and friends, FACTS §2.5): the keys Git
//! over SSH signs in with, the key id (`APKA…`) being the SSH user name.

use crate::service::random;
use crate::sshkey::{SshKeyError, SshPublicKeyData};
use crate::{IamError, IamService, KeyStatus, SshPublicKey, User};
use gitward_core::{AccountId, IdPrefix};

/// IAM's quota of SSH public keys per user.
pub const MAX_SSH_PUBLIC_KEYS_PER_USER: usize = 5;

/// `APKA` and 16 base32 characters: 20 characters, like IAM's.
fn new_key_id() -> Result<String, IamError> {
    let bytes: [u8; 10] = random()?;
    Ok(format!(
        "{}{}",
        IdPrefix::Apka.as_str(),
        data_encoding::BASE32_NOPAD.encode(&bytes)
    ))
}

impl From<SshKeyError> for IamError {
    fn from(e: SshKeyError) -> Self {
        match e {
            SshKeyError::UnrecognizedEncoding(m) => Self::UnrecognizedPublicKeyEncoding(m),
            SshKeyError::Invalid(m) => Self::InvalidPublicKey(m),
        }
    }
}

impl IamService {
    /// The IAM user SSH keys belong to. The root user and roles have none: naming one is
    /// `NoSuchEntity` with a message that says so.
    fn ssh_key_owner(&self, account: &AccountId, user: Option<&str>) -> Result<User, IamError> {
        let Some(name) = user else {
            return Err(IamError::NoSuchEntity(
                "The root user cannot have SSH public keys: SSH keys belong to IAM users. Name an IAM user with UserName."
                    .into(),
            ));
        };
        match self.store.get_user(account, name)? {
            Some(u) => Ok(u),
            None if self.store.get_role(account, name)?.is_some() => {
                Err(IamError::NoSuchEntity(format!(
                    "The user with name {name} cannot be found. {name} is a role: roles cannot have SSH public keys, only IAM users can."
                )))
            }
            None if name.eq_ignore_ascii_case("root") => Err(IamError::NoSuchEntity(format!(
                "The user with name {name} cannot be found. The root user cannot have SSH public keys: SSH keys belong to IAM users."
            ))),
            None => Err(IamError::no_user(name)),
        }
    }

    fn owned_ssh_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        id: &str,
    ) -> Result<SshPublicKey, IamError> {
        let u = self.ssh_key_owner(account, user)?;
        self.store
            .list_ssh_public_keys(account, &u.name)?
            .into_iter()
            .find(|k| k.id == id)
            .ok_or_else(|| {
                IamError::NoSuchEntity(format!("The Public Key with id {id} cannot be found."))
            })
    }

    /// UploadSSHPublicKey: an RSA (≥ 2048 bits), Ed25519 or ECDSA key in the OpenSSH form or
    /// PEM; at most [`MAX_SSH_PUBLIC_KEYS_PER_USER`] per user, no key twice for one user.
    pub fn upload_ssh_public_key(
        &self,
        account: &AccountId,
        user: &str,
        body: &str,
    ) -> Result<SshPublicKey, IamError> {
        let u = self.ssh_key_owner(account, Some(user))?;
        let key = SshPublicKeyData::parse(body)?;
        let blob = key.blob();
        let existing = self.store.list_ssh_public_keys(account, &u.name)?;
        if existing.iter().any(|k| k.blob == blob) {
            return Err(IamError::DuplicateSshPublicKey(
                "The SSH public key with the specified body is already associated with the specified IAM user.".into(),
            ));
        }
        if existing.len() >= MAX_SSH_PUBLIC_KEYS_PER_USER {
            return Err(IamError::LimitExceeded(format!(
                "Cannot exceed quota for PublicKeysPerUser: {MAX_SSH_PUBLIC_KEYS_PER_USER}"
            )));
        }
        let record = SshPublicKey {
            id: new_key_id()?,
            account: account.clone(),
            user: u.name,
            fingerprint: key.fingerprint(),
            blob,
            status: KeyStatus::Active,
            uploaded: self.clock.now(),
        };
        self.store.insert_ssh_public_key(&record)?;
        self.changed();
        Ok(record)
    }

    /// GetSSHPublicKey.
    pub fn get_ssh_public_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        id: &str,
    ) -> Result<SshPublicKey, IamError> {
        self.owned_ssh_key(account, user, id)
    }

    /// ListSSHPublicKeys of a user (`None`: the caller is not an IAM user, so none).
    pub fn list_ssh_public_keys(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<Vec<SshPublicKey>, IamError> {
        match user {
            None => Ok(Vec::new()),
            Some(name) => {
                let u = self.ssh_key_owner(account, Some(name))?;
                Ok(self.store.list_ssh_public_keys(account, &u.name)?)
            }
        }
    }

    /// UpdateSSHPublicKey (Active/Inactive).
    pub fn update_ssh_public_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        id: &str,
        status: KeyStatus,
    ) -> Result<(), IamError> {
        let key = self.owned_ssh_key(account, user, id)?;
        self.store.set_ssh_public_key_status(&key.id, status)?;
        self.changed();
        Ok(())
    }

    /// DeleteSSHPublicKey.
    pub fn delete_ssh_public_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        id: &str,
    ) -> Result<(), IamError> {
        let key = self.owned_ssh_key(account, user, id)?;
        self.store.delete_ssh_public_key(&key.id)?;
        self.changed();
        Ok(())
    }

    /// Whether `key_id` may sign in over SSH with the key whose wire form is `blob`: the IAM
    /// user when the key exists, is active, is this key and its user exists; `None`
    /// otherwise (the caller does not learn which).
    pub fn authenticate_ssh_key(
        &self,
        key_id: &str,
        blob: &[u8],
    ) -> Result<Option<User>, IamError> {
        let Some(key) = self.store.ssh_public_key(key_id)? else {
            return Ok(None);
        };
        // Both are canonical wire forms; public material, so a plain comparison.
        if key.status != KeyStatus::Active || key.blob != blob {
            return Ok(None);
        }
        Ok(self.store.get_user(&key.account, &key.user)?)
    }
}
