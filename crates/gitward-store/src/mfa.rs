//! `MfaStore` for SQLite: virtual MFA devices, their seeds sealed under the master key.

use crate::Db;
use crate::iam::{account_id, backend, from_ts, lc, ts};
use gitward_core::{AccountId, Secret, StoreError};
use gitward_iam::{MfaDevice, MfaStore, Tag};
use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;

const COLS: &str = "d.account_id, d.name, d.path, d.created_at, u.name, d.enabled_at, d.last_step, d.drift_steps, d.tags, d.seed_sealed, d.serial, d.failed_attempts, d.last_failure_at";
/// The device row with its user's canonical name (the row keeps the lower-cased one).
const FROM: &str =
    "mfa_devices d LEFT JOIN users u ON u.account_id = d.account_id AND u.name_lc = d.user_lc";

/// The context a seed is sealed under: its device's serial number.
fn seal_context(serial: &str) -> String {
    format!("mfa-seed:{serial}")
}

fn tags_json(tags: &[Tag]) -> String {
    serde_json::Value::Array(
        tags.iter()
            .map(|t| serde_json::json!({"Key": t.key, "Value": t.value}))
            .collect(),
    )
    .to_string()
}

fn tags_from_json(text: &str) -> Vec<Tag> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str(text) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|t| Tag {
            key: t
                .get("Key")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            value: t
                .get("Value")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        })
        .collect()
}

fn step_col(v: Option<i64>) -> Option<u64> {
    v.and_then(|s| u64::try_from(s).ok())
}

fn step_param(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

/// A device row: the device, its sealed seed and its serial.
fn device_row(r: &Row<'_>) -> rusqlite::Result<(MfaDevice, Vec<u8>, String)> {
    let enabled: Option<i64> = r.get(5)?;
    let tags: String = r.get(8)?;
    let failed: i64 = r.get(11)?;
    let last_failure: Option<i64> = r.get(12)?;
    Ok((
        MfaDevice {
            account: account_id(r.get(0)?)?,
            name: r.get(1)?,
            path: r.get(2)?,
            created: from_ts(r.get(3)?)?,
            user: r.get(4)?,
            enabled: enabled.map(from_ts).transpose()?,
            last_step: step_col(r.get(6)?),
            drift_steps: r.get(7)?,
            failed_attempts: u32::try_from(failed).unwrap_or(u32::MAX),
            last_failure: last_failure.map(from_ts).transpose()?,
            tags: tags_from_json(&tags),
        },
        r.get(9)?,
        r.get(10)?,
    ))
}

impl MfaStore for Db {
    fn insert_mfa_device(&self, d: &MfaDevice, seed: &Secret) -> Result<(), StoreError> {
        let serial = d.serial();
        let sealed = self
            .key
            .seal(seed, &seal_context(&serial))
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        self.conn()
            .execute(
                "INSERT INTO mfa_devices (account_id, name_lc, name, path, serial, created_at, seed_sealed, tags)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    d.account.as_str(),
                    lc(&d.name),
                    d.name,
                    d.path,
                    serial,
                    ts(d.created),
                    sealed,
                    tags_json(&d.tags)
                ],
            )
            .map(drop)
            .map_err(backend)
    }

    fn get_mfa_device(
        &self,
        account: &AccountId,
        serial: &str,
    ) -> Result<Option<(MfaDevice, Secret)>, StoreError> {
        let row = self
            .conn()
            .query_row(
                &format!("SELECT {COLS} FROM {FROM} WHERE d.account_id = ?1 AND d.serial = ?2"),
                params![account.as_str(), serial],
                device_row,
            )
            .optional()
            .map_err(backend)?;
        let Some((device, sealed, serial)) = row else {
            return Ok(None);
        };
        let seed = self
            .key
            .open(&sealed, &seal_context(&serial))
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(Some((device, seed)))
    }

    fn list_mfa_devices(&self, account: &AccountId) -> Result<Vec<MfaDevice>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare(&format!(
                "SELECT {COLS} FROM {FROM} WHERE d.account_id = ?1 ORDER BY d.name_lc"
            ))
            .map_err(backend)?;
        st.query_map([account.as_str()], device_row)
            .map_err(backend)?
            .map(|r| r.map(|(d, _, _)| d).map_err(backend))
            .collect()
    }

    fn assign_mfa_device(
        &self,
        account: &AccountId,
        serial: &str,
        user: &str,
        at: OffsetDateTime,
        step: u64,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "UPDATE mfa_devices SET user_lc = ?3, enabled_at = ?4, drift_steps = 0, failed_attempts = 0,
                     last_step = MAX(COALESCE(last_step, -1), ?5)
                 WHERE account_id = ?1 AND serial = ?2 AND user_lc IS NULL",
                params![account.as_str(), serial, lc(user), ts(at), step_param(step)],
            )
            .map_err(backend)?;
        Ok(n == 1)
    }

    fn unassign_mfa_device(&self, account: &AccountId, serial: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE mfa_devices SET user_lc = NULL, enabled_at = NULL
                 WHERE account_id = ?1 AND serial = ?2",
                params![account.as_str(), serial],
            )
            .map(drop)
            .map_err(backend)
    }

    fn use_mfa_step(
        &self,
        account: &AccountId,
        serial: &str,
        step: u64,
        drift: Option<i64>,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "UPDATE mfa_devices SET last_step = ?3, drift_steps = COALESCE(?4, drift_steps),
                     failed_attempts = 0
                 WHERE account_id = ?1 AND serial = ?2 AND (last_step IS NULL OR last_step < ?3)",
                params![account.as_str(), serial, step_param(step), drift],
            )
            .map_err(backend)?;
        Ok(n == 1)
    }

    fn record_mfa_failure(
        &self,
        account: &AccountId,
        serial: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE mfa_devices SET failed_attempts = failed_attempts + 1, last_failure_at = ?3
                 WHERE account_id = ?1 AND serial = ?2",
                params![account.as_str(), serial, ts(at)],
            )
            .map(drop)
            .map_err(backend)
    }

    fn delete_mfa_device(&self, account: &AccountId, serial: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "DELETE FROM mfa_devices WHERE account_id = ?1 AND serial = ?2",
                params![account.as_str(), serial],
            )
            .map(drop)
            .map_err(backend)
    }

    fn set_mfa_tags(
        &self,
        account: &AccountId,
        serial: &str,
        tags: &[Tag],
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE mfa_devices SET tags = ?3 WHERE account_id = ?1 AND serial = ?2",
                params![account.as_str(), serial, tags_json(tags)],
            )
            .map(drop)
            .map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MasterKey;
    use gitward_iam::{Account, IamStore, User};

    fn db() -> (Db, AccountId) {
        let db = Db::open_in_memory(MasterKey::from_bytes([3; 32])).expect("db");
        let acct = AccountId::parse("123456789012").expect("acct");
        db.insert_account(&Account {
            id: acct.clone(),
            created: OffsetDateTime::UNIX_EPOCH,
        })
        .expect("account");
        db.insert_user(&User {
            account: acct.clone(),
            name: "Maria".to_owned(),
            user_id: "AIDAEXAMPLEMARIA0001".to_owned(),
            path: "/".to_owned(),
            created: OffsetDateTime::UNIX_EPOCH,
            boundary_arn: None,
        })
        .expect("user");
        (db, acct)
    }

    fn device(acct: &AccountId, name: &str) -> MfaDevice {
        MfaDevice {
            account: acct.clone(),
            name: name.to_owned(),
            path: "/team/".to_owned(),
            created: OffsetDateTime::UNIX_EPOCH,
            user: None,
            enabled: None,
            last_step: None,
            drift_steps: 0,
            failed_attempts: 0,
            last_failure: None,
            tags: vec![Tag {
                key: "k".to_owned(),
                value: "v".to_owned(),
            }],
        }
    }

    #[test]
    fn devices_round_trip_with_sealed_seeds_and_unique_names() {
        let (db, acct) = db();
        let d = device(&acct, "Phone");
        let seed = Secret::new("JBSWY3DPEHPK3PXP");
        db.insert_mfa_device(&d, &seed).expect("insert");
        assert!(matches!(
            db.insert_mfa_device(&device(&acct, "phone"), &seed),
            Err(StoreError::Conflict)
        ));
        let serial = "arn:aws:iam::123456789012:mfa/team/Phone";
        let (got, got_seed) = db
            .get_mfa_device(&acct, serial)
            .expect("get")
            .expect("present");
        assert_eq!(got, d);
        assert_eq!(got_seed, seed);
        // The seed is not stored in the clear.
        let raw: Vec<u8> = db
            .conn()
            .query_row("SELECT seed_sealed FROM mfa_devices", [], |r| r.get(0))
            .expect("row");
        assert!(!raw.windows(16).any(|w| w == b"JBSWY3DPEHPK3PXP"));
        assert!(
            db.get_mfa_device(&acct, "arn:aws:iam::123456789012:mfa/Phone")
                .expect("get")
                .is_none()
        );
    }

    #[test]
    fn assignment_steps_and_renames() {
        let (db, acct) = db();
        db.insert_mfa_device(&device(&acct, "Phone"), &Secret::new("JBSWY3DPEHPK3PXP"))
            .expect("insert");
        let serial = "arn:aws:iam::123456789012:mfa/team/Phone";
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("t");
        assert!(
            db.assign_mfa_device(&acct, serial, "maria", at, 100)
                .expect("assign")
        );
        assert!(
            !db.assign_mfa_device(&acct, serial, "maria", at, 101)
                .expect("assign twice")
        );
        let listed = db.list_mfa_devices(&acct).expect("list");
        assert_eq!(listed[0].user.as_deref(), Some("Maria"));
        assert_eq!(listed[0].enabled, Some(at));
        assert_eq!(listed[0].last_step, Some(100));
        // Each step once, only forwards.
        assert!(!db.use_mfa_step(&acct, serial, 100, None).expect("use"));
        assert!(db.use_mfa_step(&acct, serial, 101, Some(-2)).expect("use"));
        assert!(!db.use_mfa_step(&acct, serial, 99, None).expect("use"));
        let d = db.list_mfa_devices(&acct).expect("list").remove(0);
        assert_eq!((d.last_step, d.drift_steps), (Some(101), -2));
        db.record_mfa_failure(&acct, serial, at).expect("failure");
        db.record_mfa_failure(&acct, serial, at).expect("failure");
        let d = db.list_mfa_devices(&acct).expect("list").remove(0);
        assert_eq!((d.failed_attempts, d.last_failure), (2, Some(at)));
        assert!(db.use_mfa_step(&acct, serial, 102, None).expect("use"));
        assert_eq!(
            db.list_mfa_devices(&acct).expect("list")[0].failed_attempts,
            0
        );
        db.update_user(&acct, "Maria", "Mary", "/").expect("rename");
        assert_eq!(
            db.list_mfa_devices(&acct).expect("list")[0].user.as_deref(),
            Some("Mary")
        );
        db.unassign_mfa_device(&acct, serial).expect("unassign");
        let d = db.list_mfa_devices(&acct).expect("list").remove(0);
        assert_eq!((d.user, d.enabled, d.last_step), (None, None, Some(102)));
        db.delete_mfa_device(&acct, serial).expect("delete");
        assert!(db.list_mfa_devices(&acct).expect("list").is_empty());
    }
}
