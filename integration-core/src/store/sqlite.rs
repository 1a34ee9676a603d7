//! [`SqliteStore`]: the embedded default.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::Row;

use super::crypto::SecretCipher;
use super::error::{link_conflict, recorded_conflict, request_key_conflict, settings_conflict};
use super::sql::{
    decode, held, impl_sql_store, INSTALLATION_COLUMNS, JOB_COLUMNS, OAUTH_PURPOSE, SQLITE_LEASE,
};
use super::*;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        "rate_budgets",
        include_str!("../../migrations/sqlite/0002_rate_budgets.sql"),
    ),
    (
        3,
        "named_locks",
        include_str!("../../migrations/sqlite/0003_named_locks.sql"),
    ),
    (
        4,
        "panel_sign_in",
        include_str!("../../migrations/sqlite/0004_panel_sign_in.sql"),
    ),
];

/// A [`Store`] in one SQLite file (WAL mode), safe for concurrent tasks of one process.
///
/// Opening applies the embedded migrations. Secrets are encrypted with the [`SecretKey`].
///
/// ```no_run
/// use integration_core::store::{SecretKey, SqliteStore};
/// # async fn run() -> Result<(), integration_core::store::StoreError> {
/// let store = SqliteStore::open("/var/lib/oneflow-superoffice/store.db", SecretKey::from_bytes([7; 32])).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    cipher: SecretCipher,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Connection options may hold a password: show only the pool's shape.
        f.debug_struct("SqliteStore")
            .field("connections", &self.pool.size())
            .field("idle", &self.pool.num_idle())
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path` and migrates it.
    pub async fn open(path: impl AsRef<Path>, key: SecretKey) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a delivery acknowledged to the sender survives a power loss too.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        // Two processes creating the same file at once race to switch it to WAL, which needs
        // an exclusive lock that SQLite's busy timeout does not wait for: retry briefly.
        let mut attempt: u32 = 0;
        let pool = loop {
            match SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options.clone())
                .await
            {
                Ok(pool) => break pool,
                Err(err) if is_busy(&err) && attempt < OPEN_ATTEMPTS => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(10 * u64::from(attempt))).await;
                }
                Err(err) => return Err(StoreError::database("open the SQLite database")(err)),
            }
        };
        Self::from_pool(pool, key).await
    }

    /// A private in-memory database on one connection, gone when the store is dropped: for
    /// tests and demos.
    pub async fn in_memory(key: SecretKey) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(StoreError::database("open an in-memory SQLite database"))?
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(StoreError::database("open an in-memory SQLite database"))?;
        Self::from_pool(pool, key).await
    }

    async fn from_pool(pool: SqlitePool, key: SecretKey) -> Result<Self, StoreError> {
        migrate(&pool).await?;
        Ok(Self {
            pool,
            cipher: SecretCipher::new(&key),
        })
    }

    /// Closes the connections (waits for running statements).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// How often `open` retries while another process holds the new file's lock (≈ 4 s in all).
const OPEN_ATTEMPTS: u32 = 25;

/// `SQLITE_BUSY` or `SQLITE_LOCKED`, also as extended result codes.
fn is_busy(err: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = err else {
        return false;
    };
    db.code()
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| matches!(code & 0xff, 5 | 6))
}

async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    let fail = StoreError::database;
    // BEGIN IMMEDIATE: two processes opening one file migrate one after the other.
    let mut tx = pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(fail("migrate the SQLite database"))?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS integration_core_migrations (\
         version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )
    .execute(&mut *tx)
    .await
    .map_err(fail("migrate the SQLite database"))?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM integration_core_migrations")
        .fetch_all(&mut *tx)
        .await
        .map_err(fail("migrate the SQLite database"))?;
    for (version, name, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(fail("apply a SQLite migration"))?;
        sqlx::query(
            "INSERT INTO integration_core_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(name)
        .bind(millis(Utc::now()))
        .execute(&mut *tx)
        .await
        .map_err(fail("apply a SQLite migration"))?;
    }
    tx.commit()
        .await
        .map_err(fail("migrate the SQLite database"))
}

impl_sql_store!(SqliteStore, SqliteRow, SQLITE_LEASE);

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[tokio::test]
    async fn a_file_from_an_older_version_is_migrated_forward_keeping_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        // A database as version 1 of this crate left it: schema 1 and one installation.
        {
            let options = SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true);
            let pool = SqlitePool::connect_with(options).await.unwrap();
            sqlx::raw_sql(
                "CREATE TABLE integration_core_migrations (\
                 version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);\
                 INSERT INTO integration_core_migrations VALUES (1, 'initial', 0);",
            )
            .execute(&pool)
            .await
            .unwrap();
            sqlx::raw_sql(MIGRATIONS[0].2).execute(&pool).await.unwrap();
            sqlx::raw_sql("INSERT INTO installations VALUES (5, 'active', 'Cust5', 1000, 1000)")
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }
        let store = SqliteStore::open(&path, SecretKey::generate())
            .await
            .unwrap();
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM integration_core_migrations ORDER BY version")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        assert_eq!(versions, [1, 2, 3, 4]);
        let kept = store
            .installation(InstallationId::new(5))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(kept.tenant.as_deref(), Some("Cust5"));
        // The tables of the later migrations work.
        let now = Utc::now();
        assert!(matches!(
            store
                .take_rate_budget("k", 1, TimeDelta::seconds(60), now)
                .await
                .unwrap(),
            RateDecision::Allowed { remaining: 0 }
        ));
        assert!(store
            .try_lock("l", "me", TimeDelta::seconds(5), now)
            .await
            .unwrap()
            .is_some());
        store.close().await;
    }

    #[tokio::test]
    async fn secrets_are_encrypted_in_the_file_and_need_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let key = SecretKey::from_bytes([9; 32]);
        let id = InstallationId::new(77);
        let now = Utc::now();
        {
            let store = SqliteStore::open(&path, key.clone()).await.unwrap();
            store.create_installation(id, now).await.unwrap();
            let token = SecretString::from("of-api-token-plaintext".to_owned());
            store
                .put_secret(id, &SecretKind::OneflowApiToken, &token, now)
                .await
                .unwrap();
            let raw: Vec<u8> = sqlx::query_scalar("SELECT sealed FROM secrets")
                .fetch_one(&store.pool)
                .await
                .unwrap();
            assert!(!raw.windows(b"plaintext".len()).any(|w| w == b"plaintext"));
            store.close().await;
        }
        // Reopening runs no migration twice and reads the secret back with the same key …
        let store = SqliteStore::open(&path, key).await.unwrap();
        let back = store
            .secret(id, &SecretKind::OneflowApiToken)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back.expose_secret(), "of-api-token-plaintext");
        store.close().await;
        // … and not with another one.
        let wrong = SqliteStore::open(&path, SecretKey::from_bytes([8; 32]))
            .await
            .unwrap();
        let err = wrong
            .secret(id, &SecretKind::OneflowApiToken)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Decrypt { installation } if installation == id));
        assert!(!err.to_string().contains("plaintext"));
    }
}
