//! The integration as a production-style host service: the `integration-core` router and the
//! worker, configured from the environment, with graceful shutdown on Ctrl-C or SIGTERM.
//!
//! ```sh
//! SUPEROFFICE_CLIENT_ID=… SUPEROFFICE_CLIENT_SECRET=… SUPEROFFICE_ENVIRONMENT=sod \
//! PUBLIC_URL=https://contracts.example.com SECRET_KEY=$(openssl rand -hex 32) \
//!   cargo run -p examples --bin service
//!
//! cargo run -p examples --bin service -- --sandbox   # both sandboxes in-process, on loopback
//! ```
//!
//! | Variable | Meaning | Default |
//! |---|---|---|
//! | `SUPEROFFICE_CLIENT_ID` | the SuperOffice app's client id | required |
//! | `SUPEROFFICE_CLIENT_SECRET` | the app's client secret | required |
//! | `SUPEROFFICE_ENVIRONMENT` | `sod`, `stage` or `online` | `online` |
//! | `PUBLIC_URL` | where browsers and webhooks reach this service | required |
//! | `DATABASE_URL` | `sqlite://path` or `postgres://…` | `sqlite://oneflow-integration.db` |
//! | `BIND` | the listening address | `127.0.0.1:8080` |
//! | `SECRET_KEY` | 64 hex digits (32 bytes): encrypts stored secrets and session cookies | required |
//! | `FRAME_ANCESTORS` | extra origins allowed to frame the panel, space-separated | none |
//!
//! The OAuth redirect URI registered for the app is `{PUBLIC_URL}/superoffice/callback`.
//! Oneflow accounts are connected by their admins at `{PUBLIC_URL}/setup`: nothing
//! account-specific comes from the environment.
//!
//! With `--sandbox` the SuperOffice and Oneflow sandboxes start in-process and the
//! configuration points at them (a throw-away SQLite file and a random key unless given); the
//! first lines printed are `KEY=value` pairs (service URL, sandbox credentials) for scripts.

use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use integration_core::engine::{Integration, IntegrationConfig};
use integration_core::server::{router, ServerConfig};
use integration_core::store::{PostgresStore, SecretKey, SqliteStore, Store};
use oneflow_sandbox::OneflowSandbox;
use superoffice_client::Environment;
use superoffice_sandbox::{default_seed, AppRegistration, SuperOfficeSandbox};
use tokio::sync::watch;
use url::Url;

/// A setting that is missing or unusable; names the variable.
#[derive(Debug)]
enum ConfigError {
    Missing(&'static str),
    Invalid {
        variable: &'static str,
        reason: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing(variable) => write!(f, "{variable} is not set"),
            Self::Invalid { variable, reason } => write!(f, "{variable} is invalid: {reason}"),
        }
    }
}

impl std::error::Error for ConfigError {}

fn var(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn required(name: &'static str) -> Result<String, ConfigError> {
    var(name).ok_or(ConfigError::Missing(name))
}

fn invalid(variable: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        variable,
        reason: reason.into(),
    }
}

/// Everything the service reads from the environment.
struct Settings {
    environment: Environment,
    client_id: String,
    client_secret: String,
    oneflow_base_url: Option<String>,
    public_url: Url,
    database_url: String,
    bind: SocketAddr,
    key: [u8; 32],
    frame_ancestors: Vec<String>,
}

fn parse_key(hex_key: &str) -> Result<[u8; 32], ConfigError> {
    let bytes = hex::decode(hex_key.trim())
        .map_err(|_| invalid("SECRET_KEY", "not hexadecimal (64 hex digits expected)"))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        invalid(
            "SECRET_KEY",
            format!("{} bytes; 32 bytes (64 hex digits) expected", bytes.len()),
        )
    })
}

fn parse_bind(default: &str) -> Result<SocketAddr, ConfigError> {
    var("BIND")
        .unwrap_or_else(|| default.to_owned())
        .parse()
        .map_err(|e| invalid("BIND", format!("{e}; write it as 127.0.0.1:8080")))
}

fn frame_ancestors() -> Vec<String> {
    var("FRAME_ANCESTORS")
        .map(|v| v.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

impl Settings {
    fn from_env() -> Result<Self, ConfigError> {
        let environment = match var("SUPEROFFICE_ENVIRONMENT").as_deref() {
            None | Some("online") => Environment::Production,
            Some("sod") => Environment::Sod,
            Some("stage") => Environment::Stage,
            Some(other) => {
                return Err(invalid(
                    "SUPEROFFICE_ENVIRONMENT",
                    format!("{other:?}; use sod, stage or online"),
                ))
            }
        };
        let public_url: Url = required("PUBLIC_URL")?
            .parse()
            .map_err(|e| invalid("PUBLIC_URL", format!("{e}")))?;
        if !matches!(public_url.scheme(), "http" | "https") {
            return Err(invalid("PUBLIC_URL", "use an http(s) URL"));
        }
        Ok(Self {
            environment,
            client_id: required("SUPEROFFICE_CLIENT_ID")?,
            client_secret: required("SUPEROFFICE_CLIENT_SECRET")?,
            oneflow_base_url: None,
            public_url,
            database_url: var("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://oneflow-integration.db".to_owned()),
            bind: parse_bind("127.0.0.1:8080")?,
            key: parse_key(&required("SECRET_KEY")?)?,
            frame_ancestors: frame_ancestors(),
        })
    }
}

async fn open_store(
    url: &str,
    key: [u8; 32],
) -> Result<Arc<dyn Store>, Box<dyn std::error::Error>> {
    let secret = SecretKey::from_bytes(key);
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(PostgresStore::connect(url, secret).await?));
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            invalid(
                "DATABASE_URL",
                "use sqlite://path/to/file.db or postgres://user@host/database",
            )
        })?;
    Ok(Arc::new(SqliteStore::open(path, secret).await?))
}

/// The sandboxes kept alive while the service runs.
struct Sandboxes {
    oneflow: OneflowSandbox,
    superoffice: SuperOfficeSandbox,
    _dir: tempfile::TempDir,
}

async fn sandbox_settings(
    listener: &tokio::net::TcpListener,
) -> Result<(Settings, Sandboxes), Box<dyn std::error::Error>> {
    let address = listener.local_addr()?;
    let public_url: Url = format!("http://{address}/").parse()?;
    let callback = format!("http://{address}/superoffice/callback");
    let superoffice = SuperOfficeSandbox::builder()
        .app(AppRegistration::sandbox_default().redirect_uri(callback))
        .start()
        .await?;
    let oneflow = OneflowSandbox::start().await?;
    let dir = tempfile::tempdir()?;
    let key = match var("SECRET_KEY") {
        Some(hex_key) => parse_key(&hex_key)?,
        None => rand::random::<[u8; 32]>(),
    };
    let database_url = var("DATABASE_URL")
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("integration.db").display()));
    let ui_origin = superoffice.ui_url().origin().ascii_serialization();
    let mut frame_ancestors = frame_ancestors();
    frame_ancestors.push(ui_origin);
    let settings = Settings {
        environment: Environment::custom(superoffice.base_url().as_str())?,
        client_id: superoffice.client_id().to_owned(),
        client_secret: superoffice.client_secret().to_owned(),
        oneflow_base_url: Some(oneflow.base_url().to_string()),
        public_url,
        database_url,
        bind: address,
        key,
        frame_ancestors,
    };
    Ok((
        settings,
        Sandboxes {
            oneflow,
            superoffice,
            _dir: dir,
        },
    ))
}

/// Resolves once Ctrl-C or SIGTERM arrived.
fn shutdown_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(term) => term,
                    Err(e) => {
                        eprintln!("cannot listen for SIGTERM: {e}");
                        let _ = ctrl_c.await;
                        let _ = tx.send(true);
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        let _ = tx.send(true);
    });
    rx
}

async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

async fn run(sandbox: bool) -> Result<(), Box<dyn std::error::Error>> {
    let (settings, listener, sandboxes) = if sandbox {
        let listener = tokio::net::TcpListener::bind(parse_bind("127.0.0.1:0")?).await?;
        let (settings, sandboxes) = sandbox_settings(&listener).await?;
        (settings, listener, Some(sandboxes))
    } else {
        let settings = Settings::from_env()?;
        let listener = tokio::net::TcpListener::bind(settings.bind).await?;
        (settings, listener, None)
    };
    let store = open_store(&settings.database_url, settings.key).await?;
    let base = settings
        .public_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let mut config = IntegrationConfig::new(
        settings.environment.clone(),
        settings.client_id.clone(),
        settings.client_secret.clone(),
        format!("{base}/superoffice/callback").parse()?,
        settings.public_url.clone(),
    );
    if let Some(oneflow) = &settings.oneflow_base_url {
        config = config.oneflow_base_url(oneflow.as_str());
    }
    if let Some(sandboxes) = &sandboxes {
        if let Some(key) = sandboxes.superoffice.system_user_private_key_pem() {
            config = config.system_user_private_key(key);
        }
    }
    let engine = Integration::builder(config, store).build()?;
    let mut server_config = ServerConfig::builder(settings.key);
    for origin in &settings.frame_ancestors {
        server_config = server_config.frame_ancestor(origin.as_str());
    }
    let app = router(Arc::new(engine.clone()), server_config.build()?);

    let mut out = std::io::stdout().lock();
    writeln!(out, "SERVICE_URL={base}")?;
    writeln!(out, "SETUP_URL={base}/setup")?;
    if let Some(sandboxes) = &sandboxes {
        // The sandboxes' own test credentials, printed on purpose.
        writeln!(out, "ONEFLOW_BASE_URL={}", sandboxes.oneflow.base_url())?;
        writeln!(out, "ONEFLOW_API_TOKEN={}", sandboxes.oneflow.api_token())?;
        writeln!(
            out,
            "SUPEROFFICE_BASE_URL={}",
            sandboxes.superoffice.issuer()
        )?;
        writeln!(out, "SUPEROFFICE_UI_URL={}", sandboxes.superoffice.ui_url())?;
        writeln!(out, "ADMIN_EMAIL={}", default_seed::ADMIN_EMAIL)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Serving on {} (public URL {base}). Press Ctrl-C to stop.",
        listener.local_addr()?
    )?;
    out.flush()?;
    drop(out);

    let stop = shutdown_signal();
    let worker = {
        let engine = engine.clone();
        let stop = stop.clone();
        tokio::spawn(async move { engine.run_worker(stopped(stop)).await })
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(stopped(stop))
        .await?;
    worker.await?;
    if let Some(sandboxes) = sandboxes {
        sandboxes.oneflow.shutdown().await;
        sandboxes.superoffice.shutdown().await;
    }
    println!("Stopped.");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let sandbox = std::env::args().skip(1).any(|arg| arg == "--sandbox");
    match run(sandbox).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("service: {error}");
            ExitCode::FAILURE
        }
    }
}
