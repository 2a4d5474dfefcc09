//! Virtual MFA devices (FACTS §3.6): created for the account, enabled for one user with two
//! consecutive RFC 6238 codes, and checked by STS when a caller passes `SerialNumber` and
//! `TokenCode`. Codes come from `gitward_sts::totp`; a device remembers the last step it
//! accepted, so each code works once.

use crate::error::IamError;
use crate::model::{Tag, User};
use crate::service::{IamService, Page, conflict_or, random};
use crate::validate;
use gitward_core::{AccountId, Secret, StoreError};
use gitward_sts::totp;
use time::OffsetDateTime;

/// MFA devices one user may have in use (AWS's `MFADevicesPerUser` quota, FACTS §3.6).
pub const MFA_DEVICES_PER_USER: usize = 8;
/// Steps either side of now that `ResyncMFADevice` searches for the device's clock (±5 min).
pub const RESYNC_WINDOW_STEPS: u64 = 10;
/// Wrong codes in a row after which a device refuses every code for [`MFA_LOCKOUT_SECONDS`]
/// (six digits in a three-step window are otherwise guessable by brute force).
pub const MFA_MAX_FAILURES: u32 = 10;
/// How long a device refuses codes after [`MFA_MAX_FAILURES`] wrong ones, from the last one.
pub const MFA_LOCKOUT_SECONDS: i64 = 300;
/// The longest serial number the IAM model allows (`serialNumberType`).
const SERIAL_MAX: usize = 256;

/// A virtual MFA device as stored (its seed is kept apart, sealed by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaDevice {
    /// Owning account.
    pub account: AccountId,
    /// `VirtualMFADeviceName`, unique case-insensitively in the account.
    pub name: String,
    /// Path, `/` by default.
    pub path: String,
    /// Creation time.
    pub created: OffsetDateTime,
    /// The user it is assigned to (canonical name), if any.
    pub user: Option<String>,
    /// When it was enabled for that user.
    pub enabled: Option<OffsetDateTime>,
    /// The last TOTP step (HOTP counter) a code was accepted for.
    pub last_step: Option<u64>,
    /// Steps the device's clock runs ahead of ours (negative: behind), set by a resync.
    pub drift_steps: i64,
    /// Wrong codes given to STS in a row (reset by an accepted one).
    pub failed_attempts: u32,
    /// When the last of those was given.
    pub last_failure: Option<OffsetDateTime>,
    /// Tags given at creation.
    pub tags: Vec<Tag>,
}

impl MfaDevice {
    /// The serial number: `arn:aws:iam::ACCOUNT:mfa/PATH/NAME`.
    pub fn serial(&self) -> String {
        serial_number(&self.account, &self.path, &self.name)
    }
}

fn serial_number(account: &AccountId, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:mfa{path}{name}")
}

/// What the MFA domain needs from storage. Each method is atomic.
pub trait MfaStore: Send + Sync {
    /// Adds a device with its Base32 seed (sealed at rest by the store); `Conflict` if the
    /// name is taken in the account.
    fn insert_mfa_device(&self, device: &MfaDevice, seed: &Secret) -> Result<(), StoreError>;
    /// One device of `account` and its seed, by serial number.
    fn get_mfa_device(
        &self,
        account: &AccountId,
        serial: &str,
    ) -> Result<Option<(MfaDevice, Secret)>, StoreError>;
    /// The devices of `account`, sorted by name.
    fn list_mfa_devices(&self, account: &AccountId) -> Result<Vec<MfaDevice>, StoreError>;
    /// Assigns an unassigned device to `user` at `at`, recording `step` as used and clearing
    /// any drift; false if the device is already assigned (or gone).
    fn assign_mfa_device(
        &self,
        account: &AccountId,
        serial: &str,
        user: &str,
        at: OffsetDateTime,
        step: u64,
    ) -> Result<bool, StoreError>;
    /// Unassigns a device (it keeps its last used step).
    fn unassign_mfa_device(&self, account: &AccountId, serial: &str) -> Result<(), StoreError>;
    /// Records `step` as used, only if it is after the last used step, and clears the count
    /// of wrong codes; with `drift`, also sets the device's drift. False if the step was not
    /// after the last one.
    fn use_mfa_step(
        &self,
        account: &AccountId,
        serial: &str,
        step: u64,
        drift: Option<i64>,
    ) -> Result<bool, StoreError>;
    /// Counts one more wrong code, given at `at`.
    fn record_mfa_failure(
        &self,
        account: &AccountId,
        serial: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// Removes a device.
    fn delete_mfa_device(&self, account: &AccountId, serial: &str) -> Result<(), StoreError>;
    /// Replaces a device's tags.
    fn set_mfa_tags(
        &self,
        account: &AccountId,
        serial: &str,
        tags: &[Tag],
    ) -> Result<(), StoreError>;
}

/// A virtual MFA device just created: the only time its seed and QR code are shown.
#[derive(Debug, Clone)]
pub struct NewVirtualMfaDevice {
    /// The device.
    pub device: MfaDevice,
    /// `Base32StringSeed` (the Base32 text).
    pub seed_base32: Secret,
    /// `QRCodePNG`: the `otpauth://totp/…` URI as a PNG image.
    pub qr_png: Vec<u8>,
}

/// Why STS refused an MFA code (the two `AccessDenied` texts of FACTS §3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaRefusal {
    /// No device with that serial number is assigned to the user.
    UnknownSerial,
    /// The code is wrong, outside the window, or already used.
    InvalidCode,
}

impl MfaRefusal {
    /// AWS's `AccessDenied` message for this refusal.
    pub fn message(self) -> &'static str {
        match self {
            Self::UnknownSerial => totp::MFA_UNKNOWN_SERIAL_MESSAGE,
            Self::InvalidCode => totp::MFA_INVALID_CODE_MESSAGE,
        }
    }
}

fn no_device(serial: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "VirtualMFADevice with serial number {serial} doesn't exist."
    ))
}

fn invalid_code() -> IamError {
    IamError::InvalidAuthenticationCode("Authentication code for device is not valid.".to_owned())
}

fn same_user(device: &MfaDevice, user: &str) -> bool {
    device
        .user
        .as_deref()
        .is_some_and(|u| u.eq_ignore_ascii_case(user))
}

/// The seed bytes of a stored Base32 seed; a seed that does not decode is a storage fault.
fn seed_bytes(seed: &Secret) -> Result<Vec<u8>, IamError> {
    totp::decode_seed(seed.expose()).map_err(|_| {
        IamError::Store(StoreError::Backend(
            "a stored MFA seed is not Base32".to_owned(),
        ))
    })
}

/// `now` as the device's clock reads it.
fn device_time(now: OffsetDateTime, drift_steps: i64) -> OffsetDateTime {
    now + time::Duration::seconds(drift_steps.saturating_mul(totp::STEP_SECONDS))
}

impl IamService {
    /// CreateVirtualMFADevice: a fresh random seed, sealed at rest, shown once.
    pub fn create_virtual_mfa_device(
        &self,
        account: &AccountId,
        name: &str,
        path: Option<&str>,
        tags: &[Tag],
    ) -> Result<NewVirtualMfaDevice, IamError> {
        let path = path.unwrap_or("/");
        validate::name("virtualMFADeviceName", name, SERIAL_MAX)?;
        validate::path(path)?;
        validate::tags(&[], tags)?;
        let serial = serial_number(account, path, name);
        if serial.len() > SERIAL_MAX {
            return Err(IamError::InvalidInput(format!(
                "The serial number of the device would be longer than {SERIAL_MAX} characters."
            )));
        }
        let seed = Secret::new(totp::seed_base32(random()?));
        // Not yet assigned: the QR code's account name is the account id (IAM model docs).
        let uri = Secret::new(totp::otpauth_uri(name, account.as_str(), seed.expose()));
        let qr_png = totp::qr_png(uri.expose()).map_err(|_| {
            IamError::InvalidInput("The device name is too long for a QR code.".to_owned())
        })?;
        let device = MfaDevice {
            account: account.clone(),
            name: name.to_owned(),
            path: path.to_owned(),
            created: self.clock.now(),
            user: None,
            enabled: None,
            last_step: None,
            drift_steps: 0,
            failed_attempts: 0,
            last_failure: None,
            tags: tags.to_vec(),
        };
        self.store.insert_mfa_device(&device, &seed).map_err(|e| {
            conflict_or(e, || {
                IamError::EntityAlreadyExists(
                    "MFADevice entity at the same path and name already exists.".to_owned(),
                )
            })
        })?;
        Ok(NewVirtualMfaDevice {
            device,
            seed_base32: seed,
            qr_png,
        })
    }

    fn mfa_device(
        &self,
        account: &AccountId,
        serial: &str,
    ) -> Result<(MfaDevice, Secret), IamError> {
        self.store
            .get_mfa_device(account, serial)?
            .ok_or_else(|| no_device(serial))
    }

    /// The device `serial` as assigned to `user`, or `NoSuchEntity`.
    fn assigned_device(
        &self,
        account: &AccountId,
        user: &User,
        serial: &str,
    ) -> Result<(MfaDevice, Secret), IamError> {
        let (device, seed) = self.mfa_device(account, serial)?;
        if !same_user(&device, &user.name) {
            return Err(IamError::NoSuchEntity(format!(
                "MFA device with serial number {serial} is not assigned to user {}.",
                user.name
            )));
        }
        Ok((device, seed))
    }

    /// EnableMFADevice: two consecutive codes (±1 step) assign the device to the user.
    pub fn enable_mfa_device(
        &self,
        account: &AccountId,
        user_name: &str,
        serial: &str,
        code1: &str,
        code2: &str,
    ) -> Result<(), IamError> {
        let user = self.get_user(account, user_name)?;
        let (device, seed) = self.mfa_device(account, serial)?;
        if device.user.is_some() {
            return Err(IamError::EntityAlreadyExists(format!(
                "MFA device {serial} is already in use."
            )));
        }
        let in_use = self
            .store
            .list_mfa_devices(account)?
            .iter()
            .filter(|d| same_user(d, &user.name))
            .count();
        if in_use >= MFA_DEVICES_PER_USER {
            return Err(IamError::LimitExceeded(format!(
                "Cannot exceed quota for MFADevicesPerUser: {MFA_DEVICES_PER_USER}"
            )));
        }
        let now = self.clock.now();
        let step = totp::verify_enable(&seed_bytes(&seed)?, code1, code2, now)
            .map_err(|_| invalid_code())?;
        // Both codes must be fresh: the first one's step too.
        if device.last_step.is_some_and(|last| step - 1 <= last) {
            return Err(invalid_code());
        }
        if !self
            .store
            .assign_mfa_device(account, serial, &user.name, now, step)?
        {
            return Err(IamError::EntityAlreadyExists(format!(
                "MFA device {serial} is already in use."
            )));
        }
        Ok(())
    }

    /// DeactivateMFADevice: the device stays, unassigned.
    pub fn deactivate_mfa_device(
        &self,
        account: &AccountId,
        user_name: &str,
        serial: &str,
    ) -> Result<(), IamError> {
        let user = self.get_user(account, user_name)?;
        self.assigned_device(account, &user, serial)?;
        self.store.unassign_mfa_device(account, serial)?;
        Ok(())
    }

    /// ResyncMFADevice: two consecutive codes found within ±[`RESYNC_WINDOW_STEPS`] of now
    /// set the device's drift, so later codes are checked against its clock.
    pub fn resync_mfa_device(
        &self,
        account: &AccountId,
        user_name: &str,
        serial: &str,
        code1: &str,
        code2: &str,
    ) -> Result<(), IamError> {
        let user = self.get_user(account, user_name)?;
        let (device, seed) = self.assigned_device(account, &user, serial)?;
        let now = self.clock.now();
        let step =
            totp::verify_consecutive(&seed_bytes(&seed)?, code1, code2, now, RESYNC_WINDOW_STEPS)
                .map_err(|_| invalid_code())?;
        if device.last_step.is_some_and(|last| step - 1 <= last) {
            return Err(invalid_code());
        }
        let cur = i64::try_from(totp::step_at(now)).unwrap_or(i64::MAX);
        let drift = i64::try_from(step).unwrap_or(i64::MAX).saturating_sub(cur);
        if !self
            .store
            .use_mfa_step(account, serial, step, Some(drift))?
        {
            return Err(invalid_code());
        }
        Ok(())
    }

    /// DeleteVirtualMFADevice: only an unassigned device.
    pub fn delete_virtual_mfa_device(
        &self,
        account: &AccountId,
        serial: &str,
    ) -> Result<(), IamError> {
        let (device, _) = self.mfa_device(account, serial)?;
        if device.user.is_some() {
            return Err(IamError::DeleteConflict(
                "MFA device is still in use.".to_owned(),
            ));
        }
        self.store.delete_mfa_device(account, serial)?;
        Ok(())
    }

    /// TagMFADevice: adds tags, replacing the value of a key already there (keys compare
    /// case-insensitively; 50 tags at most).
    pub fn tag_mfa_device(
        &self,
        account: &AccountId,
        serial: &str,
        tags: &[Tag],
    ) -> Result<(), IamError> {
        let (device, _) = self.mfa_device(account, serial)?;
        validate::tags(&device.tags, tags)?;
        let mut merged = device.tags;
        for t in tags {
            match merged
                .iter_mut()
                .find(|e| e.key.eq_ignore_ascii_case(&t.key))
            {
                Some(e) => *e = t.clone(),
                None => merged.push(t.clone()),
            }
        }
        self.store.set_mfa_tags(account, serial, &merged)?;
        Ok(())
    }

    /// UntagMFADevice: removes the tags with these keys (case-insensitively); absent keys are
    /// not an error.
    pub fn untag_mfa_device(
        &self,
        account: &AccountId,
        serial: &str,
        keys: &[String],
    ) -> Result<(), IamError> {
        let (mut device, _) = self.mfa_device(account, serial)?;
        device
            .tags
            .retain(|t| !keys.iter().any(|k| k.eq_ignore_ascii_case(&t.key)));
        self.store.set_mfa_tags(account, serial, &device.tags)?;
        Ok(())
    }

    /// ListMFADeviceTags.
    pub fn mfa_device_tags(&self, account: &AccountId, serial: &str) -> Result<Vec<Tag>, IamError> {
        Ok(self.mfa_device(account, serial)?.0.tags)
    }

    /// ListMFADevices: the devices assigned to a user, by enable date.
    pub fn list_mfa_devices(
        &self,
        account: &AccountId,
        user_name: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<(User, Page<MfaDevice>), IamError> {
        let user = self.get_user(account, user_name)?;
        let mut devices: Vec<MfaDevice> = self
            .store
            .list_mfa_devices(account)?
            .into_iter()
            .filter(|d| same_user(d, &user.name))
            .collect();
        devices.sort_by(|a, b| a.enabled.cmp(&b.enabled).then(a.name.cmp(&b.name)));
        let page = Page::of_items(devices, marker, max_items)?;
        Ok((user, page))
    }

    /// ListVirtualMFADevices: `Assigned`, `Unassigned` or `Any` (the default), each with its
    /// user when assigned.
    pub fn list_virtual_mfa_devices(
        &self,
        account: &AccountId,
        assignment_status: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<(MfaDevice, Option<User>)>, IamError> {
        let want = |d: &MfaDevice| match assignment_status {
            Some("Assigned") => d.user.is_some(),
            Some("Unassigned") => d.user.is_none(),
            _ => true,
        };
        let mut all = Vec::new();
        for d in self.store.list_mfa_devices(account)? {
            if !want(&d) {
                continue;
            }
            let user = match &d.user {
                Some(name) => self.store.get_user(account, name)?,
                None => None,
            };
            all.push((d, user));
        }
        Page::of_items(all, marker, max_items)
    }

    /// Whether `user_name` has any MFA device assigned (DeleteUser refuses then).
    pub(crate) fn has_mfa_device(
        &self,
        account: &AccountId,
        user_name: &str,
    ) -> Result<bool, IamError> {
        Ok(self
            .store
            .list_mfa_devices(account)?
            .iter()
            .any(|d| same_user(d, user_name)))
    }

    /// STS's check of `SerialNumber` + `TokenCode` for the IAM user `user_name`: the device
    /// must be assigned to that user and the code valid now (±1 step of the device's clock)
    /// and not used before. On success the step is spent and the check time returned. After
    /// [`MFA_MAX_FAILURES`] wrong codes in a row the device refuses every code for
    /// [`MFA_LOCKOUT_SECONDS`].
    pub fn check_mfa_code(
        &self,
        account: &AccountId,
        user_name: &str,
        serial: &str,
        code: &str,
    ) -> Result<Result<OffsetDateTime, MfaRefusal>, IamError> {
        let Some((device, seed)) = self.store.get_mfa_device(account, serial)? else {
            return Ok(Err(MfaRefusal::UnknownSerial));
        };
        if !same_user(&device, user_name) {
            return Ok(Err(MfaRefusal::UnknownSerial));
        }
        let now = self.clock.now();
        let locked = device.failed_attempts >= MFA_MAX_FAILURES
            && device
                .last_failure
                .is_some_and(|t| now < t + time::Duration::seconds(MFA_LOCKOUT_SECONDS));
        if locked {
            return Ok(Err(MfaRefusal::InvalidCode));
        }
        let at = device_time(now, device.drift_steps);
        let Ok(step) = totp::verify(&seed_bytes(&seed)?, code, at, device.last_step) else {
            self.store.record_mfa_failure(account, serial, now)?;
            return Ok(Err(MfaRefusal::InvalidCode));
        };
        // Two requests racing with one code: only one advances the step.
        if !self.store.use_mfa_step(account, serial, step, None)? {
            return Ok(Err(MfaRefusal::InvalidCode));
        }
        Ok(Ok(now))
    }
}
