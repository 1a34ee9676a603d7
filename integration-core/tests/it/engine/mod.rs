//! The engine against both sandboxes, on every store: memory, SQLite and (feature
//! `postgres`, `DATABASE_URL`) PostgreSQL, each test in its own schema.

mod contracts;
mod crash;
mod faults;
mod queries;
mod replicas;
mod rules;
mod setup;
mod shared;
mod sync;
pub(crate) mod world;

macro_rules! engine_scenarios {
    ($module:ident: $($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let harness = crate::store::harness::memory().await.unwrap();
                    super::$name(super::super::world::World::start(harness).await).await;
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let harness = crate::store::harness::sqlite().await.unwrap();
                    super::$name(super::super::world::World::start(harness).await).await;
                }
            )*
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    // Skips with a notice without a database (fails under CI=true).
                    let Some(harness) = crate::store::harness::postgres().await else {
                        return;
                    };
                    super::$name(super::super::world::World::start(harness).await).await;
                }
            )*
        }
    };
}
pub(crate) use engine_scenarios;

/// Like [`engine_scenarios`], for scenarios that build their own world from a harness
/// (`async fn name(harness: Harness)`).
macro_rules! harness_scenarios {
    ($module:ident: $($name:ident),* $(,)?) => {
        mod with_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::store::harness::memory().await.unwrap()).await;
                }
            )*
        }
        mod with_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::store::harness::sqlite().await.unwrap()).await;
                }
            )*
        }
        #[cfg(feature = "postgres")]
        mod with_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(harness) = crate::store::harness::postgres().await else {
                        return;
                    };
                    super::$name(harness).await;
                }
            )*
        }
    };
}
pub(crate) use harness_scenarios;
