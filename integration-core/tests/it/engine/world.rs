//! One test world: both sandboxes, a store, a manual clock, the engine, and a small host that
//! forwards webhook deliveries to the engine (as a real host would).

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, TimeDelta, Utc};
use integration_core::engine::{
    Ack, Clock, EngineError, Integration, IntegrationConfig, SetupReport, WorkerConfig,
};
use integration_core::store::{AuditEntry, Installation, InstallationId, SecretKind, Store};
use oneflow_sandbox::{DeliveryConfig, OneflowSandbox, SeedUser};
use secrecy::ExposeSecret;
use superoffice_client::Environment;
use superoffice_sandbox::{default_seed as so_seed, SuperOfficeSandbox};

use integration_core::policy::contract_factory::{
    ContractChoices, Delivery, FileChoice, FileKind, ParticipantChoice, ParticipantSource,
    PartyKind,
};
use oneflow_client::models::draft::ParticipantRole;
use oneflow_client::models::DeliveryChannel;

use crate::store::harness::{Harness, Replicas};

/// A small PDF.
pub(crate) const PDF: &[u8] = b"%PDF-1.4\n% offer\n%%EOF\n";

/// The admin of the main tenant, the same e-mail in both systems.
pub(crate) const ADMIN: &str = so_seed::ADMIN_EMAIL;
/// A seller (not an admin anywhere).
pub(crate) const SELLER: &str = so_seed::SELLER_EMAIL;
/// The admin of the second tenant (`Cust67890`).
pub(crate) const SVEA_ADMIN: &str = "admin@svea.example";
pub(crate) const MAIN_TENANT: &str = so_seed::MAIN_TENANT;
pub(crate) const SECOND_TENANT: &str = "Cust67890";

/// A clock the test moves by hand; with `running`, it also moves with real time.
#[derive(Debug)]
pub(crate) struct TestClock {
    base: Mutex<DateTime<Utc>>,
    running: Option<std::time::Instant>,
}

impl TestClock {
    pub(crate) fn advance(&self, by: TimeDelta) {
        *self.base.lock().unwrap() += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = self
            .running
            .map(|started| TimeDelta::from_std(started.elapsed()).unwrap())
            .unwrap_or_default();
        *self.base.lock().unwrap() + elapsed
    }
}

pub(crate) struct World {
    pub(crate) so: SuperOfficeSandbox,
    pub(crate) of: OneflowSandbox,
    pub(crate) engine: Integration,
    /// A second replica of the host on the same database (replica worlds only).
    pub(crate) replica: Option<Integration>,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<TestClock>,
    /// The engine's configuration (for more engines on the same store).
    pub(crate) config: IntegrationConfig,
    cleanup: Cleanup,
}

enum Cleanup {
    Harness(Harness),
    Replicas(Replicas),
}

/// Oneflow users beyond the main admin and the seller: (e-mail, is admin).
pub(crate) struct Options {
    pub(crate) oneflow_users: Vec<(&'static str, bool)>,
    pub(crate) oneflow_admin_is_admin: bool,
    /// Configure the app's system-user key (background work as the system user).
    pub(crate) system_user: bool,
    /// The shared SuperOffice budget (default: generous, the test clock stands still).
    pub(crate) superoffice_budget: (u32, TimeDelta),
    /// The shared Oneflow budget (default: generous).
    pub(crate) oneflow_budget: (u32, TimeDelta),
    /// Worker tuning on top of the budgets.
    pub(crate) idle_wait: Option<std::time::Duration>,
    /// How long a call waits for a used-up budget (default zero: the test clock stands still).
    pub(crate) budget_wait: std::time::Duration,
    /// The clock moves with real time too (default: only by hand).
    pub(crate) running_clock: bool,
    /// A stage-mapping policy instead of the default.
    pub(crate) stage_mapping:
        Option<Arc<dyn integration_core::policy::stage_mapping::StageMappingPolicy>>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            oneflow_users: vec![(SVEA_ADMIN, true)],
            oneflow_admin_is_admin: true,
            system_user: false,
            superoffice_budget: (10_000, TimeDelta::seconds(1)),
            oneflow_budget: (10_000, TimeDelta::seconds(1)),
            idle_wait: None,
            budget_wait: std::time::Duration::ZERO,
            running_clock: false,
            stage_mapping: None,
        }
    }
}

impl World {
    pub(crate) async fn start(harness: Harness) -> World {
        Self::start_with(harness, Options::default()).await
    }

    pub(crate) async fn start_with(harness: Harness, options: Options) -> World {
        let store = harness.store.clone();
        Self::build(store, None, Cleanup::Harness(harness), options).await
    }

    /// Two engines, each on its own store over one shared database.
    pub(crate) async fn start_replicas(replicas: Replicas) -> World {
        let (a, b) = replicas.stores();
        Self::build(a, Some(b), Cleanup::Replicas(replicas), Options::default()).await
    }

    async fn build(
        store: Arc<dyn Store>,
        replica_store: Option<Arc<dyn Store>>,
        cleanup: Cleanup,
        options: Options,
    ) -> World {
        let so = SuperOfficeSandbox::start()
            .await
            .expect("SuperOffice sandbox");
        let mut of = OneflowSandbox::builder()
            .account_name("Nordic Trading AS")
            .user(SeedUser::new("Ada Admin", ADMIN).admin(options.oneflow_admin_is_admin))
            .user(SeedUser::new("Sam Seller", SELLER));
        for (email, admin) in &options.oneflow_users {
            of = of.user(SeedUser::new("Other", *email).admin(*admin));
        }
        let of = of
            .delivery_config(DeliveryConfig::immediate())
            .start()
            .await
            .expect("Oneflow sandbox");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let host = format!("http://{}", listener.local_addr().unwrap());
        let clock = Arc::new(TestClock {
            base: Mutex::new(Utc::now()),
            running: options.running_clock.then(std::time::Instant::now),
        });
        let config = IntegrationConfig::new(
            Environment::custom(so.base_url()).unwrap(),
            so.client_id(),
            so.client_secret(),
            so_seed::REDIRECT_URI.parse().unwrap(),
            host.parse().unwrap(),
        )
        .oneflow_base_url(of.base_url().as_str())
        .worker({
            let mut worker = WorkerConfig::default();
            worker.superoffice_budget = options.superoffice_budget;
            worker.oneflow_budget = options.oneflow_budget;
            worker.budget_wait = options.budget_wait;
            if let Some(wait) = options.idle_wait {
                worker.idle_wait = wait;
            }
            worker
        });
        let config = match so.system_user_private_key_pem() {
            Some(key) if options.system_user => config.system_user_private_key(key),
            _ => config,
        };
        let replica = replica_store.map(|other| {
            Integration::builder(config.clone(), other)
                .clock(clock.clone())
                .worker_id("replica-b")
                .build()
                .expect("replica engine")
        });
        let mut builder = Integration::builder(config.clone(), store.clone())
            .clock(clock.clone())
            .worker_id("replica-a");
        if let Some(policy) = options.stage_mapping {
            builder = builder.stage_mapping(policy);
        }
        let engine = builder.build().expect("engine");
        let app = Router::new()
            .route("/webhooks/oneflow/{id}", post(oneflow_hook))
            .route("/webhooks/superoffice/{id}", post(superoffice_hook))
            .with_state(engine.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        World {
            so,
            of,
            engine,
            replica,
            store,
            clock,
            config,
            cleanup,
        }
    }

    /// Another engine (another replica of the host) on the same store and clock.
    pub(crate) fn another_engine(&self, worker_id: &str) -> Integration {
        Integration::builder(self.config.clone(), self.store.clone())
            .clock(self.clock.clone())
            .worker_id(worker_id)
            .build()
            .expect("another engine")
    }

    /// Successful calls to SuperOffice's token endpoint so far.
    pub(crate) fn token_calls(&self) -> usize {
        self.so
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/oauth/tokens") && r.status < 300)
            .count()
    }

    pub(crate) async fn finish(self) {
        drop(self.engine);
        drop(self.replica);
        drop(self.store);
        match self.cleanup {
            Cleanup::Harness(harness) => harness.finish().await,
            Cleanup::Replicas(replicas) => replicas.finish().await,
        }
    }

    /// Registers the Oneflow account (installation 1001).
    pub(crate) async fn register(&self) -> Installation {
        self.engine
            .register_oneflow_account(self.of.api_token())
            .await
            .expect("register the Oneflow account")
    }

    /// Begins setup as `starter`, signs in to SuperOffice as `signer`, completes setup.
    pub(crate) async fn setup_as(
        &self,
        installation: InstallationId,
        starter: &str,
        signer: &str,
    ) -> Result<SetupReport, EngineError> {
        let url = self.engine.begin_setup(installation, starter).await?;
        let callback = self
            .so
            .sign_in(&url, signer)
            .await
            .expect("sandbox sign-in");
        self.engine.complete_setup(callback.as_str()).await
    }

    /// Registers and sets up the main installation; returns its id.
    pub(crate) async fn installed(&self) -> InstallationId {
        let installation = self.register().await;
        self.setup_as(installation.id, ADMIN, ADMIN)
            .await
            .expect("setup");
        installation.id
    }

    pub(crate) async fn audit(&self, installation: InstallationId) -> Vec<AuditEntry> {
        self.store.recent_audit(installation, 200).await.unwrap()
    }

    /// A Oneflow delivery signed with the installation's stored key.
    pub(crate) async fn oneflow_delivery(
        &self,
        installation: InstallationId,
        contract_id: i64,
        callback_id: &str,
        event: &str,
    ) -> Vec<u8> {
        let key = self
            .store
            .secret(installation, &SecretKind::OneflowWebhookSignKey)
            .await
            .unwrap()
            .expect("a sign key");
        oneflow_client::webhook::signed_test_body(
            contract_id,
            callback_id,
            &[(90_001, event)],
            key.expose_secret(),
        )
    }

    /// Drains the queue (jobs due now), returning how many batches ran.
    pub(crate) async fn drain(&self) {
        for _ in 0..20 {
            let report = self.engine.process_next_batch().await.expect("batch");
            if report.leased == 0 {
                return;
            }
        }
        panic!("the queue did not drain");
    }

    pub(crate) fn sale_status(&self, tenant: &str, sale: i32) -> String {
        self.so.sale(tenant, sale).unwrap()["Status"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub(crate) fn sale_patches(&self) -> usize {
        self.so
            .requests()
            .iter()
            .filter(|r| r.method == "PATCH" && r.path.contains("/Sale/") && r.status < 300)
            .count()
    }
}

async fn oneflow_hook(
    State(engine): State<Integration>,
    Path(id): Path<i64>,
    body: Bytes,
) -> StatusCode {
    answer(
        engine
            .ingest_oneflow_webhook(InstallationId::new(id), &body)
            .await,
    )
}

async fn superoffice_hook(
    State(engine): State<Integration>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let signature = headers
        .get(superoffice_client::webhook::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    answer(
        engine
            .ingest_superoffice_webhook(InstallationId::new(id), &body, signature)
            .await,
    )
}

fn answer(result: Result<Ack, EngineError>) -> StatusCode {
    match result {
        Ok(_) => StatusCode::OK,
        Err(EngineError::BadSignature { .. }) => StatusCode::UNAUTHORIZED,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl World {
    /// A Oneflow client on the account (admin rights, no acting user).
    pub(crate) fn oneflow(&self) -> oneflow_client::Client {
        oneflow_client::Client::builder()
            .base_url(self.of.base_url().as_str())
            .api_token(self.of.api_token().to_owned())
            .build()
            .unwrap()
    }

    /// The offered template with a PDF section, in the Sales workspace.
    pub(crate) async fn pdf_template(
        &self,
        installation: InstallationId,
    ) -> integration_core::engine::TemplateOption {
        self.engine
            .templates_for(installation, SELLER)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.template.has_pdf_section && !t.template.has_attachments_section)
            .expect("a template with a PDF section")
    }

    /// Choices for a contract from `sale` on the PDF template: the Sale's person signs for the
    /// company, the Sale owner on our side; a draft without files.
    pub(crate) async fn choices(
        &self,
        installation: InstallationId,
        sale: i64,
        request_key: &str,
    ) -> ContractChoices {
        let template = self.pdf_template(installation).await;
        let person = self.so.sale(MAIN_TENANT, sale as i32).unwrap()["Person"]["PersonId"]
            .as_i64()
            .expect("the Sale has a person") as i32;
        let mut choices = ContractChoices::new(
            template.workspace_id.into(),
            template.template.id.into(),
            request_key,
        );
        choices.participants = vec![
            ParticipantChoice::new(
                ParticipantSource::Person(person),
                PartyKind::Company,
                ParticipantRole::Signatory,
            )
            .delivery_channel(DeliveryChannel::Email),
            ParticipantChoice::new(
                ParticipantSource::SaleOwner,
                PartyKind::Owner,
                ParticipantRole::Signatory,
            ),
        ];
        choices
    }

    /// Creates and sends a contract from `sale` as the seller, with a PDF.
    pub(crate) async fn send_contract(&self, installation: InstallationId, sale: i64) -> i64 {
        let key = format!("req-{sale}-{}", rand_suffix());
        let mut choices = self.choices(installation, sale, &key).await;
        let pdf = PDF.to_vec();
        choices.files = vec![FileChoice::new(
            "offer.pdf",
            "application/pdf",
            pdf.len() as u64,
            FileKind::Pdf,
        )];
        choices.delivery = Delivery::Send {
            subject: "Your contract".into(),
            message: "Please review and sign.".into(),
        };
        self.engine
            .create_contract_from_sale(installation, SELLER, sale, &choices, vec![pdf])
            .await
            .expect("create the contract")
            .contract_id
    }

    /// The counterparty signatory of a contract.
    pub(crate) async fn signatory(&self, contract: i64) -> i64 {
        let contract = self
            .oneflow()
            .contracts()
            .get(contract.into())
            .await
            .unwrap();
        let id = contract
            .counterparties()
            .flat_map(|p| p.all_participants())
            .find(|p| p.signatory)
            .expect("a signatory")
            .id
            .get();
        id
    }

    /// Waits (bounded by the sandbox) until Oneflow delivered `event` for `contract`.
    pub(crate) async fn delivered(&self, contract: i64, event: &str) {
        self.of
            .wait_for_deliveries(|log| {
                log.iter().any(|d| {
                    d.contract_id == contract
                        && d.event_types.iter().any(|t| t == event)
                        && d.outcome.is_success()
                })
            })
            .await
            .expect("the delivery arrives");
    }

    /// Waits until SuperOffice delivered a successful `event` for a Sale.
    pub(crate) async fn so_delivered(&self, event: &str) {
        self.so
            .wait_for_deliveries(|log| log.iter().any(|d| d.event == event && d.success))
            .await
            .expect("the SuperOffice delivery arrives");
    }

    pub(crate) fn advance(&self, by: TimeDelta) {
        self.clock.advance(by);
    }
}

fn rand_suffix() -> String {
    format!("{:x}", Utc::now().timestamp_nanos_opt().unwrap_or_default())
}
