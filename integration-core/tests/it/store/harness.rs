//! Builds a fresh store per test.

use std::sync::Arc;

use integration_core::store::{MemoryStore, SecretKey, SqliteStore, Store};

pub(crate) struct Harness {
    pub(crate) store: Arc<dyn Store>,
    cleanup: Cleanup,
}

enum Cleanup {
    Nothing,
    Sqlite(SqliteStore, tempfile::TempDir),
    #[cfg(feature = "postgres")]
    Postgres(integration_core::store::PostgresStore, pg::SchemaGuard),
}

impl Harness {
    pub(crate) async fn finish(self) {
        drop(self.store);
        match self.cleanup {
            Cleanup::Nothing => {}
            Cleanup::Sqlite(store, dir) => {
                store.close().await;
                drop(dir);
            }
            #[cfg(feature = "postgres")]
            Cleanup::Postgres(store, guard) => {
                store.close().await;
                drop(guard);
            }
        }
    }
}

pub(crate) async fn memory() -> Option<Harness> {
    Some(Harness {
        store: Arc::new(MemoryStore::new()),
        cleanup: Cleanup::Nothing,
    })
}

/// A file in a temporary directory: WAL mode and a pool of several connections.
pub(crate) async fn sqlite() -> Option<Harness> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(dir.path().join("store.db"), SecretKey::generate())
        .await
        .expect("open the SQLite store");
    Some(Harness {
        store: Arc::new(store.clone()),
        cleanup: Cleanup::Sqlite(store, dir),
    })
}

pub(crate) async fn sqlite_in_memory() -> Option<Harness> {
    let store = SqliteStore::in_memory(SecretKey::generate())
        .await
        .expect("open an in-memory SQLite store");
    Some(Harness {
        store: Arc::new(store),
        cleanup: Cleanup::Nothing,
    })
}

#[cfg(feature = "postgres")]
pub(crate) async fn postgres() -> Option<Harness> {
    let (store, guard) = pg::fresh_store().await?;
    Some(Harness {
        store: Arc::new(store.clone()),
        cleanup: Cleanup::Postgres(store, guard),
    })
}

#[cfg(feature = "postgres")]
mod pg {
    use std::str::FromStr;

    use integration_core::store::{PgConnectOptions, PostgresStore, SecretKey};
    use sqlx::{Connection, PgConnection};

    fn under_ci() -> bool {
        std::env::var("CI").is_ok_and(|v| v == "true")
    }

    fn unavailable(why: &str) -> Option<(PostgresStore, SchemaGuard)> {
        if under_ci() {
            panic!("PostgreSQL is required under CI=true, but {why}");
        }
        // Once per run, and past the test harness's output capture, so it is seen.
        static NOTICE: std::sync::Once = std::sync::Once::new();
        NOTICE.call_once(|| {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "notice: skipping the PostgreSQL store tests: {why} \
                 (set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test)"
            );
        });
        None
    }

    /// Drops the test's schema, also when the test panicked.
    pub(crate) struct SchemaGuard {
        url: String,
        schema: String,
    }

    impl Drop for SchemaGuard {
        fn drop(&mut self) {
            let url = self.url.clone();
            let schema = self.schema.clone();
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for cleanup");
                runtime.block_on(async move {
                    let mut conn = PgConnection::connect(&url).await?;
                    sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .execute(&mut conn)
                        .await?;
                    conn.close().await
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("notice: could not drop test schema {}", self.schema);
            }
        }
    }

    pub(crate) async fn fresh_store() -> Option<(PostgresStore, SchemaGuard)> {
        let Ok(url) = std::env::var("DATABASE_URL") else {
            return unavailable("DATABASE_URL is not set");
        };
        let mut admin = match PgConnection::connect(&url).await {
            Ok(conn) => conn,
            Err(err) => return unavailable(&format!("{url} is not reachable ({err})")),
        };
        let schema = format!("it_store_{:016x}", rand::random::<u64>());
        sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .expect("create a test schema");
        admin.close().await.expect("close the admin connection");
        let guard = SchemaGuard {
            url: url.clone(),
            schema: schema.clone(),
        };
        let options = PgConnectOptions::from_str(&url)
            .expect("a valid DATABASE_URL")
            .options([("search_path", schema.as_str())]);
        let store = PostgresStore::connect_with(options, SecretKey::generate())
            .await
            .expect("connect the PostgreSQL store");
        Some((store, guard))
    }
}
