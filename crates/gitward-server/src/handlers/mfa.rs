//! IAM virtual MFA device operations (called from the IAM handler). The TOTP rules live in
//! `gitward_iam` (devices) and `gitward_sts::totp` (codes).

use super::Input;
use super::iam::{list, tags_in, tags_out, user_out};
use crate::api::App;
use crate::ops::OperationRequest;
use base64::Engine;
use gitward_api::{ApiError, Service};
use gitward_core::iso8601;
use gitward_iam::{MfaDevice, User};
use serde_json::{Map, Value, json};

pub const OPERATIONS: &[&str] = &[
    "CreateVirtualMFADevice",
    "EnableMFADevice",
    "DeactivateMFADevice",
    "DeleteVirtualMFADevice",
    "ListMFADevices",
    "ListVirtualMFADevices",
    "ResyncMFADevice",
    "TagMFADevice",
    "UntagMFADevice",
    "ListMFADeviceTags",
];

/// The model's `VirtualMFADevice` shape as listings give it (no seed, no tags).
fn virtual_out(d: &MfaDevice, user: Option<&User>) -> Value {
    let mut m = Map::new();
    m.insert("SerialNumber".into(), json!(d.serial()));
    if let Some(u) = user {
        m.insert("User".into(), user_out(u, &[]));
    }
    if let Some(at) = d.enabled {
        m.insert("EnableDate".into(), json!(iso8601(at)));
    }
    Value::Object(m)
}

pub fn handle(app: &App, req: &OperationRequest<'_>) -> Result<Value, ApiError> {
    let iam = &app.iam;
    let acct = req.caller.principal.account();
    let input = Input(req.input);
    let marker = input.opt("Marker");
    let max = input.int("MaxItems");
    // DeactivateMFADevice and ListMFADevices default to the calling IAM user.
    let self_or_named = || -> Result<Option<&str>, ApiError> {
        match (input.opt("UserName"), req.caller.principal.username()) {
            (Some(name), _) => Ok(Some(name)),
            (None, Some(me)) => Ok(Some(me)),
            (None, None) if req.caller.principal.is_root() => Ok(None),
            (None, None) => Err(ApiError::validation_for(
                Service::Iam,
                "Must specify userName when calling with non-User credentials",
            )),
        }
    };
    let serial = || input.req("SerialNumber");
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let out = match req.operation {
        "CreateVirtualMFADevice" => {
            let tags = tags_in(req.input, "Tags");
            let created = iam.create_virtual_mfa_device(
                acct,
                input.req("VirtualMFADeviceName")?,
                input.opt("Path"),
                &tags,
            )?;
            let mut m = Map::new();
            m.insert("SerialNumber".into(), json!(created.device.serial()));
            // Blobs: the wire carries the Base32 text and the PNG base64-encoded.
            m.insert(
                "Base32StringSeed".into(),
                json!(b64(created.seed_base32.expose().as_bytes())),
            );
            m.insert("QRCodePNG".into(), json!(b64(&created.qr_png)));
            if !tags.is_empty() {
                m.insert("Tags".into(), tags_out(&tags));
            }
            json!({"VirtualMFADevice": Value::Object(m)})
        }
        "EnableMFADevice" => {
            iam.enable_mfa_device(
                acct,
                input.req("UserName")?,
                serial()?,
                input.req("AuthenticationCode1")?,
                input.req("AuthenticationCode2")?,
            )?;
            json!({})
        }
        "ResyncMFADevice" => {
            iam.resync_mfa_device(
                acct,
                input.req("UserName")?,
                serial()?,
                input.req("AuthenticationCode1")?,
                input.req("AuthenticationCode2")?,
            )?;
            json!({})
        }
        "TagMFADevice" => {
            iam.tag_mfa_device(acct, serial()?, &tags_in(req.input, "Tags"))?;
            json!({})
        }
        "UntagMFADevice" => {
            iam.untag_mfa_device(acct, serial()?, &input.strings("TagKeys"))?;
            json!({})
        }
        "ListMFADeviceTags" => {
            let tags = iam.mfa_device_tags(acct, serial()?)?;
            json!({"Tags": tags_out(&tags), "IsTruncated": false})
        }
        "DeactivateMFADevice" => {
            let Some(user) = self_or_named()? else {
                // The root user has no MFA devices in gitward.
                return Err(ApiError::from(gitward_iam::IamError::NoSuchEntity(
                    format!(
                        "MFA device with serial number {} is not assigned to the root user.",
                        serial()?
                    ),
                )));
            };
            iam.deactivate_mfa_device(acct, user, serial()?)?;
            json!({})
        }
        "DeleteVirtualMFADevice" => {
            iam.delete_virtual_mfa_device(acct, serial()?)?;
            json!({})
        }
        "ListMFADevices" => match self_or_named()? {
            Some(user) => {
                let (user, page) = iam.list_mfa_devices(acct, user, marker, max)?;
                list("MFADevices", &page, |d| {
                    json!({
                        "UserName": user.name,
                        "SerialNumber": d.serial(),
                        "EnableDate": d.enabled.map(iso8601),
                    })
                })
            }
            None => json!({"MFADevices": [], "IsTruncated": false}),
        },
        "ListVirtualMFADevices" => {
            let page =
                iam.list_virtual_mfa_devices(acct, input.opt("AssignmentStatus"), marker, max)?;
            list("VirtualMFADevices", &page, |(d, u)| {
                virtual_out(d, u.as_ref())
            })
        }
        other => return Err(ApiError::unknown_operation(Service::Iam, other)),
    };
    Ok(out)
}
