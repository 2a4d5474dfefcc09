//! Opening the database and applying migrations.

use crate::crypto::MasterKey;
use rusqlite::{Connection, Params, Row};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Numbered migrations, applied in order, each once. Never edit a published one: add the
/// next. Numbers may have gaps (a number can be reserved for work that lands later): which
/// ones a database has is recorded in `schema_migrations`, so a migration numbered below one
/// already applied is still applied when it arrives.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_iam.sql")),
    (2, include_str!("../migrations/0002_repos.sql")),
    (
        3,
        include_str!("../migrations/0003_service_credentials.sql"),
    ),
    (4, include_str!("../migrations/0004_roles.sql")),
    (5, include_str!("../migrations/0005_ssh_keys.sql")),
    (6, include_str!("../migrations/0006_mfa.sql")),
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

/// Applies the migrations the database lacks. `schema_migrations` lists the applied ones;
/// a database from before that table existed had migrations 1..=`user_version` applied in
/// order, which is recorded first. `user_version` keeps the highest applied number, so an
/// older gitward still refuses a newer database.
fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    let tx = conn.transaction()?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             applied_at INTEGER NOT NULL
         )",
    )?;
    let recorded: i64 = tx.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))?;
    let user_version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if recorded == 0 && user_version > 0 {
        if user_version > known {
            return Err(DbError::TooNew {
                found: user_version,
                known,
            });
        }
        for (version, _) in MIGRATIONS.iter().filter(|m| m.0 <= user_version) {
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, 0)",
                [version],
            )?;
        }
    }
    tx.commit()?;
    let applied: Vec<i64> = {
        let mut st = conn.prepare("SELECT version FROM schema_migrations ORDER BY version")?;
        st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    if let Some(unknown) = applied
        .iter()
        .find(|v| !MIGRATIONS.iter().any(|m| m.0 == **v))
    {
        return Err(DbError::TooNew {
            found: *unknown,
            known,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|m| !applied.contains(&m.0)) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, strftime('%s', 'now'))",
            [version],
        )?;
        let highest: i64 = tx.query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })?;
        tx.pragma_update(None, "user_version", highest)?;
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

    fn applied(db: &Db) -> Vec<i64> {
        let conn = db.conn();
        let mut st = conn
            .prepare("SELECT version FROM schema_migrations ORDER BY version")
            .expect("prepare");
        st.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    /// A data dir written before `schema_migrations` existed (migrations 1..=4, recorded only
    /// in `user_version`) gets the later ones, and a gap in the numbers is filled when the
    /// missing migration arrives.
    #[test]
    fn old_databases_are_recorded_and_gaps_are_filled() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("gitward.db");
        {
            let mut conn = Connection::open(&path).expect("open");
            for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 <= 4) {
                let tx = conn.transaction().expect("tx");
                tx.execute_batch(sql).expect("migration");
                tx.pragma_update(None, "user_version", version)
                    .expect("version");
                tx.commit().expect("commit");
            }
        }
        let db = Db::open(&path, MasterKey::from_bytes([7; 32])).expect("open old");
        let all: Vec<i64> = MIGRATIONS.iter().map(|m| m.0).collect();
        assert_eq!(applied(&db), all);
        // Pretend a lower-numbered migration had not been applied: reopening applies it.
        db.conn()
            .execute("DELETE FROM schema_migrations WHERE version = 6", [])
            .expect("forget");
        db.conn()
            .execute_batch("DROP TABLE mfa_devices")
            .expect("drop");
        drop(db);
        let db = Db::open(&path, MasterKey::from_bytes([7; 32])).expect("reopen");
        assert_eq!(applied(&db), all);
        // A version this build does not know: the database is newer.
        db.conn()
            .execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)",
                [],
            )
            .expect("future");
        drop(db);
        assert!(matches!(
            Db::open(&path, MasterKey::from_bytes([7; 32])),
            Err(DbError::TooNew { found: 999, .. })
        ));
    }
}
