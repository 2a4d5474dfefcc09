//! Opening the database and applying migrations.

use crate::crypto::MasterKey;
use rusqlite::{Connection, Params, Row};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Numbered migrations, applied in order, each once. Never edit a published one: add the next.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_iam.sql")),
    (2, include_str!("../migrations/0002_repos.sql")),
    (
        3,
        include_str!("../migrations/0003_service_credentials.sql"),
    ),
    (4, include_str!("../migrations/0004_roles.sql")),
];

/// Prepared statements kept per connection: more than the store has distinct statements, so
/// none is ever compiled twice.
const STATEMENT_CACHE: usize = 256;

/// Statements through the connection's prepared-statement cache: the store's SQL is a fixed
/// set of texts, so each is compiled once per connection instead of on every call.
pub(crate) trait Cached {
    /// [`Connection::execute`] with a cached statement.
    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// [`Connection::query_row`] with a cached statement.
    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// Errors from opening or migrating the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite refused.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database file could not be created.
    #[error("creating the database file: {0}")]
    Io(std::io::Error),
    /// The database was written by a newer gitward.
    #[error("database schema version {found} is newer than this gitward understands ({known})")]
    TooNew {
        /// Version found in the file.
        found: i64,
        /// Highest version this build knows.
        known: i64,
    },
}

/// The metadata database of one data dir.
///
/// All access goes through one connection behind a mutex: SQLite serialises writers anyway,
/// and metadata operations are short. Every store method is one transaction.
pub struct Db {
    conn: Mutex<Connection>,
    pub(crate) key: MasterKey,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

impl Db {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path, key: MasterKey) -> Result<Self, DbError> {
        // Create the file owner-only before SQLite does: its -wal and -shm files copy its mode.
        if !path.exists() {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(DbError::Io)?;
        }
        let conn = Connection::open(path)?;
        Self::init(conn, key)
    }

    /// An in-memory database, for tests.
    pub fn open_in_memory(key: MasterKey) -> Result<Self, DbError> {
        Self::init(Connection::open_in_memory()?, key)
    }

    fn init(mut conn: Connection, key: MasterKey) -> Result<Self, DbError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
            key,
        })
    }

    /// The connection, for one store call.
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll
        // back on drop), so a poisoned lock is safe to keep using.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The schema version now in the file.
    pub fn schema_version(&self) -> Result<i64, DbError> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > known {
        return Err(DbError::TooNew {
            found: current,
            known,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "applied database migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_record_their_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("gitward.db");
        let db = Db::open(&path, MasterKey::from_bytes([7; 32])).expect("open");
        let v = db.schema_version().expect("version");
        assert_eq!(v, MIGRATIONS.last().map_or(0, |m| m.0));
        drop(db);
        let db = Db::open(&path, MasterKey::from_bytes([7; 32])).expect("reopen");
        assert_eq!(db.schema_version().expect("version"), v);
    }
}
