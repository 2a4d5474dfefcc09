//! `IamStore` for SQLite.

use crate::Db;
use crate::db::Cached as _;
use gitward_core::{AccountId, Secret, StoreError};
use gitward_iam::{
    AccessKey, Account, Group, IamStore, KeyStatus, LastUsed, ManagedPolicy, OwnerKind,
    PolicyVersion, Role, ServiceCredential, SshPublicKey, Tag, User,
};
use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict
        }
        other => StoreError::Backend(other.to_string()),
    }
}

pub(crate) fn ts(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

pub(crate) fn from_ts(s: i64) -> rusqlite::Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Integer, Box::new(e))
    })
}

pub(crate) fn account_id(s: String) -> rusqlite::Result<AccountId> {
    AccountId::parse(&s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

const USER_COLS: &str = "account_id, name, user_id, path, created_at, boundary_arn";

fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        account: account_id(r.get(0)?)?,
        name: r.get(1)?,
        user_id: r.get(2)?,
        path: r.get(3)?,
        created: from_ts(r.get(4)?)?,
        boundary_arn: r.get(5)?,
    })
}

const ROLE_COLS: &str = "account_id, name, role_id, path, created_at, trust_policy, description, max_session_duration, boundary_arn, last_used_at, last_used_region";

fn role_row(r: &Row<'_>) -> rusqlite::Result<Role> {
    let last_at: Option<i64> = r.get(9)?;
    let last_region: Option<String> = r.get(10)?;
    Ok(Role {
        account: account_id(r.get(0)?)?,
        name: r.get(1)?,
        role_id: r.get(2)?,
        path: r.get(3)?,
        created: from_ts(r.get(4)?)?,
        trust_policy: r.get(5)?,
        description: r.get(6)?,
        max_session_duration: r.get(7)?,
        boundary_arn: r.get(8)?,
        last_used: match (last_at, last_region) {
            (Some(at), Some(region)) => Some((from_ts(at)?, region)),
            _ => None,
        },
    })
}

const GROUP_COLS: &str = "account_id, name, group_id, path, created_at";

fn group_row(r: &Row<'_>) -> rusqlite::Result<Group> {
    Ok(Group {
        account: account_id(r.get(0)?)?,
        name: r.get(1)?,
        group_id: r.get(2)?,
        path: r.get(3)?,
        created: from_ts(r.get(4)?)?,
    })
}

const KEY_COLS: &str = "k.access_key_id, k.account_id, u.name, k.status, k.created_at, k.last_used_at, k.last_used_service, k.last_used_region, k.secret_sealed";

fn key_row(r: &Row<'_>) -> rusqlite::Result<(AccessKey, Vec<u8>)> {
    let status: String = r.get(3)?;
    let last_used = match r.get::<_, Option<i64>>(5)? {
        Some(at) => Some(LastUsed {
            at: from_ts(at)?,
            service: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
            region: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok((
        AccessKey {
            id: r.get(0)?,
            account: account_id(r.get(1)?)?,
            user: r.get(2)?,
            status: KeyStatus::parse(&status).unwrap_or(KeyStatus::Inactive),
            created: from_ts(r.get(4)?)?,
            last_used,
        },
        r.get(8)?,
    ))
}

const POLICY_COLS: &str = "arn, account_id, name, policy_id, path, description, default_version, next_version, created_at, updated_at";

fn policy_row(r: &Row<'_>) -> rusqlite::Result<ManagedPolicy> {
    Ok(ManagedPolicy {
        arn: r.get(0)?,
        account: account_id(r.get(1)?)?,
        name: r.get(2)?,
        policy_id: r.get(3)?,
        path: r.get(4)?,
        description: r.get(5)?,
        default_version: r.get(6)?,
        next_version: r.get(7)?,
        created: from_ts(r.get(8)?)?,
        updated: from_ts(r.get(9)?)?,
    })
}

fn version_row(r: &Row<'_>) -> rusqlite::Result<PolicyVersion> {
    Ok(PolicyVersion {
        version_id: r.get(0)?,
        document: r.get(1)?,
        created: from_ts(r.get(2)?)?,
    })
}

pub(crate) fn lc(s: &str) -> String {
    s.to_lowercase()
}

impl IamStore for Db {
    fn insert_account(&self, account: &Account) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "INSERT INTO accounts (account_id, created_at) VALUES (?1, ?2)",
                params![account.id.as_str(), ts(account.created)],
            )
            .map(drop)
            .map_err(backend)
    }

    fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached(
                "SELECT account_id, created_at FROM accounts ORDER BY created_at, account_id",
            )
            .map_err(backend)?;
        let rows = st.query_map([], |r| {
            Ok(Account {
                id: account_id(r.get(0)?)?,
                created: from_ts(r.get(1)?)?,
            })
        });
        rows.and_then(Iterator::collect).map_err(backend)
    }

    fn get_account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        self.conn()
            .query_row_cached(
                "SELECT account_id, created_at FROM accounts WHERE account_id = ?1",
                [id.as_str()],
                |r| {
                    Ok(Account {
                        id: account_id(r.get(0)?)?,
                        created: from_ts(r.get(1)?)?,
                    })
                },
            )
            .optional()
            .map_err(backend)
    }

    fn insert_user(&self, u: &User) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "INSERT INTO users (account_id, name_lc, name, user_id, path, created_at, boundary_arn) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![u.account.as_str(), lc(&u.name), u.name, u.user_id, u.path, ts(u.created), u.boundary_arn],
            )
            .map(drop)
            .map_err(backend)
    }

    fn get_user(&self, account: &AccountId, name: &str) -> Result<Option<User>, StoreError> {
        self.conn()
            .query_row_cached(
                &format!("SELECT {USER_COLS} FROM users WHERE account_id = ?1 AND name_lc = ?2"),
                params![account.as_str(), lc(name)],
                user_row,
            )
            .optional()
            .map_err(backend)
    }

    fn list_users(&self, account: &AccountId) -> Result<Vec<User>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached(&format!(
                "SELECT {USER_COLS} FROM users WHERE account_id = ?1 ORDER BY name_lc"
            ))
            .map_err(backend)?;
        st.query_map([account.as_str()], user_row)
            .and_then(Iterator::collect)
            .map_err(backend)
    }

    fn update_user(
        &self,
        account: &AccountId,
        name: &str,
        new_name: &str,
        new_path: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        let (a, old, new) = (account.as_str(), lc(name), lc(new_name));
        tx.execute_cached(
            "UPDATE users SET name = ?3, name_lc = ?4, path = ?5 WHERE account_id = ?1 AND name_lc = ?2",
            params![a, old, new_name, new, new_path],
        )
        .map_err(backend)?;
        if old != new {
            tx.execute_cached(
                "UPDATE group_members SET user_lc = ?3 WHERE account_id = ?1 AND user_lc = ?2",
                params![a, old, new],
            )
            .map_err(backend)?;
            tx.execute_cached(
                "UPDATE access_keys SET user_lc = ?3 WHERE account_id = ?1 AND user_lc = ?2",
                params![a, old, new],
            )
            .map_err(backend)?;
            tx.execute(
                "UPDATE mfa_devices SET user_lc = ?3 WHERE account_id = ?1 AND user_lc = ?2",
                params![a, old, new],
            )
            .map_err(backend)?;
            tx.execute(
                "UPDATE ssh_public_keys SET user_lc = ?3 WHERE account_id = ?1 AND user_lc = ?2",
                params![a, old, new],
            )
            .map_err(backend)?;
            for table in ["tags", "attachments", "inline_policies"] {
                tx.execute_cached(
                    &format!("UPDATE {table} SET owner_lc = ?3 WHERE account_id = ?1 AND kind = 'user' AND owner_lc = ?2"),
                    params![a, old, new],
                )
                .map_err(backend)?;
            }
        }
        // Git credentials follow the user, and their login name (`<user>-at-<account>`) follows
        // the new spelling (even a change of case only), so the user's Git access survives.
        tx.execute(
            "UPDATE service_credentials SET user_lc = ?3, service_user_name = ?4 || '-at-' || ?1
             WHERE account_id = ?1 AND user_lc = ?2",
            params![a, old, new, new_name],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)
    }

    fn set_user_boundary(
        &self,
        account: &AccountId,
        name: &str,
        boundary_arn: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "UPDATE users SET boundary_arn = ?3 WHERE account_id = ?1 AND name_lc = ?2",
                params![account.as_str(), lc(name), boundary_arn],
            )
            .map(drop)
            .map_err(backend)
    }

    fn delete_user(&self, account: &AccountId, name: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        let (a, n) = (account.as_str(), lc(name));
        tx.execute_cached(
            "DELETE FROM tags WHERE account_id = ?1 AND kind = 'user' AND owner_lc = ?2",
            params![a, n],
        )
        .map_err(backend)?;
        tx.execute_cached(
            "DELETE FROM users WHERE account_id = ?1 AND name_lc = ?2",
            params![a, n],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)
    }

    fn get_tags(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
    ) -> Result<Vec<Tag>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached("SELECT key, value FROM tags WHERE account_id = ?1 AND kind = ?2 AND owner_lc = ?3 ORDER BY position")
            .map_err(backend)?;
        st.query_map(params![account.as_str(), kind.as_str(), lc(owner)], |r| {
            Ok(Tag {
                key: r.get(0)?,
                value: r.get(1)?,
            })
        })
        .and_then(Iterator::collect)
        .map_err(backend)
    }

    fn put_tags(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        tags: &[Tag],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        for t in tags {
            tx.execute_cached(
                "INSERT INTO tags (account_id, kind, owner_lc, key_lc, key, value, position)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT COALESCE(MAX(position), 0) + 1 FROM tags WHERE account_id = ?1 AND kind = ?2 AND owner_lc = ?3))
                 ON CONFLICT (account_id, kind, owner_lc, key_lc) DO UPDATE SET key = excluded.key, value = excluded.value",
                params![account.as_str(), kind.as_str(), lc(owner), lc(&t.key), t.key, t.value],
            )
            .map_err(backend)?;
        }
        tx.commit().map_err(backend)
    }

    fn remove_tags(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        keys: &[String],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        for k in keys {
            tx.execute_cached(
                "DELETE FROM tags WHERE account_id = ?1 AND kind = ?2 AND owner_lc = ?3 AND key_lc = ?4",
                params![account.as_str(), kind.as_str(), lc(owner), lc(k)],
            )
            .map_err(backend)?;
        }
        tx.commit().map_err(backend)
    }

    fn insert_group(&self, g: &Group) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "INSERT INTO groups (account_id, name_lc, name, group_id, path, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![g.account.as_str(), lc(&g.name), g.name, g.group_id, g.path, ts(g.created)],
            )
            .map(drop)
            .map_err(backend)
    }

    fn get_group(&self, account: &AccountId, name: &str) -> Result<Option<Group>, StoreError> {
        self.conn()
            .query_row_cached(
                &format!("SELECT {GROUP_COLS} FROM groups WHERE account_id = ?1 AND name_lc = ?2"),
                params![account.as_str(), lc(name)],
                group_row,
            )
            .optional()
            .map_err(backend)
    }

    fn list_groups(&self, account: &AccountId) -> Result<Vec<Group>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached(&format!(
                "SELECT {GROUP_COLS} FROM groups WHERE account_id = ?1 ORDER BY name_lc"
            ))
            .map_err(backend)?;
        st.query_map([account.as_str()], group_row)
            .and_then(Iterator::collect)
            .map_err(backend)
    }

    fn delete_group(&self, account: &AccountId, name: &str) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "DELETE FROM groups WHERE account_id = ?1 AND name_lc = ?2",
                params![account.as_str(), lc(name)],
            )
            .map(drop)
            .map_err(backend)
    }

    fn add_member(&self, account: &AccountId, group: &str, user: &str) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "INSERT OR IGNORE INTO group_members (account_id, group_lc, user_lc) VALUES (?1, ?2, ?3)",
                params![account.as_str(), lc(group), lc(user)],
            )
            .map(drop)
            .map_err(backend)
    }

    fn remove_member(
        &self,
        account: &AccountId,
        group: &str,
        user: &str,
    ) -> Result<bool, StoreError> {
        self.conn()
            .execute_cached(
                "DELETE FROM group_members WHERE account_id = ?1 AND group_lc = ?2 AND user_lc = ?3",
                params![account.as_str(), lc(group), lc(user)],
            )
            .map(|n| n > 0)
            .map_err(backend)
    }

    fn group_members(&self, account: &AccountId, group: &str) -> Result<Vec<User>, StoreError> {
        let conn = self.conn();
        let cols = USER_COLS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut st = conn
            .prepare_cached(&format!(
                "SELECT {cols} FROM group_members m JOIN users u ON u.account_id = m.account_id AND u.name_lc = m.user_lc
                 WHERE m.account_id = ?1 AND m.group_lc = ?2 ORDER BY u.name_lc"
            ))
            .map_err(backend)?;
        st.query_map(params![account.as_str(), lc(group)], user_row)
            .and_then(Iterator::collect)
            .map_err(backend)
    }

    fn groups_for_user(&self, account: &AccountId, user: &str) -> Result<Vec<Group>, StoreError> {
        let conn = self.conn();
        let cols = GROUP_COLS
            .split(", ")
            .map(|c| format!("g.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut st = conn
            .prepare_cached(&format!(
                "SELECT {cols} FROM group_members m JOIN groups g ON g.account_id = m.account_id AND g.name_lc = m.group_lc
                 WHERE m.account_id = ?1 AND m.user_lc = ?2 ORDER BY g.name_lc"
            ))
            .map_err(backend)?;
        st.query_map(params![account.as_str(), lc(user)], group_row)
            .and_then(Iterator::collect)
            .map_err(backend)
    }

    fn insert_role(&self, r: &Role) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "INSERT INTO roles (account_id, name_lc, name, role_id, path, created_at, trust_policy, description, max_session_duration, boundary_arn) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![r.account.as_str(), lc(&r.name), r.name, r.role_id, r.path, ts(r.created), r.trust_policy, r.description, r.max_session_duration, r.boundary_arn],
            )
            .map(drop)
            .map_err(backend)
    }

    fn get_role(&self, account: &AccountId, name: &str) -> Result<Option<Role>, StoreError> {
        self.conn()
            .query_row_cached(
                &format!("SELECT {ROLE_COLS} FROM roles WHERE account_id = ?1 AND name_lc = ?2"),
                params![account.as_str(), lc(name)],
                role_row,
            )
            .optional()
            .map_err(backend)
    }

    fn list_roles(&self, account: &AccountId) -> Result<Vec<Role>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached(&format!(
                "SELECT {ROLE_COLS} FROM roles WHERE account_id = ?1 ORDER BY name_lc"
            ))
            .map_err(backend)?;
        st.query_map([account.as_str()], role_row)
            .and_then(Iterator::collect)
            .map_err(backend)
    }

    fn update_role(&self, r: &Role) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "UPDATE roles SET trust_policy = ?3, description = ?4, max_session_duration = ?5, boundary_arn = ?6 WHERE account_id = ?1 AND name_lc = ?2",
                params![r.account.as_str(), lc(&r.name), r.trust_policy, r.description, r.max_session_duration, r.boundary_arn],
            )
            .map(drop)
            .map_err(backend)
    }

    fn record_role_use(
        &self,
        account: &AccountId,
        name: &str,
        at: OffsetDateTime,
        region: &str,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "UPDATE roles SET last_used_at = ?3, last_used_region = ?4 WHERE account_id = ?1 AND name_lc = ?2",
                params![account.as_str(), lc(name), ts(at), region],
            )
            .map(drop)
            .map_err(backend)
    }

    fn delete_role(&self, account: &AccountId, name: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        let (a, n) = (account.as_str(), lc(name));
        tx.execute_cached(
            "DELETE FROM tags WHERE account_id = ?1 AND kind = 'role' AND owner_lc = ?2",
            params![a, n],
        )
        .map_err(backend)?;
        tx.execute_cached(
            "DELETE FROM roles WHERE account_id = ?1 AND name_lc = ?2",
            params![a, n],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)
    }

    fn insert_access_key(&self, key: &AccessKey, secret: &Secret) -> Result<(), StoreError> {
        let sealed = self
            .key
            .seal(secret, &key.id)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        self.conn()
            .execute_cached(
                "INSERT INTO access_keys (access_key_id, account_id, user_lc, status, created_at, secret_sealed) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![key.id, key.account.as_str(), key.user.as_deref().map(lc), key.status.as_str(), ts(key.created), sealed],
            )
            .map(drop)
            .map_err(backend)
    }

    fn get_access_key(&self, id: &str) -> Result<Option<(AccessKey, Secret)>, StoreError> {
        let row = self
            .conn()
            .query_row_cached(
                &format!(
                    "SELECT {KEY_COLS} FROM access_keys k LEFT JOIN users u ON u.account_id = k.account_id AND u.name_lc = k.user_lc
                     WHERE k.access_key_id = ?1"
                ),
                [id],
                key_row,
            )
            .optional()
            .map_err(backend)?;
        match row {
            None => Ok(None),
            Some((key, sealed)) => {
                let secret = self
                    .key
                    .open(&sealed, &key.id)
                    .map_err(|e| StoreError::Backend(e.to_string()))?;
                Ok(Some((key, secret)))
            }
        }
    }

    fn list_access_keys(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<Vec<AccessKey>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached(&format!(
                "SELECT {KEY_COLS} FROM access_keys k LEFT JOIN users u ON u.account_id = k.account_id AND u.name_lc = k.user_lc
                 WHERE k.account_id = ?1 AND k.user_lc IS ?2 ORDER BY k.created_at, k.access_key_id"
            ))
            .map_err(backend)?;
        st.query_map(params![account.as_str(), user.map(lc)], |r| {
            key_row(r).map(|(k, _)| k)
        })
        .and_then(Iterator::collect)
        .map_err(backend)
    }

    fn set_access_key_status(&self, id: &str, status: KeyStatus) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "UPDATE access_keys SET status = ?2 WHERE access_key_id = ?1",
                params![id, status.as_str()],
            )
            .map(drop)
            .map_err(backend)
    }

    fn delete_access_key(&self, id: &str) -> Result<(), StoreError> {
        self.conn()
            .execute_cached("DELETE FROM access_keys WHERE access_key_id = ?1", [id])
            .map(drop)
            .map_err(backend)
    }

    fn record_access_key_use(
        &self,
        id: &str,
        at: OffsetDateTime,
        service: &str,
        region: &str,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "UPDATE access_keys SET last_used_at = ?2, last_used_service = ?3, last_used_region = ?4 WHERE access_key_id = ?1",
                params![id, ts(at), service, region],
            )
            .map(drop)
            .map_err(backend)
    }

    fn insert_policy(&self, p: &ManagedPolicy, first: &PolicyVersion) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        tx.execute_cached(
            &format!("INSERT INTO policies ({POLICY_COLS}, name_lc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
            params![
                p.arn,
                p.account.as_str(),
                p.name,
                p.policy_id,
                p.path,
                p.description,
                p.default_version,
                p.next_version,
                ts(p.created),
                ts(p.updated),
                lc(&p.name)
            ],
        )
        .map_err(backend)?;
        tx.execute_cached(
            "INSERT INTO policy_versions (arn, version_id, document, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![p.arn, first.version_id, first.document, ts(first.created)],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)
    }

    fn get_policy(&self, arn: &str) -> Result<Option<ManagedPolicy>, StoreError> {
        self.conn()
            .query_row_cached(
                &format!("SELECT {POLICY_COLS} FROM policies WHERE arn = ?1"),
                [arn],
                policy_row,
            )
            .optional()
            .map_err(backend)
    }

    fn list_policies(&self, account: &AccountId) -> Result<Vec<ManagedPolicy>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached(&format!(
                "SELECT {POLICY_COLS} FROM policies WHERE account_id = ?1 ORDER BY name"
            ))
            .map_err(backend)?;
        st.query_map([account.as_str()], policy_row)
            .and_then(Iterator::collect)
            .map_err(backend)
    }

    fn delete_policy(&self, arn: &str) -> Result<(), StoreError> {
        self.conn()
            .execute_cached("DELETE FROM policies WHERE arn = ?1", [arn])
            .map(drop)
            .map_err(backend)
    }

    fn insert_policy_version(
        &self,
        arn: &str,
        v: &PolicyVersion,
        set_default: bool,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        tx.execute_cached(
            "INSERT INTO policy_versions (arn, version_id, document, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![arn, v.version_id, v.document, ts(v.created)],
        )
        .map_err(backend)?;
        tx.execute_cached(
            "UPDATE policies SET next_version = next_version + 1, updated_at = ?2,
             default_version = CASE WHEN ?3 THEN ?4 ELSE default_version END WHERE arn = ?1",
            params![arn, ts(at), set_default, v.version_id],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)
    }

    fn get_policy_version(
        &self,
        arn: &str,
        version_id: &str,
    ) -> Result<Option<PolicyVersion>, StoreError> {
        self.conn()
            .query_row_cached(
                "SELECT version_id, document, created_at FROM policy_versions WHERE arn = ?1 AND version_id = ?2",
                params![arn, version_id],
                version_row,
            )
            .optional()
            .map_err(backend)
    }

    fn list_policy_versions(&self, arn: &str) -> Result<Vec<PolicyVersion>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached("SELECT version_id, document, created_at FROM policy_versions WHERE arn = ?1 ORDER BY CAST(SUBSTR(version_id, 2) AS INTEGER) DESC")
            .map_err(backend)?;
        st.query_map([arn], version_row)
            .and_then(Iterator::collect)
            .map_err(backend)
    }

    fn set_default_version(
        &self,
        arn: &str,
        version_id: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "UPDATE policies SET default_version = ?2, updated_at = ?3 WHERE arn = ?1",
                params![arn, version_id, ts(at)],
            )
            .map(drop)
            .map_err(backend)
    }

    fn delete_policy_version(&self, arn: &str, version_id: &str) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "DELETE FROM policy_versions WHERE arn = ?1 AND version_id = ?2",
                params![arn, version_id],
            )
            .map(drop)
            .map_err(backend)
    }

    fn attach(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        policy_arn: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "INSERT OR IGNORE INTO attachments (account_id, kind, owner_lc, policy_arn, attached_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![account.as_str(), kind.as_str(), lc(owner), policy_arn, ts(at)],
            )
            .map(drop)
            .map_err(backend)
    }

    fn detach(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        policy_arn: &str,
    ) -> Result<bool, StoreError> {
        self.conn()
            .execute_cached(
                "DELETE FROM attachments WHERE account_id = ?1 AND kind = ?2 AND owner_lc = ?3 AND policy_arn = ?4",
                params![account.as_str(), kind.as_str(), lc(owner), policy_arn],
            )
            .map(|n| n > 0)
            .map_err(backend)
    }

    fn list_attached(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
    ) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached(
                "SELECT policy_arn FROM attachments WHERE account_id = ?1 AND kind = ?2 AND owner_lc = ?3 ORDER BY attached_at, policy_arn",
            )
            .map_err(backend)?;
        st.query_map(params![account.as_str(), kind.as_str(), lc(owner)], |r| {
            r.get(0)
        })
        .and_then(Iterator::collect)
        .map_err(backend)
    }

    fn entities_for_policy(
        &self,
        account: &AccountId,
        policy_arn: &str,
    ) -> Result<Vec<(OwnerKind, String)>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached(
                "SELECT a.kind, COALESCE(u.name, g.name, r.name) FROM attachments a
                 LEFT JOIN users u ON a.kind = 'user' AND u.account_id = a.account_id AND u.name_lc = a.owner_lc
                 LEFT JOIN groups g ON a.kind = 'group' AND g.account_id = a.account_id AND g.name_lc = a.owner_lc
                 LEFT JOIN roles r ON a.kind = 'role' AND r.account_id = a.account_id AND r.name_lc = a.owner_lc
                 WHERE a.account_id = ?1 AND a.policy_arn = ?2 ORDER BY a.kind, a.owner_lc",
            )
            .map_err(backend)?;
        let rows = st.query_map(params![account.as_str(), policy_arn], |r| {
            let kind: String = r.get(0)?;
            let name: Option<String> = r.get(1)?;
            Ok((kind, name))
        });
        let rows: Vec<(String, Option<String>)> =
            rows.and_then(Iterator::collect).map_err(backend)?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, name)| {
                let kind = match kind.as_str() {
                    "user" => OwnerKind::User,
                    "role" => OwnerKind::Role,
                    _ => OwnerKind::Group,
                };
                name.map(|n| (kind, n))
            })
            .collect())
    }

    fn attachment_count(&self, account: &AccountId, policy_arn: &str) -> Result<u32, StoreError> {
        self.conn()
            .query_row_cached(
                "SELECT COUNT(*) FROM attachments WHERE account_id = ?1 AND policy_arn = ?2",
                params![account.as_str(), policy_arn],
                |r| r.get(0),
            )
            .map_err(backend)
    }

    fn put_inline(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        name: &str,
        document: &str,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "INSERT INTO inline_policies (account_id, kind, owner_lc, name, document) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (account_id, kind, owner_lc, name) DO UPDATE SET document = excluded.document",
                params![account.as_str(), kind.as_str(), lc(owner), name, document],
            )
            .map(drop)
            .map_err(backend)
    }

    fn get_inline(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        name: &str,
    ) -> Result<Option<String>, StoreError> {
        self.conn()
            .query_row_cached(
                "SELECT document FROM inline_policies WHERE account_id = ?1 AND kind = ?2 AND owner_lc = ?3 AND name = ?4",
                params![account.as_str(), kind.as_str(), lc(owner), name],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)
    }

    fn delete_inline(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
        name: &str,
    ) -> Result<bool, StoreError> {
        self.conn()
            .execute_cached(
                "DELETE FROM inline_policies WHERE account_id = ?1 AND kind = ?2 AND owner_lc = ?3 AND name = ?4",
                params![account.as_str(), kind.as_str(), lc(owner), name],
            )
            .map(|n| n > 0)
            .map_err(backend)
    }

    fn list_inline(
        &self,
        account: &AccountId,
        kind: OwnerKind,
        owner: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached("SELECT name, document FROM inline_policies WHERE account_id = ?1 AND kind = ?2 AND owner_lc = ?3 ORDER BY name")
            .map_err(backend)?;
        st.query_map(params![account.as_str(), kind.as_str(), lc(owner)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .and_then(Iterator::collect)
        .map_err(backend)
    }

    fn insert_service_credential(
        &self,
        c: &ServiceCredential,
        password: &Secret,
    ) -> Result<(), StoreError> {
        let hash = self.key.keyed_hash(SERVICE_PASSWORD, password);
        self.conn()
            .execute_cached(
                "INSERT INTO service_credentials (credential_id, account_id, user_lc, service_name, service_user_name, status, created_at, password_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![c.id, c.account.as_str(), lc(&c.user), c.service_name, c.service_user_name, c.status.as_str(), ts(c.created), hash.as_slice()],
            )
            .map(drop)
            .map_err(backend)
    }

    fn list_service_credentials(
        &self,
        account: &AccountId,
        user: &str,
    ) -> Result<Vec<ServiceCredential>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached(
                "SELECT c.credential_id, c.account_id, u.name, c.service_name, c.service_user_name, c.status, c.created_at
                 FROM service_credentials c JOIN users u ON u.account_id = c.account_id AND u.name_lc = c.user_lc
                 WHERE c.account_id = ?1 AND c.user_lc = ?2 ORDER BY c.created_at, c.credential_id",
            )
            .map_err(backend)?;
        st.query_map(params![account.as_str(), lc(user)], |r| {
            let status: String = r.get(5)?;
            Ok(ServiceCredential {
                id: r.get(0)?,
                account: account_id(r.get(1)?)?,
                user: r.get(2)?,
                service_name: r.get(3)?,
                service_user_name: r.get(4)?,
                status: KeyStatus::parse(&status).unwrap_or(KeyStatus::Inactive),
                created: from_ts(r.get(6)?)?,
            })
        })
        .and_then(Iterator::collect)
        .map_err(backend)
    }

    fn set_service_credential_status(&self, id: &str, status: KeyStatus) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "UPDATE service_credentials SET status = ?2 WHERE credential_id = ?1",
                params![id, status.as_str()],
            )
            .map(drop)
            .map_err(backend)
    }

    fn reset_service_credential(&self, id: &str, password: &Secret) -> Result<(), StoreError> {
        let hash = self.key.keyed_hash(SERVICE_PASSWORD, password);
        self.conn()
            .execute_cached(
                "UPDATE service_credentials SET password_hash = ?2 WHERE credential_id = ?1",
                params![id, hash.as_slice()],
            )
            .map(drop)
            .map_err(backend)
    }

    fn delete_service_credential(&self, id: &str) -> Result<(), StoreError> {
        self.conn()
            .execute_cached(
                "DELETE FROM service_credentials WHERE credential_id = ?1",
                [id],
            )
            .map(drop)
            .map_err(backend)
    }

    fn check_service_credential_password(
        &self,
        id: &str,
        password: &Secret,
    ) -> Result<bool, StoreError> {
        use subtle::ConstantTimeEq;
        let stored: Option<Vec<u8>> = self
            .conn()
            .query_row_cached(
                "SELECT password_hash FROM service_credentials WHERE credential_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?;
        let Some(stored) = stored else {
            return Ok(false);
        };
        let given = self.key.keyed_hash(SERVICE_PASSWORD, password);
        Ok(stored.len() == given.len() && bool::from(stored.as_slice().ct_eq(&given)))
    }
    fn insert_ssh_public_key(&self, k: &SshPublicKey) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO ssh_public_keys (key_id, account_id, user_lc, fingerprint, key_blob, status, uploaded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![k.id, k.account.as_str(), lc(&k.user), k.fingerprint, k.blob, k.status.as_str(), ts(k.uploaded)],
            )
            .map(drop)
            .map_err(backend)
    }

    fn list_ssh_public_keys(
        &self,
        account: &AccountId,
        user: &str,
    ) -> Result<Vec<SshPublicKey>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare(&format!(
                "{SSH_KEY_SELECT} WHERE k.account_id = ?1 AND k.user_lc = ?2 ORDER BY k.uploaded_at, k.key_id"
            ))
            .map_err(backend)?;
        st.query_map(params![account.as_str(), lc(user)], ssh_key_row)
            .and_then(Iterator::collect)
            .map_err(backend)
    }

    fn ssh_public_key(&self, id: &str) -> Result<Option<SshPublicKey>, StoreError> {
        self.conn()
            .query_row(
                &format!("{SSH_KEY_SELECT} WHERE k.key_id = ?1"),
                [id],
                ssh_key_row,
            )
            .optional()
            .map_err(backend)
    }

    fn set_ssh_public_key_status(&self, id: &str, status: KeyStatus) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE ssh_public_keys SET status = ?2 WHERE key_id = ?1",
                params![id, status.as_str()],
            )
            .map(drop)
            .map_err(backend)
    }

    fn delete_ssh_public_key(&self, id: &str) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM ssh_public_keys WHERE key_id = ?1", [id])
            .map(drop)
            .map_err(backend)
    }
}

/// SSH public keys with their owner's canonical name (keys of a deleted user have none and
/// are never returned).
const SSH_KEY_SELECT: &str =
    "SELECT k.key_id, k.account_id, u.name, k.fingerprint, k.key_blob, k.status, k.uploaded_at
     FROM ssh_public_keys k JOIN users u ON u.account_id = k.account_id AND u.name_lc = k.user_lc";

fn ssh_key_row(r: &Row<'_>) -> rusqlite::Result<SshPublicKey> {
    let status: String = r.get(5)?;
    Ok(SshPublicKey {
        id: r.get(0)?,
        account: account_id(r.get(1)?)?,
        user: r.get(2)?,
        fingerprint: r.get(3)?,
        blob: r.get(4)?,
        status: KeyStatus::parse(&status).unwrap_or(KeyStatus::Inactive),
        uploaded: from_ts(r.get(6)?)?,
    })
}

/// The purpose string of Git credentials password hashes (see `MasterKey::keyed_hash`).
const SERVICE_PASSWORD: &str = "gitward service-specific credential password v1";
