//! `RepoStore` for SQLite: tables `repositories` and `repository_tags` (migration 0002).

use crate::Db;
use crate::db::Cached as _;
use gitward_core::{AccountId, StoreError};
use gitward_git::{Inserted, RepoRecord, RepoStore, RepoUpdate, Tags, TagsPut};
use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use time::OffsetDateTime;

fn store_err(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict
        }
        other => StoreError::Backend(other.to_string()),
    }
}

fn from_ts(col: usize, s: i64) -> rusqlite::Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(s)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(col, Type::Integer, Box::new(e)))
}

const COLS: &str = "repository_id, account_id, region, name, description, default_branch, \
                    kms_key_id, created_at, modified_at";

fn repo_row(r: &Row<'_>) -> rusqlite::Result<RepoRecord> {
    let account: String = r.get(1)?;
    Ok(RepoRecord {
        id: r.get(0)?,
        account: AccountId::parse(&account)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(1, Type::Text, Box::new(e)))?,
        region: r.get(2)?,
        name: r.get(3)?,
        description: r.get(4)?,
        default_branch: r.get(5)?,
        kms_key_id: r.get(6)?,
        created: from_ts(7, r.get(7)?)?,
        last_modified: from_ts(8, r.get(8)?)?,
    })
}

impl RepoStore for Db {
    fn insert_repository(
        &self,
        rec: &RepoRecord,
        tags: &Tags,
        max_per_scope: usize,
    ) -> Result<Inserted, StoreError> {
        let mut conn = self.conn();
        // IMMEDIATE: the count and the insert see the same state even across processes.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(store_err)?;
        let count: i64 = tx
            .query_row_cached(
                "SELECT COUNT(*) FROM repositories WHERE account_id = ?1 AND region = ?2",
                params![rec.account.as_str(), rec.region],
                |r| r.get(0),
            )
            .map_err(store_err)?;
        if usize::try_from(count).unwrap_or(usize::MAX) >= max_per_scope {
            return Ok(Inserted::LimitReached);
        }
        tx.execute_cached(
            &format!(
                "INSERT INTO repositories ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ),
            params![
                rec.id,
                rec.account.as_str(),
                rec.region,
                rec.name,
                rec.description,
                rec.default_branch,
                rec.kms_key_id,
                rec.created.unix_timestamp(),
                rec.last_modified.unix_timestamp(),
            ],
        )
        .map_err(store_err)?;
        for (k, v) in tags {
            tx.execute_cached(
                "INSERT INTO repository_tags (repository_id, key, value) VALUES (?1, ?2, ?3)",
                params![rec.id, k, v],
            )
            .map_err(store_err)?;
        }
        tx.commit().map_err(store_err)?;
        Ok(Inserted::Done)
    }

    fn repository(
        &self,
        account: &AccountId,
        region: &str,
        name: &str,
    ) -> Result<Option<RepoRecord>, StoreError> {
        self.conn()
            .query_row_cached(
                &format!(
                    "SELECT {COLS} FROM repositories \
                     WHERE account_id = ?1 AND region = ?2 AND name = ?3"
                ),
                params![account.as_str(), region, name],
                repo_row,
            )
            .optional()
            .map_err(store_err)
    }

    fn repositories(
        &self,
        account: &AccountId,
        region: &str,
    ) -> Result<Vec<RepoRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLS} FROM repositories WHERE account_id = ?1 AND region = ?2"
            ))
            .map_err(store_err)?;
        let rows = stmt
            .query_map(params![account.as_str(), region], repo_row)
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(store_err)
    }

    fn delete_repository(&self, id: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(store_err)?;
        // Tags go explicitly too, so this holds even with foreign_keys off.
        tx.execute_cached(
            "DELETE FROM repository_tags WHERE repository_id = ?1",
            params![id],
        )
        .map_err(store_err)?;
        let n = tx
            .execute_cached(
                "DELETE FROM repositories WHERE repository_id = ?1",
                params![id],
            )
            .map_err(store_err)?;
        tx.commit().map_err(store_err)?;
        Ok(n > 0)
    }

    fn update_repository(
        &self,
        id: &str,
        update: &RepoUpdate,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let now = now.unix_timestamp();
        let conn = self.conn();
        let n = match update {
            RepoUpdate::Rename(name) => conn.execute_cached(
                "UPDATE repositories SET name = ?2, modified_at = ?3 WHERE repository_id = ?1",
                params![id, name, now],
            ),
            RepoUpdate::Description(d) => conn.execute_cached(
                "UPDATE repositories SET description = ?2, modified_at = ?3 \
                 WHERE repository_id = ?1",
                params![id, d, now],
            ),
            RepoUpdate::DefaultBranch(b) => conn.execute_cached(
                "UPDATE repositories SET default_branch = ?2, modified_at = ?3 \
                 WHERE repository_id = ?1",
                params![id, b, now],
            ),
            RepoUpdate::Touch => conn.execute_cached(
                "UPDATE repositories SET modified_at = ?2 WHERE repository_id = ?1",
                params![id, now],
            ),
        }
        .map_err(store_err)?;
        Ok(n > 0)
    }

    fn claim_default_branch(&self, id: &str, branch: &str) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute_cached(
                "UPDATE repositories SET default_branch = ?2 \
                 WHERE repository_id = ?1 AND default_branch IS NULL",
                params![id, branch],
            )
            .map_err(store_err)?;
        Ok(n > 0)
    }

    fn tags(&self, id: &str) -> Result<Tags, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT key, value FROM repository_tags WHERE repository_id = ?1")
            .map_err(store_err)?;
        let rows = stmt
            .query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Tags>>().map_err(store_err)
    }

    fn put_tags(&self, id: &str, tags: &Tags, max_tags: usize) -> Result<TagsPut, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(store_err)?;
        for (k, v) in tags {
            tx.execute_cached(
                "INSERT INTO repository_tags (repository_id, key, value) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (repository_id, key) DO UPDATE SET value = excluded.value",
                params![id, k, v],
            )
            .map_err(store_err)?;
        }
        let count: i64 = tx
            .query_row_cached(
                "SELECT COUNT(*) FROM repository_tags WHERE repository_id = ?1",
                params![id],
                |r| r.get(0),
            )
            .map_err(store_err)?;
        if usize::try_from(count).unwrap_or(usize::MAX) > max_tags {
            // Dropping the transaction rolls the inserts back.
            return Ok(TagsPut::TooMany);
        }
        tx.commit().map_err(store_err)?;
        Ok(TagsPut::Done)
    }

    fn remove_tags(&self, id: &str, keys: &[String]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(store_err)?;
        for k in keys {
            tx.execute_cached(
                "DELETE FROM repository_tags WHERE repository_id = ?1 AND key = ?2",
                params![id, k],
            )
            .map_err(store_err)?;
        }
        tx.commit().map_err(store_err)
    }
}
