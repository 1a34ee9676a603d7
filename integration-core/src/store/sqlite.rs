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
use super::memory::{link_conflict, recorded_conflict, request_key_conflict, settings_conflict};
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
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(StoreError::database("open the SQLite database"))?;
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
