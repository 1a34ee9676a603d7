//! Secret hygiene of the engine (issue 12): with random secrets (the Oneflow API token, the
//! SuperOffice client secret, the system-user key, and the sign keys, webhook secrets and
//! tokens the engine makes or receives), a full engine flow — setup, templates, contracts,
//! webhooks both ways, stage sync, settings, disable/enable, uninstall — and its error paths
//! (wrong signatures, a refused API token, 401s, non-admins, forged OAuth states) leave no
//! secret in any log line (captured at TRACE from every crate), in the `Debug` of the engine,
//! its configuration and its results, or in any error's `Display`, `Debug` or source chain.
//!
//! A binary of its own: it installs a global tracing subscriber. The clients' own error paths
//! (token endpoint answering 2xx but not 200, redirects) are covered by each client's
//! `tests/secret_hygiene.rs`.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use integration_core::engine::{EngineError, IntegrationConfig};
use integration_core::policy::contract_factory::{
    ContractChoices, Delivery, FileChoice, FileKind, ParticipantChoice, ParticipantSource,
    PartyKind,
};
use integration_core::store::{InstallationId, SecretKey, SecretKind, SqliteStore, Store};
use integration_core::Integration;
use oneflow_client::models::draft::ParticipantRole;
use oneflow_client::models::DeliveryChannel;
use oneflow_sandbox::{DeliveryConfig, OneflowSandbox, SeedUser};
use secrecy::{ExposeSecret, SecretString};
use superoffice_client::Environment;
use superoffice_sandbox::{default_seed as so_seed, AppRegistration, SuperOfficeSandbox};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The global capture of every log line (all crates, TRACE, span events with their fields).
fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
        captured
    })
}

fn log_text() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned()
}

/// `n` random bytes as hex (from the standard library's randomly keyed hasher).
fn random_hex(n: usize) -> String {
    let mut out = String::new();
    while out.len() < n * 2 {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_usize(out.len());
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out.truncate(n * 2);
    out
}

/// Everything the test shows to people: error texts, `Debug` output, results.
#[derive(Default)]
struct Shown(Vec<String>);

impl Shown {
    fn debug(&mut self, what: &str, value: &dyn std::fmt::Debug) {
        self.0.push(format!("{what}: {value:?}"));
    }

    fn error(&mut self, what: &str, error: &(dyn std::error::Error + 'static)) {
        self.0.push(format!("{what}: {error} / {error:?}"));
        let mut source = error.source();
        while let Some(cause) = source {
            self.0.push(format!("{what} (cause): {cause} / {cause:?}"));
            source = cause.source();
        }
    }

    fn expect_err<T: std::fmt::Debug>(
        &mut self,
        what: &str,
        result: Result<T, EngineError>,
    ) -> EngineError {
        match result {
            Ok(value) => panic!("{what} should fail, got {value:?}"),
            Err(error) => {
                self.error(what, &error);
                error
            }
        }
    }
}

async fn oneflow_hook(
    State(engine): State<Integration>,
    Path(id): Path<i64>,
    body: Bytes,
) -> StatusCode {
    match engine
        .ingest_oneflow_webhook(InstallationId::new(id), &body)
        .await
    {
        Ok(_) => StatusCode::OK,
        Err(EngineError::BadSignature { .. }) => StatusCode::UNAUTHORIZED,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
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
    match engine
        .ingest_superoffice_webhook(InstallationId::new(id), &body, signature)
        .await
    {
        Ok(_) => StatusCode::OK,
        Err(EngineError::BadSignature { .. }) => StatusCode::UNAUTHORIZED,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

async fn drain(engine: &Integration) {
    for _ in 0..20 {
        if engine.process_next_batch().await.expect("a batch").leased == 0 {
            return;
        }
    }
    panic!("the queue did not drain");
}

fn choices(
    template: &integration_core::engine::TemplateOption,
    person: i32,
    key: &str,
) -> ContractChoices {
    let mut choices = ContractChoices::new(
        template.workspace_id.into(),
        template.template.id.into(),
        key,
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_leaks_from_a_full_engine_flow_and_its_error_paths() {
    logs();
    let mut shown = Shown::default();

    // --- Random secrets -----------------------------------------------------------------------
    let api_token = random_hex(20); // 40 characters, as Oneflow's
    let client_secret = random_hex(24);
    let so = SuperOfficeSandbox::builder()
        .app(
            AppRegistration::new(so_seed::CLIENT_ID, client_secret.clone())
                .name("Oneflow Contracts")
                .redirect_uri(so_seed::REDIRECT_URI)
                .system_user(true),
        )
        .start()
        .await
        .expect("SuperOffice sandbox");
    let of = OneflowSandbox::builder()
        .api_token(api_token.clone())
        .account_name("Nordic Trading AS")
        .user(SeedUser::new("Ada Admin", so_seed::ADMIN_EMAIL).admin(true))
        .user(SeedUser::new("Sam Seller", so_seed::SELLER_EMAIL))
        .delivery_config(DeliveryConfig::immediate())
        .start()
        .await
        .expect("Oneflow sandbox");
    let private_key = so
        .system_user_private_key_pem()
        .expect("the app has a system user")
        .to_owned();
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(dir.path().join("store.db"), SecretKey::generate())
            .await
            .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = format!("http://{}", listener.local_addr().unwrap());
    let config = IntegrationConfig::new(
        Environment::custom(so.base_url()).unwrap(),
        so_seed::CLIENT_ID,
        client_secret.clone(),
        so_seed::REDIRECT_URI.parse().unwrap(),
        host.parse().unwrap(),
    )
    .oneflow_base_url(of.base_url().as_str())
    .system_user_private_key(private_key.clone());
    shown.debug("config", &config);
    let builder = Integration::builder(config, store.clone());
    shown.debug("builder", &builder);
    let engine = builder.build().expect("engine");
    shown.debug("engine", &engine);
    let app = Router::new()
        .route("/webhooks/oneflow/{id}", post(oneflow_hook))
        .route("/webhooks/superoffice/{id}", post(superoffice_hook))
        .with_state(engine.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    // --- Setup, with its error paths ------------------------------------------------------------
    let wrong_token = random_hex(20);
    let error = shown.expect_err(
        "a refused API token",
        engine.register_oneflow_account(&wrong_token).await,
    );
    assert!(
        matches!(error, EngineError::InvalidOneflowToken),
        "{error:?}"
    );
    let installation = engine.register_oneflow_account(&api_token).await.unwrap();
    shown.debug("installation", &installation);
    let id = installation.id;
    shown.expect_err(
        "a forged OAuth state",
        engine
            .complete_setup(&format!(
                "{}?code={}&state={}",
                so_seed::REDIRECT_URI,
                random_hex(8),
                random_hex(8)
            ))
            .await,
    );
    // The seller is no administrator (refused when setup starts or when it completes).
    match engine.begin_setup(id, so_seed::SELLER_EMAIL).await {
        Ok(url) => {
            let callback = so.sign_in(&url, so_seed::SELLER_EMAIL).await.unwrap();
            shown.expect_err(
                "a non-admin's setup",
                engine.complete_setup(callback.as_str()).await,
            );
        }
        Err(error) => shown.error("a non-admin's setup", &error),
    }
    let url = engine.begin_setup(id, so_seed::ADMIN_EMAIL).await.unwrap();
    shown.debug("sign-in URL", &url);
    let callback = so.sign_in(&url, so_seed::ADMIN_EMAIL).await.unwrap();
    let report = engine.complete_setup(callback.as_str()).await.unwrap();
    shown.debug("setup report", &report);
    assert!(
        report.system_user,
        "background work runs as the system user"
    );

    // --- Contracts, webhooks, stage sync -------------------------------------------------------
    let templates = engine
        .templates_for(id, so_seed::SELLER_EMAIL)
        .await
        .unwrap();
    shown.debug("templates", &templates);
    let template = templates
        .iter()
        .find(|t| t.template.has_pdf_section && !t.template.has_attachments_section)
        .expect("a template with a PDF section");
    let mut contracts = Vec::new();
    for sale in [101_i32, 102] {
        let person = so.sale(so_seed::MAIN_TENANT, sale).unwrap()["Person"]["PersonId"]
            .as_i64()
            .unwrap() as i32;
        let mut choices = choices(template, person, &format!("req-{sale}-{}", random_hex(4)));
        let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
        choices.files = vec![FileChoice::new(
            "offer.pdf",
            "application/pdf",
            pdf.len() as u64,
            FileKind::Pdf,
        )];
        choices.delivery = Delivery::Send {
            subject: "Your contract".into(),
            message: "Please sign.".into(),
        };
        let plan = engine
            .preview_contract(id, so_seed::SELLER_EMAIL, i64::from(sale), &choices)
            .await
            .unwrap();
        shown.debug("plan", &plan);
        let created = engine
            .create_contract_from_sale(
                id,
                so_seed::SELLER_EMAIL,
                i64::from(sale),
                &choices,
                vec![pdf],
            )
            .await
            .unwrap();
        shown.debug("created", &created);
        contracts.push(created.contract_id);
    }
    // A template that does not exist: Oneflow answers 404.
    let mut missing = template.clone();
    missing.template.id += 999_999;
    let bad = choices(&missing, 0, "req-bad");
    shown.expect_err(
        "invalid choices",
        engine
            .create_contract_from_sale(id, so_seed::SELLER_EMAIL, 101, &bad, vec![])
            .await,
    );
    of.sign_all(contracts[0]).unwrap();
    let contract = oneflow_client::Client::builder()
        .base_url(of.base_url().as_str())
        .api_token(api_token.clone())
        .build()
        .unwrap()
        .contracts()
        .get(contracts[1].into())
        .await
        .unwrap();
    let signatory = contract
        .counterparties()
        .flat_map(|p| p.all_participants())
        .find(|p| p.signatory)
        .unwrap()
        .id
        .get();
    of.decline(contracts[1], signatory).unwrap();
    of.wait_for_deliveries(|log| {
        let has = |c: i64, e: &str| {
            log.iter().any(|d| {
                d.contract_id == c && d.outcome.is_success() && d.event_types.iter().any(|t| t == e)
            })
        };
        has(contracts[0], "contract:sign") && has(contracts[1], "contract:decline")
    })
    .await
    .unwrap();
    drain(&engine).await;
    assert_eq!(
        so.sale(so_seed::MAIN_TENANT, 101).unwrap()["Status"],
        "Sold"
    );
    assert_eq!(
        so.sale(so_seed::MAIN_TENANT, 102).unwrap()["Status"],
        "Lost"
    );
    so.wait_for_deliveries(|log| log.iter().any(|d| d.event == "sale.changed" && d.success))
        .await
        .unwrap();
    drain(&engine).await;
    for contract in &contracts {
        shown.debug("explain", &engine.explain(id, *contract).await.unwrap());
    }
    shown.debug("reconcile", &engine.reconcile(id).await.unwrap());

    // --- The secrets the engine made or received ------------------------------------------------
    let mut secrets = vec![
        ("Oneflow API token", api_token.clone()),
        ("client secret", client_secret.clone()),
    ];
    // The private key's body lines (the PEM armour is public text).
    for line in private_key
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
    {
        secrets.push(("system-user key", line.to_owned()));
    }
    for kind in [
        SecretKind::OneflowApiToken,
        SecretKind::OneflowWebhookSignKey,
        SecretKind::SuperOfficeWebhookSecret,
        SecretKind::SuperOfficeRefreshToken,
        SecretKind::SuperOfficeSystemToken,
    ] {
        let value = store
            .secret(id, &kind)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{kind} is stored"));
        secrets.push(("stored secret", value.expose_secret().to_owned()));
    }
    let sign_key = store
        .secret(id, &SecretKind::OneflowWebhookSignKey)
        .await
        .unwrap()
        .unwrap();
    let so_secret = store
        .secret(id, &SecretKind::SuperOfficeWebhookSecret)
        .await
        .unwrap()
        .unwrap();

    // --- Webhook error paths ----------------------------------------------------------------------
    let genuine = oneflow_client::webhook::signed_test_body(
        contracts[0],
        "cb-genuine",
        &[(90_001, "contract:sign")],
        sign_key.expose_secret(),
    );
    let wrong_key = random_hex(16);
    let forged = oneflow_client::webhook::signed_test_body(
        contracts[0],
        "cb-forged",
        &[(90_001, "contract:sign")],
        &wrong_key,
    );
    secrets.push(("a forger's key", wrong_key.clone()));
    shown.expect_err(
        "a Oneflow delivery signed with another key",
        engine.ingest_oneflow_webhook(id, &forged).await,
    );
    let mut tampered = String::from_utf8(genuine.clone()).unwrap();
    tampered = tampered.replacen("cb-genuine", "cb-tampered", 1);
    shown.expect_err(
        "a tampered Oneflow delivery",
        engine.ingest_oneflow_webhook(id, tampered.as_bytes()).await,
    );
    shown.debug(
        "a genuine Oneflow delivery",
        &engine.ingest_oneflow_webhook(id, &genuine).await,
    );
    let body = br#"{"EventId":"evt-1","Event":"sale.changed","PrimaryKey":101,"Entity":"sale","ContextIdentifier":"Cust12345","ChangedByAssociateId":5,"Values":{}}"#;
    let expected = superoffice_client::webhook::sign_for_test(body, so_secret.expose_secret());
    shown.expect_err(
        "a SuperOffice delivery with a wrong signature",
        engine
            .ingest_superoffice_webhook(id, body, &random_hex(32))
            .await,
    );
    let mut other = body.to_vec();
    other[10] ^= 1;
    shown.expect_err(
        "a SuperOffice delivery whose body changed",
        engine
            .ingest_superoffice_webhook(id, &other, &expected)
            .await,
    );
    secrets.push(("a SuperOffice signature", expected.clone()));

    // --- Settings: 401s and non-admins ------------------------------------------------------------
    let bogus = SecretString::from(random_hex(24));
    secrets.push(("a bogus access token", bogus.expose_secret().to_owned()));
    let settings = engine.settings(id).await.unwrap();
    shown.debug("settings", &settings);
    shown.expect_err(
        "settings with an unknown token (401)",
        engine.update_settings(id, &bogus, settings.clone()).await,
    );
    let seller = SecretString::from(so.issue_access_token(so_seed::SELLER_EMAIL).unwrap());
    secrets.push((
        "the seller's access token",
        seller.expose_secret().to_owned(),
    ));
    let error = shown.expect_err(
        "settings by a non-admin",
        engine.update_settings(id, &seller, settings.clone()).await,
    );
    assert!(
        matches!(error, EngineError::NotSuperOfficeAdmin),
        "{error:?}"
    );
    let admin = SecretString::from(so.issue_access_token(so_seed::ADMIN_EMAIL).unwrap());
    secrets.push(("the admin's access token", admin.expose_secret().to_owned()));
    shown.debug(
        "settings changed",
        &engine.update_settings(id, &admin, settings).await.unwrap(),
    );

    // --- Disable, enable, uninstall, and calls after it -------------------------------------------
    shown.debug("disabled", &engine.disable(id).await.unwrap());
    shown.debug("enabled", &engine.enable(id).await.unwrap());
    engine.uninstall(id).await.unwrap();
    shown.expect_err(
        "a delivery after uninstall",
        engine.ingest_oneflow_webhook(id, &genuine).await,
    );
    shown.expect_err(
        "setup after uninstall",
        engine.begin_setup(id, so_seed::ADMIN_EMAIL).await,
    );
    shown.debug("audit", &store.recent_audit(id, 500).await.unwrap());
    shown.debug("engine at the end", &engine);

    // --- Nothing shown or logged carries a secret ---------------------------------------------------
    let logged = log_text();
    assert!(
        logged.contains("oneflow.request") && logged.contains("superoffice.request"),
        "the capture saw both clients' request spans"
    );
    for (what, secret) in &secrets {
        assert!(
            secret.len() >= 16,
            "{what} is long enough to be distinctive"
        );
        if let Some(line) = logged.lines().find(|l| l.contains(secret.as_str())) {
            panic!("{what} appears in a log line: {line}");
        }
        for text in &shown.0 {
            assert!(!text.contains(secret.as_str()), "{what} appears in: {text}");
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), so.shutdown()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_run_logs_and_narrates_no_secret() {
    logs();
    let mut narration = Vec::new();
    let summary =
        examples::story::run_story(examples::story::StoryOptions::default(), &mut narration)
            .await
            .expect("the demo runs");
    assert!(summary.all_expected(), "{summary:?}");
    let narration = String::from_utf8(narration).unwrap();
    let logged = log_text();
    for (what, secret) in [
        (
            "Oneflow API token",
            oneflow_sandbox::default_seed::API_TOKEN,
        ),
        ("client secret", so_seed::CLIENT_SECRET),
    ] {
        assert!(!narration.contains(secret), "{what} in the narration");
        assert!(
            !format!("{summary:?}").contains(secret),
            "{what} in the summary"
        );
        if let Some(line) = logged.lines().find(|l| l.contains(secret)) {
            panic!("{what} appears in a log line: {line}");
        }
    }
}
