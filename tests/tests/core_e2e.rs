//! `integration-core` end to end: one `Integration` against both sandboxes and a small host
//! that forwards the webhooks, checked against what both systems hold afterwards. Runs on
//! SQLite, and on PostgreSQL (feature `postgres`) when `DATABASE_URL` is set — mandatory under
//! `CI=true`.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use integration_core::engine::{Ack, EngineError, IntegrationConfig};
use integration_core::policy::contract_factory::{
    ContractChoices, Delivery, FileChoice, FileKind, ParticipantChoice, ParticipantSource,
    PartyKind,
};
use integration_core::store::{InstallationId, SecretKey, SqliteStore, Store};
use integration_core::Integration;
use oneflow_client::models::draft::ParticipantRole;
use oneflow_client::models::DeliveryChannel;
use oneflow_sandbox::{DeliveryConfig, OneflowSandbox, SeedUser};
use secrecy::SecretString;
use superoffice_client::Environment;
use superoffice_sandbox::{default_seed as so_seed, SuperOfficeSandbox};

const PDF: &[u8] = b"%PDF-1.4\n% offer\n%%EOF\n";
const ATTACHMENT: &[u8] = b"PK\x03\x04 terms";

/// What the host answered, per delivery.
#[derive(Default)]
struct Answers {
    queued: usize,
    duplicates: usize,
}

#[derive(Clone)]
struct Host {
    engine: Integration,
    answers: Arc<Mutex<Answers>>,
}

async fn oneflow_hook(State(host): State<Host>, Path(id): Path<i64>, body: Bytes) -> StatusCode {
    let answer = host
        .engine
        .ingest_oneflow_webhook(InstallationId::new(id), &body)
        .await;
    answer_with(&host, answer)
}

async fn superoffice_hook(
    State(host): State<Host>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let signature = headers
        .get(superoffice_client::webhook::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let answer = host
        .engine
        .ingest_superoffice_webhook(InstallationId::new(id), &body, signature)
        .await;
    answer_with(&host, answer)
}

fn answer_with(host: &Host, answer: Result<Ack, EngineError>) -> StatusCode {
    match answer {
        Ok(ack) => {
            let mut answers = host.answers.lock().unwrap();
            match ack {
                Ack::Duplicate => answers.duplicates += 1,
                Ack::Queued { .. } => answers.queued += 1,
                _ => {}
            }
            StatusCode::OK
        }
        Err(EngineError::BadSignature { .. }) => StatusCode::UNAUTHORIZED,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

async fn drain(engine: &Integration) {
    for _ in 0..20 {
        if engine.process_next_batch().await.unwrap().leased == 0 {
            return;
        }
    }
    panic!("the queue did not drain");
}

async fn delivered(oneflow: &OneflowSandbox, contract: i64, event: &str, copies: usize) {
    oneflow
        .wait_for_deliveries(|log| {
            log.iter()
                .filter(|d| {
                    d.contract_id == contract
                        && d.event_types.iter().any(|t| t == event)
                        && d.outcome.is_success()
                })
                .count()
                >= copies
        })
        .await
        .expect("the delivery arrives");
}

fn sale_status(superoffice: &SuperOfficeSandbox, sale: i32) -> String {
    superoffice.sale(so_seed::MAIN_TENANT, sale).unwrap()["Status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn sale_patches(superoffice: &SuperOfficeSandbox) -> usize {
    superoffice
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/Sale/") && r.status < 300)
        .count()
}

/// The whole life of one installation on `store`.
async fn the_core_end_to_end(store: Arc<dyn Store>) {
    let superoffice = SuperOfficeSandbox::start().await.unwrap();
    let oneflow = OneflowSandbox::builder()
        .account_name("Nordic Trading AS")
        .user(SeedUser::new("Ada Admin", so_seed::ADMIN_EMAIL).admin(true))
        .user(SeedUser::new("Sam Seller", so_seed::SELLER_EMAIL))
        .delivery_config(DeliveryConfig::immediate())
        .start()
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = IntegrationConfig::new(
        Environment::custom(superoffice.base_url()).unwrap(),
        superoffice.client_id(),
        superoffice.client_secret(),
        so_seed::REDIRECT_URI.parse().unwrap(),
        base.parse().unwrap(),
    )
    .oneflow_base_url(oneflow.base_url().as_str());
    let engine = Integration::builder(config, store).build().unwrap();
    let answers = Arc::new(Mutex::new(Answers::default()));
    let app = Router::new()
        .route("/webhooks/oneflow/{id}", post(oneflow_hook))
        .route("/webhooks/superoffice/{id}", post(superoffice_hook))
        .with_state(Host {
            engine: engine.clone(),
            answers: answers.clone(),
        });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let api = oneflow_client::Client::builder()
        .base_url(oneflow.base_url().as_str())
        .api_token(oneflow.api_token().to_owned())
        .build()
        .unwrap();

    // Setup: the admin in both systems binds the tenant; panel and both webhooks exist.
    let installation = engine
        .register_oneflow_account(oneflow.api_token())
        .await
        .unwrap();
    let id = installation.id;
    let sign_in = engine.begin_setup(id, so_seed::ADMIN_EMAIL).await.unwrap();
    let callback = superoffice
        .sign_in(&sign_in, so_seed::ADMIN_EMAIL)
        .await
        .unwrap();
    let report = engine.complete_setup(callback.as_str()).await.unwrap();
    assert_eq!(report.tenant, so_seed::MAIN_TENANT);
    assert!(report.data_fields_missing.is_empty(), "{report:?}");
    let panels = superoffice.web_panels(so_seed::MAIN_TENANT).unwrap();
    assert_eq!(
        panels
            .iter()
            .filter(|p| p["WebPanelId"] == report.panel_id && p["Deleted"] != true)
            .count(),
        1,
        "{panels:#?}"
    );
    let so_hooks = superoffice.webhooks(so_seed::MAIN_TENANT).unwrap();
    assert!(
        so_hooks
            .iter()
            .any(|h| h["WebhookId"] == report.superoffice_webhook_id),
        "{so_hooks:#?}"
    );
    let of_hooks = api.webhooks().list().await.unwrap();
    assert!(of_hooks
        .iter()
        .any(|h| h.webhook_id.get() == report.oneflow_webhook_id));

    // The seller's templates: one with both a PDF and an Attachments section.
    let templates = engine
        .templates_for(id, so_seed::SELLER_EMAIL)
        .await
        .unwrap();
    let full = templates
        .iter()
        .find(|t| t.template.has_pdf_section && t.template.has_attachments_section)
        .expect("a template with PDF and attachments");
    let choices_for = |sale: i32, key: &str, files: Vec<FileChoice>| {
        let person = superoffice.sale(so_seed::MAIN_TENANT, sale).unwrap()["Person"]["PersonId"]
            .as_i64()
            .unwrap() as i32;
        let mut choices = ContractChoices::new(
            full.workspace_id.into(),
            full.template.id.into(),
            key.to_owned(),
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
        choices.files = files;
        choices.delivery = Delivery::Send {
            subject: "Your contract".into(),
            message: "Please review and sign.".into(),
        };
        choices
    };
    let files = || {
        vec![
            FileChoice::new(
                "offer.pdf",
                "application/pdf",
                PDF.len() as u64,
                FileKind::Pdf,
            ),
            FileChoice::new(
                "terms.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ATTACHMENT.len() as u64,
                FileKind::Attachment,
            ),
        ]
    };
    let contents = || vec![PDF.to_vec(), ATTACHMENT.to_vec()];

    // Sale A (101): a contract with the PDF and an attachment, submitted twice → one contract.
    let choices = choices_for(so_seed::OPEN_SALE_ID, "e2e-a", files());
    let first = engine
        .create_contract_from_sale(id, so_seed::SELLER_EMAIL, 101, &choices, contents())
        .await
        .unwrap();
    let again = engine
        .create_contract_from_sale(id, so_seed::SELLER_EMAIL, 101, &choices, contents())
        .await
        .unwrap();
    assert_eq!(again.contract_id, first.contract_id);
    assert!(again.existing && !first.existing);
    let contract_a = first.contract_id;
    let uploaded = api.files().list(contract_a.into()).await.unwrap();
    let kinds: Vec<String> = uploaded
        .iter()
        .filter_map(|f| f.file_type.as_ref().map(|t| t.as_str().to_owned()))
        .collect();
    assert!(
        kinds.iter().any(|k| k == "pdf") && kinds.iter().any(|k| k == "attachment"),
        "{kinds:?}"
    );
    delivered(&oneflow, contract_a, "contract:publish", 1).await;
    drain(&engine).await;
    assert_eq!(sale_status(&superoffice, 101), "Open");

    // Signed, and Oneflow delivers every notification twice: Sold, one update.
    oneflow.set_duplicate_delivery(true);
    oneflow.sign_all(contract_a).unwrap();
    delivered(&oneflow, contract_a, "contract:sign", 2).await;
    drain(&engine).await;
    assert_eq!(sale_status(&superoffice, 101), "Sold");
    assert_eq!(sale_patches(&superoffice), 1);
    assert!(
        answers.lock().unwrap().duplicates >= 1,
        "the copy was acknowledged as a duplicate"
    );
    oneflow.set_duplicate_delivery(false);

    // Mapping off: Sale B's (102) declined contract changes nothing.
    let admin = SecretString::from(
        superoffice
            .issue_access_token(so_seed::ADMIN_EMAIL)
            .unwrap(),
    );
    let mut settings = engine.settings(id).await.unwrap();
    settings.stage_mapping.stage_mapping_enabled = false;
    engine
        .update_settings(id, &admin, settings.clone())
        .await
        .unwrap();
    let b_off = engine
        .create_contract_from_sale(
            id,
            so_seed::SELLER_EMAIL,
            102,
            &choices_for(so_seed::SECOND_OPEN_SALE_ID, "e2e-b-off", files()),
            contents(),
        )
        .await
        .unwrap()
        .contract_id;
    let signatory = |contract: i64| {
        let api = api.clone();
        async move {
            api.contracts()
                .get(contract.into())
                .await
                .unwrap()
                .counterparties()
                .flat_map(|p| p.all_participants())
                .find(|p| p.signatory)
                .expect("a signatory")
                .id
                .get()
        }
    };
    oneflow.decline(b_off, signatory(b_off).await).unwrap();
    delivered(&oneflow, b_off, "contract:decline", 1).await;
    drain(&engine).await;
    assert_eq!(sale_status(&superoffice, 102), "Open");
    assert_eq!(sale_patches(&superoffice), 1);

    // Mapping on again: a new contract on Sale B is declined → Lost.
    settings.stage_mapping.stage_mapping_enabled = true;
    engine.update_settings(id, &admin, settings).await.unwrap();
    let b = engine
        .create_contract_from_sale(
            id,
            so_seed::SELLER_EMAIL,
            102,
            &choices_for(so_seed::SECOND_OPEN_SALE_ID, "e2e-b", files()),
            contents(),
        )
        .await
        .unwrap()
        .contract_id;
    oneflow.decline(b, signatory(b).await).unwrap();
    delivered(&oneflow, b, "contract:decline", 1).await;
    drain(&engine).await;
    assert_eq!(sale_status(&superoffice, 102), "Lost");
    assert_eq!(sale_patches(&superoffice), 2);

    // Uninstall: the panel and both webhooks are gone, in both systems.
    engine.uninstall(id).await.unwrap();
    let panels = superoffice.web_panels(so_seed::MAIN_TENANT).unwrap();
    assert!(
        !panels
            .iter()
            .any(|p| p["WebPanelId"] == report.panel_id && p["Deleted"] != true),
        "{panels:#?}"
    );
    let so_hooks = superoffice.webhooks(so_seed::MAIN_TENANT).unwrap();
    assert!(
        !so_hooks
            .iter()
            .any(|h| h["WebhookId"] == report.superoffice_webhook_id),
        "{so_hooks:#?}"
    );
    let of_hooks = api.webhooks().list().await.unwrap();
    assert!(!of_hooks
        .iter()
        .any(|h| h.webhook_id.get() == report.oneflow_webhook_id));
    // The admin's refresh token was revoked at SuperOffice.
    assert!(superoffice
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.path.ends_with("/oauth/revoke") && r.status == 200));
    assert!(matches!(
        engine.templates_for(id, so_seed::SELLER_EMAIL).await,
        Err(EngineError::Uninstalled(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_core_end_to_end_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("integration.db"), SecretKey::generate())
        .await
        .unwrap();
    the_core_end_to_end(Arc::new(store.clone())).await;
    store.close().await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_core_end_to_end_on_postgres() {
    use std::str::FromStr;

    use integration_core::store::{PgConnectOptions, PostgresStore};
    use sqlx::Connection;

    let under_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let url = match std::env::var("DATABASE_URL") {
        Ok(url) => url,
        Err(_) if under_ci => panic!("PostgreSQL is required under CI=true; set DATABASE_URL"),
        Err(_) => {
            eprintln!("notice: skipping the PostgreSQL end-to-end test: DATABASE_URL is not set");
            return;
        }
    };
    let mut admin = match sqlx::PgConnection::connect(&url).await {
        Ok(conn) => conn,
        Err(e) if under_ci => panic!("PostgreSQL is required under CI=true: {e}"),
        Err(e) => {
            eprintln!("notice: skipping the PostgreSQL end-to-end test: {url} unreachable ({e})");
            return;
        }
    };
    // Its own schema, dropped afterwards.
    let schema = format!("e2e_core_{:016x}", rand_u64());
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let options = PgConnectOptions::from_str(&url)
        .unwrap()
        .options([("search_path", schema.as_str())]);
    let store = PostgresStore::connect_with(options, SecretKey::generate())
        .await
        .unwrap();
    let outcome = tokio::spawn({
        let store = store.clone();
        async move { the_core_end_to_end(Arc::new(store)).await }
    })
    .await;
    store.close().await;
    sqlx::raw_sql(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut admin)
        .await
        .unwrap();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic.into_panic());
    }
}

#[cfg(feature = "postgres")]
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}
