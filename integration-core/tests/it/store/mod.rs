//! One behavioural suite, run against every [`Store`] implementation.
//!
//! PostgreSQL (feature `postgres`) reads `DATABASE_URL`; each test runs in a fresh schema that
//! is dropped afterwards. Without a reachable database the PostgreSQL tests print a notice and
//! pass, except under `CI=true`, where they fail.

pub(crate) mod harness;
mod replicas;
mod suite;

macro_rules! store_suite {
    ($backend:ident: $($name:ident),* $(,)?) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(harness) = super::harness::$backend().await else {
                        return;
                    };
                    super::suite::$name(harness.store.clone()).await;
                    harness.finish().await;
                }
            )*
        }
    };
}

macro_rules! all_backends {
    ($($name:ident),* $(,)?) => {
        store_suite!(memory: $($name),*);
        store_suite!(sqlite: $($name),*);
        store_suite!(sqlite_in_memory: $($name),*);
        #[cfg(feature = "postgres")]
        store_suite!(postgres: $($name),*);
    };
}

all_backends!(
    installation_lifecycle,
    tenant_binding,
    secrets_round_trip_and_are_forgotten,
    settings_use_optimistic_versions,
    oauth_states_are_taken_once_and_expire,
    oauth_states_keep_their_purpose,
    handoffs_are_taken_once_and_expire,
    the_store_answers_a_ping,
    contract_requests_are_claimed_once,
    contract_claims_are_released_and_taken_over,
    sales_and_contracts_are_linked,
    deliveries_are_deduplicated_and_queued,
    jobs_are_leased_completed_retried_and_parked,
    expired_lease_is_re_leased_and_the_stale_token_is_fenced,
    audit_log_lists_recent_entries_per_installation,
    concurrent_workers_never_lease_the_same_job,
    duplicate_delivery_racing_the_original_is_recorded_once,
    concurrent_claims_of_one_request_key_yield_one_claim,
    concurrent_bindings_of_one_tenant_yield_one_installation,
    concurrent_takes_of_one_oauth_state_yield_one_login,
    rate_budgets_count_per_fixed_window,
    concurrent_rate_budget_takes_never_exceed_the_limit,
    completion_and_its_audit_entries_are_written_together,
    rate_budget_units_are_taken_all_or_nothing,
    concurrent_multi_unit_takes_never_exceed_the_limit,
    named_locks_are_exclusive_until_released_or_expired,
    concurrent_lockers_get_one_holding,
    purging_removes_completed_work_and_its_dedupe_keys,
);

macro_rules! replica_suite {
    ($backend:ident: $($name:ident),* $(,)?) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(replicas) = super::harness::$backend().await else {
                        return;
                    };
                    let (a, b) = replicas.stores();
                    super::replicas::$name(a, b).await;
                    replicas.finish().await;
                }
            )*
        }
    };
}

macro_rules! all_shared_backends {
    ($($name:ident),* $(,)?) => {
        replica_suite!(sqlite_replicas: $($name),*);
        #[cfg(feature = "postgres")]
        replica_suite!(postgres_replicas: $($name),*);
    };
}

all_shared_backends!(
    replicas_see_each_others_state,
    replicas_lease_disjoint_jobs,
    replicas_racing_one_delivery_record_it_once,
    a_replica_takes_over_an_expired_lease,
);
