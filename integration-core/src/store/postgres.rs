//! [`PostgresStore`]: several replicas share one database.

use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;
pub use sqlx::postgres::PgConnectOptions;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::Row;

use super::crypto::SecretCipher;
use super::error::{link_conflict, recorded_conflict, request_key_conflict, settings_conflict};
use super::sql::{
    decode, held, impl_sql_store, INSTALLATION_COLUMNS, JOB_COLUMNS, OAUTH_PURPOSE, POSTGRES_LEASE,
};
use super::*;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "rate_budgets",
        include_str!("../../migrations/postgres/0002_rate_budgets.sql"),
    ),
    (
        3,
        "named_locks",
        include_str!("../../migrations/postgres/0003_named_locks.sql"),
    ),
    (
        4,
        "panel_sign_in",
        include_str!("../../migrations/postgres/0004_panel_sign_in.sql"),
    ),
];

/// Advisory lock key held while migrating, so replicas starting together migrate once.
const MIGRATION_LOCK: i64 = 0x0F10_5C0E_0000_0001;

/// A [`Store`] in PostgreSQL, for several replicas of a host sharing the work.
///
/// Jobs are leased with `FOR UPDATE SKIP LOCKED`, so replicas never lease the same job;
/// unique constraints make deliveries, contract-request keys and tenant bindings exactly-once.
/// Connecting applies the embedded migrations (serialised by an advisory lock).
///
/// ```no_run
/// use integration_core::store::{PostgresStore, SecretKey};
/// # async fn run() -> Result<(), integration_core::store::StoreError> {
/// let store = PostgresStore::connect(
///     "postgres://integration@db.internal:5432/integration",
///     SecretKey::from_bytes([7; 32]),
/// )
/// .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    cipher: SecretCipher,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Connection options may hold a password: show only the pool's shape.
        f.debug_struct("PostgresStore")
            .field("connections", &self.pool.size())
            .field("idle", &self.pool.num_idle())
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`).
    pub async fn connect(url: &str, key: SecretKey) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(StoreError::database("parse the PostgreSQL URL"))?;
        Self::connect_with(options, key).await
    }

    /// Connects with explicit options (e.g. a `search_path` to keep the tables in a schema).
    pub async fn connect_with(
        options: PgConnectOptions,
        key: SecretKey,
    ) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(StoreError::database("connect to PostgreSQL"))?;
        Self::from_pool(pool, key).await
    }

    /// Uses an existing pool (migrating its database).
    pub async fn from_pool(pool: PgPool, key: SecretKey) -> Result<Self, StoreError> {
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

async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    let fail = StoreError::database;
    let mut tx = pool
        .begin()
        .await
        .map_err(fail("migrate the PostgreSQL database"))?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(fail("lock the PostgreSQL migrations"))?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS integration_core_migrations (\
         version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *tx)
    .await
    .map_err(fail("migrate the PostgreSQL database"))?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM integration_core_migrations")
        .fetch_all(&mut *tx)
        .await
        .map_err(fail("migrate the PostgreSQL database"))?;
    for (version, name, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(fail("apply a PostgreSQL migration"))?;
        sqlx::query(
            "INSERT INTO integration_core_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(name)
        .bind(millis(Utc::now()))
        .execute(&mut *tx)
        .await
        .map_err(fail("apply a PostgreSQL migration"))?;
    }
    tx.commit()
        .await
        .map_err(fail("migrate the PostgreSQL database"))
}

impl_sql_store!(PostgresStore, PgRow, POSTGRES_LEASE);
