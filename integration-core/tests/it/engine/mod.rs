//! The engine against both sandboxes, on every embedded store (memory, SQLite).

mod contracts;
mod queries;
mod replicas;
mod rules;
mod setup;
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
    };
}
pub(crate) use engine_scenarios;
